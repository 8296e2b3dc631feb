"""The derivative-rule matrix: every rule and construct astgrad supports, against central differences.

Each row of the tables below names one function (defined with `def` in this file, since grad reads
the source), samplers for its arguments and what to differentiate with respect to. `test_grad`
checks `grad(f, wrt)` with `check_grad` on several seeded random inputs; the samplers keep inputs
away from kinks, ties and domain edges. `test_value_and_grad` checks the value and gradient that
`value_and_grad` returns. Most functions read their result out through `np.sum(np.sin(...))`, so
that the adjoint flowing into the rule under test is neither uniform nor position-independent.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, value_and_grad

SEEDS = (0, 1, 2)

# ==================================================================================== samplers
# A sampler maps a numpy Generator to one argument value.


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape)


def positive(*shape):
    return uniform(0.5, 2.0, *shape)


def nonzero(*shape):
    """|x| in [0.3, 1.5), either sign: away from the kink of abs and the pole of 1/x."""
    return lambda rng: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.5, shape)


def distinct(*shape):
    """Distinct values at least 0.25 apart, in random order: no ties for max/min."""

    def sample(rng):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.25 - n * 0.125 + rng.uniform(-0.1, 0.1)).reshape(shape)

    return sample


def clip_safe(*shape):
    """Values at least 0.1 away from the clip bounds ±0.5."""

    def sample(rng):
        pieces = np.stack([rng.uniform(-1.5, -0.6, shape), rng.uniform(-0.4, 0.4, shape), rng.uniform(0.6, 1.5, shape)])
        pick = rng.integers(0, 3, shape)
        return np.take_along_axis(pieces, pick[None], 0)[0]

    return sample


def pyfloat(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


def const(value):
    return lambda rng: value


def grid(spec, offset=0.0):
    """Values k/10 + offset, k in 5..19: positive, and two grids with offsets 0 and 0.05 never tie
    (maximum/minimum) nor touch the `where` threshold 1.23. `spec` is a shape, "float" for a Python
    float or "0d" for a 0-d array."""

    def sample(rng):
        if spec == "float":
            return float(rng.integers(5, 20) * 0.1 + offset)
        if spec == "0d":
            return np.asarray(rng.integers(5, 20) * 0.1 + offset)
        return rng.integers(5, 20, spec) * 0.1 + offset

    return sample


@dataclass
class Case:
    id: str
    f: Callable
    args: tuple
    wrt: Any = 0

    def sample(self, seed):
        rng = np.random.default_rng(seed)
        return tuple(s(rng) for s in self.args)


# Rows that fail because of a bug in astgrad (the test is right): case id -> one-line diagnosis.
KNOWN_BUGS: dict[str, str] = {}


def rows(cases):
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert set(KNOWN_BUGS) <= set(ids), "KNOWN_BUGS names a case that does not exist"
    return [pytest.param(c, id=c.id, marks=xfail(KNOWN_BUGS.get(c.id))) for c in cases]


def xfail(reason):
    return (pytest.mark.xfail(strict=True, reason=reason),) if reason else ()


# ============================================================= binary operators, with broadcasting


def add(x, y):
    return np.sum(np.sin(x + y))


def sub(x, y):
    return np.sum(np.sin(x - y))


def mul(x, y):
    return np.sum(np.sin(x * y))


def div(x, y):
    return np.sum(np.sin(x / y))


def power(x, y):
    return np.sum(np.sin(x**y))


def np_add(x, y):
    return np.sum(np.sin(np.add(x, y)))


def np_subtract(x, y):
    return np.sum(np.sin(np.subtract(x, y)))


def np_multiply(x, y):
    return np.sum(np.sin(np.multiply(x, y)))


def np_divide(x, y):
    return np.sum(np.sin(np.divide(x, y)))


def np_true_divide(x, y):
    return np.sum(np.sin(np.true_divide(x, y)))


def np_power(x, y):
    return np.sum(np.sin(np.power(x, y)))


def np_maximum(x, y):
    return np.sum(np.sin(np.maximum(x, y)))


def np_minimum(x, y):
    return np.sum(np.sin(np.minimum(x, y)))


def np_logaddexp(x, y):
    return np.sum(np.sin(np.logaddexp(x, y)))


def np_where_xy(x, y):
    return np.sum(np.sin(np.where(x > 1.23, x, y)))


BINARY_OPS = [
    add,
    sub,
    mul,
    div,
    power,
    np_add,
    np_subtract,
    np_multiply,
    np_divide,
    np_true_divide,
    np_power,
    np_maximum,
    np_minimum,
    np_logaddexp,
    np_where_xy,
]

# (x, y) shapes: every pair broadcasts, and both adjoints must come back in their input's shape
BROADCAST_SHAPES = [
    ((2, 3), (2, 3)),
    ("float", "float"),
    ("float", (3, 4)),
    ((3, 4), "float"),
    ("0d", (3, 4)),
    ((3, 4), "0d"),
    ((3, 1), (1, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1, 4), (2, 4)),
    ((2, 4), (3, 1, 4)),
]


def _shape_id(spec):
    return spec if isinstance(spec, str) else "x".join(map(str, spec)) or "()"


BINARY_CASES = [
    Case(f"{op.__name__}:{_shape_id(sx)}&{_shape_id(sy)}", op, (grid(sx), grid(sy, 0.05)), (0, 1))
    for op in BINARY_OPS
    for sx, sy in BROADCAST_SHAPES
]

# ======================================================== unary operators, constants, comparisons


def neg(x):
    return np.sum(np.sin(-x))


def unary_plus(x):
    return np.sum(np.sin(+x))


def np_negative(x):
    return np.sum(np.sin(np.negative(x)))


def pow_int_const(x):
    return np.sum(np.sin(x**3))


def pow_half(x):
    return np.sum(np.sin(x**0.5))


def const_pow_x(x):
    return np.sum(np.sin(2.0**x))


def const_minus_x(x):
    return np.sum(np.sin(1.0 - x))


def const_over_x(x):
    return np.sum(np.sin(1.0 / x))


def x_over_int(x):
    return np.sum(np.sin(x / 3))


def where_gt_zero(x):
    return np.sum(np.where(x > 0, x, 0.0) ** 2)


def where_le(x):
    return np.sum(np.where(x <= 0.0, np.sin(x), x**2))


def where_ge_lt(x):
    return np.sum(np.where(x >= 0.0, x * 3.0, -x) + np.where(x < 0.0, x * x, 0.0))


def where_eq_ne(x):
    r = np.round(x)
    return np.sum(np.where(x == r, 0.0, np.sin(x)) + np.where(x != r, x, 0.0))


def mask_multiply(x):
    return np.sum(x * (x > 0) + x**2 * (x < 0))


def scalar_ifexp(x):
    return x * x if x > 0.0 else -3.0 * x


def scalar_if_statement(x):
    if x < 0.0:
        y = math.sin(x)
    else:
        y = x**3
    return y


UNARY_CASES = [
    Case("neg", neg, (normal(3, 4),)),
    Case("unary-plus", unary_plus, (normal(3, 4),)),
    Case("np.negative", np_negative, (normal(3, 4),)),
    Case("x**3", pow_int_const, (normal(3, 4),)),
    Case("x**0.5", pow_half, (positive(3, 4),)),
    Case("2.0**x", const_pow_x, (normal(3, 4),)),
    Case("1.0-x", const_minus_x, (normal(3, 4),)),
    Case("1.0/x", const_over_x, (nonzero(3, 4),)),
    Case("x/3", x_over_int, (normal(3, 4),)),
    Case("cmp:where(x>0,x,0)", where_gt_zero, (nonzero(3, 4),)),
    Case("cmp:where(x<=0)", where_le, (nonzero(3, 4),)),
    Case("cmp:where(x>=0)+where(x<0)", where_ge_lt, (nonzero(3, 4),)),
    Case("cmp:where(x==r)+where(x!=r)", where_eq_ne, (normal(3, 4),)),
    Case("cmp:x*(x>0)", mask_multiply, (nonzero(3, 4),)),
    Case("cmp:ifexp-pos", scalar_ifexp, (pyfloat(0.3, 2.0),)),
    Case("cmp:ifexp-neg", scalar_ifexp, (pyfloat(-2.0, -0.3),)),
    Case("cmp:if-stmt-pos", scalar_if_statement, (pyfloat(0.3, 2.0),)),
    Case("cmp:if-stmt-neg", scalar_if_statement, (pyfloat(-2.0, -0.3),)),
]

# ============================================================================ elementwise NumPy


def np_sin(x):
    return np.sum(np.sin(np.sin(x)))


def np_cos(x):
    return np.sum(np.sin(np.cos(x)))


def np_tan(x):
    return np.sum(np.sin(np.tan(x)))


def np_exp(x):
    return np.sum(np.sin(np.exp(x)))


def np_log(x):
    return np.sum(np.sin(np.log(x)))


def np_sqrt(x):
    return np.sum(np.sin(np.sqrt(x)))


def np_tanh(x):
    return np.sum(np.sin(np.tanh(x)))


def np_abs(x):
    return np.sum(np.sin(np.abs(x)))


def np_absolute(x):
    return np.sum(np.sin(np.absolute(x)))


def np_square(x):
    return np.sum(np.sin(np.square(x)))


def np_arcsin(x):
    return np.sum(np.sin(np.arcsin(x)))


def np_arccos(x):
    return np.sum(np.sin(np.arccos(x)))


def np_arctan(x):
    return np.sum(np.sin(np.arctan(x)))


def np_sinh(x):
    return np.sum(np.sin(np.sinh(x)))


def np_cosh(x):
    return np.sum(np.sin(np.cosh(x)))


def np_log1p(x):
    return np.sum(np.sin(np.log1p(x)))


def np_expm1(x):
    return np.sum(np.sin(np.expm1(x)))


def np_exp2(x):
    return np.sum(np.sin(np.exp2(x)))


def np_log2(x):
    return np.sum(np.sin(np.log2(x)))


def np_log10(x):
    return np.sum(np.sin(np.log10(x)))


def np_cbrt(x):
    return np.sum(np.sin(np.cbrt(x)))


def np_reciprocal(x):
    return np.sum(np.sin(np.reciprocal(x)))


def np_clip(x):
    return np.sum(np.sin(np.clip(x, -0.5, 0.5)))


ELEMENTWISE_CASES = [
    Case("np.sin", np_sin, (normal(3, 4),)),
    Case("np.cos", np_cos, (normal(3, 4),)),
    Case("np.tan", np_tan, (uniform(-1.2, 1.2, 3, 4),)),
    Case("np.exp", np_exp, (normal(3, 4),)),
    Case("np.log", np_log, (positive(3, 4),)),
    Case("np.sqrt", np_sqrt, (positive(3, 4),)),
    Case("np.tanh", np_tanh, (normal(3, 4),)),
    Case("np.abs", np_abs, (nonzero(3, 4),)),
    Case("np.absolute", np_absolute, (nonzero(3, 4),)),
    Case("np.square", np_square, (normal(3, 4),)),
    Case("np.arcsin", np_arcsin, (uniform(-0.9, 0.9, 3, 4),)),
    Case("np.arccos", np_arccos, (uniform(-0.9, 0.9, 3, 4),)),
    Case("np.arctan", np_arctan, (normal(3, 4),)),
    Case("np.sinh", np_sinh, (normal(3, 4),)),
    Case("np.cosh", np_cosh, (normal(3, 4),)),
    Case("np.log1p", np_log1p, (uniform(-0.5, 2.0, 3, 4),)),
    Case("np.expm1", np_expm1, (normal(3, 4),)),
    Case("np.exp2", np_exp2, (normal(3, 4),)),
    Case("np.log2", np_log2, (positive(3, 4),)),
    Case("np.log10", np_log10, (positive(3, 4),)),
    Case("np.cbrt", np_cbrt, (nonzero(3, 4),)),
    Case("np.reciprocal", np_reciprocal, (nonzero(3, 4),)),
    Case("np.clip", np_clip, (clip_safe(3, 4),)),
]

# ================================================================================== reductions


def sum_all(x):
    return np.sin(np.sum(x))


def sum_axis_none(x):
    return np.sin(np.sum(x, axis=None))


def sum_axis0(x):
    return np.sum(np.sin(np.sum(x, axis=0)))


def sum_axis1(x):
    return np.sum(np.sin(np.sum(x, axis=1)))


def sum_axis1_positional(x):
    return np.sum(np.sin(np.sum(x, 1)))


def sum_axis_neg1(x):
    return np.sum(np.sin(np.sum(x, axis=-1)))


def sum_axes_0_2(x):
    return np.sum(np.sin(np.sum(x, axis=(0, 2))))


def sum_axes_0_neg1_keepdims(x):
    return np.sum(np.sin(np.sum(x, axis=(0, -1), keepdims=True)))


def sum_axis1_keepdims(x):
    return np.sum(np.sin(np.sum(x, axis=1, keepdims=True) * x))


def sum_axis0_keepdims_false(x):
    return np.sum(np.sin(np.sum(x, axis=0, keepdims=False)))


def sum_none_keepdims(x):
    return np.sum(np.sin(np.sum(x, keepdims=True)))


def mean_all(x):
    return np.sin(np.mean(x))


def mean_axis0(x):
    return np.sum(np.sin(np.mean(x, axis=0)))


def mean_axis1(x):
    return np.sum(np.sin(np.mean(x, axis=1)))


def mean_axis_neg1(x):
    return np.sum(np.sin(np.mean(x, axis=-1)))


def mean_axes_0_2(x):
    return np.sum(np.sin(np.mean(x, axis=(0, 2))))


def mean_axes_1_2_keepdims(x):
    return np.sum(np.sin(np.mean(x, axis=(1, 2), keepdims=True) * x))


def mean_axis1_keepdims(x):
    return np.sum(np.sin(np.mean(x, axis=1, keepdims=True) * x))


def mean_none_keepdims(x):
    return np.sum(np.sin(np.mean(x, keepdims=True)))


def max_all(x):
    return np.sin(np.max(x))


def max_axis0(x):
    return np.sum(np.sin(np.max(x, axis=0)))


def max_axis1(x):
    return np.sum(np.sin(np.max(x, axis=1)))


def max_axis_neg1(x):
    return np.sum(np.sin(np.max(x, axis=-1)))


def max_axes_0_2(x):
    return np.sum(np.sin(np.max(x, axis=(0, 2))))


def max_axis1_keepdims(x):
    return np.sum(np.sin(np.max(x, axis=1, keepdims=True) * x))


def amax_axis0(x):
    return np.sum(np.sin(np.amax(x, axis=0)))


def min_all(x):
    return np.sin(np.min(x))


def min_axis0(x):
    return np.sum(np.sin(np.min(x, axis=0)))


def min_axis1(x):
    return np.sum(np.sin(np.min(x, axis=1)))


def min_axis_neg1_keepdims(x):
    return np.sum(np.sin(np.min(x, axis=-1, keepdims=True) * x))


def min_axes_1_2(x):
    return np.sum(np.sin(np.min(x, axis=(1, 2))))


def amin_all(x):
    return np.sin(np.amin(x))


def prod_all(x):
    return np.sin(np.prod(x))


def prod_axis1(x):
    return np.sum(np.sin(np.prod(x, axis=1)))


def prod_axis0_keepdims(x):
    return np.sum(np.sin(np.prod(x, axis=0, keepdims=True) * x))


def prod_dtype(x):
    return np.sum(np.sin(np.prod(x, 1, np.float64)))


def var_all(x):
    return np.sin(np.var(x))


def var_axis0(x):
    return np.sum(np.sin(np.var(x, axis=0)))


def var_axes_0_2_keepdims(x):
    return np.sum(np.sin(np.var(x, axis=(0, 2), keepdims=True) * x))


def std_all(x):
    return np.sin(np.std(x))


def std_axis1(x):
    return np.sum(np.sin(np.std(x, axis=1)))


def std_axis_neg1_keepdims(x):
    return np.sum(np.sin(np.std(x, axis=-1, keepdims=True) * x))


def cumsum_flat(x):
    return np.sum(np.sin(np.cumsum(x)))


def cumsum_axis0(x):
    return np.sum(np.sin(np.cumsum(x, axis=0)))


def cumsum_axis1(x):
    return np.sum(np.sin(np.cumsum(x, axis=1)))


def cumsum_axis_neg1_3d(x):
    return np.sum(np.sin(np.cumsum(x, -1)))


REDUCTION_CASES = [
    Case("np.sum", sum_all, (normal(3, 4),)),
    Case("np.sum:axis=None", sum_axis_none, (normal(3, 4),)),
    Case("np.sum:axis=0", sum_axis0, (normal(3, 4),)),
    Case("np.sum:axis=1", sum_axis1, (normal(3, 4),)),
    Case("np.sum:axis-positional", sum_axis1_positional, (normal(3, 4),)),
    Case("np.sum:axis=-1", sum_axis_neg1, (normal(3, 4),)),
    Case("np.sum:axis=(0,2)", sum_axes_0_2, (normal(2, 3, 4),)),
    Case("np.sum:axis=(0,-1),keepdims", sum_axes_0_neg1_keepdims, (normal(2, 3, 4),)),
    Case("np.sum:axis=1,keepdims", sum_axis1_keepdims, (normal(3, 4),)),
    Case("np.sum:axis=0,keepdims=False", sum_axis0_keepdims_false, (normal(3, 4),)),
    Case("np.sum:keepdims", sum_none_keepdims, (normal(3, 4),)),
    Case("np.sum:1d", sum_all, (normal(5),)),
    Case("np.mean", mean_all, (normal(3, 4),)),
    Case("np.mean:axis=0", mean_axis0, (normal(3, 4),)),
    Case("np.mean:axis=1", mean_axis1, (normal(3, 4),)),
    Case("np.mean:axis=-1", mean_axis_neg1, (normal(2, 3, 4),)),
    Case("np.mean:axis=(0,2)", mean_axes_0_2, (normal(2, 3, 4),)),
    Case("np.mean:axis=(1,2),keepdims", mean_axes_1_2_keepdims, (normal(2, 3, 4),)),
    Case("np.mean:axis=1,keepdims", mean_axis1_keepdims, (normal(3, 4),)),
    Case("np.mean:keepdims", mean_none_keepdims, (normal(3, 4),)),
    Case("np.max", max_all, (distinct(3, 4),)),
    Case("np.max:axis=0", max_axis0, (distinct(3, 4),)),
    Case("np.max:axis=1", max_axis1, (distinct(3, 4),)),
    Case("np.max:axis=-1", max_axis_neg1, (distinct(2, 3, 4),)),
    Case("np.max:axis=(0,2)", max_axes_0_2, (distinct(2, 3, 4),)),
    Case("np.max:axis=1,keepdims", max_axis1_keepdims, (distinct(3, 4),)),
    Case("np.amax:axis=0", amax_axis0, (distinct(3, 4),)),
    Case("np.min", min_all, (distinct(3, 4),)),
    Case("np.min:axis=0", min_axis0, (distinct(3, 4),)),
    Case("np.min:axis=1", min_axis1, (distinct(3, 4),)),
    Case("np.min:axis=-1,keepdims", min_axis_neg1_keepdims, (distinct(3, 4),)),
    Case("np.min:axis=(1,2)", min_axes_1_2, (distinct(2, 3, 4),)),
    Case("np.amin", amin_all, (distinct(3, 4),)),
    Case("np.prod", prod_all, (nonzero(2, 3),)),
    Case("np.prod:axis=1", prod_axis1, (nonzero(3, 4),)),
    Case("np.prod:axis=0,keepdims", prod_axis0_keepdims, (nonzero(3, 4),)),
    Case("np.prod:dtype", prod_dtype, (nonzero(3, 4),)),
    Case("np.var", var_all, (normal(3, 4),)),
    Case("np.var:axis=0", var_axis0, (normal(3, 4),)),
    Case("np.var:axis=(0,2),keepdims", var_axes_0_2_keepdims, (normal(2, 3, 4),)),
    Case("np.std", std_all, (normal(3, 4),)),
    Case("np.std:axis=1", std_axis1, (normal(3, 4),)),
    Case("np.std:axis=-1,keepdims", std_axis_neg1_keepdims, (normal(3, 4),)),
    Case("np.cumsum", cumsum_flat, (normal(3, 4),)),
    Case("np.cumsum:axis=0", cumsum_axis0, (normal(3, 4),)),
    Case("np.cumsum:axis=1", cumsum_axis1, (normal(3, 4),)),
    Case("np.cumsum:axis=-1,3d", cumsum_axis_neg1_3d, (normal(2, 3, 4),)),
]

# ============================================================================== linear algebra


def matmul_op(x, y):
    return np.sum(np.sin(x @ y))


def np_matmul(x, y):
    return np.sum(np.sin(np.matmul(x, y)))


def np_dot(x, y):
    return np.sum(np.sin(np.dot(x, y)))


def method_dot(x, y):
    return np.sum(np.sin(x.dot(y)))


def np_outer(x, y):
    return np.sum(np.sin(np.outer(x, y)))


def np_trace(x):
    return np.sin(np.trace(x))


def np_trace_axes_offset_dtype(x):  # (a trace per element of the other axis)
    return np.sum(np.sin(np.trace(x, 1, 2, 0, np.float64)) * np.arange(1.0, 4.0))


def method_trace(x):
    return np.sin(x.trace())


MATMUL_SHAPES = [
    ("mat@mat", (3, 4), (4, 2)),
    ("mat@vec", (3, 4), (4,)),
    ("vec@mat", (4,), (4, 3)),
    ("vec@vec", (4,), (4,)),
    ("batch@mat", (2, 3, 4), (4, 5)),
    ("batch@batch", (2, 3, 4), (2, 4, 5)),
    ("mat@batch", (3, 4), (2, 4, 5)),
    ("vec@batch", (4,), (2, 4, 5)),
    ("batch@vec", (2, 3, 4), (4,)),
]
DOT_SHAPES = MATMUL_SHAPES[:5] + [
    ("float.dot(mat)", "float", (3, 4)),
    ("mat.dot(float)", (3, 4), "float"),
    ("0d.dot(vec)", "0d", (4,)),
    # N-d np.dot contracts the last axis of a with the second-to-last of b: not matmul's batching
    ("mat.dot(3d)", (2, 3), (5, 3, 4)),
    ("3d.dot(3d)", (2, 3, 4), (5, 4, 2)),
]


def _normal_like(spec):
    if spec == "float":
        return pyfloat(-1.5, 1.5)
    if spec == "0d":
        return lambda rng: np.asarray(rng.standard_normal())
    return normal(*spec)


LINALG_CASES = (
    [Case(f"@:{name}", matmul_op, (normal(*sx), normal(*sy)), (0, 1)) for name, sx, sy in MATMUL_SHAPES]
    + [Case(f"np.matmul:{name}", np_matmul, (normal(*sx), normal(*sy)), (0, 1)) for name, sx, sy in MATMUL_SHAPES[:5]]
    + [Case(f"np.dot:{name}", np_dot, (_normal_like(sx), _normal_like(sy)), (0, 1)) for name, sx, sy in DOT_SHAPES]
    + [
        Case("x.dot(y):mat@mat", method_dot, (normal(3, 4), normal(4, 2)), (0, 1)),
        Case(
            "x.dot(y):vec@vec",
            method_dot,
            (
                normal(
                    4,
                ),
                normal(
                    4,
                ),
            ),
            (0, 1),
        ),
        Case("np.outer", np_outer, (normal(3), normal(4)), (0, 1)),
        Case("np.outer:2d-args", np_outer, (normal(2, 2), normal(3)), (0, 1)),
        Case("np.trace:square", np_trace, (normal(3, 3),)),
        Case("np.trace:wide", np_trace, (normal(3, 4),)),
        Case("np.trace:axis1,axis2,offset,dtype", np_trace_axes_offset_dtype, (normal(4, 3, 3),)),
        Case("x.trace()", method_trace, (normal(4, 3),)),
    ]
)

# ======================================================================================= shapes


def np_transpose(x):
    return np.sum(np.sin(np.transpose(x)))


def np_transpose_axes(x):
    return np.sum(np.sin(np.transpose(x, (1, 2, 0))))


def np_transpose_axes_kw(x):
    return np.sum(np.sin(np.transpose(x, axes=(2, 0, 1))))


def attr_T(x):
    return np.sum(np.sin(x.T))


def attr_T_matmul(x, y):
    return np.sum(np.sin(x.T @ y))


def method_transpose(x):
    return np.sum(np.sin(x.transpose()))


def method_transpose_varargs(x):
    return np.sum(np.sin(x.transpose(1, 0, 2)))


def method_transpose_tuple(x):
    return np.sum(np.sin(x.transpose((2, 0, 1))))


def np_reshape(x):
    return np.sum(np.sin(np.reshape(x, (3, 2))) * np.arange(6.0).reshape(3, 2))


def np_reshape_minus1(x):
    return np.sum(np.sin(np.reshape(x, -1)) * np.arange(6.0))


def method_reshape_varargs(x):
    return np.sum(np.sin(x.reshape(2, 3)) * np.arange(6.0).reshape(2, 3))


def method_reshape_tuple(x):
    return np.sum(np.sin(x.reshape((3, 2))) * np.arange(6.0).reshape(3, 2))


def method_reshape_minus1(x):
    return np.sum(np.sin(x.reshape(-1, 2)) * np.arange(6.0).reshape(3, 2))


def np_ravel(x):
    return np.sum(np.sin(np.ravel(x)) * np.arange(6.0))


def method_ravel(x):
    return np.sum(np.sin(x.ravel()) * np.arange(6.0))


def method_flatten(x):
    return np.sum(np.sin(x.flatten()) * np.arange(6.0))


def np_squeeze(x):
    return np.sum(np.sin(np.squeeze(x)))


def np_squeeze_axis(x):
    return np.sum(np.sin(np.squeeze(x, axis=0)))


def method_squeeze(x):
    return np.sum(np.sin(x.squeeze()))


def np_expand_dims(x):
    return np.sum(np.sin(np.expand_dims(x, 1) * np.ones((3, 2, 4))))


def np_expand_dims_tuple(x):
    return np.sum(np.sin(np.expand_dims(x, axis=(0, 2))))


def np_broadcast_to(x):
    return np.sum(np.sin(np.broadcast_to(x, (2, 3, 4)) * np.arange(24.0).reshape(2, 3, 4)))


def np_copy(x):
    return np.sum(np.sin(np.copy(x)))


def np_array(x):
    return np.sum(np.sin(np.array(x)))


def np_array_ndmin(x):
    return np.sum(np.sin(np.array(x, ndmin=3)) * np.arange(4.0))


def np_asarray(x):
    return np.sum(np.sin(np.asarray(x)))


def method_copy(x):
    return np.sum(np.sin(x.copy()))


SHAPE_CASES = [
    Case("np.transpose", np_transpose, (normal(3, 4),)),
    Case("np.transpose:axes", np_transpose_axes, (normal(2, 3, 4),)),
    Case("np.transpose:axes-kw", np_transpose_axes_kw, (normal(2, 3, 4),)),
    Case("x.T", attr_T, (normal(3, 4),)),
    Case("x.T@y", attr_T_matmul, (normal(4, 3), normal(4, 2)), (0, 1)),
    Case("x.transpose()", method_transpose, (normal(3, 4),)),
    Case("x.transpose(1,0,2)", method_transpose_varargs, (normal(2, 3, 4),)),
    Case("x.transpose((2,0,1))", method_transpose_tuple, (normal(2, 3, 4),)),
    Case("np.reshape", np_reshape, (normal(2, 3),)),
    Case("np.reshape:-1", np_reshape_minus1, (normal(2, 3),)),
    Case("x.reshape(2,3)", method_reshape_varargs, (normal(3, 2),)),
    Case("x.reshape((3,2))", method_reshape_tuple, (normal(6),)),
    Case("x.reshape(-1,2)", method_reshape_minus1, (normal(2, 3),)),
    Case("np.ravel", np_ravel, (normal(2, 3),)),
    Case("x.ravel()", method_ravel, (normal(3, 2),)),
    Case("x.flatten()", method_flatten, (normal(3, 2),)),
    Case("np.squeeze", np_squeeze, (normal(1, 3, 1, 2),)),
    Case("np.squeeze:axis", np_squeeze_axis, (normal(1, 3, 2),)),
    Case("x.squeeze()", method_squeeze, (normal(3, 1),)),
    Case("np.expand_dims", np_expand_dims, (normal(3, 4),)),
    Case("np.expand_dims:tuple", np_expand_dims_tuple, (normal(3, 4),)),
    Case("np.broadcast_to:(3,1)", np_broadcast_to, (normal(3, 1),)),
    Case("np.broadcast_to:(4,)", np_broadcast_to, (normal(4),)),
    Case("np.copy", np_copy, (normal(3, 4),)),
    Case("np.array", np_array, (normal(3, 4),)),
    Case("np.array:ndmin", np_array_ndmin, (normal(3, 4),)),
    Case("np.asarray", np_asarray, (normal(3, 4),)),
    Case("x.copy()", method_copy, (normal(3, 4),)),
]

# ===================================================================================== indexing

INDEX = np.array([0, 2, 2, 4, 2])
ROWS = np.array([0, 2, 0, 1])
COLS = np.array([1, 1, 1, 3])
MASK = np.array([True, False, True, True, False])


def index_int(x):
    return np.sin(x[1]) * x[3]


def index_negative(x):
    return np.sin(x[-1]) + x[-2] ** 2


def index_variable(x):
    i = 2
    return np.sin(x[i]) * x[i + 1]


def index_argument(x, i):
    return np.sin(x[i])


def index_2d(x):
    return np.sin(x[1, 2]) * x[0, -1]


def index_row(x):
    return np.sum(np.sin(x[1]))


def index_column(x):
    return np.sum(np.sin(x[:, 1]))


def slice_(x):
    return np.sum(np.sin(x[1:4]))


def slice_step(x):
    return np.sum(np.sin(x[::2]))


def slice_reverse(x):
    return np.sum(np.sin(x[::-1]) * np.arange(5.0))


def slice_negative_step(x):
    return np.sum(np.sin(x[4:0:-2]) * np.arange(2.0, 4.0))


def slice_2d(x):
    return np.sum(np.sin(x[1:, ::-2]))


def index_newaxis(x):
    return np.sum(np.sin(x[:, None] * x[None, :]))


def index_ellipsis(x):
    return np.sum(np.sin(x[..., 0])) + np.sum(x[..., 1:3] ** 2)


def index_int_array(x):
    return np.sum(np.sin(x[INDEX]) * np.arange(1.0, 6.0))


def index_list(x):
    return np.sum(np.sin(x[[0, 0, 3, 0]]))


def index_int_array_2d(x):
    return np.sum(np.sin(x[ROWS, COLS]))


def index_int_array_rows(x):
    return np.sum(np.sin(x[ROWS]))


def index_bool_mask_const(x):
    return np.sum(np.sin(x[MASK]))


def index_bool_mask_computed(x):
    return np.sum(np.sin(x[x > 0.0]))


INDEX_CASES = [
    Case("x[1]", index_int, (normal(5),)),
    Case("x[-1]", index_negative, (normal(5),)),
    Case("x[i]-local", index_variable, (normal(5),)),
    Case("x[i]-argument", index_argument, (normal(5), const(3))),
    Case("x[1,2]", index_2d, (normal(3, 4),)),
    Case("x[1]-row", index_row, (normal(3, 4),)),
    Case("x[:,1]", index_column, (normal(3, 4),)),
    Case("x[1:4]", slice_, (normal(5),)),
    Case("x[::2]", slice_step, (normal(5),)),
    Case("x[::-1]", slice_reverse, (normal(5),)),
    Case("x[4:0:-2]", slice_negative_step, (normal(5),)),
    Case("x[1:,::-2]", slice_2d, (normal(3, 4),)),
    Case("x[:,None]", index_newaxis, (normal(4),)),
    Case("x[...,0]", index_ellipsis, (normal(2, 3, 4),)),
    Case("x[int-array-repeated]", index_int_array, (normal(5),)),
    Case("x[list-repeated]", index_list, (normal(4),)),
    Case("x[rows,cols]-repeated", index_int_array_2d, (normal(3, 4),)),
    Case("x[rows]-2d-repeated", index_int_array_rows, (normal(3, 4),)),
    Case("x[bool-mask]", index_bool_mask_const, (normal(5),)),
    Case("x[x>0]", index_bool_mask_computed, (nonzero(3, 4),)),
]

# ============================================================================ array methods, .shape


def shape_arithmetic(x):
    return np.sum(np.sin(x)) * x.shape[0] / x.shape[1] + np.sum(x * x.shape[1])


def size_ndim_arithmetic(x):
    return np.sum(x**2) / x.size + x.ndim * np.sum(np.sin(x))


def shape_in_reshape(x):
    return np.sum(np.sin(np.reshape(x, (x.shape[1], x.shape[0]))) * np.arange(12.0).reshape(4, 3))


def len_arithmetic(x):
    return np.sum(np.sin(x)) / len(x)


def method_sum_axis1(x):
    return np.sum(np.sin(x.sum(axis=1)))


def method_sum_positional(x):
    return np.sum(np.sin(x.sum(0)))


def method_sum(x):
    return np.sin(x.sum())


def method_mean(x):
    return np.sin(x.mean())


def method_mean_axis_keepdims(x):
    return np.sum(np.sin(x.mean(axis=0, keepdims=True) * x))


def method_max_axis0(x):
    return np.sum(np.sin(x.max(axis=0)))


def method_max(x):
    return np.sin(x.max())


def method_min_axis1(x):
    return np.sum(np.sin(x.min(axis=1)))


def method_prod(x):
    return np.sin(x.prod())


def method_var_axis1(x):
    return np.sum(np.sin(x.var(axis=1)))


def method_std(x):
    return np.sin(x.std())


def method_cumsum(x):
    return np.sum(np.sin(x.cumsum(axis=0)))


def method_clip(x):
    return np.sum(np.sin(x.clip(-0.5, 0.5)))


METHOD_CASES = [
    Case("x.shape-arithmetic", shape_arithmetic, (normal(3, 4),)),
    Case("x.size,x.ndim-arithmetic", size_ndim_arithmetic, (normal(3, 4),)),
    Case("x.shape-in-reshape", shape_in_reshape, (normal(3, 4),)),
    Case("len(x)-arithmetic", len_arithmetic, (normal(3, 4),)),
    Case("x.sum(axis=1)", method_sum_axis1, (normal(3, 4),)),
    Case("x.sum(0)", method_sum_positional, (normal(3, 4),)),
    Case("x.sum()", method_sum, (normal(3, 4),)),
    Case("x.mean()", method_mean, (normal(3, 4),)),
    Case("x.mean(axis=0,keepdims)", method_mean_axis_keepdims, (normal(3, 4),)),
    Case("x.max(axis=0)", method_max_axis0, (distinct(3, 4),)),
    Case("x.max()", method_max, (distinct(3, 4),)),
    Case("x.min(axis=1)", method_min_axis1, (distinct(3, 4),)),
    Case("x.prod()", method_prod, (nonzero(2, 3),)),
    Case("x.var(axis=1)", method_var_axis1, (normal(3, 4),)),
    Case("x.std()", method_std, (normal(3, 4),)),
    Case("x.cumsum(axis=0)", method_cumsum, (normal(3, 4),)),
    Case("x.clip(-0.5,0.5)", method_clip, (clip_safe(3, 4),)),
]

# ======================================================================= Python scalars, math


def py_max(x, y):
    return max(x, y) * math.sin(x + y)


def py_min(x, y):
    return min(x, y) * math.sin(x + y)


def py_max_const(x):
    return max(x, 0.3) ** 2 + x


def py_min_const(x):
    return min(0.3, x) ** 2 + x


def py_abs(x):
    return abs(x) * math.sin(x)


def py_float(x):
    return float(x) * x


def math_sin(x):
    return math.sin(math.sin(x))


def math_cos(x):
    return math.sin(math.cos(x))


def math_tan(x):
    return math.sin(math.tan(x))


def math_exp(x):
    return math.sin(math.exp(x))


def math_log(x):
    return math.sin(math.log(x))


def math_log_base(x):
    return math.sin(math.log(x, 2.0))


def math_sqrt(x):
    return math.sin(math.sqrt(x))


def math_tanh(x):
    return math.sin(math.tanh(x))


def math_asin(x):
    return math.sin(math.asin(x))


def math_acos(x):
    return math.sin(math.acos(x))


def math_atan(x):
    return math.sin(math.atan(x))


def math_sinh(x):
    return math.sin(math.sinh(x))


def math_cosh(x):
    return math.sin(math.cosh(x))


def math_expm1(x):
    return math.sin(math.expm1(x))


def math_log1p(x):
    return math.sin(math.log1p(x))


def math_fabs(x):
    return math.sin(math.fabs(x))


def math_pow(x, y):
    return math.sin(math.pow(x, y))


def scalar_arithmetic(x, y):
    return (x * y - x / y + x**2) / (1.0 + y * y) - y


def separated_pair(sign):
    """Two Python floats at least 0.2 apart; `sign` > 0 puts the larger one first."""

    def sample(rng):
        a = float(rng.uniform(-1.5, 1.5))
        b = a - sign * float(rng.uniform(0.2, 1.0))
        return a, b

    return sample


def _pair(sign):
    state = {}

    def first(rng):
        state["pair"] = separated_pair(sign)(rng)
        return state["pair"][0]

    def second(rng):
        return state["pair"][1]

    return first, second


SCALAR_CASES = [
    Case("max(x,y):x>y", py_max, _pair(+1), (0, 1)),
    Case("max(x,y):x<y", py_max, _pair(-1), (0, 1)),
    Case("min(x,y):x>y", py_min, _pair(+1), (0, 1)),
    Case("min(x,y):x<y", py_min, _pair(-1), (0, 1)),
    Case("max(x,0.3):x>0.3", py_max_const, (pyfloat(0.5, 2.0),)),
    Case("max(x,0.3):x<0.3", py_max_const, (pyfloat(-1.0, 0.1),)),
    Case("min(0.3,x):x>0.3", py_min_const, (pyfloat(0.5, 2.0),)),
    Case("min(0.3,x):x<0.3", py_min_const, (pyfloat(-1.0, 0.1),)),
    Case("abs(x):x>0", py_abs, (pyfloat(0.3, 2.0),)),
    Case("abs(x):x<0", py_abs, (pyfloat(-2.0, -0.3),)),
    Case("float(x)", py_float, (pyfloat(-2.0, 2.0),)),
    Case("math.sin", math_sin, (pyfloat(-2.0, 2.0),)),
    Case("math.cos", math_cos, (pyfloat(-2.0, 2.0),)),
    Case("math.tan", math_tan, (pyfloat(-1.2, 1.2),)),
    Case("math.exp", math_exp, (pyfloat(-2.0, 1.5),)),
    Case("math.log", math_log, (pyfloat(0.3, 3.0),)),
    Case("math.log(x,2.0)", math_log_base, (pyfloat(0.3, 3.0),)),
    Case("math.sqrt", math_sqrt, (pyfloat(0.3, 3.0),)),
    Case("math.tanh", math_tanh, (pyfloat(-2.0, 2.0),)),
    Case("math.asin", math_asin, (pyfloat(-0.9, 0.9),)),
    Case("math.acos", math_acos, (pyfloat(-0.9, 0.9),)),
    Case("math.atan", math_atan, (pyfloat(-2.0, 2.0),)),
    Case("math.sinh", math_sinh, (pyfloat(-2.0, 2.0),)),
    Case("math.cosh", math_cosh, (pyfloat(-2.0, 2.0),)),
    Case("math.expm1", math_expm1, (pyfloat(-2.0, 1.5),)),
    Case("math.log1p", math_log1p, (pyfloat(-0.5, 2.0),)),
    Case("math.fabs:x>0", math_fabs, (pyfloat(0.3, 2.0),)),
    Case("math.fabs:x<0", math_fabs, (pyfloat(-2.0, -0.3),)),
    Case("math.pow", math_pow, (pyfloat(0.5, 2.0), pyfloat(-1.5, 1.5)), (0, 1)),
    Case("float-arithmetic", scalar_arithmetic, (pyfloat(-2.0, 2.0), pyfloat(-2.0, 2.0)), (0, 1)),
    Case("np.sin(float)", np_sin, (pyfloat(-2.0, 2.0),)),
    Case("np.exp(0d)", np_exp, (lambda rng: np.asarray(rng.standard_normal()),)),
]

# ================================================================================== constructs

SCALE = 2.5
WEIGHTS = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.75, -0.5, 1.0], [-2.0, 0.1, 0.3, -0.7]])


def tuple_unpack(x):
    a, b = x * 2, np.sin(x)
    return np.sum(a * np.cos(b))


def tuple_swap(x):
    a, b = x * 2, np.sin(x)
    a, b = b, a
    return np.sum(a * np.cos(b))


def tuple_swap_twice(x, y):
    a, b = x, y
    a, b = b, a
    b, a = a * 3.0, np.exp(b)
    return np.sum(np.sin(a) * b)


def tuple_unpack_from_name(x):
    t = (np.sin(x), x * x)
    a, b = t
    return np.sum(a * b)


def aug_add_mul(x):
    y = np.sin(x)
    y += x
    y *= 2
    return np.sum(y * y)


def aug_all_ops(x):
    y = np.cos(x)
    y += x
    y -= x**2
    y *= x
    y /= 3.0
    y **= 2
    return np.sum(y)


def aug_parameters(x, y):
    y += x
    y *= 2
    y -= x * x
    return y * math.sin(x)


def aug_accumulate(x):
    s = 0.0
    s += np.sum(x)
    s += np.sum(np.sin(x))
    s *= s
    return s


def reassign(x):
    h = np.sin(x)
    h = h * x
    h = np.exp(h) + h
    h = np.sum(h * h)
    h = h / 2.0
    return h


def reassign_reads_old(x, y):
    z = x * y
    z = np.sin(z) + z
    x = z * x
    y = np.sum(x) + np.sum(y)
    return y


def constants(x):
    return np.sum(SCALE * x + WEIGHTS * np.sin(x)) * np.pi + math.e * np.sum(x * 3.0) - 1.5


def default_argument(x, scale=2.0):
    return np.sum(np.sin(scale * x))


def keyword_calls(x, y):
    return np.sum(np.sin(np.sum(x, axis=1, keepdims=True) * np.maximum(x, y)))


def repeated_use(x):
    return np.sum(x * x * x + np.sin(x) * x)


def unused_argument(x, y):
    return np.sum(np.sin(x))


def chained_comparison_mask(x):
    inside = (x > -0.5) & (x < 0.5)
    return np.sum(np.where(inside, x**2, np.abs(x)))


CONSTRUCT_CASES = [
    Case("unpack", tuple_unpack, (normal(3, 4),)),
    Case("unpack-swap", tuple_swap, (normal(3, 4),)),
    Case("unpack-swap-twice", tuple_swap_twice, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("unpack-from-name", tuple_unpack_from_name, (normal(3, 4),)),
    Case("augassign:+=,*=", aug_add_mul, (normal(3, 4),)),
    Case("augassign:all-ops", aug_all_ops, (normal(3, 4),)),
    Case("augassign:parameters", aug_parameters, (pyfloat(-2.0, 2.0), pyfloat(-2.0, 2.0)), (0, 1)),
    Case("augassign:accumulate", aug_accumulate, (normal(3, 4),)),
    Case("reassign", reassign, (normal(3, 4),)),
    Case("reassign-params", reassign_reads_old, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("constants", constants, (normal(3, 4),)),
    Case("default-argument", default_argument, (normal(3, 4),)),
    Case("keyword-calls", keyword_calls, (normal(3, 4), normal(4)), (0, 1)),
    Case("repeated-use", repeated_use, (normal(3, 4),)),
    Case("wrt-by-name", keyword_calls, (normal(3, 4), normal(4)), ("y", "x")),
    Case("wrt-negative-index", keyword_calls, (normal(3, 4), normal(4)), -1),
    Case("unused-argument", unused_argument, (normal(3), normal(3)), (0, 1)),
    Case("mask-&", chained_comparison_mask, (clip_safe(3, 4),)),
]

# ============================================== sequences of arrays: concatenate, stack, sum; flip, diag, delete


def np_concatenate(x, y):
    return np.sum(np.sin(np.concatenate([x, y, np.sin(x)])) * np.arange(30.0).reshape(10, 3))


def np_concatenate_axis1(x, y):
    return np.sum(np.sin(np.concatenate((x, y), axis=1)))


def np_concatenate_axis_neg1(x, y):
    return np.sum(np.sin(np.concatenate([y, x, y], -1)))


def np_stack(x, y):
    return np.sum(np.sin(np.stack([x, y, x * y])) * np.arange(3.0).reshape(3, 1, 1))


def np_stack_axis1(x, y):
    return np.sum(np.sin(np.stack((x, y), axis=1)))


def np_stack_axis_neg1(x, y):
    return np.sum(np.sin(np.stack([x, y], axis=-1)) * np.arange(1.0, 3.0))


def py_sum_list(x, y):
    return np.sum(np.sin(sum([x, y, x * y])))


def py_sum_start(x, y):
    return np.sum(np.sin(sum([x, np.cos(x)], y)))


def py_sum_array(x):
    return np.sum(np.sin(sum(x)))


def np_flip(x):
    return np.sum(np.sin(np.flip(x)) * np.arange(12.0).reshape(3, 4))


def np_flip_axis1(x):
    return np.sum(np.sin(np.flip(x, axis=1)) * np.arange(12.0).reshape(3, 4))


def np_flip_axis0(x):
    return np.sum(np.sin(np.flip(x, 0)) * np.arange(12.0).reshape(3, 4))


def np_diag_vector(x):
    return np.sum(np.sin(np.diag(x)) * np.arange(9.0).reshape(3, 3))


def np_diag_vector_offset(x):
    return np.sum(np.sin(np.diag(x, 1)) * np.arange(16.0).reshape(4, 4))


def np_diag_matrix(x):
    return np.sum(np.sin(np.diag(x)) * np.arange(1.0, 4.0))


def np_diag_matrix_offset(x):
    return np.sum(np.sin(np.diag(x, k=-1)) * np.arange(1.0, 3.0))


def np_delete_flat(x):
    return np.sum(np.sin(np.delete(x, 1)) * np.arange(11.0))


def np_delete_axis0(x):
    return np.sum(np.sin(np.delete(x, 1, axis=0)))


def np_delete_axis1_list(x):
    return np.sum(np.sin(np.delete(x, [0, 2], axis=1)))


def np_delete_axis_neg1(x):
    return np.sum(np.sin(np.delete(x, -1, -1)))


SEQUENCE_CASES = [
    Case("np.concatenate", np_concatenate, (normal(3, 3), normal(4, 3)), (0, 1)),
    Case("np.concatenate:axis=1", np_concatenate_axis1, (normal(3, 2), normal(3, 4)), (0, 1)),
    Case("np.concatenate:axis=-1", np_concatenate_axis_neg1, (normal(2, 3, 4), normal(2, 3, 1)), (0, 1)),
    Case("np.stack", np_stack, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("np.stack:axis=1", np_stack_axis1, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("np.stack:axis=-1", np_stack_axis_neg1, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("sum([...])", py_sum_list, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("sum([...]):broadcast", py_sum_list, (normal(3, 4), normal(4)), (0, 1)),
    Case("sum([...],start)", py_sum_start, (normal(3, 4), normal(3, 1)), (0, 1)),
    Case("sum(array)", py_sum_array, (normal(3, 4),)),
    Case("np.flip", np_flip, (normal(3, 4),)),
    Case("np.flip:axis=1", np_flip_axis1, (normal(3, 4),)),
    Case("np.flip:axis=0", np_flip_axis0, (normal(3, 4),)),
    Case("np.diag:vector", np_diag_vector, (normal(3),)),
    Case("np.diag:vector,k=1", np_diag_vector_offset, (normal(3),)),
    Case("np.diag:square", np_diag_matrix, (normal(3, 3),)),
    Case("np.diag:wide", np_diag_matrix, (normal(3, 4),)),
    Case("np.diag:square,k=-1", np_diag_matrix_offset, (normal(3, 3),)),
    Case("np.delete", np_delete_flat, (normal(3, 4),)),
    Case("np.delete:axis=0", np_delete_axis0, (normal(3, 4),)),
    Case("np.delete:axis=1,list", np_delete_axis1_list, (normal(3, 4),)),
    Case("np.delete:axis=-1", np_delete_axis_neg1, (normal(3, 4),)),
]

# ================================================= more of NumPy: elementwise, sorting, contraction, shape


def np_arcsinh(x):
    return np.sum(np.sin(np.arcsinh(x)))


def np_arccosh(x):
    return np.sum(np.sin(np.arccosh(x)))


def np_arctanh(x):
    return np.sum(np.sin(np.arctanh(x)))


def np_deg2rad(x):
    return np.sum(np.sin(np.deg2rad(x) * 30.0))


def np_radians_degrees(x):
    return np.sum(np.sin(np.radians(x) + np.degrees(x) / 90.0 + np.rad2deg(x) / 60.0))


def np_arctan2(y, x):
    return np.sum(np.sin(3.0 * np.arctan2(y, x)))


def np_hypot(x, y):
    return np.sum(np.sin(np.hypot(x, y)))


def np_nansum(x):
    return np.sin(np.nansum(x * x))


def np_nansum_axis(x):
    return np.sum(np.sin(np.nansum(x, axis=1)))


def np_diff(x):
    return np.sum(np.sin(np.diff(x)))


def np_diff_axis0_n2(x):
    return np.sum(np.sin(np.diff(x, n=2, axis=0)))


def np_sort(x):
    return np.sum(np.sin(np.sort(x)) * np.arange(4.0))


def np_sort_axis0(x):
    return np.sum(np.sin(np.sort(x, axis=0)) * np.arange(3.0)[:, None])


def np_sort_flat(x):
    return np.sum(np.sin(np.sort(x, axis=None)) * np.arange(12.0))


def einsum_matmul(a, b):
    return np.sum(np.sin(np.einsum("ij,jk->ik", a, b)))


def einsum_implicit(a, b):
    return np.sum(np.sin(np.einsum("ij,jk", a, b)))


def einsum_column_sums(a):
    return np.sum(np.sin(np.einsum("ij->j", a)))


def einsum_inner(a, b):
    return np.sin(np.einsum("ij,ij->", a, b))


def einsum_outer(a, b):
    return np.sum(np.sin(np.einsum("i,j->ij", a, b)))


def einsum_batched(a, b):
    return np.sum(np.sin(np.einsum("bij,bjk->bik", a, b)))


def einsum_summed_alone(a, b):
    return np.sum(np.sin(np.einsum("ij,j->j", a, b)))  # i is summed within a alone


def np_vdot(a, b):
    return np.sin(np.vdot(a, b))


def np_swapaxes(x):
    return np.sum(np.sin(np.swapaxes(x, 0, 2)) * np.arange(4.0))


def np_moveaxis(x):
    return np.sum(np.sin(np.moveaxis(x, 0, -1)) * np.arange(2.0))


def np_atleast(x, s):
    return np.sum(np.sin(np.atleast_2d(x) * np.atleast_1d(s) + np.atleast_3d(s)))


def np_hstack_vectors(x, y):
    return np.sum(np.sin(np.hstack([x, y])) * np.arange(7.0))


def np_hstack_matrices(x, y):
    return np.sum(np.sin(np.hstack((x, y))) * np.arange(5.0))


def np_vstack_vectors(x, y):
    return np.sum(np.sin(np.vstack([x, y])) * np.arange(3.0))


def np_vstack_matrices(x, y):
    return np.sum(np.sin(np.vstack((x, y))) * np.arange(5.0)[:, None])


def np_tile(x):
    return np.sum(np.sin(np.tile(x, 2)) * np.arange(8.0))


def np_tile_more_axes(x):
    return np.sum(np.sin(np.tile(x, (2, 1, 3))) * np.arange(12.0))


def np_repeat(x):
    return np.sum(np.sin(np.repeat(x, 2)) * np.arange(12.0))


def np_repeat_axis_counts(x):
    return np.sum(np.sin(np.repeat(x, [1, 0, 3], axis=0)) * np.arange(4.0)[:, None])


def np_take(x):
    return np.sum(np.sin(np.take(x, [5, 0, 5, 11])) * np.arange(4.0))


def np_take_axis1(x):
    return np.sum(np.sin(np.take(x, [[2, 0], [2, 3]], axis=1)) * np.arange(2.0))


def np_take_modes(x):
    clipped = np.take(x, [[2, 0], [7, 3]], axis=1, mode="clip")
    return np.sum(np.sin(clipped) * np.arange(2.0)) + np.sum(np.take(x, [13, -1, 5], mode="wrap") ** 2)


def np_roll(x):
    return np.sum(np.sin(np.roll(x, 2)) * np.arange(4.0))


def np_roll_axes(x):
    return np.sum(np.sin(np.roll(x, (1, -1), axis=(0, 1))) * np.arange(4.0))


def np_tril_triu(x):
    return np.sum(np.sin(np.tril(x) + 2.0 * np.triu(x, 1) - np.tril(x, -1)))


def real_parts(x):
    return np.sum(np.sin(x.real * np.real(x) + np.conj(x) + x.conj() + 0.0 * x.imag))


def var_std_ddof(x):
    return np.sin(np.var(x, ddof=1)) + np.sum(np.sin(np.std(x, axis=0, ddof=1)))


def item_of(x):
    return math.sin(np.sum(x * x).item()) + np.sum(x[:1]).item() * 2.0


def np_sinc(x):
    return np.sum(np.sin(np.sinc(x)) * np.arange(4.0))


def np_diagonal(x):
    return np.sum(np.sin(np.diagonal(x)) * np.arange(3.0)) + np.sum(np.sin(x.diagonal(1)))


def np_diagonal_axes(x):
    return np.sum(np.sin(np.diagonal(x, -1, 2, 0)) * np.arange(3.0))  # (2, 3): the diagonal last


def cumprod_method(x):
    return np.sum(np.sin(x.cumprod(axis=1)))


def np_median(x):
    return np.sin(np.median(x)) + np.sum(np.sin(np.median(x, axis=0)) * np.arange(4.0))


def np_median_odd_keepdims(x):
    return np.sum(np.sin(np.median(x, axis=1, keepdims=True)) * np.arange(2.0)[:, None])


def np_fmax_fmin(x, y):
    return np.sum(np.sin(np.fmax(x, y)) + np.cos(np.fmin(x, y)))


def np_percentile(x):
    return np.sin(np.percentile(x, 30.0)) + np.sum(np.sin(np.quantile(x, 0.75, axis=1)) * np.arange(3.0))


def singular_values(x):
    return np.sum(np.sin(np.linalg.svd(x, compute_uv=False)) * np.arange(3.0))


def singular_vectors(x):
    return np.sum(np.linalg.svd(x)[1])


MORE_CASES = [
    Case("np.linalg.svd:compute_uv=False", singular_values, (normal(4, 3),)),
    Case("np.percentile,np.quantile:axis=1", np_percentile, (distinct(3, 5),)),
    Case("np.median:even,axis=0", np_median, (distinct(4, 4),)),
    Case("np.median:odd,axis=1,keepdims", np_median_odd_keepdims, (distinct(2, 5),)),
    Case("np.fmax,np.fmin", np_fmax_fmin, (grid((3, 4)), grid((4,), 0.05)), (0, 1)),
    Case("np.diagonal,x.diagonal(k)", np_diagonal, (normal(3, 4),)),
    Case("np.diagonal:offset,axes", np_diagonal_axes, (normal(3, 2, 4),)),
    Case("x.cumprod(axis)", cumprod_method, (normal(2, 3),)),
    Case("x.item()", item_of, (normal(3),)),
    Case("np.sinc", np_sinc, (uniform(0.2, 1.8, 4),)),
    Case("np.var,np.std:ddof=1", var_std_ddof, (normal(3, 4),)),
    Case("x.real,np.real,np.conj", real_parts, (normal(3, 4),)),
    Case("np.arcsinh", np_arcsinh, (normal(3, 4),)),
    Case("np.arccosh", np_arccosh, (uniform(1.5, 3.0, 3, 4),)),
    Case("np.arctanh", np_arctanh, (uniform(-0.8, 0.8, 3, 4),)),
    Case("np.deg2rad", np_deg2rad, (normal(3, 4),)),
    Case("np.radians,degrees,rad2deg", np_radians_degrees, (normal(3, 4),)),
    Case("np.arctan2", np_arctan2, (nonzero(3, 4), nonzero(4)), (0, 1)),
    Case("np.hypot", np_hypot, (nonzero(3, 4), nonzero(3, 1)), (0, 1)),
    Case("np.nansum", np_nansum, (normal(3, 4),)),
    Case("np.nansum:axis=1", np_nansum_axis, (normal(3, 4),)),
    Case("np.diff", np_diff, (normal(3, 4),)),
    Case("np.diff:n=2,axis=0", np_diff_axis0_n2, (normal(4, 3),)),
    Case("np.sort", np_sort, (distinct(3, 4),)),
    Case("np.sort:axis=0", np_sort_axis0, (distinct(3, 4),)),
    Case("np.sort:axis=None", np_sort_flat, (distinct(3, 4),)),
    Case("np.einsum:matmul", einsum_matmul, (normal(3, 4), normal(4, 2)), (0, 1)),
    Case("np.einsum:implicit", einsum_implicit, (normal(3, 4), normal(4, 2)), (0, 1)),
    Case("np.einsum:one operand", einsum_column_sums, (normal(3, 4),)),
    Case("np.einsum:full contraction", einsum_inner, (normal(3, 4), normal(3, 4)), (0, 1)),
    Case("np.einsum:outer", einsum_outer, (normal(3), normal(4)), (0, 1)),
    Case("np.einsum:batched", einsum_batched, (normal(2, 3, 4), normal(2, 4, 2)), (0, 1)),
    Case("np.einsum:index summed in one operand", einsum_summed_alone, (normal(3, 4), normal(4)), (0, 1)),
    Case("np.vdot", np_vdot, (normal(3, 4), normal(12)), (0, 1)),
    Case("np.swapaxes", np_swapaxes, (normal(4, 3, 2),)),
    Case("np.moveaxis", np_moveaxis, (normal(2, 3, 4),)),
    Case("np.atleast_1d,2d,3d", np_atleast, (normal(3), pyfloat(0.5, 1.5)), (0, 1)),
    Case("np.hstack:vectors", np_hstack_vectors, (normal(3), normal(4)), (0, 1)),
    Case("np.hstack:matrices", np_hstack_matrices, (normal(3, 2), normal(3, 3)), (0, 1)),
    Case("np.vstack:vectors", np_vstack_vectors, (normal(3), normal(3)), (0, 1)),
    Case("np.vstack:matrices", np_vstack_matrices, (normal(2, 3), normal(3, 3)), (0, 1)),
    Case("np.tile", np_tile, (normal(4),)),
    Case("np.tile:more axes", np_tile_more_axes, (normal(2, 4),)),
    Case("np.repeat", np_repeat, (normal(2, 3),)),
    Case("np.repeat:axis=0,counts", np_repeat_axis_counts, (normal(3, 4),)),
    Case("np.take", np_take, (normal(3, 4),)),
    Case("np.take:axis=1", np_take_axis1, (normal(3, 4),)),
    Case("np.take:mode", np_take_modes, (normal(3, 4),)),
    Case("np.roll", np_roll, (normal(3, 4),)),
    Case("np.roll:axes", np_roll_axes, (normal(3, 4),)),
    Case("np.tril,triu", np_tril_triu, (normal(4, 4),)),
]

CASES = (
    BINARY_CASES
    + UNARY_CASES
    + ELEMENTWISE_CASES
    + REDUCTION_CASES
    + LINALG_CASES
    + SHAPE_CASES
    + INDEX_CASES
    + METHOD_CASES
    + SCALAR_CASES
    + CONSTRUCT_CASES
    + SEQUENCE_CASES
    + MORE_CASES
)


# ======================================================================================== tests


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("case", rows(CASES))
def test_grad(case, seed):
    args = case.sample(seed)
    check_grad(case.f, grad(case.f, wrt=case.wrt), *args, wrt=case.wrt)


@pytest.mark.parametrize("case", rows(CASES))
def test_value_and_grad(case):
    args = case.sample(SEEDS[0])
    value, gradient = value_and_grad(case.f, wrt=case.wrt)(*args)
    expected = case.f(*args)
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    check_grad(case.f, gradient, *args, wrt=case.wrt)


# ------------------------------------------------------------------------- keyword arguments


@pytest.mark.parametrize("wrt", ["x", "y", ("y", "x")], ids=str)
def test_keyword_arguments_at_call_time(wrt):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal(4)
    g = grad(keyword_calls, wrt=wrt)
    check_grad(keyword_calls, g, x=x, y=y, wrt=wrt)
    # the keyword call agrees with the positional one
    by_keyword, by_position = g(y=y, x=x), g(x, y)
    if not isinstance(wrt, tuple):
        by_keyword, by_position = (by_keyword,), (by_position,)
    for a, b in zip(by_keyword, by_position, strict=True):
        np.testing.assert_array_equal(a, b)
    value, _ = value_and_grad(keyword_calls, wrt=wrt)(x=x, y=y)
    np.testing.assert_allclose(value, keyword_calls(x, y), rtol=1e-12)


def test_default_argument_overridden_by_keyword():
    x = np.random.default_rng(3).standard_normal((2, 3))
    check_grad(default_argument, grad(default_argument), x, scale=-0.7)
    check_grad(default_argument, grad(default_argument, wrt="scale"), x, scale=-0.7, wrt="scale")


# --------------------------------------------------------------------------------- decorators


@grad
def decorated_plain(x):
    return np.sum(np.sin(x) * x)


@grad(wrt="y")
def decorated_by_name(x, y):
    return np.sum(np.sin(x * y) + y**2)


@grad(wrt=(0, "y"))
def decorated_tuple(x, y):
    return np.sum(np.tanh(x) * np.exp(y))


@value_and_grad(wrt=1)
def decorated_value_and_grad(x, y):
    return np.sum(x * np.cos(y))


def test_decorator_plain():
    x = np.random.default_rng(0).standard_normal((2, 3))
    f = decorated_plain.__wrapped__
    check_grad(f, decorated_plain, x)


def test_decorator_wrt_name():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(4), rng.standard_normal(4)
    f = decorated_by_name.__wrapped__
    check_grad(f, decorated_by_name, x, y, wrt="y")


def test_decorator_wrt_tuple():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    f = decorated_tuple.__wrapped__
    gx, gy = decorated_tuple(x, y)
    assert gx.shape == x.shape and gy.shape == y.shape
    check_grad(f, (gx, gy), x, y, wrt=(0, "y"))


def test_decorator_value_and_grad():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    f = decorated_value_and_grad.__wrapped__
    value, gy = decorated_value_and_grad(x, y)
    np.testing.assert_allclose(value, f(x, y), rtol=1e-12)
    check_grad(f, gy, x, y, wrt=1)


# ------------------------------------------------------------------------------------ float32


def float32_loss(x, w):
    return np.sum(np.tanh(x @ w) ** 2) + np.mean(np.sin(x))


def test_float32_input():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    w = rng.standard_normal((4, 2)).astype(np.float32)
    gx, gw = grad(float32_loss, wrt=(0, 1))(x, w)
    assert gx.shape == x.shape and gw.shape == w.shape
    assert np.issubdtype(gx.dtype, np.floating) and np.issubdtype(gw.dtype, np.floating)
    # against central differences taken in float32 (step ~5e-3, so a looser tolerance) ...
    check_grad(float32_loss, (gx, gw), x, w, wrt=(0, 1), rtol=2e-3, atol=2e-3)
    # ... and against the float64 gradient at the same point, to float32 precision
    gx64, gw64 = grad(float32_loss, wrt=(0, 1))(x.astype(np.float64), w.astype(np.float64))
    np.testing.assert_allclose(gx, gx64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gw, gw64, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- ties of max/min


def max_plus_twice_min(x, y):
    return np.sum(np.maximum(x, y)) + 2.0 * np.sum(np.minimum(x, y)) + np.sum(np.maximum(x, 0.0))


@pytest.mark.parametrize("specialize", [False, True])
def test_maximum_and_minimum_split_a_tie_equally(specialize):
    """Central differences cannot see a kink, so the convention is derived by hand: where x > y
    maximum's adjoint goes to x and minimum's to y; at a tie each gets half (autograd's choice);
    maximum(x, 0) is ReLU, with ½ at x = 0."""
    x = np.array([1.0, 2.0, 3.0, 0.0, -1.0])
    y = np.array([1.0, 3.0, 2.0, 0.0, -1.0])
    relu = np.array([1.0, 1.0, 1.0, 0.5, 0.0])
    max_x = np.array([0.5, 0.0, 1.0, 0.5, 0.5])
    min_x = np.array([0.5, 1.0, 0.0, 0.5, 0.5])
    gx, gy = grad(max_plus_twice_min, wrt=(0, 1), specialize=specialize)(x, y)
    np.testing.assert_array_equal(gx, max_x + 2.0 * min_x + relu)
    np.testing.assert_array_equal(gy, (1.0 - max_x) + 2.0 * (1.0 - min_x))


def python_max_min(x, y):
    return max(x, y) * 3.0 + min(x, y)


@pytest.mark.parametrize("specialize", [False, True])
def test_python_max_and_min_of_numbers_split_a_tie_equally(specialize):
    """By hand: d max(x, y)/dx = 1 if x > y, ½ if x == y, 0 if x < y; min the other way round."""
    g = grad(python_max_min, wrt=(0, 1), specialize=specialize)
    for (x, y), expected in {
        (2.0, 1.0): (3.0, 1.0),
        (1.0, 2.0): (1.0, 3.0),
        (1.5, 1.5): (2.0, 2.0),
        (float("nan"), 1.0): (0.0, 0.0),  # NaN compares false: no share (max(nan, 1.0) is nan)
    }.items():
        assert g(x, y) == expected, (x, y)


def test_max_share_without_ties_and_with_nan():
    from astgrad.runtime import max_share

    assert max_share(2.0, 1.0) == 1.0 and max_share(1.0, 1.0) == 0.5 and max_share(0.0, 1.0) == 0.0
    share = max_share(np.array([2.0, np.nan, -1.0]), 0.0)  # no tie: the mask itself
    np.testing.assert_array_equal(share, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(max_share(np.array([[0.0, 1.0]]), np.array([0.0])), [[0.5, 1.0]])


# ------------------------------------------------------------------------------------- errors


def vector_output(x):
    return np.sin(x) * 2.0


def matrix_output(x, y):
    return x @ y


def two_params(x, y):
    return np.sum(x * y)


def test_non_scalar_output_raises():
    x = np.ones(3)
    with pytest.raises(ValueError, match="scalar"):
        grad(vector_output)(x)
    with pytest.raises(ValueError, match="scalar"):
        value_and_grad(vector_output)(x)
    with pytest.raises(ValueError, match="scalar"):
        grad(matrix_output, wrt=(0, 1))(np.ones((2, 3)), np.ones((3, 2)))


@pytest.mark.parametrize(
    "wrt, error, match",
    [
        (2, ValueError, "out of range"),
        (-3, ValueError, "out of range"),
        ((0, 5), ValueError, "out of range"),
        ("z", ValueError, "not a parameter"),
        (("x", "w"), ValueError, "not a parameter"),
        (True, TypeError, "wrt"),
        (1.0, TypeError, "wrt"),
    ],
    ids=["2", "-3", "(0,5)", "z", "(x,w)", "True", "1.0"],
)
def test_bad_wrt_raises(wrt, error, match):
    x = np.ones(3)
    with pytest.raises(error, match=match):
        grad(two_params, wrt=wrt)(x, x)
    with pytest.raises(error, match=match):
        value_and_grad(two_params, wrt=wrt)(x, x)


# ------------------------------------------------------------------------- generated code


def transpose_axes_fresh(x):  # used by no other test, so grad compiles it here
    return np.sum(np.sin(np.transpose(x, (1, 0))))


def test_generated_code_compiles_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = grad(transpose_axes_fresh)
    check_grad(transpose_axes_fresh, g, np.random.default_rng(0).standard_normal((2, 3)))


# -------------------------------------------------------------------------------- determinism

_DETERMINISM_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import astgrad
import _determinism_target as m
print(astgrad.source(m.loss, wrt=(0, 1)))
print(astgrad.source(m.loss, wrt="x", value=True))
print(astgrad.source(m.loss, normalized=True))
print(astgrad.source(m.penalised, args=m.PENALISED_ARGS))
"""


def test_source_is_deterministic():
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    outputs = []
    for hash_seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run = subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT, tests_dir], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert "def loss_grad" in outputs[0]
    assert outputs[0] == outputs[1] == outputs[2]
    # and the same text in this process
    sys.path.insert(0, tests_dir)
    try:
        import _determinism_target as m
    finally:
        sys.path.remove(tests_dir)
    here = (
        "\n".join(
            [
                astgrad.source(m.loss, wrt=(0, 1)),
                astgrad.source(m.loss, wrt="x", value=True),
                astgrad.source(m.loss, normalized=True),
                astgrad.source(m.penalised, args=m.PENALISED_ARGS),
            ]
        )
        + "\n"
    )
    assert here == outputs[0]


