"""Lists of numbers built in a loop (issue 17): `s.append(v)` once per step, items read back
`s[t - 1]`, the list turned into an array after the loop. Specialised code knows the items'
shape (a list the function builds and reads alone: analysis/shape_facts.py), so their adjoints
need no broadcasting bookkeeping, and an item read at a position counted from the start is read
again by the backward step rather than saved (optimize/loop_saves.py): no per-step tape. Lists
appended conditionally, twice per step, read from the end or handed on stay correct. Each
gradient against central differences and the unoptimised code; structure, not timings."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad
from benchmarks.variants import conv1d_list, ema_list


def ema_list_increment(x, a):  # another expression, the list starts empty
    s = []
    s.append(x[0])
    for t in range(1, len(x)):
        s.append(s[t - 1] + (1.0 - a) * (x[t] - s[t - 1]))
    return np.sum(np.array(s) ** 2)


def tanh_list(x, w):  # an elementwise function of the item read back
    s = [0.0]
    for t in range(len(x)):
        s.append(np.tanh(w * s[t] + x[t]))
    out = np.asarray(s)
    return np.sum(out * x[0]) + out[-1]


def two_appends(x, a):  # two items per step: positions 2t and 2t + 1
    s = [x[0], x[0]]
    for t in range(1, x.shape[0]):
        s.append(a * s[2 * t - 1] + x[t])
        s.append(s[2 * t] * x[t])
    return np.sum(np.array(s) ** 2)


def appended_if(x, a):  # appended on one branch only: positions depend on the values
    s = [x[0]]
    for t in range(1, len(x)):
        if x[t] > 0:
            s.append(a * s[-1] + x[t])
        else:
            s.append(s[-1] * x[t])
    return np.sum(np.array(s) ** 2)


def appended_sometimes(x, a):  # a list that grows only on some steps, read from its end
    s = [x[0]]
    for t in range(1, len(x)):
        if x[t] > 0:
            s.append(a * s[-1] + x[t])
    return np.sum(np.array(s) ** 2)


def read_from_end(x, a):  # `s[-1]`: the last item at that step, not at the end
    s = [x[0]]
    for t in range(1, len(x)):
        s.append(a * s[-1] + (1 - a) * x[t])
    return np.sum(np.array(s) ** 2)


def rows_list(X, a):  # items are rows (arrays), stacked
    s = [X[0]]
    for t in range(1, X.shape[0]):
        s.append(np.tanh(a * s[t - 1] + X[t]))
    return np.sum(np.stack(s) ** 2)


def last(s):
    return s[len(s) - 1]


def handed_on(x, a):  # the list handed to a function that reads it
    s = [x[0]]
    for t in range(1, len(x)):
        s.append(a * last(s) + x[t])
    return np.sum(np.array(s) ** 2)


def np_exp_floats(x, a):  # numbers from np.exp on floats
    s = [1.0]
    for t in range(len(x)):
        s.append(np.exp(-a * s[t]) * x[t])
    return np.sum(np.array(s) ** 2)


CASES = [
    ema_list,
    conv1d_list,
    ema_list_increment,
    tanh_list,
    two_appends,
    appended_if,
    appended_sometimes,
    read_from_end,
    handed_on,
    np_exp_floats,
]


def _args(f):
    rng = np.random.default_rng(5)
    if f is conv1d_list:
        return (rng.normal(size=12), rng.normal(size=3)), (0, 1)
    if f is tanh_list:
        return (rng.normal(size=9), 0.7), (0, 1)
    return (rng.normal(size=9), 0.6), (0, 1)


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_list_loop_gradients_are_right(f):
    args, wrt = _args(f)
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=wrt, optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_rows_list_gradient_is_right():
    rng = np.random.default_rng(6)
    args = (rng.normal(size=(6, 3)), 0.5)
    g = grad(rows_list, wrt=(0, 1))
    check_grad(rows_list, g, *args, wrt=(0, 1), rtol=1e-5, atol=1e-7)
    plain = grad(rows_list, wrt=(0, 1), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", [ema_list, ema_list_increment, tanh_list, two_appends, np_exp_floats])
def test_a_list_of_numbers_built_in_a_loop_saves_nothing_per_step(f):
    """The items read back at positions counted from the start are read again from the list;
    their adjoints are numbers added in place (no `add_adjoints`, no `unbroadcast`)."""
    args, wrt = _args(f)
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "tape" not in text, text
    loops = [ast.unparse(n) for n in ast.walk(ast.parse(text)) if isinstance(n, ast.For)]
    assert len(loops) == 2, text
    for loop in loops:
        assert "add_adjoints" not in loop and "unbroadcast" not in loop, text


def test_an_item_read_from_the_end_of_a_list_kept_stays_saved():
    """`s[-1]` at step t is the item appended at step t - 1; in the backward pass the list is
    full and `s[-1]` its last item: where the list stays a list (appended on some steps only), the
    value read stays on the tape. Where every step appends, the list is an array in specialised code
    (specialize/lists.py) and `s[-1]` at step t its row t - 1, read again."""
    args, wrt = _args(appended_sometimes)
    assert "tape" in astgrad.source(appended_sometimes, wrt=wrt, args=args)
    args, wrt = _args(read_from_end)
    assert "tape" not in astgrad.source(read_from_end, wrt=wrt, args=args)


# ---------------------------------------------------------------- windows `x[i:i + k]` in loops


def conv_strided(x, w):  # windows at 2i, the out list of numbers
    k = len(w)
    outs = []
    for i in range((len(x) - k) // 2 + 1):
        outs.append(np.sum(x[2 * i : 2 * i + k] * w))
    return np.sum(np.array(outs) ** 2)


def clipped_windows(x, w):  # the last windows are shorter: no one length for every step
    outs = []
    for i in range(len(x)):
        v = x[i : i + 3]
        outs.append(np.sum(v * v) * w[0])
    return np.sum(np.array(outs) ** 2)


def pool_windows(x):  # two axes of windows
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            out[i, j] = np.sum(np.tanh(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]))
    return np.sum(out**2)


@pytest.mark.parametrize("f", [conv_strided, clipped_windows, pool_windows])
def test_window_gradients_are_right(f):
    rng = np.random.default_rng(12)
    args, wrt = (
        ((rng.normal(size=(6, 8)),), 0) if f is pool_windows else ((rng.normal(size=11), rng.normal(size=3)), (0, 1))
    )
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=wrt, optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args) if isinstance(wrt, tuple) else (g(*args),), plain if isinstance(wrt, tuple) else (plain,)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", [conv1d_list, conv_strided])
def test_a_window_of_a_loop_index_has_its_length(f):
    """`x[i:i + k]` with every i of the loop keeping the window inside x: its shape is known, so
    the backward step has no `unbroadcast`/`unreduce` (and recomputes no product); the window loops
    then batch it whole (tests/test_overlapping_windows.py)."""
    rng = np.random.default_rng(13)
    text = astgrad.source(f, wrt=(0, 1), args=(rng.normal(size=11), rng.normal(size=3)))
    back = text[text.index("# backward pass") :]
    assert "unbroadcast" not in back and "unreduce" not in back and "overlap_add(x_bar, " in back, text


def appended_until(x):  # a loop that may stop early: the list's adjoint is a read-only broadcast
    s = [0.0]
    for t in range(len(x)):
        if s[-1] > 3.0:
            break
        s.append(s[-1] + x[t] ** 2)
    return np.sum(np.array(s))


def read_ahead(x):  # items read ahead of the one appended, from a list that starts with two
    s = [1.0, 2.0]
    for t in range(len(x)):
        s.append(s[t] * x[t] + s[t + 1])
    return np.array(s).sum()


@pytest.mark.parametrize("f", [appended_until, read_ahead])
def test_the_adjoint_of_a_list_popped_in_the_backward_loop_is_its_own(f):
    """The backward loop takes the last item's adjoint off an adjoint array the loop then adds
    into: an array it must own (`unreduce` of a sum is a read-only broadcast), copied once before
    the loop, not at every step (optimize/loop_saves.py, hoist_ownership)."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=9) * 0.4
    for specialize in (True, False):
        g = grad(f, specialize=specialize)
        check_grad(f, g, x)
        check_grad(f, g, x)
    for text in (astgrad.source(f), astgrad.source(f, args=(x,))):
        for loop in [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.For)][1:]:
            assert "owned_copy" not in ast.unparse(loop), text


