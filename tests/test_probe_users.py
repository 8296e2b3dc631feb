"""Code as students and practitioners write it, from a probe of astgrad on unseen programs: each
gradient against central differences, forward against reverse where both exist."""

import functools

import numpy as np
import pytest

import astgrad
from astgrad import TransformError, check_grad, grad, hessian
from tests import probe_users_functions as pf
from tests import rule_cases_probe as rc
from tests.rule_rows import SEEDS, params, sample


def rng():
    return np.random.default_rng(2026)


@pytest.mark.parametrize(
    "f, x",
    [
        (pf.prod_and_sum, rng().normal(size=4)),
        (pf.prod_and_sum, np.array([1.5, 0.0, 2.0, -1.0])),  # one zero: the others' products
        (pf.prod_and_sum, np.array([0.0, 0.0, 2.0, -1.0])),  # two zeros: only their pair survives
        (pf.squared_row_products, rng().normal(size=(3, 4))),
        (pf.sine_of_column_products, rng().normal(size=(3, 2))),
        (pf.products_over_two_axes, rng().normal(size=(2, 3, 2))),
    ],
)
def test_second_derivatives_of_np_prod(f, x):
    """hessian (forward over reverse) and the reverse-mode Jacobian of the gradient (reverse over
    reverse) reach through np.prod's derivative, against differences of the gradient."""
    g = grad(f)
    expected = astgrad.numerical_jacobian(g, x)
    np.testing.assert_allclose(hessian(f)(x), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hessian(f)(x), expected, rtol=1e-6, atol=1e-6)  # (specialised)
    np.testing.assert_allclose(astgrad.jacobian(g, mode="reverse")(x), expected, rtol=1e-6, atol=1e-6)


MODES = [
    pytest.param({}, id="reverse"),
    pytest.param({"specialize": False}, id="reverse-general"),
    pytest.param({"mode": "forward"}, id="forward"),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args",
    [
        (pf.bearing_and_range, (0.7, -1.3)),
        (pf.logs_in_bases, (0.7,)),
        (pf.error_functions, (0.7,)),
        (pf.gamma_functions, (2.3,)),
        (pf.angles_and_hyperbolics, (0.7,)),
        (pf.sign_and_remainder, (0.7, 0.4)),
        (pf.builtin_pow, (0.7, 1.6)),
    ],
)
def test_math_module_functions_of_numbers(f, args, options):
    """The math module's functions of numbers (and Python's pow), each in every argument, against
    central differences, and their second derivatives against differences of the gradient."""
    wrt = tuple(range(len(args)))
    g = grad(f, wrt=wrt, **options)
    expected = tuple(astgrad.numerical_grad(f, *args, wrt=i) for i in wrt)
    for _ in range(2):  # (the second call runs the code specialised at the first)
        np.testing.assert_allclose(g(*args), expected, rtol=1e-6, atol=1e-7)
    second = grad(grad(f, wrt=0), wrt=0)(*args)
    g0 = grad(f, wrt=0)
    step = 1e-5
    moved = [(args[0] + s, *args[1:]) for s in (step, -step)]
    np.testing.assert_allclose(second, (g0(*moved[0]) - g0(*moved[1])) / (2 * step), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [pf.python_sum_of_arrays, pf.python_sum_of_an_array, pf.python_sum_of_a_comprehension])
