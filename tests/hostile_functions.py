"""Odd and hostile inputs for astgrad (see tests/test_hostile.py)."""

import functools

import numpy as np

import astgrad


async def async_function(x):
    return x


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return np.sum(self.w * x)


partial_function = functools.partial(np.multiply, 2.0)


def uses_nonlocal(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v

    add(x)
    return total


def keyword_only(x, *, scale=2.0, shift):
    return np.sum(scale * x**2 + shift * x)


def unicode_names(α, β):
    γ = α * β + np.sin(α)
    return γ


def square_sum(x):
    return np.sum(x * x)


def cube(x):
    return x * x * x


def mean_of(x):
    return np.mean(x)


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def calls_exec(x):
    exec("pass")
    return x * 3.0


def writes_into_argument(x, w):
    x[0] = w * 2.0
    return np.sum(x * w)


def view_row_augassign(X):
    total = 0.0
    for i in range(2):
        row = X[i]
        row += 1.0
        total = total + np.sum(row)
    return total


def collides(x, x_bar, t1, tape, np_local, unbroadcast):
    push = x * x_bar
    pop = push + t1 * tape
    for _ in range(2):
        pop = pop * np_local + unbroadcast
    return np.sum(pop)


def stop(x):
    return x * astgrad.stop_gradient(x)


def sin_sum(x):
    return np.sum(np.sin(x) * x)


def max_of(x):
    return np.max(x) * 2.0 + np.sum(np.min(x, axis=0))
