"""Run-time helpers of the rules of rules/more_rules.py: tensordot, inner, kron, cross, pad,
cumulative products, average and split (the rules of these helpers are at the end of
rules/runtime_rules.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from .arrays import untake

# --- tensordot, inner, kron, cross, pad, cumprod, average, split, cholesky, eigh, matrix_power ---
# (rules/more_rules.py; the rules of these helpers are at the end of rules/runtime_rules.py)


def _tensordot_axes(nd_a: int, nd_b: int, axes: Any) -> tuple[list[int], list[int]]:
    """The contracted axes of `np.tensordot(a, b, axes)` as two lists of nonnegative axes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(nd_a - n, nd_a)), list(range(n))
    ax_a, ax_b = axes
    ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    return [int(i) % nd_a for i in ax_a], [int(j) % nd_b for j in ax_b]


def _tensordot_parts(g: Any, a: Any, b: Any, axes: Any) -> tuple:
    """(a's contracted axes, b's, a's free axes, b's, g broadcast to the result's shape)."""
    sa, sb = np.shape(a), np.shape(b)
    ax_a, ax_b = _tensordot_axes(len(sa), len(sb), axes)
    free_a = [i for i in range(len(sa)) if i not in ax_a]
    free_b = [j for j in range(len(sb)) if j not in ax_b]
    g = np.broadcast_to(g, tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))
    return ax_a, ax_b, free_a, free_b, g


