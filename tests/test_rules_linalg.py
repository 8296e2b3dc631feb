"""The np.linalg rules (norm, det, slogdet, inv, solve) against central differences, forward
against reverse mode, and the norms the rules refuse. Rows: tests/rule_cases_linalg.py."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, numerical_jacobian
from tests import rule_cases_linalg as lc
from tests.rule_rows import SEEDS, check_forward_matches_reverse, check_value_and_grad, params, sample

ROWS = params(lc.LINALG_CASES)


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("row", ROWS)
def test_grad_matches_central_differences(row, seed, specialize):
    _, f, _, wrt = row
    args = sample(row, seed)
    check_grad(f, grad(f, wrt=wrt, specialize=specialize), *args, wrt=wrt)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("row", ROWS)
def test_forward_matches_reverse(row, seed):
    check_forward_matches_reverse(row, seed)


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("row", ROWS)
def test_value_and_grad(row, specialize):
    check_value_and_grad(row, specialize)


@pytest.mark.parametrize("row", [r for r in ROWS if isinstance(r.values[0][3], int)])
def test_second_derivatives(row):
    """The templates call only functions with rules, so their gradients differentiate again:
    forward over reverse (hessian) against differences of the gradient, reverse over reverse."""
    _, f, _, wrt = row
    args = sample(row, SEEDS[0])
    h = astgrad.hessian(f, wrt=wrt)(*args)
    expected = numerical_jacobian(grad(f, wrt=wrt), *args, wrt=wrt)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    reverse_over_reverse = astgrad.jacobian(grad(f, wrt=wrt), wrt=wrt, mode="reverse")(*args)
    np.testing.assert_allclose(reverse_over_reverse, h, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------- refusals


def norm_inf(x):
    return np.linalg.norm(x, ord=np.inf)


def norm_neg_inf_axis(x):
    return np.sum(np.linalg.norm(x, -np.inf, axis=1))


def norm_zero(x):
    return np.linalg.norm(x, 0)


def norm_nuclear(x):
    return np.linalg.norm(x, "nuc")


def norm_matrix_2(x):
    return np.linalg.norm(x, 2)


def norm_matrix_1_axes(x):
    return np.sum(np.linalg.norm(x, ord=1, axis=(1, 2)))


def norm_matrix_inf(x):
    return np.linalg.norm(x, np.inf)


REFUSED = [
    (norm_inf, (4,), "ord=inf \\(a vector norm\\)"),
    (norm_neg_inf_axis, (3, 4), "ord=-inf \\(a vector norm\\)"),
    (norm_zero, (4,), "ord=0 \\(a vector norm\\)"),
    (norm_nuclear, (3, 3), "ord='nuc' \\(a matrix norm\\)"),
    (norm_matrix_2, (3, 3), "ord=2 \\(a matrix norm\\)"),
    (norm_matrix_1_axes, (2, 3, 3), "ord=1 \\(a matrix norm\\)"),
    (norm_matrix_inf, (3, 3), "ord=inf \\(a matrix norm\\)"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, shape, match", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_unsupported_norms_raise_instead_of_a_wrong_gradient(f, shape, match, mode):
    x = np.random.default_rng(0).standard_normal(shape)
    with pytest.raises(ValueError, match="no derivative rule for np.linalg.norm with " + match):
        grad(f, mode=mode)(x)


def test_det_of_a_singular_matrix_raises():
    """The adjoint of det uses the inverse: a singular matrix is refused, not given NaNs."""
    x = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError):
        grad(lc.det_of)(x)
