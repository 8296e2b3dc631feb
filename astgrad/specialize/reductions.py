"""Reductions in specialised code (every shape known): sums over axes as `np.einsum`, and a
whole array's reduction as its method.

NumPy reduces an axis of a many-dimensional array one innermost run at a time; when the
innermost axis is short (the GMM's `np.sum(z * z, axis=2)` over d = 5 coordinates), that loop
overhead dominates, and `np.sum(a * b, ...)` also writes the whole product first. einsum
reduces in one pass and multiplies as it goes, 3 to 4 times faster there, and no slower on the
shapes the benchmarks measured:

    np.sum(z * z, axis=2)                   →   np.einsum('ijk,ijk->ij', z, z)
    np.sum(g, axis=1, keepdims=True)        →   np.einsum('ijk->ik', g)[:, None]

Accuracy: np.sum adds pairwise only along the innermost axis (other axes it adds in order, as
einsum does), so a sum over the last axis is rewritten only when that axis is short enough
(≤ 128) for pairwise summation to be no more than the plain sum. The bits may still differ
(np.sum adds eight partial sums, einsum its own way), so only sums whose values decide nothing
and are not returned (value_and_grad's value: rounding.returned_values) are rewritten. Only
float arrays: einsum keeps an integer array's dtype where np.sum widens it.

`np.max(w)` of an array w is `w.max()`: the same reduction (the same bits), without the Python
layer np.max adds before it, about a microsecond, which is most of the cost for a small window
reduced in a loop (`np.max(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])`).
"""

from __future__ import annotations

from typing import Callable

import gast

from ..analysis.expression_shapes import expression_shape
from ..analysis.rounding import free_assignments
from ..ir.trees import Transformer, find, is_constant, walk
from ..optimize.cleanup import number_value
from .lowering.common import np_sum_of_one

_LETTERS = "ijklmnop"
_PAIRWISE_BLOCK = 128  # np.sum's pairwise summation starts beyond this many innermost elements


def einsum_sums(
    fdef: gast.FunctionDef, shape_of: Callable[[str], tuple | None], np_name: str, passing: frozenset[str] = frozenset()
) -> None:
    """Rewrite `np.sum(x, axis=...)` and `np.sum(a * b, axis=...)` (a and b of one shape) of
    float arrays of two or more dimensions as einsum, in the statements whose values decide
    nothing and are not returned (einsum adds in another order: `passing`, see
    rounding.decisive_names)."""

    class Rewrite(Transformer):
        def __init__(self, deciding: set[int]):
            self.deciding = deciding

        def visit_Call(self, node):
            self.generic_visit(node)
            return node if id(node) in self.deciding else _as_einsum(node, shape_of, np_name) or node

    if not any(_as_einsum(c, shape_of, np_name) is not None for c in find(fdef, _CALLS)):
        return  # (no sum to rewrite: where one may go, a reading of the whole function, is not needed)
    for s, deciding in free_assignments(fdef, np_name, passing, getattr(shape_of, "adjoints", frozenset())):
        Rewrite(deciding).visit(s)


_CALLS = frozenset({gast.Call})


def _as_einsum(node: gast.Call, shape_of: Callable, np_name: str) -> gast.AST | None:
    if not np_sum_of_one(node, np_name):
        return None
    options = {k.arg: _literal(k.value) for k in node.keywords}
    if "axis" not in options or set(options) - {"axis", "keepdims"}:
        return None
    keepdims = options.get("keepdims", False)
    if type(keepdims) is not bool:
        return None
    value = node.args[0]
    shape = expression_shape(value, shape_of, np_name)
    if shape is None or len(shape) < 2 or len(shape) > len(_LETTERS):
        return None
    axes = _axes(options["axis"], len(shape))
    if axes is None or (len(shape) - 1 in axes and shape[-1] > _PAIRWISE_BLOCK):
        return None
    operands, shapes = [value], [shape]
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Mult):
        sides = [value.left, value.right]
        side_shapes = [expression_shape(s, shape_of, np_name) for s in sides]
        if all(s is not None and len(s) <= len(shape) for s in side_shapes):
            operands, shapes = sides, side_shapes  # (each broadcast against the other, from the right)
    if not all(float_arrays_only(o, shape_of, np_name) for o in operands):
        return None
    letters = _LETTERS[: len(shape)]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    spec = ",".join(letters[len(shape) - len(s) :] for s in shapes) + "->" + kept
    call = gast.Call(
        func=gast.Attribute(value=gast.Name(np_name, gast.Load(), None, None), attr="einsum", ctx=gast.Load()),
        args=[gast.Constant(value=spec, kind=None)] + operands,
        keywords=[],
    )
    if not keepdims:
        return call
    index = [gast.Constant(value=None, kind=None) if i in axes else _full_slice() for i in range(len(shape))]
    while isinstance(index[-1], gast.Slice):  # trailing full slices say nothing
        index.pop()
    index_node = index[0] if len(index) == 1 else gast.Tuple(elts=index, ctx=gast.Load())
    return gast.Subscript(value=call, slice=index_node, ctx=gast.Load())


