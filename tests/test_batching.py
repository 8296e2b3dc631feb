"""A backward loop's weight adjoints summed after it (astgrad/specialize/batching.py) where each
step's contribution is a product of matrices (mini-batch rows) or a sum over the batch: checked
against central differences in every mode, and on the generated text."""

from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad
from benchmarks.variants import cs231n_rnn, cs231n_rnn_args
from tests.modes import MODES, check


def batch_first(Wx, Wh, b, xs, h):
    for x in xs:  # xs: (T, N, D), h: (N, H)
        h = np.tanh(x @ Wx + h @ Wh + b)
    return np.sum(h * h)


def columns(W, U, xs, h):
    for t in range(xs.shape[0]):  # xs: (T, D, N), h: (H, N), a column per example
        h = np.tanh(np.dot(W, h) + np.dot(U, xs[t]))
    return np.sum(h * h)


def decaying(W, xs, h):
    for x in xs:
        h = np.tanh(h @ W + x)
        W = W * 0.9  # W's adjoint is read by every step: its contributions cannot wait for the end
    return np.sum(h * h)


def _batch_first_args(rng, T=5, N=3, D=2, H=4):
    return (
        rng.normal(size=(D, H)),
        rng.normal(size=(H, H)) / H,
        rng.normal(size=H),
        rng.normal(size=(T, N, D)),
        rng.normal(size=(N, H)),
    )


def _columns_args(rng, T=5, N=3, D=2, H=4):
    return rng.normal(size=(H, H)) / H, rng.normal(size=(H, D)), rng.normal(size=(T, D, N)), rng.normal(size=(H, N))


def _decaying_args(rng, T=5, N=3, H=4):
    return rng.normal(size=(H, H)) / H, rng.normal(size=(T, N, H)), rng.normal(size=(N, H))


CASES = [
    (cs231n_rnn, lambda rng: cs231n_rnn_args(rng, N=3, T=5, D=2, H=4), (1, 2, 3, 4)),
    (batch_first, _batch_first_args, (0, 1, 2, 4)),
    (columns, _columns_args, (0, 1, 3)),
    (decaying, _decaying_args, (0, 2)),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_of_loops_over_mini_batches(f, make, wrt, options):
    check(f, make(np.random.default_rng(3)), wrt, options)


def test_forward_and_reverse_agree_on_the_cs231n_rnn():
    args = cs231n_rnn_args(np.random.default_rng(4), N=3, T=5, D=2, H=4)
    wrt = (1, 2, 3, 4)
    reverse = astgrad.grad(cs231n_rnn, wrt=wrt)
    forward = astgrad.grad(cs231n_rnn, wrt=wrt, mode="forward")
    for _ in range(2):  # the first call specialises, the second runs the specialised code
        for a, b in zip(reverse(*args), forward(*args)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _backward(f, wrt, args) -> tuple[str, str]:
    """(the backward loop's body, the code after it) of f's specialised gradient."""
    text = astgrad.source(f, wrt=wrt, args=args)
    backward = text.split("# backward pass")[1]
    rest = re.split(r"\n    for \w+ in reversed\(range\(\w+\)\):\n", backward, maxsplit=1)[1]
    loop, after = re.split(r"\n    (?=\S)", rest, maxsplit=1)
    return loop, after


def test_the_cs231n_rnn_sums_its_weights_adjoints_after_the_loop():
    args = cs231n_rnn_args(np.random.default_rng(5))  # N=4, T=20, D=8, H=16
    loop, after = _backward(cs231n_rnn, (1, 2, 3, 4), args)
    assert "Wx_bar" not in loop and "Wh_bar" not in loop and "b_bar" not in loop, loop
    assert "t7_bar_buffer[-1 - t] = t7_bar" in loop, loop  # each step's adjoint stored, nothing else
    # x[:, t, :] read back as x's columns, last first; the rows of all steps' mini-batches, one product
    assert "Wx_bar = x[:, ::-1].swapaxes(0, 1).reshape(-1, 8).T @ t7_bar_rows.reshape(-1, 16)\n" in after, after
    assert "Wh_bar = prev_h_before[::-1].reshape(-1, 16).T @ t7_bar_rows.reshape(-1, 16)\n" in after, after
    assert "b_bar = np.einsum('ijk->k', t7_bar_rows)\n" in after, after


def test_batch_first_and_column_spellings_sum_after_the_loop_too():
    loop, after = _backward(batch_first, (0, 1, 2, 4), _batch_first_args(np.random.default_rng(6)))
    assert "Wx_bar" not in loop and "Wh_bar" not in loop and "b_bar" not in loop, loop
    assert re.search(r"Wx_bar = xs\[::-1\]\.reshape\(-1, 2\)\.T @ t\d+_bar_rows\.reshape\(-1, 4\)\n", after), after
    loop, after = _backward(columns, (0, 1, 3), _columns_args(np.random.default_rng(7)))
    assert "W_bar" not in loop and "U_bar" not in loop, loop
    # each step's product g @ x.T a sum of outer products of columns: the columns of all steps, one product
    assert re.search(r"U_bar = t\d+_bar_rows\.swapaxes\(1, 2\)\.reshape\(-1, 4\)\.T @ ", after), after
    assert "xs[::-1].swapaxes(1, 2).reshape(-1, 2)" in after, after


def test_an_accumulator_read_in_the_loop_stays_in_it():
    loop, after = _backward(decaying, (0, 2), _decaying_args(np.random.default_rng(8)))
    assert re.search(r"\n        W_bar = W_bar \* 0\.9 \+ h_before\[k\]\.T\.dot\(t\d+_bar\)", loop), loop
    assert "_buffer" not in loop, loop


def test_numba_compiles_the_loop_of_matrix_steps():
    pytest.importorskip("numba")  # (it reshapes no view: the steps of matrices stay in its loop)
    args = _batch_first_args(np.random.default_rng(9))
    compiled = astgrad.grad(batch_first, wrt=(0, 1, 2, 4), jit=True)
    for a, b in zip(compiled(*args), astgrad.grad(batch_first, wrt=(0, 1, 2, 4))(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_loop_too_long_for_rows_of_its_matrices_sums_in_the_loop():
    args = cs231n_rnn_args(np.random.default_rng(10), T=600)  # (rows of 600 steps of 4 × 16)
    loop, after = _backward(cs231n_rnn, (1, 2, 3, 4), args)
    assert "Wx_bar = Wx_bar + x_1.T.dot(t7_bar)" in loop and "_buffer" not in loop, loop
