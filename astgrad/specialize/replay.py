"""Loops of numbers replayed in the backward pass instead of taped (specialised code only).

A loop body of a few scalar operations saves, per iteration, every value it overwrites and the
backward pass reads: the branch flags, `sin(y)`, the old y... each a list append and a pop, and
Python's per-statement cost is what a scalar loop's gradient pays. A hand-written gradient saves
only the iteration's starting state and recomputes the rest, which is cheaper for numbers:

    for _ in range(100):                     for _ in range(100):
        tape.append(t1)                          tape.append(y)
        t1 = y > 1.0                             t1 = y > 1.0
        if t1:                                   if t1:
            tape.append(t3)                          t3 = math.sin(y)
            t3 = math.sin(y)                         y = -0.8 * y + a * t3
            tape.append(y)                       ...
            y = -0.8 * y + a * t3
        ...

and its backward iteration pops that state, runs the iteration's forward statements again
(without the ones that overwrite the state), then the adjoint statements without their pops.

Two kinds of the iteration's values are not computed again. A loop invariant (`t1 = dt * g`) is
the same at every step: the backward loop reads the value the last step left, and where it cannot
raise it is computed once, before the forward loop. A call of a NumPy function on numbers
(`t2 = np.sin(theta)`, far dearer on a float than Python's arithmetic) costs more than a place
in the saved tuple: computed from the starting state alone, it is saved with it
(`states.append((theta, t2))`).

This is the same computation: after the replay every name holds the value the taped scheme
would have restored when the adjoint statements read it. The checks below make sure of that:
a top-level loop and its backward loop, the loop body of pure statements on numbers (no nested
loop, no call of the user's functions, nothing written in place), each name assigned at most
once on each path through the body, no state name read after it is assigned in the forward
body nor before it is restored in the backward body, and the loop's names read nowhere else.
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ..analysis.aliasing import sharing, writes_in_place
from ..frontend.context import Context
from ..ir.trees import clone, names_in, read_counts, walk
from ..optimize.cleanup import denoted, fuse_expressions, is_comment, is_pure, resolver
from ..optimize.loop_saves import tape_name, tape_of
from .floats import python_number_names
from .lowering.statements import join_accumulations

MAX_PATHS = 64


def replay_scalar_loops(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, python_numbers: frozenset[str] = frozenset()
) -> None:
    """Rewrite every eligible pair of top-level forward and backward loops of `fdef` in place
    (`python_numbers`: the parameters known to be Python numbers)."""
    tape = tape_name(fdef)
    if tape is None:
        return
    ns = resolver(ctx)
    found: list[set[str]] = []

    def numbers() -> set[str]:
        """The names of Python numbers (floats.python_number_names), found on the function as the pass
        found it: when a loop pair first qualifies, before its rewrite (_replay)."""
        if not found:
            found.append(python_number_names(fdef, ctx, python_numbers))
        return found[0]

    loops = [st for st in fdef.body if isinstance(st, gast.For)]
    for n, forward in enumerate(loops):
        backward = next(
            (
                b
                for b in loops[n + 1 :]
                if _is_reversed(b, forward) and getattr(b, "lineno", -1) == getattr(forward, "lineno", -2)
            ),
            None,
        )
        replayed = None if backward is None else _replay(fdef, forward, backward, tape, ns, shape_of, ctx, numbers)
        if replayed is None:
            continue
        saved, invariants = replayed
        _hoist_invariants(fdef, forward, invariants, numbers())
        if saved:
            _own_list(fdef, forward, backward, tape, saved, ctx)
        # the iterations' temporaries are their own: put back into their uses (a loop invariant
        # the backward loop reads stays a statement of the forward one)
        for loop in (forward, backward):
            _fuse_in(loop, ctx, invariants)
    if not any(isinstance(x, gast.Name) and x.id == tape for st in fdef.body[1:] for x in walk(st)):
        fdef.body = [st for st in fdef.body if tape_of(st) != tape]  # nothing left on the tape


def _hoist_invariants(fdef: gast.FunctionDef, forward: gast.For, invariants: set[str], numbers: set[str]) -> None:
    """The loop invariants computed once, before the forward loop, where that cannot raise: sums,
    differences and products of Python numbers (`t1 = dt * g`), which a loop that runs no
    iteration then computes once for nothing. The same operations on the same operands give
    the same value, bit for bit. Others stay in the loop; the backward loop reads the last."""
    hoisted: list[gast.stmt] = []
    for st in list(forward.body):
        v = single_target(st)
        if v in invariants and _total(st.value, numbers | {single_target(h) for h in hoisted}):
            forward.body.remove(st)
            hoisted.append(st)
    k = next(i for i, st in enumerate(fdef.body) if st is forward)
    fdef.body[k:k] = hoisted


def _total(e: gast.AST, numbers: set[str]) -> bool:
    """Whether `e` is `+`, `-` and `*` of Python numbers (names in `numbers`, literals): it
    raises for no values (a float overflows to inf)."""
    if isinstance(e, gast.Name):
        return e.id in numbers
    if isinstance(e, gast.Constant):
        return type(e.value) in (int, float)
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub, gast.Mult)):
        return _total(e.left, numbers) and _total(e.right, numbers)
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
        return _total(e.operand, numbers)
    return False


def _fuse_in(loop: gast.For, ctx: Context, kept: set[str]) -> None:
    """cleanup.fuse_expressions within one loop body (its temporaries are used nowhere else but
    the `kept` ones)."""
    scope = gast.FunctionDef(
        name="_", args=None, body=loop.body, decorator_list=[], returns=None, type_comment=None, type_params=[]
    )
    fuse_expressions(scope, ctx, kept)
    join_accumulations(scope.body, ctx)
    loop.body = scope.body


def _own_list(
    fdef: gast.FunctionDef, forward: gast.For, backward: gast.For, tape: str, state: list[str], ctx: Context
) -> None:
    """The saved states in a list of their own (`ys`), which the backward loop iterates
    backwards instead of popping, where it does not need its index."""
    saved = ctx.namer.fresh(state[0] + "s" if len(state) == 1 else "states")
    fdef.body.insert(next(i for i, st in enumerate(fdef.body) if st is forward), _assign_list(saved))
    at = next(i for i, st in enumerate(forward.body) if _appends_to(st, tape))
    forward.body[at] = _push(saved, state)
    target = backward.target
    uses = [
        x
        for st in backward.body[1:]
        for x in walk(st)
        if isinstance(x, gast.Name) and x.id == getattr(target, "id", None)
    ]
    if isinstance(target, gast.Name) and not uses:
        backward.target = _names(state, gast.Store())
        backward.iter = gast.Call(
            func=_names(["reversed"], gast.Load()), args=[_names([saved], gast.Load())], keywords=[]
        )
        backward.body = backward.body[1:] or [gast.Pass()]
    else:
        backward.body[0] = _pop(saved, state)


def _assign_list(v: str) -> gast.stmt:
    return gast.Assign(
        targets=[_names([v], gast.Store())], value=gast.List(elts=[], ctx=gast.Load()), type_comment=None
    )


def _is_reversed(backward: gast.For, forward: gast.For) -> bool:
    it = backward.iter
    return (
        isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "reversed"
        and len(it.args) == 1
        and gast.dump(it.args[0]) == gast.dump(forward.iter)
        and gast.dump(backward.target) == gast.dump(forward.target)
    )


def _push_of(st: gast.stmt, tape: str) -> str | None:
    """v for `tape.append(v)`."""
    if not (isinstance(st, gast.Expr) and isinstance(st.value, gast.Call)):
        return None
    f = st.value.func
    ok = isinstance(f, gast.Attribute) and f.attr == "append" and isinstance(f.value, gast.Name) and f.value.id == tape
    arg = st.value.args[0] if ok and len(st.value.args) == 1 else None
    return arg.id if isinstance(arg, gast.Name) else None


def _appends_to(st: gast.stmt, tape: str) -> bool:
    """Whether `st` is `tape.append(...)` (of one name or a tuple of them)."""
    if not (isinstance(st, gast.Expr) and isinstance(st.value, gast.Call)):
        return False
    f = st.value.func
    return (
        isinstance(f, gast.Attribute) and f.attr == "append" and isinstance(f.value, gast.Name) and f.value.id == tape
    )


def _pop_of(st: gast.stmt, tape: str) -> str | None:
    """v for `v = tape.pop()`."""
    if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and isinstance(st.value, gast.Call)):
        return None
    f = st.value.func
    if isinstance(f, gast.Attribute) and f.attr == "pop" and isinstance(f.value, gast.Name) and f.value.id == tape:
        return st.targets[0].id if not st.value.args else None
    return None


def _repeated_reads(forward: gast.For, backward: gast.For, assigned: set[str]) -> set[int]:
    """The ids of the backward body's top-level statements that repeat one of the forward body's
    (the same target, the same value) reading no name the iteration assigns: a read of the
    iteration's inputs made again, as the replay makes it."""
    made = {
        st.targets[0].id: gast.dump(st.value)
        for st in forward.body
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)
    }
    return {
        id(st)
        for st in backward.body
        if isinstance(st, gast.Assign)
        and isinstance(st.targets[0], gast.Name)
        and made.get(st.targets[0].id) == gast.dump(st.value)
        and not read_counts(st.value).keys() & assigned
    }


