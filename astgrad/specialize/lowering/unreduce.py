"""Lowering: `t = unreduce(g, x, axis, keepdims)` stays g (the reduced axis put back with length
1) where every use of t broadcasts it to x's shape anyway (`w_bar = t_bar * 2 * w`).
"""

from __future__ import annotations

import copy
from typing import Callable

import gast

from ...analysis.expression_shapes import expression_shape
from ...ir.trees import name_counts, names_in, walk
from .common import float_array_in, literal_axis, plain_unreduce, put_back, single_target


def lazy_unreduce(fdef: gast.FunctionDef, unreduce: str, shape_of: Callable, np_name: str) -> None:
    """`t = unreduce(g, x, axis, keepdims)` (possibly `/ n`) → `t = g` (for an axis, with it put
    back as a length-1 axis) where every use of t is an elementwise expression whose other
    operands already have x's shape."""
    nodes = walk(fdef)
    assigned = name_counts(fdef, (gast.Store,))
    candidates: dict[str, tuple[gast.Assign, tuple]] = {}
    for s in nodes:
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            continue
        call = s.value.left if isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Div) else s.value
        if not plain_unreduce(call, unreduce):
            continue
        args = call.args
        if assigned.get(s.targets[0].id) == 1:
            shape = shape_of(args[1].id)
            if shape:
                candidates[s.targets[0].id] = (s, shape)
    if not candidates:
        return
    ok = dict.fromkeys(candidates, True)
    for s in nodes:
        if not isinstance(s, gast.stmt) or isinstance(s, (gast.FunctionDef, gast.If, gast.For, gast.While)):
            if isinstance(s, (gast.If, gast.While)):
                _reject_loads(s.test, ok)
            if isinstance(s, gast.For):
                _reject_loads(s.iter, ok)
            continue
        value = s.value if isinstance(s, (gast.Assign, gast.Expr, gast.Return)) else None
        used = names_in(s, (gast.Load,)) & set(candidates)
        if not used:
            continue
        own = single_target(s) if candidates.get(single_target(s), (None,))[0] is s else None
        if own is not None:  # a candidate's own definition: the others it reads are used in a call
            for t in used - {own}:
                ok[t] = False
            continue
        for t in used:
            if value is None or len(used) > 1 or not _broadcasts_to(value, t, candidates[t][1], shape_of, np_name):
                ok[t] = False  # (two candidates in one expression: each relies on the other's shape)
    for t, (s, _) in candidates.items():
        if ok[t]:
            call = s.value.left if isinstance(s.value, gast.BinOp) else s.value
            replacement = copy.deepcopy(call.args[0])
            axis, keepdims = literal_axis(call.args[2]), call.args[3].value
            if axis is not None and not keepdims:
                replacement = put_back(replacement, axis, len(candidates[t][1]))
            if isinstance(s.value, gast.BinOp):
                s.value.left = replacement
            else:
                s.value = replacement
            # t is now smaller than its shape fact says (its uses spread it): see algebra.py
            fdef._ag_spread_later = getattr(fdef, "_ag_spread_later", set()) | {t}


def _reject_loads(expr: gast.AST, ok: dict[str, bool]) -> None:
    for n in walk(expr):
        if isinstance(n, gast.Name) and n.id in ok:
            ok[n.id] = False


def _broadcasts_to(expr: gast.AST, t: str, shape: tuple, shape_of, np_name: str) -> bool:
    """Whether `expr` is elementwise arithmetic in which the operands other than `t` broadcast
    to `shape` exactly (so a t of fewer elements gives the same result as t spread to `shape`)."""
    if not any(isinstance(n, gast.Name) and n.id != t for n in walk(expr)):
        return False
    others = gast.Tuple(elts=[n for n in walk(expr) if isinstance(n, gast.Name) and n.id != t], ctx=gast.Load())
    if not float_array_in(others, shape_of):
        return False  # (a number times a boolean mask would be float64 whatever x's float type)
    return expression_shape(expr, lambda n: () if n == t else shape_of(n), np_name) == tuple(shape)
