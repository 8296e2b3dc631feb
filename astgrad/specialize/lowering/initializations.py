"""Lowering of how adjoints start: two statements that build one as one (`np.full_like(x, g)`,
`e.reshape(...)`), `unreduce` of a full reduction as `np.full_like`, `np.ones_like(m)` as
`np.ones(shape, dtype)`, and `a = zeros_like(x)` followed by `a = a + e` as `a = e`.
"""

from __future__ import annotations

from typing import Callable

import gast

from ...analysis.aliasing import writes_in_place
from ...analysis.dtypes import WEAK, dtype_roots, root_of
from ...analysis.expression_shapes import expression_shape
from ...frontend.context import Context
from ...ir.trees import Transformer, name, read_counts, walk
from ...optimize.cleanup import is_comment, is_pure, resolver
from .common import (
    dtype_kind,
    is_call_of,
    literal_axis,
    new_array,
    only_full_slices_and_none,
    plain_unreduce,
    put_back,
    single_target,
)


def filled_by_shape(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, np_name: str, python_numbers: frozenset[str]
) -> None:
    """`np.ones_like(m)` / `np.full_like(m, g)` of an array m of known shape whose dtype is an
    earlier array r's: `np.ones(shape, r.dtype)`, so m need not be computed for it (dtypes.py)."""
    if not any(
        isinstance(n, gast.Attribute) and n.attr in ("ones_like", "full_like") and isinstance(n.value, gast.Name)
        for n in walk(fdef)
    ):
        return  # (no such call: the analysis is not needed)
    roots = dtype_roots(fdef, python_numbers, np_name)
    kinds = getattr(shape_of, "kind", lambda n: None)
    ns = resolver(ctx)

    class Fill(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
                return node
            if f.attr not in ("ones_like", "full_like") or node.keywords or not node.args:
                return node
            if len(node.args) != (1 if f.attr == "ones_like" else 2):
                return node
            m = node.args[0]  # a name, or an expression put back into its one use
            r = roots.get(m.id) if isinstance(m, gast.Name) else root_of(m, roots, np_name)
            shape = expression_shape(m, shape_of, np_name)
            if isinstance(m, gast.Name) and (r == m.id or kinds(m.id) != "f"):
                return node
            if r in (None, WEAK) or not shape or kinds(r) != "f" or shape_of(r) is None or not is_pure(m, ns):
                return node
            dtype = gast.Attribute(value=name(r), attr="dtype", ctx=gast.Load())
            fill = [node.args[1]] if f.attr == "full_like" else []
            if fill and isinstance(fill[0], gast.Constant) and fill[0].value == 1.0:
                fill = []
            func = gast.Attribute(value=name(np_name), attr="full" if fill else "ones", ctx=gast.Load())
            return gast.Call(func=func, args=[gast.Constant(value=shape, kind=None)] + fill + [dtype], keywords=[])

    Fill().visit(fdef)


def start_from_first_sum(fdef: gast.FunctionDef, zeros: str, shape_of, np_name: str) -> None:
    """`a = zeros_like(x)` whose next use is `a = a + e`, e a new array of x's shape: `a = e`."""
    body = fdef.body
    dropped = []
    for i, st in enumerate(body):
        a = single_target(st)
        call = st.value if a is not None else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name) and call.func.id == zeros):
            continue
        if len(call.args) != 1 or not isinstance(call.args[0], gast.Name) or call.keywords:
            continue
        x = call.args[0].id
        if shape_of(x) is None or dtype_kind(shape_of, x) != "f":
            continue
        for later in body[i + 1 :]:
            if not any(isinstance(n, gast.Name) and n.id == a for n in walk(later)):
                continue
            value = later.value if single_target(later) == a else None
            if (
                isinstance(value, gast.BinOp)
                and isinstance(value.op, gast.Add)
                and isinstance(value.left, gast.Name)
                and value.left.id == a
                and new_array(value.right, np_name)
                and a not in read_counts(value.right)
                and expression_shape(value.right, shape_of, np_name) == shape_of(x)
            ):
                later.value = value.right
                dropped.append(st)
            break
    if dropped:
        body[:] = [s for s in body if not any(s is d for d in dropped)]


