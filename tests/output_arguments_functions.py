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


def sum_assigned_and_written(x):
    z = np.zeros(4)
    w = np.sum(x, axis=0, out=z)
    return np.sum(np.sin(w) * W)


def into_a_new_array(x):
    return np.sum(np.maximum(x, 0.0, out=np.zeros_like(x)) * W)


def exp_in_place_where(x):
    y = x * 1.0
    np.exp(y, out=y, where=x > 0)
    return np.sum(y * W)


def clip_in_place_while_a_row_is_held(x):
    y = x * 1.0
    r = y[0]
    np.clip(y, -0.5, 0.5, out=y)
    return np.sum(y) + np.sum(r)
