"""Gradients specialised for parameters that hold lists, tuples or dicts of arrays (specialize/dispatch.py:
their items' kinds, checked by the guard; analysis/shape_facts.py reads a literal item of a parameter
never written into): checked against central differences, on other structures and shapes too."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad


def net_dict(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return np.sum((h @ params["W2"]) ** 2)


def net_list(params, X):
    W1, b1, W2 = params
    h = np.tanh(X @ W1 + b1)
    return np.sum((h @ W2) ** 2)


def writes_into_its_dict(params, X):
    params = dict(params)
    params["W1"] = params["W1"] * 2.0
    return np.sum(np.tanh(X @ params["W1"]))


def layers(ls, X):
    h = X
    for W, b in ls:
        h = np.tanh(h @ W + b)
    return np.sum(h * h)


def _params(rng, d=3, k=4, structure=dict):
    W1, b1, W2 = rng.normal(size=(d, k)), rng.normal(size=k), rng.normal(size=(k, 2))
    return {"W1": W1, "b1": b1, "W2": W2} if structure is dict else structure([W1, b1, W2])


@pytest.mark.parametrize("f, structure", [(net_dict, dict), (net_list, list), (net_list, tuple)])
def test_a_container_parameter_is_specialised_on_its_items(f, structure):
    rng = np.random.default_rng(0)
    args = (_params(rng, structure=structure), rng.normal(size=(5, 3)))
    text = astgrad.source(f, wrt=0, args=args)
    assert "specialised for params: " in text and "unbroadcast" not in text, text
    g = grad(f, wrt=0)
    check_grad(f, g, *args, wrt=0)
    check_grad(f, g, *args, wrt=0)  # (the specialised code, run again)
    other = (_params(rng, d=2, k=6, structure=structure), rng.normal(size=(4, 2)))
    check_grad(f, g, *other, wrt=0)  # other shapes: the guard sends them elsewhere


def test_other_keys_take_other_code():
    rng = np.random.default_rng(1)
    g = grad(net_dict, wrt=0)
    p = _params(rng)
    X = rng.normal(size=(5, 3))
    check_grad(net_dict, g, p, X, wrt=0)
    p2 = dict(p, extra=np.ones(2))  # a key more: the guard fails, the code for it is right too
    check_grad(net_dict, g, p2, X, wrt=0)


def test_a_container_written_into_or_walked_is_still_right():
    rng = np.random.default_rng(2)
    p, X = _params(rng), rng.normal(size=(5, 3))
    check_grad(writes_into_its_dict, grad(writes_into_its_dict, wrt=0), p, X, wrt=0)
    ls = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 2)), rng.normal(size=2))]
    g = grad(layers, wrt=0)
    check_grad(layers, g, ls, X, wrt=0)
    check_grad(layers, g, ls, X, wrt=0)


def layers_index(ls, X):
    h = X
    for i in range(len(ls)):
        W, b = ls[i]
        h = h @ W + b
        if i < len(ls) - 1:
            h = np.maximum(h, 0.0)
    return np.sum(h * h)


def layers_but_last(ls, X):
    h = X
    for W, b in ls[:-1]:
        h = np.tanh(h @ W + b)
    W, b = ls[-1]
    return np.sum((h @ W + b) ** 2)


def appends_to_its_list(ls, X):
    out = []
    for W, b in ls:
        out.append(np.sum(np.tanh(X @ W + b)))
    return sum(out)


@pytest.mark.parametrize("f", [layers, layers_index, layers_but_last, appends_to_its_list])
def test_a_loop_over_a_list_parameter_is_unrolled(f):
    rng = np.random.default_rng(3)
    ls = [(rng.normal(size=(3, 4)) * 0.5, rng.normal(size=4)), (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4))]
    if f is appends_to_its_list:
        ls = [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(3, 2)), rng.normal(size=2))]
    else:
        ls.append((rng.normal(size=(4, 2)) * 0.5, rng.normal(size=2)))
    X = rng.normal(size=(5, 3))
    text = astgrad.source(f, wrt=0, args=(ls, X))
    forward = text.split("# backward pass")[0].split("# forward pass")[1]
    assert "for " not in forward and "if " not in forward, text  # (`if i < len(ls) - 1`: decided)
    g = grad(f, wrt=0)
    check_grad(f, g, ls, X, wrt=0)
    check_grad(f, g, ls, X, wrt=0)
    check_grad(f, g, ls[:2], X, wrt=0)  # another length: the guard sends it elsewhere


# the same network walked in the spellings users write: each loop is written out in specialised code
def layers_enumerate(ls, X):
    h = X
    for i, (W, b) in enumerate(ls):
        h = h @ W + b
        if i < len(ls) - 1:
            h = np.tanh(h)
    return np.sum(h * h)


def layers_enumerate_dicts(ps, X):
    h = X
    for i, p in enumerate(ps):
        h = h @ p["W"] + p["b"]
        if i < len(ps) - 1:
            h = np.tanh(h)
    return np.sum(h * h)


def layers_counted(ls, X):
    n_layers = len(ls)
    h = X
    for k in range(n_layers):
        W, b = ls[k]
        h = np.tanh(h @ W + b) if k < n_layers - 1 else h @ W + b
    return np.sum(h * h)


def layers_zip(ls, scales, X):
    h = X
    for (W, b), s in zip(ls, scales):
        h = np.tanh(s * (h @ W) + b)
    return np.sum(h * h)


def layers_enumerate_tail(ls, X):
    W0, b0 = ls[0]
    h = np.tanh(X @ W0 + b0)
    for k, (W, b) in enumerate(ls[1:], start=1):
        h = np.tanh(h @ W + b) * (1.0 + 0.1 * k)
    return np.sum(h * h)


def layers_from_the_top(ls, X):
    h = X
    total = 0.0
    for j in range(2):  # (a loop of the user's over literal numbers: kept)
        g = h * (1.0 + j)
        for W, b in reversed(ls[1:]):  # (inside it, a loop over the list: written out)
            g = g @ W.T - b @ W.T
        total = total + np.sum(g * g)
    return total


def _layer_list(rng, dicts=False):
    sizes = (3, 4, 4, 2)
    ls = [(rng.normal(size=(a, b)) * 0.5, rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
    return [{"W": W, "b": b} for W, b in ls] if dicts else ls


@pytest.mark.parametrize(
    "f",
    [layers_enumerate, layers_enumerate_dicts, layers_counted, layers_zip, layers_enumerate_tail],
)
def test_a_loop_over_a_list_is_unrolled_however_it_is_spelled(f):
    rng = np.random.default_rng(4)
    ls = _layer_list(rng, dicts=f is layers_enumerate_dicts)
    X = rng.normal(size=(5, 3))
    args = (ls, [0.5, 1.5, 2.0], X) if f is layers_zip else (ls, X)
    text = astgrad.source(f, wrt=0, args=args)
    forward = text.split("# backward pass")[0].split("# forward pass")[1]
    assert "for " not in forward and "if " not in forward, text
    # every item's shape known: no adjoint reduced to its shape at run time, no tape
    assert "unbroadcast" not in text and "tape" not in text, text
    g = grad(f, wrt=0)
    check_grad(f, g, *args, wrt=0)
    check_grad(f, g, *args, wrt=0)
    short = (ls[:2], [0.5, 1.5], X) if f is layers_zip else (ls[:2], X)
    check_grad(f, g, *short, wrt=0)  # another length: the guard sends it elsewhere
    if f is layers_zip:
        check_grad(f, grad(f, wrt=1), *args, wrt=1)


def test_a_loop_over_literal_numbers_stays_and_a_list_loop_inside_it_is_unrolled():
    rng = np.random.default_rng(5)
    sizes = (3, 4, 4)
    ls = [(rng.normal(size=(a, b)) * 0.5, rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
    X = rng.normal(size=(5, 4))
    text = astgrad.source(layers_from_the_top, wrt=0, args=(ls, X))
    forward = text.split("# backward pass")[0].split("# forward pass")[1]
    assert forward.count("for ") == 1 and "reversed" not in forward, text
    g = grad(layers_from_the_top, wrt=0)
    check_grad(layers_from_the_top, g, ls, X, wrt=0)
    check_grad(layers_from_the_top, g, ls, X, wrt=0)


def _layer_norm(layer):
    return np.sum(layer["W"] ** 2)


def hands_a_layer_on(ps, X):
    first = ps[0]
    extra = _layer_norm(ps[1])
    second = ps[1]
    return np.sum((np.tanh(X @ first["W"] + first["b"]) @ second["W"]) ** 2) + 0.1 * extra


def test_an_item_handed_on_is_right():
    # (an item handed to a function may be written into, for all the analysis knows: its
    # container's items are not taken for the stand-in's)
    rng = np.random.default_rng(6)
    ps = [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}, {"W": rng.normal(size=(4, 1))}]
    X = rng.normal(size=(5, 3))
    g = grad(hands_a_layer_on, wrt=0)
    check_grad(hands_a_layer_on, g, ps, X, wrt=0)
    check_grad(hands_a_layer_on, g, ps, X, wrt=0)


NUM_LAYERS = 3


def fc_net(params, X, reg=0.1):
    # CS231n's FullyConnectedNet: keys built from the layer's number
    h = X
    for i in range(NUM_LAYERS - 1):
        h = np.maximum(0, h @ params["W%d" % (i + 1)] + params["b%d" % (i + 1)])
    scores = h @ params["W%d" % NUM_LAYERS] + params[f"b{NUM_LAYERS}"]
    loss = np.sum(np.tanh(scores) ** 2)
    for i in range(NUM_LAYERS):
        W = params["W" + str(i + 1)]
        loss += 0.5 * reg * np.sum(W * W)
    return loss


def regularised_by_items(params, X):
    loss = np.sum(np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"])
    for name, p in params.items():
        if name.startswith("W"):
            loss = loss + 0.01 * np.sum(p**2)
    return loss


def regularised_by_keys(params, X):
    loss = np.sum(np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"])
    for k in ["W1", "W2"]:
        loss = loss + 0.01 * np.sum(params[k] ** 2)
    return loss


def chained_in_key_order(params, x):
    h = x
    for k in params:  # (the dict's order decides the function)
        h = np.tanh(params[k] @ h)
    return np.sum(h**2)


def _fc_params(rng):
    sizes = (3, 4, 4, 2)
    p = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        p[f"W{i + 1}"], p[f"b{i + 1}"] = rng.normal(size=(a, b)) * 0.5, rng.normal(size=b)
    return p


@pytest.mark.parametrize("f", [fc_net, regularised_by_items, regularised_by_keys])
def test_a_loop_over_a_dicts_keys_is_unrolled(f):
    rng = np.random.default_rng(7)
    params = _fc_params(rng)
    if f is not fc_net:
        params = {k: params[k] for k in ("W1", "b1", "W2")}
    X = rng.normal(size=(5, 3))
    text = astgrad.source(f, wrt=0, args=(params, X))
    forward = text.split("# backward pass")[0].split("# forward pass")[1]
    assert "for " not in forward and "if " not in forward, text
    assert "unbroadcast" not in text and "add_adjoints" not in text, text  # (every key literal: shapes known)
    g = grad(f, wrt=0)
    check_grad(f, g, params, X, wrt=0)
    check_grad(f, g, params, X, wrt=0)


def test_a_dict_walked_in_its_keys_order_is_guarded_on_that_order():
    rng = np.random.default_rng(8)
    a, b, c = (rng.normal(size=(3, 3)) for _ in range(3))
    x = rng.normal(size=3)
    g = grad(chained_in_key_order, wrt=0)
    first, other = {"a": a, "b": b, "c": c}, {"c": c, "b": b, "a": a}
    assert "tuple(params) != ('a', 'b', 'c')" in astgrad.source(chained_in_key_order, wrt=0, args=(first, x))
    for params in (first, other, first, other):  # (the same keys in another order: other code)
        check_grad(chained_in_key_order, g, params, x, wrt=0)


class _Named:
    def __init__(self, w):
        self.w = w

    def startswith(self, prefix):
        return True


def sums_named(params, tag):
    total = 0.0
    for k in params:
        total = total + (np.sum(params[k] ** 2) if tag.startswith("W") else 0.0)
    return total


def test_a_string_method_runs_on_strings_only():
    # a string's method of a value known only when the code runs: run as it is, without derivative;
    # on an object of the user's with a method of that name (which could carry one), refused
    p = {"W": np.arange(3.0)}
    g = grad(sums_named, wrt=0, specialize=False)
    assert np.allclose(g(p, "W1")["W"], 2 * np.arange(3.0))
    assert np.allclose(g(p, "b1")["W"], 0.0)
    with pytest.raises(astgrad.AstgradError, match="for strings only"):
        g(p, _Named(1.0))


def test_a_global_count_of_layers_rebound_takes_new_code(monkeypatch):
    # the unrolled loop relies on NUM_LAYERS's value: the guard checks it, as Python reads it now
    rng = np.random.default_rng(9)
    X = rng.normal(size=(5, 3))
    g = grad(fc_net, wrt=0)
    check_grad(fc_net, g, _fc_params(rng), X, wrt=0)
    monkeypatch.setitem(globals(), "NUM_LAYERS", 2)
    two = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)), "b2": np.ones(2)}
    check_grad(fc_net, g, two, X, wrt=0)
    assert set(g(two, X)) == set(two)


def fit_line(a, b, xs, ys):
    err = 0.0
    for x, y in zip(xs, ys):
        err += (a * x + b - y) ** 2
    return err / len(xs)


def fit_line_to_a_made_list(a, b):
    xs = [0.1 * i for i in range(40)]
    err = 0.0
    for x in xs:
        err += (a * x + b - (2.0 * x + 1.0)) ** 2
    return err / len(xs)


@pytest.mark.parametrize("n", [10, 40])
@pytest.mark.parametrize("number", [float, np.float64])
def test_a_list_of_numbers_is_specialised_on_its_items_kind(n, number):
    # data as a list of numbers (longer than a list of arrays may be): one kind for all its items,
    # which the guard checks, so that the loop over it runs on numbers of known type
    rng = np.random.default_rng(10)
    xs = [number(v) for v in rng.normal(size=n)]
    ys = [number(2.0 * v + 1.0 + 0.1 * rng.normal()) for v in xs]
    text = astgrad.source(fit_line, wrt=(0, 1), args=(0.5, 0.2, xs, ys))
    assert "specialised for" in text and "xs: [" in text and "unbroadcast" not in text and "tape" not in text, text
    g = grad(fit_line, wrt=(0, 1))
    for _ in range(2):
        check_grad(fit_line, g, 0.5, 0.2, xs, ys, wrt=(0, 1))
    mixed = xs[:-1] + [int(round(float(xs[-1])))]  # (an int among them: the guard sends it elsewhere)
    check_grad(fit_line, g, 0.5, 0.2, mixed, ys, wrt=(0, 1))


def fit_line_to_pairs(a, b, points):
    total = 0.0
    for x, y in points:
        total = total + (a * x + b - y) ** 2
    return total / len(points)


@pytest.mark.parametrize("n", [10, 40])
@pytest.mark.parametrize("pair", [tuple, list])
def test_a_list_of_pairs_of_numbers_is_specialised_on_its_items_kind(n, pair):
    # data as a list of `(x, y)` points: one kind for all its items, which the guard checks item
    # by item, part by part; the loop over them replays its numbers (nothing saved per step)
    rng = np.random.default_rng(11)
    points = [pair((float(v), 2.0 * float(v) + 1.0 + 0.1 * float(e))) for v, e in rng.normal(size=(n, 2))]
    fit = fit_line_to_pairs
    text = astgrad.source(fit, wrt=(0, 1), args=(0.5, 0.2, points))
    assert "specialised for" in text and "points: [" in text, text
    if pair is tuple:  # (the shape facts follow the items of tuples, not of lists, into the loop)
        assert "unbroadcast" not in text and "tape" not in text, text
    g = grad(fit, wrt=(0, 1))
    for _ in range(2):
        check_grad(fit, g, 0.5, 0.2, points, wrt=(0, 1))
    for odd in (pair((1, 3.0)), (1.0, 2.0) if pair is list else [1.0, 2.0]) if n > 16 else ():
        other = points[:-1] + [odd]  # (an int, another kind of sequence: the guard sends it elsewhere)
        check_grad(fit, g, 0.5, 0.2, other, wrt=(0, 1))


def test_a_loop_over_a_list_the_function_made_runs_on_numbers():
    text = astgrad.source(fit_line_to_a_made_list, wrt=(0, 1), args=(0.5, 0.2))
    assert "unbroadcast" not in text and "tape" not in text, text
    g = grad(fit_line_to_a_made_list, wrt=(0, 1))
    for _ in range(2):
        check_grad(fit_line_to_a_made_list, g, 0.5, 0.2, wrt=(0, 1))
