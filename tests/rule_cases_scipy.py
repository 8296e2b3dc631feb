"""Rows for the rules of scipy.linalg and scipy.stats (rules/scipy_rules.py): user-style functions
and samplers. Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py."""

from __future__ import annotations

import numpy as np
import scipy.linalg as sl
from scipy import stats

from tests.rule_cases_more import normal, positive, spd, square


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def triangular_lower(n):
    return lambda rng: (
        np.tril(rng.standard_normal((n, n))) * 0.3 + np.eye(n) * 2.0 + np.triu(rng.standard_normal((n, n)), 1)
    )


# ================================================================================== scipy.linalg


def solve_triangular_upper(a, b):
    return np.sum(np.sin(sl.solve_triangular(a, b)))


def solve_triangular_lower_trans(a, b):
    return np.sum(np.sin(sl.solve_triangular(a, b, trans="T", lower=True)))


def solve_triangular_unit(a, b):
    return np.sum(np.sin(sl.solve_triangular(a, b, lower=True, unit_diagonal=True, check_finite=False)))


def scipy_solve(a, b):
    return np.sum(np.sin(sl.solve(a, b)))


def scipy_solve_pos(a, b):
    return np.sum(np.sin(sl.solve(a, b, assume_a="pos")))


def scipy_solve_sym_lower_transposed(a, b):
    return np.sum(np.sin(sl.solve(a, b, lower=True, assume_a="sym")))


def scipy_solve_transposed(a, b):
    return np.sum(np.sin(sl.solve(a, b, transposed=True)))


def scipy_inv(a):
    return np.sum(np.sin(sl.inv(a)))


def scipy_det(a):
    return np.sin(sl.det(a))


def scipy_cholesky(a):
    return np.sum(np.sin(sl.cholesky(a)))


def scipy_cholesky_lower(a):
    return np.sum(np.sin(sl.cholesky(a, lower=True)))


def cho_solve_of(a, b):
    return np.sum(np.sin(sl.cho_solve(sl.cho_factor(a), b)))


def cho_solve_lower_unpacked(a, b):
    c, low = sl.cho_factor(a, lower=True)
    return np.sum(np.sin(sl.cho_solve((c, low), b)))


def expm_of(a):
    return np.sum(np.sin(sl.expm(a)))


def expm_stacked(a):
    return np.sum(np.sin(sl.expm(a)) * np.arange(18.0).reshape(2, 3, 3))


# =================================================================================== scipy.stats


def norm_logpdf(x, loc, scale):
    return np.sum(np.sin(stats.norm.logpdf(x, loc, scale)))


def norm_logpdf_keywords(x, scale):
    return np.sum(stats.norm.logpdf(x, scale=scale) * np.arange(4.0))


def norm_pdf(x, loc, scale):
    return np.sum(np.sin(stats.norm.pdf(x, loc=loc, scale=scale)))


def norm_cdf(x, loc, scale):
    return np.sum(np.sin(stats.norm.cdf(x, loc, scale)))


def norm_logcdf(x, loc, scale):
    return np.sum(np.sin(stats.norm.logcdf(x, loc, scale)))


def norm_sf(x, loc, scale):
    return np.sum(np.sin(stats.norm.sf(x, loc, scale)))


def norm_logsf(x, loc, scale):
    return np.sum(np.sin(stats.norm.logsf(x, loc, scale)))


def norm_ppf(q, loc, scale):
    return np.sum(np.sin(stats.norm.ppf(q, loc, scale)))


def t_logpdf(x, df, loc, scale):
    return np.sum(np.sin(stats.t.logpdf(x, df, loc, scale)))


def gamma_logpdf(x, a, scale):
    return np.sum(np.sin(stats.gamma.logpdf(x, a, scale=scale)))


def gamma_logpdf_loc(x, a, loc):
    return np.sum(np.sin(stats.gamma.logpdf(x, a, loc)))


def beta_logpdf(x, a, b):
    return np.sum(np.sin(stats.beta.logpdf(x, a, b)))


def beta_logpdf_loc_scale(x, loc, scale):
    return np.sum(np.sin(stats.beta.logpdf(x, 2.0, 3.0, loc, scale)))


