"""grad(f, jit=True): the specialised gradient compiled by numba (astgrad/jit/compiler.py).

The compiled gradient must equal the uncompiled one to rounding (and central differences), on
scalar and array loops, on the control-flow catalogue entries and the rule matrix's elementwise
and reduction rows it accepts; what it does not accept must raise an AstgradError naming the
construct and the user's line, never fall back silently. Speed is measured in the benchmark
suite (`python -m benchmarks`), not here.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import astgrad  # noqa: E402
from astgrad import AstgradError, check_grad, grad, value_and_grad  # noqa: E402
from astgrad.jit import helpers  # noqa: E402, F401  (the runtime helpers' numba versions, for the tests of them alone)
from tests import jit_functions as jf  # noqa: E402
from tests import test_rules as rule_matrix  # noqa: E402
from tests.catalogue import CATALOGUE  # noqa: E402

RNG = np.random.default_rng(19)

# NumPy configures ndarray.__str__ by an import at the first print of an array; from inside
# generated code (whose builtins are the user's module globals) that import fails, so that
# catalogue.nondiff_print fails in the uncompiled gradient when no array was printed before it
# in the process (a bug outside jit=True, reported; run alone, this file would meet it first)
str(np.zeros(1))


def _leaves(g):
    if isinstance(g, (tuple, list)):
        return [leaf for item in g for leaf in _leaves(item)]
    return [np.asarray(g, dtype=float)]


def assert_same(compiled, python):
    a, b = _leaves(compiled), _leaves(python)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


LOOPS = [
    (jf.pendulum, (0, 1, 2, 3), (0.5, 0.1, 9.81, 0.01)),
    (jf.ema, (0, 1), (RNG.random(300), 0.1)),
    (jf.branchy, (0, 1), (0.3, 0.8)),
    (jf.conv1d, (0, 1), (RNG.random(40), RNG.random(5))),
    (jf.maxpool, 0, (RNG.random(30),)),
    (jf.until_large, (0, 1), (0.5, 1.5)),
]


@pytest.mark.parametrize(("f", "wrt", "args"), LOOPS, ids=[f.__name__ for f, _, _ in LOOPS])
def test_loops_compile_and_agree(f, wrt, args):
    compiled = grad(f, wrt, jit=True)
    assert_same(compiled(*args), grad(f, wrt)(*args))
    check_grad(f, compiled, *args, wrt=wrt)
    value, gradient = value_and_grad(f, wrt, jit=True)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    assert_same(gradient, compiled(*args))


def test_source_is_what_numba_compiles():
    text = astgrad.source(jf.ema, (0, 1), args=(RNG.random(20), 0.3), jit=True)
    assert "def ema_grad(x, alpha" in text
    assert "respecialize" not in text  # (the wrapper checks kinds and program)
    text = astgrad.source(jf.until_large, (0, 1), args=(50.0, 1.5), jit=True)  # (a loop that saves)
    assert "tape_y = jit_np.empty(" in text and "raise JitTapeFull" in text  # (typed stacks, room checked)
    assert "# line " in text  # (the user's lines, as in the Python code)


def test_a_tape_that_outgrows_its_first_run():
    """A while loop that runs longer than at the first call: the stacks' room grows."""
    g = grad(jf.until_large, (0, 1), jit=True)
    g(50.0, 1.5)  # (few iterations)
    for args in [(0.5, 1.01), (0.2, 1.001)]:
        assert_same(g(*args), grad(jf.until_large, (0, 1))(*args))


def test_new_kinds_and_changed_globals():
    g = grad(jf.scaled_by_global, jit=True)
    x = RNG.random(6)
    assert_same(g(x), grad(jf.scaled_by_global)(x))
    old = jf.GAINS
    try:
        jf.GAINS = old * 3.0  # the compiled gradient reads the global when it runs
        assert_same(g(x), grad(jf.scaled_by_global)(x))
        jf.GAINS = np.ones(4)  # of another shape: compiled again
        assert_same(g(np.ones(4)), grad(jf.scaled_by_global)(np.ones(4)))
    finally:
        jf.GAINS = old
    with pytest.raises(AstgradError, match="list"):
        g([1.0, 2.0])


