"""A counted backward loop's tape values, taken back all at once as arrays of rows, in
specialised gradient code.

The RNN's backward loop takes back one hidden state per step, and reads the state it overwrote
first (`h` at the top of step k is the state step k computed):

    for k in reversed(range(t1)):
        t5_bar = h_bar * (1.0 - h * h)
        h = pop(tape)
        ...

A loop of n steps that takes back m values per step unconditionally takes back the tape's last
n·m values, whatever pushed them. This pass takes them at once before the loop, and for a float
array of a known shape, makes the array of its values at every step:

    h_saved = pop_block(tape, t1)
    h_steps = np.array(h_saved + [h])     # h before each step, and after the last
    h_after = h_steps[1:]
    h_before = h_steps[:-1]
    for k in reversed(range(t1)):
        h_next = h_after[k]
        t5_bar = h_bar * (1.0 - h_next * h_next)
        h_k = h_before[k]

Each step reads the same values as before, bit for bit. The rows let later passes work on all
steps at once: hoisting.py computes `1.0 - h_next * h_next` for every step before the loop, and
batching.py reads the collected `h_k` as `h_before[::-1]`.

It applies to a loop whose body is straight-line code (no branch, nested loop or early exit) and
takes its values back with `v = pop(tape)` into names bound nowhere else in it, not otherwise
touching the tape. A value is made a row only if it is a float array of a known shape, never a
placeholder (`t = None`), and nothing in the function writes into it in place (each step must
get the very object it saved); other values are read from the list taken back.

Except a placeholder the backward loop never reads: pushed at each forward step before the step
binds it (`t4 = x ** k`), it is the value before the first step, and a backward step that reads
only its own step's value, taking back the one before it for nothing, reads no placeholder. Then
the forward loop writes each step's value into rows after binding it, and the backward step
reads its row; the tape is gone:

    for k in range(t2):                      for k in range(t2):
        tape.append(t4)                          t4 = x ** k
        t4 = x ** k                    →         t4_saved[k] = t4
    ...                                      t4_after = rows_like(t4_saved, t4)
    for k in reversed(range(t2)):            for k in reversed(range(t2)):
        t3_bar = np.sum(t7_bar * t4)             t4_next = t4_after[k]
        t4 = tape.pop()                          t3_bar = np.sum(t7_bar * t4_next)
"""

from __future__ import annotations

import copy
import math
from typing import Callable

import gast

from ..analysis.aliasing import sharing, writes_in_place
from ..frontend.context import Context
from ..ir.trees import assign, counted_range, name, names_in, trip_count, walk, walk_statements
from ..rules.registry import member_names


def unpack_tape_loops(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> None:
    """Take back, before each counted backward loop of `fdef`, the values its steps pop."""
    pop, np_name = ctx.helper("pop"), ctx.numpy_name()
    if not any(
        isinstance(s, gast.For) and counted_loop(s, shape_of)[1] and _pops(s.body, pop)
        for s in walk_statements(fdef.body)
    ):
        return  # (no counted backward loop that pops: what the loops below read of the function is not needed)
    # names that may hold a placeholder: the shape facts describe the function's own values, not
    # the `t = None` the reverse pass binds before a loop so that its first push has a value
    placeholders = {
        t.id
        for s in walk(fdef)
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Constant)
        for t in s.targets
        if isinstance(t, gast.Name)
    }
    unfit = set(placeholders)
    # values written into in place (or sharing memory with such): each step must keep the very
    # object it took back, not a row of a copy
    written = frozenset(writes_in_place(fdef, ctx.helper("add_at")))
    unfit |= sharing(
        fdef,
        written,
        both_ways=True,
        skip=frozenset({np_name, "math"}),
        array=_numeric_array(shape_of),
        number=_number(shape_of),
    )
    # a number is a row only where it is a NumPy number: a Python float would come back as one
    # (the same value, but every operation on it after a NumPy call's cost)
    numpy_numbers = _numpy_numbers(fdef, shape_of, pop, np_name)
    unfit |= {n.id for n in walk(fdef) if isinstance(n, gast.Name) and shape_of(n.id) == ()} - numpy_numbers
    # a placeholder whose steps' values are all the loop reads (not the one before the first step)
    fit_after = {n for n in placeholders if n not in unfit - placeholders}
    for body in _blocks(fdef.body):
        k = 0
        while k < len(body):
            s = body[k]
            # what may read a popped name after the loop: the rest of the function's body, or, in
            # a nested block (a loop may run again), the whole function
            rest = body[k + 1 :] if body is fdef.body else fdef.body
            before, after, earlier = (
                _unpack(s, ctx, shape_of, pop, np_name, rest, unfit, body[:k], fdef, fit_after)
                if isinstance(s, gast.For)
                else ([], [], [])
            )
            body[k + 1 : k + 1] = after
            body[k:k] = before
            for at, st in sorted(earlier, key=lambda e: -e[0]):  # (rows made before a forward loop)
                body.insert(at, st)
            k += len(before) + len(after) + len(earlier) + 1


