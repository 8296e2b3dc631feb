"""Batching of adjoint accumulations in loops (a pass over specialised gradient code).

A weight used in every iteration of a loop gets one contribution per iteration, e.g. the RNN's

    for k in reversed(range(t1)):
        ...
        W_bar = W_bar + matmul_left(t2_bar, W, h)    # an outer product per step

T small outer products cost far more than one matrix product of the stacked vectors. This pass
collects the operands in the loop and adds them all after it, as a hand-written gradient would:

    W_bar_parts = []
    for k in reversed(range(t1)):
        ...
        W_bar_parts.append((t2_bar, h))
    W_bar = W_bar + matmul_left_sum(W_bar_parts, W)

It applies only where that is the same sum: the accumulator is neither read nor written
elsewhere in the loop, the weight is not reassigned in it, and no collected value can change
afterwards (nothing in the function writes into it, or into an array it may share memory with).

In specialised code, with the loop's length and the operands' shapes known, each value is stored
into rows made before the loop (or read as the rows of an array the loop indexes: `x = xs[k]`,
`x = xs[:, k]`) and the sum is the NumPy expression itself. Steps of matrices batch too: the
CS231n RNN's `Wx_bar = Wx_bar + x_1.T.dot(t_bar)` (each a sum of outer products of rows) is one
product of the flattened rows, its `b_bar = b_bar + np.sum(t_bar, axis=0)` one sum:

    Wx_bar = Wx_bar + x[:, ::-1].swapaxes(0, 1).reshape(-1, 8).T @ t_bar_rows.reshape(-1, 16)
    b_bar = b_bar + np.sum(t_bar_rows, axis=(0, 1))

Rows of whole steps grow with the loop beside the states a hand-written gradient keeps: a loop
whose rows would hold more than WHOLE_STEP_ROWS numbers keeps summing its matrix steps in the loop.
A value stored into rows is copied when the accumulation would have read it, so it may be written
in place in the loop. The batched sum adds in another order than the loop: the accumulator must
decide nothing (rounding.py).
"""

from __future__ import annotations

import math
from typing import Callable

import gast

from ..analysis import rounding
from ..analysis.aliasing import shared_through, sharing, writes_in_place
from ..frontend.context import Context
from ..ir import convert
from ..ir.trees import assign, name, walk, walk_statements
from ..optimize.loop_saves import forward_links
from ..rules.registry import runtime_facts
from .taped_rows import counted_loop

# the most numbers the rows of whole steps (matrices, sums down to a shape) may hold: rows as long
# as the loop grow with it, beside a hand-written gradient's states; longer loops sum in the loop
WHOLE_STEP_ROWS = 2**15


def batch_accumulations(
    fdef: gast.FunctionDef,
    ctx: Context,
    arrays: set[str],
    shape_of: Callable | None = None,
    passing: frozenset[str] = frozenset(),
    whole_steps: bool = True,
) -> None:
    """Batch the accumulations in every `for` loop of `fdef`; `arrays` are accumulators known to
    be arrays (their plain `A = A + g` sums are batched too: a float sum would only get slower).
    With `shape_of` (and its `count`, a name's known int value), a loop of a known number of
    iterations whose operands' shapes are known collects each operand once and sums with the
    NumPy expression itself (`t_bar_rows.T @ h_rows`), the helpers' run-time checks left out, where
    the accumulator decides nothing (`passing`: see rounding.decisive_names). Without `whole_steps`,
    only steps of vectors: no step's matrix flattened, no step summed down to a shape (numba,
    which compiles the loop, reshapes no view and sums over no tuple of axes); nor rows of whole
    steps of more than WHOLE_STEP_ROWS numbers."""
    helpers = {ctx.helper(h): h for h in runtime_facts("batched")}
    if shape_of is not None:
        helpers.update({ctx.helper(h): h for h in runtime_facts("batched_known_shapes")})
    saved_rows: set[str] = set()  # the rows this call makes (hoisting.py may read past their writes)
    # what may change in place after being collected: written into, or sharing memory with that
    # (the rows a forward loop saved its values into, taped_rows.py, are written before the
    # backward loop reads them and never after)
    written = frozenset(writes_in_place(fdef, ctx.helper("add_at"))) - getattr(fdef, "_ag_saved_rows", set())
    if shape_of is not None:  # (copies, new arrays, numbers and stores into rows share nothing)
        copies = {ctx.helper("copy_of"), ctx.helper("zeros_like"), ctx.helper("owned_copy")}
        links = forward_links(fdef.body, frozenset({ctx.numpy_name(), "math"}), copies, shape_of)
        mutable = shared_through(links, written)
    else:
        mutable = sharing(fdef, written, both_ways=True, skip=frozenset({ctx.numpy_name(), "math"}))
    decisive: list[set[str]] = []  # (found once, if a loop needs it)

    def deciding(acc: str) -> bool:
        if not decisive:
            decisive.append(rounding.decisive_names(fdef, ctx.numpy_name(), passing))
        return acc in decisive[0]

    _batch_body(fdef.body, ctx, helpers, arrays, mutable, shape_of, deciding, whole_steps, saved_rows)
    fdef._ag_saved_rows = getattr(fdef, "_ag_saved_rows", set()) | saved_rows


