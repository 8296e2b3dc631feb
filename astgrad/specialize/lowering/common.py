"""Small questions and builders the rewrites of specialize/lowering/lower.py share: an assignment's one target,
an expression from text, a name's dtype kind, a call of a helper, full slices, `unreduce` calls and
putting a reduced axis back, whether an expression makes a new array.
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ...ir import convert
from ...ir.trees import Transformer, name, walk


def full_slice_value(p: gast.AST) -> bool:
    """`:` as a subscript, or `slice(None)` as a value (an index tuple passed to a helper)."""
    if isinstance(p, gast.Slice):
        return p.lower is None and p.upper is None and p.step is None
    return (
        isinstance(p, gast.Call)
        and isinstance(p.func, gast.Name)
        and p.func.id == "slice"
        and len(p.args) == 1
        and isinstance(p.args[0], gast.Constant)
        and p.args[0].value is None
        and not p.keywords
    )


def new_array(expr: gast.AST, np_name: str) -> bool:
    """Whether `expr` surely makes a new array (arithmetic, a ufunc, a sum), never returns one it is given."""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp)):
        return True
    f = expr.func if isinstance(expr, gast.Call) else None
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
        return False
    return f.attr == "sum" or isinstance(getattr(np, f.attr, None), np.ufunc)


def np_sum_of_one(node: gast.AST, np_name: str) -> bool:
    """Whether `node` is `np.sum(a, ...)` with one positional argument."""
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and node.func.attr == "sum"
        and isinstance(node.func.value, gast.Name)
        and node.func.value.id == np_name
        and len(node.args) == 1
    )


def dtype_kind(shape_of: Callable, var: str) -> str | None:
    kind = getattr(shape_of, "kind", None)
    return kind(var) if kind is not None else None


def loses_real_part(args: list, target: str, shape_of: Callable) -> bool:
    """Whether a helper's expression would give the real `target` a complex adjoint: a complex
    name or constant among `args` (the run-time helper takes the real part: it stays)."""
    kind = getattr(shape_of, "kind", None)
    if kind is None or kind(target) == "c":
        return False
    return any(
        isinstance(n, gast.Constant) and isinstance(n.value, complex) or isinstance(n, gast.Name) and kind(n.id) == "c"
        for a in args
        for n in walk(a)
    )


def is_call_of(node: gast.AST, helper: str, arg: str) -> bool:
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == helper
        and len(node.args) == 1
        and isinstance(node.args[0], gast.Name)
        and node.args[0].id == arg
    )


def only_full_slices_and_none(index: gast.AST) -> bool:
    """Whether an index (as a value: `(slice(None), None)`) is full slices and at least one None."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]

    def none(e: gast.AST) -> bool:
        return isinstance(e, gast.Constant) and e.value is None

    return any(none(e) for e in parts) and all(full_slice_value(e) or none(e) for e in parts)


def parse_expression(text: str, names: dict[str, str]) -> gast.AST:
    expr = convert.parse(text, mode="eval").body

    class Rename(Transformer):
        def visit_Name(self, node):
            return name(names[node.id]) if node.id in names else node

    return Rename().visit(expr)


def put_back(g: gast.AST, axis: int | tuple, ndim: int) -> gast.AST:
    """`g[:, None]`: the axes a reduction over `axis` of an ndim-array removed, back with length 1."""
    none = gast.Constant(value=None, kind=None)
    if isinstance(g, gast.Constant) or isinstance(g, gast.UnaryOp) and isinstance(g.operand, gast.Constant):
        return g  # a number broadcasts as it is
    axes = sorted({a % ndim for a in ((axis,) if type(axis) is int else axis)})
    if axes == [0]:
        return gast.Subscript(value=g, slice=none, ctx=gast.Load())
    elts = [none if k in axes else gast.Slice(lower=None, upper=None, step=None) for k in range(axes[-1] + 1)]
    return gast.Subscript(value=g, slice=gast.Tuple(elts=elts, ctx=gast.Load()), ctx=gast.Load())


def plain_unreduce(node: gast.AST, unreduce: str) -> bool:
    """`unreduce(g, x, axis, keepdims)` with a literal axis (None, an int or ints) and keepdims."""
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == unreduce):
        return False
    args = node.args
    return (
        len(args) == 4
        and not node.keywords
        and isinstance(args[1], gast.Name)
        and literal_axis(args[2]) is not False
        and isinstance(args[3], gast.Constant)
        and type(args[3].value) is bool
    )


def literal_axis(node: gast.AST) -> None | int | tuple | bool:
    """The axis a literal says (None, an int, a tuple of ints); False for anything else."""
    if isinstance(node, gast.Constant) and node.value is None:
        return None
    if _literal_int(node) is not None:
        return _literal_int(node)
    if isinstance(node, gast.Tuple) and node.elts:
        ints = [_literal_int(e) for e in node.elts]
        if None not in ints:
            return tuple(ints)
    return False


def _literal_int(node: gast.AST) -> int | None:
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _literal_int(node.operand)
        return None if inner is None else -inner
    return node.value if isinstance(node, gast.Constant) and type(node.value) is int else None


def single_target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def float_array_in(expr: gast.AST, shape_of: Callable) -> bool:
    """Whether `expr` reads a float array (whose dtype a product with a number keeps)."""
    kind = getattr(shape_of, "kind", lambda n: None)
    return any(isinstance(n, gast.Name) and kind(n.id) == "f" and shape_of(n.id) not in (None, ()) for n in walk(expr))
