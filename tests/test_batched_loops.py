"""Backward loops of arithmetic on listed floats are taken at once in specialised code
(specialize/batched_loops.py): the gradient is the loop's, computed with arrays (checked against
central differences, in every mode, on the first call and on the specialised second); a loop whose
steps share more than sums, or whose body is more than arithmetic, is left a loop; a loop that
would read past the end of a list raises IndexError as the function does."""

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from tests import batched_loops_functions as bf
from tests.modes import MODES, check

RNG = np.random.default_rng(11)
XS = [float(v) for v in RNG.normal(size=40)]
YS = [2.0 * x + 1.0 + 0.1 * float(e) for x, e in zip(XS, RNG.normal(size=40))]
POINTS = list(zip(XS, YS))

BATCHED = [
    (bf.fit_zip, (0.5, 0.2, XS, YS)),
    (bf.fit_zip, (0.5, 0.2, XS[:30], YS)),  # (zip stops at the shorter)
    (bf.fit_index, (0.5, 0.2, XS, YS)),
    (bf.fit_pairs, (0.5, 0.2, POINTS)),
    (bf.weighted_by_position, (0.5, 0.2, XS, YS)),
    (bf.rational_terms, (0.5, 0.2, XS, YS)),
    # NumPy's, math's and Python's elementwise functions: NumPy's of the arrays
    (bf.logistic_loss_on_lists, (0.5, 0.2, XS, [float(y > 1.0) for y in YS])),
    (bf.smooth_absolute_errors, (0.5, 0.2, XS, YS)),
    (bf.a_call_in_the_loop, (0.5, 0.2, XS, YS)),
    # the elements of float arrays, and their adjoints written at the index
    (bf.variance_of_elements, (np.array(XS), 0.3)),
    (bf.variance_of_elements, (np.array(XS, dtype=np.float32), 0.3)),
    (bf.scaled_elements, (np.array(XS), 0.7)),
    (bf.line_fit_on_array_rows, (0.5, 0.2, np.array(POINTS))),
    (bf.line_fit_on_rows_by_name, (0.5, 0.2, np.array(POINTS))),
]
# lists the function builds, their adjoints taken apart with `.pop()` and written at the index
BUILT = [
    (bf.made_list_fit, (0.5, 0.2, XS, YS)),
    (bf.residuals_read_twice, (0.5, 0.2, XS, YS)),
]
LOOPS = [bf.carried_state, bf.branch_in_the_loop, bf.a_choice_in_the_loop]
# (their backward loops still pop a tape: left as they are, right either way)
TAPED = [(bf.fit_pairs, (0.5, 0.2, [list(p) for p in POINTS])), (bf.fit_pairs_by_index, (0.5, 0.2, tuple(POINTS)))]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(("f", "args"), BATCHED, ids=lambda v: getattr(v, "__name__", ""))
def test_batched_gradients_are_the_loops(f, args, options):
    check(f, args, (0, 1), options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(("f", "args"), TAPED, ids=lambda v: getattr(v, "__name__", ""))
def test_taped_loops_are_right(f, args, options):
    check(f, args, (0, 1), options)


@pytest.mark.parametrize(("f", "args"), BATCHED, ids=lambda v: getattr(v, "__name__", ""))
def test_the_loop_is_taken_at_once(f, args):
    text = astgrad.source(f, wrt=(0, 1), args=args)
    backward = text.split("# backward pass")[1].splitlines()
    assert "float_items(" in text and not any(line.strip().startswith("for ") for line in backward)
    # (the count is known from the arguments' lengths, which the guard checks: `len(xs)`, zip's
    # `min(len(xs), len(ys))`, a tuple's: no test that it is positive)
    assert not any(line.strip().startswith("if ") for line in backward)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", LOOPS, ids=lambda f: f.__name__)
def test_other_loops_stay_loops(f, options):
    check(f, (0.5, 0.2, XS, YS), (0, 1), options)
    text = astgrad.source(f, wrt=(0, 1), args=(0.5, 0.2, XS, YS))
    assert "float_items(" not in text


def test_the_sums_are_the_loops_to_rounding():
    # derived by hand: d/da of mean((a x + b - y)^2) is 2 mean((a x + b - y) x), d/db 2 mean(a x + b - y)
    x, y = np.array(XS), np.array(YS)
    r = 0.5 * x + 0.2 - y
    ga, gb = grad(bf.fit_zip, wrt=(0, 1))(0.5, 0.2, XS, YS)
    ga, gb = grad(bf.fit_zip, wrt=(0, 1))(0.5, 0.2, XS, YS)
    assert type(ga) is float and type(gb) is float
    assert ga == pytest.approx(2 * np.mean(r * x), rel=1e-12) and gb == pytest.approx(2 * np.mean(r), rel=1e-12)


def test_value_and_grad_returns_the_functions_value_bit_for_bit():
    value, _ = astgrad.value_and_grad(bf.fit_zip, wrt=(0, 1))(0.5, 0.2, XS, YS)
    value, _ = astgrad.value_and_grad(bf.fit_zip, wrt=(0, 1))(0.5, 0.2, XS, YS)
    assert value == bf.fit_zip(0.5, 0.2, XS, YS)


def test_reading_past_the_end_raises_as_the_function_does():
    with pytest.raises(IndexError):
        bf.more_indices_than_data(0.5, 0.2, XS, YS[:30])
    g = grad(bf.more_indices_than_data, wrt=(0, 1))
    for _ in range(2):
        with pytest.raises(IndexError):
            g(0.5, 0.2, XS, YS[:30])


@pytest.mark.parametrize("m", [25, 0, -3])
def test_a_count_known_only_when_the_code_runs(m):
    # range(m) of an int argument: taken at once where m > 0, nothing where range(m) has no step
    # (the loop invariant computed before it is read only then); derived by hand:
    # d/da of sum_{i<m} a x_i / (1 + a^2) = sum x_i (1 - a^2) / (1 + a^2)^2
    a = 0.5
    expected = sum(XS[: max(m, 0)]) * (1 - a * a) / (1 + a * a) ** 2
    g = grad(bf.first_m_terms)
    for _ in range(2):
        assert g(a, XS, m) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    text = astgrad.source(bf.first_m_terms, args=(a, XS, m))
    assert "float_items(" in text and "if m > 0:" in text


def test_powers_of_the_index_are_taken_in_floats():
    # (an int array's negative power raises, and its large ones wrap around: the index's values are floats)
    xs = XS[:35]
    g = grad(bf.powers_of_the_index)
    for _ in range(2):
        check_grad(bf.powers_of_the_index, g, 0.7, xs)
    assert "float_items(" in astgrad.source(bf.powers_of_the_index, args=(0.7, xs))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    ("f", "args"),
    [
        *BUILT,
        (bf.centred_by_an_array_mean, (0.5, 0.2, XS, YS)),
        (bf.residuals_and_a_carried_state, (0.5, 0.2, XS, YS)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_loops_over_built_lists_are_the_loops(f, args, options):
    check(f, args, (0, 1), options)
    check(f, (args[0], args[1], args[2][:1], args[3][:1]), (0, 1), options)  # (one step)


@pytest.mark.parametrize(("f", "args"), BUILT, ids=lambda v: getattr(v, "__name__", ""))
def test_loops_over_built_lists_are_taken_at_once(f, args):
    text = astgrad.source(f, wrt=(0, 1), args=args)
    backward = text.split("# backward pass")[1]
    assert "float_items(" in text and not any(line.strip().startswith("for ") for line in backward.splitlines())
    # (the lists' adjoints are arrays: no list made, copied and taken apart item by item)
    assert "split_tail(" in backward and "popped_items(" not in backward and "owned_list(" not in backward


def test_an_adjoint_read_item_by_item_stays_a_list():
    # the carried loop reads the items of rs_bar one at a time: rs_bar and the names holding it stay lists
    backward = astgrad.source(bf.residuals_and_a_carried_state, wrt=(0, 1), args=(0.5, 0.2, XS, YS))
    backward = backward.split("# backward pass")[1]
    assert "add_to_items(rs_bar" in backward and "np.zeros(len(rs))" not in backward


@pytest.mark.parametrize("options", MODES)
def test_the_adjoint_of_a_list_written_at_the_index(options):
    # derived by hand: d/dx_k of sum x_k^2 is 2 x_k, in a list as the argument is
    xs = XS[:25]
    check(bf.squares_of_a_list, (xs,), 0, options)
    g = grad(bf.squares_of_a_list)
    for _ in range(2):
        got = g(xs)
        assert isinstance(got, list) and got == pytest.approx([2.0 * x for x in xs], rel=1e-15)
    assert "add_to_items(xs_bar" in astgrad.source(bf.squares_of_a_list, args=(xs,))


def test_the_helpers_take_the_steps_items():
    from astgrad.runtime import add_to_items, popped_items, set_items

    seq = [1.0, 2.0, 3.0, 4.0]
    assert popped_items(seq, 3).tolist() == [2.0, 3.0, 4.0] and seq == [1.0]  # (as three pops leave it)
    assert popped_items(seq, 0).tolist() == [] and seq == [1.0]
    with pytest.raises(IndexError):
        popped_items(seq, 2)
    seq = [1.0, 2.0, 3.0]
    add_to_items(seq, np.array([0.5, 0.25]), 2)
    assert seq == [1.5, 2.25, 3.0] and all(type(v) is float for v in seq)
    arr = np.array([1.0, 2.0, 3.0])
    add_to_items(arr, np.array([1.0, 1.0, 1.0]), 3)
    set_items(seq, np.array([7.0]), 1)
    assert arr.tolist() == [2.0, 3.0, 4.0] and seq == [7.0, 2.25, 3.0]
    with pytest.raises(IndexError):
        add_to_items(seq, np.zeros(4), 4)
    with pytest.raises(IndexError):
        set_items(seq, np.zeros(4), 4)


# forward loops that append to a list: taken at once where NumPy computes each value as Python does
FORWARD_BATCHED = [bf.made_list_fit, bf.squares_of_a_list, bf.halved]
FORWARD_LOOPS = [
    bf.divided_by_a_parameter,  # (Python raises where c is 0)
    bf.read_twice_between_appends,
    bf.squared_residuals_by_power,  # (`** 2`: C's pow and NumPy's square may round otherwise)
    bf.exp_terms,  # (math.exp and np.exp may round otherwise)
    bf.indices_appended,  # (ints appended: the list holds ints)
    bf.last_value_read_after,  # (the last step's y is read after the loop)
    bf.rewritten_between,
]


def _arguments(f):
    by_count = {1: (XS,), 2: (0.5, XS), 3: (0.5, 1.7, XS)}
    return by_count.get(f.__code__.co_argcount, (0.5, 0.2, XS, YS))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", FORWARD_BATCHED + FORWARD_LOOPS, ids=lambda f: f.__name__)
def test_forward_loops_appending_floats_are_the_loops(f, options):
    args = _arguments(f)
    check(f, args, 0, options)
    value, _ = astgrad.value_and_grad(f)(*args)
    value, _ = astgrad.value_and_grad(f)(*args)
    if f in FORWARD_BATCHED:
        assert value == f(*args)  # (bit for bit: the batched forward values are the function's floats)
    else:  # (a loop's items may be NumPy scalars, whose sum Python 3.12's `sum` does not compensate)
        assert value == pytest.approx(f(*args), rel=1e-13)


@pytest.mark.parametrize("f", FORWARD_BATCHED, ids=lambda f: f.__name__)
def test_forward_loops_appending_floats_are_taken_at_once(f):
    text = astgrad.source(f, args=_arguments(f))
    forward = text.split("# forward pass")[1].split("# backward pass")[0]
    assert ".extend(" in forward and not any(line.strip().startswith("for ") for line in forward.splitlines())


@pytest.mark.parametrize("f", FORWARD_LOOPS, ids=lambda f: f.__name__)
def test_other_forward_loops_stay_loops(f):
    forward = astgrad.source(f, args=_arguments(f)).split("# forward pass")[1].split("# backward pass")[0]
    assert any(line.strip().startswith("for ") for line in forward.splitlines())


def test_a_division_by_zero_raises_as_the_function_does():
    with pytest.raises(ZeroDivisionError):
        bf.divided_by_a_parameter(0.5, 0.0, XS)
    g = grad(bf.divided_by_a_parameter)
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            g(0.5, 0.0, XS)


def test_the_items_taken_once_are_read_again():
    # the backward loops read the arrays the forward loops made: xs's items and residuals' once each
    text = astgrad.source(bf.made_list_fit, wrt=(0, 1), args=(0.5, 0.2, XS, YS))
    assert text.count("float_items(xs") == 1 and text.count("float_items(residuals") == 1


def test_a_global_number_in_the_loop_is_read_as_it_is_now(monkeypatch):
    # derived by hand: d/da of SCALE sum (a x + b - y)^2 is 2 SCALE sum (a x + b - y) x
    x, y = np.array(XS), np.array(YS)
    g = grad(bf.scaled_by_a_global)
    for scale in (0.5, 0.5, 3.0, 3.0):
        monkeypatch.setattr(bf, "SCALE", scale)
        assert g(0.5, 0.2, XS, YS) == pytest.approx(2 * scale * np.sum((0.5 * x + 0.2 - y) * x), rel=1e-12)
    assert "float_items(" in astgrad.source(bf.scaled_by_a_global, args=(0.5, 0.2, XS, YS))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("as_list", [True, False], ids=["list", "array"])
def test_forward_values_keep_the_items_precision(dtype, as_list):
    # float32 items: Python computes in float32, which NumPy's float64 arrays would round otherwise
    xs = np.array(XS[:30], dtype=dtype)
    ys = (2 * xs + 1).astype(dtype)
    args = (0.3, -0.2, list(xs) if as_list else xs, list(ys) if as_list else ys)
    expected = bf.made_list_fit(*args)
    h = astgrad.value_and_grad(bf.made_list_fit, wrt=(0, 1))
    for _ in range(2):
        value, _ = h(*args)
        assert type(value) is type(expected) and float(value) == float(expected)


def test_the_index_in_int_arithmetic_stays_exact():
    # i + 2**53 + 1 is exact in Python's ints and rounds in floats
    expected = bf.offsets_beyond_float_precision(0.5, XS)
    h = astgrad.value_and_grad(bf.offsets_beyond_float_precision)
    for _ in range(2):
        value, _ = h(0.5, XS)
        assert value == expected
