"""Forward loops of per-window sums and dots run as whole-array code where their values are free
(issue 17, specialize/window_loops.py; analysis/rounding.py): `out[i] = np.sum(x[i:i + k] * w)`,
`np.dot(x[i:i + k], w)`, `x[i:i + k] @ w` and `(x[i:i + k] * w).sum()` appended to a list add in
another order batched, so only where the value decides nothing and is not returned. In `grad` the
naive convolutions' `out` feeds only the backward pass: no loop is left. In `value_and_grad` the
value is the function's to the last bit: the forward loop stays. A value that decides keeps it too.
Checked on the generated text, against central differences in every mode, and against the loop."""

from __future__ import annotations

import types

import gast
import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline, value_and_grad
from astgrad.analysis.rounding import decisive_names, returned_values
from benchmarks import variants
from tests.modes import MODES, check

RNG = np.random.default_rng(41)
CONVOLUTIONS = ["conv1d_sum", "conv1d_np_dot", "conv1d_matmul", "conv1d_list"]


def _fresh(f):
    """A new function object with f's code, transformed anew."""
    astgrad.api._by_code.clear()
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def _loops(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("for ")]


def _forward(text: str) -> str:
    return text[text.index("# forward pass") : text.index("# backward pass")]


def _specialised(g, args):
    g(*args)  # (the first call specialises)
    return g(*args)


def conv_dot_two_windows(x, y):  # a dot of two windows of the arguments: a sum of their products
    k = 4
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.dot(x[i : i + k], y[i + 1 : i + k + 1])
    return np.sum(np.sin(out))


def conv_2d_sum(x, w):  # windows of two axes, summed whole
    out = np.zeros((x.shape[0] - 1, x.shape[1] - 2))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + 2, j : j + 3] * w)
    return np.sum(out * out)


def conv_branch(x, w):  # a window's sum decides a branch after the loop
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[i : i + k] * w)
    if out[3] > 0:
        return np.sum(out * out)
    return np.sum(out * 2.0)


def conv_relu(x, w):  # the sums decide the mask of np.maximum's derivative
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = x[i : i + k] @ w
    return np.sum(np.maximum(out, 0.0) ** 2)


def conv_aux(x, w):  # the sums are returned as the aux value: the function's own
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[i : i + k] * w)
    return np.sum(out * out), out


def rows_dot(a, v):  # np.dot of a window of two axes and a vector: a product of matrices, not a sum
    out = np.zeros((a.shape[0] - 1, 2))
    for i in range(out.shape[0]):
        out[i] = np.dot(a[i : i + 2], v)
    return np.sum(out * out)


def _variant(name):
    v = next(v for v in variants.VARIANTS if v.name == name)
    return v, v.make_args(np.random.default_rng(3))


@pytest.mark.parametrize("name", CONVOLUTIONS)
def test_grad_of_the_naive_convolutions_has_no_loop(name, monkeypatch):
    v, args = _variant(name)
    text = astgrad.source(_fresh(v.f), wrt=v.wrt, args=args)
    assert _loops(text) == [], text
    batched = _specialised(grad(_fresh(v.f), wrt=v.wrt), args)
    check_grad(v.f, grad(_fresh(v.f), wrt=v.wrt), *args, wrt=v.wrt)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
        looped = _specialised(grad(_fresh(v.f), wrt=v.wrt), args)
    for a, b in zip(batched, looped):  # (to rounding: the window sums add in another order)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    astgrad.api._by_code.clear()