def test_numba_njit_function():
    f = jf.compiled_damped
    x = RNG.random(8)
    g = grad(f, (0, 1), jit=True)
    assert_same(g(x, 0.9), grad(f.py_func, (0, 1))(x, 0.9))
    check_grad(f.py_func, g, x, 0.9, wrt=(0, 1))


def test_refusal_names_the_construct_and_line():
    with pytest.raises(AstgradError) as info:
        grad(jf.median_scaled, jit=True)(np.array([0.3, 0.1, 0.9, 0.5]))
    text = str(info.value)
    assert "numba cannot compile the gradient of median_scaled" in text
    assert "median_weights" in text  # (the construct: a run-time helper numba has no version of)
    line = jf.median_scaled.__code__.co_firstlineno + 1
    assert f"jit_functions.py:{line}: return np.median(x)" in text  # (the user's line)


# gradients that call a runtime helper through its numba version (jit/helpers.py): catalogue entries
# (name, case) and the helper, which the code numba compiles must name
HELPER_USERS = [
    ("mix_matrix_loop", 0, "matmul_left"),
    ("mix_matrix_loop", 0, "matmul_right"),
    ("nondiff_argmax_index", 0, "unindex"),
    ("nondiff_int_arith", 1, "unindex"),
    ("row_with_later_cancellation", 0, "distinct"),
]


@pytest.mark.parametrize(("name", "k", "helper"), HELPER_USERS, ids=[f"{h}-{n}" for n, _, h in HELPER_USERS])
def test_runtime_helpers_compiled(name, k, helper):
    ((f, wrt, cases),) = [(f, wrt, cases) for f, cases, wrt, status in CATALOGUE if f.__name__ == name]
    args = cases[k]
    got = grad(f, wrt=wrt, jit=True)(*copy.deepcopy(args))
    assert_same(got, grad(f, wrt=wrt)(*copy.deepcopy(args)))
    text = astgrad.source(f, wrt, args=args, jit=True)
    assert all(f"{name}(" in text for name in helper.split())


def test_inverse_axes_compiled():
    """The adjoint of a transpose of three axes calls inverse_axes, through its numba version."""
    A = RNG.normal(size=(2, 3, 4))
    got = grad(jf.permuted_sine, jit=True)(A)
    assert_same(got, grad(jf.permuted_sine)(A))
    check_grad(jf.permuted_sine, got, A)
    assert "inverse_axes(" in astgrad.source(jf.permuted_sine, 0, args=(A,), jit=True)


@pytest.mark.parametrize("x", [np.array([0.3, 0.1, 0.9, 0.5]), np.array([0.5, np.nan, 0.5, -1.0])])
def test_sort(x):
    """np.sort's derivative (runtime.unsort, by a stable argsort: ties and NaN as NumPy orders them)."""
    compiled = grad(jf.sorted_weights, jit=True)
    assert_same(compiled(x), grad(jf.sorted_weights)(x))
    assert "jit_unsort_over_m1(" in astgrad.source(jf.sorted_weights, args=(x,), jit=True)


def _relu_args(tie: bool) -> tuple:
    W1 = RNG.normal(size=(3, 5))
    if tie:
        W1[:, 2] = 0.0  # (a hidden unit's input exactly 0: np.maximum(0, z) ties, its share is ½)
    return W1, RNG.normal(size=5), RNG.normal(size=(8, 3)), RNG.normal(size=8)


def _ties(n: int) -> np.ndarray:
    z = RNG.normal(size=n)
    z[::3] = 0.0
    return z


WORDS = np.array([[0, 2, 2], [5, 0, -1]])  # (an embedding's index: repeats, a negative)

