"""Rules of scipy.special (registered only when SciPy is importable), and of np.i0, math.lgamma
and math.gamma, whose derivatives are scipy.special's i1 and digamma.

Most entries are elementwise: the derivative as an expression in `x` (the argument) and `y` (the
result). Derivatives are written with scipy.special functions that have rules themselves, so the
gradients they generate differentiate again. An order or shape parameter (polygamma's n, jv's v,
gammainc's a) is not differentiated: it is declared unsupported (an input-dependent value there is
refused when the gradient is generated), or static where it is an integer (jn's n).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import math

import numpy as np
from scipy import special

from ..runtime import (
    expn_slope,
    lse_weights,
    multidigamma,
    ones_if_none,
    spence_slope,  # noqa: F401  (named in a derivative string)
    unbroadcast,
    unreduce,
)
from .registry import (
    SHAPE_ALL,
    SHAPE_FIRST,
    adjoint,
    declare,
    describe,
    elementwise,
    mark_elementwise,
    nondifferentiable,
    tangent,
)

_SQRT_PI = 1.7724538509055159  # √π
_SQRT_2PI = 2.5066282746310002  # √(2π)

# --- one argument: derivative in terms of x (argument) and y (result) ----------------------------
elementwise(special.expit, "y * (1.0 - y)", globals())
elementwise(special.log_expit, "special.expit(-x)", globals())
elementwise(special.logit, "1.0 / (x * (1.0 - x))", globals())
elementwise(special.softplus, "special.expit(x)", globals())
elementwise(special.erf, "(2.0 / _SQRT_PI) * np.exp(-(x * x))", globals())
elementwise(special.erfc, "(-2.0 / _SQRT_PI) * np.exp(-(x * x))", globals())
elementwise(special.erfi, "(2.0 / _SQRT_PI) * np.exp(x * x)", globals())
elementwise(special.erfcx, "(2.0 * x * y - 2.0 / _SQRT_PI)", globals())
elementwise(special.erfinv, "(0.5 * _SQRT_PI) * np.exp(y * y)", globals())
elementwise(special.erfcinv, "(-0.5 * _SQRT_PI) * np.exp(y * y)", globals())
elementwise(special.dawsn, "(1.0 - 2.0 * x * y)", globals())
elementwise(special.ndtr, "np.exp(-0.5 * x * x) / _SQRT_2PI", globals())
elementwise(special.log_ndtr, "np.exp(-0.5 * x * x - y) / _SQRT_2PI", globals())  # φ(x) / Φ(x)
elementwise(special.ndtri, "_SQRT_2PI * np.exp(0.5 * y * y)", globals())
elementwise(special.ndtri_exp, "_SQRT_2PI * np.exp(x + 0.5 * y * y)", globals())  # 1 / (d log Φ / dy)
elementwise(special.gammaln, "special.digamma(x)", globals())
elementwise(special.gamma, "y * special.digamma(x)", globals())
elementwise(math.lgamma, "special.digamma(x)", globals())
elementwise(math.gamma, "y * special.digamma(x)", globals())
elementwise(special.rgamma, "-y * special.digamma(x)", globals())
elementwise(special.digamma, "special.polygamma(1, x)", globals())
elementwise(special.entr, "-(np.log(x) + 1.0)", globals())
elementwise(special.exp1, "-np.exp(-x) / x", globals())
elementwise(special.expi, "np.exp(x) / x", globals())
elementwise(special.exp2, "y * np.log(2.0)", globals())
elementwise(special.exp10, "y * np.log(10.0)", globals())
elementwise(special.expm1, "(y + 1.0)", globals())
elementwise(special.log1p, "1.0 / (1.0 + x)", globals())
elementwise(special.cosm1, "-np.sin(x)", globals())
elementwise(special.cbrt, "1.0 / (3.0 * y * y)", globals())
# Bessel functions: I0' = I1, I1' = (I0 + I2) / 2; the exponentially scaled ones lose sign(x) times
# themselves (i0e = e^{-|x|} I0); J0' = -J1, J1' = (J0 - J2) / 2, likewise Y; K0' = -K1, K1' = -(K0 + K2) / 2
elementwise(special.i0, "special.i1(x)", globals())
elementwise(special.i1, "0.5 * (special.i0(x) + special.iv(2.0, x))", globals())
elementwise(special.i0e, "(special.i1e(x) - np.sign(x) * y)", globals())
elementwise(special.i1e, "(0.5 * (special.i0e(x) + special.ive(2.0, x)) - np.sign(x) * y)", globals())
elementwise(special.j0, "-special.j1(x)", globals())
elementwise(special.j1, "0.5 * (special.j0(x) - special.jv(2.0, x))", globals())
elementwise(special.y0, "-special.y1(x)", globals())
elementwise(special.y1, "0.5 * (special.y0(x) - special.yv(2.0, x))", globals())
elementwise(special.k0, "-special.k1(x)", globals())
elementwise(special.k1, "-0.5 * (special.k0(x) + special.kv(2.0, x))", globals())
elementwise(special.k0e, "(y - special.k1e(x))", globals())
elementwise(special.k1e, "(y - 0.5 * (special.k0e(x) + special.kve(2.0, x)))", globals())
elementwise(np.i0, "special.i1(x)", globals())
elementwise(special.spence, "spence_slope(x)", globals())
nondifferentiable(special.gammasgn)

# --- an order (not differentiated) and x ----------------------------------------------------------


@adjoint(special.polygamma)
def _(y, n, x):
    x_bar = unbroadcast(y_bar * special.polygamma(n + 1, x), x)


@tangent(special.polygamma)
def _(y, n, x):
    y_dot = x_dot * special.polygamma(n + 1, x)


@adjoint(special.multigammaln)
def _(y, a, d):
    a_bar = y_bar * multidigamma(a, d)


@tangent(special.multigammaln)
def _(y, a, d):
    y_dot = a_dot * multidigamma(a, d)


# Bessel functions of order v: J_v' = (J_{v-1} - J_{v+1}) / 2 (Y and yn likewise; jn is jv),
# I_v' = (I_{v-1} + I_{v+1}) / 2, K_v' = -(K_{v-1} + K_{v+1}) / 2; ive = e^{-|x|} I_v, kve = e^x K_v


@adjoint(special.jv)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * 0.5 * (special.jv(v - 1.0, z) - special.jv(v + 1.0, z)), z)


@tangent(special.jv)
def _(y, v, z):
    y_dot = z_dot * 0.5 * (special.jv(v - 1.0, z) - special.jv(v + 1.0, z))


@adjoint(special.yv)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * 0.5 * (special.yv(v - 1.0, z) - special.yv(v + 1.0, z)), z)


@tangent(special.yv)
def _(y, v, z):
    y_dot = z_dot * 0.5 * (special.yv(v - 1.0, z) - special.yv(v + 1.0, z))


@adjoint(special.iv)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * 0.5 * (special.iv(v - 1.0, z) + special.iv(v + 1.0, z)), z)


@tangent(special.iv)
def _(y, v, z):
    y_dot = z_dot * 0.5 * (special.iv(v - 1.0, z) + special.iv(v + 1.0, z))


@adjoint(special.ive)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * (0.5 * (special.ive(v - 1.0, z) + special.ive(v + 1.0, z)) - np.sign(z) * y), z)


@tangent(special.ive)
def _(y, v, z):
    y_dot = z_dot * (0.5 * (special.ive(v - 1.0, z) + special.ive(v + 1.0, z)) - np.sign(z) * y)


@adjoint(special.kv)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * -0.5 * (special.kv(v - 1.0, z) + special.kv(v + 1.0, z)), z)


@tangent(special.kv)
def _(y, v, z):
    y_dot = z_dot * -0.5 * (special.kv(v - 1.0, z) + special.kv(v + 1.0, z))


@adjoint(special.kve)
def _(y, v, z):
    z_bar = unbroadcast(y_bar * (y - 0.5 * (special.kve(v - 1.0, z) + special.kve(v + 1.0, z))), z)


@tangent(special.kve)
def _(y, v, z):
    y_dot = z_dot * (y - 0.5 * (special.kve(v - 1.0, z) + special.kve(v + 1.0, z)))


@adjoint(special.yn)
def _(y, n, x):
    x_bar = unbroadcast(y_bar * 0.5 * (special.yv(n - 1.0, x) - special.yv(n + 1.0, x)), x)


@tangent(special.yn)
def _(y, n, x):
    y_dot = x_dot * 0.5 * (special.yv(n - 1.0, x) - special.yv(n + 1.0, x))


# exponential integral E_n(x): dE_n/dx = -E_{n-1}(x) (n an integer, not differentiated)


@adjoint(special.expn)
def _(y, n, x):
    x_bar = unbroadcast(y_bar * expn_slope(n, x), x)


@tangent(special.expn)
def _(y, n, x):
    y_dot = x_dot * expn_slope(n, x)


# Hurwitz zeta ζ(x, q) = Σ (k + q)^{-x}: ∂/∂q = -x ζ(x + 1, q); x (and the Riemann ζ(x)) is not differentiated


@adjoint(special.zeta)
def _(y, x, q=None):
    q_bar = unbroadcast(-y_bar * x * special.zeta(x + 1.0, q), q)


@tangent(special.zeta)
def _(y, x, q=None):
    y_dot = -q_dot * x * special.zeta(x + 1.0, q)


# regularised incomplete gamma and beta functions, in x: P(a, x)' = x^{a-1} e^{-x} / Γ(a),
# I_x(a, b)' = x^{a-1} (1 - x)^{b-1} / B(a, b)


@adjoint(special.gammainc)
def _(y, a, x):
    x_bar = unbroadcast(y_bar * np.exp((a - 1.0) * np.log(x) - x - special.gammaln(a)), x)


@tangent(special.gammainc)
def _(y, a, x):
    y_dot = x_dot * np.exp((a - 1.0) * np.log(x) - x - special.gammaln(a))


@adjoint(special.gammaincc)
def _(y, a, x):
    x_bar = unbroadcast(-y_bar * np.exp((a - 1.0) * np.log(x) - x - special.gammaln(a)), x)


@tangent(special.gammaincc)
def _(y, a, x):
    y_dot = -x_dot * np.exp((a - 1.0) * np.log(x) - x - special.gammaln(a))


@adjoint(special.betainc)
def _(y, a, b, x):
    x_bar = unbroadcast(y_bar * np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - special.betaln(a, b)), x)


@tangent(special.betainc)
def _(y, a, b, x):
    y_dot = x_dot * np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - special.betaln(a, b))


# --- two arguments, both differentiated -----------------------------------------------------------
# B(a, b) = Γ(a)Γ(b)/Γ(a+b): ∂ log B/∂a = ψ(a) - ψ(a+b)


@adjoint(special.betaln)
def _(y, a, b):
    a_bar = unbroadcast(y_bar * (special.digamma(a) - special.digamma(a + b)), a)
    b_bar = unbroadcast(y_bar * (special.digamma(b) - special.digamma(a + b)), b)


@tangent(special.betaln)
def _(y, a, b):
    y_dot = a_dot * (special.digamma(a) - special.digamma(a + b)) + b_dot * (
        special.digamma(b) - special.digamma(a + b)
    )


@adjoint(special.beta)
def _(y, a, b):
    a_bar = unbroadcast(y_bar * y * (special.digamma(a) - special.digamma(a + b)), a)
    b_bar = unbroadcast(y_bar * y * (special.digamma(b) - special.digamma(a + b)), b)


@tangent(special.beta)
def _(y, a, b):
    y_dot = y * (
        a_dot * (special.digamma(a) - special.digamma(a + b)) + b_dot * (special.digamma(b) - special.digamma(a + b))
    )


# xlogy(x, y) = x log y, 0 where x = 0 (for every y): no derivative in y there


@adjoint(special.xlogy)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * np.log(y), x)
    y_bar = unbroadcast(z_bar * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y)), y)


@tangent(special.xlogy)
def _(z, x, y):
    z_dot = x_dot * np.log(y) + y_dot * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y))


@adjoint(special.xlog1py)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * np.log1p(y), x)
    y_bar = unbroadcast(z_bar * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, 1.0 + y)), y)


@tangent(special.xlog1py)
def _(z, x, y):
    z_dot = x_dot * np.log1p(y) + y_dot * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, 1.0 + y))


# rel_entr(x, y) = x log(x / y) (x, y > 0); kl_div(x, y) = x log(x / y) - x + y


@adjoint(special.rel_entr)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * (np.log(x / y) + 1.0), x)
    y_bar = unbroadcast(-z_bar * x / y, y)


@tangent(special.rel_entr)
def _(z, x, y):
    z_dot = x_dot * (np.log(x / y) + 1.0) - y_dot * x / y


@adjoint(special.kl_div)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * np.log(x / y), x)
    y_bar = unbroadcast(z_bar * (1.0 - x / y), y)


@tangent(special.kl_div)
def _(z, x, y):
    z_dot = x_dot * np.log(x / y) + y_dot * (1.0 - x / y)


# huber(δ, r) = r²/2 for |r| ≤ δ, δ(|r| - δ/2) beyond; pseudo_huber(δ, r) = δ²(√(1 + (r/δ)²) - 1)


@adjoint(special.huber)
def _(z, delta, r):
    r_bar = unbroadcast(z_bar * np.clip(r, -delta, delta), r)
    delta_bar = unbroadcast(z_bar * np.where(np.abs(r) <= delta, 0.0, np.abs(r) - delta), delta)


@tangent(special.huber)
def _(z, delta, r):
    z_dot = r_dot * np.clip(r, -delta, delta) + delta_dot * np.where(np.abs(r) <= delta, 0.0, np.abs(r) - delta)


@adjoint(special.pseudo_huber)
def _(z, delta, r):
    s = np.sqrt(1.0 + (r / delta) ** 2)
    r_bar = unbroadcast(z_bar * r / s, r)
    delta_bar = unbroadcast(z_bar * (2.0 * z / delta - r * r / (delta * s)), delta)


@tangent(special.pseudo_huber)
def _(z, delta, r):
    z_dot = r_dot * r / np.sqrt(1.0 + (r / delta) ** 2) + delta_dot * (
        2.0 * z / delta - r * r / (delta * np.sqrt(1.0 + (r / delta) ** 2))
    )


declare(special.polygamma, unsupported="n")
declare(special.expn, static="n", note="an integer order")
declare(special.zeta, unsupported="x")
declare(special.multigammaln, static="d")
for _fn in (special.jv, special.yv, special.iv, special.ive, special.kv, special.kve):
    declare(_fn, unsupported="v")
declare(special.yn, static="n", note="an integer order")
declare(special.gammainc, unsupported="a")
declare(special.gammaincc, unsupported="a")
declare(special.betainc, unsupported="a b")

mark_elementwise(
    special.expn,
    special.polygamma,
    special.jv,
    special.yv,
    special.iv,
    special.ive,
    special.kv,
    special.kve,
    special.yn,
    special.gammainc,
    special.gammaincc,
    special.betainc,
    special.betaln,
    special.beta,
    special.xlogy,
    special.xlog1py,
    special.rel_entr,
    special.kl_div,
    special.huber,
    special.pseudo_huber,
)

# --- reductions along an axis ----------------------------------------------------------------------
# y = log Σ b e^a over axis: ∂y/∂a = b e^{a-y}, ∂y/∂b = e^{a-y} (lse_weights: e^{a-y} in the
# broadcast shape of a and b)


@adjoint(special.logsumexp)
def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    w = lse_weights(a, b, y, axis, keepdims, return_sign)
    g = unreduce(y_bar, w, axis, keepdims) * w
    a_bar = unbroadcast(g * ones_if_none(b), a)
    b_bar = unbroadcast(g, b)


@tangent(special.logsumexp)
def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    y_dot = np.sum(
        lse_weights(a, b, y, axis, keepdims, return_sign) * (a_dot * ones_if_none(b) + b_dot),
        axis=axis,
        keepdims=keepdims,
    )


declare(special.logsumexp, static="axis keepdims return_sign")

# softmax: dy = y (dx - Σ y dx); log_softmax: dy = dx - Σ e^y dx (sums over axis, kept)


@adjoint(special.softmax)
def _(y, x, axis=None):
    x_bar = y * (y_bar - np.sum(y_bar * y, axis=axis, keepdims=True))


@tangent(special.softmax)
def _(y, x, axis=None):
    y_dot = y * (x_dot - np.sum(x_dot * y, axis=axis, keepdims=True))


@adjoint(special.log_softmax)
def _(y, x, axis=None):
    x_bar = y_bar - np.exp(y) * np.sum(y_bar, axis=axis, keepdims=True)


@tangent(special.log_softmax)
def _(y, x, axis=None):
    y_dot = x_dot - np.sum(np.exp(y) * x_dot, axis=axis, keepdims=True)


declare(special.softmax, static="axis")
declare(special.log_softmax, static="axis")

# shapes (shape_facts.py; scipy.special's ufuncs are described with all ufuncs, in rules/__init__.py)
describe(special.softplus, special.polygamma, special.zeta, shape=SHAPE_ALL)  # (broadcast like ufuncs)
describe(special.logsumexp, special.softmax, special.log_softmax, special.multigammaln, shape=SHAPE_FIRST)
