"""Rows for the rules of rules/nan_rules.py and rules/numpy_extra_rules.py, and the array methods
and attributes normalisation maps to them: user-style functions and samplers.

Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py.
"""

from __future__ import annotations

import numpy as np

from tests.rule_cases_more import normal, positive


def with_nans(*shape: int, nans: int = 2):
    """Standard normal values with `nans` entries set to NaN (the nan-reductions skip them)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        x = rng.standard_normal(shape)
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, nans, replace=False)] = np.nan
        return x

    return sample


def with_nonfinite(*shape: int):
    """Standard normal values with a NaN, an inf and a -inf among them."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        x = rng.standard_normal(shape)
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, 3, replace=False)] = [np.nan, np.inf, -np.inf]
        return x

    return sample


def distinct(*shape: int):
    """Normal values at least 0.1 apart (a max or min with no near tie)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        n = int(np.prod(shape))
        return rng.permutation(np.arange(n) * 0.3 - 0.15 * n + rng.uniform(-0.05, 0.05, n)).reshape(shape)

    return sample


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


# ================================================================================ nan reductions


def nanmean_all(a):
    return np.sin(np.nanmean(a))


def nanmean_axis(a):
    return np.sum(np.sin(np.nanmean(a, axis=0)))


def nanmean_keepdims(a):
    return np.sum(np.sin(np.nanmean(a, axis=1, keepdims=True)) * np.arange(3.0).reshape(3, 1))


def nanmax_all(a):
    return np.sin(np.nanmax(a))


def nanmax_axis(a):
    return np.sum(np.sin(np.nanmax(a, axis=1)))


def nanmin_axis_keepdims(a):
    return np.sum(np.sin(np.nanmin(a, axis=0, keepdims=True)))


def nanprod_all(a):
    return np.sin(np.nanprod(a))


def nanprod_axis(a):
    return np.sum(np.sin(np.nanprod(a, axis=1)))


def nanvar_all(a):
    return np.sin(np.nanvar(a))


def nanvar_axis_ddof(a):
    return np.sum(np.sin(np.nanvar(a, axis=0, ddof=1)))


def nanstd_axis(a):
    return np.sum(np.sin(np.nanstd(a, axis=1)))


def nanstd_keepdims(a):
    return np.sum(np.sin(np.nanstd(a, axis=1, keepdims=True, ddof=1)))


def nancumsum_flat(a):
    return np.sum(np.sin(np.nancumsum(a)))


def nancumsum_axis(a):
    return np.sum(np.sin(np.nancumsum(a, axis=1)))


def nancumprod_flat(a):
    return np.sum(np.sin(np.nancumprod(a)))


def nancumprod_axis(a):
    return np.sum(np.sin(np.nancumprod(a, axis=0)))


def nansum_axis(a):
    return np.sum(np.sin(np.nansum(a, axis=1)))


NAN_CASES = [
    ("np.nanmean", nanmean_all, [with_nans(3, 4)], 0),
    ("np.nanmean:axis", nanmean_axis, [with_nans(3, 4)], 0),
    ("np.nanmean:keepdims", nanmean_keepdims, [with_nans(3, 4)], 0),
    ("np.nanmax", nanmax_all, [with_nans(3, 4)], 0),
    ("np.nanmax:axis", nanmax_axis, [with_nans(3, 4)], 0),
    ("np.nanmin:axis_keepdims", nanmin_axis_keepdims, [with_nans(3, 4)], 0),
    ("np.nanprod", nanprod_all, [with_nans(2, 3)], 0),
    ("np.nanprod:axis", nanprod_axis, [with_nans(3, 4)], 0),
    ("np.nanvar", nanvar_all, [with_nans(3, 4)], 0),
    ("np.nanvar:axis_ddof", nanvar_axis_ddof, [with_nans(4, 3)], 0),
    ("np.nanstd:axis", nanstd_axis, [with_nans(3, 4)], 0),
    ("np.nanstd:keepdims", nanstd_keepdims, [with_nans(3, 4)], 0),
    ("np.nancumsum", nancumsum_flat, [with_nans(3, 4)], 0),
    ("np.nancumsum:axis", nancumsum_axis, [with_nans(3, 4)], 0),
    ("np.nancumprod", nancumprod_flat, [with_nans(2, 3)], 0),
    ("np.nancumprod:axis", nancumprod_axis, [with_nans(3, 4)], 0),
    ("np.nansum:axis", nansum_axis, [with_nans(3, 4)], 0),
]

# ================================================================================== elementwise


def float_power_of(a, b):
    return np.sum(np.sin(np.float_power(a, b)))


def fmod_of(a, b):
    return np.sum(np.sin(np.fmod(a, b)))


def copysign_of(a, b):
    return np.sum(np.sin(np.copysign(a, b)))


def logaddexp2_of(a, b):
    return np.sum(np.sin(np.logaddexp2(a, b)))


def fabs_of(a):
    return np.sum(np.sin(np.fabs(a)))


def nan_to_num_of(a):
    return np.sum(np.sin(np.nan_to_num(a)))


def nan_to_num_values(a, c, hi, lo):
    return np.sum(np.sin(np.nan_to_num(a, nan=c, posinf=hi, neginf=lo) * np.arange(6.0)))


def nan_to_num_keywords(a):
    return np.sum(np.sin(np.nan_to_num(np.log(a), nan=-1.0, posinf=2.0, neginf=-3.0)))


XP = np.array([-1.0, -0.2, 0.5, 1.3])


def interp_x(x):
    return np.sum(np.sin(np.interp(x, XP, np.array([0.5, 2.0, -1.0, 0.3]))))


def interp_fp(x, fp):
    return np.sum(np.sin(np.interp(x, XP, fp)))


def interp_left_right(x, fp, lo, hi):
    return np.sum(np.sin(np.interp(x, XP, fp, left=lo, right=hi)))


def interp_scalar(x, fp):
    return np.sin(np.interp(x, XP, fp))


ELEMENTWISE_CASES = [
    ("np.float_power", float_power_of, [positive(3, 4), normal(4)], (0, 1)),
    ("np.fmod", fmod_of, [uniform(0.5, 4.0, 3, 4), uniform(0.7, 1.5, 4)], (0, 1)),
    ("np.fmod:negative", fmod_of, [uniform(-4.0, -0.5, 5), uniform(0.7, 1.5, 5)], (0, 1)),
    ("np.copysign", copysign_of, [normal(3, 4), normal(4)], (0, 1)),
    ("np.logaddexp2", logaddexp2_of, [normal(3, 4), normal(3, 1)], (0, 1)),
    ("np.fabs", fabs_of, [normal(3, 4)], 0),
    ("np.nan_to_num", nan_to_num_of, [with_nonfinite(6)], 0),
    (
        "np.nan_to_num:values",
        nan_to_num_values,
        [with_nonfinite(6), uniform(-1, 1), uniform(-1, 1), uniform(-1, 1)],
        (1, 2, 3),
    ),
    ("np.nan_to_num:keywords", nan_to_num_keywords, [uniform(-1.0, 2.0, 8)], 0),
    ("np.interp:x", interp_x, [uniform(-1.5, 1.8, 7)], 0),
    ("np.interp:fp", interp_fp, [uniform(-1.5, 1.8, 7), normal(4)], (0, 1)),
    (
        "np.interp:left_right",
        interp_left_right,
        [uniform(-1.5, 1.8, 9), normal(4), uniform(-1, 1), uniform(-1, 1)],
        (0, 1, 2, 3),
    ),
    ("np.interp:scalar", interp_scalar, [uniform(-0.9, 1.2), normal(4)], (0, 1)),
]

# ==================================================================================== reductions


def ptp_all(a):
    return np.sin(np.ptp(a))


def ptp_axis(a):
    return np.sum(np.sin(np.ptp(a, axis=0)))


def ptp_keepdims(a):
    return np.sum(np.sin(np.ptp(a, axis=1, keepdims=True) * a))


def cov_rows(m):
    return np.sum(np.sin(np.cov(m)))


def cov_columns_bias(m):
    return np.sum(np.sin(np.cov(m, rowvar=False, bias=True)))


def cov_vector(m):
    return np.sin(np.cov(m))


def cov_two(m, y):
    return np.sum(np.sin(np.cov(m, y, ddof=2)))


def corrcoef_rows(x):
    return np.sum(np.sin(np.corrcoef(x)))


def corrcoef_two(x, y):
    return np.sum(np.sin(3.0 * np.corrcoef(x, y)))


def corrcoef_columns(x):
    return np.sum(np.sin(3.0 * np.corrcoef(x, rowvar=False)))


def add_reduce(a):
    return np.sum(np.sin(np.add.reduce(a)))


def add_reduce_axis(a):
    return np.sum(np.sin(np.add.reduce(a, axis=1, keepdims=True)))


def add_reduce_none(a):
    return np.sin(np.add.reduce(a, axis=None))


def multiply_reduce(a):
    return np.sum(np.sin(np.multiply.reduce(a, 1)))


def maximum_reduce(a):
    return np.sum(np.sin(np.maximum.reduce(a)))


def minimum_reduce(a):
    return np.sum(np.sin(np.minimum.reduce(a, axis=1)))


def add_accumulate(a):
    return np.sum(np.sin(np.add.accumulate(a)))


def add_accumulate_axis(a):
    return np.sum(np.sin(np.add.accumulate(a, axis=1)))


def maximum_accumulate(a):  # (a running maximum: each value one element's, the latest that is it)
    return np.sum(np.sin(np.maximum.accumulate(a, axis=1)) * np.arange(4.0))


def gradient_1d(a):  # (central differences inside, one-sided at the ends)
    return np.sum(np.sin(np.gradient(a[0], 0.5)) * np.arange(4.0))


def gradient_axis_second_order(a):
    return np.sum(np.sin(np.gradient(a, axis=0, edge_order=2)) * np.arange(4.0))


def minimum_accumulate(a):
    return np.sum(np.sin(np.minimum.accumulate(a, 0)) * np.arange(4.0))


def multiply_accumulate(a):
    return np.sum(np.sin(np.multiply.accumulate(a, axis=1)))


def add_outer(a, b):
    return np.sum(np.sin(np.add.outer(a, b)))


def subtract_outer(a, b):
    return np.sum(np.sin(np.subtract.outer(a, b)))


def multiply_outer(a, b):
    return np.sum(np.sin(np.multiply.outer(a, b)))


def divide_outer(a, b):
    return np.sum(np.sin(np.divide.outer(a, b)))


REDUCTION_CASES = [
    ("np.ptp", ptp_all, [distinct(3, 4)], 0),
    ("np.ptp:axis", ptp_axis, [distinct(3, 4)], 0),
    ("np.ptp:keepdims", ptp_keepdims, [distinct(3, 4)], 0),
    ("np.cov", cov_rows, [normal(3, 5)], 0),
    ("np.cov:rowvar_bias", cov_columns_bias, [normal(6, 2)], 0),
    ("np.cov:vector", cov_vector, [normal(5)], 0),
    ("np.cov:two", cov_two, [normal(2, 6), normal(6)], (0, 1)),
    ("np.corrcoef", corrcoef_rows, [normal(3, 5)], 0),
    ("np.corrcoef:two", corrcoef_two, [normal(6), normal(6)], (0, 1)),
    ("np.corrcoef:columns", corrcoef_columns, [normal(7, 3)], 0),
    ("np.add.reduce", add_reduce, [normal(3, 4)], 0),
    ("np.add.reduce:axis", add_reduce_axis, [normal(3, 4)], 0),
    ("np.add.reduce:none", add_reduce_none, [normal(3, 4)], 0),
    ("np.multiply.reduce", multiply_reduce, [normal(3, 4)], 0),
    ("np.maximum.reduce", maximum_reduce, [distinct(3, 4)], 0),
    ("np.minimum.reduce", minimum_reduce, [distinct(3, 4)], 0),
    ("np.add.accumulate", add_accumulate, [normal(3, 4)], 0),
    ("np.add.accumulate:axis", add_accumulate_axis, [normal(3, 4)], 0),
    ("np.multiply.accumulate", multiply_accumulate, [normal(3, 4)], 0),
    ("np.maximum.accumulate", maximum_accumulate, [distinct(3, 4)], 0),
    ("np.gradient", gradient_1d, [normal(3, 4)], 0),
    ("np.gradient:axis,edge_order=2", gradient_axis_second_order, [normal(3, 4)], 0),
    ("np.minimum.accumulate", minimum_accumulate, [distinct(3, 4)], 0),
    ("np.add.outer", add_outer, [normal(3), normal(2, 2)], (0, 1)),
    ("np.subtract.outer", subtract_outer, [normal(3, 2), normal(4)], (0, 1)),
    ("np.multiply.outer", multiply_outer, [normal(3), normal(4)], (0, 1)),
    ("np.divide.outer", divide_outer, [normal(3), positive(2, 2)], (0, 1)),
]

# ========================================================================================= shape
TAKE = np.array([[0, 2, 2], [1, 0, 3], [3, 3, 1]])


def take_along_axis1(a):
    return np.sum(np.sin(np.take_along_axis(a, TAKE, axis=1)))


def take_along_axis0(a):
    return np.sum(np.sin(np.take_along_axis(a, np.argsort(a, axis=0), axis=0)) * np.arange(12.0).reshape(3, 4))


def take_along_broadcast(a):  # indices (2, 1) against a (3, 4): the result is (2, 4)
    return np.sum(np.take_along_axis(a, np.array([[2], [0]]), axis=0) ** 2 * np.arange(4.0))


def take_along_none(a):
    return np.sum(np.sin(np.take_along_axis(a, np.array([5, 0, 5, 2]), axis=None)))


def append_flat(a, b):
    return np.sum(np.sin(np.append(a, b)) * np.arange(10.0))


def append_axis(a, b):
    return np.sum(np.sin(np.append(a, b, axis=1)))


def append_one_active(a):
    return np.sum(np.sin(np.append(a, np.ones((3, 1)), axis=1)))


def column_stack_of(a, b, c):
    return np.sum(np.sin(np.column_stack((a, b, c))) * np.arange(12.0).reshape(3, 4))


def dstack_of(a, b):
    return np.sum(np.sin(np.dstack([a, b])) * np.arange(12.0).reshape(2, 3, 2))


def hsplit_of(a):
    p, q = np.hsplit(a, 2)
    return np.sum(np.sin(p)) + np.sum(q * q)


def hsplit_vector(a):
    p, q, r = np.hsplit(a, [1, 4])
    return np.sum(np.sin(p)) + np.sum(q * q) + np.sum(np.cos(r))


def vsplit_of(a):
    p, q = np.vsplit(a, [1])
    return np.sum(np.sin(p)) + np.sum(q * q)


def dsplit_of(a):
    p, q = np.dsplit(a, 2)
    return np.sum(np.sin(p)) + np.sum(q * q)


def fliplr_of(a):
    return np.sum(np.sin(np.fliplr(a)) * np.arange(12.0).reshape(3, 4))


def flipud_of(a):
    return np.sum(np.sin(np.flipud(a)) * np.arange(12.0).reshape(3, 4))


def rot90_of(a):
    return np.sum(np.sin(np.rot90(a)) * np.arange(12.0).reshape(4, 3))


def rot90_k_axes(a):
    return np.sum(np.sin(np.rot90(a, 3, axes=(1, 2))) * np.arange(24.0).reshape(2, 4, 3))


def rot90_twice(a):
    return np.sum(np.sin(np.rot90(a, k=2)) * np.arange(12.0).reshape(3, 4))


def convolve_full(a, v):
    return np.sum(np.sin(np.convolve(a, v)))


def convolve_same(a, v):
    return np.sum(np.sin(np.convolve(a, v, "same")))


def convolve_valid(a, v):
    return np.sum(np.sin(np.convolve(a, v, mode="valid")))


def correlate_valid(a, v):
    return np.sum(np.sin(np.correlate(a, v)))


def correlate_full(a, v):
    return np.sum(np.sin(np.correlate(a, v, "full")))


def correlate_same(a, v):
    return np.sum(np.sin(np.correlate(a, v, mode="same")))


SHAPE_CASES = [
    ("np.take_along_axis", take_along_axis1, [normal(3, 4)], 0),
    ("np.take_along_axis:argsort", take_along_axis0, [normal(3, 4)], 0),
    ("np.take_along_axis:broadcast", take_along_broadcast, [normal(3, 4)], 0),
    ("np.take_along_axis:none", take_along_none, [normal(2, 3)], 0),
    ("np.append", append_flat, [normal(2, 3), normal(4)], (0, 1)),
    ("np.append:axis", append_axis, [normal(3, 2), normal(3, 3)], (0, 1)),
    ("np.append:one_active", append_one_active, [normal(3, 2)], 0),
    ("np.column_stack", column_stack_of, [normal(3), normal(3, 2), normal(3)], (0, 1, 2)),
    ("np.dstack", dstack_of, [normal(2, 3), normal(2, 3, 1)], (0, 1)),
    ("np.hsplit", hsplit_of, [normal(3, 4)], 0),
    ("np.hsplit:vector", hsplit_vector, [normal(6)], 0),
    ("np.vsplit", vsplit_of, [normal(3, 4)], 0),
    ("np.dsplit", dsplit_of, [normal(2, 3, 4)], 0),
    ("np.fliplr", fliplr_of, [normal(3, 4)], 0),
    ("np.flipud", flipud_of, [normal(3, 4)], 0),
    ("np.rot90", rot90_of, [normal(3, 4)], 0),
    ("np.rot90:k_axes", rot90_k_axes, [normal(2, 3, 4)], 0),
    ("np.rot90:twice", rot90_twice, [normal(3, 4)], 0),
    ("np.convolve", convolve_full, [normal(5), normal(3)], (0, 1)),
    ("np.convolve:short_first", convolve_full, [normal(2), normal(4)], (0, 1)),
    ("np.convolve:same", convolve_same, [normal(5), normal(4)], (0, 1)),
    ("np.convolve:same_short_first", convolve_same, [normal(3), normal(6)], (0, 1)),
    ("np.convolve:valid", convolve_valid, [normal(6), normal(3)], (0, 1)),
    ("np.correlate", correlate_valid, [normal(6), normal(3)], (0, 1)),
    ("np.correlate:full", correlate_full, [normal(4), normal(3)], (0, 1)),
    ("np.correlate:same", correlate_same, [normal(4), normal(5)], (0, 1)),
]

# ====================================================================== NumPy 2 names, methods


def astype_function(a):
    return np.sum(np.sin(np.astype(a, np.float64)) + np.astype(a > 0.0, np.float64) * a)


def matrix_transpose_of(a, b):
    return np.sum(np.sin(np.matrix_transpose(a) @ b))


def mT_attribute(a):
    return np.sum(np.sin(a.mT @ a))


def vecdot_of(a, b):
    return np.sum(np.sin(np.vecdot(a, b)))


def vecdot_axis(a, b):
    return np.sum(np.sin(np.vecdot(a, b, axis=0)))


def cumulative_sum_vector(a):
    return np.sum(np.sin(np.cumulative_sum(a)))


def cumulative_sum_axis_initial(a):
    return np.sum(np.sin(np.cumulative_sum(a, axis=1, include_initial=True)) * np.arange(15.0).reshape(3, 5))


def cumulative_prod_axis(a):
    return np.sum(np.sin(np.cumulative_prod(a, axis=0)))


def cumulative_prod_initial(a):
    return np.sum(np.sin(np.cumulative_prod(a, axis=1, include_initial=True)) * np.arange(15.0).reshape(3, 5))


def vector_norm_default(a):
    return np.sin(np.linalg.vector_norm(a))


def vector_norm_axis_ord(a):
    return np.sum(np.sin(np.linalg.vector_norm(a, axis=1, ord=3)))


def vector_norm_ord1(a):
    return np.sum(np.sin(np.linalg.vector_norm(a, axis=0, ord=1, keepdims=True)))


def vector_norm_inf(a):
    return np.sum(np.sin(np.linalg.vector_norm(a, axis=1, ord=np.inf)))


def vector_norm_neg_inf(a):
    return np.sin(np.linalg.vector_norm(a, ord=-np.inf))


def concat_of(a, b):
    return np.sum(np.sin(np.concat([a, b], axis=1)) * np.arange(15.0).reshape(3, 5))


def permute_dims_of(a):
    return np.sum(np.sin(np.permute_dims(a, (2, 0, 1))) * np.arange(24.0).reshape(4, 2, 3))


def pow_of(a, b):
    return np.sum(np.sin(np.pow(a, b)))


def acos_of(a):
    return np.sum(np.sin(np.acos(a)))


def repeat_method(a):
    return np.sum(np.sin(a.repeat(2, axis=1)) * np.arange(16.0).reshape(2, 8))


def take_method(a):
    return np.sum(np.sin(a.take(np.array([0, 3, 3]), axis=1)))


def conjugate_method(a):
    return np.sum(np.sin(a.conjugate()))


NUMPY2_CASES = [
    ("np.astype", astype_function, [normal(3, 4)], 0),
    ("np.matrix_transpose", matrix_transpose_of, [normal(2, 3, 4), normal(2, 3, 2)], (0, 1)),
    ("x.mT", mT_attribute, [normal(2, 3, 4)], 0),
    ("np.vecdot", vecdot_of, [normal(3, 4), normal(4)], (0, 1)),
    ("np.vecdot:axis", vecdot_axis, [normal(3, 4), normal(3, 1)], (0, 1)),
    ("np.cumulative_sum", cumulative_sum_vector, [normal(5)], 0),
    ("np.cumulative_sum:axis_initial", cumulative_sum_axis_initial, [normal(3, 4)], 0),
    ("np.cumulative_prod", cumulative_prod_axis, [normal(3, 4)], 0),
    ("np.cumulative_prod:initial", cumulative_prod_initial, [normal(3, 4)], 0),
    ("np.linalg.vector_norm", vector_norm_default, [normal(3, 4)], 0),
    ("np.linalg.vector_norm:axis_ord3", vector_norm_axis_ord, [normal(3, 4)], 0),
    ("np.linalg.vector_norm:ord1", vector_norm_ord1, [normal(3, 4)], 0),
    ("np.linalg.vector_norm:inf", vector_norm_inf, [distinct(3, 4)], 0),
    ("np.linalg.vector_norm:neg_inf", vector_norm_neg_inf, [distinct(3, 4)], 0),
    ("np.concat", concat_of, [normal(3, 2), normal(3, 3)], (0, 1)),
    ("np.permute_dims", permute_dims_of, [normal(2, 3, 4)], 0),
    ("np.pow", pow_of, [positive(3, 4), normal(4)], (0, 1)),
    ("np.acos", acos_of, [uniform(-0.9, 0.9, 5)], 0),
    ("x.repeat", repeat_method, [normal(2, 4)], 0),
    ("x.take", take_method, [normal(2, 4)], 0),
    ("x.conjugate", conjugate_method, [normal(2, 4)], 0),
]

# ======================================================================================== einsum


def einsum_three(a, b, c):
    return np.sum(np.sin(np.einsum("ij,jk,kl->il", a, b, c)))


def einsum_ellipsis(a, b):
    return np.sum(np.sin(np.einsum("...ij,...jk->...ik", a, b)))


def einsum_diagonal(a, b):
    return np.sum(np.sin(np.einsum("ii,i->i", a, b)))


def einsum_implicit_three(a, b, c):
    return np.sum(np.sin(np.einsum("ij,jk,k", a, b, c)))


def einsum_ellipsis_broadcast(a, b):
    return np.sum(np.sin(np.einsum("...i,...i->...", a, b)))


def einsum_trace(a):
    return np.sin(np.einsum("ii", a))


def einsum_four_optimize(a, b, c, d):
    return np.sin(np.einsum("i,ij,jk,k->", a, b, c, d, optimize=True))


EINSUM_CASES = [
    ("np.einsum:three", einsum_three, [normal(3, 3), normal(3, 4), normal(4, 2)], (0, 1, 2)),
    ("np.einsum:ellipsis", einsum_ellipsis, [normal(2, 3, 4), normal(4, 2)], (0, 1)),
    ("np.einsum:diagonal", einsum_diagonal, [normal(3, 3), normal(3)], (0, 1)),
    ("np.einsum:implicit_three", einsum_implicit_three, [normal(3, 3), normal(3, 4), normal(4)], (0, 1, 2)),
    ("np.einsum:ellipsis_broadcast", einsum_ellipsis_broadcast, [normal(2, 1, 3), normal(4, 3)], (0, 1)),
    ("np.einsum:trace", einsum_trace, [normal(3, 3)], 0),
    ("np.einsum:four_optimize", einsum_four_optimize, [normal(2), normal(2, 3), normal(3, 4), normal(4)], (0, 1, 2, 3)),
]

NUMPY_EXTRA_CASES = EINSUM_CASES + NAN_CASES + ELEMENTWISE_CASES + REDUCTION_CASES + SHAPE_CASES + NUMPY2_CASES


# every keyword passed once (the rule matrix checks it)


def einsum_six(a, b, c, d, e, f):
    return np.sin(np.einsum("i,i,i,i,i,i->", a, b, c, d, e, f))


def nan_keywords(a):
    return (
        np.sum(np.sin(np.nanmax(a, axis=1, keepdims=True)))
        + np.sum(np.sin(np.nanprod(a, axis=0, keepdims=True)))
        + np.sum(np.sin(np.nanvar(a, axis=1, ddof=1, keepdims=True)))
    )


def nan_to_num_copy(a):
    return np.sum(np.sin(np.nan_to_num(a, copy=True)))


def ufunc_reduce_keywords(a):
    return (
        np.sum(np.sin(np.multiply.reduce(a, axis=1, keepdims=True)))
        + np.sum(np.sin(np.maximum.reduce(a, axis=0, keepdims=True)))
        + np.sum(np.sin(np.minimum.reduce(a, axis=1, keepdims=True)))
    )


def astype_copy(a):
    return np.sum(np.sin(np.astype(a, np.float64, copy=True)))


KEYWORD_CASES = [
    ("np.einsum:six", einsum_six, [normal(3)] * 6, (0, 1, 2, 3, 4, 5)),
    ("np.nan*:keywords", nan_keywords, [with_nans(3, 4)], 0),
    ("np.nan_to_num:copy", nan_to_num_copy, [with_nonfinite(6)], 0),
    ("np.ufunc.reduce:keywords", ufunc_reduce_keywords, [distinct(3, 4)], 0),
    ("np.astype:copy", astype_copy, [normal(3)], 0),
]


def trapezoid_dx(y, dx):
    return np.sin(np.trapezoid(y, dx=dx))


def trapezoid_x(y, x):
    return np.sum(np.sin(np.trapezoid(y, x, axis=0)))


def trapezoid_x_same_shape(y, x):
    return np.sum(np.sin(np.trapezoid(y, x=x, axis=1)))


def polyval_of(p, x):
    return np.sum(np.sin(np.polyval(p, x)))


def polyval_constant(p, x):
    return np.sum(np.sin(np.polyval(p, x)))


MORE_NUMPY_CASES = [
    ("np.trapezoid:dx", trapezoid_dx, [normal(6), uniform(0.5, 1.5)], (0, 1)),
    ("np.trapezoid:x_axis0", trapezoid_x, [normal(5, 3), normal(5)], (0, 1)),
    ("np.trapezoid:x_same_shape", trapezoid_x_same_shape, [normal(3, 4), normal(3, 4)], (0, 1)),
    ("np.polyval", polyval_of, [normal(4), normal(2, 3)], (0, 1)),
    ("np.polyval:constant", polyval_constant, [normal(1), normal(3)], (0, 1)),
]


def block_matrix(a, b, c, d):
    return np.sum(np.sin(np.block([[a, b], [c, d]])) * np.arange(20.0).reshape(4, 5))


def block_vectors(a, b):
    return np.sum(np.sin(np.block([a, b, a])) * np.arange(8.0))


def block_mixed(a, b):
    return np.sum(np.sin(np.block([[a], [b]])) * np.arange(6.0).reshape(2, 3))


MORE_NUMPY_CASES += [
    ("np.block", block_matrix, [normal(2, 3), normal(2, 2), normal(2, 3), normal(2, 2)], (0, 1, 2, 3)),
    ("np.block:vectors", block_vectors, [normal(3), normal(2)], (0, 1)),
    ("np.block:rows", block_mixed, [normal(3), normal(1, 3)], (0, 1)),
]
