"""Loops of numbers whose backward pass replays each iteration from its saved starting state
(astgrad/specialize/replay.py), checked against the general code, central differences and forward mode
at points that take every branch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, jvp, value_and_grad
from benchmarks.variants import pendulum_augmented, pendulum_math, pendulum_np
from benchmarks.workloads import branchy  # 100 steps, three branches
from tests.modes import MODES, check


def two_states(x, a):
    y, z = x, a
    for _ in range(12):
        if y > z:
            y, z = z * 0.9, y + a * 0.1
        else:
            z = z * math.cos(y)
            y = y + 0.3
    return y * z


def indexed(x, a):
    y = x
    for k in range(10):
        y = y * math.sin(k * a) + 0.1 * math.exp(-y * y)
    return y


def reads_the_new_value(x, a):
    y, s = x, 0.0
    for _ in range(10):
        y = 0.9 * y + a  # s reads the y this iteration made: the whole body is replayed
        s = s + y * y
    return s


def assigns_twice(x, a):
    y = x
    for _ in range(8):
        y = math.sin(y) + a
        y = y * y  # the backward pass needs both of y's values in one iteration: taped
    return y


def state_read_after_the_loop(x, a):
    y, z, s = x, a * 0.5, 0.1
    for _ in range(3):
        y = math.tanh(y)
        s = math.tanh(s * 0.5)  # s's old value is never needed: the taped code leaves s at its
    return y + z * s  # last value, which a_bar = 0.5 * s reads after the backward loop


def row_overwritten_after_the_loop(x, a):
    y = a
    for k in range(3):
        y = y * x[k] + 0.5  # the taped code saves each x[k]; a replay would read x after x[0] = 0
    x[0] = 0.0
    return y + np.sum(x * x)


REPLAYED = [branchy, two_states, indexed, reads_the_new_value]
POINTS = [(0.3, 0.8), (1.7, -0.4), (-1.6, 0.9), (0.9, 1.1), (2.5, 0.2)]


@pytest.mark.parametrize("f", REPLAYED + [assigns_twice, state_read_after_the_loop], ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", POINTS)
def test_replayed_loops_agree_with_the_taped_general_code(f, point):
    g = grad(f, wrt=(0, 1))
    value = g(*point)
    assert not g.__astgrad_specializer__.failures  # (a failed specialisation would run the general code)
    general = grad(f, wrt=(0, 1), specialize=False)(*point)
    np.testing.assert_allclose(value, general, rtol=1e-12, atol=1e-14)
    check_grad(f, g, *point, wrt=(0, 1), rtol=1e-5, atol=1e-7)
    _, along_x = jvp(f, point, (1.0, 0.0))
    np.testing.assert_allclose(along_x, value[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", REPLAYED, ids=lambda f: f.__name__)
def test_only_the_starting_state_is_saved(f):
    text = astgrad.source(f, wrt=(0, 1), args=(0.3, 0.8))
    backward = text.split("# backward pass")[1]
    assert text.count(".append(") == 1 and backward.count(".pop()") <= 1, text
    assert "tape" not in text, text  # the states in a list of their own, iterated backwards


def test_a_state_read_after_the_iteration_assigns_it_is_replayed_whole():
    text = astgrad.source(reads_the_new_value, wrt=(0, 1), args=(0.3, 0.8))
    backward = text.split("# backward pass")[1]
    assert "y = 0.9 * y + a" in backward and "tape" not in text, text
    # (its restore from a start copy, `y = y_start`, goes: no adjoint after it reads y)
    assert "y_start" not in text, text
    point = (0.3, 0.8)
    check_grad(reads_the_new_value, grad(reads_the_new_value, wrt=(0, 1)), *point, wrt=(0, 1), rtol=1e-6, atol=1e-9)


def test_a_value_the_code_after_the_loop_changes_is_not_replayed():
    x, a = np.array([0.5, 0.7, 0.9]), 0.8
    g = grad(row_overwritten_after_the_loop, wrt=1)
    assert g(x.copy(), a) == pytest.approx(0.5 * 0.7 * 0.9, rel=1e-14)  # by hand: dy/da = Π x[k]
    assert "tape.pop()" in astgrad.source(row_overwritten_after_the_loop, wrt=1, args=(x, a))


def test_a_name_assigned_twice_in_an_iteration_keeps_the_tape():
    text = astgrad.source(assigns_twice, wrt=(0, 1), args=(0.3, 0.8))
    assert "tape.pop()" in text, text


# ------------------------------------------------------------------ random loops of numbers


def _scalar_loop(rng: np.random.Generator) -> str:
    """A random loop over numbers: updates of y, z, s from them, a and the index k, some in
    branches (nested up to two deep), some reading a value assigned earlier in the iteration."""
    names = ["y", "z", "s"]

    def expr(depth: int = 0) -> str:
        atoms = names + ["a", "k", "0.3", "1.1"]
        if depth >= 2 or rng.random() < 0.3:
            return str(rng.choice(atoms))
        kind = rng.integers(0, 6)
        left, right = expr(depth + 1), expr(depth + 1)
        return [
            f"({left} * {right})",
            f"({left} + {right})",
            f"({left} - {right})",
            f"math.sin({left})",
            f"math.tanh({left} * {right})",
            f"math.cos({left}) * 0.5",
        ][kind]

    def block(indent: int, depth: int) -> list[str]:
        lines = []
        for _ in range(rng.integers(1, 4)):
            pad = " " * indent
            if depth < 2 and rng.random() < 0.35:
                lines.append(f"{pad}if {rng.choice(names)} > {rng.choice(names + ['0.2', '-0.4'])}:")
                lines += block(indent + 4, depth + 1)
                if rng.random() < 0.7:
                    lines.append(f"{pad}else:")
                    lines += block(indent + 4, depth + 1)
            else:
                lines.append(f"{pad}{rng.choice(names)} = math.tanh({expr()})")
        return lines

    body = "\n".join(block(8, 0))
    return (
        "import math\n\n\ndef f(x, a):\n    y, z, s = x, a * 0.5, 0.1\n"
        f"    for k in range({rng.integers(1, 7)}):\n{body}\n    return y + z * s + 0.3 * s\n"
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_loops_of_numbers(seed):
    """Specialised (replayed where eligible) against the general code, central differences and
    forward mode, by the fuzzer's own check."""
    from tests.fuzz.harness import check_function, load_module, unload

    rng = np.random.default_rng(seed)
    source = _scalar_loop(rng)
    module = load_module(source)
    try:
        for point in [(0.3, 0.8), (-0.7, 1.3)]:
            refused = check_function(module.f, point, wrt=(0, 1), rtol=1e-5, atol=1e-7)
            assert not refused, source
    finally:
        unload(module)


