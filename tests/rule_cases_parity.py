"""Rows for the rules added to match autograd's and JAX's lists (issue 15): np.nanmedian,
np.nanquantile, np.nanpercentile, np.matvec and np.vecmat (NumPy >= 2.2), ...

Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py. Each function weighs
its result by a fixed random array (W_*) before summing, so that a wrong adjoint of one element
cannot hide in a plain sum.
"""

from __future__ import annotations

import numpy as np

from tests.rule_cases_more import normal

_rng = np.random.default_rng(1515)
W3 = _rng.standard_normal(3)
W4 = _rng.standard_normal(4)
W23 = _rng.standard_normal((2, 3))
W24 = _rng.standard_normal((2, 4))
W34 = _rng.standard_normal((3, 4))
W234 = _rng.standard_normal((2, 3, 4))


def distinct_with_nans(*shape: int, nans: int = 3):
    """Values at least 0.25 apart in random order (no ties for a median), `nans` of them NaN (so
    runs along an axis hold different numbers of numbers)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        n = int(np.prod(shape))
        x = rng.permutation(np.arange(n) * 0.3 - 0.15 * n + rng.uniform(-0.025, 0.025, n))
        x[rng.choice(n, nans, replace=False)] = np.nan
        return x.reshape(shape)

    return sample


# ============================================================================= NaN-skipping quantiles


def nanmedian_all(a):
    return np.sin(np.nanmedian(a))


def nanmedian_axis(a):
    return np.sum(W4 * np.sin(np.nanmedian(a, axis=0)))


def nanmedian_keywords(a):
    return np.sum(W34 * np.sin(np.nanmedian(a, axis=1, overwrite_input=False, keepdims=True)))


def nanquantile_all(a):
    return np.sin(3.0 * np.nanquantile(a, 0.3))


def nanquantile_axis(a):
    return np.sum(W3 * np.sin(np.nanquantile(a, 0.7, axis=1)))


def nanquantile_keywords(a):
    y = np.nanquantile(a, 0.4, axis=0, overwrite_input=False, method="linear", keepdims=True)
    return np.sum(W34 * np.sin(y))


def nanquantile_several(a):
    return np.sum(W23 * np.sin(np.nanquantile(a, np.array([0.25, 0.9]), axis=1)))


def nanpercentile_axis(a):
    return np.sum(W4 * np.sin(np.nanpercentile(a, 35.0, axis=0)))


def nanpercentile_keywords(a):
    y = np.nanpercentile(a, np.array([10.0, 60.0]), axis=1, overwrite_input=False, method="linear", keepdims=True)
    return np.sum(np.sin(y) * W23[:, :, None])


NAN_QUANTILE_CASES = [
    ("np.nanmedian", nanmedian_all, [distinct_with_nans(3, 4)], 0),
    ("np.nanmedian:axis", nanmedian_axis, [distinct_with_nans(5, 4, nans=5)], 0),
    ("np.nanmedian:keywords", nanmedian_keywords, [distinct_with_nans(3, 4)], 0),
    ("np.nanquantile", nanquantile_all, [distinct_with_nans(3, 4)], 0),
    ("np.nanquantile:axis", nanquantile_axis, [distinct_with_nans(3, 6, nans=4)], 0),
    ("np.nanquantile:keywords", nanquantile_keywords, [distinct_with_nans(3, 4)], 0),
    ("np.nanquantile:several", nanquantile_several, [distinct_with_nans(3, 5)], 0),
    ("np.nanpercentile:axis", nanpercentile_axis, [distinct_with_nans(5, 4, nans=4)], 0),
    ("np.nanpercentile:keywords", nanpercentile_keywords, [distinct_with_nans(3, 5)], 0),
]

# ============================================================================ matvec and vecmat

MATVEC_CASES = []
if hasattr(np, "matvec"):  # NumPy >= 2.2

    def matvec_of(a, v):
        return np.sum(W3 * np.sin(np.matvec(a, v)))

    def matvec_stacked(a, v):
        return np.sum(W23 * np.sin(np.matvec(a, v)))

    def vecmat_of(v, a):
        return np.sum(W4 * np.sin(np.vecmat(v, a)))

    def vecmat_stacked(v, a):
        return np.sum(W24 * np.sin(np.vecmat(v, a)))

    MATVEC_CASES = [
        ("np.matvec", matvec_of, [normal(3, 4), normal(4)], (0, 1)),
        ("np.matvec:stacked_matrices", matvec_stacked, [normal(2, 3, 4), normal(4)], (0, 1)),
        ("np.matvec:stacked_vectors", matvec_stacked, [normal(3, 4), normal(2, 4)], (0, 1)),
        ("np.vecmat", vecmat_of, [normal(3), normal(3, 4)], (0, 1)),
        ("np.vecmat:stacked_vectors", vecmat_stacked, [normal(2, 3), normal(3, 4)], (0, 1)),
        ("np.vecmat:stacked_matrices", vecmat_stacked, [normal(3), normal(2, 3, 4)], (0, 1)),
    ]


# ================================================================= the rest of autograd's and JAX's lists

W5 = _rng.standard_normal(5)
W6 = _rng.standard_normal(6)
W43 = _rng.standard_normal((4, 3))
W432 = _rng.standard_normal((4, 3, 2))
BINS = np.array([2, 0, 2, 5, 1, 0])


def rollaxis_of(a):
    return np.sum(W432 * np.sin(np.rollaxis(a, 2)))


def rollaxis_start(a):
    return np.sum(W234 * np.sin(np.rollaxis(a, axis=-1, start=-2).transpose(1, 0, 2)))


def positive_of(x):
    return np.sum(W4 * np.sin(np.positive(x) * x))


def ldexp_of(x):
    return np.sum(W34 * np.sin(np.ldexp(x, np.array([1, -2, 0, 3]))))


def heaviside_of(x, v):
    return np.sum(W4 * np.sin(np.heaviside(x, v) * 2.0 + v))


def bincount_of(w):
    return np.sum(W6 * np.sin(np.bincount(BINS, w)))


def bincount_keywords(w):
    return np.sum(np.sin(np.bincount(BINS, weights=w, minlength=8)) * np.arange(8.0))


def diagflat_of(v):
    return np.sum(np.sin(np.diagflat(v, k=1)) * np.arange(25.0).reshape(5, 5))


def diagflat_plain(v):
    return np.sum(np.sin(np.diagflat(v)) * np.arange(16.0).reshape(4, 4))


def unwrap_of(p):
    return np.sum(W6 * np.sin(0.3 * np.unwrap(p)))


def unwrap_keywords(p):
    return np.sum(W34 * np.sin(0.3 * np.unwrap(p, discont=4.0, axis=0, period=6.0)))


def logspace_of(a, b):
    return np.sum(W5 * np.sin(np.logspace(a, b, 5)))


def logspace_keywords(a, b):
    y = np.logspace(a, b, num=5, endpoint=False, base=2.0, dtype=float, axis=1)
    return np.sum(np.sin(y) * np.arange(15.0).reshape(3, 5))


def geomspace_of(a, b):
    return np.sum(W5 * np.sin(np.geomspace(a, b, 5)))


def geomspace_keywords(a, b):
    y = np.geomspace(a, b, num=5, endpoint=False, dtype=float, axis=1)
    return np.sum(np.sin(y) * np.arange(15.0).reshape(3, 5))


def linalg_cross_of(a, b):
    return np.sum(W23 * np.sin(np.linalg.cross(a, b)))


def pos_neg(*shape):
    """Values in ±[0.5, 1.5) (no zero: heaviside's step is at 0)."""
    return lambda rng: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)


