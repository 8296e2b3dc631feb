"""Rows for the np.linalg rules added for breadth (svd with vectors, qr, pinv, lstsq, the matrix and
infinity norms, multi_dot, eigvalsh, NumPy 2's np.linalg names): user-style functions and samplers.

Each row is (id, function, samplers, wrt), as in tests/rule_cases_more.py. Functions of singular
or QR vectors are invariant under the sign choices of the factorisation (u vᵀ products, Q Qᵀ,
Q R, |u|...), so their derivatives exist.
"""

from __future__ import annotations

import numpy as np

from tests.rule_cases_more import normal, spd, square


def svd_reconstruct(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin((u * s) @ vh))


def svd_vectors_tall(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin(u @ u.T)) + np.sum(np.cos(vh.T @ vh) * s[0])


def svd_vectors_wide(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin(u[:, :1] @ vh[:1, :])) + np.sum(s**2)


def svd_square_full(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(np.sin(u[:, 1:2] * vh[1:2, :])) + np.sum(np.abs(u[:, 0]))


def svd_stacked(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin(u[..., :, :1] @ vh[..., :1, :])) + np.sum(np.log(s))


def svd_values(a):
    return np.sum(np.sin(np.linalg.svd(a, compute_uv=False)))


def qr_product(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q @ np.diag(np.diag(r)) @ q.T)) + np.sum(np.cos(q * np.sign(np.diag(r))))


def qr_square(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q * np.sign(np.diag(r)))) + np.sum(np.sin(r * np.sign(np.diag(r))[:, None]))


def qr_r_only(a):
    r = np.linalg.qr(a, mode="r")
    return np.sum(np.sin(r * r))


def qr_stacked(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q @ np.swapaxes(q, -1, -2))) + np.sum(np.abs(r))


def pinv_tall(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def pinv_wide(a):
    return np.sum(np.sin(np.linalg.pinv(a) * np.arange(12.0).reshape(4, 3)))


def pinv_square(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def lstsq_solution(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(np.sin(x))


def lstsq_matrix_rhs(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + np.sum(res * np.array([1.0, 2.0])) + np.sum(s)


def lstsq_underdetermined(a, b):
    x = np.linalg.lstsq(a, b)[0]
    return np.sum(np.sin(x))


def norm_matrix_2(a):
    return np.sin(np.linalg.norm(a, 2))


def norm_matrix_neg2(a):
    return np.sin(np.linalg.norm(a, ord=-2))


def norm_nuc(a):
    return np.sin(np.linalg.norm(a, "nuc"))


def norm_matrix_1(a):
    return np.sin(np.linalg.norm(a, 1))


def norm_matrix_neg1(a):
    return np.sin(np.linalg.norm(a, -1))


def norm_matrix_inf(a):
    return np.sin(np.linalg.norm(a, np.inf))


def norm_matrix_neg_inf(a):
    return np.sin(np.linalg.norm(a, -np.inf))


def norm_matrix_axes(a):
    return np.sum(np.sin(np.linalg.norm(a, 2, axis=(0, 2))))


def norm_vector_inf(a):
    return np.sum(np.sin(np.linalg.norm(a, np.inf, axis=1)))


def norm_vector_neg_inf(a):
    return np.sin(np.linalg.norm(a, -np.inf))


def norm_fro_keepdims(a):
    return np.sum(np.sin(np.linalg.norm(a, "fro", axis=(1, 2), keepdims=True)) * a)


def matrix_norm_default(a):
    return np.sum(np.sin(np.linalg.matrix_norm(a)))


def matrix_norm_nuc(a):
    return np.sum(np.sin(np.linalg.matrix_norm(a, ord="nuc", keepdims=True)))


def multi_dot_three(a, b, c):
    return np.sum(np.sin(np.linalg.multi_dot([a, b, c])))


def multi_dot_vectors(v, b, c, w):
    return np.sin(np.linalg.multi_dot([v, b, c, w]))


def eigvalsh_of(a):
    return np.sum(np.sin(np.linalg.eigvalsh(a)))


def eigvalsh_upper(a):
    return np.sum(np.sin(np.linalg.eigvalsh(a, UPLO="U")))


def svdvals_of(a):
    return np.sum(np.sin(np.linalg.svdvals(a)))


def linalg_matrix_transpose(a, b):
    return np.sum(np.sin(np.linalg.matrix_transpose(a) @ b))


def linalg_vecdot(a, b):
    return np.sum(np.sin(np.linalg.vecdot(a, b)))


def linalg_outer(a, b):
    return np.sum(np.sin(np.linalg.outer(a, b)))


def linalg_matmul(a, b):
    return np.sum(np.sin(np.linalg.matmul(a, b)))


def linalg_tensordot(a, b):
    return np.sum(np.sin(np.linalg.tensordot(a, b, axes=1)))


def linalg_diagonal(a):
    return np.sum(np.sin(np.linalg.diagonal(a, offset=1)))


def linalg_trace(a):
    return np.sum(np.sin(np.linalg.trace(a)))


def distinct_singular(*shape):
    """Matrices U diag(s) Vᵀ with singular values well apart (1, 2, 3, ...)."""

    def sample(rng):
        m, n = shape[-2:]
        k = min(m, n)
        u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))
        v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))
        s = rng.permutation(np.arange(1.0, k + 1.0)) * 0.7 + 0.3
        return (u * s) @ np.swapaxes(v, -1, -2)

    return sample


def distinct_sums(*shape):
    """Matrices whose column sums and row sums of |x| are well apart (ord ±1, ±inf)."""

    def sample(rng):
        x = rng.uniform(0.2, 1.0, shape) * rng.choice([-1.0, 1.0], shape)
        return x * (1.0 + np.arange(shape[-1]))[None, :] * (1.0 + 0.5 * np.arange(shape[-2]))[:, None] ** 0.5

    return sample


