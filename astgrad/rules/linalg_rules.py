"""Rules of np.linalg: norm, det, slogdet, inv and solve, for single and stacked (batched) matrices.

Matrices are the last two axes of an array, as in np.linalg; every template works on stacks by
transposing with np.swapaxes(·, -1, -2) and multiplying with `@`, and sums over broadcast batch
axes with unbroadcast. The templates call only functions that have rules themselves, so the gradients
they generate can be differentiated again (hessian, grad of grad).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from .. import runtime as rt
from ..runtime import norm_weight, real_norm_order, solve_columns, unbroadcast, unreduce
from .registry import SHAPE_FIRST, adjoint, declare, describe, nondifferentiable, tangent

# --- norm ----------------------------------------------------------------------------------------
# norm_weight is ∂y/∂x elementwise (x / y for the default and Frobenius norms, sign(x) (|x| / y)^(p-1)
# for a vector p-norm); it raises for the norms it has no derivative for (matrix 2-norm, nuclear,
# ±inf, ord=0), so an unsupported `ord` stops the gradient instead of giving a wrong one.


@adjoint(np.linalg.norm)
def _(y, x, ord=None, axis=None, keepdims=False):
    x_bar = unreduce(y_bar, x, axis, keepdims) * norm_weight(x, y, ord, axis, keepdims)


@tangent(np.linalg.norm)
def _(y, x, ord=None, axis=None, keepdims=False):
    y_dot = np.real(np.sum(x_dot * norm_weight(x, y, ord, axis, keepdims), axis=axis, keepdims=keepdims))


declare(np.linalg.norm, static="ord axis keepdims")


# --- determinants: d det(a) = det(a) tr(a⁻¹ da) ----------------------------------------------


@adjoint(np.linalg.det)
def _(y, a):
    a_bar = np.expand_dims(y_bar * y, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.det)
def _(y, a):
    y_dot = y * np.trace(np.linalg.solve(a, a_dot), axis1=-2, axis2=-1)


# y = (sign, logabsdet): the sign is piecewise constant; its adjoint y_bar[0] is ignored


@adjoint(np.linalg.slogdet)
def _(y, a):
    a_bar = np.expand_dims(y_bar[1], (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.slogdet)
def _(y, a):
    y_dot = (np.zeros_like(y[0]), np.trace(np.linalg.solve(a, a_dot), axis1=-2, axis2=-1))


# --- inverse and solve: d(a⁻¹) = -a⁻¹ da a⁻¹ ------------------------------------------------------


@adjoint(np.linalg.inv)
def _(y, a):
    a_bar = -(np.swapaxes(y, -1, -2) @ y_bar @ np.swapaxes(y, -1, -2))


@tangent(np.linalg.inv)
def _(y, a):
    y_dot = -(y @ a_dot @ y)


# x = solve(a, b): b's adjoint g solves aᵀ g = x_bar, a's is -g xᵀ; solve_columns writes a
# right-hand side NumPy reads as a vector as a one-column matrix, so one formula serves both


@adjoint(np.linalg.solve)
def _(x, a, b):
    g = np.linalg.solve(np.swapaxes(a, -1, -2), solve_columns(x_bar, a, b))
    a_bar = unbroadcast(-(g @ np.swapaxes(solve_columns(x, a, b), -1, -2)), a)
    b_bar = unbroadcast(np.reshape(g, np.shape(x)), b)


@tangent(np.linalg.solve)
def _(x, a, b):
    x_dot = np.reshape(
        np.linalg.solve(a, solve_columns(b_dot, a, b) - a_dot @ solve_columns(x, a, b)),
        np.shape(x),
    )


# --- the runtime helpers the templates above call, so their gradients differentiate again ------


@adjoint(rt.solve_columns)
def _(y, v, a, b):
    v_bar = np.reshape(y_bar, np.shape(v))


@tangent(rt.solve_columns)
def _(y, v, a, b):
    y_dot = solve_columns(v_dot, a, b)


declare(rt.solve_columns, static="a b")


# w = sign(x) (|x| / y)^(p-1) with y spread over the reduced axes:
# dw = (p-1) / y ((|x| / y)^(p-2) dx - w dy)


@adjoint(rt.norm_weight)
def _(w, x, y, ord=None, axis=None, keepdims=False):
    s = (real_norm_order(ord, axis, x) - 1.0) * w_bar / unreduce(y, x, axis, keepdims)
    x_bar = s * (np.abs(x) / unreduce(y, x, axis, keepdims)) ** (real_norm_order(ord, axis, x) - 2.0)
    y_bar = -np.sum(s * w, axis=axis, keepdims=keepdims)


@tangent(rt.norm_weight)
def _(w, x, y, ord=None, axis=None, keepdims=False):
    w_dot = (
        (real_norm_order(ord, axis, x) - 1.0)
        * (
            (np.abs(x) / unreduce(y, x, axis, keepdims)) ** (real_norm_order(ord, axis, x) - 2.0) * x_dot
            - w * unreduce(y_dot, x, axis, keepdims)
        )
        / unreduce(y, x, axis, keepdims)
    )


declare(rt.norm_weight, static="ord axis keepdims")


nondifferentiable(rt.norm_order, rt.real_norm_order)


# --- singular value decomposition: values alone (dσⱼ = uⱼᵀ da vⱼ), or with the vectors (distinct
# nonzero values; full_matrices=False unless square; runtime.svd_adjoint / svd_tangent)


@adjoint(np.linalg.svd)
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    a_bar = rt.svd_adjoint(y_bar, y, a, full_matrices, compute_uv, hermitian)


@tangent(np.linalg.svd)
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    y_dot = rt.svd_tangent(a_dot, y, a, full_matrices, compute_uv, hermitian)


declare(np.linalg.svd, static="full_matrices compute_uv hermitian")
describe(np.linalg.svd, real_arguments=True)  # (a complex matrix's singular vectors: not differentiated)
# (NumPy 2's named results: `np.linalg.eigh(a).eigenvalues`)
describe(np.linalg.svd, fields=("U", "S", "Vh"))
describe(np.linalg.eig, np.linalg.eigh, fields=("eigenvalues", "eigenvectors"))
describe(np.linalg.qr, fields=("Q", "R"))
describe(np.linalg.slogdet, fields=("sign", "logabsdet"))

describe(np.linalg.norm, shape=SHAPE_FIRST)  # (shape_facts.py)
