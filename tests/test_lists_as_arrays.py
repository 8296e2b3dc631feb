"""Lists built by appends as preallocated arrays in specialised code (astgrad/specialize/lists.py).

Each spelling that can be an array is checked three ways: the specialised code appends to no list,
the gradient agrees with central differences, and the value is bit for bit the function's. Each
spelling that must stay a list (handed on, aliased, changed otherwise, items of another shape or of
ints, a loop of unknown length, a `break`, an append in a branch, an item written into afterwards,
float32 values) keeps its appends and its gradient is right."""

from __future__ import annotations

import re

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, value_and_grad
from benchmarks.variants import conv1d_list, ema_list

# ---------------------------------------------------------------------------- lists that become arrays


def ema_last(x, a):
    s = []
    s.append(x[0])
    for t in range(1, len(x)):
        s.append(a * s[-1] + (1 - a) * x[t])
    return np.sum(np.stack(s) ** 2) / len(s)


def rnn_stack(x, W):
    hs = [np.tanh(x[:4])]
    for t in range(3):
        hs.append(np.tanh(W @ hs[-1] + x[t : t + 4]))
    H = np.stack(hs)
    return np.sum(H * H) + np.sum(hs[1] * x[:4])


def rnn_for_each(x, W):
    hs = []
    h = np.tanh(x[:4])
    for t in range(4):
        h = np.tanh(W @ h + x[t : t + 4])
        hs.append(h)
    total = 0.0
    for v in hs:
        total = total + np.sum(v * v)
    return total + len(hs) * np.sum(np.asarray(hs))


def nested(x, W):
    out = []
    for i in range(3):
        out.append(np.sum(W[i] * x[:4]))
        for j in range(2):
            out.append(W[i, j] * x[j + i] + out[-1])
    return np.sum(np.array(out) ** 2)


def read_midway(x, W):
    s = [x[0]]
    for t in range(1, 5):
        s.append(np.sin(s[t - 1]) * x[t])
    first = np.array(s)  # (a copy of the items so far)
    for t in range(5, 9):  # (the counter's name again)
        s.append(np.cos(s[-1]) + x[t])
    return np.sum(first * first) + np.sum(np.array(s) * W[0, 0])


def extended(x, a):
    s = [x[0]]
    for t in range(1, len(x)):
        s.extend([a * s[-1], x[t]])  # (two appends)
    return np.sum(np.array(s) ** 2)


CHANGED = [ema_list, ema_last, conv1d_list, rnn_stack, rnn_for_each, nested, read_midway, extended]


def _args(f):
    rng = np.random.default_rng(7)
    x = rng.normal(size=12)
    if f in (ema_list, ema_last, extended):
        return x, 0.8
    if f is conv1d_list:
        return x, rng.normal(size=5)
    return x, rng.normal(size=(4, 4)) * 0.5


def _code(f, args):
    text = astgrad.source(f, wrt=0, args=args)
    assert "# specialised for" in text  # (the specialised code, not the general one it may fall back to)
    return re.sub(r"^ *#[^\n]*\n", "", text.split("# forward pass", 1)[1], flags=re.MULTILINE)  # (comments quote f)


@pytest.mark.parametrize("f", CHANGED, ids=[f.__name__ for f in CHANGED])
def test_a_list_built_in_counted_loops_becomes_an_array(f):
    args = _args(f)
    code = _code(f, args)
    assert not re.search(r"(?<!tape)\.(append|pop)\(", code)  # (the tape's own appends aside)
    assert "np.empty((" in code


@pytest.mark.parametrize("f", CHANGED, ids=[f.__name__ for f in CHANGED])
def test_its_gradient_agrees_with_central_differences_and_its_value_is_the_functions(f):
    args = _args(f)
    g = grad(f, wrt=(0, 1))
    g(*args)  # (the second call runs the specialised code)
    check_grad(f, g, *args, wrt=(0, 1), rtol=1e-6, atol=1e-8)
    vg = value_and_grad(f, wrt=(0, 1))
    vg(*args)
    value, _ = vg(*args)
    assert value == f(*args)  # bit for bit