def _literal(node: gast.AST):
    """The value of a literal number, bool or tuple of them (`-1`, `(1, 2)`), else None."""
    if isinstance(node, gast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    return node.value if isinstance(node, gast.Constant) else number_value(node)


def _axes(axis, ndim: int) -> set[int] | None:
    """The axes an `axis=` literal names (normalised), or None when it is not one."""
    raw = [axis] if type(axis) is int else list(axis) if isinstance(axis, tuple) else None
    if not raw or not all(type(a) is int and -ndim <= a < ndim for a in raw):
        return None
    axes = {a % ndim for a in raw}
    return axes if len(axes) == len(raw) else None


def float_arrays_only(expr: gast.AST, shape_of: Callable, np_name: str) -> bool:
    """Whether every name `expr` reads is a float array or a real number (so its value is a
    float array of the same dtype class as NumPy would give)."""
    kind = getattr(shape_of, "kind", lambda n: None)
    found = False
    for n in walk(expr):
        if isinstance(n, gast.Name) and n.id != np_name:
            shape, k = shape_of(n.id), kind(n.id)
            if shape is None or k is None:
                return False
            if shape == ():
                if k not in "fib":
                    return False
            elif k != "f":
                return False
            else:
                found = True
        elif isinstance(n, gast.Constant) and isinstance(n.value, complex):
            return False
    return found


def _full_slice() -> gast.Slice:
    return gast.Slice(lower=None, upper=None, step=None)


_METHODS = ("max", "min", "sum", "prod", "mean")  # np.f(a) of an ndarray a is a.f(): the same reduction


def method_reductions(fdef: gast.FunctionDef, shape_of: Callable[[str], tuple | None], np_name: str) -> None:
    """Rewrite `np.max(a)` (and min, sum, prod, mean) of a name holding a float array of one or
    more dimensions as `a.max()`, and `np.max(a, axis=1)` as `a.max(axis=1)`; `np.reshape(a, s)` and
    `np.shape(a)` of such a name as `a.reshape(s)` and `a.shape`."""

    class Rewrite(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if (
                isinstance(f, gast.Attribute)
                and f.attr in _METHODS
                and isinstance(f.value, gast.Name)
                and f.value.id == np_name
                and len(node.args) == 1
                and all(k.arg in ("axis", "keepdims") and is_constant(k.value) for k in node.keywords)
                and isinstance(node.args[0], gast.Name)
                and shape_of(node.args[0].id)
                and float_arrays_only(node.args[0], shape_of, np_name)
            ):
                method = gast.Attribute(value=node.args[0], attr=f.attr, ctx=gast.Load())
                return gast.Call(func=method, args=[], keywords=node.keywords)
            if (  # np.reshape(a, s) as a.reshape(s), np.shape(a) as a.shape: the same array, the same tuple
                isinstance(f, gast.Attribute)
                and f.attr in ("reshape", "shape")
                and isinstance(f.value, gast.Name)
                and f.value.id == np_name
                and len(node.args) == (2 if f.attr == "reshape" else 1)
                and not node.keywords
                and isinstance(node.args[0], gast.Name)
                and shape_of(node.args[0].id)
                and float_arrays_only(node.args[0], shape_of, np_name)
            ):
                member = gast.Attribute(value=node.args[0], attr=f.attr, ctx=gast.Load())
                return gast.Call(func=member, args=node.args[1:], keywords=[]) if f.attr == "reshape" else member
            return node

    Rewrite().visit(fdef)
