"""The shape of an expression of specialised code from its names' known shapes: elementwise
arithmetic, NumPy ufunc calls, np.where, subscripts that only add length-1 axes, reverse or pick
rows (the lowering rewrites, algebra.py, dots.py and reductions.py ask).
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from .. import rules, runtime
from ..optimize.cleanup import number_value
from .activity import BINOPS


def elementwise_op(op: gast.operator) -> bool:
    """Whether the operator's registry entry says it is elementwise (broadcasting)."""
    rule = rules.lookup(BINOPS.get(type(op)))
    return rule is not None and rule.elementwise


def _fancy_rows(index: gast.AST, shape_of: Callable) -> tuple[int, tuple, int] | None:
    """For `x[:, i, j]` (full slices, then adjacent index arrays of known shapes, nothing
    after them): (the number of leading slices, the arrays' broadcast shape, their number)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    lead = 0
    while lead < len(parts) and isinstance(parts[lead], gast.Slice) and spreading_index(parts[lead]):
        lead += 1
    arrays = parts[lead:]
    if not arrays or not all(isinstance(p, gast.Name) for p in arrays):
        return None
    shapes = [shape_of(p.id) for p in arrays]
    kinds = getattr(shape_of, "kind", lambda n: None)
    if any(sh is None for sh in shapes) or any(kinds(p.id) not in ("i", "u") for p in arrays):
        return None  # (boolean masks select as many as they hold)
    try:
        return lead, tuple(np.broadcast_shapes(*shapes)), len(arrays)
    except ValueError:
        return None


def spreading_index(index: gast.AST) -> bool:
    """Whether a subscript is full slices and None only (`g[:, None]`: the same values, with
    length-1 axes put in)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]

    def ok(p: gast.AST) -> bool:
        if isinstance(p, gast.Constant):
            return p.value is None
        return isinstance(p, gast.Slice) and p.lower is None and p.upper is None and p.step is None

    return all(ok(p) for p in parts)


def expression_shape(
    expr: gast.AST, shape_of: Callable[[str], tuple | None], np_name: str, same_shape: set[str] = frozenset()
) -> tuple | None:
    """The shape of elementwise arithmetic over names of known shape (NumPy ufunc calls and
    np.where included; calls of the helpers `same_shape`, shaped like their first argument), or None."""
    known = getattr(expr, "_ag_shape", None)  # set where the expression was made (batching.py)
    if known is not None:
        return known
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and expr.func.id in same_shape:
        return expression_shape(expr.args[0], shape_of, np_name) if expr.args else None
    if isinstance(expr, gast.Name):
        return shape_of(expr.id)
    if isinstance(expr, gast.Constant):
        return () if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool) else None
    if isinstance(expr, gast.Subscript) and _fancy_rows(expr.slice, shape_of) is not None:
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        lead, rows, count = _fancy_rows(expr.slice, shape_of)
        if inner is None or lead + count > len(inner):
            return None
        return tuple(inner[:lead]) + rows + tuple(inner[lead + count :])
    if isinstance(expr, gast.Subscript) and spreading_index(expr.slice):
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        parts = expr.slice.elts if isinstance(expr.slice, gast.Tuple) else [expr.slice]
        if inner is None or sum(1 for p in parts if isinstance(p, gast.Slice)) > len(inner):
            return None
        shape, rest = [], list(inner)
        for p in parts:
            shape.append(1) if isinstance(p, gast.Constant) else shape.append(rest.pop(0))
        return tuple(shape + rest)
    if isinstance(expr, gast.Subscript) and (picked := _basic_index(expr.slice, shape_of)) is not None:
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        if inner is None or sum(1 for p in picked if p != "new") > len(inner):
            return None
        shape, rest = [], list(inner)
        for p in picked:
            if p == "new":
                shape.append(1)
            elif p == "all":
                shape.append(rest.pop(0))
            else:  # (one position: the axis goes)
                rest.pop(0)
        return tuple(shape + rest)
    if isinstance(expr, gast.Subscript) and _reversal(expr.slice):
        return expression_shape(expr.value, shape_of, np_name, same_shape)
    if isinstance(expr, gast.Attribute) and expr.attr == "T":
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        return None if inner is None else inner[::-1]
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.MatMult):
        a, b = (expression_shape(e, shape_of, np_name, same_shape) for e in (expr.left, expr.right))
        if not a or not b or len(a) + len(b) < 3 or a[-1] != b[-2 if len(b) > 1 else -1]:
            return None
        try:
            return tuple(runtime.matmul_shape(a, b))
        except ValueError:
            return None
    if isinstance(expr, gast.Call) and _swapaxes(expr, np_name):
        inner = expression_shape(expr.args[0], shape_of, np_name, same_shape)
        if inner is None or not all(-len(inner) <= a.value < len(inner) for a in expr.args[1:]):
            return None
        i, j = (a.value % len(inner) for a in expr.args[1:])
        swapped = list(inner)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return tuple(swapped)
    if isinstance(expr, gast.BinOp):
        parts = [expr.left, expr.right] if elementwise_op(expr.op) else None
    elif isinstance(expr, gast.UnaryOp):
        parts = [expr.operand] if isinstance(expr.op, gast.USub) else None
    elif isinstance(expr, gast.Call) and not expr.keywords and _ufunc(expr.func, np_name):
        parts = list(expr.args)
    else:
        parts = None
    if not parts:
        return None
    shapes = [expression_shape(p, shape_of, np_name, same_shape) for p in parts]
    if any(sh is None for sh in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _basic_index(index: gast.AST, shape_of: Callable) -> list[str] | None:
    """For `x[:, t, None]` (full slices, None and single positions: int literals, or names of
    known int numbers), each part as "all", "new" or "one"; None for any other index."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    kinds = getattr(shape_of, "kind", lambda n: None)
    out = []
    for p in parts:
        if isinstance(p, gast.Slice) and p.lower is None and p.upper is None and p.step is None:
            out.append("all")
        elif isinstance(p, gast.Constant) and p.value is None:
            out.append("new")
        elif type(number_value(p)) is int or (
            isinstance(p, gast.Name) and shape_of(p.id) == () and kinds(p.id) in ("i", "u")
        ):
            out.append("one")
        else:
            return None
    return out


def _reversal(index: gast.AST) -> bool:
    """Whether `index` is `::-1` (or `::1`, `:`): the same shape, in some order."""
    if not isinstance(index, gast.Slice) or index.lower is not None or index.upper is not None:
        return False
    return index.step is None or number_value(index.step) in (1, -1)


def _swapaxes(call: gast.Call, np_name: str) -> bool:
    f = call.func
    return (
        isinstance(f, gast.Attribute)
        and f.attr == "swapaxes"
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
        and len(call.args) == 3
        and not call.keywords
        and all(isinstance(a, gast.Constant) and type(a.value) is int for a in call.args[1:])
    )


def _ufunc(f: gast.AST, np_name: str) -> bool:
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
        return False
    fn = getattr(np, f.attr, None)
    return isinstance(fn, np.ufunc) or fn is np.where
