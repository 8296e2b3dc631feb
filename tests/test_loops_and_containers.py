"""Loops and containers astgrad cannot follow are refused, never differentiated as zero (found by
a probe of student-style code): containers built by a call from values that depend on the inputs,
a loop over a dict or a set, a loop over a list its body makes longer."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import AstgradError, grad


def list_of_zip(ws, xs):
    s = 0.0
    for w, x in list(zip(ws, xs)):
        s = s + w * x
    return s


def dict_of_zip(values):
    p = dict(zip(["W", "b"], values))
    return np.sum(p["W"] ** 2) + np.sum(p["b"])


def list_of_enumerate(ws):
    s = 0.0
    for i, w in list(enumerate(ws)):
        s = s + i * w * w
    return s


def sorted_pairs(ws, xs):
    s = 0.0
    for w, x in sorted(zip(ws, xs)):
        s = s + w * x
    return s


def over_dict(w, class_weights):
    s = 0.0
    for c in class_weights:
        s = s + class_weights[c] * w[c] ** 2
    return s


def over_set(w, labels):
    s = 0.0
    for c in set(labels):
        s = s + w[c] ** 2
    return s


def growing(a):
    vals = [a]
    for v in vals:
        if len(vals) < 4:
            vals.append(v * 2.0)
    return sum(vals)


def zip_in_the_header(ws, xs):
    s = 0.0
    for i, (w, x) in enumerate(zip(ws, xs)):
        s = s + (i + 1) * w * x
    return s


def over_list_of_keys(w, class_weights):
    s = 0.0
    for c in list(class_weights):
        s = s + class_weights[c] * w[c] ** 2
    return s


W3 = [1.0, 2.0, 3.0]
X3 = [4.0, 5.0, 6.0]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    "f, args, message",
    [
        (dict_of_zip, ([np.array([1.0, 2.0]), np.array([3.0, 4.0])],), "rule for `(dict|zip)`"),
        (sorted_pairs, (W3, X3), "rule for `(sorted|zip)`"),
        (over_set, (np.ones(3), [0, 2, 2]), "a for loop over a set"),
        (growing, (0.7,), "makes longer or shorter"),
    ],
)
def test_refused_not_zero(f, args, message, mode):
    with pytest.raises(AstgradError, match=message):
        grad(f, mode=mode)(*args)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_list_of_a_sequence_is_a_copy_of_its_items(mode):
    """list(zip(ws, xs)) and list(enumerate(ws)) are `[v for v in ...]`: each item followed."""
    assert grad(list_of_zip, wrt=(0, 1), mode=mode)(W3, X3) == (X3, W3)
    assert grad(list_of_enumerate, mode=mode)(W3) == [0.0, 4.0, 12.0]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    "f, args",
    [
        (zip_in_the_header, (W3, X3)),
        (over_list_of_keys, (np.ones(3) * 0.5, {0: 1.0, 1: 2.0, 2: 1.0})),
        (over_dict, (np.ones(3) * 0.5, {0: 1.0, 1: 2.0, 2: 1.0})),  # (its keys, as Python walks it)
    ],
)
def test_the_supported_spellings(f, args, mode):
    got = grad(f, mode=mode)(*args)
    np.testing.assert_allclose(got, astgrad.numerical_grad(f, *args), rtol=1e-6)


def test_jacobian_and_vjp_of_a_lambda():
    X = np.arange(6.0).reshape(3, 2) / 4
    f = lambda w: np.tanh(X @ w)  # noqa: E731
    w = np.array([0.3, -0.2])
    J = astgrad.jacobian(f)(w)
    np.testing.assert_allclose(J, astgrad.numerical_jacobian(f, w), atol=1e-7)
    _, pullback = astgrad.vjp(f, w)
    np.testing.assert_allclose(pullback(np.ones(3))[0], J.sum(axis=0), atol=1e-12)


def test_a_non_scalar_output_is_an_astgrad_error():
    def cost(w):
        return np.ones((1, 1)) * np.sum(w**2)

    with pytest.raises(AstgradError, match=r"scalar output.*\(1, 1\)"):
        grad(cost)(np.ones(2))
