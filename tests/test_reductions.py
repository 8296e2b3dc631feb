"""Sums over axes as einsum in specialised code (astgrad/specialize/reductions.py): checked on the generated
text, against the general code to rounding, and against central differences."""

from __future__ import annotations

import numpy as np

import astgrad
from astgrad import grad, value_and_grad
from tests.test_algebra import _agree, _specialised


def energies(z, w, g):
    """Row energies over a short last axis, a middle-axis sum kept, a broadcast product."""
    e = 0.5 * np.sum(z * z, axis=2)  # (k, n)
    m = np.sum(z, axis=1, keepdims=True)  # (k, 1, d)
    t = np.sum(z * w, axis=-1)
    u = np.sum(g * z[:, :2, :2], axis=(1, 2))  # g (2, 2)
    return np.sum(np.sin(e)) + np.sum(np.cos(m * z)) + np.sum(t * t) + np.sum(u**3)


def test_axis_sums_become_einsum_and_keep_their_values_and_gradients():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(3, 4, 5)), rng.normal(size=5), rng.normal(size=(2, 2)))
    text = _agree(energies, args, wrt=(0, 1, 2))
    assert "np.einsum('ijk,ijk->ij', z, z)" in text, text
    assert "np.einsum('ijk->ik', z)[:, None]" in text, text  # keepdims as a spread
    assert "np.einsum('ijk->ij', t3)" in text, text  # axis=-1
    assert "np.einsum('ijk,ijk->k', z, t3_bar)" in text, text  # axis=(0, 1)
    assert "np.sum(" not in text, text


def long_rows(x):
    return np.sum(np.sin(np.sum(x * x, axis=1)))


def test_a_long_innermost_sum_stays_pairwise_and_float32_stays_accurate():
    """np.sum adds the innermost axis pairwise; beyond 128 elements that is more accurate than
    einsum's running sum, so it stays. float32 arrays share the float64 code."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 500))
    text = _agree(long_rows, (x,))
    assert "einsum" not in text and "np.sum(x * x, axis=1)" in text, text
    short = rng.normal(size=(200, 6)).astype(np.float32)
    g = grad(long_rows)
    got = g(short)
    (text,) = [t for t in g.__astgrad_specializer__.sources.values() if "(200, 6)" in t]
    assert got.dtype == np.float32 and "np.einsum('ij,ij->i', x, x)" in text, text
    want = grad(long_rows, specialize=False)(short.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # float32's own rounding


def int_counts(x, labels):
    counts = np.sum(labels, axis=1)  # an int array: einsum would not widen it as np.sum does
    return np.sum(x * counts[:, None])


def test_integer_sums_are_left_to_np_sum():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2**31 - 1, size=(4, 3), dtype=np.int32)
    x = rng.normal(size=(4, 3))
    text = _agree(int_counts, (x, labels))
    assert "einsum" not in text, text


def test_an_axis_sum_the_gradient_does_not_read_is_not_computed():
    """The GMM's prior is needed only for its shape: its row sums are not computed (einsum runs
    after dead code is removed)."""
    from benchmarks.workloads import by_name

    w = by_name("gmm-small")
    g = grad(w.f, wrt=w.wrt_indices())
    args = w.make_args(np.random.default_rng(4))
    g(*args)
    text = _specialised(g)
    assert "np.ones((5,), icf.dtype)" in text and "qdiag ** 2" not in text and "l ** 2" not in text, text
    # the forward row sums reach np.max (continuous: its mask is not read) and np.exp, whose sum is
    # a divisor > 0 (no pole): they decide nothing, and the value is not returned
    assert "np.einsum('ijk,ijk->ij', z, z)" in text and "np.einsum('ij->j', t18)" in text, text


def normalised(x, c):
    """A divisor that may be 0 (a sum of values of either sign) has a pole: the sum it is made of
    keeps np.sum's bits; a sum of exponentials is > 0 whatever its rounding."""
    e = np.exp(x)
    soft = e / np.sum(e, axis=1, keepdims=True)
    ratio = x / np.sum(x * c, axis=1, keepdims=True)
    return np.sum(soft * soft) + np.sum(ratio)


