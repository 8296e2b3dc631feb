"""A NumPy call writing its result into a local name through its output argument, however it is
spelled (`out=` in a method, by position in a function that is not a ufunc), is the write it is
(`y[...] = np.clip(y, a, b)`); into anything else, or with its result also assigned, it is
refused. Before, the forward pass ran the write and the derivatives never saw it (a zero
gradient, or one without the clip). A call
allowed to destroy its input (`overwrite_input=True`) keeps it whole, so the derivatives read it
again as it was, and the caller's array is left alone; where the function itself reads that
input after the call (whose contents NumPy leaves undefined), it is refused."""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from tests import output_arguments_functions as of
from tests.modes import MODES, check

X = np.array([[0.3, -1.2, 0.7, 2.0], [1.1, 0.4, -0.8, 0.2], [-0.6, 1.5, 0.9, -1.4]])


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        of.method_sum_into,
        of.method_sum_into_by_position,
        of.sum_into_by_position,
        of.clip_in_place_by_position,
        of.method_clip_in_place,
        of.max_into_by_position,
        of.exp_in_place_where,
    ],
    ids=lambda f: f.__name__,
)
def test_writes_into_a_local_are_the_writes_they_are(f, options):
    # (`np.clip(y, a, b, out=y)` is `y[...] = np.clip(y, a, b)`: before, the write was run and lost)
    check(f, (X.copy(),), 0, options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [of.sum_assigned_and_written, of.into_a_new_array, of.clip_in_place_while_a_row_is_held],
    ids=lambda f: f.__name__,
)
def test_other_writes_into_output_arguments_are_refused(f, options):
    with pytest.raises(
        AstgradError, match=r"output_arguments_functions\.py:[0-9]+: .*(writes its result into|shared with|view)"
    ):
        grad(f, **options)(X.copy())


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f", [of.median_destroying_a_temporary, of.median_destroying_by_position], ids=lambda f: f.__name__
)
def test_an_input_destroyed_but_not_read_again_is_differentiated(f, options):
    x = X.copy()
    check(f, (x,), 0, options)
    assert np.array_equal(x, X)  # (the caller's array left as it was)


@pytest.mark.parametrize("options", MODES)
def test_an_input_destroyed_and_read_again_is_refused(options):
    with pytest.raises(AstgradError, match=r"overwrite_input=.* undefined contents .* reads `y` after it"):
        grad(of.quantile_destroying_an_input_read_after, **options)(X.copy())
