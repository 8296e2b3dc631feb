"""Gradients specialised at their first call for their arguments' types and shapes.

What is checked: the specialised code is what runs and is leaner (no unbroadcast where shapes are
known to agree); arguments of other types, shapes or dtypes take a correct path; the shape facts
never assume what depends on values (masks, data-dependent sizes); the general code stays
reachable for inspection and for differentiating the gradient again; concurrent first calls.
"""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, value_and_grad
from astgrad.analysis.shape_facts import ShapeFacts
from astgrad.specialize.dispatch import MAX_SPECIALISATIONS, kind_of, standin


def _specializer(g):
    return g.__astgrad_specializer__


def rnn(W, b, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + x + b)
    return np.sum(h * h)


def branchy(x, a):
    y = x
    for _ in range(10):
        if y > 1.0:
            y = -0.8 * y + a * math.sin(y)
        else:
            y = a * y * y + 0.5
    return y


def _rnn_args(hidden=4, steps=3, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(hidden, hidden)) / 2,
        rng.normal(size=hidden),
        rng.normal(size=(steps, hidden)),
        np.zeros(hidden),
    )


def test_first_call_swaps_in_code_specialised_for_the_shapes():
    g = grad(rnn, wrt=(0, 1))
    args = _rnn_args()
    check_grad(rnn, g, *args, wrt=(0, 1))
    spec = _specializer(g)
    ((key, text),) = spec.sources.items()
    assert g.__code__ is spec.by_key[key].__code__
    # every shape is known: no broadcasting bookkeeping and no pushes of the matmul results
    assert "unbroadcast" not in text and "specialised for W: array(4, 4)" in text
    assert "unbroadcast" in g.source  # the general code (what .source shows) needs it
    assert "push(tape, t" not in text


def test_scalar_loop_specialises_to_plain_float_code():
    g = grad(branchy, wrt=(0, 1))
    check_grad(branchy, g, 0.3, 0.8, wrt=(0, 1))
    text = next(iter(_specializer(g).sources.values()))
    assert "unbroadcast" not in text and "zeros_like" not in text and "check_scalar" not in text
    assert "a_bar = 0.0" in text


def test_other_shapes_types_and_dtypes_take_a_correct_path():
    g = grad(rnn, wrt=(0, 1))
    for hidden, steps in [(4, 3), (5, 2), (4, 3), (2, 6)]:
        args = _rnn_args(hidden, steps, seed=hidden + steps)
        check_grad(rnn, g, *args, wrt=(0, 1))
    assert len(_specializer(g).by_key) == 3  # one per distinct shape set, reused
    h = grad(branchy, wrt=(0, 1))
    check_grad(branchy, h, 0.3, 0.8, wrt=(0, 1))
    check_grad(branchy, h, np.float64(0.3), 0.8, wrt=(0, 1))  # a NumPy scalar: another kind
    check_grad(branchy, h, np.array(0.3), np.array(0.8), wrt=(0, 1))  # 0-d arrays


def test_integer_index_then_boolean_mask_of_the_same_shape():
    # y as integer indices gives 4 picked rows; y as a mask picks as many as are true
    def pick(x, y):
        return np.sum(x[y] * 2.0)

    g = grad(pick)
    x = np.arange(12.0).reshape(4, 3)
    check_grad(pick, g, x, np.array([0, 1, 1, 3]))
    mask = np.array([True, False, True, False])
    np.testing.assert_allclose(g(x, mask), 2.0 * mask[:, None] * np.ones((4, 3)))