def test_second_derivatives_through_python_sum(f):
    """Python's sum of a list or an array: hessian, and (outside loops) reverse over reverse."""
    x = np.array([0.3, -0.7, 1.1])
    g = grad(f)
    expected = astgrad.numerical_jacobian(g, x)
    np.testing.assert_allclose(hessian(f)(x), expected, rtol=1e-6, atol=1e-6)
    if f is not pf.python_sum_of_a_comprehension:  # (a comprehension is a loop: refused, as documented)
        np.testing.assert_allclose(astgrad.jacobian(g, mode="reverse")(x), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f, scale", [(pf.returns_a_helper, 1.0), (pf.scales_a_helper, 2.0)])
def test_second_derivatives_through_a_small_helper(f, scale):
    """A second derivative differentiates the gradient's general code with the user's small
    helpers inlined (as specialised code has them), so no helper's tape crosses functions: these
    were all zero, silently (the helper's result reaches the output with a constant adjoint)."""
    w = np.array([0.5, -1.0, 0.3])
    g = grad(f)
    expected = astgrad.numerical_jacobian(g, w)
    np.testing.assert_allclose(expected, np.diag(6 * scale * w), atol=1e-6)
    for second in (
        lambda: hessian(f)(w),
        lambda: astgrad.jacobian(g, mode="reverse")(w),
        lambda: astgrad.jacobian(g, mode="forward")(w),
        lambda: np.stack([astgrad.hvp(f)(w, e) for e in np.eye(3)], axis=1),
    ):
        np.testing.assert_allclose(second(), expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(second(), expected, rtol=1e-6, atol=1e-8)


def test_grad_of_grad_through_a_small_helper_of_numbers():
    """grad(grad(f)) of f(x) = 2 h(x), h(x) = x³: 12x (it was 0.0, silently)."""
    for outer in ({}, {"mode": "forward"}):
        assert grad(grad(pf.doubles_a_helper_of_a_number), **outer)(0.7) == pytest.approx(12 * 0.7, rel=1e-12)


@pytest.mark.parametrize("f", [pf.returns_a_helper_not_inlined, pf.scales_a_helper_not_inlined])
def test_second_derivatives_through_a_helper_not_inlined_are_refused(f):
    """A helper that is not inlined (it returns before its end) keeps its forward/backward pair:
    its backward function got no varied argument and the second derivatives came out zero,
    silently. The forward function's pushes now vary the tape, whose reader is refused."""
    w = np.array([0.5, -1.0])
    message = "through a call of your function `_cubed_with_two_returns` are not supported"
    for second in (
        lambda: hessian(f)(w),
        lambda: astgrad.hvp(f)(w, np.ones(2)),
        lambda: astgrad.jacobian(grad(f), mode="reverse")(w),
        lambda: astgrad.jacobian(grad(f), mode="forward")(w),
    ):
        with pytest.raises(astgrad.TransformError, match=message):
            second()
    for outer in ({}, {"mode": "forward"}):
        with pytest.raises(astgrad.TransformError, match=message):
            grad(grad(pf.doubles_a_helper_of_a_number_not_inlined), **outer)(0.7)
    for options in ({}, {"mode": "forward"}):  # the first derivative is right
        np.testing.assert_allclose(grad(f, **options)(w), astgrad.numerical_grad(f, w), rtol=1e-7)


def test_a_helper_appending_to_a_list_the_result_reads_is_refused():
    """`_collect(out, x)` appends x² to the caller's list: the gradient was zero (for 10x), silently."""
    for options in ({}, {"mode": "forward"}):
        with pytest.raises(astgrad.TransformError, match="`_collect` writes into its argument `out`"):
            grad(pf.collects_through_a_helper, **options)(0.7)


def test_a_helper_appending_to_a_log_list_is_fine():
    x = np.array([0.3, -1.2])
    for options in ({}, {"specialize": False}, {"mode": "forward"}):
        np.testing.assert_allclose(grad(pf.logs_through_a_helper, **options)(x), 2 * x)


def _partials():
    r = rng()
    X, y = r.normal(size=(5, 3)), r.normal(size=5)
    return [
        pytest.param(functools.partial(pf.squared_error, X=X, y=y), id="keywords"),
        pytest.param(functools.partial(pf.squared_error, X=X, y=y, lam=2.0), id="keywords-over-a-default"),
        pytest.param(functools.partial(pf.squared_error_data_first, X, y), id="positional"),
        pytest.param(functools.partial(pf.Regressor(2.0).loss, X=X), id="a-bound-method"),
        pytest.param(pf.calls_a_module_level_partial, id="called-from-differentiated-code"),
    ]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", _partials())
def test_functools_partial(f, options):
    """grad(partial(loss, X=X, y=y)): the function the partial stands for (its remaining parameters,
    its bound values), as optimisers are handed it; and a partial called from differentiated code."""
    w = rng().normal(size=3)
    g = grad(f, **options)
    for _ in range(2):  # (the second call runs the code specialised at the first)
        np.testing.assert_allclose(g(w), astgrad.numerical_grad(f, w), rtol=1e-6, atol=1e-8)


def test_functools_partial_by_a_keyword_it_binds():
    """wrt names a parameter the partial binds by keyword: its gradient at the bound value."""
    X, y, w = rng().normal(size=(5, 3)), rng().normal(size=5), rng().normal(size=3)
    f = functools.partial(pf.squared_error, X=X, y=y)
    assert grad(f, wrt="lam")(w) == pytest.approx(w @ w)
    assert astgrad.source(f).startswith("import numpy as np")


@pytest.mark.parametrize("options", MODES)
def test_nested_functions_calling_each_other(options):
    """A nested def calling an earlier one (`outer` calls `inner`) was refused ("calling `inner`,
    which is not a function astgrad can see"); the locals the callee captures pass through."""
    x = rng().normal(size=3)
    f = pf.nested_helpers_calling_each_other
    for _ in range(2):
        np.testing.assert_allclose(grad(f, **options)(x), 6 * x, rtol=1e-12)
    f = pf.nested_helpers_sharing_a_captured_local
    g = grad(f, wrt=(0, 1), **options)
    for _ in range(2):
        got = g(x, 0.7)
        np.testing.assert_allclose(got[0], astgrad.numerical_grad(f, x, 0.7), rtol=1e-6)
        assert got[1] == pytest.approx(astgrad.numerical_grad(f, x, 0.7, wrt=1), rel=1e-6)


@pytest.mark.parametrize("options", MODES)
def test_list_extend_by_a_display(options):
    """`out.extend([a, b])` of a local list is two appends (it was refused as a method of an object
    "known only when the code runs")."""
    x = 0.7
    g = grad(pf.extends_a_list, **options)
    for _ in range(2):
        assert g(x) == pytest.approx(1 + 4 * x + 3 * np.cos(x), rel=1e-12)


def test_other_list_methods_are_refused_as_list_methods():
    with pytest.raises(
        TransformError, match=r"probe_users_functions.py:\d+: the list or dict method `.pop\(\)` is not supported"
    ):
        grad(pf.pops_a_list)


def test_differentiating_a_forward_mode_gradient_is_refused_clearly():
    """It was refused for astgrad's own wrapper's `*args` (errors.py), naming no gradient."""
    inner = grad(pf.doubles_a_helper_of_a_number, mode="forward")
    with pytest.raises(
        TransformError, match="cannot differentiate doubles_a_helper_of_a_number_grad, a gradient by forward"
    ):
        grad(inner)


@pytest.mark.parametrize("options", MODES)
def test_reshape_and_ravel_in_fortran_order(options):
    """`order=` of reshape, ravel and flatten was refused (the rules took no `order`); "K" of a
    transposed array reads it in its memory order."""
    X = rng().normal(size=(2, 3))
    g = grad(pf.fortran_order_reads, **options)
    for _ in range(2):
        np.testing.assert_allclose(g(X), astgrad.numerical_grad(pf.fortran_order_reads, X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("row", params(rc.PROBE_CASES))
def test_probe_rule_rows_match_central_differences(row, options):
    _, f, _, wrt = row
    args = sample(row, SEEDS[0])
    g = grad(f, wrt=wrt, **options)
    check_grad(f, g, *args, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt)


# second derivatives refused (by name, never a wrong number): math.prod's adjoint helper has no rules
SECOND_REFUSED = {"math.prod": "prod_items_bar"}


@pytest.mark.parametrize("row", params(rc.PROBE_CASES))
def test_probe_rule_rows_second_derivatives(row):
    """Forward over reverse (the Hessian's blocks) against differences of the gradient."""
    name, f, _, wrt = row
    args = sample(row, SEEDS[0])
    for i in wrt if isinstance(wrt, tuple) else (wrt,):
        g = grad(f, wrt=i)
        if name in SECOND_REFUSED:
            with pytest.raises(TransformError, match=SECOND_REFUSED[name]):
                astgrad.jacobian(g, wrt=i, mode="forward")(*args)
            continue
        block = astgrad.jacobian(g, wrt=i, mode="forward")(*args)
        np.testing.assert_allclose(block, astgrad.numerical_jacobian(g, *args, wrt=i), rtol=1e-5, atol=1e-5)


def test_second_derivatives_through_a_partial_called_from_the_function_are_refused():
    """A partial's function is not inlined (its bound values are a closure): refused, naming it."""
    with pytest.raises(TransformError, match="through a call of your function `squared_error` are not supported"):
        hessian(pf.calls_a_module_level_partial)(np.array([0.5, -1.0, 0.3]))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, x",
    [
        (pf.gram_schmidt, rng().normal(size=(3, 3))),
        (pf.eliminates_below_the_diagonal, rng().normal(size=(3, 3))),
        (pf.swaps_two_entries, rng().normal(size=3)),
        (pf.swaps_rows_by_a_fancy_index, rng().normal(size=(2, 3))),
        (pf.entries_in_a_list_then_written, rng().normal(size=3)),
        (pf.rows_in_a_list_after_the_writes, rng().normal(size=(3, 2))),
    ],
)
def test_writes_into_an_array_whose_shape_or_items_were_read(f, x, options):
    """`n = Q.shape[1]` is a number, no alias of Q: the writes into Q that follow are followed (they
    were refused as writes into an array shared with `n`). A swap of two entries, and a list of
    entries or of rows read after the writes, hold numbers or rows as they are: right."""
    g = grad(f, **options)
    for _ in range(2):
        check_grad(f, g, x)
    value, _ = astgrad.value_and_grad(f, **options)(x)
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-13)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    "f, match",
    [
        (pf.swaps_two_rows, r"line \d+: B\[0\], B\[1\] = B\[1\], B\[0\]: the right-hand `B\[0\]` is a view"),
        (pf.swaps_two_columns, r"the right-hand `B\[:, 0\]` is a view of an array that a target before it"),
        (pf.rows_in_a_list_then_written, r"the list `\[B\[0\], B\[1\]\]` \(line \d+\) holds `B\[0\]`, a view of `B`"),
        (pf.rows_in_a_tuple_then_written, r"the tuple `\(B\[0\], 1.0\)` \(line \d+\) holds `B\[0\]`"),
        (pf.rows_in_a_dict_then_written, r"the dict `\{'first': B\[0\]\}` \(line \d+\) holds `B\[0\]`"),
    ],
)
def test_rows_read_as_views_before_a_write_are_refused(f, match, mode):
    """A row of a matrix is a view: NumPy's `B[0], B[1] = B[1], B[0]` assigns the row the first
    target overwrote (the rows do not swap), and a list holding rows sees a later write. astgrad
    read the values before the writes (a wrong value and gradient); it refuses, naming the line."""
    A = rng().normal(size=(2, 3))
    g = grad(f, mode=mode)
    for _ in range(2):
        with pytest.raises(astgrad.AstgradError, match=match):
            g(A)


def test_entries_read_into_a_swap_or_a_list_need_no_check_in_specialised_code():
    """An entry of a vector is a number: the view checks go from the specialised code (numba can
    then compile it)."""
    x = np.array([0.3, -1.2, 0.5])
    for f in (pf.swaps_two_entries, pf.entries_in_a_list_then_written):
        assert "check_not" not in astgrad.source(f, args=(x,))
        assert "check_not" in astgrad.source(f)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f", [pf.norm_of_a_complex_vector, pf.frobenius_norm_of_a_complex_matrix, pf.vdot_of_complex_vectors]
)
def test_norms_and_vdot_of_complex_values(f, options):
    """np.linalg.norm's weight of a complex x is conjugate (|z| changes by Re(conj(z) dz) / |z|), and
    np.vdot conjugates its first argument: both modes took the weight and the adjoint unconjugated."""
    x = np.array([0.3, -0.7, 1.1, 0.5])
    g = grad(f, **options)
    expected = astgrad.numerical_grad(f, x)
    for _ in range(2):
        np.testing.assert_allclose(np.real(g(x)), expected, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(np.imag(g(x)), 0.0, atol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    "f, call",
    [
        (pf.eigh_of_a_complex_hermitian_matrix, "np.linalg.eigh"),
        (pf.cholesky_of_a_complex_hermitian_matrix, "np.linalg.cholesky"),
        (pf.singular_values_of_a_complex_matrix, "np.linalg.svd"),
        (pf.variance_of_complex_values, "np.var"),
    ],
)
def test_rules_for_real_arguments_refuse_complex_ones(f, call, mode):
    """eigh, cholesky, svd, qr, var and std have rules for real arrays (a rule's `real_arguments`):
    of a complex one they gave a wrong gradient; now refused where the function is called."""
    x = np.array([0.3, -0.7, 1.1, 0.5])
    g = grad(f, mode=mode)
    for _ in range(2):
        with pytest.raises(astgrad.AstgradError, match=rf"line \d+: `{call}\(.*its argument is complex"):
            g(x)


@pytest.mark.parametrize("options", MODES)
def test_an_object_called_as_a_function(options):
    """grad(model) of an object whose class defines __call__ differentiates model.__call__ (it was
    refused as "a built-in or C function"), and a global model called inside the function is its
    __call__ (it was refused as a primitive without a rule); its attributes are read at each call."""
    w = np.array([0.3, -0.7, 1.1])
    model = pf.Model(0.5)
    for f in (model, pf.calls_a_global_model):
        g = grad(f, **options)
        for _ in range(2):
            check_grad(f, g, w)
    g = grad(model, **options)
    model.b = 3.0
    check_grad(model, g, w)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args",
    [
        (pf.dropout_with_a_local_generator, (rng().normal(size=3), rng().normal(size=(4, 3)))),
        (pf.noise_from_a_random_state, (rng().normal(size=4),)),
    ],
)
def test_random_generators_made_in_the_function(f, args, options):
    """`rng = np.random.default_rng(0)` (or np.random.RandomState) made in the function: its draws
    are kept as written, in order, and have no derivative (they were refused as methods of an
    object known only at run time)."""
    g = grad(f, **options)
    for _ in range(2):
        check_grad(f, g, *args)
    value, _ = astgrad.value_and_grad(f, **options)(*args)
    assert value == f(*args)


