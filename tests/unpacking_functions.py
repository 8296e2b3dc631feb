"""Functions that unpack sequences into names (test_unpacking.py)."""

import numpy as np


def fits_points(a, points):
    t = 0.0
    for x, y in points:
        t = t + (a * x - y) ** 2
    return t


def unpacks_layers(params, x):
    for layer in params:
        W, b = layer
        x = np.tanh(W @ x + b)
    return np.sum(x**2)


def unpacks_a_dict(params):
    a, b = params
    return a * b


BOUNDS = (-1.0, 1.0)
LIMITS = (np.nan, 1.0)


def clips_to_global_bounds(x):
    lo, hi = BOUNDS
    return np.sum(np.clip(x, lo, hi) ** 2)


def clips_to_limits_with_a_nan(x):
    lo, hi = LIMITS
    return np.sum(np.clip(x, -hi, hi) ** 2)


class Pair:
    """Read by position (`__getitem__`), no length."""

    def __init__(self, a, b):
        self.items = [a, b]

    def __getitem__(self, i):
        return self.items[i]


PAIR = Pair(2.0, 3.0)


def unpacks_an_object_read_by_position(x):
    a, b = PAIR
    return x * a * b
