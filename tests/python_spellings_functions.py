"""Functions for tests/test_python_spellings.py: divmod, math.prod and assignment expressions
(`:=`) as students write them."""

import math

import numpy as np


def divmod_of_constants(x):
    q, r = divmod(7, 3)
    return np.sum(x**q) * r


def divmod_of_an_input(x):
    q, r = divmod(x[0], 0.7)  # q is piecewise constant, r = x0 - 0.7 q
    return q + r * x[1]


def divmod_of_an_array(x):
    q, r = divmod(x * 3.0, 1.3)
    return np.sum(q * x + r**2)


def prod_of_a_shape(x):
    n = math.prod(x.shape)
    return np.sum(x) / n


def prod_of_items(x):
    return math.prod([x[0], x[1], 2.0]) + math.prod(x)


def prod_with_start(x):
    return math.prod([x[0], x[1]], start=x[2])


def prod_with_a_zero(x):
    return math.prod([x[0], 0.0 * x[1], x[2]]) + math.prod(x[:3])


def prod_of_rows(X):
    return np.sum(math.prod(X) ** 2)


def walrus_in_a_value(x):
    s = (n := x.shape[0]) * 2
    return np.sum(x) / n + s


def walrus_in_a_test(x):
    if (s := np.sum(x**2)) > 1.0:
        return s * 2.0
    return s


def walrus_in_a_sequence(x):
    s = 0.0
    for v in (ys := x * 2.0):
        s = s + v * ys[0]
    return s


def walrus_read_before(x):
    return np.sum(x) * (x := x * 2.0)[0]  # np.sum reads the old x: not hoisted, refused


def walrus_in_a_while_test(x):
    s = x[0]
    while (t := s * 2.0) < 10.0:
        s = t
    return s


# ----------------------------------------------------------------- starred assignment targets


def starred_lstsq(A, b):
    x, *_ = np.linalg.lstsq(A, b, rcond=None)
    return np.sum(np.sin(x))


def starred_first_of_a_list(params):
    first, *others = params
    return np.sum(first**2) + np.sum(others[0] * others[1]) + float(len(others))


def starred_middle(params):
    a, *mid, c = params
    return np.sum(a * c) + sum(np.sum(m) ** 2 for m in mid)


def starred_rows_of_an_array(X):
    """The rest of an array's rows: a list of rows, as Python makes it."""
    top, *rest = X
    return np.sum(top * np.sin(np.stack(rest)))


def starred_nested(X):
    (a, *b), c = X[:2], X[2]
    return np.sum(a * c) + np.sum(b[0] ** 3)


def starred_too_short(params):
    a, *mid, c, d = params
    return np.sum(a * c * d)


def starred_item_written(params):
    first, *others = params
    w = others[0]
    w[0] = 0.0  # (writes into params[1]: others holds params' arrays)
    return np.sum(first * params[1]) + np.sum(w**2)
