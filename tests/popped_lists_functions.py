"""Functions that build lists by appending and read them after (test_popped_lists.py): the
backward pass takes each item's adjoint back off the end of the list's adjoint."""

import numpy as np


def residuals_of_a_fit(a, b, xs, ys):
    residuals = [a * x + b - y for x, y in zip(xs, ys)]
    return sum(r * r for r in residuals) / len(residuals)


def appends_states(W, xs):
    h = np.zeros(W.shape[0])
    hs = []
    for x in xs:
        h = np.tanh(W @ h + x)
        hs.append(h)
    return sum(np.sum(s**2) for s in hs)


def appends_two_per_step(x, n):
    out = []
    for i in range(n):
        out.append(np.sin(x * i))
        out.append(x * x * i)
    total = 0.0
    for v in out:
        total = total + v * v
    return total


def reads_the_last_while_appending(x):
    hs = [x]
    for i in range(5):
        hs.append(np.cos(hs[-1]) * (i + 1.0))
    return hs[-1] * hs[2] + sum(hs)


def appends_in_a_branch(xs):
    kept = []
    for x in xs:
        if x > 0:
            kept.append(x * x)
    return sum(v * 3.0 for v in kept)


def list_of_floats_to_numpy(xs, c):
    out = []
    for x in xs:
        out.append(c * x + x * x)
    return np.sum(np.asarray(out) ** 2)


def adjoint_read_whole_after(x):
    vals = []
    for i in range(4):
        vals.append(x * (i + 1.0))
    first = vals[0]
    rest = vals[1:]
    return first * sum(rest)


def appends_over_a_short_list(xs):
    vs = []
    for x in xs:  # (written out in specialised code: the pops stand in one block)
        vs.append(x**2)
    return np.dot(vs, vs) + vs[0]
