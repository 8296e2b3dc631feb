"""More np.linalg rules: qr, pinv, lstsq, multi_dot, eigvalsh, matrix_norm and svdvals, and the
array-API names of np.linalg (matrix_transpose, vecdot, outer, matmul, tensordot, trace,
diagonal, cross). The matrix norms of np.linalg.norm are in runtime.norm_weight; svd with vectors
with the other svd rule in linalg_rules.py. The derivations are in the docstrings of the runtime
helpers (runtime/linalg.py); argument forms they do not handle (qr of a wide matrix, pinv with
hermitian=True, repeated singular values with the vectors used) raise ValueError there.
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import (
    eigvalsh_vectors,
    from_triangle,
    lstsq_adjoint,
    lstsq_tangent,
    matmul_left,
    matmul_right,
    multi_dot_adjoint,
    multi_dot_tangent,
    norm_weight,
    pinv_adjoint,
    pinv_tangent,
    qr_adjoint,
    qr_tangent,
    singular_values_adjoint,
    singular_values_tangent,
    tensordot_left,
    tensordot_right,
    to_triangle,
    unbroadcast,
    undiagonal,
    unreduce,
)
from .registry import SHAPE_FIRST, SHAPE_FIRST_TWO, adjoint, declare, describe, tangent

L = np.linalg

# --- factorisations and solutions ----------------------------------------------------------------


@adjoint(L.qr)
def _(y, a, mode="reduced"):
    a_bar = qr_adjoint(y_bar, y, a, mode)


@tangent(L.qr)
def _(y, a, mode="reduced"):
    y_dot = qr_tangent(a_dot, y, a, mode)


declare(L.qr, static="mode")


@adjoint(L.pinv)
def _(y, a, rcond=None, hermitian=False):
    a_bar = pinv_adjoint(y_bar, y, a, hermitian)


@tangent(L.pinv)
def _(y, a, rcond=None, hermitian=False):
    y_dot = pinv_tangent(a_dot, y, a, hermitian)


declare(L.pinv, static="rcond hermitian")


@adjoint(L.lstsq)
def _(y, a, b, rcond=None):
    a_bar = lstsq_adjoint(y_bar, y, a, b, rcond, 0)
    b_bar = lstsq_adjoint(y_bar, y, a, b, rcond, 1)


@tangent(L.lstsq)
def _(y, a, b, rcond=None):
    y_dot = lstsq_tangent(a_dot, b_dot, y, a, b, rcond)


declare(L.lstsq, static="rcond")


@adjoint(L.multi_dot)
def _(y, arrays):
    arrays_bar = multi_dot_adjoint(y_bar, arrays)


@tangent(L.multi_dot)
def _(y, arrays):
    y_dot = multi_dot_tangent(arrays_dot, arrays)


# eigvalsh: dwᵢ = vᵢᵀ dS vᵢ of the symmetric S read from one triangle (as eigh's values)


@adjoint(L.eigvalsh)
def _(y, a, UPLO="L"):
    v = eigvalsh_vectors(a, UPLO)
    a_bar = to_triangle((v * np.expand_dims(y_bar, -2)) @ np.swapaxes(v, -1, -2), UPLO)


@tangent(L.eigvalsh)
def _(y, a, UPLO="L"):
    y_dot = np.sum(eigvalsh_vectors(a, UPLO) * (from_triangle(a_dot, UPLO) @ eigvalsh_vectors(a, UPLO)), axis=-2)


declare(L.eigvalsh, static="UPLO")
describe(L.qr, L.eigvalsh, real_arguments=True)  # (complex: conjugate transposes these rules do not take)

# --- NumPy 2: the array-API names of np.linalg ------------------------------------------------------

if hasattr(L, "matrix_norm"):

    @adjoint(L.matrix_norm)
    def _(y, x, *, keepdims=False, ord="fro"):
        x_bar = unreduce(y_bar, x, (-2, -1), keepdims) * norm_weight(x, y, ord, (-2, -1), keepdims)

    @tangent(L.matrix_norm)
    def _(y, x, *, keepdims=False, ord="fro"):
        y_dot = np.real(np.sum(x_dot * norm_weight(x, y, ord, (-2, -1), keepdims), axis=(-2, -1), keepdims=keepdims))

    declare(L.matrix_norm, static="keepdims ord")

    @adjoint(L.svdvals)
    def _(y, x):
        x_bar = singular_values_adjoint(y_bar, x, False)

    @tangent(L.svdvals)
    def _(y, x):
        y_dot = singular_values_tangent(x_dot, x, False)

    describe(L.svdvals, real_arguments=True)  # (as np.linalg.svd's)

    @adjoint(L.matrix_transpose)
    def _(y, x):
        x_bar = np.swapaxes(y_bar, -1, -2)

    @tangent(L.matrix_transpose)
    def _(y, x):
        y_dot = np.swapaxes(x_dot, -1, -2)

    @adjoint(L.vecdot)
    def _(y, x1, x2, *, axis=-1):
        x1_bar = unbroadcast(np.conj(np.expand_dims(y_bar, axis) * x2), x1)
        x2_bar = unbroadcast(np.expand_dims(y_bar, axis) * np.conj(x1), x2)

    @tangent(L.vecdot)
    def _(y, x1, x2, *, axis=-1):
        y_dot = np.linalg.vecdot(x1_dot, x2, axis=axis) + np.linalg.vecdot(x1, x2_dot, axis=axis)

    declare(L.vecdot, static="axis")

    @adjoint(L.outer)
    def _(y, x1, x2):
        x1_bar = np.dot(y_bar, x2)
        x2_bar = np.dot(x1, y_bar)

    @tangent(L.outer)
    def _(y, x1, x2):
        y_dot = np.linalg.outer(x1_dot, x2) + np.linalg.outer(x1, x2_dot)

    @adjoint(L.matmul)
    def _(y, x1, x2):
        x1_bar = matmul_left(y_bar, x1, x2)
        x2_bar = matmul_right(y_bar, x1, x2)

    @tangent(L.matmul)
    def _(y, x1, x2):
        y_dot = np.linalg.matmul(x1_dot, x2) + np.linalg.matmul(x1, x2_dot)

    @adjoint(L.tensordot)
    def _(y, x1, x2, *, axes=2):
        x1_bar = tensordot_left(y_bar, x1, x2, axes)
        x2_bar = tensordot_right(y_bar, x1, x2, axes)

    @tangent(L.tensordot)
    def _(y, x1, x2, *, axes=2):
        y_dot = np.linalg.tensordot(x1_dot, x2, axes=axes) + np.linalg.tensordot(x1, x2_dot, axes=axes)

    declare(L.tensordot, static="axes")

    @adjoint(L.diagonal)
    def _(y, x, *, offset=0):
        x_bar = undiagonal(y_bar, x, offset, -2, -1)

    @tangent(L.diagonal)
    def _(y, x, *, offset=0):
        y_dot = np.linalg.diagonal(x_dot, offset=offset)

    declare(L.diagonal, static="offset")

    @adjoint(L.trace)
    def _(y, x, *, offset=0):
        x_bar = undiagonal(
            np.broadcast_to(np.expand_dims(y_bar, -1), np.shape(np.linalg.diagonal(x, offset=offset))),
            x,
            offset,
            -2,
            -1,
        )

    @tangent(L.trace)
    def _(y, x, *, offset=0):
        y_dot = np.linalg.trace(x_dot, offset=offset)

    declare(L.trace, static="offset")

# the result's shape follows from the operands' shapes (shape_facts.py; a stand-in a factorisation
# rejects, a singular one, leaves the shape unknown)
describe(
    L.qr, L.svd, L.pinv, L.slogdet, L.eigh, L.eigvalsh, L.cholesky, L.det, L.inv, L.matrix_power, L.multi_dot,
    shape=SHAPE_FIRST,
)  # fmt: skip
describe(L.lstsq, L.solve, shape=SHAPE_FIRST_TWO)
if hasattr(L, "matrix_norm"):  # NumPy 2's names
    describe(L.svdvals, L.matrix_norm, L.matrix_transpose, L.diagonal, L.trace, shape=SHAPE_FIRST)
    describe(L.matmul, L.outer, L.tensordot, L.vecdot, shape=SHAPE_FIRST_TWO)
if hasattr(L, "vector_norm"):
    describe(L.vector_norm, shape=SHAPE_FIRST)
