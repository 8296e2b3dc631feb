"""`tuple(xs)` of a list, a comprehension, a generator, an array's rows or a range is the tuple of
the items `list(xs)` makes, each followed (it was refused)."""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from tests import tuples_functions as tf
from tests.modes import MODES, check

X = np.random.default_rng(8).normal(size=(2, 3, 2))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        tf.sums_over_the_trailing_axes,
        tf.concatenates_a_tuple_of_a_generator,
        tf.rows_as_a_tuple,
        tf.a_tuple_and_its_list,
        tf.a_tuple_of_floats,
    ],
    ids=lambda f: f.__name__,
)
def test_tuples_of_sequences(f, options):
    check(f, (X,), 0, options)


@pytest.mark.parametrize("options", MODES)
def test_a_join_astgrad_could_not_foresee_is_refused_in_every_mode(options):
    # (forward mode dropped the constant's zero tangents: `u[-1]` read t's last tangent)
    if options.get("specialize", True) and options.get("mode") != "forward":
        assert grad(tf.a_tuple_joined_to_a_constant, wrt=(0, 1), **options)((1.0, 2.0), 0.7) == ((1.0, 0.0), 3.0)
        return
    with pytest.raises(AstgradError, match="joined or repeated a list or tuple"):
        grad(tf.a_tuple_joined_to_a_constant, wrt=(0, 1), **options)((1.0, 2.0), 0.7)
