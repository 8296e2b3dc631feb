"""`*args` and `**kwargs`: the differentiated function reads them as the tuple and dict they are
(constants), a called function likewise; differentiating with respect to one, or passing an
input-dependent value through one to a called function, is refused."""

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad, value_and_grad
from tests import star_arguments_functions as sa
from tests.modes import MODES


def rng():
    return np.random.default_rng(32)


def check_w(f, g, w, *args, **kwargs):
    """Two calls (the second runs the specialised code) against central differences in w."""
    for _ in range(2):
        check_grad(lambda v: f(v, *args, **kwargs), lambda v: g(v, *args, **kwargs), w)


@pytest.mark.parametrize("options", MODES)
def test_star_parameters_of_the_differentiated_function(options):
    r = rng()
    w, X, y = r.normal(size=3), r.normal(size=(5, 3)), r.normal(size=5)
    check_w(sa.mse_loss, grad(sa.mse_loss, **options), w, X, y)
    check_w(sa.indexed_args, grad(sa.indexed_args, **options), w, X, y, 0.5)
    check_w(sa.with_config, grad(sa.with_config, **options), w, lam=0.3)
    check_w(sa.with_config, grad(sa.with_config, **options), w, lam=0.3, scale=2.0)
    g = grad(sa.both_stars, wrt=(0, 1), **options)
    for _ in range(2):
        check_grad(lambda v, b: sa.both_stars(v, b, X, k=1.5), lambda v, b: g(v, b, X, k=1.5), w, 0.2, wrt=(0, 1))
    check_w(sa.calls_a_star_helper, grad(sa.calls_a_star_helper, **options), w, X)


def test_value_with_star_arguments():
    r = rng()
    w, X, y = r.normal(size=3), r.normal(size=(5, 3)), r.normal(size=5)
    value, _ = value_and_grad(sa.mse_loss)(w, X, y)
    assert value == sa.mse_loss(w, X, y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_star_arguments_that_would_need_a_derivative_are_refused(mode):
    with pytest.raises(TransformError, match=r"differentiating with respect to star arguments \(`\*args`\)"):
        grad(sa.mse_loss, wrt=1, mode=mode)
    with pytest.raises(TransformError, match=r"differentiating with respect to star arguments \(`\*\*cfg`\)"):
        grad(sa.with_config, wrt="cfg", mode=mode)
    for f, star in (
        (sa.passes_an_active_value_by_star, r"\*rest"),
        (sa.passes_an_active_keyword_by_star, r"\*\*opts"),
        (sa.unpacks_active_star_items, r"\*rest"),
    ):
        with pytest.raises(
            TransformError, match=rf"depends on the differentiated input through its star argument `{star}`"
        ):
            grad(f, mode=mode)(np.array([0.3, -0.5, 0.8]))
