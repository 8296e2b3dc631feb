"""Lists and tuples joined with `+` and repeated with `*`, as users write them (test_sequences.py)."""

import numpy as np


def repeats_a_list(xs):
    zs = xs * 2
    s = 0.0
    for i, z in enumerate(zs):
        s = s + (i + 1) * z * z
    return s


def repeats_from_the_left(xs):
    zs = 3 * xs
    return sum(z**3 for z in zs[1:])


def joins_two_lists(xs, ys):
    zs = xs + ys
    s = 0.0
    for i, z in enumerate(zs):
        s = s + (i + 1) * z * z
    return s


def grows_a_list(x):
    ps = [1.0]
    ps = ps + [x]
    ps = ps + [x * x]
    return ps[1] * ps[2] + ps[0]


def joins_a_constant_first(x):
    ps = [2.0] + [x]
    return ps[0] * ps[1] + ps[1] ** 2


def repeats_a_tuple(x):
    rows = np.array((x,) * 3)
    return np.sum(rows * np.arange(1.0, 4.0))


def states_in_a_loop(W, h):
    hs = [h]
    for _ in range(3):
        h = np.tanh(W @ h)
        hs = hs + [h]
    return sum(np.sum(v**2) for v in hs)


def repeats_by_a_length(xs, h):
    hs = [h] * len(xs)
    total = 0.0
    for x, v in zip(xs, hs):
        total = total + x * np.sum(v**2)
    return total


def joins_comprehensions(xs):
    squares = [x * x for x in xs]
    cubes = [x**3 for x in xs]
    both = squares + cubes
    return sum(both) + both[0] * both[-1]


def rounds_a_list_twice(xs):
    out = list(xs) * 2
    return np.sum(np.array(out) ** 2) + out[-1]


def copies_then_appends(ps):
    qs = ps.copy()  # a list's copy, still a list (not np.copy's array)
    qs.append(ps[0] * 2.0)
    return sum(np.sum(q**2) for q in qs)


def rebuilds_a_list_in_a_loop(xs):
    total = 0.0
    for j in range(2):
        ys = [x * (j + 1) for x in xs]  # made again at each step, then appended to
        for y in ys:
            total = total + y * y
    return total


def dots_a_comprehension(xs):
    rs = [x * 2.0 for x in xs]
    return np.dot(rs, rs)


def hands_an_appended_list_to_numpy(xs):
    vs = []
    for x in xs:
        vs.append(x**2)
    return np.dot(vs, vs) + np.sum(np.outer(vs, xs)) + vs[0]


def layers_with_optional_bias(layers, x):
    for p in layers:
        x = np.tanh(p["W"] @ x)
        if "b" in p:  # (a branch some layers take: the others' adjoint is a container's zero)
            x = x + p["b"]
    return np.sum(x**2)


def slices_then_appends(xs):
    qs = xs[:]  # (a list's slice is a copy: appending to it leaves xs as it is)
    qs.append(xs[0] * 3.0)
    return sum(q * q for q in qs) + len(xs) * xs[-1]


def joins_an_unknown(xs, x):
    rows = np.array(xs + [x])
    return np.sum(rows**2)


# lists of constants in arithmetic with arrays, and lists repeated by counts (must keep working)


def constant_list_times_array(x):
    w = [1.0, 2.0, 3.0]
    return np.sum(x * w) + np.sum(np.tanh(x + [0.5, -0.5, 0.0]))


def presized_list(x):
    out = [0.0] * x.shape[0]
    for i in range(x.shape[0]):
        out[i] = x[i] ** 2
    return sum(out)


def list_plus_array(x):
    ys = [v * 2.0 for v in x]
    return np.sum((ys + x) ** 2)


def states_presized(x, n):
    hs = [None] * n
    for i in range(n):
        hs[i] = x * (i + 1)
    return sum(np.sum(h**2) for h in hs)
