"""Issue 14: code as students write it gives the right gradient, or a clear AstgradError."""

import numpy as np
import pytest

import astgrad
from astgrad import AstgradError, TransformError, check_grad, grad
from tests import student_functions as sf
from tests.modes import MODES, check


def rng():
    return np.random.default_rng(14)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("wrt", [0, 1, 2, (0, 1, 2)])
def test_cs231n_naive_convolution_called_from_a_loss(wrt, options):
    r = rng()
    x, w, b = r.normal(size=(2, 2, 4, 4)), r.normal(size=(2, 2, 3, 3)), r.normal(size=2)
    check(sf.conv_loss, (x, w, b), wrt, options)
    check(sf.strided_conv_loss, (x, w, b), wrt, options)


@pytest.mark.parametrize("options", MODES)
def test_cs231n_naive_convolution_then_max_pooling(options):
    r = rng()
    x, w, b = r.normal(size=(1, 2, 4, 4)), r.normal(size=(2, 2, 3, 3)), r.normal(size=2)
    check(sf.conv_pool_loss, (x, w, b), (0, 1, 2), options)


@pytest.mark.parametrize("options", MODES)
def test_a_helper_binding_a_window_of_a_local_array(options):
    r = rng()
    check(sf.windows_while, (r.normal(size=5),), 0, options)
    check(sf.windows_branch, (r.normal(size=3), r.normal(size=4)), (0, 1), options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        sf.rebinds_then_augments,
        sf.rebinds_then_augments_in_a_helper,
        sf.rebinds_in_a_loop_then_writes,
        sf.alias_through_another_name,
    ],
)
def test_an_alias_ends_where_the_name_is_bound_anew(f, options):
    check(f, (rng().normal(size=4),), 0, options)


def test_an_alias_made_after_rebinding_is_still_refused():
    with pytest.raises(AstgradError, match="in-place write to `acc`, which is shared with `keep`"):
        grad(sf.keeps_then_augments)(np.ones(3))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [sf.heat, sf.heat_while, sf.heat_with_a_step_function])
def test_heat_equation_steps_writing_into_a_fresh_copy(f, options):
    check(f, (rng().normal(size=7), 4), 0, options)


def test_an_alias_left_by_a_break_is_still_refused():
    with pytest.raises(TransformError, match=r"student_functions.py:\d+: in-place write to `u_new`, which is shared"):
        grad(sf.heat_breaking_with_an_alias)


@pytest.mark.parametrize("f", [sf.returns_loss_and_cache, sf.returns_a_list_in_a_branch])
@pytest.mark.parametrize("options", MODES)
def test_a_function_returning_a_pair_points_to_has_aux(f, options):
    with _no_warnings():
        with pytest.raises(TransformError) as info:
            grad(f, **options)
    message = str(info.value)
    assert "student_functions.py:" in message
    assert "returns a tuple of 2 values" in message or "returns a list of 2 values" in message
    assert "has_aux=True" in message


def test_a_tuple_met_where_a_number_is_checked_points_to_has_aux():
    from astgrad.runtime import check_scalar

    with pytest.raises(AstgradError, match=r"returned a tuple of 2 values.*has_aux=True"):
        check_scalar((1.0, {"cache": 2.0}))


def test_has_aux_still_differentiates_the_pair():
    x = np.array([1.0, -2.0, 0.5])
    g, (cached, loss) = grad(sf.returns_loss_and_cache, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    assert loss == np.sum(x**2)


class _no_warnings:
    """No warning (a SyntaxWarning from generated code) while the block runs."""

    def __enter__(self):
        import warnings

        self.catch = warnings.catch_warnings()
        self.catch.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self.catch.__exit__(*exc)


BN = {"eps": 1e-4, "mode": "train"}


def params():
    r = rng()
    return {"W": r.normal(size=(2, 3)), "b": r.normal(size=2)}


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (sf.batchnorm_loss, lambda: (rng().normal(size=(4, 3)), rng().normal(size=3), np.ones(3), BN), (0, 1, 2)),
        (sf.l2_over_items, lambda: (params(),), 0),
        (sf.l2_over_values, lambda: (params(),), 0),
        (sf.l2_over_keys, lambda: (params(),), 0),
        (sf.scaled_copy_of_a_dict, lambda: (params(),), 0),
        (sf.zipped_dicts, lambda: (params(), params()), (0, 1)),
        (sf.global_dict_get, lambda: (rng().normal(size=3),), 0),
        (sf.regularized_loss, lambda: (params(), rng().normal(size=3)), (0, 1)),
        (sf.l2_over_the_dict_itself, lambda: (params(),), 0),
        (sf.scaled_by_global_keys, lambda: (params(),), 0),
        (sf.rebuilt_dict, lambda: (params(),), 0),
    ],
)
def test_dict_methods_of_parameter_and_global_dicts(f, args, wrt, options):
    check(f, args(), wrt, options)


