"""Rewrites only specialised gradients get (specialize.py), with every argument's shape known.

The general code calls runtime helpers that decide at run time what to do from their arguments'
ranks; specialised code knows the ranks, so it can say directly what a hand-written gradient
says, and it is never differentiated again (that reads the general code), so it can use any
Python:

  * `matmul_left(g, W, h)` with a matrix W and a vector h is `g[:, None] * h` (the table below);
  * `unreduce(g, x)` of a full reduction stays the scalar g where every use of it broadcasts it
    to x's shape anyway (`w_bar = t_bar * 2 * w`);
  * `select_share(x, y)` of two numbers is `(0.5 if x == y else 1.0)`;
  * the tape is used through its list methods (`tape.append(v)`, `v = tape.pop()`).
"""

from __future__ import annotations

import copy
from typing import Callable

import gast
import numpy as np

from .context import Context
from .normalize import name

# (helper, rank of a, rank of b) → the expression, in the helper's own argument names g, a, b
MATMUL_ADJOINTS: dict[tuple[str, int, int], str] = {
    ("matmul_left", 2, 1): "g[:, None] * b",
    ("matmul_left", 2, 2): "g @ b.T",
    ("matmul_left", 1, 2): "b @ g",
    ("matmul_left", 1, 1): "g * b",
    ("matmul_right", 2, 1): "g @ a",
    ("matmul_right", 2, 2): "a.T @ g",
    ("matmul_right", 1, 2): "a[:, None] * g",
    ("matmul_right", 1, 1): "g * a",
}
for (_helper, _a, _b), _text in list(MATMUL_ADJOINTS.items()):  # np.dot is matmul up to 2-d
    MATMUL_ADJOINTS[(_helper.replace("matmul", "dot"), _a, _b)] = _text

_ELEMENTWISE_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)


def lower(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable[[str], tuple | None]) -> None:
    """Apply the rewrites to `fdef` in place; `shape_of(name)` is the known shape of a primal
    value or of an adjoint (its primal's), None where unknown (and for every adjoint that is
    ever a bare constant: a scalar zero standing for an array)."""
    helpers = {ctx.helper(h): h for h in ("matmul_left", "matmul_right", "dot_left", "dot_right")}
    share = ctx.helper("select_share")
    tape_ops = {ctx.helper("push"): "append", ctx.helper("pop"): "pop"}
    _lazy_unreduce(fdef, ctx.helper("unreduce"), shape_of)

    class Rewrite(gast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if not isinstance(f, gast.Name) or node.keywords:
                return node
            if f.id in helpers and len(node.args) == 3 and all(isinstance(a, gast.Name) for a in node.args):
                g, a, b = (x.id for x in node.args)
                ranks = (shape_of(a), shape_of(b))
                if shape_of(g) is not None and None not in ranks:
                    text = MATMUL_ADJOINTS.get((helpers[f.id], len(ranks[0]), len(ranks[1])))
                    if text is not None:
                        return _expression(text, {"g": g, "a": a, "b": b})
            if f.id == share and len(node.args) == 2 and all(isinstance(a, gast.Name) for a in node.args):
                x, y = (a.id for a in node.args)
                if shape_of(x) == () and shape_of(y) == ():
                    return _expression("(0.5 if x == y else 1.0)", {"x": x, "y": y})
            if f.id in tape_ops and node.args and isinstance(node.args[0], gast.Name):
                method = gast.Attribute(value=node.args[0], attr=tape_ops[f.id], ctx=gast.Load())
                return gast.Call(func=method, args=node.args[1:], keywords=[])
            return node

    Rewrite().visit(fdef)


def _expression(text: str, names: dict[str, str]) -> gast.AST:
    expr = gast.parse(text, mode="eval").body

    class Rename(gast.NodeTransformer):
        def visit_Name(self, node):
            return name(names[node.id]) if node.id in names else node

    return Rename().visit(expr)


def _lazy_unreduce(fdef: gast.FunctionDef, unreduce: str, shape_of: Callable[[str], tuple | None]) -> None:
    """`t = unreduce(g, x, None, False)` (possibly `/ n`) → `t = g` where every use of t is an
    elementwise expression whose other operands already have x's shape."""
    assigned: dict[str, int] = {}
    for n in gast.walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            assigned[n.id] = assigned.get(n.id, 0) + 1
    candidates: dict[str, tuple[gast.Assign, tuple]] = {}
    for s in gast.walk(fdef):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            continue
        call = s.value.left if isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Div) else s.value
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name) and call.func.id == unreduce):
            continue
        args = call.args
        full = len(args) == 4 and all(isinstance(a, gast.Constant) and a.value in (None, False) for a in args[2:])
        if full and isinstance(args[1], gast.Name) and assigned.get(s.targets[0].id) == 1:
            shape = shape_of(args[1].id)
            if shape:
                candidates[s.targets[0].id] = (s, shape)
    if not candidates:
        return
    ok = dict.fromkeys(candidates, True)
    for s in gast.walk(fdef):
        if not isinstance(s, gast.stmt) or isinstance(s, (gast.FunctionDef, gast.If, gast.For, gast.While)):
            if isinstance(s, (gast.If, gast.While)):
                _reject_loads(s.test, ok)
            if isinstance(s, gast.For):
                _reject_loads(s.iter, ok)
            continue
        value = s.value if isinstance(s, (gast.Assign, gast.Expr, gast.Return)) else None
        loads = {n.id for n in gast.walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        used = loads & set(candidates)
        if not used:
            continue
        if candidates.get(_target(s), (None,))[0] is s:
            continue  # its own definition
        for t in used:
            if value is None or len(used) > 1 or not _broadcasts_to(value, t, candidates[t][1], shape_of):
                ok[t] = False  # (two candidates in one expression: each relies on the other's shape)
    for t, (s, _) in candidates.items():
        if ok[t]:
            call = s.value.left if isinstance(s.value, gast.BinOp) else s.value
            replacement = copy.deepcopy(call.args[0])
            if isinstance(s.value, gast.BinOp):
                s.value.left = replacement
            else:
                s.value = replacement


def _target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _reject_loads(expr: gast.AST, ok: dict[str, bool]) -> None:
    for n in gast.walk(expr):
        if isinstance(n, gast.Name) and n.id in ok:
            ok[n.id] = False


def _broadcasts_to(expr: gast.AST, t: str, shape: tuple, shape_of) -> bool:
    """Whether `expr` is elementwise arithmetic in which the operands other than `t` broadcast
    to `shape` exactly (so a scalar t gives the same result as t spread to `shape`)."""
    others: list[tuple] = []
    for n in gast.walk(expr):
        if isinstance(n, (gast.BinOp, gast.UnaryOp)):
            if isinstance(n, gast.BinOp) and not isinstance(n.op, _ELEMENTWISE_OPS):
                return False
            if isinstance(n, gast.UnaryOp) and not isinstance(n.op, gast.USub):
                return False
        elif isinstance(n, gast.Name):
            if n.id != t:
                s = shape_of(n.id)
                if s is None:
                    return False
                others.append(s)
        elif isinstance(n, gast.Constant):
            if not isinstance(n.value, (int, float)):
                return False
        elif not isinstance(n, (gast.operator, gast.unaryop, gast.expr_context)):
            return False  # a call, a subscript...: not plain elementwise arithmetic
    try:
        return np.broadcast_shapes(*others) == shape if others else False
    except ValueError:
        return False
