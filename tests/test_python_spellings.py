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
