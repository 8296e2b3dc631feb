"""Run-time helpers of the rules in rules/special_rules.py, nan_rules.py, numpy_extra_rules.py,
fft_rules.py, linalg_extra_rules.py and scipy_rules.py.

astgrad.runtime re-exports every name here, so generated code imports them from the one stable
path `astgrad.runtime`. Each helper either computes a piece of a derivative or refuses, with a
ValueError naming the function and the parameter, an argument form its rule does not handle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import UnsupportedValueError
from .runtime_shapes import extremum_mask, from_triangle, to_triangle, tril_half, unbroadcast, undiff, unreduce

# --- refusals ------------------------------------------------------------------------------------


def ones_if_none(b: Any) -> Any:
    """`b`, or 1.0 for None (an optional scale factor left out)."""
    return 1.0 if b is None else b


# --- scipy.special -------------------------------------------------------------------------------


def lse_weights(a: Any, b: Any, y: Any, axis: Any = None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """exp(a - y) in the broadcast shape of `a` and `b`, for y = logsumexp(a, axis, b, keepdims):
    ∂y/∂b = exp(a - y) and ∂y/∂a = b exp(a - y). Refuses return_sign=True."""
    if return_sign:
        raise UnsupportedValueError("astgrad differentiates scipy.special.logsumexp with return_sign=False only")
    a = np.asarray(a)
    full = a if b is None else np.broadcast_to(a, np.broadcast_shapes(a.shape, np.shape(b)))
    return np.exp(full - unreduce(y, full, axis, keepdims))


def spence_slope(z: Any) -> Any:
    """The derivative of scipy.special.spence(z) = ∫₁ᶻ log t / (1 - t) dt: log z / (1 - z), and -1
    at z = 1."""
    z = np.asarray(z, dtype=float)
    one = z == 1.0
    safe = np.where(one, 0.5, z)
    return np.where(one, -1.0, np.log(safe) / (1.0 - safe))


def expn_slope(n: Any, x: Any) -> Any:
    """The derivative of scipy.special.expn(n, x) = ∫₁^∞ e^{-xt} / tⁿ dt in x: -E_{n-1}(x), and
    -e^{-x} (1 + x) / x² for n = 0 (E_0(x) = e^{-x} / x)."""
    from scipy import special

    n, x = np.asarray(n), np.asarray(x, dtype=float)
    e0 = -np.exp(-x) * (1.0 + x) / (x * x)
    return np.where(n >= 1, -special.expn(np.maximum(n - 1, 0), x), e0)


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
    scale = unreduce(y, x, axis, keepdims)
    ax = tuple(range(x.ndim)) if axis is None else axis
    if ord in (np.inf, -np.inf):
        ax_abs = np.abs(x)
        kept = np.max(ax_abs, axis=ax, keepdims=True) if ord == np.inf else np.min(ax_abs, axis=ax, keepdims=True)
        return np.sign(x) * extremum_mask(ax_abs, kept, ax, True)
    p = float(ord)
    if p == 0 or not np.isfinite(p):
        raise UnsupportedValueError(f"astgrad has no derivative rule for np.linalg.vector_norm with ord={ord!r}")
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


def abs_slope_dot(t: Any, x: Any) -> Any:
    """The derivative of abs_slope(x) = conj(x) / r (r = |x|) along t: 0 for a real x (sign is
    piecewise constant), conj(t) / r - conj(x) Re(conj(x) t) / r³ for a complex one."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    r = np.abs(x)
    return np.conj(t) / r - np.conj(x) * np.real(np.conj(x) * t) / r**3


def abs_slope_bar(g: Any, x: Any) -> Any:
    """The adjoint of x in abs_slope(x) given the result's adjoint g (the transpose of the
    R-linear abs_slope_dot): 0 for a real x, conj(g) / r - Re(g conj(x)) conj(x) / r³ else."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    r = np.abs(x)
    return np.conj(g) / r - np.real(g * np.conj(x)) * np.conj(x) / r**3


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


# --- np.linalg: svd with vectors, qr, pinv, lstsq, the matrix norms, multi_dot (rules/linalg_extra_rules.py)


def _mT(x: Any) -> Any:
    return np.swapaxes(x, -1, -2)


def _zero_if_none(g: Any, like: Any) -> Any:
    """An adjoint that may be None (an unused output) as an array of like's shape."""
    return np.zeros(np.shape(like)) if g is None else np.broadcast_to(g, np.shape(like))


def _gap_inverse(w: Any, used: bool, label: str) -> Any:
    """F_ij = 1 / (w_j - w_i) off the diagonal (0 on it) for values w (last axis). Where two values
    (nearly) coincide their vectors have no derivative: raises ValueError when `used` (the
    vectors' adjoint is nonzero), and gives NaN in forward mode (used=None), else 0."""
    gap = w[..., None, :] - w[..., :, None]
    n = w.shape[-1]
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None] if n else 1.0
    off = ~np.eye(n, dtype=bool)
    close = (np.abs(gap) <= np.sqrt(np.finfo(float).eps) * scale) & off
    out = np.divide(1.0, gap, out=np.zeros(gap.shape), where=off & ~close)
    if close.any():
        if used is None:
            out[close] = np.nan
        elif used:
            raise UnsupportedValueError(
                f"{label}: the singular vectors are differentiated but singular values are (nearly) repeated, "
                "so the vectors have no derivative; differentiate the singular values only, or a function that "
                "does not depend on the choice of vectors"
            )
    return out