def _numeric_array(shape_of: Callable) -> Callable[[str], bool]:
    """Whether a name holds an array of numbers of a known shape (a store into it copies)."""
    return lambda n: bool(shape_of(n)) and shape_of.kind(n) in ("f", "c", "i", "u", "b")


def _number(shape_of: Callable) -> Callable[[str], bool]:
    """Whether a name holds a number (shape ()) of a numeric kind: immutable, no view."""
    return lambda n: shape_of(n) == () and shape_of.kind(n) in ("f", "c", "i", "u", "b")


def _numpy_numbers(fdef: gast.FunctionDef, shape_of: Callable, pop: str, np_name: str) -> set[str]:
    """The names of shape () that hold a NumPy number at every assignment (the tape's restores
    and placeholders aside): an element read `x[0]` of an array of numbers, or arithmetic or a
    NumPy call on such a number or on an array (`a * m + b`, `np.exp(m)`; not `math.exp(m)`,
    which makes a Python float). Parameters, whatever their kind, are none."""
    array = _numeric_array(shape_of)
    values: dict[str, list[gast.AST]] = {}
    for st in walk(fdef):
        if isinstance(st, gast.Assign):
            for t in st.targets:
                for n in walk(t):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                        if isinstance(t, gast.Name):
                            values.setdefault(n.id, []).append(st.value)
                        else:
                            values.setdefault(n.id, []).append(None)  # (unpacked: not followed)
        elif isinstance(st, (gast.AugAssign, gast.For)):
            target = st.target
            for n in walk(target):
                if isinstance(n, gast.Name):
                    values.setdefault(n.id, []).append(
                        st.value if isinstance(st, gast.AugAssign) and isinstance(target, gast.Name) else None
                    )
    params = {a.id for a in fdef.args.args if isinstance(a, gast.Name)}

    def restore(v: gast.AST | None) -> bool:
        return (
            isinstance(v, gast.Constant)
            and v.value is None
            or (isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id == pop)
        )

    def numpy_number(v: gast.AST | None, known: set[str]) -> bool:
        if isinstance(v, gast.Name):
            return v.id in known
        if isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name):
            return array(v.value.id)
        if isinstance(v, (gast.BinOp, gast.UnaryOp)) or (
            isinstance(v, gast.Call)
            and isinstance(v.func, gast.Attribute)
            and isinstance(v.func.value, gast.Name)
            and v.func.value.id == np_name
        ):
            leaves = [n for n in walk(v) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]
            return any(n.id in known or array(n.id) for n in leaves) and not any(
                isinstance(n, gast.Call) and n is not v or isinstance(n, gast.Attribute) and n is not v.func
                for n in walk(v)
            )  # (not `x.shape[0] * 0.5`, `len(x) * 0.5`: Python numbers)
        return False

    candidates = {n for n in values if shape_of(n) == () and n not in params}
    known: set[str] = set()
    changed = True
    while changed:
        changed = False
        for n in candidates - known:
            mine = [v for v in values[n] if not restore(v)]
            if mine and all(numpy_number(v, known) for v in mine):
                known.add(n)
                changed = True
    return known


def _blocks(body: list[gast.stmt]):
    yield body
    for s in body:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _blocks(inner)


