"""Rows for the NumPy spellings a probe of user code found refused (tests/test_rules_user_numpy.py):
np.select and np.choose, np.meshgrid, np.max / np.min with `initial` and `where`, np.sum and np.mean with
`where`. Row format: tests/rule_rows.py. (np.pad's copying modes and
sliding_window_view: tests/rule_cases_more.py.)"""

from __future__ import annotations

import numpy as np


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def pyfloat(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


def weighted(y):
    """A sum that tells the elements of `y` apart."""
    return np.sum(np.sin(y) * np.cos(np.arange(np.size(y)) * 0.7).reshape(np.shape(y)))


# --------------------------------------------------------------------------- select and choose


def select_of(x, y):
    return weighted(np.select([x > 0.3, x < -0.5], [x * y, np.sin(x)], default=y**2))


def select_broadcast(x, c, r):
    """Choices of shapes (3, 1) and (4,), a number as the default, conditions of shape (3, 4)."""
    return weighted(np.select([x > 0.0, x < -0.7], [c * 2.0, r], c[0, 0] * r[1]))


def select_default_scalar(x, d):
    return weighted(np.select([x > 0.5], [x], d))


def choose_of(x, y):
    k = np.array([0, 1, 1, 0, 2, 1])
    return weighted(np.choose(k, [x, y * 2.0, x * y]))


def choose_clip(x, y):
    k = np.array([[-1, 0, 3], [1, 5, 0]])
    return weighted(np.choose(k, (x, np.exp(y)), mode="clip"))


def choose_wrap_array(a):
    k = np.array([0, 2, 3, 1, -1])
    return weighted(np.choose(k, a * a, mode="wrap"))


# ---------------------------------------------------------------------------------- meshgrid


def meshgrid_xy(x, y):
    X, Y = np.meshgrid(x, y)
    return weighted(X**2 * Y)


def meshgrid_ij_sparse(x, y):
    X, Y = np.meshgrid(np.sin(x), y, indexing="ij", sparse=True)
    return weighted(X * Y + Y**2)


def meshgrid_three_one_used(x, y, z):
    """A 2-d input (flattened), the result kept as one tuple, one output not used."""
    grids = np.meshgrid(x, y, z, indexing="xy", sparse=False)
    return weighted(grids[0] * grids[2])


def meshgrid_four(a, b, c, d):
    A, B, C, D = np.meshgrid(a, b, c, d, indexing="ij")
    return weighted(A * B + C * np.cos(D))


# ------------------------------------------------------- reductions with `where` and `initial`


def sum_where(x):
    return np.sum(x**2, where=x > 0.0) + weighted(np.sum(np.sin(x), axis=1, keepdims=True, where=x < 0.4))


def sum_initial(x, c):
    return weighted(np.sum(x, axis=0, initial=c)) + np.sum(x**2, initial=c * c, where=x < 0.3)


def sum_initial_of_a_constant(c):
    """Only the initial value carries a derivative: its tangent spreads over the sums."""
    return weighted(np.sum(np.ones((2, 3)), axis=1, initial=c))


def mean_where(x):
    return weighted(np.mean(x**2, axis=0, where=x > -0.3)) + np.mean(np.exp(x), where=np.array([True, False, True]))


def max_initial(x, c):
    """The initial value is the result in some columns and not in others."""
    return weighted(np.max(x, axis=0, initial=c)) + np.max(x, initial=c * 0.5)


def max_initial_where(x, c):
    return weighted(np.max(x, axis=1, initial=c, where=x < 0.5)) + x.max(initial=c * 0.5)


def amax_initial(x, c):
    return weighted(np.amax(x, axis=1, keepdims=True, initial=c, where=x > -0.2))


def min_initial(x, c):
    return weighted(np.min(x, axis=0, initial=c)) + np.min(x, initial=-c, where=x > 0.0)


def amin_initial(x, c):
    return weighted(np.amin(x, axis=1, initial=c, where=x < 0.6))


def max_negative_initial(x):
    """A negative literal as the initial value: the rule's branch for it is chosen when the code is made."""
    return np.sum(np.max(x, axis=(0, 1), keepdims=True, initial=-1.0, where=x > 0.2) ** 2)


def choose_method(x):
    k = np.array([1, 0, 1, 0, 1, 1])
    return weighted(k.choose([x, -x * 3.0]))


USER_NUMPY_CASES = [
    ("np.select", select_of, [normal(6), normal(6)], (0, 1)),
    ("np.select:broadcast", select_broadcast, [normal(3, 4), normal(3, 1), normal(4)], (1, 2)),
    ("np.select:default", select_default_scalar, [normal(2, 3), pyfloat(-1.0, 1.0)], (0, 1)),
    ("np.choose", choose_of, [normal(6), normal(6)], (0, 1)),
    ("np.choose:clip", choose_clip, [normal(2, 3), normal(3)], (0, 1)),
    ("np.choose:wrap,array", choose_wrap_array, [normal(3, 5)], 0),
    ("np.meshgrid", meshgrid_xy, [normal(3), normal(4)], (0, 1)),
    ("np.meshgrid:ij,sparse", meshgrid_ij_sparse, [normal(3), normal(2)], (0, 1)),
    ("np.meshgrid:three", meshgrid_three_one_used, [normal(2, 2), normal(3), normal(2)], (0, 1, 2)),
    ("np.meshgrid:four", meshgrid_four, [normal(2), normal(3), normal(2), normal(2)], (0, 1, 2, 3)),
    ("np.sum:where", sum_where, [normal(2, 3)], 0),
    ("np.sum:initial", sum_initial, [normal(2, 3), pyfloat(-1.0, 1.0)], (0, 1)),
    ("np.sum:initial,constant", sum_initial_of_a_constant, [pyfloat(-1.0, 1.0)], 0),
    ("np.mean:where", mean_where, [normal(2, 3)], 0),
    ("np.max:initial", max_initial, [normal(4, 3), pyfloat(-0.2, 0.2)], (0, 1)),
    ("np.max:initial,where", max_initial_where, [normal(3, 4), pyfloat(-0.2, 0.2)], (0, 1)),
    ("np.amax:initial,where", amax_initial, [normal(3, 4), pyfloat(-0.1, 0.3)], (0, 1)),
    ("np.min:initial,where", min_initial, [normal(4, 3), pyfloat(-0.2, 0.2)], (0, 1)),
    ("np.max:negative-initial", max_negative_initial, [normal(2, 3, 2)], 0),
    ("x.choose", choose_method, [normal(6)], 0),
    ("np.amin:initial,where", amin_initial, [normal(3, 4), pyfloat(-0.2, 0.2)], (0, 1)),
]
