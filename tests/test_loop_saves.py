"""What a loop's gradient keeps and copies per iteration (issue 20): no whole-array copy inside a
generated backward loop, no per-iteration save of a loop invariant or of a value the loop index
gives again, an array filled in the loop read again rather than saved. Structure, not timings:
each is what makes the gradient's time and memory grow with the loop length and no faster
(benchmarks/scaling.py measures it). Every case is also checked against central differences
and against the unoptimised code."""

from __future__ import annotations

import ast
import math
import types

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, pipeline
from benchmarks.jit_workloads import maxpool as maxpool_branches  # (a branch per output element)
from benchmarks.workloads import ema, pendulum, rnn, rnn_dot, rnn_filled


def ema_helper_free(x, a):  # the EMA written with Python floats for its weights and `xs[t]` reads
    s = np.empty(x.shape[0])
    s[0] = x[0]
    b = 1.0 - a
    for t in range(1, len(x)):
        s[t] = a * s[t - 1] + b * x[t]
    return np.sum(s * s)


def ema_rows(X, a):  # rows of a matrix, filled one after the other
    S = np.zeros(X.shape)
    S[0] = X[0]
    for t in range(1, X.shape[0]):
        S[t] = a * S[t - 1] + (1.0 - a) * np.tanh(X[t])
    return np.sum(S * S)


def ema_rewritten(x, a):  # a position written again after the loop: s[0] is read at t = 1
    s = np.zeros(x.shape[0])
    s[0] = x[0]
    for t in range(1, x.shape[0]):
        s[t] = a * s[t - 1] + (1 - a) * x[t]
    s[0] = 3.0
    return np.sum(s * s)


def ema_ahead(x, a):  # reads the position the next step writes: still zero when read
    s = np.zeros(x.shape[0] + 1)
    for t in range(x.shape[0]):
        s[t] = a * s[t + 1] + x[t] * s[t] + x[t]
    return np.sum(s * s)


def maxpool_2d(x):  # CS231n's naive 2x2 pooling, two loops, the window's max
    h, w = x.shape[0] // 2, x.shape[1] // 2
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = np.max(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(out * out)


def conv_2d(x, w):  # a naive 2-D convolution ("valid"), two loops over the output
    k = w.shape[0]
    n, m = x.shape[0] - k + 1, x.shape[1] - k + 1
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            out[i, j] = np.sum(x[i : i + k, j : j + k] * w)
    return np.sum(out * out)


def conv_2d_loops(x, w):  # the same with four loops, one product per kernel element
    k = w.shape[0]
    n, m = x.shape[0] - k + 1, x.shape[1] - k + 1
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            s = 0.0
            for a in range(k):
                for b in range(k):
                    s = s + x[i + a, j + b] * w[a, b]
            out[i, j] = s
    return np.sum(out * out)


def cumsum_2d(x):  # each element from the one before it in its row and the one above it
    n, m = x.shape
    out = np.zeros((n + 1, m + 1))
    for i in range(n):
        for j in range(m):
            out[i + 1, j + 1] = np.tanh(out[i, j + 1] + out[i + 1, j] - out[i, j] + x[i, j])
    return np.sum(out * out)


def nested_floats(a, b, n, m):  # nested loops over Python floats, a value of the outer step inside
    s = 0.5
    for i in range(n):
        c = a * i
        for j in range(m):
            s = s * b + math.sin(c + 0.1 * j)
    return s


def _cases():
    rng = np.random.default_rng(3)
    W, U, b = rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)), rng.normal(size=4)
    xs, h0 = rng.normal(size=(9, 3)), np.zeros(4)
    x = rng.normal(size=12)
    return [
        (ema, (x, 0.8), (0, 1)),
        (ema_helper_free, (x, 0.8), (0, 1)),
        (ema_rows, (rng.normal(size=(7, 3)), 0.7), (0, 1)),
        (rnn, (W, U, b, xs, h0), (0, 1, 2)),
        (rnn_dot, (W, U, b, xs, h0), (0, 1, 2)),
        (rnn_filled, (W, U, xs, h0), (0, 1)),
        (pendulum, (0.3, 0.1, 9.81, 0.01, 20), (0, 1, 2)),
        (maxpool_branches, (rng.normal(size=16),), 0),
        (maxpool_2d, (rng.normal(size=(6, 8)),), 0),
        (conv_2d, (rng.normal(size=(6, 7)), rng.normal(size=(3, 3))), (0, 1)),
        (conv_2d_loops, (rng.normal(size=(5, 6)), rng.normal(size=(2, 2))), (0, 1)),
        (cumsum_2d, (rng.normal(size=(4, 5)) / 2,), 0),
        (nested_floats, (0.3, 0.7, 4, 5), (0, 1)),
    ]