def fuse_initializations(fdef: gast.FunctionDef, ctx: Context, shape_of, np_name: str) -> None:
    """Two statements that build an adjoint, as one:
    `a = unreduce(g, x, None, False); a = owned_copy(a)` → `a = np.full_like(x, g)`, and
    `a = zeros_like(x); a[:, None] = e` → `a = e.reshape(x's shape)` (if nothing writes into a later)."""
    unreduce, owned, zeros = (ctx.helper(h) for h in ("unreduce", "owned_copy", "zeros_like"))
    written = writes_in_place(fdef, ctx.helper("add_at"))

    def fuse(body: list[gast.stmt]) -> None:
        real = [i for i, st in enumerate(body) if not is_comment(st)]
        for i, j in zip(real, real[1:]):
            first, second = body[i], body[j]
            for st in (first, second):
                for field in ("body", "orelse"):
                    inner = getattr(st, field, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                        fuse(inner)
            if not (isinstance(first, gast.Assign) and isinstance(second, gast.Assign)):
                continue
            a = single_target(first)
            if a is None or not isinstance(first.value, gast.Call) or not isinstance(first.value.func, gast.Name):
                continue
            call, f = first.value, first.value.func.id
            if (
                f == unreduce
                and plain_unreduce(call, unreduce)
                and literal_axis(call.args[2]) is None
                and not call.args[3].value
                and shape_of(call.args[1].id)
                and dtype_kind(shape_of, call.args[1].id) == "f"
                and is_call_of(second.value, owned, a)
                and single_target(second) == a
            ):
                full_like = gast.Attribute(value=name(np_name), attr="full_like", ctx=gast.Load())
                first.value = gast.Call(func=full_like, args=[call.args[1], call.args[0]], keywords=[])
                body[j] = gast.Pass()
            elif (
                f == unreduce
                and plain_unreduce(call, unreduce)
                and single_target(second) == a
                and isinstance(second.value, gast.BinOp)
                and isinstance(second.value.op, gast.Add)
                and shape_of(call.args[1].id)
            ):  # a = unreduce(g, x, 1); a = a + e → a = g[:, None] + e, where e has x's shape
                s_value = second.value
                sides = [(s_value.left, s_value.right), (s_value.right, s_value.left)]
                for mine, other in sides:
                    if not (isinstance(mine, gast.Name) and mine.id == a) or a in read_counts(other):
                        continue
                    shape = shape_of(call.args[1].id)
                    if expression_shape(other, shape_of, np_name) != shape:
                        continue
                    g, axis, keepdims = call.args[0], literal_axis(call.args[2]), call.args[3].value
                    spread = g if axis is None or keepdims else put_back(g, axis, len(shape))
                    first.value = gast.BinOp(left=spread, op=gast.Add(), right=other)
                    body[j] = gast.Pass()
                    break
            elif (
                f == zeros
                and len(call.args) == 1
                and isinstance(call.args[0], gast.Name)
                and shape_of(call.args[0].id) is not None
                and written.get(a) == 1
                and isinstance(second.targets[0], gast.Subscript)
                and isinstance(second.targets[0].value, gast.Name)
                and second.targets[0].value.id == a
                and only_full_slices_and_none(second.targets[0].slice)
                and not (isinstance(second.value, gast.Name) and written.get(second.value.id))
            ):  # (the reshape shares e's memory: nothing may write into e either)
                reshape = gast.Attribute(value=second.value, attr="reshape", ctx=gast.Load())
                shape = gast.Constant(value=shape_of(call.args[0].id), kind=None)
                first.value = gast.Call(func=reshape, args=[shape], keywords=[])
                body[j] = gast.Pass()
        body[:] = [st for st in body if not isinstance(st, gast.Pass)] or [gast.Pass()]

    fuse(fdef.body)


class FullLike(Transformer):
    """`unreduce(g, x, None, False)`, the adjoint of a full reduction, as `np.full_like(x, g)`
    (`np.ones_like(x)` for g = 1.0): an array of x's shape and kind."""

    def __init__(self, unreduce: str, shape_of: Callable, np_name: str):
        self.unreduce, self.shape_of, self.np_name = unreduce, shape_of, np_name

    def visit_Call(self, node):
        self.generic_visit(node)
        if not plain_unreduce(node, self.unreduce) or literal_axis(node.args[2]) is not None or node.args[3].value:
            return node
        if not self.shape_of(node.args[1].id) or dtype_kind(self.shape_of, node.args[1].id) != "f":
            return node  # (an integer x: its adjoint is still a float array)
        g = node.args[0]
        one = isinstance(g, gast.Constant) and type(g.value) is float and g.value == 1.0
        func = gast.Attribute(value=name(self.np_name), attr="ones_like" if one else "full_like", ctx=gast.Load())
        return gast.Call(func=func, args=[node.args[1]] if one else [node.args[1], g], keywords=[])