def _loop_then_changes(rng: np.random.Generator) -> str:
    """A loop of numbers reading an array and a number that the code after it may change (in
    place or by rebinding), then reads again."""
    after = rng.choice(
        [
            "    x[1] = 0.25\n",
            "    x[2] = x[0] * 2.0\n",
            "    b = 2.0 * b\n",
            "    x = x * 0.5\n",
            "",
        ]
    )
    update = rng.choice(
        ["y = y * x[k % 3] + b", "y = math.sin(y) * b + x[(k + 1) % 3]", "y = y * y * 0.5 + b * x[k % 3]"]
    )
    return (
        "import math\n\nimport numpy as np\n\n\ndef f(x, a):\n    x = x.copy()\n    y, b = a, 0.3 + a\n"
        f"    for k in range({rng.integers(1, 5)}):\n        {update}\n{after}"
        "    return y * b + np.sum(x * x)\n"
    )


@pytest.mark.parametrize("seed", range(30))
def test_random_loops_followed_by_changes_to_what_they_read(seed):
    from tests.fuzz.harness import check_function, load_module, unload

    source = _loop_then_changes(np.random.default_rng(seed))
    module = load_module(source)
    try:
        wrt = 1 if seed % 2 else (0, 1)  # (with respect to a alone, nothing accumulates into x_bar)
        for point in [(np.array([0.3, -0.6, 0.8]), 0.7), (np.array([1.1, 0.2, -0.4]), -0.3)]:
            assert not check_function(module.f, point, wrt=wrt, rtol=1e-5, atol=1e-7), source
    finally:
        unload(module)