def appended_through_another_name(x):
    s = [x[0]]
    u = s
    for t in range(1, len(x)):
        s.append(s[t - 1] * 0.5 + x[t])
    u.append(7.0)
    return np.sum(np.array(s) * np.arange(len(s)))


def test_a_list_appended_to_while_another_name_holds_it_is_refused():
    """`u = s` then `s.append(...)`, `u.append(7.0)`: one list under two names, which the
    gradient followed as two (a wrong gradient); now refused, naming the write and the alias."""
    with pytest.raises(astgrad.TransformError, match="in-place write to `s`, which is shared with `u`"):
        grad(appended_through_another_name)(np.ones(5))


def residuals_summed(a, b, xs, ys):
    residuals = [a * x + b - y for x, y in zip(xs, ys)]
    return sum(r * r for r in residuals) / len(residuals)


def test_the_adjoint_of_a_list_of_numbers_is_taken_apart_in_linear_time():
    # the backward loop over a list built by appends takes its last item off at each step: the
    # adjoint of a list of numbers is an array, whose rest is a view (a list's would be a copy)
    from astgrad.runtime import owned_copy

    owned = owned_copy([1.0, 2, np.float64(3.0)])
    assert isinstance(owned, np.ndarray) and owned.dtype == np.float64 and owned.tolist() == [1.0, 2.0, 3.0]
    assert isinstance(owned_copy([np.ones(2), np.ones(3)]), list)  # (arrays of other shapes: a list)
    rng = np.random.default_rng(11)
    xs = [float(v) for v in rng.normal(size=300)]
    ys = [2.0 * x + 1.0 + float(e) for x, e in zip(xs, rng.normal(size=300))]
    g = grad(residuals_summed, wrt=(0, 1))
    for _ in range(2):
        check_grad(residuals_summed, g, 0.5, 0.2, xs, ys, wrt=(0, 1))
    r = 0.5 * np.array(xs) + 0.2 - np.array(ys)
    np.testing.assert_allclose(g(0.5, 0.2, xs, ys), (2 * np.dot(r, xs) / 300, 2 * np.sum(r) / 300), rtol=1e-10)


