"""A loop's work on its rows done for all rows before the loop (astgrad/hoisting.py): checked on
the generated text, against the general code, against central differences, and, where only
elementwise work moves, bit for bit against the function."""

from __future__ import annotations

import re

import numpy as np

from astgrad import check_grad, grad, value_and_grad
from tests.test_algebra import _agree


def rnn(W, U, b, xs, h):
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
    return np.sum(h * h)


def test_the_input_term_of_an_rnn_step_is_one_product_before_the_loop():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(6, 3)))
    args += (rng.normal(size=4),)
    text = _agree(rnn, args, wrt=(0, 1, 2))
    assert re.search(r"(t\d+)_rows = xs\.dot\(U\.T\) \+ b\n", text), text
    assert re.search(r"= W\.dot\(h\) \+ t\d+_rows\[k\]\n", text), text  # regrouped: (U @ x + b) first
    assert "xs[k]" not in text, text  # the row itself is read no more
    value, _ = value_and_grad(rnn, wrt=0)(*args)
    np.testing.assert_allclose(value, rnn(*args), rtol=1e-13)


def smoothing(c, xs, s):
    for x in xs:
        s = s * 0.5 + np.sin(x) * c
    return np.sum(s**2)


def test_elementwise_row_work_moves_and_gives_the_same_bits():
    rng = np.random.default_rng(1)
    args = (rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=3))
    text = _agree(smoothing, args, wrt=(0, 2))
    assert re.search(r"(t\d+)_rows = np\.sin\(xs\)\n(.*\n)*\s+\1 = \1_rows\[k\]\n", text), text
    value, _ = value_and_grad(smoothing, wrt=(0, 2))(*args)
    assert value == smoothing(*args)


def outer_rows(M, xs, s):
    for x in xs:
        s = s + x * M  # x (3,) against M (2, 3): each step's value has more dimensions than the row
    return np.sum(s**2)


def first_rows(W, U, xs, h):
    for k in range(2):  # two of the rows only
        h = np.tanh(W @ h + U @ xs[k])
    return np.sum(h)


def gated(U, xs, h):
    for x in xs:
        t = U @ x
        h = h * 0.5 + np.where(t > 0.0, t, 0.1 * t)  # t decides a branch: its bits are the function's
    return np.sum(h**2)


def test_no_hoisting_where_a_row_grows_a_loop_skips_rows_or_the_value_decides():
    rng = np.random.default_rng(2)
    cases = [
        (outer_rows, (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(2, 3))), (0, 2)),
        (first_rows, (rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), np.ones(3)), (0, 1)),
        (gated, (rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), rng.normal(size=3)), (0, 2)),
    ]
    for f, args, wrt in cases:
        text = _agree(f, args, wrt=wrt)
        assert "_rows[k]" not in text, (f.__name__, text)
    value, _ = value_and_grad(gated, wrt=0)(*cases[2][1])
    assert value == gated(*cases[2][1])


def test_an_empty_loop_over_no_rows_still_gives_zeros():
    rng = np.random.default_rng(3)
    args = (rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=3), np.zeros((0, 2)), np.ones(3))
    g = grad(rnn, wrt=(0, 1, 2))
    gW, gU, gb = g(*args)
    np.testing.assert_array_equal(gU, np.zeros((3, 2)))
    np.testing.assert_array_equal(gb, np.zeros(3))
    check_grad(rnn, g, *args, wrt=(0, 1, 2))
