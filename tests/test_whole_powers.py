"""Powers of float arrays by whole numbers as products (issue 17): in specialised code `x ** k` of
a float array and an integer k whose value decides nothing and is not returned is
`int_power(x, k)`, repeated squaring, NumPy's `pow` per element being many times slower
(specialize/powers.py; registry: on_integer_exponent). The helper computes `x ** k` itself for
any other operands. Gradients against central differences and the general code, on every
spelling of the exponent; value_and_grad's value is f's, bit for bit."""

from __future__ import annotations

import gast
import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, value_and_grad
from astgrad.runtime import int_power
from benchmarks.variants import poly_enumerate, poly_range


def poly_while(c, x):  # a while loop's counter
    pred = np.zeros_like(x)
    k = 0
    while k < len(c):
        pred = pred + c[k] * x**k
        k += 1
    return np.sum(pred * pred)


def poly_np_power(c, x):  # np.power, the counter of a range with a start
    pred = c[0] * np.ones_like(x)
    for k in range(1, len(c)):
        pred = pred + c[k] * np.power(x, k)
    return np.sum(np.sin(pred))


def cubic(a, x):  # int literals: x ** 3 multiplied, x ** 2 NumPy's square
    return np.sum(a[0] * x**3 + x**2 * a[1] + x**5)


def negative_powers(c, x):  # k - 2 < 0 at the first steps: `x ** k` computed by pow itself
    pred = np.zeros_like(x)
    for k in range(len(c)):
        pred = pred + c[k] * x ** (k - 2)
    return np.sum(pred)


def decides(c, x):  # the power's value decides a branch: kept as it is
    total = 0.0
    for k in range(len(c)):
        p = x**k
        if np.sum(p) > 0.5:
            total = total + c[k] * np.sum(p)
    return total


def integer_base(c, n):  # an integer array's powers: exact, NumPy's own
    pred = np.zeros(n.shape)
    for k in range(len(c)):
        pred = pred + c[k] * n**k
    return np.sum(pred * pred)


def _args(rng, n=7, k=5):
    return rng.normal(size=k), rng.uniform(-1.5, 1.5, size=n)


CASES = [
    (poly_while, 0),
    (poly_while, 1),
    (poly_np_power, (0, 1)),
    (cubic, (0, 1)),
    (negative_powers, (0, 1)),
    (decides, 0),
]
IDS = [f"{f.__name__}-{wrt}" for f, wrt in CASES]


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


@pytest.mark.parametrize("f, wrt", CASES, ids=IDS)
def test_gradients_are_right(f, wrt):
    args = _args(np.random.default_rng(0))
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-6, atol=1e-8)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-6, atol=1e-8)  # (the specialised code)
    general = grad(f, wrt=wrt, optimize=False, specialize=False)(*args)
    got = g(*args)
    for a, b in zip(got if isinstance(got, tuple) else (got,), general if isinstance(general, tuple) else (general,)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, wrt", CASES, ids=IDS)
def test_forward_mode_agrees(f, wrt):
    args = _args(np.random.default_rng(1))
    forward = grad(f, wrt=wrt, mode="forward")
    forward(*args)
    reverse = grad(f, wrt=wrt)(*args)
    got = forward(*args)
    for a, b in zip(got if isinstance(got, tuple) else (got,), reverse if isinstance(reverse, tuple) else (reverse,)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, wrt", CASES + [(poly_range, 0), (poly_enumerate, 0)], ids=IDS + ["range", "enumerate"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_value_is_f_s_bit_for_bit(f, wrt, mode):
    rng = np.random.default_rng(2)
    args = _args(rng) if f not in (poly_range, poly_enumerate) else (*_args(rng), rng.normal(size=7))
    vg = value_and_grad(f, wrt=wrt, mode=mode)
    vg(*args)
    value, _ = vg(*args)
    assert value == f(*args)


@pytest.mark.parametrize("f", [poly_range, poly_enumerate, poly_while, poly_np_power])
def test_a_power_by_a_counter_is_multiplied_in_grad_not_in_value_and_grad(f):
    rng = np.random.default_rng(3)
    args = (*_args(rng), rng.normal(size=7)) if f in (poly_range, poly_enumerate) else _args(rng)
    text = _code(astgrad.source(f, wrt=0, args=args))
    assert "int_power(x, k" in text and "x ** k" not in text and "np.power" not in text, text
    forward = _code(astgrad.source(f, wrt=0, args=args, value=True)).split("_bar")[0]
    assert "int_power" not in forward, forward


def test_the_derivative_s_power_is_multiplied_too():
    """pow's adjoint `x ** (k - (k != 0))` (k - 1, but 0 for k = 0): an integer the specialisation knows."""
    text = _code(astgrad.source(poly_while, wrt=1, args=_args(np.random.default_rng(4))))
    assert "int_power(x, k - (k != 0))" in text, text


def test_literal_exponents_numpy_does_not_square_itself():
    text = _code(astgrad.source(cubic, wrt=(0, 1), args=_args(np.random.default_rng(5))))
    assert "int_power(x, 3)" in text and "int_power(x, 5)" in text and "x ** 2" in text, text


def test_a_power_that_decides_a_branch_is_numpy_s():
    text = _code(astgrad.source(decides, wrt=0, args=_args(np.random.default_rng(6))))
    assert "int_power" not in text and "x ** k" in text, text


def test_an_integer_array_s_powers_stay_exact():
    """Not rewritten where the base is an integer array; and the code specialised for a float
    base, called with an integer array of its shape, gets exact powers from the helper."""
    c = np.array([1.0, -2.0, 0.5, 3.0, 1.0, 2.0, -1.0, 4.0, 1.0, 1.0, 1.0])
    n = np.arange(-3, 4)
    text = astgrad.source(integer_base, wrt=0, args=(c, n))
    assert "int_power" not in text, text
    g = grad(integer_base, wrt=0)
    check_grad(integer_base, g, c, n.astype(float), wrt=0, rtol=1e-6)
    assert "int_power" in astgrad.source(integer_base, wrt=0, args=(c, n.astype(float)))
    np.testing.assert_array_equal(g(c, n), grad(integer_base, wrt=0, specialize=False)(c, n))
    assert int_power(n, 10).dtype == n.dtype and np.array_equal(int_power(n, 10), n**10)


def test_infinities_nans_and_overflow_as_the_general_code():
    """inf, NaN, -0.0, values whose powers overflow to inf and underflow to 0: the specialised
    gradient is the general code's, infinities and NaNs in the same places."""
    c = np.array([0.5, -1.0, 2.0, 0.25, 1.5, -0.5])
    x = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e80, -1e80, 1e-90, 2.0, -3.0])
    g = grad(poly_while, wrt=(0, 1))
    g(c, np.linspace(-1.0, 1.0, x.size))  # (the specialised code)
    with np.errstate(all="ignore"):
        got = g(c, x)
        general = grad(poly_while, wrt=(0, 1), specialize=False)(c, x)
    for a, b in zip(got, general):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 32])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_int_power_is_pow_up_to_rounding(k, dtype):
    x = np.random.default_rng(k).uniform(-2.0, 2.0, size=50).astype(dtype)
    got, want = int_power(x, k), x**k
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=12 * np.finfo(dtype).eps)


