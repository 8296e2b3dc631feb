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