def test_no_fact_where_a_shape_depends_on_values():
    def f(x, n, m):
        a = x[:n]  # length n: a value, unknown
        b = np.sum(a) + x  # so this shape is x's, known
        mask = x > 0.5
        c = x[mask]  # as many as are true: unknown
        z = np.zeros(int(m))  # a data value as a size: unknown
        return np.sum(b * 2.0) + np.sum(c) + np.sum(z)

    from astgrad.ad.assemble import normalized

    x = np.array([0.1, 0.3, 0.6, 0.8, 0.95])  # none at the mask's threshold
    ctx, fdef = normalized(f)
    facts = ShapeFacts(ctx, fdef, {p: standin(kind_of(v)) for p, v in zip(["x", "n", "m"], [x, 3, 2.0])})
    assert facts.shape("a") is None and facts.shape("c") is None and facts.shape("z") is None
    assert facts.shape("b") == (5,) and facts.shape("mask") == (5,)
    g = grad(f)
    for n in (1, 4):
        check_grad(f, g, x, n, 2.0)


def test_a_name_whose_shape_changes_between_assignments_has_no_fact():
    def f(x, a):
        y = x  # a scalar first...
        for _ in range(2):
            y = y * a  # ...then a's shape
        return np.sum(y)

    g = grad(f, wrt=(0, 1))
    check_grad(f, g, 0.5, np.array([1.0, 2.0, 3.0]), wrt=(0, 1))
    check_grad(f, g, np.array([0.5, 0.25, 2.0]), 1.5, wrt=(0, 1))


def test_exported_specialised_source_runs_alone_and_refuses_other_shapes_clearly():
    g = grad(rnn, wrt=(0, 1))
    args = _rnn_args()
    expected = g(*args)
    text = next(iter(_specializer(g).sources.values()))
    scope: dict = {}
    exec(text, scope)
    fn = scope[g.__name__]
    for a, b in zip(fn(*args), expected):
        np.testing.assert_allclose(a, b)
    with pytest.raises(TypeError, match="generated for arguments of other types or shapes"):
        fn(*_rnn_args(hidden=3))


def test_source_with_arguments_shows_the_specialised_code():
    text = astgrad.source(rnn, wrt=(0, 1), args=_rnn_args())
    assert "specialised for W: array(4, 4)" in text and "unbroadcast" not in text
    assert "unbroadcast" in astgrad.source(rnn, wrt=(0, 1))


def test_beyond_the_limit_other_shapes_run_the_general_code():
    def f(x):
        return np.sum(np.sin(x) * x)

    g = grad(f)
    for n in range(1, MAX_SPECIALISATIONS + 4):
        check_grad(f, g, np.linspace(0.1, 1.0, n))
    assert len(_specializer(g).by_key) == MAX_SPECIALISATIONS


def test_value_and_grad_keyword_only_and_default_arguments_are_specialised():
    def f(x, y=2.0, *, scale=3.0):
        return scale * np.sum(x * y)

    vg = value_and_grad(f, wrt=(0, 1))
    x = np.array([1.0, 2.0])
    value, (gx, gy) = vg(x, scale=0.5)
    assert value == pytest.approx(0.5 * 3.0 * 2.0)
    np.testing.assert_allclose(gx, [1.0, 1.0])  # scale * y
    assert gy == pytest.approx(0.5 * 3.0)  # scale * sum(x)
    _, (gx, gy) = vg(np.array([1.0, 2.0, 4.0]), 1.0, scale=2.0)  # other shape
    np.testing.assert_allclose(gx, [2.0, 2.0, 2.0])
    assert gy == pytest.approx(14.0)


def test_differentiating_a_specialised_gradient_again_uses_the_general_code():
    def f(x):
        return x * x * x

    g = grad(f)
    assert g(2.0) == pytest.approx(12.0)  # specialised now
    assert grad(g)(2.0) == pytest.approx(12.0)  # d/dx 3x² = 6x
    np.testing.assert_allclose(astgrad.hessian(lambda_free_cube)(np.array([1.0, 2.0])), np.diag([6.0, 12.0]))


def lambda_free_cube(x):
    return np.sum(x * x * x)


