"""NumPy calls a probe of practitioners' spellings found mishandled (test_numpy_probe.py)."""

import numpy as np


def einsum_interleaved(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) ** 2)


def einsum_interleaved_one(x, w):
    return np.sum(w * np.einsum(x, [0, 1], [1, 0]))


def clip_method_lower_only(x):
    return np.sum(x.clip(-0.5) ** 2)


def einsum_linear(x, w):
    return np.sum(w * np.einsum("ij->ji", x))


def einsum_three(a, b, c):
    return np.einsum("i,ij,j->", a, b, c) * np.sum(a)


def qr_factor(a, w):
    q, rr = np.linalg.qr(a)
    return np.sum(w * rr)