@pytest.mark.parametrize("options", MODES)
def test_the_gradient_with_respect_to_a_dict_has_its_keys(options):
    p = params()
    g = grad(sf.l2_over_items, **options)(p)
    assert isinstance(g, dict) and list(g) == list(p)
    np.testing.assert_allclose(g["W"], 2 * 2.0 * p["W"])
    np.testing.assert_allclose(g["b"], 2 * 0.5 * p["b"])
    # a dict of settings: a string entry has no derivative (None), in both modes
    bn_param = {"scale": 2.0, "shift": 0.5, "mode": "train"}
    g = grad(sf.scaled_by_a_dict_entry, **options)(bn_param, np.array([1.0, 2.0]))
    assert list(g) == ["scale", "shift", "mode"] and g["mode"] is None
    assert g["scale"] == pytest.approx(5.0) and g["shift"] == pytest.approx(1.0)


def test_a_dict_method_with_unsupported_arguments_is_refused_clearly():
    with pytest.raises(TransformError, match=r"student_functions.py:\d+: `.get\(\)` with these arguments"):
        grad(sf.dict_method_with_keyword)


@pytest.mark.parametrize(
    "f, written, suggestion",
    [
        (sf.typo_in_numpy, "np.tanhh", "np.tanh"),
        (sf.typo_in_linalg, "np.linalg.inverse", "np.linalg.inv"),
        (sf.typo_in_a_helper, "np.summ", "np.sum"),
        (sf.typo_in_a_constant, "np.pii", "np.pi"),
        (sf.typo_in_a_submodule, "np.linalgg", "np.linalg"),
    ],
)
def test_a_misspelt_numpy_function_is_named(f, written, suggestion):
    with pytest.raises(TransformError) as info:
        grad(f)(np.ones((2, 2)))
    message = str(info.value)
    assert "no such " in message and " in numpy" in message and f"`{written}`" in message
    assert f"`{suggestion}`" in message and "student_functions.py:" in message
    assert "call the NumPy function instead" not in message


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args, wrt, expected",
    [
        (sf.dot_of_a_list, ([1.0, 2.0, 3.0],), 0, [2.0, 4.0, 6.0]),
        (sf.sines_of_a_list, ([0.1, 0.2],), 0, [float(np.cos(0.1)), float(np.cos(0.2))]),
        (sf.product_of_a_list, ([1.0, 2.0, 3.0],), 0, [6.0 + 2.0 + 3.0, 3.0 + 4.0, 2.0 + 6.0]),
        (sf.dot_of_a_list_in_a_helper, ((1.0, 2.0),), 0, (4.0, 8.0)),
        (sf.matmul_of_nested_lists, ([[1.0, 2.0], [3.0, 4.0]], [0.5, -1.0]), 1, [-18.0, -26.0]),
        (sf.list_with_builtin_sum, ([1.0, 2.0, 4.0],), 0, [2.0 + 3.0, 4.0 + 3.0, 8.0 + 3.0]),
    ],
)
def test_a_list_of_numbers_numpy_reads_as_an_array(f, args, wrt, expected, options):
    g = grad(f, wrt=wrt, **options)
    for _ in range(2):
        value = g(*args)
        assert type(value) is type(expected)  # a list's gradient is a list, as autograd's
        np.testing.assert_allclose(value, expected)
        check_grad(f, g, *args, wrt=wrt)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, shape", [(sf.builtin_sum_of_an_array, (3,)), (sf.builtin_sum_of_rows, (2, 3))])
