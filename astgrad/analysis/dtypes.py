"""Which earlier array each name's dtype provably is (for specialised code, which knows shapes
but shares one specialisation among float16, float32 and float64 arrays).

The adjoint of a full sum `np.sum(m)` is `np.ones_like(m)`: it needs m only for its shape and
dtype. The shape is a fact; with the dtype read off another array, m itself need not be
computed at all when nothing else reads it (a loss term whose value the gradient never uses):

    margins = np.maximum(0.0, t5)          →   (not computed)
    margins_bar = np.ones_like(margins)         margins_bar = np.ones((128, 10), t5.dtype)

`dtype_roots` follows each name, assigned once, through the operations that keep their operand's
dtype (arithmetic with Python numbers, ufuncs of one array, reductions, subscripts, operations
of two arrays of one root) back to the first array that is not such an operation of one.
"""

from __future__ import annotations

import functools

import gast
import numpy as np

from ..ir.trees import walk
from ..rules.registry import numpy_names

WEAK = "weak"  # a Python number (NEP 50: it takes the other operand's dtype)


def dtype_roots(fdef: gast.FunctionDef, python_numbers: set[str], np_name: str) -> dict[str, str]:
    """name → the array whose dtype it always has (itself for an array made otherwise), or WEAK
    for Python numbers (`python_numbers`: the parameters that are floats or ints). In-place
    writes keep an array's dtype; a name bound more than once has no root."""
    assigned: dict[str, list[gast.AST | None]] = {}
    for node in walk(fdef):
        if isinstance(node, gast.Assign):
            for t in node.targets:
                if isinstance(t, gast.Name):
                    assigned.setdefault(t.id, []).append(node.value)
        elif isinstance(node, (gast.AugAssign, gast.For)) and isinstance(node.target, gast.Name):
            assigned.setdefault(node.target.id, []).extend([None, None])
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    roots: dict[str, str] = {p: WEAK if p in python_numbers else p for p in params if p not in assigned}
    todo = True
    while todo:
        todo = False
        for n, values in assigned.items():
            if n in roots or len(values) != 1:
                continue
            root = _root(values[0], roots, np_name)
            if root is _PENDING:
                continue
            roots[n] = n if root is None else root
            todo = True
    return roots


_PENDING = object()


def root_of(expr: gast.AST, roots: dict[str, str], np_name: str) -> str | None:
    """The array whose dtype `expr` provably has (given `dtype_roots`), WEAK, or None."""
    root = _root(expr, roots, np_name)
    return None if root is _PENDING else root


_KEEPING = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult)  # float operands' dtype


def _root(v: gast.AST, roots: dict[str, str], np_name: str):
    """The root of an expression: a name, WEAK, None (a new root: the name itself), or _PENDING."""
    if isinstance(v, gast.Constant):
        return WEAK if type(v.value) in (int, float) else None
    if isinstance(v, gast.Name):
        return roots.get(v.id, _PENDING) if not getattr(v, "_ag_global", False) else None
    if isinstance(v, gast.UnaryOp) and isinstance(v.op, (gast.USub, gast.UAdd)):
        return _root(v.operand, roots, np_name)
    if isinstance(v, gast.BinOp) and isinstance(
        v.op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult)
    ):
        return _combine(_root(v.left, roots, np_name), _root(v.right, roots, np_name))
    if isinstance(v, gast.Subscript):
        return _root(v.value, roots, np_name)
    if isinstance(v, gast.Attribute) and v.attr == "T":
        return _root(v.value, roots, np_name)
    if isinstance(v, gast.Attribute) and v.attr in ("shape", "ndim", "size"):
        return WEAK  # Python ints
    if isinstance(v, gast.Tuple):
        return WEAK if all(_root(e, roots, np_name) == WEAK for e in v.elts) else None
    if isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id in ("len", "float", "int"):
        return WEAK if getattr(v, "_ag_fn", None) in (len, float, int) or getattr(v.func, "_ag_global", 0) else None
    if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) and isinstance(v.func.value, gast.Name):
        if getattr(getattr(v, "_ag_fn", None), "__module__", None) == "math":
            return WEAK if all(_root(a, roots, np_name) == WEAK for a in v.args) else None
    if isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute) and isinstance(v.func.value, gast.Name):
        if v.func.value.id != np_name or not v.args:
            return None
        fn = getattr(np, v.func.attr, None)
        if (
            isinstance(fn, np.ufunc)
            and fn.nout == 1
            and _keeps_float_dtype(fn)
            or v.func.attr in numpy_names("keeps_dtype")
        ):
            operands = list(v.args) if isinstance(fn, np.ufunc) else v.args[:1]
            root = _root(operands[0], roots, np_name)
            for other in operands[1:]:
                root = _combine(root, _root(other, roots, np_name))
            return None if root == WEAK else root  # (np.exp(2.0) is a float64 scalar)
    return None


@functools.cache
def _keeps_float_dtype(fn: np.ufunc) -> bool:
    """Whether the ufunc gives float16/32/64 operands a result of their own dtype (np.exp, not
    np.greater or np.isnan)."""
    try:
        with np.errstate(all="ignore"):
            return all(
                np.asarray(fn(*[np.ones(1, t)] * fn.nin)).dtype == t for t in (np.float16, np.float32, np.float64)
            )
    except Exception:  # noqa: BLE001 - a ufunc that takes no floats: no claim
        return False


def _combine(a, b):
    if a is _PENDING or b is _PENDING:
        return _PENDING
    if a == WEAK:
        return b
    if b == WEAK or a == b:
        return a
    return None
