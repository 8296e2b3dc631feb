"""A counted backward loop takes its tape values back at once, as arrays of rows
(astgrad/specialize/taped_rows.py): checked on the generated text, against central differences, against the
general code, and bit for bit against the same specialised code without the pass."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from astgrad.specialize import taped_rows
from tests.catalogue import rnn_full


def rnn(W, U, b, xs, h):
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
    return np.sum(h * h)


def two_layers(W1, W2, V, xs, h1, h2):
    for x in xs:
        h1 = np.tanh(W1 @ h1 + x)
        h2 = np.tanh(W2 @ h2 + V @ h1)  # two states taken back per step
    return np.sum(h2 * h2) + np.sum(h1)


def epochs(W, xs, h):
    total = 0.0
    for _ in range(3):  # the counted loop inside another loop: its last state is read again
        for x in xs:
            h = np.tanh(W @ h + x)
        total = total + np.sum(h * h)
    return total


def last_state_read(W, xs, h):
    for x in xs:
        h = np.sin(W @ h) + x
    return np.sum(h) * np.sum(h * h)


def powers_of_index(c, x):  # `x ** k` bound at every step after a placeholder (`t = None`)
    pred = np.zeros_like(x)
    for k in range(len(c)):
        pred = pred + c[k] * x**k
    return np.sum(pred * pred)


def _fresh(f):
    """A new function object with f's code, transformed anew (not its twin's code: api._twin)."""
    astgrad.api._by_code.clear()
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def _without_the_pass(f, wrt, args, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "taped rows"))
        g = grad(_fresh(f), wrt=wrt)
        return g(*args), astgrad.source(_fresh(f), wrt=wrt, args=args)


def _args(rng, hidden=4, inputs=3, steps=6):
    return (
        rng.normal(size=(hidden, hidden)) / hidden,
        rng.normal(size=(hidden, inputs)),
        rng.normal(size=hidden),
        rng.normal(size=(steps, inputs)),
        rng.normal(size=hidden),
    )


CASES = [
    (rnn, lambda rng: _args(rng), (0, 1, 2, 4)),
    (
        two_layers,
        lambda rng: (
            rng.normal(size=(3, 3)) / 3,
            rng.normal(size=(2, 2)) / 2,
            rng.normal(size=(2, 3)),
            rng.normal(size=(5, 3)),
            rng.normal(size=3),
            rng.normal(size=2),
        ),
        (0, 1, 2, 3, 4, 5),
    ),
    (epochs, lambda rng: (rng.normal(size=(3, 3)) / 3, rng.normal(size=(4, 3)), rng.normal(size=3)), (0, 1, 2)),
    (last_state_read, lambda rng: (rng.normal(size=(3, 3)) / 3, rng.normal(size=(4, 3)), rng.normal(size=3)), (0, 2)),
    (rnn_full, lambda rng: _args(rng)[:4], (0, 1, 2)),  # its row `xs[t]` is pushed after a None
    (powers_of_index, lambda rng: (rng.normal(size=5), rng.uniform(-1.0, 1.0, size=7)), (0, 1)),
]


@pytest.mark.parametrize("f, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_rows_from_the_tape_give_the_same_bits_as_popping_each_step(f, make, wrt, monkeypatch):
    args = make(np.random.default_rng(7))
    g = grad(_fresh(f), wrt=wrt)
    check_grad(f, g, *args, wrt=wrt)
    general = grad(_fresh(f), wrt=wrt, specialize=False)(*args)
    for a, b in zip(g(*args), general):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    text = astgrad.source(_fresh(f), wrt=wrt, args=args)
    # the rows taken back from the tape at once, or written by the forward loop in its place
    assert "pop_block(tape, " in text or "_saved[k] = " in text or "_saved[t] = " in text, text
    before, old_text = _without_the_pass(f, wrt, args, monkeypatch)
    assert "pop_block" not in old_text and "_saved = np.empty" not in old_text
    for a, b in zip(g(*args), before):
        np.testing.assert_array_equal(a, b)


def test_the_rnn_step_reads_its_tanh_slopes_from_one_array():
    args = _args(np.random.default_rng(8))
    text = astgrad.source(_fresh(rnn), wrt=(0, 1, 2), args=args)
    # h before each step written into rows by the forward loop, and after the last
    assert "h_saved = np.empty((7, 4))\n" in text and "        h_saved[k] = h\n" in text, text
    assert "h_saved[6] = h\n" in text and "h_steps = rows_like(h_saved, h)\n" in text, text
    assert "tape = " not in text and "pop" not in text, text
    assert "dh_dt5 = 1.0 - h_after * h_after\n" in text, text  # every step's tanh slope at once, dh/dt5
    assert "W_bar = t5_bar_rows.T.dot(h_before[::-1])\n" in text, text
    backward = text.split("# backward pass")[1]
    assert ".pop()" not in backward and "\n        h = " not in backward, text  # nor h itself per step


def test_two_values_per_step_are_taken_from_every_other_place():
    rng = np.random.default_rng(9)
    args = CASES[1][1](rng)
    text = astgrad.source(_fresh(two_layers), wrt=CASES[1][2], args=args)
    assert "pop_block(tape, t1 * 2)" in text or "pop_block(tape, 10)" in text, text
    assert "h2_saved = saved[1::2]\n" in text and "h1_saved = saved[0::2]\n" in text, text
    # both slopes before the loop, though the loop also writes each step's xs_bar[k] in place
    assert "dh1_dt3 = 1.0 - h1_after * h1_after\n" in text, text
    assert "xs_bar[k] = " in text, text  # (a store: each row written once, into zeros, disjoint_writes.py)


def inplace(W, xs, h):
    for x in xs:
        h = np.tanh(W @ h + x)
        h[0] = 0.5 * h[0]  # written into in place: each step keeps the object it takes back
    return np.sum(h * h)


def test_values_written_in_place_a_skipped_loop_and_huge_rows_are_left_on_the_tape(monkeypatch):
    rng = np.random.default_rng(10)
    args = (rng.normal(size=(3, 3)) / 3, rng.normal(size=(4, 3)), rng.normal(size=3))
    g = grad(_fresh(inplace), wrt=(0, 2))
    check_grad(inplace, g, *args, wrt=(0, 2))
    assert "h_steps" not in astgrad.source(_fresh(inplace), wrt=(0, 2), args=args)
    empty = _args(rng, steps=0)  # no step: nothing to take back, the gradient of sum(h²) alone
    grads = grad(_fresh(rnn), wrt=(0, 4))(*empty)
    np.testing.assert_array_equal(grads[0], np.zeros((4, 4)))
    np.testing.assert_array_equal(grads[1], 2.0 * empty[4])
    assert "pop_block" not in astgrad.source(_fresh(rnn), wrt=(0, 4), args=empty)
    monkeypatch.setattr(taped_rows, "MAX_ROWS_SIZE", 10)  # 6 steps of 4 numbers: too many now
    args = _args(rng)
    assert "pop_block" not in astgrad.source(_fresh(rnn), wrt=(0, 4), args=args)
    check_grad(rnn, grad(_fresh(rnn), wrt=(0, 4)), *args, wrt=(0, 4))


def test_float32_rows_stay_float32():
    args = tuple(a.astype(np.float32) for a in _args(np.random.default_rng(11)))
    g = grad(_fresh(rnn), wrt=(0, 4))
    assert "rows_like(h_saved, h)" in astgrad.source(_fresh(rnn), wrt=(0, 4), args=args)
    gW, gh = g(*args)
    assert gW.dtype == np.float32 and gh.dtype == np.float32
    ref = grad(_fresh(rnn), wrt=(0, 4))(*(a.astype(np.float64) for a in args))
    np.testing.assert_allclose(gW, ref[0], rtol=1e-4, atol=1e-5)


def test_a_placeholder_s_steps_are_saved_after_each_step_binds_them():
    """`t = None` before the forward loop, pushed at each step before the step binds t: the value
    before the first step is the placeholder, which the backward loop never reads (it reads each
    step's own value, then takes back the one before). The forward loop writes each step's value
    into rows after binding it (the placeholder is no row), the backward loop reads its step's row,
    and the tape is gone; float32 steps stay float32 (rows_like)."""
    rng = np.random.default_rng(13)
    args = (rng.normal(size=5), rng.uniform(-1.0, 1.0, size=7))
    text = astgrad.source(_fresh(powers_of_index), wrt=0, args=args)
    assert "tape = " not in text and "pop(" not in text, text
    assert "_saved = np.empty((5, 7))" in text and "_after = rows_like(" in text, text
    forward = text.split("# backward pass")[0]
    assert forward.index("int_power(x, k)") < forward.index("_saved[k] = "), text  # (after the step binds it)
    single = tuple(a.astype(np.float32) for a in args)
    g = grad(_fresh(powers_of_index), wrt=(0, 1))
    gc, gx = g(*single)
    assert gc.dtype == np.float32 and gx.dtype == np.float32
    ref = grad(_fresh(powers_of_index), wrt=(0, 1), specialize=False)(*single)
    np.testing.assert_allclose(gc, ref[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gx, ref[1], rtol=1e-5, atol=1e-5)


def rebound_between(c, x):  # the step's value bound again between the loops: read as it is then
    t = np.zeros_like(x)
    for k in range(len(c)):
        t = np.cos(x * k)
        t = t * c[k]
    return np.sum(t * t)


def test_a_value_bound_twice_in_a_step_is_not_saved_after_its_first_binding():
    rng = np.random.default_rng(14)
    args = (rng.normal(size=4), rng.uniform(-1.0, 1.0, size=6))
    g = grad(_fresh(rebound_between), wrt=(0, 1))
    check_grad(rebound_between, g, *args, wrt=(0, 1))
    general = grad(_fresh(rebound_between), wrt=(0, 1), specialize=False)(*args)
    for a, b in zip(g(*args), general):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def ema_running(x, a):
    m = x[0]  # an element of x: a new number, which shares no memory with x (nor x_bar)
    total = m * m
    for xt in x[1:]:
        m = a * m + (1 - a) * xt
        total = total + m * m
    return total


def test_a_running_number_is_saved_into_a_float_array():
    x, a = np.random.default_rng(12).normal(size=7), 0.9
    g = grad(_fresh(ema_running), wrt=(0, 1))
    check_grad(ema_running, g, x, a, wrt=(0, 1))
    text = astgrad.source(_fresh(ema_running), wrt=(0, 1), args=(x, a))
    # one float per step in one array, not one NumPy scalar per step on a list
    assert "m_saved = np.empty((7,))\n" in text and "        m_saved[k] = m\n" in text, text
    assert "tape = " not in text and "pop" not in text, text
    general = grad(_fresh(ema_running), wrt=(0, 1), specialize=False)(x, a)
    for got, want in zip(g(x, a), general):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_an_element_read_shares_no_memory_but_an_ellipsis_read_does():
    import gast

    from astgrad.analysis.aliasing import sharing

    fdef = gast.parse("def f(x):\n    m = x[0]\n    v = x[..., 0]\n    w = x[1:]\n").body[0]
    array, number = (lambda n: n == "x"), (lambda n: n in ("m", "v"))
    shared = sharing(fdef, frozenset({"x"}), both_ways=True, array=array, number=number)
    assert shared == {"x", "v", "w"}  # (x[..., 0] of a 1-d x is a 0-d view)
    assert sharing(fdef, frozenset({"x"}), both_ways=True, array=array) == {"x", "m", "v", "w"}


def sine_steps(y, a):
    for _ in range(3):
        y = -0.8 * y + a * math.sin(y)  # Python floats: they stay on the tape as they are
    return y


def test_a_python_float_is_no_row():
    g = grad(_fresh(sine_steps), wrt=(0, 1))
    check_grad(sine_steps, g, 0.7, 1.3, wrt=(0, 1))
    text = astgrad.source(_fresh(sine_steps), wrt=(0, 1), args=(0.7, 1.3))
    assert "np.array(" not in text and "np.empty(" not in text, text
    assert all(type(v) is float for v in g(0.7, 1.3))
