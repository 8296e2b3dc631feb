"""More of scipy.stats and scipy.special (registered only when SciPy is importable), to match
autograd's and JAX's lists (issue 15), and the deliberate refusals of the rest of scipy.linalg,
scipy.special and scipy.stats that JAX has.

The continuous distributions here are location-scale families: with z = (x - loc) / scale, a
method's value is v(z) (cdf, sf, logcdf, logsf), v(z) - log scale (logpdf) or v(z) / scale (pdf).
Each entry gives d = dv/dz as an expression in z, the result y and the shape parameters; then
∂/∂x = d / scale, ∂/∂loc = -d / scale and ∂/∂scale = -(z d + c) / scale, with c = 1 for logpdf,
y for pdf and 0 otherwise. A quantile function (ppf, isf) y = loc + scale Q(q) gives Q'(q) as an
expression in q, w = (y - loc) / scale and the shape parameters. A shape parameter's derivative
is given where it is known in closed form; elsewhere the parameter is declared unsupported (an
input-dependent value there is refused when the gradient is generated).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import re

import numpy as np
import scipy.linalg as sl
from scipy import special, stats

from ..runtime import unbroadcast
from .registry import (
    SHAPE_ALL,
    SHAPE_EXACT,
    adjoint,
    builtin_rules,
    declare,
    describe,
    elementwise,
    from_source,
    mark_elementwise,
    nondifferentiable,
    refuse,
    tangent,
)

_SQRT_2PI = 2.5066282746310002  # √(2π)
_C = {"logpdf": "1.0", "pdf": "y"}  # c of ∂/∂scale = -(z d + c) / scale (0 for the others)


def _inline(expr: str, **names: str) -> str:
    """`expr` with each of `names` replaced by its expression (tangent templates are one
    expression: forward mode splices no temporaries)."""
    for name, value in names.items():
        expr = re.sub(rf"\b{name}\b", value, expr)
    return expr


def _family(fn, d: str, shapes: str = "", slopes: dict | None = None, kind: str = "") -> None:
    """Register both rules of a location-scale method `fn` with dv/dz = `d` (see the module
    docstring); `shapes`: its shape parameters (before loc and scale), `slopes`: the derivative
    with respect to those that have one (the others are declared unsupported)."""
    kind = kind or fn.__name__
    c = _C.get(kind, "0.0")
    slopes = slopes or {}
    params = "".join(f"{p}, " for p in shapes.split())
    head = f"def _(y, x, {params}loc=0.0, scale=1.0):\n    z = (x - loc) / scale\n    d = {d}\n"
    adjoint_src = head + (
        "    x_bar = unbroadcast(y_bar * d / scale, x)\n"
        "    loc_bar = unbroadcast(-y_bar * d / scale, loc)\n"
        f"    scale_bar = unbroadcast(-y_bar * (z * d + {c}) / scale, scale)\n"
    )
    adjoint_src += "".join(f"    {p}_bar = unbroadcast(y_bar * ({e}), {p})\n" for p, e in slopes.items())
    d_ = _inline(d, z="((x - loc) / scale)")
    terms = [f"((x_dot - loc_dot) * ({d_}) - scale_dot * (((x - loc) / scale) * ({d_}) + {c})) / scale"]
    terms += [f"{p}_dot * ({_inline(e, z='((x - loc) / scale)')})" for p, e in slopes.items()]
    tangent_src = f"def _(y, x, {params}loc=0.0, scale=1.0):\n    y_dot = " + " + ".join(terms) + "\n"
    from_source(fn, adjoint_src, tangent_src, globals(), f"{fn.__self__.name}.{fn.__name__}: d = {d}")
    refused = [p for p in shapes.split() if p not in slopes]
    if refused:
        declare(fn, unsupported=" ".join(refused))


def _quantile(fn, slope: str, shapes: str = "", slopes: dict | None = None) -> None:
    """Register both rules of a quantile method `fn` (y = loc + scale Q(q)) with Q'(q) = `slope`;
    `slopes`: ∂y/∂p of the shape parameters that have one."""
    slopes = slopes or {}
    params = "".join(f"{p}, " for p in shapes.split())
    head = f"def _(y, q, {params}loc=0.0, scale=1.0):\n    w = (y - loc) / scale\n    d = {slope}\n"
    adjoint_src = head + (
        "    q_bar = unbroadcast(y_bar * scale * d, q)\n"
        "    loc_bar = unbroadcast(y_bar, loc)\n"
        "    scale_bar = unbroadcast(y_bar * w, scale)\n"
    )
    adjoint_src += "".join(f"    {p}_bar = unbroadcast(y_bar * ({e}), {p})\n" for p, e in slopes.items())
    w = "((y - loc) / scale)"
    terms = [f"q_dot * scale * ({_inline(slope, w=w)})", "loc_dot", f"scale_dot * {w}"]
    terms += [f"{p}_dot * ({_inline(e, w=w)})" for p, e in slopes.items()]
    tangent_src = f"def _(y, q, {params}loc=0.0, scale=1.0):\n    y_dot = " + " + ".join(terms) + "\n"
    from_source(fn, adjoint_src, tangent_src, globals(), f"{fn.__self__.name}.{fn.__name__}: Q' = {slope}")
    refused = [p for p in shapes.split() if p not in slopes]
    if refused:
        declare(fn, unsupported=" ".join(refused))


def _distribution_functions(dist, density: str, shapes: str = "") -> None:
    """cdf, sf, logcdf and logsf of `dist`, whose standard density is `density` (an expression in
    z): d = density, -density, density / e^y, -density / e^y. Shape parameters: unsupported."""
    for name, d in (("cdf", "{p}"), ("sf", "-{p}"), ("logcdf", "{p} * np.exp(-y)"), ("logsf", "-{p} * np.exp(-y)")):
        _family(getattr(dist, name), d.format(p=f"({density})"), shapes)


# --- without shape parameters --------------------------------------------------------------------

# cauchy: log p = -log(π (1 + z²)); cdf = ½ + arctan(z) / π; ppf = tan(π (q - ½))
_family(stats.cauchy.logpdf, "-2.0 * z / (1.0 + z * z)")
_family(stats.cauchy.pdf, "-2.0 * y * z / (1.0 + z * z)")
_distribution_functions(stats.cauchy, "1.0 / (np.pi * (1.0 + z * z))")
_quantile(stats.cauchy.ppf, "np.pi * (1.0 + w * w)")
_quantile(stats.cauchy.isf, "-np.pi * (1.0 + w * w)")

# expon: log p = -z (z ≥ 0); cdf = 1 - e^{-z}; ppf = -log(1 - q)
_family(stats.expon.logpdf, "-1.0")
_family(stats.expon.pdf, "-y")
_distribution_functions(stats.expon, "np.exp(-z)")
_quantile(stats.expon.ppf, "1.0 / (1.0 - q)")
_quantile(stats.expon.isf, "-1.0 / q")

# laplace: log p = -|z| - log 2; cdf = ½ e^z (z < 0), 1 - ½ e^{-z}; ppf = log 2q (q < ½), -log(2 - 2q)
_family(stats.laplace.logpdf, "-np.sign(z)")
_family(stats.laplace.pdf, "-y * np.sign(z)")
_distribution_functions(stats.laplace, "0.5 * np.exp(-np.abs(z))")
_quantile(stats.laplace.ppf, "1.0 / np.minimum(q, 1.0 - q)")
_quantile(stats.laplace.isf, "-1.0 / np.minimum(q, 1.0 - q)")

# logistic: log p = -z - 2 log(1 + e^{-z}); cdf = expit(z); ppf = logit(q)
_family(stats.logistic.logpdf, "-np.tanh(0.5 * z)")
_family(stats.logistic.pdf, "-y * np.tanh(0.5 * z)")
_distribution_functions(stats.logistic, "special.expit(z) * special.expit(-z)")
_quantile(stats.logistic.ppf, "1.0 / (q * (1.0 - q))")
_quantile(stats.logistic.isf, "-1.0 / (q * (1.0 - q))")

# gumbel_r: log p = -z - e^{-z}; cdf = exp(-e^{-z}); ppf = -log(-log q)
_family(stats.gumbel_r.logpdf, "np.expm1(-z)")
_family(stats.gumbel_r.pdf, "y * np.expm1(-z)")
_distribution_functions(stats.gumbel_r, "np.exp(-z - np.exp(-z))")
_quantile(stats.gumbel_r.ppf, "-1.0 / (q * np.log(q))")

# gumbel_l: log p = z - e^z; cdf = 1 - exp(-e^z); ppf = log(-log(1 - q))
_family(stats.gumbel_l.logpdf, "-np.expm1(z)")
_family(stats.gumbel_l.pdf, "-y * np.expm1(z)")
_distribution_functions(stats.gumbel_l, "np.exp(z - np.exp(z))")
_quantile(stats.gumbel_l.ppf, "-1.0 / ((1.0 - q) * np.log1p(-q))")

# uniform on [loc, loc + scale]: log p = -log scale; cdf = z; ppf = q
_family(stats.uniform.logpdf, "0.0 * z")
_family(stats.uniform.pdf, "0.0 * z")
_family(stats.uniform.cdf, "1.0 * ((z > 0.0) & (z < 1.0))")
_quantile(stats.uniform.ppf, "1.0 + 0.0 * q")

# norm.isf = -Φ⁻¹(q)
_quantile(stats.norm.isf, "-_SQRT_2PI * np.exp(0.5 * w * w)")

# --- with shape parameters ----------------------------------------------------------------------

# chi2(k): log p = (k/2 - 1) log z - z/2 - (k/2) log 2 - lnΓ(k/2)
_CHI2_D = "(0.5 * df - 1.0) / z - 0.5"
_CHI2_K = "0.5 * (np.log(0.5 * z) - special.digamma(0.5 * df))"
_family(stats.chi2.logpdf, _CHI2_D, "df", {"df": _CHI2_K})
_family(stats.chi2.pdf, f"y * ({_CHI2_D})", "df", {"df": f"y * {_CHI2_K}"})
_distribution_functions(
    stats.chi2,
    "np.exp((0.5 * df - 1.0) * np.log(z) - 0.5 * z - 0.5 * df * np.log(2.0) - special.gammaln(0.5 * df))",
    "df",
)

# gamma(a): log p = (a - 1) log z - z - lnΓ(a) (logpdf in scipy_rules.py)
_family(stats.gamma.pdf, "y * ((a - 1.0) / z - 1.0)", "a", {"a": "y * (np.log(z) - special.digamma(a))"})
_distribution_functions(stats.gamma, "np.exp((a - 1.0) * np.log(z) - z - special.gammaln(a))", "a")

# beta(a, b): log p = (a - 1) log z + (b - 1) log(1 - z) - ln B(a, b) (logpdf in scipy_rules.py)
_family(
    stats.beta.pdf,
    "y * ((a - 1.0) / z - (b - 1.0) / (1.0 - z))",
    "a b",
    {
        "a": "y * (np.log(z) - special.digamma(a) + special.digamma(a + b))",
        "b": "y * (np.log1p(-z) - special.digamma(b) + special.digamma(a + b))",
    },
)
_distribution_functions(
    stats.beta, "np.exp((a - 1.0) * np.log(z) + (b - 1.0) * np.log1p(-z) - special.betaln(a, b))", "a b"
)

# t(ν): log p = lnΓ((ν+1)/2) - lnΓ(ν/2) - ½ log(νπ) - (ν+1)/2 log(1 + z²/ν) (logpdf in scipy_rules.py)
_T_NU = (
    "0.5 * (special.digamma(0.5 * (df + 1.0)) - special.digamma(0.5 * df) - 1.0 / df - np.log1p(z * z / df)"
    " + (df + 1.0) * z * z / (df * (df + z * z)))"
)
_family(stats.t.pdf, "-y * (df + 1.0) * z / (df + z * z)", "df", {"df": f"y * {_T_NU}"})
_distribution_functions(
    stats.t,
    "np.exp(special.gammaln(0.5 * (df + 1.0)) - special.gammaln(0.5 * df) - 0.5 * np.log(df * np.pi)"
    " - 0.5 * (df + 1.0) * np.log1p(z * z / df))",
    "df",
)

# pareto(b), z ≥ 1: log p = log b - (b + 1) log z; sf = z^{-b}; ppf = (1 - q)^{-1/b}
_family(stats.pareto.logpdf, "-(b + 1.0) / z", "b", {"b": "1.0 / b - np.log(z)"})
_family(stats.pareto.pdf, "-y * (b + 1.0) / z", "b", {"b": "y * (1.0 / b - np.log(z))"})
_family(stats.pareto.cdf, "b * z ** (-b - 1.0)", "b", {"b": "z ** (-b) * np.log(z)"})
_family(stats.pareto.sf, "-b * z ** (-b - 1.0)", "b", {"b": "-y * np.log(z)"})
_family(stats.pareto.logcdf, "b * z ** (-b - 1.0) * np.exp(-y)", "b", {"b": "z ** (-b) * np.log(z) * np.exp(-y)"})
_family(stats.pareto.logsf, "-b / z", "b", {"b": "-np.log(z)"})
_quantile(stats.pareto.ppf, "w / (b * (1.0 - q))", "b", {"b": "scale * w * np.log1p(-q) / (b * b)"})

# vonmises(κ): log p = κ cos z - log(2π I₀(κ)) (I₁/I₀ = i1e/i0e)
_VM_K = "np.cos(z) - special.i1e(kappa) / special.i0e(kappa)"
_family(stats.vonmises.logpdf, "-kappa * np.sin(z)", "kappa", {"kappa": _VM_K})
_family(stats.vonmises.pdf, "-y * kappa * np.sin(z)", "kappa", {"kappa": f"y * ({_VM_K})"})

# gennorm(β): log p = log(β / (2 Γ(1/β))) - |z|^β
_GN_B = "1.0 / beta + special.digamma(1.0 / beta) / (beta * beta) - np.abs(z) ** beta * np.log(np.abs(z))"
_GN_D = "-beta * np.abs(z) ** (beta - 1.0) * np.sign(z)"
_family(stats.gennorm.logpdf, _GN_D, "beta", {"beta": _GN_B})
_family(stats.gennorm.pdf, f"y * {_GN_D}", "beta", {"beta": f"y * ({_GN_B})"})
_family(stats.gennorm.cdf, "0.5 * beta / special.gamma(1.0 / beta) * np.exp(-np.abs(z) ** beta)", "beta")

# --- discrete: counts k are static; the derivative in the probability or the rate ----------------


@adjoint(stats.poisson.pmf)
def _(y, k, mu, loc=0):
    mu_bar = unbroadcast(y_bar * y * ((k - loc) / mu - 1.0), mu)


@tangent(stats.poisson.pmf)
def _(y, k, mu, loc=0):
    y_dot = mu_dot * y * ((k - loc) / mu - 1.0)


# P(X ≤ n) = Q(n + 1, μ) (the regularised upper incomplete gamma): ∂/∂μ = -p(n), n = ⌊k - loc⌋


@adjoint(stats.poisson.cdf)
def _(y, k, mu, loc=0):
    mu_bar = unbroadcast(-y_bar * stats.poisson.pmf(np.floor(k - loc), mu), mu)


@tangent(stats.poisson.cdf)
def _(y, k, mu, loc=0):
    y_dot = -mu_dot * stats.poisson.pmf(np.floor(k - loc), mu)


# binom(n, p): log p(k) = log C(n, k) + k log p + (n - k) log(1 - p)
_BINOM = "(k - loc) / p - (n - (k - loc)) / (1.0 - p)"
# geom(p): log p(k) = (k - 1) log(1 - p) + log p
_GEOM = "1.0 / p - (k - loc - 1.0) / (1.0 - p)"
# nbinom(n, p): log p(k) = log Γ(k + n) - log Γ(n) - log k! + n log p + k log(1 - p)
_NBINOM_P = "n / p - (k - loc) / (1.0 - p)"
_NBINOM_N = "special.digamma(k - loc + n) - special.digamma(n) + np.log(p)"
# bernoulli(p): log p(k) = k log p + (1 - k) log(1 - p)
_BERNOULLI = "(k - loc) / p - (1.0 - (k - loc)) / (1.0 - p)"


def _discrete(fn, params: str, slopes: dict, static: str) -> None:
    """Register both rules of a discrete distribution's logpmf or pmf (`factor` y for the pmf)."""
    factor = "y * " if fn.__name__ == "pmf" else ""
    head = f"def _(y, k, {params}, loc=0):\n"
    adjoint_src = head + "".join(f"    {p}_bar = unbroadcast(y_bar * {factor}({e}), {p})\n" for p, e in slopes.items())
    tangent_src = head + "    y_dot = " + " + ".join(f"{p}_dot * {factor}({e})" for p, e in slopes.items()) + "\n"
    from_source(fn, adjoint_src, tangent_src, globals(), f"{fn.__self__.name}.{fn.__name__}")
    declare(fn, static=static, note="counts")