def test_a_draw_whose_parameters_depend_on_the_input_is_refused():
    """rng.normal(loc=w): no derivative rule (np.random.normal's, reparameterised, is for the
    global generator's function): refused by name, not a derivative of zero."""
    with pytest.raises(TransformError, match="no derivative rule for `np.random.Generator.normal`"):
        grad(pf.draws_around_the_input)(np.array([0.3, -1.2]))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, x",
    [
        (pf.contiguous_copies, rng().normal(size=(2, 3))),
        (pf.contiguous_number, 0.7),
        (pf.contiguous_number, np.array(0.3)),
        (pf.copies_in_fortran_order, rng().normal(size=(2, 3))),
        (pf.mean_in_a_dtype_and_offset_traces, rng().normal(size=(3, 4))),
    ],
)
def test_contiguous_and_any_array_conversions(f, x, options):
    """np.ascontiguousarray, np.asfortranarray (a number becomes an array of one) and np.asanyarray
    have rules; a copy takes an order, np.mean a dtype and np.trace an offset (they were refused)."""
    g = grad(f, **options)
    for _ in range(2):
        check_grad(f, g, x)


def test_a_function_of_pythons_standard_library_is_a_primitive():
    """statistics.mean is Python's: refused as a primitive without a rule, naming it (astgrad read
    its source in Python's directory and refused a line of it)."""
    with pytest.raises(TransformError, match="no derivative rule for `statistics.mean`"):
        grad(pf.mean_from_statistics)(np.array([0.3, 0.5]))


@pytest.mark.parametrize("options", MODES)
def test_settings_objects_passed_as_arguments(options):
    """An argument read for its fields alone (a dataclass or SimpleNamespace of settings, in the
    function or a helper) is a constant: its fields are read at each call (they were refused)."""
    import types

    w, X = np.array([0.3, -0.7, 1.1]), rng().normal(size=(5, 3))
    g = grad(pf.loss_with_settings, **options)
    for cfg in (
        types.SimpleNamespace(reg=0.1, power=2, mask=np.array([1.0, 0.0, 1.0])),
        types.SimpleNamespace(reg=2.0, power=4, mask=np.ones(3)),
    ):
        for _ in range(2):
            check_grad(pf.loss_with_settings, g, w, X, cfg)
    scale = types.SimpleNamespace(scale=1.5)
    check_grad(pf.reads_a_helpers_setting, grad(pf.reads_a_helpers_setting, **options), w, scale)