def _batch_body(
    body: list[gast.stmt], ctx, helpers, arrays, mutable, shape_of, deciding, whole_steps, saved_rows: set[str]
) -> None:
    i = 0
    while i < len(body):
        s = body[i]
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                _batch_body(inner, ctx, helpers, arrays, mutable, shape_of, deciding, whole_steps, saved_rows)
        if isinstance(s, gast.For) and not s.orelse and not _escapes(s.body):
            before, after = _batch_loop(s, ctx, helpers, arrays, mutable, shape_of, deciding, whole_steps, saved_rows)
            body[i:i] = before
            i += len(before)
            body[i + 1 : i + 1] = after
            i += len(after)
        i += 1


def _batch_loop(
    loop: gast.For, ctx, helpers, arrays, mutable, shape_of, deciding, whole_steps, saved_rows: set[str]
) -> tuple[list, list]:
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    for node in walk(loop):
        if isinstance(node, gast.Name):
            table = stores if isinstance(node.ctx, gast.Store) else loads
            table[node.id] = table.get(node.id, 0) + 1
    before: list[gast.stmt] = []
    after: list[gast.stmt] = []
    np_name = ctx.numpy_name()
    trips = counted_loop(loop, shape_of)[1]
    version: dict[str, int] = {}  # name → the last statement of the body changing it, so far
    rows: dict[tuple[str, int], str] = {}  # (name, version) → the stack of its collected values
    direct_sums: list[gast.stmt] = []
    for k, s in enumerate(list(loop.body)):
        found = _accumulation(s)
        candidate = None
        if found is not None:
            acc, term = found
            values = _collected(term, helpers, arrays, acc)
            fixed = _fixed(term, helpers)
            if (
                stores.get(acc) == 1  # read or written elsewhere in the loop
                and loads.get(acc) == 1
                and values is not None
                and acc not in values[1]
                and not (fixed is not None and (not isinstance(fixed, gast.Name) or stores.get(fixed.id)))
            ):  # (and the weight does not change in the loop)
                candidate = acc, values, fixed
        direct = None
        if candidate is not None:
            acc, (combine, collected), fixed = candidate
            direct = _direct(combine, collected, fixed, shape_of, whole_steps, trips) if trips else None
            # (a value that may be written in place is collected only by copying it into rows)
            changing = [v for v in collected if v in mutable]
            if direct is not None and (
                direct[2]
                and deciding(acc)  # (a sum in another order than the loop's)
                or not all((v, version.get(v, -1)) in rows or _preallocated(loop, v, trips, shape_of) for v in changing)
            ):
                direct = None
            if direct is None and changing:
                candidate = None
        if candidate is None:
            _changed(s, version, k, mutable, ctx)
            continue
        if direct is not None:  # collect each value once, sum with NumPy after the loop
            deciding("")  # (the analysis reads the whole function: found, if not yet, before it changes)
            template, axis, _ = direct
            appends = []
            for v in collected:
                key = (v, version.get(v, -1))
                if key not in rows and key[1] >= 0 and v not in mutable:
                    source = _row_source(loop, loop.body[key[1]], v, trips, shape_of, mutable)
                    if source is not None:  # x = xs[k], k = n-1 ... 0
                        rows[key] = source
                if key not in rows and _preallocated(loop, v, trips, shape_of):
                    # a backward loop's step k writes its row at -1 - k (n - 1 - k: the order in
                    # which the steps ran) into rows made before the loop: no list of arrays
                    buffer = ctx.namer.fresh(v + "_buffer")
                    rows[key] = ctx.namer.fresh(v + "_rows")
                    shape = (trips,) + tuple(shape_of(v))
                    before.append(assign(buffer, _parse(f"{np_name}.empty({shape!r})")))
                    position = _parse(f"-1 - {loop.target.id}")
                    appends.append(
                        gast.Assign(
                            targets=[gast.Subscript(value=name(buffer), slice=position, ctx=gast.Store())],
                            value=name(v),
                            type_comment=None,
                        )
                    )
                    shape_of.declare(buffer, shape, shape_of.kind(v))
                    shape_of.declare(rows[key], shape, shape_of.kind(v))
                    saved_rows.add(buffer)
                    # (float64 rows; back to the steps' own float dtype where that is exact)
                    like = gast.Call(func=name(ctx.helper("rows_like")), args=[name(buffer), name(v)], keywords=[])
                    after.append(assign(rows[key], like))
                if key not in rows:
                    parts = ctx.namer.fresh(v + "_parts")
                    rows[key] = ctx.namer.fresh(v + "_rows")
                    before.append(assign(parts, gast.List(elts=[], ctx=gast.Load())))
                    appends.append(_append(parts, name(v), s))
                    # (np.array joins arrays of one known shape as np.stack does, 3× sooner)
                    stack = gast.Call(
                        func=gast.Attribute(value=name(np_name), attr="array", ctx=gast.Load()),
                        args=[name(parts)],
                        keywords=[],
                    )
                    after.append(assign(rows[key], stack))
                    if hasattr(shape_of, "declare") and shape_of(v) is not None:
                        shape_of.declare(rows[key], (trips,) + shape_of(v), shape_of.kind(v))
            loop.body[k] = appends or [gast.Pass()]
            stacks = [_flattened(rows[(v, version.get(v, -1))], axis, shape_of(v)) for v in collected]
            fixed_name = fixed.id if isinstance(fixed, gast.Name) else None
            text = template.format(*stacks, np=np_name, helper=ctx.helper(combine), fixed=fixed_name)
            total = _parse(text)
            total._ag_shape = shape_of(collected[0] if fixed is None else fixed.id)  # (for lowering)
            direct_sums.append(assign(acc, gast.BinOp(left=name(acc), op=gast.Add(), right=total)))
            continue
        if _helper_of(found[1], helpers) in runtime_facts("batched_known_shapes") or (
            shape_of is not None and all(shape_of(v) is not None for v in collected)
        ):  # (no general sum: np.dot's; nor, in specialised code, for arrays of known shapes, which
            # lowering makes the NumPy product itself: a list of every step's operands costs
            # memory as the loop is long, the product in the loop none)
            _changed(s, version, k, mutable, ctx)
            continue
        deciding("")  # (as above)
        parts = ctx.namer.fresh(acc + "_parts")
        item = (
            name(collected[0])
            if len(collected) == 1
            else gast.Tuple(elts=[name(v) for v in collected], ctx=gast.Load())
        )
        loop.body[k] = _append(parts, item, s)
        before.append(assign(parts, gast.List(elts=[], ctx=gast.Load())))
        args = [name(parts)] + ([] if fixed is None else [name(fixed.id)])
        total = gast.Call(func=name(ctx.helper(combine)), args=args, keywords=[])
        after.append(assign(acc, gast.BinOp(left=name(acc), op=gast.Add(), right=total)))
    flat: list[gast.stmt] = []
    for st in loop.body:
        flat.extend(st if isinstance(st, list) else [st])
    first = flat[0] if flat else None
    reversed_rows = {key[0] for key, r in rows.items() if r.endswith("[::-1]") and key[1] == 0}
    if isinstance(first, gast.Assign) and _rows_target(first) in reversed_rows:
        v = _rows_target(first)  # `x = xs[k]`, its values now read as xs[::-1]: read no more?
        if not any(isinstance(n, gast.Name) and n.id == v for st in flat[1:] for n in walk(st)):
            flat = flat[1:]
    loop.body = [st for st in flat if not isinstance(st, gast.Pass)] or [gast.Pass()]
    return before, after + direct_sums