def _unpack(
    loop: gast.For,
    ctx: Context,
    shape_of: Callable,
    pop: str,
    np_name: str,
    rest: list,
    unfit: set[str],
    preceding: list[gast.stmt],
    fdef: gast.FunctionDef,
    fit_after: set[str] = frozenset(),
) -> tuple[list[gast.stmt], list[gast.stmt], list[tuple[int, gast.stmt]]]:
    index, trips = counted_loop(loop, shape_of)
    if index is None or not trips:
        return [], [], []
    pops = _pops(loop.body, pop)
    if not pops:
        return [], [], []
    _unshare(loop, fdef)
    tape = pops[0][2]
    if any(t != tape for _, _, t in pops) or _touches(loop.body, tape, {id(s) for s, _, _ in pops}):
        return [], [], []
    if not _straight(loop.body, index, [v for _, v, _ in pops]):
        return [], [], []
    popped = [v for _, v, _ in pops]
    # the forward loop writes its values into rows in place of the tape where it can (a list of
    # one array per step costs about twice the numbers' memory, and joining it into rows as much
    # again); else the rows are joined from the values taken back
    forward = _forward_saves(preceding, loop, tape, popped[0], ctx.helper("push")) if len(pops) == 1 else None
    if forward is not None and popped[0] in fit_after and shape_of(popped[0]) and shape_of.kind(popped[0]) == "f":
        made = _after_rows_from_forward(loop, forward, preceding, ctx, shape_of, rest, index, trips, pops[0])
        if made is not None:
            fdef._ag_saved_rows = getattr(fdef, "_ag_saved_rows", set()) | {made[2][0][1].targets[0].id}
            return made
    rows = [
        v
        for v in popped
        if v not in unfit
        and (
            _float_rows(v, shape_of, trips)
            or forward is not None
            and shape_of(v) is not None
            and shape_of.kind(v) == "f"
        )
    ]
    if not rows:
        return [], [], []
    if forward is not None and rows:
        made = _rows_from_forward(loop, forward, preceding, ctx, shape_of, np_name, rest, index, trips, pops[0])
        fdef._ag_saved_rows = getattr(fdef, "_ag_saved_rows", set()) | {made[2][0][1].targets[0].id}
        return made
    m = len(pops)
    before: list[gast.stmt] = []
    count = name(loop.iter.args[0].args[0].id) if isinstance(loop.iter.args[0].args[0], gast.Name) else None
    count = count or gast.Constant(value=trips, kind=None)
    block = gast.Call(func=name(ctx.helper("pop_block")), args=[name(tape)], keywords=[])
    if m == 1:
        saved = {popped[0]: ctx.namer.fresh(popped[0] + "_saved")}
        block.args.append(count)
        before.append(assign(saved[popped[0]], block))
    else:
        whole = ctx.namer.fresh("saved")
        block.args.append(gast.BinOp(left=count, op=gast.Mult(), right=gast.Constant(value=m, kind=None)))
        before.append(assign(whole, block))
        saved = {}
        for j, v in enumerate(popped):  # step k's j-th pop takes back the value at k·m + m-1-j
            saved[v] = ctx.namer.fresh(v + "_saved")
            every = gast.Slice(
                lower=gast.Constant(value=m - 1 - j, kind=None), upper=None, step=gast.Constant(value=m, kind=None)
            )
            before.append(assign(saved[v], gast.Subscript(value=name(whole), slice=every, ctx=gast.Load())))
    top: list[gast.stmt] = []
    after: list[gast.stmt] = []
    for s, v, _ in pops:
        position = loop.body.index(s)
        if v not in rows:
            s.value = _row(saved[v], index)
            continue
        shape, kind = shape_of(v), shape_of.kind(v)
        read_first = any(v in _loads(st) for st in loop.body[:position])
        joined = gast.BinOp(left=name(saved[v]), op=gast.Add(), right=gast.List(elts=[name(v)], ctx=gast.Load()))
        array = gast.Call(
            func=gast.Attribute(value=name(np_name), attr="array", ctx=gast.Load()),
            args=[joined if read_first else name(saved[v])],
            keywords=[],
        )
        before_rows = ctx.namer.fresh(v + "_before")
        if read_first:  # the value at the top of step k is the one step k computed
            steps, after_rows = ctx.namer.fresh(v + "_steps"), ctx.namer.fresh(v + "_after")
            before.append(assign(steps, array))
            before.append(assign(after_rows, _slice(steps, 1, None)))
            before.append(assign(before_rows, _slice(steps, None, -1)))
            shape_of.declare(steps, (trips + 1,) + shape, kind)
            shape_of.declare(after_rows, (trips,) + shape, kind)
            nxt = ctx.namer.fresh(v + "_next")
            shape_of.declare(nxt, shape, kind)
            for st in loop.body[:position]:
                _rename(st, v, nxt)
            top.append(assign(nxt, _row(after_rows, index)))
        else:
            before.append(assign(before_rows, array))
        shape_of.declare(before_rows, (trips,) + shape, kind)
        current = ctx.namer.fresh(v + "_k")  # (v itself gets the last step's value after the loop)
        shape_of.declare(current, shape, kind)
        for st in loop.body[position + 1 :]:
            _rename(st, v, current)
        s.targets[0].id = current
        s.value = _row(before_rows, index)
        if any(v in _loads(st) for st in rest):
            after.append(
                assign(
                    v, gast.Subscript(value=name(before_rows), slice=gast.Constant(value=0, kind=None), ctx=gast.Load())
                )
            )
    loop.body[0:0] = top
    return before, after, []


