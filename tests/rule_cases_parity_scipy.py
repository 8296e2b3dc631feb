"""Rows for the rules of rules/stats_rules.py (more scipy.stats distributions and scipy.special
functions, issue 15). Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py;
each function weighs each method's values by its own fixed random array before summing, so that a
wrong derivative of one method or one element cannot hide in a sum."""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from tests.rule_cases_more import normal

_rng = np.random.default_rng(2715)
A, B, C, D = (_rng.standard_normal(4) for _ in range(4))


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def counts(*values):
    return lambda rng: np.array(values)


X = normal(4)  # anywhere
LOC = uniform(-0.5, 0.5)
SCALE = uniform(1.2, 2.0)
Q = uniform(0.1, 0.9, 4)
# support z > 0 (x > loc): expon, chi2, gamma; 0 < z < 1: uniform, beta; z > 1: pareto
X_POS, LOC_NEG = uniform(0.2, 2.0, 4), uniform(-1.0, -0.5)
X_UNIT, LOC_UNIT, SCALE_UNIT = uniform(0.1, 1.4, 4), uniform(-0.5, -0.05), uniform(1.5, 2.0)
SCALE_SMALL = uniform(0.3, 0.4)


# ============================================================ location-scale families, no shape


def cauchy_densities(x, loc, scale):
    return np.sum(A * np.sin(stats.cauchy.logpdf(x, loc, scale)) + B * np.sin(3.0 * stats.cauchy.pdf(x, loc, scale)))


def cauchy_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.cauchy.cdf(x, loc, scale)) + B * stats.cauchy.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.cauchy.logcdf(x, loc, scale)) + D * np.sin(stats.cauchy.logsf(x, loc, scale))
    )


def cauchy_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.cauchy.ppf(q, loc, scale)) + B * np.sin(stats.cauchy.isf(q, loc, scale)))


def expon_densities(x, loc, scale):
    return np.sum(A * np.sin(stats.expon.logpdf(x, loc, scale)) + B * np.sin(3.0 * stats.expon.pdf(x, loc, scale)))


def expon_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.expon.cdf(x, loc, scale)) + B * stats.expon.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.expon.logcdf(x, loc, scale)) + D * np.sin(stats.expon.logsf(x, loc, scale))
    )


def expon_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.expon.ppf(q, loc, scale)) + B * np.sin(stats.expon.isf(q, loc, scale)))


def laplace_densities(x, loc, scale):
    return np.sum(A * np.sin(stats.laplace.logpdf(x, loc, scale)) + B * np.sin(3.0 * stats.laplace.pdf(x, loc, scale)))


def laplace_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.laplace.cdf(x, loc, scale)) + B * stats.laplace.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.laplace.logcdf(x, loc, scale)) + D * np.sin(stats.laplace.logsf(x, loc, scale))
    )


def laplace_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.laplace.ppf(q, loc, scale)) + B * np.sin(stats.laplace.isf(q, loc, scale)))


def logistic_densities(x, loc, scale):
    return np.sum(
        A * np.sin(stats.logistic.logpdf(x, loc, scale)) + B * np.sin(3.0 * stats.logistic.pdf(x, loc, scale))
    )


def logistic_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.logistic.cdf(x, loc, scale)) + B * stats.logistic.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.logistic.logcdf(x, loc, scale)) + D * np.sin(stats.logistic.logsf(x, loc, scale))
    )


def logistic_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.logistic.ppf(q, loc, scale)) + B * np.sin(stats.logistic.isf(q, loc, scale)))


def gumbel_densities(x, loc, scale):
    return np.sum(
        A * np.sin(stats.gumbel_r.logpdf(x, loc, scale)) + B * np.sin(3.0 * stats.gumbel_r.pdf(x, loc, scale))
    ) + np.sum(C * np.sin(stats.gumbel_l.logpdf(x, loc, scale)) + D * np.sin(3.0 * stats.gumbel_l.pdf(x, loc, scale)))


def gumbel_r_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.gumbel_r.cdf(x, loc, scale)) + B * stats.gumbel_r.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.gumbel_r.logcdf(x, loc, scale)) + D * np.sin(stats.gumbel_r.logsf(x, loc, scale))
    )


