"""Student-style code that astgrad refused falsely or unclearly: it now gives the right gradient
(both modes, general and specialised code, against central differences), or a clear AstgradError
naming the construct, the user's line and a fix that applies."""

from __future__ import annotations

import numpy as np
import pytest

from astgrad import AstgradError, check_grad, grad
from tests import rule_cases_student as rc
from tests import student_refusals_functions as sf
from tests.rule_rows import SEEDS, params, sample

ROWS = params(rc.STUDENT_CASES)
MODES = [
    pytest.param({}, id="reverse"),
    pytest.param({"specialize": False}, id="reverse-general"),
    pytest.param({"mode": "forward"}, id="forward"),
    pytest.param({"mode": "forward", "specialize": False}, id="forward-general"),
]


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
    assert "which is a view of `y`" in message and "student_refusals_functions.py:15" in message


@pytest.mark.parametrize("options", MODES)
def test_output_argument_hint_is_python(options):
    message = refusal(sf.log_out_where, np.ones(3), **options)
    assert "`r = np.log(...)` without `out=`" in message and "np.where(p > 0" in message
    assert "np.zeros_like(p) =" not in message


@pytest.mark.parametrize("options", MODES)
def test_ufunc_where_without_out_is_refused(options):
    message = refusal(sf.log_where, np.ones(3), **options)
    assert "uninitialised" in message and "np.where(" in message and "student_refusals_functions.py:25" in message


@pytest.mark.parametrize("options", MODES)
def test_writing_into_a_callers_dict_says_dict(options):
    message = refusal(sf.batchnorm_like, np.ones(3), **options)
    assert "which is its caller's dict" in message and "bn_param = dict(bn_param)" in message
