"""Functions for tests/test_student_refusals.py (astgrad reads their source)."""

import copy
import functools

import numpy as np


def dropout_like(x, mask):
    out = x * mask
    out = out.astype(x.dtype, copy=False)
    return np.sum(out**2)


def astype_no_copy_then_write(x):
    y = x * 2.0
    z = y.astype(np.float64, copy=False)
    z[0] = 5.0
    return np.sum(y**2)


def log_out_where(p):
    r = np.log(p, out=np.zeros_like(p), where=p > 0)
    return np.sum(r)


def log_where(p):
    return np.sum(np.log(p, where=p > 0))


def _update_running_mean(x, bn_param):
    bn_param["running_mean"] = np.mean(x)
    return x * 2.0


def batchnorm_like(x):
    bn_param = {}
    return np.sum(_update_running_mean(x, bn_param) ** 2)


def max_of_a_list(x):
    xs = [x[0], x[1] * 2.0, x[2]]
    return max(xs) + min([x[0] * x[1], x[2]])


def min_of_a_generator(x):
    return min(x[i] * x[i] + 0.1 * i for i in range(3))


def max_of_an_array(x):
    return max(x) * 2.0 + min(np.sin(x))


def max_of_rows(X):
    return max(X) * 1.0


def noisy(x):
    np.random.seed(0)
    noise = np.random.randn(*x.shape)
    z = np.zeros((*x.shape, 2))
    return np.sum(x * noise + x**2) + np.sum(z)


def stacked_star(x):
    return np.sum(np.stack(*[[x, x]]) ** 2)


def copies_a_dict(params):
    p = dict(params)
    p["W"] = p["W"] * 2.0
    return np.sum(p["W"] ** 2) + np.sum(params["W"] * p["b"])


def copies_a_list(Ws):
    ws = list(Ws)
    ws[0] = ws[0] * 3.0
    return np.sum(ws[0] * Ws[0]) + np.sum(ws[1] ** 2)


def deep_copies(params):
    p = copy.deepcopy(params)
    return np.sum(p["W"] ** 2)


def tuple_of_a_list(Ws):
    ws = tuple(Ws)
    return np.sum(ws[0] ** 2)


def timed(f):
    @functools.wraps(f)
    def wrapper(*args, **kw):
        return f(*args, **kw)

    return wrapper


@timed
def timed_loss(x):
    return np.sum(x**2)


class Dense:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return np.tanh(self.W @ x)


class Model:
    def __init__(self, layers):
        self.layers = layers
        self.dense = layers[0]

    def loss(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return np.sum(x**2)

    def loss_named(self, x):
        return np.sum(self.dense.forward(x) ** 2)


def copies_a_dict_by_its_method(params):
    p = params.copy()
    p["W"] = p["W"] * 2.0
    return np.sum(p["W"] ** 2) + np.sum(params["W"] * p["b"])


def sums_in_key_order(params):
    s = 0.0
    for k in sorted(params):
        s = s + np.sum(params[k] ** 2) * len(k)
    return s


def sorted_numbers(x):
    s = sorted([x[0], x[1] * 2.0, x[2]])
    return s[0] * 2.0 + s[2] * s[1]


def over_a_set_of_labels(x, labels):
    s = 0.0
    for c in sorted(list(set(labels))):
        s = s + x[c] ** 2
    ks = list(map(int, labels))
    return s + x[ks[0]]
