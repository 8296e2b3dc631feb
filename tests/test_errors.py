"""astgrad refuses what it cannot differentiate, with the construct, file and line in the message."""

import collections
import inspect

import numpy as np
import pytest

import astgrad
from astgrad import TransformError, check_grad, grad
from tests import errors_functions as ef
from tests.modes import MODES


def line_of(func, text):
    """The absolute line number in func's file of the first source line containing `text`."""
    lines, start = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        if text in line:
            return start + i
    raise AssertionError(f"{text!r} not in {func.__name__}")


@pytest.mark.parametrize(
    "func, construct, marker",
    [
        (ef.uses_try, "`try` statements", "try:"),
        (ef.uses_with, "`with` statements", "with open"),
        (ef.uses_global, "`global` statements", "global COUNTER"),
        (ef.uses_lambda, "a lambda expression", "lambda z"),
        (ef.uses_unknown_primitive, "no derivative rule for `np.linalg.tensorinv`", "tensorinv"),
        (ef.writes_attribute, "assignment to an attribute", "x.value"),
        (ef.uses_walrus, "the walrus operator", ":="),
    ],
)
def test_unsupported_construct_names_construct_file_and_line(func, construct, marker):
    with pytest.raises(TransformError) as info:
        astgrad.grad(func)
    message = str(info.value)
    assert construct in message
    assert f"errors_functions.py:{line_of(func, marker)}:" in message
    assert info.value.lineno == line_of(func, marker)
    assert "hint:" in message or "no derivative rule" in message


def test_star_args_refused_at_definition_line():
    with pytest.raises(TransformError, match=r"star arguments .*\n.*\n.*hint: name the parameters"):
        astgrad.grad(ef.uses_star_args)


def test_generator_refused():
    with pytest.raises(TransformError, match="it is a generator"):
        astgrad.grad(ef.generator)


def test_lambda_typed_at_a_repl_has_no_source():
    scope: dict = {}
    exec("f = lambda x: x * 2.0", scope)
    with pytest.raises(TransformError) as info:
        astgrad.grad(scope["f"])
    message = str(info.value)
    assert "source of <lambda> is not available" in message
    assert message.startswith("<string>:1:")
    assert "define the function in a .py file" in message


def test_function_defined_by_exec_has_no_source():
    scope: dict = {}
    exec("def g(x):\n    return x * 2.0\n", scope)
    with pytest.raises(TransformError, match=r"^<string>:1: the source of g is not available"):
        astgrad.grad(scope["g"])


@pytest.mark.parametrize("builtin", [np.sin, abs, len])
def test_builtins_are_refused(builtin):
    with pytest.raises(TransformError, match="built-in or C function, not a Python function"):
        astgrad.grad(builtin)


def test_lambda_in_a_file_is_differentiated():
    square = lambda x: x * x  # noqa: E731
    assert astgrad.grad(square)(3.0) == pytest.approx(6.0)


def test_non_scalar_output_is_a_clear_runtime_error():
    g = astgrad.grad(ef.non_scalar)
    assert g(1.5) == pytest.approx(2.0)
    with pytest.raises(ValueError, match=r"scalar output.*shape \(3,\)"):
        g(np.ones(3))


def test_undefined_name_is_reported_at_first_call():
    g = astgrad.grad(ef.uses_undefined)  # the name might be defined later in the module
    with pytest.raises(
        TransformError, match=r"errors_functions.py:\d+: the name `not_defined_anywhere` is not defined"
    ):
        g(1.0)


def test_errors_share_one_base_class():
    assert issubclass(TransformError, astgrad.AstgradError)
    assert issubclass(astgrad.GradientCheckError, astgrad.AstgradError)


