"""Loop-invariant work on a loop's rows, done for all rows before the loop, in specialised code.

In `for x in xs: h = np.tanh(W @ h + U @ x + b)` the input product `U @ x` depends only on the
row `x = xs[k]` and on a value the loop never changes. Computed for every row at once it is one
matrix product instead of one per step:

    t4_rows = xs @ U.T                          (before the loop; `.dot` after dots.py)
    t5 = W @ h + t4_rows[k] + b                 (in the loop)

The function's grouping is kept (`(W @ h + U @ x) + b` is not regrouped to hoist `U @ x + b`:
regrouping a sum can change its value by more than rounding where terms cancel). Elementwise work
batched gives the same bits per row; a batched product sums in another order than one product
per row, so, like the `.dot` rewrite, hoisting is done only where the value decides nothing
(rounding.py), and never inside a part of an expression that decides (a comparison, an index).
The loop must run over all the rows (`range(n)` with n the rows' count, known), bind only names
(its index not among them) and append to lists, and call only NumPy and math functions that
write into none of their arguments: nothing it does can change an invariant.
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ..analysis.activity import BINOPS
from ..analysis.aliasing import sharing
from ..analysis.rounding import deciding_parts, decisive_names, stores
from ..frontend.context import Context
from ..ir.trees import counted_range, name, names_read, trip_count, walk, walk_statements
from ..rules import lookup
from ..rules.registry import numpy_names
from .reductions import float_arrays_only


def _hoistable(op: gast.operator) -> bool:
    """Whether the operator's registry entry says row work with it may move before its loop."""
    rule = lookup(BINOPS.get(type(op)))
    return rule is not None and rule.hoistable


def hoist_row_work(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, passing: frozenset[str]) -> None:
    """Compute, before each loop over rows, the parts of its statements that read only the row
    and loop invariants (`passing`: see rounding.decisive_names)."""
    if not any(isinstance(s, gast.For) for s in walk_statements(fdef.body)):
        return  # (no loop to hoist from: the analysis is not needed)
    np_name = ctx.numpy_name()
    found: list[set[str]] = []

    def decisive() -> set[str]:
        """The names whose values decide something, found when a loop first needs them: a loop's
        first rewrite asks first (_hoist_loop), so the tree is as the pass found it."""
        if not found:
            found.append(decisive_names(fdef, np_name, passing))
        return found[0]

    for body in [fdef.body] + [s.body for s in walk_statements(fdef.body) if hasattr(s, "body")]:
        k = 0
        while k < len(body):
            s = body[k]
            before = _hoist_loop(s, ctx, shape_of, np_name, decisive, fdef) if isinstance(s, gast.For) else []
            # the hoisted arrays are made before the rows the loop fills are allocated (the
            # temporaries of their making are freed by then), and freed after the loop: at most
            # one of them, and those rows, at a time
            at = k
            saved = getattr(fdef, "_ag_saved_rows", set())
            while before and at > 0 and _allocates(body[at - 1], saved):
                at -= 1
            body[at:at] = before
            k += len(before) + 1
            made = [
                st.targets[0].id
                for st in before
                if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)
            ]
            if made and body is fdef.body:  # (see release_after_loops)
                fdef._ag_release = getattr(fdef, "_ag_release", []) + [(s, made)]


