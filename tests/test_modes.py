"""Forward mode against reverse mode against central differences; Jacobians, Hessians,
higher order, custom rules, has_aux, stop_gradient, jvp/vjp."""

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, hessian, hvp, jacobian, jvp, numerical_grad, numerical_jacobian, vjp
from tests import catalogue as cat
from tests import modes_functions as mf
from tests.test_rules import CASES, rows


@pytest.mark.parametrize("case", rows(CASES))
def test_forward_mode_equals_reverse_mode_and_central_differences(case):
    args = case.sample(0)
    forward = grad(case.f, wrt=case.wrt, mode="forward")
    check_grad(case.f, forward, *args, wrt=case.wrt)
    reverse = grad(case.f, wrt=case.wrt)(*args)
    forward_value = forward(*args)
    if isinstance(case.wrt, tuple):
        for r, f in zip(reverse, forward_value):
            np.testing.assert_allclose(f, r, rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(forward_value, reverse, rtol=1e-10, atol=1e-12)


def test_lecture_forward_mode_reads_like_the_lecture():
    text = astgrad.source(mf.lecture, wrt=("x1", "x2"), mode="forward")
    assert "t1_dot = x1_dot * x2 + x1 * x2_dot" in text  # ẇ2 = ẋ1·x2 + x1·ẋ2
    assert "t2_dot = x1_dot * np.cos(x1)" in text  # ẇ1 = cos(x1)·ẋ1
    assert "out_dot = t1_dot + t2_dot" in text  # ẇ3 = ẇ1 + ẇ2


def test_jvp_matches_hand_derivation():
    out, out_dot = jvp(mf.lecture, (0.7, -1.3), (1.0, 2.0))
    assert out == pytest.approx(mf.lecture(0.7, -1.3))
    # (x2 + cos x1)·1 + x1·2
    assert out_dot == pytest.approx(-1.3 + np.cos(0.7) + 0.7 * 2.0)


def test_zero_tangents_produce_no_code():
    text = astgrad.source(mf.lecture, wrt="x1", mode="forward")
    assert "x2_dot" not in text
    assert "t1_dot = x1_dot * x2" in text


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_vector_function(mode):
    rng = np.random.default_rng(3)
    x, A = rng.normal(size=3), rng.normal(size=(3, 3))
    J = jacobian(mf.vector_valued, mode=mode)(x, A)
    assert J.shape == (3, 3)
    np.testing.assert_allclose(J, numerical_jacobian(mf.vector_valued, x, A), atol=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_with_respect_to_two_arguments(mode):
    Jx, Jy = jacobian(mf.two_outputs, wrt=(0, 1), mode=mode)(0.3, 1.7)
    np.testing.assert_allclose(Jx, [1.7, np.cos(0.3)])  # d(x*y)/dx = y, d(sin x + y)/dx = cos x
    np.testing.assert_allclose(Jy, [0.3, 1.0])


def test_jacobian_modes_agree_on_matrix_input():
    rng = np.random.default_rng(4)
    A, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    Jr = jacobian(mf.vector_valued, wrt=1, mode="reverse")(x, np.vstack([A, A[:1]]))
    Jf = jacobian(mf.vector_valued, wrt=1, mode="forward")(x, np.vstack([A, A[:1]]))
    assert Jr.shape == (3, 3, 3)
    np.testing.assert_allclose(Jr, Jf, atol=1e-12)


def test_hessian_of_quadratic_form_is_exact():
    A = np.array([[2.0, 1.0, 0.0], [3.0, 4.0, 1.0], [0.0, -1.0, 5.0]])
    b = np.array([1.0, -2.0, 0.5])
    H = hessian(mf.quadratic)(np.array([0.1, -0.4, 2.0]), A, b)
    np.testing.assert_allclose(H, (A + A.T) / 2, rtol=0, atol=1e-14)  # d²/dx² ½xᵀAx = (A + Aᵀ)/2


def test_hessian_through_a_list_of_states_against_second_differences():
    """The gradient's backward pass shortens the list's adjoint (`hs_bar = hs_bar[:-1]`): no
    alias of itself to refuse when it is differentiated again."""
    x = np.array([0.3, -0.4, 0.9])
    H = hessian(cat.states_hessian)(x)
    g = grad(cat.states_hessian)
    numeric = np.array([numerical_grad(lambda x, i=i: g(x)[i], x) for i in range(3)])
    np.testing.assert_allclose(H, numeric, atol=1e-7)


def test_hessian_through_a_row_read_before_a_write_against_second_differences():
    """The gradient copies the row (`t1 = h[0]; t2 = copy_of(t1)`): differentiated again, t1 is
    no view that a write could change."""
    x = np.array([0.5, 1.0, 2.0])
    H = hessian(cat.row_read_then_written_once)(x)
    g = grad(cat.row_read_then_written_once)
    numeric = np.array([numerical_grad(lambda x, i=i: g(x)[i], x) for i in range(3)])
    np.testing.assert_allclose(H, numeric, atol=1e-7)


def test_hessian_of_softmax_cross_entropy_against_second_differences():
    rng = np.random.default_rng(5)
    W, x = rng.normal(size=(4, 3)), rng.normal(size=3)
    H = hessian(mf.softmax_cross_entropy)(W, x, 2)
    assert H.shape == (4, 3, 4, 3)
    numeric = numerical_jacobian(grad(mf.softmax_cross_entropy), W, x, 2)
    np.testing.assert_allclose(H, numeric, atol=1e-6)
    np.testing.assert_allclose(H.reshape(12, 12), H.reshape(12, 12).T, atol=1e-12)  # symmetric


def test_hessian_vector_product():
    rng = np.random.default_rng(6)
    W, x, v = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
    H = hessian(mf.softmax_cross_entropy)(W, x, 1)
    np.testing.assert_allclose(hvp(mf.softmax_cross_entropy)(W, x, 1, v), np.tensordot(H, v, axes=2), atol=1e-12)


def test_grad_of_grad_of_polynomial():
    d2 = grad(grad(mf.poly))
    d3 = grad(d2)
    for x in (-1.2, 0.3, 1.5):
        assert d2(x) == pytest.approx(36.0 * x**2 - 4.0)  # (3x⁴ − 2x² + x)'' = 36x² − 4
        assert d3(x) == pytest.approx(72.0 * x)


def test_grad_of_grad_of_sin():
    d2 = grad(grad(mf.sin_times_x))
    for x in (-0.4, 0.7, 2.0):
        assert d2(x) == pytest.approx(2.0 * np.cos(x) - x * np.sin(x))  # (x sin x)'' = 2cos x − x sin x


def test_custom_rule_used_inside_a_loop_both_modes():
    x = np.array([0.3, -1.2, 2.0])
    for mode in ("reverse", "forward"):
        check_grad(mf.custom_rule_in_loop, grad(mf.custom_rule_in_loop, mode=mode), x, 4)
    text = astgrad.source(mf.custom_rule_in_loop)
    assert "/ (1.0 + np.exp(-h))" in text  # the user's template, spliced in
    assert "log1p" not in text  # ...instead of the primitive's body


def test_forward_mode_through_loops_and_branches():
    for n in (0, 1, 5):
        x = np.array([0.2, 0.9])
        f = grad(mf.loop_and_branch, mode="forward")
        r = grad(mf.loop_and_branch)
        check_grad(mf.loop_and_branch, f, x, n)
        np.testing.assert_allclose(f(x, n), r(x, n), atol=1e-12)


def test_has_aux():
    rng = np.random.default_rng(7)
    w, X = rng.normal(size=3), rng.normal(size=(5, 3))
    g, aux = grad(mf.with_aux, has_aux=True)(w, X)
    np.testing.assert_allclose(g, numerical_grad(lambda w, X: mf.with_aux(w, X)[0], w, X), atol=1e-6)
    np.testing.assert_allclose(aux["residual"], X @ w)
    (value, aux2), g2 = astgrad.value_and_grad(mf.with_aux, has_aux=True)(w, X)
    assert value == pytest.approx(np.mean((X @ w) ** 2))
    np.testing.assert_allclose(g2, g)
    g3, _ = grad(mf.with_aux, has_aux=True, mode="forward")(w, X)
    np.testing.assert_allclose(g3, g, atol=1e-12)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


@pytest.mark.parametrize("f", [mf.aux_state, mf.aux_written, mf.aux_holds_written])
def test_the_aux_is_the_forward_passs_value_of_a_state_the_backward_pass_restores(f):
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(3, 3)) / 3, rng.normal(size=(4, 3)), rng.normal(size=3))
    want_value, want_aux = f(*args)
    for specialize in (True, False):
        for _ in range(2):  # specialising, then the specialised code
            g, aux = grad(f, wrt=0, has_aux=True, specialize=specialize)(*args)
            assert _same(aux, want_aux), (aux, want_aux)
            (value, aux2), g2 = astgrad.value_and_grad(f, wrt=0, has_aux=True, specialize=specialize)(*args)
            assert value == want_value
            assert _same(aux2, want_aux)
            np.testing.assert_array_equal(g2, g)
        np.testing.assert_allclose(g, numerical_grad(lambda *a: f(*a)[0], *args), rtol=1e-6, atol=1e-8)
    state = want_aux if isinstance(want_aux, np.ndarray) else want_aux[0]["h"]
    assert not np.array_equal(state, args[2])  # (the state did change: the test can fail)


