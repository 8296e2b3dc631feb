"""What an LSTM step saves (issue 20): the logistic function's spellings differentiated as one
call whose derivative reads its result alone (analysis/spellings.py, the `logistic` entry of
rules/numpy_rules.py), and a value the backward pass reads only for its zeros keeping its dtype
alone (optimize/loop_saves.py, drop_dead_restores). Structure, not timings; every gradient is
checked against central differences, against the unspecialised code and, where forward mode
exists, against it."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from benchmarks import variants


def neg_exp(z):
    return 1.0 / (1.0 + np.exp(-z))


def int_literals(z):
    return 1 / (1 + np.exp(-z))


def swapped(z):
    return 1.0 / (np.exp(-z) + 1.0)


def ratio(z):
    return np.exp(z) / (1.0 + np.exp(z))


def ratio_swapped(z):
    return np.exp(z) / (np.exp(z) + 1)


def negative(z):
    return 1.0 / (1.0 + np.exp(np.negative(z)))


SPELLINGS = [neg_exp, int_literals, swapped, ratio, ratio_swapped, negative]


def _in_loop(sigmoid):
    def f(x, W):
        h = np.zeros(W.shape[0])
        for t in range(x.shape[0]):
            h = sigmoid(W @ h + x[t]) * h + sigmoid(x[t])
        return np.sum(h * h)

    f.__name__ = f"loop_{sigmoid.__name__}"
    return f


def _straight(sigmoid):
    def f(z):
        return np.sum(sigmoid(z) * z)

    f.__name__ = f"straight_{sigmoid.__name__}"
    return f


def _backward(text: str) -> str:
    return text[text.index("# backward pass") :] if "# backward pass" in text else text


@pytest.mark.parametrize("sigmoid", SPELLINGS, ids=[s.__name__ for s in SPELLINGS])
def test_a_logistic_spelling_is_differentiated_from_its_result(sigmoid):
    rng = np.random.default_rng(3)
    z = rng.normal(size=5)
    f = _straight(sigmoid)
    g = grad(f)
    check_grad(f, g, z, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g(z), grad(f, mode="forward")(z), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g(z), grad(f, optimize=False, specialize=False)(z), rtol=1e-12, atol=1e-14)
    back = _backward(astgrad.source(f, args=(z,)))
    assert "exp" not in back and "(1.0 - " in back, back  # (y (1 - y): neither e^-z nor 1 + e^-z read back)


@pytest.mark.parametrize("sigmoid", SPELLINGS, ids=[s.__name__ for s in SPELLINGS])
def test_a_loop_saves_the_logistic_result_alone(sigmoid):
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=(6, 3)), 0.5 * rng.normal(size=(3, 3))
    f = _in_loop(sigmoid)
    g = grad(f, wrt=(0, 1))
    check_grad(f, g, x, W, wrt=(0, 1), rtol=1e-6, atol=1e-9)
    for a, b in zip(g(x, W), grad(f, wrt=(0, 1), optimize=False, specialize=False)(x, W)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    text = astgrad.source(f, wrt=(0, 1), args=(x, W))
    calls = [c for c in ast.walk(ast.parse(text)) if isinstance(c, ast.Call)]
    saved = [c for c in calls if getattr(c.func, "attr", "") == "append"]
    # h and the logistic of W @ h + x[t] (that of x[t] is computed again from t); before: also
    # its e^-z and 1 + e^-z
    assert len(saved) <= 2, text


def test_the_logistic_derivative_where_its_exponential_overflows_is_zero_not_nan():
    """At z = -800, e^-z is inf and the chain's derivative was 0 · inf = NaN; y (1 - y) is 0, in
    both modes (forward mode's tangent of the spelling is the function's too)."""
    z = np.array([-800.0, 0.0, 800.0])
    f = _straight(neg_exp)
    for mode in ("reverse", "forward"):
        with np.errstate(over="ignore"):
            g = grad(f, mode=mode)(z)
        assert np.isfinite(g).all(), (mode, g)
        np.testing.assert_allclose(g, [0.0, 0.5, 1.0], atol=1e-300)


def test_a_temporary_read_elsewhere_or_another_quotient_is_no_logistic():
    """e = np.exp(-z) also read by the sum, or 2 / (1 + e^-z): the chain is differentiated step by
    step, still right."""

    def shared(z):
        e = np.exp(-z)
        s = 1.0 / (1.0 + e)
        return np.sum(s * z + e)

    def twice(z):
        return np.sum(2.0 / (1.0 + np.exp(-z)) * z)

    def rebound(z):  # (z rebound between the exponential and the quotient)
        e = np.exp(-z)
        z = z * 2.0
        return np.sum(1.0 / (1.0 + e) * z)

    z = np.random.default_rng(5).normal(size=4)
    for f in (shared, twice, rebound):
        check_grad(f, grad(f), z, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(grad(f)(z), grad(f, mode="forward")(z), rtol=1e-12)
    assert "exp" in _backward(astgrad.source(twice, args=(z,)))


def test_scipy_expit_is_the_same_logistic():
    special = pytest.importorskip("scipy.special")

    def f(z):
        return np.sum(special.expit(z) * z)

    z = np.random.default_rng(6).normal(size=4)
    check_grad(f, grad(f), z, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grad(f)(z), grad(_straight(neg_exp))(z), rtol=1e-12)


# --- a value read only for its zeros --------------------------------------------------------------


def gates(x, W, h0):
    """`a` is read back by its slices' adjoint only, `a_bar = zeros_like(a)`."""
    h = h0
    for t in range(x.shape[0]):
        a = W @ h + x[t]
        h = np.tanh(a[:2]) * np.tanh(a[2:])
    return np.sum(h * h)


