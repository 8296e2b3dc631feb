"""A list or tuple of floats whose derivative comes from several places (`sum(xs) + xs[0]`): its
adjoint is a list, and a second contribution was joined to it with `+` (its items' shares cut
back to the list's length: a silent wrong gradient), or added into a slice of it with `+=` (which
extends a list); np.dot of a list read with another use crashed
(a float times the list). Against central differences in every mode."""

import pytest

from tests import list_arguments_functions as lf
from tests.modes import MODES, check

XS = [0.5, 1.2, -0.3, 0.8]
WS = [0.2, 0.3, 0.1, 0.4]

CASES = [
    (lf.sum_and_first, (XS,), 0),
    (lf.sum_and_first, (tuple(XS),), 0),
    (lf.sum_twice, (XS,), 0),
    (lf.weighted_mean, (XS, WS), (0, 1)),
    (lf.unpacked_and_summed, ([0.5, 1.2, -0.3],), 0),
    (lf.first_plus_mean, (XS,), 0),
    (lf.spread_above_the_mean, (XS,), 0),
    (lf.sum_times_squares, (XS,), 0),
    (lf.mean_by_a_helper, (XS,), 0),
    (lf.fsum_sorted_and_copied, (XS,), 0),
    (lf.product_and_a_slice, (XS,), 0),
    (lf.last_and_dot, (XS,), 0),
    (lf.largest_and_dot, (XS,), 0),
    (lf.tail_summed_and_head_squared, (0.7, [0.1 * k for k in range(1, 16)]), 0),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, wrt", CASES, ids=[f"{c[0].__name__}-{type(c[1][0]).__name__}" for c in CASES])
def test_contributions_to_a_list_add_item_by_item(f, args, wrt, options):
    check(f, args, wrt, options)
