"""The rules issue 15 fixed, in both modes, general and specialised code, arrays and Python floats,
against central differences (rows: tests/rule_cases_fixes.py); and the deliberate decisions:
piecewise-constant functions have derivative zero, parameters without a derivative are refused."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from tests import rule_cases_fixes as fc
from tests.rule_rows import SEEDS, params, sample

ROWS = params(fc.FIXES_CASES)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("row", ROWS)
def test_fixed_rule_matches_central_differences(row, specialize, mode):
    _, f, _, wrt = row
    g = grad(f, wrt=wrt, specialize=specialize, mode=mode)
    for seed in SEEDS:
        args = sample(row, seed)
        check_grad(f, g, *args, wrt=wrt)


@pytest.mark.parametrize("row", ROWS)
def test_fixed_rule_jvp_matches_reverse(row):
    """jvp along a random direction equals the reverse-mode gradient's inner product with it."""
    _, f, _, wrt = row
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    args = sample(row, SEEDS[1])
    rng = np.random.default_rng(5)
    tangents = [
        rng.standard_normal(np.shape(a)) if type(a) is not float else float(rng.standard_normal()) for a in args
    ]
    tangents = [
        t if i in indices else (np.zeros(np.shape(a)) if type(a) is not float else 0.0)
        for i, (t, a) in enumerate(zip(tangents, args))
    ]
    gradient = grad(f, wrt=tuple(indices))(*args)
    _, derivative = astgrad.jvp(f, args, tangents)
    expected = sum(np.sum(np.asarray(g) * np.asarray(tangents[i])) for i, g in zip(indices, gradient))
    np.testing.assert_allclose(derivative, expected, rtol=1e-9, atol=1e-10)


def _direction(rng, a, varied: bool):
    t = rng.standard_normal(np.shape(a)) * varied
    return float(t) if type(a) is float else t


def test_random_draws_are_the_functions_own():
    """The gradient function draws what f draws (the call is neither removed nor repeated)."""
    loc, scale = 0.3, 1.7
    np.random.seed(7)
    z = np.random.normal(0.0, 1.0, (3, 2))
    for mode in ("reverse", "forward"):
        for specialize in (True, False):
            g_loc, g_scale = grad(fc.normal_draws, wrt=(0, 1), mode=mode, specialize=specialize)(loc, scale)
            np.testing.assert_allclose(g_loc, np.sum(np.cos(loc + scale * z)), rtol=1e-12)
            np.testing.assert_allclose(g_scale, np.sum(np.cos(loc + scale * z) * z), rtol=1e-12)


# --------------------------------------------------------------- piecewise constant: zero, deliberately


def rounded_times(x):
    return np.sum(np.fix(x) * x + np.around(x, 1) * x + np.floor(x) + np.sign(x) * x + x // 0.7)


def searchsorted_times(x):
    return np.sum(np.searchsorted(np.array([-0.5, 0.0, 0.5]), x) * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
def test_piecewise_constant_functions_have_derivative_zero(mode, specialize):
    x = np.array([-1.23, -0.31, 0.47, 1.86])
    for f in (rounded_times, searchsorted_times):
        check_grad(f, grad(f, mode=mode, specialize=specialize), x)


# --------------------------------------------------------------- refusals naming function, parameter, line


def quantile_of_q(x, q):
    return np.quantile(x, q)


def diff_count(x):
    return np.sum(np.diff(x, n=int(x[0])))


def user_rule_forgotten(x, y):
    return np.sum(scaled(x, y))


def scaled(x, y):
    return x * y


@astgrad.adjoint(scaled)
def _(z, x, y):
    x_bar = z_bar * y  # noqa: F821, F841


@astgrad.tangent(scaled)
def _(z, x, y):
    z_dot = x_dot * y  # noqa: F821, F841


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_active_value_at_a_parameter_without_derivative_is_refused(mode):
    with pytest.raises(
        astgrad.TransformError,
        match=r"rules_fixes.py:\d+: `np.quantile` has no derivative with respect to its parameter `q`",
    ):
        grad(quantile_of_q, wrt=1, mode=mode)
    # a user's rule that forgets a parameter's derivative: refused, never zero
    with pytest.raises(
        astgrad.TransformError,
        match=r"rules_fixes.py:\d+: `.*scaled` has no derivative with respect to its parameter `y`",
    ):
        grad(user_rule_forgotten, wrt=1, mode=mode)
    grad(user_rule_forgotten, wrt=0, mode=mode)  # x has its derivative


def test_a_static_parameter_may_receive_an_active_value():
    """np.diff's n is a count: int(x[0]) is piecewise constant, its derivative zero."""
    x = np.array([2.2, 0.5, -1.0, 3.0])
    check_grad(diff_count, grad(diff_count), x)


# second derivatives reach through the fixed rules (np.prod's too: prod_others has rules of its own)
NO_SECOND_DERIVATIVE: set[str] = set()


@pytest.mark.parametrize("row", ROWS)
def test_second_derivatives_of_fixed_rules(row):
    """Forward over reverse (the Hessian's blocks) against differences of the gradient."""
    name, f, _, wrt = row
    if name in NO_SECOND_DERIVATIVE:
        with pytest.raises(astgrad.TransformError, match="no tangent"):
            astgrad.hessian(f, wrt=wrt if isinstance(wrt, int) else wrt[0])(*sample(row, SEEDS[0]))
        return
    args = sample(row, SEEDS[0])
    for i in wrt if isinstance(wrt, tuple) else (wrt,):
        g = grad(f, wrt=i)
        block = astgrad.jacobian(g, wrt=i, mode="forward")(*args)
        np.testing.assert_allclose(block, astgrad.numerical_jacobian(g, *args, wrt=i), rtol=1e-5, atol=1e-5)
