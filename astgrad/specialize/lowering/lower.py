"""Rewrites only specialised gradients get (specialize/dispatch.py), with every argument's shape known.

The general code calls runtime helpers that decide at run time what to do from their arguments'
ranks; specialised code knows the ranks, so it can say directly what a hand-written gradient
says, and it is never differentiated again (that reads the general code), so it can use any
Python:

  * `matmul_left(g, W, h)` with a matrix W and a vector h is `g[:, None] * h` (the table below);
  * `unreduce(g, x, axis)` stays g (with the reduced axis put back as length 1) where every use
    of it broadcasts it to x's shape anyway (`w_bar = t_bar * 2 * w`);
  * `unbroadcast(g, x)` is the very `np.sum` it takes, or nothing, when g's and x's shapes are known;
  * `np.argsort` of a literal permutation is the literal inverse permutation;
  * `select_share(x, y)` of two numbers is `(0.5 if x == y else 1.0)`, `max_share(x, y)` is
    `(1.0 if x > y else 0.5 if x == y else 0.0)`;
  * the tape is used through its list methods (`tape.append(v)`, `v = tape.pop()`).
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ...analysis.expression_shapes import elementwise_op, expression_shape
from ...frontend.context import Context
from ...ir import convert
from ...ir.trees import Transformer, walk
from ...rules.registry import runtime_facts
from .common import (
    float_array_in,
    literal_axis,
    loses_real_part,
    only_full_slices_and_none,
    parse_expression,
    plain_unreduce,
    put_back,
)
from .initializations import FullLike, filled_by_shape, fuse_initializations, start_from_first_sum
from .statements import Ties, drop_unread_copies, join_accumulations, reuse_equal_calls
from .sums import product_row, row_sum_of, squeezed_sum, sum_before_product, summed_first
from .unreduce import lazy_unreduce
from .writes import DistinctIndices, plain_written_parts, scatter_in_loops, scatter_in_place


def lower(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable[[str], tuple | None]) -> None:
    """Apply the rewrites to `fdef` in place; `shape_of(name)` is the known shape of a primal
    value or of an adjoint (its primal's), None where unknown (and for every adjoint that is
    ever a bare constant: a scalar zero standing for an array)."""
    lowered = runtime_facts("lowered")  # helper → (rank of a, rank of b) → expression (the registry's)
    helpers = {ctx.helper(h): h for h in lowered}
    share = ctx.helper("select_share")
    max_share = ctx.helper("max_share")
    unbroadcast = ctx.helper("unbroadcast")
    np_name = ctx.numpy_name()
    tape_ops = {ctx.helper("push"): "append", ctx.helper("pop"): "pop"}

    unreduce = ctx.helper("unreduce")
    unindex = ctx.helper("unindex")
    structure = ctx.helper("match_structure")
    as_array = ctx.helper("numbers_as_array")

    def shape_or_helper(expr: gast.AST) -> tuple | None:
        return expression_shape(expr, shape_of, np_name, same_shape_helpers)

    same_shape_helpers = {ctx.helper(h) for h in runtime_facts("shaped_like_first")}

    class Rewrite(Transformer):
        def visit_BinOp(self, node):
            self.generic_visit(node)
            if not elementwise_op(node.op):
                return node
            for side, other in (("left", node.right), ("right", node.left)):
                call = getattr(node, side)
                if plain_unreduce(call, unreduce):
                    shape = shape_of(call.args[1].id)
                    if shape and shape_or_helper(other) == shape and float_array_in(other, shape_of):
                        # (the other operand spreads it anyway, and gives the result its float dtype)
                        g, axis, keepdims = call.args[0], literal_axis(call.args[2]), call.args[3].value
                        setattr(node, side, g if axis is None or keepdims else put_back(g, axis, len(shape)))
            return node

        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if _is_argsort(f, np_name) and len(node.args) == 1 and not node.keywords:
                perm = _literal_ints(node.args[0])
                if perm is not None and sorted(perm) == list(range(len(perm))):
                    inverse = tuple(int(i) for i in np.argsort(perm))
                    return gast.Tuple(elts=[gast.Constant(value=i, kind=None) for i in inverse], ctx=gast.Load())
            if not isinstance(f, gast.Name) or node.keywords:
                return node
            if f.id == unindex and len(node.args) == 3 and isinstance(node.args[1], gast.Name):
                shape = shape_of(node.args[1].id)
                if shape is not None and only_full_slices_and_none(node.args[2]):  # x[:, None]: a reshape
                    reshape = gast.Attribute(value=node.args[0], attr="reshape", ctx=gast.Load())
                    return gast.Call(func=reshape, args=[gast.Constant(value=shape, kind=None)], keywords=[])
            if f.id == unbroadcast and len(node.args) == 2 and isinstance(node.args[1], gast.Name):
                if loses_real_part(node.args, node.args[1].id, shape_of):
                    return node
                reduced = _reduce_to(node.args[0], shape_of(node.args[1].id), shape_or_helper, np_name)
                if reduced is not None:
                    if reduced is not node.args[0]:  # (x's shape, where the expression was made)
                        reduced._ag_shape = shape_of(node.args[1].id)
                    return reduced
            if f.id in helpers and len(node.args) == 3 and all(isinstance(a, gast.Name) for a in node.args):
                g, a, b = (x.id for x in node.args)
                ranks = (shape_of(a), shape_of(b))
                target = node.args[1 if helpers[f.id].endswith("_left") else 2].id
                if loses_real_part(node.args, target, shape_of):
                    return node
                if shape_of(g) is not None and None not in ranks:
                    forms = lowered[helpers[f.id]]
                    text = forms.get((len(ranks[0]), len(ranks[1])))
                    if text is None and "stacked" in forms and len(ranks[0]) == len(ranks[1]) > 2:
                        if ranks[0][:-2] == ranks[1][:-2]:  # stacks of matrices, no broadcasting
                            text = forms["stacked"]
                    if text is not None:
                        return parse_expression(text.replace("np.", np_name + "."), {"g": g, "a": a, "b": b})
            if f.id in (share, max_share) and len(node.args) == 2 and all(isinstance(a, gast.Name) for a in node.args):
                x, y = (a.id for a in node.args)
                if shape_of(x) == () and shape_of(y) == ():
                    text = SHARES[f.id == max_share]
                    return parse_expression(text, {"x": x, "y": y})
            if f.id == structure and len(node.args) == 2 and isinstance(node.args[1], gast.Name):
                held = node.args[1].id  # (an array or a number: no container to rebuild; a list of numbers has one)
                if shape_of(held) is not None and shape_of.slots(held) is None:
                    return node.args[0]
            if f.id == as_array and len(node.args) == 1 and isinstance(node.args[0], gast.Name):
                if shape_of(node.args[0].id) is not None:  # an array or a number: NumPy reads it as it is
                    return node.args[0]
            if f.id in tape_ops and node.args and isinstance(node.args[0], gast.Name):
                method = gast.Attribute(value=node.args[0], attr=tape_ops[f.id], ctx=gast.Load())
                return gast.Call(func=method, args=node.args[1:], keywords=[])
            return node

    written_part = ctx.helper("written_part")
    if _calls(fdef, written_part):  # (the analysis of indices is needed for its calls only)
        plain_written_parts(fdef, written_part, DistinctIndices(fdef, ctx, shape_of))
    Rewrite().visit(fdef)
    lazy_unreduce(fdef, unreduce, shape_of, np_name)
    fuse_initializations(fdef, ctx, shape_of, np_name)  # (before FullLike: it reads unreduce calls)
    FullLike(unreduce, shape_of, np_name).visit(fdef)


def polish(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable[[str], tuple | None], python_numbers: frozenset[str]
) -> None:
    """Rewrites of whole expressions, once temporaries are put back into their uses
    (cleanup.fuse_expressions); `python_numbers`: the parameters that are Python numbers."""
    np_name = ctx.numpy_name()

    class Polish(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            squeezed = squeezed_sum(node, shape_of, np_name)
            if squeezed is not None:
                return squeezed
            product = node.args[0] if len(node.args) == 1 else None
            if isinstance(product, gast.BinOp) and isinstance(product.op, gast.MatMult):
                row = product_row(product.left, expression_shape(product, shape_of, np_name), shape_of, np_name)
                if row is not None and row_sum_of(node, None, row, np_name):
                    return summed_first(node, product, row, np_name)
            return node

    Polish().visit(fdef)
    sum_before_product(fdef, shape_of, np_name)
    drop_unread_copies(fdef, ctx.helper("owned_copy"))
    start_from_first_sum(fdef, ctx.helper("zeros_like"), shape_of, np_name)
    unindex = ctx.helper("unindex")
    if _calls(fdef, unindex):
        distinct = DistinctIndices(fdef, ctx, shape_of)
        scatter_in_place(fdef, unindex, distinct, np_name)
        scatter_in_loops(fdef, unindex, distinct, np_name)
    filled_by_shape(fdef, ctx, shape_of, np_name, python_numbers)
    join_accumulations(fdef.body, ctx)
    reuse_equal_calls(fdef, ctx, shape_of)
    Ties().visit(fdef)


def _calls(fdef: gast.FunctionDef, helper: str) -> bool:
    """Whether the code calls the helper named `helper`."""
    return any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id == helper for n in walk(fdef))


# select_share and max_share of two numbers (max_share: 0 where either is NaN, as at run time)
SHARES = ("(0.5 if x == y else 1.0)", "(1.0 if x > y else 0.5 if x == y else 0.0)")


def _is_argsort(f: gast.AST, np_name: str) -> bool:
    return (
        isinstance(f, gast.Attribute)
        and f.attr == "argsort"
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
    )


def _literal_ints(node: gast.AST) -> list[int] | None:
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) and type(e.value) is int for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _reduce_to(g: gast.AST, target: tuple | None, shape_of_expr: Callable, np_name: str) -> gast.AST | None:
    """`unbroadcast(g, x)` for x of shape `target` as the np.sum it is (or g itself); a
    negation is taken after the sum (`-np.sum(g)`, on fewer elements). `shape_of_expr` gives an
    expression's shape (helpers shaped like their first argument included: `copy_of(g_bar[t])`)."""
    if isinstance(g, gast.UnaryOp) and isinstance(g.op, gast.USub):
        inner = _reduce_to(g.operand, target, shape_of_expr, np_name)
        return None if inner is None else gast.UnaryOp(op=gast.USub(), operand=inner)
    shape = shape_of_expr(g)
    if shape is None or target is None or len(shape) < len(target):
        return None
    lead = len(shape) - len(target)
    ones = []
    for i, (a, b) in enumerate(zip(shape[lead:], target)):
        if a != b:
            if b != 1:
                return None
            ones.append(lead + i)
    axes = list(range(lead)) + ones
    if not axes:
        return g
    call = f"{np_name}.sum(g)" if not target else f"{np_name}.sum(g, axis={_axis_text(axes)})"
    if ones and target:
        call = f"{np_name}.sum(g, axis={_axis_text(axes)}, keepdims=True)"
        if lead:
            call += f".reshape({target!r})"
    expr = convert.parse(call, mode="eval").body
    total = expr.func.value if isinstance(expr.func, gast.Attribute) and expr.func.attr == "reshape" else expr
    total.args[0] = g
    return expr


def _axis_text(axes: list[int]) -> str:
    return str(axes[0]) if len(axes) == 1 else repr(tuple(axes))