@pytest.mark.parametrize("name", CONVOLUTIONS)
def test_value_and_grad_keeps_the_forward_loop_and_the_value_bit_for_bit(name):
    v, args = _variant(name)
    text = astgrad.source(_fresh(v.f), wrt=v.wrt, args=args, value=True)
    assert len(_loops(_forward(text))) == 1, text
    assert _loops(text[text.index("# backward pass") :]) == [], text
    value, grads = _specialised(value_and_grad(_fresh(v.f), wrt=v.wrt), args)
    assert value == v.f(*args)
    for a, b in zip(grads, _specialised(grad(_fresh(v.f), wrt=v.wrt), args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    astgrad.api._by_code.clear()


@pytest.mark.parametrize(
    "f, shapes, batched",
    [
        (conv_dot_two_windows, ((12,), (13,)), True),
        (conv_2d_sum, ((5, 7), (2, 3)), True),
        (conv_branch, ((12,), (4,)), False),
        (conv_relu, ((12,), (4,)), False),
        (rows_dot, ((6, 2), (2,)), False),
    ],
)
def test_the_forward_loop_batches_only_where_its_values_are_free(f, shapes, batched, monkeypatch):
    args = tuple(RNG.normal(size=s) for s in shapes)
    wrt = (0, 1)
    text = astgrad.source(_fresh(f), wrt=wrt, args=args)
    assert bool(_loops(_forward(text))) is not batched, text
    g = grad(_fresh(f), wrt=wrt)
    _specialised(g, args)
    check_grad(f, g, *args, wrt=wrt)
    value, _ = _specialised(value_and_grad(_fresh(f), wrt=wrt), args)
    assert value == f(*args)
    astgrad.api._by_code.clear()


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [conv_dot_two_windows, conv_2d_sum, conv_relu])
def test_every_mode(f, options):
    astgrad.api._by_code.clear()
    shapes = {conv_dot_two_windows: ((12,), (13,)), conv_2d_sum: ((5, 7), (2, 3)), conv_relu: ((12,), (4,))}[f]
    check(f, tuple(RNG.normal(size=s) for s in shapes), (0, 1), options)


def test_an_aux_value_is_the_functions_own():
    args = (RNG.normal(size=12), RNG.normal(size=4))
    g = grad(_fresh(conv_aux), wrt=(0, 1), has_aux=True)
    g(*args)
    (x_bar, w_bar), aux = g(*args)
    np.testing.assert_array_equal(aux, conv_aux(*args)[1])
    check_grad(lambda x, w: conv_aux(x, w)[0], lambda x, w: g(x, w)[0], *args, wrt=(0, 1))
    astgrad.api._by_code.clear()


def test_what_is_returned_besides_the_gradients_is_kept_with_what_it_reads():
    fdef = gast.parse(
        "def f_grad(x, w):\n"
        "    t = x * w\n"
        "    out = t + 1.0\n"
        "    value = out * 2.0\n"
        "    out_bar = 2.0 * out\n"
        "    x_bar = out_bar * w\n"
        "    return value, (x_bar,)\n"
    ).body[0]
    assert returned_values(fdef, frozenset({"x_bar", "out_bar"})) == {"value"}
    assert decisive_names(fdef, "np") == set()
    kept = decisive_names(fdef, "np", kept=returned_values(fdef, frozenset({"x_bar", "out_bar"})))
    assert kept == {"value", "out", "t", "x", "w"}


def weighted_rows(c, M):  # the backward loop's `c_bar[k] = np.sum(s_bar * M[k])`: a sum of a product
    s = np.zeros(M.shape[1:])
    for k in range(len(c)):
        s = s + c[k] * M[k]
    return np.sum(np.sin(s))


@pytest.mark.parametrize("shape, form", [((5, 7), "t5 @ s_bar.reshape(-1, 1)"), ((5, 3, 4), "axis=(1, 2)")])
def test_a_sum_of_a_product_of_windows_batches(shape, form, monkeypatch):
    """`np.sum(a * b)` of a window and an array of its shape (the fused form of a backward step's
    sum): for windows of one axis a product of matrices, as np.dot of the two, else the product's
    sum over the window axes; the backward loop is gone, its sums to rounding."""
    args = (RNG.normal(size=shape[0]), RNG.normal(size=shape))
    text = astgrad.source(_fresh(weighted_rows), wrt=0, args=args)
    backward = text[text.index("# backward pass") :]
    assert _loops(backward) == [] and form in backward, text
    g = grad(_fresh(weighted_rows), wrt=0)
    batched = _specialised(g, args)
    check_grad(weighted_rows, g, *args, wrt=0)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
        looped = _specialised(grad(_fresh(weighted_rows), wrt=0), args)
    np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-12)
    value, grads = _specialised(value_and_grad(_fresh(weighted_rows), wrt=0), args)
    assert value == weighted_rows(*args)
    np.testing.assert_allclose(grads, looped, rtol=1e-12, atol=1e-12)
    astgrad.api._by_code.clear()
