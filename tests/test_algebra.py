"""Specialised code's products simplified (astgrad/specialize/algebra.py) and the late rewrites of
lowering.polish: each checked on the generated text, against the general code to rounding, and
against central differences."""

from __future__ import annotations

import math
import re

import gast
import numpy as np

import astgrad
from astgrad import check_grad, grad
from astgrad.ir.codegen import render
from astgrad.specialize.algebra import simplify_products
from tests.test_specialize import _hinge as hinge


def _specialised(g):
    """The specialised gradient's code, without its comments (which quote the source)."""
    (text,) = g.__astgrad_specializer__.sources.values()
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def _agree(f, args, wrt=0):
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt)
    general = grad(f, wrt=wrt, specialize=False)(*args)
    for a, b in zip(np.atleast_1d(g(*args)) if not isinstance(wrt, tuple) else g(*args), general):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    return _specialised(g)


def logistic(w, X, y):
    p = 1.0 / (1.0 + np.exp(-y * (X @ w)))
    return -np.mean(np.log(p))


def test_a_factor_and_its_reciprocal_cancel():
    """log(p)'s adjoint divides by p and 1/t's multiplies by p: d/du -log(1/(1+e)) = e/(1+e)."""
    rng = np.random.default_rng(0)
    text = _agree(logistic, (rng.normal(size=3), rng.normal(size=(5, 3)), np.sign(rng.normal(size=5))))
    assert "p_bar" not in text and "p = " not in text, text  # and p itself is no longer computed
    assert re.search(r"t\d+_bar = 1\.0 / 5 \* t\d+ / t\d+\n", text), text


def squared_distances(z, c):
    return np.sum(c[:, None] - 0.5 * np.sum(z * z, axis=2))


def test_constants_meet_through_a_spreading_index():
    """(0.5 * -g)[:, :, None] * 2.0 * z is -g[:, :, None] * z: one product instead of four."""
    rng = np.random.default_rng(1)
    text = _agree(squared_distances, (rng.normal(size=(3, 4, 2)), rng.normal(size=3)))
    assert "z_bar = t4_bar[:, :, None] * z" in text, text


def _simplified(source: str, shapes: dict[str, tuple], spread: set[str] = frozenset()) -> str:
    fdef = gast.parse(source).body[0]
    fdef._ag_spread_later = set(spread)

    def shape_of(n):
        return shapes.get(n)

    shape_of.kind = lambda n: "f" if n in shapes else None
    simplify_products(fdef, "np", shape_of)
    return render(fdef)


CANCELS = """
def f(a, b, c):
    t1_bar = 2.0 * a / b
    y = t1_bar * b * c
    return y
"""


def test_cancelling_is_refused_where_it_would_change_the_shape():
    same = {"a": (2, 3), "b": (2, 3), "c": (2, 3), "t1_bar": (2, 3), "y": (2, 3)}
    assert "y = 2.0 * a * c" in _simplified(CANCELS, same)
    wider = dict(same, a=(3,), c=(3,))  # b gave the product its rows
    assert "y = t1_bar * b * c" in _simplified(CANCELS, wider)
    assert "y = t1_bar * b * c" in _simplified(CANCELS, same, spread={"a"})  # a smaller than its fact
    assert "y = t1_bar * b * c" in _simplified(CANCELS, {k: v for k, v in same.items() if k != "c"})


def lower_triangle(l, x):
    L = np.zeros((3, 2, 2))
    L[:, [1], [0]] = l
    return np.sum(np.sin(x @ L))


def test_an_adjoint_zeroed_then_unread_is_not_computed():
    rng = np.random.default_rng(2)
    text = _agree(lower_triangle, (rng.normal(size=(3, 1)), rng.normal(size=(4, 2))))
    assert "owned_copy" not in text and "L_bar[" not in text, text


def row_sums_and_elements(q, c):
    return np.sum(np.sum(q, axis=1) * c) + np.sum(np.exp(q))


