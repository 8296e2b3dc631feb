"""One spelling of matrix products and lengths, in specialised code, before the function is differentiated.

Users write the same product as `W @ h`, `np.dot(W, h)`, `W.dot(h)` (normalized to `np.dot`),
`np.matmul(W, h)`, and, for a vector `h`, as `h @ W.T` or `h.dot(W.T)`. The optimisations after
differentiation (an input product hoisted out of a loop, a loop's row products batched) are written
against one form, `W @ h`. Where the shapes are known (float arrays of one or two dimensions), this
pass rewrites the others into it, in the normalized function:

    t = np.dot(W, h)      →   t = W @ h         (also np.matmul)
    t2 = np.transpose(W)
    t = h @ t2            →   t = W @ h         (h a vector; W never rebound)
    t3 = xs.shape
    n = t3[0]             →   n = len(xs)       (xs an array of known shape)

For operands of one or two dimensions `np.dot`, `np.matmul` and `@` compute the same product;
`h @ W.T` and `W @ h` the same sums in another BLAS call, which may round differently. So, as for
every rewrite that may round otherwise (rounding.py), a product is rewritten only where its value
decides nothing (no branch, comparison, index or loop count reads it).
"""

from __future__ import annotations

import builtins

import gast
import numpy as np

from ..analysis.rounding import decisive_names
from ..analysis.shape_facts import ShapeFacts
from ..frontend.context import Context
from ..ir.trees import assignment_counts, names_in, walk_statements

_PRODUCTS = {"dot": np.dot, "matmul": np.matmul}


def canonical_products(fdef: gast.FunctionDef, facts: ShapeFacts, ctx: Context) -> None:
    """Rewrite the matrix products of `fdef` (normalized) into the form `a @ b` (module docstring)."""
    np_name = ctx.numpy_name()
    stored = names_in(fdef, (gast.Store, gast.Del, gast.Param))
    builtin_len = "len" not in stored and ctx.peek("len") is builtins.len
    counts = assignment_counts(fdef)
    params = {a.id for a in fdef.args.args}

    def ndim(n: gast.AST) -> int | None:
        if not isinstance(n, gast.Name) or facts.kind(n.id) != "f":
            return None
        shape = facts.shape(n.id)
        return len(shape) if shape is not None and 1 <= len(shape) <= 2 else None

    transposed: dict[str, str] = {}  # t2 → W for `t2 = np.transpose(W)`, both bound once
    for s in walk_statements(fdef.body):
        target = _target(s)
        if target is None or counts.get(target) != 1:
            continue
        call = s.value
        if _is_np_call(call, np_name, "transpose") and len(call.args) == 1 and not call.keywords:
            w = call.args[0]
            if ndim(w) == 2 and counts.get(w.id, 0) == (0 if w.id in params else 1):
                transposed[target] = w.id

    def product(value: gast.AST) -> bool:
        """`np.dot(a, b)`, `np.matmul(a, b)` of float arrays of one or two dimensions, or `h @ t2` of a
        vector h and a transposed matrix t2: a product this pass writes `W @ h`."""
        if any(_is_np_call(value, np_name, f) for f in _PRODUCTS) and len(value.args) == 2 and not value.keywords:
            return bool(ndim(value.args[0]) and ndim(value.args[1]))
        return (
            isinstance(value, gast.BinOp)
            and isinstance(value.op, gast.MatMult)
            and ndim(value.left) == 1
            and isinstance(value.right, gast.Name)
            and value.right.id in transposed
        )

    # (where a rewrite may go, a reading of the whole function before the lengths below change it:
    # only for a function with a product to rewrite)
    rewritten = any(_target(s) is not None and product(s.value) for s in walk_statements(fdef.body))
    decisive = decisive_names(fdef, np_name) if rewritten else set()

    # `xs.shape[0]` of an array is `len(xs)` (normalized: `t3 = xs.shape`, `t4 = t3[0]`)
    shape_of: dict[str, str] = {}
    for s in walk_statements(fdef.body):
        target = _target(s)
        if target is None or counts.get(target) != 1:
            continue
        value = s.value
        if isinstance(value, gast.Attribute) and value.attr == "shape" and isinstance(value.value, gast.Name):
            shape = facts.shape(value.value.id)
            if shape and counts.get(value.value.id, 0) <= (0 if value.value.id in params else 1):
                shape_of[target] = value.value.id
        elif (
            builtin_len
            and isinstance(value, gast.Subscript)
            and isinstance(value.value, gast.Name)
            and value.value.id in shape_of
            and isinstance(value.slice, gast.Constant)
            and value.slice.value == 0
        ):
            xs = gast.Name(id=shape_of[value.value.id], ctx=gast.Load(), annotation=None, type_comment=None)
            call = gast.Call(
                func=gast.Name(id="len", ctx=gast.Load(), annotation=None, type_comment=None), args=[xs], keywords=[]
            )
            call._ag_fn = builtins.len
            call.func._ag_global = True
            ctx.lookup("len")  # (generated code relies on it: recorded)
            s.value = gast.copy_location(call, value)

    for s in walk_statements(fdef.body):
        target = _target(s)
        if target is None or target in decisive:
            continue
        value = s.value
        if any(_is_np_call(value, np_name, f) for f in _PRODUCTS) and len(value.args) == 2 and not value.keywords:
            a, b = value.args
            if ndim(a) and ndim(b):
                s.value = value = gast.copy_location(gast.BinOp(left=a, op=gast.MatMult(), right=b), value)
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.MatMult):
            a, b = value.left, value.right
            if ndim(a) == 1 and isinstance(b, gast.Name) and b.id in transposed:
                w = gast.Name(id=transposed[b.id], ctx=gast.Load(), annotation=None, type_comment=None)
                s.value = gast.copy_location(gast.BinOp(left=w, op=gast.MatMult(), right=a), value)


def _target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _is_np_call(node: gast.AST, np_name: str, attr: str) -> bool:
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, gast.Name)
        and node.func.value.id == np_name
        and all(isinstance(a, gast.Name) for a in node.args)
    )
