"""Run-time helpers of the core NumPy rules (rules/numpy_rules.py, operators.py, builtins.py):
shares of max/min/clip between their arguments, matrix products and their batched sums
(batching.py), the adjoints of deleting, stacking, splitting, tiling, repeating, taking and sorting,
medians and quantiles, and the like."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import SequenceArithmeticError, UnsupportedValueError
from .effects import writes_arguments
from .shapes import expand_reduced, real_for, unbroadcast, unreduce
from .tape import (
    zeros_like,
)


def reduce_size(x: Any, axis: Any = None) -> int:
    """How many elements a reduction over `axis` combines."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def masked_count(x: Any, axis: Any = None, where: Any = None) -> Any:
    """How many elements np.mean(x, axis, where=where) averages in each slice, the reduced axes kept
    (of length 1); reduce_size(x, axis) where `where` is None (every element)."""
    if where is None:
        return reduce_size(x, axis)
    return np.sum(np.broadcast_to(where, np.shape(x)), axis=axis, keepdims=True)


def _extremum_hits(x: Any, y: Any, axis: Any, keepdims: bool, initial: Any, where: Any) -> tuple:
    """(where x attains its reduced max/min y among the elements `where` allows, whether `initial`
    does (the reduced axes kept), how many do: at least 1)."""
    x = np.asarray(x)
    reached = np.asarray(y) if keepdims or axis is None else expand_reduced(y, axis, x.ndim)
    hit = x == reached
    if where is not None:
        hit = hit & np.broadcast_to(where, x.shape)
    initial_hit = reached == initial
    count = np.maximum(np.sum(hit, axis=axis, keepdims=True) + initial_hit, 1)
    return hit, initial_hit, count


def extremum_mask_initial(
    x: Any, y: Any, axis: Any = None, keepdims: bool = False, initial: Any = None, where: Any = None
) -> Any:
    """The share of the adjoint of np.max(x, axis, initial=initial, where=where) (or np.min) that
    goes to each element of x: where x attains the result among the elements `where` allows, ties
    with each other and with `initial` sharing equally."""
    hit, _, count = _extremum_hits(x, y, axis, keepdims, initial, where)
    return (hit / count).astype(np.result_type(x, 1.0))


def initial_share(
    x: Any, y: Any, axis: Any = None, keepdims: bool = False, initial: Any = None, where: Any = None
) -> Any:
    """The share of the adjoint of np.max(x, axis, initial=initial, where=where) (or np.min) that
    goes to `initial`: where it is the result, shared with the elements that tie with it."""
    _, initial_hit, count = _extremum_hits(x, y, axis, keepdims, initial, where)
    return np.reshape(initial_hit / count, np.shape(y)).astype(np.result_type(x, 1.0))


def max_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of np.maximum(x, y) that goes to `x`: 1 where x > y, ½ at ties,
    0 where x < y (and where either is NaN); np.minimum's share for `x` is max_share(y, x)."""
    above = x > y
    tie = x == y
    if type(tie) is np.ndarray:
        return above + 0.5 * tie if tie.any() else above  # a boolean mask where nothing ties
    return 0.5 if tie else float(above)


def uncast(g: Any, x: Any, y: Any) -> Any:
    """The adjoint of `y = x.astype(t)` given y's adjoint g: g in x's floating type, or zeros
    where t is not a floating type (an integer or boolean cast has no derivative)."""
    if np.asarray(y).dtype.kind not in "fc":
        return zeros_like(x)
    out = np.array(g, dtype=np.result_type(np.asarray(x) if isinstance(x, (list, tuple)) else x, 1.0))
    return out[()] if out.ndim == 0 else out


def clip_share(a: Any, a_min: Any, a_max: Any, which: int) -> Any:
    """Where `np.clip(a, a_min, a_max)` takes its value from `a` (which=0), `a_min` (1) or `a_max` (2):
    1.0 there, 0.0 elsewhere, in the result's shape. NumPy computes min(max(a, a_min), a_max), so
    with a_min > a_max every element is a_max; a bound of None is never taken."""
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    below = np.less(a, lo) & np.less_equal(lo, hi)
    above = np.greater(np.maximum(a, lo), hi)
    pick = (~below & ~above, below, above)[which]
    shape = np.broadcast_shapes(np.shape(a), np.shape(lo), np.shape(hi))
    return np.broadcast_to(pick, shape).astype(float) if shape else float(pick)


def inverse_axes(axes: Any, a: Any) -> Any:
    """The permutation undoing `np.transpose(a, axes)` (None for None: a reversal undoes itself);
    negative axes count from the end."""
    if axes is None:
        return None
    return tuple(int(k) for k in np.argsort(np.mod(axes, np.ndim(a))))


