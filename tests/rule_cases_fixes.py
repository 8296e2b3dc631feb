"""Rows for the rules issue 15 fixed (silent zeros and crashes before): `%`/np.mod/np.remainder,
np.clip's bounds (and None bounds), np.full/full_like's fill value, np.linspace's endpoints,
np.arange's start and step, np.random.normal/uniform (reparameterised), np.transpose with negative
axes, Python's abs of an array, np.concatenate(axis=None), np.quantile of several q, np.prod of a
number, math.log's base. Row format: tests/rule_rows.py. Samplers keep inputs away from jumps
(x / y an integer) and ties; each function reads its result out through np.sum(np.sin(...)) so the
adjoint reaching the rule is neither uniform nor position-independent."""

from __future__ import annotations

import math

import numpy as np


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape)


def pyfloat(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


def off_grid(*shape):
    """Values whose quotient by the divisors below (in [1.3, 1.7)) stays away from integers:
    k + 0.5 ± 0.3 times 1.5."""
    return lambda rng: (rng.integers(-3, 3, shape) + 0.5 + rng.uniform(-0.2, 0.2, shape)) * 1.5


def distinct(*shape):
    """Values at least 0.25 apart in random order (no ties for quantiles)."""

    def sample(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.25 - n * 0.125 + rng.uniform(-0.05, 0.05)).reshape(shape)

    return sample


def mod_op(x, y):
    return np.sum(np.sin(x % y))


def np_mod(x, y):
    return np.sum(np.sin(np.mod(x, y)))


def np_remainder(x, y):
    return np.sum(np.sin(np.remainder(x, y)))


def mod_const(x):
    return np.sum(np.sin(x % 1.5))


def clip_bounds(x, lo, hi):
    return np.sum(np.sin(np.clip(x, lo, hi)))


def clip_upper_only(x, hi):
    return np.sum(np.sin(np.clip(x, None, hi)))


def clip_lower_only(x, lo):
    return np.sum(np.sin(np.clip(x, lo, None)))


def full_of(v):
    return np.sum(np.sin(np.full((2, 3), v) * np.arange(6.0).reshape(2, 3)))


def full_like_of(x, v):
    return np.sum(np.sin(np.full_like(x, v) * x))


def linspace_of(a, b):
    return np.sum(np.sin(np.linspace(a, b, 5) * np.arange(1.0, 6.0)))


def linspace_no_endpoint(a, b):
    return np.sum(np.sin(np.linspace(a, b, 4, endpoint=False)))


def linspace_axis_last(a, b):
    return np.sum(np.sin(np.linspace(a, b, 3, axis=-1)))


def linspace_middle_axis(a, b):
    return np.sum(np.sin(np.linspace(a, b, 4, axis=1)) * np.arange(24.0).reshape(2, 4, 3))


def clip_wider_bounds(x, lo):
    return np.sum(np.sin(np.clip(x, lo, 0.6)))


def arange_start(s):
    return np.sum(np.sin(np.arange(s, 4.0)))


def arange_start_step(s, step):
    return np.sum(np.sin(np.arange(s, 3.0, step)))


def normal_draws(loc, scale):
    np.random.seed(7)
    return np.sum(np.sin(np.random.normal(loc, scale, (3, 2))))


def normal_broadcast(loc, scale):
    np.random.seed(7)
    return np.sum(np.sin(np.random.normal(loc, scale)))


def uniform_draws(low, high):
    np.random.seed(8)
    return np.sum(np.sin(np.random.uniform(low, high, 4)))


def transpose_negative(x):
    return np.sum(np.sin(np.transpose(x, (-1, 0, 1))) * np.arange(24.0).reshape(4, 2, 3))


def method_transpose_negative(x):
    return np.sum(np.sin(x.transpose(1, -1, 0)) * np.arange(24.0).reshape(3, 4, 2))


def abs_of_array(x):
    return np.sum(np.sin(abs(x)))


def concatenate_flat(x, y):
    return np.sum(np.sin(np.concatenate([x, y], axis=None)) * np.arange(10.0))


def quantiles(x):
    return np.sum(np.sin(np.quantile(x, np.array([0.2, 0.7])) * np.array([1.0, 2.0])))


def quantiles_axis(x):
    return np.sum(np.sin(np.quantile(x, np.array([0.3, 0.8]), axis=1)))


def percentiles(x):
    return np.sum(np.sin(np.percentile(x, [25.0, 60.0])))


def prod_of_number(x):
    return np.sum(np.sin(np.prod(x, axis=0)))


def log_base(x, b):
    return math.sin(math.log(x, b))


# --- rows completing the matrix: every differentiable parameter and every keyword of every rule


def amax_keepdims(x):
    return np.sum(np.sin(np.amax(x, axis=1, keepdims=True)) * x)


def amin_axis_keepdims(x):
    return np.sum(np.sin(np.amin(x, axis=0, keepdims=True)) * x)


def nansum_keepdims(x):
    return np.sum(np.sin(np.nansum(x, axis=-1, keepdims=True)) * x)


def typed_constructors(v, a, b):
    return np.sum(
        np.sin(np.full(3, v, dtype=np.float64))
        + np.sin(np.full_like(np.ones(3), v, dtype=np.float64))
        + np.sin(np.linspace(a, b, 3, dtype=np.float64))
    ) + np.sum(np.sin(np.arange(a, 2.0, dtype=np.float64)))


def astype_float(x):
    return np.sum(np.sin(x.astype(np.float64)))


def astype_function(x):
    return np.sum(np.sin(np.ndarray.astype(x, dtype=np.float64)))


def average_returned_false(x):
    return np.sum(np.sin(np.average(x, axis=0, returned=False)))


def svd_keywords(x):
    return np.sum(np.sin(np.linalg.svd(x, full_matrices=False, compute_uv=False, hermitian=False)))


def median_keywords(x):
    return np.sum(np.sin(np.median(x, axis=1, overwrite_input=False, keepdims=True)) * x)


def quantile_keywords(x):
    return np.sum(np.sin(np.quantile(x, 0.3, axis=0, overwrite_input=False, method="linear", keepdims=True)) * x)


def percentile_keywords(x):
    return np.sum(np.sin(np.percentile(x, 40.0, axis=1, overwrite_input=False, method="linear", keepdims=True)) * x)


FIXES_CASES = [
    ("%:both", mod_op, (off_grid(2, 3), uniform(1.3, 1.7, 2, 3)), (0, 1)),
    ("%:broadcast", mod_op, (off_grid(2, 3), uniform(1.3, 1.7, 3)), (0, 1)),
    ("%:floats", mod_op, (lambda rng: float(off_grid()(rng)), pyfloat(1.3, 1.7)), (0, 1)),
    ("%:constant", mod_const, (off_grid(4),), 0),
    ("np.mod", np_mod, (off_grid(3), uniform(1.3, 1.7, 3)), (0, 1)),
    ("np.remainder", np_remainder, (off_grid(2, 2), pyfloat(1.3, 1.7)), (0, 1)),
    ("np.clip:bounds", clip_bounds, (normal(3, 4), uniform(-0.9, -0.3, 4), uniform(0.3, 0.9, 3, 1)), (0, 1, 2)),
    ("np.clip:floats", clip_bounds, (pyfloat(-2.0, 2.0), pyfloat(-0.9, -0.3), pyfloat(0.3, 0.9)), (0, 1, 2)),
    ("np.clip:none-lower", clip_upper_only, (normal(5), uniform(-0.5, 0.5, 5)), (0, 1)),
    ("np.clip:none-upper", clip_lower_only, (normal(2, 3), pyfloat(-0.5, 0.5)), (0, 1)),
    ("np.full:number", full_of, (pyfloat(-1.0, 1.0),), 0),
    ("np.full:row", full_of, (normal(3),), 0),
    ("np.full_like", full_like_of, (normal(2, 3), pyfloat(-1.0, 1.0)), (0, 1)),
    ("np.linspace:numbers", linspace_of, (pyfloat(-1.0, 0.0), pyfloat(0.5, 2.0)), (0, 1)),
    ("np.linspace:arrays", linspace_of, (normal(5), normal(5)), (0, 1)),
    ("np.linspace:endpoint", linspace_no_endpoint, (pyfloat(-1.0, 0.0), normal(2)), (0, 1)),
    ("np.linspace:axis", linspace_axis_last, (normal(2), normal(2)), (0, 1)),
    ("np.linspace:broadcast-axis", linspace_middle_axis, (normal(3), normal(2, 3)), (0, 1)),
    ("np.clip:broadcast-bound", clip_wider_bounds, (normal(3), uniform(-0.9, -0.3, 2, 3)), (0, 1)),
    ("np.arange:start", arange_start, (uniform(0.1, 0.4),), 0),
    ("np.arange:start-step", arange_start_step, (pyfloat(0.1, 0.4), pyfloat(0.6, 0.7)), (0, 1)),
    ("np.random.normal", normal_draws, (pyfloat(-1.0, 1.0), pyfloat(0.5, 2.0)), (0, 1)),
    ("np.random.normal:arrays", normal_broadcast, (normal(3), uniform(0.5, 2.0, 2, 1)), (0, 1)),
    ("np.random.uniform", uniform_draws, (pyfloat(-1.0, 0.0), normal(4)), (0, 1)),
    ("np.transpose:negative", transpose_negative, (normal(2, 3, 4),), 0),
    ("method transpose:negative", method_transpose_negative, (normal(2, 3, 4),), 0),
    ("abs:array", abs_of_array, (lambda rng: rng.choice([-1.0, 1.0], (3, 2)) * rng.uniform(0.3, 1.5, (3, 2)),), 0),
    ("abs:float", abs_of_array, (lambda rng: float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.5)),), 0),
    ("np.concatenate:axis-none", concatenate_flat, (normal(2, 2), normal(3, 2)), (0, 1)),
    ("np.quantile:several", quantiles, (distinct(7),), 0),
    ("np.quantile:several-axis", quantiles_axis, (distinct(3, 6),), 0),
    ("np.percentile:list", percentiles, (distinct(9),), 0),
    ("np.prod:number", prod_of_number, (pyfloat(0.3, 1.2),), 0),
    ("np.prod:0d", prod_of_number, (lambda rng: np.asarray(rng.uniform(0.3, 1.2)),), 0),
    ("math.log:base", log_base, (pyfloat(1.5, 3.0), pyfloat(1.5, 4.0)), (0, 1)),
    ("np.amax:keepdims", amax_keepdims, (distinct(3, 4),), 0),
    ("np.amin:axis-keepdims", amin_axis_keepdims, (distinct(3, 4),), 0),
    ("np.nansum:keepdims", nansum_keepdims, (normal(2, 3),), 0),
    ("constructors:dtype", typed_constructors, (pyfloat(-1.0, 1.0), pyfloat(0.1, 0.4), pyfloat(0.6, 1.0)), (0, 1, 2)),
    ("method astype", astype_float, (normal(2, 3),), 0),
    ("np.ndarray.astype", astype_function, (normal(4),), 0),
    ("np.average:returned", average_returned_false, (normal(3, 2),), 0),
    ("np.linalg.svd:keywords", svd_keywords, (normal(3, 2),), 0),
    ("np.median:keywords", median_keywords, (distinct(2, 5),), 0),
    ("np.quantile:keywords", quantile_keywords, (distinct(5, 2),), 0),
    ("np.percentile:keywords", percentile_keywords, (distinct(2, 6),), 0),
]
