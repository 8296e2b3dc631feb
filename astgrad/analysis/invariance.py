"""Shifts a result provably does not depend on: the max taken out of a log-sum-exp or a softmax.

The stable log-sum-exp subtracts the maximum before it exponentiates and adds it back after:

    m = np.max(a, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(a - m), axis=1)) + m[:, 0]

The result is log Σ exp(a) whatever m is, as long as m is the same along the summed axis; so is
a softmax `e / np.sum(e, ...)` with `e = np.exp(a - m)`. Such an m can be treated as a constant:
its adjoint (1 minus the softmax's sum, zero up to rounding) and the mask of the max are never
computed. That is what a hand-written gradient does, and JAX's logsumexp (stop_gradient on the
max); it is exact, not an approximation, since the derivative with respect to m is zero.

The proof is an abstract interpretation of the statements after `m = np.max(a, ...)` in the
same block. Each value derived from m is tracked as one of

    ("add", k, layout): its m-dependence is + k·m      (a - m, log of a "mul" value)
    ("mul", k, layout): its m-dependence is · exp(k·m)  (exp of an "add" value, its sums)

where `layout` says how m's values are laid out in it: ("scalar",) for a max over all axes;
("full", A) broadcast along axis A of a's shape (keepdims); ("reduced", A) with axis A removed.
Values whose m-dependence cancels (log-sum + m, e / Σe, (a - m) - log Σ) depend on m no more.
m is a shift only if every value derived from it ends in such a cancellation: any other use of
it (a return, a call, another operation, a nested block, a sum over another axis) and m keeps
its adjoint.
"""

from __future__ import annotations

from typing import Any

import gast
import numpy as np

from .. import rules
from ..ir.trees import assignment_counts, read_counts
from ..optimize.cleanup import nested_blocks

_FAIL = "fail"
_FREE = "free"  # no longer depends on m


def shift_names(fdef: gast.FunctionDef) -> set[str]:
    """The names of `fdef` (normalized) that are maxima its result does not depend on."""
    found: set[str] = set()
    counts = reads = None
    for block in _blocks(fdef.body):
        for i, s in enumerate(block):
            start = _max_of(s)
            if start is None:
                continue
            if counts is None:  # (only for a function that takes a max)
                counts, reads = assignment_counts(fdef), read_counts(fdef.body)
            if _is_shift(block, i, start, counts, reads):
                found.add(s.targets[0].id)
    return found


def _blocks(body: list[gast.stmt]):
    yield body
    for inner in nested_blocks(body):
        yield from _blocks(inner)


def _max_of(s: gast.stmt) -> tuple[str, tuple] | None:
    """(a, layout of m) if `s` is `m = np.max(a[, axis][, keepdims])`, an int axis or none."""
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)):
        return None
    call = s.value
    rule = rules.lookup(getattr(call, "_ag_fn", None))
    if rule is None or not rule.maximum or len(call.args) != 1 or not isinstance(call.args[0], gast.Name):
        return None
    options = _options(call, ("axis", "keepdims"))
    if options is None or set(options) - {"axis", "keepdims"}:
        return None
    axis, keepdims = options.get("axis"), options.get("keepdims", False)
    if axis is None:
        return call.args[0].id, ("scalar",)
    if type(axis) is not int or axis < 0 or type(keepdims) is not bool:
        return None
    return call.args[0].id, ("full" if keepdims else "reduced", axis)


def _options(call: gast.Call, positional: tuple[str, ...]) -> dict[str, Any] | None:
    """A call's literal keyword arguments (and literal positional ones after the first, by the
    names `positional`), or None if one is not a literal."""
    options = {}
    for key, node in list(zip(positional, call.args[1:])) + [(k.arg, k.value) for k in call.keywords]:
        if not isinstance(node, gast.Constant):
            return None
        options[key] = node.value
    return options


def _is_shift(block: list[gast.stmt], i: int, start: tuple[str, tuple], counts, reads) -> bool:
    base, layout = start
    m = block[i].targets[0].id
    if counts.get(m, 0) != 1 or counts.get(base, 0) > 1:
        return False
    tracked: dict[str, tuple] = {m: ("add", 1, layout)}
    seen: dict[str, int] = {}  # reads of tracked names by the statements followed here
    for s in block[i + 1 :]:
        used = {n: c for n, c in read_counts(s).items() if n in tracked}
        if not used:
            continue
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            return False
        target = s.targets[0].id
        if counts.get(target, 0) != 1 or target in tracked:
            return False
        for n, c in used.items():
            seen[n] = seen.get(n, 0) + c
        fact = _transfer(s.value, tracked, base)
        if fact == _FAIL:
            return False
        if fact != _FREE:
            tracked[target] = fact
    # every read of every tracked name was one of the statements followed, and all ended free
    derived = [n for n in tracked if reads.get(n, 0) != seen.get(n, 0) or not seen.get(n)]
    return not derived


