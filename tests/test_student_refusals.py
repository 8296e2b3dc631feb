"""Student-style code that astgrad refused falsely or unclearly: it now gives the right gradient
(both modes, general and specialised code, against central differences), or a clear AstgradError
naming the construct, the user's line and a fix that applies."""

from __future__ import annotations

import numpy as np
import pytest

from astgrad import AstgradError, check_grad, grad
from tests import rule_cases_student as rc
from tests import student_refusals_functions as sf
from tests.modes import MODES
from tests.rule_rows import SEEDS, params, sample

ROWS = params(rc.STUDENT_CASES)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("row", ROWS)
def test_student_spelling_matches_central_differences(row, options):
    _, f, _, wrt = row
    g = grad(f, wrt=wrt, **options)
    for seed in SEEDS:
        args = sample(row, seed)
        check_grad(f, g, *args, wrt=wrt)


def refusal(f, *args, **options):
    with pytest.raises(AstgradError) as info:
        grad(f, **options)(*args)
    return str(info.value)


@pytest.mark.parametrize("options", MODES)
def test_cs231n_dropout_astype_without_copy(options):
    r = np.random.default_rng(1)
    x, mask = r.normal(size=(3, 4)), (r.uniform(size=(3, 4)) < 0.5) / 0.5
    g = grad(sf.dropout_like, **options)
    check_grad(sf.dropout_like, g, x, mask)
    check_grad(sf.dropout_like, g, x, mask)


@pytest.mark.parametrize("options", MODES)
def test_astype_without_copy_may_be_its_argument(options):
    """`z = y.astype(t, copy=False)` is y itself when y has dtype t: writing into z writes into y."""
    message = refusal(sf.astype_no_copy_then_write, np.ones(3), **options)
    assert "which is a view of `y`" in message and "z[0] = 5.0" in message


@pytest.mark.parametrize("options", MODES)
def test_output_argument_hint_is_python(options):
    message = refusal(sf.log_out_where, np.ones(3), **options)
    assert "`r = np.log(...)` without `out=`" in message and "np.where(p > 0" in message
    assert "np.zeros_like(p) =" not in message


@pytest.mark.parametrize("options", MODES)
def test_ufunc_where_without_out_is_refused(options):
    message = refusal(sf.log_where, np.ones(3), **options)
    assert "uninitialised" in message and "np.where(" in message and "np.log(p, where=p > 0)" in message


@pytest.mark.parametrize("options", MODES)
def test_writing_into_a_callers_dict_says_dict(options):
    message = refusal(sf.batchnorm_like, np.ones(3), **options)
    assert "which is its caller's dict" in message and "bn_param = dict(bn_param)" in message


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [sf.max_of_a_list, sf.min_of_a_generator, sf.max_of_an_array])
def test_max_and_min_of_one_sequence(f, options):
    x = np.array([0.3, -0.7, 1.1])
    g = grad(f, **options)
    check_grad(f, g, x)
    check_grad(f, g, x)


def test_max_of_a_sequence_of_arrays_is_refused_when_it_runs():
    with pytest.raises(AstgradError, match=r"`max\(...\)` of one sequence .* its items are arrays"):
        grad(sf.max_of_rows)(np.ones((2, 2)))


@pytest.mark.parametrize("options", MODES)
def test_star_arguments_where_no_derivative_flows(options):
    x = np.array([[0.3, -0.7, 1.1], [0.2, 0.5, -0.4]])
    g = grad(sf.noisy, **options)
    check_grad(sf.noisy, g, x)
    message = refusal(sf.stacked_star, np.ones(2), **options)
    assert "star-arguments in calls (f(*args)) are supported only in calls whose result carries no" in message


@pytest.mark.parametrize("options", MODES)
def test_copies_of_containers(options):
    r = np.random.default_rng(3)
    params = {"W": r.normal(size=(2, 2)), "b": r.normal(size=2)}
    check_grad(sf.copies_a_dict, grad(sf.copies_a_dict, **options), params)
    Ws = [r.normal(size=2), r.normal(size=2)]
    check_grad(sf.copies_a_list, grad(sf.copies_a_list, **options), Ws)
    message = refusal(sf.deep_copies, params, **options)
    assert "`copy.deepcopy(...)` is not differentiated" in message and "student_refusals_functions.py" in message
    assert "copy.py" not in message
    check_grad(
        sf.tuple_of_a_list, grad(sf.tuple_of_a_list, **options), Ws
    )  # (refused before: now a tuple of the items)


def test_a_wrapper_names_wrapped():
    message = refusal(sf.timed_loss, np.ones(3))
    assert "grad(timed_loss.__wrapped__)" in message
    x = np.array([0.5, -1.0])
    check_grad(sf.timed_loss, grad(sf.timed_loss.__wrapped__), x)


def test_a_method_of_an_item_is_refused_clearly():
    model = sf.Model([sf.Dense(np.eye(2) * 0.5)])
    message = refusal(model.loss, np.ones(2))
    assert "the method `.forward()` of `layer` is not supported: `layer` is known only when the code runs" in message
    assert "np.f(x" not in message
    check_grad(model.loss_named, grad(model.loss_named), np.array([0.3, -0.2]))  # (the spelling the hint gives)


@pytest.mark.parametrize("options", MODES)
def test_a_dicts_copy_method_and_sorted(options):
    r = np.random.default_rng(4)
    params = {"W": r.normal(size=(2, 2)), "bias": r.normal(size=2)}
    f = sf.copies_a_dict_by_its_method
    check_grad(f, grad(f, **options), {"W": params["W"], "b": params["bias"]})
    check_grad(sf.sums_in_key_order, grad(sf.sums_in_key_order, **options), params)
    check_grad(sf.sorted_numbers, grad(sf.sorted_numbers, **options), np.array([0.3, -0.9, 1.2]))


@pytest.mark.parametrize("options", MODES)
def test_list_of_a_set_or_an_iterator(options):
    f = sf.over_a_set_of_labels
    check_grad(f, grad(f, **options), np.array([0.3, -0.9, 1.2]), [0, 2, 2])