def test_a_spread_reduction_adjoint_joins_the_sum_it_starts():
    rng = np.random.default_rng(3)
    text = _agree(row_sums_and_elements, (rng.normal(size=(4, 3)), rng.normal(size=4)))
    assert "unreduce(" not in text and "c[:, None]" in text and "1.0 *" not in text, text


def test_workload_gradients_read_like_their_hand_derivations():
    """The benchmark's GMM: no max mask, no adjoint of the shifts, means' rows summed first."""
    from benchmarks.workloads import by_name

    w = by_name("gmm-small")
    args = w.make_args(np.random.default_rng(4))
    text = astgrad.source(w.f, wrt=w.wrt_indices(), args=args)
    assert "extremum_mask" not in text and "mx_bar" not in text and "amax_bar" not in text
    assert "np.einsum('ijk->ik', z_bar)[:, None] @" in text  # (reductions.py)
    assert "z_bar = -t17_bar[:, :, None] * z" in text, text
    assert "q_bar = sum_q_bar[:, None] + qdiag_bar * qdiag" in text, text  # unreduce joined to its sum
    assert "owned_copy" not in text and "L_bar" not in text, text
    assert "np.ones((5,), icf.dtype)" in text and "lgamma" not in text, text  # the prior's value: not computed


def test_a_gather_by_distinct_indices_is_scattered_back_in_place():
    """scores[arange(n), y] selects one element per row: its adjoint is added in place."""
    rng = np.random.default_rng(5)
    text = _agree(hinge, (rng.normal(size=(4, 3)), rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)))
    assert "unindex" not in text and re.search(r"scores_bar\[t\d+, y\] \+= correct_bar\n", text), text


def repeated_writes(l, x):
    L = np.zeros((3, 2, 2))
    L[:, [1, 1], [0, 0]] = l  # the same element twice: only the last write stays
    return np.sum(np.sin(x @ L))


def written_through_a_changed_range(l, x):
    L = np.zeros((3, 2, 2))
    rows = np.arange(2)
    rows[1] = 0  # no longer distinct
    L[:, rows, 0] = l
    return np.sum(np.sin(x @ L))


def test_writes_through_indices_that_may_repeat_keep_the_last_write_rule():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 2))
    for f in (repeated_writes, written_through_a_changed_range):
        text = _agree(f, (rng.normal(size=(3, 2)), x))
        assert "written_part" in text, text
    text = _agree(lower_triangle, (rng.normal(size=(3, 1)), x))
    assert "written_part" in text, text  # [1], [0]: distinct, but literal lists are not analysed


def triangle_by_indices(l, x):
    L = np.zeros((3, 3, 3))
    cols, rows = np.triu_indices(3, 1)
    L[:, rows, cols] = l
    return np.sum(np.sin(x @ L))


def test_writes_through_triangle_indices_read_back_plainly():
    rng = np.random.default_rng(7)
    text = _agree(triangle_by_indices, (rng.normal(size=(3, 3)), rng.normal(size=(4, 3))))
    assert "written_part" not in text and "[:, rows, cols]" in text, text


def relu_loss(W, X):
    h = np.maximum(0.0, X @ W + 1.0)
    h[0, :] = 0.0  # (h written into: its adjoint starts as np.ones_like(h))
    return np.sum(h) + np.sum(np.exp(W) * 0.5)


def scaled_counts(k, w):
    m = k * 0.5 * np.sum(w)  # an integer array times floats: float64, not k's dtype
    return np.sum(m)


def test_a_sum_of_an_unused_value_takes_its_shape_and_an_earlier_dtype():
    """np.ones_like(h) needs h only for shape and dtype: h is not computed, the dtype is read off
    the array it derives from; float32 arguments keep a float32 gradient."""
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(3, 2)), rng.normal(size=(4, 3)))
    text = _agree(relu_loss, args)
    assert re.search(r"np\.ones\(\(4, 2\), \w+\.dtype\)", text) and "np.maximum" not in text, text
    single = tuple(a.astype(np.float32) for a in args)
    g = grad(relu_loss)(*single)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, grad(relu_loss, specialize=False)(*single), rtol=1e-6)
    k = np.arange(4)
    gw = grad(scaled_counts, wrt=1)(k, rng.normal(size=3))
    assert gw.dtype == np.float64
    np.testing.assert_allclose(gw, np.full(3, 0.5 * k.sum()), rtol=1e-14)  # d/dw Σᵢ kᵢ/2 Σⱼ wⱼ