def test_a_divisor_that_may_be_zero_keeps_its_bits_and_a_positive_one_does_not():
    rng = np.random.default_rng(5)
    args = (rng.normal(size=(4, 6)), rng.normal(size=6))
    text = _agree(normalised, args, wrt=(0, 1))
    assert "t1 = np.einsum('ij->i', e)[:, None]" in text and "t3 = t2.sum(axis=1, keepdims=True)" in text, text


def softmax_loss(s, y):
    """A returned value through row sums over a short last axis (np.sum adds them eight at a time)."""
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(s.shape[0]), y])


def test_a_sum_whose_value_is_returned_keeps_np_sum_s_bits():
    """value_and_grad returns the function's value bit for bit: einsum adds in another order, so a
    sum the value is computed from stays np.sum's (here a log's argument too: it decides anyway)."""
    rng = np.random.default_rng(3)
    s, y = rng.normal(size=(64, 10)), rng.integers(0, 10, size=64)
    vg = value_and_grad(softmax_loss)
    vg(s, y)
    value, gradient = vg(s, y)
    assert value == softmax_loss(s, y)
    text = astgrad.source(softmax_loss, value=True, args=(s, y))
    assert "einsum" not in text.split("# backward pass")[0], text
    np.testing.assert_allclose(gradient, grad(softmax_loss, specialize=False)(s, y), rtol=1e-12, atol=1e-15)


def _random_sum(rng: np.random.Generator, case: int):
    """Source of a function summing `a * b` (b broadcast: fewer axes or length-1 ones) or `a`
    over random literal axes, with a random keepdims; and its arguments."""
    ndim = int(rng.integers(2, 5))
    shape = tuple(int(n) for n in rng.integers(1, 6, size=ndim))
    b_shape = shape[int(rng.integers(0, ndim)) :]
    b_shape = tuple(1 if rng.random() < 0.3 else n for n in b_shape)
    count = int(rng.integers(1, ndim))
    axes = sorted(rng.choice(ndim, size=count, replace=False).tolist())
    axes = [a - ndim if rng.random() < 0.3 else a for a in axes]
    axis = str(axes[0]) if len(axes) == 1 and rng.random() < 0.5 else repr(tuple(axes))
    keep = ", keepdims=True" if rng.random() < 0.5 else ""
    operand = "a * b" if rng.random() < 0.7 else "a"
    source = f"def f{case}(a, b):\n    return np.sum(np.sin(np.sum({operand}, axis={axis}{keep})) * b.sum())\n"
    return source, (rng.normal(size=shape), rng.normal(size=b_shape))


def test_random_axis_sums_agree_with_the_general_code():
    from tests.test_hostile import _module

    rng = np.random.default_rng(11)
    rewritten = 0
    for case in range(40):
        source, args = _random_sum(rng, case)
        module = _module(f"random_sum_{case}", source)
        text = _agree(getattr(module, f"f{case}"), args, wrt=(0, 1))
        rewritten += "einsum" in text
    assert rewritten >= 30


def compared_sum(A, B, x):
    """A sum compared inside a statement whose own value decides nothing: the comparison decides."""
    m = (np.sum(A * B, axis=1) > 0.0) * 1.0 + 0.5
    return np.sum(m * np.sum(x * x, axis=1))


def test_a_sum_inside_a_comparison_keeps_np_sum_s_bits():
    """einsum adds in another order: the row sums `A * B` compared with 0 stay np.sum even though
    `m` itself decides nothing (rounding.free_assignments: a deciding part of a free statement)."""
    rng = np.random.default_rng(7)
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    text = _agree(compared_sum, (A, B, rng.normal(size=(4, 3))), wrt=2)
    assert "np.sum(A * B, axis=1) > 0.0" in text and "'ij,ij->i', A, B" not in text, text
