"""NumPy calls writing into an output argument, or allowed to destroy their input
(test_output_arguments.py)."""

import numpy as np

W = np.array([1.0, -2.0, 0.5, 3.0])


def method_sum_into(x):
    z = np.zeros(4)
    x.sum(axis=0, out=z)
    return np.sum(np.sin(z) * W)


def method_sum_into_by_position(x):
    z = np.zeros(4)
    x.sum(0, None, z)
    return np.sum(np.sin(z) * W)


def sum_into_by_position(x):
    z = np.zeros(4)
    np.sum(x, 0, None, z)
    return np.sum(np.sin(z) * W)


def clip_in_place_by_position(x):
    y = x * 1.0
    np.clip(y, -0.5, 0.5, y)
    return np.sum(y * y)


def method_clip_in_place(x):
    y = x * 1.0
    y.clip(min=0.0, out=y)
    return np.sum(y * y)


def max_into_by_position(x):
    z = np.zeros(4)
    np.max(x, 0, z)
    return np.sum(z * W)


def median_destroying_a_temporary(x):
    return np.sum(np.median(x * 1.0, axis=0, overwrite_input=True) * W)


def quantile_destroying_an_input_read_after(x):
    y = np.exp(x)
    q = np.quantile(y, 0.7, overwrite_input=True)
    return q * np.sum(y * y)


def median_destroying_by_position(x):
    y = x**3
    return np.median(y, None, None, True) * np.sum(x)