for _fn in (stats.binom.logpmf, stats.binom.pmf):
    _discrete(_fn, "n, p", {"p": _BINOM}, "k n loc")
for _fn in (stats.geom.logpmf, stats.geom.pmf):
    _discrete(_fn, "p", {"p": _GEOM}, "k loc")
for _fn in (stats.nbinom.logpmf, stats.nbinom.pmf):
    _discrete(_fn, "n, p", {"p": _NBINOM_P, "n": _NBINOM_N}, "k loc")
for _fn in (stats.bernoulli.logpmf, stats.bernoulli.pmf):
    _discrete(_fn, "p", {"p": _BERNOULLI}, "k loc")
declare(stats.poisson.pmf, static="k loc", note="counts")
declare(stats.poisson.cdf, static="k loc", note="counts")
nondifferentiable(
    stats.bernoulli.ppf, stats.poisson.ppf, stats.binom.ppf, stats.geom.ppf, stats.nbinom.ppf, note="a count"
)

# --- scipy.special ------------------------------------------------------------------------------

elementwise(special.loggamma, "special.digamma(x)", globals())


@adjoint(special.hyp1f1)
def _(y, a, b, x):
    x_bar = unbroadcast(y_bar * (a / b) * special.hyp1f1(a + 1.0, b + 1.0, x), x)