def _forward_saves(preceding: list[gast.stmt], back: gast.For, tape: str, v: str, push: str):
    """(position, loop, statement) of the forward loop `for j in range(n)` (n the backward
    loop's count) whose one use of the tape is a push of v at the top level of its body; the
    tape is not touched after it. Else None."""
    want = gast.dump(back.iter.args[0])
    for at in range(len(preceding) - 1, -1, -1):
        s = preceding[at]
        uses = [n for n in walk(s) if isinstance(n, gast.Name) and n.id == tape]
        if not isinstance(s, gast.For):
            if uses:
                return None
            continue
        if gast.dump(s.iter) != want or not isinstance(s.target, gast.Name) or s.orelse:
            return None if uses else None
        found = [
            st
            for st in s.body
            if isinstance(st, gast.Expr)
            and isinstance(st.value, gast.Call)
            and isinstance(st.value.func, gast.Name)
            and st.value.func.id == push
            and len(st.value.args) == 2
            and all(isinstance(a, gast.Name) for a in st.value.args)
            and st.value.args[0].id == tape
            and st.value.args[1].id == v
        ]
        if len(found) != 1 or len(uses) != 1:
            return None
        return at, s, found[0]
    return None


def _rows_from_forward(loop, forward, preceding, ctx, shape_of, np_name, rest, index, trips, pop_stmt):
    """The forward loop writes each step's value into rows made before it, in place of the
    tape: the backward loop reads them, no list of arrays, no copy into rows."""
    at, fwd, push_stmt = forward
    s, v, _ = pop_stmt
    shape, kind = tuple(shape_of(v)), shape_of.kind(v)
    position = loop.body.index(s)
    read_first = any(v in _loads(st) for st in loop.body[:position])
    steps = ctx.namer.fresh(v + "_saved")
    size = (trips + 1 if read_first else trips,) + shape
    made = assign(
        steps,
        gast.Call(
            func=gast.Attribute(value=name(np_name), attr="empty", ctx=gast.Load()),
            args=[gast.Constant(value=size, kind=None)],
            keywords=[],
        ),
    )
    shape_of.declare(steps, size, kind)
    fwd.body[fwd.body.index(push_stmt)] = gast.Assign(
        targets=[gast.Subscript(value=name(steps), slice=name(fwd.target.id), ctx=gast.Store())],
        value=name(v),
        type_comment=None,
    )
    before: list[gast.stmt] = []
    top: list[gast.stmt] = []
    after: list[gast.stmt] = []
    before_rows = steps
    if read_first:  # the value at the top of step k is the one step k computed
        before.append(
            gast.Assign(
                targets=[
                    gast.Subscript(value=name(steps), slice=gast.Constant(value=trips, kind=None), ctx=gast.Store())
                ],
                value=name(v),
                type_comment=None,
            )
        )
        rows = ctx.namer.fresh(v + "_steps")  # (in the steps' own float dtype)
        before.append(assign(rows, _call(ctx.helper("rows_like"), steps, v)))
        shape_of.declare(rows, size, kind)
        after_rows, before_rows = ctx.namer.fresh(v + "_after"), ctx.namer.fresh(v + "_before")
        before.append(assign(after_rows, _slice(rows, 1, None)))
        before.append(assign(before_rows, _slice(rows, None, -1)))
        shape_of.declare(after_rows, (trips,) + shape, kind)
        shape_of.declare(before_rows, (trips,) + shape, kind)
        nxt = ctx.namer.fresh(v + "_next")
        shape_of.declare(nxt, shape, kind)
        for st in loop.body[:position]:
            _rename(st, v, nxt)
        top.append(assign(nxt, _row(after_rows, index)))
    else:  # (v holds the last step's value, of the steps' dtype)
        before_rows = ctx.namer.fresh(v + "_before")
        before.append(assign(before_rows, _call(ctx.helper("rows_like"), steps, v)))
        shape_of.declare(before_rows, size, kind)
    current = ctx.namer.fresh(v + "_k")
    shape_of.declare(current, shape, kind)
    for st in loop.body[position + 1 :]:
        _rename(st, v, current)
    s.targets[0].id = current
    s.value = _row(before_rows, index)
    if any(v in _loads(st) for st in rest):
        after.append(
            assign(v, gast.Subscript(value=name(before_rows), slice=gast.Constant(value=0, kind=None), ctx=gast.Load()))
        )
    loop.body[0:0] = top
    return before, after, [(at, made)]


