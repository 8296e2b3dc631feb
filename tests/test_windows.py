"""Windows read in loops (issue 17): `x[2*i:2*i+2, 2*j:2*j+2]`, `x[i:i+k]`, `x[s*i:s*i+k]` have a
length their bounds' values decide; where the bounds are affine in the loop counters with a
constant difference and provably stay within the axis, the window's shape is known and the
backward loop says directly what a hand-written one does (no `unreduce` spreading the adjoint
per window). Where a window may overrun the edge or wrap around, nothing is assumed and the
gradient stays right. Structure, not timings; every case checked against central differences."""

from __future__ import annotations

import types

import gast
import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from astgrad.analysis.index_ranges import LoopIndices, difference


def _backward(text: str) -> str:
    return text[text.index("# backward pass") :]


def _checked(f, args, wrt=0):
    g = grad(f, wrt=wrt)
    g(*args)  # (the first call specialises)
    check_grad(f, g, *args, wrt=wrt)
    forward = grad(f, wrt=wrt, mode="forward")
    forward(*args)
    reverse, tangent = g(*args), forward(*args)
    pairs = zip(reverse, tangent) if isinstance(wrt, tuple) else [(reverse, tangent)]
    for a, b in pairs:  # (forward mode agrees)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    return astgrad.source(f, wrt=wrt, args=args)