@tangent(special.hyp1f1)
def _(y, a, b, x):
    y_dot = x_dot * (a / b) * special.hyp1f1(a + 1.0, b + 1.0, x)


@adjoint(special.hyp2f1)
def _(y, a, b, c, z):
    z_bar = unbroadcast(y_bar * (a * b / c) * special.hyp2f1(a + 1.0, b + 1.0, c + 1.0, z), z)


@tangent(special.hyp2f1)
def _(y, a, b, c, z):
    y_dot = z_dot * (a * b / c) * special.hyp2f1(a + 1.0, b + 1.0, c + 1.0, z)


declare(special.hyp1f1, unsupported="a b", note="differentiated in x")
declare(special.hyp2f1, unsupported="a b c", note="differentiated in z")

# owens_t(h, a) = ∫₀ᵃ exp(-h²(1 + t²)/2) / (2π (1 + t²)) dt


@adjoint(special.owens_t)
def _(y, h, a):
    h_bar = unbroadcast(-y_bar * np.exp(-0.5 * h * h) / _SQRT_2PI * 0.5 * special.erf(a * h / np.sqrt(2.0)), h)
    a_bar = unbroadcast(y_bar * np.exp(-0.5 * h * h * (1.0 + a * a)) / (2.0 * np.pi * (1.0 + a * a)), a)


