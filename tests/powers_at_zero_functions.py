"""Powers whose exponent may be 0, or whose base may be 0 (test_powers_at_zero.py)."""

import numpy as np


def power_zero_plus_x(x):
    return np.sum(x**0 + x)


def polynomial_in_a_loop(c, x):
    pred = np.zeros_like(x)
    for k in range(c.shape[0]):
        pred = pred + c[k] * x**k
    return np.sum(pred**2)


def polynomial_of_a_number(x):
    return x**0 + x**2 + 3.0 * x**3


def power_by_a_parameter(x, p):
    return np.sum(x**p)


def numpy_powers(x):
    return np.sum(np.power(x, 0) + np.power(x, 2))


def taylor_series(x):
    s = 0.0
    for k in range(4):
        s = s + x**k / (k + 1.0)
    return s
