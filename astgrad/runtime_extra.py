"""Run-time helpers of the rules in rules/special_rules.py, nan_rules.py, numpy_extra_rules.py,
fft_rules.py, linalg_extra_rules.py and scipy_rules.py.

astgrad.runtime re-exports every name here, so generated code imports them from the one stable
path `astgrad.runtime`. Each helper either computes a piece of a derivative or refuses, with a
ValueError naming the function and the parameter, an argument form its rule does not handle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .runtime import unreduce

# --- refusals ------------------------------------------------------------------------------------


def ones_if_none(b: Any) -> Any:
    """`b`, or 1.0 for None (an optional scale factor left out)."""
    return 1.0 if b is None else b


# --- scipy.special -------------------------------------------------------------------------------


def lse_weights(a: Any, b: Any, y: Any, axis: Any = None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """exp(a - y) in the broadcast shape of `a` and `b`, for y = logsumexp(a, axis, b, keepdims):
    ∂y/∂b = exp(a - y) and ∂y/∂a = b exp(a - y). Refuses return_sign=True."""
    if return_sign:
        raise ValueError("astgrad differentiates scipy.special.logsumexp with return_sign=False only")
    a = np.asarray(a)
    full = a if b is None else np.broadcast_to(a, np.broadcast_shapes(a.shape, np.shape(b)))
    return np.exp(full - unreduce(y, full, axis, keepdims))


def multidigamma(a: Any, d: int) -> Any:
    """The derivative of scipy.special.multigammaln(a, d): Σ_{j<d} digamma(a - j/2)."""
    from scipy import special

    return sum(special.digamma(np.asarray(a) - 0.5 * j) for j in range(int(d)))


# --- NaN-ignoring reductions (rules/nan_rules.py) ---------------------------------------------------


def not_nan(a: Any) -> Any:
    """1.0 where `a` is a number, 0.0 where it is NaN (in a's floating type)."""
    a = np.asarray(a)
    return (~np.isnan(a)).astype(np.result_type(a, 1.0))


def nan_count(a: Any, axis: Any = None) -> Any:
    """How many numbers (not NaN) each reduction of `a` over `axis` combines (axes kept)."""
    return np.sum(~np.isnan(a), axis=axis, keepdims=True)


def nan_to_zero(a: Any) -> Any:
    """`a` with NaN replaced by 0."""
    return np.where(np.isnan(a), 0.0, a)


def nan_to_one(a: Any) -> Any:
    """`a` with NaN replaced by 1 (what np.nanprod and np.nancumprod multiply by)."""
    return np.where(np.isnan(a), 1.0, a)


def nan_centered(a: Any, axis: Any = None) -> Any:
    """`a` minus its NaN-ignoring mean over `axis`, with 0 where `a` is NaN."""
    return nan_to_zero(a - np.nanmean(a, axis=axis, keepdims=True))


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


def untake_along_axis(g: Any, arr: Any, indices: Any, axis: Any = -1) -> Any:
    """The adjoint of np.take_along_axis(arr, indices, axis): `g` added back where it was read
    (an index read twice gets both)."""
    g = np.asarray(g)
    out = np.zeros(np.shape(arr), dtype=np.result_type(g, arr, 1.0))
    if axis is None:
        np.add.at(out.reshape(-1), np.asarray(indices), g)
        return out
    ax = axis % out.ndim
    g = np.broadcast_to(g, np.shape(indices))
    idx = np.asarray(indices)
    if idx.ndim != out.ndim:
        raise ValueError("np.take_along_axis: indices and arr must have the same number of dimensions")
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
    raise ValueError(f"np.convolve / np.correlate: unknown mode {mode!r}")


def unconvolve(g: Any, a: Any, v: Any, mode: Any, which: int, correlate: bool = False) -> Any:
    """The adjoint of `a` (which=0) or `v` (which=1) in np.convolve(a, v, mode), or in
    np.correlate(a, v, mode) (real vectors), which is the convolution of a with v reversed: the
    full-length adjoint is g placed where the mode's window lies in the full result; a's adjoint
    is its correlation with the other factor over the valid range, v's likewise."""
    mode = conv_mode(mode)
    a, v, g = np.atleast_1d(a), np.atleast_1d(v), np.asarray(g)
    if np.iscomplexobj(a) or np.iscomplexobj(v):
        raise ValueError("astgrad differentiates np.convolve and np.correlate of real vectors only")
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


def interp_check(xp: Any, period: Any) -> None:
    """Refuse np.interp with `period` (astgrad differentiates the plain piecewise-linear one)."""
    if period is not None:
        raise ValueError("astgrad differentiates np.interp without period only")


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
    from .runtime import extremum_mask

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
    scale = unreduce(y, x, axis, keepdims)
    ax = tuple(range(x.ndim)) if axis is None else axis
    if ord in (np.inf, -np.inf):
        from .runtime import extremum_mask

        ax_abs = np.abs(x)
        kept = np.max(ax_abs, axis=ax, keepdims=True) if ord == np.inf else np.min(ax_abs, axis=ax, keepdims=True)
        return np.sign(x) * extremum_mask(ax_abs, kept, ax, True)
    p = float(ord)
    if p == 0 or not np.isfinite(p):
        raise ValueError(f"astgrad has no derivative rule for np.linalg.vector_norm with ord={ord!r}")
    if p == 2.0:
        return x / scale
    if p == 1.0:
        return np.sign(x)
    return np.sign(x) * (np.abs(x) / scale) ** (p - 1.0)


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


# --- complex values and np.fft (rules/fft_rules.py) -------------------------------------------------
# The adjoint of a complex value c is ∂L/∂Re c - i ∂L/∂Im c (so a holomorphic f has adjoint
# ȳ f'(x), as the elementwise rules write it); a real input's adjoint is the real part of what a
# complex one would get.


def real_if_real(g: Any, x: Any) -> Any:
    """`g`, or its real part when `x` is real (a real input's adjoint is real)."""
    if np.iscomplexobj(g) and not np.iscomplexobj(x):
        return np.real(g)
    return g


def abs_slope(x: Any) -> Any:
    """conj(x) / |x| (0 at 0): y = |x| changes by Re(abs_slope(x) dx), and x's adjoint is
    ȳ abs_slope(x). For real x it is sign(x)."""
    s = np.sign(x)
    return np.conj(s) if np.iscomplexobj(s) else s


def real_slope_zero(t: Any, x: Any) -> Any:
    """The derivative of abs_slope(x) along t: 0 for a real x (sign is piecewise constant); a
    complex x is refused (second derivatives of |x| at complex x are not implemented)."""
    if np.iscomplexobj(x):
        raise ValueError("astgrad has no second derivative of np.abs at complex values")
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


def imag_adjoint(g: Any, x: Any) -> Any:
    """The adjoint of `x` in y = np.imag(x): -i ȳ, or 0 for a real x (whose imaginary part is 0)."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    return -1j * np.asarray(g)


def fit_to(g: Any, x: Any) -> Any:
    """`g` cut off or padded with zeros at the end of each axis to the shape of `x` (the adjoint of
    the padding or cutting np.fft does for a given n or s)."""
    g = np.asarray(g)
    shape = np.shape(x)
    if g.shape == shape:
        return g
    g = g[tuple(slice(0, min(a, b)) for a, b in zip(g.shape, shape))]
    return np.pad(g, [(0, b - a) for a, b in zip(g.shape, shape)])


def fft_axes(a: Any, s: Any = None, axes: Any = None) -> tuple[int, ...]:
    """The axes np.fft.fftn(a, s, axes) transforms (all, or the last len(s) when only s is given)."""
    nd = np.ndim(a)
    if axes is None:
        return tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
    return tuple(int(ax) % nd for ax in axes)


def _extend(g: Any, axis: int, n: int) -> Any:
    """`g` padded with zeros (or cut) along `axis` to length n."""
    g = np.asarray(g)
    m = g.shape[axis]
    if m >= n:
        return g[(slice(None),) * axis + (slice(0, n),)]
    pad = [(0, 0)] * g.ndim
    pad[axis] = (0, n - m)
    return np.pad(g, pad)


def as_s(n: Any) -> Any:
    """The `s` of the n-dimensional transform that a one-dimensional one of length `n` is."""
    return None if n is None else (n,)


_DUAL_NORM = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def fft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None, inverse: bool = False) -> Any:
    """The adjoint of `a` in np.fft.fftn(a, s, axes, norm) (or ifftn; fft, ifft, fft2, ifft2 with
    the matching axes): the transform's matrix is symmetric, so its transpose is the transform
    itself, applied to g, then cut or padded back to a's shape."""
    ax = fft_axes(a, s, axes)
    out = (np.fft.ifftn if inverse else np.fft.fftn)(g, axes=ax, norm=norm)
    return real_if_real(fit_to(out, a), a)


def rfft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None) -> Any:
    """The adjoint of `a` in np.fft.rfftn(a, s, axes, norm) (rfft, rfft2 likewise): rfftn keeps the
    first n//2 + 1 outputs of the full transform along the last axis, so g is padded with zeros
    back to n there, then transformed as by fft_adjoint."""
    ax = fft_axes(a, s, axes)
    n = np.shape(a)[ax[-1]] if s is None else s[-1]
    out = np.fft.fftn(_extend(g, ax[-1], n), axes=ax, norm=norm)
    return np.real(fit_to(out, a))