@tangent(special.owens_t)
def _(y, h, a):
    y_dot = -h_dot * np.exp(-0.5 * h * h) / _SQRT_2PI * 0.5 * special.erf(a * h / np.sqrt(2.0)) + a_dot * np.exp(
        -0.5 * h * h * (1.0 + a * a)
    ) / (2.0 * np.pi * (1.0 + a * a))


# poch(z, m) = Γ(z + m) / Γ(z)


@adjoint(special.poch)
def _(y, z, m):
    z_bar = unbroadcast(y_bar * y * (special.digamma(z + m) - special.digamma(z)), z)
    m_bar = unbroadcast(y_bar * y * special.digamma(z + m), m)


@tangent(special.poch)
def _(y, z, m):
    y_dot = z_dot * y * (special.digamma(z + m) - special.digamma(z)) + m_dot * y * special.digamma(z + m)


# boxcox(x, λ) = (x^λ - 1) / λ (log x at λ = 0); boxcox1p(x, λ) = boxcox(1 + x, λ)


@adjoint(special.boxcox)
def _(y, x, lmbda):
    x_bar = unbroadcast(y_bar * x ** (lmbda - 1.0), x)


@tangent(special.boxcox)
def _(y, x, lmbda):
    y_dot = x_dot * x ** (lmbda - 1.0)