K = np.array([0, 1, 3, 2, 5])


def poisson_logpmf(mu):
    return np.sum(np.sin(stats.poisson.logpmf(K, mu)))


def mvn_logpdf_x_mean(x, mean):
    return np.sin(stats.multivariate_normal.logpdf(x, mean, COV))


def mvn_logpdf_rows(x, mean, cov):
    return np.sum(np.sin(stats.multivariate_normal.logpdf(x, mean, cov)))


def mvn_logpdf_not_singular(x):
    return np.sin(stats.multivariate_normal.logpdf(x, np.zeros(3), COV, allow_singular=False))


def mvn_logpdf_cov(cov):
    return np.sin(stats.multivariate_normal.logpdf(X3, cov=cov))


def mvn_logpdf_diag(x, cov):
    return np.sin(stats.multivariate_normal.logpdf(x, np.zeros(3), cov))


COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
X3 = np.array([0.3, -0.5, 1.2])


def dirichlet_logpdf(u, alpha):
    x = np.exp(u) / np.sum(np.exp(u))  # on the simplex however u moves (differences stay inside)
    return np.sin(stats.dirichlet.logpdf(x, alpha))


def dirichlet_logpdf_many(u, alpha):
    x = np.exp(u) / np.sum(np.exp(u), axis=0)
    return np.sum(np.sin(stats.dirichlet.logpdf(x, alpha)))