def _changed(s: gast.stmt, version: dict[str, int], k: int, mutable, ctx) -> None:
    """Record that statement k of the loop changes the names it binds, and, if it may write into
    an array in place (`x[i] = v`, `x += v`, a call's argument or `out=`), every name that may be
    written into (through any name: they may share memory)."""
    bound = {node.id for node in walk(s) if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store)}
    for v in bound:
        version[v] = k
    if not mutable:
        return
    written = set().union(*(rounding.stores(st, ctx.numpy_name()) for st in walk_statements([s])))
    if writes_in_place(s, ctx.helper("add_at")) or written - bound:
        for v in mutable:
            version[v] = k


def _flattened(stack: str, axis: int | None, step_shape: tuple) -> str:
    """The rows of matrices (`stack`, a step's shape `step_shape`) flattened along `axis` (0: the
    matrices' rows, 1: their columns) to one matrix of rows, for `axis` None the stack itself."""
    if axis is None:
        return stack
    if axis == 0:
        return f"{stack}.reshape(-1, {step_shape[1]})"
    return f"{stack}.swapaxes(1, 2).reshape(-1, {step_shape[0]})"


def _rows_target(st: gast.Assign) -> str | None:
    return st.targets[0].id if isinstance(st.targets[0], gast.Name) else None


