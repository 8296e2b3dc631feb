"""Backward loops that add each iteration's adjoint into windows that overlap run as whole-array code
(issue 17, specialize/window_loops.py): the naive convolutions' `x_bar[i:i + k] += t_bar` become one
`overlap_add` of every window's adjoint, and `w_bar = w_bar + t_bar * t` one sum over the windows.
Checked on the generated text (no loop left where it batches, the loop kept where it must not), against
central differences, forward mode and the same specialised code without the pass (to rounding: the
additions of one element happen in another order)."""

from __future__ import annotations

import re
import types

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from astgrad.runtime import overlap_add, overlap_plan
from benchmarks import variants
from tests.modes import MODES, check

RNG = np.random.default_rng(29)


def _fresh(f):
    """A new function object with f's code, transformed anew."""
    astgrad.api._by_code.clear()
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def _loops(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("for ")]


def _backward(text: str) -> str:
    return text[text.index("# backward pass") :]


def _checked(f, args, monkeypatch, wrt=0) -> str:
    """The specialised code's backward pass, its gradient checked against central differences, the
    loop it replaces and forward mode."""
    g = grad(_fresh(f), wrt=wrt)
    g(*args)  # (the first call specialises)
    batched = g(*args)
    check_grad(f, g, *args, wrt=wrt)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
        h = grad(_fresh(f), wrt=wrt)
        h(*args)
        looped = h(*args)
    forward = grad(_fresh(f), wrt=wrt, mode="forward")
    forward(*args)
    tangent = forward(*args)
    for got in (looped, tangent):
        for a, b in zip(*((r,) if not isinstance(wrt, tuple) else r for r in (batched, got))):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    text = astgrad.source(_fresh(f), wrt=wrt, args=args)
    astgrad.api._by_code.clear()
    return _backward(text)


@pytest.mark.parametrize("name", ["conv1d_sum", "conv1d_np_dot", "conv1d_matmul", "conv1d_list"])
def test_the_suites_naive_convolutions_have_no_backward_loop(name, monkeypatch):
    v = next(v for v in variants.VARIANTS if v.name == name)
    backward = _checked(v.f, v.make_args(np.random.default_rng(0)), monkeypatch, wrt=v.wrt)
    assert _loops(backward) == [], backward
    assert "overlap_add(x_bar, (0,), (196, 5), ((1,), (1,)), " in backward, backward
    assert re.search(r"\n +w_bar = w_bar \+ \w+\.reshape\(-1\) @ \w+\n", backward), backward  # (one product)


def conv_stride2(x, w):  # windows of 3 moved by 2: neighbours share one element
    k = w.shape[0]
    out = np.zeros((x.shape[0] - k) // 2 + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[2 * i : 2 * i + k] * w)
    return np.sum(np.sin(out))


def conv_k1(x, w):  # windows of one element: disjoint, stored as before
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sum(x[i : i + 1] * w)
    return np.sum(out**2)


def conv_whole(x, w):  # one window, the whole of x
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.dot(x[i : i + k], w)
    return np.sum(out**3)


def conv_scaled(x, c):  # a number scaling an element: its adjoint is a sum of numbers; x_bar gets two adds
    out = np.zeros(x.shape[0] - 2)
    for i in range(out.shape[0]):
        out[i] = c * x[i + 1] + np.sum(x[i : i + 3])
    return np.sum(out**2)


def conv_and_more(x, w, z):  # each iteration also adds into z_bar at its own element
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[i : i + k] * w) + np.sin(z[i])
    return np.sum(out**2)


@pytest.mark.parametrize(
    "f, shapes, added",
    [
        (conv_stride2, ((11,), (3,)), "overlap_add(x_bar, (0,), (5, 3), ((2,), (1,)), "),
        (conv_k1, ((7,), (1,)), None),
        (conv_whole, ((6,), (6,)), "overlap_add(x_bar, (0,), (1, 6), ((1,), (1,)), "),
        (conv_scaled, ((9,), ()), "overlap_add(x_bar, (0,), (7, 3), ((1,), (1,)), "),
        (conv_and_more, ((10,), (4,), (7,)), "overlap_add(x_bar, (0,), (7, 4), ((1,), (1,)), "),
    ],
)
def test_overlapping_windows_batch(f, shapes, added, monkeypatch):
    args = tuple(RNG.normal(size=s) if s else 0.7 for s in shapes)
    wrt = tuple(range(len(args)))
    backward = _checked(f, args, monkeypatch, wrt=wrt)
    assert _loops(backward) == [], backward
    if added is None:
        assert "overlap_add" not in backward, backward
    else:
        assert added in backward, backward
    if f is conv_scaled:
        assert "c_bar = c_bar + np.sum(" in backward, backward


def overlapping_max(x):  # 2×2 windows with stride 1: each element in up to four windows
    out = np.zeros((x.shape[0] - 1, x.shape[1] - 1))
    for i in range(x.shape[0] - 1):
        for j in range(x.shape[1] - 1):
            out[i, j] = np.max(x[i : i + 2, j : j + 2])
    return np.sum(out**2)


def test_two_dimensional_windows_batch(monkeypatch):
    backward = _checked(overlapping_max, (RNG.normal(size=(5, 6)),), monkeypatch)
    assert _loops(backward) == [], backward
    assert "overlap_add(x_bar, (0, 0), (4, 5, 2, 2), ((1, 0), (0, 1), (1, 0), (0, 1)), " in backward, backward
    x = np.asfortranarray(RNG.normal(size=(5, 6)))  # (x_bar = zeros_like(x) is not C-contiguous)
    g = grad(overlapping_max)
    g(x)
    check_grad(overlapping_max, g, x)