# typical user code calling runtime helpers through their numba versions (jit/helpers.py), with
# the helpers the code numba compiles must name
USER_CODE = [
    (jf.relu_mlp, (0, 1), _relu_args(tie=False), "max_share"),
    (jf.relu_mlp, (0, 1), _relu_args(tie=True), "max_share"),
    (jf.leaky_and_clipped, (0, 1), (_ties(7), RNG.normal(size=7)), "max_share fmax_share clip_share"),
    (jf.leaky_and_clipped, (0, 1), (_ties(7), 0.0), "max_share fmax_share clip_share"),
    (jf.hinge_loop, (0, 1), (np.array([0.2, 0.5, 0.9, -0.3]), 0.5), "select_share"),
    (jf.cross_entropy, 0, (RNG.normal(size=(3, 4)), RNG.normal(size=(8, 3)), RNG.integers(0, 4, size=8)), "add_at"),
    (jf.embedding_lookup, (0, 2), (RNG.normal(size=(6, 3)), WORDS, RNG.normal(size=3)), "unindex"),
    (jf.embedding_lookup, 0, (RNG.normal(size=(6, 3)), WORDS, RNG.normal(size=3)), "untake_over_1"),
    (jf.masked_energy, 0, (RNG.normal(size=9),), "add_at"),  # (numba cannot index by a 2-d mask)
    (jf.scattered, 0, (RNG.normal(size=4), np.array([0, 2, 2, -1])), "written_part"),
    (
        jf.along_axes,
        0,
        (RNG.normal(size=(3, 4)), np.array([[0, 0], [3, 1], [1, -2]]), np.array([[2, 0, 0, 1], [0, 0, 2, -1]])),
        "untake_along_axis_over_1 untake_along_axis_over_0",
    ),
    (
        jf.joined,
        (0, 1, 2),
        (RNG.normal(size=3), RNG.normal(size=4), RNG.normal(size=(2, 3))),
        "split_like_over_0 unstack_over_1 unhstack unvstack numbers_as_array jit_new_array",
    ),
    (
        jf.gated_rnn,
        (0, 1),
        (RNG.normal(size=(3, 5)) / 2, RNG.normal(size=(3, 5)) / 2, RNG.normal(size=(4, 2)), np.zeros(3)),
        "matmul_left_sum split_like_over_0",
    ),
    (
        jf.norms_and_sorts,
        0,
        (np.vstack([RNG.normal(size=(3, 4)), np.zeros(4)]),),
        "norm_weight_over_1 norm_over_1 sort_over_0",
    ),
    (jf.traces, 0, (RNG.normal(size=(3, 4)),), "untrace"),
]


@pytest.mark.parametrize(
    ("f", "wrt", "args", "helper"), USER_CODE, ids=[f"{f.__name__}-{k}" for k, (f, *_) in enumerate(USER_CODE)]
)
def test_user_code_compiles(f, wrt, args, helper):
    """Compiled, the gradient equals the uncompiled one and central differences (at ties too:
    np.maximum(0, z) at z = 0 shares ½ each way, as the symmetric difference does)."""
    compiled = grad(f, wrt, jit=True)
    got = compiled(*args)
    assert_same(got, grad(f, wrt)(*args))
    check_grad(f, got, *args, wrt=wrt)
    text = astgrad.source(f, wrt, args=args, jit=True)
    assert all(f"{name}(" in text for name in helper.split())


_SHARE_CASES = [
    (np.array([1.0, 0.0, -2.0, np.nan, 3.0]), 0),
    (0.0, np.array([1.0, 0.0, -2.0, np.nan])),
    (np.array([[0.5], [1.0]]), np.array([1.0, 0.5, np.nan])),  # (broadcast to 2 × 3)
    (np.array([1, 2, 3], dtype=np.int32), 2.0),
    (np.array([0.5, 1.0], dtype=np.float32), np.array([0.5, 0.0])),
    (2.0, 2),
    (1.0, 3.0),
    (np.nan, 1.0),
]


@pytest.mark.parametrize("share", ["max_share", "select_share", "fmax_share"])
def test_shares_equal_python(share):
    """The numba versions of max_share, select_share and fmax_share against the Python ones,
    element by element: ties, NaN, ints, float32, numbers and arrays broadcast."""
    helper = getattr(astgrad.runtime, share)
    compiled = numba.njit(lambda x, y: helper(x, y))
    for x, y in _SHARE_CASES:
        got, want = compiled(x, y), helper(x, y)
        assert np.shape(got) == np.shape(want)
        np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float))