def _transfer(value: gast.AST, tracked: dict[str, tuple], base: str) -> Any:
    """The fact of a right-hand side reading tracked names: a tracked form, _FREE or _FAIL."""
    if isinstance(value, gast.BinOp) and isinstance(value.left, gast.Name) and isinstance(value.right, gast.Name):
        x, y = tracked.get(value.left.id), tracked.get(value.right.id)
        if isinstance(value.op, gast.Sub) and x is None and value.left.id == base and y and y[0] == "add":
            spread = _spread(y[2])  # a - m, m broadcast against the very array it is the max of
            return _FAIL if spread is None else ("add", -y[1], spread)
        if x is None or y is None or not _aligned(x[2], y[2]):
            return _FAIL
        if isinstance(value.op, gast.Add) and x[0] == y[0] == "add" and x[1] == -y[1]:
            return _FREE
        if isinstance(value.op, gast.Sub) and x[0] == y[0] == "add" and x[1] == y[1]:
            return _FREE
        if isinstance(value.op, gast.Div) and x[0] == y[0] == "mul" and x[1] == y[1]:
            return _FREE
        return _FAIL
    if isinstance(value, gast.Call) and value.args and isinstance(value.args[0], gast.Name):
        fact = tracked.get(value.args[0].id)
        fn = getattr(value, "_ag_fn", None)
        if fact is None or any(isinstance(a, gast.Name) and a.id in tracked for a in value.args[1:]):
            return _FAIL
        kind, k, layout = fact
        if fn is np.exp and kind == "add" and len(value.args) == 1 and not value.keywords:
            return ("mul", k, layout)
        if fn is np.log and kind == "mul" and len(value.args) == 1 and not value.keywords:
            return ("add", k, layout)
        if fn is np.sum and kind == "mul":
            return _summed(value, k, layout)
        return _FAIL
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) and value.value.id in tracked:
        kind, k, layout = tracked[value.value.id]
        moved = _reindexed(value.slice, layout)
        return _FAIL if moved is None else (kind, k, moved)
    return _FAIL


def _spread(layout: tuple) -> tuple | None:
    """The layout of m's values in `a - m`, or None where broadcasting puts them elsewhere."""
    if layout[0] == "reduced":  # aligned to a's trailing axes: only a leading reduced axis fits
        return ("full", 0) if layout[1] == 0 else None
    return layout


def _aligned(x: tuple, y: tuple) -> bool:
    """Whether two values with these layouts meet m's values at the same places when combined."""
    if x == y or x[0] == y[0] == "scalar":
        return True
    return {x, y} == {("full", 0), ("reduced", 0)}  # the reduced one broadcasts along axis 0


def _summed(call: gast.Call, k: int, layout: tuple) -> Any:
    options = _options(call, ("axis", "dtype", "out", "keepdims"))
    if options is None or set(options) - {"axis", "keepdims"}:
        return _FAIL
    axis, keepdims = options.get("axis"), options.get("keepdims", False)
    if layout[0] == "scalar":
        return ("mul", k, layout)
    if layout[0] == "full" and type(axis) is int and axis == layout[1] and type(keepdims) is bool:
        return ("mul", k, layout if keepdims else ("reduced", axis))
    return _FAIL  # a sum along an axis where m varies does not factor exp(-m) out


def _reindexed(index: gast.AST, layout: tuple) -> tuple | None:
    """The layout after `v[index]`: m[:, 0] takes a kept axis out, r[:, None] puts one back."""
    if layout[0] == "scalar" or layout[0] not in ("full", "reduced"):
        return None
    axis = layout[1]
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    if len(parts) != axis + 1 or not all(_full_slice(p) for p in parts[:axis]):
        return None
    last = parts[axis]
    if layout[0] == "full" and isinstance(last, gast.Constant) and type(last.value) is int and last.value == 0:
        return ("reduced", axis)
    if layout[0] == "reduced" and isinstance(last, gast.Constant) and last.value is None:
        return ("full", axis)
    return None


def _full_slice(node: gast.AST) -> bool:
    return isinstance(node, gast.Slice) and node.lower is None and node.upper is None and node.step is None
