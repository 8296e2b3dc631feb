"""Aliasing: which local names may share memory at each statement of a user's function (flow-sensitive).

`acc = W; acc = acc + 1.0; acc *= 2.0` writes into a new array: `acc` shared W's only until it
was bound anew. `u_new = u.copy(); u_new[1:-1] = ...; u = u_new` in a loop writes into the copy
each iteration made, which no other name holds yet. A name's value is described by where it was
made: a parameter, or an assignment of a new value (recency abstraction: the most recent value a
statement made is told apart from the ones it made before, so a loop's fresh copy is not confused
with the previous iteration's). Assignments that may view or be another name's value (`a = b`,
`a = b[1:]`, `a = b.T`, `a = b.reshape(...)`, see `view_sources`) share that name's origins.
The paths through branches and loop iterations are kept apart (a few environments, then
merged), so that a swap `a, b = b, a` in a loop keeps both names apart.

Below it, the flow-insensitive questions the passes over generated code ask: which names are
written into in place (`writes_in_place`), and which may share memory with them (`sharing`,
`sharing_links`, `shared_through`).
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ..ir.trees import find, walk, walk_statements
from ..rules.registry import member_names, writes_first_argument

Env = frozenset  # of (name, frozenset of origins); an origin is ("param", name) or (site, recent)
State = frozenset  # of Env: one per path kept apart; empty where no path gets (after break, return)
_MOST = 16  # environments kept apart; more are merged into one


def _join(a: State, b: State) -> State:
    out = a | b
    if len(out) <= _MOST:
        return out
    merged: dict[str, frozenset] = {}
    for env in out:
        for n, o in env:
            merged[n] = merged.get(n, frozenset()) | o
    return frozenset({Env(merged.items())})


def _key(node: gast.AST) -> tuple[int, int] | None:
    line = getattr(node, "lineno", None)
    return None if line is None else (line, getattr(node, "col_offset", 0))


class SharedMemory:
    """`shared(node, var)`: the other locals that may hold (a view of) the array `var` holds when
    the statement at `node` runs, or a list holding it as an item (`hs.append(h)`); None where
    the analysis did not see `node`."""

    def __init__(
        self,
        fdef: gast.FunctionDef,
        locals_: set[str],
        params: list[str],
        sources: Callable[[gast.AST], set[str]],
        bindings: Callable[[gast.AST, gast.AST], list[tuple[str, gast.AST]]],
        fresh: set[int] = frozenset(),
    ):
        self.fresh = fresh  # (ids of assignments known to make no alias)
        self.locals = locals_
        self.sources = sources
        self.bindings = bindings
        self.at: dict[tuple[int, int], State] = {}
        self.loops: list[tuple[list[State], list[State]]] = []  # (states at break, at continue)
        self.gave_up = False
        self._bindings: dict[int, tuple] = {}  # id(statement) → it, and what `assign` needs of it
        entry = Env((p, frozenset({("param", p)})) for p in params)
        self.block(fdef.body, frozenset({entry}))

    def shared(self, node: gast.AST, var: str) -> set[str] | None:
        key = _key(node)
        if self.gave_up or key is None or key not in self.at:
            return None
        out = set()
        for env in self.at[key]:
            values = dict(env)
            mine = values.get(var, frozenset())
            held = frozenset(("held", o) for o in mine)  # (a list holding var's array as an item)
            out |= {n for n, o in values.items() if n != var and (o & mine or o & held)}
        return out

    def displays_holding(self, node: gast.AST, var: str) -> set[tuple[int, int]]:
        """The places (line, column) of the list, tuple and dict displays whose container some
        local holds when the statement at `node` runs, and which took an item of `var` there
        (`rows = [B[0], B[1]]`: a view of `var` or a number, known only at run time)."""
        key = _key(node)
        if self.gave_up or key is None or key not in self.at:
            return set()
        out = set()
        for env in self.at[key]:
            values = dict(env)
            mine = values.get(var, frozenset())
            for n, origins in values.items():
                out |= {o[2] for o in origins if n != var and o[0] == "held?" and o[1] in mine}
        return out

    # ------------------------------------------------------------------ the transfer functions

    def note(self, node: gast.AST, state: State) -> None:
        key = _key(node)
        if key is not None:
            self.at[key] = _join(self.at.get(key, frozenset()), state)

    def block(self, stmts: list[gast.stmt], state: State) -> State:
        for s in stmts:
            if not state:
                break
            state = self.stmt(s, state)
        return state

    def stmt(self, s: gast.stmt, state: State) -> State:
        self.note(s, state)
        if isinstance(s, gast.Assign):
            for t in s.targets:
                for n in walk(t):
                    if isinstance(n, gast.Subscript):
                        self.note(n, state)
            return frozenset(self.assign(s, env, s) for env in state)
        if isinstance(s, gast.AnnAssign) and s.value is not None:
            a = gast.Assign(targets=[s.target], value=s.value, type_comment=None)
            return frozenset(self.assign(a, env, s) for env in state)
        if isinstance(s, gast.If):
            return _join(self.block(s.body, state), self.block(s.orelse, state))
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, state)
        if isinstance(s, gast.Break) and self.loops:
            self.loops[-1][0].append(state)
        if isinstance(s, gast.Continue) and self.loops:
            self.loops[-1][1].append(state)
        if isinstance(s, (gast.Break, gast.Continue, gast.Return, gast.Raise)):
            return frozenset()
        if isinstance(s, gast.With):  # (refused elsewhere)
            return self.block(s.body, state)
        grown = _grown_list(s, self.locals)
        if grown is not None:  # `hs.append(h)`: the list holds h's array itself
            lst, items = grown
            return frozenset(self.hold(env, lst, items) for env in state)
        return state  # (`a += v` keeps a's array, or makes a new number: sharing as before)

    def hold(self, env: Env, lst: str, items: list[gast.AST]) -> Env:
        values = dict(env)
        names = set().union(*(self.sources(v) for v in items)) & self.locals
        held = {("held", o) for n in names for o in values.get(n, frozenset()) if o[0] != "held"}
        values[lst] = values.get(lst, frozenset()) | held
        return Env(values.items())

    def _bound(self, s: gast.Assign) -> tuple[list[tuple[str, gast.AST, set[str]]], set[str]]:
        """(name, value, the locals whose memory the value may be) of each binding `s` makes, and the
        names it stores: what `assign` needs of the statement whatever the environment (found once)."""
        known = self._bindings.get(id(s))
        if known is None or known[0] is not s:
            binds = [
                (a, v, self.sources(v) & self.locals if id(s) not in self.fresh else set())
                for t in s.targets
                for a, v in self.bindings(t, s.value)
            ]
            stored = {
                n.id for t in s.targets for n in walk(t) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
            }
            known = self._bindings[id(s)] = (s, binds, stored)
        return known[1], known[2]

    def assign(self, s: gast.Assign, env: Env, site: gast.AST) -> Env:
        values = dict(env)
        new: dict[str, frozenset | None] = {}
        binds, stored = self._bound(s)
        for a, _, names in binds:
            new[a] = frozenset().union(*(values.get(n, frozenset()) for n in names)) if names else None
        for a in stored:
            if new.get(a) is None:  # a new value made here: older values made here are no longer "recent"
                for mine, old in (
                    (((id(site), a), True), ((id(site), a), False)),
                    (("held", ((id(site), a), True)), ("held", ((id(site), a), False))),
                ):
                    if any(mine in o for o in values.values()):  # (most statements make no value twice)
                        values = {n: (o - {mine}) | {old} if mine in o else o for n, o in values.items()}
                    if any(o is not None and mine in o for o in new.values()):
                        new = {n: (o - {mine}) | {old} if o is not None and mine in o else o for n, o in new.items()}
        for a in stored:
            values[a] = new[a] if new.get(a) is not None else frozenset({((id(site), a), True)})
        for a, v, _ in binds:
            if a in values and id(s) not in self.fresh:
                values[a] = values[a] | self.display_items(v, env)
        return Env(values.items())

    def display_items(self, v: gast.AST, env: Env) -> frozenset:
        """("held?", o, where) for each origin o of the items the list, tuple or dict display at
        `where` holds (`[h, B[0]]`): an array's value or view, or a number, known only at run time."""
        if isinstance(v, (gast.List, gast.Tuple, gast.Set)):
            items = v.elts
        elif isinstance(v, gast.Dict):
            items = v.values
        else:
            return frozenset()
        values = dict(env)
        out: set = set()
        for e in items:
            out |= self.display_items(e, env)
            for n in self.sources(e) & self.locals:
                out |= {("held?", o, _key(v)) for o in values.get(n, frozenset()) if o[0] not in ("held", "held?")}
        return frozenset(out)

    def bind_items(self, s: gast.For, env: Env) -> Env:
        """The loop's items are its own origin: a write through the sequence or an item inside the
        loop is the loop's own rule (the "item" alias pairs), and after it the name is an old item."""
        values = dict(env)
        for n in walk(s.target):
            if isinstance(n, gast.Name) and n.id in self.locals:
                values[n.id] = frozenset({((id(s), n.id), "item")})
        return Env(values.items())

    def loop(self, s: gast.For | gast.While, entry: State) -> State:
        head = entry
        for _ in range(50):  # (the lattice is small: a few rounds reach the fixed point)
            self.loops.append(([], []))
            state = frozenset(self.bind_items(s, env) for env in head) if isinstance(s, gast.For) else head
            end = self.block(s.body, state)
            breaks, continues = self.loops.pop()
            again = _join(head, end)
            for c in continues:
                again = _join(again, c)
            if again == head:
                break
            head = again
        else:
            self.at.clear()  # (no fixed point: `shared` knows nothing, and the caller assumes the worst)
            self.gave_up = True
        out = self.block(s.orelse, head)
        if isinstance(s, gast.While) and isinstance(s.test, gast.Constant) and s.test.value:
            out = frozenset()  # (`while True`: left only by break)
        for b in breaks:
            out = _join(out, b)
        return out


