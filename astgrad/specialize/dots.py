"""Matrix products of vectors and matrices as `ndarray.dot`, in specialised code.

`a @ b` goes through NumPy's generalised-ufunc machinery, about 0.3 µs of overhead per call
before BLAS starts; `a.dot(b)` calls the same BLAS routine directly. For one- and two-dimensional
float arrays the two compute the same product, and for operands that are contiguous (in either
order) they give the same bits. For a strided operand `.dot` copies it first where `@` runs its
own loop, which rounds differently; so the rewrite is made only where the value decides nothing
(rounding.py). An RNN step of `W @ h + U @ x` is a third faster this way.

    h_bar = t5_bar @ W          →   h_bar = t5_bar.dot(W)
"""

from __future__ import annotations

from typing import Callable

import gast

from ..analysis.expression_shapes import expression_shape
from ..analysis.rounding import deciding_parts, decisive_names, stores
from ..ir.trees import Transformer, find, walk, walk_statements
from .reductions import float_arrays_only


def dot_products(
    fdef: gast.FunctionDef, shape_of: Callable[[str], tuple | None], np_name: str, passing: frozenset[str]
) -> None:
    """Rewrite `a @ b` of float arrays of one or two dimensions as `a.dot(b)` in every
    assignment or return whose value decides nothing (`passing`: see decisive_names)."""
    if not any(isinstance(n.op, gast.MatMult) and _as_dot(n, shape_of, np_name) for n in find(fdef, _BINOPS)):
        return  # (no product to rewrite: the analysis is not needed)
    decisive = decisive_names(fdef, np_name, passing)

    class Rewrite(Transformer):
        def __init__(self, deciding: set[int]):
            self.deciding = deciding

        def visit_BinOp(self, node):
            self.generic_visit(node)
            new = None if id(node) in self.deciding else _as_dot(node, shape_of, np_name)
            return new or node

    for s in walk_statements(fdef.body):
        if isinstance(s, (gast.Assign, gast.AugAssign, gast.Return)) and s.value is not None:
            if not stores(s, np_name) & decisive:
                deciding = {id(m) for part in deciding_parts(s.value, np_name, passing) for m in walk(part)}
                s.value = Rewrite(deciding).visit(s.value)


_BINOPS = frozenset({gast.BinOp})


def _as_dot(node: gast.BinOp, shape_of: Callable, np_name: str) -> gast.AST | None:
    if not isinstance(node.op, gast.MatMult):
        return None
    for side in (node.left, node.right):
        shape = expression_shape(side, shape_of, np_name)
        if shape is None or not 1 <= len(shape) <= 2 or not float_arrays_only(side, shape_of, np_name):
            return None
    method = gast.Attribute(value=node.left, attr="dot", ctx=gast.Load())
    call = gast.Call(func=method, args=[node.right], keywords=[])
    call._ag_shape = expression_shape(node, shape_of, np_name)  # (read by expression_shape)
    return call
