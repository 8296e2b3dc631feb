"""Code as students and practitioners write it, from a probe of astgrad on unseen programs: each
gradient against central differences, forward against reverse where both exist."""

import numpy as np
import pytest

import astgrad
from astgrad import grad, hessian
from tests import probe_users_functions as pf


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
