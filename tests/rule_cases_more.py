"""Rows for the rules of rules/more_rules.py (tensordot, inner, kron, cross, pad, cumprod, average,
split, array_split, linalg.cholesky, linalg.eigh, linalg.matrix_power): user-style functions and
samplers.

Each row of MORE_CASES is (id, function, samplers, wrt): one sampler per argument, mapping a numpy
Generator to the argument's value. Each function reads its result out through something like
np.sum(np.sin(...)), so the adjoint reaching the rule is not uniform. Symmetric matrices are
positive definite (cholesky) or have eigenvalues at least 0.5 apart (eigh); eigenvector functions
do not depend on the eigenvectors' signs. This module imports nothing from the test files.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Sampler = Callable[[np.random.Generator], Any]


# ==================================================================================== samplers


def normal(*shape: int) -> Sampler:
    """Standard normal values."""
    return lambda rng: rng.standard_normal(shape)


def positive(*shape: int) -> Sampler:
    """Values in [0.5, 2)."""
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def pyfloat(lo: float, hi: float) -> Sampler:
    """A Python float in [lo, hi)."""
    return lambda rng: float(rng.uniform(lo, hi))


def with_zeros(*shape: int, zeros: int = 1) -> Sampler:
    """Values in ±[0.5, 1.5) with `zeros` entries set to exactly 0 (cumprod's adjoint must not
    divide by them)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)
        flat = x.reshape(-1)
        flat[rng.choice(flat.size, zeros, replace=False)] = 0.0
        return x

    return sample


def square(*shape: int) -> Sampler:
    """Well-conditioned square matrices (last two axes): normal entries / 2 plus the identity."""
    return lambda rng: 0.5 * rng.standard_normal(shape) + np.eye(shape[-1])


def spd(*shape: int) -> Sampler:
    """Symmetric positive definite matrices (last two axes): B Bᵀ + n·identity."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        b = rng.standard_normal(shape)
        return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])

    return sample


def separated(*shape: int) -> Sampler:
    """Symmetric matrices Q diag(w) Qᵀ with eigenvalues at least 0.5 apart (random Q, shuffled w)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        n = shape[-1]
        q, _ = np.linalg.qr(rng.standard_normal(shape))
        w = rng.permuted(np.broadcast_to(np.arange(n) * 0.8 - 1.0, shape[:-1]), axis=-1)
        w = w + rng.uniform(-0.15, 0.15, shape[:-1])
        return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)

    return sample


# ============================================================================ products


def tensordot_default(a, b):
    return np.sum(np.sin(np.tensordot(a, b)))


def tensordot_axes1(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=1)))


def tensordot_axes0(a, b):
    return np.sum(np.sin(np.tensordot(a, b, 0)))


def tensordot_pairs(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=([1, 0], [0, 2]))))


def tensordot_int_pair(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=(0, 1))))


def tensordot_full(a, b):
    return np.sin(np.tensordot(a, b, axes=2))


def tensordot_self(a):
    return np.sum(np.sin(np.tensordot(a, a, axes=([0], [1]))))


def inner_vectors(a, b):
    return np.sin(np.inner(a, b))


def inner_matrices(a, b):
    return np.sum(np.sin(np.inner(a, b)))


def inner_number(c, b):
    return np.sum(np.sin(np.inner(c, b)))


def kron_of(a, b):
    return np.sum(np.sin(np.kron(a, b)))


def kron_self(a):
    return np.sum(np.sin(np.kron(a, a)))


def cross_of(a, b):
    return np.sum(np.sin(np.cross(a, b)))


def cross_twice(a, b):
    return np.sum(np.sin(np.cross(a, np.cross(a, b))))


# =================================================================== padding and splitting


def pad_int(x):
    return np.sum(np.sin(np.pad(x, 1)))


def pad_pairs(x):
    return np.sum(np.sin(np.pad(x, ((1, 2), (0, 3)))))


def pad_positional_mode(x):
    return np.sum(np.sin(np.pad(x, 2, "constant")))


def pad_constant(x, c):
    return np.sum(np.sin(np.pad(x, (2, 1), mode="constant", constant_values=c)))


