"""Run-time helpers of the scipy.special and scipy.stats rules (rules/special_rules.py,
scipy_rules.py), each computing a piece of a derivative or refusing, with a ValueError naming the
function and the parameter, an argument form its rule does not handle."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from .shapes import from_triangle, unreduce

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


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
