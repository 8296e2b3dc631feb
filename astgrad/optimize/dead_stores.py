"""Assignments no read can see, by liveness (a pass over specialised code).

The clean-up drops an assignment to a name nothing reads; it counts reads, so a name read anywhere
keeps all its assignments. A replayed loop (specialize/replay.py) recomputes in its backward step
what the forward step computed, and the forward loop's values are then read by no one: every read
of `x` and `t8` below sees the backward loop's own assignment, made just before it.

    for k in range(n):                      (gone)
        x = xs[k]
        t8 = a * x + b - ys[k]
    a_bar = 0.0                              a_bar = 0.0
    for k in reversed(range(n)):             for k in reversed(range(n)):
        x = xs[k]                                x = xs[k]
        t8 = a * x + b - ys[k]                   t8 = a * x + b - ys[k]
        ...                                      ...

Liveness, backwards through the function's structure (branches join, a loop's body runs until
what is live at its head stops growing, `break` and `continue` see the loop's exit and head),
finds the assignments `name = value` of a pure value (cleanup.is_pure) whose name is not live
after them: they go, and so does a loop over a range whose body is left without an effect and
whose target no one reads after it. Only names are followed: a write into an object (`x[i] = v`,
`x += v`, a call) is an effect and stays, and so does everything it reads. A function with a
construct this pass does not follow (`try`, `with`, nested functions, comprehensions) is left as
it is.
"""

from __future__ import annotations

from typing import Any, Callable

import gast

from ..ir.trees import counted_range, find, walk
from .cleanup import is_comment, is_pure

_UNFOLLOWED = frozenset(
    {
        gast.Try,
        gast.With,
        gast.FunctionDef,
        gast.AsyncFunctionDef,
        gast.ClassDef,
        gast.Lambda,
        gast.ListComp,
        gast.SetComp,
        gast.DictComp,
        gast.GeneratorExp,
        gast.Global,
        gast.Nonlocal,
        gast.NamedExpr,
        gast.Yield,
        gast.YieldFrom,
        gast.Await,
    }
)


def drop_dead_stores(fdef: gast.FunctionDef, ns: Callable[[str], Any]) -> bool:
    """Remove, from `fdef`, the assignments and loops described above; whether any went."""
    if find(fdef.body, _UNFOLLOWED):
        return False
    changed = False
    for _ in range(4):  # (a loop gone may leave the values it read dead in turn)
        dead = _Liveness(ns).function(fdef)
        if not dead:
            break
        fdef.body = _prune(fdef.body, dead) or [gast.Pass()]
        changed = True
    return changed


def live_after(fdef: gast.FunctionDef, ns: Callable[[str], Any]) -> dict[int, set[str]] | None:
    """The names live after each statement of the function's body (at its top level), by the
    statement's id; None where the function holds a construct this pass does not follow."""
    if find(fdef.body, _UNFOLLOWED):
        return None
    liveness, live, out = _Liveness(ns), set(), {}
    for s in reversed(fdef.body):
        out[id(s)] = set(live)
        live = liveness.statement(s, live)
    return None if liveness.unknown else out


class _Liveness:
    """One backward sweep: the ids of the statements that can go."""

    def __init__(self, ns: Callable[[str], Any]):
        self.ns = ns
        self.dead: set[int] = set()
        self.loops: list[tuple[set[str], set[str]]] = []  # (live at the loop's exit, at its head)
        self.unknown = False

    def function(self, fdef: gast.FunctionDef) -> set[int]:
        self.block(fdef.body, set())
        return set() if self.unknown else self.dead

    def block(self, body: list[gast.stmt], live: set[str]) -> set[str]:
        for s in reversed(body):
            live = self.statement(s, live)
        return live

    def statement(self, s: gast.stmt, live: set[str]) -> set[str]:
        if isinstance(s, gast.Assign):
            bound = {t.id for t in s.targets if isinstance(t, gast.Name)}
            if len(bound) == len(s.targets) and not bound & live and is_pure(s.value, self.ns):
                self.dead.add(id(s))
                return live
            return (live - bound) | _reads(s)
        if isinstance(s, gast.AugAssign):  # (`x += v` reads x, and may write into its object)
            return live | _reads(s) | {n.id for n in walk(s.target) if isinstance(n, gast.Name)}
        if isinstance(s, gast.If):
            return self.block(s.body, set(live)) | self.block(s.orelse, set(live)) | _reads(s.test)
        if isinstance(s, gast.While):
            return self.loop(s, live, set(), _reads(s.test))
        if isinstance(s, gast.For):
            target = {n.id for n in walk(s.target) if isinstance(n, gast.Name)}
            before = self.loop(s, live, target, set())
            if self._empty_loop(s, live, target):
                self.dead.add(id(s))
            return before | _reads(s.iter)
        if isinstance(s, gast.Break):
            return set(self.loops[-1][0]) if self.loops else self._give_up(live)
        if isinstance(s, gast.Continue):
            return set(self.loops[-1][1]) if self.loops else self._give_up(live)
        if isinstance(s, gast.Return):
            return _reads(s.value) if s.value is not None else set()
        if isinstance(s, (gast.Expr, gast.Pass, gast.Delete, gast.Raise, gast.Assert)):
            return live | _reads(s)  # (an effect: what it reads is live; `del x` reads x)
        return self._give_up(live)

    def loop(self, s: gast.For | gast.While, live: set[str], target: set[str], test: set[str]) -> set[str]:
        """What is live at the head of the loop `s` (`live`: after it), which the body's start and
        the exit (through an `else`) both reach: grown until it holds, the body's statements
        marked from the last."""
        exit_live = self.block(s.orelse, set(live)) if s.orelse else set(live)
        head = exit_live | test
        before = set(self.dead)
        while True:
            self.dead = set(before)  # (marked again from the grown head)
            self.loops.append((set(live), set(head)))
            body_live = self.block(s.body, set(head))
            self.loops.pop()
            grown = head | test | (body_live - target)
            if grown <= head:
                return head
            head = grown

    def _empty_loop(self, s: gast.For, after: set[str], target: set[str]) -> bool:
        """A loop over a range, its body without an effect once its dead statements go, its target
        read by no one after it (`after`: what is live there)."""
        if counted_range(s) is None or target & after or not is_pure(s.iter, self.ns):
            return False
        return all(id(b) in self.dead or is_comment(b) or isinstance(b, gast.Pass) for b in s.body)

    def _give_up(self, live: set[str]) -> set[str]:
        self.unknown = True
        return live


def _reads(node: gast.AST | None) -> set[str]:
    """The names `node` reads (a `del x` reads x: it needs the binding)."""
    if node is None:
        return set()
    return {n.id for n in walk(node) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Store)}


def _prune(body: list[gast.stmt], dead: set[int]) -> list[gast.stmt]:
    out = []
    for s in body:
        if id(s) in dead:
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                kept = _prune(inner, dead)
                setattr(s, field, kept or ([gast.Pass()] if field == "body" else []))
        out.append(s)
    return out
