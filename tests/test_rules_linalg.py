"""The np.linalg rules (norm, det, slogdet, inv, solve) against central differences, forward
against reverse mode, and the norms the rules refuse. Rows: tests/rule_cases_linalg.py."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, numerical_jacobian
from tests import rule_cases_linalg as lc
from tests.modes import MODES, check
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


def norm_matrix_2(x):
    return np.linalg.norm(x, 2)


def norm_matrix_neg2(x):
    return np.linalg.norm(x, -2)


def norm_zero(x):
    return np.linalg.norm(x, 0)


REFUSED = [
    (norm_matrix_2, np.diag([2.0, 2.0, 1.0]), "largest singular value is \\(nearly\\) repeated"),
    (norm_matrix_neg2, np.diag([2.0, 1.0, 1.0]), "smallest singular value is \\(nearly\\) repeated"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, x, match", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_norms_without_a_derivative_raise_instead_of_a_wrong_gradient(f, x, match, mode):
    """The matrix 2-norm where its singular value repeats has no derivative: refused. (The other
    orders are tested in tests/rule_cases_linalg_extra.py.)"""
    with pytest.raises(ValueError, match=match):
        grad(f, mode=mode)(x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_zero_norm_counts_and_has_a_zero_gradient(mode):
    np.testing.assert_array_equal(grad(norm_zero, mode=mode)(np.array([1.0, 0.0, -2.0])), 0.0)


def test_det_of_a_singular_matrix_raises():
    """The adjoint of det uses the inverse: a singular matrix is refused, not given NaNs."""
    x = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError):
        grad(lc.det_of)(x)


def pairwise_distances(x):
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    return np.sum(np.exp(-d))


def distance_to_itself(x):
    return np.linalg.norm(x[0] - x[0], ord=3) + np.linalg.vector_norm(x - x) + np.sum(x)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [pairwise_distances, distance_to_itself])
def test_a_norm_of_zeros_has_derivative_zero(f, options):
    """The diagonal of pairwise distances is the norm of x_i - x_i, zero whatever x is: its
    derivative is 0 (as np.abs at 0), not 0 / 0, which made every gradient element NaN."""
    check(f, (np.array([[0.1, 0.5], [-1.0, 0.3], [0.7, -0.2]]),), 0, options)