def gumbel_l_distribution(x, loc, scale):
    return np.sum(A * np.sin(stats.gumbel_l.cdf(x, loc, scale)) + B * stats.gumbel_l.sf(x, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.gumbel_l.logcdf(x, loc, scale)) + D * np.sin(stats.gumbel_l.logsf(x, loc, scale))
    )


def gumbel_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.gumbel_r.ppf(q, loc, scale)) + B * np.sin(stats.gumbel_l.ppf(q, loc, scale)))


def uniform_all(x, loc, scale):
    return np.sum(
        A * np.sin(stats.uniform.logpdf(x, loc, scale))
        + B * np.sin(stats.uniform.pdf(x, loc, scale))
        + C * np.sin(stats.uniform.cdf(x, loc, scale))
    )


def uniform_norm_quantiles(q, loc, scale):
    return np.sum(A * np.sin(stats.uniform.ppf(q, loc, scale)) + B * np.sin(stats.norm.isf(q, loc, scale)))


# ========================================================== with shape parameters


def chi2_densities(x, df, loc, scale):
    return np.sum(
        A * np.sin(stats.chi2.logpdf(x, df, loc, scale)) + B * np.sin(3.0 * stats.chi2.pdf(x, df, loc, scale))
    )


def chi2_distribution(x, df, loc, scale):
    return np.sum(A * np.sin(stats.chi2.cdf(x, df, loc, scale)) + B * stats.chi2.sf(x, df, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.chi2.logcdf(x, df, loc, scale)) + D * np.sin(stats.chi2.logsf(x, df, loc, scale))
    )


def gamma_pdf(x, a, loc, scale):
    return np.sum(A * np.sin(3.0 * stats.gamma.pdf(x, a, loc, scale)))


def gamma_distribution(x, a, loc, scale):
    return np.sum(A * np.sin(stats.gamma.cdf(x, a, loc, scale)) + B * stats.gamma.sf(x, a, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.gamma.logcdf(x, a, loc, scale)) + D * np.sin(stats.gamma.logsf(x, a, loc, scale))
    )


def beta_pdf(x, a, b, loc, scale):
    return np.sum(A * np.sin(stats.beta.pdf(x, a, b, loc, scale)))


def beta_distribution(x, a, b, loc, scale):
    return np.sum(
        A * np.sin(stats.beta.cdf(x, a, b, loc, scale)) + B * stats.beta.sf(x, a, b, loc, scale) ** 2
    ) + np.sum(C * np.sin(stats.beta.logcdf(x, a, b, loc, scale)) + D * np.sin(stats.beta.logsf(x, a, b, loc, scale)))


def t_pdf(x, df, loc, scale):
    return np.sum(A * np.sin(3.0 * stats.t.pdf(x, df, loc, scale)))


def t_distribution(x, df, loc, scale):
    return np.sum(A * np.sin(stats.t.cdf(x, df, loc, scale)) + B * stats.t.sf(x, df, loc, scale) ** 2) + np.sum(
        C * np.sin(stats.t.logcdf(x, df, loc, scale)) + D * np.sin(stats.t.logsf(x, df, loc, scale))
    )


def pareto_all(x, b, loc, scale):
    return (
        np.sum(A * np.sin(stats.pareto.logpdf(x, b, loc, scale)) + B * np.sin(3.0 * stats.pareto.pdf(x, b, loc, scale)))
        + np.sum(C * np.sin(stats.pareto.cdf(x, b, loc, scale)) + D * np.sin(stats.pareto.sf(x, b, loc, scale)))
        + np.sum(A * np.sin(stats.pareto.logcdf(x, b, loc, scale)) + B * np.sin(stats.pareto.logsf(x, b, loc, scale)))
    )


def pareto_ppf(q, b, loc, scale):
    return np.sum(A * np.sin(stats.pareto.ppf(q, b, loc, scale)))


def vonmises_densities(x, kappa, loc, scale):
    return np.sum(
        A * np.sin(stats.vonmises.logpdf(x, kappa, loc, scale))
        + B * np.sin(3.0 * stats.vonmises.pdf(x, kappa, loc, scale))
    )