def test_concurrent_first_calls_all_get_the_right_gradient():
    def f(x, w):
        return np.sum(np.tanh(x @ w))

    g = grad(f, wrt=1)
    rng = np.random.default_rng(3)
    cases = [(rng.normal(size=(n, 3)), rng.normal(size=3)) for n in (2, 3, 2, 4, 3, 2, 5, 2)]
    expected = [(1 - np.tanh(x @ w) ** 2) @ x for x, w in cases]  # d/dw sum tanh(xw) = xᵀ(1 - tanh²)
    results: list = [None] * len(cases)
    barrier = threading.Barrier(len(cases))

    def run(i):
        barrier.wait()
        results[i] = g(*cases[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, e in zip(results, expected):
        np.testing.assert_allclose(r, e, rtol=1e-12)


def test_optimize_false_or_specialize_false_is_not_specialised():
    for g in (grad(rnn, wrt=(0, 1), optimize=False), grad(rnn, wrt=(0, 1), specialize=False)):
        check_grad(rnn, g, *_rnn_args(), wrt=(0, 1))
        assert not g.__astgrad_specializer__.specialise and not g.__astgrad_specializer__.by_key
    assert grad(rnn, wrt=(0, 1), specialize=False) is not grad(rnn, wrt=(0, 1))  # cached apart


WEIGHTS = np.array([0.5, -1.0, 2.0])


def test_a_gradient_is_never_the_callers_array():
    # d/dx sum(x * WEIGHTS) is WEIGHTS itself: the specialised code must return a new array, so
    # a caller scaling the gradient in place does not change the global (nor an argument)
    def f(x, w):
        return np.sum(x * WEIGHTS) + np.sum(x * w)

    g = grad(f, wrt=(0, 1))
    x, w = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    for _ in range(2):  # the first call specialises, the second runs the specialised code
        gx, gw = g(x, w)
        gx *= 0.0
        gw *= 0.0
    np.testing.assert_array_equal(WEIGHTS, [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(w, [4.0, 5.0, 6.0])


def _specialised_text(g):
    (text,) = _specializer(g).sources.values()
    return text


def test_loop_accumulations_are_batched_and_an_empty_loop_still_gives_zeros():
    g = grad(rnn, wrt=(0, 1))
    args = _rnn_args(hidden=3, steps=4)
    check_grad(rnn, g, *args, wrt=(0, 1))
    text = astgrad.source(rnn, wrt=(0, 1), args=args)
    # four steps, known: each step's operands collected once, summed by one product each
    # (no zero start to add to; the h taken back by each step, read as rows from the tape)
    assert re.search(r"W_bar = (t\d+_bar)_rows\.T\.dot\(h_before\[::-1\]\)\n", text), text
    assert re.search(r"b_bar = np\.einsum\('ij->j', t\d+_bar_rows\)\n", text), text
    W, b, xs, h0 = args
    h0 = np.full(3, 0.5)
    empty = (W, b, np.zeros((0, 3)), h0)
    gW, gb = g(*empty)  # no step: d/dW sum(h0²) = 0, of W's shape
    np.testing.assert_array_equal(gW, np.zeros((3, 3)))
    np.testing.assert_array_equal(gb, np.zeros(3))
    text = astgrad.source(rnn, wrt=(0, 1), args=empty)  # no step to stack: the helpers' sums
    assert "matmul_left_sum(W_bar_parts, W)" in text
    h = grad(rnn, wrt=(0, 1))
    for steps in (1, 2, 5):  # each a specialisation with its own known count
        more = _rnn_args(hidden=3, steps=steps, seed=steps)
        check_grad(rnn, h, *more, wrt=(0, 1))


def test_reduction_adjoints_stay_small_where_their_uses_broadcast_them():
    def logreg(w, X, y, lam):
        p = 1.0 / (1.0 + np.exp(-y * (X @ w)))
        return -np.mean(np.log(p)) + lam * np.sum(w**2)

    def rows(X, c):
        return np.sum(np.max(X, axis=1) * c) + np.sum(np.mean(X * X, axis=0))

    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    g = grad(logreg)
    check_grad(logreg, g, rng.normal(size=3), X, np.sign(rng.normal(size=6)), 0.1)
    assert "unreduce" not in _specialised_text(g) and "unbroadcast" not in _specialised_text(g)
    h = grad(rows, wrt=(0, 1))
    check_grad(rows, h, X, rng.normal(size=6), wrt=(0, 1))


def test_broadcasting_adjoints_become_explicit_sums():
    def outer_sum(x, y, s):
        return np.sum(np.sin(x[:, None] * y[None, :] + s)) + np.sum(-(x[:, None] + y) * 2.0)

    g = grad(outer_sum, wrt=(0, 1, 2))
    rng = np.random.default_rng(6)
    check_grad(outer_sum, g, rng.normal(size=4), rng.normal(size=3), 0.3, wrt=(0, 1, 2))
    text = _specialised_text(g)
    assert "unbroadcast" not in text and "np.sum(" in text


def test_helpers_whose_rank_is_known_become_plain_numpy():
    def layer(W, x, V):
        return np.sum(np.tanh(W @ x) @ V)

    g = grad(layer, wrt=(0, 1, 2))
    rng = np.random.default_rng(7)
    check_grad(layer, g, rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(3, 2)), wrt=(0, 1, 2))
    text = _specialised_text(g)
    assert "matmul_left" not in text and "matmul_right" not in text


def test_batched_sums_equal_the_sums_of_their_terms():
    from astgrad.runtime import matmul_left, matmul_left_sum, matmul_right, matmul_right_sum, sum_parts

    rng = np.random.default_rng(8)
    W, V = rng.normal(size=(3, 4)), rng.normal(size=(4, 3))
    vectors = [(rng.normal(size=3), rng.normal(size=4)) for _ in range(5)]
    batches = [(rng.normal(size=(3, 2)), rng.normal(size=(4, 2))) for _ in range(3)]  # not vectors: term by term
    for parts in (vectors, batches):
        np.testing.assert_allclose(matmul_left_sum(parts, W), sum(matmul_left(g, W, b) for g, b in parts))
    np.testing.assert_allclose(matmul_right_sum(vectors, V), sum(matmul_right(g, a, V) for g, a in vectors))
    np.testing.assert_allclose(sum_parts([np.ones(2), np.full(2, 2.0)]), [3.0, 3.0])
    assert sum_parts([1.5, 2.0]) == 3.5 and matmul_left_sum([], W) == 0.0


def test_shape_facts_for_arguments_too_large_to_compute_with():
    # stand-ins of 10¹⁰ elements cannot even be allocated: the facts come from the shapes alone
    def f(X, w):
        return np.sum(np.tanh(X @ w) * 2.0) + np.sum(np.log1p(X * X))

    from astgrad.ad.assemble import normalized
    from astgrad.specialize.dispatch import standin

    ctx, fdef = normalized(f)
    X, w = ("array", (100_000, 100_000), "f"), ("array", (100_000,), "f")
    facts = ShapeFacts(ctx, fdef, {"X": standin(X), "w": standin(w)})
    shapes = {n: facts.shape(n) for n in facts.state}
    assert shapes["t1"] == (100_000,) and shapes["t2"] == (100_000,)  # X @ w, tanh of it
    assert (100_000, 100_000) in shapes.values()  # X * X
    rng = np.random.default_rng(9)
    Xs, ws = rng.normal(size=(40, 30)) * 0.1, rng.normal(size=30)
    g = grad(f, wrt=1)
    np.testing.assert_allclose(g(Xs, ws), 2.0 * Xs.T @ (1.0 - np.tanh(Xs @ ws) ** 2))  # by hand


def _layer(W, h):
    return np.tanh(W @ h)


def test_a_function_calling_helpers_runs_its_specialised_code_too():
    def net(W1, W2, x):
        return np.sum(_layer(W2, _layer(W1, x)) ** 2)

    rng = np.random.default_rng(10)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=3))
    g = grad(net, wrt=(0, 1))
    check_grad(net, g, *args, wrt=(0, 1))
    (specialised,) = _specializer(g).by_key.values()
    assert specialised is not g.__astgrad_general__
    # the object grad returned runs it: its code (the helpers inlined, nothing clashes with the
    # general code's pairs), or a call of it
    assert g.__code__ is specialised.__code__ or "__astgrad_specialised__" in g.__code__.co_names
    check_grad(net, g, *args, wrt=(0, 1))  # and again, through it
    check_grad(net, g, rng.normal(size=(5, 3)), rng.normal(size=(2, 5)), rng.normal(size=3), wrt=(0, 1))


# found by an adversarial review: each was a silent wrong number in specialised code only


def _where_one_argument(x):
    i = np.where(x > 0)[0]  # as many indices as there are positives
    return np.mean(x[i])


def _tuple_repeated(w, x, n):
    return np.mean(np.array((x,) * n) * w)  # n rows: a length that is a value


def _python_max_of_a_vector(w, x):
    return np.mean(w * max(x))  # max of one vector: one element


def _integer_array(k):
    return np.sum(k) * 2.5 + np.sum(k[1:]) * 0.5


def _view_of_the_argument(x, w):
    return np.sum(x[:, None] * w)  # d/dw is x[:, None], a view of the caller's x


def test_shapes_that_depend_on_values_are_not_facts():
    x = np.array([0.5, -1.0, 2.0, -0.3])
    g = grad(_where_one_argument)
    for _ in range(2):  # the first call specialises, the second runs the specialised code
        np.testing.assert_allclose(g(x), [0.5, 0.0, 0.5, 0.0])  # d mean(x[x > 0]) = 1/2 on the positives
    h = grad(_tuple_repeated, wrt=0)  # (wrt x, the repeated tuple is refused: test_errors)
    for w in (1.5, np.array([1.5, 0.5, 2.0])):
        check_grad(_tuple_repeated, h, w, np.array([1.0, 2.0, 3.0]), 3)
        check_grad(_tuple_repeated, h, w, np.array([1.0, 2.0, 3.0]), 3)
    big = np.random.default_rng(11).normal(size=200_000)
    m = grad(_python_max_of_a_vector)
    for _ in range(2):
        assert m(1.5, big) == pytest.approx(np.max(big))  # d/dw mean(w · max x) = max x


def test_an_integer_array_gets_a_float_gradient():
    g = grad(_integer_array)
    for _ in range(2):
        np.testing.assert_allclose(g(np.array([1, 2, 3])), [2.5, 3.0, 3.0])  # by hand: 2.5 + 0.5 on k[1:]


def test_a_gradient_is_never_a_view_of_the_callers_array():
    g = grad(_view_of_the_argument, wrt=1)
    x, w = np.array([1.0, 2.0, 3.0]), np.ones((3, 1))
    for _ in range(2):
        r = g(x, w)
        np.testing.assert_array_equal(r, x[:, None])
        r += 100.0
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def _shared_shift(means, x, Q):
    xc = x[None, :, :] - means[:, None, :]  # (k, n, d): each row shifted by its component's mean
    z = xc @ np.transpose(Q, (0, 2, 1))
    return np.sum(np.sin(z))


def _matrix_shift(b, X, W):
    return np.sum(np.cos((X - b) @ W))


def test_rows_are_summed_before_the_product_that_spreads_them():
    """means' adjoint is Σᵢ xc_bar[k, i] = Σᵢ z_bar[k, i] Q_k: the rows of z_bar are summed
    first (one row through the product instead of n); checked against central differences."""
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), rng.normal(size=(3, 2, 2)))
    g = grad(_shared_shift, wrt=(0, 2))
    check_grad(_shared_shift, g, *args, wrt=(0, 2))
    text = _specialised_text(g)
    assert "np.einsum('ijk->ik', z_bar)[:, None] @" in text, text
    np.testing.assert_allclose(g(*args)[0], grad(_shared_shift, specialize=False)(*args), rtol=1e-12)
    h = grad(_matrix_shift, wrt=(0, 2))
    margs = (rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(3, 2)))
    check_grad(_matrix_shift, h, *margs, wrt=(0, 2))
    assert "np.einsum('ij->j', t2_bar)[None] @ W.T)[0]" in _specialised_text(h), _specialised_text(h)