def with_a_constant_recurrence(x):
    c = 0.0
    for j in range(3):
        c = c + math.lgamma(j + 1.5)  # a constant: no derivative, and the gradient does not need it
    return np.sum(x * x) + c


def test_a_recurrence_nothing_else_reads_is_not_computed():
    x = np.array([0.5, -1.0])
    for g in (grad(with_a_constant_recurrence, specialize=False), grad(with_a_constant_recurrence)):
        np.testing.assert_array_equal(g(x), 2.0 * x)  # by hand: d/dx Σ x² = 2x
    assert "lgamma" not in astgrad.source(with_a_constant_recurrence, args=(x,))
    general = astgrad.source(with_a_constant_recurrence)  # (it checks that the output is a number)
    assert "reversed(range(3))" not in general, general  # no backward loop with nothing to do


def two_aranges(W, X, y):
    scores = X @ W
    margins = np.maximum(0.0, scores - scores[np.arange(X.shape[0]), y][:, None] + 1.0)
    margins[np.arange(X.shape[0]), y] = 0.0
    return np.sum(margins)


def test_a_pure_call_repeated_with_the_same_arguments_is_made_once():
    rng = np.random.default_rng(12)
    text = _agree(two_aranges, (rng.normal(size=(4, 3)), rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)))
    assert text.count("np.arange(") == 1, text


def quadratic_step(y, a):
    for _ in range(3):
        y = a * y * y + 1.3 * y + 0.5
    return y


def test_a_factor_shared_by_terms_of_an_adjoint_sum_is_taken_out_once():
    """y's adjoint gathers a term per use of y: 1.3·ȳ + t·ȳ + a·t̄ → ȳ·(1.3 + t) + a·t̄.
    The forward pass keeps the function's own order of operations."""
    text = _agree(quadratic_step, (0.3, 0.8), wrt=(0, 1))
    assert "y_bar = y_bar * (1.3 + t" in text, text
    assert re.search(r"y = t\d+ \* y \+ 1\.3 \* y \+ 0\.5", text), text  # as written, not factored
    text = _agree(quadratic_step, (-0.4, 1.1), wrt=(0, 1))


def sine_step(y, a):
    for _ in range(2):
        y = -0.8 * y + a * math.sin(y)
    return y


def shared_array_factor(w, x, v):
    return np.sum(w * x * np.sin(w) + 2.0 * w * v)


def test_factoring_works_through_math_calls_and_on_arrays():
    text = _agree(sine_step, (0.7, 1.3), wrt=(0, 1))
    assert "y_bar = y_bar * (a * math.cos(y) - 0.8)" in text, text
    rng = np.random.default_rng(7)
    args = (rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=4))
    text = _agree(shared_array_factor, args)
    assert "w_bar = t6_bar * (2.0 * v + t1 * np.cos(w) + t2 * x)" in text, text  # one product, not three


def test_a_term_with_a_zero_coefficient_is_left_as_written():
    """`0.0 * a * ȳ + t * ȳ` cannot be written back term by term (no `0.0 * a`); the sum
    stays as it is rather than the rewrite failing inside the transformer."""
    from astgrad.specialize.algebra import _sum

    zero_term = (0.0, [(gast.Name("a", gast.Load(), None, None), 1)])
    assert _sum([zero_term, (1.0, [(gast.Name("t", gast.Load(), None, None), 1)])], "np") is None
    assert render(_sum([(2.0, []), (-1.0, [(gast.Name("t", gast.Load(), None, None), 1)])], "np")).strip() == "2.0 - t"
