"""Functions drawing random numbers, differentiated in forward mode (test_forward_draws.py)."""

import random

import numpy as np

RNG = np.random.default_rng(3)


def dropout_with_the_global_state(w):
    mask = np.random.rand(4) > 0.5
    return np.sum((w * mask) ** 2)


def noise_from_a_global_generator(w):
    return np.sum((w * RNG.normal(size=4)) ** 2)


def scale_from_pythons_random(w):
    return np.sum(w**2 * random.random())


def _noise(n):
    return RNG.normal(size=n)


def noise_from_a_helper(w):
    return np.sum((w * _noise(4)) ** 2)


PY_RNG = random.Random(5)


def scale_from_a_random_instance(w):
    return np.sum(w**3 * PY_RNG.random())