def _after_rows_from_forward(loop, forward, preceding, ctx, shape_of, rest, index, trips, pop_stmt):
    """For a value the forward loop's steps bind once each, whose value before the first step (a
    placeholder, `t4 = None`) the backward loop never reads: the forward loop writes the value each
    step binds into rows, and the backward loop reads its step's row where it read the value
    before taking back the one before it, which nothing reads then. None where that is not so."""
    at, fwd, push_stmt = forward
    s, v, _ = pop_stmt
    position = loop.body.index(s)
    if not any(v in _loads(st) for st in loop.body[:position]):
        return None  # (the step reads the value before it: the placeholder's, at the first step)
    if any(v in _loads(st) for st in loop.body[position + 1 :] + rest):
        return None
    if any(v in names_in(st, (gast.Store, gast.Del)) for st in preceding[at + 1 :]):
        return None  # (the backward loop's first step reads what is bound there, not the last step's value)
    binds = [
        k
        for k, st in enumerate(fwd.body)
        if v in names_in(st, (gast.Store, gast.Del)) or isinstance(st, gast.AugAssign) and v in names_in(st.target)
    ]
    if len(binds) != 1 or binds[0] < fwd.body.index(push_stmt):
        return None
    bind = fwd.body[binds[0]]
    if not (isinstance(bind, gast.Assign) and len(bind.targets) == 1 and isinstance(bind.targets[0], gast.Name)):
        return None
    shape, kind = tuple(shape_of(v)), shape_of.kind(v)
    steps = ctx.namer.fresh(v + "_saved")
    size = (trips,) + shape
    made = assign(
        steps,
        gast.Call(
            func=gast.Attribute(value=name(ctx.numpy_name()), attr="empty", ctx=gast.Load()),
            args=[gast.Constant(value=size, kind=None)],
            keywords=[],
        ),
    )
    shape_of.declare(steps, size, kind)
    store = gast.Assign(
        targets=[gast.Subscript(value=name(steps), slice=name(fwd.target.id), ctx=gast.Store())],
        value=name(v),
        type_comment=None,
    )
    fwd.body.insert(binds[0] + 1, store)
    fwd.body.remove(push_stmt)
    after_rows = ctx.namer.fresh(v + "_after")  # (in the steps' own float dtype)
    before = [assign(after_rows, _call(ctx.helper("rows_like"), steps, v))]
    shape_of.declare(after_rows, size, kind)
    nxt = ctx.namer.fresh(v + "_next")
    shape_of.declare(nxt, shape, kind)
    for st in loop.body[:position]:
        _rename(st, v, nxt)
    loop.body.remove(s)
    loop.body.insert(0, assign(nxt, _row(after_rows, index)))
    return before, [], [(at, made)]