def test_the_ema_built_by_appends_has_no_list_in_its_loops():
    x = np.random.default_rng(0).normal(size=50)
    code = _code(ema_list, (x, 0.9))
    loops = re.findall(r"^( *)for [^\n]*\n((?:\1 [^\n]*\n)*)", code, flags=re.MULTILINE)
    assert len(loops) == 2  # (forward and backward)
    for _, body in loops:
        assert ".append(" not in body and "pop(" not in body and "[-1]" not in body
        assert "s[t] = " in body or "s_bar[t]" in body
    assert "= [" not in code  # (no list made at all)
    assert "s_bar_row" in code  # (the adjoint carried row by row, as for the EMA filled in place)


# ------------------------------------------------------------------------------- lists that stay lists


def handed_on(x, a):
    s = [x[0]]
    for t in range(1, len(x)):
        s.append(a * s[t - 1] + x[t])
    pair = (s, 1)
    return np.sum(np.array(pair[0]) ** 2)


def aliased(x, a):
    s = [x[0]]
    u = s
    for t in range(1, len(x)):
        u.append(a * s[t - 1] + x[t])
    return np.sum(np.array(s) ** 2)


def ragged(x, a):
    s = [x[:2]]
    for t in range(1, 4):
        s.append(a * x[t : 2 * t + 1])
    total = 0.0
    for v in s:
        total = total + np.sum(v * v)
    return total


def int_items(x, a):
    s = [0]
    for t in range(1, len(x)):
        s.append(t)
    total = 0.0
    for k in range(len(s)):
        total = total + a * x[s[k]] ** 2
    return total


def int_first(x, a):  # an int first, floats after: `np.array` makes them all floats, `s[0]` stays 0
    s = [0]
    for t in range(1, len(x)):
        s.append(a * x[t])
    return np.sum(np.array(s) ** 2) + x[s[0]]


def int_then_float(x, a):  # the item's name holds the int 0 at the first append, floats after
    s = []
    v = 0
    for t in range(len(x)):
        s.append(v)
        v = v + a * x[t]
    return np.sum(np.array(s) ** 2) + x[s[0]]


def while_loop(x, a):
    s = [x[0]]
    t = 1
    while t < len(x):
        s.append(a * s[-1] + x[t])
        t = t + 1
    return np.sum(np.array(s) ** 2)


def broken(x, a):
    s = [x[0]]
    for t in range(1, len(x)):
        if x[t] > 1.0:
            break
        s.append(a * s[-1] + x[t])
    return np.sum(np.array(s) ** 2)


def in_a_branch(x, a):
    s = [x[0]]
    for t in range(1, len(x)):
        if x[t] > 0.0:
            s.append(a * s[-1] + x[t])
    return np.sum(np.array(s) ** 2)


def written_after(x, a):
    hs = []
    h = np.zeros(2)
    for t in range(len(x) - 1):
        h[0] = a * x[t]
        h[1] = x[t + 1]
        hs.append(h)  # (the same array every time: the list holds it, written into afterwards)
    return np.sum(np.array(hs) * x[0])


def unknown_length(x, a, n):
    s = [x[0]]
    for t in range(1, n):
        s.append(a * s[-1] + x[t])
    return np.sum(np.array(s) ** 2)


KEPT = [handed_on, ragged, int_items, int_first, int_then_float, while_loop, broken, in_a_branch]


@pytest.mark.parametrize("f", KEPT, ids=[f.__name__ for f in KEPT])
def test_a_list_the_pass_cannot_prove_an_array_stays_a_list(f):
    x = np.random.default_rng(5).normal(size=8)
    args = (x, 0.7)
    code = _code(f, args)
    assert "np.empty((" not in code
    g = grad(f, wrt=(0, 1))
    g(*args)
    check_grad(f, g, *args, wrt=(0, 1), rtol=1e-6, atol=1e-8)
    value, _ = value_and_grad(f, wrt=(0, 1))(*args)
    assert value == f(*args)


def test_a_list_changed_otherwise_is_refused_by_name():
    def popped(x, a):
        s = [x[0], x[1]]
        for t in range(2, len(x)):
            s.append(a * s[-1] + x[t])
        s.pop()
        return np.sum(np.array(s) ** 2)

    with pytest.raises(astgrad.TransformError, match=r"\.pop\(\)"):
        grad(popped)(np.ones(4), 0.5)