def pad_constant_keyword_only(x):
    return np.sum(np.sin(np.pad(x, [1, 2], constant_values=0.5)))


def _weighted(p):
    """A sum that tells the padded positions apart."""
    return np.sum(np.sin(p) * np.cos(np.arange(np.size(p)) * 0.7).reshape(np.shape(p)))


def pad_edge(x):
    return _weighted(np.pad(x, ((1, 2), (3, 0)), mode="edge"))


def pad_reflect_wider_than_x(x):
    return _weighted(np.pad(x, (2, 5), "reflect"))


def pad_symmetric(x):
    return _weighted(np.pad(x, ((2, 1), (1, 3)), mode="symmetric"))


def pad_wrap(x):
    return _weighted(np.pad(x, 4, mode="wrap"))


def windows(x):
    w = sliding_window_view(x, 3)
    return np.sum(np.max(w, axis=1) ** 2) + _weighted(w)


def windows_of_rows(x):
    w = np.lib.stride_tricks.sliding_window_view(x, (2,), axis=(1,))
    return _weighted(w * w)


def windows_2d(x):
    w = sliding_window_view(x, window_shape=(2, 3), axis=None)
    return np.sum(np.mean(w, axis=(-1, -2)) ** 2) + _weighted(w)


def split_unpacked(x):
    a, b, c = np.split(x, 3)
    return np.sum(np.sin(a)) + np.sum(b * c)


def split_one_piece_used(x):
    a, b = np.split(x, 2, axis=1)
    return np.sum(np.sin(b))


def split_indices_axis1(x):
    parts = np.split(x, [1, 3], axis=1)
    return np.sum(np.sin(parts[0])) + np.sum(np.cos(parts[2]) * parts[1][:, :1])


def split_loop(x):
    total = 0.0
    for part in np.split(x, 2):
        total = total + np.sum(np.sin(part * part))
    return total


def array_split_uneven(x):
    a, b, c = np.array_split(x, 3)
    return np.sum(np.sin(a)) + np.sum(np.cos(b)) * np.sum(c)


def array_split_axis(x):
    parts = np.array_split(x, 2, axis=-1)
    return np.sum(np.sin(parts[1])) + np.sum(parts[0] ** 3)


# ========================================================================= cumprod, average


def cumprod_vector(x):
    return np.sum(np.sin(np.cumprod(x)))


def cumprod_flattened(x):
    return np.sum(np.sin(np.cumprod(x)))


def cumprod_axis0(x):
    return np.sum(np.sin(np.cumprod(x, axis=0)))


def cumprod_axis_neg1(x):
    return np.sum(np.sin(np.cumprod(x, -1)))


def average_all(x):
    return np.sin(np.average(x))


def average_axis(x):
    return np.sum(np.sin(np.average(x, axis=0)))


def average_keepdims(x):
    return np.sum(np.sin(x - np.average(x, axis=1, keepdims=True)))


def average_weighted(x, w):
    return np.sin(np.average(x, weights=w))


def average_weighted_axis(x, w):
    return np.sum(np.sin(np.average(x, axis=1, weights=w)))


def average_weighted_positional(x, w):
    return np.sum(np.sin(np.average(x, 0, w)))


def average_weighted_axes(x, w):
    return np.sum(np.sin(np.average(x, axis=(2, 0), weights=w)))


# ========================================================================= np.linalg


def cholesky_of(a):
    return np.sum(np.sin(np.linalg.cholesky(a)))


def cholesky_upper(a):
    return np.sum(np.sin(np.linalg.cholesky(a, upper=True)))


def cholesky_logdet(a):
    low = np.linalg.cholesky(a)
    n = np.arange(len(low))
    return 2.0 * np.sum(np.log(low[n, n]))


def cholesky_of_gram(b):
    a = b @ b.T + 3.0 * np.eye(3)
    low = np.linalg.cholesky(a)
    return np.sum(np.sin(low)) + np.sum(low * low)


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w))


def eigh_vectors(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(v * v) * np.expand_dims(w, -2))


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(np.sin(w)) + np.sum(np.cos(v[0] * v[1]))


def eigh_indexed(a):
    return np.sum(np.sin(np.linalg.eigh(a)[1] ** 2))