def _gates_args(dtype_h0=np.float64, dtype_rest=np.float64):
    rng = np.random.default_rng(7)
    return (
        rng.normal(size=(5, 4)).astype(dtype_rest),
        (0.5 * rng.normal(size=(4, 2))).astype(dtype_rest),
        rng.normal(size=2).astype(dtype_h0),
    )


def test_a_value_read_only_for_its_zeros_saves_its_dtype_alone():
    args = _gates_args()
    g = grad(gates, wrt=(0, 1, 2))
    check_grad(gates, g, *args, wrt=(0, 1, 2), rtol=1e-6, atol=1e-9)
    for a, b in zip(g(*args), grad(gates, wrt=(0, 1, 2), optimize=False, specialize=False)(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    text = astgrad.source(gates, wrt=(0, 1, 2), args=args)
    assert "append(a)" not in text and "append(zeros_dtype(a))" in text, text
    assert "zeros_like(a)" not in text, text


def test_under_numba_a_value_read_only_for_its_zeros_is_not_saved():
    """numba gives a name one type at every step, so the last `a`'s dtype is every step's: no save
    at all (a loop whose `a` changes dtype is refused by numba, never compiled)."""
    pytest.importorskip("numba")
    args = _gates_args()
    text = astgrad.source(gates, wrt=(0, 1, 2), args=args, jit=True)
    assert "zeros_like(a)" in text and "tape_a" not in text and "zeros_dtype" not in text, text
    g = grad(gates, wrt=(0, 1, 2), jit=True)
    for _ in range(2):
        for a, b in zip(g(*args), grad(gates, wrt=(0, 1, 2))(*args)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def widened(x, W, h0, s):
    h = h0
    for t in range(x.shape[0]):
        a = W @ h + x[t]
        h = np.tanh(a[:2]) * np.tanh(a[2:]) * s
    return np.sum(h * h)


def test_the_zeros_of_each_step_have_that_steps_dtype():
    """x, W and h0 float32, s float64: `a` is float32 at the first step only (h is float64 after
    it); the saved dtype gives its adjoint float32 there, as the unspecialised code does."""
    x, W, h0 = _gates_args(np.float32, np.float32)
    args = (x, W, h0, np.array([0.9, 1.1]))
    g = grad(widened, wrt=(0, 1, 2, 3))
    plain = grad(widened, wrt=(0, 1, 2, 3), optimize=False, specialize=False)
    for _ in range(2):  # (the first call and the specialised code)
        for name, a, b in zip("xWhs", g(*args), plain(*args)):
            assert a.dtype == b.dtype
            # W's steps are summed after the loop by one product of float64 rows (batching.py),
            # where the loop adds the first step's float32 outer product: float32's rounding apart
            np.testing.assert_allclose(a, b, rtol=1e-6 if name == "W" else 1e-13, atol=0)
    assert "zeros_dtype(a)" in astgrad.source(widened, wrt=(0, 1, 2, 3), args=args)
    args64 = tuple(np.asarray(v, np.float64) for v in args)
    check_grad(widened, g, *args64, wrt=(0, 1, 2, 3), rtol=1e-6, atol=1e-9)


def test_an_lstm_step_saves_no_more_than_the_hand_written_gradient_and_one_more():
    """The LSTM of the variant suite: per step the hand-written gradient keeps i, f, o, g, c and
    h; astgrad keeps those, tanh(c) and the dtype of the gates' pre-activation `a` (read back only
    for its zeros), neither a itself nor e^-z and 1 + e^-z of the three logistic gates."""
    args = variants.lstm_args(np.random.default_rng(0))
    text = astgrad.source(variants.lstm, wrt=(2, 3, 4), args=args)
    loop = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.For))  # (the forward loop)
    saved = [
        ast.unparse(s.value.args[0])
        for s in loop.body
        if isinstance(s, ast.Expr) and getattr(s.value.func, "attr", "") == "append"
    ]
    arrays = [s for s in saved if not s.startswith("zeros_dtype(")]
    assert len(arrays) <= 7 and "a" not in arrays, saved
    assert "exp" not in _backward(text), text
    g = grad(variants.lstm, wrt=(2, 3, 4))
    hand = variants.lstm_hand(*args)[1:]
    for _ in range(2):
        for a, b in zip(g(*args), hand):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    small = tuple(a[:, :3] if a.ndim == 3 else a for a in args)  # (three steps for central differences)
    check_grad(variants.lstm, g, *small, wrt=(2, 3, 4), rtol=1e-5, atol=1e-8)


# --- a quotient with a number for numerator -------------------------------------------------------


def reciprocal(x):
    return np.sum(1.0 / (1.0 + x * x))


def scaled(x):
    return np.sum(-3 / x + 2.5 / np.cosh(x))


def zero_numerator(x):
    return np.sum(0.0 / x + x)


def damped(x, c):
    for _ in range(4):
        x = 1.5 / (1.0 + x * x) + 2.0 / (c + x)
    return np.sum(x)


@pytest.mark.parametrize("f", [reciprocal, scaled, zero_numerator], ids=lambda f: f.__name__)
def test_a_quotient_of_a_number_is_right_in_both_modes(f):
    x = np.array([0.3, -1.2, 2.0, 0.7])
    g = grad(f)
    check_grad(f, g, x, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g(x), grad(f, mode="forward")(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g(x), grad(f, optimize=False, specialize=False)(x), rtol=1e-12, atol=1e-14)


def test_a_quotient_of_a_number_at_a_pole_of_its_adjoint():
    """0.0 / x keeps the general form (its adjoint -0 / x, not z (z / 0) = 0 · NaN); 1e300 / x at
    x = 1e10 in a loop gives -1e280 a step (its constant form does not square z = 1e290 first)."""
    np.testing.assert_array_equal(grad(zero_numerator)(np.array([2.0, -1.0])), [1.0, 1.0])

    def huge(x):  # (in a loop, where the constant form is used)
        s = 0.0
        for _ in range(2):
            s = s + np.sum(1e300 / x)
        return s

    np.testing.assert_allclose(grad(huge)(np.array([1e10, 2.0])), [-2e280, -5e299], rtol=1e-14)


def test_a_loop_saves_no_denominator_of_a_number():
    """`1.5 / (1.0 + x * x)` in a loop: the adjoints read the quotients, so neither 1 + x x nor
    c + x is saved."""
    rng = np.random.default_rng(8)
    x, c = rng.normal(size=3), 3.0
    g = grad(damped)
    check_grad(damped, g, x, c, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g(x, c), grad(damped, mode="forward")(x, c), rtol=1e-12)
    text = astgrad.source(damped, args=(x, c))
    assert "pop_block(tape, 12)" in text, text  # (4 steps of x and the two quotients, no denominator)