def _paths(block: list[gast.stmt], tape: str) -> list[list[tuple[str, str]]] | None:
    """The (event, name) sequences of every path through `block`: "load", "store", "push",
    "pop"; None for a statement this pass does not handle, or too many paths."""
    paths: list[list[tuple[str, str]]] = [[]]
    for st in block:
        if is_comment(st):
            continue
        if isinstance(st, gast.If):
            test = [("load", n.id) for n in walk(st.test) if isinstance(n, gast.Name)]
            then, other = _paths(st.body, tape), _paths(st.orelse, tape)
            if then is None or other is None or len(paths) * (len(then) + len(other)) > MAX_PATHS:
                return None
            paths = [p + test + q for p in paths for q in then + other]
            continue
        push, pop = _push_of(st, tape), _pop_of(st, tape)
        if push is not None:
            events = [("push", push)]
        elif pop is not None:
            events = [("pop", pop)]
        elif isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
            events = [("load", n.id) for n in walk(st.value) if isinstance(n, gast.Name)]
            events.append(("store", st.targets[0].id))
        else:
            return None  # loops, in-place writes, calls for their effect...
        paths = [p + events for p in paths]
    return paths


def _replay(
    fdef: gast.FunctionDef,
    forward: gast.For,
    backward: gast.For,
    tape: str,
    ns,
    shape_of,
    ctx: Context,
    numbers: Callable[[], set[str]],
) -> list[str] | None:
    """Replay the loop pair if it qualifies; the state names saved per iteration, or None.
    `numbers`: the function's names of Python numbers, asked for before the pair is rewritten."""
    fpaths = _paths(forward.body, tape)
    if fpaths is None:
        return None
    assigned = {n for p in fpaths for e, n in p if e == "store"}
    # the backward body's own copies of the iteration's reads (`t1 = xs[i]`, read again rather
    # than saved): the replay computes them anyway
    repeated = _repeated_reads(forward, backward, assigned)
    bbody = [st for st in backward.body if id(st) not in repeated]
    bpaths = _paths(bbody, tape)
    if bpaths is None:
        return None
    target = forward.target.id if isinstance(forward.target, gast.Name) else None
    if target in assigned or not assigned:
        return None
    reads = {  # (an item read as it is, `t2 = points[k]` of `(x, y)` pairs: read again at a save's cost;
        # a row of an array is no number, nor what is computed of it)
        st.targets[0].id
        for st in forward.body
        if isinstance(st, gast.Assign)
        and isinstance(st.targets[0], gast.Name)
        and isinstance(st.value, gast.Subscript)
        and isinstance(st.value.value, gast.Name)
        and isinstance(st.value.slice, gast.Name)
    }
    if any(shape_of(n) != () and n not in reads for n in assigned):
        return None  # numbers only: replaying array operations would cost more than saving them
    for st in walk(forward):
        if (
            isinstance(st, gast.Assign)
            and not is_pure(st.value, ns)
            or isinstance(st, gast.If)
            and not is_pure(st.test, ns)
        ):
            return None
    state: set[str] = set()
    for p in fpaths:
        stored: set[str] = set()
        for e, n in p:
            if e == "store":
                if n in stored:
                    return None  # assigned twice on one path
                stored.add(n)
            elif e == "load" and n in assigned and n not in stored:
                state.add(n)  # read before it is assigned: the iteration's starting state
            elif e == "push" and n not in assigned:
                return None
    # trimmed: the replay leaves out the state's assignments, so the state keeps its start value;
    # full: where the iteration reads the state it assigned, or the adjoint reads the state's
    # final value, the whole body is replayed and a restored state is its start copy
    full = False
    for p in fpaths:
        stored = set()
        for e, n in p:
            if e == "store":
                stored.add(n)
            elif e == "load" and n in state and n in stored:
                full = True
    popped: set[str] = set()
    for p in bpaths:
        restored: set[str] = set()
        for e, n in p:
            if e == "pop":
                if n not in assigned:
                    return None
                restored.add(n)
                popped.add(n)
            elif e == "store" and n in assigned:
                return None  # the backward body assigns a primal name itself
            elif e == "load" and n in assigned and n in restored and n not in state:
                return None  # a restored older value read: the replay does not have it
            elif e == "load" and n in state and n not in restored and _assigned_on_some_path(fpaths, n):
                full = True  # the iteration's final value read
            elif e == "push":
                return None
    elsewhere = _names_elsewhere(fdef, forward, backward)
    if (assigned - state) & elsewhere:
        return None  # an iteration's own value read or bound outside the two loops (`t = None` aside)
    if _changed_after(fdef, forward, backward, ctx.helper("add_at")) & _read_invariants(forward, assigned):
        return None  # the replay would read a value the code after the loop changed
    after = {n for st in fdef.body[fdef.body.index(backward) + 1 :] for n in read_counts(st)}
    if _unsaved(forward.body, tape) & state & after:
        return None  # the taped code leaves it at its last value, which code after the loop reads
    numbers()  # (the pair qualifies: what is read of the function as it is, before the rewrite below)
    fbody = _without_pushes([st for st in forward.body if not _is_push(st, tape)], tape)
    invariants, dear = _not_replayed(fbody, assigned, state, target, ns, shape_of)
    if not state:  # (no start state to save them with: the backward iteration computes them again)
        dear = []
    starts = {v: ctx.namer.fresh(v + "_start") for v in sorted(state & popped)} if full else {}
    replayed = clone(fbody) if full else _without_assignments(clone(fbody), state)
    replayed = _without_assignments(replayed, set(invariants) | set(dear))
    adjoint = _without_pops(bbody, tape, starts)
    while True:  # replayed values nothing reads (`z = t4` has an adjoint that does not read t4)
        reads = read_counts(replayed + adjoint)
        unread = {
            st.targets[0].id
            for top in replayed
            for st in walk(top)
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and not reads.get(st.targets[0].id)
        }
        if not unread:
            break
        replayed = _without_assignments(replayed, unread)
    reads = read_counts(replayed + adjoint)
    dear = [d for d in dear if reads.get(d)]
    saved = sorted(state) + dear
    save = [_push(tape, saved)] if state else []
    restore = [_pop(tape, saved)] if state else []
    restore += [_copy(start, v) for v, start in starts.items()]
    # (the values saved with the state are computed before any state name is bound: the push
    # goes after the last of them)
    at = max((i + 1 for i, st in enumerate(fbody) if single_target(st) in dear), default=0)
    forward.body = fbody[:at] + save + fbody[at:]
    backward.body = _merge_branches(restore + replayed + adjoint)
    _drop_dead(backward, after, ns)
    _drop_initialisations(fdef, assigned - state)  # (an invariant is read only after an iteration)
    if state and restore and backward.body and backward.body[0] is restore[0]:
        # the states the backward iteration no longer reads (the replay that read them is gone)
        needed = {n for n in state if n in read_counts(backward.body[1:]) or n in after}
        if needed != state:
            state = needed
            saved = sorted(state) + dear
            if saved:
                forward.body[forward.body.index(save[0])] = _push(tape, saved)
                backward.body[0] = _pop(tape, saved)
            else:  # (nothing of the iteration's start read back: `err += r * r` of a sum)
                forward.body.remove(save[0])
                del backward.body[0]
    return saved, set(invariants)