def _row_source(loop: gast.For, st: gast.stmt, v: str, trips: int, shape_of, mutable) -> str | None:
    """If `st` is `v = xs[k]` (or `xs[:, k]`, `xs[:, k, :]`), k this loop's index running over
    xs's rows (columns) backwards, and nothing writes into xs: v's values, collected, as a stack
    (`xs[::-1]`; `xs[:, ::-1].T`, its step axis first), else None."""
    if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and st.targets[0].id == v):
        return None
    value = st.value
    if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)):
        return None
    xs = value.value.id
    parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
    at = [i for i, p in enumerate(parts) if isinstance(p, gast.Name)]
    shape = shape_of(xs)
    if not (
        len(at) == 1
        and at[0] <= 1
        and all(_full(p) for i, p in enumerate(parts) if i != at[0])
        and isinstance(loop.target, gast.Name)
        and parts[at[0]].id == loop.target.id
        and xs not in mutable
        and shape is not None
        and len(shape) >= len(parts)
        and shape[at[0]] >= trips
    ):
        return None
    backwards = "::-1" if shape[at[0]] == trips else f"{trips - 1}::-1"
    if at[0] == 0:
        return f"{xs}[{backwards}]"
    return f"{xs}[:, {backwards}]" + (".T" if len(shape) == 2 else ".swapaxes(0, 1)")


def _full(part: gast.AST) -> bool:
    """Whether an index's part is `:`."""
    return isinstance(part, gast.Slice) and part.lower is None and part.upper is None and part.step is None


def _preallocated(loop: gast.For, v: str, trips: int | None, shape_of: Callable) -> bool:
    """Whether the rows of v can be written into an array made before `loop`: a backward loop
    `for k in reversed(range(n))` of known length, v a float array of a known shape."""
    index, n = counted_loop(loop, shape_of)
    return (
        index is not None
        and n == trips
        and n > 0
        and hasattr(shape_of, "declare")
        and bool(shape_of(v))
        and shape_of.kind(v) == "f"
    )