# Memory sharing in generated code, flow-insensitive: which names may share memory with which


def _grown_list(s: gast.stmt, locals_: set[str]) -> tuple[str, list[gast.AST]] | None:
    """(the list, the values it now holds too) of `xs.append(v)`, `xs.extend([a, b])` or
    `xs.insert(i, v)` on a local list; else None."""
    call = s.value if isinstance(s, gast.Expr) else None
    f = call.func if isinstance(call, gast.Call) else None
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id in locals_):
        return None
    if f.attr == "append" and len(call.args) == 1:
        return f.value.id, list(call.args)
    if f.attr == "insert" and len(call.args) == 2:
        return f.value.id, [call.args[1]]
    if f.attr == "extend" and len(call.args) == 1 and isinstance(call.args[0], (gast.List, gast.Tuple)):
        return f.value.id, list(call.args[0].elts)
    return None


_WRITING = frozenset({gast.Subscript, gast.AugAssign, gast.Call})  # (the nodes that may write in place)


def writes_in_place(fdef: gast.FunctionDef, add_at: str) -> dict[str, int]:
    """name → how many places write into its value in place: `x[i] = v`, `x += v`,
    `add_at(x, ...)` (`add_at`: the helper's name in generated code), `x.append(v)`, `np.copyto(x, v)`..."""
    count: dict[str, int] = {}
    writes = member_names("writes")  # (xs.append, x.fill: the registry's)
    subscript, aug, call, store = gast.Subscript, gast.AugAssign, gast.Call, gast.Store
    for n in find(fdef, _WRITING):
        cls = n.__class__
        if cls is subscript:
            if n.ctx.__class__ is not store:
                continue
            base = n.value
        elif cls is aug:
            base = n.target  # (a subscript target is counted as the store it is)
            if base.__class__ is not gast.Name:
                continue
        elif cls is call:
            func = n.func
            if n.args and func.__class__ is gast.Name and func.id == add_at:
                base = n.args[0]
            elif n.args and writes_first_argument(getattr(n, "_ag_fn", None)):  # (np.copyto(x, v), np.add.at)
                base = n.args[0]
            elif func.__class__ is gast.Attribute and func.attr in writes:
                base = func.value
            else:  # (a helper of the user's writing into the names it is passed)
                for written in helper_writes(n) if getattr(n, "_ag_fn", None) is not None else ():
                    count[written] = count.get(written, 0) + 1
                continue
        else:
            continue
        while base.__class__ is subscript:
            base = base.value
        if base.__class__ is gast.Name:
            count[base.id] = count.get(base.id, 0) + 1
    return count