def rollaxis_axes(a: Any, axis: int, start: int = 0) -> tuple[int, ...]:
    """The permutation `np.rollaxis(a, axis, start)` transposes `a` by: `axis` moved to stand
    before the axis `start` was (NumPy's rule)."""
    n = np.ndim(a)
    axis, start = axis % n, start + n if start < 0 else start
    axes = [k for k in range(n) if k != axis]
    axes.insert(start - 1 if axis < start else start, axis)
    return tuple(axes)


def sign_of(x: Any) -> Any:
    """The sign of `x` (-1, 0 or 1): a float for a Python number, np.sign's array for an array
    (the derivative of Python's abs)."""
    if type(x) is np.ndarray:
        return np.sign(x)
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def linspace_fraction(y: Any, num: int, endpoint: bool = True, axis: int = 0) -> Any:
    """How far along from start to stop each sample of `y = np.linspace(start, stop, num,
    endpoint, axis=axis)` lies (k / (num - 1), or k / num without the endpoint), shaped to broadcast
    against `y` along `axis`."""
    div = (num - 1 if endpoint else num) or 1
    t = np.arange(num, dtype=np.result_type(y, 1.0)) / div
    shape = [1] * np.ndim(y)
    if shape:
        shape[axis] = num
    return np.reshape(t, shape)


def along_new_axis(t: Any, y: Any, axis: int = 0) -> Any:
    """`t` (shaped like np.linspace's start or stop) spread to the shape of its result `y`: broadcast
    to y's shape without the samples' `axis`, which is then inserted with length 1."""
    rest = list(np.shape(y))
    if rest:
        del rest[axis]
    return np.expand_dims(np.broadcast_to(t, tuple(rest)), axis)


def arange_has_start(stop: Any) -> float:
    """∂y/∂start of `y = np.arange(start, stop, step)`: 1.0 if a stop was given, else 0.0 (then the
    one argument is the stop, which sets only the count)."""
    return 0.0 if stop is None else 1.0


def select_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of maximum(x, y)/minimum(x, y) that goes to `x`: 1, or ½ at ties."""
    if type(x) is np.ndarray or type(y) is np.ndarray:
        return np.where(x == y, 0.5, 1.0)
    return 0.5 if x == y else 1.0


def matmul_shape(sa: tuple, sb: tuple) -> tuple:
    """The shape of `a @ b` for arrays of shapes sa and sb (at least one of them 2-d or more)."""
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    if len(sb) == 1:
        return sa[:-1]
    return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])


def matmul_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `a @ b` (also `np.dot`) given the result's adjoint `g` (real for a
    real `a`: see real_for)."""
    return real_for(_matmul_left(g, a, b), a)