def _svd_hermitian(hermitian: Any) -> None:
    if hermitian:
        raise UnsupportedValueError("astgrad differentiates np.linalg.svd / pinv with hermitian=False only")


def _reduced(u: Any, vh: Any, k: int) -> tuple[Any, Any]:
    """The first k columns of U and rows of Vh (what full_matrices=False returns)."""
    return u[..., :, :k], vh[..., :k, :]


_FULL_VECTORS = (
    "np.linalg.svd: the singular vectors of a non-square matrix are differentiated with full_matrices=False "
    "only (the complete bases are not unique)"
)


def svd_adjoint(
    g: Any, y: Any, a: Any, full_matrices: Any = True, compute_uv: Any = True, hermitian: Any = False
) -> Any:
    """The adjoint of `a` in np.linalg.svd(a, full_matrices, compute_uv) (real, distinct nonzero
    singular values where the vectors are used), with F_ij = 1 / (s_j² - s_i²):
    Ā = U [(F∘(UᵀŪ - ŪᵀU)) S + diag(s̄) + S (F∘(VᵀV̄ - V̄ᵀV))] Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ).
    The complete bases of full_matrices=True (non-square a) are refused when they are used."""
    _svd_hermitian(hermitian)
    a = np.asarray(a)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return (u * np.asarray(g)[..., None, :]) @ vh
    u, s, vh = y[0], y[1], y[2]
    ub, sb, vhb = (None, None, None) if g is None else (g[0], g[1], g[2])
    ub, sb, vhb = _zero_if_none(ub, u), _zero_if_none(sb, s), _zero_if_none(vhb, vh)
    kk = s.shape[-1]
    if u.shape[-1] != kk or vh.shape[-2] != kk:  # full_matrices=True of a non-square matrix
        if np.any(ub[..., :, kk:] != 0) or np.any(vhb[..., kk:, :] != 0):
            raise UnsupportedValueError(_FULL_VECTORS)
        (u, vh), (ub, vhb) = _reduced(u, vh, kk), _reduced(ub, vhb, kk)
    v, vb = _mT(vh), _mT(vhb)
    used = bool(np.any(ub != 0) or np.any(vb != 0))
    f = _gap_inverse(s * s, used, "np.linalg.svd")
    j = f * (_mT(u) @ ub - _mT(ub) @ u)
    k = f * (_mT(v) @ vb - _mT(vb) @ v)
    core = j * s[..., None, :] + s[..., :, None] * k + sb[..., :, None] * np.eye(kk)
    out = u @ core @ vh
    m, n = a.shape[-2], a.shape[-1]
    if m > kk and used:
        out = out + (ub - u @ (_mT(u) @ ub)) / s[..., None, :] @ vh
    if n > kk and used:
        out = out + (u / s[..., None, :]) @ (_mT(vb) - (_mT(vb) @ v) @ vh)
    return out


def svd_tangent(
    t: Any, y: Any, a: Any, full_matrices: Any = True, compute_uv: Any = True, hermitian: Any = False
) -> Any:
    """The tangent of np.linalg.svd(a, ...) along t: with P = Uᵀ t V, ṡ = diag(P),
    U̇ = U (F∘(PS + SPᵀ)) + (I - UUᵀ) t V S⁻¹, V̇ = V (F∘(SP + PᵀS)) + (I - VVᵀ) tᵀ U S⁻¹. The
    vectors' tangents are NaN where they have none (repeated values; the complete bases of
    full_matrices=True), so a function of them comes out NaN rather than wrong."""
    _svd_hermitian(hermitian)
    a = np.asarray(a)
    if not compute_uv:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.einsum("...ij,...ik,...jk->...j", u, t, vh)
    u, s, vh = y[0], y[1], y[2]
    kk = s.shape[-1]
    full = u.shape[-1] != kk or vh.shape[-2] != kk
    if full:
        u, vh = _reduced(u, vh, kk)
    v = _mT(vh)
    t = np.broadcast_to(t, a.shape)
    p = _mT(u) @ t @ v
    f = _gap_inverse(s * s, None, "np.linalg.svd")
    ps = p * s[..., None, :]
    sp = s[..., :, None] * p
    du = u @ (f * (ps + _mT(ps)))  # PS + SPᵀ
    dv = v @ (f * (sp + _mT(sp)))  # SP + PᵀS
    m, n = a.shape[-2], a.shape[-1]
    if m > kk:
        tv = t @ v
        du = du + (tv - u @ (_mT(u) @ tv)) / s[..., None, :]
    if n > kk:
        tu = _mT(t) @ u
        dv = dv + (tu - v @ (_mT(v) @ tu)) / s[..., None, :]
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if full:
        return (np.full(y[0].shape, np.nan), ds, np.full(y[2].shape, np.nan))
    return (du, ds, _mT(dv))


def _qr_check(a: Any, mode: Any) -> None:
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "r", "complete"):
        raise UnsupportedValueError(
            f"astgrad differentiates np.linalg.qr with mode 'reduced', 'complete' or 'r', not {mode!r}"
        )
    if m < n or (mode == "complete" and m != n):
        raise UnsupportedValueError(
            "astgrad differentiates np.linalg.qr of matrices with at least as many rows as columns "
            "(mode 'complete' of square ones only)"
        )


