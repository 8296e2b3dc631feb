"""Loop nests whose iterations are independent run as whole-array code on strided views (issue 17,
specialize/window_loops.py): naive pooling's loops, forward and backward, become one view of every
window and one operation each. Checked on the generated text (no loop left where it batches, the
loop kept where it must not), against central differences, and bit for bit against the same
specialised code without the pass; ties and NaN against the loop's values."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from astgrad.runtime import strided_view
from benchmarks.variants import cs231n_pool
from benchmarks.variants import pool_np_max as max_pool

RNG = np.random.default_rng(17)


def _fresh(f):
    """A new function object with f's code, transformed anew."""
    astgrad.api._by_code.clear()
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def _loops(text: str) -> list[str]:
    """The `for` statements of the code (not of its comments)."""
    return [line.strip() for line in text.splitlines() if line.strip().startswith("for ")]


def _gradients(f, args, monkeypatch, wrt=0):
    """The specialised gradient with the pass and without it, and the code with it."""
    g = grad(_fresh(f), wrt=wrt)
    g(*args)  # (the first call specialises)
    batched = g(*args)
    text = astgrad.source(_fresh(f), wrt=wrt, args=args)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
        h = grad(_fresh(f), wrt=wrt)
        h(*args)
        looped = h(*args)
    astgrad.api._by_code.clear()
    return batched, looped, text


def _checked(f, args, monkeypatch, wrt=0, regrouped=False):
    """(`regrouped`: the forward values are sums the batch adds in another order, which may round
    differently, so the gradient is the loop's up to rounding)"""
    batched, looped, text = _gradients(f, args, monkeypatch, wrt)
    if regrouped:
        np.testing.assert_allclose(batched, looped, rtol=1e-13, atol=1e-13)
    else:
        np.testing.assert_array_equal(batched, looped)  # (bit for bit: no sum regrouped)
    g = grad(_fresh(f), wrt=wrt)
    g(*args)
    check_grad(f, g, *args, wrt=wrt)
    return text