def tensordot_left(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """The adjoint of `a` in `np.tensordot(a, b, axes)` given the result's adjoint `g` (`a` is
    read for its shape only)."""
    ax_a, ax_b, free_a, free_b, g = _tensordot_parts(g, a, b, axes)
    # contract g's trailing (b-free) axes with b's free axes: left are a's free axes, then b's
    # contracted axes in increasing order, each standing for the axis of `a` it met
    out = np.tensordot(g, b, axes=(list(range(len(free_a), g.ndim)), free_b))
    met = [ax_a[k] for k in sorted(range(len(ax_b)), key=lambda k: ax_b[k])]
    return np.transpose(out, np.argsort(free_a + met))


def tensordot_right(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """The adjoint of `b` in `np.tensordot(a, b, axes)` given the result's adjoint `g` (`b` is
    read for its shape only)."""
    ax_a, ax_b, free_a, free_b, g = _tensordot_parts(g, a, b, axes)
    # contract a's free axes with g's leading ones: left are a's contracted axes in increasing
    # order, each standing for the axis of `b` it met, then b's free axes
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    met = [ax_b[k] for k in sorted(range(len(ax_a)), key=lambda k: ax_a[k])]
    return np.transpose(out, np.argsort(met + free_b))


def inner_axes(a: Any, b: Any) -> Any:
    """The `axes` of the np.tensordot that np.inner(a, b) is: the last axis of each, or none (a
    product) when either is a number."""
    nd_a, nd_b = np.ndim(a), np.ndim(b)
    return 0 if nd_a == 0 or nd_b == 0 else ([nd_a - 1], [nd_b - 1])


def _kron_shapes(a: Any, b: Any) -> tuple[tuple, tuple, list[int]]:
    """The shapes of `a` and `b` padded with leading 1s to one length, and the interleaved shape
    (a0, b0, a1, b1, ...) the result of np.kron(a, b) reshapes to."""
    sa, sb = np.shape(a), np.shape(b)
    d = max(len(sa), len(sb))
    pa, pb = (1,) * (d - len(sa)) + tuple(sa), (1,) * (d - len(sb)) + tuple(sb)
    return pa, pb, [n for pair in zip(pa, pb) for n in pair]


def unkron_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `np.kron(a, b)`: each block of `g` weighted by `b` and summed."""
    pa, pb, inter = _kron_shapes(a, b)
    blocks = np.reshape(np.broadcast_to(g, tuple(x * y for x, y in zip(pa, pb))), inter)
    spread = np.reshape(b, [n for m in pb for n in (1, m)])
    return np.reshape(np.sum(blocks * spread, axis=tuple(range(1, len(inter), 2))), np.shape(a))


def unkron_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `np.kron(a, b)`: the blocks of `g` weighted by the elements of `a`
    and summed."""
    pa, pb, inter = _kron_shapes(a, b)
    blocks = np.reshape(np.broadcast_to(g, tuple(x * y for x, y in zip(pa, pb))), inter)
    spread = np.reshape(a, [n for m in pa for n in (m, 1)])
    return np.reshape(np.sum(blocks * spread, axis=tuple(range(0, len(inter), 2))), np.shape(b))


def cross_vectors(g: Any, a: Any, b: Any) -> Any:
    """`g`, after checking that np.cross(a, b) crosses 3-vectors (along the last axis): the
    derivative rule of np.cross covers those only."""
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 0 or len(sb) == 0 or sa[-1] != 3 or sb[-1] != 3:
        raise UnsupportedValueError(
            f"astgrad differentiates np.cross of 3-vectors (stacked along the last axis) only; "
            f"got operands of shapes {sa} and {sb}"
        )
    return g


# the np.pad modes whose every padded element is a copy of one element of the array: padding the
# array's element numbers (element_numbers) with the same mode says which
PAD_COPYING_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad_mode(mode: Any) -> str:
    """`mode`, or ValueError for the np.pad modes astgrad has no derivative rule for."""
    if not (isinstance(mode, str) and (mode == "constant" or mode in PAD_COPYING_MODES)):
        raise UnsupportedValueError(
            "astgrad differentiates np.pad with mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap' "
            f"(got mode={mode!r}; with reflect_type='even', the default)"
        )
    return mode


def element_numbers(x: Any) -> Any:
    """Each element's position in `x` flattened, in an array of `x`'s shape: moved by a function that
    only copies elements (np.pad(x, w, 'edge'), sliding_window_view), it says where each result element
    came from, so np.take(x, that) is the function and untake its adjoint."""
    return np.arange(np.size(x)).reshape(np.shape(x))


def unpad(g: Any, x: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """The adjoint of `x` in `np.pad(x, pad_width, mode)`: the part of `g` where `x` went, and for a
    mode that copies elements into the padding (edge, reflect, symmetric, wrap), the padding's `g`
    added onto the elements it copies."""
    if pad_mode(mode) != "constant":
        return untake(g, x, np.pad(element_numbers(x), pad_width, mode))
    shape = np.shape(x)
    if isinstance(pad_width, dict):  # (NumPy 2's `{axis: (before, after)}`: NumPy reads it, padding a mask)
        inside = np.pad(np.ones(shape, dtype=bool), pad_width)
        return np.broadcast_to(g, inside.shape)[inside].reshape(shape)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (len(shape), 2))
    g = np.broadcast_to(g, tuple(n + int(w[0]) + int(w[1]) for n, w in zip(shape, widths)))
    return g[tuple(slice(int(w[0]), int(w[0]) + n) for n, w in zip(shape, widths))]


def pad_constant_sum(g: Any, x: Any, pad_width: Any, constant_values: Any = 0) -> Any:
    """The adjoint of a differentiated `constant_values` of np.pad(x, pad_width, constant_values=c):
    the sum of `g` over the padding. Raises ValueError unless `c` is one number."""
    if np.ndim(constant_values) != 0:
        raise UnsupportedValueError(
            "astgrad differentiates np.pad's constant_values only as one number "
            f"(got one of shape {np.shape(constant_values)})"
        )
    return np.sum(g) - np.sum(unpad(g, x, pad_width))


def cumprod_axis(axis: Any) -> int:
    """The axis np.cumprod(a, axis) runs along in flat_if_none(a, axis)."""
    return 0 if axis is None else axis


def flat_if_none(a: Any, axis: Any) -> Any:
    """`a` flattened when `axis` is None (as np.cumprod flattens it), else `a`."""
    return np.ravel(a) if axis is None else a


def _shift(x: Any, axis: int, down: bool, fill: float) -> Any:
    x = np.asarray(x)
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=np.result_type(x, 1.0))
    if moved.shape[-1]:
        if down:
            out[..., 1:], out[..., 0] = moved[..., :-1], fill
        else:
            out[..., :-1], out[..., -1] = moved[..., 1:], fill
    return np.moveaxis(out, -1, axis)


def shift_down(x: Any, axis: int = 0, fill: float = 0.0) -> Any:
    """`x` moved one place along `axis` towards its end: out[k] = x[k-1], out[0] = fill."""
    return _shift(x, axis, True, fill)


def shift_up(x: Any, axis: int = 0) -> Any:
    """`x` moved one place along `axis` towards its start: out[k] = x[k+1], out[-1] = 0."""
    return _shift(x, axis, False, 0.0)


def _recurrence(g: Any, a: Any, axis: int, forward: bool) -> Any:
    g, a = np.asarray(g), np.asarray(a)
    shape = np.broadcast_shapes(g.shape, a.shape)
    gm = np.moveaxis(np.broadcast_to(g, shape), axis, -1)
    am = np.moveaxis(np.broadcast_to(a, shape), axis, -1)
    out = np.empty(gm.shape, dtype=np.result_type(g, a, 1.0))
    n = gm.shape[-1]
    steps = range(n) if forward else range(n - 1, -1, -1)
    acc = None
    for k in steps:  # a product never divided: zeros in `a` are fine
        if acc is None:
            acc = gm[..., k].copy()
        else:
            acc = gm[..., k] + (am[..., k] if forward else am[..., k + 1]) * acc
        out[..., k] = acc
    return np.moveaxis(out, -1, axis)


def rev_recurrence(g: Any, a: Any, axis: int = 0) -> Any:
    """s along `axis` with s[k] = g[k] + a[k+1] s[k+1] and s[-1] = g[-1], that is,
    s[j] = Σ_{i≥j} g[i] a[j+1] ⋯ a[i]: with the exclusive products of `a`, the adjoint of
    np.cumprod(a) (no division, so zeros in `a` are fine)."""
    return _recurrence(g, a, axis, forward=False)


def fwd_recurrence(h: Any, a: Any, axis: int = 0) -> Any:
    """f along `axis` with f[k] = h[k] + a[k] f[k-1] and f[0] = h[0], that is,
    f[i] = Σ_{j≤i} h[j] a[j+1] ⋯ a[i]: the tangent of np.cumprod, and the adjoint of
    rev_recurrence as a linear map of its first argument (and the reverse)."""
    return _recurrence(h, a, axis, forward=True)


def _normal_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(ax) % ndim for ax in axes)


