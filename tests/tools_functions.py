"""Functions the tests of astgrad.tools and of the command line work on (test_tools.py, test_cli.py)."""

import numpy as np

import astgrad


def lecture(x1, x2):
    """The lecture's running example."""
    return x1 * x2 + np.sin(x1)


def signed_squares(x, n):
    """A loop with a branch: x[i]**2 where x[i] > 0, -x[i] elsewhere, summed over the first n."""
    s = 0.0
    for i in range(n):
        if x[i] > 0:
            s = s + x[i] * x[i]
        else:
            s = s - x[i]
    return s


def logistic(w, X, y, lam):
    """The lecture's logistic regression loss with L2 regularisation."""
    p = 1.0 / (1.0 + np.exp(-y * (X @ w)))
    return -np.mean(np.log(p)) + lam * np.sum(w * w)


def cube(x):
    return x * x * x


def wrong_cube(x):
    """A function whose registered derivative is wrong on purpose (3x instead of 3x²): what the
    gradient check is for."""
    return cube(x)


@astgrad.adjoint(cube)
def _(y, x):
    x_bar = y_bar * 3.0 * x  # noqa: F841, F821 (a template: spliced, never called)


def raises(x):
    raise ValueError("the user's function failed")
