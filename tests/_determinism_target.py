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
