"""`tuple(...)` as users write it (test_tuples.py)."""

import numpy as np


def sums_over_the_trailing_axes(x):
    return np.sum(np.sum(x**2, axis=tuple(range(1, x.ndim))) * np.arange(2.0))


def concatenates_a_tuple_of_a_generator(x):
    parts = tuple(x[i] * 2.0 for i in range(2))
    return np.sum(np.concatenate(parts) ** 2)


def rows_as_a_tuple(x):
    rows = tuple(x)
    return np.sum(rows[0] * rows[1] ** 2)


def a_tuple_and_its_list(x):
    parts = [x[0] * 2.0, x[1] ** 2]
    t = tuple(parts)
    return np.sum(t[0] * t[1]) + np.sum(parts[0] ** 2) + np.sum(np.stack(t))


def a_tuple_of_floats(x):
    xs = [float(v) for v in x.ravel()]
    t = tuple(xs)
    return sum(t) * t[0] + xs[1] ** 2


def a_tuple_joined_to_a_constant(t, a):
    u = t + (3.0,)
    return u[-1] * a + u[0]
