"""Run-time helpers of the linear-algebra rules: np.linalg (rules/linalg_rules.py,
linalg_extra_rules.py: solve, norms, singular values, svd with vectors, qr, pinv, lstsq,
multi_dot, cholesky, eigh) and scipy.linalg (rules/scipy_rules.py: triangular and general solves,
Cholesky and LU factors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from .fft import abs_slope
from .shapes import from_triangle, to_triangle, tril_half, unreduce


def _singular_vectors(a: Any, compute_uv: bool) -> tuple[Any, Any]:
    if compute_uv:
        raise UnsupportedValueError(
            "astgrad differentiates np.linalg.svd(a, compute_uv=False) (the singular values), not the singular vectors"
        )
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return u, vh


def singular_values_adjoint(g: Any, a: Any, compute_uv: bool = False) -> Any:
    """The adjoint of `a` in `np.linalg.svd(a, compute_uv=False)`: U diag(g) Vᵀ (distinct
    singular values)."""
    u, vh = _singular_vectors(a, compute_uv)
    return (u * np.asarray(g)[..., None, :]) @ vh


def singular_values_tangent(t: Any, a: Any, compute_uv: bool = False) -> Any:
    """The tangent of `np.linalg.svd(a, compute_uv=False)` along `t`: the diagonal of Uᵀ t V."""
    u, vh = _singular_vectors(a, compute_uv)
    return np.einsum("...ij,...ik,...jk->...j", u, t, vh)


# --- linear algebra (rules/linalg_rules.py) -------------------------------------------------------


# NumPy 2 reads a one-dimensional right-hand side b of np.linalg.solve(a, b) as a vector;
# NumPy 1 reads b as a stack of vectors whenever b.ndim == a.ndim - 1
_SOLVE_VECTOR_IS_1D = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def solve_columns(v: Any, a: Any, b: Any) -> Any:
    """`v`, shaped like the right-hand side `b` of np.linalg.solve(a, b) or like its result, as a
    stack of matrices: with a trailing axis of length 1 when NumPy reads `b` as a vector (or a
    stack of vectors), as it is otherwise."""
    vector = np.ndim(b) == 1 if _SOLVE_VECTOR_IS_1D else np.ndim(b) == np.ndim(a) - 1
    return np.expand_dims(v, -1) if vector else v


def norm_order(ord: Any, axis: Any, x: Any) -> float:
    """The p for which `np.linalg.norm(x, ord, axis)` is the p-norm (Σ|x|^p)^(1/p) over `axis`:
    2.0 for the default and the Frobenius norm, ord itself for a finite nonzero vector norm.
    Raises ValueError for the norms astgrad has no derivative rule for."""
    if ord is None or isinstance(ord, str) and ord in ("fro", "f"):
        return 2.0
    matrix = np.ndim(x) == 2 if axis is None else np.ndim(axis) == 1 and len(axis) == 2
    if isinstance(ord, str) or matrix or not np.isfinite(ord) or ord == 0:
        kind = "matrix" if matrix else "vector"
        raise UnsupportedValueError(
            f"astgrad has no second derivative rule for np.linalg.norm with ord={ord!r} (a {kind} norm): it "
            f"has those of the default and Frobenius norms and the vector p-norms of finite nonzero p"
        )
    return float(ord)


def norm_weight(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """The derivative of `y = np.linalg.norm(x, ord, axis, keepdims)` with respect to each element
    of x, shaped like x: x / y for the default and Frobenius norms, sign(x) (|x| / y)^(p-1) for a
    vector p-norm, norm_slope for the others (their second derivatives are refused by
    norm_order)."""
    if not is_p_norm(ord, axis, x):  # matrix 2, -2, nuc, ±1, ±inf; vector ±inf and 0
        return norm_slope(x, y, ord, axis, keepdims)
    p = norm_order(ord, axis, x)
    scale = norm_scale(x, y, axis, keepdims)
    if p == 2.0 and not np.iscomplexobj(x):
        return x / scale
    # (|x| changes by Re(abs_slope(x) dx): a complex x's weight is conjugate, the adjoint convention)
    return abs_slope(x) * (np.abs(x) / scale) ** (p - 1.0)


def real_norm_order(ord: Any, axis: Any, x: Any) -> float:
    """norm_order, for the second derivatives of a norm: of a real x only (norm_weight of a
    complex x is conjugate, which those rules do not follow)."""
    if np.iscomplexobj(x):
        raise UnsupportedValueError(
            "astgrad has no second derivative rule for np.linalg.norm of a complex array (its first derivative it has)"
        )
    return norm_order(ord, axis, x)


def norm_scale(x: Any, y: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The norm `y` of `x` spread over x's shape, with 1 where it is 0: x is 0 there, so a p-norm's
    weight x / y or sign(x) (|x| / y)^(p-1) is 0, the subgradient np.abs has at 0, not 0 / 0
    (the distance of a point to itself in a matrix of pairwise distances)."""
    scale = unreduce(y, x, axis, keepdims)
    return np.where(scale == 0, 1.0, scale) if np.any(scale == 0) else scale