def gennorm_all(x, beta, loc, scale):
    return np.sum(
        A * np.sin(stats.gennorm.logpdf(x, beta, loc, scale)) + B * np.sin(3.0 * stats.gennorm.pdf(x, beta, loc, scale))
    )


def gennorm_cdf(x, beta, loc, scale):
    return np.sum(A * np.sin(stats.gennorm.cdf(x, beta, loc, scale)))


# =============================================================================== discrete


def poisson_pmf_cdf(k, mu, loc):
    return np.sum(A * np.sin(3.0 * stats.poisson.pmf(k, mu, loc)) + B * np.sin(stats.poisson.cdf(k, mu, loc)))


def binom_both(k, n, p, loc):
    return np.sum(A * np.sin(stats.binom.logpmf(k, n, p, loc)) + B * np.sin(3.0 * stats.binom.pmf(k, n, p, loc)))


def geom_both(k, p, loc):
    return np.sum(A * np.sin(stats.geom.logpmf(k, p, loc)) + B * np.sin(3.0 * stats.geom.pmf(k, p, loc)))


def nbinom_both(k, n, p, loc):
    return np.sum(A * np.sin(stats.nbinom.logpmf(k, n, p, loc)) + B * np.sin(3.0 * stats.nbinom.pmf(k, n, p, loc)))


def bernoulli_both(k, p, loc):
    return np.sum(A * np.sin(stats.bernoulli.logpmf(k, p, loc)) + B * np.sin(3.0 * stats.bernoulli.pmf(k, p, loc)))


# ============================================================================ scipy.special


def loggamma_of(x):
    return np.sum(A * np.sin(special.loggamma(x)))


def hyp1f1_of(a, b, x):
    return np.sum(A * np.sin(special.hyp1f1(a, b, x)))


def hyp2f1_of(a, b, c, z):
    return np.sum(A * np.sin(special.hyp2f1(a, b, c, z)))


def owens_t_of(h, a):
    return np.sum(A * np.sin(5.0 * special.owens_t(h, a)))


def poch_of(z, m):
    return np.sum(A * np.sin(special.poch(z, m)))


def boxcox_of(x, lmbda):
    return np.sum(A * np.sin(special.boxcox(x, lmbda)) + B * np.sin(special.boxcox1p(x, lmbda)))