def test_int_power_s_special_values():
    x = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e200, -1e200, 1e-200, -1.0])
    with np.errstate(all="ignore"):
        for k in (0, 1, 2, 3, 4, 5, 6):
            got, want = int_power(x, k), x**k
            np.testing.assert_array_equal(got, want)
            assert np.array_equal(np.signbit(got), np.signbit(want)), k
    assert np.array_equal(int_power(x, 0), np.ones_like(x))  # (nan ** 0 is 1)
    assert int_power(x, 1) is not x  # (a new array, as x ** 1 is)


def test_int_power_computes_the_power_itself_for_other_operands():
    x = np.array([0.5, 2.0, 4.0])
    for k in (-1, -2, -3, 33, 2.5, np.float64(3.0), True):
        np.testing.assert_array_equal(int_power(x, k), x**k)
    x32 = x.astype(np.float32)
    assert int_power(x32, np.int64(3)).dtype == (x32 ** np.int64(3)).dtype  # (float64: NumPy's promotion)
    assert int_power(x, np.int64(3)).dtype == np.float64
    assert int_power(2.0, 3) == 8.0 and type(int_power(np.array(2.0), 3)) is type(np.array(2.0) ** 3)


def test_the_registry_knows_the_twin():
    import builtins
    import operator

    from astgrad.rules import lookup

    for fn in (operator.pow, np.power, builtins.pow):
        assert lookup(fn).on_integer_exponent is int_power
    assert lookup(int_power).adjoint is lookup(operator.pow).adjoint  # (its derivatives are pow's)


def cubed_by_the_helper(x):  # generated code differentiated again calls int_power: pow's derivatives
    return np.sum(int_power(x, 3) * x)


def test_int_power_has_pow_s_derivatives():
    x = np.array([0.5, -1.5, 2.0, 0.25])
    g = grad(cubed_by_the_helper)
    check_grad(cubed_by_the_helper, g, x)
    np.testing.assert_allclose(g(x), 4.0 * x**3, rtol=1e-12)
    np.testing.assert_allclose(g(x), 4.0 * x**3, rtol=1e-12)  # (the specialised code)


def test_a_restored_counter_makes_no_other_saved_value_decide():
    """`k = tape.pop()` indexes (`c_bar[k]`): k decides. The power saved on the same tape is taken
    back into its own name, so it decides nothing (rounding._restores); where a pop takes a value
    back into another name than the one saved, the tape passes decisions on to all it holds."""
    from astgrad.analysis.rounding import decisive_names

    code = (
        "def f_grad(x, c, n):\n"
        "    tape = []\n"
        "    t4 = None\n"
        "    k = 0\n"
        "    for _ in range(n):\n"
        "        tape.append(t4)\n"
        "        t4 = x ** k\n"
        "        tape.append(k)\n"
        "        k = k + 1\n"
        "    c_bar = np.zeros(n)\n"
        "    for _ in range(n):\n"
        "        k = tape.pop()\n"
        "        c_bar[k] = np.sum(t4)\n"
        "        {restore} = tape.pop()\n"
        "    return c_bar\n"
    )
    same = decisive_names(gast.parse(code.format(restore="t4")).body[0], "np")
    assert "k" in same and "t4" not in same, same
    other = decisive_names(gast.parse(code.format(restore="t5")).body[0], "np")
    assert "k" in other and "t4" in other, other
