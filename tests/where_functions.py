"""Functions whose np.where branches are NaN or infinite where they are not selected (the
reverse pass must not turn the where-adjoint's exact zeros into 0 * inf = NaN there)."""

import numpy as np


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def entropy(p):
    return -np.sum(np.where(p > 0, p * np.log(p), 0.0))


def sqrt_ratio(x):
    return np.sum(np.where(x >= 0, np.sqrt(x) / (1 + x), 0.0))


def log1p_neg(x):
    return np.sum(np.where(x < 1, np.log1p(-x), 0.0))


def reciprocal(x):
    return np.sum(np.where(x != 0, 1 / x, 0.0))


def second_branch(x):
    return np.sum(np.where(x <= 0, 0.0, np.sqrt(x)))


def nested(x):
    # at x = 0 the inner branch sqrt(x) is selected by the inner where but not by the outer one
    return np.sum(np.where(x != 0, np.where(x >= 0, np.sqrt(x), 2 * x), 5.0))


def result_reused(x):
    y = np.where(x > 0, np.sqrt(x), 0.0)
    return np.sum(y * y + 3 * y)


def in_loop(x):
    total = 0.0
    for i in range(3):
        c = x > i
        total = total + np.sum(np.where(c, np.sqrt(x - i), 0.0))
    return total


def scalar_branch(x):
    return np.where(x > 0, x * np.sqrt(x), 0.0)


def broadcast_condition(x, w):
    # the condition (n, 1) broadcasts into the branch (n, m)
    return np.sum(np.where(x[:, None] > 0, np.log(x[:, None] * w), 0.0))


def used_outside(x):
    s = np.sqrt(x)
    return np.sum(np.where(x > 0, s, 0.0)) + np.sum(s)


def both_branches(x):
    return np.sum(np.where(x > 0, np.sqrt(x), x * x))


def wider_condition(x):
    # the branch (n,) is broadcast by a (2, n) condition: no mask of the branch's shape
    c = np.stack([x > 0, x > 1])
    return np.sum(np.where(c, np.sqrt(x), 0.0))


def max_log(x):
    # at x = 0 log is -inf and the maximum chooses 0.0: log's slope (inf) must not reach x
    return np.sum(np.maximum(2 * np.log(x) + 1, 0.0))


def min_reciprocal(x):
    # at x = 0, 1 / x is inf and the minimum chooses 1.0: the slope -1 / x**2 must not reach x
    return np.sum(np.minimum(1.0, 1 / x))


def max_in_loop(x):
    total = 0.0
    for i in range(2):
        total = total + np.sum(np.maximum(np.log(x + i) + 0.5, 0.0))
    return total


def relu_layer(W, x):
    return np.sum(np.maximum(W @ x + 1.0, 0.0))
