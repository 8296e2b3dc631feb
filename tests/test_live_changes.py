"""A gradient follows the program as it is at each call (tests/live_changes_functions.py): a
functools.partial whose keywords are written into or whose function is swapped, a function's
keyword defaults written into (its own or a helper's), a partial held in a global; where it cannot
follow (a signature reordered in place under reverse mode's gradient, an instance's own `__call__`),
it refuses. Each against central differences of the program as it is then, in every mode."""

import functools

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad
from tests import live_changes_functions as lc
from tests.modes import MODES

W = np.array([0.3, 1.2])
X = np.array([[1.0, 2.0], [0.5, -1.0]])


@pytest.mark.parametrize("options", MODES)
def test_a_partial_written_into(options):
    p = functools.partial(lc.loss, X=X.copy())
    g = grad(p, **options)
    for change in (
        lambda: p.keywords.__setitem__("X", X * 0.5),
        lambda: p.keywords.__setitem__("c", 5.0),
        lambda: p.__setstate__((lc.loss_sin, (), {"X": X}, None)),
    ):
        check_grad(p, g, W)
        check_grad(p, g, W)
        change()
        check_grad(p, g, W)


@pytest.mark.parametrize("options", MODES)
def test_a_partial_held_in_a_global(options):
    g = grad(lc.loss_act, **options)
    try:
        check_grad(lc.loss_act, g, W)
        lc.act.keywords["p"] = 4
        np.testing.assert_allclose(g(W), 4 * W**3)
    finally:
        lc.act.keywords["p"] = 3


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [lc.scaled, lc.calls_scaled])
def test_keyword_defaults_written_into(f, options):
    g = grad(f, **options)
    try:
        check_grad(f, g, W)
        lc.scaled.__kwdefaults__["k"] = 7.0
        check_grad(f, g, W)
        np.testing.assert_allclose(g(W), 14.0 * W + (1.0 if f is lc.calls_scaled else 0.0))
    finally:
        lc.scaled.__kwdefaults__["k"] = 2.0


@pytest.mark.parametrize("options", MODES)
def test_parameters_reordered_in_place(options):
    f = lc.loss_w_X
    code = f.__code__
    g = grad(f, wrt=0, **options)
    try:
        check_grad(f, g, W, X)
        f.__code__ = lc.loss_X_w.__code__  # (what %autoreload does to an edited signature)
        if options.get("mode") == "forward":  # (wrt=0 is the first parameter as it is now)
            check_grad(f, g, X, W, wrt=0)
        else:
            with pytest.raises(TransformError, match=r"parameters .* changed places since it was made \(w, X → X, w\)"):
                g(X, W)
    finally:
        f.__code__ = code


@pytest.mark.parametrize("options", MODES)
def test_an_instance_attribute_named_call_is_refused(options):
    check_grad(lc.loss_activation, grad(lc.loss_activation, **options), W)
    lc.activation.__call__ = lc.cube  # (Python still calls Activation.__call__)
    try:
        with pytest.raises(TransformError, match=r"has an attribute `__call__` of its own"):
            grad(lc.loss_activation, **options)(W)
    finally:
        del lc.activation.__call__


@pytest.mark.parametrize("options", MODES)
def test_a_partial_of_a_lambda(options):
    p = functools.partial(lambda z, s: np.sum(np.sin(z) * s), s=2.0)
    check_grad(p, grad(p, **options), W)
