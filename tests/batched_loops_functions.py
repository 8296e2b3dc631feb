"""Loops over listed floats whose backward steps share nothing but sums (test_batched_loops.py)."""

import math

import numpy as np

from benchmarks.variants import fit_index, fit_pairs, fit_zip  # noqa: F401  (the suite's own spellings)


def fit_pairs_by_index(a, b, points):
    total = 0.0
    for i in range(len(points)):
        total -= -((a * points[i][0] + b - points[i][1]) ** 2)
    return total


def weighted_by_position(a, b, xs, ys):
    total = 0.0
    for i in range(len(xs)):
        r = (a * xs[i] - b / (1.0 + i)) * (i + 1) - ys[i]
        total = total + r * r / (1.0 + b * b) - a
    return total


def rational_terms(a, b, xs, ys):
    s = 0.0
    for x, y in zip(xs, ys):
        s += -(a * x) / (2.0 + b * b) + (y - a) ** 3 / 10.0
    return s * a


def carried_state(a, b, xs, ys):
    s = 0.0
    for x in xs:
        s = a * s + b * x  # (each step reads the last: not batched)
    return s


def branch_in_the_loop(a, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        r = a * x + b - y
        if r > 0:
            total += r * r
        else:
            total -= r
    return total


def a_call_in_the_loop(a, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += math.sin(a * x) * (y - b)
    return total


def a_choice_in_the_loop(a, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += max(a * x - y, b * x)  # (Python's max of two: no ufunc of NumPy's is the same)
    return total


def more_indices_than_data(a, b, xs, ys):
    total = 0.0
    for i in range(len(xs)):
        total += (a * xs[i] - ys[i]) ** 2
    return total


def variance_of_elements(x, mu):
    s = 0.0
    for i in range(len(x)):
        s += (x[i] - mu) ** 2
    return s / len(x)


def scaled_elements(x, c):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + c * x[i] * x[i] - x[i] / (1.0 + c * c)
    return total


def line_fit_on_array_rows(a, b, data):
    total = 0.0
    for i in range(len(data)):
        total += (a * data[i, 0] + b - data[i, 1]) ** 2
    return total


def line_fit_on_rows_by_name(a, b, data):
    total = 0.0
    for row in data:
        total += (a * row[0] + b - row[1]) ** 2
    return total


def first_m_terms(a, xs, m):
    inv = 1.0 / (1.0 + a * a)
    total = 0.0
    for i in range(m):
        total += a * xs[i] * inv
    return total


def logistic_loss_on_lists(w, b, xs, ys):
    loss = 0.0
    for x, y in zip(xs, ys):
        p = 1.0 / (1.0 + math.exp(-(w * x + b)))
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return loss / len(xs)


def smooth_absolute_errors(a, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += np.sqrt(1.0 + (a * x + b - y) ** 2) + abs(math.tanh(a)) * math.atan(x * b)
    return total


def powers_of_the_index(a, xs):
    s = 0.0
    for i in range(len(xs)):
        s += a * xs[i] * math.pow(i + 1, -1) + (a * xs[i]) ** 2 * float(i) ** 13 * 1e-15
    return s


def made_list_fit(a, b, xs, ys):
    residuals = [a * x + b - y for x, y in zip(xs, ys)]
    return sum(r * r for r in residuals) / len(residuals)


def squares_of_a_list(xs):
    return sum(x * x for x in xs)


def appended_then_indexed(a, b, xs, ys):
    errors = []
    for i in range(len(xs)):
        errors.append(a * xs[i] + b - ys[i])
    total = 0.0
    for i in range(len(errors)):
        total = total + math.exp(-errors[i] * errors[i]) * a
    return total


def residuals_read_twice(a, b, xs, ys):
    rs = [a * x + b - y for x, y in zip(xs, ys)]
    mean = sum(rs) / len(rs)
    return sum((r - mean) ** 2 for r in rs) + mean * b


def centred_by_an_array_mean(a, b, xs, ys):
    m = np.mean(np.array(ys))
    total = 0.0
    for x, y in zip(xs, ys):
        total += (a * x + b - (y - m)) ** 2
    return total


def residuals_and_a_carried_state(a, b, xs, ys):
    rs = [a * x + b - y for x, y in zip(xs, ys)]
    total = sum(r * r for r in rs)
    s = 0.0
    for r in rs:
        s = 0.5 * s + r
    return total + s * s


def squared_residuals_by_power(a, b, xs, ys):
    squares = [(a * x + b - y) ** 2 for x, y in zip(xs, ys)]
    return sum(squares)


def exp_terms(a, xs):
    terms = [math.exp(a * x) for x in xs]
    return sum(terms)


def divided_by_a_parameter(a, c, xs):
    parts = [a * x / c for x in xs]
    return sum(p * p for p in parts)


def indices_appended(a, xs):
    weights = []
    for i in range(len(xs)):
        weights.append(i * 2 + 1)
    return sum(a * x * w for x, w in zip(xs, weights))


def last_value_read_after(a, xs):
    scaled = []
    for x in xs:
        y = a * x
        scaled.append(y)
    return sum(s * s for s in scaled) + y


def rewritten_between(a, xs):
    ys = [a * x for x in xs]
    s1 = sum(y * y for y in ys)
    ys[0] = 3.0 * a
    s2 = sum(y * y for y in ys)
    return s1 + s2


def read_twice_between_appends(a, xs):
    ys = [a * x for x in xs]
    s1 = sum(y * y for y in ys)
    ys.append(a)
    s2 = sum(y * y * y for y in ys)
    return s1 + s2


def halved(a, xs):
    halves = [a * x / 2 for x in xs]
    return sum(h * h for h in halves)


SCALE = 0.5


def scaled_by_a_global(a, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += SCALE * (a * x + b - y) ** 2
    return total


def offsets_beyond_float_precision(a, xs):
    ys = [a * x + (i + 9007199254740993) for i, x in enumerate(xs)]
    zs = [y - 9007199254740993.0 for y in ys]
    return sum(z * z for z in zs)