@adjoint(special.boxcox1p)
def _(y, x, lmbda):
    x_bar = unbroadcast(y_bar * (1.0 + x) ** (lmbda - 1.0), x)


@tangent(special.boxcox1p)
def _(y, x, lmbda):
    y_dot = x_dot * (1.0 + x) ** (lmbda - 1.0)


declare(special.boxcox, unsupported="lmbda", note="differentiated in x")
declare(special.boxcox1p, unsupported="lmbda", note="differentiated in x")
mark_elementwise(special.hyp1f1, special.hyp2f1, special.owens_t, special.poch, special.boxcox, special.boxcox1p)

# ============================================================================ deliberate refusals

nondifferentiable(special.bernoulli, note="numbers that depend only on a count")
refuse(special.comb, special.factorial, note="not differentiated: write it with scipy.special.gammaln")
refuse(special.fresnel, special.sici, note="returns two arrays: not differentiated")
refuse(special.sph_harm_y, special.wofz, note="complex-valued: not differentiated")

nondifferentiable(
    sl.dft, sl.hadamard, sl.helmert, sl.hilbert, sl.invhilbert, sl.pascal, sl.invpascal,
    note="a matrix that depends only on its size",
)  # fmt: skip
refuse(
    sl.block_diag, sl.circulant, sl.companion, sl.convolution_matrix, sl.fiedler, sl.fiedler_companion,
    sl.hankel, sl.leslie, sl.toeplitz,
    note="not differentiated yet: build the matrix from its entries by indexing (x[idx])",
)  # fmt: skip
refuse(sl.eigh, sl.eigh_tridiagonal, note="not differentiated: np.linalg.eigh is")
refuse(sl.svd, note="not differentiated: np.linalg.svd is")
refuse(sl.qr, sl.qr_multiply, note="not differentiated: np.linalg.qr (mode='reduced') is")
refuse(
    sl.sqrtm, sl.funm, sl.expm_frechet, sl.solve_sylvester, sl.hessenberg, sl.lu, sl.polar, sl.rsf2csf, sl.schur,
    note="not differentiated (a matrix function or factorisation without a rule here)",
)  # fmt: skip