def same_sign(*shape, lo=0.5, hi=2.0):
    return lambda rng: rng.uniform(lo, hi, shape)


def wrapped(*shape):
    """Angles that jump by about 2π now and then (unwrap's corrections), never near the threshold."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        steps = rng.uniform(-1.0, 1.0, shape) + 6.2832 * rng.choice([-1, 0, 1], shape)
        return np.cumsum(steps, axis=0)

    return sample


def heaviside_at_zero(rng):
    return np.array([-1.0, 0.0, 2.0, 0.0])


PARITY_MORE_CASES = [
    ("np.rollaxis", rollaxis_of, [normal(3, 2, 4)], 0),
    ("np.rollaxis:start", rollaxis_start, [normal(3, 4, 2)], 0),
    ("np.positive", positive_of, [normal(4)], 0),
    ("np.ldexp", ldexp_of, [normal(3, 4)], 0),
    ("np.heaviside", heaviside_of, [heaviside_at_zero, normal(4)], 1),
    ("np.bincount", bincount_of, [normal(6)], 0),
    ("np.bincount:keywords", bincount_keywords, [normal(6)], 0),
    ("np.diagflat:k", diagflat_of, [normal(2, 2)], 0),
    ("np.diagflat", diagflat_plain, [normal(4)], 0),
    ("np.unwrap", unwrap_of, [wrapped(6)], 0),
    ("np.unwrap:keywords", unwrap_keywords, [wrapped(3, 4)], 0),
    ("np.logspace", logspace_of, [normal(), normal()], (0, 1)),
    ("np.logspace:keywords", logspace_keywords, [normal(3), normal(3)], (0, 1)),
    ("np.geomspace", geomspace_of, [same_sign(), same_sign()], (0, 1)),
    ("np.geomspace:keywords", geomspace_keywords, [same_sign(3), same_sign(3)], (0, 1)),
    ("np.linalg.cross", linalg_cross_of, [normal(2, 3), normal(3)], (0, 1)),
]

PARITY_NUMPY_CASES = NAN_QUANTILE_CASES + MATVEC_CASES + PARITY_MORE_CASES
