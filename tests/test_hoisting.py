"""A loop's work on its rows done for all rows before the loop (astgrad/specialize/hoisting.py): checked on
the generated text, against the general code, against central differences, and, where only
elementwise work moves, bit for bit against the function."""

from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, value_and_grad
from tests.catalogue import row_index_rebound, row_read_before_it_is_taken
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
    assert "U_x = xs.dot(U.T)\n" in text, text
    assert "= W.dot(h) + U_x[k] + b\n" in text, text  # the function's grouping
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
    assert re.search(r"sin_x = np\.sin\(xs\)\n(.*\n)*\s+t\d+ = sin_x\[k\]\n", text), text
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


def _forward_code(f, wrt, args) -> str:
    """The specialised gradient's forward pass without comments (its backward loops read their
    tape as rows: taped_rows.py)."""
    forward = astgrad.source(f, wrt=wrt, args=args).split("# backward pass")[0]
    return "\n".join(line for line in forward.splitlines() if not line.strip().startswith("#"))


def test_no_hoisting_where_a_row_grows_a_loop_skips_rows_or_the_value_decides():
    rng = np.random.default_rng(2)
    cases = [
        (outer_rows, (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(2, 3))), (0, 2)),
        (first_rows, (rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), np.ones(3)), (0, 1)),
        (gated, (rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), rng.normal(size=3)), (0, 2)),
    ]
    for f, args, wrt in cases:
        check_grad(f, grad(f, wrt=wrt), *args, wrt=wrt)
        check_grad(f, grad(f, wrt=wrt, specialize=False), *args, wrt=wrt)
        text = _forward_code(f, wrt, args)
        assert "[k]" not in text.replace("xs[k]", "").replace("h_saved[k] = h", ""), (f.__name__, text)
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


def cancelling(xs, c, b, s):
    for x in xs:
        s = s * 0.5 - x * c + b  # regrouped as s * 0.5 + (b - x * c), this would cancel differently
    return np.sum(s * s)


def test_a_sum_is_not_regrouped_to_hoist_more():
    """With x * c ≈ 1e16 and b = 1, (s * 0.5 - x * c) + b and s * 0.5 + (-(x * c) + b) differ by
    more than rounding: only the row term itself moves."""
    xs = np.array([[1e16, 1.0], [3.0, -1e16]])
    args = (xs, np.ones(2), np.ones(2), np.array([2e16, 5.0]))
    g = value_and_grad(cancelling, wrt=(1, 2, 3))
    value, grads = g(*args)
    assert value == cancelling(*args)
    text = _agree(cancelling, (np.random.default_rng(4).normal(size=(5, 2)), np.ones(2), np.ones(2), np.ones(2)), wrt=3)
    assert "x_c = xs * c\n" in text and "s = s * 0.5 - x_c[k] + b\n" in text, text


def _shrink(M):
    M *= 0.9
    return 0.0


def mutated(U, xs, h):
    V = U.copy()
    for x in xs:
        h = np.tanh(h + V @ x)
        z = _shrink(V)  # V changes in the loop without being rebound
        h = h + z
    return np.sum(h**2)


def matmul_ufunc(v, xs, s, c):
    for x in xs:
        s = s * 0.5 + np.matmul(x, v) * c  # a generalised ufunc, not elementwise
    return np.sum(s**2)


def test_rows_read_before_they_are_taken_a_rebound_index_and_gufuncs_are_left_alone():
    rng = np.random.default_rng(5)
    U, xs, h = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=3)
    with pytest.raises(ValueError, match="changes its argument `M` in place"):  # V is no invariant
        grad(mutated, wrt=(0, 2))(U, xs, h)
    for f, args, wrt in (  # (the catalogue's functions may have been specialised for other shapes already)
        (row_read_before_it_is_taken, (U, xs, h, rng.normal(size=2)), (0, 2, 3)),
        (row_index_rebound, (U, xs, h), (0, 1, 2)),
        (matmul_ufunc, (rng.normal(size=2), xs, rng.normal(size=3), rng.normal(size=3)), (0, 2, 3)),
    ):
        check_grad(f, grad(f, wrt=wrt), *args, wrt=wrt)
        check_grad(f, grad(f, wrt=wrt, specialize=False), *args, wrt=wrt)
        text = _forward_code(f, wrt, args)
        assert "[k]" not in text.replace("xs[k]", "").replace("h_saved[k] = h", ""), (f.__name__, text)


def truncated_gate(W, h, U, xs, c):
    for k in range(len(xs)):
        x = xs[k]
        t = U @ x
        # 1 where t >= c[k], else 0: np.array(..., dtype=int) truncates, a step that t decides
        q = np.array(np.minimum(1.0, np.maximum(0.0, 1.0 + (t - c[k]) * 1e30)), dtype="int64")
        h = np.tanh(W @ h + t) * q
    return np.sum(h * h)


def truncated_gate_positional(W, h, U, xs, c):
    for k in range(len(xs)):
        x = xs[k]
        t = U @ x
        q = np.array(np.minimum(1.0, np.maximum(0.0, 1.0 + (t - c[k]) * 1e30)), np.int64)  # (dtype by position)
        h = np.tanh(W @ h + t) * q
    return np.sum(h * h)


@pytest.mark.parametrize("f", [truncated_gate, truncated_gate_positional])
def test_a_cast_to_int_decides_so_its_operand_keeps_the_functions_bits(f):
    """c holds each step's U @ x exactly as the function computes it, so every gate is open only
    if the gradient's forward pass computes U @ x with the same bits (not as one batched product)."""
    rng = np.random.default_rng(1)
    W, h, U, xs = rng.normal(size=(3, 3)) / 3, rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=(6, 3))
    args = (W, h, U, xs, np.array([U @ x for x in xs]))
    g = value_and_grad(f, wrt=(0, 1))
    for _ in range(2):  # specialising, then the specialised code
        value, grads = g(*args)
        assert value == f(*args)
    general = value_and_grad(f, wrt=(0, 1), specialize=False)(*args)[1]
    for a, b in zip(grads, general):
        np.testing.assert_array_equal(a, b)
    assert "U_x" not in astgrad.source(f, wrt=(0, 1), args=args)