def _not_replayed(
    fbody: list[gast.stmt], assigned: set[str], state: set[str], target: str | None, ns, shape_of: Callable
) -> tuple[list[str], list[str]]:
    """The values of the iteration's top-level statements the backward iteration does not
    compute again: (invariants, dear ones).

    An invariant reads no name the loop binds but other invariants (`t1 = dt * g`): every
    iteration computes the same value, and the backward loop reads the one the last left (a
    loop that ran no iteration has a backward loop that runs none). A dear value is a call of a
    NumPy function on numbers (`t2 = np.sin(theta)`: far dearer than one more item in the
    iteration's saved tuple), computed before the iteration binds any
    state name, so from the iteration's starting state alone: it is saved with the state."""
    invariants: list[str] = []
    dear: list[str] = []
    bound: set[str] = set()
    before_state = True
    for st in fbody:
        if is_comment(st):
            continue
        v = single_target(st)
        if v is None:
            before_state = False  # (a branch, ...: what it binds is not followed)
            continue
        reads = {n.id for n in walk(st.value) if isinstance(n, gast.Name)}
        pure = is_pure(st.value, ns)
        if pure and v not in state and not reads & ((assigned | {target}) - set(invariants)):
            invariants.append(v)
        elif pure and before_state and v not in state and _dear(st.value, ns) and shape_of(v) == ():
            dear.append(v)
        bound.add(v)
        before_state = before_state and not bound & state
    return invariants, dear