SCIPY_CASES = [
    ("scipy.linalg.solve_triangular", solve_triangular_upper, [square(3, 3), normal(3)], (0, 1)),
    (
        "scipy.linalg.solve_triangular:lower_trans",
        solve_triangular_lower_trans,
        [triangular_lower(3), normal(3, 2)],
        (0, 1),
    ),
    ("scipy.linalg.solve_triangular:unit", solve_triangular_unit, [normal(3, 3), normal(3, 2)], (0, 1)),
    ("scipy.linalg.solve", scipy_solve, [square(3, 3), normal(3)], (0, 1)),
    ("scipy.linalg.solve:pos", scipy_solve_pos, [spd(3, 3), normal(3, 2)], (0, 1)),
    ("scipy.linalg.solve:sym_lower", scipy_solve_sym_lower_transposed, [spd(3, 3), normal(3)], (0, 1)),
    ("scipy.linalg.solve:transposed", scipy_solve_transposed, [square(3, 3), normal(3, 2)], (0, 1)),
    ("scipy.linalg.inv", scipy_inv, [square(3, 3)], 0),
    ("scipy.linalg.det", scipy_det, [square(3, 3)], 0),
    ("scipy.linalg.cholesky", scipy_cholesky, [spd(3, 3)], 0),
    ("scipy.linalg.cholesky:lower", scipy_cholesky_lower, [spd(3, 3)], 0),
    ("scipy.linalg.cho_solve", cho_solve_of, [spd(3, 3), normal(3)], (0, 1)),
    ("scipy.linalg.cho_solve:lower_unpacked", cho_solve_lower_unpacked, [spd(3, 3), normal(3, 2)], (0, 1)),
    ("scipy.linalg.expm", expm_of, [normal(3, 3)], 0),
    ("scipy.linalg.expm:stacked", expm_stacked, [normal(2, 3, 3)], 0),
    ("scipy.stats.norm.logpdf", norm_logpdf, [normal(4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    ("scipy.stats.norm.logpdf:keywords", norm_logpdf_keywords, [normal(4), positive(4)], (0, 1)),
    ("scipy.stats.norm.pdf", norm_pdf, [normal(4), normal(4), positive(4)], (0, 1, 2)),
    ("scipy.stats.norm.cdf", norm_cdf, [normal(4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    ("scipy.stats.norm.logcdf", norm_logcdf, [normal(4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    ("scipy.stats.norm.sf", norm_sf, [normal(4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    ("scipy.stats.norm.logsf", norm_logsf, [normal(4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    ("scipy.stats.norm.ppf", norm_ppf, [uniform(0.1, 0.9, 4), uniform(-0.5, 0.5), uniform(0.5, 2.0)], (0, 1, 2)),
    (
        "scipy.stats.t.logpdf",
        t_logpdf,
        [normal(4), uniform(1.5, 6.0), uniform(-0.5, 0.5), uniform(0.5, 2.0)],
        (0, 1, 2, 3),
    ),
    ("scipy.stats.gamma.logpdf", gamma_logpdf, [positive(4), uniform(1.5, 4.0), uniform(0.5, 2.0)], (0, 1, 2)),
    (
        "scipy.stats.gamma.logpdf:loc",
        gamma_logpdf_loc,
        [uniform(1.0, 3.0, 4), uniform(1.5, 4.0), uniform(-0.5, 0.5)],
        (0, 1, 2),
    ),
    ("scipy.stats.beta.logpdf", beta_logpdf, [uniform(0.1, 0.9, 4), uniform(1.2, 4.0), uniform(1.2, 4.0)], (0, 1, 2)),
    (
        "scipy.stats.beta.logpdf:loc_scale",
        beta_logpdf_loc_scale,
        [uniform(0.3, 1.2, 4), uniform(-0.1, 0.1), uniform(1.5, 2.0)],
        (0, 1, 2),
    ),
    ("scipy.stats.poisson.logpmf", poisson_logpmf, [positive(5)], 0),
    ("scipy.stats.multivariate_normal.logpdf", mvn_logpdf_x_mean, [normal(3), normal(3)], (0, 1)),
    (
        "scipy.stats.multivariate_normal.logpdf:rows_cov",
        mvn_logpdf_rows,
        [normal(4, 3), normal(3), spd(3, 3)],
        (0, 1, 2),
    ),
    ("scipy.stats.multivariate_normal.logpdf:allow_singular", mvn_logpdf_not_singular, [normal(3)], 0),
    ("scipy.stats.multivariate_normal.logpdf:cov", mvn_logpdf_cov, [spd(3, 3)], 0),
    ("scipy.stats.multivariate_normal.logpdf:diagonal", mvn_logpdf_diag, [normal(3), positive(3)], (0, 1)),
    ("scipy.stats.dirichlet.logpdf", dirichlet_logpdf, [normal(3), uniform(0.5, 3.0, 3)], (0, 1)),
    ("scipy.stats.dirichlet.logpdf:many", dirichlet_logpdf_many, [normal(3, 4), uniform(0.5, 3.0, 3)], (0, 1)),
]


def scipy_keywords(a, b):
    x = sl.solve(a, b, lower=False, check_finite=True, assume_a="gen", transposed=False)
    y = sl.inv(a, check_finite=False) @ b
    c, low = sl.cho_factor(a @ a.T + 3.0 * np.eye(3), lower=False, check_finite=True)
    z = sl.cho_solve((c, low), b, check_finite=False)
    u = sl.cholesky(a @ a.T + 3.0 * np.eye(3), lower=True, check_finite=False)
    return np.sum(np.sin(x + y + z)) + np.sin(sl.det(a, check_finite=True)) + np.sum(np.sin(u))


def poisson_loc(mu):
    return np.sum(np.sin(stats.poisson.logpmf(K + 1, mu, loc=1)))


SCIPY_CASES += [
    ("scipy.linalg:keywords", scipy_keywords, [square(3, 3), normal(3)], (0, 1)),
    ("scipy.stats.poisson.logpmf:loc", poisson_loc, [positive(5)], 0),
]


def lu_solve_of(a, b):
    return np.sum(np.sin(sl.lu_solve(sl.lu_factor(a), b)))


def lu_solve_keywords(a, b):
    lu, piv = sl.lu_factor(a, check_finite=True)
    return np.sum(np.sin(sl.lu_solve((lu, piv), b, trans=0, check_finite=False)))


def lu_factor_factors(a):
    lu, piv = sl.lu_factor(a)
    return np.sum(np.sin(lu))


SCIPY_CASES += [
    ("scipy.linalg.lu_solve", lu_solve_of, [normal(4, 4), normal(4)], (0, 1)),
    ("scipy.linalg.lu_solve:keywords", lu_solve_keywords, [normal(3, 3), normal(3, 2)], (0, 1)),
    ("scipy.linalg.lu_factor", lu_factor_factors, [normal(4, 4)], 0),
]
