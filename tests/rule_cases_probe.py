"""Rows for the rules a probe of student and practitioner code added (tests/test_probe_users.py):
the math module's functions of numbers, Python's pow and fsum, and reshape / ravel in another
index order. Row format: tests/rule_rows.py."""

from __future__ import annotations

import importlib.util
import math

import numpy as np


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def pyfloat(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


def math_asinh(x):
    return math.sin(math.asinh(x))


def math_acosh(x):
    return math.sin(math.acosh(x))


def math_atanh(x):
    return math.sin(math.atanh(x))


def math_log2(x):
    return math.sin(math.log2(x))


def math_log10(x):
    return math.sin(math.log10(x))


def math_erf(x):
    return math.sin(math.erf(x))


def math_erfc(x):
    return math.sin(math.erfc(x))


def math_degrees(x):
    return math.sin(math.degrees(x) / 90.0)


def math_radians(x):
    return math.sin(math.radians(x) * 90.0)


def math_exp2(x):
    return math.sin(math.exp2(x))


def math_cbrt(x):
    return math.sin(math.cbrt(x))


def math_atan2(y, x):
    return math.sin(math.atan2(y, x))


def math_hypot(x, y):
    return math.sin(math.hypot(x, y))


def math_fmod(x, y):
    return math.sin(math.fmod(x, y))


def math_copysign(x, y):
    return math.sin(math.copysign(x, y))


def math_fsum(x, y):
    return math.sin(math.fsum([x, x * y, y]))


def math_prod(x, y):
    return math.sin(math.prod([x, y, x * y], start=y + 0.5))


def builtin_pow(x, y):
    return math.sin(pow(x, y))


def math_lgamma(x):
    return math.sin(math.lgamma(x))


def math_gamma(x):
    return math.sin(math.gamma(x))


def as_any_array(x):
    return np.sum(np.sin(np.asanyarray(x, dtype=np.float64)) * np.arange(6.0).reshape(2, 3))


def as_contiguous_array(x):
    return np.sum(np.sin(np.ascontiguousarray(x.T, dtype=np.float64)) * np.arange(6.0).reshape(3, 2))


def as_fortran_array(x):
    return np.sum(np.sin(np.asfortranarray(x, dtype=np.float64)) * np.arange(6.0).reshape(2, 3))


def mean_dtype(x):
    return np.mean(np.sin(x), dtype=np.float64) + np.mean(x * x, axis=0, dtype=np.float64) @ np.arange(3.0)


def trace_offset(x):
    return np.trace(np.sin(x), offset=1) + np.trace(x * x, offset=-1)


def copy_order(x):
    return np.sum(np.sin(np.copy(x, order="F")) * np.arange(6.0).reshape(2, 3))


def reshape_order(x):
    return np.sum(np.sin(np.reshape(x, (3, 2), order="F")) * np.arange(6.0).reshape(3, 2))


def ravel_order(x):
    return np.sum(np.sin(np.ravel(x, order="F")) * np.arange(6.0))


PROBE_CASES = [
    ("math.asinh", math_asinh, (pyfloat(-2.0, 2.0),), 0),
    ("math.acosh", math_acosh, (pyfloat(1.2, 3.0),), 0),
    ("math.atanh", math_atanh, (pyfloat(-0.8, 0.8),), 0),
    ("math.log2", math_log2, (pyfloat(0.5, 3.0),), 0),
    ("math.log10", math_log10, (pyfloat(0.5, 3.0),), 0),
    ("math.erf", math_erf, (pyfloat(-1.5, 1.5),), 0),
    ("math.erfc", math_erfc, (pyfloat(-1.5, 1.5),), 0),
    ("math.degrees", math_degrees, (pyfloat(-1.5, 1.5),), 0),
    ("math.radians", math_radians, (pyfloat(-1.5, 1.5),), 0),
    ("math.atan2", math_atan2, (pyfloat(-2.0, 2.0), pyfloat(0.5, 2.0)), (0, 1)),
    ("math.hypot", math_hypot, (pyfloat(-2.0, 2.0), pyfloat(0.5, 2.0)), (0, 1)),
    ("math.fmod", math_fmod, (pyfloat(2.1, 2.9), pyfloat(0.7, 0.9)), (0, 1)),
    ("math.copysign", math_copysign, (pyfloat(0.5, 2.0), pyfloat(-2.0, -0.5)), 0),
    ("math.fsum", math_fsum, (pyfloat(-1.0, 1.0), pyfloat(-1.0, 1.0)), (0, 1)),
    ("math.prod", math_prod, (pyfloat(-1.0, 1.0), pyfloat(0.5, 1.5)), (0, 1)),
    ("pow", builtin_pow, (pyfloat(0.5, 2.0), pyfloat(0.5, 2.5)), (0, 1)),
    ("np.reshape:order", reshape_order, (normal(2, 3),), 0),
    ("np.asanyarray:dtype", as_any_array, (normal(2, 3),), 0),
    ("np.ascontiguousarray:dtype", as_contiguous_array, (normal(2, 3),), 0),
    ("np.asfortranarray:dtype", as_fortran_array, (normal(2, 3),), 0),
    ("np.mean:dtype", mean_dtype, (normal(2, 3),), 0),
    ("np.trace:offset", trace_offset, (normal(3, 3),), 0),
    ("np.copy:order", copy_order, (normal(2, 3),), 0),
    ("np.ravel:order", ravel_order, (normal(2, 3),), 0),
]
if hasattr(math, "exp2"):  # Python 3.11
    PROBE_CASES += [
        ("math.exp2", math_exp2, (pyfloat(-1.0, 1.0),), 0),
        ("math.cbrt", math_cbrt, (pyfloat(0.5, 2.0),), 0),
    ]
if importlib.util.find_spec("scipy") is not None:  # (their rules need scipy.special.digamma)
    PROBE_CASES += [
        ("math.lgamma", math_lgamma, (pyfloat(0.5, 3.0),), 0),
        ("math.gamma", math_gamma, (pyfloat(0.5, 3.0),), 0),
    ]