FAMILY = [LOC, SCALE]
PARITY_SCIPY_CASES = [
    ("stats.cauchy:densities", cauchy_densities, [X, *FAMILY], (0, 1, 2)),
    ("stats.cauchy:distribution", cauchy_distribution, [X, *FAMILY], (0, 1, 2)),
    ("stats.cauchy:quantiles", cauchy_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.expon:densities", expon_densities, [X_POS, LOC_NEG, SCALE], (0, 1, 2)),
    ("stats.expon:distribution", expon_distribution, [X_POS, LOC_NEG, SCALE], (0, 1, 2)),
    ("stats.expon:quantiles", expon_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.laplace:densities", laplace_densities, [X, *FAMILY], (0, 1, 2)),
    ("stats.laplace:distribution", laplace_distribution, [X, *FAMILY], (0, 1, 2)),
    ("stats.laplace:quantiles", laplace_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.logistic:densities", logistic_densities, [X, *FAMILY], (0, 1, 2)),
    ("stats.logistic:distribution", logistic_distribution, [X, *FAMILY], (0, 1, 2)),
    ("stats.logistic:quantiles", logistic_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.gumbel:densities", gumbel_densities, [X, *FAMILY], (0, 1, 2)),
    ("stats.gumbel_r:distribution", gumbel_r_distribution, [X, *FAMILY], (0, 1, 2)),
    ("stats.gumbel_l:distribution", gumbel_l_distribution, [X, *FAMILY], (0, 1, 2)),
    ("stats.gumbel:quantiles", gumbel_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.uniform", uniform_all, [X_UNIT, LOC_UNIT, SCALE_UNIT], (0, 1, 2)),
    ("stats.uniform_norm:quantiles", uniform_norm_quantiles, [Q, *FAMILY], (0, 1, 2)),
    ("stats.chi2:densities", chi2_densities, [X_POS, uniform(1.5, 5.0, 4), LOC_NEG, SCALE], (0, 1, 2, 3)),
    ("stats.chi2:distribution", chi2_distribution, [X_POS, uniform(1.5, 5.0), LOC_NEG, SCALE], (0, 2, 3)),
    ("stats.gamma.pdf", gamma_pdf, [X_POS, uniform(1.5, 3.0, 4), LOC_NEG, SCALE], (0, 1, 2, 3)),
    ("stats.gamma:distribution", gamma_distribution, [X_POS, uniform(1.5, 3.0), LOC_NEG, SCALE], (0, 2, 3)),
    (
        "stats.beta.pdf",
        beta_pdf,
        [X_UNIT, uniform(1.5, 3.0, 4), uniform(1.5, 3.0), LOC_UNIT, SCALE_UNIT],
        (0, 1, 2, 3, 4),
    ),
    (
        "stats.beta:distribution",
        beta_distribution,
        [X_UNIT, uniform(1.5, 3.0), uniform(1.5, 3.0), LOC_UNIT, SCALE_UNIT],
        (0, 3, 4),
    ),
    ("stats.t.pdf", t_pdf, [X, uniform(2.0, 6.0, 4), *FAMILY], (0, 1, 2, 3)),
    ("stats.t:distribution", t_distribution, [X, uniform(2.0, 6.0), *FAMILY], (0, 2, 3)),
    ("stats.pareto", pareto_all, [uniform(0.5, 2.0, 4), uniform(1.5, 3.0), LOC_NEG, SCALE_SMALL], (0, 1, 2, 3)),
    ("stats.pareto.ppf", pareto_ppf, [Q, uniform(1.5, 3.0, 4), *FAMILY], (0, 1, 2, 3)),
    (
        "stats.vonmises",
        vonmises_densities,
        [uniform(-1.0, 1.0, 4), uniform(0.5, 3.0), uniform(-0.2, 0.2), uniform(1.0, 1.2)],
        (0, 1, 2, 3),
    ),
    ("stats.gennorm", gennorm_all, [X, uniform(1.3, 3.0, 4), *FAMILY], (0, 1, 2, 3)),
    ("stats.gennorm.cdf", gennorm_cdf, [X, uniform(1.3, 3.0), *FAMILY], (0, 2, 3)),
    ("stats.poisson:pmf_cdf", poisson_pmf_cdf, [counts(1, 3, 0, 5), uniform(0.5, 4.0, 4), counts(0)], 1),
    ("stats.binom", binom_both, [counts(1, 3, 0, 5), counts(6), uniform(0.2, 0.8, 4), counts(0)], 2),
    ("stats.geom", geom_both, [counts(2, 3, 1, 5), uniform(0.2, 0.8, 4), counts(0)], 1),
    ("stats.nbinom", nbinom_both, [counts(1, 3, 0, 5), uniform(1.5, 4.0, 4), uniform(0.2, 0.8, 4), counts(0)], (1, 2)),
    ("stats.bernoulli", bernoulli_both, [counts(1, 0, 0, 1), uniform(0.2, 0.8, 4), counts(0)], 1),
    ("special.loggamma", loggamma_of, [uniform(0.5, 4.0, 4)], 0),
    ("special.hyp1f1", hyp1f1_of, [uniform(0.5, 2.0), uniform(1.0, 3.0), uniform(-1.0, 1.0, 4)], 2),
    ("special.hyp2f1", hyp2f1_of, [uniform(0.5, 2.0), uniform(0.5, 2.0), uniform(2.5, 4.0), uniform(-0.8, 0.8, 4)], 3),
    ("special.owens_t", owens_t_of, [normal(4), uniform(-2.0, 2.0, 4)], (0, 1)),
    ("special.poch", poch_of, [uniform(0.5, 3.0, 4), uniform(-0.4, 2.0, 4)], (0, 1)),
    ("special.boxcox", boxcox_of, [uniform(0.5, 3.0, 4), uniform(-1.0, 2.0)], 0),
]