# ------------------------------------------------------------------------------------ astype


def cast_to_float(x):
    return np.sum(x.astype(np.float64) ** 2)


def cast_to_int(x):
    return np.sum(x.astype(np.int64) * x)


@pytest.mark.parametrize("specialize", [False, True])
def test_astype_passes_the_adjoint_back_and_an_integer_cast_has_none(specialize):
    """By hand: d/dx Σ x² = 2x through a float cast; d/dx Σ int(x)·x = int(x) (the cast itself
    is piecewise constant). A float32 argument keeps a float32 gradient."""
    x = np.array([1.5, 2.5])
    np.testing.assert_allclose(grad(cast_to_float, specialize=specialize)(x), 2.0 * x, rtol=1e-14)
    np.testing.assert_allclose(grad(cast_to_int, specialize=specialize)(x), [1.0, 2.0], rtol=1e-14)
    assert grad(cast_to_float, specialize=specialize)(x.astype(np.float32)).dtype == np.float32
    _, along = astgrad.jvp(cast_to_float, (x,), (np.array([1.0, -1.0]),))
    assert along == pytest.approx(2.0 * 1.5 - 2.0 * 2.5)
    np.testing.assert_allclose(astgrad.hessian(cast_to_float)(x), 2.0 * np.eye(2), atol=1e-14)


