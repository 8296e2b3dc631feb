"""Loop-invariant work on a loop's rows, done for all rows before the loop, in specialised code.

In `for x in xs: h = np.tanh(W @ h + U @ x + b)` the input term `U @ x + b` depends only on
the row `x = xs[k]` and on values the loop never changes. Computed for every row at once it is
one matrix product instead of one per step:

    t5_rows = xs @ U.T + b                      (before the loop)
    t5 = W @ h + t5_rows[k]                     (in the loop, for W @ h + U @ x + b)

Per row, elementwise arithmetic gives the same bits batched; a batched product and the regrouped
sum do not, so the rewrite is made only where the value decides nothing (rounding.py), like the
`.dot` rewrite. The loop must run over all the rows (`range(n)` with n the rows' count, known),
and may only bind names and append to lists: nothing it does can change an invariant.
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from .context import Context
from .normalize import name
from .optimize import _walk
from .reductions import _float_arrays_only
from .rounding import decisive_names, stores

_ELEMENTWISE = (gast.Add, gast.Sub, gast.Mult, gast.Div)


def hoist_row_work(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, passing: frozenset[str]) -> None:
    """Compute, before each loop over rows, the parts of its statements that read only the row
    and loop invariants (`passing`: see rounding.decisive_names)."""
    np_name = ctx.numpy_name()
    decisive = decisive_names(fdef, np_name, passing)
    for body in [fdef.body] + [s.body for s in _walk(fdef.body) if hasattr(s, "body")]:
        k = 0
        while k < len(body):
            s = body[k]
            before = _hoist_loop(s, ctx, shape_of, np_name, decisive) if isinstance(s, gast.For) else []
            body[k:k] = before
            k += len(before) + 1


def _hoist_loop(loop: gast.For, ctx: Context, shape_of: Callable, np_name: str, decisive: set[str]) -> list:
    k = _row_index(loop)
    if k is None or not all(_simple(s) for s in loop.body):
        return []
    stored = set().union(*(stores(s) for s in loop.body)) | {k}
    rows = {}  # x → xs, for each `x = xs[k]` of the loop
    for s in loop.body:
        v = s.value if isinstance(s, gast.Assign) else None
        if (
            isinstance(v, gast.Subscript)
            and isinstance(v.value, gast.Name)
            and isinstance(v.slice, gast.Name)
            and v.slice.id == k
            and v.value.id not in stored
            and sum(1 for t in loop.body if s.targets[0].id in stores(t)) == 1
        ):
            rows[s.targets[0].id] = v.value.id
    trips = _trips(loop, shape_of)
    rows = {x: xs for x, xs in rows.items() if (shape_of(xs) or (None,))[0] == trips and trips is not None}
    if not rows:
        return []
    batcher = _Batcher(rows, stored, shape_of, np_name)
    before = []
    for s in loop.body:
        if isinstance(s, gast.Assign) and not stores(s) & decisive and s.value is not None:
            s.value = batcher.rewrite(s.value, s.targets[0].id, before, ctx, k, trips)
    return before


def _row_index(loop: gast.For) -> str | None:
    """k of `for k in range(n)` or `for k in reversed(range(n))`, else None."""
    it = loop.iter
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "reversed" and len(it.args) == 1:
        it = it.args[0]
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range"):
        return None
    if len(it.args) != 1 or it.keywords or not isinstance(loop.target, gast.Name) or loop.orelse:
        return None
    return loop.target.id


def _trips(loop: gast.For, shape_of: Callable) -> int | None:
    it = loop.iter
    n = (it.args[0] if isinstance(it.func, gast.Name) and it.func.id == "reversed" else it).args[0]
    if isinstance(n, gast.Constant) and type(n.value) is int:
        return n.value
    count = getattr(shape_of, "count", None)
    return count(n.id) if count is not None and isinstance(n, gast.Name) else None


def _simple(s: gast.stmt) -> bool:
    """An assignment to a name, an append to a list, or a comment."""
    if isinstance(s, gast.Assign):
        return len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
        f = s.value.func
        return isinstance(f, gast.Attribute) and f.attr == "append" and isinstance(f.value, gast.Name)
    return isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant) or isinstance(s, gast.Pass)


class _Batcher:
    """Reads an expression of a loop's body as rows (a value per row, batchable), invariant, or
    neither; writes the batched form."""

    def __init__(self, rows: dict[str, str], stored: set[str], shape_of: Callable, np_name: str):
        self.rows, self.stored, self.shape_of, self.np = rows, stored, shape_of, np_name

    def rewrite(self, expr: gast.AST, target: str, before: list, ctx: Context, k: str, trips: int) -> gast.AST:
        """`expr` with its largest row parts read from arrays computed in `before`."""
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub)):
            terms = _terms(expr)
            kinds = [self.kind(t) for t, _ in terms]
            grouped = [(t, sign) for (t, sign), kd in zip(terms, kinds) if kd is not None]
            if 0 < len(grouped) < len(terms) and self.kind(_sum(grouped)) not in (None, "invariant"):
                rest = [(t, sign) for (t, sign), kd in zip(terms, kinds) if kd is None]
                part = self._hoist(_sum(grouped), target, before, ctx, k, trips)
                rest = [(self.rewrite(t, target, before, ctx, k, trips), sign) for t, sign in rest]
                return _sum(rest + [(part, True)])
        if self.kind(expr) not in (None, "invariant"):
            return self._hoist(expr, target, before, ctx, k, trips)
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.expr):
                setattr(expr, field, self.rewrite(value, target, before, ctx, k, trips))
            elif isinstance(value, list):
                setattr(expr, field, [self.rewrite(v, target, before, ctx, k, trips) for v in value])
        return expr

    def _hoist(self, expr: gast.AST, target: str, before: list, ctx: Context, k: str, trips: int) -> gast.AST:
        batched = self.batched(expr)
        rows = ctx.namer.fresh(target + "_rows")
        before.append(gast.Assign(targets=[name(rows, gast.Store())], value=batched, type_comment=None))
        if hasattr(self.shape_of, "declare"):
            self.shape_of.declare(rows, (trips,) + self.kind(expr), "f")
        return gast.Subscript(value=name(rows), slice=name(k), ctx=gast.Load())

    def kind(self, e: gast.AST):
        """The shape of one row's value if `e` reads a row and can be batched, "invariant" if it
        reads only invariants, None otherwise."""
        if isinstance(e, gast.Name):
            if e.id in self.rows:
                return self.shape_of(e.id)
            return "invariant" if e.id not in self.stored and e.id != self.np else None
        if isinstance(e, gast.Constant):
            return "invariant" if isinstance(e.value, (int, float)) and not isinstance(e.value, bool) else None
        if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
            return self.kind(e.operand)
        if isinstance(e, gast.BinOp) and isinstance(e.op, _ELEMENTWISE):
            return self._elementwise([e.left, e.right])
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.MatMult):
            a, b = self.kind(e.left), self.kind(e.right)
            if a == b == "invariant":
                return a
            if not (_floats(e, self.shape_of, self.np)) or a is None or b is None:
                return None
            if b != "invariant" and a == "invariant" and b is not None and len(b) == 1:
                m = self.shape_of(e.left.id) if isinstance(e.left, gast.Name) else None
                return (m[0],) if m is not None and len(m) == 2 and m[1] == b[0] else None
            if a != "invariant" and b == "invariant" and len(a) == 1:
                m = self.shape_of(e.right.id) if isinstance(e.right, gast.Name) else None
                return (m[1],) if m is not None and len(m) == 2 and m[0] == a[0] else None
            return None
        if isinstance(e, gast.Call) and _ufunc(e, self.np):
            return self._elementwise(e.args)
        return None

    def _elementwise(self, operands: list[gast.AST]):
        kinds = [self.kind(o) for o in operands]
        if any(kd is None for kd in kinds):
            return None
        row_shapes = {kd for kd in kinds if kd != "invariant"}
        if not row_shapes:
            return "invariant"
        if len(row_shapes) > 1:
            return None
        (row,) = row_shapes
        for o, kd in zip(operands, kinds):  # an invariant must not add dimensions to the row
            if kd == "invariant":
                shape = _shape(o, self.shape_of)
                if shape is None or len(shape) > len(row) or _broadcast(row, shape) != row:
                    return None
        return row

    def batched(self, e: gast.AST) -> gast.AST:
        """The expression of all rows' values of `e` at once (rows along a new first axis)."""
        kind = self.kind(e)
        if kind == "invariant":
            return e
        if isinstance(e, gast.Name):
            return name(self.rows[e.id])
        if isinstance(e, gast.UnaryOp):
            return gast.UnaryOp(op=e.op, operand=self.batched(e.operand))
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.MatMult):
            if self.kind(e.left) == "invariant":  # A @ x for each row x: xs @ A.T
                transposed = gast.Attribute(value=e.left, attr="T", ctx=gast.Load())
                return gast.BinOp(left=self.batched(e.right), op=gast.MatMult(), right=transposed)
            return gast.BinOp(left=self.batched(e.left), op=gast.MatMult(), right=e.right)
        if isinstance(e, gast.BinOp):
            return gast.BinOp(left=self.batched(e.left), op=e.op, right=self.batched(e.right))
        return gast.Call(func=e.func, args=[self.batched(a) for a in e.args], keywords=[])


