"""Equivalent spellings give the same specialised code (astgrad/frontend/inline.py,
astgrad/specialize/canonical.py):
matrix products as `W @ h`, `np.dot`, `.dot`, `np.matmul`, `h @ W.T`; loops `for x in xs`, over
`range(len(xs))` and `range(xs.shape[0])`; reductions as methods or functions; a step in a helper.
The generated code is compared after its guard, comments dropped and names renamed by first
appearance; every spelling's gradient is checked against central differences too."""

from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad


def at(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def np_dot(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(np.dot(W, h) + np.dot(U, x))
    return np.sum(h * h)


def method_dot(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W.dot(h) + U.dot(x))
    return np.sum(h * h)


def matmul(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(np.matmul(W, h) + np.matmul(U, x))
    return np.sum(h * h)


def transposed(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(h @ W.T + x @ U.T)
    return np.sum(h * h)


def transposed_dot(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(h.dot(W.T) + x.dot(U.T))
    return np.sum(h * h)


def index_len(W, U, xs, h0):
    h = h0
    for t in range(len(xs)):
        x = xs[t]
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def index_shape(W, U, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        x = xs[t]
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def sum_method(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return (h * h).sum()


def _step(h, x, W, U):
    return np.tanh(W @ h + U @ x)


def helper(W, U, xs, h0):
    h = h0
    for x in xs:
        h = _step(h, x, W, U)
    return np.sum(h * h)


SPELLINGS = [np_dot, method_dot, matmul, transposed, transposed_dot, index_len, index_shape, sum_method, helper]


def _args():
    rng = np.random.default_rng(3)
    return rng.normal(size=(5, 5)) * 0.4, rng.normal(size=(5, 3)) * 0.4, rng.normal(size=(7, 3)), rng.normal(size=5)


def canonical_text(f, args, wrt=(0, 1)) -> str:
    """The specialised gradient after its guard, comments dropped, names renamed by first appearance."""
    text = astgrad.source(f, wrt=wrt, args=args)
    body = re.sub(r"^ *#[^\n]*\n", "", text.split("# forward pass", 1)[1], flags=re.MULTILINE)
    names: dict[str, str] = {}
    return re.sub(r"[A-Za-z_]\w*", lambda m: names.setdefault(m.group(0), f"n{len(names)}"), body)


@pytest.mark.parametrize("f", SPELLINGS, ids=[f.__name__ for f in SPELLINGS])
def test_a_spelling_gives_the_code_of_the_reference_spelling(f):
    args = _args()
    assert canonical_text(f, args) == canonical_text(at, args)


@pytest.mark.parametrize("f", [at, *SPELLINGS], ids=[f.__name__ for f in [at, *SPELLINGS]])
def test_every_spelling_agrees_with_central_differences(f):
    args = _args()
    g = grad(f, wrt=(0, 1))
    g(*args)
    check_grad(f, g, *args, wrt=(0, 1), rtol=1e-6, atol=1e-8)


def test_a_product_that_decides_a_branch_keeps_its_spelling():
    def f(W, h):
        v = np.dot(W, h)  # (compared below: its rounding must be the function's own)
        return np.sum(v * v) if v[0] > 0 else np.sum(v)

    rng = np.random.default_rng(4)
    args = (rng.normal(size=(3, 3)), rng.normal(size=3))
    assert "np.dot(W, h)" in astgrad.source(f, wrt=0, args=args)