def _call(helper: str, *args: str) -> gast.Call:
    return gast.Call(func=name(helper), args=[name(a) for a in args], keywords=[])


def counted_loop(loop: gast.For, shape_of: Callable) -> tuple[str | None, int | None]:
    """(k, n) of `for k in reversed(range(n))` with n known, else (None, None)."""
    counted = counted_range(loop, only_reversed=True)
    n = trip_count(counted[1], shape_of) if counted is not None else None
    return (counted[0], n) if n is not None else (None, None)


def _pops(body: list[gast.stmt], pop: str) -> list[tuple[gast.Assign, str, str]]:
    """(statement, name, tape) of each `name = pop(tape)` of the body, in order."""
    out = []
    for s in body:
        if (
            isinstance(s, gast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Name)
            and s.value.func.id == pop
            and len(s.value.args) == 1
            and isinstance(s.value.args[0], gast.Name)
        ):
            out.append((s, s.targets[0].id, s.value.args[0].id))
    return out


def _touches(body: list[gast.stmt], tape: str, pops: set[int]) -> bool:
    """Whether the body uses the tape other than in its pops."""
    return any(isinstance(n, gast.Name) and n.id == tape for s in body if id(s) not in pops for n in walk(s)) or any(
        not isinstance(n, gast.Name) or n.id != tape for s in body if id(s) in pops for n in s.value.args
    )


def _straight(body: list[gast.stmt], index: str, popped: list[str]) -> bool:
    """Straight-line statements (binding each popped name once, the index never). What they write
    into in place (`xs_bar[k] += x_bar`) is no row: see `unfit`."""
    stored: dict[str, int] = {}
    for s in body:
        if not isinstance(s, (gast.Assign, gast.AugAssign, gast.Expr, gast.Pass)):
            return False
        for n in walk(s):
            if isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await)):
                return False
            if (
                isinstance(n, gast.Call)
                and isinstance(n.func, gast.Attribute)
                and n.func.attr in member_names("writes")
            ):
                return False
            if isinstance(n, gast.Call) and any(k.arg == "out" for k in n.keywords):
                return False
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                stored[n.id] = stored.get(n.id, 0) + 1
    return index not in stored and all(stored.get(v) == 1 for v in popped)


# the most numbers a loop's values are copied into rows for (beyond, each step's NumPy call costs
# far more than its overhead: nothing to gain for twice the memory)
MAX_ROWS_SIZE = 1 << 20


def _float_rows(v: str, shape_of: Callable, trips: int) -> bool:
    shape = shape_of(v)
    return shape is not None and shape_of.kind(v) == "f" and trips * math.prod(shape) <= MAX_ROWS_SIZE


def _loads(s: gast.stmt) -> set[str]:
    return names_in(s, (gast.Load,))


def _unshare(loop: gast.For, fdef: gast.FunctionDef) -> None:
    """Give each name `loop` reads a node of its own where the same node object stands twice in
    `fdef` (the item a forward loop stores, read by the adjoint of its append too): _rename
    changes a node in place, which must not rename the other reading of it."""
    count: dict[int, int] = {}
    for n in walk(fdef):  # (walk meets a node as often as it stands in the tree)
        if isinstance(n, gast.Name):
            count[id(n)] = count.get(id(n), 0) + 1
    for parent in walk(loop):
        for field, value in gast.iter_fields(parent):
            if isinstance(value, gast.Name) and count.get(id(value), 0) > 1:
                setattr(parent, field, copy.copy(value))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, gast.Name) and count.get(id(item), 0) > 1:
                        value[i] = copy.copy(item)


def _rename(s: gast.stmt, old: str, new: str) -> None:
    for n in walk(s):
        if isinstance(n, gast.Name) and n.id == old and isinstance(n.ctx, gast.Load):
            n.id = new


def _row(rows: str, index: str) -> gast.Subscript:
    return gast.Subscript(value=name(rows), slice=name(index), ctx=gast.Load())


def _slice(rows: str, lower: int | None, upper: int | None) -> gast.Subscript:
    def bound(b):
        return None if b is None else gast.Constant(value=b, kind=None)

    return gast.Subscript(
        value=name(rows), slice=gast.Slice(lower=bound(lower), upper=bound(upper), step=None), ctx=gast.Load()
    )