def _variant_cases():
    """Every variant of the variant suite whose loop length is a parameter (benchmarks/variants.py:
    the RNN, EMA, convolution and pendulum spellings, CS231n's rnn_forward, the LSTM), short."""
    from benchmarks.variants import VARIANTS

    out = []
    own = {c[0] for c in _cases()}
    for v in VARIANTS:
        if v.length and v.f not in own:
            args = v.make_args(np.random.default_rng(5), **{v.length: 7})
            out.append((v.f, args, v.wrt_indices()))
    return out


CASES = _cases() + _variant_cases()
IDS = [("variants." if c[0].__module__ == "benchmarks.variants" else "") + c[0].__name__ for c in CASES]


def _loops(text: str, backward: bool) -> list[ast.For]:
    tree = ast.parse(text)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.For):
            it = node.iter
            is_back = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed"
            if is_back == backward:
                out.append(node)
    return out


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_loop_gradients_are_right(f, args, wrt):
    g = grad(f, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt, rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=wrt, optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_no_whole_array_copy_inside_a_backward_loop(f, args, wrt):
    text = astgrad.source(f, wrt=wrt, args=args)
    for loop in _loops(text, backward=True):
        rows = {
            s.targets[0].id: s.value
            for s in loop.body
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
        }
        for node in ast.walk(loop):
            if isinstance(node, ast.Call):
                fn = node.func
                called = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                assert called not in ("owned_copy", "copy", "array", "stack", "deepcopy"), text
                if called == "copy_of":  # of one element or row, never of a whole array
                    arg = node.args[0]
                    assert isinstance(arg, ast.Subscript) or isinstance(rows.get(arg.id), ast.Subscript), text


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_no_copy_of_an_operand_of_arithmetic(f, args, wrt):
    """`next_h_bar = prev_h_bar + copy_of(dh[:, t, :])`: the sum is a new array, so the copy that
    protected the row from a later write is a second one (optimize/cleanup.py, Fold)."""
    text = astgrad.source(f, wrt=wrt, args=args)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.BinOp):
            for operand in (node.left, node.right):
                assert not (isinstance(operand, ast.Call) and getattr(operand.func, "id", "") == "copy_of"), text


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_no_per_iteration_save_of_an_invariant_or_an_index_value(f, args, wrt):
    """What a forward loop saves per step depends on what the loop computes: never a value
    from loop invariants alone (`1.0 - a`, `W.T`) or from the index (`t - 1`, `x[t]`)."""
    text = astgrad.source(f, wrt=wrt, args=args)
    for loop in _loops(text, backward=False):
        bound = {
            n.id for s in loop.body for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        bound.discard(loop.target.id if isinstance(loop.target, ast.Name) else "")
        defs = {
            s.targets[0].id: s.value
            for s in loop.body
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
        }
        for s in loop.body:
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute):
                if s.value.func.attr != "append" or not s.value.args:
                    continue
                receiver = s.value.func.value
                if not (isinstance(receiver, ast.Name) and receiver.id.startswith("tape")):
                    continue  # (the function's own list: `s.append(...)` of ema_list)
                saved = s.value.args[0]
                names = {n.id for n in ast.walk(saved) if isinstance(n, ast.Name)}
                for n in names:  # the saved value was made by the loop from values the loop changes
                    value = defs.get(n)
                    if value is not None:
                        reads = {m.id for m in ast.walk(value) if isinstance(m, ast.Name)}
                        assert reads & (bound - {n}) or n in reads, (n, text)


