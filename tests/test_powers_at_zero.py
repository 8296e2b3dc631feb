"""x ** 0 is 1 everywhere, at x = 0 too: its derivative is 0 there, not 0 * 0**-1 (nan for arrays,
ZeroDivisionError for numbers); and d(x**p)/dp is 0 where x is 0 (x**p is 0 there for p > 0), not
0 * log 0. The rules' exponent is y - (y != 0), which a constant y folds to its number. Against
central differences in every mode, at bases of 0 among others."""

import numpy as np
import pytest

import astgrad
from tests import powers_at_zero_functions as pz
from tests.modes import MODES, check

X = np.array([0.0, 0.5, 1.5])
C = np.array([1.0, -2.0, 0.5, 0.3])


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (pz.power_zero_plus_x, (X,), 0),
        (pz.polynomial_in_a_loop, (C, X), (0, 1)),
        (pz.polynomial_of_a_number, (0.0,), 0),
        (pz.polynomial_of_a_number, (0.7,), 0),
        (pz.power_by_a_parameter, (X, 2.0), (0, 1)),
        (pz.numpy_powers, (X,), 0),
        (pz.taylor_series, (0.0,), 0),
        (pz.taylor_series, (1.3,), 0),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_powers_at_a_zero_base(f, args, wrt, options):
    check(f, args, wrt, options)


def test_a_constant_exponent_folds_to_its_number():
    text = astgrad.source(pz.polynomial_of_a_number)
    assert "9.0 * x ** 2" in text and "2.0 * x" in text and "!=" not in text, text