def test_a_comprehension_of_numbers_and_its_adjoint():
    # the zero adjoint of a list keeps the list's structure (forward mode appends to a list's
    # tangent); taken apart by the backward loop over its appends, it is an array (owned_copy)
    from astgrad.runtime import zeros_like

    assert zeros_like([1.0, 2.0, np.float64(3.0)]) == [0.0, 0.0, 0.0]
    xs = [0.1 * k for k in range(50)]
    ys = [2.0 * x + 1.0 for x in xs]
    g = grad(residuals_summed, wrt=(0, 1))
    check_grad(residuals_summed, g, 0.5, 0.2, xs, ys, wrt=(0, 1))
    check_grad(residuals_summed, grad(residuals_summed, wrt=(0, 1), specialize=False), 0.5, 0.2, xs, ys, wrt=(0, 1))


def grow_copy(ps, c):
    qs = list(ps)
    s = 0.0
    for p in ps:
        qs.append(p * c)
        s = s + sum(qs)
    return s


def two_d(ps, c):
    m = [[p * q for q in ps] for p in ps]
    m = [[v * c for v in row] for row in m]
    return sum(m[0]) + m[1][2]


def comp_alias(ps, c):
    ys = [p * c for p in ps]
    xs = ys
    s = 0.0
    for i in range(len(xs)):
        s = s + xs[i] * xs[i]
    return s


@pytest.mark.parametrize("f", [grow_copy, two_d, comp_alias])
@pytest.mark.parametrize("mode", ["specialised", "general", "forward"])
def test_lists_of_numbers_built_copied_and_nested(f, mode):
    # (found by a review: a list's zero adjoint or tangent must stay a list where the code appends to
    # it or nests it; a comprehension read under a second name is no in-place write)
    kw = {"specialised": {}, "general": {"specialize": False}, "forward": {"mode": "forward"}}[mode]
    ps, c = [0.5, 1.5, -2.0], 0.7
    for wrt in (0, 1):
        g = grad(f, wrt=wrt, **kw)
        for _ in range(2):
            check_grad(f, g, ps, c, wrt=wrt)
    assert isinstance(grad(lambda ps, c: c * 2.0, wrt=0)(ps, c), list)  # (a list's zero gradient: a list)