def _add_at_cases():
    buf, g = np.zeros((4, 3)), RNG.normal(size=(2, 3, 3))
    mask = RNG.normal(size=(4, 3)) > 0
    return [
        (np.zeros(5), np.array([0, 3, 3, -1]), RNG.normal(size=4)),  # (repeats, a negative index)
        (buf, np.array([[0, 2, 2], [3, 0, -4]]), g),  # (a 2-d index: rows of g)
        (buf, np.array([1, 1]), 0.5),  # (a number)
        (buf, (np.array([0, 1, 1, 3]), np.array([2, 0, 0, 1])), RNG.normal(size=4)),  # (p[np.arange(n), y])
        (buf, (np.array([[0], [1]]), np.array([2, 2, 0])), RNG.normal(size=(1, 3))),  # (broadcast)
        (buf, (np.array([3, 3]), 1), RNG.normal(size=2)),
        (buf, mask, RNG.normal(size=mask.sum())),
        (buf, np.array([True, False, True, True]), RNG.normal(size=3)),  # (a mask of rows)
        (buf, (1, slice(0, 2)), RNG.normal(size=2)),  # (ints and slices: +=)
    ]


@pytest.mark.parametrize("case", range(9))
def test_add_at_equals_python(case):
    """The numba versions of add_at, written_part and untake (through add_at) against the Python
    ones: index arrays with repeats and negatives, several of them broadcast, masks, numbers."""
    buf, index, g = _add_at_cases()[case]
    add_at = astgrad.runtime.add_at
    compiled = numba.njit(lambda b, i, v: add_at(b, i, v))
    got, want = compiled(buf.copy(), index, g), add_at(buf.copy(), index, g)
    np.testing.assert_array_equal(got, want)
    part = astgrad.runtime.written_part  # (the adjoint of `buf[index] = v`: the last write's)
    G = RNG.normal(size=buf.shape)
    np.testing.assert_array_equal(numba.njit(lambda G, i: part(G, i))(G, index), part(G, index))
    if case < 2:
        from astgrad.jit.helpers import axis_helper

        for axis in (None, 0, -1) if case == 0 else (1,):
            a = np.zeros(12) if case == 0 else np.zeros((3, 5, 2))
            g = RNG.normal(size=np.take(a, index, axis=axis).shape)
            helper = axis_helper("untake", axis, False)
            got = numba.njit(lambda g, a, i, helper=helper: helper(g, a, i))(g, a, index)
            np.testing.assert_array_equal(got, astgrad.runtime.untake(g, a, index, axis))
    with pytest.raises(IndexError):
        compiled(buf.copy(), np.array([0, 9]), 1.0)


def _rnn_args(hidden: int, inputs: int, steps: int) -> tuple:
    W, U = RNG.normal(size=(hidden, hidden)) / 2, RNG.normal(size=(hidden, inputs))
    return W, U, RNG.normal(size=hidden), RNG.normal(size=(steps, inputs)), np.zeros(hidden)


def test_rnn_and_reductions_over_an_axis():
    """The RNN's states read back as rows (runtime.rows_like) and sums over an axis (np.einsum in
    the Python code, which numba lacks: code for numba keeps the sums; pipeline.py)."""
    args = _rnn_args(4, 3, 5)
    assert_same(grad(jf.rnn, (0, 1, 2), jit=True)(*args), grad(jf.rnn, (0, 1, 2))(*args))
    x = RNG.normal(size=(3, 4))
    compiled = grad(jf.column_energy, jit=True)
    assert_same(compiled(x), grad(jf.column_energy)(x))
    check_grad(jf.column_energy, compiled, x)
    assert "einsum" not in astgrad.source(jf.column_energy, args=(x,), jit=True)


@pytest.mark.parametrize("n", [2, 6])
def test_a_name_of_ints_then_floats(n):
    """Saved as ints at the first call (n=2) but typed float64 by numba: a stack of the first
    call's type would truncate the floats; the compiled gradient is right or refused, never wrong."""
    api_cache = astgrad.api._cache
    api_cache.pop(jf.int_then_float, None)
    expected = grad(jf.int_then_float)(0.7, n)
    try:
        got = grad(jf.int_then_float, jit=True)(0.7, n)
    except AstgradError as exc:
        assert "tape saves" in str(exc)
        return
    assert_same(got, expected)
    assert_same(grad(jf.int_then_float, jit=True)(0.7, 8), grad(jf.int_then_float)(0.7, 8))


FORWARD = [case for case in LOOPS if case[0] not in (jf.until_large,)] + [
    (jf.rnn, 0, _rnn_args(3, 2, 4)),
    (jf.column_energy, 0, (RNG.normal(size=(3, 2)),)),
]


