"""More NumPy rules: elementwise functions (float_power, fmod, copysign, logaddexp2, fabs,
nan_to_num, interp), reductions (ptp, cov, corrcoef, ufunc.reduce and accumulate), shape functions
(take_along_axis, append, column_stack, dstack, hsplit/vsplit/dsplit, fliplr, flipud, rot90),
convolve and correlate, ufunc.outer, and NumPy 2's names (astype, matrix_transpose, vecdot,
cumulative_sum, cumulative_prod, linalg.vector_norm).

A tangent template that reads two tangents in one call would get a zero tangent as the number 0.0
(see forward.simplify); such templates are written as sums of calls that each read one tangent.
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import (
    corrcoef_cov_adjoint,
    corrcoef_tangent,
    cov_adjoint,
    cov_tangent,
    cumulative_axis,
    drop_initial,
    extremum_mask,
    finite_mask,
    fwd_recurrence,
    gradient_adjoint,
    gradient_of,
    interp_end,
    interp_fp_adjoint,
    interp_outside,
    interp_outside_mask,
    interp_slope,
    outer_left,
    poly_derivative,
    polyval_coefficients_adjoint,
    prod_others,
    ptp_mask,
    rev_recurrence,
    rot90_back,
    running_positions,
    shift_down,
    split_axis,
    trapezoid_adjoint,
    trapezoid_tangent,
    unappend,
    unblock,
    unbroadcast,
    uncast,
    unconvolve,
    unjoin,
    unreduce,
    unsplit,
    untake_along_axis,
    vector_norm_weight,
    with_initial,
    zeros_like,
)
from .registry import (
    SHAPE_FIRST,
    SHAPE_FIRST_TWO,
    adjoint,
    alias,
    declare,
    describe,
    elementwise,
    mark_elementwise,
    tangent,
)

# --- elementwise -----------------------------------------------------------------------------------
elementwise(np.fabs, "np.sign(x)", globals())


@adjoint(np.float_power)
def _(y, x1, x2):
    x1_bar = unbroadcast(y_bar * x2 * np.float_power(x1, x2 - 1.0), x1)
    x2_bar = unbroadcast(y_bar * y * np.log(x1), x2)


@tangent(np.float_power)
def _(y, x1, x2):
    y_dot = x1_dot * x2 * np.float_power(x1, x2 - 1.0) + x2_dot * y * np.log(x1)


# fmod(x1, x2) = x1 - x2 trunc(x1 / x2); the quotient is piecewise constant


@adjoint(np.fmod)
def _(y, x1, x2):
    x1_bar = unbroadcast(y_bar, x1)
    x2_bar = unbroadcast(-y_bar * np.trunc(x1 / x2), x2)


@tangent(np.fmod)
def _(y, x1, x2):
    y_dot = x1_dot - x2_dot * np.trunc(x1 / x2)


# copysign(x1, x2) = |x1| with x2's sign: piecewise constant in x2


@adjoint(np.copysign)
def _(y, x1, x2):
    x1_bar = unbroadcast(y_bar * np.sign(x1) * np.copysign(1.0, x2), x1)


@tangent(np.copysign)
def _(y, x1, x2):
    y_dot = x1_dot * np.sign(x1) * np.copysign(1.0, x2)


declare(np.copysign, static="x2", note="only its sign is read: piecewise constant")


@adjoint(np.logaddexp2)
def _(y, x1, x2):
    x1_bar = unbroadcast(y_bar * np.exp2(x1 - y), x1)
    x2_bar = unbroadcast(y_bar * np.exp2(x2 - y), x2)


@tangent(np.logaddexp2)
def _(y, x1, x2):
    y_dot = x1_dot * np.exp2(x1 - y) + x2_dot * np.exp2(x2 - y)


# nan_to_num passes finite values through and puts `nan`, `posinf`, `neginf` where x is NaN, +∞, -∞


@adjoint(np.nan_to_num)
def _(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    x_bar = y_bar * finite_mask(x)
    nan_bar = unbroadcast(y_bar * np.isnan(x), nan)
    posinf_bar = unbroadcast(y_bar * np.isposinf(x), posinf)
    neginf_bar = unbroadcast(y_bar * np.isneginf(x), neginf)


@tangent(np.nan_to_num)
def _(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    y_dot = x_dot * finite_mask(x) + nan_dot * np.isnan(x) + posinf_dot * np.isposinf(x) + neginf_dot * np.isneginf(x)


declare(np.nan_to_num, static="copy")


# interp: piecewise linear in x (slope of the segment), linear in fp (the two neighbours' shares)
# and in left / right (where x lies beyond xp); the knots xp are not differentiated


@adjoint(np.interp)
def _(y, x, xp, fp, left=None, right=None, period=None):
    x_bar = unbroadcast(y_bar * interp_slope(x, xp, fp, left, right, period), x)
    fp_bar = interp_fp_adjoint(y_bar, x, xp, fp, left, right, period)
    left_bar = interp_outside(y_bar, x, xp, "left")
    right_bar = interp_outside(y_bar, x, xp, "right")


@tangent(np.interp)
def _(y, x, xp, fp, left=None, right=None, period=None):
    y_dot = (
        x_dot * interp_slope(x, xp, fp, left, right, period)
        + np.interp(x, xp, fp_dot, interp_end(left), interp_end(right), period)  # (linear in fp, periodic too)
        + left_dot * interp_outside_mask(x, xp, "left")
        + right_dot * interp_outside_mask(x, xp, "right")
    )


declare(np.interp, unsupported="xp period")


mark_elementwise(np.float_power, np.fmod, np.copysign, np.logaddexp2)

# --- reductions --------------------------------------------------------------------------------------


@adjoint(np.ptp)
def _(y, a, axis=None, *, keepdims=False):
    a_bar = unreduce(y_bar, a, axis, keepdims) * ptp_mask(a, y, axis, keepdims)


@tangent(np.ptp)
def _(y, a, axis=None, *, keepdims=False):
    y_dot = np.sum(a_dot * ptp_mask(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


declare(np.ptp, static="axis keepdims")


# cov: C = X Xᵀ / d with X the centred observations (variables in rows); see runtime.cov_adjoint


@adjoint(np.cov)
def _(c, m, y=None, rowvar=True, bias=False, ddof=None):
    m_bar = cov_adjoint(c_bar, m, y, rowvar, bias, ddof, 0)
    y_bar = cov_adjoint(c_bar, m, y, rowvar, bias, ddof, 1)


@tangent(np.cov)
def _(c, m, y=None, rowvar=True, bias=False, ddof=None):
    c_dot = cov_tangent(m_dot, y_dot, m, y, rowvar, bias, ddof)


declare(np.cov, static="rowvar bias ddof")


# corrcoef: R = C / √(diag C diag Cᵀ) of the covariance C (its divisor cancels)


@adjoint(np.corrcoef)
def _(r, x, y=None, rowvar=True):
    g = corrcoef_cov_adjoint(r_bar, r, np.cov(x, y, rowvar))
    x_bar = cov_adjoint(g, x, y, rowvar, False, None, 0)
    y_bar = cov_adjoint(g, x, y, rowvar, False, None, 1)


@tangent(np.corrcoef)
def _(r, x, y=None, rowvar=True):
    r_dot = corrcoef_tangent(cov_tangent(x_dot, y_dot, x, y, rowvar), r, np.cov(x, y, rowvar))


declare(np.corrcoef, static="rowvar")


# ufunc methods: reduce is np.sum / np.prod / np.max / np.min over axis (0 by default), accumulate
# np.cumsum / np.cumprod along axis


@adjoint(np.add.reduce)
def _(y, array, axis=0, *, keepdims=False):
    array_bar = unreduce(y_bar, array, axis, keepdims)


@tangent(np.add.reduce)
def _(y, array, axis=0, *, keepdims=False):
    y_dot = np.sum(array_dot, axis=axis, keepdims=keepdims)


@adjoint(np.multiply.reduce)
def _(y, array, axis=0, *, keepdims=False):
    array_bar = unreduce(y_bar, array, axis, keepdims) * prod_others(array, axis)


@tangent(np.multiply.reduce)
def _(y, array, axis=0, *, keepdims=False):
    y_dot = np.sum(array_dot * prod_others(array, axis), axis=axis, keepdims=keepdims)


@adjoint(np.maximum.reduce)
def _(y, array, axis=0, *, keepdims=False):
    array_bar = unreduce(y_bar, array, axis, keepdims) * extremum_mask(array, y, axis, keepdims)


@tangent(np.maximum.reduce)
def _(y, array, axis=0, *, keepdims=False):
    y_dot = np.sum(array_dot * extremum_mask(array, y, axis, keepdims), axis=axis, keepdims=keepdims)


alias(np.maximum.reduce, np.minimum.reduce)


for _fn in (np.add.reduce, np.multiply.reduce, np.maximum.reduce):
    declare(_fn, static="axis keepdims")


@adjoint(np.add.accumulate)
def _(y, array, axis=0):
    array_bar = np.flip(np.cumsum(np.flip(y_bar, axis), axis), axis)


@tangent(np.add.accumulate)
def _(y, array, axis=0):
    y_dot = np.cumsum(array_dot, axis)


@adjoint(np.multiply.accumulate)
def _(y, array, axis=0):
    array_bar = shift_down(y, axis, 1.0) * rev_recurrence(y_bar, array, axis)


@tangent(np.multiply.accumulate)
def _(y, array, axis=0):
    y_dot = fwd_recurrence(array_dot * shift_down(y, axis, 1.0), array, axis)


declare(np.add.accumulate, static="axis")
declare(np.multiply.accumulate, static="axis")


# a running maximum (minimum) takes each value from one element of the array: the latest that is it
@adjoint(np.maximum.accumulate)
def _(y, array, axis=0):
    array_bar = untake_along_axis(y_bar, array, running_positions(array, y, axis), axis)


@tangent(np.maximum.accumulate)
def _(y, array, axis=0):
    y_dot = np.take_along_axis(array_dot, running_positions(array, y, axis), axis)


declare(np.maximum.accumulate, static="axis")


# np.gradient along one axis at one spacing h: linear in f (central differences inside, one-sided at the ends)
@adjoint(np.gradient)
def _(y, f, h=1.0, *, axis=None, edge_order=1):
    f_bar = gradient_adjoint(y_bar, f, h, axis=axis, edge_order=edge_order)


@tangent(np.gradient)
def _(y, f, h=1.0, *, axis=None, edge_order=1):
    y_dot = gradient_of(f_dot, f, h, axis=axis, edge_order=edge_order)


declare(np.gradient, static="axis edge_order", unsupported="h", note="along one axis, at one spacing")
alias(np.maximum.accumulate, np.minimum.accumulate)


# ufunc.outer(A, B) is op(A with B's axes appended, B): the elementwise rule, then A's share summed
# over B's axes


@adjoint(np.add.outer)
def _(y, A, B):
    A_bar = np.reshape(unbroadcast(y_bar, outer_left(A, B)), np.shape(A))
    B_bar = unbroadcast(y_bar, B)


@tangent(np.add.outer)
def _(y, A, B):
    y_dot = np.broadcast_to(outer_left(A_dot, B), np.shape(y)) + np.broadcast_to(B_dot, np.shape(y))


@adjoint(np.subtract.outer)
def _(y, A, B):
    A_bar = np.reshape(unbroadcast(y_bar, outer_left(A, B)), np.shape(A))
    B_bar = unbroadcast(-y_bar, B)


@tangent(np.subtract.outer)
def _(y, A, B):
    y_dot = np.broadcast_to(outer_left(A_dot, B), np.shape(y)) - np.broadcast_to(B_dot, np.shape(y))


@adjoint(np.multiply.outer)
def _(y, A, B):
    A_bar = np.reshape(unbroadcast(y_bar * B, outer_left(A, B)), np.shape(A))
    B_bar = unbroadcast(y_bar * outer_left(A, B), B)


@tangent(np.multiply.outer)
def _(y, A, B):
    y_dot = outer_left(A_dot, B) * B + outer_left(A, B) * B_dot


@adjoint(np.divide.outer)
def _(y, A, B):
    A_bar = np.reshape(unbroadcast(y_bar / B, outer_left(A, B)), np.shape(A))
    B_bar = unbroadcast(-y_bar * y / B, B)


@tangent(np.divide.outer)
def _(y, A, B):
    y_dot = outer_left(A_dot, B) / B - y * B_dot / B


# trapezoid: Σ_k (y_k + y_{k+1}) / 2 Δ_k, Δ = diff(x) or dx: linear in y, and in Δ


@adjoint(np.trapezoid)
def _(r, y, x=None, dx=1.0, axis=-1):
    y_bar = trapezoid_adjoint(r_bar, y, x, dx, axis, 0)
    x_bar = trapezoid_adjoint(r_bar, y, x, dx, axis, 1)
    dx_bar = trapezoid_adjoint(r_bar, y, x, dx, axis, 2)


@tangent(np.trapezoid)
def _(r, y, x=None, dx=1.0, axis=-1):
    r_dot = trapezoid_tangent(y_dot, x_dot, dx_dot, y, x, dx, axis)


declare(np.trapezoid, static="axis")

# polyval: Σ_k p_k x^{n-1-k}: ∂/∂x = polyval(p', x), ∂/∂p_k = x^{n-1-k}


@adjoint(np.polyval)
def _(y, p, x):
    p_bar = polyval_coefficients_adjoint(y_bar, p, x)
    x_bar = unbroadcast(y_bar * np.polyval(poly_derivative(p), x), x)


@tangent(np.polyval)
def _(y, p, x):
    y_dot = np.polyval(p_dot, x) + x_dot * np.polyval(poly_derivative(p), x)


# --- shape -------------------------------------------------------------------------------------------


@adjoint(np.take_along_axis)
def _(y, arr, indices, axis=-1):
    arr_bar = untake_along_axis(y_bar, arr, indices, axis)


@tangent(np.take_along_axis)
def _(y, arr, indices, axis=-1):
    y_dot = np.take_along_axis(arr_dot, indices, axis)


declare(np.take_along_axis, static="indices axis")


@adjoint(np.append)
def _(y, arr, values, axis=None):
    arr_bar = unappend(y_bar, arr, values, axis, 0)
    values_bar = unappend(y_bar, arr, values, axis, 1)


@tangent(np.append)
def _(y, arr, values, axis=None):
    y_dot = np.append(arr_dot, zeros_like(np.asarray(values)), axis) + np.append(
        zeros_like(np.asarray(arr)), values_dot, axis
    )


declare(np.append, static="axis")


@adjoint(np.block)
def _(y, arrays):
    arrays_bar = unblock(y_bar, arrays)


@tangent(np.block)
def _(y, arrays):
    y_dot = np.block(arrays_dot)


@adjoint(np.column_stack)
def _(y, tup):
    tup_bar = unjoin(y_bar, tup, "column")


@tangent(np.column_stack)
def _(y, tup):
    y_dot = np.column_stack(tup_dot)


@adjoint(np.dstack)
def _(y, tup):
    tup_bar = unjoin(y_bar, tup, "depth")


@tangent(np.dstack)
def _(y, tup):
    y_dot = np.dstack(tup_dot)


@adjoint(np.hsplit)
def _(y, ary, indices_or_sections):
    ary_bar = unsplit(y_bar, ary, indices_or_sections, split_axis(ary, "h"))


@tangent(np.hsplit)
def _(y, ary, indices_or_sections):
    y_dot = np.hsplit(ary_dot, indices_or_sections)


@adjoint(np.vsplit)
def _(y, ary, indices_or_sections):
    ary_bar = unsplit(y_bar, ary, indices_or_sections, split_axis(ary, "v"))


@tangent(np.vsplit)
def _(y, ary, indices_or_sections):
    y_dot = np.vsplit(ary_dot, indices_or_sections)


@adjoint(np.dsplit)
def _(y, ary, indices_or_sections):
    ary_bar = unsplit(y_bar, ary, indices_or_sections, split_axis(ary, "d"))


@tangent(np.dsplit)
def _(y, ary, indices_or_sections):
    y_dot = np.dsplit(ary_dot, indices_or_sections)


for _fn in (np.hsplit, np.vsplit, np.dsplit):
    declare(_fn, static="indices_or_sections")


@adjoint(np.fliplr)
def _(y, m):
    m_bar = np.fliplr(y_bar)


@tangent(np.fliplr)
def _(y, m):
    y_dot = np.fliplr(m_dot)


@adjoint(np.flipud)
def _(y, m):
    m_bar = np.flipud(y_bar)


@tangent(np.flipud)
def _(y, m):
    y_dot = np.flipud(m_dot)


@adjoint(np.rot90)
def _(y, m, k=1, axes=(0, 1)):
    m_bar = np.rot90(y_bar, rot90_back(k), axes)


@tangent(np.rot90)
def _(y, m, k=1, axes=(0, 1)):
    y_dot = np.rot90(m_dot, k, axes)


declare(np.rot90, static="k axes")


# --- convolution: bilinear; each factor's adjoint correlates the full-length adjoint with the other


@adjoint(np.convolve)
def _(y, a, v, mode="full"):
    a_bar = unconvolve(y_bar, a, v, mode, 0)
    v_bar = unconvolve(y_bar, a, v, mode, 1)


@tangent(np.convolve)
def _(y, a, v, mode="full"):
    y_dot = np.convolve(a_dot, v, mode) + np.convolve(a, v_dot, mode)


# correlate(a, v) is the convolution of a with v reversed (real vectors; its windows differ a little)


@adjoint(np.correlate)
def _(y, a, v, mode="valid"):
    a_bar = unconvolve(y_bar, a, v, mode, 0, True)
    v_bar = unconvolve(y_bar, a, v, mode, 1, True)


@tangent(np.correlate)
def _(y, a, v, mode="valid"):
    y_dot = np.correlate(a_dot, v, mode) + np.correlate(a, v_dot, mode)


declare(np.convolve, static="mode")
declare(np.correlate, static="mode")


# --- NumPy 2 names -------------------------------------------------------------------------------------

if hasattr(np, "astype"):

    @adjoint(np.astype)
    def _(y, x, dtype, *, copy=True):
        x_bar = uncast(y_bar, x, y)

    @tangent(np.astype)
    def _(y, x, dtype, *, copy=True):
        y_dot = uncast(x_dot, y, y)

    declare(np.astype, static="dtype copy")
    describe(np.astype, keywords={"device": None})


if hasattr(np, "matrix_transpose"):

    @adjoint(np.matrix_transpose)
    def _(y, x):
        x_bar = np.swapaxes(y_bar, -1, -2)

    @tangent(np.matrix_transpose)
    def _(y, x):
        y_dot = np.swapaxes(x_dot, -1, -2)


if hasattr(np, "vecdot"):
    # vecdot(x1, x2) = Σ conj(x1) x2 over axis

    @adjoint(np.vecdot)
    def _(y, x1, x2, *, axis=-1):
        x1_bar = unbroadcast(np.conj(np.expand_dims(y_bar, axis) * x2), x1)
        x2_bar = unbroadcast(np.expand_dims(y_bar, axis) * np.conj(x1), x2)

    @tangent(np.vecdot)
    def _(y, x1, x2, *, axis=-1):
        y_dot = np.vecdot(x1_dot, x2, axis=axis) + np.vecdot(x1, x2_dot, axis=axis)

    declare(np.vecdot, static="axis")


if hasattr(np, "matvec"):  # NumPy >= 2.2
    # matvec(A, v)[..., m] = Σₙ A[..., m, n] v[..., n]; vecmat(v, A)[..., m] = Σₙ conj(v[..., n]) A[..., n, m]

    @adjoint(np.matvec)
    def _(y, x1, x2):
        x1_bar = unbroadcast(y_bar[..., :, None] * x2[..., None, :], x1)
        x2_bar = unbroadcast(np.matvec(np.swapaxes(x1, -1, -2), y_bar), x2)

    @tangent(np.matvec)
    def _(y, x1, x2):
        y_dot = np.matvec(x1_dot, x2) + np.matvec(x1, x2_dot)

    @adjoint(np.vecmat)
    def _(y, x1, x2):
        x1_bar = unbroadcast(np.conj(np.matvec(x2, y_bar)), x1)
        x2_bar = unbroadcast(np.conj(x1)[..., :, None] * y_bar[..., None, :], x2)

    @tangent(np.vecmat)
    def _(y, x1, x2):
        y_dot = np.vecmat(x1_dot, x2) + np.vecmat(x1, x2_dot)

    describe(np.matvec, np.vecmat, shape=SHAPE_FIRST_TWO)


if hasattr(np, "cumulative_sum"):

    @adjoint(np.cumulative_sum)
    def _(y, x, *, axis=None, include_initial=False):
        x_bar = np.flip(
            np.cumsum(
                np.flip(drop_initial(y_bar, axis, include_initial), cumulative_axis(x, axis)), cumulative_axis(x, axis)
            ),
            cumulative_axis(x, axis),
        )

    @tangent(np.cumulative_sum)
    def _(y, x, *, axis=None, include_initial=False):
        y_dot = np.cumulative_sum(x_dot, axis=axis, include_initial=include_initial)

    # cumulative_prod: np.cumprod's rule on the result without its initial 1

    @adjoint(np.cumulative_prod)
    def _(y, x, *, axis=None, include_initial=False):
        x_bar = shift_down(drop_initial(y, axis, include_initial), cumulative_axis(x, axis), 1.0) * rev_recurrence(
            drop_initial(y_bar, axis, include_initial), x, cumulative_axis(x, axis)
        )

    @tangent(np.cumulative_prod)
    def _(y, x, *, axis=None, include_initial=False):
        y_dot = with_initial(
            fwd_recurrence(
                x_dot * shift_down(drop_initial(y, axis, include_initial), cumulative_axis(x, axis), 1.0),
                x,
                cumulative_axis(x, axis),
            ),
            axis,
            include_initial,
        )

    declare(np.cumulative_sum, static="axis include_initial")
    declare(np.cumulative_prod, static="axis include_initial")


if hasattr(np.linalg, "vector_norm"):

    @adjoint(np.linalg.vector_norm)
    def _(y, x, *, axis=None, keepdims=False, ord=2):
        x_bar = unreduce(y_bar, x, axis, keepdims) * vector_norm_weight(x, y, ord, axis, keepdims)

    @tangent(np.linalg.vector_norm)
    def _(y, x, *, axis=None, keepdims=False, ord=2):
        y_dot = np.real(np.sum(x_dot * vector_norm_weight(x, y, ord, axis, keepdims), axis=axis, keepdims=keepdims))

    declare(np.linalg.vector_norm, static="axis keepdims ord")

# the result's shape follows from the first (two) arguments' shapes and the others' values (shape_facts.py)
describe(
    np.add.reduce, np.multiply.reduce, np.maximum.reduce, np.minimum.reduce, np.add.accumulate,
    np.multiply.accumulate, np.maximum.accumulate, np.minimum.accumulate, np.gradient, np.block,
    np.column_stack, np.dstack, np.fliplr, np.flipud, np.interp, np.nan_to_num, np.ptp, np.rot90,
    shape=SHAPE_FIRST,
)  # fmt: skip
describe(
    np.add.outer, np.subtract.outer, np.multiply.outer, np.divide.outer, np.append, np.convolve, np.correlate,
    np.cov, np.corrcoef, np.polyval, np.take_along_axis,
    shape=SHAPE_FIRST_TWO,
)  # fmt: skip
for _name in ("astype", "matrix_transpose", "cumulative_sum", "cumulative_prod", "trapezoid"):  # (NumPy 2 names)
    if hasattr(np, _name):
        describe(getattr(np, _name), shape=SHAPE_FIRST)
if hasattr(np, "vecdot"):
    describe(np.vecdot, shape=SHAPE_FIRST_TWO)