def eigh_of_sum(b):
    w, v = np.linalg.eigh(b + b.T)
    return np.sum(np.sin(w)) + np.sum(np.sin(v**2) * np.arange(3.0))


def matrix_power_of(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 3)))


def matrix_power_zero(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 0) + a))


def matrix_power_one(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 1)))


def matrix_power_five(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 5)))


def matrix_power_negative(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, -2)))


# ======================================================================================= rows

MORE_CASES: list[tuple[str, Callable, tuple[Sampler, ...], Any]] = [
    ("np.tensordot:default", tensordot_default, (normal(2, 3, 4), normal(3, 4, 2)), (0, 1)),
    ("np.tensordot:axes=1", tensordot_axes1, (normal(3, 4), normal(4, 2)), (0, 1)),
    ("np.tensordot:axes=0", tensordot_axes0, (normal(2, 2), normal(3)), (0, 1)),
    ("np.tensordot:pairs", tensordot_pairs, (normal(3, 4, 2), normal(4, 5, 3)), (0, 1)),
    ("np.tensordot:int-pair", tensordot_int_pair, (normal(3, 4), normal(2, 3)), (0, 1)),
    ("np.tensordot:full", tensordot_full, (normal(3, 4), normal(3, 4)), (0, 1)),
    ("np.tensordot:wrt-a", tensordot_pairs, (normal(3, 4, 2), normal(4, 5, 3)), 0),
    ("np.tensordot:wrt-b", tensordot_axes1, (normal(3, 4), normal(4, 2)), 1),
    ("np.tensordot:self", tensordot_self, (normal(3, 3),), 0),
    ("np.inner:vectors", inner_vectors, (normal(4), normal(4)), (0, 1)),
    ("np.inner:matrices", inner_matrices, (normal(2, 4), normal(3, 4)), (0, 1)),
    ("np.inner:3d,wrt-a", inner_matrices, (normal(2, 2, 3), normal(3)), 0),
    ("np.inner:number", inner_number, (pyfloat(0.5, 1.5), normal(3)), (0, 1)),
    ("np.kron:1d", kron_of, (normal(3), normal(2)), (0, 1)),
    ("np.kron:2d", kron_of, (normal(2, 3), normal(2, 2)), (0, 1)),
    ("np.kron:1d,2d", kron_of, (normal(3), normal(2, 2)), (0, 1)),
    ("np.kron:2d,wrt-b", kron_of, (normal(2, 2), normal(3, 2)), 1),
    ("np.kron:self", kron_self, (normal(2, 2),), 0),
    ("np.cross:vectors", cross_of, (normal(3), normal(3)), (0, 1)),
    ("np.cross:stacked", cross_of, (normal(4, 3), normal(4, 3)), (0, 1)),
    ("np.cross:broadcast", cross_of, (normal(2, 4, 3), normal(3)), (0, 1)),
    ("np.cross:twice,wrt-a", cross_twice, (normal(4, 3), normal(4, 3)), 0),
    ("np.pad:int", pad_int, (normal(3, 4),), 0),
    ("np.pad:pairs", pad_pairs, (normal(3, 4),), 0),
    ("np.pad:positional-mode", pad_positional_mode, (normal(4),), 0),
    ("np.pad:constant-values", pad_constant, (normal(3, 2), pyfloat(-1.0, 1.0)), (0, 1)),
    ("np.pad:constant-values,wrt-c", pad_constant, (normal(3, 2), pyfloat(-1.0, 1.0)), 1),
    ("np.pad:literal-constant", pad_constant_keyword_only, (normal(2, 3),), 0),
    ("np.pad:edge", pad_edge, (normal(3, 2),), 0),
    ("np.pad:reflect-wider", pad_reflect_wider_than_x, (normal(3),), 0),
    ("np.pad:symmetric", pad_symmetric, (normal(3, 4),), 0),
    ("np.pad:wrap", pad_wrap, (normal(2, 3),), 0),
    ("sliding_window_view", windows, (normal(6),), 0),
    ("sliding_window_view:axis", windows_of_rows, (normal(3, 4),), 0),
    ("sliding_window_view:2d", windows_2d, (normal(3, 4),), 0),
    ("np.split:unpacked", split_unpacked, (normal(6, 2),), 0),
    ("np.split:one-piece-used", split_one_piece_used, (normal(3, 4),), 0),
    ("np.split:indices,axis=1", split_indices_axis1, (normal(2, 5),), 0),
    ("np.split:loop", split_loop, (normal(4, 3),), 0),
    ("np.array_split:uneven", array_split_uneven, (normal(7),), 0),
    ("np.array_split:axis=-1", array_split_axis, (normal(2, 5),), 0),
    ("np.cumprod:vector", cumprod_vector, (positive(5),), 0),
    ("np.cumprod:flattened", cumprod_flattened, (normal(3, 4),), 0),
    ("np.cumprod:axis=0", cumprod_axis0, (normal(3, 4),), 0),
    ("np.cumprod:axis=-1", cumprod_axis_neg1, (normal(2, 3, 4),), 0),
    ("np.cumprod:one-zero", cumprod_vector, (with_zeros(6),), 0),
    ("np.cumprod:two-zeros", cumprod_vector, (with_zeros(6, zeros=2),), 0),
    ("np.cumprod:zeros,axis=0", cumprod_axis0, (with_zeros(4, 3, zeros=3),), 0),
    ("np.cumprod:zeros,flattened", cumprod_flattened, (with_zeros(3, 3, zeros=2),), 0),
    ("np.average:all", average_all, (normal(3, 4),), 0),
    ("np.average:axis=0", average_axis, (normal(3, 4),), 0),
    ("np.average:keepdims", average_keepdims, (normal(3, 4),), 0),
    ("np.average:weights", average_weighted, (normal(3, 4), positive(3, 4)), (0, 1)),
    ("np.average:weights,axis=1", average_weighted_axis, (normal(3, 4), positive(4)), (0, 1)),
    ("np.average:weights,same-shape,axis=1", average_weighted_axis, (normal(3, 4), positive(3, 4)), (0, 1)),
    ("np.average:weights,positional", average_weighted_positional, (normal(3, 2), positive(3)), (0, 1)),
    ("np.average:weights,axes", average_weighted_axes, (normal(2, 3, 4), positive(4, 2)), (0, 1)),
    ("np.average:wrt-weights", average_weighted_axis, (normal(3, 4), positive(4)), 1),
    ("np.linalg.cholesky", cholesky_of, (spd(3, 3),), 0),
    ("np.linalg.cholesky:batch", cholesky_of, (spd(2, 3, 3),), 0),
    ("np.linalg.cholesky:logdet", cholesky_logdet, (spd(4, 4),), 0),
    ("np.linalg.cholesky:gram", cholesky_of_gram, (normal(3, 2),), 0),
    ("np.linalg.eigh:values", eigh_values, (separated(3, 3),), 0),
    ("np.linalg.eigh:vectors", eigh_vectors, (separated(3, 3),), 0),
    ("np.linalg.eigh:UPLO=U", eigh_upper, (separated(3, 3),), 0),
    ("np.linalg.eigh:batch", eigh_vectors, (separated(2, 3, 3),), 0),
    ("np.linalg.eigh:indexed", eigh_indexed, (separated(4, 4),), 0),
    ("np.linalg.eigh:of-sum", eigh_of_sum, (normal(3, 3),), 0),
    ("np.linalg.matrix_power:3", matrix_power_of, (square(3, 3),), 0),
    ("np.linalg.matrix_power:0", matrix_power_zero, (square(3, 3),), 0),
    ("np.linalg.matrix_power:1", matrix_power_one, (square(2, 2),), 0),
    ("np.linalg.matrix_power:5", matrix_power_five, (square(3, 3),), 0),
    ("np.linalg.matrix_power:-2", matrix_power_negative, (square(3, 3),), 0),
    ("np.linalg.matrix_power:batch", matrix_power_of, (square(2, 3, 3),), 0),
]
if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # np.linalg.cholesky(a, upper=True) is new in NumPy 2
    MORE_CASES.append(("np.linalg.cholesky:upper", cholesky_upper, (spd(3, 3),), 0))