# ------------------------------------------------------------------ what the backward loop does not replay


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def reciprocal_invariant(x, a, n):
    for _ in range(n):
        x = x * (1.0 / a) + math.sin(x)  # 1.0 / a raises for a = 0: computed in the loop only
    return x * x


PENDULUM_ARGS = (0.3, 0.1, 9.81, 0.01, 40)


@pytest.mark.parametrize("f", [pendulum_math, pendulum_np, pendulum_augmented], ids=lambda f: f.__name__)
def test_a_loop_invariant_is_computed_once_before_the_loops(f):
    text = _code(astgrad.source(f, wrt=(0, 1, 2), args=PENDULUM_ARGS))
    before, loops = text.split("for _ in range(steps)") if "for _ in" in text else text.split("for step in range")
    assert "= dt * g" in before and "dt * g" not in loops, text


@pytest.mark.parametrize("f", [pendulum_math, pendulum_np, pendulum_augmented], ids=lambda f: f.__name__)
@pytest.mark.parametrize("steps", [0, 1, 40])
@pytest.mark.parametrize("options", MODES)
def test_pendulum_gradients(f, steps, options):
    check(f, PENDULUM_ARGS[:4] + (steps,), (0, 1, 2), options)


@pytest.mark.parametrize("f", [pendulum_math, pendulum_np, pendulum_augmented], ids=lambda f: f.__name__)
def test_pendulum_value_is_f_s_bit_for_bit_and_the_gradient_the_general_code_s(f):
    vg = value_and_grad(f, wrt=(0, 1, 2))
    vg(*PENDULUM_ARGS)
    value, gradient = vg(*PENDULUM_ARGS)
    assert value == f(*PENDULUM_ARGS)
    general = grad(f, wrt=(0, 1, 2), specialize=False)(*PENDULUM_ARGS)
    np.testing.assert_allclose(gradient, general, rtol=1e-12)
    _, along_theta = jvp(f, PENDULUM_ARGS, (1.0, 0.0, 0.0, 0.0, 0))
    np.testing.assert_allclose(along_theta, gradient[0], rtol=1e-10)


def test_an_invariant_that_may_raise_stays_in_the_loop():
    """1.0 / a raises for a = 0: a loop that runs no iteration must not compute it; the backward
    loop reads the value the forward's last iteration left."""
    text = _code(astgrad.source(reciprocal_invariant, wrt=(0, 1), args=(0.3, 2.0, 5)))
    forward, backward = text.split("x_bar = 2.0 * x")
    assert "1.0 / a" in forward.split("for _ in range(n)")[1] and "1.0 / a" not in backward, text
    g = grad(reciprocal_invariant, wrt=(0, 1))
    g(0.3, 2.0, 5)
    assert g(0.3, 0.0, 0) == (0.6, 0.0)  # (no ZeroDivisionError)
    check_grad(reciprocal_invariant, g, 0.3, 2.0, 5, wrt=(0, 1), rtol=1e-6, atol=1e-9)
    check_grad(reciprocal_invariant, g, 0.3, 2.0, 0, wrt=(0, 1), rtol=1e-6, atol=1e-9)


def test_a_numpy_call_on_numbers_is_saved_with_the_state_not_replayed():
    text = _code(astgrad.source(pendulum_np, wrt=(0, 1, 2), args=PENDULUM_ARGS))
    forward, backward = text.split("omega_bar = 1.0")
    assert "states.append((theta, t2))" in forward and "for theta, t2 in reversed(states)" in backward, text
    assert "np.sin" not in backward, text


