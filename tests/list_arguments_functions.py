"""Functions of a list (or tuple) of floats whose derivative comes from several places
(test_list_arguments.py): the adjoints of the list add item by item."""

import math

import numpy as np


def helper_mean(vals):
    return sum(vals) / len(vals)


def sum_and_first(xs):
    return sum(xs) + xs[0]


def sum_twice(xs):
    return sum(xs) + sum(xs)


def weighted_mean(xs, ws):
    return sum(x * w for x, w in zip(xs, ws)) / sum(ws)


def unpacked_and_summed(x):
    x1, x2, x3 = x
    return x1 * x2 + sum(x) * x3


def first_plus_mean(xs):
    return xs[0] + sum(xs) / len(xs)


def spread_above_the_mean(xs):
    mean = sum(xs) / len(xs)
    return max(v - mean for v in xs)


def sum_times_squares(xs):
    s = sum(xs)
    t = 0.0
    for v in xs:
        t += v * v
    return s * t


def mean_by_a_helper(xs):
    return helper_mean(xs) + xs[0] * xs[1]


def fsum_sorted_and_copied(xs):
    return math.fsum(xs) + sorted(xs)[0] + list(xs)[1]


def product_and_a_slice(xs):
    return math.prod(xs) + xs[2] * sum(xs[1:])


def last_and_dot(xs):
    return xs[-1] * 2 + np.dot(xs, xs)


def largest_and_dot(xs):
    return max(xs) + np.dot(xs, xs)


def tail_summed_and_head_squared(a, xs):
    out = []
    for x in xs:
        out.append(a * x * x)
    return sum(out[1:]) + out[0] ** 2