def _dear(value: gast.AST, ns) -> bool:
    """Whether `value` calls a NumPy function (on numbers, here: far dearer than Python's
    arithmetic or a `math` function on a float)."""
    for n in walk(value):
        if isinstance(n, gast.Call):
            fn = denoted(n.func, ns)
            if getattr(fn, "__module__", None) == "numpy" or isinstance(fn, np.ufunc):
                return True
    return False


def single_target(st: gast.stmt) -> str | None:
    """v of `v = value`, else None."""
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name):
        return st.targets[0].id
    return None


def _drop_dead(loop: gast.For, after: set[str], ns) -> None:
    """Drop the pure assignments of a straight-line backward body whose value nothing reads
    before the name is bound again (the replayed state update `theta = theta + dt * omega`
    before its restore `theta = theta_start`). Live at the end of an iteration: what the body
    reads before binding it (carried from the iteration before, as adjoints are) and what the
    code after the loop reads; not the loop's targets, which the next iteration binds."""
    if any(not isinstance(st, gast.Assign) and not is_comment(st) for st in loop.body):
        return
    exposed: set[str] = set()
    bound = names_in(loop.target)
    targets = set(bound)
    for st in loop.body:
        if isinstance(st, gast.Assign):
            exposed |= set(read_counts(st.value)) - bound
            bound |= {n.id for t in st.targets for n in walk(t) if isinstance(n, gast.Name)}
    live = (exposed | after) - targets
    kept: list[gast.stmt] = []
    for st in reversed(loop.body):
        if _simple_assign(st):
            target = st.targets[0].id
            if target not in live and is_pure(st.value, ns):
                continue
            live.discard(target)
        elif isinstance(st, gast.Assign):
            live -= {n.id for t in st.targets for n in walk(t) if isinstance(n, gast.Name)}
        if isinstance(st, gast.Assign):
            live |= set(read_counts(st.value))
        kept.append(st)
    loop.body = list(reversed(kept)) or [gast.Pass()]