def qr_adjoint(g: Any, y: Any, a: Any, mode: Any = "reduced") -> Any:
    """The adjoint of `a` in np.linalg.qr(a, mode) (m ≥ n, R invertible): with M = R R̄ᵀ - Q̄ᵀ Q,
    Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, copyltu(M) being M's lower triangle mirrored onto its upper."""
    _qr_check(a, mode)
    if mode == "r":
        q, r = np.linalg.qr(a)
        qb, rb = np.zeros(q.shape), np.broadcast_to(g, r.shape)
    else:
        q, r = y[0], y[1]
        qb, rb = (None, None) if g is None else (g[0], g[1])
        qb, rb = _zero_if_none(qb, q), _zero_if_none(rb, r)
    m = r @ _mT(rb) - _mT(qb) @ q
    sym = np.tril(m) + _mT(np.tril(m, -1))
    b = qb + q @ sym
    return _mT(np.linalg.solve(r, _mT(b)))


def qr_tangent(t: Any, y: Any, a: Any, mode: Any = "reduced") -> Any:
    """The tangent of np.linalg.qr(a, mode) along t: with C = Qᵀ t R⁻¹ and Ω = low(C) - low(C)ᵀ
    (low: the strictly lower triangle), Q̇ = Q Ω + t R⁻¹ - Q C and Ṙ = (C - Ω) R."""
    _qr_check(a, mode)
    q, r = np.linalg.qr(a) if mode == "r" else (y[0], y[1])
    t = np.broadcast_to(t, np.shape(a))
    tr = _mT(np.linalg.solve(_mT(r), _mT(t)))  # t R⁻¹
    c = _mT(q) @ tr
    omega = np.tril(c, -1) - _mT(np.tril(c, -1))
    dr = (c - omega) @ r
    if mode == "r":
        return dr
    return (q @ omega + tr - q @ c, dr)


def _pinv_check(hermitian: Any) -> None:
    _svd_hermitian(hermitian)


def pinv_adjoint(g: Any, p: Any, a: Any, hermitian: Any = False) -> Any:
    """The adjoint of `a` in P = np.linalg.pinv(a) (the rank constant near a):
    Ā = -Pᵀ Ḡ Pᵀ + (I - AP) Ḡᵀ P Pᵀ + Pᵀ P Ḡᵀ (I - PA)."""
    _pinv_check(hermitian)
    a = np.asarray(a)
    g = np.broadcast_to(g, np.shape(p))
    pt, gt = _mT(p), _mT(g)
    return -(pt @ g @ pt) + (gt @ p - a @ (p @ gt @ p)) @ pt + pt @ (p @ gt - (p @ gt @ p) @ a)


def pinv_tangent(t: Any, p: Any, a: Any, hermitian: Any = False) -> Any:
    """The tangent of P = np.linalg.pinv(a) along t: -P t P + P Pᵀ tᵀ (I - AP) + (I - PA) tᵀ Pᵀ P."""
    _pinv_check(hermitian)
    a = np.asarray(a)
    t = np.broadcast_to(t, a.shape)
    pt, tt = _mT(p), _mT(t)
    return -(p @ t @ p) + p @ pt @ (tt - (tt @ a) @ p) + (tt - p @ (a @ tt)) @ pt @ p


def _lstsq_columns(v: Any, b: Any) -> Any:
    return np.asarray(v)[:, None] if np.ndim(b) == 1 else np.asarray(v)


def lstsq_adjoint(g: Any, y: Any, a: Any, b: Any, rcond: Any = None, which: int = 0) -> Any:
    """The adjoint of `a` (which=0) or `b` (which=1) in np.linalg.lstsq(a, b, rcond), whose
    result is (x, residuals, rank, s): x = A⁺ b (A⁺'s rank constant near a), the residuals
    Σ (b - Ax)² per column (Aᵀ r = 0 removes x's change from theirs), the singular values s."""
    a = np.asarray(a)
    x, res, _, s = y
    xb, rb, _, sb = (None, None, None, None) if g is None else g
    xb = _lstsq_columns(_zero_if_none(xb, x), b)
    xc, bc = _lstsq_columns(x, b), _lstsq_columns(b, b)
    p = np.linalg.pinv(a, rcond=1e-15 if rcond is None else rcond)
    r = bc - a @ xc
    has_res = np.size(res) > 0 and rb is not None
    if which == 1:
        out = _mT(p) @ xb
        if has_res:
            out = out + 2.0 * r * np.broadcast_to(rb, np.shape(res))
        return np.reshape(out, np.shape(b))
    out = pinv_adjoint(xb @ _mT(bc), p, a)
    if has_res:
        out = out - 2.0 * (r * np.broadcast_to(rb, np.shape(res))) @ _mT(xc)
    if sb is not None and np.any(np.asarray(sb) != 0):
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        out = out + (u * np.asarray(sb)[None, :]) @ vh
    return out


