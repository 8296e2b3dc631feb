"""The public API: call forms, attributes, caching, tracebacks, examples."""

import subprocess
import sys
import traceback
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

import astgrad
from astgrad import grad, numerical_grad, value_and_grad

from .modes import MODES, check

ROOT = Path(__file__).resolve().parent.parent


def f(x1, x2):
    return x1 * x2 + np.sin(x1)


def with_default(x, scale=3.0):
    return scale * x**2


def divides(x, y):
    return np.sum(np.log(x) / y)


def test_lecture_gradient_is_exact():
    g = grad(f, wrt=("x1", "x2"))
    d1, d2 = g(0.7, -1.3)
    # hand derivation: (x2 + cos x1, x1)
    assert d1 == pytest.approx(-1.3 + np.cos(0.7), abs=0, rel=1e-15)
    assert d2 == 0.7


def test_generated_function_is_plain_and_carries_source_and_wrapped():
    g = grad(f, wrt="x2")
    assert type(g).__name__ == "function"
    assert g.__wrapped__ is f
    assert g.__name__ == "f_grad"
    assert "def f_grad(x1, x2):" in g.source
    assert g.source == astgrad.source(f, wrt="x2")


def test_keyword_arguments_and_defaults():
    g = grad(with_default)
    assert g(2.0) == pytest.approx(12.0)
    assert g(x=2.0, scale=0.5) == pytest.approx(2.0)
    assert grad(with_default, wrt="scale")(2.0, scale=0.5) == pytest.approx(4.0)


def test_value_and_grad():
    value, (d1, d2) = value_and_grad(f, wrt=(0, 1))(0.7, -1.3)
    assert value == pytest.approx(f(0.7, -1.3))
    assert (d1, d2) == pytest.approx((-1.3 + np.cos(0.7), 0.7))


def test_transformation_is_cached_per_function_and_wrt():
    assert grad(f, wrt=0) is grad(f, wrt=0)
    assert grad(f, wrt=0) is not grad(f, wrt=1)


def test_traceback_shows_generated_lines():
    g = grad(divides, wrt="y")
    with pytest.raises(TypeError) as info:
        g(np.ones(2), "not a number")
    text = "".join(traceback.format_exception(info.value))
    assert "astgrad-generated divides_grad" in text
    assert "np.log(x) / y" in text or "/ y" in text  # the generated line is shown


def test_generated_gradient_can_be_read_back_by_inspect():
    import inspect

    g = grad(f)
    assert inspect.getsource(g.__code__).startswith("def f_grad(x1, x2):")  # getsource(g) follows __wrapped__


def test_normalized_source_shows_one_operation_per_line():
    text = astgrad.source(f, normalized=True)
    assert "t1 = x1 * x2" in text and "t2 = np.sin(x1)" in text and "out = t1 + t2" in text


@pytest.mark.parametrize("script", ["lecture.py", "hw0.py", "logistic_regression.py"])
def test_examples_run(script):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "def " in result.stdout and "passed" in result.stdout or "matches" in result.stdout


def _shared_sum(a, b):
    return np.sum(np.sin(a + b))


def _shared_sum_aux(a, b):
    return np.sum(np.sin(a + b)), "aux"


@pytest.mark.parametrize("specialize", [True, False])
def test_gradients_returned_together_are_independent_arrays(specialize):
    """a's and b's gradients are both the adjoint of a + b; writing into one must leave the other
    (found by review: they were one array)."""
    a, b = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 0.5])
    expected = np.cos(a + b)  # d/da and d/db of Σ sin(a + b)
    for call in (
        lambda: grad(_shared_sum, wrt=(0, 1), specialize=specialize)(a, b),
        lambda: value_and_grad(_shared_sum, wrt=(0, 1), specialize=specialize)(a, b)[1],
        lambda: grad(_shared_sum_aux, wrt=(0, 1), has_aux=True, specialize=specialize)(a, b)[0],
    ):
        ga, gb = call()
        ga[0] = 99.0
        np.testing.assert_allclose(gb, expected, rtol=1e-15)
        assert not np.shares_memory(ga, gb)


Layer = namedtuple("Layer", "W b")


def layer_loss(layer, x):
    W, b = layer
    return np.sum(np.tanh(W @ x + b) ** 2)


@pytest.mark.parametrize("options", MODES)
def test_a_namedtuple_argument_gets_a_namedtuple_gradient(options):
    """Its fields named as the argument's, as numerical_grad and JAX give it (was a plain tuple)."""
    layer = Layer(np.array([[0.5, -1.0, 0.2], [0.3, 0.1, -0.4]]), np.array([0.1, -0.2]))
    x = np.array([0.1, 0.2, 0.3])
    check(layer_loss, (layer, x), 0, options)
    g = grad(layer_loss, **options)
    for _ in range(2):
        gradient = g(layer, x)
        assert type(gradient) is Layer
        np.testing.assert_allclose(gradient.b, numerical_grad(layer_loss, layer, x).b, rtol=1e-6)


class Quadratic:
    """A model object: the instance is the function (its `__call__`), its attributes its data."""

    def __init__(self, A):
        self.A = A

    def __call__(self, x, scale=1.0):
        return scale * np.sum((self.A @ x) ** 2)


@pytest.mark.parametrize("options", MODES)
def test_a_callable_instance_is_differentiated_as_its_call_method(options):
    """`grad(model)` differentiates `model.__call__` (was refused as 'a built-in or C function'),
    reading the instance's attributes as they are at each call."""
    A = np.array([[0.5, -1.0, 0.2], [0.3, 0.1, -0.4]])
    x = np.array([0.1, 0.2, 0.3])
    model = Quadratic(A)
    check(model, (x,), 0, options)
    check(model, (x, 2.0), "scale", options)
    model.A = 3 * A
    np.testing.assert_allclose(grad(model, **options)(x), 2 * (3 * A).T @ (3 * A) @ x, rtol=1e-12)
    np.testing.assert_allclose(astgrad.hessian(model)(x), 2 * A.T @ A * 9, rtol=1e-12)


def test_pickling_a_gradient_function_says_what_to_send_instead():
    """cloudpickle (joblib, dask, ray) pickles a function with its attributes: the gradient's
    specialiser is refused with what to do, not with "cannot pickle '_thread.RLock' object"."""
    cloudpickle = pytest.importorskip("cloudpickle")
    for g in (grad(f), value_and_grad(f)):
        g(0.7, -1.3)
        with pytest.raises(astgrad.AstgradError, match=r"cannot be pickled(.|\n)*call astgrad.grad on it there"):
            cloudpickle.dumps(g)


def _scaled_tanh(x, *, scale=2.0, shift=0.5):
    return np.tanh(x * scale + shift)


def _scaled_sin(x, a=1.0):
    return np.sin(x) * a


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_keyword_only_parameters_and_partials(mode):
    """A function's keyword-only parameters reach its reverse-mode Jacobian by name (they were
    passed by position: a TypeError), so do a partial's bound keywords (its function's keyword-only
    parameters); central differences give the expected blocks."""
    import functools

    x = np.array([0.3, -0.4, 1.1])
    for f, kwargs, wrt in [
        (_scaled_tanh, {}, 0),
        (_scaled_tanh, {"scale": 3.0}, 0),
        (_scaled_tanh, {"scale": 3.0}, "scale"),
        (functools.partial(_scaled_sin, a=2.0), {}, 0),
    ]:
        got = astgrad.jacobian(f, wrt=wrt, mode=mode)(x, **kwargs)
        expected = astgrad.numerical_jacobian(f, x, wrt=wrt, **kwargs)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