def test_builtin_sum_of_an_array_adds_its_rows(f, shape, options):
    """`sum(x)` of an array adds its rows (its elements, for a vector): the adjoint is an array of
    x's shape, each row the sum's adjoint (it was a list of them, one per row, silently wrong)."""
    x = np.random.default_rng(5).normal(size=shape)
    g = grad(f, **options)(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape
    check_grad(f, grad(f, **options), x)


@pytest.mark.parametrize("options", MODES)
def test_a_nested_list_gets_a_nested_list(options):
    g = grad(sf.matmul_of_nested_lists, wrt=0, **options)([[1.0, 2.0], [3.0, 4.0]], [0.5, -1.0])
    assert isinstance(g, list) and isinstance(g[0], list)
    np.testing.assert_allclose(g, [[-1.5, 3.0], [-2.5, 5.0]])


@pytest.mark.parametrize("options", MODES)
def test_a_local_list_numpy_reads_as_an_array(options):
    check(sf.dot_of_a_local_list, (np.array([1.0, -2.0]),), 0, options)


@pytest.mark.parametrize("options", MODES)
def test_a_list_of_arrays_of_other_shapes_is_left_as_it_is(options):
    ws = [np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])]
    g = grad(sf.concatenated_list_of_arrays, **options)(ws)
    assert isinstance(g, list) and [w.shape for w in g] == [(2,), (3,)]
    np.testing.assert_allclose(np.concatenate(g), 2 * np.concatenate(ws))


def test_arrays_are_read_as_they_are_in_specialised_code():
    for f in (sf.dot_of_a_list, sf.sines_of_a_list):
        text = astgrad.source(f, args=(np.ones(3),))
        assert "numbers_as_array" not in text and "w_array" not in text and "match_structure" not in text
    # a rule reading its argument only through NumPy (np.cos(x)) needs no conversion, even of a list
    assert "numbers_as_array" not in astgrad.source(sf.sines_of_a_list)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [sf.got_then_written, sf.got_then_written_in_a_helper])
def test_an_array_got_from_a_dict_then_written_is_refused_as_its_item_is(f, options):
    with pytest.raises(AstgradError, match="`W` is an array held in a dict"):
        grad(f, **options)(params())


@pytest.mark.parametrize("options", MODES)
def test_no_mode_changes_the_arguments_it_is_given(options):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(sf.writes_into_its_argument, **options)(x), [0.0, 4.0, 6.0])
    np.testing.assert_allclose(x, [1.0, 2.0, 3.0])
    p, g = params(), params()
    kept = {k: v.copy() for k, v in p.items()}
    check(sf.sgd_step_into_a_dict, (p, g), (0, 1), options)
    grad(sf.sgd_step_into_a_dict, wrt=(0, 1), **options)(p, g)
    assert all(np.array_equal(p[k], kept[k]) for k in p)


def test_jvp_and_vjp_leave_the_arguments_unchanged():
    x = np.array([1.0, 2.0, 3.0])
    out, vjp_fn = astgrad.vjp(sf.writes_into_its_argument, x)
    np.testing.assert_allclose(vjp_fn(1.0)[0], [0.0, 4.0, 6.0])
    value, tangent = astgrad.jvp(sf.writes_into_its_argument, (x,), (np.ones(3),))
    assert (out, value, tangent) == (13.0, 13.0, 10.0)
    np.testing.assert_allclose(x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("options", MODES)
def test_an_element_chosen_by_an_expression_is_a_number_not_an_alias(options):
    """`prev = out[i - 1] if i > 0 else 0.0` reads a number of a vector, as `if`/`else` does."""
    check(sf.previous_by_a_choice, (rng().normal(size=6),), 0, options)


def test_a_row_or_an_array_chosen_by_an_expression_then_written_is_refused():
    with pytest.raises(AstgradError, match="`prev` is a view into another array"):
        grad(sf.previous_row_by_a_choice)(rng().normal(size=(4, 3)))
    with pytest.raises(AstgradError, match="in-place write to `out`, which is shared with `prev`"):
        grad(sf.array_by_a_choice)(rng().normal(size=5))
