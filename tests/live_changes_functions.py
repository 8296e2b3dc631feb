"""Programs that change between calls of their gradients in ways a probe found followed wrongly
(test_live_changes.py): a functools.partial written into, keyword defaults written into, a
signature reordered in place, an instance's own `__call__` attribute."""

import functools

import numpy as np


def loss(w, X, c=1.0):
    return np.sum(np.tanh(X @ w) ** 2) * c


def loss_sin(w, X, c=1.0):
    return np.sum(np.sin(X @ w)) * c


def power(z, p):
    return z**p


act = functools.partial(power, p=3)


def loss_act(w):
    return np.sum(act(w))


def scaled(w, *, k=2.0):
    return np.sum(w**2) * k


def calls_scaled(w):
    return scaled(w) + np.sum(w)


def loss_w_X(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


def loss_X_w(X, w):
    return np.sum(np.tanh(X @ w) ** 2)


class Activation:
    def __call__(self, z):
        return np.tanh(2.0 * z)


activation = Activation()


def loss_activation(w):
    return np.sum(activation(w))


def cube(z):
    return z**3