def matmul_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `a @ b` (also `np.dot`) given the result's adjoint `g` (real for a
    real `b`)."""
    return real_for(_matmul_right(g, a, b), b)


def _matmul_left(g: Any, a: Any, b: Any) -> Any:
    a, b = _as_arrays(a, b)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if np.ndim(g) == 0 and a_nd + b_nd > 2:
        g = np.broadcast_to(g, matmul_shape(np.shape(a), np.shape(b)))  # a zero for an unused result
    if b_nd == 1:
        return np.multiply.outer(g, b) if a_nd > 1 else g * b
    if a_nd == 1:
        return np.dot(b, g) if b_nd == 2 else unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def _matmul_right(g: Any, a: Any, b: Any) -> Any:
    a, b = _as_arrays(a, b)
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    if np.ndim(g) == 0 and a_nd + b_nd > 2:
        g = np.broadcast_to(g, matmul_shape(np.shape(a), np.shape(b)))  # a zero for an unused result
    if a_nd == 1:
        return a[:, None] * g[..., None, :] if b_nd > 1 else g * a
    if b_nd == 1:
        return np.dot(g, a) if a_nd == 2 else unbroadcast(np.matmul(g[..., None, :], a)[..., 0, :], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def _as_arrays(a: Any, b: Any) -> tuple[Any, Any]:
    """The operands of np.dot as it reads them: a list or tuple of numbers is an array (a Python
    float times a list would repeat it)."""
    return (np.asarray(a) if type(a) in (list, tuple) else a), (np.asarray(b) if type(b) in (list, tuple) else b)


def matmul_left_sum(parts: list, a: Any) -> Any:
    """The sum of matmul_left(g, a, b) over the pairs (g, b) in `parts`: for vectors g and b
    and a matrix a, one product of the stacked vectors instead of a sum of outer products."""
    return _products_sum(parts, a, left=True)


def matmul_right_sum(parts: list, b: Any) -> Any:
    """The sum of matmul_right(g, a, b) over the pairs (g, a) in `parts` (see matmul_left_sum)."""
    return _products_sum(parts, b, left=False)


def _products_sum(parts: list, fixed: Any, left: bool) -> Any:
    if not parts:
        return 0.0
    if np.ndim(fixed) == 2:
        gs, vs = zip(*parts)
        if all(type(v) is np.ndarray and v.ndim == 1 for v in gs + vs):
            return np.array(gs).T @ np.array(vs) if left else np.array(vs).T @ np.array(gs)
    if left:
        return sum_parts([matmul_left(g, fixed, v) for g, v in parts])
    return sum_parts([matmul_right(g, v, fixed) for g, v in parts])


def sum_parts(parts: list) -> Any:
    """The sum of the adjoint contributions in `parts` (arrays of one shape: one stacked sum)."""
    if not parts:
        return 0.0
    first = parts[0]
    if type(first) is np.ndarray and all(type(p) is np.ndarray and p.shape == first.shape for p in parts):
        return np.sum(np.array(parts), axis=0)  # (np.array: np.stack's result, sooner)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def undelete(g: Any, a: Any, obj: Any, axis: Any = None) -> Any:
    """The adjoint of `np.delete(a, obj, axis)`: `g` put back where the kept entries were."""
    out = zeros_like(a)
    if axis is None:
        keep = np.ones(np.size(a), bool)
        keep[obj] = False
        out.reshape(-1)[keep] = np.ravel(g)
        return out
    axis = axis % np.ndim(a)
    keep = np.ones(np.shape(a)[axis], bool)
    keep[obj] = False
    out[(slice(None),) * axis + (keep,)] = g
    return out


def split_like(g: Any, parts: Any, axis: int = 0) -> list:
    """The adjoint of `np.concatenate(parts, axis)`: `g` cut into pieces shaped like `parts`."""
    if axis is None:  # the parts were flattened first
        sizes = [np.size(p) for p in parts]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return [np.reshape(piece, np.shape(p)) for piece, p in zip(pieces, parts)]
    sizes = [np.shape(p)[axis] for p in parts]
    return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


def unstack(g: Any, axis: int = 0) -> list:
    """The adjoint of `np.stack(parts, axis)`: one slice of `g` per part."""
    return [np.take(g, i, axis=axis) for i in range(np.shape(g)[axis])]


def rebroadcast(g: Any, like: Any) -> Any:
    """The adjoint of `unbroadcast(like, x)` with respect to `like`: `g` spread back to its shape."""
    target = np.broadcast_shapes(np.shape(like), np.shape(g))
    return unbroadcast(np.broadcast_to(g, target), like)


def dot_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `np.dot(a, b)` (which contracts a's last axis with b's second-to-last)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd <= 2 and b_nd <= 2 or a_nd == 0 or b_nd == 0:
        return matmul_left(g, a, b)
    if b_nd == 1:
        return real_for(np.asarray(g)[..., None] * b, a)
    b_axes = list(range(b_nd - 2)) + [b_nd - 1]
    return real_for(np.tensordot(g, b, axes=(list(range(a_nd - 1, np.ndim(g))), b_axes)), a)


def dot_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `np.dot(a, b)`."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd <= 2 and b_nd <= 2 or a_nd == 0 or b_nd == 0:
        return matmul_right(g, a, b)
    lead = list(range(a_nd - 1))
    out = real_for(np.tensordot(a, g, axes=(lead, lead)), b)
    return out if b_nd == 1 else np.moveaxis(out, 0, -2)


def undiag(g: Any, v: Any, k: int = 0) -> Any:
    """The adjoint of `np.diag(v, k)`: for a matrix `v`, `g` placed on its k-th diagonal; for a
    vector, the k-th diagonal of `g`."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    out = zeros_like(v)
    i = np.arange(np.shape(g)[0])
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out


def item(x: Any) -> Any:
    """`x.item()`: the one element of an array or NumPy scalar as a Python number."""
    return x.item() if hasattr(x, "item") else x


def sinc_slope(x: Any, y: Any) -> Any:
    """The derivative of `y = np.sinc(x)`: (cos(πx) - y) / x, and 0 at x = 0."""
    x = np.asarray(x)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - y) / safe)


def unhstack(g: Any, parts: Any) -> list:
    """The adjoint of `np.hstack(parts)`: `g` cut into pieces shaped like `parts` (joined along
    the first axis for vectors and numbers, the second otherwise)."""
    shapes = [np.shape(p) for p in parts]
    axis = 0 if len(shapes[0]) <= 1 else 1
    sizes = [int(np.prod(s)) if len(s) == 0 else s[axis] for s in shapes]
    return [np.reshape(piece, s) for piece, s in zip(np.split(g, np.cumsum(sizes)[:-1], axis=axis), shapes)]


