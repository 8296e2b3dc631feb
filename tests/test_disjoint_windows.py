"""Additions into windows no two iterations share become stores (issue 17, disjoint_writes.py).

Naive max pooling adds each window's adjoint into `x_bar[window]`; where the windows provably do not
overlap and `x_bar` is zeros before the loop, the specialised code stores instead (`=`, not `+=`).
Where windows overlap, may run past the edge, or `x_bar` already holds something, the addition
stays. Structure, not timings; every gradient checked against central differences (ties and NaN,
where those say nothing, against the general code's values and the rule's). The window loops pass,
which batches such loops whole (window_loops.py, tests/test_window_loops.py), is left out here: these
tests read the loops it would replace."""

from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from benchmarks.variants import pool_np_max as pool2


@pytest.fixture(autouse=True)
def _loops_kept(monkeypatch):
    monkeypatch.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
    astgrad.api._by_code.clear()
    astgrad.api._cache.pop(pool2, None)  # (a gradient of the suite's function another test file made with the pass)
    yield
    astgrad.api._by_code.clear()
    astgrad.api._cache.pop(pool2, None)


def _backward(text: str) -> str:
    return text[text.index("# backward pass") :]


def _checked(f, *args):
    g = grad(f)
    general = g(*args)  # (the first call runs the general code and specialises)
    specialised = g(*args)
    np.testing.assert_allclose(specialised, general, rtol=1e-12, atol=1e-12)
    check_grad(f, g, *args)
    return _backward(astgrad.source(f, args=args))


def _writes(text: str) -> list[str]:
    return re.findall(r"x_bar\[[^\]]*\] (\+?=) ", text)