def test_stop_gradient_blocks_the_derivative():
    dx, dy = grad(mf.stopped, wrt=(0, 1))(1.5, 2.0)
    assert dx == pytest.approx(2.0 * 1.5)  # d/dx [x · const] with const = y·x = 3
    assert dy == 0.0


def test_vjp_pullback_can_be_called_twice():
    rng = np.random.default_rng(8)
    x, A = rng.normal(size=3), rng.normal(size=(3, 3))
    out, pullback = vjp(mf.vector_valued, x, A)
    np.testing.assert_allclose(out, mf.vector_valued(x, A))
    J = numerical_jacobian(mf.vector_valued, x, A)
    for seed in (np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, -1.0])):
        x_bar, A_bar = pullback(seed)
        np.testing.assert_allclose(x_bar, seed @ J, atol=1e-6)
        assert A_bar.shape == A.shape


def test_forward_mode_with_container_arguments():
    rng = np.random.default_rng(9)
    params = {"W": rng.normal(size=(3, 2)), "b": (rng.normal(size=3), 0.5)}
    x = rng.normal(size=2)
    forward = grad(mf.dict_params, mode="forward")(params, x)
    reverse = grad(mf.dict_params)(params, x)
    assert isinstance(forward["b"], tuple)  # the gradient has the argument's structure
    np.testing.assert_allclose(forward["W"], reverse["W"], atol=1e-12)
    np.testing.assert_allclose(forward["b"][0], reverse["b"][0], atol=1e-12)
    assert forward["b"][1] == pytest.approx(reverse["b"][1])
    check_grad(mf.dict_params, reverse, params, x)


