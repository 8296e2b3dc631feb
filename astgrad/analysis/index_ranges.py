"""Integer names that are affine in the counters of the loops around a statement, and their ranges.

A window read in a loop, `x[2 * i : 2 * i + 2]` or `x[i : i + k]`, has a length its bounds' values
decide; the shape analysis (shape_facts.py) knows it only when both bounds are affine in the same
loop counters with a constant difference and the lower bound provably stays within the axis (so
neither bound wraps around nor is clipped). This module answers both questions for one statement:

    for i in range(8):          i: counter, in [0, 7]
        a = 2 * i               a = 2·i, in [0, 14]
        b = a + 2               b = 2·i + 2: b - a = 2 everywhere, b in [2, 16]
        w = x[a:b]              (x of length 16: w has length 2, for every i)

Only values that provably hold the form where the statement runs count: a name bound once in the
function, by an assignment earlier in the statement's own block or in a block around it (so it ran
in this pass through that block, after the counters it reads took their current values), or the
counter of an enclosing `for ... in range(...)` whose body does not bind it again (other loops may
use the name too). Anything else is not affine, so a length is never a guess.
"""

from __future__ import annotations

from typing import Any, Callable

import gast
import numpy as np

from ..ir.trees import walk

Affine = tuple[int, dict[str, int]]  # constant + Σ coefficient · counter


class LoopIndices:
    """For each statement of a function, the affine forms and ranges of the integers it reads."""

    def __init__(self, fdef: gast.FunctionDef):
        self.bindings: dict[str, int] = {}
        for n in walk(fdef):
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param, gast.Del)):
                self.bindings[n.id] = self.bindings.get(n.id, 0) + 1
            for hidden in (getattr(n, "_ag_counter", None), (getattr(n, "_ag_append", None) or (None,))[0]):
                if hidden:  # names a statement binds without a Name node (trip counters, appends)
                    self.bindings[hidden] = self.bindings.get(hidden, 0) + 2
        self.scope: dict[int, dict[str, Any]] = {}  # id(statement) → name → its definition there
        self._block(fdef.body, {})

    def _block(self, body: list[gast.stmt], env: dict[str, Any]) -> None:
        env = dict(env)
        for s in body:
            self.scope[id(s)] = env
            if isinstance(s, gast.For):
                inner = dict(env)
                target = s.target
                counted = range_call(s.iter) or _reversed_range(s.iter)  # (the same values either way)
                if isinstance(target, gast.Name) and counted and not _binds(s.body, target.id):
                    inner[target.id] = ("counter", counted.args, env)  # (in the body: this loop's counter)
                self._block(s.body, inner)
                self._block(s.orelse, env)
                continue
            if isinstance(s, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
                self._block(s.body, {})  # (runs later, when nothing here need hold)
                continue
            for field in ("body", "orelse", "finalbody"):
                inner_body = getattr(s, field, None)
                if inner_body and isinstance(inner_body, list) and isinstance(inner_body[0], gast.stmt):
                    self._block(inner_body, env)
            if (
                isinstance(s, gast.Assign)
                and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name)
                and self.bindings.get(s.targets[0].id) == 1
            ):
                env = dict(env)
                env[s.targets[0].id] = ("value", s.value, env)

    def affine(self, stmt: gast.stmt, node: gast.AST | None, exact: Callable[[str], Any]) -> Affine | None:
        """`node`'s value where `stmt` runs, as constant + Σ coefficient · loop counter (None: a
        bound left out, or not affine). `exact(name)` is a name's one known value, or None."""
        env = self.scope.get(id(stmt))
        if env is None or node is None:
            return None
        return _affine(node, env, exact, 0)

    def bounds(self, stmt: gast.stmt, form: Affine, exact: Callable[[str], Any]) -> tuple[int, int] | None:
        """The least and greatest value `form` (an affine form where `stmt` runs) can take there."""
        env = self.scope.get(id(stmt))
        return None if env is None else _interval(form, env, exact, 0)


_DEPTH = 32  # definitions followed through at most this many others


