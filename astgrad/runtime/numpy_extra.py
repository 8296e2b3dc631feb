"""Run-time helpers of the rules added for breadth in rules/numpy_extra_rules.py: take_along_axis,
append, concatenation and block, rot90, convolve and correlate, interp, ptp, cov and corrcoef,
cumulative sums with an initial value, vector norms, trapezoid and polyval."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from .fft import abs_slope
from .linalg import norm_scale
from .shapes import extremum_mask, unbroadcast, undiff

# --- more NumPy (rules/numpy_extra_rules.py) --------------------------------------------------------


def finite_mask(x: Any) -> Any:
    """1.0 where `x` is finite, 0.0 where np.nan_to_num replaces it."""
    x = np.asarray(x)
    return np.isfinite(x).astype(np.result_type(x, 1.0))


def _along_axis_index(indices: Any, axis: int) -> tuple:
    """The fancy index that np.take_along_axis(arr, indices, axis) reads arr with."""
    idx = np.asarray(indices)
    grids = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
    grids[axis] = idx
    return tuple(grids)


def _gradient_form(f: Any, varargs: tuple, axis: Any, edge_order: int) -> tuple[int, float]:
    """(the axis, the spacing) of `np.gradient(f, *varargs, axis=axis, edge_order=...)` whose
    result is one array at one number's spacing; anything else refused."""
    ndim = np.ndim(f)
    if axis is None and ndim != 1 or isinstance(axis, (tuple, list)):
        raise UnsupportedValueError(
            "astgrad differentiates np.gradient along one axis (a 1-D array, or `axis=k`): of more axes it is "
            "a list of arrays, one per axis; call it once per axis"
        )
    if len(varargs) > 1 or varargs and np.ndim(varargs[0]) != 0:
        raise UnsupportedValueError("astgrad differentiates np.gradient at one spacing (a number), not at coordinates")
    if edge_order not in (1, 2):
        raise UnsupportedValueError(f"np.gradient's edge_order is 1 or 2 (got {edge_order!r})")
    return (0 if axis is None else axis % ndim), float(varargs[0]) if varargs else 1.0