SECOND_ORDER_CASES = [
    "np.einsum:matmul",
    "np.einsum:one operand",
    "np.einsum:index summed in one operand",
    "np.sort",
    "np.tile:more axes",
    "np.repeat:axis=0,counts",
    "np.take:axis=1",
    "np.diff:n=2,axis=0",
    "np.hstack:matrices",
    "np.vstack:vectors",
    "np.arctan2",
    "np.diagonal:offset,axes",
]


@pytest.mark.parametrize("case_id", SECOND_ORDER_CASES)
def test_hessians_through_the_newer_rules_against_second_differences(case_id):
    """Forward over reverse (hessian) through the run-time helpers of the rules, against central
    differences of the gradient."""
    case = next(c for c in CASES if c.id == case_id)
    args = case.sample(0)
    first = case.wrt[0] if isinstance(case.wrt, tuple) else case.wrt
    H = hessian(case.f, wrt=first)(*args)
    numeric = numerical_jacobian(grad(case.f, wrt=first), *args, wrt=first)
    np.testing.assert_allclose(H, numeric, atol=1e-5)


def _diag_twice(x):
    return np.sum(np.sin(np.diag(x)) ** 2) + np.sum(np.diag(np.diag(x)) ** 3)


def _matrix_vector(W, x):
    return np.sum(np.sin(W @ x) ** 2)


def _vector_matrix(x, W):
    return np.sum(np.tanh(x @ W))


def _vector_vector(x, y):
    return np.sin(x @ y)


def _batched(A, B):
    return np.sum(np.sin(A @ B))


def _np_dot(A, B):
    return np.sum(np.sin(np.dot(A, B)))


def _stacked(x, y):
    return np.sum(np.sin(np.stack([x, x * y])) ** 2)


SECOND_ORDER_FUNCTIONS = [
    (_diag_twice, ((3, 3), (3,))),
    (_matrix_vector, ((3, 4), (4,))),
    (_vector_matrix, ((3,), (3, 4))),
    (_vector_vector, ((3,), (3,))),
    (_batched, ((2, 2, 3), (3, 2))),
    (_np_dot, ((2, 3), (3, 2))),
    (_stacked, ((3,), (3,))),
]