FILLED = (ema, ema_helper_free, ema_rows, rnn_filled, maxpool_2d, conv_2d, cumsum_2d)


@pytest.mark.parametrize("f, args, wrt", [c for c in CASES if c[0] in FILLED])
def test_an_array_filled_in_the_loop_is_read_again_not_saved(f, args, wrt):
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "tape" not in text and "pop" not in text, text


def test_a_filled_array_rewritten_or_read_ahead_is_not_read_again():
    x = np.random.default_rng(4).normal(size=8)
    for f in (ema_rewritten, ema_ahead):
        g = grad(f, wrt=(0, 1))
        check_grad(f, g, x, 0.6, wrt=(0, 1), rtol=1e-5, atol=1e-7)
        plain = grad(f, wrt=(0, 1), optimize=False, specialize=False)(x, 0.6)
        for a, b in zip(g(x, 0.6), plain):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_the_saved_rows_are_the_hidden_states_alone():
    """The RNN saves its T + 1 states in one array the forward loop fills (what a hand-written
    gradient keeps), and the adjoint rows in one array: no list of per-step arrays."""
    f, args, wrt = CASES[IDS.index("rnn")]
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "h_saved = np.empty((10, 4))" in text and "h_saved[k] = h" in text, text
    assert ".append(" not in text and "np.array(" not in text, text
    assert "del U_x" in text and "del dh_dt5" in text, text


@pytest.mark.parametrize("f", [maxpool_2d, cumsum_2d])
def test_nested_loops_read_the_filled_array_again(f, monkeypatch):
    """The backward inner loop, inside the backward outer one, reads again the element the
    forward step wrote (`t15 = out[i, j]`), its index recomputed from both loop indices (the
    loops as they are where the window loops pass does not run them all at once)."""
    f, args, wrt = CASES[IDS.index(f.__name__)]
    monkeypatch.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "window loops"))
    astgrad.api._by_code.clear()
    f = types.FunctionType(f.__code__, f.__globals__, f.__name__)
    text = astgrad.source(f, wrt=wrt, args=args)
    astgrad.api._by_code.clear()
    (outer,) = [loop for loop in _loops(text, backward=True) if loop.target.id == "i"]
    (inner,) = [loop for loop in outer.body if isinstance(loop, ast.For)]
    assert any(
        isinstance(s, ast.Assign)
        and isinstance(_element(s.value), ast.Subscript)
        and _element(s.value).value.id == "out"
        for s in inner.body
    ), text


