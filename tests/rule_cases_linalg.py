"""Rows for the np.linalg rules (norm, det, slogdet, inv, solve): user-style functions and samplers.

Each row of LINALG_CASES is (id, function, samplers, wrt): one sampler per argument, mapping a
numpy Generator to the argument's value. Matrices are well conditioned (a random matrix plus
3·identity) and norms are taken away from zero, where they have a kink. This module imports
nothing from the test files, so tests/test_rules.py can import it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

Sampler = Callable[[np.random.Generator], Any]


# ==================================================================================== samplers


def normal(*shape: int) -> Sampler:
    """Standard normal values."""
    return lambda rng: rng.standard_normal(shape)


def nonzero(*shape: int) -> Sampler:
    """|x| in [0.3, 1.5), either sign: away from the kink of |x| at 0."""
    return lambda rng: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.5, shape)


def square(*shape: int, negate_row: bool = False) -> Sampler:
    """A stack of well-conditioned square matrices (last two axes): normal entries plus 3·identity,
    optionally with the first row negated (a negative determinant)."""

    def sample(rng: np.random.Generator) -> np.ndarray:
        m = rng.standard_normal(shape) + 3.0 * np.eye(shape[-1])
        if negate_row:
            m[..., 0, :] *= -1.0
        return m

    return sample


# ==================================================================================== norm


def norm_default(x):
    return np.sin(np.linalg.norm(x))


def norm_ord_none_keyword(x):
    return np.sum(np.sin(np.linalg.norm(x, ord=None, axis=1)))


def norm_axis0(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=0)))


def norm_axis_neg1_keepdims(x):
    return np.sum(np.sin(x / np.linalg.norm(x, axis=-1, keepdims=True)))


def norm_keepdims(x):
    return np.sum(np.sin(x * np.linalg.norm(x, keepdims=True)))


def norm_axes_tuple(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=(1, 2))))


def norm_fro(x):
    return np.sin(np.linalg.norm(x, "fro"))


def norm_fro_axes(x):
    return np.sum(np.sin(np.linalg.norm(x, ord="fro", axis=(0, 2))))


def norm_ord2_positional(x):
    return np.sin(np.linalg.norm(x, 2))


def norm_ord1(x):
    return np.sin(np.linalg.norm(x, ord=1))


def norm_ord3_axis1(x):
    return np.sum(np.sin(np.linalg.norm(x, ord=3, axis=1)))


def norm_ord_half(x):
    return np.sin(np.linalg.norm(x, ord=0.5))


def norm_ord_neg1_axis0_keepdims(x):
    return np.sum(np.sin(x * np.linalg.norm(x, ord=-1, axis=0, keepdims=True)))


def normalize_rows(x, y):
    n = np.linalg.norm(x - y, axis=1)
    return np.sum(np.sin(n)) + np.sum(n * n)


# ================================================================================ determinants


def det_of(x):
    return np.sin(np.linalg.det(x))


def det_batch(x):
    return np.sum(np.sin(np.linalg.det(x)))


def log_det(x):
    return np.log(np.abs(np.linalg.det(x)))


def det_product(x, y):
    return np.linalg.det(x @ y) * np.linalg.det(x)


def slogdet_unpacked(x):
    sign, logabsdet = np.linalg.slogdet(x)
    return np.sin(logabsdet) * sign


def slogdet_indexed_batch(x):
    return np.sum(np.sin(np.linalg.slogdet(x)[1]))


# ========================================================================== inverse and solve


def inv_of(x):
    return np.sum(np.sin(np.linalg.inv(x)))


def inv_times(x, y):
    return np.sum(np.sin(np.linalg.inv(x) @ y))


def inv_twice(x):
    return np.sum(np.sin(np.linalg.inv(np.linalg.inv(x) + 2.0 * np.eye(3))))


def solve_of(a, b):
    return np.sum(np.sin(np.linalg.solve(a, b)))


def solve_quadratic_form(a, b):
    return b @ np.linalg.solve(a, b)


# ======================================================================================= rows

# shapes NumPy 1 and 2 read alike: b is a vector only when it is 1-d and a is a single matrix
_SOLVE_SHAPES = [
    ("mat,vec", (3, 3), (3,)),
    ("mat,mat", (3, 3), (3, 2)),
    ("batch,batch", (2, 3, 3), (2, 3, 2)),
    ("mat,batch", (3, 3), (2, 3, 2)),
    ("broadcast-batch", (2, 1, 3, 3), (1, 4, 3, 2)),
]
if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # a 1-d b is a vector, any other b matrices
    _SOLVE_SHAPES += [("batch,vec", (2, 3, 3), (3,)), ("batch,mat", (2, 3, 3), (3, 2))]
else:  # NumPy 1: b is a stack of vectors when b.ndim == a.ndim - 1
    _SOLVE_SHAPES += [("batch,stacked-vecs", (2, 3, 3), (2, 3)), ("broadcast-stacked-vecs", (2, 1, 3, 3), (1, 4, 3))]

LINALG_CASES: list[tuple[str, Callable, tuple[Sampler, ...], Any]] = (
    [
        ("np.linalg.norm:vec", norm_default, (normal(5),), 0),
        ("np.linalg.norm:mat", norm_default, (normal(3, 4),), 0),
        ("np.linalg.norm:3d", norm_default, (normal(2, 3, 4),), 0),
        ("np.linalg.norm:ord=None,axis=1", norm_ord_none_keyword, (normal(3, 4),), 0),
        ("np.linalg.norm:axis=0", norm_axis0, (normal(3, 4),), 0),
        ("np.linalg.norm:axis=-1,keepdims", norm_axis_neg1_keepdims, (normal(3, 4),), 0),
        ("np.linalg.norm:3d,axis=-1,keepdims", norm_axis_neg1_keepdims, (normal(2, 3, 4),), 0),
        ("np.linalg.norm:keepdims", norm_keepdims, (normal(3, 4),), 0),
        ("np.linalg.norm:axis=(1,2)", norm_axes_tuple, (normal(2, 3, 4),), 0),
        ("np.linalg.norm:fro", norm_fro, (normal(3, 4),), 0),
        ("np.linalg.norm:fro,axis=(0,2)", norm_fro_axes, (normal(2, 3, 4),), 0),
        ("np.linalg.norm:vec,ord=2", norm_ord2_positional, (normal(5),), 0),
        ("np.linalg.norm:vec,ord=1", norm_ord1, (nonzero(5),), 0),
        ("np.linalg.norm:ord=3,axis=1", norm_ord3_axis1, (nonzero(3, 4),), 0),
        ("np.linalg.norm:vec,ord=0.5", norm_ord_half, (nonzero(5),), 0),
        ("np.linalg.norm:ord=-1,axis=0,keepdims", norm_ord_neg1_axis0_keepdims, (nonzero(3, 4),), 0),
        ("np.linalg.norm:rows-of-difference", normalize_rows, (normal(4, 3), normal(3)), (0, 1)),
        ("np.linalg.det", det_of, (square(3, 3),), 0),
        ("np.linalg.det:1x1", det_of, (square(1, 1),), 0),
        ("np.linalg.det:negative", det_of, (square(3, 3, negate_row=True),), 0),
        ("np.linalg.det:batch", det_batch, (square(2, 3, 3),), 0),
        ("np.linalg.det:log|det|", log_det, (square(4, 4, negate_row=True),), 0),
        ("np.linalg.det:product", det_product, (square(3, 3), square(3, 3)), (0, 1)),
        ("np.linalg.slogdet:unpacked", slogdet_unpacked, (square(3, 3, negate_row=True),), 0),
        ("np.linalg.slogdet:indexed,batch", slogdet_indexed_batch, (square(2, 3, 3, negate_row=True),), 0),
        ("np.linalg.inv", inv_of, (square(3, 3),), 0),
        ("np.linalg.inv:batch", inv_of, (square(2, 3, 3),), 0),
        ("np.linalg.inv:times", inv_times, (square(3, 3), normal(3, 2)), (0, 1)),
        ("np.linalg.inv:twice", inv_twice, (square(3, 3),), 0),
        ("np.linalg.solve:quadratic-form", solve_quadratic_form, (square(4, 4), normal(4)), (0, 1)),
    ]
    + [(f"np.linalg.solve:{name}", solve_of, (square(*sa), normal(*sb)), (0, 1)) for name, sa, sb in _SOLVE_SHAPES]
    + [
        ("np.linalg.solve:wrt-a", solve_of, (square(3, 3), normal(3)), 0),
        ("np.linalg.solve:wrt-b", solve_of, (square(2, 3, 3), normal(2, 3, 2)), 1),
        ("np.linalg.solve:wrt-b,mat,vec", solve_of, (square(3, 3), normal(3)), 1),
    ]
)
