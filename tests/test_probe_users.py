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