def _element(value: ast.expr) -> ast.expr:
    """`out[i, j]`, read as it is or as a Python float (`float(out[i, j])`: floats.py)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "float":
        return value.args[0]
    return value


def test_a_filled_array_read_at_a_later_position_in_nested_loops_is_not_read_again():
    def ahead(x):  # reads the row below, written at a later outer step
        n, m = x.shape
        out = np.zeros((n + 1, m))
        for i in range(n):
            for j in range(m):
                out[i, j] = np.tanh(out[i + 1, j] + x[i, j]) * out[i, j]
        return np.sum(out * out) + np.sum(x * x)

    x = np.random.default_rng(6).normal(size=(3, 4))
    g = grad(ahead)
    check_grad(ahead, g, x, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g(x), grad(ahead, optimize=False, specialize=False)(x), rtol=1e-9, atol=1e-12)


def test_an_inner_value_the_outer_step_reads_after_the_inner_loop_stays_saved():
    """`v` of the last inner step is read by the outer step after the inner loop: the backward
    outer step must see step i's v, which only the tape gives back after the backward inner
    loop of step i + 1 (recomputing it there left step i + 1's first v: a wrong gradient)."""

    def inner_value_read_after(x):
        n, m = x.shape
        total = 0.0
        for i in range(n):
            for j in range(m):
                v = x[i, j] * 2.0
            total = total + np.sin(v) * x[i, 0]
        return total

    x = np.random.default_rng(1).normal(size=(3, 4))
    g = grad(inner_value_read_after)
    check_grad(inner_value_read_after, g, x, rtol=1e-5, atol=1e-7)
    plain = grad(inner_value_read_after, optimize=False, specialize=False)(x)
    np.testing.assert_allclose(g(x), plain, rtol=1e-9, atol=1e-12)


def ema_wrapped(x):  # at t = 0, s[t - 1] is s[-1]: the last position, still zero, written at the last step
    n = x.shape[0]
    s = np.zeros(n)
    for t in range(n):
        s[t] = np.sin(s[t - 1]) * x[t] + x[t]
    return np.sum(s * s)


def rows_wrapped(x):  # the same along the inner index of nested loops
    n = x.shape[0]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = np.sin(out[i, j - 1]) * x[j] + x[j]
    return np.sum(out * out)


def triangle(x):  # the inner loop's length depends on the outer index; reads from the row above and the left
    n = x.shape[0]
    out = np.zeros((n, n))
    for i in range(1, n):
        for j in range(i + 1):
            out[i, j] = np.tanh(out[i - 1, j] + x[i] * x[j] + out[i, j - 1])
    return np.sum(out * out)


@pytest.mark.parametrize("f", [ema_wrapped, rows_wrapped, triangle])
def test_a_negative_index_is_no_earlier_position(f):
    """A read `s[t - 1]` at t = 0 is of the last position, which a later step writes: it is not
    read again from the filled array (a wrong gradient before: the backward step read s[n - 1])."""
    x = np.random.default_rng(7).normal(size=5) / 2
    g = grad(f)
    check_grad(f, g, x, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g(x), grad(f, optimize=False, specialize=False)(x), rtol=1e-9, atol=1e-12)


def rnn_residual(W, U, xs, h0):  # each state also added to the next: two additions into the adjoint row
    T = xs.shape[0]
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T) + 0.5 * hs[t]
    return np.sum(hs[T] * hs[T])


def rnn_all_states(W, U, xs, h0):  # every state read after the loop: the adjoint has every row
    T = xs.shape[0]
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T)
    return np.sum(hs * hs)


def rnn_from_one(W, U, xs, h0):  # the loop starts at 1, reads the row before
    T = xs.shape[0]
    hs = np.zeros((T, h0.shape[0]))
    hs[0] = np.tanh(h0)
    for t in range(1, T):
        hs[t] = np.tanh(hs[t - 1] @ W.T + xs[t] @ U.T)
    return np.sum(hs[T - 1] ** 3)


def rnn_last_row(W, U, xs, h0):  # the last state read as `hs[-1]`: the row the first backward step reads
    T = xs.shape[0]
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T)
    return np.sum(hs[-1] ** 2)


def rnn_before_last_row(W, U, xs, h0):  # `hs[-2]` is no row the backward loop carries into first
    T = xs.shape[0]
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T)
    return np.sum(hs[-2] ** 2) + np.sum(hs[-1])