def factor_lower(x: Any, upper: bool = False) -> Any:
    """`x` transposed (last two axes) when `upper`: np.linalg.cholesky(a, upper=True) is the
    transposed lower factor."""
    return np.swapaxes(x, -1, -2) if upper else x


def triangle_of(upper: bool) -> str:
    """The triangle np.linalg.cholesky(a, upper=upper) reads."""
    return "U" if upper else "L"


def eigh_gaps(w: Any, vbar: Any = None) -> Any:
    """F with F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it, for eigenvalues `w` (last
    axis): how eigenvectors turn. Where two eigenvalues (nearly) coincide their eigenvectors have
    no derivative: with the eigenvectors' adjoint `vbar` nonzero this raises ValueError, with a
    zero one the entry is 0 (it is multiplied by zero), without one (forward mode) it is NaN."""
    w = np.asarray(w)
    gap = w[..., None, :] - w[..., :, None]
    n = w.shape[-1]
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None] if n else 0.0
    close = (np.abs(gap) <= np.sqrt(np.finfo(np.result_type(w, 1.0)).eps) * scale) & ~np.eye(n, dtype=bool)
    off = ~np.eye(n, dtype=bool) & ~close
    out = np.divide(1.0, gap, out=np.zeros(gap.shape, dtype=np.result_type(w, 1.0)), where=off)
    if close.any():
        if vbar is None:
            out[close] = np.nan
        elif np.any(np.asarray(vbar) != 0):
            raise UnsupportedValueError(
                "np.linalg.eigh: the eigenvectors are differentiated but eigenvalues are (nearly) repeated "
                "(their eigenvectors are not unique, so they have no derivative); differentiate only the "
                "eigenvalues, or a function of the eigenvectors that does not depend on the choice within "
                "an eigenspace, written without them (e.g. the matrix itself)"
            )
    return out


def block_upper(a: Any, e: Any) -> Any:
    """The block matrix [[a, e], [0, a]] (last two axes; `a` or `e` may be the number 0): a
    matrix function of it has the derivative of the function at `a` along `e` as its upper
    right block."""
    a, e = np.asarray(a), np.asarray(e)
    shape = np.broadcast_shapes(a.shape, e.shape)
    m = shape[-1]
    out = np.zeros(shape[:-2] + (2 * m, 2 * m), dtype=np.result_type(a, e, 1.0))
    out[..., :m, :m] = a
    out[..., m:, m:] = a
    out[..., :m, m:] = e
    return out


def upper_right(x: Any) -> Any:
    """The upper right quarter of `x` (last two axes)."""
    m = np.shape(x)[-1] // 2
    return x[..., :m, m:]


def diag_blocks_sum(x: Any) -> Any:
    """The sum of the upper left and lower right quarters of `x` (the adjoint of block_upper's `a`)."""
    m = np.shape(x)[-1] // 2
    return x[..., :m, :m] + x[..., m:, m:]


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
    vectors' tangents are NaN where they have none (repeated values; the vectors completing a
    basis, full_matrices=True), so a function of them comes out NaN rather than wrong."""
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
    dvh = _mT(dv)
    if full:  # (the vectors completing a basis have no tangent: NaN there alone)
        extra_u, extra_v = y[0].shape[-1] - kk, y[2].shape[-2] - kk
        du = np.concatenate([du, np.full(du.shape[:-1] + (extra_u,), np.nan)], axis=-1) if extra_u else du
        dvh = (
            np.concatenate([dvh, np.full(dvh.shape[:-2] + (extra_v, dvh.shape[-1]), np.nan)], axis=-2)
            if extra_v
            else dvh
        )
    return (du, ds, dvh)


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
    """∂‖x‖/∂x for a matrix norm of the last two axes of x (real; of a complex x, refused but the
    Frobenius norm's)."""
    if np.iscomplexobj(x) and not (ord is None or ord in ("fro", "f")):
        raise UnsupportedValueError(
            f"astgrad has no derivative rule for the matrix norm ord={ord!r} of a complex array"
        )
    if ord is None or ord in ("fro", "f"):
        return np.conj(x) / np.sqrt(np.sum(np.real(np.conj(x) * x), axis=(-2, -1), keepdims=True))
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
            return abs_slope(x) * hit / np.sum(hit, axis=ax, keepdims=True)
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