def pool_3d(x):  # the first axis indexed by its own counter, windows of 3 with stride 3 in the last
    out = np.zeros((x.shape[0], x.shape[1] // 3))
    for n in range(x.shape[0]):
        for j in range(out.shape[1]):
            s = 3 * j
            out[n, j] = x[n, s : s + 3].max()
    return np.sum(np.sin(out))


def pool_overlapping(x):  # 2×2 windows with stride 1: each element in up to four windows
    out = np.zeros((x.shape[0] - 1, x.shape[1] - 1))
    for i in range(x.shape[0] - 1):
        for j in range(x.shape[1] - 1):
            out[i, j] = np.max(x[i : i + 2, j : j + 2])
    return np.sum(out**2)


def pool_past_edge(x):  # the last window, x[9:12] of 10, is cut short: its length is not known
    out = np.zeros(4)
    for i in range(4):
        out[i] = np.max(x[3 * i : 3 * i + 3])
    return np.sum(out**2)


def pool_and_more(x):  # x_bar holds x's other use before the loop's additions
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            out[i, j] = np.max(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(out**2) + np.sum(x**3)


def pool_repeated(x):  # an outer counter that moves no window: each window written three times
    out = np.zeros((3, x.shape[0] // 2))
    for k in range(3):
        for i in range(x.shape[0] // 2):
            out[k, i] = (k + 1.0) * np.max(x[2 * i : 2 * i + 2])
    return np.sum(out**2)


def test_non_overlapping_windows_are_stored():
    x = np.random.default_rng(0).normal(size=(8, 8))
    text = _checked(pool2, x)
    assert _writes(text) == ["="], text
    expected = np.zeros_like(x)  # (the hand-written gradient)
    for i in range(4):
        for j in range(4):
            w = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            k = np.argmax(w)
            expected[2 * i + k // 2, 2 * j + k % 2] = 2.0 * w.flat[k]
    np.testing.assert_allclose(grad(pool2)(x), expected, rtol=1e-12)


def test_an_indexed_axis_separates_iterations():
    x = np.random.default_rng(1).normal(size=(3, 9))
    text = _checked(pool_3d, x)
    assert _writes(text) == ["="], text


def test_overlapping_windows_keep_the_addition():
    x = np.random.default_rng(2).normal(size=(6, 6))
    text = _checked(pool_overlapping, x)
    assert _writes(text) == ["+="], text


def test_windows_past_the_edge_keep_the_addition():
    x = np.random.default_rng(3).normal(size=10)
    text = _checked(pool_past_edge, x)
    assert "=" not in _writes(text), text
    assert grad(pool_past_edge)(x)[9] == 2.0 * x[9]  # (the short window's one element is its maximum)


def test_an_accumulator_not_zero_before_the_loop_keeps_the_addition():
    x = np.random.default_rng(4).normal(size=(6, 6))
    text = _checked(pool_and_more, x)
    assert "=" not in _writes(text), text  # (added, in place or not)


def test_a_counter_that_moves_no_window_keeps_the_addition():
    x = np.random.default_rng(5).normal(size=8)
    text = _checked(pool_repeated, x)
    assert "x_bar[" in text and re.search(r"x_bar\[[^\]]*\] \+= ", text), text


def test_ties_share_the_adjoint():
    x = np.random.default_rng(6).normal(size=(4, 4))
    x[0, 0] = x[0, 1] = x[1, 0] = x[1, 1] = 5.0  # four-way tie in the first window
    x[2, 2] = x[3, 3] = 7.0  # two-way tie in the last
    g = grad(pool2)
    general, specialised = g(x), g(x)
    np.testing.assert_array_equal(specialised, general)
    np.testing.assert_allclose(specialised[:2, :2], np.full((2, 2), 0.25 * 2.0 * 5.0))
    assert specialised[2, 2] == specialised[3, 3] == 0.5 * 2.0 * 7.0
    assert specialised[2, 3] == specialised[3, 2] == 0.0
    assert _writes(_backward(astgrad.source(pool2, args=(x,)))) == ["="]


def test_nan_in_a_window_gives_what_the_general_code_gives():
    x = np.random.default_rng(7).normal(size=(4, 4))
    x[1, 2] = np.nan
    g = grad(pool2)
    with np.errstate(invalid="ignore", divide="ignore"):
        general, specialised = g(x), g(x)
    np.testing.assert_array_equal(specialised, general)  # (NaN where NaN, the same numbers elsewhere)
    assert np.isnan(specialised[:2, 2:]).all() and not np.isnan(np.delete(specialised, [2, 3], axis=1)).any()
    clean = x[:2, :2]  # the windows without the NaN still get their maximum's adjoint
    k = np.argmax(clean)
    assert specialised[k // 2, k % 2] == 2.0 * clean.flat[k]


# ------------------------------------------------------------------ reductions over axes (extremum_mask)


def pool_reshape(x):
    H, W = x.shape
    out = x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))
    return np.sum(out**2)


def pool_reshape_min(x):
    return np.sum(np.sin(np.min(x.reshape(3, 2, 4), axis=1)))


def test_reshaped_pooling_without_ties():
    x = np.random.default_rng(8).normal(size=(6, 8))
    _checked(pool_reshape, x)
    r = x.reshape(3, 2, 4, 2)
    m = r.max(axis=(1, 3))
    expected = ((r == m[:, None, :, None]) * (2.0 * m)[:, None, :, None]).reshape(6, 8)
    np.testing.assert_allclose(grad(pool_reshape)(x), expected, rtol=1e-12)
    _checked(pool_reshape_min, np.random.default_rng(9).normal(size=(3, 8)))


def test_reshaped_pooling_ties_share():
    x = np.random.default_rng(10).normal(size=(4, 4))
    x[0, 0] = x[1, 1] = 3.0  # a two-way tie in the first window, none elsewhere
    g = grad(pool_reshape)
    general, specialised = g(x), g(x)
    np.testing.assert_array_equal(specialised, general)
    assert specialised[0, 0] == specialised[1, 1] == 0.5 * 2.0 * 3.0
    assert specialised[0, 1] == specialised[1, 0] == 0.0


def test_extremum_mask_nan_and_a_tie_elsewhere():
    # as many hits as slices, but one slice holds a NaN (no hit) and another a tie (two): the
    # tie still shares, the NaN slice gets NaN, as with no fast path
    from astgrad.runtime.shapes import extremum_mask

    x = np.array([[1.0, np.nan], [2.0, 2.0], [0.5, 4.0]])
    y = x.max(axis=1)
    with np.errstate(invalid="ignore"):
        mask = extremum_mask(x, y, 1)
    np.testing.assert_array_equal(mask, [[np.nan, np.nan], [0.5, 0.5], [0.0, 1.0]])
    clean = extremum_mask(x[1:], y[1:], 1)  # (ties, no NaN) and (one maximum per row)
    np.testing.assert_array_equal(clean, [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_array_equal(extremum_mask(x[2:], y[2:], 1), [[0.0, 1.0]])
    assert extremum_mask(x[2:], y[2:], 1).dtype == np.float64
    small = x[2:].astype(np.float32)
    assert extremum_mask(small, small.max(axis=1), 1).dtype == np.float32
    ints = np.array([[1, 3], [2, 2]])
    np.testing.assert_array_equal(extremum_mask(ints, ints.max(axis=1), (1,)), [[0.0, 1.0], [0.5, 0.5]])