def lstsq_tangent(a_dot: Any, b_dot: Any, y: Any, a: Any, b: Any, rcond: Any = None) -> Any:
    """The tangent of np.linalg.lstsq(a, b, rcond) along a_dot and b_dot (either may be the number
    0.0): (ẋ, the residuals' tangent 2 Σ r (ḃ - ȧ x), 0 for the rank, diag(Uᵀ ȧ V))."""
    a = np.asarray(a)
    x, res, rank, s = y
    da = np.zeros(a.shape) if np.ndim(a_dot) == 0 else np.asarray(a_dot)
    db = np.zeros(np.shape(b)) if np.ndim(b_dot) == 0 and np.ndim(b) > 0 else np.asarray(b_dot)
    xc, bc, dbc = _lstsq_columns(x, b), _lstsq_columns(b, b), _lstsq_columns(db, b)
    p = np.linalg.pinv(a, rcond=1e-15 if rcond is None else rcond)
    dx = pinv_tangent(da, p, a) @ bc + p @ dbc
    r = bc - a @ xc
    dres = np.sum(2.0 * r * (dbc - da @ xc), axis=0) if np.size(res) > 0 else np.zeros(np.shape(res))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    ds = np.einsum("ij,ik,jk->j", u, da, vh)
    return (np.reshape(dx, np.shape(x)), np.reshape(dres, np.shape(res)), 0.0, ds)


def _extreme_mask(v: Any, axis: int, largest: bool) -> Any:
    """1 / (number of ties) where v attains its max (min) along axis, else 0."""
    best = np.max(v, axis=axis, keepdims=True) if largest else np.min(v, axis=axis, keepdims=True)
    hit = v == best
    return hit / np.sum(hit, axis=axis, keepdims=True)


def _matrix_norm_slope(x: Any, ord: Any) -> Any:
    """∂‖x‖/∂x for a matrix norm of the last two axes of x (real)."""
    if ord is None or ord in ("fro", "f"):
        return x / np.sqrt(np.sum(x * x, axis=(-2, -1), keepdims=True))
    if ord == "nuc":
        u, _, vh = np.linalg.svd(x, full_matrices=False)
        return u @ vh
    if ord in (2, -2):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        i = 0 if ord == 2 else -1
        if s.shape[-1] > 1:
            j = 1 if ord == 2 else -2
            if np.any(np.abs(s[..., i] - s[..., j]) <= np.sqrt(np.finfo(float).eps) * np.max(s, axis=-1)):
                raise UnsupportedValueError(
                    f"np.linalg.norm(ord={ord}): the {'largest' if ord == 2 else 'smallest'} singular value is "
                    "(nearly) repeated, where the norm has no derivative"
                )
        return u[..., :, i, None] * vh[..., i, None, :]
    if ord in (1, -1):  # the largest (smallest) column sum of |x|
        return np.sign(x) * _extreme_mask(np.sum(np.abs(x), axis=-2, keepdims=True), -1, ord == 1)
    if ord in (np.inf, -np.inf):  # the largest (smallest) row sum of |x|
        return np.sign(x) * _extreme_mask(np.sum(np.abs(x), axis=-1, keepdims=True), -2, ord == np.inf)
    raise UnsupportedValueError(f"astgrad has no derivative rule for the matrix norm ord={ord!r}")


def is_p_norm(ord: Any, axis: Any, x: Any) -> bool:
    """Whether np.linalg.norm(x, ord, axis) is (Σ|x|^p)^(1/p) for a finite nonzero p (the default
    and Frobenius norms count, with p = 2)."""
    if ord is None or isinstance(ord, str) and ord in ("fro", "f"):
        return True
    matrix = np.ndim(x) == 2 if axis is None else np.ndim(axis) == 1 and len(axis) == 2
    return not (isinstance(ord, str) or matrix or not np.isfinite(ord) or ord == 0)


