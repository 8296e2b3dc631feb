"""Functions whose generated gradient source is pinned by golden files (tests/golden/)."""

import numpy as np


def lecture(x1, x2):
    return x1 * x2 + np.sin(x1)


def logistic_regression(w, X, y, lam):
    u = X @ w
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.mean(np.log(p))
    return L + lam * np.sum(w**2)


def two_layer_net(W1, W2, x):
    h = np.maximum(0.0, W1 @ x)
    s = W2 @ h
    return np.sum(s**2)


def rnn(W, U, b, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
    return np.sum(h * h)
