"""Matrix products as `ndarray.dot` in specialised code (astgrad/specialize/dots.py), only where the value
decides nothing (astgrad/analysis/rounding.py): checked on the generated text, against the general code,
against central differences, and bit for bit against the function where operands are contiguous."""

from __future__ import annotations

import gast
import numpy as np

from astgrad import check_grad, grad, value_and_grad
from astgrad.analysis.rounding import decisive_names
from tests.test_algebra import _agree, _specialised


def rnn(W, U, xs, h):
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h * h)


def _rnn_args(rng):
    return rng.normal(size=(4, 4)) / 2, rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=4)


def two_layers(W, V, x):
    return np.sum(np.tanh(V @ np.tanh(W @ x)))


def test_products_of_free_values_call_dot_and_the_forward_value_is_the_functions():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=3))
    text = _agree(two_layers, args, wrt=(0, 1))
    assert "W.dot(x)" in text and "V.dot(" in text, text  # forward: contiguous operands, the same bits
    assert "_bar.dot(V)" in text, text  # backward
    assert "@" not in text, text
    value, _ = value_and_grad(two_layers, wrt=(0, 1))(*args)
    assert value == two_layers(*args)


def test_a_strided_operand_still_gives_the_gradient():
    """.dot copies a strided W where @ runs its own loop: other roundings, the same gradient."""
    rng = np.random.default_rng(1)
    W, U, xs, h = _rnn_args(rng)
    W = np.repeat(W, 2, axis=1)[:, ::2]
    assert not W.flags.c_contiguous and not W.flags.f_contiguous
    g = grad(rnn, wrt=(0, 1))
    check_grad(rnn, g, W, U, xs, h, wrt=(0, 1))
    value, _ = value_and_grad(rnn, wrt=(0, 1))(W, U, xs, h)
    np.testing.assert_allclose(value, rnn(W, U, xs, h), rtol=1e-14)


def branch_on_product(W, x):
    y = W @ x
    if y[0] > 0.0:
        return np.sum(y * y)
    return np.sum(np.sin(y))


def relu_layer(W, x):
    return np.sum(np.maximum(W @ x, 0.0) ** 2)


def picked(W, x):
    s = W @ x
    i = np.argmax(s)
    return s[i] * np.sum(s)


def test_a_product_that_decides_a_branch_or_an_index_keeps_matmul():
    """The forward's product is the function's, bit for bit, where a branch, the ReLU's
    comparison, or an argmax reads it; the backward's products still call dot."""
    rng = np.random.default_rng(2)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    for f, forward in ((branch_on_product, "y = W @ x"), (relu_layer, "W @ x"), (picked, "s = W @ x")):
        text = _agree(f, (W, x), wrt=0)
        assert forward in text, (f.__name__, text)


def test_integer_and_many_dimensional_products_keep_matmul():
    """`.dot` of 3-d arrays is not matmul's stacked product; integer products are left alone."""
    rng = np.random.default_rng(3)

    def stacked(a, b):
        return np.sum(np.sin(a @ b))

    text = _agree(stacked, (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 3))), wrt=(0, 1))
    assert ".dot(" not in text, text

    def weighted(w, M):
        return np.sum((M @ M) * w)

    g = grad(weighted)
    M = rng.integers(-3, 3, size=(3, 3))
    check_grad(weighted, g, rng.normal(size=(3, 3)), M)
    assert "M @ M" in _specialised(g), _specialised(g)


def _decisive(src: str) -> set[str]:
    (fdef,) = gast.parse(src).body
    return decisive_names(fdef, "np")


def test_decisive_names_follow_values_back_from_branches_indices_and_loop_counts():
    src = """
def f(a, b, c, d, e, xs, n):
    t = a * 2.0
    u = np.tanh(t)
    if u > 0.5:
        pass
    v = b.shape[0] + len(c)
    w = xs[int(d)]
    for k in range(n):
        q = np.where(e > 0, w, v)
    z = np.sum(np.exp(c) * b)
    return z
"""
    found = _decisive(src)
    # u decides a branch, through t from a; d an index; n a loop count; e a condition
    assert {"u", "t", "a", "d", "n", "e"} <= found, found
    # shapes and lengths are not values; where's values and continuous results decide nothing
    assert not {"b", "c", "v", "w", "z", "q", "xs"} & found, found


def test_a_value_kept_on_a_list_decides_when_what_is_popped_does():
    src = """
def f(a, b):
    tape = []
    tape.append(a)
    h = tape.pop()
    if h > 0:
        pass
    return b
"""
    assert {"h", "tape", "a"} <= _decisive(src)
    assert "b" not in _decisive(src)


def test_a_divisor_is_free_where_it_is_an_exponential_bound_once_outside_loops_and_branches():
    src = """
def f(x, y, n):
    e = np.exp(x)
    s = np.sum(e)
    q = y / s
    for k in range(n):
        d = np.exp(x)
        r = y / d
    if n > 2:
        b = np.exp(y)
        p = x / b
    try:
        g = np.exp(y)
    except ValueError:
        g = y
    w = x / g
    return q + r + p + w
"""
    found = _decisive(src)
    # s is a sum of an exponential bound once: > 0 whatever its rounding, no pole to fall on;
    # d and b are bound in a loop and a branch, g twice: the divisor may be anything
    assert not {"e", "s"} & found, found
    assert {"d", "b", "g", "n"} <= found, found


def compared_inside(W, x, a, c):
    return np.sum(a * (W @ x > c))


def floored(W, x, a, c):
    return np.sum(a * ((W @ x - c) // 1.0)) + np.sum(a * ((W @ x) % 1.0))


def rooted(W, x, a, c):
    return np.sum(np.sqrt(W @ x - c) * a)


def test_a_product_inside_a_deciding_part_of_a_free_statement_keeps_matmul():
    """The statement's value decides nothing, but its comparison, its floor and remainder, or a
    square root's domain do: the product there is the function's, bit for bit."""
    rng = np.random.default_rng(6)
    W, x, a = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    c = W @ x  # exactly on the boundary: other roundings would take the other side
    for f in (compared_inside, floored, rooted):
        g = grad(f, wrt=2)
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(g(W, x, a, c), grad(f, wrt=2, specialize=False)(W, x, a, c))
        (text,) = g.__astgrad_specializer__.sources.values()
        assert "W @ x" in text and ".dot(" not in text, (f.__name__, text)
