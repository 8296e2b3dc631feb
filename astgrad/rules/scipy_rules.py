"""Rules of scipy.linalg and scipy.stats (registered only when SciPy is importable; scipy.special
is in special_rules.py).

scipy.linalg: solve_triangular, solve, inv, det, cholesky, cho_factor / cho_solve and expm. Their
`overwrite_*` flags are not taken (a call that passes one is refused when the gradient is
generated: an overwritten argument would be read by the backward pass). cholesky, cho_factor and
solve with a symmetric assume_a read one triangle of `a`, which alone gets an adjoint.

scipy.stats: the log-densities, densities and distribution functions of norm, t, gamma, beta,
poisson (in mu), multivariate_normal (in x, mean, cov) and dirichlet, as methods of SciPy's
distribution objects (`scipy.stats.norm.logpdf` is a bound method: the table is keyed by it).
With z = (x - loc) / scale, ∂/∂loc = -∂/∂x and ∂/∂scale = -(z ∂/∂x + 1 / scale) for a density.
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np
import scipy.linalg as sl
from scipy import special, stats

from ..runtime import (
    block_upper,
    cho_factor_adjoint,
    cho_factor_tangent,
    cho_solve_adjoint,
    cho_solve_tangent,
    dirichlet_alpha_slope,
    dirichlet_x_slope,
    factor_lower,
    from_triangle,
    lu_factor_adjoint,
    lu_factor_tangent,
    lu_solve_adjoint,
    lu_solve_tangent,
    mvn_adjoint,
    mvn_tangent,
    scipy_solve_adjoint,
    scipy_solve_tangent,
    sum_trailing,
    to_triangle,
    triangle_of,
    triangular_solve_adjoint,
    triangular_solve_tangent,
    tril_half,
    unbroadcast,
    upper_of,
    upper_right,
)
from .registry import SHAPE_FIRST, SHAPE_FIRST_TWO, adjoint, declare, describe, tangent

_SQRT_2PI = 2.5066282746310002  # √(2π)

# ================================================================================== scipy.linalg


@adjoint(sl.solve_triangular)
def _(x, a, b, trans=0, lower=False, unit_diagonal=False, *, check_finite=True):
    a_bar = triangular_solve_adjoint(x_bar, x, a, b, trans, lower, unit_diagonal, 0)
    b_bar = triangular_solve_adjoint(x_bar, x, a, b, trans, lower, unit_diagonal, 1)


@tangent(sl.solve_triangular)
def _(x, a, b, trans=0, lower=False, unit_diagonal=False, *, check_finite=True):
    x_dot = triangular_solve_tangent(a_dot, b_dot, x, a, b, trans, lower, unit_diagonal)


declare(sl.solve_triangular, static="trans lower unit_diagonal check_finite")


@adjoint(sl.solve)
def _(x, a, b, lower=False, *, check_finite=True, assume_a=None, transposed=False):
    a_bar = scipy_solve_adjoint(x_bar, x, a, b, lower, assume_a, transposed, 0)
    b_bar = scipy_solve_adjoint(x_bar, x, a, b, lower, assume_a, transposed, 1)


@tangent(sl.solve)
def _(x, a, b, lower=False, *, check_finite=True, assume_a=None, transposed=False):
    x_dot = scipy_solve_tangent(a_dot, b_dot, x, a, b, lower, assume_a, transposed)


declare(sl.solve, static="lower check_finite assume_a transposed")

# inv and det: as np.linalg's (d(a⁻¹) = -a⁻¹ da a⁻¹, d det = det tr(a⁻¹ da))


@adjoint(sl.inv)
def _(y, a, *, check_finite=True):
    a_bar = -(np.swapaxes(y, -1, -2) @ y_bar @ np.swapaxes(y, -1, -2))


@tangent(sl.inv)
def _(y, a, *, check_finite=True):
    y_dot = -(y @ a_dot @ y)


@adjoint(sl.det)
def _(y, a, *, check_finite=True):
    a_bar = np.expand_dims(y_bar * y, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(sl.det)
def _(y, a, *, check_finite=True):
    y_dot = y * np.trace(np.linalg.solve(a, a_dot), axis1=-2, axis2=-1)


declare(sl.inv, static="check_finite")
declare(sl.det, static="check_finite")

# cholesky: np.linalg.cholesky's rule (rules/more_rules.py) with upper = not lower; SciPy's default
# is the upper factor, read from a's upper triangle


@adjoint(sl.cholesky)
def _(y, a, lower=False, *, check_finite=True):
    low = factor_lower(y, upper_of(lower))
    inv = np.linalg.inv(low)
    g = np.swapaxes(inv, -1, -2) @ tril_half(np.swapaxes(low, -1, -2) @ factor_lower(y_bar, upper_of(lower))) @ inv
    a_bar = to_triangle(g, triangle_of(upper_of(lower)))


@tangent(sl.cholesky)
def _(y, a, lower=False, *, check_finite=True):
    y_dot = factor_lower(
        factor_lower(y, upper_of(lower))
        @ tril_half(
            np.linalg.inv(factor_lower(y, upper_of(lower)))
            @ from_triangle(a_dot, triangle_of(upper_of(lower)))
            @ np.swapaxes(np.linalg.inv(factor_lower(y, upper_of(lower))), -1, -2)
        ),
        upper_of(lower),
    )


declare(sl.cholesky, static="lower check_finite")
describe(sl.cholesky, sl.cho_factor, real_arguments=True)  # (a complex Hermitian matrix's factor: not differentiated)


@adjoint(sl.cho_factor)
def _(y, a, lower=False, *, check_finite=True):
    a_bar = cho_factor_adjoint(y_bar, y, a, lower)


@tangent(sl.cho_factor)
def _(y, a, lower=False, *, check_finite=True):
    y_dot = cho_factor_tangent(a_dot, y, a, lower)


declare(sl.cho_factor, static="lower check_finite")


@adjoint(sl.cho_solve)
def _(x, c_and_lower, b, *, check_finite=True):
    c_and_lower_bar = cho_solve_adjoint(x_bar, x, c_and_lower, b, 0)
    b_bar = cho_solve_adjoint(x_bar, x, c_and_lower, b, 1)


@tangent(sl.cho_solve)
def _(x, c_and_lower, b, *, check_finite=True):
    x_dot = cho_solve_tangent(c_and_lower_dot, b_dot, x, c_and_lower, b)


declare(sl.cho_solve, static="check_finite")

# lu_factor / lu_solve: the packed factors of a[perm] = L U (runtime.lu_factor_adjoint)


@adjoint(sl.lu_factor)
def _(y, a, *, check_finite=True):
    a_bar = lu_factor_adjoint(y_bar, y, a)


@tangent(sl.lu_factor)
def _(y, a, *, check_finite=True):
    y_dot = lu_factor_tangent(a_dot, y, a)


declare(sl.lu_factor, static="check_finite")


@adjoint(sl.lu_solve)
def _(x, lu_and_piv, b, trans=0, *, check_finite=True):
    lu_and_piv_bar = lu_solve_adjoint(x_bar, x, lu_and_piv, b, trans, 0)
    b_bar = lu_solve_adjoint(x_bar, x, lu_and_piv, b, trans, 1)


@tangent(sl.lu_solve)
def _(x, lu_and_piv, b, trans=0, *, check_finite=True):
    x_dot = lu_solve_tangent(lu_and_piv_dot, b_dot, x, lu_and_piv, b, trans)


declare(sl.lu_solve, static="trans check_finite")

# expm: f([[A, E], [0, A]]) = [[f(A), Df(A)[E]], [0, f(A)]], and Df(A)'s adjoint is Df(Aᵀ)


@adjoint(sl.expm)
def _(y, A):
    A_bar = upper_right(sl.expm(block_upper(np.swapaxes(A, -1, -2), y_bar)))


@tangent(sl.expm)
def _(y, A):
    y_dot = upper_right(sl.expm(block_upper(A, A_dot)))


# ================================================================================== scipy.stats
# norm: z = (x - loc) / scale; log φ = -z²/2 - log scale - log √(2π)


@adjoint(stats.norm.logpdf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    x_bar = unbroadcast(-y_bar * z / scale, x)
    loc_bar = unbroadcast(y_bar * z / scale, loc)
    scale_bar = unbroadcast(y_bar * (z * z - 1.0) / scale, scale)


@tangent(stats.norm.logpdf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = ((loc_dot - x_dot) * (x - loc) / scale + scale_dot * (((x - loc) / scale) ** 2 - 1.0)) / scale


@adjoint(stats.norm.pdf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    x_bar = unbroadcast(-y_bar * y * z / scale, x)
    loc_bar = unbroadcast(y_bar * y * z / scale, loc)
    scale_bar = unbroadcast(y_bar * y * (z * z - 1.0) / scale, scale)


@tangent(stats.norm.pdf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = y * ((loc_dot - x_dot) * (x - loc) / scale + scale_dot * (((x - loc) / scale) ** 2 - 1.0)) / scale


# cdf Φ(z): ∂/∂x = φ(z) / scale; logcdf: φ(z) / (Φ(z) scale) = e^{-z²/2 - y} / (√(2π) scale)


@adjoint(stats.norm.cdf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d = np.exp(-0.5 * z * z) / (_SQRT_2PI * scale)
    x_bar = unbroadcast(y_bar * d, x)
    loc_bar = unbroadcast(-y_bar * d, loc)
    scale_bar = unbroadcast(-y_bar * d * z, scale)


@tangent(stats.norm.cdf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = (
        (x_dot - loc_dot - scale_dot * (x - loc) / scale)
        * np.exp(-0.5 * ((x - loc) / scale) ** 2)
        / (_SQRT_2PI * scale)
    )


@adjoint(stats.norm.logcdf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d = np.exp(-0.5 * z * z - y) / (_SQRT_2PI * scale)
    x_bar = unbroadcast(y_bar * d, x)
    loc_bar = unbroadcast(-y_bar * d, loc)
    scale_bar = unbroadcast(-y_bar * d * z, scale)


@tangent(stats.norm.logcdf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = (
        (x_dot - loc_dot - scale_dot * (x - loc) / scale)
        * np.exp(-0.5 * ((x - loc) / scale) ** 2 - y)
        / (_SQRT_2PI * scale)
    )


# sf = 1 - Φ(z), logsf = log(1 - Φ(z)): the opposite slopes, over sf for logsf


@adjoint(stats.norm.sf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d = np.exp(-0.5 * z * z) / (_SQRT_2PI * scale)
    x_bar = unbroadcast(-y_bar * d, x)
    loc_bar = unbroadcast(y_bar * d, loc)
    scale_bar = unbroadcast(y_bar * d * z, scale)


@tangent(stats.norm.sf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = (
        (loc_dot - x_dot + scale_dot * (x - loc) / scale)
        * np.exp(-0.5 * ((x - loc) / scale) ** 2)
        / (_SQRT_2PI * scale)
    )


@adjoint(stats.norm.logsf)
def _(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d = np.exp(-0.5 * z * z - y) / (_SQRT_2PI * scale)
    x_bar = unbroadcast(-y_bar * d, x)
    loc_bar = unbroadcast(y_bar * d, loc)
    scale_bar = unbroadcast(y_bar * d * z, scale)


@tangent(stats.norm.logsf)
def _(y, x, loc=0.0, scale=1.0):
    y_dot = (
        (loc_dot - x_dot + scale_dot * (x - loc) / scale)
        * np.exp(-0.5 * ((x - loc) / scale) ** 2 - y)
        / (_SQRT_2PI * scale)
    )


# ppf: y = loc + scale Φ⁻¹(q): ∂/∂q = scale √(2π) e^{z²/2}, z = (y - loc) / scale


@adjoint(stats.norm.ppf)
def _(y, q, loc=0.0, scale=1.0):
    z = (y - loc) / scale
    q_bar = unbroadcast(y_bar * scale * _SQRT_2PI * np.exp(0.5 * z * z), q)
    loc_bar = unbroadcast(y_bar, loc)
    scale_bar = unbroadcast(y_bar * z, scale)


@tangent(stats.norm.ppf)
def _(y, q, loc=0.0, scale=1.0):
    y_dot = q_dot * scale * _SQRT_2PI * np.exp(0.5 * ((y - loc) / scale) ** 2) + loc_dot + scale_dot * (y - loc) / scale


# t: log p = lnΓ((ν+1)/2) - lnΓ(ν/2) - ½ log(νπ) - log σ - (ν+1)/2 log(1 + z²/ν)


@adjoint(stats.t.logpdf)
def _(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    w = (df + 1.0) * z / (scale * (df + z * z))
    x_bar = unbroadcast(-y_bar * w, x)
    loc_bar = unbroadcast(y_bar * w, loc)
    scale_bar = unbroadcast(y_bar * (w * z - 1.0 / scale), scale)
    df_bar = unbroadcast(
        y_bar
        * 0.5
        * (
            special.digamma(0.5 * (df + 1.0))
            - special.digamma(0.5 * df)
            - 1.0 / df
            - np.log1p(z * z / df)
            + (df + 1.0) * z * z / (df * (df + z * z))
        ),
        df,
    )


@tangent(stats.t.logpdf)
def _(y, x, df, loc=0.0, scale=1.0):
    y_dot = (
        (loc_dot - x_dot) * (df + 1.0) * ((x - loc) / scale) / (scale * (df + ((x - loc) / scale) ** 2))
        + scale_dot * ((df + 1.0) * ((x - loc) / scale) ** 2 / (scale * (df + ((x - loc) / scale) ** 2)) - 1.0 / scale)
        + df_dot
        * 0.5
        * (
            special.digamma(0.5 * (df + 1.0))
            - special.digamma(0.5 * df)
            - 1.0 / df
            - np.log1p(((x - loc) / scale) ** 2 / df)
            + (df + 1.0) * ((x - loc) / scale) ** 2 / (df * (df + ((x - loc) / scale) ** 2))
        )
    )


# gamma: log p = (a-1) log z - z - lnΓ(a) - log σ


@adjoint(stats.gamma.logpdf)
def _(y, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    w = ((a - 1.0) / z - 1.0) / scale
    x_bar = unbroadcast(y_bar * w, x)
    loc_bar = unbroadcast(-y_bar * w, loc)
    scale_bar = unbroadcast(y_bar * (z - a) / scale, scale)
    a_bar = unbroadcast(y_bar * (np.log(z) - special.digamma(a)), a)


@tangent(stats.gamma.logpdf)
def _(y, x, a, loc=0.0, scale=1.0):
    y_dot = (
        (x_dot - loc_dot) * ((a - 1.0) / ((x - loc) / scale) - 1.0) / scale
        + scale_dot * ((x - loc) / scale - a) / scale
        + a_dot * (np.log((x - loc) / scale) - special.digamma(a))
    )


# beta: log p = (a-1) log z + (b-1) log(1-z) - ln B(a, b) - log σ


@adjoint(stats.beta.logpdf)
def _(y, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    w = ((a - 1.0) / z - (b - 1.0) / (1.0 - z)) / scale
    x_bar = unbroadcast(y_bar * w, x)
    loc_bar = unbroadcast(-y_bar * w, loc)
    scale_bar = unbroadcast(-y_bar * (w * z + 1.0 / scale), scale)
    a_bar = unbroadcast(y_bar * (np.log(z) - special.digamma(a) + special.digamma(a + b)), a)
    b_bar = unbroadcast(y_bar * (np.log1p(-z) - special.digamma(b) + special.digamma(a + b)), b)


@tangent(stats.beta.logpdf)
def _(y, x, a, b, loc=0.0, scale=1.0):
    y_dot = (
        (x_dot - loc_dot - scale_dot * (x - loc) / scale)
        * ((a - 1.0) / ((x - loc) / scale) - (b - 1.0) / (1.0 - (x - loc) / scale))
        / scale
        - scale_dot / scale
        + a_dot * (np.log((x - loc) / scale) - special.digamma(a) + special.digamma(a + b))
        + b_dot * (np.log1p(-(x - loc) / scale) - special.digamma(b) + special.digamma(a + b))
    )


# poisson: log p(k) = k log μ - μ - lnΓ(k+1) (k counts from loc): ∂/∂μ = (k - loc) / μ - 1


@adjoint(stats.poisson.logpmf)
def _(y, k, mu, loc=0):
    mu_bar = unbroadcast(y_bar * ((k - loc) / mu - 1.0), mu)


@tangent(stats.poisson.logpmf)
def _(y, k, mu, loc=0):
    y_dot = mu_dot * ((k - loc) / mu - 1.0)


declare(stats.poisson.logpmf, static="k loc", note="counts")

# multivariate_normal: log p = -½ (d log 2π + log|Σ| + rᵀ Σ⁻¹ r), r = x - mean


@adjoint(stats.multivariate_normal.logpdf)
def _(y, x, mean=None, cov=1, allow_singular=False):
    x_bar = mvn_adjoint(y_bar, x, mean, cov, allow_singular, 0)
    mean_bar = mvn_adjoint(y_bar, x, mean, cov, allow_singular, 1)
    cov_bar = mvn_adjoint(y_bar, x, mean, cov, allow_singular, 2)


@tangent(stats.multivariate_normal.logpdf)
def _(y, x, mean=None, cov=1, allow_singular=False):
    y_dot = mvn_tangent(x_dot, mean_dot, cov_dot, x, mean, cov)


declare(stats.multivariate_normal.logpdf, static="allow_singular")

# dirichlet: log p = Σ (αᵢ - 1) log xᵢ + lnΓ(Σα) - Σ lnΓ(αᵢ) (x's first axis runs over α)


@adjoint(stats.dirichlet.logpdf)
def _(y, x, alpha):
    x_bar = y_bar * dirichlet_x_slope(x, alpha)
    alpha_bar = sum_trailing(y_bar * dirichlet_alpha_slope(x, alpha), 0)


@tangent(stats.dirichlet.logpdf)
def _(y, x, alpha):
    y_dot = np.sum(x_dot * dirichlet_x_slope(x, alpha), axis=0) + np.sum(
        np.reshape(alpha_dot, (-1,) + (1,) * (np.ndim(x) - 1)) * dirichlet_alpha_slope(x, alpha), axis=0
    )


# shapes (shape_facts.py; the univariate distributions' methods are described in stats_rules.py)
describe(sl.cho_factor, sl.cholesky, sl.det, sl.expm, sl.inv, sl.lu_factor, shape=SHAPE_FIRST)
describe(
    sl.cho_solve, sl.lu_solve, sl.solve, sl.solve_triangular, stats.multivariate_normal.logpdf, stats.dirichlet.logpdf,
    shape=SHAPE_FIRST_TWO,
)  # fmt: skip
