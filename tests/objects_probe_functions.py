"""Programs a probe of objects, globals and dict operations found differentiated wrongly
(test_objects_probe.py): each is now right, or refused naming the user's line."""

import numpy as np

from tests import objects_probe_settings as settings


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def squashes_in_a_branch(x, flag):
    if flag:
        x = 1.0 / (1.0 + np.exp(-x))
    return np.sum(x)


def squashes_with_a_helper_in_a_branch(x, flag):
    h = x * 1.0
    if flag:
        h = sigmoid(h)
    return np.sum(h)


def squashes_in_a_loop(x, n):
    for _ in range(n):
        x = np.exp(x) / (1.0 + np.exp(x))
    return np.sum(x)


LOG = []
HISTORY = []
CACHE = {}


def logs_then_reads_back(x):
    LOG.append(x * 3.0)
    return np.sum(LOG[-1] ** 2)


def caches_then_reads_back(x):
    CACHE.update(h=x * 3.0)
    return np.sum(CACHE["h"] ** 2)


def logs_only(x):
    HISTORY.append(float(np.sum(x)))
    return np.sum(x**2)


def sets_an_attribute(x, obj):
    setattr(obj, "h", x * 3.0)  # noqa: B010 (as users write it)
    return np.sum(obj.h**2)


class Recurrent:
    def __init__(self):
        self.states = []

    def step(self, W, h):
        self.states.append(np.tanh(W @ h))
        return self.states[-1]

    def loss(self, W, h):
        for _ in range(3):
            h = self.step(W, h)
        return np.sum(h**2)


def merges_dicts(p):
    q = p | {"extra": p["W"] * 3.0}
    return np.sum(q["extra"] ** 2) + np.sum(q["W"])


def merges_in_place(x):
    d = {"a": x}
    d |= {"b": x * 3.0}
    return np.sum(d["b"])


def masks_with_bitwise_or(x):
    m = (x > 0) | (x < -1.0)
    return np.sum(np.where(m, x, 0.0) ** 2)


def scales_by_a_module_array(x):
    return np.sum(x**2) * settings.WEIGHTS


def scales_by_a_module_number(x):
    return np.sum(x**2) * settings.RATE


def casts_a_list_to_float32(x):
    a = np.asarray(list(x), dtype=np.float32)
    return float(np.sum(a**2))


PAIR = (1.0, 2.0)


def unpacks_a_global_pair(x):
    a, b = PAIR
    return np.sum(a * x**2 + b * x)


CALLS = []


def logs_a_bounded_history(x):
    y = np.sum(np.sin(x))
    if len(HISTORY) > 100:
        HISTORY.clear()
    print("loss", y, len(HISTORY))
    HISTORY.append(float(y))
    return y * y


def counts_its_calls_for_a_rate(x):
    CALLS.append(1)
    rate = 0.1 / len(CALLS)
    return rate * np.sum(x**2)


def sets_an_attribute_for_the_caller(x, holder=settings):
    setattr(holder, "last", float(np.sum(x)))  # noqa: B010 (as users write it)
    return np.sum(x**2)


def masks_cast(x):
    m = x.astype(bool) & (x > 0)
    k = (x * 4.0 + 0.5).astype(np.int64) & 1
    return np.sum(x[m] ** 2) + np.sum(x * k)
