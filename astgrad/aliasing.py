"""Which local names may share memory at each statement of a user's function (flow-sensitive).

`acc = W; acc = acc + 1.0; acc *= 2.0` writes into a new array: `acc` shared W's only until it
was bound anew. `u_new = u.copy(); u_new[1:-1] = ...; u = u_new` in a loop writes into the copy
each iteration made, which no other name holds yet. A name's value is described by where it was
made: a parameter, or an assignment of a new value (recency abstraction: the most recent value a
statement made is told apart from the ones it made before, so a loop's fresh copy is not confused
with the previous iteration's). Assignments that may view or be another name's value (`a = b`,
`a = b[1:]`, `a = b.T`, `a = b.reshape(...)`, see `view_sources`) share that name's origins.
The paths through branches and loop iterations are kept apart (a few environments, then
merged), so that a swap `a, b = b, a` in a loop keeps both names apart.
"""

from __future__ import annotations

from typing import Callable

import gast

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
    the statement at `node` runs; None where the analysis did not see `node`."""

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
            out |= {n for n, o in values.items() if n != var and o & mine}
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
                for n in gast.walk(t):
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
        return state  # (`a += v` keeps a's array, or makes a new number: sharing as before)

    def assign(self, s: gast.Assign, env: Env, site: gast.AST) -> Env:
        values = dict(env)
        new: dict[str, frozenset | None] = {}
        for t in s.targets:
            for a, v in self.bindings(t, s.value):
                names = self.sources(v) & self.locals if id(s) not in self.fresh else set()
                new[a] = frozenset().union(*(values.get(n, frozenset()) for n in names)) if names else None
        stored = {
            n.id for t in s.targets for n in gast.walk(t) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
        }
        for a in stored:
            if new.get(a) is None:  # a new value made here: older values made here are no longer "recent"
                mine, old = ((id(site), a), True), ((id(site), a), False)
                values = {n: (o - {mine}) | {old} if mine in o else o for n, o in values.items()}
                new = {n: (o - {mine}) | {old} if o is not None and mine in o else o for n, o in new.items()}
        for a in stored:
            values[a] = new[a] if new.get(a) is not None else frozenset({((id(site), a), True)})
        return Env(values.items())

    def bind_items(self, s: gast.For, env: Env) -> Env:
        """The loop's items are its own origin: a write through the sequence or an item inside the
        loop is the loop's own rule (the "item" alias pairs), and after it the name is an old item."""
        values = dict(env)
        for n in gast.walk(s.target):
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