def _no_helper_writes(call: gast.Call) -> set[str]:
    return set()


# The names passed to a user function's call that it writes into: activity.written_arguments, set
# by analysis/activity.py when it loads (it reads this module's answers, so this one cannot import it)
helper_writes: Callable[[gast.Call], set[str]] = _no_helper_writes


def memory_reads(value: gast.AST) -> set[str]:
    """The names whose memory `value` may share: those read, except as `x.shape`, `len(x)` and the
    like, the functions it calls by name, and indices (`x[k]` shares x's memory, never k's)."""
    meta = set()
    metadata = member_names("metadata")  # (attributes that are new objects, never views)
    nodes = walk(value)
    for n in nodes:
        if isinstance(n, gast.Attribute) and n.attr in metadata:
            meta.add(id(n.value))
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name):
            meta.add(id(n.func))
            if n.func.id == "len":  # (a new int)
                meta |= {id(m) for a in n.args for m in walk(a)}
        elif isinstance(n, gast.Subscript):
            meta |= {id(m) for m in walk(n.slice)}
    return {n.id for n in nodes if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and id(n) not in meta}


def ufunc_result(value: gast.AST, modules: frozenset[str]) -> bool:
    """Whether `value` is a NumPy ufunc's call (`np.cos(x)`, `np` among `modules`), or np.array's
    (which copies): a new array."""
    f = value.func if isinstance(value, gast.Call) else None
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id in modules):
        return False
    fn = getattr(np, f.attr, None)
    ufunc = isinstance(fn, np.ufunc) and len(value.args) == fn.nin  # (`np.add(a, b, c)` returns c)
    return (ufunc or f.attr == "array" and len(value.args) == 1) and not value.keywords


