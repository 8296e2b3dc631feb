"""Small helpers inlined into their caller in specialised code (astgrad/frontend/inline.py): gradients
checked against central differences, the specialised code free of the helper's forward/backward
pair (a helper of another module, a method of an object the caller knows too), the helper's
spelling giving the code of the body written out, and the calls that must stay calls (a helper
reading a name of its own module the caller does not have, a recursive one) still right."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from benchmarks.workloads import lecture

from . import jit_functions as jf


def rnn_step(h, x, W, U, b):
    return np.tanh(W @ h + U @ x + b)


def rnn_helper(W, U, b, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = rnn_step(h, xs[t], W, U, b)
    return np.sum(h * h)


def rnn_inline(W, U, b, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum(h * h)


def pendulum_step(theta, omega, g, dt):
    omega = omega - dt * g * math.sin(theta)
    return theta + dt * omega, omega


def pendulum_helper(theta, omega, g, dt, steps):
    for _ in range(steps):
        theta, omega = pendulum_step(theta, omega, g, dt)
    return theta * theta + omega


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gated_step(x, prev_h, W, scale=0.5):
    """A docstring, a default, a nested helper, a local named as the caller's, `(out, cache)`."""
    a = x @ W + prev_h
    h = sigmoid(a) * np.tanh(a) * scale
    cache = (x, a, h)
    return h, cache


def gated(x, h0, W):
    h = h0
    a = 0.0
    hs = np.zeros((x.shape[0], h0.shape[0], h0.shape[1]))
    for t in range(x.shape[0]):
        h, _ = gated_step(x[t], h, W)
        hs[t] = h
        a = a + np.sum(h)
    return np.sum(hs * hs) + a


def forward_all(x, h0, W):
    """Writes into arrays and a list it made itself, returns `(h, caches)`: inlined."""
    h = np.zeros((x.shape[0], h0.shape[1]))
    prev = h0
    caches = []
    for t in range(x.shape[0]):
        nxt, cache = gated_step(x[t], prev, W)
        h[t] = nxt[0]
        prev = nxt
        caches.append(cache)
    return h, caches


def loss_of_forward_all(x, h0, W):
    h, _ = forward_all(x, h0, W)
    return np.sum(h * h)


def _aliasing_write(W):
    acc = W
    acc = acc * W
    acc += W  # (a write into a name once bound to a parameter: not inlined)
    return acc


def aliasing_write(W):
    return np.sum(np.sin(_aliasing_write(W)))


def _cube(x):
    return x * x * x


@astgrad.adjoint(_cube)
def _(y, x):
    x_bar = y_bar * 3.0 * x * x  # noqa: F841, F821 (a template: spliced, never called)


def with_a_rule(x):
    return np.sum(_cube(x))  # (a helper with a rule of its own: its rule, not its body)


def other_module(x):
    return np.sum(lecture(x, 2.0 * x))  # a helper of another module whose names mean here what they mean there


def other_module_attribute(x):
    return jf.scaled_by_global(lecture(x, 2.0 * x))  # (reads GAINS, a name of its own module only: a call)


class _Layer:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, x, W):
        return np.tanh(self.scale * (W @ x))


LAYER = _Layer(0.5)


def method_of_a_global(W, x):
    h = LAYER.forward(x, W)
    return np.sum(LAYER.forward(h, W) ** 2)


class _Net:
    def act(self, h):
        return np.tanh(h) * self.gain

    def forward(self, x, W):
        return self.act(W @ x)  # (a method of its own object: inlined once `self` is NET's)

    gain = 1.5


NET = _Net()


def methods_calling_methods(W, x):
    return np.sum(NET.forward(NET.forward(x, W), W) ** 2)


def power(x, n):
    return x if n == 0 else x * power(x, n - 1)


def recursive(x):
    return np.sum(power(x, 3))


def returns_call(W, x):
    return rnn_loss(W, x)


def rnn_loss(W, x):
    return np.sum(np.tanh(W @ x) ** 2)


def _rnn_args(rng):
    return (
        rng.normal(size=(4, 4)) * 0.5,
        rng.normal(size=(4, 3)) * 0.5,
        rng.normal(size=4) * 0.1,
        rng.normal(size=(6, 3)),
        rng.normal(size=4) * 0.1,
    )


