"""A name bound to another's value (`ys = xs`, `ys = xs.copy()`) passes its adjoint on as it is: a
list where the value is a list, which must be added to the other name's item by item, never joined
to it (`xs_bar + ys_bar` of two lists is their concatenation, and the gradient then lost every item
of the copy's share). Checked against central differences in every mode."""

import numpy as np
import pytest

from tests.modes import MODES, check

RNG = np.random.default_rng(7)
XS = [float(v) for v in RNG.normal(size=40)]


def read_under_another_name(a, xs):
    ys = xs
    zs = [a * y for y in ys]
    return sum(z * z for z in zs) + sum(x * a for x in xs)


def read_through_a_copy(a, xs):
    ys = xs.copy()
    zs = [a * y for y in ys]
    return sum(z * z for z in zs) + sum(x * a for x in xs)


def a_dict_under_another_name(a, params):
    p = params
    return a * p["w"] * p["w"] + np.sum(params["v"] * a)


def a_tuple_under_another_name(a, pair):
    other = pair
    return a * other[0] * pair[1] + pair[0]


CASES = [
    (read_under_another_name, (0.5, XS)),
    (read_under_another_name, (0.5, XS[:3])),
    (read_through_a_copy, (0.5, XS)),
    (a_dict_under_another_name, (0.5, {"w": 1.5, "v": RNG.normal(size=3)})),
    (a_tuple_under_another_name, (0.5, (1.5, -2.0))),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(("f", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_adjoint_of_a_copy_is_added_item_by_item(f, args, options):
    check(f, args, (0, 1), options)
