"""Run-time helpers of np.einsum's rules: two operands, and any number of operands with '...'
and repeated indices."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError


def einsum_of(subscripts: str, a: Any, b: Any = None) -> Any:
    """`np.einsum(subscripts, a)` or `np.einsum(subscripts, a, b)`."""
    return np.einsum(subscripts, a) if b is None else np.einsum(subscripts, a, b)


def einsum_adjoint(g: Any, subscripts: str, a: Any, b: Any, which: int) -> Any:
    """The adjoint of operand `which` (0 or 1) of `np.einsum(subscripts, a[, b])`."""
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise UnsupportedValueError("astgrad differentiates np.einsum without '...' in its subscripts")
    inputs, _, out = spec.partition("->")
    specs = inputs.split(",")
    if not _:  # implicit output: the indices that appear once, in alphabetical order
        joined = "".join(specs)
        out = "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    operands = [a] if b is None else [a, b]
    target = specs[which]
    if len(set(target)) != len(target):
        raise UnsupportedValueError(
            f"astgrad differentiates np.einsum without a repeated index in one operand ({target!r})"
        )
    others = [(s, o) for j, (s, o) in enumerate(zip(specs, operands)) if j != which]
    available = set(out).union(*[set(s) for s, _ in others])
    kept = "".join(c for c in target if c in available)
    result = np.einsum(",".join([out] + [s for s, _ in others]) + "->" + kept, g, *[o for _, o in others])
    if kept != target:  # indices summed within this operand alone: the adjoint is constant along them
        result = np.expand_dims(result, tuple(i for i, c in enumerate(target) if c not in available))
    return np.broadcast_to(result, np.shape(operands[which]))


def einsum_adjoint_dot(g: Any, subscripts: str, a: Any, b: Any, a_dot: Any, b_dot: Any, which: int) -> Any:
    """How einsum_adjoint(g, subscripts, a, b, which) changes with the other operand's tangent
    (a zero tangent may come as the number 0.0)."""
    other, other_dot = (b, b_dot) if which == 0 else (a, a_dot)
    if other is None or (np.ndim(other_dot) == 0 and np.ndim(other) > 0):
        return 0.0
    if which == 0:
        return einsum_adjoint(g, subscripts, a, other_dot, 0)
    return einsum_adjoint(g, subscripts, other_dot, b, 1)


# --- np.einsum with any number of operands, '...' and repeated indices ------------------------------


def _einsum_specs(subscripts: Any, shapes: list) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with '...' written out as letters and
    an implicit output made explicit (ellipsis axes first, then the letters used once, sorted)."""
    if not isinstance(subscripts, str):
        raise UnsupportedValueError(
            "astgrad differentiates np.einsum with a subscripts string (not the interleaved form)"
        )
    spec = subscripts.replace(" ", "")
    inputs, arrow, out = spec.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(shapes):
        raise UnsupportedValueError(f"np.einsum: {len(specs)} operand subscripts for {len(shapes)} operands")
    used = set(spec)
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    widths = [len(shape) - (len(sp) - 3) for sp, shape in zip(specs, shapes) if "..." in sp]
    n_ell = max(widths, default=0)
    ell = "".join(free[:n_ell])
    specs = [sp.replace("...", ell[n_ell - (len(shape) - (len(sp) - 3)) :]) for sp, shape in zip(specs, shapes)]
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = "".join(specs)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return specs, out


def _operands(ops: tuple) -> list:
    """The operands given (the trailing None defaults of einsum_n's parameters dropped)."""
    ops = list(ops)
    while ops and ops[-1] is None:
        ops.pop()
    return ops


def einsum_n(subscripts: str, a: Any, b: Any = None, c: Any = None, d: Any = None, e: Any = None, f: Any = None) -> Any:
    """np.einsum(subscripts, a, b, ...) of the operands given (up to six)."""
    return np.einsum(subscripts, *_operands((a, b, c, d, e, f)))


def einsum_bar(
    g: Any,
    subscripts: str,
    which: int,
    a: Any,
    b: Any = None,
    c: Any = None,
    d: Any = None,
    e: Any = None,
    f: Any = None,
) -> Any:
    """The adjoint of operand `which` of np.einsum(subscripts, a, b, ...) given the result's
    adjoint g: the contraction of g with the other operands onto that operand's indices; spread
    along an index that only this operand has, placed on the diagonal for an index it repeats,
    and summed over axes where it has length 1 and the others broadcast."""
    ops = [np.asarray(o) for o in _operands((a, b, c, d, e, f))]
    specs, out = _einsum_specs(subscripts, [o.shape for o in ops])
    sizes: dict[str, int] = {}
    for sp, o in zip(specs, ops):
        for ch, n in zip(sp, o.shape):
            sizes[ch] = max(sizes.get(ch, 1), n)
    g = np.broadcast_to(g, tuple(sizes[ch] for ch in out))
    target = specs[which]
    unique = "".join(dict.fromkeys(target))
    others = [(sp, o) for j, (sp, o) in enumerate(zip(specs, ops)) if j != which]
    available = set(out).union(*[set(sp) for sp, _ in others])
    kept = "".join(ch for ch in unique if ch in available)
    res = np.einsum(",".join([out] + [sp for sp, _ in others]) + "->" + kept, g, *[o for _, o in others])
    own = {ch: ops[which].shape[target.index(ch)] for ch in unique}
    res = np.expand_dims(res, tuple(i for i, ch in enumerate(unique) if ch not in available))
    shape = tuple(own[ch] for ch in unique)
    summed = tuple(i for i, (r, n) in enumerate(zip(res.shape, shape)) if n == 1 and r != 1)  # broadcast
    res = np.broadcast_to(np.sum(res, axis=summed, keepdims=True) if summed else res, shape)
    if len(unique) == len(target):
        return res if unique == target else np.transpose(res, [unique.index(ch) for ch in target])
    placed = np.zeros(ops[which].shape, dtype=np.result_type(res, 1.0))
    grids = np.indices(res.shape, sparse=True)
    placed[tuple(grids[unique.index(ch)] for ch in target)] = res
    return placed


def einsum_bar_dot(
    g: Any,
    subscripts: str,
    which: int,
    j: int,
    a: Any,
    b: Any = None,
    c: Any = None,
    d: Any = None,
    e: Any = None,
    f: Any = None,
) -> Any:
    """How einsum_bar(g, subscripts, which, ...) changes when operand j moves by the tangent that
    stands in its place: einsum_bar is linear in each other operand, and reads operand `which`
    for its shape only (zeros of that shape: a number would lose it, and a Hessian's blocks with it)."""
    if j == which:
        return np.zeros(np.shape(_operands((a, b, c, d, e, f))[which]), np.result_type(g, 0.0))
    return einsum_bar(g, subscripts, which, *_operands((a, b, c, d, e, f)))


def einsum_swap(
    g: Any,
    subscripts: str,
    which: int,
    j: int,
    v: Any,
    a: Any,
    b: Any = None,
    c: Any = None,
    d: Any = None,
    e: Any = None,
    f: Any = None,
) -> Any:
    """With operand `which` replaced by v: np.einsum itself (j = -1), or the adjoint of operand j
    (0.0 for j = which, which einsum_bar reads for its shape only); the pieces of einsum_bar's own
    adjoint."""
    ops = list(_operands((a, b, c, d, e, f)))
    ops[which] = v
    if j == -1:
        return np.einsum(subscripts, *ops)
    if j == which:
        return 0.0
    return einsum_bar(g, subscripts, j, *ops)


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