def irfft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None) -> Any:
    """The adjoint of `a` in np.fft.irfftn(a, s, axes, norm) (irfft, irfft2 likewise). Along the
    last axis y_t = c (Re a_0 + 2 Σ Re(a_k e^{2πikt/n}) [+ Re a_{n/2} (-1)^t]), so
    ā_k = c w_k conj(Σ_t ȳ_t e^{-2πikt/n}) with w_k = 2, and 1 at k = 0 and (n even) k = n/2: an
    rfft of ȳ with the dual normalisation; the other axes are an ifftn (its own transpose)."""
    ax = fft_axes(a, s, axes)
    last = ax[-1]
    n = 2 * (np.shape(a)[last] - 1) if s is None else s[-1]
    out = np.conj(np.fft.rfft(np.asarray(g, dtype=float), n, axis=last, norm=_DUAL_NORM[norm]))
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    out = out * np.reshape(w, (-1,) + (1,) * (out.ndim - 1 - last))
    if len(ax) > 1:
        out = np.fft.ifftn(out, axes=ax[:-1], norm=norm)
    return real_if_real(fit_to(out, a), a)


# --- np.einsum with any number of operands, '...' and repeated indices ------------------------------


def _einsum_specs(subscripts: Any, shapes: list) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with '...' written out as letters and
    an implicit output made explicit (ellipsis axes first, then the letters used once, sorted)."""
    if not isinstance(subscripts, str):
        raise ValueError("astgrad differentiates np.einsum with a subscripts string (not the interleaved form)")
    spec = subscripts.replace(" ", "")
    inputs, arrow, out = spec.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(shapes):
        raise ValueError(f"np.einsum: {len(specs)} operand subscripts for {len(shapes)} operands")
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
    for its shape only (0.0)."""
    if j == which:
        return 0.0
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