def test_a_called_function_writing_into_its_argument_is_refused():
    """The caller's array would change under it (the adjoints of the caller would not know):
    an indexed write is refused when the gradient is made; `p *= c` of an array when it runs,
    while of a number it is a new number and differentiated."""
    with pytest.raises(TransformError) as info:
        astgrad.grad(ef.calls_a_writer)(np.ones(3))
    message = str(info.value)
    assert "`_scale_rows` writes into its argument `M`" in message
    assert f"errors_functions.py:{line_of(ef._scale_rows, 'M[0] = ')}:" in message
    g = astgrad.grad(ef.calls_a_shrinker)
    assert g(2.0) == pytest.approx(1.9)  # d/dx (0.9 x + x)
    with pytest.raises(ValueError, match=r"changes its argument `(M|x)` in place"):  # (x: _shrink(x) in it)
        astgrad.grad(lambda x: np.sum(ef.calls_a_shrinker(x)))(np.ones(3))


def test_a_positional_dtype_is_read_as_numpys():
    """np.mean(x, 1, np.float64): NumPy's third parameter is dtype. A rule whose third parameter
    were keepdims, read by position, would spread the adjoint along the wrong axis of a square
    matrix, silently (refused then); np.mean's and np.sum's rules take dtype there, as NumPy does."""
    x = np.random.default_rng(0).normal(size=(3, 3))
    astgrad.check_grad(ef.means_with_a_dtype, astgrad.grad(ef.means_with_a_dtype), x)
    astgrad.check_grad(ef.sums_with_a_dtype, astgrad.grad(ef.sums_with_a_dtype), x)


def _halve_first(v):
    v[0] = 0.5 * v[0]


def _clip_in_place(v, bound):
    np.clip(v, -bound, bound, out=v)


def _logs(v):
    v = v * 2.0  # a new array: the caller's is left alone
    v[0] = 0.0
    return None


def calls_a_writer(W, xs, h):
    for x in xs:
        h = np.tanh(W @ h + x)
        _halve_first(h)  # its result unused: the write is all it does
    return np.sum(h * h)


def calls_a_clipper(W, h):
    h = W @ h
    _clip_in_place(h, bound=0.5)
    return np.sum(h * h)


def _scale_and_count(v):
    v[0] = 2.0 * v[0]
    return 3


def counts_unused(W, h):
    h = W @ h
    n = _scale_and_count(h)  # noqa: F841 (n is unused: only the write matters)
    return np.sum(h * h)


def _doubles(v):
    v *= 2.0


def _passes_on(v):
    _doubles(v)  # the write is one call further down


def _doubles_each(*vs):
    for v in vs:
        v *= 2.0


def _doubles_a_view(v):
    u = v.reshape(-1)
    u[0] = 5.0


def _fills(buf, v):
    buf[:] = 2.0 * v  # writes an input-dependent value into an array the caller reads after


_history = []


def _logs_to(history, value):
    history.append(value)  # a log: left alone


def passes_on(W, h):
    h = W @ h
    _passes_on(h)
    return np.sum(h * h)


def doubles_each(W, h):
    h = W @ h
    _doubles_each(h)
    return np.sum(h * h)


def doubles_a_view(W, h):
    h = W @ h
    _doubles_a_view(h)
    return np.sum(h * h)


def fills(W, h):
    buf = np.zeros(3)
    _fills(buf, W @ h)
    return np.sum(buf * buf)


def logs(W, h):
    h = W @ h
    _logs_to(_history, np.sum(h))
    return np.sum(h * h)


def _percent(loss):
    loss *= 100.0  # a number: a new number, the caller's unchanged
    return None


def logs_a_percentage(W, h):
    h = W @ h
    s = np.sum(h * h)
    _percent(s)
    return s