def _hinge(W, X, y):
    scores = X @ W
    correct = scores[np.arange(X.shape[0]), y]
    return np.sum(np.maximum(0.0, scores - correct[:, None] + 1.0))


def test_a_sum_kept_then_reshaped_is_a_plain_sum_and_arrays_need_no_structure_matching():
    rng = np.random.default_rng(9)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(6, 4)), rng.integers(0, 3, size=6))
    g = grad(_hinge)
    check_grad(_hinge, g, *args)
    text = _specialised_text(g)
    assert re.search(r"correct_bar = -np.einsum\('ij->i', t\d+_bar\)\n", text), text
    assert "keepdims" not in text and "reshape" not in text and "match_structure" not in text
    np.testing.assert_allclose(g(*args), grad(_hinge, specialize=False)(*args), rtol=1e-12)


def _two_layers_per_step(W, V, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + x)  # W's adjoint reads the h before this line...
        h = np.sin(V @ h)  # ...V's the h after it: one name, two values per step
    return np.sum(h * h)


def test_a_name_collected_at_two_values_per_step_gets_two_stacks():
    rng = np.random.default_rng(10)
    args = (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(4, 3)), rng.normal(size=3))
    g = grad(_two_layers_per_step, wrt=(0, 1))
    check_grad(_two_layers_per_step, g, *args, wrt=(0, 1))
    general = grad(_two_layers_per_step, wrt=(0, 1), specialize=False)(*args)
    for a, b in zip(g(*args), general):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    text = _specialised_text(g)
    assert text.count("_rows = np.array(") + text.count("_buffer = np.empty(") >= 3, text


