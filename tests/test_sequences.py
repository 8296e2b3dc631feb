"""`+` joins and `*` repeats lists and tuples (analysis/sequences.py): their gradients against central
differences in every mode, forward against reverse; where astgrad cannot tell a list from an array,
a clear refusal instead of the arithmetic rules' wrong gradient. Also a list's `.copy()` (a list, not
an array), a list made again at each step of a loop and appended to (never recomputed empty), and
a list the function builds handed to NumPy (an array where the call reads it)."""

import numpy as np
import pytest

from astgrad import UnsupportedValueError, grad, hessian, numerical_jacobian
from tests import sequences_functions as sf
from tests.modes import MODES, check

RNG = np.random.default_rng(3)
XS = [0.3, -0.7, 1.1]
W = RNG.normal(size=(3, 3)) * 0.5
H = RNG.normal(size=3)
LAYERS = [{"W": W, "b": RNG.normal(size=3)}, {"W": RNG.normal(size=(3, 3)) * 0.5}]

# (function, arguments, the parameters differentiated)
CASES = [
    (sf.repeats_a_list, (XS,), 0),
    (sf.repeats_from_the_left, (XS,), 0),
    (sf.joins_two_lists, (XS, [1.5, -0.4]), (0, 1)),
    (sf.grows_a_list, (0.8,), 0),
    (sf.joins_a_constant_first, (0.8,), 0),
    (sf.repeats_a_tuple, (0.8,), 0),
    (sf.states_in_a_loop, (W, H), (0, 1)),
    (sf.repeats_by_a_length, (XS, H), (0, 1)),
    (sf.joins_comprehensions, (XS,), 0),
    (sf.rounds_a_list_twice, (XS,), 0),
    (sf.copies_then_appends, ([RNG.normal(size=2), RNG.normal(size=2)],), 0),
    (sf.rebuilds_a_list_in_a_loop, (XS,), 0),
    (sf.dots_a_comprehension, (XS,), 0),
    (sf.hands_an_appended_list_to_numpy, (XS,), 0),
    (sf.layers_with_optional_bias, (LAYERS, H), (0, 1)),
    (sf.slices_then_appends, (XS,), 0),
]
# general code cannot tell a list parameter from an array: these are refused there (below)
UNKNOWN_IN_GENERAL = {sf.repeats_a_list, sf.repeats_from_the_left, sf.joins_two_lists}


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_against_central_differences(f, args, wrt, options):
    if options.get("specialize") is False and f in UNKNOWN_IN_GENERAL and options.get("mode") != "forward":
        pytest.skip("refused in general code (test_general_code_refuses_what_it_cannot_tell)")
    if options.get("specialize") is False and f is sf.joins_two_lists:
        pytest.skip("refused in general code (test_general_code_refuses_what_it_cannot_tell)")
    check(f, args, wrt, options)


def _leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _leaves(x[k])]
    if isinstance(x, (list, tuple)) and not all(isinstance(v, float) for v in x):
        return [v for item in x for v in _leaves(item)]
    return [np.asarray(x, float)]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_matches_reverse(f, args, wrt):
    rev = _leaves(grad(f, wrt=wrt)(*args))
    fwd = _leaves(grad(f, wrt=wrt, mode="forward")(*args))
    assert len(rev) == len(fwd)
    for a, b in zip(rev, fwd):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_repetition_gradient_values():
    """d/dx_i of sum_j (j+1) z_j^2 over zs = xs * 2: x_i appears at i and i + n."""
    n = len(XS)
    expected = [2 * XS[i] * ((i + 1) + (i + 1 + n)) for i in range(n)]
    np.testing.assert_allclose(grad(sf.repeats_a_list)(XS), expected)
    np.testing.assert_allclose(grad(sf.repeats_a_list)(XS), expected)  # (specialised)


def test_join_with_a_constant_part_in_forward_mode():
    """[2.0] + [x]: the constant part's tangent is zero, not x's tangent spread over the join."""
    x = 0.8
    assert grad(sf.joins_a_constant_first, mode="forward")(x) == pytest.approx(2.0 + 2 * x)
    assert grad(sf.joins_a_constant_first)(x) == pytest.approx(2.0 + 2 * x)


def test_second_derivatives_through_joins():
    x = 0.8  # grows_a_list is x * x^2 + 1
    assert hessian(sf.grows_a_list)(x) == pytest.approx(6 * x)
    g = grad(sf.states_in_a_loop, wrt=1)
    expected = numerical_jacobian(lambda h: g(W, h), H)
    np.testing.assert_allclose(hessian(sf.states_in_a_loop, wrt=1)(W, H), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, args", [(sf.repeats_a_list, (XS,)), (sf.joins_two_lists, (XS, [1.5, -0.4]))])
def test_general_code_refuses_what_it_cannot_tell(f, args):
    """A list parameter is not known in general code: its adjoint, longer than the list, is refused
    (not the arithmetic rules' repeated gradient); specialised code knows the list and differentiates it."""
    with pytest.raises(UnsupportedValueError, match=r"joined or repeated a list or tuple here"):
        grad(f, specialize=False)(*args)


@pytest.mark.parametrize("options", MODES)
def test_a_list_and_a_value_of_unknown_kind(options):
    """`xs + [x]`: an array xs adds elementwise (arithmetic, right); a list xs joins, which general
    code cannot tell when the gradient is made: refused when it runs (specialised code knows it;
    forward mode's list tangents join as the values do)."""
    check(sf.joins_an_unknown, (np.array([1.0, 2.0]), 0.5), (0, 1), options)
    g = grad(sf.joins_an_unknown, wrt=(0, 1), **options)
    if options.get("specialize") is False and options.get("mode") != "forward":
        with pytest.raises(UnsupportedValueError, match=r"joined or repeated a list or tuple here"):
            g([1.0, 2.0], 0.5)
    else:
        check(sf.joins_an_unknown, ([1.0, 2.0], 0.5), (0, 1), options)


ARITHMETIC = [
    (sf.constant_list_times_array, (np.array([0.3, -0.5, 0.8]),), 0),
    (sf.presized_list, (np.array([0.3, -0.5, 0.8]),), 0),
    (sf.list_plus_array, (np.array([0.3, -0.5, 0.8]),), 0),
    (sf.states_presized, (np.array([0.3, -0.5, 0.8]), 3), 0),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, wrt", ARITHMETIC, ids=[f.__name__ for f, _, _ in ARITHMETIC])
def test_lists_in_arithmetic_with_arrays_and_counts(f, args, wrt, options):
    check(f, args, wrt, options)
