"""A function for test_rules.test_source_is_deterministic: astgrad.source of it must not depend on
the interpreter run (hash seeds, object ids, set and dict order)."""

import math

import numpy as np

SCALE = 0.5


def loss(w, b, x, y):
    h = np.tanh(x @ w + b)
    a = h * 2.0
    c = np.sin(h)
    z = a * c
    z += h
    z *= SCALE
    r = np.sum(z, axis=1) - y
    m = np.max(z[:, ::-1], axis=0)
    return np.mean(r**2) + np.sum(np.maximum(m, 0.1)) + math.exp(0.5) * np.sum(w.T**2)


def penalised(w, X, y, lam):
    """Specialised code factors `lam * w + lam * w` by one of two shared names: by the first, in
    every run."""
    u = np.dot(X, w)
    p = 1.0 / (1.0 + np.exp(-y * u))
    return -np.mean(np.log(p)) + lam * np.dot(w, w)


PENALISED_ARGS = (np.linspace(-1, 1, 4), np.arange(24.0).reshape(6, 4) / 10, np.array([1.0, -1, 1, 1, -1, 1]), 0.1)
