"""Rules of np.tensordot, inner, kron, cross, pad, sliding_window_view, cumprod, average, split, array_split and of
np.linalg.cholesky, eigh and matrix_power.

The templates call only functions that have rules themselves (NumPy's, or the run-time helpers
whose rules are at the end of rules/runtime_rules.py), so the gradients they generate can be
differentiated again (hessian, grad of grad). Argument values a rule cannot differentiate are
refused at run time by a helper that raises ValueError (np.pad's modes that compute values: linear_ramp,
mean, ..., np.cross of 2-vectors, np.average with returned=True, eigenvectors of repeated eigenvalues).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import (
    average_weights,
    block_upper,
    cross_vectors,
    cumprod_axis,
    eigh_gaps,
    element_numbers,
    factor_lower,
    flat_if_none,
    from_triangle,
    fwd_recurrence,
    inner_axes,
    pad_constant_sum,
    pad_mode,
    rev_recurrence,
    shift_down,
    tensordot_left,
    tensordot_right,
    to_triangle,
    triangle_of,
    tril_half,
    unbroadcast,
    unkron_left,
    unkron_right,
    unpad,
    unreduce,
    unsplit,
    untake,
    unweights,
    upper_right,
)
from .registry import SHAPE_FIRST, SHAPE_FIRST_TWO, adjoint, declare, describe, tangent

# --- products ------------------------------------------------------------------------------------
# tensordot is bilinear: each factor's adjoint contracts the result's adjoint with the other
# factor over the other's free axes (tensordot_left/right put the axes back in place)


@adjoint(np.tensordot)
def _(y, a, b, axes=2):
    a_bar = tensordot_left(y_bar, a, b, axes)
    b_bar = tensordot_right(y_bar, a, b, axes)


@tangent(np.tensordot)
def _(y, a, b, axes=2):
    y_dot = np.tensordot(a_dot, b, axes) + np.tensordot(a, b_dot, axes)


declare(np.tensordot, static="axes")


# inner(a, b) = tensordot(a, b, ([-1], [-1])), or a * b when either is a number


@adjoint(np.inner)
def _(y, a, b):
    a_bar = tensordot_left(y_bar, a, b, inner_axes(a, b))
    b_bar = tensordot_right(y_bar, a, b, inner_axes(a, b))


@tangent(np.inner)
def _(y, a, b):
    y_dot = np.inner(a_dot, b) + np.inner(a, b_dot)


# kron(a, b), reshaped to (a0, b0, a1, b1, ...), is the outer product of a and b


@adjoint(np.kron)
def _(y, a, b):
    a_bar = unkron_left(y_bar, a, b)
    b_bar = unkron_right(y_bar, a, b)


@tangent(np.kron)
def _(y, a, b):
    y_dot = np.kron(a_dot, b) + np.kron(a, b_dot)


# y = a × b: ȳ · (a × b) = a · (b × ȳ) = b · (ȳ × a) (the triple product is cyclic)


@adjoint(np.cross)
def _(y, a, b):
    a_bar = unbroadcast(np.cross(b, cross_vectors(y_bar, a, b)), a)
    b_bar = unbroadcast(np.cross(cross_vectors(y_bar, a, b), a), b)


@tangent(np.cross)
def _(y, a, b):
    y_dot = np.cross(cross_vectors(a_dot, a, b), b) + np.cross(a, cross_vectors(b_dot, a, b))


# --- padding and splitting: linear maps ----------------------------------------------------------
# np.pad(x, w, constant_values=c) is x in the middle, c around: x's adjoint is the middle of the
# result's, c's (one number) the sum of the rest. The modes edge, reflect, symmetric and wrap fill
# the padding with copies of x's elements (those np.pad of x's element numbers names): x's adjoint
# adds each copy's adjoint onto its element (unpad). np.pad is linear in x in every mode: the
# tangent pads x's tangent alike.


@adjoint(np.pad)
def _(y, array, pad_width, mode="constant", constant_values=0):
    array_bar = unpad(y_bar, array, pad_width, mode)
    constant_values_bar = pad_constant_sum(y_bar, array, pad_width, constant_values)


@tangent(np.pad)
def _(y, array, pad_width, mode="constant", constant_values=0):
    y_dot = np.pad(array_dot, pad_width, pad_mode(mode)) + np.pad(
        np.zeros(np.shape(array)), pad_width, pad_mode(mode), constant_values=constant_values_dot
    )


declare(np.pad, static="pad_width mode")


# sliding_window_view(x, window_shape, axis) is a read-only view in which each element of x appears
# once per window holding it: x's adjoint adds every window's adjoint onto the elements it shows
# (the windows of x's element numbers say which); the tangent is the windows of x's tangent


@adjoint(np.lib.stride_tricks.sliding_window_view)
def _(y, x, window_shape, axis=None):
    x_bar = untake(y_bar, x, np.lib.stride_tricks.sliding_window_view(element_numbers(x), window_shape, axis))


@tangent(np.lib.stride_tricks.sliding_window_view)
def _(y, x, window_shape, axis=None):
    y_dot = np.lib.stride_tricks.sliding_window_view(x_dot, window_shape, axis)


declare(np.lib.stride_tricks.sliding_window_view, static="window_shape axis")
describe(np.lib.stride_tricks.sliding_window_view, keywords={"subok": None, "writeable": None})


@adjoint(np.split)
def _(y, ary, indices_or_sections, axis=0):
    ary_bar = unsplit(y_bar, ary, indices_or_sections, axis)


@tangent(np.split)
def _(y, ary, indices_or_sections, axis=0):
    y_dot = np.split(ary_dot, indices_or_sections, axis)


declare(np.split, static="indices_or_sections axis")


@adjoint(np.array_split)
def _(y, ary, indices_or_sections, axis=0):
    ary_bar = unsplit(y_bar, ary, indices_or_sections, axis)


@tangent(np.array_split)
def _(y, ary, indices_or_sections, axis=0):
    y_dot = np.array_split(ary_dot, indices_or_sections, axis)


declare(np.array_split, static="indices_or_sections axis")


# --- cumprod -------------------------------------------------------------------------------------
# y_i = a_0 ⋯ a_i, so ∂y_i/∂a_j = e_j a_{j+1} ⋯ a_i for j ≤ i, with e_j = a_0 ⋯ a_{j-1} = y_{j-1}
# (e_0 = 1): a_bar_j = e_j Σ_{i≥j} ȳ_i a_{j+1} ⋯ a_i (rev_recurrence) and y_dot_i = Σ_{j≤i}
# e_j ȧ_j a_{j+1} ⋯ a_i (fwd_recurrence). No division by a: exact where a has zeros.


@adjoint(np.cumprod)
def _(y, a, axis=None):
    a_bar = np.reshape(
        shift_down(y, cumprod_axis(axis), 1.0) * rev_recurrence(y_bar, flat_if_none(a, axis), cumprod_axis(axis)),
        np.shape(a),
    )


@tangent(np.cumprod)
def _(y, a, axis=None):
    y_dot = fwd_recurrence(
        flat_if_none(a_dot, axis) * shift_down(y, cumprod_axis(axis), 1.0),
        flat_if_none(a, axis),
        cumprod_axis(axis),
    )


declare(np.cumprod, static="axis")


# --- average: y = Σ a w / Σ w over axis (w = 1 without weights) -----------------------------------
# ∂y/∂a = w / Σw, ∂y/∂w = (a - y) / Σw


@adjoint(np.average)
def _(y, a, axis=None, weights=None, returned=False, *, keepdims=False):
    w = np.broadcast_to(average_weights(weights, a, axis, returned), np.shape(a))
    s = unreduce(y_bar, a, axis, keepdims) / np.sum(w, axis=axis, keepdims=True)
    a_bar = s * w
    weights_bar = unweights(s * (a - unreduce(y, a, axis, keepdims)), a, weights, axis)


@tangent(np.average)
def _(y, a, axis=None, weights=None, returned=False, *, keepdims=False):
    y_dot = (
        np.sum(a_dot * average_weights(weights, a, axis, returned), axis=axis, keepdims=keepdims)
        + np.sum(
            average_weights(weights_dot, a, axis, returned) * (a - unreduce(y, a, axis, keepdims)),
            axis=axis,
            keepdims=keepdims,
        )
    ) / np.sum(np.broadcast_to(average_weights(weights, a, axis, returned), np.shape(a)), axis=axis, keepdims=keepdims)


declare(np.average, static="axis returned keepdims")


# --- cholesky and eigh ---------------------------------------------------------------------------
# Both read one triangle of `a` only (the lower, or the upper for UPLO='U' / upper=True): they are
# functions of the symmetric S = from_triangle(a). For a symmetric dS, with <Ḡ, dS> the change of
# the output, a's adjoint is to_triangle(Ḡ) (Ḡ_ij + Ḡ_ji in the triangle read, 0 in the other).
#
# cholesky: S = L Lᵀ, dL = L Φ(L⁻¹ dS L⁻ᵀ) with Φ = tril_half (lower triangle, half diagonal), so
# <L̄, dL> = <L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, dS> (Φ is its own adjoint).


@adjoint(np.linalg.cholesky)
def _(y, a, *, upper=False):
    low = factor_lower(y, upper)
    inv = np.linalg.inv(low)
    g = np.swapaxes(inv, -1, -2) @ tril_half(np.swapaxes(low, -1, -2) @ factor_lower(y_bar, upper)) @ inv
    a_bar = to_triangle(g, triangle_of(upper))


@tangent(np.linalg.cholesky)
def _(y, a, *, upper=False):
    y_dot = factor_lower(
        factor_lower(y, upper)
        @ tril_half(
            np.linalg.inv(factor_lower(y, upper))
            @ from_triangle(a_dot, triangle_of(upper))
            @ np.swapaxes(np.linalg.inv(factor_lower(y, upper)), -1, -2)
        ),
        upper,
    )


declare(np.linalg.cholesky, static="upper")


# eigh: S = V diag(w) Vᵀ, dw_i = v_iᵀ dS v_i, dV = V (F ∘ Vᵀ dS V) with F_ij = 1 / (w_j - w_i)
# (eigh_gaps), so <w̄, dw> + <V̄, dV> = <V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ, dS>. eigh_gaps refuses
# (nearly) repeated eigenvalues when the eigenvectors' adjoint is nonzero.


@adjoint(np.linalg.eigh)
def _(y, a, UPLO="L"):
    vt = np.swapaxes(y[1], -1, -2)
    core = eigh_gaps(y[0], y_bar[1]) * (vt @ y_bar[1]) + np.expand_dims(y_bar[0], -1) * np.eye(
        np.shape(y[0])[-1], dtype=y[0].dtype
    )
    a_bar = to_triangle(y[1] @ core @ vt, UPLO)


@tangent(np.linalg.eigh)
def _(y, a, UPLO="L"):
    y_dot = (
        np.sum(y[1] * (from_triangle(a_dot, UPLO) @ y[1]), axis=-2),
        y[1] @ (eigh_gaps(y[0]) * (np.swapaxes(y[1], -1, -2) @ from_triangle(a_dot, UPLO) @ y[1])),
    )


declare(np.linalg.eigh, static="UPLO")


# --- matrix_power --------------------------------------------------------------------------------
# For a matrix function f, f([[A, E], [0, A]]) = [[f(A), Df(A)[E]], [0, f(A)]], and for
# f(A) = Aⁿ (n < 0 too: a power of A⁻¹) the adjoint of E ↦ Df(A)[E] is Ȳ ↦ Df(Aᵀ)[Ȳ].


@adjoint(np.linalg.matrix_power)
def _(y, a, n):
    a_bar = upper_right(np.linalg.matrix_power(block_upper(np.swapaxes(a, -1, -2), y_bar), n))


@tangent(np.linalg.matrix_power)
def _(y, a, n):
    y_dot = upper_right(np.linalg.matrix_power(block_upper(a, a_dot), n))


declare(np.linalg.matrix_power, static="n")

# result shapes (shape_facts.py)
describe(np.inner, np.kron, np.tensordot, shape=SHAPE_FIRST_TWO)
describe(np.cumprod, shape=SHAPE_FIRST)
describe(np.pad, shape=SHAPE_FIRST)
describe(np.lib.stride_tricks.sliding_window_view, shape=SHAPE_FIRST, views=True)
describe(np.average, np.cross, shape=SHAPE_FIRST_TWO)


# a complex Hermitian matrix's factor and eigenvectors need conjugates the rules above do not take
describe(np.linalg.cholesky, np.linalg.eigh, real_arguments=True)
