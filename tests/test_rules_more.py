"""The rules of rules/more_rules.py (tensordot, inner, kron, cross, pad, cumprod, average, split,
array_split, linalg.cholesky, eigh, matrix_power) against central differences, forward against
reverse mode, Hessians against differences of the gradient, and the argument values the rules
refuse at run time. Rows: tests/rule_cases_more.py."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, numerical_jacobian
from tests import rule_cases_more as mc
from tests.rule_rows import SEEDS, check_forward_matches_reverse, check_value_and_grad, params, sample

ROWS = params(mc.MORE_CASES)


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("row", ROWS)
def test_grad_matches_central_differences(row, specialize):
    _, f, _, wrt = row
    g = grad(f, wrt=wrt, specialize=specialize)
    for seed in SEEDS:
        args = sample(row, seed)
        check_grad(f, g, *args, wrt=wrt)


@pytest.mark.parametrize("row", ROWS)
def test_forward_matches_reverse(row):
    for seed in SEEDS:
        check_forward_matches_reverse(row, seed)


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("row", ROWS)
def test_value_and_grad(row, specialize):
    check_value_and_grad(row, specialize)


# reverse over reverse stops at code outside these rules: `b @ b.T` (runtime.matmul_right has no
# adjoint rule), and a loop over a list (the fwd/bwd split of the gradient does not save the list:
# NameError, with a list display too, without these rules)
NO_REVERSE_OVER_REVERSE = {"np.linalg.cholesky:gram", "np.split:loop"}


@pytest.mark.parametrize("row", ROWS)
def test_second_derivatives(row):
    """The templates call only functions with rules, so their gradients differentiate again:
    forward over reverse (hessian and mixed blocks) against differences of the gradient, and
    reverse over reverse against forward over reverse."""
    name, f, _, wrt = row
    args = sample(row, SEEDS[0])
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    for i in indices:
        g = grad(f, wrt=i)
        for j in indices:
            block = astgrad.jacobian(g, wrt=j, mode="forward")(*args)
            expected = numerical_jacobian(g, *args, wrt=j)
            np.testing.assert_allclose(block, expected, rtol=1e-5, atol=1e-5)
            if i == j:
                np.testing.assert_allclose(astgrad.hessian(f, wrt=i)(*args), block, rtol=1e-12, atol=1e-12)
            if name not in NO_REVERSE_OVER_REVERSE:
                reverse_over_reverse = astgrad.jacobian(g, wrt=j, mode="reverse")(*args)
                np.testing.assert_allclose(reverse_over_reverse, block, rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------------------ exact at zeros


def test_cumprod_gradient_at_zeros_is_exact():
    """∂/∂x_j Σ cumprod(x) = Σ_{i≥j} Π_{k≤i, k≠j} x_k: finite where x has zeros, never NaN."""
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    expected = np.array([sum(np.prod(np.delete(x[: i + 1], j)) for i in range(j, len(x))) for j in range(len(x))])
    for mode in ("reverse", "forward"):
        np.testing.assert_array_equal(grad(cumprod_sum, mode=mode)(x), expected)


def cumprod_sum(x):
    return np.sum(np.cumprod(x))


# ------------------------------------------------------------------------------- refusals


def pad_linear_ramp(x):
    return np.sum(np.sin(np.pad(x, 1, mode="linear_ramp")))


def pad_mean(x):
    return np.sum(np.sin(np.pad(x, 2, "mean")))


def pad_constant_pair(x, c):
    return np.sum(np.sin(np.pad(x, 1, constant_values=(c, 2.0))))


def cross_2d(a, b):
    return np.sum(np.sin(np.cross(a, b)))


def average_returned(x, w):
    avg, total = np.average(x, axis=0, weights=w, returned=True)
    return np.sum(np.sin(avg))


def eigh_vectors_used(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(v * v))


def eigh_values_only(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w))


REPEATED = np.diag([1.0, 1.0, 2.0])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", [pad_linear_ramp, pad_mean], ids=["linear_ramp", "mean"])
def test_pad_modes_that_compute_values_raise(f, mode):
    """linear_ramp, mean, ... compute the padding (edge, reflect, symmetric and wrap copy it:
    tests/rule_cases_more.py)."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    with pytest.raises(ValueError, match="np.pad with mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap'"):
        grad(f, mode=mode)(x)


def test_pad_constant_values_pair_raises_when_differentiated():
    x = np.random.default_rng(0).standard_normal(4)
    with pytest.raises(ValueError, match="constant_values only as one number"):
        grad(pad_constant_pair, wrt=1)(x, 0.5)
    check_grad(pad_constant_pair, grad(pad_constant_pair, wrt=0), x, 0.5)  # x alone is fine


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors are deprecated")
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_cross_of_2_vectors_raises(mode):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    # NumPy before 2.5 crosses 2-vectors (deprecated since 2.0), which astgrad refuses to
    # differentiate; NumPy 2.5 refuses the product itself
    with pytest.raises(ValueError, match="np.cross of 3-vectors|must be .*3-dimensional vectors"):
        grad(cross_2d, wrt=(0, 1), mode=mode)(a, b)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_average_returned_raises(mode):
    x, w = np.ones((3, 2)), np.ones(3)
    with pytest.raises(ValueError, match="returned=False only"):
        grad(average_returned, mode=mode)(x, w)


def test_eigh_vectors_of_repeated_eigenvalues_raise():
    with pytest.raises(ValueError, match="eigenvalues are \\(nearly\\) repeated"):
        grad(eigh_vectors_used)(REPEATED)
    near = REPEATED + np.diag([0.0, 1e-12, 0.0])
    with pytest.raises(ValueError, match="eigenvalues are \\(nearly\\) repeated"):
        grad(eigh_vectors_used)(near)


def test_eigh_values_of_repeated_eigenvalues_are_differentiated():
    """Only the eigenvalues used: a symmetric function of them has a gradient (V diag(f') Vᵀ)."""
    g = grad(eigh_values_only)(REPEATED)
    np.testing.assert_allclose(g, np.diag(np.cos([1.0, 1.0, 2.0])), atol=1e-12)


def test_eigh_forward_mode_marks_undefined_eigenvector_tangents():
    """Forward mode cannot know whether the eigenvectors are used: their tangent is NaN where
    eigenvalues repeat (the function's derivative comes out NaN instead of a wrong number), and
    the eigenvalues' tangent is computed as in reverse mode."""
    assert np.isnan(grad(eigh_vectors_used, mode="forward")(REPEATED)).any()
    values = grad(eigh_values_only, mode="forward")(REPEATED)
    np.testing.assert_allclose(values, np.diag(np.cos([1.0, 1.0, 2.0])), atol=1e-12)