@pytest.mark.parametrize(("f", "shapes"), SECOND_ORDER_FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_second_derivatives_through_products_diag_and_stack(f, shapes):
    """Hessians (forward over reverse) and reverse over reverse reach through the run-time
    helpers of @, np.dot, np.diag and np.stack, and through the copy that keeps two returned
    gradients apart (runtime.distinct)."""
    rng = np.random.default_rng(8)
    args = tuple(rng.normal(size=s) for s in shapes)
    args = args[:1] if f is _diag_twice else args
    n = len(args)
    wrt = 0 if n == 1 else tuple(range(n))
    H = hessian(f)(*args)
    np.testing.assert_allclose(H, numerical_jacobian(grad(f), *args), atol=1e-5)
    g = grad(f, wrt=wrt)

    def outer_one(a):
        return np.sum(g(a) ** 2)

    def outer_two(a, b):
        ga, gb = g(a, b)
        return np.sum(ga**2) + np.sum(np.sin(gb))

    outer = outer_one if n == 1 else outer_two
    reverse_reverse = grad(outer, wrt=wrt)(*args)
    expected = numerical_grad(outer, *args, wrt=wrt)
    for r, e in zip(reverse_reverse if n > 1 else [reverse_reverse], expected if n > 1 else [expected]):
        np.testing.assert_allclose(r, e, atol=1e-5)


def test_reverse_over_a_gradients_loop_is_refused_and_forward_over_it_is_right():
    """The gradient of a loop restores the loop's values from its tape; reverse mode over it would
    lose their adjoints (it gave -63.0 for -85.9, silently), so it is refused; forward mode over
    the same gradient is right. d/dx (Σ w cos wx)² = 2 (Σ w cos wx)(-Σ w² sin wx), w = 1, 2, 3."""
    mf._looped_sines_grad = grad(mf.looped_sines)
    with pytest.raises(astgrad.TransformError, match="reverse mode through a gradient's saved values"):
        grad(mf.squared_slope)(0.3)
    x = 0.3
    w = np.array([1.0, 2.0, 3.0])
    expected = 2 * np.sum(w * np.cos(w * x)) * -np.sum(w**2 * np.sin(w * x))
    assert grad(mf.squared_slope, mode="forward")(x) == pytest.approx(expected, rel=1e-12)
    assert hessian(mf.looped_sines)(x) == pytest.approx(-np.sum(w**2 * np.sin(w * x)), rel=1e-12)


def test_second_derivatives_through_a_helper_function():
    """The helper's backward function read what its forward function saved, without their
    derivatives: Hessians and grad(grad) came out wrong (3.06 and 1.53 for 2.16), silently. A
    second derivative now differentiates the general code with the helper inlined:
    d/dx 2x sin x = 2 sin x + 2x cos x, d²/dx² = 4 cos x - 2x sin x."""
    x = 0.7
    assert hessian(mf.calls_a_helper)(x) == pytest.approx(4 * np.cos(x) - 2 * x * np.sin(x), rel=1e-12)
    assert grad(grad(mf.calls_a_helper))(x) == pytest.approx(4 * np.cos(x) - 2 * x * np.sin(x), rel=1e-12)
    for mode in ("reverse", "forward"):
        assert grad(mf.calls_a_helper, mode=mode)(x) == pytest.approx(2 * np.sin(x) + 2 * x * np.cos(x))


def _layer(p, x):
    return np.tanh(p["W"] @ x + p["b"][0]) * p["s"]


def _two_outputs_tree(x):
    return {"u": x * 2, "v": (np.sum(x**2), x[:2] ** 3)}


def _tree_loss(p, x):
    return np.sum(np.tanh(p["W"] @ x) ** 2) + p["c"] ** 2 * np.sum(p["W"])


def _with_leaf(tree, path, value):
    """A copy of nested dicts and lists `tree` with the leaf at `path` replaced."""
    if not path:
        return value
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[path[0]] = _with_leaf(tree[path[0]], path[1:], value)
    return copy


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_dict_of_arrays_has_its_structure(mode):
    """An argument holding a dict of lists of arrays (and a number, and a string) gets a Jacobian
    of the same structure, each block `out.shape + leaf.shape`, as JAX gives it."""
    rng = np.random.default_rng(11)
    p = {"W": rng.normal(size=(2, 3)), "b": [rng.normal(size=2)], "s": 1.5, "name": "layer"}
    x = rng.normal(size=3)
    J, Jx = jacobian(_layer, wrt=(0, 1), mode=mode)(p, x)
    assert J["name"] is None and isinstance(J["b"], list)
    for path in (("W",), ("b", 0), ("s",)):
        leaf = J
        for key in path:
            leaf = leaf[key]
        p_leaf = p[path[0]] if len(path) == 1 else p[path[0]][path[1]]
        want = numerical_jacobian(lambda v, path=path: _layer(_with_leaf(p, path, v), x), p_leaf)
        np.testing.assert_allclose(leaf, want, atol=1e-7)
    np.testing.assert_allclose(Jx, numerical_jacobian(_layer, p, x, wrt=1), atol=1e-7)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_dict_valued_function_has_the_outputs_structure(mode):
    x = np.array([0.3, -1.2, 0.8])
    J = jacobian(_two_outputs_tree, mode=mode)(x)
    assert isinstance(J["v"], tuple)
    np.testing.assert_allclose(J["u"], 2 * np.eye(3))
    np.testing.assert_allclose(J["v"][0], 2 * x)
    np.testing.assert_allclose(J["v"][1], [[3 * x[0] ** 2, 0, 0], [0, 3 * x[1] ** 2, 0]])


def test_hessian_of_a_function_of_a_dict_of_arrays():
    """Forward over reverse through the gradient's dict (its add_at of each key's adjoint): the
    Hessian is a dict of dicts of blocks, each the derivative of one key of the gradient."""
    rng = np.random.default_rng(12)
    p, x = {"W": rng.normal(size=(2, 3)), "c": 0.7}, rng.normal(size=3)
    H = hessian(_tree_loss)(p, x)
    g = grad(_tree_loss)
    for row in ("W", "c"):
        np.testing.assert_allclose(
            H[row]["W"], numerical_jacobian(lambda W, row=row: g({"W": W, "c": p["c"]}, x)[row], p["W"]), atol=1e-6
        )
        np.testing.assert_allclose(
            H[row]["c"], numerical_jacobian(lambda c, row=row: g({"W": p["W"], "c": c}, x)[row], p["c"]), atol=1e-6
        )


def _three_arguments(a, b, c):
    return np.sum(np.sin(a) * (b.T @ np.tanh(b @ a))) + c**2 * np.sum(b**3)


def test_hessian_with_respect_to_several_arguments_is_a_tuple_of_tuples_of_blocks():
    """H[i][j] = d gradient_i / d x_j, of shape x_i.shape + x_j.shape, as JAX's hessian with a
    tuple of argnums (was refused: 'hessian takes one wrt argument')."""
    rng = np.random.default_rng(13)
    args = (rng.normal(size=3), rng.normal(size=(2, 3)), 0.4)
    H = hessian(_three_arguments, wrt=(0, 1, "c"))(*args)
    g = grad(_three_arguments, wrt=(0, 1, 2))
    for i in range(3):
        for j in range(3):
            want = numerical_jacobian(lambda *xs, i=i: g(*xs)[i], *args, wrt=j)
            np.testing.assert_allclose(H[i][j], want.reshape(np.shape(H[i][j])), atol=1e-6)
    np.testing.assert_allclose(hessian(_three_arguments)(*args), H[0][0], rtol=1e-14)


@pytest.mark.parametrize(
    "call",
    [
        lambda: grad(mf.lecture, mode="fwd"),
        lambda: jacobian(mf.lecture, mode="fwd"),
        lambda: hvp(mf.lecture, wrt=(0, 1)),
        lambda: jvp(mf.lecture, (1.0, 2.0), (1.0,)),
    ],
)
def test_a_wrong_option_is_an_astgrad_error(call):
    with pytest.raises(astgrad.AstgradError):
        call()


def _float32_loss(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


def test_forward_mode_gives_a_float32_argument_the_gradient_dtype_reverse_mode_gives():
    """float32 where the function computes in float32, float64 where it promotes (was float64
    always: forward mode's tangents were float64)."""
    rng = np.random.default_rng(14)
    w, X = rng.normal(size=3).astype(np.float32), rng.normal(size=(4, 3))
    for X_dtype in (np.float32, np.float64):
        reverse = grad(_float32_loss)(w, X.astype(X_dtype))
        forward = grad(_float32_loss, mode="forward")(w, X.astype(X_dtype))
        assert forward.dtype == reverse.dtype == np.result_type(np.float32, X_dtype)
        np.testing.assert_allclose(forward, reverse, rtol=1e-5)
