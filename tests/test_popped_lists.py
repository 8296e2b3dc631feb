"""Lists built by appending, differentiated: each item's adjoint comes back off the end of the
list's adjoint, in specialised code with `.pop()` of a list the code owns
(specialize/popped_lists.py). Gradients against central differences in every mode, forward
against reverse; the rewrite made where it applies and not where the adjoint is read otherwise."""

import numpy as np
import pytest

import astgrad
from astgrad import grad, hessian, numerical_jacobian
from tests import popped_lists_functions as pf
from tests.modes import MODES, check

RNG = np.random.default_rng(11)
XS = [float(v) for v in RNG.normal(size=7)]
YS = [2.0 * x + 1.0 + 0.1 * float(e) for x, e in zip(XS, RNG.normal(size=7))]
W = RNG.normal(size=(3, 3)) * 0.5
STEPS = [RNG.normal(size=3) for _ in range(4)]

# (function, arguments, the parameters differentiated, whether specialised code pops: None, a
# list the specialisation makes an array, specialize/lists.py)
CASES = [
    (pf.residuals_of_a_fit, (0.5, 0.2, XS, YS), (0, 1), True),
    (pf.appends_states, (W, STEPS), 0, True),
    (pf.appends_two_per_step, (0.7, 3), 0, True),
    (pf.reads_the_last_while_appending, (0.4,), 0, True),
    (pf.appends_in_a_branch, (XS,), 0, True),
    (pf.list_of_floats_to_numpy, (XS, 0.3), (0, 1), None),
    (pf.adjoint_read_whole_after, (0.9,), 0, False),
    (pf.appends_over_a_short_list, ([0.3, -0.7, 1.1],), 0, True),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, wrt, pops", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_of_appended_lists(f, args, wrt, pops, options):
    check(f, args, wrt, options)


@pytest.mark.parametrize("f, args, wrt, pops", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_and_reverse_agree(f, args, wrt, pops):
    reverse = grad(f, wrt=wrt)(*args)
    forward = grad(f, wrt=wrt, mode="forward")(*args)
    for r, fw in zip(
        reverse if isinstance(wrt, tuple) else [reverse], forward if isinstance(wrt, tuple) else [forward]
    ):
        np.testing.assert_allclose(np.asarray(r, dtype=float), np.asarray(fw, dtype=float), rtol=1e-9, atol=1e-12)


POPPING = [c for c in CASES if c[3] is not None]


@pytest.mark.parametrize("f, args, wrt, pops", POPPING, ids=[c[0].__name__ for c in POPPING])
def test_pops_where_the_adjoint_is_read_as_a_list(f, args, wrt, pops):
    text = astgrad.source(f, wrt=wrt, args=args)
    assert ("owned_list(" in text and ".pop()" in text) == pops, text


def test_second_derivative_through_appends():
    """A second derivative differentiates the general code, which keeps the adjoint an array."""
    f = pf.reads_the_last_while_appending
    g = grad(f)
    assert g(0.4) == pytest.approx(grad(f)(0.4))  # (its specialised code, run twice)
    expected = numerical_jacobian(grad(f, specialize=False), 0.4)
    assert hessian(f)(0.4) == pytest.approx(float(np.squeeze(expected)), rel=1e-6)


def test_a_list_adjoint_popped_is_the_codes_own():
    """The adjoint list owned_list makes is a new one: popping it leaves the list it came from
    (another name's adjoint) and the arrays in it as they were."""
    from astgrad.runtime import owned_list

    rows = [np.ones(2), np.zeros(2)]
    mine = owned_list(rows)
    mine.pop()[0] = 5.0
    assert len(rows) == 2 and rows[1][0] == 0.0
    floats = [1.0, 2.5]
    assert owned_list(floats) == floats and owned_list(floats) is not floats
    as_array = owned_list(np.array([1.0, 2.0]))
    assert isinstance(as_array, list) and as_array.pop() == 2.0


def test_a_sum_of_a_list_of_numbers_is_known_to_be_a_number():
    """The shape facts know `sum(rs)` of a list of numbers the function builds, and `len(xs)` of
    any sequence, are numbers: the output needs no check, and is not computed for `grad`."""
    text = astgrad.source(pf.residuals_of_a_fit, wrt=(0, 1), args=(0.5, 0.2, XS, YS))
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("check_scalar(" in line or "sum(" in line for line in code), text