def _rows_rescaled(W, xs, h0):
    h = h0
    for k in range(xs.shape[0]):
        x = xs[k]  # xs is another array at every step: x must be saved, not read again
        h = np.tanh(W @ h + x * x)
        xs = xs * 0.9
    return np.sum(h * h)


def _rnn_with_inputs(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def test_a_loops_row_is_read_again_in_the_backward_loop_not_saved():
    """`for x in xs` reads x = xs[k]; the backward loop reads it again at the same k (xs never
    changes), and the specialised sum over the rows is a product with xs itself."""
    rng = np.random.default_rng(11)
    args = (rng.normal(size=(3, 3)) / 2, rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), np.zeros(3))
    text = astgrad.source(_rnn_with_inputs, wrt=(0, 1))
    assert re.search(r"for k in reversed\(range\(t\d+\)\):\n\s+x = xs\[k\]", text), text
    assert "push(tape, x)" not in text, text
    g = grad(_rnn_with_inputs, wrt=(0, 1))
    check_grad(_rnn_with_inputs, g, *args, wrt=(0, 1))
    assert ".dot(xs[::-1])" in _specialised_text(g)
    wargs = (rng.normal(size=(3, 3)) / 2, rng.normal(size=(4, 3)), rng.normal(size=3))
    h = grad(_rows_rescaled, wrt=(0, 1))
    check_grad(_rows_rescaled, h, *wargs, wrt=(0, 1))
    general = grad(_rows_rescaled, wrt=(0, 1), specialize=False)(*wargs)
    for a, b in zip(h(*wargs), general):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert "x = pop(tape)" in astgrad.source(_rows_rescaled, wrt=(0, 1))  # saved, restored


