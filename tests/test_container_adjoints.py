"""The adjoint of a list, tuple or dict parameter filled slot by slot in specialised code
(specialize/container_adjoints.py): an addition into a slot still zero is a store, and no zeros are
made for slots that are all stored before anything reads them. Each gradient is checked against
central differences, the first call and the specialised code both."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from benchmarks.variants import layers_args, layers_index


def dict_net(params, X):
    h = np.tanh(np.dot(X, params["W1"]) + params["b1"])
    return np.sum((h @ params["W2"]) ** 2)


def last_read_twice(layers, X):
    """layers[-1] and layers[2] are one slot: its adjoint is the sum of both reads'."""
    W, b = layers[-1]
    V, c = layers[2]
    return np.sum(np.tanh(X @ W + b) * (X @ V + c))


def one_key_read_twice(p, x):
    return np.sum(p["w"] * x) + np.sum(np.sin(p["w"]) * p["v"])


def one_item_unread(ws, x):
    """ws[1] takes no part: its gradient is zeros, not None."""
    return np.sum(np.tanh(ws[0] * x) * ws[2])


def _layers(rng, sizes=(3, 4, 4, 2)):
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]


CASES = {
    "layer_list": (layers_index, lambda r: layers_args(r, sizes=(3, 4, 4, 2), n=5)),
    "dict_net": (
        dict_net,
        lambda r: (
            {"W1": r.normal(size=(3, 4)), "b1": r.normal(size=4), "W2": r.normal(size=(4, 2))},
            r.normal(size=(5, 3)),
        ),
    ),
    "last_read_twice": (last_read_twice, lambda r: (_layers(r, (3, 3, 3, 3)), r.normal(size=(5, 3)))),
    "one_key_read_twice": (
        one_key_read_twice,
        lambda r: ({"w": r.normal(size=4), "v": r.normal(size=4)}, r.normal(size=4)),
    ),
    "one_item_unread": (one_item_unread, lambda r: ([r.normal(size=4) for _ in range(3)], r.normal(size=4))),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_against_central_differences(case):
    f, make = CASES[case]
    rng = np.random.default_rng(3)
    args = make(rng)
    g = grad(f, wrt=0)
    check_grad(f, g, *args, wrt=0)
    check_grad(f, g, *args, wrt=0)  # (the specialised code)
    check_grad(f, g, *make(rng), wrt=0)


@pytest.mark.parametrize("case", ["layer_list", "dict_net"])
def test_every_slot_stored_makes_no_zeros(case):
    f, make = CASES[case]
    text = astgrad.source(f, wrt=0, args=make(np.random.default_rng(0)))
    backward = text.split("backward pass")[1]
    assert "add_adjoints" not in backward and "add_at(params_bar" not in backward, text
    assert "zeros_like(layers)" not in backward and "zeros_like(params)" not in backward, text


def test_a_slot_read_by_a_negative_index_is_summed_once():
    rng = np.random.default_rng(4)
    layers, X = CASES["last_read_twice"][1](rng)
    text = astgrad.source(last_read_twice, wrt=0, args=(layers, X))
    assert "layers_bar[-1]" in text or "layers_bar[2]" in text, text
    g = grad(last_read_twice, wrt=0)(layers, X)
    g = grad(last_read_twice, wrt=0)(layers, X)
    # layers[2] is read twice: its gradient is both reads' (derived by hand)
    W, b = layers[2]
    a = X @ W + b
    u = np.tanh(a)
    s = (1.0 - u * u) * a  # d/d(a of tanh) with the other factor a, the second read's value
    gW = X.T @ s + X.T @ u
    gb = s.sum(axis=0) + u.sum(axis=0)
    np.testing.assert_allclose(g[2][0], gW, rtol=1e-10)
    np.testing.assert_allclose(g[2][1], gb, rtol=1e-10)
    assert all(np.all(gi == 0.0) for item in g[:2] for gi in item)


def test_an_unread_slot_keeps_its_zeros():
    rng = np.random.default_rng(5)
    ws, x = CASES["one_item_unread"][1](rng)
    g = grad(one_item_unread, wrt=0)
    for _ in range(2):
        out = g(ws, x)
        assert isinstance(out[1], np.ndarray) and np.all(out[1] == 0.0)


def test_a_stored_gradient_is_no_callers_array():
    rng = np.random.default_rng(6)
    p, x = CASES["one_key_read_twice"][1](rng)
    g = grad(one_key_read_twice, wrt=0)
    for _ in range(2):
        out = g(p, x)
        assert not any(np.shares_memory(out[k], a) for k in out for a in (p["w"], p["v"], x))
