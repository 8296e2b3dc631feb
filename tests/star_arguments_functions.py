"""Functions for tests/test_star_arguments.py: `*args` and `**kwargs` parameters of the
differentiated function and of the functions it calls, as students write them."""

import numpy as np


def mse_loss(w, *args):
    X, y = args
    r = X @ w - y
    return np.mean(r**2)


def indexed_args(w, *args):
    return np.sum((args[0] @ w - args[1]) ** 2) * args[2]


def with_config(w, **cfg):
    return cfg["lam"] * np.sum(w**2) + np.sum(np.tanh(w)) * cfg.get("scale", 1.0)


def both_stars(w, b, *data, reg=0.1, **opts):
    X = data[0]
    return np.sum(np.tanh(X @ w + b)) * opts["k"] + reg * np.sum(w * w)


def _scaled_sines(w, *rest, **opts):
    return np.sum(np.sin(w * rest[0])) * opts["k"]


def calls_a_star_helper(w, X):
    return _scaled_sines(w, X[0], k=2.0) + _scaled_sines(w * 2.0, 3.0, k=0.5)


def passes_an_active_value_by_star(w):
    return _scaled_sines(w, w * 2.0, k=2.0)


def passes_an_active_keyword_by_star(w):
    return _scaled_sines(w, 2.0, k=np.sum(w))


def _pair_sum(w, *rest):
    a, b = rest
    return np.sum(w * a) + b


def unpacks_active_star_items(w):
    return _pair_sum(w, w**2, np.sum(w))