def _terms(e: gast.AST, sign: bool = True) -> list[tuple[gast.AST, bool]]:
    """The terms of a sum `a + b - c` with their signs (True: added)."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub)):
        right_sign = sign if isinstance(e.op, gast.Add) else not sign
        return _terms(e.left, sign) + _terms(e.right, right_sign)
    return [(e, sign)]


def _sum(terms: list[tuple[gast.AST, bool]]) -> gast.AST:
    first, sign = terms[0]
    out = first if sign else gast.UnaryOp(op=gast.USub(), operand=first)
    for t, sign in terms[1:]:
        out = gast.BinOp(left=out, op=gast.Add() if sign else gast.Sub(), right=t)
    return out


def _ufunc(call: gast.Call, np_name: str) -> bool:
    f = call.func
    return (
        isinstance(f, gast.Attribute)
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
        and isinstance(getattr(np, f.attr, None), np.ufunc)
        and getattr(np, f.attr).nout == 1
        and not call.keywords
    )


def _floats(e: gast.AST, shape_of: Callable, np_name: str) -> bool:
    return _float_arrays_only(e, shape_of, np_name)


def _shape(e: gast.AST, shape_of: Callable) -> tuple | None:
    if isinstance(e, gast.Name):
        return shape_of(e.id)
    if isinstance(e, gast.Constant):
        return ()
    if isinstance(e, gast.UnaryOp):
        return _shape(e.operand, shape_of)
    return None


def _broadcast(a: tuple, b: tuple) -> tuple | None:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None