@pytest.mark.parametrize(("f", "wrt", "args"), FORWARD, ids=[f.__name__ for f, _, _ in FORWARD])
def test_forward_mode(f, wrt, args):
    """grad(mode="forward", jit=True): each tangent sweep runs the jvp function compiled by
    numba; it agrees with forward mode in Python and with reverse mode."""
    compiled = grad(f, wrt, mode="forward", jit=True)
    got = compiled(*args)
    assert_same(got, grad(f, wrt, mode="forward")(*args))
    assert_same(got, grad(f, wrt)(*args))
    value, gradient = value_and_grad(f, wrt, mode="forward", jit=True)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    assert_same(gradient, got)


def test_jvp():
    x, alpha = RNG.random(50), 0.2
    tangents = (RNG.normal(size=50), 0.7)
    value, derivative = astgrad.jvp(jf.ema, (x, alpha), tangents, jit=True)
    expected = astgrad.jvp(jf.ema, (x, alpha), tangents)
    assert value == pytest.approx(expected[0], rel=1e-12)
    assert derivative == pytest.approx(expected[1], rel=1e-10)
    assert astgrad.jvp(jf.compiled_damped, (x[:8], 0.9), (x[:8], 0.0), jit=True)[1] == pytest.approx(
        astgrad.jvp(jf.compiled_damped.py_func, (x[:8], 0.9), (x[:8], 0.0))[1], rel=1e-10
    )


def test_forward_mode_source():
    text = astgrad.source(jf.pendulum, (0, 1), args=(0.5, 0.1, 9.81, 0.01), mode="forward", jit=True)
    assert "def pendulum_jvp(theta0, omega0, g, dt, theta0_dot, omega0_dot, jit_room)" in text
    assert "_bar" not in text and "math.cos(theta)" in text


def test_forward_mode_follows_the_program():
    g = grad(jf.scaled_by_global, mode="forward", jit=True)
    x = RNG.random(6)
    assert_same(g(x), grad(jf.scaled_by_global)(x))
    old = jf.GAINS
    try:
        jf.GAINS = old * 3.0  # (read when it runs)
        assert_same(g(x), grad(jf.scaled_by_global)(x))
    finally:
        jf.GAINS = old


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_has_aux(mode):
    """grad and value_and_grad with has_aux=True: the aux (a number and an array here) comes back
    as from the uncompiled gradient, and the gradient is the loss's."""
    x, a = RNG.random(12), 0.7
    want_grad, want_aux = grad(jf.ema_with_aux, (0, 1), has_aux=True)(x, a)
    got_grad, got_aux = grad(jf.ema_with_aux, (0, 1), has_aux=True, mode=mode, jit=True)(x, a)
    assert_same(got_grad, want_grad)
    assert_same(got_aux, want_aux)
    assert_same(got_grad, grad(lambda x, a: jf.ema_with_aux(x, a)[0], (0, 1))(x, a))
    assert got_aux[0] == pytest.approx(jf.ema_with_aux(x, a)[1][0], rel=1e-12)
    (value, aux), gradient = value_and_grad(jf.ema_with_aux, (0, 1), has_aux=True, mode=mode, jit=True)(x, a)
    (want_value, want_aux2), _ = value_and_grad(jf.ema_with_aux, (0, 1), has_aux=True)(x, a)
    assert value == pytest.approx(want_value, rel=1e-12)
    assert_same(aux, want_aux2)
    assert_same(gradient, want_grad)
    with pytest.raises(AstgradError, match="has_aux"):  # (not the compiled gradient with has_aux, cached)
        grad(jf.ema_with_aux, (0, 1), mode=mode, jit=True)(x, a)


# ----------------------------------------------------------- the catalogue and the rule matrix


def _compiled_or_refused(f, wrt, args):
    """The compiled gradient equals the uncompiled one, or jit=True refuses with an AstgradError."""
    expected = grad(f, wrt=wrt)(*copy.deepcopy(args))
    try:
        got = grad(f, wrt=wrt, jit=True)(*copy.deepcopy(args))
    except AstgradError as exc:
        pytest.skip(f"refused: {str(exc).splitlines()[0][:200]}")
    assert_same(got, expected)


def _catalogue():
    out = []
    for f, cases, wrt, status in CATALOGUE:
        if status == "ok":
            out += [pytest.param(f, wrt, args, id=f"{f.__name__}-{i}") for i, args in enumerate(cases)]
    return out


