"""The rules of tests/rule_cases_user_numpy.py's rows (NumPy spellings a probe of user code found
refused): each gradient against central differences in reverse (specialised and general) and
forward mode, forward against reverse, and second derivatives against differences of the gradient."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, numerical_jacobian
from tests import rule_cases_user_numpy as uc
from tests.rule_rows import SEEDS, check_forward_matches_reverse, params, sample

ROWS = params(uc.USER_NUMPY_CASES)
MODES = [
    pytest.param({}, id="reverse"),
    pytest.param({"specialize": False}, id="reverse-general"),
    pytest.param({"mode": "forward"}, id="forward"),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("row", ROWS)
def test_grad_matches_central_differences(row, options):
    _, f, _, wrt = row
    g = grad(f, wrt=wrt, **options)
    for seed in SEEDS:
        args = sample(row, seed)
        check_grad(f, g, *args, wrt=wrt)


@pytest.mark.parametrize("row", ROWS)
def test_forward_matches_reverse(row):
    for seed in SEEDS:
        check_forward_matches_reverse(row, seed)


@pytest.mark.parametrize("row", ROWS)
def test_second_derivatives(row):
    """The rules' helpers have rules of their own: forward over reverse and reverse over reverse
    against differences of the gradient."""
    _, f, _, wrt = row
    args = sample(row, SEEDS[0])
    for i in wrt if isinstance(wrt, tuple) else (wrt,):
        g = grad(f, wrt=i)
        expected = numerical_jacobian(g, *args, wrt=i)
        for mode in ("forward", "reverse"):
            block = astgrad.jacobian(g, wrt=i, mode=mode)(*args)
            np.testing.assert_allclose(block, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_literal_initial_value_chooses_the_rule_when_the_code_is_made(mode):
    """`initial=-1.0` is not None: the generated code calls the initial value's mask alone."""
    code = astgrad.source(uc.max_negative_initial, mode=mode)
    assert "extremum_mask_initial(" in code
    assert " is None" not in code