def gradient_of(t: Any, f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """`np.gradient(t, h, axis=axis, edge_order=e)` where `f` (whose shape t has) is one array's
    differences along one axis (_gradient_form): the tangent of np.gradient, linear in t."""
    ax, h = _gradient_form(f, varargs, axis, edge_order)
    return np.gradient(t, h, axis=ax, edge_order=edge_order)


def gradient_adjoint(g: Any, f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """The adjoint of `f` in `np.gradient(f, h, axis=axis, edge_order=e)` (linear in f) given the
    result's adjoint `g`: each difference's adjoint given back to the elements it reads, with
    their weights (central differences inside, one-sided ones of order e at the ends)."""
    ax, h = _gradient_form(f, varargs, axis, edge_order)
    g = np.moveaxis(np.asarray(g, dtype=np.result_type(g, float)), ax, 0)
    n = g.shape[0]
    out = np.zeros(g.shape, dtype=g.dtype)
    out[2:] += g[1 : n - 1] / (2 * h)
    out[: n - 2] -= g[1 : n - 1] / (2 * h)
    if edge_order == 1:
        out[1] += g[0] / h
        out[0] -= g[0] / h
        out[n - 1] += g[n - 1] / h
        out[n - 2] -= g[n - 1] / h
    else:
        for k, w in ((0, -1.5), (1, 2.0), (2, -0.5)):
            out[k] += w * g[0] / h
            out[n - 1 - k] -= w * g[n - 1] / h
    return np.moveaxis(out, 0, ax)


def running_positions(array: Any, y: Any, axis: Any = 0) -> Any:
    """Where along `axis` each element of `y = np.maximum.accumulate(array, axis)` (or minimum's)
    takes its value from: the last position up to it whose element is the running extremum
    itself (a tie goes to the latest)."""
    a = np.asarray(array)
    ax = axis % a.ndim
    steps = np.arange(a.shape[ax]).reshape((-1,) + (1,) * (a.ndim - ax - 1))
    return np.maximum.accumulate(np.where(a == y, steps, 0), axis=ax)


def untake_along_axis(g: Any, arr: Any, indices: Any, axis: Any = -1) -> Any:
    """The adjoint of np.take_along_axis(arr, indices, axis): `g` added back where it was read
    (an index read twice gets both)."""
    g = np.asarray(g)
    out = np.zeros(np.shape(arr), dtype=np.result_type(g, arr, 1.0))
    if axis is None:
        np.add.at(out.reshape(-1), np.asarray(indices), g)
        return out
    ax = axis % out.ndim
    idx = np.asarray(indices)
    if idx.ndim != out.ndim:
        raise UnsupportedValueError("np.take_along_axis: indices and arr must have the same number of dimensions")
    # indices may broadcast against arr along the other axes
    shape = tuple(max(a, b) if k != ax else b for k, (a, b) in enumerate(zip(out.shape, idx.shape)))
    idx = np.broadcast_to(idx, shape)
    np.add.at(out, _along_axis_index(idx, ax), np.broadcast_to(g, shape))
    return out


def unappend(g: Any, arr: Any, values: Any, axis: Any, which: int) -> Any:
    """The adjoint of `arr` (which=0) or `values` (which=1) in np.append(arr, values, axis)."""
    g = np.asarray(g)
    if axis is None:
        n = np.size(arr)
        part = g[:n] if which == 0 else g[n:]
        return np.reshape(part, np.shape(arr if which == 0 else values))
    ax = axis % g.ndim
    n = np.shape(arr)[ax]
    part = g[(slice(None),) * ax + ((slice(None, n) if which == 0 else slice(n, None)),)]
    return np.reshape(part, np.shape(arr if which == 0 else values))


def unjoin(g: Any, tup: Any, how: str) -> list:
    """The adjoint of np.column_stack(tup) (how='column') or np.dstack(tup) (how='depth'): `g`
    cut into one piece per part, shaped like the part."""
    shapes = [np.shape(p) for p in tup]
    if how == "column":
        widths = [1 if len(s) < 2 else s[1] for s in shapes]
        axis = 1
    else:
        widths = [1 if len(s) < 3 else s[2] for s in shapes]
        axis = 2
    pieces = np.split(np.asarray(g), np.cumsum(widths)[:-1], axis=axis)
    return [np.reshape(p, s) for p, s in zip(pieces, shapes)]


def _block_depth(arrays: Any) -> int:
    return 1 + _block_depth(arrays[0]) if isinstance(arrays, list) else 0


def unblock(g: Any, arrays: Any) -> Any:
    """The adjoint of np.block(arrays) (nested lists): `g` cut as np.block joined the pieces (the
    innermost lists along the last axis, the next along the one before, ...), each piece shaped
    like its array, in the lists' nesting."""
    if not isinstance(arrays, list):
        raise UnsupportedValueError("astgrad differentiates np.block of (nested) lists of arrays")
    depth = _block_depth(arrays)
    g = np.asarray(g)

    def cut(piece: Any, part: Any, level: int) -> Any:
        if not isinstance(part, list):
            return np.reshape(piece, np.shape(part))
        axis = piece.ndim - (depth - level)
        sizes = []
        for child in part:
            shape = np.shape(np.block(child)) if isinstance(child, list) else np.shape(child)
            shape = (1,) * (piece.ndim - len(shape)) + tuple(shape)
            sizes.append(shape[axis])
        pieces = np.split(piece, np.cumsum(sizes)[:-1], axis=axis)
        return [cut(p, c, level + 1) for p, c in zip(pieces, part)]

    return cut(g, arrays, 0)


def split_axis(ary: Any, kind: str) -> int:
    """The axis np.hsplit (kind 'h'), np.vsplit ('v') or np.dsplit ('d') splits `ary` along."""
    if kind == "h":
        return 0 if np.ndim(ary) == 1 else 1
    return 0 if kind == "v" else 2


def rot90_back(k: Any) -> Any:
    """The number of quarter turns that undoes np.rot90(m, k)."""
    return -k


def _conv_offset(n: int, m: int, mode: str, correlate: bool = False) -> int:
    """Where np.convolve(a, v, mode) (or np.correlate) starts inside the full result (lengths n
    and m). np.correlate with a shorter `a` correlates the other way round and reverses, which
    moves its 'same' window by one when n is even."""
    if mode == "full":
        return 0
    if mode == "same":
        if correlate and n < m:
            return n - 1 - (n - 1) // 2
        return (min(n, m) - 1) // 2
    return min(n, m) - 1  # valid


def conv_mode(mode: Any) -> str:
    """`mode` of np.convolve / np.correlate as a string ('full', 'same', 'valid'; NumPy also takes
    0, 1, 2)."""
    names = {0: "valid", 1: "same", 2: "full"}
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, bool) and int(mode) in names:
        return names[int(mode)]
    if mode in ("full", "same", "valid"):
        return mode
    raise UnsupportedValueError(f"np.convolve / np.correlate: unknown mode {mode!r}")


def unconvolve(g: Any, a: Any, v: Any, mode: Any, which: int, correlate: bool = False) -> Any:
    """The adjoint of `a` (which=0) or `v` (which=1) in np.convolve(a, v, mode), or in
    np.correlate(a, v, mode) (real vectors), which is the convolution of a with v reversed: the
    full-length adjoint is g placed where the mode's window lies in the full result; a's adjoint
    is its correlation with the other factor over the valid range, v's likewise."""
    mode = conv_mode(mode)
    a, v, g = np.atleast_1d(a), np.atleast_1d(v), np.asarray(g)
    if np.iscomplexobj(a) or np.iscomplexobj(v):
        raise UnsupportedValueError("astgrad differentiates np.convolve and np.correlate of real vectors only")
    n, m = a.shape[0], v.shape[0]
    kernel = v[::-1] if correlate else v
    full = np.zeros(n + m - 1, dtype=np.result_type(g, a, v, 1.0))
    off = _conv_offset(n, m, mode, correlate)
    length = n + m - 1 if mode == "full" else max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1
    full[off : off + length] = g
    if which == 0:
        return np.correlate(full, kernel, "valid")
    out = np.correlate(full, a, "valid")
    return out[::-1] if correlate else out


def unconvolve_dot(g: Any, a: Any, v: Any, mode: Any, which: int, correlate: bool, j: int) -> Any:
    """unconvolve(g, a, v, mode, which, correlate) with factor j standing for its tangent: 0.0 when
    j is `which` (that factor gives its length only), else unconvolve itself (linear in it)."""
    return 0.0 if j == which else unconvolve(g, a, v, mode, which, correlate)


def interp_check(xp: Any, period: Any) -> None:
    """Refuse np.interp with `period` (astgrad differentiates the plain piecewise-linear one)."""
    if period is not None:
        raise UnsupportedValueError("astgrad differentiates np.interp without period only")


def interp_slope(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """∂/∂x of np.interp(x, xp, fp, left, right): the slope of the segment x falls in, 0 outside
    [xp[0], xp[-1]] (where the value is constant)."""
    interp_check(xp, period)
    xp, fp = np.asarray(xp, dtype=float), np.asarray(fp)
    x = np.asarray(x)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    slope = (fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])
    return np.where((x < xp[0]) | (x > xp[-1]), 0.0, slope)


def interp_fp_adjoint(g: Any, x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """The adjoint of `fp` in np.interp(x, xp, fp, left, right): each output's adjoint shared
    between the two values it interpolates (all of it to fp[0] or fp[-1] beyond the ends, unless
    `left` / `right` replace them there)."""
    interp_check(xp, period)
    xp = np.asarray(xp, dtype=float)
    x = np.ravel(x)
    g = np.ravel(np.broadcast_to(g, np.shape(x)))
    out = np.zeros(np.shape(fp), dtype=np.result_type(g, fp, 1.0))
    n = len(xp)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    t = (x - xp[i]) / (xp[i + 1] - xp[i])
    inside = (x >= xp[0]) & (x <= xp[-1])
    np.add.at(out, i[inside], (g * (1.0 - t))[inside])
    np.add.at(out, i[inside] + 1, (g * t)[inside])
    if left is None:
        out[0] += np.sum(g[x < xp[0]])
    if right is None:
        out[-1] += np.sum(g[x > xp[-1]])
    return out


def interp_end(value: Any) -> Any:
    """The `left` / `right` of a tangent np.interp: 0.0 where the primal has a fixed value (its
    tangent is refused separately), None (extend fp's tangent) where it has none."""
    return None if value is None else 0.0


def ptp_mask(a: Any, y: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """∂ np.ptp(a, axis) / ∂a: the max's mask minus the min's (ties share)."""

    amax = np.max(a, axis=axis, keepdims=keepdims)
    amin = np.min(a, axis=axis, keepdims=keepdims)
    return extremum_mask(a, amax, axis, keepdims) - extremum_mask(a, amin, axis, keepdims)


def _cov_data(m: Any, y: Any, rowvar: bool) -> tuple[Any, list]:
    """The observations matrix np.cov builds (variables in rows) and the row ranges of m and y."""
    parts, spans, start = [], [], 0
    for p in (m, y):
        if p is None:
            spans.append(None)
            continue
        q = np.atleast_2d(np.asarray(p, dtype=float))
        if not rowvar and q.shape[0] != 1:
            q = q.T
        parts.append(q)
        spans.append((start, start + q.shape[0]))
        start += q.shape[0]
    return np.concatenate(parts, axis=0), spans


def _cov_divisor(n: int, bias: bool, ddof: Any) -> float:
    if ddof is None:
        ddof = 0 if bias else 1
    return float(n - ddof)


def _cov_back(x_bar: Any, part: Any, span: tuple, rowvar: bool) -> Any:
    piece = x_bar[span[0] : span[1]]
    q = np.atleast_2d(np.asarray(part))
    if not rowvar and q.shape[0] != 1:
        piece = piece.T
    return np.reshape(piece, np.shape(part))


def cov_adjoint(
    g: Any, m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None, which: int = 0
) -> Any:
    """The adjoint of `m` (which=0) or `y` (which=1) in np.cov(m, y, rowvar, bias, ddof): with X
    the centred observations (variables in rows) and C = X Xᵀ / d, X's adjoint is (Ḡ + Ḡᵀ) X / d
    (its rows sum to zero, so centring passes it through)."""
    data, spans = _cov_data(m, y, rowvar)
    xc = data - np.mean(data, axis=1, keepdims=True)
    k = data.shape[0]
    g = np.broadcast_to(g, (k, k)) if np.ndim(g) == 0 else np.reshape(g, (k, k))
    x_bar = (g + g.T) @ xc / _cov_divisor(data.shape[1], bias, ddof)
    return _cov_back(x_bar, m if which == 0 else y, spans[which], rowvar)


def cov_tangent(
    m_dot: Any, y_dot: Any, m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None
) -> Any:
    """The tangent of np.cov(m, y, ...) along m_dot and y_dot (either may be the number 0.0):
    (Ẋ Xᵀ + X Ẋᵀ) / d with X and Ẋ centred."""
    data, spans = _cov_data(m, y, rowvar)
    dm = np.zeros(np.shape(m)) if np.ndim(m_dot) == 0 and np.ndim(m) > 0 else m_dot
    dy = None if y is None else (np.zeros(np.shape(y)) if np.ndim(y_dot) == 0 and np.ndim(y) > 0 else y_dot)
    ddata, _ = _cov_data(dm, dy, rowvar)
    xc = data - np.mean(data, axis=1, keepdims=True)
    dxc = ddata - np.mean(ddata, axis=1, keepdims=True)
    c = (dxc @ xc.T + xc @ dxc.T) / _cov_divisor(data.shape[1], bias, ddof)
    return c[0, 0] if data.shape[0] == 1 else c


def corrcoef_cov_adjoint(g: Any, r: Any, c: Any) -> Any:
    """The adjoint of the covariance C in R = C / √(diag C diag Cᵀ), given R's adjoint `g`:
    C̄_ij = Ḡ_ij / s_ij, less Σ_j (Ḡ_ij + Ḡ_ji) R_ij / (2 C_ii) on the diagonal."""
    c = np.atleast_2d(c)
    r, g = np.atleast_2d(r), np.atleast_2d(np.broadcast_to(g, np.shape(r)))
    d = np.diag(c)
    s = np.sqrt(np.outer(d, d))
    out = g / s
    out[np.diag_indices_from(out)] -= np.sum((g + g.T) * r, axis=1) / (2.0 * d)
    return out


def corrcoef_tangent(c_dot: Any, r: Any, c: Any) -> Any:
    """The tangent of R = corrcoef given the covariance's tangent: Ċ_ij / s_ij -
    R_ij (Ċ_ii / C_ii + Ċ_jj / C_jj) / 2."""
    shape = np.shape(r)
    c, r, c_dot = np.atleast_2d(c), np.atleast_2d(r), np.atleast_2d(c_dot)
    d = np.diag(c)
    q = np.diag(c_dot) / d
    return np.reshape(c_dot / np.sqrt(np.outer(d, d)) - 0.5 * r * (q[:, None] + q[None, :]), shape)


def drop_initial(g: Any, axis: Any, include_initial: bool) -> Any:
    """The adjoint of np.cumulative_sum / cumulative_prod's result without the leading initial
    value (which depends on nothing) when `include_initial`."""
    if not include_initial:
        return g
    g = np.asarray(g)
    ax = 0 if axis is None else axis % g.ndim
    return g[(slice(None),) * ax + (slice(1, None),)]


def cumulative_axis(x: Any, axis: Any) -> int:
    """The axis np.cumulative_sum / cumulative_prod run along (None is allowed for vectors only)."""
    return 0 if axis is None else axis


def vector_norm_weight(x: Any, y: Any, ord: Any = 2, axis: Any = None, keepdims: bool = False) -> Any:
    """∂y/∂x for y = np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord), shaped
    like x: sign(x) (|x| / y)^(p-1) for finite p ≥ 1 and for 0 < p < 1 away from zeros, the mask
    of the largest (smallest) |x| for ord=inf (-inf), ties sharing; ord=0 (a count) has none."""
    x = np.asarray(x)
    scale = norm_scale(x, y, axis, keepdims)
    ax = tuple(range(x.ndim)) if axis is None else axis
    if ord in (np.inf, -np.inf):
        ax_abs = np.abs(x)
        kept = np.max(ax_abs, axis=ax, keepdims=True) if ord == np.inf else np.min(ax_abs, axis=ax, keepdims=True)
        return abs_slope(x) * extremum_mask(ax_abs, kept, ax, True)
    p = float(ord)
    if p == 0 or not np.isfinite(p):
        raise UnsupportedValueError(f"astgrad has no derivative rule for np.linalg.vector_norm with ord={ord!r}")
    if p == 2.0 and not np.iscomplexobj(x):
        return x / scale
    if p == 1.0:
        return abs_slope(x)
    return abs_slope(x) * (np.abs(x) / scale) ** (p - 1.0)


def with_initial(t: Any, axis: Any, include_initial: bool) -> Any:
    """`t` with a zero prepended along `axis` when `include_initial` (the tangent of the initial
    value np.cumulative_sum / cumulative_prod put first)."""
    if not include_initial:
        return t
    t = np.asarray(t)
    ax = 0 if axis is None else axis % t.ndim
    pad = [(0, 0)] * t.ndim
    pad[ax] = (1, 0)
    return np.pad(t, pad)


def outer_left(a: Any, b: Any) -> Any:
    """`a` with one length-1 axis appended per axis of `b`: ufunc.outer(a, b) is op(this, b)."""
    return np.reshape(a, np.shape(a) + (1,) * np.ndim(b))


def interp_outside(g: Any, x: Any, xp: Any, side: str) -> Any:
    """The adjoint of np.interp's `left` (side 'left') or `right`: the sum of `g` where x lies
    beyond that end of xp."""
    x = np.asarray(x)
    beyond = x < xp[0] if side == "left" else x > xp[-1]
    return np.sum(np.where(beyond, g, 0.0))


def interp_outside_mask(x: Any, xp: Any, side: str) -> Any:
    """1.0 where x lies beyond the `side` end of xp, else 0.0 (where np.interp returns left/right)."""
    x = np.asarray(x)
    return (x < xp[0] if side == "left" else x > xp[-1]).astype(float)


# --- np.trapezoid and np.polyval (rules/numpy_extra_rules.py) ------------------------------------------


def _spacing(y: Any, x: Any, dx: Any, axis: int) -> Any:
    """The widths Δ of np.trapezoid's intervals along axis, shaped to broadcast against y's
    (n - 1) neighbour pairs: diff(x) (x a vector along axis, or shaped like y), or dx."""
    y = np.asarray(y)
    ax = axis % y.ndim
    if x is None:
        return np.asarray(dx)
    x = np.asarray(x)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[ax] = x.shape[0] - 1
        return np.reshape(np.diff(x), shape)
    return np.diff(x, axis=ax)


def _pair_means(y: Any, axis: int) -> Any:
    """(y_k + y_{k+1}) / 2 along axis."""
    y = np.asarray(y)
    ax = axis % y.ndim
    lo = np.take(y, np.arange(y.shape[ax] - 1), axis=ax)
    hi = np.take(y, np.arange(1, y.shape[ax]), axis=ax)
    return 0.5 * (lo + hi)


def trapezoid_adjoint(g: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1, which: int = 0) -> Any:
    """The adjoint of y (which=0), x (1) or dx (2) in np.trapezoid(y, x, dx, axis) = Σ_k m_k Δ_k with
    m_k = (y_k + y_{k+1}) / 2: ȳ gets ḡ (Δ_{k-1} + Δ_k) / 2, x̄_i = ḡ (m_{i-1} - m_i), d̄x = Σ ḡ m."""

    y = np.asarray(y)
    ax = axis % y.ndim
    gx = np.expand_dims(g, ax)
    if which == 0:
        w = np.broadcast_to(_spacing(y, x, dx, ax), _pair_means(y, ax).shape) * gx
        pad = [(0, 0)] * y.ndim
        pad[ax] = (1, 0)
        left = np.pad(w, pad)
        pad[ax] = (0, 1)
        right = np.pad(w, pad)
        return 0.5 * (left + right)
    m = _pair_means(y, ax) * gx
    if which == 2:  # (dx is read only without x)
        return unbroadcast(m, dx) if x is None else np.zeros(np.shape(dx))
    xb = undiff(m, 1, ax)  # the adjoint of Δ = diff(x) along axis
    if np.ndim(x) == 1:
        return np.sum(xb, axis=tuple(i for i in range(y.ndim) if i != ax))
    return unbroadcast(xb, x)


def trapezoid_tangent(y_dot: Any, x_dot: Any, dx_dot: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """The tangent of np.trapezoid(y, x, dx, axis) along y_dot, x_dot, dx_dot (each may be the
    number 0.0): Σ ṁ Δ + Σ m Δ̇."""
    y = np.asarray(y)
    ax = axis % y.ndim
    out = 0.0
    if not (np.ndim(y_dot) == 0 and y.ndim > 0):
        out = out + np.sum(_pair_means(np.broadcast_to(y_dot, y.shape), ax) * _spacing(y, x, dx, ax), axis=ax)
    m = _pair_means(y, ax)
    if x is not None and not (np.ndim(x_dot) == 0 and np.ndim(x) > 0):
        out = out + np.sum(m * _spacing(y, np.broadcast_to(x_dot, np.shape(x)), 1.0, ax), axis=ax)
    if x is None and np.any(np.asarray(dx_dot) != 0):
        out = out + np.sum(m * np.asarray(dx_dot), axis=ax)
    return out


def polyval_coefficients_adjoint(g: Any, p: Any, x: Any) -> Any:
    """The adjoint of p in np.polyval(p, x) = Σ_k p_k x^{n-1-k}: Σ ḡ x^{n-1-k} over x's elements."""
    x = np.ravel(np.asarray(x, dtype=float))
    g = np.ravel(np.broadcast_to(g, np.shape(x) if np.size(g) == 1 else np.shape(g)))
    return np.vander(x, len(p)).T @ np.broadcast_to(g, x.shape)


def poly_derivative(p: Any) -> Any:
    """The coefficients of p's derivative (np.polyder), as an array even for a constant p."""
    p = np.asarray(p, dtype=float)
    return np.polyder(p) if p.shape[0] > 1 else np.zeros(1)


# --- np.select and np.choose (rules/parity_rules.py) ------------------------------------------------
# np.select(condlist, choicelist, default) is np.choose(k, [*choicelist, default]) with k the number
# of the first condition that holds (len(choicelist) where none does): both adjoints are unchoose's


def selected_choice(condlist: Any, choicelist: Any) -> Any:
    """The number of the choice np.select(condlist, choicelist) takes at each element: that of the
    first condition that holds, len(choicelist) (the default) where none does."""
    n = len(choicelist)
    return np.select(list(condlist), list(range(n)), n)


def none_holds(condlist: Any) -> Any:
    """Where none of np.select's conditions holds (its default is taken)."""
    return ~np.any(np.broadcast_arrays(*[np.asarray(c, dtype=bool) for c in condlist]), axis=0)


def chosen_index(a: Any, choices: Any, mode: Any = "raise") -> Any:
    """The number of the choice np.choose(a, choices, mode=mode) takes at each element."""
    n = len(choices)
    if mode == "wrap":
        return np.mod(a, n)
    if mode == "clip":
        return np.clip(a, 0, n - 1)
    return np.asarray(a)


def unchoose(g: Any, index: Any, choices: Any) -> Any:
    """The adjoints of the choices of np.choose(index, choices): each choice's `g` where `index`
    names it (unbroadcast to its shape); one array of choices' shape for an array of choices."""
    parts = [unbroadcast(np.where(index == i, g, 0.0), c) for i, c in enumerate(choices)]
    return np.stack(parts) if isinstance(choices, np.ndarray) else parts


def rechoose(h: Any, index: Any, g: Any) -> Any:
    """The adjoint of `g` in unchoose(g, index, choices), given the choices' adjoints `h`: each
    element from the choice `index` names, 0 where it names none (np.select's default), in g's shape."""
    return np.broadcast_to(np.choose(index, [*h, 0.0]), np.shape(g))


# --- np.meshgrid (rules/parity_rules.py) ------------------------------------------------------------


def _mesh_axis(k: int, n: int, indexing: str) -> int:
    """The axis along which np.meshgrid's k-th of n inputs runs in the outputs ('xy' swaps the first two)."""
    return {0: 1, 1: 0}.get(k, k) if indexing == "xy" and n >= 2 else k


def mesh_axes(y: Any, k: int, indexing: str = "xy") -> tuple:
    """The axes of np.meshgrid's outputs `y` along which its k-th input is repeated: its adjoint is
    the k-th output's adjoint summed over them."""
    n = len(y)
    along = _mesh_axis(k, n, indexing)
    return tuple(i for i in range(n) if i != along)


def meshgrid_dot(y: Any, indexing: str, *dots: Any) -> tuple:
    """The tangent of `y = np.meshgrid(*xs, indexing=indexing)` (sparse or not) given the inputs'
    tangents `dots` (a number 0 for an input without one): each along its axis, repeated as y's."""
    n = len(y)
    out = []
    for k, (d, yk) in enumerate(zip(dots, y)):
        shape = [1] * n
        shape[_mesh_axis(k, n, indexing)] = -1
        out.append(np.array(np.broadcast_to(np.reshape(d, shape), np.shape(yk)), dtype=np.result_type(d, yk, 1.0)))
    return tuple(out)


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