def distinct_values(*shape):
    def sample(rng):
        n = int(np.prod(shape))
        return rng.permutation(np.arange(n) * 0.3 - 0.15 * n + 0.05).reshape(shape)

    return sample


LINALG_EXTRA_CASES = [
    ("np.linalg.svd:reconstruct", svd_reconstruct, [distinct_singular(4, 3)], 0),
    ("np.linalg.svd:vectors_tall", svd_vectors_tall, [distinct_singular(5, 3)], 0),
    ("np.linalg.svd:vectors_wide", svd_vectors_wide, [distinct_singular(3, 5)], 0),
    ("np.linalg.svd:square_full", svd_square_full, [distinct_singular(3, 3)], 0),
    ("np.linalg.svd:stacked", svd_stacked, [distinct_singular(2, 4, 3)], 0),
    ("np.linalg.svd:values", svd_values, [distinct_singular(4, 3)], 0),
    ("np.linalg.qr", qr_product, [normal(5, 3)], 0),
    ("np.linalg.qr:square", qr_square, [square(3, 3)], 0),
    ("np.linalg.qr:r", qr_r_only, [normal(4, 3)], 0),
    ("np.linalg.qr:stacked", qr_stacked, [normal(2, 4, 3)], 0),
    ("np.linalg.pinv:tall", pinv_tall, [normal(4, 3)], 0),
    ("np.linalg.pinv:wide", pinv_wide, [normal(3, 4)], 0),
    ("np.linalg.pinv:square", pinv_square, [square(3, 3)], 0),
    ("np.linalg.lstsq", lstsq_solution, [normal(5, 3), normal(5)], (0, 1)),
    ("np.linalg.lstsq:matrix_rhs", lstsq_matrix_rhs, [normal(5, 3), normal(5, 2)], (0, 1)),
    ("np.linalg.lstsq:underdetermined", lstsq_underdetermined, [normal(2, 4), normal(2)], (0, 1)),
    ("np.linalg.norm:2", norm_matrix_2, [distinct_singular(4, 3)], 0),
    ("np.linalg.norm:-2", norm_matrix_neg2, [distinct_singular(3, 4)], 0),
    ("np.linalg.norm:nuc", norm_nuc, [distinct_singular(4, 3)], 0),
    ("np.linalg.norm:1", norm_matrix_1, [distinct_sums(3, 4)], 0),
    ("np.linalg.norm:-1", norm_matrix_neg1, [distinct_sums(3, 4)], 0),
    ("np.linalg.norm:inf", norm_matrix_inf, [distinct_sums(3, 4)], 0),
    ("np.linalg.norm:-inf", norm_matrix_neg_inf, [distinct_sums(3, 4)], 0),
    ("np.linalg.norm:2_axes", norm_matrix_axes, [normal(3, 2, 4)], 0),
    ("np.linalg.norm:vector_inf", norm_vector_inf, [distinct_values(3, 4)], 0),
    ("np.linalg.norm:vector_neg_inf", norm_vector_neg_inf, [distinct_values(5)], 0),
    ("np.linalg.norm:fro_keepdims", norm_fro_keepdims, [normal(2, 3, 4)], 0),
    ("np.linalg.matrix_norm", matrix_norm_default, [normal(2, 3, 4)], 0),
    ("np.linalg.matrix_norm:nuc", matrix_norm_nuc, [distinct_singular(2, 3, 4)], 0),
    ("np.linalg.multi_dot", multi_dot_three, [normal(2, 3), normal(3, 4), normal(4, 2)], (0, 1, 2)),
    (
        "np.linalg.multi_dot:vectors",
        multi_dot_vectors,
        [normal(3), normal(3, 4), normal(4, 2), normal(2)],
        (0, 1, 2, 3),
    ),
    ("np.linalg.eigvalsh", eigvalsh_of, [spd(3, 3)], 0),
    ("np.linalg.eigvalsh:upper", eigvalsh_upper, [normal(3, 3)], 0),
    ("np.linalg.svdvals", svdvals_of, [distinct_singular(2, 4, 3)], 0),
    ("np.linalg.matrix_transpose", linalg_matrix_transpose, [normal(3, 4), normal(3, 2)], (0, 1)),
    ("np.linalg.vecdot", linalg_vecdot, [normal(3, 4), normal(4)], (0, 1)),
    ("np.linalg.outer", linalg_outer, [normal(3), normal(4)], (0, 1)),
    ("np.linalg.matmul", linalg_matmul, [normal(2, 3, 4), normal(4, 2)], (0, 1)),
    ("np.linalg.tensordot", linalg_tensordot, [normal(3, 4), normal(4, 2)], (0, 1)),
    ("np.linalg.diagonal", linalg_diagonal, [normal(2, 3, 4)], 0),
    ("np.linalg.trace", linalg_trace, [normal(2, 3, 3)], 0),
]


def pinv_keywords(a):
    return np.sum(np.sin(np.linalg.pinv(a, rcond=1e-12, hermitian=False)))


def linalg_keywords(a, b):
    return np.sum(np.sin(np.linalg.vecdot(a, b, axis=0))) + np.sin(np.linalg.trace(a[:3], offset=1))


LINALG_EXTRA_CASES += [
    ("np.linalg.pinv:keywords", pinv_keywords, [normal(4, 3)], 0),
    ("np.linalg.vecdot_trace:keywords", linalg_keywords, [normal(4, 4), normal(4, 1)], (0, 1)),
]