def _simple_assign(st: gast.stmt) -> bool:
    return isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)


def _merge_branches(block: list[gast.stmt]) -> list[gast.stmt]:
    """Two ifs in a row on one test (or its negation) as one: the replay's `if t1:` and the
    adjoint statements' (the first assigns nothing its test reads)."""
    out: list[gast.stmt] = []
    pending: list[gast.stmt] = []  # comments between the two
    for st in block:
        if is_comment(st) and out and isinstance(out[-1], gast.If):
            pending.append(st)
            continue
        prev = out[-1] if out else None
        if isinstance(st, gast.If) and isinstance(prev, gast.If):
            same, negated = _same_test(prev.test, st.test), _same_test(prev.test, _negation(st.test))
            stored = {
                n.id
                for x in prev.body + prev.orelse
                for n in walk(x)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
            }
            if (same or negated) and not stored & names_in(st.test):
                if same:
                    merged = gast.If(test=prev.test, body=prev.body + st.body, orelse=prev.orelse + st.orelse)
                else:  # prev is `if not c`
                    merged = gast.If(test=st.test, body=prev.orelse + st.body, orelse=prev.body + st.orelse)
                merged.body = _merge_branches(merged.body)
                merged.orelse = _merge_branches(merged.orelse)
                out[-1:] = pending + [merged]
                pending = []
                continue
        out += pending + [st]
        pending = []
    return out + pending


