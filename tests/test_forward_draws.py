"""Forward mode runs the function once per input element; a function drawing random numbers drew
anew at each run, so its gradient mixed the derivatives of different draws (a dropout mask's
elements from different masks: silently wrong). Every run now draws what the first drew (the
generators' states put back before each), so the gradient is reverse mode's of one run, and the
generators are left as one run leaves them."""

import random

import numpy as np
import pytest

from astgrad import grad
from tests import forward_draws_functions as df

W = np.array([0.5, -1.5, 2.0, 0.8])


def states():
    return np.random.get_state(), random.getstate(), df.RNG.bit_generator.state, df.PY_RNG.getstate()


def put(saved):
    np.random.set_state(saved[0])
    random.setstate(saved[1])
    df.RNG.bit_generator.state = saved[2]
    df.PY_RNG.setstate(saved[3])


@pytest.mark.parametrize(
    "f",
    [df.dropout_with_the_global_state, df.noise_from_a_global_generator, df.scale_from_pythons_random],
    ids=lambda f: f.__name__,
)
def test_every_sweep_draws_what_the_first_drew(f):
    np.random.seed(1)
    random.seed(1)
    saved = states()
    forward = grad(f, mode="forward")(W)
    after_forward = (np.random.rand(), random.random(), df.RNG.random(), df.PY_RNG.random())
    put(saved)
    reverse = grad(f)(W)
    after_reverse = (np.random.rand(), random.random(), df.RNG.random(), df.PY_RNG.random())
    np.testing.assert_allclose(forward, reverse, rtol=1e-12)
    assert after_forward == after_reverse  # (the generators as one run leaves them)
