"""Rules of NumPy functions, grouped by family; adjoint and tangent of each side by side."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import math

import numpy as np

from ..runtime import (
    abs_slope,
    along_new_axis,
    arange_has_start,
    broadcast_like,
    clip_share,
    dot_left,
    dot_right,
    einsum_bar,
    einsum_n,
    extremum_mask,
    extremum_mask_initial,
    float_arccos,
    float_arcsin,
    float_arctanh,
    float_cos,
    float_cosh,
    float_exp,
    float_expm1,
    float_log,
    float_log1p,
    float_log2,
    float_log10,
    float_sin,
    float_sinh,
    float_sqrt,
    float_tan,
    fmax_share,
    imag_adjoint,
    index_order,
    initial_share,
    inverse_axes,
    item,
    linspace_fraction,
    logistic,
    masked_count,
    max_share,
    median_weights,
    prod_others,
    quantile_adjoint,
    quantile_method,
    quantile_tangent,
    reduce_size,
    sinc_slope,  # noqa: F401  (named in a derivative string)
    sorted_along,
    split_like,
    unbroadcast,
    uncast,
    undelete,
    undiag,
    undiagonal,
    undiff,
    unhstack,
    unreduce,
    unrepeat,
    unsort,
    unstack,
    untake,
    untile,
    untrace,
    unvstack,
)
from .registry import (
    SHAPE_ALL,
    SHAPE_EXACT,
    SHAPE_FIRST,
    SHAPE_FIRST_TWO,
    adjoint,
    alias,
    declare,
    describe,
    elementwise,
    mark_elementwise,
    nondifferentiable,
    refuse,
    tangent,
)

# --- elementwise, one argument: derivative in terms of x (argument) and y (result) ---------------
elementwise(np.sin, "np.cos(x)", globals())
elementwise(np.cos, "-np.sin(x)", globals())
elementwise(np.tan, "(1.0 + y * y)", globals())
elementwise(np.arcsin, "1.0 / np.sqrt(1.0 - x * x)", globals())
elementwise(np.arccos, "-1.0 / np.sqrt(1.0 - x * x)", globals())
elementwise(np.arctan, "1.0 / (1.0 + x * x)", globals())
elementwise(np.sinh, "np.cosh(x)", globals())
elementwise(np.cosh, "np.sinh(x)", globals())
elementwise(np.tanh, "(1.0 - y * y)", globals())
elementwise(np.exp, "y", globals())
elementwise(np.exp2, "y * np.log(2.0)", globals())
elementwise(np.expm1, "(y + 1.0)", globals())
elementwise(np.log, "1.0 / x", globals())  # written as y_bar / x after folding
elementwise(np.log2, "1.0 / (x * np.log(2.0))", globals())
elementwise(np.log10, "1.0 / (x * np.log(10.0))", globals())
elementwise(np.log1p, "1.0 / (1.0 + x)", globals())
elementwise(np.sqrt, "0.5 / y", globals())
# the logistic function (scipy.special.expit, which has its own entry): its users' spellings are
# differentiated as one call (analysis/spellings.py), so the backward reads y alone, neither
# e^-x nor 1 + e^-x (an LSTM step saved both for each of its three gates)
elementwise(logistic, "y * (1.0 - y)", globals())
describe(logistic, spellings=("1 / (1 + np.exp(-x))", "np.exp(x) / (1 + np.exp(x))"), continuous=True)
elementwise(np.cbrt, "1.0 / (3.0 * y * y)", globals())
elementwise(np.square, "2.0 * x", globals())
elementwise(np.reciprocal, "-(y * y)", globals())
# |x| changes by Re(conj(x) / |x| dx): sign(x) for a real x; abs_slope(x) = conj(x) / |x| (0 at 0)


@adjoint(np.abs)
def _(y, x):
    x_bar = y_bar * abs_slope(x)


@tangent(np.abs)
def _(y, x):
    y_dot = np.real(x_dot * abs_slope(x))


# the functions of one float giving NumPy's values (floats.py): math's, where it never raises, or
# math's with NumPy's value where it raises (NaN for math.cos(inf), inf for math.exp(1000), -inf for
# math.log(0.0): runtime/arrays.py)
for _fn, _twin in (
    (np.sin, float_sin),
    (np.cos, float_cos),
    (np.tan, float_tan),
    (np.arcsin, float_arcsin),
    (np.arccos, float_arccos),
    (np.arctan, math.atan),
    (np.sinh, float_sinh),
    (np.cosh, float_cosh),
    (np.tanh, math.tanh),
    (np.arcsinh, math.asinh),
    (np.arctanh, float_arctanh),
    (np.exp, float_exp),
    (np.expm1, float_expm1),
    (np.log, float_log),
    (np.log2, float_log2),
    (np.log10, float_log10),
    (np.log1p, float_log1p),
    (np.sqrt, float_sqrt),
):
    describe(_fn, on_floats=_twin)

mark_elementwise(np.abs)
alias(np.abs, np.absolute)
elementwise(np.sinc, "sinc_slope(x, y)", globals())
elementwise(np.arcsinh, "1.0 / np.sqrt(x * x + 1.0)", globals())
elementwise(np.arccosh, "1.0 / np.sqrt(x * x - 1.0)", globals())
elementwise(np.arctanh, "1.0 / (1.0 - x * x)", globals())
elementwise(np.deg2rad, "(np.pi / 180.0)", globals())
elementwise(np.rad2deg, "(180.0 / np.pi)", globals())
alias(np.deg2rad, np.radians)
alias(np.rad2deg, np.degrees)


@adjoint(np.arctan2)
def _(z, y, x):
    y_bar = unbroadcast(z_bar * x / (x * x + y * y), y)
    x_bar = unbroadcast(-z_bar * y / (x * x + y * y), x)


@tangent(np.arctan2)
def _(z, y, x):
    z_dot = (y_dot * x - x_dot * y) / (x * x + y * y)


@adjoint(np.hypot)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * x / z, x)
    y_bar = unbroadcast(z_bar * y / z, y)


@tangent(np.hypot)
def _(z, x, y):
    z_dot = (x_dot * x + y_dot * y) / z


@adjoint(np.maximum)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * max_share(x, y), x)
    y_bar = unbroadcast(z_bar * max_share(y, x), y)


# the tangents take the adjoints' shares, ½ each at a tie, so both modes give one derivative; by
# np.where, so that the tangent of the operand not chosen (log's at 0: inf) does not reach z_dot


@tangent(np.maximum)
def _(z, x, y):
    z_dot = np.where(x > y, x_dot, np.where(x < y, y_dot, 0.5 * (x_dot + y_dot)))


@adjoint(np.minimum)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * max_share(y, x), x)
    y_bar = unbroadcast(z_bar * max_share(x, y), y)


@tangent(np.minimum)
def _(z, x, y):
    z_dot = np.where(x < y, x_dot, np.where(x > y, y_dot, 0.5 * (x_dot + y_dot)))


@adjoint(np.fmax)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * fmax_share(x, y), x)
    y_bar = unbroadcast(z_bar * fmax_share(y, x), y)


@tangent(np.fmax)
def _(z, x, y):
    z_dot = x_dot * fmax_share(x, y) + y_dot * fmax_share(y, x)


@adjoint(np.fmin)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * fmax_share(y, x), x)
    y_bar = unbroadcast(z_bar * fmax_share(x, y), y)


@tangent(np.fmin)
def _(z, x, y):
    z_dot = x_dot * fmax_share(y, x) + y_dot * fmax_share(x, y)


@adjoint(np.where)
def _(z, condition, x, y):
    x_bar = unbroadcast(np.where(condition, z_bar, 0.0), x)
    y_bar = unbroadcast(np.where(condition, 0.0, z_bar), y)


@tangent(np.where)
def _(z, condition, x, y):
    z_dot = np.where(condition, x_dot, y_dot)


declare(np.where, static="condition")


# y = min(max(a, a_min), a_max): each element is a, a_min or a_max; clip_share says which (a bound
# of None is never chosen)


@adjoint(np.clip)
def _(y, a, a_min=None, a_max=None):
    a_bar = unbroadcast(y_bar * clip_share(a, a_min, a_max, 0), a)
    a_min_bar = unbroadcast(y_bar * clip_share(a, a_min, a_max, 1), a_min)
    a_max_bar = unbroadcast(y_bar * clip_share(a, a_min, a_max, 2), a_max)


@tangent(np.clip)
def _(y, a, a_min=None, a_max=None):
    y_dot = (
        a_dot * clip_share(a, a_min, a_max, 0)
        + a_min_dot * clip_share(a, a_min, a_max, 1)
        + a_max_dot * clip_share(a, a_min, a_max, 2)
    )


@adjoint(np.logaddexp)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * np.exp(x - z), x)
    y_bar = unbroadcast(z_bar * np.exp(y - z), y)


@tangent(np.logaddexp)
def _(z, x, y):
    z_dot = x_dot * np.exp(x - z) + y_dot * np.exp(y - z)


# --- reductions ----------------------------------------------------------------------------------


# dtype=: a floating dtype keeps the derivative (uncast: y_bar in a's type), an integer or boolean
# one has none (uncast: zeros)


# `where=mask` (a template default of None: every element) reduces the elements the mask allows; the
# others' adjoints are 0. np.sum's `initial` is added to every sum. np.max / np.min take `where`
# only with `initial`, a candidate of every slice: the adjoint goes to the elements or the initial
# value that attain the result, ties sharing.


@adjoint(np.sum)
def _(y, a, axis=None, dtype=None, keepdims=False, *, initial=None, where=None):
    a_bar = (
        (unreduce(y_bar, a, axis, keepdims) if dtype is None else uncast(unreduce(y_bar, a, axis, keepdims), a, y))
        if where is None
        else np.where(where, unreduce(y_bar, a, axis, keepdims), 0.0)
        if dtype is None
        else np.where(where, uncast(unreduce(y_bar, a, axis, keepdims), a, y), 0.0)
    )
    initial_bar = unbroadcast(y_bar, initial)


@tangent(np.sum)
def _(y, a, axis=None, dtype=None, keepdims=False, *, initial=None, where=None):
    y_dot = (
        (
            np.sum(a_dot, axis=axis, keepdims=keepdims)
            if dtype is None
            else uncast(np.sum(a_dot, axis=axis, keepdims=keepdims), y, y)
        )
        if where is None
        else np.sum(a_dot, axis=axis, keepdims=keepdims, where=where)
        if dtype is None
        else uncast(np.sum(a_dot, axis=axis, keepdims=keepdims, where=where), y, y)
    ) + np.broadcast_to(initial_dot, np.shape(y))


declare(np.sum, static="axis dtype keepdims where")


@adjoint(np.mean)
def _(y, a, axis=None, dtype=None, keepdims=False, *, where=None):
    a_bar = (
        (
            unreduce(y_bar, a, axis, keepdims) / reduce_size(a, axis)
            if dtype is None
            else uncast(unreduce(y_bar, a, axis, keepdims) / reduce_size(a, axis), a, y)
        )
        if where is None
        else np.where(where, unreduce(y_bar, a, axis, keepdims) / masked_count(a, axis, where), 0.0)
        if dtype is None
        else np.where(where, uncast(unreduce(y_bar, a, axis, keepdims) / masked_count(a, axis, where), a, y), 0.0)
    )


@tangent(np.mean)
def _(y, a, axis=None, dtype=None, keepdims=False, *, where=None):
    y_dot = (
        (
            np.mean(a_dot, axis=axis, keepdims=keepdims)
            if dtype is None
            else uncast(np.mean(a_dot, axis=axis, keepdims=keepdims), y, y)
        )
        if where is None
        else np.mean(a_dot, axis=axis, keepdims=keepdims, where=where)
        if dtype is None
        else uncast(np.mean(a_dot, axis=axis, keepdims=keepdims, where=where), y, y)
    )


declare(np.mean, static="axis dtype keepdims where")


@adjoint(np.max)
def _(y, a, axis=None, keepdims=False, *, initial=None, where=None):
    a_bar = unreduce(y_bar, a, axis, keepdims) * (
        extremum_mask(a, y, axis, keepdims)
        if initial is None
        else extremum_mask_initial(a, y, axis, keepdims, initial, where)
    )
    initial_bar = unbroadcast(y_bar * initial_share(a, y, axis, keepdims, initial, where), initial)


@tangent(np.max)
def _(y, a, axis=None, keepdims=False, *, initial=None, where=None):
    y_dot = np.sum(
        a_dot
        * (
            extremum_mask(a, y, axis, keepdims)
            if initial is None
            else extremum_mask_initial(a, y, axis, keepdims, initial, where)
        ),
        axis=axis,
        keepdims=keepdims,
    ) + initial_dot * initial_share(a, y, axis, keepdims, initial, where)


declare(np.max, static="axis keepdims where")


# np.min shares the rule: the mask picks where `a` attains the reduced value
alias(np.max, np.amax, np.min, np.amin)


@adjoint(np.median)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    a_bar = unreduce(y_bar, a, axis, keepdims) * median_weights(a, axis)


@tangent(np.median)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    y_dot = np.sum(a_dot * median_weights(a, axis), axis=axis, keepdims=keepdims)


declare(np.median, static="axis overwrite_input keepdims", unsupported="out")


@adjoint(np.quantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    a_bar = quantile_adjoint(y_bar, a, quantile_method(q, method), axis, keepdims, False, method)


@tangent(np.quantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    y_dot = quantile_tangent(a_dot, a, quantile_method(q, method), axis, keepdims, False, method)


declare(np.quantile, static="axis overwrite_input method keepdims", unsupported="q out")


@adjoint(np.percentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    a_bar = quantile_adjoint(y_bar, a, np.divide(quantile_method(q, method), 100.0), axis, keepdims, False, method)


@tangent(np.percentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    y_dot = quantile_tangent(a_dot, a, np.divide(quantile_method(q, method), 100.0), axis, keepdims, False, method)


declare(np.percentile, static="axis overwrite_input method keepdims", unsupported="q out")


@adjoint(np.prod)
def _(y, a, axis=None, dtype=None, keepdims=False):
    a_bar = (
        unreduce(y_bar, a, axis, keepdims) * prod_others(a, axis)
        if dtype is None
        else uncast(unreduce(y_bar, a, axis, keepdims) * prod_others(a, axis), a, y)
    )


@tangent(np.prod)
def _(y, a, axis=None, dtype=None, keepdims=False):
    y_dot = (
        np.sum(a_dot * prod_others(a, axis), axis=axis, keepdims=keepdims)
        if dtype is None
        else uncast(np.sum(a_dot * prod_others(a, axis), axis=axis, keepdims=keepdims), y, y)
    )


declare(np.prod, static="axis dtype keepdims")


@adjoint(np.var)
def _(y, a, axis=None, keepdims=False, *, ddof=0):
    a_bar = (
        unreduce(y_bar, a, axis, keepdims) * 2.0 * (a - np.mean(a, axis, keepdims=True)) / (reduce_size(a, axis) - ddof)
    )


@tangent(np.var)
def _(y, a, axis=None, keepdims=False, *, ddof=0):
    y_dot = np.sum(2.0 * (a - np.mean(a, axis, keepdims=True)) * a_dot, axis=axis, keepdims=keepdims) / (
        reduce_size(a, axis) - ddof
    )


declare(np.var, static="axis keepdims ddof")
describe(np.var, keywords={"correction": "ddof"})  # (the array API's name)


@adjoint(np.std)
def _(y, a, axis=None, keepdims=False, *, ddof=0):
    a_bar = (
        unreduce(y_bar / y, a, axis, keepdims) * (a - np.mean(a, axis, keepdims=True)) / (reduce_size(a, axis) - ddof)
    )


@tangent(np.std)
def _(y, a, axis=None, keepdims=False, *, ddof=0):
    y_dot = np.sum((a - np.mean(a, axis, keepdims=True)) * a_dot, axis=axis, keepdims=keepdims) / (
        (reduce_size(a, axis) - ddof) * y
    )


declare(np.std, static="axis keepdims ddof")
describe(np.std, keywords={"correction": "ddof"})
describe(np.var, np.std, real_arguments=True)  # (of complex values: |a - mean|², whose adjoint is conjugate)


@adjoint(np.cumsum)
def _(y, a, axis=None, dtype=None):
    a_bar = (
        np.reshape(np.flip(np.cumsum(np.flip(y_bar, axis), axis), axis), np.shape(a))
        if dtype is None
        else uncast(np.reshape(np.flip(np.cumsum(np.flip(y_bar, axis), axis), axis), np.shape(a)), a, y)
    )


@tangent(np.cumsum)
def _(y, a, axis=None, dtype=None):
    y_dot = np.cumsum(a_dot, axis) if dtype is None else uncast(np.cumsum(a_dot, axis), y, y)


declare(np.cumsum, static="axis dtype")


@adjoint(np.nansum)
def _(y, a, axis=None, keepdims=False):
    a_bar = np.where(np.isnan(a), 0.0, unreduce(y_bar, a, axis, keepdims))


@tangent(np.nansum)
def _(y, a, axis=None, keepdims=False):
    y_dot = np.sum(np.where(np.isnan(a), 0.0, a_dot), axis=axis, keepdims=keepdims)


declare(np.nansum, static="axis keepdims")


@adjoint(np.diff)
def _(y, a, n=1, axis=-1):
    a_bar = undiff(y_bar, n, axis)


@tangent(np.diff)
def _(y, a, n=1, axis=-1):
    y_dot = np.diff(a_dot, n, axis)


declare(np.diff, static="n axis")


@adjoint(np.sort)
def _(y, a, axis=-1):
    a_bar = unsort(y_bar, a, axis)


@tangent(np.sort)
def _(y, a, axis=-1):
    y_dot = sorted_along(a_dot, a, axis)


declare(np.sort, static="axis")
describe(np.sort, keywords={"kind": None, "stable": None, "order": None})  # (the algorithm: the values are the same)


# --- linear algebra ------------------------------------------------------------------------------


@adjoint(np.dot)
def _(z, a, b):
    a_bar = dot_left(z_bar, a, b)
    b_bar = dot_right(z_bar, a, b)


@tangent(np.dot)
def _(z, a, b):
    z_dot = np.dot(a_dot, b) + np.dot(a, b_dot)


@adjoint(np.outer)
def _(z, a, b):
    a_bar = np.reshape(np.dot(z_bar, np.ravel(b)), np.shape(a))
    b_bar = np.reshape(np.dot(np.ravel(a), z_bar), np.shape(b))


@tangent(np.outer)
def _(z, a, b):
    z_dot = np.outer(a_dot, b) + np.outer(a, b_dot)


# einsum is multilinear: each operand's adjoint contracts the result's adjoint with the others
# (runtime.einsum_bar: any number of operands up to six, '...', an index repeated in one operand)


@adjoint(np.einsum)
def _(y, subscripts, a, b=None, c=None, d=None, e=None, f=None, *, optimize=False):
    a_bar = einsum_bar(y_bar, subscripts, 0, a, b, c, d, e, f)
    b_bar = einsum_bar(y_bar, subscripts, 1, a, b, c, d, e, f)
    c_bar = einsum_bar(y_bar, subscripts, 2, a, b, c, d, e, f)
    d_bar = einsum_bar(y_bar, subscripts, 3, a, b, c, d, e, f)
    e_bar = einsum_bar(y_bar, subscripts, 4, a, b, c, d, e, f)
    f_bar = einsum_bar(y_bar, subscripts, 5, a, b, c, d, e, f)


@tangent(np.einsum)
def _(y, subscripts, a, b=None, c=None, d=None, e=None, f=None, *, optimize=False):
    y_dot = (
        einsum_n(subscripts, a_dot, b, c, d, e, f)
        + einsum_n(subscripts, a, b_dot, c, d, e, f)
        + einsum_n(subscripts, a, b, c_dot, d, e, f)
        + einsum_n(subscripts, a, b, c, d_dot, e, f)
        + einsum_n(subscripts, a, b, c, d, e_dot, f)
        + einsum_n(subscripts, a, b, c, d, e, f_dot)
    )


# (an array at `subscripts` is the interleaved form, `np.einsum(a, [0, 1], b, [1, 2])`: refused, not read as a string)
declare(
    np.einsum,
    static="optimize",
    unsupported="subscripts",
    note="the interleaved form, operands and index lists, is not differentiated: write the subscripts string",
)


@adjoint(np.vdot)
def _(z, a, b):  # (z = Σ conj(a) b: conjugate in a, as np.vecdot's first argument)
    a_bar = np.conj(z_bar * np.reshape(b, np.shape(a)))
    b_bar = z_bar * np.reshape(np.conj(a), np.shape(b))


@tangent(np.vdot)
def _(z, a, b):
    z_dot = np.vdot(a_dot, b) + np.vdot(a, b_dot)


# (a trace for each element of the axes other than axis1 and axis2: its adjoint along that diagonal)
@adjoint(np.trace)
def _(y, a, offset=0, axis1=0, axis2=1, dtype=None):
    a_bar = untrace(y_bar if dtype is None else uncast(y_bar, a, y), a, offset, axis1, axis2)


@tangent(np.trace)
def _(y, a, offset=0, axis1=0, axis2=1, dtype=None):
    y_dot = (
        np.trace(a_dot, offset, axis1, axis2) if dtype is None else uncast(np.trace(a_dot, offset, axis1, axis2), y, y)
    )


declare(np.trace, static="offset axis1 axis2 dtype")


# --- shape ---------------------------------------------------------------------------------------


@adjoint(np.transpose)
def _(y, a, axes=None):
    a_bar = np.transpose(y_bar, inverse_axes(axes, a))


@tangent(np.transpose)
def _(y, a, axes=None):
    y_dot = np.transpose(a_dot, axes)


declare(np.transpose, static="axes")


# with order="F" (or "A"/"K" of an F-ordered array) the elements are read in that index order, and
# the adjoint is written back in it


@adjoint(np.reshape)
def _(y, a, shape, order="C"):
    a_bar = (
        np.reshape(y_bar, np.shape(a)) if order == "C" else np.reshape(y_bar, np.shape(a), order=index_order(a, order))
    )


@tangent(np.reshape)
def _(y, a, shape, order="C"):
    y_dot = np.reshape(a_dot, shape) if order == "C" else np.reshape(a_dot, shape, order=index_order(a, order))


declare(np.reshape, static="shape order")
describe(np.reshape, keywords={"copy": None})  # (NumPy 2: whether it may, or must, copy; the values are a's)


@adjoint(np.ravel)
def _(y, a, order="C"):
    a_bar = (
        np.reshape(y_bar, np.shape(a)) if order == "C" else np.reshape(y_bar, np.shape(a), order=index_order(a, order))
    )


@tangent(np.ravel)
def _(y, a, order="C"):
    y_dot = np.ravel(a_dot) if order == "C" else np.reshape(a_dot, -1, order=index_order(a, order))


declare(np.ravel, static="order")


@adjoint(np.ndarray.astype)
def _(y, a, dtype, copy=True):
    a_bar = uncast(y_bar, a, y)


@tangent(np.ndarray.astype)
def _(y, a, dtype, copy=True):
    y_dot = uncast(a_dot, y, y)


declare(np.ndarray.astype, static="dtype copy")


@adjoint(item)
def _(y, a):
    a_bar = np.reshape(y_bar, np.shape(a))


@tangent(item)
def _(y, a):
    y_dot = item(a_dot)


@adjoint(np.squeeze)
def _(y, a, axis=None):
    a_bar = np.reshape(y_bar, np.shape(a))


@tangent(np.squeeze)
def _(y, a, axis=None):
    y_dot = np.squeeze(a_dot, axis)


declare(np.squeeze, static="axis")


@adjoint(np.expand_dims)
def _(y, a, axis):
    a_bar = np.reshape(y_bar, np.shape(a))


@tangent(np.expand_dims)
def _(y, a, axis):
    y_dot = np.expand_dims(a_dot, axis)


declare(np.expand_dims, static="axis")


@adjoint(np.broadcast_to)
def _(y, array, shape):
    array_bar = unbroadcast(y_bar, array)


@tangent(np.broadcast_to)
def _(y, array, shape):
    y_dot = np.broadcast_to(array_dot, shape)


declare(np.broadcast_to, static="shape")
describe(np.broadcast_to, keywords={"subok": None})


@adjoint(np.copy)
def _(y, a, order="K"):
    a_bar = y_bar


@tangent(np.copy)
def _(y, a, order="K"):
    y_dot = np.copy(a_dot)


declare(np.copy, static="order")  # (the memory layout: the values are a's)
describe(np.copy, keywords={"subok": None})


# (`ndmin` puts axes of length one in front: the adjoint takes them off again)
@adjoint(np.array)
def _(y, a, dtype=None, *, ndmin=0):
    a_bar = (
        (y_bar if dtype is None else uncast(y_bar, a, y))
        if ndmin == 0
        else np.reshape(y_bar if dtype is None else uncast(y_bar, a, y), np.shape(a))
    )


@tangent(np.array)
def _(y, a, dtype=None, *, ndmin=0):
    y_dot = (
        (np.copy(a_dot) if dtype is None else uncast(a_dot, y, y))
        if ndmin == 0
        else np.reshape(np.copy(a_dot) if dtype is None else uncast(a_dot, y, y), np.shape(y))
    )


declare(np.array, static="dtype ndmin")
alias(np.array, np.asarray, np.asanyarray)
# (whether it copies, the memory layout: the values are a's; a write through a result that is not
# a copy is the alias analysis's, which reads the call as written)
_LAYOUT = {k: None for k in ("copy", "order", "subok", "ndmax", "device", "like")}
describe(np.array, np.asarray, np.asanyarray, keywords=_LAYOUT)


# contiguous copies (or the argument itself), at least one axis: a number becomes an array of one
@adjoint(np.ascontiguousarray)
def _(y, a, dtype=None):
    a_bar = np.reshape(y_bar if dtype is None else uncast(y_bar, a, y), np.shape(a))


@tangent(np.ascontiguousarray)
def _(y, a, dtype=None):
    y_dot = np.reshape(a_dot if dtype is None else uncast(a_dot, y, y), np.shape(y))


declare(np.ascontiguousarray, static="dtype")
alias(np.ascontiguousarray, np.asfortranarray)
describe(np.ascontiguousarray, np.asfortranarray, keywords={"like": None})
describe(np.ascontiguousarray, np.asfortranarray, views=True, shape=SHAPE_FIRST)


@adjoint(np.delete)
def _(y, arr, obj, axis=None):
    arr_bar = undelete(y_bar, arr, obj, axis)


@tangent(np.delete)
def _(y, arr, obj, axis=None):
    y_dot = np.delete(arr_dot, obj, axis)


declare(np.delete, static="obj axis")


@adjoint(np.concatenate)
def _(y, arrays, axis=0):
    arrays_bar = split_like(y_bar, arrays, axis)


@tangent(np.concatenate)
def _(y, arrays, axis=0):
    y_dot = np.concatenate(arrays_dot, axis)


declare(np.concatenate, static="axis")
describe(np.concatenate, np.stack, np.hstack, np.vstack, keywords={"casting": None})  # (a dtype is refused)


@adjoint(np.stack)
def _(y, arrays, axis=0):
    arrays_bar = unstack(y_bar, axis)


@tangent(np.stack)
def _(y, arrays, axis=0):
    y_dot = np.stack(arrays_dot, axis)


declare(np.stack, static="axis")


@adjoint(np.flip)
def _(y, m, axis=None):
    m_bar = np.flip(y_bar, axis)


@tangent(np.flip)
def _(y, m, axis=None):
    y_dot = np.flip(m_dot, axis)


declare(np.flip, static="axis")


@adjoint(np.real)
def _(y, val):
    val_bar = np.real(y_bar)


@tangent(np.real)
def _(y, val):
    y_dot = np.real(val_dot)


# imag(x): x's adjoint is -i ȳ (0 for a real x, whose imaginary part is constant)


@adjoint(np.imag)
def _(y, val):
    val_bar = imag_adjoint(y_bar, val)


@tangent(np.imag)
def _(y, val):
    y_dot = np.imag(val_dot)


@adjoint(np.conjugate)
def _(y, x):
    x_bar = np.conjugate(y_bar)


@tangent(np.conjugate)
def _(y, x):
    y_dot = np.conjugate(x_dot)


alias(np.conjugate, np.conj)


@adjoint(np.diagonal)
def _(y, a, offset=0, axis1=0, axis2=1):
    a_bar = undiagonal(y_bar, a, offset, axis1, axis2)


@tangent(np.diagonal)
def _(y, a, offset=0, axis1=0, axis2=1):
    y_dot = np.diagonal(a_dot, offset, axis1, axis2)


declare(np.diagonal, static="offset axis1 axis2")


@adjoint(np.swapaxes)
def _(y, a, axis1, axis2):
    a_bar = np.swapaxes(y_bar, axis1, axis2)


@tangent(np.swapaxes)
def _(y, a, axis1, axis2):
    y_dot = np.swapaxes(a_dot, axis1, axis2)


declare(np.swapaxes, static="axis1 axis2")


@adjoint(np.moveaxis)
def _(y, a, source, destination):
    a_bar = np.moveaxis(y_bar, destination, source)


@tangent(np.moveaxis)
def _(y, a, source, destination):
    y_dot = np.moveaxis(a_dot, source, destination)


declare(np.moveaxis, static="source destination")


@adjoint(np.atleast_1d)
def _(y, a):
    a_bar = np.reshape(y_bar, np.shape(a))


@tangent(np.atleast_1d)
def _(y, a):
    y_dot = np.reshape(a_dot, np.shape(y))


alias(np.atleast_1d, np.atleast_2d, np.atleast_3d)


@adjoint(np.hstack)
def _(y, tup):
    tup_bar = unhstack(y_bar, tup)


@tangent(np.hstack)
def _(y, tup):
    y_dot = np.hstack(tup_dot)


@adjoint(np.vstack)
def _(y, tup):
    tup_bar = unvstack(y_bar, tup)


@tangent(np.vstack)
def _(y, tup):
    y_dot = np.vstack(tup_dot)


@adjoint(np.tile)
def _(y, A, reps):
    A_bar = untile(y_bar, A, reps)


@tangent(np.tile)
def _(y, A, reps):
    y_dot = np.tile(A_dot, reps)


declare(np.tile, static="reps")


@adjoint(np.repeat)
def _(y, a, repeats, axis=None):
    a_bar = unrepeat(y_bar, a, repeats, axis)


@tangent(np.repeat)
def _(y, a, repeats, axis=None):
    y_dot = np.repeat(a_dot, repeats, axis)


declare(np.repeat, static="repeats axis")


@adjoint(np.take)
def _(y, a, indices, axis=None, *, mode="raise"):
    a_bar = untake(y_bar, a, indices, axis) if mode == "raise" else untake(y_bar, a, indices, axis, mode)


@tangent(np.take)
def _(y, a, indices, axis=None, *, mode="raise"):
    y_dot = np.take(a_dot, indices, axis) if mode == "raise" else np.take(a_dot, indices, axis, mode=mode)


declare(np.take, static="indices axis mode")


@adjoint(np.roll)
def _(y, a, shift, axis=None):
    a_bar = np.roll(y_bar, np.negative(shift), axis)


@tangent(np.roll)
def _(y, a, shift, axis=None):
    y_dot = np.roll(a_dot, shift, axis)


declare(np.roll, static="shift axis")


@adjoint(np.tril)
def _(y, m, k=0):
    m_bar = np.tril(y_bar, k)


@tangent(np.tril)
def _(y, m, k=0):
    y_dot = np.tril(m_dot, k)


declare(np.tril, static="k")


@adjoint(np.triu)
def _(y, m, k=0):
    m_bar = np.triu(y_bar, k)


@tangent(np.triu)
def _(y, m, k=0):
    y_dot = np.triu(m_dot, k)


declare(np.triu, static="k")


@adjoint(np.diag)
def _(y, v, k=0):
    v_bar = undiag(y_bar, v, k)


@tangent(np.diag)
def _(y, v, k=0):
    y_dot = np.diag(v_dot, k)


declare(np.diag, static="k")


# --- constructors whose value depends on an argument ---------------------------------------------
# An integer dtype makes the result piecewise constant: uncast gives a zero derivative then.


@adjoint(np.full)
def _(y, shape, fill_value, dtype=None):
    fill_value_bar = unbroadcast(uncast(y_bar, fill_value, y), fill_value)


@tangent(np.full)
def _(y, shape, fill_value, dtype=None):
    y_dot = uncast(np.full(np.shape(y), fill_value_dot), y, y)


declare(np.full, static="shape dtype")
describe(np.full, keywords={"order": None, "device": None, "like": None})


@adjoint(np.full_like)
def _(y, a, fill_value, dtype=None):
    fill_value_bar = unbroadcast(uncast(y_bar, fill_value, y), fill_value)


@tangent(np.full_like)
def _(y, a, fill_value, dtype=None):
    y_dot = uncast(np.full(np.shape(y), fill_value_dot), y, y)


declare(np.full_like, static="a dtype", note="`a` gives only the shape and dtype")
describe(np.full_like, keywords={"order": None, "subok": None, "device": None})


# y = start (1 - t) + stop t, t = k / (num - 1) (k / num without the endpoint) along `axis`


@adjoint(np.linspace)
def _(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = linspace_fraction(y, num, endpoint, axis)
    g = uncast(y_bar, y, y)
    start_bar = unbroadcast(np.sum(g * (1.0 - t), axis=axis), start)
    stop_bar = unbroadcast(np.sum(g * t, axis=axis), stop)


@tangent(np.linspace)
def _(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    y_dot = uncast(
        along_new_axis(start_dot, y, axis) * (1.0 - linspace_fraction(y, num, endpoint, axis))
        + along_new_axis(stop_dot, y, axis) * linspace_fraction(y, num, endpoint, axis),
        y,
        y,
    )


declare(np.linspace, static="num endpoint dtype axis", note="retstep=True is refused")
describe(np.linspace, keywords={"device": None})


# y_k = start + k step; the stop (or the one argument, then the stop) sets only the count


@adjoint(np.arange)
def _(y, start, stop=None, step=1, dtype=None):
    start_bar = np.sum(uncast(y_bar, y, y)) * arange_has_start(stop)
    step_bar = np.sum(uncast(y_bar, y, y) * np.arange(np.size(y)))


@tangent(np.arange)
def _(y, start, stop=None, step=1, dtype=None):
    y_dot = uncast(np.full(np.shape(y), start_dot * arange_has_start(stop)) + step_dot * np.arange(np.size(y)), y, y)


declare(np.arange, static="stop dtype", note="the stop sets only the number of elements")
describe(np.arange, keywords={"device": None, "like": None})


# --- random draws: reparameterised. The draws made are loc + scale z (low + (high - low) u); the
# derivative holds z (u) fixed, read back from the result: z = (y - loc) / scale.


@adjoint(np.random.normal)
def _(y, loc=0.0, scale=1.0, size=None):
    loc_bar = unbroadcast(y_bar, loc)
    scale_bar = unbroadcast(y_bar * (y - loc) / scale, scale)


@tangent(np.random.normal)
def _(y, loc=0.0, scale=1.0, size=None):
    y_dot = broadcast_like(loc_dot + scale_dot * (y - loc) / scale, y)


declare(np.random.normal, static="size", effects=True, note="reparameterised: y = loc + scale z, z held fixed")


@adjoint(np.random.uniform)
def _(y, low=0.0, high=1.0, size=None):
    low_bar = unbroadcast(y_bar * (high - y) / (high - low), low)
    high_bar = unbroadcast(y_bar * (y - low) / (high - low), high)


@tangent(np.random.uniform)
def _(y, low=0.0, high=1.0, size=None):
    y_dot = broadcast_like(low_dot * (high - y) / (high - low) + high_dot * (y - low) / (high - low), y)


declare(np.random.uniform, static="size", effects=True, note="reparameterised: y = low + (high - low) u, u held fixed")

nondifferentiable(
    np.floor,
    np.ceil,
    np.round,
    np.around,
    np.rint,
    np.trunc,
    np.fix,
    np.sign,
    note="piecewise constant: the derivative is zero wherever it exists",
)
nondifferentiable(np.random.randn, np.random.rand, effects=True, note="draws from fixed distributions")

# the draws of a generator the function makes (`rng = np.random.default_rng(0)`, np.random.RandomState):
# each a draw (never removed, moved or merged); those from fixed distributions or of integers have no
# derivative, the others (rng.normal(loc, scale)) none astgrad knows: an input-dependent parameter is refused
_DRAWS = {
    np.random.Generator: "random integers standard_normal standard_exponential binomial poisson geometric",
    np.random.RandomState: "rand randn random_sample random randint standard_normal standard_exponential binomial "
    "poisson geometric",
}
for _cls, _fixed in _DRAWS.items():
    nondifferentiable(*(getattr(_cls, m) for m in _fixed.split()), effects=True, note="draws from fixed distributions")
    _others = [getattr(_cls, m) for m in "normal uniform exponential gamma beta laplace logistic lognormal".split()]
    refuse(
        *_others,
        note="a generator's draw: of input-dependent parameters, write loc + scale * rng.standard_normal(size) "
        "(low + (high - low) * rng.random(size))",
    )
    describe(*_others, effects=True)
# NumPy's scalar types called as conversions: np.float64(w[0]) keeps the derivative, np.int64(v) has none
elementwise(np.float64, "1.0", globals())
elementwise(np.float32, "1.0", globals())
nondifferentiable(
    np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8, np.bool_,
    note="an integer or boolean conversion: piecewise constant",
)  # fmt: skip
nondifferentiable(
    np.shape,
    np.ndim,
    np.size,
    np.zeros,
    np.ones,
    np.empty,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.eye,
    np.identity,
    np.tri,
    np.triu_indices,
    np.tril_indices,
    np.diag_indices,
    note="a value that depends only on shapes and dtypes",
)
nondifferentiable(
    np.argmax,
    np.argmin,
    np.argsort,
    np.searchsorted,
    np.digitize,
    np.argwhere,
    np.flatnonzero,
    np.nonzero,
    np.count_nonzero,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.equal,
    np.not_equal,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.any,
    np.all,
    np.allclose,
    np.isclose,
    np.array_equal,
    note="an integer or boolean result",
)
mark_elementwise(np.maximum, np.minimum, np.fmax, np.fmin, np.where, np.clip, np.logaddexp, np.arctan2, np.hypot)

# --- what the specialising passes know besides the derivatives ------------------------------------
# result shapes (shape_facts.py)
describe(
    np.sum, np.mean, np.max, np.min, np.amax, np.amin, np.prod, np.std, np.var, np.argmax, np.argmin,
    np.transpose, np.reshape, np.expand_dims, np.squeeze, np.swapaxes, np.moveaxis, np.ravel,
    np.cumsum, np.flip, np.sort, np.diagonal, np.trace, np.diag, np.triu, np.tril,
    np.copy, np.asarray, np.asanyarray, np.array, np.atleast_1d, np.atleast_2d, np.broadcast_to, np.tile, np.repeat,
    np.roll, np.diff, np.zeros_like, np.ones_like, np.empty_like,
    shape=SHAPE_FIRST,
)  # fmt: skip
describe(np.matmul, np.dot, np.outer, shape=SHAPE_FIRST_TWO)
describe(
    np.arange, np.triu_indices, np.tril_indices, np.eye, np.identity, np.zeros, np.ones, np.empty, np.full,
    np.linspace,
    shape=SHAPE_EXACT,
)  # fmt: skip
describe(np.sum, np.mean, np.max, np.min, np.prod, np.var, np.std, np.amax, np.amin, full_reduction=True)
# results that may be the argument itself or a view of it (analysis/activity.py); np.imag has no
# derivative rule
describe(
    np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis, np.squeeze, np.diagonal, np.asarray,
    np.asanyarray, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.broadcast_to, np.real, np.imag,
    np.flip, np.flipud, np.fliplr, np.rot90, np.expand_dims, np.rollaxis, np.require, np.matrix_transpose,
    np.permute_dims, np.einsum,
    views=True,
)  # fmt: skip
# lists of views of the argument (a, b = np.split(z, 2): a and b are z's memory)
describe(np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.unstack, views=True)
# functions that write into their first argument (analysis/activity.py refuses them on active arrays)
describe(np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis, np.random.shuffle, writes=True)
# continuous on all real arguments: reading a value through them decides nothing (rounding.py).
# Not here: a restricted domain (sqrt, log, arcsin, power: a value rounded across 0 gives NaN) or a
# pole or cut (tan, arctan2). max and min are continuous; which element is the largest decides
# their derivative, and the code that reads it says so (extremum_mask, a comparison).
describe(
    np.abs, np.add, np.amax, np.amin, np.arctan, np.array, np.concatenate, np.cos, np.cosh, np.dot, np.einsum,
    np.exp, np.exp2, np.max, np.min,
    np.expm1, np.full_like, np.hstack, np.logaddexp, np.matmul, np.maximum, np.mean, np.minimum, np.multiply,
    np.negative, np.ones_like, np.outer, np.prod, np.reshape, np.sin, np.sinh, np.square, np.stack, np.subtract,
    np.sum, np.swapaxes, np.tanh, np.tensordot, np.transpose, np.vstack, np.zeros_like,
    continuous=True,
)  # fmt: skip
# the result has the first argument's float dtype (dtypes.py)
describe(
    np.sum, np.max, np.min, np.amax, np.amin, np.mean, np.cumsum, np.transpose, np.swapaxes, np.reshape,
    keeps_dtype=True,
)  # fmt: skip
# total, writing into nothing (without out=): a loop-invariant call may be computed before the loop
# (hoisting.py)
describe(
    np.arange, np.array, np.concatenate, np.dot, np.einsum, np.empty, np.full, np.full_like, np.ones,
    np.ones_like, np.outer, np.stack, np.sum, np.mean, np.prod, np.reshape, np.swapaxes, np.transpose, np.where,
    np.zeros, np.zeros_like,
    hoistable=True,
)  # fmt: skip
# the largest element: m = np.max(a) subtracted and added back is a shift (invariance.py)
describe(np.max, np.amax, maximum=True)
# over one window or, with the window axes and keepdims, over a stack of them: the same values (window_loops.py)
describe(np.max, np.amax, np.min, np.amin, windowed=True)
# a window's sum, a dot of two windows: the same sums in another order over a stack of them (window_loops.py)
describe(np.sum, np.dot, sums_window=True)
describe(np.full_like, fills_first=True)
# array methods that mean a NumPy function (frontend/normalize/expressions.py rewrites x.sum(1) as np.sum(x, 1))
for _fn in (
    np.sum, np.mean, np.max, np.min, np.prod, np.dot, np.std, np.var, np.cumsum, np.cumprod, np.clip,
    np.squeeze, np.argmax, np.argmin, np.any, np.all, np.round, np.copy, np.trace, np.diagonal,
    np.swapaxes, np.nonzero, np.repeat, np.take, np.argsort,
):  # fmt: skip
    describe(_fn, methods=(_fn.__name__,))
describe(np.clip, keywords={"min": "a_min", "max": "a_max"})  # (NumPy 2 spells both)
describe(np.conj, methods=("conj", "conjugate"))  # (np.conj is np.conjugate)
describe(np.ravel, methods=("ravel", "flatten"))
describe(np.reshape, methods=("reshape",), vararg_method=True)
describe(np.transpose, methods=("transpose",), vararg_method=True)

# more shapes (shape_facts.py): the result's shape follows from the first (two) arguments' shapes
# and the others' values; not for results whose shape depends on the values (np.nonzero,
# np.argwhere) nor for random draws (evaluating one on stand-ins would draw)
describe(
    np.concatenate, np.hstack, np.vstack, np.stack, np.delete, np.real, np.imag, np.median, np.percentile,
    np.quantile, np.nansum, np.all, np.any, np.argsort, np.around, np.round, np.fix, np.count_nonzero, np.atleast_3d,
    shape=SHAPE_FIRST,
)  # fmt: skip
describe(
    np.full_like, np.take, np.vdot, np.allclose, np.array_equal, np.digitize, np.searchsorted, shape=SHAPE_FIRST_TWO
)
describe(np.diag_indices, np.tri, shape=SHAPE_EXACT)
# casts to a type of NumPy's (np.int64(x)): x's shape
describe(np.bool, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64, shape=SHAPE_FIRST)
describe(np.isclose, shape=SHAPE_ALL)  # (broadcasts like a ufunc)