@pytest.mark.parametrize("f", [rnn_filled, rnn_residual, rnn_all_states, rnn_from_one, rnn_last_row])
def test_an_adjoint_carried_row_by_row_keeps_one_row(f):
    """The adjoint of a state array whose backward loop reads each row once, in reverse order,
    is one row (`hs_bar_row`), not an array of the states' size; where another use reads it
    (every state summed after the loop) the adjoint stays the array of those values, read row by
    row, and the row carries what each step adds. Each against central differences and the
    unoptimised code."""
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)), rng.normal(size=(7, 3)), rng.normal(size=4))
    g = grad(f, wrt=(0, 1, 3))
    check_grad(f, g, *args, wrt=(0, 1, 3), rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=(0, 1, 3), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    text = astgrad.source(f, wrt=(0, 1, 3), args=args)
    assert "zeros_like(hs)" not in text and "hs_bar_row" in text, text
    assert ("hs_bar = 2.0 * hs" in text) == (f is rnn_all_states), text
    for loop in _loops(text, backward=True):
        assert not any(
            isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and getattr(n.value, "id", "") == "hs_bar"
            for n in ast.walk(loop)
        ), text


def test_a_value_restored_but_never_read_is_not_saved():
    """A naive convolution's accumulator (`acc = acc + w[j] * x[i + j]`): its adjoint is linear in
    it, so the backward pass never reads the values a tape would restore; nothing is saved at all
    (optimize/loop_saves.py, drop_dead_restores)."""
    from benchmarks.jit_workloads import conv1d

    rng = np.random.default_rng(9)
    x, w = rng.normal(size=30), rng.normal(size=4)
    text = astgrad.source(conv1d, (0, 1), args=(x, w))
    assert "tape" not in text, text
    check_grad(conv1d, grad(conv1d, (0, 1)), x, w, wrt=(0, 1))
    plain = grad(conv1d, (0, 1), optimize=False, specialize=False)(x, w)
    for a, b in zip(grad(conv1d, (0, 1))(x, w), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_row_read_from_the_end_is_no_row_carried_unless_it_is_the_first_one_read():
    """`hs[-2]` (and `hs[-1]`) read after the loop: the adjoint is no single row carried from the
    last state (a wrong gradient if it were), and the gradient is right."""
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)), rng.normal(size=(7, 3)), rng.normal(size=4))
    f = rnn_before_last_row
    g = grad(f, wrt=(0, 1, 3))
    check_grad(f, g, *args, wrt=(0, 1, 3), rtol=1e-5, atol=1e-7)
    plain = grad(f, wrt=(0, 1, 3), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["rnn_filled", "variants.rnn_filled"])
def test_a_backward_loop_of_known_shapes_calls_no_run_time_shape_helper(name):
    """A row of the adjoint array read in the backward loop (`copy_of(hs_bar[t + 1])`) has its
    row's shape: no `unbroadcast` per step (a third of the step's time)."""
    f, args, wrt = CASES[IDS.index(name)]
    text = astgrad.source(f, wrt=wrt, args=args)
    for loop in _loops(text, backward=True):
        assert "unbroadcast" not in ast.unparse(loop), text


def gated(W, xs, h0):  # a size read from a state the loop changes (`H = h.shape[0]`) and index arithmetic on it
    h = h0
    for t in range(xs.shape[0]):
        H = h.shape[0]
        a = W @ h + xs[t]
        h = np.tanh(a[:H]) * (1.0 / (1.0 + np.exp(-a[H : 2 * H])))
    return np.sum(h * h)