def unvstack(g: Any, parts: Any) -> list:
    """The adjoint of `np.vstack(parts)`: `g` cut into rows shaped like `parts` (a vector or a
    number is one row)."""
    shapes = [np.shape(p) for p in parts]
    sizes = [s[0] if len(s) >= 2 else 1 for s in shapes]
    return [np.reshape(piece, s) for piece, s in zip(np.split(g, np.cumsum(sizes)[:-1], axis=0), shapes)]


def untile(g: Any, a: Any, reps: Any) -> Any:
    """The adjoint of `np.tile(a, reps)`: the sum of `g`'s copies of `a`."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(a)
    d = max(len(reps), len(shape))
    reps, padded = (1,) * (d - len(reps)) + reps, (1,) * (d - len(shape)) + shape
    interleaved = [n for pair in zip(reps, padded) for n in pair]
    return np.reshape(np.sum(np.reshape(g, interleaved), axis=tuple(range(0, 2 * d, 2))), shape)


def unrepeat(g: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    """The adjoint of `np.repeat(a, repeats, axis)`: each element's copies summed."""
    shape = np.shape(a)
    flat = axis is None
    if flat:
        axis, n = 0, int(np.prod(shape))
    else:
        axis = axis % len(shape)
        n = shape[axis]
    counts = np.broadcast_to(repeats, (n,))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    g = np.asarray(g)
    if np.any(counts == 0):  # reduceat needs every piece non-empty
        out = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1 :], dtype=g.dtype)
        for i in np.flatnonzero(counts):
            out[(slice(None),) * axis + (i,)] = np.sum(np.take(g, range(starts[i], starts[i] + counts[i]), axis), axis)
        summed = out
    else:
        summed = np.add.reduceat(g, starts, axis=axis)
    return np.reshape(summed, shape) if flat else summed


def untake(g: Any, a: Any, indices: Any, axis: Any = None, mode: str = "raise") -> Any:
    """The adjoint of `np.take(a, indices, axis, mode=mode)`: `g` added back where it was taken
    (repeated indices accumulate; `mode` "clip" and "wrap" take from the end or around)."""
    g = np.asarray(g)
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    idx = np.asarray(indices)
    n = out.size if axis is None else out.shape[axis]
    if mode == "clip":
        idx = np.clip(idx, 0, n - 1)
    elif mode == "wrap":
        idx = idx % n
    if axis is None:
        np.add.at(out.reshape(-1), idx, g)
        return out
    axis = axis % out.ndim
    moved = np.moveaxis(out, axis, 0)  # a view: writes reach out
    np.add.at(moved, idx, np.moveaxis(g, tuple(range(axis, axis + idx.ndim)), tuple(range(idx.ndim))))
    return out