def calls_a_copier(W, h):
    h = W @ h
    _logs(h)
    return np.sum(h * h)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_call_statement_writing_into_a_differentiated_argument_is_refused(mode):
    rng = np.random.default_rng(0)
    W, xs, h = rng.normal(size=(3, 3)), rng.normal(size=(4, 3)), rng.normal(size=3)
    for f, args, param in (
        (calls_a_writer, (W, xs, h), "v"),
        (calls_a_clipper, (W, h), "v"),
        (counts_unused, (W, h), "v"),
        (doubles_a_view, (W, h), "v"),
        (fills, (W, h), "buf"),
    ):
        where = r"in place \(.*test_errors.py:\d+\)"
        with pytest.raises(TransformError, match=rf"writes into its argument `{param}` {where}"):
            grad(f, wrt=0, mode=mode)(*args)
    # `v *= 2.0` (here one call further down, or on each of *vs): a new number, or, on an array,
    # refused when it runs
    for f, param in ((passes_on, "v"), (doubles_each, "vs")):
        with pytest.raises(ValueError, match=rf"changes its argument `{param}` in place"):
            grad(f, wrt=0, mode=mode)(W, h)
    check_grad(logs_a_percentage, grad(logs_a_percentage, wrt=0, mode=mode), W, h, wrt=0)
    g = grad(calls_a_copier, wrt=0, mode=mode)  # it writes into a copy: differentiated
    check_grad(calls_a_copier, g, W, h, wrt=0)
    check_grad(logs, grad(logs, wrt=0, mode=mode), W, h, wrt=0)


def tuple_alias(W, xs, h):
    for x in xs:
        h = np.tanh(W @ h + x)
        a, b = h, x  # noqa: F841 (a is h)
        a[0] = 0.5 * a[0]
    return np.sum(h * h)


def unpacked_alias(W, h):
    h = W @ h
    pair = (h, h * 2.0)
    a, b = pair  # a is h
    a[0] = 0.0
    return np.sum(h * h) + np.sum(b)


def tuple_of_copies(W, h):
    h = W @ h
    a, b = h * 1.0, h
    a[0] = 0.0  # a is a new array
    return np.sum(a * h) + np.sum(b)


def test_an_alias_made_by_tuple_assignment_then_written_is_refused():
    rng = np.random.default_rng(1)
    W, xs, h = rng.normal(size=(3, 3)), rng.normal(size=(4, 3)), rng.normal(size=3)
    for f, args, other in ((tuple_alias, (W, xs, h), "h"), (unpacked_alias, (W, h), "pair")):
        with pytest.raises(TransformError, match=rf"in-place write to `a`, which is shared with `{other}`"):
            grad(f, wrt=0)(*args)
    check_grad(tuple_of_copies, grad(tuple_of_copies, wrt=0), W, h, wrt=0)


def output_keyword(x):
    c = np.zeros(3)
    d = np.add(x, 1.0, out=c)  # d is c
    d[0] = 5.0
    return np.sum(c * x)


def output_positional(x):
    c = np.zeros(3)
    np.multiply(x, 2.0, c)  # c written through the third argument
    return np.sum(c * x)


def output_none(x):
    return np.sum(np.add(x, 1.0, out=None) * x)  # no output array: differentiated


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_output_argument_is_refused(mode):
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(TransformError, match=r"writes its result into `c` \(an output argument\)"):
        grad(output_keyword, mode=mode)(x)  # (d is c: the result assigned too)
    check_grad(output_none, grad(output_none, mode=mode), x)
    check_grad(output_positional, grad(output_positional, mode=mode), x)  # (the write `c[...] = x * 2.0`)


def copies_into(x):
    c = np.zeros(3)
    np.copyto(c, x * 2.0)
    return np.sum(c * x)


def puts_into(x):
    c = x * 2.0
    np.put(c, [0], [7.0])
    return np.sum(c * x)


def adds_at(x):
    c = np.zeros(3)
    np.add.at(c, [0, 0, 2], x)
    return np.sum(c * x)


def zeroes_a_diagonal(x):
    M = np.outer(x, x)
    np.fill_diagonal(M, 0.0)
    return np.sum(M)