def test_an_int_the_shapes_fix_is_not_saved_per_iteration():
    """`H = h.shape[0]` and `2 * H` are the same at every step of specialised code (the shapes
    are fixed): no push of them (before, the LSTM saved five such ints per step)."""
    rng = np.random.default_rng(10)
    args = (rng.normal(size=(8, 4)) / 2, rng.normal(size=(6, 8)), rng.normal(size=4))
    g = grad(gated, wrt=(0, 2))
    check_grad(gated, g, *args, wrt=(0, 2), rtol=1e-5, atol=1e-7)
    plain = grad(gated, wrt=(0, 2), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    text = astgrad.source(gated, wrt=(0, 2), args=args)
    (loop,) = _loops(text, backward=False)
    defs = {
        s.targets[0].id: s.value for s in loop.body if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
    }
    for s in loop.body:
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and ast.unparse(s.value.func).endswith("append"):
            saved = ast.unparse(s.value.args[0])
            value = ast.unparse(defs.get(saved, s.value.args[0]))
            assert ".shape" not in value and saved != "H" and not value.startswith("2 * "), (saved, text)


def test_rnn_forward_keeps_no_cache_list_and_no_list_of_step_operands():
    """CS231n's `rnn_forward` appends a cache per step to a list its caller discards: the list
    goes (it held every step's arrays to the end of the forward pass, and made them look written
    in place). The weights' gradients are summed in the backward loop, a product per step of
    operands of known shapes, not collected into lists of every step's operands; the adjoint of
    `h[:, t, :]` read per step has its known shape (no `unbroadcast`), and the adjoint array is
    not copied whole (`1.0 * dh` is already a new array)."""
    f, args, wrt = CASES[IDS.index("variants.cs231n_rnn")]
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "caches" not in text and "_parts" not in text and "owned_copy" not in text, text
    for loop in _loops(text, backward=True):
        assert "unbroadcast" not in ast.unparse(loop), text


def test_a_fresh_adjoint_is_not_copied_before_the_loop_writes_into_it():
    """`out_bar = 2.0 * out` is a new array nothing else holds: the backward loop zeroes its
    elements in place without a whole copy first (`owned_copy`), and `out ** 1` is `out` inside
    the product."""
    f, args, wrt = CASES[IDS.index("variants.conv1d_sum")]
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "owned_copy" not in text and "** 1" not in text, text


def poly_powers_of_index(c, x, y):  # `x ** k` of the loop index: a pow per element, saved not recomputed
    pred = np.zeros_like(x)
    for k in range(c.shape[0]):
        pred = pred + c[k] * x**k
    return np.mean((pred - y) ** 2)


def poly_np_power(c, x, y):  # the same with np.power
    pred = np.zeros_like(x)
    for k in range(len(c)):
        pred = pred + c[k] * np.power(x, k)
    return np.mean((pred - y) ** 2)


@pytest.mark.parametrize("f", [poly_powers_of_index, poly_np_power])
def test_a_power_of_an_array_is_saved_not_recomputed(f):
    """Recomputing `x ** k` in the backward step costs what the forward step did (a `pow` per
    element, or its products); saving it costs one row: the backward pass computes no power (its
    loop is one product of the saved rows, window_loops.py)."""
    rng = np.random.default_rng(10)
    c, x = rng.normal(size=5), rng.uniform(-1.0, 1.0, size=30)
    y = np.sin(3.0 * x)
    text = astgrad.source(f, args=(c, x, y))
    back = "\n".join(line for line in text.split("# backward pass")[1].splitlines() if "#" not in line)
    assert not _loops(text, backward=True) and "**" not in back and "power" not in back, text
    g = grad(f)
    check_grad(f, g, c, x, y, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g(c, x, y), grad(f, optimize=False, specialize=False)(c, x, y), rtol=1e-9, atol=1e-12)


def chained_states(W, xs, h0):  # nxt and prev one array at every step's top but the first
    prev = h0
    nxt = 0.5 * h0
    out = 0.0
    for t in range(xs.shape[0]):
        z = np.tanh(prev @ W + xs[t])
        out = out + np.sum(nxt * z)  # nxt's value in the step: read after it is taken back
        nxt = z
        prev = nxt
    return out + np.sum(prev * prev)


def test_one_object_saved_under_several_names_is_saved_once():
    """CS231n's `rnn_forward` ends a step with `next_h = next_h_1; prev_h = next_h`: the next step
    saved the same array three times (next_h_1 and next_h held a placeholder None at the first
    step, which kept them off a float array of rows). Saved once now, as rows the forward loop
    writes (optimize/loop_saves.py, share_equal_saves)."""
    f, args, wrt = CASES[IDS.index("variants.cs231n_rnn")]
    text = astgrad.source(f, wrt=wrt, args=args)
    assert "tape" not in text and "pop" not in text, text
    assert "prev_h_saved[t] = prev_h\n" in text and "next_h_1 = prev_h_k\n" in text, text
    assert text.count("_saved = np.empty(") == 1, text
    g = grad(f, wrt)
    check_grad(f, g, *args, wrt=wrt)
    plain = grad(f, wrt, optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_name_read_after_it_is_taken_back_keeps_its_own_save():
    """nxt and prev hold one array at the top of every step but the first (0.5 * h0 and h0):
    the backward step reads nxt's value, so it is not taken from prev's save."""
    rng = np.random.default_rng(21)
    args = (rng.normal(size=(3, 3)) / 3, rng.normal(size=(5, 3)), rng.normal(size=3))
    g = grad(chained_states, (0, 2))
    check_grad(chained_states, g, *args, wrt=(0, 2))
    plain = grad(chained_states, (0, 2), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    text = astgrad.source(chained_states, (0, 2), args=args)
    assert "nxt = prev" not in text, text


def test_an_adjoint_part_zeroed_but_never_read_again_is_not_zeroed_nor_copied():
    """The backward step of `h[:, t, :] = next_h` reads `h_bar[:, t, :]` and zeroes it; no other
    step reads that part and nothing reads h_bar after the loop: the zeroing goes
    (optimize/loop_saves.py, drop_dead_zeroing), and with it the copy of the caller's `dh` the
    write called for (`h_bar = 1.0 * dh`: the clean-up folds it where h_bar is neither returned
    nor written into)."""
    f, args, wrt = CASES[IDS.index("variants.cs231n_rnn")]
    text = astgrad.source(f, wrt=wrt, args=args)
    for loop in _loops(text, backward=True):
        assert "] = 0.0" not in ast.unparse(loop), text
    assert "1.0 * dh" not in text and "h_bar[:, t, :]" in text.replace("dh[:, t, :]", "h_bar[:, t, :]"), text
    g = grad(f, wrt)
    check_grad(f, g, *args, wrt=wrt)
    assert not any(np.shares_memory(r, a) for r in g(*args) for a in args)


def reads_the_zeroed_part_again(W, xs, h0):  # the adjoint of hs is read after the loop too
    hs = np.zeros((xs.shape[0] + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(xs.shape[0]):
        hs[t + 1] = np.tanh(W @ hs[t] + xs[t])
        hs[t] = 0.5 * hs[t]  # overwritten: its earlier adjoint is zeroed
    return np.sum(hs * hs)


def test_an_adjoint_part_read_again_stays_zeroed():
    rng = np.random.default_rng(22)
    args = (rng.normal(size=(3, 3)) / 3, rng.normal(size=(4, 3)), rng.normal(size=3))
    g = grad(reads_the_zeroed_part_again, (0, 2))
    check_grad(reads_the_zeroed_part_again, g, *args, wrt=(0, 2))
    plain = grad(reads_the_zeroed_part_again, (0, 2), optimize=False, specialize=False)(*args)
    for a, b in zip(g(*args), plain):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def rnn_index_after_value(x, W):  # the row's index computed after the value written there
    hs = np.empty((4, 4))
    hs[0] = np.tanh(x[:4])
    for t in range(3):
        v = np.tanh(W @ hs[t] + x[t : t + 4])
        k = t + 1
        hs[k] = v
    return np.sum(hs * hs)


def test_a_value_read_again_from_its_row_comes_after_the_rows_index():
    """The backward step reads `v = hs[k]` once it has recomputed `k` (before, it read the row
    the step after it wrote: a silently wrong gradient)."""
    rng = np.random.default_rng(7)
    args = (rng.normal(size=12), rng.normal(size=(4, 4)) * 0.5)
    g = grad(rnn_index_after_value, wrt=(0, 1))
    g(*args)
    check_grad(rnn_index_after_value, g, *args, wrt=(0, 1), rtol=1e-6, atol=1e-8)
    back = astgrad.source(rnn_index_after_value, wrt=(0, 1), args=args).split("for t in reversed", 1)[1]
    assert back.index("k = t + 1") < back.index("v = hs[k]")


@pytest.mark.parametrize("name", ["ema", "ema_increment"])
def test_an_adjoint_of_values_carried_row_by_row_is_not_written_into(name):
    """`s_bar = 2.0 * s` (every value of s summed after the loop): the EMA's backward step reads
    `s_bar[t] + s_bar_row` and carries what it adds into the step before as `s_bar_row`, writing
    into no array but the input's adjoint (optimize/adjoint_rows.py)."""
    from benchmarks import variants

    f = getattr(variants, name)
    args = (np.random.default_rng(9).normal(size=30), 0.8)
    text = astgrad.source(f, args=args)
    assert "s_bar_row" in text, text
    for loop in _loops(text, backward=True):
        stored = {n.value.id for n in ast.walk(loop) if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)}
        assert stored == {"x_bar"}, text
    g = grad(f)
    check_grad(f, g, *args)
    check_grad(f, g, *args)
    for a, b in zip(g(*args), grad(f, optimize=False, specialize=False)(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def residuals_named_again(a, b, xs, ys):
    residuals = [a * x + b - y for x, y in zip(xs, ys)]
    named = residuals  # (the list the comprehension appended to, under another name)
    return sum(r * r for r in named) / len(named)


def test_items_of_an_appended_list_read_under_another_name_are_read_again_not_saved():
    xs = [0.1 * i for i in range(30)]
    ys = [2.0 * x + 1.0 for x in xs]
    args = (0.5, 0.2, xs, ys)
    g = grad(residuals_named_again, wrt=(0, 1))
    for _ in range(2):
        check_grad(residuals_named_again, g, *args, wrt=(0, 1))
    assert "tape" not in astgrad.source(residuals_named_again, wrt=(0, 1), args=args)


def squares_of_elements(x, a):
    s = 0.0
    for i in range(len(x)):
        s += (a * x[i] - 1.0) ** 2 * x[i]
    return s


def test_a_loop_over_array_elements_that_carries_nothing_saves_nothing(monkeypatch):
    # replay.py declines it (its values are NumPy's scalars); its values are recomputed from the
    # index (seen before batched_loops.py takes the steps at once)
    monkeypatch.setattr(pipeline, "SPECIALISED_PASSES", pipeline.without(pipeline.SPECIALISED_PASSES, "batched loops"))
    x = np.linspace(-1.0, 1.0, 30)
    g = grad(squares_of_elements, wrt=(0, 1))
    for _ in range(2):
        check_grad(squares_of_elements, g, x, 0.7, wrt=(0, 1))
    text = astgrad.source(squares_of_elements, wrt=(0, 1), args=(x, 0.7))
    assert "tape" not in text and "for i in reversed" in text


def scaled_by_the_length_so_far(a, xs):
    ys = [a]
    for i in range(len(xs)):
        ys.append(xs[i] * len(ys))
    return sum(y * y for y in ys)


def scaled_by_the_sum_so_far(x):
    s = np.zeros(x.shape[0])
    total = 0.0
    for t in range(x.shape[0]):
        s[t] = x[t] * x[t]
        m = np.sum(s)
        total = total + m * x[t]
    return total


@pytest.mark.parametrize("specialize", [True, False])
def test_a_list_or_array_the_loop_fills_read_whole_is_saved_not_read_again(specialize):
    # len(ys) and np.sum(s) change from step to step: the backward step needs the value its forward
    # step saw, not the one the filled list or array holds at the end. Derived by hand: ys is
    # [a, 1 x0, 2 x1, ...], so d/dx_i of sum y^2 is 2 (i + 1)^2 x_i and d/da is 2a
    xs = [float(v) for v in np.random.default_rng(3).normal(size=30)]
    g = grad(scaled_by_the_length_so_far, wrt=(0, 1), specialize=specialize)
    for _ in range(2):
        ga, gx = g(0.5, xs)
        assert ga == pytest.approx(1.0) and gx == pytest.approx([2 * (i + 1) ** 2 * x for i, x in enumerate(xs)])
    x = np.random.default_rng(4).normal(size=12)
    h = grad(scaled_by_the_sum_so_far, specialize=specialize)
    for _ in range(2):
        check_grad(scaled_by_the_sum_so_far, h, x)