def norm_slope(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """∂y/∂x for y = np.linalg.norm(x, ord, axis, keepdims) for the norms that are no p-norm:
    vector ±inf (the largest / smallest |x|, ties sharing) and 0 (a count: 0), matrix 2 and -2
    (u vᵀ of the largest / smallest singular value), 'nuc' (U Vᵀ), ±1 and ±inf (the sign of x in
    the largest / smallest column or row sum)."""
    x = np.asarray(x)
    matrix = np.ndim(x) == 2 if axis is None else np.ndim(axis) == 1 and len(axis) == 2
    if not matrix:
        if ord == 0:
            return np.zeros(x.shape)
        ax = tuple(range(x.ndim)) if axis is None else (axis if np.ndim(axis) == 0 else tuple(axis))
        if ord in (np.inf, -np.inf):
            mag = np.abs(x)
            best = np.max(mag, axis=ax, keepdims=True) if ord == np.inf else np.min(mag, axis=ax, keepdims=True)
            hit = mag == best
            return np.sign(x) * hit / np.sum(hit, axis=ax, keepdims=True)
        raise UnsupportedValueError(f"astgrad has no derivative rule for np.linalg.norm with ord={ord!r}")
    if axis is None:
        return _matrix_norm_slope(x, ord)
    a0, a1 = (int(ax) % x.ndim for ax in axis)
    moved = np.moveaxis(x, (a0, a1), (-2, -1))
    return np.moveaxis(_matrix_norm_slope(moved, ord), (-2, -1), (a0, a1))


def _chain(arrays: list) -> tuple[list, bool, bool]:
    """multi_dot's arrays as matrices (a vector first is a row, last a column)."""
    mats = [np.asarray(m) for m in arrays]
    first, last = mats[0].ndim == 1, mats[-1].ndim == 1
    if first:
        mats[0] = mats[0][None, :]
    if last:
        mats[-1] = mats[-1][:, None]
    return mats, first, last


def multi_dot_adjoint(g: Any, arrays: Any) -> list:
    """The adjoints of the arrays of np.linalg.multi_dot(arrays) given the result's adjoint g:
    for A_1 ⋯ A_k, Ā_i = (A_1 ⋯ A_{i-1})ᵀ Ḡ (A_{i+1} ⋯ A_k)ᵀ."""
    mats, first, last = _chain(arrays)
    g = np.asarray(g)
    rows, cols = mats[0].shape[0], mats[-1].shape[1]
    g = np.broadcast_to(g, (rows, cols) if not (first or last) else np.shape(g)).reshape(rows, cols)
    left = [np.eye(rows)]
    for m in mats[:-1]:
        left.append(left[-1] @ m)
    right = [np.eye(cols)]
    for m in reversed(mats[1:]):
        right.append(m @ right[-1])
    right.reverse()
    return [np.reshape(lf.T @ g @ rt.T, np.shape(a)) for lf, rt, a in zip(left, right, arrays)]


def multi_dot_tangent(ts: Any, arrays: Any) -> Any:
    """The tangent of np.linalg.multi_dot(arrays) along the arrays' tangents ts (a zero one may
    be the number 0.0): the sum over i of the product with A_i replaced by its tangent."""
    total = 0.0
    for i, t in enumerate(ts):
        if np.ndim(t) == 0 and np.ndim(arrays[i]) > 0:
            if np.all(np.asarray(t) == 0):
                continue
            t = np.broadcast_to(t, np.shape(arrays[i]))
        parts = list(arrays)
        parts[i] = t
        total = total + np.linalg.multi_dot(parts)
    return total


def eigvalsh_vectors(a: Any, UPLO: Any = "L") -> Any:
    """The eigenvectors of the symmetric matrix np.linalg.eigvalsh(a, UPLO) reads."""
    return np.linalg.eigh(a, UPLO)[1]


# --- scipy.linalg (rules/scipy_rules.py) ------------------------------------------------------------


def _triangle(a: Any, lower: bool, unit_diagonal: bool = False) -> Any:
    """The triangular matrix scipy.linalg.solve_triangular reads from `a`."""
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        t = t - t * np.eye(t.shape[-1]) + np.eye(t.shape[-1])
    return t


def _trans(trans: Any) -> bool:
    """Whether solve_triangular's `trans` solves with the transpose (1, 'T', 2, 'C' for real a)."""
    if trans in (0, "N"):
        return False
    if trans in (1, 2, "T", "C"):
        return True
    raise UnsupportedValueError(f"scipy.linalg.solve_triangular: unknown trans {trans!r}")


def _cols(v: Any, b: Any) -> Any:
    return np.asarray(v)[..., None] if np.ndim(b) == 1 else np.asarray(v)


def triangular_solve_adjoint(
    g: Any, x: Any, a: Any, b: Any, trans: Any = 0, lower: bool = False, unit_diagonal: bool = False, which: int = 0
) -> Any:
    """The adjoint of `a` (which=0) or `b` (which=1) in x = solve_triangular(a, b, trans, lower,
    unit_diagonal): with M the matrix solved with (T or Tᵀ), b̄ = M⁻ᵀ x̄ and M̄ = -b̄ xᵀ, of which
    only the triangle read (without a unit diagonal) reaches a."""
    from scipy.linalg import solve_triangular

    t = _trans(trans)
    bb = solve_triangular(a, _cols(g, b), trans=0 if t else 1, lower=lower, unit_diagonal=unit_diagonal)
    if which == 1:
        return np.reshape(bb, np.shape(b))
    m_bar = -bb @ _mT(_cols(x, b))
    t_bar = _mT(m_bar) if t else m_bar
    t_bar = np.tril(t_bar) if lower else np.triu(t_bar)
    if unit_diagonal:
        t_bar = t_bar - t_bar * np.eye(t_bar.shape[-1])
    return t_bar


def triangular_solve_tangent(
    a_dot: Any, b_dot: Any, x: Any, a: Any, b: Any, trans: Any = 0, lower: bool = False, unit_diagonal: bool = False
) -> Any:
    """The tangent of x = solve_triangular(a, b, ...) along a_dot, b_dot (either may be the number
    0.0): M⁻¹ (ḃ - Ṁ x)."""
    from scipy.linalg import solve_triangular

    t = _trans(trans)
    rhs = _cols(np.broadcast_to(b_dot, np.shape(b)), b)
    if not (np.ndim(a_dot) == 0 and np.ndim(a) > 0):
        dt = np.tril(a_dot) if lower else np.triu(a_dot)
        if unit_diagonal:
            dt = dt - dt * np.eye(dt.shape[-1])
        dm = _mT(dt) if t else dt
        rhs = rhs - dm @ _cols(x, b)
    return np.reshape(solve_triangular(a, rhs, trans=trans, lower=lower, unit_diagonal=unit_diagonal), np.shape(x))


def _solve_matrix(a: Any, lower: bool, assume_a: Any) -> tuple[Any, Any]:
    """The matrix scipy.linalg.solve works with and the triangle it reads (None: all of it)."""
    if assume_a in (None, "gen", "general"):
        return np.asarray(a), None
    if assume_a in ("sym", "pos", "her", "symmetric", "positive definite", "hermitian"):
        uplo = "L" if lower else "U"

        return from_triangle(a, uplo), uplo
    raise UnsupportedValueError(
        f"astgrad differentiates scipy.linalg.solve with assume_a None, 'gen', 'sym' or 'pos', not {assume_a!r}"
    )


def scipy_solve_adjoint(
    g: Any, x: Any, a: Any, b: Any, lower: bool = False, assume_a: Any = None, transposed: bool = False, which: int = 0
) -> Any:
    """The adjoint of `a` (which=0) or `b` in x = scipy.linalg.solve(a, b, lower, assume_a,
    transposed): with M the matrix solved with, b̄ = M⁻ᵀ x̄, M̄ = -b̄ xᵀ (to the triangle read
    for a symmetric assume_a)."""

    m, uplo = _solve_matrix(a, lower, assume_a)
    mm = _mT(m) if transposed else m
    bb = np.linalg.solve(_mT(mm), _cols(g, b))
    if which == 1:
        return np.reshape(bb, np.shape(b))
    m_bar = -bb @ _mT(_cols(x, b))
    if transposed:
        m_bar = _mT(m_bar)
    return m_bar if uplo is None else to_triangle(m_bar, uplo)


def scipy_solve_tangent(
    a_dot: Any, b_dot: Any, x: Any, a: Any, b: Any, lower: bool = False, assume_a: Any = None, transposed: bool = False
) -> Any:
    """The tangent of x = scipy.linalg.solve(a, b, ...): M⁻¹ (ḃ - Ṁ x)."""
    m, uplo = _solve_matrix(a, lower, assume_a)
    mm = _mT(m) if transposed else m
    rhs = _cols(np.broadcast_to(b_dot, np.shape(b)), b)
    if not (np.ndim(a_dot) == 0 and np.ndim(a) > 0):
        dm, _ = _solve_matrix(a_dot, lower, assume_a)
        rhs = rhs - (_mT(dm) if transposed else dm) @ _cols(x, b)
    return np.reshape(np.linalg.solve(mm, rhs), np.shape(x))


def upper_of(lower: bool) -> bool:
    """scipy's `lower` flag as np.linalg.cholesky's `upper`."""
    return not lower


def _factor(c: Any, lower: bool) -> Any:
    return np.tril(c) if lower else np.triu(c)


def cho_factor_adjoint(g: Any, y: Any, a: Any, lower: bool = False) -> Any:
    """The adjoint of `a` in (c, lower) = scipy.linalg.cho_factor(a, lower): the Cholesky adjoint
    of the factor in c's triangle. The other triangle of c holds no defined values: an adjoint
    there (a use of it) is refused."""

    g = g[0] if isinstance(g, (tuple, list)) else g
    c = y[0]
    g = np.broadcast_to(g, np.shape(c))
    other = np.triu(g, 1) if lower else np.tril(g, -1)
    if np.any(other != 0):
        raise UnsupportedValueError(
            "scipy.linalg.cho_factor: the triangle of c that does not hold the factor is used; its values are "
            "not defined (use the factor's triangle, or scipy.linalg.cholesky)"
        )
    low = _factor(c, lower) if lower else _mT(_factor(c, lower))
    low_bar = _factor(g, lower) if lower else _mT(_factor(g, lower))
    inv = np.linalg.inv(low)
    s_bar = _mT(inv) @ tril_half(_mT(low) @ low_bar) @ inv
    return to_triangle(s_bar, "L" if lower else "U")


def cho_factor_tangent(t: Any, y: Any, a: Any, lower: bool = False) -> Any:
    """The tangent of (c, lower) = cho_factor(a, lower): L̇ = L Φ(L⁻¹ Ṡ L⁻ᵀ) in the factor's
    triangle, NaN in the other (whose values are not defined)."""

    c = y[0]
    low = _factor(c, lower) if lower else _mT(_factor(c, lower))
    inv = np.linalg.inv(low)
    dl = low @ tril_half(inv @ from_triangle(t, "L" if lower else "U") @ _mT(inv))
    dc = dl if lower else _mT(dl)
    other = np.triu(np.ones(np.shape(c), bool), 1) if lower else np.tril(np.ones(np.shape(c), bool), -1)
    return (np.where(other, np.nan, dc), 0.0)


def cho_solve_adjoint(g: Any, x: Any, c_and_lower: Any, b: Any, which: int = 0) -> Any:
    """The adjoint of (c, lower) (which=0: a list [c̄, None]) or of `b` in
    x = cho_solve((c, lower), b), x = S⁻¹ b with S = L Lᵀ (L = tril c) or Uᵀ U (U = triu c):
    b̄ = S⁻¹ x̄, S̄ = -b̄ xᵀ, and L̄ = tril((S̄ + S̄ᵀ) L), Ū = triu(U (S̄ + S̄ᵀ))."""
    from scipy.linalg import cho_solve

    c, lower = c_and_lower
    bb = cho_solve((c, lower), _cols(g, b))
    if which == 1:
        return np.reshape(bb, np.shape(b))
    s_bar = -bb @ _mT(_cols(x, b))
    sym = s_bar + _mT(s_bar)
    f = _factor(c, lower)
    return [np.tril(sym @ f) if lower else np.triu(f @ sym), None]


def cho_solve_tangent(c_dot: Any, b_dot: Any, x: Any, c_and_lower: Any, b: Any) -> Any:
    """The tangent of x = cho_solve((c, lower), b): S⁻¹ (ḃ - Ṡ x) with Ṡ from the factor's tangent."""
    from scipy.linalg import cho_solve

    c, lower = c_and_lower
    rhs = _cols(np.broadcast_to(b_dot, np.shape(b)), b)
    dc = c_dot[0] if isinstance(c_dot, (tuple, list)) else c_dot
    if not (np.ndim(dc) == 0 and np.ndim(c) > 0):
        f, df = _factor(c, lower), _factor(dc, lower)
        ds = df @ _mT(f) + f @ _mT(df) if lower else _mT(df) @ f + _mT(f) @ df
        rhs = rhs - ds @ _cols(x, b)
    return np.reshape(cho_solve((c, lower), rhs), np.shape(x))


# --- scipy.stats (rules/scipy_rules.py) --------------------------------------------------------------


def _mvn_setup(x: Any, mean: Any, cov: Any) -> tuple[Any, Any, Any]:
    """(the residuals x - mean as rows, Σ⁻¹ times them, Σ) for multivariate_normal.logpdf; a
    covariance given as a number or a vector (a diagonal) becomes the matrix."""
    cov = np.asarray(cov, dtype=float)
    if mean is not None:
        d = np.size(mean)
    elif cov.ndim == 2:
        d = cov.shape[0]
    else:
        d = np.shape(x)[-1] if np.ndim(x) else 1
    if cov.ndim == 0:
        sigma = cov * np.eye(d)
    elif cov.ndim == 1:
        sigma = np.diag(cov)
    else:
        sigma = cov
    r = np.reshape(np.asarray(x, dtype=float) - (0.0 if mean is None else np.asarray(mean)), (-1, d))
    return r, np.linalg.solve(sigma, r.T).T, sigma


def mvn_adjoint(g: Any, x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False, which: int = 0) -> Any:
    """The adjoint of x (which=0), mean (1) or cov (2) in y = multivariate_normal.logpdf(x, mean,
    cov) = -½ (d log 2π + log|Σ| + rᵀ Σ⁻¹ r), r = x - mean (rows of x): x̄ = -ȳ Σ⁻¹ r, mean's the
    sum of the opposite, and Σ̄ = ½ Σ ȳ (Σ⁻¹ r rᵀ Σ⁻¹ - Σ⁻¹), read from Σ's lower triangle as
    SciPy does (a number or diagonal covariance: its diagonal)."""
    if allow_singular:
        raise UnsupportedValueError("astgrad differentiates multivariate_normal.logpdf with allow_singular=False only")
    r, sr, sigma = _mvn_setup(x, mean, cov)
    w = np.reshape(np.broadcast_to(g, (r.shape[0],)) if np.size(g) == 1 else np.asarray(g), (-1,))
    if which == 0:
        return np.reshape(-w[:, None] * sr, np.shape(x))
    if which == 1:
        return np.reshape(np.sum(w[:, None] * sr, axis=0), np.shape(mean))
    inv = np.linalg.inv(sigma)
    s_bar = 0.5 * ((sr * w[:, None]).T @ sr - np.sum(w) * inv)
    cov = np.asarray(cov)
    if cov.ndim == 0:
        return np.trace(s_bar)
    if cov.ndim == 1:
        return np.diagonal(s_bar).copy()
    return np.tril(s_bar) + np.tril(s_bar.T, -1)  # the lower triangle SciPy reads, both halves' share


def mvn_tangent(x_dot: Any, mean_dot: Any, cov_dot: Any, x: Any, mean: Any = None, cov: Any = 1) -> Any:
    """The tangent of multivariate_normal.logpdf(x, mean, cov) along x_dot, mean_dot, cov_dot
    (each may be the number 0.0): -(Σ⁻¹ r)ᵀ (ẋ - μ̇) - ½ tr(Σ⁻¹ Σ̇) + ½ (Σ⁻¹ r)ᵀ Σ̇ (Σ⁻¹ r)."""
    r, sr, sigma = _mvn_setup(x, mean, cov)
    n, d = r.shape
    dr = np.zeros((n, d))
    if not (np.ndim(x_dot) == 0 and np.ndim(x) > 0):
        dr = dr + np.reshape(np.broadcast_to(x_dot, np.shape(x)), (-1, d))
    if mean is not None and not (np.ndim(mean_dot) == 0 and np.ndim(mean) > 0):
        dr = dr - np.reshape(mean_dot, (1, d))
    out = -np.sum(sr * dr, axis=1)
    cov = np.asarray(cov)
    if not (np.ndim(cov_dot) == 0 and cov.ndim > 0) or (cov.ndim == 0 and np.any(cov_dot != 0)):
        if cov.ndim == 2:
            ds = from_triangle(cov_dot, "L")
        else:
            ds = np.diag(np.broadcast_to(cov_dot, (d,)))
        out = out - 0.5 * np.trace(np.linalg.solve(sigma, ds)) + 0.5 * np.einsum("ni,ij,nj->n", sr, ds, sr)
    return out[0] if np.ndim(x) <= 1 or n == 1 else out


def dirichlet_check(x: Any, alpha: Any) -> None:
    """Refuse dirichlet.logpdf with the last coordinate left out (SciPy fills it in)."""
    if np.shape(x)[0] != np.size(alpha):
        raise UnsupportedValueError(
            "astgrad differentiates scipy.stats.dirichlet.logpdf with all len(alpha) coordinates of x given"
        )


def dirichlet_x_slope(x: Any, alpha: Any) -> Any:
    """∂/∂x of dirichlet.logpdf(x, alpha): (α - 1) / x (x's first axis runs over α)."""
    dirichlet_check(x, alpha)
    a = np.reshape(alpha, (-1,) + (1,) * (np.ndim(x) - 1))
    return (a - 1.0) / np.asarray(x)


def dirichlet_alpha_slope(x: Any, alpha: Any) -> Any:
    """∂/∂α of dirichlet.logpdf(x, alpha), shaped like x: log x + ψ(Σα) - ψ(α)."""
    from scipy import special

    dirichlet_check(x, alpha)
    alpha = np.asarray(alpha, dtype=float)
    a = np.reshape(special.digamma(np.sum(alpha)) - special.digamma(alpha), (-1,) + (1,) * (np.ndim(x) - 1))
    return np.log(x) + a


def sum_trailing(g: Any, n: int) -> Any:
    """`g` summed over all axes but the first (dirichlet's α gathers over the samples)."""
    g = np.asarray(g)
    return np.sum(g, axis=tuple(range(1, g.ndim))) if g.ndim > 1 else g


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


def _lu_parts(lu: Any, piv: Any) -> tuple[Any, Any, Any]:
    """(L, U, perm) of scipy.linalg.lu_factor's packed result: a[perm] = L U, L unit lower."""
    lu = np.asarray(lu)
    n = lu.shape[-1]
    perm = np.arange(lu.shape[0])
    for i, p in enumerate(np.asarray(piv)):
        perm[i], perm[p] = perm[p], perm[i]
    return np.tril(lu, -1) + np.eye(lu.shape[0], n), np.triu(lu), perm


def lu_factor_adjoint(g: Any, y: Any, a: Any) -> Any:
    """The adjoint of `a` in (lu, piv) = scipy.linalg.lu_factor(a) (square a): with a[perm] = L U,
    X = L⁻¹ da[perm] U⁻¹ gives dL = L low(X), dU = up(X) U, so with M = low(Lᵀ L̄) + up(Ū Uᵀ),
    ā[perm] = L⁻ᵀ M U⁻ᵀ (low: strictly lower, up: upper triangle; L̄, Ū: lu's adjoint's parts)."""
    g = g[0] if isinstance(g, (tuple, list)) else g
    lo, up, perm = _lu_parts(y[0], y[1])
    g = np.broadcast_to(g, np.shape(y[0]))
    m = np.tril(lo.T @ np.tril(g, -1), -1) + np.triu(np.triu(g) @ up.T)
    out = np.zeros(np.shape(a))
    out[perm] = np.linalg.solve(lo.T, np.linalg.solve(up, m.T).T)
    return out


def lu_factor_tangent(t: Any, y: Any, a: Any) -> Any:
    """The tangent of (lu, piv) = lu_factor(a) along t: packed L low(X) + up(X) U, X = L⁻¹ t[perm] U⁻¹."""
    lo, up, perm = _lu_parts(y[0], y[1])
    t = np.broadcast_to(t, np.shape(a))
    x = np.linalg.solve(lo, np.linalg.solve(up.T, t[perm].T).T)
    return (np.tril(lo @ np.tril(x, -1), -1) + np.triu(np.triu(x) @ up), 0.0)


def _lu_trans(trans: Any) -> None:
    if trans not in (0, "N"):
        raise UnsupportedValueError("astgrad differentiates scipy.linalg.lu_solve with trans=0 only")


def lu_solve_adjoint(g: Any, x: Any, lu_and_piv: Any, b: Any, trans: Any = 0, which: int = 0) -> Any:
    """The adjoint of (lu, piv) (which=0: [lū, None]) or of `b` in x = lu_solve((lu, piv), b):
    x = U⁻¹ z, z = L⁻¹ b[perm]; with w = U⁻ᵀ x̄: Ū = -up(w xᵀ), L̄ = -low(L⁻ᵀ w zᵀ), and
    b̄[perm] = L⁻ᵀ w."""
    _lu_trans(trans)
    lu, piv = lu_and_piv
    lo, up, perm = _lu_parts(lu, piv)
    xc, bc, gc = _cols(x, b), _cols(b, b), _cols(np.broadcast_to(g, np.shape(x)), b)
    w = np.linalg.solve(up.T, gc)
    v = np.linalg.solve(lo.T, w)
    if which == 1:
        out = np.zeros(bc.shape)
        out[perm] = v
        return np.reshape(out, np.shape(b))
    z = np.linalg.solve(lo, bc[perm])
    return [-np.triu(w @ xc.T) - np.tril(v @ z.T, -1), None]


def lu_solve_tangent(f_dot: Any, b_dot: Any, x: Any, lu_and_piv: Any, b: Any, trans: Any = 0) -> Any:
    """The tangent of x = lu_solve((lu, piv), b): U⁻¹ (L⁻¹ (ḃ[perm] - L̇ z) - U̇ x)."""
    _lu_trans(trans)
    lu, piv = lu_and_piv
    lo, up, perm = _lu_parts(lu, piv)
    xc, bc = _cols(x, b), _cols(b, b)
    rhs = _cols(np.broadcast_to(b_dot, np.shape(b)), b)[perm]
    dlu = f_dot[0] if isinstance(f_dot, (tuple, list)) else f_dot
    if not (np.ndim(dlu) == 0 and np.ndim(lu) > 0):
        z = np.linalg.solve(lo, bc[perm])
        rhs = rhs - np.tril(dlu, -1) @ z
        return np.reshape(np.linalg.solve(up, np.linalg.solve(lo, rhs) - np.triu(dlu) @ xc), np.shape(x))
    return np.reshape(np.linalg.solve(up, np.linalg.solve(lo, rhs)), np.shape(x))


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
