"""Functions that store values into arrays whose dtype may be integer (test_integer_stores.py)."""

import numpy as np


def fills_zeros_like(x):
    out = np.zeros_like(x)
    for i in range(len(x)):
        out[i] = np.sin(x[i]) * 2.5
    return np.sum(out)


def halves_its_input_in_place(x):
    x[0] = x[0] * 0.5
    return np.sum(x * x)


def fills_an_int_array(w):
    out = np.zeros(3, dtype=int)
    out[0] = w * 1.7
    return out.sum() * w


def fills_a_preallocated_array(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = x[i] ** 2
    return np.sum(out)


def floors_into_indices(x):
    idx = np.zeros(3, dtype=int)
    for i in range(3):
        idx[i] = np.floor(x[i] * 2)
    return np.sum(x[idx % 3] ** 2)


def compares_into_a_mask(x):
    mask = np.zeros(3, dtype=bool)
    for i in range(3):
        mask[i] = x[i] > 0
    return np.sum(np.where(mask, x, 0.0) ** 2)


def counts_into_ints(x):
    counts = np.zeros(2, dtype=int)
    counts[0] = len(x)
    counts[1] = np.sum(x > 0)
    k = np.zeros(2, dtype=int)
    k[0] = np.argmax(x)
    k[1] = int(x[0] * 3)
    return np.sum(x**2) * counts[1] + np.sum(x[:2] * k)


def numpy_power_of_a_number(x):
    return np.power(x, 2.5)


def python_power_of_a_number(x):
    return x**2.5


def numpy_power_of_an_array(x):
    return np.sum(np.power(x, 1.5))