def builds_a_constant_mask(x):
    mask = np.zeros(3)
    np.put(mask, [1], [1.0])  # depends on no input: differentiated
    return np.sum(mask * x * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_numpy_functions_writing_into_an_input_dependent_array_are_refused(mode):
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(TransformError, match=r"`np.put` writes into its first argument in place"):
        grad(puts_into, mode=mode)(x)
    check_grad(builds_a_constant_mask, grad(builds_a_constant_mask, mode=mode), x)
    for f in (adds_at, zeroes_a_diagonal, copies_into):  # lowered to new arrays (tests/test_indexed_writers.py)
        check_grad(f, grad(f, mode=mode), x)


def writes_an_item_of_an_item(x):
    h = np.outer(x, x)
    h[0][1] = 2.0
    return np.sum(h)


def test_a_write_into_an_item_of_an_item_names_the_construct():
    with pytest.raises(TransformError, match=r"writing into an item of an item \(`h\[0\]\[\.\.\.\] = \.\.\.`\)"):
        grad(writes_an_item_of_an_item)(np.ones(3))


def writes_through_a_loop_item(W, h):
    y = W @ h
    for a in [y]:
        a[0] = 0.0  # a is y
    return np.sum(y * y)


def writes_through_a_row(W, h):
    Y = np.outer(W @ h, h)
    for row in Y:
        row[0] = 0.0  # a view of Y's row
    return np.sum(Y * Y)


def adds_into_a_loop_item(W, h):
    ys = [W @ h, h * 2.0]
    for a in ys:
        a += 1.0  # into ys's arrays
    return np.sum(ys[0] * ys[0])


def adds_to_loop_numbers(W, h):
    s = np.sum(W @ h)
    t = s * 2.0
    for a in [s, t]:
        a += 1.0  # noqa: B007 (numbers: new numbers, s and t unchanged)
    return s * t


def rebinds_the_loop_variable_first(W, h):
    xs = np.outer(W @ h, h)
    total = 0.0
    for x in xs:
        x = x * 2.0  # a new array: the write below is into it, not into xs
        x[0] = 0.0
        total = total + np.sum(x * x)
    return total


def writes_through_a_row_view(W, h):
    Y = np.outer(W @ h, h)
    for row in Y:
        row = row[:2]  # still a view of Y's row
        row[0] = 0.0
    return np.sum(Y * Y)


def writes_through_enumerate(W, h):
    Y = np.outer(W @ h, h)
    for _i, row in enumerate(Y):
        row[0] = 0.0
    return np.sum(Y * Y)


def writes_through_zip(W, h):
    Y = np.outer(W @ h, h)
    Z = Y * 2.0
    for a, _b in zip(Y, Z):
        a[0] = 0.0
    return np.sum(Y * Y)


def writes_through_columns(W, h):
    Y = np.outer(W @ h, h)
    for col in Y.T[:2]:
        col[0] = 0.0
    return np.sum(Y * Y)


def reuses_the_loop_name_after(W, h):
    X = np.outer(W @ h, h)
    s = 0.0
    for row in X:
        s = s + np.sum(row * row)
    row = np.zeros(3)  # a new array under the loop's name: no item of X
    row[0] = s
    return np.sum(row * row)


def _extend(history, value):
    history += [value]  # the caller's list grows


def extends_a_list(W, h):
    hs = [h]
    _extend(hs, W @ h)
    return np.sum(hs[-1] * hs[-1])


def test_a_write_through_a_loop_variable_into_the_sequence_is_refused():
    rng = np.random.default_rng(1)
    W, h = rng.normal(size=(3, 3)), rng.normal(size=3)
    for f, var, seq in ((writes_through_a_loop_item, "a", "y"), (writes_through_a_row, "row", "Y")):
        with pytest.raises(TransformError, match=rf"in-place write to `{var}`, which is shared with `{seq}`"):
            grad(f, wrt=0)(W, h)
    with pytest.raises(ValueError, match=r"in-place write to `a`, which is shared with `ys`"):
        grad(adds_into_a_loop_item, wrt=0)(W, h)
    check_grad(adds_to_loop_numbers, grad(adds_to_loop_numbers, wrt=0), W, h, wrt=0)
    check_grad(rebinds_the_loop_variable_first, grad(rebinds_the_loop_variable_first, wrt=0), W, h, wrt=0)
    for f, var in (
        (writes_through_a_row_view, "row"),
        (writes_through_enumerate, "row"),
        (writes_through_zip, "a"),
        (writes_through_columns, "col"),
    ):
        with pytest.raises(TransformError, match=rf"in-place write to `{var}`, which is shared with `Y`"):
            grad(f, wrt=0)(W, h)
    check_grad(reuses_the_loop_name_after, grad(reuses_the_loop_name_after, wrt=0), W, h, wrt=0)
    with pytest.raises(ValueError, match=r"changes its argument `history` in place .* the caller's list"):
        grad(extends_a_list, wrt=0)(W, h)


@pytest.mark.parametrize("options", MODES)
def test_a_refusal_when_the_code_runs_names_the_users_file_and_line(options):
    """A value astgrad refuses when the generated code runs (not when it is made) is located as a
    TransformError is: at the statement whose adjoint was running (its `# line N:` comment), or in
    the forward pass at the statement a check names (the write through a view, quoted), else at
    the function's `def`, naming it."""
    g = astgrad.grad(ef.writes_through_a_view, **options)
    with pytest.raises(astgrad.UnsupportedValueError) as info:
        g(np.ones(3))
    where = f"errors_functions.py:{line_of(ef.writes_through_a_view, 'v *= 3.0')}: "
    assert where in str(info.value) and "`v`, which shares its array with `y`" in str(info.value)
    assert str(info.value).endswith("v *= 3.0  # changes y too")
    assert info.value.filename == inspect.getsourcefile(ef.writes_through_a_view)
    g = astgrad.grad(ef.spectral_norm_of_double, **options)
    with pytest.raises(astgrad.UnsupportedValueError) as info:
        g(np.diag([1.0, 1.0, 0.5]))
    if options.get("mode") == "forward":  # (forward mode has no line comments: the def)
        line = line_of(ef.spectral_norm_of_double, "def ")
    else:
        line = line_of(ef.spectral_norm_of_double, "n = np.linalg.norm")
    assert f"errors_functions.py:{line}: " in str(info.value)
    assert "largest singular value is (nearly) repeated" in str(info.value)


@pytest.mark.parametrize("options", MODES)
def test_forward_pass_refusals_name_the_users_statement(options):
    """The checks of the forward pass name the user's line and quote it: a write into an array a
    row of which is read after it (check_apart), in every mode; a list joined where the general
    code could not tell it would be (check_elementwise), in reverse mode's general code."""
    f = ef.doubles_a_matrix_a_row_of_it_read_after
    with pytest.raises(astgrad.UnsupportedValueError) as info:
        astgrad.grad(f, **options)(np.ones((2, 2)))
    assert f"errors_functions.py:{line_of(f, 'A *= 2.0')}: in-place write to `A`" in str(info.value)
    assert str(info.value).endswith("A *= 2.0")
    if options == {"specialize": False}:
        f = ef.joins_what_may_be_lists
        with pytest.raises(astgrad.UnsupportedValueError) as info:
            astgrad.grad(f, **options)([1.0, 2.0], [3.0])
        assert f"errors_functions.py:{line_of(f, 'ys = xs + c')}: `+` or `*` joined" in str(info.value)


@pytest.mark.parametrize("options", MODES)
def test_a_non_scalar_output_names_the_function(options):
    where = rf"errors_functions.py:{line_of(ef.non_scalar, 'def ')}: in `non_scalar`: grad needs"
    with pytest.raises(astgrad.UnsupportedValueError, match=where):
        astgrad.grad(ef.non_scalar, **options)(np.ones(3))


def test_a_dict_method_is_named_as_one():
    """Not as the method of an object known only when the code runs (about layers)."""
    with pytest.raises(TransformError) as info:
        astgrad.grad(ef.updates_a_dict)
    message = str(info.value)
    assert f"errors_functions.py:{line_of(ef.updates_a_dict, 'd.update')}: the dict method `.update()`" in message
    assert "`d[key] = v`" in message and "layers" not in message


def test_a_field_of_an_argument_is_refused_with_what_to_pass():
    """Of the differentiated argument (a namedtuple, a dataclass); an argument read for its fields
    alone (settings, a model passed in) is a constant: its fields are read as they are."""
    P = collections.namedtuple("P", ["W"])
    p, x = P(np.array([[0.3, -0.2], [0.1, 0.5]])), np.array([0.7, -1.1])
    with pytest.raises(TransformError, match=r"the attribute `.W` of `p`(.|\n)*pass the arrays themselves"):
        astgrad.grad(ef.reads_a_field, wrt=0)(p, x)
    check_grad(ef.reads_a_field, astgrad.grad(ef.reads_a_field, wrt=1), p, x, wrt=1)


def test_a_random_generator_argument_is_refused_with_what_to_do():
    """Not with the hint about a model's layers."""
    with pytest.raises(TransformError) as info:
        astgrad.grad(ef.draws_from_a_generator_argument)
    message = str(info.value)
    line = line_of(ef.draws_from_a_generator_argument, "rng.standard_normal")
    assert f"errors_functions.py:{line}: the method `.standard_normal()` of `rng` is not supported" in message
    assert "module-level generator" in message and "layers" not in message


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, returned",
    [
        (ef.aux_without_aux, "a float64"),
        (ef.aux_is_an_array, r"an array of shape \(3,\)"),
        (ef.aux_of_three, "a tuple of 3 values"),
    ],
)
def test_has_aux_refuses_an_output_that_is_not_a_pair(options, f, returned):
    """With has_aux=True an output that is not `(loss, aux)` is refused at the function's def,
    never indexed as if it were the pair (an array's x[0] differentiated, x[1] called the aux)."""
    where = rf"errors_functions.py:{line_of(f, 'def ')}: in `{f.__name__}`: "
    message = rf"{where}with has_aux=True the function must return a pair \(loss, aux\), but it returned {returned}"
    for operator in (grad, astgrad.value_and_grad):
        with pytest.raises(astgrad.UnsupportedValueError, match=message):
            operator(f, has_aux=True, **options)(np.ones(3))


@pytest.mark.parametrize("options", MODES)
def test_one_array_passed_twice_and_written_into_is_refused(options):
    """f(x, x) where f writes into its first parameter: Python's f sees the write through both,
    astgrad's copy of the first would part them (a value of 18 where f gives 38): refused, at
    the function's def; separate arrays, or disjoint parts of one, are differentiated."""
    f = ef.writes_into_its_first_argument
    x = np.array([1.0, 2.0, 3.0])
    where = rf"errors_functions.py:{line_of(f, 'def ')}: in `writes_into_its_first_argument`: "
    for b in (x, x[::-1]):
        with pytest.raises(astgrad.UnsupportedValueError, match=where + "the arguments `a` and `b` are one ndarray"):
            astgrad.value_and_grad(f, wrt=1, **options)(x, b)
    check_grad(f, grad(f, wrt=(0, 1), **options), x, 2 * x, wrt=(0, 1))
    np.testing.assert_allclose(grad(f, wrt=1, **options)(x[:2], x[2:4].copy()[:1].repeat(2)), [5.0, 2.0])
    np.testing.assert_allclose(grad(f, wrt=1, **options)(x[:1], x[1:2]), [5.0])
    assert list(x) == [1.0, 2.0, 3.0]