def _append(parts: str, item: gast.AST, where: gast.stmt) -> gast.stmt:
    call = gast.Call(func=gast.Attribute(value=name(parts), attr="append", ctx=gast.Load()), args=[item], keywords=[])
    return gast.copy_location(gast.Expr(value=call), where)


def _parse(text: str) -> gast.AST:
    return convert.parse(text, mode="eval").body


def _direct(
    combine: str, collected: list[str], fixed: gast.AST | None, shape_of, whole_steps: bool, trips: int
) -> tuple[str, int | None, bool] | None:
    """The NumPy sum for `combine` where the operands' shapes make it that expression, the axis
    along which the steps' matrices are flattened first (`outer_axis`, or None), and whether it
    adds in another order than the loop (all but np.sum over the rows: a product, a sum over the
    batch too), or None."""
    shapes = [shape_of(v) for v in collected]
    if any(sh is None for sh in shapes):
        return None
    whole_steps = whole_steps and sum(trips * math.prod(sh) for sh in shapes) <= WHOLE_STEP_ROWS
    direct = runtime_facts("stacked_sum")[combine]  # (the registry's entry of the summing helper)
    if combine == "sum_parts":
        return direct, None, False
    fixed_shape = shape_of(fixed.id) if isinstance(fixed, gast.Name) else None
    if fixed_shape is None:
        return None
    axis = runtime_facts("outer_axis").get(combine)
    if axis is None:  # (a sum down to the fixed argument's shape: of steps of at least its rank)
        return (direct, None, True) if whole_steps and all(len(sh) >= len(fixed_shape) for sh in shapes) else None
    if len(fixed_shape) == 2 and all(len(sh) == 1 for sh in shapes):
        return direct, None, True
    if whole_steps and len(fixed_shape) == 2 and all(len(sh) == 2 for sh in shapes):  # (sums of outer products)
        return direct, axis, True
    return None


def _accumulation(s: gast.stmt) -> tuple[str, gast.AST] | None:
    """`A = A + term` → (A, term)."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)):
        return None
    v, acc = s.value, s.targets[0].id
    if isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add) and isinstance(v.left, gast.Name) and v.left.id == acc:
        return acc, v.right
    return None


def _collected(term: gast.AST, helpers, arrays, acc) -> tuple[str, list[str]] | None:
    """(the summing helper, the names to collect per iteration) for a batchable term."""
    if isinstance(term, gast.Name):
        return ("sum_parts", [term.id]) if acc in arrays else None
    if not (isinstance(term, gast.Call) and isinstance(term.func, gast.Name) and term.func.id in helpers):
        return None
    if term.keywords or not all(isinstance(a, gast.Name) for a in term.args):
        return None
    combine, fixed = _batching(helpers[term.func.id])
    return combine, [a.id for i, a in enumerate(term.args) if i != fixed]


def _batching(helper: str) -> tuple[str, int]:
    """(the summing helper, the position of the argument fixed over the loop) of `helper`: the
    registry's `batched`, or for np.dot's adjoints (matmul's for operands of rank 2 at most)
    `batched_known_shapes`: batched only where the shapes make the sum that NumPy expression
    (`_direct`), never through the helpers' general sums."""
    return runtime_facts("batched").get(helper) or runtime_facts("batched_known_shapes")[helper]


def _helper_of(term: gast.AST, helpers) -> str | None:
    if isinstance(term, gast.Call) and isinstance(term.func, gast.Name):
        return helpers.get(term.func.id)
    return None


def _fixed(term: gast.AST, helpers) -> gast.AST | None:
    if isinstance(term, gast.Call) and isinstance(term.func, gast.Name) and term.func.id in helpers:
        return term.args[_batching(helpers[term.func.id])[1]]
    return None


def _escapes(body: list[gast.stmt]) -> bool:
    return any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for s in body for n in walk(s))
