"""divmod (lowered to `//` and `%`), math.prod (a rule: each item's share the others' product)
and assignment expressions in parts of a statement evaluated once (hoisted into an assignment),
against central differences in both modes; a `:=` that hoisting could change is refused."""

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad
from tests import python_spellings_functions as ps
from tests.modes import MODES


def check(f, x, options):
    g = grad(f, **options)
    check_grad(f, g, x)
    check_grad(f, g, x)  # (the second call runs the code specialised at the first)


X = np.array([0.3, -0.5, 0.8, 1.2])


@pytest.mark.parametrize("options", MODES)
def test_divmod(options):
    check(ps.divmod_of_constants, X, options)
    check(ps.divmod_of_an_input, X, options)
    check(ps.divmod_of_an_input, -X, options)
    check(ps.divmod_of_an_array, X, options)


@pytest.mark.parametrize("options", MODES)
def test_math_prod(options):
    for f in (ps.prod_of_a_shape, ps.prod_of_items, ps.prod_with_start, ps.prod_with_a_zero):
        check(f, X, options)
    check(ps.prod_of_rows, X.reshape(2, 2), options)


@pytest.mark.parametrize("options", MODES)
def test_walrus_in_parts_evaluated_once(options):
    check(ps.walrus_in_a_value, X, options)
    check(ps.walrus_in_a_test, X, options)  # (the branch taken)
    check(ps.walrus_in_a_test, X * 0.3, options)  # (the other)
    check(ps.walrus_in_a_sequence, X, options)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_walrus_that_hoisting_could_change_is_refused(mode):
    for f in (ps.walrus_read_before, ps.walrus_in_a_while_test):
        with pytest.raises(TransformError, match=r"the walrus operator \(:=\) is not supported"):
            grad(f, mode=mode)(X)


@pytest.mark.parametrize("options", MODES)
def test_starred_assignment_targets(options):
    """`a, *b, c = t` reads t[0], list(t[1:-1]) and t[-1], as Python does."""
    rng = np.random.default_rng(7)
    A, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    params = [rng.normal(size=3) for _ in range(4)]
    for wrt in (0, 1):
        g = grad(ps.starred_lstsq, wrt=wrt, **options)
        check_grad(ps.starred_lstsq, g, A, b, wrt=wrt)
        check_grad(ps.starred_lstsq, g, A, b, wrt=wrt)
    check(ps.starred_first_of_a_list, params, options)
    check(ps.starred_middle, params, options)
    check(ps.starred_middle, tuple(params[:2]), options)  # (nothing between)
    check(ps.starred_rows_of_an_array, rng.normal(size=(4, 3)), options)
    check(ps.starred_nested, rng.normal(size=(3, 2)), options)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_starred_target_of_a_sequence_too_short_raises_as_python(mode):
    params = [np.ones(2), np.ones(2)]
    with pytest.raises(ValueError, match="not enough values to unpack"):
        ps.starred_too_short(params)
    with pytest.raises(ValueError, match=r"not enough values to unpack \(expected at least 3, got 2\)"):
        grad(ps.starred_too_short, mode=mode)(params)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_write_into_an_item_of_a_starred_target_is_refused(mode):
    params = [np.ones(2), np.ones(2), np.ones(2)]
    with pytest.raises(TransformError, match="cannot follow writes through aliases"):
        grad(ps.starred_item_written, mode=mode)(params)
