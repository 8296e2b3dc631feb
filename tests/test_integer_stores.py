"""A value with a derivative stored into an array of integers (or booleans) is truncated there by
NumPy, a step whose derivative is zero: refused where it runs, naming the user's line
(runtime.check_float_store), in every mode. Values without a derivative (floors, comparisons,
counts, indices) are stored as the program does, and float arrays are not checked in specialised
code, nor in general code where the function makes them float (`np.zeros(n)`)."""

import numpy as np
import pytest

import astgrad
from astgrad import UnsupportedValueError, grad
from tests import integer_stores_functions as isf
from tests.modes import MODES, check
from tests.test_errors import line_of

X = np.array([0.3, -1.2, 0.8])


REFUSED = [
    (isf.fills_zeros_like, (np.array([1, 2, 3]),), "out[i] ="),
    (isf.halves_its_input_in_place, (np.array([1, 2, 3]),), "x[0] ="),
    (isf.fills_an_int_array, (2.0,), "out[0] ="),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, text", REFUSED, ids=[c[0].__name__ for c in REFUSED])
def test_a_truncating_store_is_refused_at_its_line(f, args, text, options):
    g = grad(f, **options)
    for _ in range(2):  # (the general code, then the specialised code)
        with pytest.raises(UnsupportedValueError) as info:
            g(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        assert f"integer_stores_functions.py:{line_of(f, text)}:" in str(info.value)
        assert "truncates" in str(info.value)


ALLOWED = [
    (isf.fills_zeros_like, (X,)),
    (isf.fills_a_preallocated_array, (X,)),
    (isf.floors_into_indices, (X,)),
    (isf.compares_into_a_mask, (X,)),
    (isf.counts_into_ints, (X,)),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args", ALLOWED, ids=[c[0].__name__ for c in ALLOWED])
def test_stores_of_values_without_truncation_are_differentiated(f, args, options):
    check(f, args, 0, options)


def test_the_check_stands_only_where_an_array_may_hold_integers():
    general = astgrad.source(isf.fills_zeros_like)
    assert "check_float_store(out" in general  # (zeros_like of an input of any dtype)
    assert "check_float_store" not in astgrad.source(isf.fills_a_preallocated_array)  # (np.zeros: floats)
    assert "check_float_store" not in astgrad.source(isf.fills_zeros_like, args=(X,))  # (specialised: float)
    assert "check_float_store(out" in astgrad.source(isf.fills_zeros_like, args=(np.array([1, 2]),))
    assert "check_float_store" not in astgrad.source(isf.floors_into_indices)  # (no derivative stored)


@pytest.mark.parametrize("options", MODES)
def test_numpy_power_keeps_numpys_meaning_on_python_numbers(options):
    """np.power of a negative Python float by a fractional exponent is NumPy's nan, and so is its
    derivative (Python's `**` would make it complex); `x ** 2.5` is Python's, complex, as the
    function's own value is; a positive base is differentiated as usual, in every mode."""
    with np.errstate(invalid="ignore"):
        assert np.isnan(grad(isf.numpy_power_of_a_number, **options)(-2.0))
        assert np.isnan(grad(isf.numpy_power_of_a_number, **options)(-2.0))  # (the specialised code)
        g = grad(isf.numpy_power_of_an_array, **options)(np.array([-1.0, 4.0]))
        assert np.isnan(g[0])  # (the sum is nan: forward mode's other tangents are too)
    check(isf.numpy_power_of_a_number, (1.7,), 0, options)
    if options.get("mode") != "forward":  # (forward mode's sweep along 1.0 is real: its own matter)
        z = grad(isf.python_power_of_a_number, **options)(-2.0)
        assert z == pytest.approx(2.5 * complex(-2.0) ** 1.5)