def test_a_list_appended_to_through_an_alias_is_refused_by_name():
    x = np.random.default_rng(5).normal(size=8)
    with pytest.raises(astgrad.TransformError, match="shared with `s`"):
        grad(aliased, wrt=(0, 1))(x, 0.7)


def test_a_list_of_one_array_written_into_after_each_append_is_refused():
    """The list holds the array itself (analysis/aliasing.py follows appends): a write into it
    changes every item, which the gradient would not know (it gave a wrong gradient)."""
    x = np.random.default_rng(5).normal(size=8)
    with pytest.raises(astgrad.TransformError, match="in-place write to `h`, which is shared with `hs`"):
        grad(written_after, wrt=(0, 1))(x, 0.7)


def made_anew_then_appended(x, a):
    hs = []
    for t in range(len(x) - 1):
        h = np.zeros(2)
        h[0] = a * x[t]
        h[1] = x[t + 1]
        hs.append(h)
    return np.sum(np.array(hs) * x[0])


def test_an_array_made_anew_at_each_step_then_written_and_appended():
    x = np.random.default_rng(5).normal(size=8)
    g = grad(made_anew_then_appended, wrt=(0, 1))
    for _ in range(2):
        check_grad(made_anew_then_appended, g, x, 0.7, wrt=(0, 1), rtol=1e-6, atol=1e-8)


def test_a_loop_whose_length_is_an_argument_keeps_the_list():
    x = np.random.default_rng(5).normal(size=8)
    args = (x, 0.7, 6)
    text = astgrad.source(unknown_length, wrt=0, args=args)
    assert "np.empty((" not in text
    g = grad(unknown_length, wrt=(0, 1))
    g(*args)
    check_grad(unknown_length, g, *args, wrt=(0, 1), rtol=1e-6, atol=1e-8)


def test_float32_arguments_take_the_general_code_where_lists_became_arrays():
    x = np.random.default_rng(5).normal(size=8)
    g = value_and_grad(ema_list, wrt=(0, 1))
    g(x, 0.7)  # (specialised for a float array of 8: float64 or float32 alike)
    assert "float64" in astgrad.source(ema_list, wrt=(0, 1), value=True, args=(x, 0.7))
    check_grad(ema_list, grad(ema_list, wrt=(0, 1)), x, 0.7, wrt=(0, 1), rtol=1e-6, atol=1e-8)
    _, doubles = g(x, 0.7)
    args = (x.astype(np.float32), 0.7)
    value, singles = g(*args)  # (the general code: a float32 list, as the function's)
    assert value == ema_list(*args) and value.dtype == np.float32
    for single, double in zip(singles, doubles):
        np.testing.assert_allclose(single, double, rtol=1e-4, atol=1e-5)


def item_read_then_written(x, a):
    hs = []
    for t in range(3):
        hs.append(x[t : t + 2] * a)
    v = hs[0]
    v[0] = 0.0  # (the list's item itself: a row of an array would be another object)
    return np.sum(np.array(hs) ** 2)


def test_an_item_read_and_written_into_keeps_the_list_which_astgrad_refuses_by_name():
    x = np.random.default_rng(5).normal(size=8)
    assert "np.empty((" not in _code(item_read_then_written, (x, 0.7))
    with pytest.raises(astgrad.UnsupportedValueError, match="held in a list"):
        value_and_grad(item_read_then_written, wrt=(0, 1))(x, 0.7)


def rnn_states_stacked(W, xs):
    h = np.zeros(3)
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2) + np.sum(np.array(hs)[-1])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_appended_item_of_a_recurrence_is_not_renamed_with_its_taken_back_rows(mode):
    """The item `h` stored at `hs[t] = h` was the node the backward loop read too, which
    taped_rows.py renames to `h_next` there: the forward loop then read a name never bound
    (UnboundLocalError). Its own node now."""
    r = np.random.default_rng(5)
    W, xs = r.normal(size=(3, 3)) * 0.5, r.normal(size=(4, 3))
    g = grad(rnn_states_stacked, mode=mode)
    check_grad(rnn_states_stacked, g, W, xs)
    check_grad(rnn_states_stacked, g, W, xs)
    assert value_and_grad(rnn_states_stacked)(W, xs)[0] == rnn_states_stacked(W, xs)