@pytest.mark.parametrize(("f", "wrt", "args"), _catalogue())
def test_catalogue(f, wrt, args):
    _compiled_or_refused(f, wrt, args)


RULE_ROWS = rule_matrix.ELEMENTWISE_CASES + rule_matrix.REDUCTION_CASES


@pytest.mark.parametrize("case", RULE_ROWS, ids=[c.id for c in RULE_ROWS])
def test_rule_rows(case):
    _compiled_or_refused(case.f, case.wrt, case.sample(0))


# rule-matrix rows the compiled gradient must keep accepting: reductions and scans over an axis
# (numba's NumPy has none but np.sum's over one int axis: jit/helpers.py's axis_helper), np.abs and np.clip
RULES_THAT_COMPILE = [
    "np.abs",
    "np.clip",
    "np.sum:axis=0",
    "np.sum:axis=(0,2)",
    "np.sum:axis=(0,-1),keepdims",
    "np.sum:keepdims",
    "np.mean:axis=-1",
    "np.mean:axis=(1,2),keepdims",
    "np.max:axis=(0,2)",
    "np.max:axis=1,keepdims",
    "np.min:axis=-1,keepdims",
    "np.var:axis=(0,2),keepdims",
    "np.std:axis=1",
    "np.prod:axis=1",
    "np.prod:axis=0,keepdims",
    "np.cumsum",
    "np.cumsum:axis=0",
    "np.cumsum:axis=-1,3d",
]


@pytest.mark.parametrize("row", RULES_THAT_COMPILE)
def test_rule_rows_that_compile(row):
    (case,) = [c for c in RULE_ROWS if c.id == row]
    for k in range(2):
        args = case.sample(k)
        got = grad(case.f, case.wrt, jit=True)(*copy.deepcopy(args))
        assert_same(got, grad(case.f, case.wrt)(*copy.deepcopy(args)))
    assert "jit_" in astgrad.source(case.f, case.wrt, args=case.sample(0), jit=True) or row in ("np.abs", "np.clip")


def test_a_function_of_yours_not_inlined_is_refused_with_its_line():
    """A recursive function's derivative is a pair of generated functions, which jit=True does
    not compile: refused, naming the call's line."""
    (f, cases) = next((f, cases) for f, cases, _, status in CATALOGUE if f.__name__ == "rec_power")
    with pytest.raises(AstgradError) as info:
        grad(f, jit=True)(*cases[0])
    assert "not inlined" in str(info.value)
    assert "catalogue.py:" in str(info.value) and "rec_power(x, n - 1)" in str(info.value)


# control flow the compiled gradient must keep accepting (a regression fails here, not a skip)
MUST_COMPILE = [
    "if_data_scalar",
    "if_elif_else_scalar",
    "for_range_n",
    "for_power_loop",
    "for_sin_repeated",
    "while_halving",
    "while_newton_sqrt",
    "loop_logistic_map",
    "scalar_mul_repeated",
    "inplace_zeros_setitem",
]


@pytest.mark.parametrize("name", MUST_COMPILE)
def test_catalogue_entries_that_compile(name):
    entries = [(f, wrt, cases) for f, cases, wrt, status in CATALOGUE if f.__name__ == name and status == "ok"]
    assert entries, name
    for f, wrt, cases in entries:
        for args in cases:
            got = grad(f, wrt=wrt, jit=True)(*copy.deepcopy(args))
            assert_same(got, grad(f, wrt=wrt)(*copy.deepcopy(args)))


def test_default_arguments_naming_variables():
    def make(Xb):
        def loss(w, X=Xb, reg=0.5):
            return np.sum((X @ w) ** 2) + reg * np.sum(w * w)

        return loss

    w = np.array([0.3, -0.8])
    for X in (np.eye(2), 2 * np.eye(2)):
        loss = make(X)
        assert_same(grad(loss, jit=True)(w), grad(loss)(w))
        assert_same(grad(loss, mode="forward", jit=True)(w), grad(loss)(w))