# -------------------------------------------------- found by an adversarial review of the rewrites


def _reuse_after_a_write(x):
    y = x * 2.0
    a = np.exp(y)
    y[1] = 0.0
    b = np.exp(y)  # the same call, but y changed: not a
    return np.sum(a * b)


def _reuse_after_a_list_write(x):
    hs = [x * 1.0, x * 3.0]
    a = np.stack(hs)
    hs[0] = x * 2.0
    b = np.stack(hs)
    return np.sum(a * a) + np.sum(b * b)


def _negated_twice_then_written(x):
    y = -(-x)  # noqa: B002 (a new array: not x itself)
    y[0] = 0.0
    return np.sum(y) * np.sum(x)


def _copy_through_a_tuple_then_written(x):
    a, b = x * 1.0, x * 2.0
    a[0] = 0.0
    return np.sum(a) * np.sum(b)


def _gather_from_a_negative_range(x):
    y = x * 1.0
    c = y[np.arange(-2, 2)]  # position 1 twice (-2 is 1 for three elements)
    return np.sum(np.maximum(y, 0.0)) + np.sum(c * c)


def _write_through_a_negative_range(x, y):
    z = x * 1.0
    z[np.arange(-2, 1)] = y  # position 0 twice: the last write stays
    return np.sum(z * z)


