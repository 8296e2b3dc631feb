"""Functions for tests/test_indexed_writers.py: NumPy's indexed writers (np.add.at,
np.subtract.at, np.fill_diagonal) on arrays that depend on the input, as students write them."""

import numpy as np


def embedding_sum(W, x):
    idx = np.array([0, 2, 0, 1, 0])  # row 0 three times: np.add.at accumulates them
    out = np.zeros((3, 2))
    np.add.at(out, idx, x[:, None] * W[:1])
    return np.sum(np.tanh(out) * W)


def softmax_minus_one_hot(S):
    y = np.array([1, 0, 1])
    d = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)
    np.add.at(d, (np.arange(3), y), -1.0)
    return np.sum(d**2 * S)


def repeated_into_active(x):
    a = np.sin(x)
    np.add.at(a, [1, 1, 1, 0], x[:4] ** 2)  # a[1] gets three terms
    return np.sum(a * a * x)


def constant_into_active(x):
    a = x * x
    np.add.at(a, [2, 2], 1.5)
    return np.sum(np.log(a))


def subtracted_at(x):
    a = x * 2.0
    np.subtract.at(a, [0, 0, 1], x[:3] ** 2)
    return np.sum(a * a)


def added_in_a_loop(W, x):
    counts = np.zeros(3)
    for i in range(4):
        np.add.at(counts, [i % 3, 0], W[i] * x[i])
    return np.sum(counts**2)


def diagonal_of_squares(x):
    M = np.outer(x, x)
    np.fill_diagonal(M, x**2)
    return np.sum(np.sin(M) * M)


def zero_diagonal(x):
    M = np.outer(x, x)
    np.fill_diagonal(M, 0.0)
    return np.sum(M * M)


def tall_diagonal(A, s):
    M = A * 1.0
    np.fill_diagonal(M, s)  # wrap=False: only the top square's diagonal
    return np.sum(np.sin(M) * A)


def short_diagonal_values(x):
    M = np.ones((4, 4)) * x[0]
    np.fill_diagonal(M, x[1:3], wrap=False)  # two values for four places: repeated in turn
    return np.sum(M * M * x[3])


def cube_diagonal(x):
    C = np.ones((3, 3, 3)) * x[0]
    np.fill_diagonal(C, x)
    return np.sum(C**3)


def adds_at_an_alias(x):
    a = x * 2.0
    b = a
    np.add.at(a, [0, 0], x[:2])
    return np.sum(b * x)


def adds_at_a_row(X):
    M = X * 2.0
    row = M[0]
    np.add.at(row, [0, 0], X[1, :2])
    return np.sum(M * X)


def fills_a_wrapped_diagonal(x):
    M = np.zeros((5, 2)) + x[0]
    np.fill_diagonal(M, x[1], wrap=True)
    return np.sum(M * M)


def _scatter(buf, v):
    np.add.at(buf, [0, 0], v)
    return np.sum(buf)


def adds_at_a_callers_array(x):
    a = x * 2.0
    s = _scatter(a, x[:2])
    return s + np.sum(a * x)


def added_in_a_branch(x):
    a = x * x
    if x[0] > 0.0:
        np.add.at(a, [1, 1], x[0])
    else:
        np.fill_diagonal(a.reshape(1, -1), x[1])  # (a call's result, not a name: refused)
    return np.sum(a * x)


def added_in_a_branch_only(x):
    a = x * x
    if x[0] > 0.0:
        np.add.at(a, [1, 1], x[0])
    return np.sum(a * x)


# ----- written at an index after a statement whose tangent is another name's (forward mode)


def adds_zero_then_augments(x, v):
    y = x + 0.0  # its tangent is x's tangent itself
    y[1] += v[1]
    return np.sum(y**2)


def multiplies_repeated_indices(x, v):
    y = x + 0.0
    y[[2, 2, 0]] *= v
    return np.sum(y * np.arange(5))


def _same(z):
    return z


def writes_what_a_helper_returned(x, v):
    y = _same(x + 0.0)
    y[2] = v[2]
    return np.sum(y**3)


def broadcasts_then_writes(x, v):
    y = np.broadcast_to(v[0], (5,)) + 0.0  # its tangent a read-only view of v's
    y[1] = x[1]
    return np.sum(y**3 * x)


def copied_over_between(a, arr):
    ys = [a * arr[i] * arr[i] for i in range(len(arr))]
    np.copyto(arr, arr * 2.0)
    return sum(y * arr[i] for i, y in enumerate(ys))


def filled_in_a_loop_between(a, arr):
    total = 0.0
    for i in range(len(arr)):
        total = total + a * arr[i] * arr[i]
        np.put(arr, [i], [arr[i] * 3.0])
    return total * a


def copied_over_after_use(x, c):
    t = np.sum(x * c)
    np.copyto(c, 0.0)
    return t


def scaled_then_copied_over(x, c):
    y = x * c
    np.copyto(c, 0.0)
    return y


def bumped_by_a_put(x, c):
    t = np.sum(x * c)
    np.put(c, [0, 2], [5.0, 7.0])
    return t


def copied_where_positive(x):
    y = np.zeros_like(x) + 0.5 * x
    np.copyto(y, x**2, where=x > 0)
    return np.sum(y * x)


def _set_first(values):
    values[0] = 10.0


def _scale_in_place(a, s):
    a[:] = a * s


def a_helper_writes_into_the_array(x, c):
    y = np.sum(x * c)
    _set_first(c)
    return y + np.sum(x * c)


def a_helper_writes_into_the_list(xs, cs):
    y = sum(a * b for a, b in zip(xs, cs))
    _set_first(cs)
    return y + xs[0] * cs[0]


def a_helper_scales_a_local_array(x, c):
    w = c * 2.0
    y = np.sum(np.sin(x) * w)
    _scale_in_place(w, 3.0)
    return y + np.sum(x * w)


def a_helper_writes_in_the_loop(x, c):
    total = 0.0
    for i in range(len(c)):
        total = total + x[i] * c[i] * c[i]
        _set_first(c)
    return total


def a_row_read_then_copied_over(x, m):
    t = np.sum(x * m[1])
    np.copyto(m[1], 0.0)
    return t