def test_a_negated_adjoint_is_folded_into_the_sums_that_read_it():
    text = _code(astgrad.source(pendulum_math, wrt=(0, 1, 2), args=PENDULUM_ARGS))
    assert "= -omega_bar" not in text, text
    assert "theta_bar = theta_bar - t1 * omega_bar * math.cos(theta)" in text, text


def squares_by_index(a, b, xs, ys):
    n = len(xs)
    err = 0.0
    for i in range(n):
        r = a * xs[i] + b - ys[i]  # (the backward pass reads xs[i] again rather than save it)
        err = err + r * r
    return err / n


def squares_by_zip(a, b, xs, ys):
    err = 0.0
    for x, y in zip(xs, ys):
        err += (a * x + b - y) ** 2  # (the sum's old value: read back by nothing)
    return err / len(xs)


@pytest.mark.parametrize("f", [squares_by_index, squares_by_zip])
def test_a_sum_over_listed_points_saves_nothing(f):
    # the iteration's values are replayed from its inputs alone: no state saved, no tape
    rng = np.random.default_rng(12)
    xs = [float(v) for v in rng.normal(size=30)]
    ys = [2.0 * x + 1.0 + 0.1 * float(e) for x, e in zip(xs, rng.normal(size=30))]
    text = astgrad.source(f, wrt=(0, 1), args=(0.5, 0.2, xs, ys))
    assert ".append(" not in text and ".pop(" not in text and "tape" not in text, text
    g = grad(f, wrt=(0, 1))
    for _ in range(2):
        check_grad(f, g, 0.5, 0.2, xs, ys, wrt=(0, 1))
    r = 0.5 * np.array(xs) + 0.2 - np.array(ys)
    np.testing.assert_allclose(g(0.5, 0.2, xs, ys), (2 * np.dot(r, xs) / 30, 2 * np.sum(r) / 30), rtol=1e-12)


# Loops whose temporaries depend on the input and the loop's index alone: no starting state to
# save, so every NumPy call on numbers is computed again in the backward iteration (they were taken
# from the last iteration, a silently wrong gradient, or read before any was bound)


def index_only_sin(x):
    s = 0.0
    for i in range(4):
        s = s + np.sin(x * i) * x
    return s


def index_only_two(a, b):
    s = 0.0
    for i in range(3):
        s = s + np.cos(a * i) * b
    return s


def index_only_literal_list(x):
    s = 0.0
    for t in [0.5, 1.0, 1.5]:
        s = s + np.log(1.0 + x * t) * x
    return s


def index_only_augmented(x):
    s = 0.0
    for i in range(3):
        s += x * np.sqrt(1.0 + x * i)
    return s


def index_only_named(x):
    s = 0.0
    for i in range(3):
        e = np.exp(x * i)
        s = s + e * e
    return s


def index_only_summed(x):
    s = 0.0
    for i in range(4):
        s = s + np.sum(np.sin(x * i) * x)
    return s


def index_only_branch(x):
    s = 0.0
    for i in range(4):
        if np.sin(x * i) > 0:
            s = s + np.sin(x * i) * x
        else:
            s = s - x
    return s


INDEX_ONLY = [
    (index_only_sin, (0.8,), 0),
    (index_only_sin, (1,), 0),
    (index_only_two, (0.8, 1.3), (0, 1)),
    (index_only_literal_list, (0.8,), 0),
    (index_only_augmented, (0.8,), 0),
    (index_only_named, (0.8,), 0),
    (index_only_summed, (0.8,), 0),
    (index_only_branch, (0.8,), 0),
    (index_only_sin, (np.float64(0.8),), 0),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args, wrt", INDEX_ONLY, ids=[f"{f.__name__}-{type(a[0]).__name__}" for f, a, _ in INDEX_ONLY]
)
def test_temporaries_of_the_index_alone_are_computed_again(f, args, wrt, options):
    check(f, args, wrt, options)
