"""NumPy's elementwise functions on Python floats (issue 17): in specialised code `np.sin(theta)`
of a float becomes `float(np.sin(theta))` where a float and an np.float64 behave alike, so the
arithmetic after it is Python's (specialize/floats.py). The values f computes are unchanged (the
value of value_and_grad is f's, bit for bit); where a value that was an np.float64 is divided,
raised to a power or handed to other code, nothing is rewritten. Gradients against central
differences and the unoptimised code."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from numpy import exp as np_exp

import astgrad
from astgrad import check_grad, grad, value_and_grad
from benchmarks.variants import ema, ema_increment, ema_list, ema_running, pendulum_np
from tests.modes import MODES, check


def decay_exp(x, k, steps):  # np.exp on floats
    for _ in range(steps):
        x = x + 0.1 * (np.exp(-k * x) - x)
    return x * x


def tanh_steps(x, w, steps):  # np.tanh, np.sin and math mixed
    y = 0.0
    for _ in range(steps):
        y = np.tanh(w * y + x) + 0.5 * np.sin(y)
    return y + x * y


def divides(x, k, steps):  # a division by a value that was an np.float64: left as it is
    for _ in range(steps):
        x = x + 0.1 / (1.0 + np.exp(-k * x))
    return x


def squared(theta, g, steps):  # the forward value read by a power: left as it is
    for _ in range(steps):
        theta = theta + 0.01 * g * np.cos(theta)
    return theta**2


def branches(x, w, steps):  # a branch on a value that was an np.float64
    for _ in range(steps):
        if np.sin(x) > 0.2:
            x = x * w + np.cos(x)
        else:
            x = x - 0.1 * w
    return x


def compared_into_numbers(x, steps):  # a comparison used as a number: True + True is 2, not np.True_
    c = 0.0
    for _ in range(steps):
        x = np.sin(x) + 0.5
        c = c + (x > 0.3) * x
    return c


CASES = [
    (pendulum_np, (0.3, 0.1, 9.81, 0.01, 30), (0, 1, 2)),
    (decay_exp, (0.7, 1.3, 20), (0, 1)),
    (tanh_steps, (0.4, 0.8, 15), (0, 1)),
    (divides, (0.2, 0.9, 10), (0, 1)),
    (squared, (0.3, 2.0, 10), (0, 1)),
    (branches, (0.5, 0.9, 12), (0, 1)),
    (compared_into_numbers, (0.4, 8), (0,)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_float_loop_gradients_are_right(f, args, wrt):
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=wrt, optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_the_value_is_f_s_bit_for_bit(f, args, wrt):
    vg = value_and_grad(f, wrt=wrt)
    vg(*args)  # (the first call specialises)
    value, _ = vg(*args)
    assert value == f(*args)


@pytest.mark.parametrize("f", [pendulum_np, decay_exp, tanh_steps, branches])
def test_numpy_functions_of_floats_give_floats(f):
    """(`float(np.sin(x))`, or math's twin `float_sin(x)` where the value decides nothing: below.)"""
    args, wrt = next((a, w) for g, a, w in CASES if g is f)
    text = astgrad.source(f, wrt=wrt, args=args)
    assert re.search(r"float\(np\.|float_\w+\(|math\.tanh\(", text), text


@pytest.mark.parametrize("f", [divides, squared, compared_into_numbers])
def test_a_value_divided_or_raised_to_a_power_keeps_its_type(f):
    """(The gradient alone of `squared` never computes `theta**2`: its code is rewritten; the
    value and gradient computes it, and is not.)"""
    args, wrt = next((a, w) for g, a, w in CASES if g is f)
    text = astgrad.source(f, wrt=wrt, args=args, value=True)
    assert "float(np." not in text, text


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def test_a_derivative_calls_math_s_twin_and_the_returned_forward_pass_numpy_s():
    """The backward pass's `np.cos(theta)` decides nothing: `float_cos`, math's with NumPy's NaN
    where math raises (registry: on_floats). The forward pass's `np.sin(theta)` decides nothing
    either: grad, which returns no value, calls `float_sin` (the derivatives read the values it
    saves: replay.py); value_and_grad keeps `np.sin`, whose values it returns bit for bit."""
    args = (0.3, 0.1, 9.81, 0.01, 30)
    forward, backward = _code(astgrad.source(pendulum_np, wrt=(0, 1, 2), args=args)).split("omega_bar = 1.0")
    assert "float_sin(theta)" in forward and "float_cos(theta)" in backward, forward + backward
    assert "np." not in backward and "np.sin" not in forward, forward + backward
    forward, backward = _code(astgrad.source(pendulum_np, wrt=(0, 1, 2), args=args, value=True)).split("omega_bar")[:2]
    assert "np.sin(theta)" in forward and "float_sin" not in forward, forward
    from astgrad.rules import lookup

    assert lookup(np.cos).on_floats is astgrad.runtime.float_cos and lookup(np.tanh).on_floats is math.tanh


def test_a_forward_value_that_decides_keeps_numpy_s_function():
    """`branches` compares its forward values: grad's forward pass keeps `np.` calls there."""
    args, wrt = next((a, w) for g, a, w in CASES if g is branches)
    forward = _code(astgrad.source(branches, wrt=wrt, args=args)).split("backward pass")[0]
    assert "float(np." in forward, forward


def test_a_derivative_s_twin_gives_numpy_s_nan_where_math_raises():
    """At theta = inf the function's value is NaN (np.sin(inf)) and so is its gradient, as the
    general code gives it; math.cos(inf) raises ValueError, its twin float_cos does not."""
    g = astgrad.grad(pendulum_np, wrt=(0, 1, 2))
    at = (float("inf"), 0.1, 9.81, 0.01, 5)
    g(0.3, 0.1, 9.81, 0.01, 5)  # (the specialised code for floats)
    with np.errstate(invalid="ignore"):
        got = g(*at)
        general = astgrad.grad(pendulum_np, wrt=(0, 1, 2), specialize=False)(*at)
    assert "float_cos(theta)" in astgrad.source(pendulum_np, wrt=(0, 1, 2), args=at)
    assert all(math.isnan(v) for v in got) and all(math.isnan(v) for v in general), (got, general)
    assert math.isnan(astgrad.runtime.float_sqrt(-1.0)) and math.isnan(astgrad.runtime.float_tan(math.inf))
    assert astgrad.runtime.float_sin(0.5) == math.sin(0.5)


def test_a_value_that_decides_a_branch_is_numpy_s():
    """`np.sin(x) > 0.2` decides the branch: the backward pass reads the forward's saved value
    (np.sin's), and only the derivative of np.cos is math's (float_sin)."""
    text = _code(astgrad.source(branches, wrt=(0, 1), args=(0.5, 0.9, 12)))
    forward, backward = text.split("x_bar = 1.0")
    assert "float(np.sin(x))" in forward and "float(np.cos(x))" in forward, text
    assert "np." not in backward and "-float_sin(x)" in backward, text


# ------------------------------------------------------------------ elements of float64 arrays


def running_tail(x, a):  # x read through x[1:] alone: still x's precision
    m = 0.0
    for xt in x[1:]:
        m = a * m + (1 - a) * xt
    return m * m


def divided_by_elements(x, a):  # a division by an element: NumPy's inf at 0, Python's error
    y = a
    for k in range(x.shape[0]):
        y = y + a / x[k]
    return y


EMA_ARGS = (np.random.default_rng(0).normal(size=40), 0.9)


@pytest.mark.parametrize("f", [ema_running, ema_list, ema], ids=lambda f: f.__name__)
def test_elements_of_float64_arrays_are_read_as_floats(f):
    """The loops read a vector's `.tolist()` made once before them (or `float(x[k])` where the
    loop writes into it): Python's arithmetic on the elements' own values."""
    text = _code(astgrad.source(f, wrt=(0, 1), args=EMA_ARGS))
    assert ".tolist()" in text, text
    backward = text.split("# backward pass")[-1] if "# backward pass" in text else text.split("a_bar = 0.0")[1]
    assert "_rows[" in backward, text


@pytest.mark.parametrize("f", [ema_running, ema_list, ema, ema_increment], ids=lambda f: f.__name__)
@pytest.mark.parametrize("options", MODES)
def test_ema_gradients(f, options):
    check(f, EMA_ARGS, (0, 1), options)


@pytest.mark.parametrize("f", [ema_running, ema_list, ema, ema_increment], ids=lambda f: f.__name__)
def test_ema_value_is_f_s_bit_for_bit_and_the_gradient_the_general_code_s(f):
    vg = value_and_grad(f, wrt=(0, 1))
    vg(*EMA_ARGS)
    value, (x_bar, a_bar) = vg(*EMA_ARGS)
    assert value == f(*EMA_ARGS)
    g = grad(f, wrt=(0, 1))
    g(*EMA_ARGS)
    x_bar, a_bar = g(*EMA_ARGS)
    general = grad(f, wrt=(0, 1), specialize=False)(*EMA_ARGS)
    np.testing.assert_allclose(x_bar, general[0], rtol=1e-12)
    np.testing.assert_allclose(a_bar, general[1], rtol=1e-12)


@pytest.mark.parametrize("f", [ema_running, running_tail], ids=lambda f: f.__name__)
def test_float32_elements_take_the_general_code(f):
    """Float arrays of every precision share specialised code: the code that reads elements as
    Python floats sends a float32 array to the general code, whose arithmetic is float32's."""
    x = EMA_ARGS[0].astype(np.float32)
    text = _code(astgrad.source(f, wrt=(0, 1), args=(x, 0.9)))
    rewritten = ".tolist()" in text or "float(" in text
    assert not rewritten or "if x.dtype is not float64:\n        return general_code(" in text, text
    g = grad(f, wrt=(0, 1))
    g(x, 0.9)
    x_bar, a_bar = g(x, 0.9)
    general = grad(f, wrt=(0, 1), specialize=False)(x, 0.9)
    assert x_bar.dtype == general[0].dtype == np.float32
    np.testing.assert_array_equal(x_bar, general[0])
    assert a_bar == general[1]


def test_an_element_divided_by_keeps_numpy_s_type():
    x = np.array([0.5, 2.0, 0.0])
    text = _code(astgrad.source(divided_by_elements, wrt=(0, 1), args=(x, 0.9)))
    assert ".tolist()" not in text and "float(x" not in text, text
    g = grad(divided_by_elements, wrt=1)
    with np.errstate(divide="ignore"):
        g(x, 0.9)
        assert g(x, 0.9) == np.inf  # (NumPy's inf, no ZeroDivisionError)


def sines_and_a_divided_element(x, w, steps):  # x[0] divides: NumPy's; np.sin(y) becomes math.sin(y)'s twin
    y = 0.3
    for _ in range(steps):
        y = np.sin(y) * w
    return y + 1.0 / x[0]


def test_an_element_that_divides_leaves_the_numpy_calls_rewritten():
    args = (np.array([0.5, 2.0, 1.5]), 0.7, 6)
    text = _code(astgrad.source(sines_and_a_divided_element, wrt=(0, 1), args=args))
    assert "float_sin(y)" in text and ".tolist()" not in text, text
    check(sines_and_a_divided_element, args, (0, 1), {})


TWINS = [
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh,
    np.arctanh, np.exp, np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt,
]  # fmt: skip
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 30.0, 710.0, -710.0, 1e300, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("fn", TWINS, ids=[f.__name__ for f in TWINS])
def test_each_twin_gives_numpy_s_value_where_math_raises_and_rounds_alike_elsewhere(fn):
    """A float's twin (registry: on_floats) gives NumPy's value: the same infinities and NaNs
    (math.log(0.0) raises, np.log gives -inf; math.exp(710.0) overflows, np.exp gives inf), and
    finite values within the last bits."""
    from astgrad.rules import lookup

    twin = lookup(fn).on_floats
    assert twin is not None
    for x in SPECIAL:
        with np.errstate(all="ignore"):
            want = float(fn(x))
        got = twin(x)
        assert type(got) is float
        if math.isnan(want) or math.isinf(want):
            assert (math.isnan(got) and math.isnan(want)) or got == want, (fn, x, got, want)
        else:
            assert got == pytest.approx(want, rel=4e-16, abs=1e-300), (fn, x, got, want)


def exponentials(x, k, steps):  # np.exp, np.sinh, np.cosh on floats, deciding nothing
    for _ in range(steps):
        x = x + 0.05 * (np.exp(-k * x) - np.sinh(0.1 * x) + np.cosh(0.2 * k) * np.cos(x))
    return x * k


def test_exponentials_of_floats_call_their_twins_and_differentiate_right():
    args = (0.4, 1.3, 25)
    text = _code(astgrad.source(exponentials, wrt=(0, 1), args=args))
    for twin in ("float_exp(", "float_sinh(", "float_cosh(", "float_cos(", "float_sin("):
        assert twin in text, text
    assert "np." not in text.split("# backward pass")[0].split("forward pass")[-1], text
    check(exponentials, args, (0, 1), {})
    vg = value_and_grad(exponentials, wrt=(0, 1))
    vg(*args)
    assert vg(*args)[0] == exponentials(*args)  # (value_and_grad's forward pass: NumPy's own)


def test_the_second_derivative_of_code_calling_twins():
    """The twins are math's functions to the registry (aliases), so grad of the specialised code
    has derivatives: against central differences of the first derivative. (One gradient, not a
    tuple of them: the pass runs for every gradient function.)"""

    def f(x):
        return np.exp(0.3 * x) * np.cosh(x) - np.arctanh(0.2 * x) + np.log1p(x * x)

    g = grad(f)
    g(0.7)
    assert "float_" in astgrad.source(f, args=(0.7,))
    h = grad(g)
    eps = 1e-5
    fd = (g(0.7 + eps) - g(0.7 - eps)) / (2 * eps)
    assert h(0.7) == pytest.approx(fd, rel=1e-6)


def imported_exp(x, k, steps):  # `from numpy import exp` spelled as the bare name: the same function
    for _ in range(steps):
        x = x + 0.1 * (np_exp(-k * x) - x)
    return x * x


def test_a_numpy_function_imported_by_name_is_read_as_numpy_s():
    """`exp(...)` bound to np.exp is np.exp to the floats pass and to the rounding analysis (its
    call's resolved function, `_ag_fn`: continuous): float_exp where its value decides nothing,
    as for `np.exp` (decay_exp); gradients right, the value the function's."""
    args = (0.7, 1.3, 20)
    forward = _code(astgrad.source(imported_exp, wrt=(0, 1), args=args)).split("backward pass")[0]
    assert "float_exp(" in forward, forward
    check(imported_exp, args, (0, 1), {})
    vg = value_and_grad(imported_exp, wrt=(0, 1))
    vg(*args)
    assert vg(*args)[0] == imported_exp(*args)
