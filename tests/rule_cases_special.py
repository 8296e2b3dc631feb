"""Rows for the rules of scipy.special (rules/special_rules.py): user-style functions and samplers.

Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py. Each function reads its
result out through np.sum(np.sin(...)) or a weighted sum, so the adjoint reaching the rule is not
uniform. Arguments are drawn inside each function's domain, away from its poles and branch points.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from tests.rule_cases_more import normal, positive


def uniform(lo: float, hi: float, *shape: int):
    """Values in [lo, hi) (a Python float without a shape)."""
    return lambda rng: rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def unary(fn):
    """sum(sin(fn(x))): one user-style function per elementwise primitive (fn is a closure cell)."""

    def f(x):
        return np.sum(np.sin(fn(x)))

    f.__name__ = f"{getattr(fn, '__name__', 'fn')}_of"
    return f


def binary(fn):
    """sum(sin(fn(a, b)))."""

    def f(a, b):
        return np.sum(np.sin(fn(a, b)))

    return f


def with_order(fn, order):
    """sum(sin(fn(order, x))): an order parameter held constant."""

    def f(x):
        return np.sum(np.sin(fn(order, x)))

    return f


UNARY = [
    ("expit", special.expit, normal(3, 4)),
    ("log_expit", special.log_expit, normal(5)),
    ("logit", special.logit, uniform(0.05, 0.95, 5)),
    ("softplus", special.softplus, normal(5)),
    ("erf", special.erf, normal(2, 3)),
    ("erfc", special.erfc, normal(5)),
    ("erfi", special.erfi, uniform(-1.0, 1.0, 5)),
    ("erfcx", special.erfcx, normal(5)),
    ("erfinv", special.erfinv, uniform(-0.9, 0.9, 5)),
    ("erfcinv", special.erfcinv, uniform(0.1, 1.9, 5)),
    ("dawsn", special.dawsn, normal(5)),
    ("ndtr", special.ndtr, normal(5)),
    ("log_ndtr", special.log_ndtr, uniform(-6.0, 3.0, 6)),
    ("ndtri", special.ndtri, uniform(0.05, 0.95, 5)),
    ("ndtri_exp", special.ndtri_exp, uniform(-3.0, -0.1, 5)),
    ("gammaln", special.gammaln, uniform(0.3, 5.0, 5)),
    ("gammaln_negative", special.gammaln, uniform(-2.9, -2.1, 4)),
    ("gamma", special.gamma, uniform(0.3, 3.0, 5)),
    ("rgamma", special.rgamma, uniform(0.3, 3.0, 5)),
    ("digamma", special.digamma, uniform(0.3, 5.0, 5)),
    ("psi", special.psi, uniform(0.3, 5.0, 5)),
    ("entr", special.entr, uniform(0.1, 2.0, 5)),
    ("exp1", special.exp1, uniform(0.2, 3.0, 5)),
    ("expi", special.expi, uniform(0.2, 3.0, 5)),
    ("exp2", special.exp2, normal(5)),
    ("exp10", special.exp10, normal(5)),
    ("special_expm1", special.expm1, normal(5)),
    ("special_log1p", special.log1p, uniform(-0.5, 2.0, 5)),
    ("cosm1", special.cosm1, normal(5)),
    ("special_cbrt", special.cbrt, uniform(0.3, 2.0, 5)),
    ("i0", special.i0, normal(5)),
    ("i1", special.i1, normal(5)),
    ("i0e", special.i0e, normal(5)),
    ("i1e", special.i1e, normal(5)),
    ("j0", special.j0, uniform(0.1, 5.0, 5)),
    ("j1", special.j1, uniform(0.1, 5.0, 5)),
    ("y0", special.y0, uniform(0.5, 5.0, 5)),
    ("y1", special.y1, uniform(0.5, 5.0, 5)),
    ("k0", special.k0, uniform(0.3, 3.0, 5)),
    ("k1", special.k1, uniform(0.3, 3.0, 5)),
    ("k0e", special.k0e, uniform(0.3, 3.0, 5)),
    ("k1e", special.k1e, uniform(0.3, 3.0, 5)),
    ("np_i0", np.i0, normal(5)),
]

ORDERED = [
    ("polygamma0", special.polygamma, 0, uniform(0.3, 4.0, 5)),
    ("polygamma2", special.polygamma, 2, uniform(0.3, 4.0, 5)),
    ("jv", special.jv, 1.5, uniform(0.5, 5.0, 5)),
    ("yv", special.yv, 0.5, uniform(0.5, 5.0, 5)),
    ("iv", special.iv, 2.0, normal(5)),
    ("ive", special.ive, 1.0, normal(5)),
    ("kv", special.kv, 0.5, uniform(0.3, 3.0, 5)),
    ("kve", special.kve, 1.5, uniform(0.3, 3.0, 5)),
    ("jn", special.jn, 2, uniform(0.5, 5.0, 5)),
    ("yn", special.yn, 1, uniform(0.5, 5.0, 5)),
    ("gammainc", special.gammainc, 2.5, uniform(0.3, 4.0, 5)),
    ("gammaincc", special.gammaincc, 0.7, uniform(0.3, 4.0, 5)),
]

BINARY = [
    ("betaln", special.betaln, uniform(0.3, 3.0, 3, 1), uniform(0.3, 3.0, 4)),
    ("beta", special.beta, uniform(0.5, 3.0, 4), uniform(0.5, 3.0, 4)),
    ("xlogy", special.xlogy, normal(3, 4), uniform(0.2, 3.0, 4)),
    ("xlog1py", special.xlog1py, normal(4), uniform(-0.5, 3.0, 3, 4)),
    ("rel_entr", special.rel_entr, uniform(0.2, 2.0, 5), uniform(0.2, 2.0, 5)),
    ("kl_div", special.kl_div, uniform(0.2, 2.0, 5), uniform(0.2, 2.0, 5)),
    ("huber", special.huber, uniform(0.5, 1.5), normal(6)),
    ("huber_elementwise_delta", special.huber, uniform(0.5, 1.5, 6), normal(6)),
    ("pseudo_huber", special.pseudo_huber, uniform(0.5, 1.5, 6), normal(6)),
]


def multigammaln_of(a):
    return np.sin(special.multigammaln(a, 3))


def xlogy_zero_x(y):
    x = np.array([0.0, 1.0, 0.0, 2.0])
    return np.sum(np.sin(special.xlogy(x, y)))


def betainc_x(x):
    return np.sum(np.sin(special.betainc(2.0, 3.5, x)))


def lse_all(a):
    return np.sin(special.logsumexp(a))


def lse_axis(a):
    return np.sum(np.sin(special.logsumexp(a, axis=1)))


def lse_axis_keepdims(a):
    return np.sum(np.sin(special.logsumexp(a, axis=0, keepdims=True)) * a)


def lse_axis_tuple(a):
    return np.sum(np.sin(special.logsumexp(a, axis=(0, 2))))


def lse_b(a, b):
    return np.sum(np.sin(special.logsumexp(a, axis=-1, b=b)))


def lse_return_sign_false(a):
    return np.sum(np.sin(special.logsumexp(a, axis=0, return_sign=False)))


def lse_b_broadcast(a, b):
    return np.sin(special.logsumexp(a, b=b))


def softmax_all(x):
    return np.sum(np.sin(special.softmax(x)))


def softmax_axis(x):
    return np.sum(np.sin(special.softmax(x, axis=1)) * x)


def log_softmax_axis(x):
    return np.sum(np.sin(special.log_softmax(x, axis=0)))


def log_softmax_all(x):
    return np.sum(np.sin(special.log_softmax(x)))


SPECIAL_CASES = (
    [(f"special.{name}", unary(fn), [sampler], 0) for name, fn, sampler in UNARY]
    + [(f"special.{name}", with_order(fn, order), [sampler], 0) for name, fn, order, sampler in ORDERED]
    + [(f"special.{name}", binary(fn), [sa, sb], (0, 1)) for name, fn, sa, sb in BINARY]
    + [
        ("special.multigammaln", multigammaln_of, [uniform(2.0, 5.0)], 0),
        ("special.xlogy:zero_x", xlogy_zero_x, [uniform(0.2, 3.0, 4)], 0),
        ("special.betainc", betainc_x, [uniform(0.1, 0.9, 5)], 0),
        ("special.logsumexp", lse_all, [normal(3, 4)], 0),
        ("special.logsumexp:axis", lse_axis, [normal(3, 4)], 0),
        ("special.logsumexp:keepdims", lse_axis_keepdims, [normal(3, 4)], 0),
        ("special.logsumexp:axis_tuple", lse_axis_tuple, [normal(2, 3, 4)], 0),
        ("special.logsumexp:b", lse_b, [normal(3, 4), positive(3, 4)], (0, 1)),
        ("special.logsumexp:return_sign_false", lse_return_sign_false, [normal(3, 4)], 0),
        ("special.logsumexp:b_broadcast", lse_b_broadcast, [normal(3, 4), positive(4)], (0, 1)),
        ("special.softmax", softmax_all, [normal(3, 4)], 0),
        ("special.softmax:axis", softmax_axis, [normal(3, 4)], 0),
        ("special.log_softmax:axis", log_softmax_axis, [normal(3, 4)], 0),
        ("special.log_softmax", log_softmax_all, [normal(5)], 0),
    ]
)


def spence_of(x):
    return np.sum(np.sin(special.spence(x)))


def expn_of(x):
    return np.sum(np.sin(special.expn(2, x) + special.expn(0, x)))


def zeta_q(q):
    return np.sum(np.sin(special.zeta(2.5, q)))


SPECIAL_CASES += [
    ("special.spence", spence_of, [uniform(0.2, 3.0, 5)], 0),
    ("special.expn", expn_of, [uniform(0.3, 3.0, 5)], 0),
    ("special.zeta:q", zeta_q, [uniform(0.5, 3.0, 5)], 0),
]