def min_pool_1d(x):  # windows of 3 with stride 3, the method form
    out = np.zeros(x.shape[0] // 3)
    for i in range(out.shape[0]):
        out[i] = x[3 * i : 3 * i + 3].min()
    return np.sum(np.sin(out))


def gapped(x):  # windows of 2 with stride 3: every third element in no window
    out = np.zeros(x.shape[0] // 3)
    for i in range(x.shape[0] // 3):
        s = 3 * i
        out[i] = np.max(x[s : s + 2])
    return np.sum(out**3)


def sum_pool(x):  # the backward pass fills each window with its number; the forward sums feed only it
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            out[i, j] = np.sum(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(out**2)


def mean_pool(x):
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            out[i, j] = np.mean(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(np.cos(out))


def maximum_of_four(x):  # np.maximum of single elements: four element views, each written back
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            top = np.maximum(x[2 * i, 2 * j], x[2 * i, 2 * j + 1])
            bottom = np.maximum(x[2 * i + 1, 2 * j], x[2 * i + 1, 2 * j + 1])
            out[i, j] = np.maximum(top, bottom)
    return np.sum(out**2)


def test_max_pooling_runs_without_a_loop(monkeypatch):
    text = _checked(max_pool, (RNG.normal(size=(8, 6)),), monkeypatch)
    assert _loops(text) == [] and "strided_view(x_bar, " in text, text
    assert "extremum_mask(t13, t14, (2, 3), True)" in text, text


@pytest.mark.parametrize(
    "f, shape",
    [(min_pool_1d, (12,)), (gapped, (10,)), (sum_pool, (6, 4)), (mean_pool, (4, 8)), (maximum_of_four, (6, 6))],
)
def test_the_backward_loop_batches(f, shape, monkeypatch):
    text = _checked(f, (RNG.normal(size=shape),), monkeypatch, regrouped=f is sum_pool)
    backward = text[text.index("# backward pass") :]
    assert _loops(backward) == [], backward
    if f is sum_pool:  # (sums in another order, into values only the backward pass reads: batched too)
        assert _loops(text) == [] and "sum(axis=(2, 3), keepdims=True)" in text, text


def test_stride_beyond_the_window_leaves_the_gaps_zero(monkeypatch):
    x = RNG.normal(size=10)
    _checked(gapped, (x,), monkeypatch)
    g = grad(gapped)
    g(x)
    got = g(x)
    assert got[2] == got[5] == got[8] == got[9] == 0.0
    assert got[0] + got[1] == 3 * max(x[0], x[1]) ** 2  # (one of the two, the larger)


def test_cs231n_max_pooling_in_four_loops(monkeypatch):
    args = (
        RNG.normal(size=(2, 3, 6, 6)),
        RNG.normal(size=(2, 3, 3, 3)),
        {"pool_height": 2, "pool_width": 2, "stride": 2},
    )
    text = _checked(cs231n_pool, args, monkeypatch)
    assert _loops(text) == [], text
    args = (
        RNG.normal(size=(2, 2, 7, 7)),
        RNG.normal(size=(2, 2, 2, 2)),
        {"pool_height": 2, "pool_width": 3, "stride": 3},
    )
    text = _checked(cs231n_pool, args, monkeypatch)  # (stride 3 past windows of 2×3: the edge never reached)
    assert _loops(text) == [], text


def test_ties_share_and_nan_spreads_as_in_the_loop(monkeypatch):
    x = RNG.normal(size=(4, 4))
    x[0, 0] = x[0, 1] = x[1, 0] = x[1, 1] = 5.0  # a four-way tie
    x[2, 2] = x[3, 3] = 7.0  # a two-way tie
    x[0, 3] = np.nan  # a NaN in the second window
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        batched, looped, text = _gradients(max_pool, (x,), monkeypatch)
    assert _loops(text) == [], text
    np.testing.assert_array_equal(batched, looped)
    np.testing.assert_array_equal(batched[:2, :2], np.full((2, 2), 0.25 * 2.0 * 5.0))
    assert batched[2, 2] == batched[3, 3] == 0.5 * 2.0 * 7.0 and batched[2, 3] == batched[3, 2] == 0.0
    assert np.isnan(batched[:2, 2:]).all()  # (the loop's mask of a NaN window: 0/0)
    y = x.copy()
    y[0, 3] = 0.0
    check_grad(max_pool, grad(max_pool), y + RNG.normal(size=y.shape) * 1e-3)


def running(x):  # each step reads what the step before wrote
    out = np.zeros(x.shape[0] // 2)
    out[0] = np.max(x[0:2])
    for i in range(1, x.shape[0] // 2):
        out[i] = out[i - 1] * 0.5 + np.max(x[2 * i : 2 * i + 2])
    return np.sum(out**2)


def running_counted(x):  # the same, with the loop from 0: a read of an earlier iteration's element
    out = np.zeros(x.shape[0] // 2 + 1)
    for i in range(x.shape[0] // 2):
        out[i + 1] = out[i] * 0.5 + np.max(x[2 * i : 2 * i + 2])
    return np.sum(out**2)


@pytest.mark.parametrize(
    "f, shape",
    [(running, (8,)), (running_counted, (8,))],
)
def test_dependent_iterations_keep_their_loop(f, shape, monkeypatch):
    x = RNG.normal(size=shape)
    text = _checked(f, (x,), monkeypatch)
    backward = text[text.index("# backward pass") :]
    assert _loops(backward), backward
    if f in (running_counted,):  # (its forward loop too: step i reads out[i], step i - 1's write)
        assert len(_loops(text)) == 2, text


def test_pool_np_max_has_no_backward_loop():
    from benchmarks import variants

    args = variants.pool_args(np.random.default_rng(0))
    text = astgrad.source(variants.pool_np_max, args=args)
    assert _loops(text) == [], text
    g = grad(variants.pool_np_max)
    g(*args)
    check_grad(variants.pool_np_max, g, *args)


def test_strided_view_reads_and_writes_the_elements_it_names():
    a = np.arange(24.0).reshape(4, 6)
    v = strided_view(a, (1, 0), (2, 3, 1, 2), ((2, 0), (0, 2), (1, 0), (0, 1)))
    assert v[1, 2, 0, 1] == a[1 + 2, 2 * 2 + 1]
    b = np.asfortranarray(a)  # (not C-contiguous: as_strided)
    np.testing.assert_array_equal(strided_view(b, (1, 0), (2, 3, 1, 2), ((2, 0), (0, 2), (1, 0), (0, 1))), v)
    c = np.arange(20.0)[::2]  # (a step back from the last window: before the start the view is cut at)
    expected = [[c[8 - 2 * k], c[9 - 2 * k]] for k in range(5)]
    np.testing.assert_array_equal(strided_view(c, (8,), (5, 2), ((-2,), (1,))), expected)
    np.testing.assert_array_equal(strided_view(c.copy(), (8,), (5, 2), ((-2,), (1,))), expected)
    strided_view(a, (0, 1), (2, 2), ((2, 0), (0, 3)))[...] = -1.0
    assert a[0, 1] == a[2, 4] == a[0, 4] == a[2, 1] == -1.0 and (a == -1.0).sum() == 4


@pytest.mark.parametrize("f", [max_pool, maximum_of_four, mean_pool])
def test_float32_values_as_the_loop_makes_them(f, monkeypatch):
    x = RNG.normal(size=(6, 4)).astype(np.float32)
    x[0, 0] = x[0, 1]  # (a tie: the halves of a Python number times a float32 value)
    batched, looped, text = _gradients(f, (x,), monkeypatch)
    assert _loops(text[text.index("# backward pass") :]) == [], text
    assert batched.dtype == looped.dtype == np.float32
    np.testing.assert_array_equal(batched, looped)


def reversed_windows(x):  # windows taken from the end: a negative step along the axis
    m = x.shape[0] // 2
    out = np.zeros(m)
    for i in range(m):
        s = 2 * (m - 1 - i)
        out[i] = np.max(x[s : s + 2])
    return np.sum(out**2)


def test_windows_taken_from_the_end(monkeypatch):
    text = _checked(reversed_windows, (RNG.normal(size=10),), monkeypatch)
    assert "strided_view(x, (8,), (5, 2), ((-2,), (1,)))" in text, text


def row_max_per_block(x):  # a reduction along one axis of each window: not a windowed call, the loop stays
    out = np.zeros((x.shape[0] // 2, x.shape[1]))
    for i in range(x.shape[0] // 2):
        out[i] = np.max(x[2 * i : 2 * i + 2], 0)
    return np.sum(out**2)


def test_a_reduction_along_an_axis_of_the_window_keeps_the_loop(monkeypatch):
    text = _checked(row_max_per_block, (RNG.normal(size=(6, 3)),), monkeypatch)
    assert "strided_view" not in text, text


# (start, shape, steps) of views that are slices of a (6, 9) array, and of views that are none
SLICES = [
    ((0, 0), (3, 4), ((2, 0), (0, 2))),  # every other row and column: a[::2, :8:2]
    ((1, 1), (3, 4), ((2, 0), (0, 2))),
    ((0, 0), (6, 9), ((1, 0), (0, 1))),  # the whole array: a itself
    ((2, 0), (9, 1), ((0, 1), (0, 0))),  # a row, and an axis of length 1
    ((0, 3), (6,), ((1, 0),)),  # a column
    ((1, 2), (2, 1, 3), ((2, 0), (0, 0), (0, 2))),
]
NOT_SLICES = [
    ((0, 0), (3, 2), ((0, 1), (1, 0))),  # (the axes transposed)
    ((0, 0), (3, 2), ((1, 1), (0, 1))),  # (a diagonal)
    ((5, 0), (3,), ((-2, 0),)),  # (a step back)
    ((0, 0), (3, 2), ((1, 0), (0, 0))),  # (an element named twice)
]


@pytest.mark.parametrize(("start", "shape", "steps"), SLICES + NOT_SLICES)
def test_a_view_that_is_a_slice_is_written_as_one(start, shape, steps):
    import ast

    import gast

    from astgrad.specialize.window_loops import _basic_view

    a = np.arange(54.0).reshape(6, 9)
    made = _basic_view("a", list(start), list(shape), [list(s) for s in steps], a.shape)
    if (start, shape, steps) in NOT_SLICES:
        assert made is None
        return
    tree = ast.fix_missing_locations(gast.gast_to_ast(gast.Expression(body=made)))
    view = eval(compile(tree, "<view>", "eval"), {"a": a})
    np.testing.assert_array_equal(view, strided_view(a, start, shape, steps))
    view[...] = -1.0  # (a view: a write reaches the array)
    assert (a == -1.0).sum() == np.prod(shape)


def test_element_views_that_are_slices_read_as_slices():
    text = astgrad.source(maximum_of_four, args=(RNG.normal(size=(16, 16)),))
    code = text[text.index("# forward pass") :]
    assert "x[::2, ::2]" in code and "x[1::2, 1::2]" in code and "strided_view" not in code, text
    assert "x_bar[::2, ::2] += " in text or "x_bar[::2, ::2] = " in text, text