def conv2d(x, w):  # a 3×3 kernel over every position: w_bar sums over two counters
    out = np.zeros((x.shape[0] - 2, x.shape[1] - 2))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + 3, j : j + 3] * w)
    return np.sum(np.tanh(out))


def test_a_kernel_over_two_axes(monkeypatch):
    backward = _checked(conv2d, (RNG.normal(size=(6, 7)), RNG.normal(size=(3, 3))), monkeypatch, wrt=(0, 1))
    assert _loops(backward) == [], backward
    assert "overlap_add(x_bar, (0, 0), (4, 5, 3, 3), ((1, 0), (0, 1), (1, 0), (0, 1)), " in backward, backward
    assert re.search(r"w_bar = w_bar \+ \(\w+\.reshape\(-1\) @ \w+\.reshape\(-1, 9\)\)\.reshape\(\(3, 3\)\)", backward)


def test_cs231n_convolution_with_padding_and_stride(monkeypatch):
    v = next(v for v in variants.VARIANTS if v.name == "cs231n_conv")
    backward = _checked(v.f, v.make_args(np.random.default_rng(0)), monkeypatch, wrt=v.wrt)
    assert _loops(backward) == [], backward
    for adjoint in ("x_pad_bar", "w_bar", "b_bar"):
        assert f"overlap_add({adjoint}, " in backward, backward


def conv_past_edge(x, w):  # the last windows are cut short at the edge: their lengths are not known
    k = w.shape[0]
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sum(x[i : i + k] * w[: len(x[i : i + k])])
    return np.sum(out**2)


def conv_running(x, w):  # each output reads the one before: the iterations depend on each other
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    out[0] = np.sum(x[0:k] * w)
    for i in range(1, out.shape[0]):
        out[i] = 0.5 * out[i - 1] + np.sum(x[i : i + k] * w)
    return np.sum(out**2)


@pytest.mark.parametrize("f", [conv_past_edge, conv_running])
def test_loops_it_cannot_prove_independent_stay(f, monkeypatch):
    backward = _checked(f, (RNG.normal(size=9), RNG.normal(size=3)), monkeypatch, wrt=(0, 1))
    assert _loops(backward), backward
    assert "overlap_add" not in backward, backward


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [conv_stride2, conv_whole, conv_and_more])
def test_every_mode(f, options):
    astgrad.api._by_code.clear()
    args = {conv_stride2: ((11,), (3,)), conv_whole: ((6,), (6,)), conv_and_more: ((10,), (4,), (7,))}[f]
    check(f, tuple(RNG.normal(size=s) for s in args), tuple(range(len(args))), options)


@pytest.mark.parametrize(
    "shape, steps",
    [
        ((9, 5), ((2,), (1,))),  # windows of 5 moved by 2
        ((3, 5), ((1,), (1,))),  # three windows of 5: the loop over the windows is the shorter
        ((4, 3, 2, 2), ((1, 0), (0, 1), (1, 0), (0, 1))),  # 2-d windows, stride 1
        ((2, 3, 4, 1), ((0, 0), (1, 0), (0, 2), (0, 0))),  # an axis that moves nothing
    ],
)
def test_overlap_add_adds_every_term(shape, steps):
    start = (1, 0)[: len(steps[0])]
    extent = [s + sum((n - 1) * step[e] for n, step in zip(shape, steps)) + 1 for e, s in enumerate(start)]
    a = RNG.normal(size=extent)
    values = RNG.normal(size=shape)
    expected = a.copy()
    for index in np.ndindex(*shape):
        at = tuple(s + sum(i * step[e] for i, step in zip(index, steps)) for e, s in enumerate(start))
        expected[at] += values[index]
    overlap_add(a, start, shape, steps, values)
    np.testing.assert_allclose(a, expected, rtol=1e-13, atol=1e-13)
    summed, loop = overlap_plan(shape, steps)
    assert np.prod([shape[d] for d in loop]) <= min(np.prod(shape[:1]), np.prod(shape[1:]))


def test_a_long_loop_runs_in_blocks_of_windows():
    """Batched whole, the windows of a long signal would be k times its size: blocks of the first
    counter keep the temporaries small, and the forward array nothing reads any more goes first."""
    astgrad.api._by_code.clear()
    x, w = RNG.normal(size=20000), RNG.normal(size=5)
    g = grad(variants.conv1d_np_dot, wrt=(0, 1))
    general = g(x, w)
    specialised = g(x, w)
    for a, b in zip(specialised, general):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    expected_w = np.array([2.0 * np.dot(np.convolve(x, w[::-1], "valid"), x[j : j + 19996]) for j in range(5)])
    np.testing.assert_allclose(specialised[1], expected_w, rtol=1e-10)
    backward = _backward(astgrad.source(variants.conv1d_np_dot, wrt=(0, 1), args=(x, w)))
    assert _loops(backward) == ["for i in range(0, 19996, 3276):"], backward
    assert "overlap_add(x_bar, (i,), (min(3276, 19996 - i), 5), ((1,), (1,)), " in backward, backward
    assert "del out\n" in backward, backward
    astgrad.api._by_code.clear()
