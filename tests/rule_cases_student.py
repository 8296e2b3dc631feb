"""Rows for the spellings student code uses that the rules now take (tests/test_student_refusals.py):
dtype= of np.sum, np.cumsum, np.array and np.asarray (a floating dtype keeps the derivative, an
integer one has none), x.astype(t, copy=False), NumPy's scalar types called as conversions, and
NumPy 2's np.clip(x, min=..., max=...). Row format: tests/rule_rows.py."""

from __future__ import annotations

import numpy as np


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def pyfloat(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


def sum_float_dtype(x):
    return np.sum(np.sin(x) * np.sum(x * x, axis=0, dtype=np.float64))


def sum_int_dtype(x):
    return np.sum(np.sin(x)) * np.sum(x * 3.0, dtype=np.int64)


def cumsum_dtype(x):
    return np.sum(np.sin(np.cumsum(x, axis=1, dtype=float)))


def array_dtype(w):
    return np.sum(np.sin(np.array(w, dtype=np.float64)) * np.asarray(w, dtype=float))


def asarray_int_dtype(w):
    return np.sum(np.sin(w) * np.asarray(w * 3.0, dtype=int))


def astype_no_copy(x):
    return np.sum(np.sin(x.astype(x.dtype, copy=False)))


def float64_of_item(w):
    return np.sin(np.float64(w[0])) * w[1]


def float32_of_float(x):
    return np.sin(np.float32(x))


def int64_of_item(w):
    return np.sin(w[0]) * np.int64(w[1] * 4.0)


def clip_numpy2_keywords(x, lo, hi):
    return np.sum(np.sin(np.clip(x, min=lo, max=hi)))


def clip_method_min(x, lo):
    return np.sum(np.sin(x.clip(min=lo)))


def clip_max_only(x, hi):
    return np.sum(np.sin(np.clip(x, max=hi)))


STUDENT_CASES = [
    ("np.sum:dtype-float", sum_float_dtype, (normal(3, 2),), 0),
    ("np.sum:dtype-int", sum_int_dtype, (normal(4),), 0),
    ("np.cumsum:dtype", cumsum_dtype, (normal(2, 3),), 0),
    ("np.array:dtype", array_dtype, (normal(3),), 0),
    ("np.asarray:dtype-int", asarray_int_dtype, (normal(3),), 0),
    ("astype:copy", astype_no_copy, (normal(2, 2),), 0),
    ("np.float64", float64_of_item, (normal(2),), 0),
    ("np.float32", float32_of_float, (pyfloat(-1.0, 1.0),), 0),
    ("np.int64", int64_of_item, (normal(2),), 0),
    ("np.clip:min-max", clip_numpy2_keywords, (normal(3, 4), pyfloat(-0.9, -0.3), pyfloat(0.3, 0.9)), (0, 1, 2)),
    ("method clip:min", clip_method_min, (normal(5), normal(5)), (0, 1)),
    ("np.clip:max", clip_max_only, (normal(2, 3), pyfloat(-0.5, 0.5)), (0, 1)),
]