def _hoist_loop(
    loop: gast.For,
    ctx: Context,
    shape_of: Callable,
    np_name: str,
    decisive: Callable[[], set[str]],
    fdef: gast.FunctionDef,
) -> list:
    counted = counted_range(loop)
    k = counted[0] if counted is not None else None
    saved = getattr(fdef, "_ag_saved_rows", set())
    if k is None or not all(_simple(s, saved) for s in loop.body) or not _calls_change_nothing(loop, np_name):
        return []
    if any(
        _saves_row(s, saved) and s.targets[0].value.id in names_read(t)
        for s in loop.body
        for t in loop.body
        if t is not s
    ):
        return []  # (rows written in the loop are read after it only)
    bases = {s.target.value.id for s in loop.body if isinstance(s, gast.AugAssign)}
    if bases:  # `xs_bar[k] += x_bar`: what it writes into must be no other name the loop reads
        aliases = sharing(fdef, frozenset(bases), both_ways=True, skip=frozenset({np_name, "math"})) - bases
        if aliases & {n for s in loop.body for n in names_read(s)}:
            return []
    written = [stores(s, np_name) for s in loop.body]
    stored = set().union(*written)
    if k in stored:  # (the index is the header's alone)
        return []
    stored.add(k)
    rows = {}  # x → xs, for each `x = xs[k]` of the loop that comes before any read of x
    for i, s in enumerate(loop.body):
        v = s.value if isinstance(s, gast.Assign) else None
        if (
            isinstance(v, gast.Subscript)
            and isinstance(v.value, gast.Name)
            and isinstance(v.slice, gast.Name)
            and v.slice.id == k
            and v.value.id not in stored
            and sum(1 for w in written if s.targets[0].id in w) == 1
            and not any(s.targets[0].id in names_read(t) for t in loop.body[:i])
        ):
            rows[s.targets[0].id] = v.value.id
    trips = trip_count(counted[1], shape_of)
    rows = {x: xs for x, xs in rows.items() if (shape_of(xs) or (None,))[0] == trips and trips is not None}
    if not rows:
        return []
    batcher = _Batcher(rows, stored, shape_of, np_name)
    before = []
    for s, w in zip(loop.body, written):
        if isinstance(s, gast.Assign) and not _saves_row(s, saved) and not w & decisive():
            batcher.deciding = {id(m) for part in deciding_parts(s.value, np_name) for m in walk(part)}
            s.value = batcher.rewrite(s.value, s.targets[0].id, before, ctx, k, trips)
    return before


def release_after_loops(fdef: gast.FunctionDef) -> None:
    """After the last pass: `del` the arrays hoisted before a top-level loop right after it,
    where nothing after the loop reads them (each is one row per step: the size of the rows the
    loop fills, which a later loop may allocate)."""
    for loop, made in getattr(fdef, "_ag_release", []):
        if not any(st is loop for st in fdef.body):
            continue
        k = next(i for i, st in enumerate(fdef.body) if st is loop)
        bound = {
            st.targets[0].id: st.value
            for st in fdef.body[:k]
            if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
        }
        later = {n for st in fdef.body[k + 1 :] for n in names_read(st)}
        dead = [n for n in made if n in bound and not isinstance(bound[n], gast.Name) and n not in later]
        if dead:
            fdef.body.insert(k + 1, gast.Delete(targets=[gast.Name(n, gast.Del(), None, None) for n in dead]))
    fdef._ag_release = []


def _allocates(s: gast.stmt, saved: set[str]) -> bool:
    """`rows = np.empty(...)` of rows a loop fills (taped_rows.py, batching.py)."""
    return (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and s.targets[0].id in saved
        and isinstance(s.value, gast.Call)
        and isinstance(s.value.func, gast.Attribute)
        and s.value.func.attr == "empty"
    )


def _saves_row(s: gast.stmt, saved: set[str]) -> bool:
    """`rows[k] = v` into rows made to save a loop's values (taped_rows.py, batching.py)."""
    return (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Subscript)
        and isinstance(s.targets[0].value, gast.Name)
        and s.targets[0].value.id in saved
        and isinstance(s.value, gast.Name)
    )


def _simple(s: gast.stmt, saved: set[str] = frozenset()) -> bool:
    """An assignment to a name, an augmented assignment to a name's element (`xs_bar[k] += g`),
    an append to a list, a row saved (`rows[k] = v`), or a comment."""
    if _saves_row(s, saved):
        return True
    if isinstance(s, gast.Assign):
        return len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
    if isinstance(s, gast.AugAssign):
        return isinstance(s.target, gast.Subscript) and isinstance(s.target.value, gast.Name)
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
        f = s.value.func
        return isinstance(f, gast.Attribute) and f.attr == "append" and isinstance(f.value, gast.Name)
    return isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant) or isinstance(s, gast.Pass)


def _calls_change_nothing(loop: gast.For, np_name: str) -> bool:
    """Whether every call in the loop is one of NumPy's or math's functions, a list's append
    or pop, or `.dot`: none can change a value the loop reads but does not bind."""
    for n in (n for s in loop.body for n in walk(s)):
        if isinstance(n, gast.Call):
            f = n.func
            if not isinstance(f, gast.Attribute):
                return False
            if isinstance(f.value, gast.Name) and f.value.id in (np_name, "math"):
                if not (f.attr in numpy_names("hoistable") or _ufunc(n, np_name) or f.value.id == "math"):
                    return False
            elif f.attr not in ("append", "pop", "dot"):
                return False
    return True