def sharing(
    fdef: gast.FunctionDef,
    names: frozenset[str],
    both_ways: bool = False,
    skip: frozenset[str] = frozenset(),
    array: Callable[[str], bool] | None = None,
    number: Callable[[str], bool] | None = None,
) -> frozenset[str]:
    """`names` and every name that may share memory with one of them: assigned a view, an alias
    or a call's result that reads one (`t = x[:, None]`, `t = x.T`, `t = np.ravel(x)`); not an
    arithmetic result, which is a new array. With `both_ways`, also what such a name was
    assigned from (writing into `t = x` changes x too). Names in `skip` (modules) link nothing;
    nor does a store into an element or rows of a name `array` says is a NumPy array or number
    (specialised code: `hs[t] = v` copies v), nor an element read `m = x[0]` into a name `number`
    says holds a number, of such an array (a new immutable number, not a view)."""
    if not names:
        return names
    return shared_through(sharing_links(fdef, both_ways, skip, array, number), names)


def sharing_links(
    fdef: gast.FunctionDef,
    both_ways: bool = False,
    skip: frozenset[str] = frozenset(),
    array: Callable[[str], bool] | None = None,
    number: Callable[[str], bool] | None = None,
) -> list[tuple[set[str], set[str]]]:
    """The (targets, sources) pairs of the assignments through which names may share memory
    (see sharing), to ask shared_through about many names."""
    links = []
    for st in walk_statements(fdef.body):
        if isinstance(st, gast.Assign) and not isinstance(st.value, (gast.BinOp, gast.UnaryOp, gast.Compare)):
            if ufunc_result(st.value, skip):
                continue
            if array is not None and all(_array_store(t, array) for t in st.targets):
                continue
            if array is not None and number is not None and _element_read(st, array, number):
                continue
            targets = {n.id for t in st.targets for n in walk(t) if isinstance(n, gast.Name)}
            reads = memory_reads(st.value) - skip
            links.append((targets, reads))
            if both_ways:
                links.append((reads, targets))
    return links


def _array_store(target: gast.AST, array: Callable[[str], bool]) -> bool:
    """`x[i] = v` (or `x[i][j] = v`) into a name `array` says is an array: a copy of v's values."""
    if not isinstance(target, gast.Subscript):
        return False
    base = target.value
    while isinstance(base, gast.Subscript):
        base = base.value
    return isinstance(base, gast.Name) and array(base.id)


def _element_read(st: gast.Assign, array: Callable[[str], bool], number: Callable[[str], bool]) -> bool:
    """`m = x[0]`: a number read out of an array of numbers (no `...`, which keeps a 0-d view)."""
    v = st.value
    return (
        isinstance(v, gast.Subscript)
        and isinstance(v.value, gast.Name)
        and array(v.value.id)
        and not any(isinstance(n, gast.Constant) and n.value is Ellipsis for n in walk(v.slice))
        and all(isinstance(t, gast.Name) and number(t.id) for t in st.targets)
    )


def shared_through(links: list[tuple[set[str], set[str]]], names: frozenset[str]) -> frozenset[str]:
    """`names` and every name that may share memory with one of them through `links`."""
    out = set(names)
    changed = True
    while changed:
        changed = False
        for targets, reads in links:
            if reads & out and not targets <= out:
                out |= targets
                changed = True
    return frozenset(out)