def _same_test(a: gast.AST | None, b: gast.AST | None) -> bool:
    return a is not None and b is not None and gast.dump(a) == gast.dump(b)


def _negation(test: gast.AST) -> gast.AST | None:
    """`c` for `not c` (and `not c` for c), to compare with another test."""
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return gast.UnaryOp(op=gast.Not(), operand=test)


def _read_invariants(forward: gast.For, assigned: set[str]) -> set[str]:
    """The names the loop body reads but does not assign (arrays, parameters, globals)."""
    target = {forward.target.id} if isinstance(forward.target, gast.Name) else set()
    return set(read_counts(forward.body)) - assigned - target


def _changed_after(fdef: gast.FunctionDef, forward: gast.For, backward: gast.For, add_at: str) -> set[str]:
    """The names rebound or written into after the forward loop (the backward loop aside, which
    binds no primal name), and every name that may share memory with one written into."""
    start = fdef.body.index(forward) + 1
    later = [st for st in fdef.body[start:] if st is not backward]
    scope = gast.FunctionDef(
        name="_", args=None, body=later, decorator_list=[], returns=None, type_comment=None, type_params=[]
    )
    written = frozenset(writes_in_place(scope, add_at))
    rebound = {n.id for st in later for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return set(sharing(fdef, written, both_ways=True)) | rebound


def _unsaved(block: list[gast.stmt], tape: str) -> set[str]:
    """Names assigned somewhere in `block` without their old value pushed just before."""
    out = set()
    previous = None
    for st in block:
        if is_comment(st):
            continue
        if isinstance(st, gast.If):
            out |= _unsaved(st.body, tape) | _unsaved(st.orelse, tape)
        elif isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
            if previous is None or _push_of(previous, tape) != st.targets[0].id:
                out.add(st.targets[0].id)
        previous = st
    return out


def _assigned_on_some_path(paths, n: str) -> bool:
    return any(("store", n) in p for p in paths)


def _names_elsewhere(fdef: gast.FunctionDef, *loops: gast.For) -> set[str]:
    """The names used outside the given loops, apart from `v = None` initialisations."""
    out = set()
    for st in fdef.body:
        if any(st is loop for loop in loops):
            continue
        if isinstance(st, gast.Assign) and isinstance(st.value, gast.Constant) and st.value.value is None:
            continue
        out |= names_in(st)
    return out


def _is_push(st: gast.stmt, tape: str) -> bool:
    return isinstance(st, gast.Expr) and isinstance(st.value, gast.Call) and _push_of(st, tape) is not None


def _without_pushes(block: list[gast.stmt], tape: str) -> list[gast.stmt]:
    out = []
    for st in block:
        if _is_push(st, tape):
            continue
        if isinstance(st, gast.If):
            st.body = _without_pushes(st.body, tape) or [gast.Pass()]
            st.orelse = _without_pushes(st.orelse, tape)
        out.append(st)
    return out


def _without_pops(block: list[gast.stmt], tape: str, starts: dict[str, str]) -> list[gast.stmt]:
    """`block` without its pops; a state's pop becomes its start copy (`y = y_start`)."""
    out = []
    for st in block:
        popped = _pop_of(st, tape)
        if popped is not None:
            if popped in starts:
                out.append(_copy(popped, starts[popped]))
            continue
        if isinstance(st, gast.If):
            st.body = _without_pops(st.body, tape, starts) or [gast.Pass()]
            st.orelse = _without_pops(st.orelse, tape, starts)
        out.append(st)
    return out


def _copy(target: str, source: str) -> gast.stmt:
    return gast.Assign(targets=[_names([target], gast.Store())], value=_names([source], gast.Load()), type_comment=None)


def _without_assignments(block: list[gast.stmt], names: set[str]) -> list[gast.stmt]:
    """`block` without the statements that assign `names` (the state, which keeps its start
    value); a branch left empty goes, `if c: pass else: s` becomes `if not c: s`."""
    out = []
    for st in block:
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and st.targets[0].id in names:
            continue
        if isinstance(st, gast.If):
            st.body = _without_assignments(st.body, names)
            st.orelse = _without_assignments(st.orelse, names)
            if not st.body and not st.orelse:
                continue  # (the test is pure: checked)
            if not st.body:
                st.test = gast.UnaryOp(op=gast.Not(), operand=st.test)
                st.body, st.orelse = st.orelse, []
        out.append(st)
    return out


def _method(tape: str, method: str, args: list[gast.AST]) -> gast.Call:
    func = gast.Attribute(value=_names([tape], gast.Load()), attr=method, ctx=gast.Load())
    return gast.Call(func=func, args=args, keywords=[])


def _push(tape: str, names: list[str]) -> gast.stmt:
    return gast.Expr(value=_method(tape, "append", [_names(names, gast.Load())]))


def _pop(tape: str, names: list[str]) -> gast.stmt:
    return gast.Assign(targets=[_names(names, gast.Store())], value=_method(tape, "pop", []), type_comment=None)


def _names(names: list[str], ctx) -> gast.AST:
    nodes = [gast.Name(id=n, ctx=ctx, annotation=None, type_comment=None) for n in names]
    return nodes[0] if len(nodes) == 1 else gast.Tuple(elts=nodes, ctx=ctx)


def _drop_initialisations(fdef: gast.FunctionDef, names: set[str]) -> None:
    """The `t = None` before the forward pass, for names the tape no longer saves."""
    fdef.body = [
        st
        for st in fdef.body
        if not (
            isinstance(st, gast.Assign)
            and isinstance(st.targets[0], gast.Name)
            and st.targets[0].id in names
            and isinstance(st.value, gast.Constant)
            and st.value.value is None
        )
    ]