def _helper_cases():
    x = RNG.normal(size=(3, 4, 5))
    x[0, 1, 2] = x[0, 1, 3] = 9.0  # (a tie for the max of a slice)
    nan = x.copy()
    nan[1, 2, 0] = np.nan  # (a slice whose extremum is NaN)
    zeros = RNG.normal(size=(3, 4))
    zeros[1, 2] = zeros[2, 0] = zeros[2, 3] = 0.0  # (prod_others without division)
    ints = RNG.integers(-5, 5, size=(4, 3)).astype(np.int32)
    return [
        ("max", (0, 2), True, (nan,)),
        ("amin", -1, False, (nan,)),
        ("sum", 1, False, (ints,)),
        ("prod", 0, True, (ints,)),
        ("mean", (0, 1), False, (ints > 0,)),
        ("var", (0, 2), True, (x.astype(np.float32),)),
        ("std", 1, False, (x,)),
        ("cumsum", 0, False, (ints,)),
        ("cumsum", -1, False, (x,)),
        ("flip", (0, 2), False, (x,)),
        ("flip", None, False, (ints,)),
        ("sort", 0, False, (nan,)),
        ("sort", -1, False, (ints,)),
        ("norm", 1, False, (x,)),
        ("norm", (0, 1), True, (ints,)),
        ("prod_others", 1, False, (zeros,)),
        ("prod_others", (0, 1), False, (zeros,)),
        ("extremum_mask", (1, 2), False, (nan, np.max(nan, axis=(1, 2)))),
        ("extremum_mask", 1, True, (x, np.max(x, axis=1, keepdims=True))),
        ("unreduce", (0, 2), False, (RNG.normal(size=4), x)),
        ("unreduce", 1, True, (RNG.normal(size=(3, 1, 5)), x)),
        ("unsort", 1, False, (RNG.normal(size=(3, 4, 5)), np.round(nan, 0))),
        ("unsort", None, False, (RNG.normal(size=12), np.round(zeros, 0))),
    ]


@pytest.mark.parametrize(("op", "axis", "keepdims", "args"), _helper_cases())
def test_axis_helpers_equal_numpy(op, axis, keepdims, args):
    """The numba versions of the helpers made for an axis (jit/helpers.py) against their Python
    versions (NumPy's, and astgrad.runtime's), with ties, NaN, zeros, integers and float32."""
    from astgrad.jit.helpers import axis_helper

    helper = axis_helper(op, axis, keepdims)
    compiled = numba.njit(lambda *a: helper(*a))
    got, want = compiled(*args), helper(*args)
    assert np.asarray(got).dtype == np.asarray(want).dtype and np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-6 if op == "var" else 1e-12, atol=0)


@pytest.mark.parametrize(
    ("f", "wrt", "args"),
    [
        (jf.relu_layer, (0, 1), (RNG.normal(size=(4, 3)), RNG.normal(size=3))),
        (jf.relu_layer, 0, (RNG.normal(size=(4, 3)), np.array([0.0, 0.0, 1.5]))),  # (ties at 0: ½ each)
        (jf.standardized, 0, (RNG.normal(size=(5, 3)),)),
        (jf.swaps_two_entries, 0, (RNG.normal(size=3),)),
    ],
    ids=["relu", "relu-ties", "standardized", "swap"],
)
def test_relu_variance_and_a_swap_compile(f, wrt, args):
    """np.maximum(z, 0)'s adjoint helper max_share, a variance's check that its argument is real
    (check_real) compile; a swap of a vector's entries needs no view check in specialised code."""
    compiled = grad(f, wrt, jit=True)
    assert_same(compiled(*args), grad(f, wrt)(*args))
    check_grad(f, compiled, *args, wrt=wrt)


def test_a_numba_function_is_differentiated_without_jit_too():
    """grad(njit_f) differentiates its Python function (was refused as 'a built-in or C function')."""
    f = jf.compiled_damped
    x = RNG.random(8)
    assert_same(grad(f, (0, 1))(x, 0.9), grad(f.py_func, (0, 1))(x, 0.9))
    check_grad(f.py_func, grad(f, (0, 1), mode="forward"), x, 0.9, wrt=(0, 1))


def test_a_compiled_gradient_is_copied_as_a_function_is_and_not_pickled():
    import pickle

    g = grad(jf.compiled_damped.py_func, (0, 1), jit=True)
    x = RNG.random(8)
    assert copy.copy(g) is g and copy.deepcopy(g) is g  # (was: cannot pickle '_thread.RLock' object)
    with pytest.raises(AstgradError, match="cannot be pickled"):
        pickle.dumps(g)
    assert_same(g(x, 0.9), grad(jf.compiled_damped.py_func, (0, 1))(x, 0.9))