class _Batcher:
    """Reads an expression of a loop's body as rows (a value per row, batchable), invariant, or
    neither; writes the batched form."""

    def __init__(self, rows: dict[str, str], stored: set[str], shape_of: Callable, np_name: str):
        self.rows, self.stored, self.shape_of, self.np = rows, stored, shape_of, np_name
        self.deciding: set[int] = set()  # nodes of the statement at hand whose values decide

    def rewrite(self, expr: gast.AST, target: str, before: list, ctx: Context, k: str, trips: int) -> gast.AST:
        """`expr` with its largest row parts (outside its deciding parts) read from arrays computed
        in `before`. The function's own grouping is kept: `W @ h + U @ x + b` hoists `U @ x`."""
        if id(expr) in self.deciding:
            return expr
        if self.kind(expr) not in (None, "invariant") and float_arrays_only(expr, self.shape_of, self.np):
            return self._hoist(expr, _name_for(expr, self.np), before, ctx, k, trips)
        partial = _partial(expr, target, getattr(self.shape_of, "adjoints", frozenset()))
        if partial is not None:  # t_bar = h_bar * (1.0 - h * h): the factor is dh/dt, `dh_dt`
            factor, label = partial
            if self.kind(factor) not in (None, "invariant") and float_arrays_only(factor, self.shape_of, self.np):
                new = self._hoist(factor, label, before, ctx, k, trips)
                expr.right = new if expr.right is factor else expr.right
                expr.left = new if expr.left is factor else expr.left
                return expr
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.expr):
                setattr(expr, field, self.rewrite(value, target, before, ctx, k, trips))
            elif isinstance(value, list):
                setattr(
                    expr,
                    field,
                    [self.rewrite(v, target, before, ctx, k, trips) if isinstance(v, gast.expr) else v for v in value],
                )
        return expr

    def _hoist(self, expr: gast.AST, label: str, before: list, ctx: Context, k: str, trips: int) -> gast.AST:
        batched = self.batched(expr)
        rows = ctx.namer.fresh(label)
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
        if isinstance(e, gast.BinOp) and _hoistable(e.op):
            return self._elementwise([e.left, e.right])
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.MatMult):
            a, b = self.kind(e.left), self.kind(e.right)
            if a == b == "invariant":
                return a
            if not float_arrays_only(e, self.shape_of, self.np) or a is None or b is None:
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


def _partial(expr: gast.AST, target: str, adjoints: frozenset[str]) -> tuple[gast.AST, str] | None:
    """(factor, `dy_dx`) for `x_bar = y_bar * factor` (or `factor * y_bar`): the factor is the
    partial derivative of y with respect to x."""
    if not (isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult) and target in adjoints):
        return None
    for bar, factor in ((expr.left, expr.right), (expr.right, expr.left)):
        if isinstance(bar, gast.Name) and bar.id in adjoints and bar.id.endswith("_bar") and target.endswith("_bar"):
            return factor, f"d{bar.id[:-4]}_d{target[:-4]}"
    return None


def _name_for(expr: gast.AST, np_name: str) -> str:
    """A name for the rows of `expr` from what it reads: `U_x` for U @ x, `sin_x` for np.sin(x),
    `h_term` for 1.0 - h * h (not `h`: that is a row's name)."""
    parts = []
    for n in walk(expr):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute):
            parts.append(n.func.attr)
        elif isinstance(n, gast.Name) and n.id != np_name and n.id not in parts:
            parts.append(n.id)
    if len(parts) == 1 and not isinstance(expr, gast.Name):
        parts.append("term")
    return "_".join(parts[:3]) if parts else "row_terms"


def _ufunc(call: gast.Call, np_name: str) -> bool:
    f = call.func
    return (
        isinstance(f, gast.Attribute)
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
        and isinstance(getattr(np, f.attr, None), np.ufunc)
        and getattr(np, f.attr).nout == 1
        and getattr(np, f.attr).signature is None  # (not matmul and the other gufuncs)
        and len(call.args) == getattr(np, f.attr).nin  # (no output array)
        and not call.keywords
    )


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
