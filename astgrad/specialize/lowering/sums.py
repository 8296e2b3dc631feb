"""Lowering of sums once temporaries are fused: rows summed before a product (`np.sum(g @ m,
axis=r)` as a product of one row), and `np.sum(..., keepdims=True).reshape(s)` squeezed.
"""

from __future__ import annotations

from typing import Callable

import gast

from ...analysis.expression_shapes import expression_shape
from ...ir.trees import names_in, read_counts, walk
from ...optimize.cleanup import is_comment, nested_blocks, replace_node
from .common import np_sum_of_one, parse_expression, single_target


def sum_before_product(fdef: gast.FunctionDef, shape_of: Callable, np_name: str) -> None:
    """`x = g @ m` read only by the next statement's `np.sum(x, axis=r)` over x's row axis r:
    the rows are summed first, `np.sum(g, axis=r, keepdims=True) @ m`, a product of one row
    instead of n (Σᵢ gᵢ m = (Σᵢ gᵢ) m; what a hand-written gradient of a shared shift does)."""
    loads = read_counts(fdef.body)
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1

    def block(body: list[gast.stmt]) -> None:
        moved: list[gast.stmt] = []
        for inner in nested_blocks(body):
            block(inner)
        for i, first in enumerate(body):
            x = single_target(first)
            if x is None or stores.get(x) != 1 or loads.get(x) != 1:
                continue
            product = first.value
            if not (isinstance(product, gast.BinOp) and isinstance(product.op, gast.MatMult)):
                continue
            row = product_row(product.left, shape_of(x), shape_of, np_name)
            if row is None:
                continue
            deps = names_in(product)
            for later in body[i + 1 :]:
                if is_comment(later):
                    continue
                if x in read_counts(later):
                    for node in walk(later):
                        if row_sum_of(node, x, row, np_name):
                            replace_node(later, node, summed_first(node, product, row, np_name))
                            moved.append(first)
                            break
                    break
                if not isinstance(later, gast.Assign) or any(
                    isinstance(n, gast.Name) and n.id in deps for t in later.targets for n in walk(t)
                ):
                    break  # (g or m may change before the sum)
        body[:] = [st for st in body if not any(st is m for m in moved)]
        if all(is_comment(st) for st in body):
            body.append(gast.Pass())

    block(fdef.body)


def product_row(g: gast.AST, x_shape: tuple | None, shape_of, np_name: str) -> int | None:
    """The row axis of x = g @ m, if g has x's rank and batch shape (m: a matrix or a stack)."""
    g_shape = expression_shape(g, shape_of, np_name)
    if g_shape is None or x_shape is None or len(x_shape) < 2 or g_shape[:-1] != x_shape[:-1]:
        return None
    return len(x_shape) - 2


def summed_first(total: gast.Call, product: gast.BinOp, row: int, np_name: str) -> gast.AST:
    """`np.sum(g @ m, axis=row)` as `(np.sum(g, axis=row, keepdims=True) @ m)[:, 0]`."""
    keepdims = any(k.arg == "keepdims" and k.value.value for k in total.keywords)
    text = f"{np_name}.sum(g, axis={row}, keepdims=True) @ m"
    new = parse_expression(text if keepdims else f"({text})[{':, ' * row}0]", {})
    inner = new if keepdims else new.value
    inner.left.args[0], inner.right = product.left, product.right
    return new


def row_sum_of(node: gast.AST, x: str | None, row: int, np_name: str) -> bool:
    """Whether `node` is `np.sum(x, axis=row[, keepdims=...])` (x: a name, or None for any
    first argument), the axis literal."""
    if not np_sum_of_one(node, np_name) or not (
        x is None or isinstance(node.args[0], gast.Name) and node.args[0].id == x
    ):
        return False
    options = {k.arg: k.value for k in node.keywords}
    if "axis" not in options or set(options) - {"axis", "keepdims"}:
        return False
    if not all(isinstance(v, gast.Constant) for v in options.values()):
        return False
    axis, keepdims = options["axis"].value, options.get("keepdims")
    return type(axis) is int and axis == row and (keepdims is None or type(keepdims.value) is bool)


def squeezed_sum(node: gast.Call, shape_of, np_name: str) -> gast.AST | None:
    """`np.sum(g, axis=a, keepdims=True).reshape(s)` (or its negation) as `np.sum(g, axis=a)`
    where s is g's shape without the axes a: the reshape only takes the kept axes out again."""
    f = node.func
    if not (isinstance(f, gast.Attribute) and f.attr == "reshape" and len(node.args) == 1 and not node.keywords):
        return None
    if not isinstance(node.args[0], gast.Constant) or not isinstance(node.args[0].value, tuple):
        return None
    total, negated = f.value, False
    if isinstance(total, gast.UnaryOp) and isinstance(total.op, gast.USub):
        total, negated = total.operand, True
    if not np_sum_of_one(total, np_name):
        return None
    options = {k.arg: k.value for k in total.keywords}
    if set(options) != {"axis", "keepdims"} or not all(isinstance(v, gast.Constant) for v in options.values()):
        return None
    axis, keepdims = options["axis"].value, options["keepdims"].value
    shape = expression_shape(total.args[0], shape_of, np_name)
    if keepdims is not True or shape is None:
        return None
    axes = {axis} if type(axis) is int else set(axis) if isinstance(axis, tuple) else None
    if axes is None or not all(type(a) is int and 0 <= a < len(shape) for a in axes):
        return None
    if tuple(n for i, n in enumerate(shape) if i not in axes) != node.args[0].value:
        return None
    total.keywords = [k for k in total.keywords if k.arg != "keepdims"]
    return gast.UnaryOp(op=gast.USub(), operand=total) if negated else total
