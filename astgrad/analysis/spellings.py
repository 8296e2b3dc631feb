"""Which statements compute, through temporaries read nowhere else, a function the rule registry
knows by its spellings (`1.0 / (1.0 + np.exp(-z))` is the logistic function).

Normalization splits `s = 1.0 / (1.0 + np.exp(-z))` into `t1 = -z; t2 = np.exp(t1); t3 = 1.0 +
t2; s = 1.0 / t3`, and the backward pass of those statements reads t2 (exp's adjoint) and t3 (the
quotient's): in a loop both are saved at every step, beside s. A registry entry with `spellings`
(rules/numpy_rules.py: `logistic`, "1 / (1 + np.exp(-x))") has a derivative written from its
result, y (1 - y). Where a run of statements computes one of its spellings, the reverse pass
differentiates the last of them as one call of that function and the others not at all, so the
backward pass reads s alone (and at z = -800, where e^-z overflows, gives 0 where the chain gave
0 · inf = NaN). The forward pass stays as the user wrote it: its values are the user's, bit for bit.

A spelling matches the expression a statement computes once each temporary it reads is put back:
a name bound once, read once (by the statement of the run that reads it) and bound in the same
block, the run's statements consecutive, so nothing rebinds x in between. Operators and NumPy
functions match by identity (or a registry alias: np.negative is `-`), numbers by value (1 and 1.0,
never a bool), `+` and `*` in either order, and `x` is one name everywhere it occurs.
"""

from __future__ import annotations

import builtins
from collections import Counter
from typing import Any

import gast
import numpy as np

from .. import rules
from ..ir.trees import name, name_counts
from ..rules.registry import functions_with
from .activity import assignment_counts, operands, primitive

_COMMUTATIVE = frozenset({"add", "mul"})  # (operator.add / np.add, operator.mul / np.multiply)
_PATTERNS: list = [None, []]  # (the registry's functions with spellings, [(function, pattern), ...])


def spelled_calls(fdef: gast.FunctionDef) -> dict[int, tuple[Any, str]]:
    """id(statement) → (the registry's function, the name standing for its x), for each statement
    that ends a run computing one of a function's spellings (module docstring)."""
    patterns = _patterns()
    if not patterns:
        return {}
    counts = assignment_counts(fdef)
    reads = Counter(name_counts(fdef, (gast.Load,)))
    params = set(getattr(fdef, "_ag_params", ()))
    found: dict[int, tuple[Any, str]] = {}
    for block in _blocks(fdef.body):
        temps: dict[str, int] = {}  # a temporary bound once, read once → the index of its binding in the block
        for k, st in enumerate(block):
            target = _target(st)
            if target is None:
                continue
            for fn, pattern in patterns:
                match = _match(pattern, st.value, block, temps, {}, frozenset())
                if match is None:
                    continue
                x, used = match
                # (`x = 1 / (1 + np.exp(-x))` in a branch or loop, where x is not renamed: the call's
                # argument is the old x, its result the new one, which the rule would read as both)
                if used and sorted(used) == list(range(k - len(used), k)) and x != target:
                    found[id(st)] = (fn, x)
                    break
            if counts.get(target) == 1 and reads[target] == 1 and target not in params:
                temps[target] = k
    return found


def as_call(spelled: tuple[Any, str]) -> gast.Call:
    """The call of the known function on x that a spelling's last statement stands for (bound to
    its rule, never rendered)."""
    fn, x = spelled
    call = gast.Call(func=name(x), args=[name(x)], keywords=[])
    call._ag_fn = fn
    return call


def _blocks(body: list[gast.stmt]):
    yield body
    for st in body:
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _blocks(inner)


def _target(st: gast.stmt) -> str | None:
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name):
        return st.targets[0].id
    return None


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    ra, rb = rules.lookup(a), rules.lookup(b)
    return ra is not None and rb is not None and (ra.alias_of or a) is (rb.alias_of or b)


def _match(pattern, node: gast.AST, block, temps: dict[str, int], env: dict, used: frozenset):
    """(x's name, the indices of the temporaries put back) if `node` computes `pattern`, else None."""
    kind = pattern[0]
    if kind == "x":
        if not isinstance(node, gast.Name) or env.get("x", node.id) != node.id:
            return None
        env["x"] = node.id
        return node.id, used
    if kind == "number":
        ok = isinstance(node, gast.Constant) and type(node.value) in (int, float) and node.value == pattern[1]
        return (env.get("x"), used) if ok else None
    if isinstance(node, gast.Name):  # a temporary: the value that bound it
        j = temps.get(node.id)
        if j is None or j in used:
            return None
        node, used = block[j].value, used | {j}
    if isinstance(node, gast.Call) and node.keywords:
        return None
    fn, args = primitive(node), operands(node)
    _, pfn, pargs = pattern
    if fn is None or not _same(fn, pfn) or len(args) != len(pargs):
        return None
    orders = [pargs]
    if len(pargs) == 2 and getattr(pfn, "__name__", "") in _COMMUTATIVE:
        orders.append(pargs[::-1])
    for order in orders:
        trial, u, ok = dict(env), used, True
        for p, a in zip(order, args):
            m = _match(p, a, block, temps, trial, u)
            if m is None:
                ok = False
                break
            u = m[1]
        if ok:
            env.update(trial)
            return env.get("x"), u
    return None


def _patterns() -> list[tuple[Any, tuple]]:
    """(function, pattern) for every spelling in the registry, parsed once per registry version."""
    fns = functions_with("spellings")  # (the same object until the registry changes)
    if _PATTERNS[0] is fns:
        return _PATTERNS[1]
    out = []
    for fn in sorted(fns, key=lambda f: getattr(f, "__name__", "")):
        for text in rules.lookup(fn).spellings:
            out.append((fn, _parse(gast.parse(text, mode="eval").body)))
    _PATTERNS[:] = [fns, out]
    return out


def _parse(node: gast.AST) -> tuple:
    if isinstance(node, gast.Name) and node.id == "x":
        return ("x",)
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return ("number", node.value)
    if isinstance(node, (gast.BinOp, gast.UnaryOp)):
        return ("op", primitive(node), [_parse(a) for a in operands(node)])
    if isinstance(node, gast.Call) and not node.keywords:
        return ("op", _resolve(node.func), [_parse(a) for a in node.args])
    raise ValueError(f"a spelling may hold x, numbers, operators and NumPy calls, not {gast.dump(node)}")


def _resolve(node: gast.AST) -> Any:
    if isinstance(node, gast.Name):
        return {"np": np}.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, gast.Attribute):
        return getattr(_resolve(node.value), node.attr)
    raise ValueError(f"a spelling calls NumPy functions by name, not {gast.dump(node)}")