def _binds(body: list[gast.stmt], var: str) -> bool:
    """Whether a statement of `body` binds `var` (then a loop's counter of that name is not the
    counter everywhere in its body; another loop after it may reuse the name, `for t in ...` twice)."""
    for s in body:
        for n in walk(s):
            if isinstance(n, gast.Name) and n.id == var and isinstance(n.ctx, (gast.Store, gast.Del)):
                return True
            if var in (getattr(n, "_ag_counter", None), (getattr(n, "_ag_append", None) or (None,))[0]):
                return True
    return False


def _integer(v: Any) -> int | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    return None


def _affine(node: gast.AST, env: dict, exact: Callable[[str], Any], depth: int) -> Affine | None:
    if depth > _DEPTH:
        return None
    if isinstance(node, gast.Constant):
        c = _integer(node.value)
        return None if c is None else (c, {})
    if isinstance(node, gast.Name):
        c = _integer(exact(node.id))
        if c is not None:
            return (c, {})
        known = env.get(node.id)
        if known is None:
            return None
        if known[0] == "counter":
            return (0, {node.id: 1})
        return _affine(known[1], known[2], exact, depth + 1)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        a = _affine(node.operand, env, exact, depth + 1)
        return None if a is None else _scale(a, -1)
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult)):
        a = _affine(node.left, env, exact, depth + 1)
        b = _affine(node.right, env, exact, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(node.op, gast.Mult):
            if not a[1]:
                return _scale(b, a[0])
            if not b[1]:
                return _scale(a, b[0])
            return None
        return _add(a, _scale(b, -1) if isinstance(node.op, gast.Sub) else b)
    return None


def _scale(a: Affine, c: int) -> Affine:
    return (a[0] * c, {v: k * c for v, k in a[1].items() if k * c})


def _add(a: Affine, b: Affine) -> Affine:
    terms = dict(a[1])
    for v, k in b[1].items():
        terms[v] = terms.get(v, 0) + k
    return (a[0] + b[0], {v: k for v, k in terms.items() if k})


def difference(a: Affine, b: Affine) -> int | None:
    """a - b where it is the same number whatever the counters are, else None."""
    d = _add(a, _scale(b, -1))
    return d[0] if not d[1] else None


def _interval(form: Affine, env: dict, exact: Callable[[str], Any], depth: int) -> tuple[int, int] | None:
    lo = hi = form[0]
    for v, k in form[1].items():
        r = _counter_range(v, env, exact, depth + 1)
        if r is None:
            return None
        lo, hi = lo + min(k * r[0], k * r[1]), hi + max(k * r[0], k * r[1])
    return lo, hi


def _counter_range(v: str, env: dict, exact: Callable[[str], Any], depth: int) -> tuple[int, int] | None:
    """The values counter `v` takes while its loop's body runs."""
    if depth > _DEPTH:
        return None
    known = env.get(v)
    if known is None or known[0] != "counter":
        return None
    args, outer = known[1], known[2]
    forms = [_affine(a, outer, exact, depth + 1) for a in args]
    if any(f is None for f in forms):
        return None
    ranges = [_interval(f, outer, exact, depth + 1) for f in forms]
    if any(r is None for r in ranges):
        return None
    if len(ranges) == 1:
        return 0, ranges[0][1] - 1
    start, stop = ranges[0], ranges[1]
    step = forms[2] if len(forms) == 3 else (1, {})
    if step[1] or step[0] == 0:
        return None
    return (start[0], stop[1] - 1) if step[0] > 0 else (stop[0] + 1, start[1])


def range_call(node: gast.AST) -> gast.Call | None:
    """`node` if it is a call of `range`, else None."""
    if not isinstance(node, gast.Call) or node.keywords or not 1 <= len(node.args) <= 3:
        return None
    if any(isinstance(a, gast.Starred) for a in node.args):
        return None
    fn = getattr(node, "_ag_fn", None)
    return node if fn is range or fn is None and isinstance(node.func, gast.Name) and node.func.id == "range" else None


def _reversed_range(node: gast.AST) -> gast.Call | None:
    """The `range(...)` call of `reversed(range(...))` (a backward loop's), else None."""
    if not isinstance(node, gast.Call) or node.keywords or len(node.args) != 1:
        return None
    fn = getattr(node, "_ag_fn", None)
    if fn is reversed or fn is None and isinstance(node.func, gast.Name) and node.func.id == "reversed":
        return range_call(node.args[0])
    return None


__all__ = ["LoopIndices", "difference", "range_call"]
