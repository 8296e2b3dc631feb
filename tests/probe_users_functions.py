"""Functions written as students and practitioners write them, found wanting by a probe of
astgrad on code nobody on the team wrote (tests/test_probe_users.py)."""

import numpy as np


def prod_and_sum(x):
    return np.prod(x) + np.sum(x)


def squared_row_products(x):
    return np.sum(np.prod(x, axis=1) ** 2)


def sine_of_column_products(x):
    return np.sum(np.sin(np.prod(x, axis=0, keepdims=True)))


def products_over_two_axes(x):
    return np.sum(np.prod(x, axis=(0, 2)))
