"""Rules of NumPy's NaN-ignoring reductions and quantiles (np.nansum is with the sums in
numpy_rules.py): a NaN element is left out, so it gets no adjoint and its tangent is not read."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import (
    cumprod_axis,
    extremum_mask,
    flat_if_none,
    fwd_recurrence,
    median_weights,
    nan_centered,
    nan_count,
    nan_to_one,
    not_nan,
    prod_others,
    quantile_adjoint,
    quantile_method,
    quantile_tangent,
    rev_recurrence,
    shift_down,
    unreduce,
)
from .registry import SHAPE_FIRST, adjoint, alias, declare, describe, tangent

# mean of the numbers: each number's share is 1 / (how many numbers)


@adjoint(np.nanmean)
def _(y, a, axis=None, *, keepdims=False):
    a_bar = not_nan(a) * unreduce(y_bar, a, axis, keepdims) / nan_count(a, axis)


@tangent(np.nanmean)
def _(y, a, axis=None, *, keepdims=False):
    y_dot = np.sum(np.where(np.isnan(a), 0.0, a_dot), axis=axis, keepdims=keepdims) / np.sum(
        not_nan(a), axis=axis, keepdims=keepdims
    )


# max and min of the numbers: the mask of where `a` attains them (NaN never does), ties sharing


@adjoint(np.nanmax)
def _(y, a, axis=None, *, keepdims=False):
    a_bar = unreduce(y_bar, a, axis, keepdims) * extremum_mask(a, y, axis, keepdims)


@tangent(np.nanmax)
def _(y, a, axis=None, *, keepdims=False):
    y_dot = np.sum(
        np.where(np.isnan(a), 0.0, a_dot) * extremum_mask(a, y, axis, keepdims), axis=axis, keepdims=keepdims
    )


alias(np.nanmax, np.nanmin)

# product with NaN read as 1: the product of the other numbers


@adjoint(np.nanprod)
def _(y, a, axis=None, *, keepdims=False):
    a_bar = not_nan(a) * unreduce(y_bar, a, axis, keepdims) * prod_others(nan_to_one(a), axis)


@tangent(np.nanprod)
def _(y, a, axis=None, *, keepdims=False):
    y_dot = np.sum(np.where(np.isnan(a), 0.0, a_dot) * prod_others(nan_to_one(a), axis), axis=axis, keepdims=keepdims)


# variance of the numbers: 2 (a - mean) / (n - ddof), n counting the numbers; std = √var


@adjoint(np.nanvar)
def _(y, a, axis=None, *, ddof=0, keepdims=False):
    a_bar = unreduce(y_bar, a, axis, keepdims) * 2.0 * nan_centered(a, axis) / (nan_count(a, axis) - ddof)


@tangent(np.nanvar)
def _(y, a, axis=None, *, ddof=0, keepdims=False):
    y_dot = np.sum(2.0 * nan_centered(a, axis) * np.where(np.isnan(a), 0.0, a_dot), axis=axis, keepdims=keepdims) / (
        np.sum(not_nan(a), axis=axis, keepdims=keepdims) - ddof
    )


@adjoint(np.nanstd)
def _(y, a, axis=None, *, ddof=0, keepdims=False):
    a_bar = unreduce(y_bar / y, a, axis, keepdims) * nan_centered(a, axis) / (nan_count(a, axis) - ddof)


@tangent(np.nanstd)
def _(y, a, axis=None, *, ddof=0, keepdims=False):
    y_dot = np.sum(nan_centered(a, axis) * np.where(np.isnan(a), 0.0, a_dot), axis=axis, keepdims=keepdims) / (
        (np.sum(not_nan(a), axis=axis, keepdims=keepdims) - ddof) * y
    )


# running sum and product with NaN read as 0 and 1 (the rules of np.cumsum and np.cumprod)


@adjoint(np.nancumsum)
def _(y, a, axis=None):
    a_bar = not_nan(a) * np.reshape(np.flip(np.cumsum(np.flip(y_bar, axis), axis), axis), np.shape(a))


@tangent(np.nancumsum)
def _(y, a, axis=None):
    y_dot = np.cumsum(np.where(np.isnan(a), 0.0, a_dot), axis)


@adjoint(np.nancumprod)
def _(y, a, axis=None):
    a_bar = not_nan(a) * np.reshape(
        shift_down(y, cumprod_axis(axis), 1.0)
        * rev_recurrence(y_bar, flat_if_none(nan_to_one(a), axis), cumprod_axis(axis)),
        np.shape(a),
    )


@tangent(np.nancumprod)
def _(y, a, axis=None):
    y_dot = fwd_recurrence(
        flat_if_none(np.where(np.isnan(a), 0.0, a_dot), axis) * shift_down(y, cumprod_axis(axis), 1.0),
        flat_if_none(nan_to_one(a), axis),
        cumprod_axis(axis),
    )


# median and quantiles of the numbers: np.median's and np.quantile's weights over each run's numbers
# (a NaN weighs 0: it gets no adjoint and its tangent is not read)


@adjoint(np.nanmedian)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    a_bar = unreduce(y_bar, a, axis, keepdims) * median_weights(a, axis, True)


@tangent(np.nanmedian)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    y_dot = np.sum(np.where(np.isnan(a), 0.0, a_dot) * median_weights(a, axis, True), axis=axis, keepdims=keepdims)


@adjoint(np.nanquantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    a_bar = quantile_adjoint(y_bar, a, quantile_method(q, method), axis, keepdims, True, method)


@tangent(np.nanquantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    y_dot = quantile_tangent(a_dot, a, quantile_method(q, method), axis, keepdims, True, method)


@adjoint(np.nanpercentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    a_bar = quantile_adjoint(y_bar, a, np.divide(quantile_method(q, method), 100.0), axis, keepdims, True, method)


@tangent(np.nanpercentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    y_dot = quantile_tangent(a_dot, a, np.divide(quantile_method(q, method), 100.0), axis, keepdims, True, method)


declare(np.nanmedian, static="axis overwrite_input keepdims", unsupported="out")
declare(np.nanquantile, static="axis overwrite_input method keepdims", unsupported="q out")
declare(np.nanpercentile, static="axis overwrite_input method keepdims", unsupported="q out")

for _fn in (np.nanmean, np.nanmax, np.nanmin, np.nanprod):
    declare(_fn, static="axis keepdims")
declare(np.nanvar, static="axis ddof keepdims")
declare(np.nanstd, static="axis ddof keepdims")
describe(np.nanvar, np.nanstd, keywords={"correction": "ddof"})
describe(np.nanvar, np.nanstd, real_arguments=True)  # (as np.var's)
declare(np.nancumsum, static="axis")
declare(np.nancumprod, static="axis")

# reductions and running sums: the result's shape follows from the first argument's (shape_facts.py)
describe(
    np.nanmean, np.nanmax, np.nanmin, np.nanprod, np.nanvar, np.nanstd, np.nancumsum, np.nancumprod, np.nanmedian,
    np.nanquantile, np.nanpercentile,
    shape=SHAPE_FIRST,
)  # fmt: skip
