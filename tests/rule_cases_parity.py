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

PARITY_NUMPY_CASES = NAN_QUANTILE_CASES + MATVEC_CASES