def pool_stride3(x):  # 3×3 windows, stride 3, the sizes computed in the loop
    out = np.zeros((x.shape[0] // 3, x.shape[1] // 3))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            r, c = 3 * i, 3 * j
            out[i, j] = np.max(x[r : r + 3, c : c + 3])
    return np.sum(np.sin(out))


def pool_rect(x):  # 2×3 windows over the rows and columns, written as offsets from a start
    out = np.zeros((4, 3))
    for i in range(4):
        for j in range(3):
            top = 1 + 2 * i
            left = 3 * j
            out[i, j] = x[top : top + 2, left : 3 + left].max()
    return np.sum(out * out)


def window_sum_range_step(x, w):  # range(start, stop, step), the window's end first
    total = 0.0
    for i in range(1, x.shape[0] - 3, 2):
        total = total + np.sum(w * x[i : i + 3]) ** 2
    return total


def mean_pool_3d(x):  # a window in the middle axes of a 3-d array, the first axis indexed
    out = np.zeros((x.shape[0], 3))
    for n in range(x.shape[0]):
        for i in range(3):
            out[n, i] = np.mean(x[n, 2 * i : 2 * i + 2, :])
    return np.sum(out**2)


def overrun(x, w):  # the last windows run past the end: shorter than k, x[i:i+k] clipped
    k = w.shape[0]
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        win = x[i : i + k]
        out[i] = np.sum(win * w[: win.shape[0]])
    return np.sum(out**2)


def mean_overrun(x):  # the last window holds one element: its mean is that element
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.mean(x[i : i + 2])
    return np.sum(out**2)


def mean_wraps(x):  # x[i - 1 : i + 1] at i = 0 is x[-1:1], empty; then x[0:2], ...
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        win = x[i - 1 : i + 1]
        out[i] = np.sum(win) / (1 + win.size)
    return np.sum(out**2)


def wraps(x):  # x[i - 1 : i + 1] at i = 0 is x[-1:1], empty: the bounds wrap around
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = np.sum(x[i - 1 : i + 1]) + x[i]
    return np.sum(out**2)


def max_overrun(x):  # 2×2 windows at every position, the last row and column of them clipped
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = np.max(x[i : i + 2, j : j + 2])
    return np.sum(out**2)


def rebound_bound(x):  # the start is bound twice: its value where the window is read is not a form
    out = np.zeros(4)
    a = 0
    for i in range(4):
        out[i] = np.sum(x[a : a + 2])
        a = 3 * i + 3
    return np.sum(out**2)


RNG = np.random.default_rng(17)


@pytest.mark.parametrize(
    "f, args",
    [
        (pool_stride3, (RNG.normal(size=(9, 12)),)),
        (pool_rect, (RNG.normal(size=(9, 9)),)),
        (mean_pool_3d, (RNG.normal(size=(2, 6, 3)),)),
    ],
)
def test_windows_in_bounds_get_no_spreading_helper(f, args):
    back = _backward(_checked(f, args))
    assert "unreduce(" not in back
    assert "for " in back  # (the loop is still there: the window's code is what changed)


def test_window_of_a_convolution_accumulates_directly():
    x, w = RNG.normal(size=11), RNG.normal(size=3)
    back = _backward(_checked(window_sum_range_step, (x, w), wrt=(0, 1)))
    assert "unreduce(" not in back and "unbroadcast(" not in back


@pytest.mark.parametrize(
    "f, args",
    [
        (overrun, (RNG.normal(size=7), RNG.normal(size=3))),
        (wraps, (RNG.normal(size=6),)),
        (mean_overrun, (RNG.normal(size=6),)),
        (mean_wraps, (RNG.normal(size=6),)),
        (max_overrun, (RNG.normal(size=(4, 5)),)),
        (rebound_bound, (RNG.normal(size=12),)),
    ],
)
def test_windows_that_may_leave_the_axis_keep_right_gradients(f, args):
    _checked(f, args)


def test_max_pool_ties_share_the_adjoint():
    x = np.zeros((4, 6))
    x[0, 0] = x[0, 1] = 1.0  # a tie in the first window
    x[2:4, 3:6] = -1.0  # a whole window tied
    g = grad(pool_rect_ties)
    g(x)
    expected = np.zeros_like(x)
    expected[0, 0] = expected[0, 1] = 0.5 * 2.0
    expected[0:2, 3:6] = 0.0
    expected[2:4, 3:6] = 2.0 * -1.0 / 6
    expected[2:4, 0:3] = 2.0 * 0.0 / 6
    np.testing.assert_allclose(g(x), expected)


def pool_rect_ties(x):
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            out[i, j] = np.max(x[2 * i : 2 * i + 2, 3 * j : 3 * j + 3])
    return np.sum(out**2)


def test_affine_forms_and_ranges():
    tree = gast.parse(
        "def f(x):\n"
        "    for i in range(2, 10, 3):\n"
        "        a = 2 * i + 1\n"
        "        b = a + 4\n"
        "        y = x[a:b]\n"
        "        a2 = 0\n"
    )
    fdef = tree.body[0]
    indices = LoopIndices(fdef)
    loop = fdef.body[0]
    use = loop.body[2]
    exact = lambda name: None  # noqa: E731
    lower = indices.affine(use, use.value.slice.lower, exact)
    upper = indices.affine(use, use.value.slice.upper, exact)
    assert lower == (1, {"i": 2}) and upper == (5, {"i": 2})
    assert difference(upper, lower) == 4
    assert indices.bounds(use, lower, exact) == (5, 19)  # i in [2, 9] (8 is the last it takes)
    # a name read before its one binding in the block is not a form there
    assert indices.affine(loop.body[0], gast.Name("b", gast.Load(), None, None), exact) is None


def test_a_counter_name_two_loops_use_is_each_ones_counter_in_its_body():
    tree = gast.parse(
        "def f(x):\n"
        "    for t in range(1, 4):\n"
        "        y = x[t]\n"
        "    for t in range(5, 9):\n"
        "        z = x[t]\n"
        "    for t in range(3):\n"
        "        w = x[t]\n"
        "        t = 2\n"
    )
    fdef = tree.body[0]
    indices = LoopIndices(fdef)
    exact = lambda name: None  # noqa: E731
    first, second, rebound = (loop.body[0] for loop in fdef.body)
    assert indices.bounds(first, indices.affine(first, first.value.slice, exact), exact) == (1, 3)
    assert indices.bounds(second, indices.affine(second, second.value.slice, exact), exact) == (5, 8)
    assert indices.affine(rebound, rebound.value.slice, exact) is None  # (its body binds t again)


def pool_reshape(x):  # the pooling without loops: a max over two axes of a reshape
    H, W = x.shape
    return np.sum(np.cos(x.reshape(H // 3, 3, W // 2, 2).max(axis=(3, -3))))


def test_max_over_several_axes_spreads_its_adjoint_by_indexing():
    back = _backward(_checked(pool_reshape, (RNG.normal(size=(6, 8)),)))
    assert "unreduce(" not in back and "[:, None, :, None]" in back


def min_of_three(x):  # pooling by np.minimum of single elements, three to a window
    out = np.zeros(x.shape[0] // 3)
    for i in range(out.shape[0]):
        a = np.minimum(x[3 * i], x[3 * i + 1])
        out[i] = np.minimum(a, x[3 * i + 2])
    return np.sum(np.exp(out))


def test_minimum_of_numbers_shares_without_helpers_or_masks(monkeypatch):
    batched = _backward(_checked(min_of_three, (RNG.normal(size=9),)))
    code = [line.strip() for line in batched.splitlines() if not line.strip().startswith("#")]
    assert not any(line.startswith("for ") for line in code) and "max_share(" not in batched  # (window_loops.py)
    with monkeypatch.context() as m:  # the loop's own body, as it is where it is not batched
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
        astgrad.api._by_code.clear()
        fresh = types.FunctionType(min_of_three.__code__, min_of_three.__globals__, "min_of_three")
        back = _backward(_checked(fresh, (RNG.normal(size=9),)))
        astgrad.api._by_code.clear()
    assert "max_share(" not in back and "np.where(" not in back and " if " in back
    x = np.array([1.0, 1.0, 2.0, 3.0, -1.0, -1.0])  # ties: halves, and a NaN-free zero elsewhere
    g = grad(min_of_three)
    g(x)
    np.testing.assert_allclose(g(x), [0.5 * np.e, 0.5 * np.e, 0.0, 0.0, 0.5 / np.e, 0.5 / np.e])


def avg_pool_forward(x, param):  # CS231n style: the settings in a dict, a cache returned
    ph, pw, s = param["height"], param["width"], param["stride"]
    H_out = 1 + (x.shape[1] - ph) // s
    W_out = 1 + (x.shape[2] - pw) // s
    out = np.zeros((x.shape[0], H_out, W_out))
    for c in range(x.shape[0]):
        for i in range(H_out):
            for j in range(W_out):
                out[c, i, j] = np.mean(x[c, i * s : i * s + ph, j * s : j * s + pw])
    cache = (x, param)
    return out, cache


def avg_pool_loss(x, dout, param):
    out, _ = avg_pool_forward(x, param)
    return np.sum(out * dout)


def test_settings_in_a_dict_fix_the_window_shapes():
    x = RNG.normal(size=(2, 7, 8))
    param = {"height": 3, "width": 2, "stride": 2}
    dout = RNG.normal(size=(2, 3, 4))
    text = _checked(avg_pool_loss, (x, dout, param))
    assert "param['stride'] != 2" in text  # (the guard: other settings take other code)
    back = _backward(text)
    assert "unreduce(" not in back and "add_at(" not in back
    other = {"height": 2, "width": 3, "stride": 3}  # the same shapes of arrays, other windows
    dout2 = RNG.normal(size=(2, 2, 2))
    g = grad(avg_pool_loss)
    g(x, dout, param)
    check_grad(avg_pool_loss, g, x, dout2, other)
    check_grad(avg_pool_loss, g, x, dout, param)


def test_a_window_is_reduced_by_its_method():
    text = _checked(pool_stride3, (RNG.normal(size=(9, 12)),))
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "np.max(" not in code and ".max(" in code  # (the same reduction, less Python around it)


def pool_and_penalty(x):  # the input read again after the loop: its adjoint is not zero before it
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.max(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(out**2) + np.sum(x**3)


def conv_and_penalty(x, w):
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[i : i + k] * w)
    return np.sum(np.tanh(out)) + 0.1 * np.sum(x**2) + np.sum(w**2)


def overlapping_and_penalty(x):  # stride 1: the windows overlap
    out = np.zeros(x.shape[0] - 2)
    for i in range(out.shape[0]):
        out[i] = np.max(x[i : i + 3]) * x[i + 1]
    return np.sum(out) + np.sum(np.sin(x))


@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (pool_and_penalty, (np.random.default_rng(11).normal(size=(6, 8)),), 0),
        (
            conv_and_penalty,
            (np.random.default_rng(12).normal(size=20), np.random.default_rng(13).normal(size=4)),
            (0, 1),
        ),
        (overlapping_and_penalty, (np.random.default_rng(14).normal(size=12),), 0),
    ],
)
def test_a_window_adds_into_an_adjoint_already_made_in_place(f, args, wrt):
    """The adjoint of the input exists before the loop (the penalty's): each window's share is
    added into it in place, not by a sum of whole arrays at every step (quadratic)."""
    text = _backward(_checked(f, args, wrt=wrt))
    assert "x_bar = x_bar +" not in text and "unindex(" not in text, text
    in_place = ("x_bar[" in text or "strided_view(x_bar, " in text) and "] += " in text
    assert in_place or "overlap_add(x_bar, " in text, text  # (or all at once)