refuse(stats.multivariate_normal.pdf, stats.dirichlet.pdf, note="not differentiated: np.exp of its logpdf is")
refuse(stats.multivariate_normal.entropy, stats.poisson.entropy, note="not differentiated")
refuse(stats.dirichlet.rvs, note="a random draw: not reparameterised")
refuse(
    stats.multinomial.logpmf,
    stats.multinomial.pmf,
    stats.betabinom.logpmf,
    stats.betabinom.pmf,
    note="not differentiated",
)
refuse(stats.wrapcauchy.logpdf, stats.wrapcauchy.pdf, note="not differentiated")
for _name in ("cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"):
    refuse(getattr(stats.truncnorm, _name), note="not differentiated (the truncation bounds)")
refuse(stats.bernoulli.cdf, note="piecewise constant in k: not differentiated in p")

# shapes (shape_facts.py): a univariate distribution's methods broadcast their arguments (random
# draws aside: evaluating one on stand-ins would draw)
for _fn, _rule in builtin_rules():
    _owner = getattr(_fn, "__self__", None)
    if isinstance(_owner, (stats.rv_continuous, stats.rv_discrete)) and _fn.__name__ != "rvs" and _rule.shape is None:
        describe(_fn, shape=SHAPE_ALL)
describe(
    special.bernoulli,
    sl.dft,
    sl.hadamard,
    sl.helmert,
    sl.hilbert,
    sl.invhilbert,
    sl.pascal,
    sl.invpascal,
    shape=SHAPE_EXACT,
)