def _placed_shape(a: Any, weights: Any, axis: Any) -> tuple:
    """The shape of average_weights(weights, a, axis): the weights' axes where they meet `a`'s."""
    sa, sw = np.shape(a), np.shape(weights)
    if sw == sa or axis is None:
        return sw
    placed = [1] * len(sa)
    for n, ax in zip(sw, _normal_axes(axis, len(sa))):
        placed[ax] = n
    return tuple(placed)


def average_weights(weights: Any, a: Any, axis: Any = None, returned: bool = False) -> Any:
    """The weights of `np.average(a, axis, weights)` placed to broadcast against `a` (1.0
    without weights: a 0-d one). Raises ValueError for returned=True, which astgrad does not differentiate."""
    if returned:
        raise UnsupportedValueError(
            "astgrad differentiates np.average with returned=False only; divide np.sum(a * w, axis) by "
            "np.sum(w, axis) to get both"
        )
    if weights is None:
        return np.ones((), dtype=np.result_type(np.asarray(a), 1.0))
    w = np.asarray(weights)
    nd = np.ndim(a)
    if w.shape == np.shape(a) or axis is None:
        return w
    k = w.ndim
    return np.moveaxis(np.reshape(w, (1,) * (nd - k) + w.shape), tuple(range(nd - k, nd)), _normal_axes(axis, nd))


def unweights(g: Any, a: Any, weights: Any, axis: Any = None) -> Any:
    """The adjoint of the `weights` of np.average given `g`, the adjoint of the placed weights
    (shaped like them, or like `a`): summed to the placed shape, then put back in the weights'
    order (the adjoint of average_weights)."""
    placed, sw = _placed_shape(a, weights, axis), np.shape(weights)
    g = np.asarray(g)
    full = np.broadcast_shapes(g.shape, placed)
    g = np.broadcast_to(g, full)
    extra = len(full) - len(placed)
    summed = tuple(i for i in range(len(full)) if i < extra or (placed[i - extra] == 1 and full[i] != 1))
    if summed:
        g = np.sum(g, axis=summed, keepdims=True)
    g = np.reshape(g, placed)
    if sw == placed:
        return g
    nd, k = len(placed), len(sw)
    return np.reshape(np.moveaxis(g, _normal_axes(axis, nd), tuple(range(nd - k, nd))), sw)


def unsplit(g: Any, ary: Any, indices_or_sections: Any, axis: int = 0) -> Any:
    """The adjoint of `np.split(ary, indices_or_sections, axis)` (or np.array_split) given the
    pieces' adjoints `g`: the pieces joined again (each a zero array or a broadcast value)."""
    shape = list(np.shape(ary))
    axis = axis % len(shape)
    pieces = np.array_split(np.arange(shape[axis]), indices_or_sections)
    parts = []
    for idx, piece in zip(pieces, g):
        shape[axis] = len(idx)
        parts.append(np.broadcast_to(piece, tuple(shape)))
    return np.concatenate(parts, axis=axis)


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