CASES = [
    (rnn_helper, _rnn_args, (0, 1, 2, 4)),
    (pendulum_helper, lambda rng: (0.3, 0.1, 9.81, 0.01, 30), (0, 1, 2)),
    (gated, lambda rng: (rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))), (0, 1, 2)),
    (other_module, lambda rng: (rng.normal(size=3),), 0),
    (other_module_attribute, lambda rng: (rng.normal(size=6),), 0),
    (method_of_a_global, lambda rng: (rng.normal(size=(3, 3)), rng.normal(size=3)), (0, 1)),
    (methods_calling_methods, lambda rng: (rng.normal(size=(3, 3)), rng.normal(size=3)), (0, 1)),
    (
        loss_of_forward_all,
        lambda rng: (rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4))),
        (0, 1, 2),
    ),
    (aliasing_write, lambda rng: (rng.normal(size=4),), 0),
    (with_a_rule, lambda rng: (rng.normal(size=4),), 0),
    (recursive, lambda rng: (rng.normal(size=3),), 0),
    (returns_call, lambda rng: (rng.normal(size=(3, 3)), rng.normal(size=3)), (0, 1)),
]


@pytest.mark.parametrize("f, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_inlined_helpers_agree_with_central_differences(f, make, wrt):
    args = make(np.random.default_rng(0))
    g = grad(f, wrt=wrt)
    g(*args)  # (specialised at the first call)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    general = grad(f, wrt=wrt, specialize=False)(*args)
    for a, b in zip(
        g(*args) if isinstance(wrt, tuple) else [g(*args)], general if isinstance(wrt, tuple) else [general]
    ):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        rnn_helper,
        pendulum_helper,
        gated,
        returns_call,
        loss_of_forward_all,
        other_module,
        method_of_a_global,
        methods_calling_methods,
    ],
)
def test_specialised_code_has_no_pair_for_an_inlined_helper(f):
    args = next(c[1] for c in CASES if c[0] is f)(np.random.default_rng(0))
    text = astgrad.source(f, wrt=0, args=args)
    assert "_fwd" not in text and "_bwd" not in text, text
    assert "tape" not in text or f in (gated, loss_of_forward_all), text


def test_calls_that_stay_calls():
    for f in (other_module_attribute, recursive, aliasing_write):
        args = next(c[1] for c in CASES if c[0] is f)(np.random.default_rng(0))
        assert "_fwd(" in astgrad.source(f, wrt=0, args=args)
    text = astgrad.source(with_a_rule, wrt=0, args=(np.ones(3),))
    assert "3.0 * x * x" in text or "3.0 * x ** 2" in text or "x * x * 3.0" in text, text


def _body(text: str) -> str:
    """The generated function after its guard, comments dropped and every name renamed by its
    first appearance (`U_x` and `U_t3` are one name)."""
    body = re.sub(r"^ *#[^\n]*\n", "", text.split("# forward pass", 1)[1], flags=re.MULTILINE)
    names: dict[str, str] = {}
    return re.sub(r"[A-Za-z_]\w*", lambda m: names.setdefault(m.group(0), f"n{len(names)}"), body)


def test_a_helper_gives_the_code_of_its_body_written_out():
    args = _rnn_args(np.random.default_rng(0))
    a = _body(astgrad.source(rnn_helper, wrt=(0, 1, 2), args=args))
    b = _body(astgrad.source(rnn_inline, wrt=(0, 1, 2), args=args))
    assert a == b


def test_redefining_an_inlined_helper_regenerates_the_code():
    global rnn_step
    args = _rnn_args(np.random.default_rng(1))
    g = grad(rnn_helper, wrt=0)
    first = g(*args)
    saved = rnn_step
    try:

        def rnn_step(h, x, W, U, b):  # noqa: F811 (redefined on purpose)
            return np.sin(W @ h + U @ x + b)

        check_grad(rnn_helper, g, *args, wrt=0)
        assert not np.allclose(g(*args), first)
    finally:
        rnn_step = saved
    np.testing.assert_allclose(g(*args), first)


def test_an_inlined_method_and_helper_of_another_module_follow_the_program(monkeypatch):
    import types

    import benchmarks.workloads as workloads

    rng = np.random.default_rng(2)
    W, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    g = grad(method_of_a_global, wrt=0)
    check_grad(method_of_a_global, g, W, x, wrt=0)
    monkeypatch.setattr(LAYER, "scale", 2.0)  # (an attribute the inlined body read)
    check_grad(method_of_a_global, g, W, x, wrt=0)
    monkeypatch.setattr(_Layer, "forward", lambda self, x, W: np.sin(W @ x) * self.scale)  # (the method itself)
    check_grad(method_of_a_global, g, W, x, wrt=0)
    h = grad(other_module)
    check_grad(other_module, h, x)
    fake = types.ModuleType("fake_numpy")  # a name of the helper's own module, rebound there
    fake.__dict__.update(np.__dict__)
    fake.sin = np.cos
    monkeypatch.setattr(workloads, "np", fake)
    check_grad(other_module, h, x)
    assert np.allclose(h(x), 4.0 * x - np.sin(x))  # d/dx of x * 2x + cos(x), now that sin is cos there