def sum_of_a_number_over_axis_0(x, s):
    return np.sum(x) + np.sum(s, axis=0) * s


def test_a_number_summed_over_axis_0():
    """NumPy allows np.sum(s, axis=0) for a number s; by hand d/ds (s · s) = 2s."""
    x = np.array([1.0, 2.0])
    for specialize in (False, True):
        gx, gs = grad(sum_of_a_number_over_axis_0, wrt=(0, 1), specialize=specialize)(x, 1.5)
        np.testing.assert_array_equal(gx, [1.0, 1.0])
        assert gs == 3.0


def fmax_of(x, y):
    return np.sum(np.fmax(x, y) * np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("specialize", [True, False])
def test_fmax_gives_the_adjoint_to_the_number_beside_a_nan(specialize):
    """np.fmax(x, nan) is x: its whole adjoint goes to x; a tie splits it, as np.maximum does."""
    x, y = np.array([1.0, 2.0, np.nan]), np.array([np.nan, 2.0, 5.0])
    gx, gy = grad(fmax_of, wrt=(0, 1), specialize=specialize)(x, y)
    np.testing.assert_array_equal(gx, [1.0, 1.0, 0.0])  # weights 1, 2, 3; the tie halves 2
    np.testing.assert_array_equal(gy, [0.0, 1.0, 3.0])


def percentile_of_q(x, q):
    return np.percentile(x, q)


def test_a_derivative_with_respect_to_the_percentile_itself_is_refused():
    x = np.array([3.0, 1.0, 2.0, 5.0])
    assert grad(percentile_of_q)(x, 50.0).tolist() == [0.5, 0.0, 0.5, 0.0]  # between 2 and 3
    for mode in ("reverse", "forward"):
        with pytest.raises(
            astgrad.TransformError,
            match=r"test_rules.py:\d+: `np.percentile` has no derivative with respect to its parameter `q`",
        ):
            grad(percentile_of_q, wrt=1, mode=mode)


def test_singular_values_alone_are_differentiated_and_complete_bases_are_refused():
    x = np.random.default_rng(9).normal(size=(3, 3))
    u, _, vh = np.linalg.svd(x)
    np.testing.assert_allclose(grad(lambda_free_nuclear)(x), u @ vh, atol=1e-12)  # d Σσ = U Vᵀ
    np.testing.assert_allclose(grad(singular_vectors)(x), u @ vh, atol=1e-12)  # (the values of a full svd)
    wide = np.random.default_rng(9).normal(size=(3, 4))
    u, _, vh = np.linalg.svd(wide, full_matrices=False)
    np.testing.assert_allclose(grad(singular_vectors)(wide), u @ vh, atol=1e-12)
    with pytest.raises(ValueError, match="full_matrices=False only"):
        grad(complete_basis_used)(wide)
    assert np.isnan(grad(complete_basis_used, mode="forward")(wide)).all()  # no derivative: NaN, not a number


def complete_basis_used(x):
    return np.sum(np.linalg.svd(x)[2] ** 3)


def lambda_free_nuclear(x):
    return np.sum(np.linalg.svd(x, compute_uv=False))