@pytest.mark.parametrize(
    "f, args",
    [
        (_reuse_after_a_write, (np.array([1.0, 2.0, 3.0]),)),
        (_reuse_after_a_list_write, (np.array([1.0, 2.0, 3.0]),)),
        (_negated_twice_then_written, (np.array([3.0, 2.0, 1.0]),)),
        (_copy_through_a_tuple_then_written, (np.array([3.0, 2.0, 1.0]),)),
        (_gather_from_a_negative_range, (np.array([1.0, 2.0, 3.0]),)),
        (_write_through_a_negative_range, (np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]))),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_rewrites_that_a_write_or_a_repeated_index_makes_wrong_are_not_made(f, args):
    wrt = tuple(range(len(args)))
    kept = [a.copy() for a in args]
    g = grad(f, wrt=wrt)
    check_grad(f, g, *[a.copy() for a in args], wrt=wrt)
    value = g(*args)
    general = grad(f, wrt=wrt, specialize=False)(*args)
    for a, b in zip(
        value if isinstance(value, tuple) else (value,), general if isinstance(general, tuple) else (general,)
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(args, kept):
        np.testing.assert_array_equal(a, b)  # the caller's arrays unchanged


def _mean_of_a_masked_array(x):
    return np.mean((x > 0.1) * x)


def test_a_float32_argument_keeps_a_float32_gradient_through_a_mask():
    x = np.array([0.5, -0.2, 0.3], dtype=np.float32)
    assert grad(_mean_of_a_masked_array)(x).dtype == np.float32
    assert grad(_mean_of_a_masked_array, specialize=False)(x).dtype == np.float32


def _rows_then_written(w, xs):
    s = 0.0
    for x in xs:
        s = s + np.sum(w * x)
    xs[0] = 0.0  # after the loop: the rows the backward pass reads must be the values it summed
    return s


@pytest.mark.parametrize("specialize", [False, True])
def test_the_rows_of_a_sequence_written_after_the_loop_are_copies(specialize):
    xs = np.array([[3.0, 4.0], [1.0, -2.0]])
    g = grad(_rows_then_written, specialize=specialize)(np.array([1.0, 2.0]), xs.copy())
    np.testing.assert_array_equal(g, xs.sum(axis=0))  # by hand: d/dw Σₖ w·xₖ = Σₖ xₖ


def _element_of_a_list_written_through(x):
    hs = [x * 2.0]
    a = hs[0]
    a[0] = 0.0  # changes the list's array too: refused, not a silently wrong gradient
    return np.sum(np.stack(hs))


def _slot_of_a_list_replaced(x):
    hs = [x * 1.0, x * 2.0]
    a = hs[0]
    hs[1] = x * 3.0  # replacing a slot changes no array: fine
    return np.sum(a * a) + np.sum(hs[1])


def test_an_array_taken_from_a_list_and_written_through_is_refused_clearly():
    x = np.array([1.0, 2.0, 3.0])
    for specialize in (False, True):
        with pytest.raises(ValueError, match="held in a list"):
            grad(_element_of_a_list_written_through, specialize=specialize)(x)
    g = grad(_slot_of_a_list_replaced)
    np.testing.assert_allclose(g(x), 2.0 * x + 3.0, rtol=1e-14)  # by hand: d/dx (Σx² + Σ3x)