def unsort(g: Any, a: Any, axis: Any = -1) -> Any:
    """The adjoint of `np.sort(a, axis)`: each sorted position's adjoint back where its element
    came from."""
    if axis is None:
        order = np.argsort(a, axis=None, kind="stable")
        out = np.zeros(np.size(a), dtype=np.result_type(g, float))
        out[order] = g
        return out.reshape(np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    np.put_along_axis(out, order, g, axis=axis)
    return out


def sorted_along(t: Any, a: Any, axis: Any = -1) -> Any:
    """`t` reordered as `np.sort(a, axis)` orders `a` (the tangent of a sort)."""
    if axis is None:
        return np.ravel(t)[np.argsort(a, axis=None, kind="stable")]
    return np.take_along_axis(np.asarray(t), np.argsort(a, axis=axis, kind="stable"), axis=axis)


def undiagonal(g: Any, a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The adjoint of `np.diagonal(a, offset, axis1, axis2)`: `g` (the diagonal along its last
    axis) put back on that diagonal of an array of zeros shaped like `a`."""
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes reach out
    n = np.shape(g)[-1]
    i = np.arange(n)
    planes[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def untrace(g: Any, a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The adjoint of `np.trace(a, offset, axis1, axis2)`: each trace's adjoint given to every
    element of its diagonal (undiagonal's, of it repeated along the diagonal); of more than two
    axes, a trace for each element of the others."""
    rows, cols = np.shape(a)[axis1], np.shape(a)[axis2]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    g = np.asarray(g)
    return undiagonal(np.broadcast_to(g[..., None], g.shape + (n,)), a, offset, axis1, axis2)


def median_weights(a: Any, axis: Any = None, skip_nan: bool = False) -> Any:
    """How much each element of `a` weighs in `np.median(a, axis)`, shaped like `a`: 1 at the
    middle element of each sorted run, ½ at each of the two middle ones of an even run. With
    `skip_nan` (np.nanmedian) the runs are the numbers alone: a NaN weighs 0."""
    if skip_nan:
        return quantile_weights(a, 0.5, axis, skip_nan)
    ranks, n = _ranks(a, axis)
    w = np.where(np.abs(ranks - (n - 1) / 2.0) < 0.75, 1.0 if n % 2 else 0.5, 0.0)
    return w.astype(np.result_type(a, float))


def quantile_weights(a: Any, q: Any, axis: Any = None, skip_nan: bool = False, method: str = "linear") -> Any:
    """How much each element of `a` weighs in `np.quantile(a, q, axis, method=method)` (q a number
    in [0, 1]), shaped like `a`: 1 - f and f at the two sorted neighbours of the position i + f
    the method gives q (linear: q (n - 1)). With `skip_nan` (np.nanquantile) n counts each run's
    numbers (NaN sorts last, so the numbers keep their ranks) and a NaN weighs 0."""
    if np.ndim(q) != 0:
        raise UnsupportedValueError(
            "astgrad differentiates np.quantile and np.percentile of one number q, not of several"
        )
    ranks, n = _ranks(a, axis)
    if skip_nan:
        numbers = ~np.isnan(a)
        n = np.sum(numbers) if axis is None else np.sum(numbers, axis=axis, keepdims=True)
    low, frac = _quantile_position(float(q), n, method)
    w = np.where(ranks == low, 1.0 - frac, 0.0) + np.where(ranks == np.minimum(low + 1, n - 1), frac, 0.0)
    if skip_nan:
        w = np.where(numbers, w, 0.0)
    return w.astype(np.result_type(a, float))


def quantile_adjoint(
    g: Any, a: Any, q: Any, axis: Any = None, keepdims: bool = False, skip_nan: bool = False, method: str = "linear"
) -> Any:
    """The adjoint of `a` in `np.quantile(a, q, axis, keepdims=keepdims)` (linear interpolation)
    given the result's adjoint `g`; q one number or an array of them (the result's leading axes);
    `skip_nan`: np.nanquantile's (NaN gets no adjoint)."""
    if np.ndim(q) == 0:
        return unreduce(g, a, axis, keepdims) * quantile_weights(a, q, axis, skip_nan, method)
    q, g = np.asarray(q), np.asarray(g)
    out = np.zeros(np.shape(a), dtype=np.result_type(a, g, 1.0))
    for k in np.ndindex(q.shape):
        out = out + unreduce(g[k], a, axis, keepdims) * quantile_weights(a, q[k], axis, skip_nan, method)
    return out


def quantile_tangent(
    t: Any, a: Any, q: Any, axis: Any = None, keepdims: bool = False, skip_nan: bool = False, method: str = "linear"
) -> Any:
    """The tangent of `np.quantile(a, q, axis, keepdims=keepdims)` given `a`'s tangent `t` (the
    transpose of quantile_adjoint; `skip_nan`: np.nanquantile's, a NaN's tangent not read)."""
    if skip_nan:
        t = np.where(np.isnan(a), 0.0, t)
    if np.ndim(q) == 0:
        return np.sum(t * quantile_weights(a, q, axis, skip_nan, method), axis=axis, keepdims=keepdims)
    q = np.asarray(q)
    parts = [
        np.sum(t * quantile_weights(a, q[k], axis, skip_nan, method), axis=axis, keepdims=keepdims)
        for k in np.ndindex(q.shape)
    ]
    return np.reshape(np.array(parts), q.shape + np.shape(parts[0]))


def _ranks(a: Any, axis: Any) -> tuple[Any, int]:
    """Each element's place in its sorted run along `axis` (in all of `a` for None; ties in
    order), shaped like `a`, and the runs' length."""
    a = np.asarray(a)
    if isinstance(axis, tuple):  # (the runs over several axes: those moved last, made one)
        axes = tuple(k % a.ndim for k in axis)
        last = tuple(range(a.ndim - len(axes), a.ndim))
        moved = np.moveaxis(a, axes, last)
        flat, n = _ranks(moved.reshape(moved.shape[: a.ndim - len(axes)] + (-1,)), -1)
        return np.moveaxis(flat.reshape(moved.shape), last, axes), n
    work = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis % a.ndim
    n = work.shape[ax]
    order = np.argsort(work, axis=ax, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n).reshape((n,) + (1,) * (work.ndim - ax - 1)), axis=ax)
    return ranks.reshape(a.shape), n


# the methods of np.quantile whose position of q among n sorted values is interpolated, by NumPy's
# (alpha, beta): n q + alpha + q (1 - alpha - beta) - 1, within [0, n - 1]; and those that take a
# value of the linear position's neighbours (lower, higher, nearest) or their mean (midpoint)
QUANTILE_PLOTTING = {
    "linear": (1.0, 1.0),
    "hazen": (0.5, 0.5),
    "weibull": (0.0, 0.0),
    "median_unbiased": (1 / 3, 1 / 3),
    "normal_unbiased": (3 / 8, 3 / 8),
    "interpolated_inverted_cdf": (0.0, 1.0),
}
QUANTILE_PICKING = ("lower", "higher", "nearest", "midpoint")


def quantile_method(q: Any, method: str) -> Any:
    """`q`, if astgrad knows how np.quantile's `method` places it (QUANTILE_PLOTTING,
    QUANTILE_PICKING); else refused."""
    if method not in QUANTILE_PLOTTING and method not in QUANTILE_PICKING:
        raise UnsupportedValueError(
            f"astgrad differentiates np.quantile and np.percentile with the methods "
            f"{', '.join(sorted([*QUANTILE_PLOTTING, *QUANTILE_PICKING]))}, not {method!r}"
        )
    return q


def _quantile_position(q: float, n: Any, method: str) -> tuple[Any, Any]:
    """(the lower neighbour's rank, the weight of the upper one) of the quantile q of n sorted values."""
    if method in QUANTILE_PLOTTING:
        alpha, beta = QUANTILE_PLOTTING[method]
        position = np.clip(n * q + alpha + q * (1 - alpha - beta) - 1, 0, n - 1)
        low = np.floor(position)
        return low, position - low
    position = q * (n - 1)
    low = np.floor(position)
    if method == "lower":
        return low, 0.0 * low
    if method == "higher":
        return np.ceil(position), 0.0 * low
    if method == "nearest":
        return np.around(position), 0.0 * low  # (NumPy's rounding: a half to the even rank)
    return low, np.where(position > low, 0.5, 0.0)  # midpoint


def constant_argument(value: Any, label: str) -> Any:
    """Refuse a derivative with respect to an argument a rule treats as a constant (np.quantile's q)."""
    raise UnsupportedValueError(f"astgrad has no derivative with respect to {label}: pass it as a constant")


def fmax_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of np.fmax(x, y) that goes to `x`: as np.maximum's, and all of it
    where y is NaN (fmax then returns x), none where only x is."""
    return np.where(np.isnan(y), 1.0, np.where(np.isnan(x), 0.0, max_share(x, y)))


def broadcast_like(t: Any, y: Any) -> Any:
    """Tangent `t` spread to the shape of its value `y` (when an inactive operand broadcast it)."""
    ys = y.shape if type(y) is np.ndarray else np.shape(y)
    ts = t.shape if type(t) is np.ndarray else np.shape(t)
    if ts == ys:
        return t
    if type(t) is list and type(y) in (list, tuple):  # (a join or repetition, not a broadcast)
        raise SequenceArithmeticError()
    return np.broadcast_to(t, ys).copy()


def prod_others(a: Any, axis: Any = None) -> Any:
    """For each element of `a`, the product of the other elements along `axis` (no division, so
    zeros are fine): the derivative of np.prod."""
    a = np.asarray(a)
    if a.ndim == 0:  # a number (reduced over axis 0 or none): the product of no others
        return np.ones_like(a, dtype=np.result_type(a, 1.0))
    if axis is None:
        return prod_others(a.reshape(-1), 0).reshape(a.shape)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(ax % a.ndim for ax in axes)
    rest = [d for d in range(a.ndim) if d not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], -1), -1), -1)
    return np.transpose((left * right).reshape(moved.shape), np.argsort(rest + list(axes)))


def prod_others_dot(a: Any, a_dot: Any, axis: Any = None) -> Any:
    """The derivative of prod_others(a, axis) along a_dot: for each element, the sum over the other
    elements j of a_dot[j] times the product of the elements other than both (no division, so
    zeros are fine). The map is symmetric in (element, j), so it is also prod_others' adjoint."""
    a, a_dot = np.asarray(a), np.broadcast_to(a_dot, np.shape(a))
    if a.ndim == 0:  # the product of no others is a constant
        return np.zeros_like(a, dtype=np.result_type(a, a_dot, 1.0))
    if axis is None:
        return prod_others_dot(a.reshape(-1), a_dot.reshape(-1), 0).reshape(a.shape)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(ax % a.ndim for ax in axes)
    rest = [d for d in range(a.ndim) if d not in axes]
    order = rest + list(axes)
    moved, moved_dot = np.transpose(a, order), np.transpose(a_dot, order)
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    flat_dot = moved_dot.reshape(flat.shape)
    n = flat.shape[-1]
    dtype = np.result_type(flat, flat_dot, 1.0)
    # left[i] = product of the elements before i, right[i] of those after, with their tangents
    left, left_dot = np.ones(flat.shape, dtype), np.zeros(flat.shape, dtype)
    right, right_dot = np.ones(flat.shape, dtype), np.zeros(flat.shape, dtype)
    for i in range(1, n):
        left[..., i] = left[..., i - 1] * flat[..., i - 1]
        left_dot[..., i] = left_dot[..., i - 1] * flat[..., i - 1] + left[..., i - 1] * flat_dot[..., i - 1]
        j = n - 1 - i
        right[..., j] = right[..., j + 1] * flat[..., j + 1]
        right_dot[..., j] = right_dot[..., j + 1] * flat[..., j + 1] + right[..., j + 1] * flat_dot[..., j + 1]
    out = (left_dot * right + left * right_dot).reshape(moved.shape)
    return np.transpose(out, np.argsort(order))


def index_order(a: Any, order: str) -> str:
    """The index order, 'C' or 'F', in which np.reshape / np.ravel with `order` read `a` (its
    derivative reads the adjoint back in the same order); 'A' and 'K' follow a's memory layout."""
    if order in ("C", "F", None):
        return order or "C"
    a = np.asarray(a)
    if order in ("A", "K") and (a.flags.c_contiguous or a.ndim < 2):
        return "C"
    if order in ("A", "K") and a.flags.f_contiguous:
        return "F"
    if order == "A":
        return "C"
    raise UnsupportedValueError(
        f"order={order!r} of an array neither C- nor F-contiguous: its derivative needs 'C' or 'F'"
    )


def logistic(x: Any) -> Any:
    """The logistic function 1 / (1 + e^-x), scipy.special.expit without SciPy: the registry entry
    (rules/numpy_rules.py) whose derivative, y (1 - y), a user's own spelling of it is given
    (analysis/spellings.py). Generated code computes the user's spelling, not this."""
    return 1.0 / (1.0 + np.exp(-x))


def strided_view(a: Any, start: tuple, shape: tuple, steps: tuple) -> np.ndarray:
    """The view of array `a` whose element [k0, k1, ...] is a[start + k0 * steps[0] + k1 * steps[1] + ...]
    (`start` and each of `steps` give one index per axis of `a`): every iteration's element or window
    of a loop nest at once (specialize/window_loops.py, which proves every index lies within `a`;
    nothing here checks it)."""
    strides = tuple(sum(k * s for k, s in zip(step, a.strides)) for step in steps)
    offset = sum(i * s for i, s in zip(start, a.strides))
    if a.flags.c_contiguous:  # (the array's own buffer: no copy)
        return np.ndarray(shape, a.dtype, a, offset, strides)
    return np.lib.stride_tricks.as_strided(a[tuple(slice(i, None) for i in start)], shape, strides)


def overlap_plan(shape: tuple, steps: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """For `overlap_add`: the axes of a strided view to sum first (they move no index: an
    element they name again and again) and the axes to loop over, so that the axes left name
    distinct elements. Each axis left moves one axis of the array that no other axis left moves;
    of the axes moving the same axis of the array (a window's offset and the counter that moves
    the window), the longest stays and the others are looped over, so the loop is the shorter
    one: the k offsets of n windows of length k < n, or the n windows."""
    summed = tuple(d for d, (n, step) in enumerate(zip(shape, steps)) if n > 1 and not any(step))
    loop: list[int] = []
    moving: dict[int, list[int]] = {}  # an axis of the array → the view's axes moving it alone
    for d, (n, step) in enumerate(zip(shape, steps)):
        if n == 1 or d in summed:
            continue
        moved = [e for e, k in enumerate(step) if k]
        if len(moved) == 1:
            moving.setdefault(moved[0], []).append(d)
        else:
            loop.append(d)
    for axes in moving.values():
        kept = max(axes, key=lambda d: (shape[d], -d))  # (the longest; of equals, the first)
        loop += [d for d in axes if d != kept]
    return summed, tuple(sorted(loop))


@writes_arguments
def overlap_add(a: np.ndarray, start: tuple, shape: tuple, steps: tuple, values: Any) -> None:
    """Add `values` (broadcast to `shape`) into the elements of `strided_view(a, start, shape,
    steps)` in place, where the view may name an element more than once (overlapping windows, or
    a counter that moves no index): every addition happens. The additions of one element happen in
    another order than a loop over the windows makes them, so the sums may round differently
    (specialize/window_loops.py uses it only for adjoints nothing decides on). The axes that move
    nothing are summed first; then one in-place addition into a view of distinct elements for each
    position of the looped axes (`overlap_plan`)."""
    values = np.broadcast_to(values, shape)
    summed, loop = overlap_plan(shape, steps)
    if summed:
        values = values.sum(axis=summed)
    axes = [d for d in range(len(shape)) if d not in summed]
    rest = [d for d in axes if d not in loop]
    rest_shape = tuple(shape[d] for d in rest)
    rest_steps = tuple(steps[d] for d in rest)
    for position in np.ndindex(*(shape[d] for d in loop)):
        at = dict(zip(loop, position))
        offset = tuple(s + sum(at[d] * steps[d][e] for d in loop) for e, s in enumerate(start))
        part = values[tuple(at.get(d, slice(None)) for d in axes)]
        strided_view(a, offset, rest_shape, rest_steps)[...] += part


def _as_numpy_where_math_raises(fn: Any, name: str, numpy_value: Any = None) -> Any:
    """`math`'s `fn` of one Python float, with NumPy's value where `fn` raises: NaN for a
    ValueError outside the domain (math.cos(inf), math.sqrt(-1.0)), or `numpy_value(x)` where NumPy
    gives more (an infinity on overflow, -inf for log(0)). What specialised code on floats calls
    where the value decides nothing (specialize/floats.py), so that it gives what the general code
    gives, not an error."""

    def twin(x: float) -> float:
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return math.nan if numpy_value is None else numpy_value(x)

    twin.__name__ = twin.__qualname__ = name
    twin.__module__ = __name__
    twin.__doc__ = f"math.{fn.__name__}(x) of a float, or NumPy's value where it raises."
    twin.math_function = fn  # (its derivatives are math's: rules/builtins.py)
    _twins.append(twin)
    return twin


_twins: list = []


def float_twins() -> tuple:
    """Every function of one float made here from math's (float_sin, float_log...)."""
    return tuple(_twins)


float_sin = _as_numpy_where_math_raises(math.sin, "float_sin")
float_cos = _as_numpy_where_math_raises(math.cos, "float_cos")
float_tan = _as_numpy_where_math_raises(math.tan, "float_tan")
float_sqrt = _as_numpy_where_math_raises(math.sqrt, "float_sqrt")
float_arcsin = _as_numpy_where_math_raises(math.asin, "float_arcsin")
float_arccos = _as_numpy_where_math_raises(math.acos, "float_arccos")
float_exp = _as_numpy_where_math_raises(math.exp, "float_exp", lambda x: math.inf)
float_expm1 = _as_numpy_where_math_raises(math.expm1, "float_expm1", lambda x: math.inf)
float_cosh = _as_numpy_where_math_raises(math.cosh, "float_cosh", lambda x: math.inf)
float_sinh = _as_numpy_where_math_raises(math.sinh, "float_sinh", lambda x: math.copysign(math.inf, x))
float_log = _as_numpy_where_math_raises(math.log, "float_log", lambda x: -math.inf if x == 0.0 else math.nan)
float_log2 = _as_numpy_where_math_raises(math.log2, "float_log2", lambda x: -math.inf if x == 0.0 else math.nan)
float_log10 = _as_numpy_where_math_raises(math.log10, "float_log10", lambda x: -math.inf if x == 0.0 else math.nan)
float_log1p = _as_numpy_where_math_raises(math.log1p, "float_log1p", lambda x: -math.inf if x == -1.0 else math.nan)
float_arctanh = _as_numpy_where_math_raises(
    math.atanh, "float_arctanh", lambda x: math.copysign(math.inf, x) if abs(x) == 1.0 else math.nan
)


_MULTIPLIED_POWERS = 32  # the largest exponent int_power multiplies out: ≤ 2 log2(32) products, a few ulps


def int_power(x: Any, k: Any) -> Any:
    """`x ** k`, by repeated squaring where x is a float array and k a whole number from 0 to 32
    (a Python int; a NumPy integer with a float64 x, whose result dtype it keeps): NumPy's power by
    an integer exponent calls the C library's pow per element, several times slower than a few
    products (on a negative base, 20 times). The value is `x ** k`'s up to rounding (a few ulps:
    each squaring doubles the base's error), overflowing to inf and taking NaN where pow does; x
    ** 0 is ones, as pow's is for inf and NaN too. Any other operands (a negative exponent, an
    integer array, a number) get `x ** k` itself: what specialised code calls for a power whose
    value decides nothing (specialize/powers.py)."""
    if not (type(x) is np.ndarray and x.dtype.kind == "f" and x.ndim):  # (a 0-d array's power is a scalar)
        return x**k
    if type(k) is not int and not (isinstance(k, np.integer) and x.dtype == np.float64):
        return x**k
    k = int(k)
    if not 0 <= k <= _MULTIPLIED_POWERS:
        return x**k
    if k == 0:
        return np.ones_like(x)
    result, base = None, x
    while True:
        if k & 1:
            result = base if result is None else result * base
        k >>= 1
        if not k:
            return x.copy() if result is x else result  # (a new array, as x ** 1 is)
        base = base * base


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
