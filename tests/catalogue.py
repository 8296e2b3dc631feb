"""A catalogue of small differentiable functions exercising Python control flow.

Each entry of CATALOGUE is ``(function, cases, wrt, status)``:
  * ``cases`` is a list of argument tuples at which the gradient is checked,
  * ``wrt`` is passed to both ``astgrad.grad`` and ``astgrad.check_grad``,
  * ``status`` is ``"ok"``, or ``"refused: <text>"`` for a construct astgrad refuses on purpose
    (its TransformError must contain the text), or ``"refused at run time: <text>"`` for one it
    refuses by the value an argument has (its ValueError must contain the text).


An entry is split in two (same function, different cases) when some of its cases pass and
others fail. tests/test_catalogue.py marks non-ok entries xfail(strict=True).

Inputs avoid kinks (|x|, max, branch boundaries) by a wide margin so that central
differences are accurate; all arrays are float64.
"""

from __future__ import annotations

import io

import numpy as np

SINK = io.StringIO()


def _a(*v):
    return np.array(v, dtype=float)


def _r(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


X3 = _a(0.5, -1.2, 2.0)
X4 = _a(0.3, 1.7, -0.8, 1.1)
X5 = _a(1.5, -0.4, 0.9, 2.2, -1.3)
X1 = _a(0.7)
X0 = np.zeros(0)
POS4 = _a(0.6, 1.3, 2.1, 0.9)


# =============================================================== if / elif / else


def if_data_scalar(x):
    if x > 0:
        y = x * x
    else:
        y = -3.0 * x
    return y


def if_elif_else_scalar(x):
    if x < -1.0:
        y = np.sin(x)
    elif x < 1.0:
        y = x**3
    else:
        y = np.exp(0.5 * x)
    return y


def if_param_n(x, n):
    if n > 2:
        y = np.sum(x**2)
    else:
        y = np.sum(np.sin(x))
    return y * n


def if_on_sum(x):
    s = np.sum(x)
    if s > 0:
        out = np.sum(x * x) * s
    else:
        out = np.prod(x) + s
    return out


def if_without_else(x):
    y = 2.0 * x
    if x > 1.0:
        y = y * x
    return y + 1.0


def if_nested(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y
    else:
        if y > 0:
            z = x**2 + y
        else:
            z = np.exp(x + y)
    return z


def if_one_branch_var(x, flag):
    if flag:
        t = np.sin(x)
    r = np.cos(x)
    if flag:
        r = r * t
    return np.sum(r)


def if_ternary(x):
    y = x * x if x > 0 else np.sin(x)
    return y * 3.0


def if_ternary_array(x, k):
    w = np.sum(x * x) if k > 1 else np.sum(x)
    return w * k + np.sum(np.tanh(x) if k > 2 else x)


def if_ternary_nested(x):
    return np.exp(x) if x > 1.0 else (x * x if x > -1.0 else -x)


def if_elif_chain_param(x, mode):
    if mode == 0:
        y = np.sum(x)
    elif mode == 1:
        y = np.sum(x * x)
    elif mode == 2:
        y = np.sum(np.sin(x)) * 2.0
    else:
        y = np.sum(np.exp(x))
    return y


def if_bool_ops(x, a, b):
    if a > 0 and b > 0:
        y = x * a * b
    elif a > 0 or not b < 0:
        y = x + a
    else:
        y = x * x
    return np.sum(y)


def if_reassign_both(x):
    y = np.sin(x)
    if np.sum(y) > 0:
        y = y * x
    else:
        y = y + x
    return np.sum(y * y)


def if_chained_compare(x):
    if -1.0 < x < 1.0:
        y = x**3
    else:
        y = x
    return y


# ===================================================== for over range, various forms


def for_range_n(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s


def for_range_len(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i] * (i + 1)
    return s


def for_range_start_stop_step(x):
    s = 0.0
    for i in range(1, len(x), 2):
        s = s + np.sin(x[i])
    return s


def for_range_negative_step(x):
    s = 0.0
    for i in range(len(x) - 1, -1, -1):
        s = s * 0.5 + x[i]
    return s


def for_range_negative_step_by2(x):
    s = 1.0
    for i in range(len(x) - 1, 0, -2):
        s = s * x[i]
    return s


def for_range_runtime_bounds(x, a, b):
    s = 0.0
    for i in range(a, b):
        s = s + x[i] ** 2
    return s


def for_power_loop(x, n):
    s = 1.0
    for _ in range(n):
        s = s * x
    return s


def for_sin_repeated(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y)
    return np.sum(y)


def for_over_rows(A):
    s = 0.0
    for row in A:
        s = s + np.sum(row * row) * np.sum(row)
    return s


def for_over_list(x):
    s = 0.0
    for c in [1.0, -2.0, 0.5]:
        s = s + np.sum(np.sin(c * x))
    return s


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * b
    return s


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v * v * i
    return s


def for_reversed(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.9 + v
    return s


def for_reversed_range(x):
    acc = 1.0
    for i in reversed(range(len(x))):
        acc = acc * 0.5 + np.cos(x[i]) * acc
    return acc


def for_nested(A):
    s = 0.0
    m, n = A.shape
    for i in range(m):
        for j in range(n):
            s = s + A[i, j] * A[i, j] * (i - j)
    return s


def for_nested_triangular(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j]
    return s


def for_accumulate_array(x, n):
    acc = np.zeros_like(x)
    for k in range(n):
        acc = acc + x ** (k + 1) / (k + 1)
    return np.sum(acc)


def for_horner(c, x):
    y = 0.0
    for i in range(len(c)):
        y = y * x + c[i]
    return y


def for_running_product(x):
    p = 1.0
    total = 0.0
    for v in x:
        p = p * v
        total = total + p
    return total


def for_loop_var_after(x):
    s = 0.0
    i = 0
    for i in range(len(x)):
        s = s + x[i]
    return s * i


# ============================================================ while loops


def while_halving(x):
    y = x
    n = 0
    while np.abs(y) > 0.1:
        y = y * 0.5
        n = n + 1
    return y * y + n


def while_newton_sqrt(a):
    x = a
    while np.abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def while_counter(x, n):
    i = 0
    s = x
    while i < n:
        s = np.sin(s) + s
        i += 1
    return s


def while_array(x):
    y = x
    while np.sum(y * y) > 1.0:
        y = y * 0.7
    return np.sum(y**3)


def while_true_break(x):
    y = x
    k = 0
    while True:
        y = np.tanh(y) * 1.5
        k += 1
        if k >= 4:
            break
    return np.sum(y)


def while_data_break(x):
    y = x
    while y < 100.0:
        y = y * 2.0 + 1.0
        if y > 50.0:
            break
    return y


# ====================================================== break / continue / for-else


def for_break(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            break
        s = s + x[i] ** 2
    return s


def for_continue(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        s = s + np.sin(x[i])
    return s


def for_continue_index(x):
    s = 0.0
    for i in range(len(x)):
        if i % 2 == 0:
            continue
        s = s + x[i] * x[i]
    return s


def for_else(x):
    s = 0.0
    for v in x:
        if v > 10.0:
            s = s - v
            break
        s = s + v * v
    else:
        s = s * 2.0
    return s


def for_break_data(x):
    y = x
    for _ in range(20):
        y = y * 1.3
        if y > 5.0:
            break
        y = y + 0.1 * np.sin(y)
    return y * y


def for_continue_data(x):
    s = 0.0
    y = x
    for _ in range(6):
        y = y - 0.5
        if y < 0:
            continue
        s = s + y * y
    return s


def for_else_data(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) + y
        if y > 3.0:
            break
    else:
        y = y * 2.0
    return y


def for_break_nested(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] > 1.5:
                break
            s = s + A[i, j] * (j + 1)
    return s


def for_break_after_update(x, n):
    y = x
    for i in range(10):
        y = np.sin(y) + 0.5 * y
        if i + 1 >= n:
            break
    return np.sum(y)


# ================================================================ early returns


def return_early(x):
    if x < 0:
        return x * x
    return np.sin(x)


def return_three(x, n):
    if n == 0:
        return np.sum(x)
    if n == 1:
        return np.sum(x * x)
    return np.sum(np.exp(x)) * n


def return_in_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i]
        if s > 2.0:
            return s * x[i]
    return s


def return_in_while(x):
    y = x
    while True:
        y = y * 1.5
        if y > 3.0:
            return y * y


def return_in_else(x):
    if x > 0:
        y = np.exp(x)
    else:
        return -x
    return y * x


# =================================================== values overwritten in loops


def rnn_simple(W, x):
    h = np.zeros(W.shape[0])
    for t in range(x.shape[0]):
        h = np.tanh(W @ h + x[t])
    return np.sum(h)


def rnn_full(W, U, b, xs):
    h = np.zeros(W.shape[0])
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum(h * h)


def rnn_rows(W, U, b, xs):
    h = np.zeros(b.shape[0])
    total = 0.0
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
        total = total + np.sum(h)
    return total


def state_grows_from_scalar(c, xs, s):
    """s starts as a number and becomes c's shape: its gradient is summed back to a number
    (a parameter rebound in the loop is not of one shape with what is computed from it)."""
    for x in xs:
        s = s * 0.5 + np.sin(x) * c
    return np.sum(s**2)


def row_read_before_it_is_taken(U, xs, h, x):
    """x is the previous step's row when h reads it: not the row of this step."""
    for k in range(len(xs)):
        h = np.tanh(h + U @ x)
        x = xs[k]
    return np.sum(h**2)


def row_index_rebound(U, xs, h):
    for i in range(len(xs)):
        x = xs[i]
        i = len(xs) - 1 - i
        h = h * 0.5 + U @ x + xs[i] @ U.T
    return np.sum(h**2)


def row_product_compared(U, xs, h, c):
    """U @ x decides the comparison: its bits are the function's."""
    for x in xs:
        h = h * 0.5 + (U @ x > c) * 1.0 + np.where(U @ x > c, U @ x, 0.0)
    return np.sum(h**2)


def row_with_later_cancellation(xs, c, b, s):
    for x in xs:
        s = s * 0.5 - x * c + b  # (s * 0.5 - x * c) first, as written
    return np.sum(s * s)


def list_times_matrix(W):
    v = [1.0, -2.0, 0.5]  # a list operand of @ (NumPy makes it an array)
    return np.sum(np.sin(v @ W))


def scalar_mul_repeated(x, s0):
    s = s0
    for _ in range(5):
        s = s * x
    return s


def loop_two_carried(x):
    a = x
    b = 1.0
    for _ in range(4):
        a, b = np.sin(a) + b, a * b
    return a + b


def loop_overwrite_array(x):
    y = x
    for _ in range(3):
        y = y * y - 0.5 * y
        y = y / (1.0 + np.sum(y * y))
    return np.sum(y)


def loop_logistic_map(x):
    r = 3.2
    for _ in range(20):
        x = r * x * (1.0 - x)
    return x


# ============================================================ in-place writes


def inplace_zeros_setitem(x):
    y = np.zeros(3)
    y[0] = x[0] * x[1]
    y[1] = np.sin(x[2])
    y[2] = x[0]
    return np.sum(y * y)


def inplace_overwrite_same_index(x):
    y = np.zeros(2)
    y[0] = x[0] * 3.0
    y[0] = y[0] * x[1]
    y[1] = y[0] + x[1]
    return np.sum(y**2)


def inplace_augassign(x, v):
    y = np.ones(3)
    y[1] += v
    y[2] *= v
    y = y * x
    return np.sum(y * y)


def inplace_copy_input(x):
    x = x.copy()
    x[0] = x[1] * x[2]
    return np.sum(x * x)


def inplace_np_copy(x, v):
    y = np.copy(x)
    y[1] = v * v
    y[0] += v
    return np.sum(np.sin(y))


def inplace_slice_column(A, v):
    B = np.zeros((4, 3))
    B[1:3, 1] = v
    B[0, :] = A[0]
    B = B + A
    return np.sum(B * B)


def inplace_slice_copy(A, v):
    B = A.copy()
    B[0:2, 2] = v * 2.0
    B[3, 0:2] += v
    return np.sum(B**2)


def inplace_cumsum_loop(x):
    c = np.zeros(len(x))
    c[0] = x[0]
    for i in range(1, len(x)):
        c[i] = c[i - 1] + x[i]
    return np.sum(c * c)


def inplace_fill_loop(x):
    y = np.zeros(len(x))
    for i in range(len(x)):
        y[i] = np.sin(x[i]) * x[i]
    return np.sum(y * y)


def inplace_dp_table(x, y):
    n = len(x)
    m = len(y)
    D = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        D[i, 0] = D[i - 1, 0] + x[i - 1] ** 2
    for j in range(1, m + 1):
        D[0, j] = D[0, j - 1] + y[j - 1] ** 2
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            c = (x[i - 1] - y[j - 1]) ** 2
            D[i, j] = c + 0.5 * (D[i - 1, j] + D[i, j - 1]) + 0.1 * D[i - 1, j - 1]
    return D[n, m]


def inplace_soft_dtw(x, y):
    n = len(x)
    m = len(y)
    R = np.zeros((n + 1, m + 1)) + 1e10
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            c = (x[i - 1] - y[j - 1]) ** 2
            a = R[i - 1, j]
            b = R[i, j - 1]
            d = R[i - 1, j - 1]
            mn = min(min(a, b), d)
            R[i, j] = c + mn - np.log(np.exp(mn - a) + np.exp(mn - b) + np.exp(mn - d))
    return R[n, m]


def inplace_row_loop(A):
    B = np.zeros_like(A)
    for i in range(A.shape[0]):
        B[i] = A[i] * (i + 1.0)
        if i > 0:
            B[i] += B[i - 1]
    return np.sum(B**2)


def inplace_augassign_loop(x, v):
    y = np.zeros(4)
    for i in range(4):
        y[i] += v * i
        y[i] += x[i] * y[i]
    return np.sum(y**2)


def inplace_read_after_write(x):
    y = x.copy()
    z = y * 2.0
    y[0] = 5.0
    return np.sum(y * z)


def inplace_prefix_product(x):
    p = np.ones(len(x) + 1)
    for i in range(len(x)):
        p[i + 1] = p[i] * x[i]
    return np.sum(p)


def inplace_matrix_fill(x):
    n = len(x)
    M = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            M[i, j] = x[i] * x[j] + (1.0 if i == j else 0.0)
    return np.sum(M @ x)


# ================================================ non-differentiable statements


def nondiff_print(x):
    y = np.sin(x)
    print("y is", y, file=SINK)
    return np.sum(y * x)


def nondiff_print_stdout_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] ** 2
        print(i, s, file=SINK)
    return s


def nondiff_assert(x):
    assert x.ndim == 1
    assert len(x) > 0, "empty"
    return np.sum(x**3)


def nondiff_int_arith(x):
    n = len(x)
    k = n // 2 + n % 2 - 1
    m = (k * 3 + 1) // 2
    return x[k] * m + np.sum(x)


def nondiff_isinstance(x):
    if isinstance(x, float):
        y = x * x
    else:
        y = np.sum(x * x)
    return y


def nondiff_constructors(x):
    n = len(x)
    w = np.arange(n) + 1.0
    o = np.ones(n)
    z = np.zeros(n)
    return np.sum(x * w + o * x + z)


def nondiff_comparisons(x):
    pos = np.sum(x > 0)
    big = x > 1.0
    return np.sum(x * x) * pos + np.sum(np.where(big, x, 0.0))


def nondiff_bool_flags(x, a, b):
    ok = a > 0 and not b
    bad = a < 0 or b
    y = x * 2.0
    if ok:
        y = y * y
    if bad:
        y = y + 1.0
    return np.sum(y)


def nondiff_shape_loop(A):
    rows, cols = A.shape
    total = 0.0
    for i in range(rows):
        total = total + np.sum(A[i]) * (cols - i)
    return total


def nondiff_argmax_index(x):
    k = np.argmax(x)
    return x[k] * np.sum(x)


# ================================================= small simulations / scalar code


def piecewise_loop(x):
    s = 0.0
    for i in range(len(x)):
        v = x[i]
        if v < -1.0:
            s = s - v
        elif v < 1.0:
            s = s + v * v
        else:
            s = s + 2.0 * v - 1.0
    return s


def euler_ode(y0, k):
    y = y0
    dt = 0.05
    for _ in range(40):
        y = y + dt * (-k * y + np.sin(y))
    return y


def euler_oscillator(x0, v0, w):
    x = x0
    v = v0
    dt = 0.02
    for _ in range(50):
        a = -w * w * x
        x = x + dt * v
        v = v + dt * a
    return x * x + v


def euler_system(y0, A):
    y = y0
    for _ in range(30):
        y = y + 0.05 * np.tanh(A @ y)
    return np.sum(y**2)


def relu_layers(x, W, n):
    h = x
    for _ in range(n):
        h = W @ h
        h = np.where(h > 0, h, 0.1 * h)
    return np.sum(h)


def scalar_bisection_free(x):
    lo = 0.0
    hi = 4.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if mid * mid < 2.0:
            lo = mid
        else:
            hi = mid
    return x * lo


def clipped_gradient_descent(w0, target):
    w = w0
    for _ in range(10):
        g = 2.0 * (w - target)
        if g > 1.0:
            g = 1.0 + 0.0 * g
        w = w - 0.1 * g
    return w * w


def softmax_loop(z):
    m = np.max(z)
    e = np.exp(z - m)
    s = 0.0
    for v in e:
        s = s + v
    return np.log(s) + m


def max_python_loop(x):
    best = x[0]
    for i in range(1, len(x)):
        if x[i] > best:
            best = x[i]
    return best * best


def abs_python(x):
    s = 0.0
    for v in x:
        s = s + (v if v > 0 else -v)
    return s


# ======================================================= user functions / helpers


def helper_square(v):
    return v * v


def helper_poly(v, a):
    return a * v**3 + v


def helper_pair(v):
    return np.sin(v), np.cos(v)


def call_helper(x):
    return np.sum(helper_square(x) + np.sin(x))


def call_helper_twice(x, a):
    y = helper_poly(x, a)
    return np.sum(helper_poly(y, a))


def call_helper_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(helper_square(x * i))
    return s


def call_helper_tuple(x):
    s, c = helper_pair(x)
    return np.sum(s * c + s)


def nested_def(x):
    def inner(v):
        return np.exp(-v * v)

    return np.sum(inner(x) * x)


def rec_power(x, n):
    if n == 0:
        return 1.0 + 0.0 * x
    return x * rec_power(x, n - 1)


def rec_power_fast(x, n):
    if n == 0:
        return 1.0 + 0.0 * x
    if n % 2 == 0:
        h = rec_power_fast(x, n // 2)
        return h * h
    return x * rec_power_fast(x, n - 1)


def det_minors(A):
    n = A.shape[0]
    if n == 1:
        return A[0, 0]
    total = 0.0
    for j in range(n):
        minor = np.delete(A[1:], j, axis=1)
        total = total + (-1.0) ** j * A[0, j] * det_minors(minor)
    return total


def params_dict_mlp(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    return np.sum(params["W2"] @ h)


def params_dict_loop(params, x):
    h = x
    for k in ["a", "b"]:
        h = np.tanh(params[k] @ h)
    return np.sum(h)


def list_append(x):
    ys = []
    for i in range(3):
        ys.append(x * (i + 1))
    return np.sum(ys[0] * ys[2] + ys[1])


def list_index_literal(x):
    parts = [np.sin(x), np.cos(x), x * x]
    return np.sum(parts[0] * parts[2] + parts[1])


def list_comprehension(x):
    ys = [np.sin(x * k) for k in range(3)]
    return np.sum(ys[1] + ys[2])


def list_sum_builtin(x):
    vals = [x[i] * x[i] for i in range(len(x))]
    return sum(vals)


def list_of_layers(Ws, x):
    h = x
    for W in Ws:
        h = np.tanh(W @ h)
    return np.sum(h)


def tuple_literal_unpack(x):
    a, b = x * 2.0, np.sin(x)
    return np.sum(a * b)


def stack_list(x):
    rows = []
    for i in range(len(x)):
        rows.append(x * x[i])
    M = np.stack(rows)
    return np.sum(M * M)


def builtin_min3(x):
    return min(x[0], x[1], x[2]) * x[1]


def lambda_helper(x):
    f = lambda v: v * v  # noqa: E731
    return np.sum(f(x))


def helper_loop_poly(v, n):
    acc = 0.0
    for k in range(n):
        if k % 2 == 0:
            acc = acc + v ** (k + 1)
        else:
            acc = acc - 0.5 * v ** (k + 1)
    return acc


def helper_scaled(v, scale=2.0, shift=0.0):
    return v * scale + shift


def helper_cell(h, c, x, W):
    z = W @ np.concatenate([h, x])
    c_new = c * 0.5 + np.tanh(z)
    h_new = np.tanh(c_new) * 0.9
    return h_new, c_new


def helper_early(v):
    for i in range(len(v)):
        if v[i] > 1.0:
            return v[i] * v[0]
    return np.sum(v)


def call_helper_with_loop(x):
    return np.sum(helper_loop_poly(x, 4)) + np.sum(helper_loop_poly(x, 0) * x)


def call_helper_keywords(x, s):
    y = helper_scaled(x, shift=s)
    z = helper_scaled(y, scale=s)
    return np.sum(z * z)


def call_helper_cell_loop(W, xs):
    h = np.zeros(2)
    c = np.zeros(2)
    for t in range(len(xs)):
        h, c = helper_cell(h, c, xs[t], W)
    return np.sum(h) + np.sum(c * c)


def call_helper_early_return(x):
    return helper_early(x) * 2.0


def rec_sum_tanh(x, n):
    if n <= 0:
        return np.sum(x)
    y = np.tanh(x)
    if np.sum(y) > 0:
        return rec_sum_tanh(y * 1.1, n - 1)
    return rec_sum_tanh(y - 0.1, n - 1)


def dict_built_inside(x):
    d = {"a": np.sin(x), "b": x * x}
    d["c"] = d["a"] * d["b"]
    return np.sum(d["c"] + d["a"])


def dict_params_accumulate(params, x):
    out = 0.0
    for name in ["w", "v"]:
        out = out + np.sum(params[name] * x) ** 2
    return out + params["s"] * np.sum(x)


def list_overwrite_element(x):
    ys = [x, x * 2.0, np.sin(x)]
    ys[1] = ys[1] * ys[2]
    return np.sum(ys[0] + ys[1])


def list_filter_comprehension(x):
    vals = [np.sin(v) * v for v in x if v > 0]
    return sum(vals)


def list_two_loops(x, n):
    hs = []
    h = x
    for _ in range(n):
        h = np.tanh(h * 1.5 + 0.1)
        hs.append(h)
    total = 0.0
    for h_t in hs:
        total = total + np.sum(h_t * h_t)
    return total


def list_of_params_enumerate(Ws, x):
    s = 0.0
    for i, W in enumerate(Ws):
        s = s + (i + 1.0) * np.sum(np.tanh(W @ x))
    return s


def tuple_params(p, x):
    a, b = p
    return np.sum(np.tanh(a * x + b))


def helper_fill(buf, v):
    buf[0] = v * v
    return buf


def inplace_mask_assign(x):
    y = x * 2.0
    y[y < 0] = 0.0
    return np.sum(y * x)


def inplace_argmax_index(x):
    y = np.zeros(len(x))
    k = np.argmax(x)
    y[k] = x[k] * 3.0
    y[0] += x[1]
    return np.sum(y * y)


def inplace_array_augassign_loop(x):
    acc = np.zeros_like(x)
    for k in range(3):
        acc += x * (k + 1.0)
        acc *= 0.5
    return np.sum(acc * x)


def inplace_view_write(x):
    y = x.copy()
    z = y[1:]
    z[0] = x[0] * 5.0
    return np.sum(y * y)


def inplace_alias_augassign(x):
    acc = np.zeros(3)
    keep = acc
    acc += x
    return np.sum(keep * x)


def alias_augassign_of_a_number(a, x):
    """`s = a; s -= ...` of a number makes a new number: a and s stay apart."""
    s = a
    s -= 0.5 * x
    return s * a + x


def inplace_in_helper(x):
    """Refused: `buf = helper_fill(buf, v)` rebinds buf to the array written into, but nothing
    makes a caller rebind (`y = x * 1.0; helper_fill(y, v)`, where the optimizer may also fold y
    into x itself and write into the caller's array)."""
    buf = np.zeros(2)
    buf = helper_fill(buf, x[0])
    buf[1] = x[1]
    return np.sum(buf * x[:2])


def inplace_2d_rows_recurrence(x, W):
    H = np.zeros((4, 3))
    H[0, :] = x
    for t in range(1, 4):
        H[t, :] = np.tanh(W @ H[t - 1, :]) + H[t - 1, :] * 0.5
    return np.sum(H * H)


def list_same_object_twice(x):
    ys = []
    h = np.sin(x)
    ys.append(h)
    ys.append(h)
    return np.sum(ys[0] * ys[1])


def while_in_for(x):
    s = 0.0
    for i in range(len(x)):
        v = x[i]
        while np.abs(v) > 0.3:
            v = v * 0.6
        s = s + v * (i + 1.0)
    return s


def for_in_while(x, n):
    y = x
    k = 0
    while k < n:
        for j in range(3):
            y = np.sin(y) * (1.0 + 0.1 * j)
        k = k + 1
    return np.sum(y)


def while_continue(x):
    i = 0
    s = 0.0
    while i < len(x):
        i = i + 1
        if x[i - 1] < 0:
            continue
        s = s + x[i - 1] ** 3
    return s


def return_nested_loops(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] ** 2
            if s > 3.0:
                return s * A[i, j]
    return s


def ternary_in_loop(x):
    s = 0.0
    for v in x:
        s = s + (v * v if v > 0 else np.sin(v))
    return s


def nested_def_closure(x, a):
    def scaled(v):
        return np.tanh(a * v)

    y = scaled(x)
    return np.sum(scaled(y) * a)


def nested_def_in_loop_use(x):
    def step(v, k):
        if k % 2 == 0:
            return np.sin(v)
        return v * v

    y = x
    for k in range(4):
        y = step(y, k)
    return np.sum(y)


def nested_def_recursive(x, n):
    def pw(v, m):
        if m == 0:
            return 1.0 + 0.0 * v
        return v * pw(v, m - 1)

    return np.sum(pw(x, n))


# ================================================================== misc numpy mix


def mix_matrix_loop(A, x):
    y = x
    for _ in range(3):
        y = A @ y
        y = y / np.sqrt(np.sum(y * y))
    return y @ A @ y


def mix_power_iteration(A):
    v = np.ones(A.shape[0])
    lam = 0.0
    k = 0
    while k < 15:
        w = A @ v
        lam = np.sum(v * w) / np.sum(v * v)
        v = w / np.sqrt(np.sum(w * w))
        k = k + 1
    return lam


def mix_gram_schmidt(A):
    n = A.shape[1]
    Q = np.zeros_like(A)
    for j in range(n):
        v = A[:, j]
        for i in range(j):
            v = v - np.sum(Q[:, i] * A[:, j]) * Q[:, i]
        Q[:, j] = v / np.sqrt(np.sum(v * v))
    return np.sum(Q * A)


def mix_kahan_sum(x):
    s = 0.0
    c = 0.0
    for v in x:
        y = v - c
        t = s + y
        c = (t - s) - y
        s = t
    return s * s


def mix_bubble_sort_weighted(x):
    y = x.copy()
    n = len(y)
    for i in range(n):
        for j in range(n - 1 - i):
            if y[j] > y[j + 1]:
                t = y[j]
                y[j] = y[j + 1]
                y[j + 1] = t
    w = np.arange(n) + 1.0
    return np.sum(y * w)


def mix_swap_tuple(x):
    a = x[0]
    b = x[1]
    for _ in range(3):
        a, b = b, a * b + 1.0
    return a + b


def mix_augassign_scalar(x):
    s = 1.0
    s += x
    s *= x
    s -= 0.5 * x
    s /= 1.0 + x * x
    s **= 2
    return s


def while_and_condition(x):
    y = x
    i = 0
    while i < 6 and y > 0.5:
        y = y * 0.8 + 0.05 * y * y
        i += 1
    return y * y


def while_not_condition(x, n):
    i = 0
    y = x
    done = n <= 0
    while not done:
        y = np.cos(y) + y
        i = i + 1
        done = i >= n
    return np.sum(y)


def inplace_copy_in_loop(x, v):
    y = x.copy()
    for i in range(len(y)):
        y[i] += v * y[i]
        if i > 0:
            y[i] = y[i] * y[i - 1]
    return np.sum(y)


def mix_while_index(x):
    i = 0
    s = 0.0
    while i < len(x):
        s = s + x[i] * (i + 1)
        i += 2
    return s * s


def mix_mean_var_loop(x):
    n = len(x)
    mean = 0.0
    for v in x:
        mean = mean + v / n
    var = 0.0
    for v in x:
        var = var + (v - mean) ** 2 / n
    return var


def mix_conditional_accum_array(x):
    acc = np.zeros(x.shape[1])
    for row in x:
        if np.sum(row) > 0:
            acc = acc + row * row
        else:
            acc = acc - row
    return np.sum(acc * acc)


def mix_where_in_loop(x):
    y = x
    for _ in range(3):
        y = np.where(y > 0, np.sqrt(y * y + 1.0), y * 0.5)
    return np.sum(y)


def mix_unused_branch_var(x, n):
    if n > 2:
        tmp = np.exp(x)
        y = tmp * 2.0
    else:
        y = x
    return np.sum(y)


def mix_loop_zero_then_use(x, n):
    y = x * 1.0
    for i in range(n):
        if i == 0:
            y = y * y
        else:
            y = y + np.sin(y)
    return np.sum(y)


# ================================================================== CATALOGUE

R33 = _r(1, 3, 3, scale=0.5)
R43 = _r(2, 4, 3)
XS_T = _r(3, 12, 3)
XS_LONG = _r(4, 30, 2, scale=0.8)
W3 = _r(5, 3, 3, scale=0.4)
U32 = _r(6, 3, 2, scale=0.6)
B3 = _r(7, 3, scale=0.3)
A44 = _r(8, 4, 4) + 3.0 * np.eye(4)
SPD = A44 @ A44.T * 0.1

# Constructs astgrad refuses on purpose: status "refused: <text the TransformError must contain>".
WHILE_COUNTER = BREAK_COUNTER = BREAK_MID = NESTED_COUNTER = CONTINUE = FOR_ELSE = ONE_BRANCH = "ok"
SLICE_ALIAS = LAMBDA = MIN3 = "ok"
VIEW_WRITE = "refused: in-place write to `z`, which is a view of `y`"
ALIAS_AUGASSIGN = "refused at run time: in-place write to `acc`, which is shared with `keep`"
NESTED_RECURSION = "refused: a nested function that calls itself is not supported"


def ping_pong_buffers(W, h):
    cur = W @ h
    nxt = np.zeros(3)
    for _ in range(3):
        nxt[:] = np.tanh(cur)
        cur, nxt = nxt, cur  # a swap: neither name holds the other's array
    return np.sum(cur * cur)


def swap_then_write(W, h):
    a = W @ h
    b = np.sin(a)
    a, b = b, a
    a[0] = 0.0
    return np.sum(a * a) + np.sum(b * b * b)


def fibonacci_then_write(W, h):
    a = W @ h
    b = np.cos(a)
    for _ in range(3):
        a, b = b, a + b
    a[0] = 1.0
    return np.sum(a * b)


def chained_alias(W, h):
    y = W @ h
    a = b = y  # noqa: F841 (a is y)
    a[0] = 0.0
    return np.sum(y * y)


def states_hessian(x):
    hs = [x]
    for _k in range(3):
        hs.append(np.tanh(hs[-1] * 0.7))
    return np.sum(hs[-1]) + np.sum(hs[1] * hs[1])


def list_of_lists(x, y):
    m = [[x, y], [y, x]]
    r = m[0]  # a list taken from a list of lists: its items are adjoints other names hold
    a = r[0] * 3.0
    p = y + r[0]
    return np.sum(p * p) + np.sum(a)


def split_rows(x, y):
    hs = np.split(np.concatenate([x, y]), 2)  # a list from NumPy
    a = hs[0] * 3.0
    p = y + hs[0]
    return np.sum(p * p) + np.sum(a)


def comprehension_rows(x, y):
    hs = [x * float(k) for k in range(1, 3)]
    a = hs[0] * 3.0
    p = y + hs[0]
    return np.sum(p * p) + np.sum(a)


def _zero_head(v):
    v[:2] = 0.0


def mask_row_zeroed_by_helper(x):
    mask = np.ones((2, 3))
    _zero_head(mask[0])  # writes into row 0 of mask (a view: not to be copied)
    np.copyto(mask[1, 1:], 0.5)
    mask[1, 2] = 0.0
    return np.sum(x * mask)


def row_read_then_written(w, h):
    h = np.outer(h, h)
    s = np.sum(w * h[0])  # reads row 0 (a view, were it not copied)
    h[0, 0] = np.tanh(s)  # then writes into row 0
    return np.sum(h * h)


def row_read_then_written_once(x):
    h = np.outer(x, x)
    y = x * h[0]  # row 0 as it is before the write below
    h[0, 0] = 3.0
    return np.sum(y) + np.sum(h)


def states_listed(x, y):
    hs = [x]
    for _k in range(3):
        hs.append(np.tanh(hs[-1] * y))
    return np.sum(hs[-1]) + np.sum(hs[1])  # hs[1]'s adjoint (read-only) later has hs[1]'s next one added


def states_sliced(x, y):
    hs = [x]
    for _k in range(3):
        hs.append(np.tanh(hs[-1] * y))
    t = hs[1:3]  # a list's slice: its adjoint is added element by element, not concatenated
    return np.sum(t[0] * t[1]) + np.sum(hs[2])


def list_display_read_twice(x, y):
    hs = [x * 1.0, y * 2.0]
    a = hs[0]
    b = hs[0]
    return np.sum(np.sin(a) * b) + np.sum(a * a)


CATALOGUE = [
    # ---- if / elif / else
    (if_data_scalar, [(1.3,), (-0.7,)], 0, "ok"),
    (if_elif_else_scalar, [(-2.0,), (0.4,), (2.5,)], 0, "ok"),
    (if_param_n, [(X3, 3), (X3, 1)], 0, "ok"),
    (if_on_sum, [(X3,), (-X3 - 1.0,)], 0, "ok"),
    (if_without_else, [(2.0,), (0.3,)], 0, "ok"),
    (if_nested, [(1.0, 2.0), (1.0, -2.0), (-1.0, 2.0), (-1.0, -2.0)], (0, 1), "ok"),
    (if_one_branch_var, [(X3, True)], 0, "ok"),
    (if_one_branch_var, [(X3, False)], 0, ONE_BRANCH),
    (if_ternary, [(1.5,), (-0.5,)], 0, "ok"),
    (if_ternary_array, [(X3, 3), (X3, 2), (X3, 1)], 0, "ok"),
    (if_ternary_nested, [(2.0,), (0.5,), (-2.0,)], 0, "ok"),
    (if_elif_chain_param, [(X3, 0), (X3, 1), (X3, 2), (X3, 7)], 0, "ok"),
    (if_bool_ops, [(X3, 1.0, 2.0), (X3, 1.0, -2.0), (X3, -1.0, -2.0), (X3, -1.0, 2.0)], (0, 1, 2), "ok"),
    (if_reassign_both, [(X3,), (-X3,)], 0, "ok"),
    (if_chained_compare, [(0.5,), (2.0,), (-3.0,)], 0, "ok"),
    # ---- for over range / arrays / lists / zip / enumerate / reversed
    (for_range_n, [(1.5, 0), (1.5, 1), (1.5, 6)], 0, "ok"),
    (for_range_len, [(X0,), (X1,), (X5,)], 0, "ok"),
    (for_range_start_stop_step, [(X1,), (X3,), (X5,)], 0, "ok"),
    (for_range_negative_step, [(X0,), (X1,), (X5,)], 0, "ok"),
    (for_range_negative_step_by2, [(X1,), (X4,), (X5,)], 0, "ok"),
    (for_range_runtime_bounds, [(X5, 1, 4), (X5, 2, 3), (X5, 3, 3)], 0, "ok"),
    (for_power_loop, [(1.3, 0), (1.3, 1), (-0.8, 7)], 0, "ok"),
    (for_sin_repeated, [(X3, 0), (X3, 1), (X3, 10)], 0, "ok"),
    (for_over_rows, [(R43,), (R43[:1],), (np.zeros((0, 3)),)], 0, "ok"),
    (for_over_list, [(X3,)], 0, "ok"),
    (for_zip, [(X3, X3[::-1].copy()), (X1, X1)], (0, 1), "ok"),
    (for_enumerate, [(X5,), (X1,)], 0, "ok"),
    (for_reversed, [(X5,), (X1,)], 0, "ok"),
    (for_reversed_range, [(X5,), (X1,), (X0,)], 0, "ok"),
    (for_nested, [(R43,), (R43[:1, :1],)], 0, "ok"),
    (for_nested_triangular, [(X5,), (X1,)], 0, "ok"),
    (for_accumulate_array, [(POS4, 0), (POS4, 1), (POS4, 5)], 0, "ok"),
    (for_horner, [(X4, 0.7), (X1, 0.7)], (0, 1), "ok"),
    (for_running_product, [(X5,), (X1,)], 0, "ok"),
    (for_loop_var_after, [(X4,), (X1,)], 0, "ok"),
    # ---- while
    (while_halving, [(0.05,)], 0, "ok"),
    (while_halving, [(5.3,), (-2.7,)], 0, WHILE_COUNTER),
    (while_newton_sqrt, [(2.0,), (9.5,), (0.3,)], 0, WHILE_COUNTER),
    (while_counter, [(0.4, 0)], 0, "ok"),
    (while_counter, [(0.4, 1), (0.4, 8)], 0, WHILE_COUNTER),
    (while_array, [(X3 * 0.1,)], 0, "ok"),
    (while_array, [(X3 * 2.0,)], 0, WHILE_COUNTER),
    (while_true_break, [(X3,)], 0, WHILE_COUNTER),
    (while_data_break, [(200.0,)], 0, "ok"),
    (while_data_break, [(0.3,), (7.0,)], 0, WHILE_COUNTER),
    (while_and_condition, [(0.2,)], 0, "ok"),
    (while_and_condition, [(3.0,), (0.7,)], 0, WHILE_COUNTER),
    (while_not_condition, [(X3, 0)], 0, "ok"),
    (while_not_condition, [(X3, 1), (X3, 5)], 0, WHILE_COUNTER),
    (mix_while_index, [(X0,)], 0, "ok"),
    (mix_while_index, [(X5,), (X1,)], 0, WHILE_COUNTER),
    (mix_power_iteration, [(SPD,)], 0, WHILE_COUNTER),
    # ---- break / continue / else
    (for_break, [(POS4,)], 0, "ok"),
    (for_break, [(X5,), (-X5,)], 0, BREAK_MID),
    (for_break_data, [(0.3,), (7.0,)], 0, BREAK_MID),
    (for_continue, [(POS4,)], 0, "ok"),
    (for_continue, [(X5,), (-POS4,)], 0, CONTINUE),
    (for_continue_data, [(4.2,)], 0, "ok"),
    (for_continue_data, [(1.7,), (-1.0,)], 0, CONTINUE),
    (for_continue_index, [(X5,), (X1,)], 0, CONTINUE),
    (for_else, [(X3,), (_a(1.0, 12.0, 2.0),)], 0, FOR_ELSE),
    (for_else_data, [(0.5, 0), (0.5, 2), (2.0, 6)], 0, FOR_ELSE),
    (for_break_nested, [(R43 * 0.1,)], 0, "ok"),
    (for_break_nested, [(R43,)], 0, BREAK_MID),
    (for_break_after_update, [(X3, 20)], 0, "ok"),
    (for_break_after_update, [(X3, 1), (X3, 4)], 0, BREAK_COUNTER),
    # ---- returns
    (return_early, [(-1.5,), (0.8,)], 0, "ok"),
    (return_three, [(X3, 0), (X3, 1), (X3, 2)], 0, "ok"),
    (return_in_loop, [(X0 + 0.0,), (_a(0.1, 0.2),)], 0, "ok"),
    (return_in_loop, [(POS4,)], 0, BREAK_COUNTER),
    (return_in_while, [(0.5,), (4.0,)], 0, WHILE_COUNTER),
    (return_in_else, [(0.9,), (-0.9,)], 0, "ok"),
    # ---- overwritten values / RNN
    (rnn_simple, [(W3, XS_T), (W3, XS_T[:1]), (W3, XS_T[:0])], 0, "ok"),
    (rnn_full, [(W3, U32, B3, XS_LONG)], (0, 1, 2), "ok"),
    (states_listed, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (states_sliced, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (list_display_read_twice, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (list_of_lists, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (mask_row_zeroed_by_helper, [(X3,)], 0, "ok"),
    (row_read_then_written, [(_a(0.3, -0.2, 0.5), _a(1.0, 2.0, -1.5))], (0, 1), "ok"),
    (split_rows, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (comprehension_rows, [(X3, X3 - 0.5)], (0, 1), "ok"),
    (ping_pong_buffers, [(W3, X3)], 0, "ok"),
    (swap_then_write, [(W3, X3)], 0, "ok"),
    (fibonacci_then_write, [(W3, X3)], 0, "ok"),
    (chained_alias, [(W3, X3)], 0, "refused: in-place write to `a`, which is shared with `y`"),
    (rnn_full, [(W3, U32, B3, XS_LONG[:3])], 3, "ok"),
    (rnn_rows, [(W3, U32, B3, XS_LONG), (W3, U32, B3, XS_LONG[:1])], (0, 1, 2), "ok"),
    (state_grows_from_scalar, [(B3, XS_LONG[:, 0], 0.3), (B3[:2], XS_LONG[:4], 0.3)], (0, 2), "ok"),
    (row_read_before_it_is_taken, [(U32, XS_LONG[:6], B3, XS_LONG[7])], (0, 2), "ok"),
    (row_index_rebound, [(U32, XS_LONG[:6], B3)], (0, 1, 2), "ok"),
    (row_product_compared, [(U32, XS_LONG[:6], B3, 0.1)], (0, 2), "ok"),
    (row_with_later_cancellation, [(XS_LONG[:5], B3[:2], B3[1:], XS_LONG[8])], (0, 1, 2, 3), "ok"),
    (list_times_matrix, [(W3,)], 0, "ok"),
    (scalar_mul_repeated, [(1.2, 0.7), (-0.9, 2.0)], (0, 1), "ok"),
    (loop_two_carried, [(0.6,), (-1.1,)], 0, "ok"),
    (loop_overwrite_array, [(X3,), (X1,)], 0, "ok"),
    (loop_logistic_map, [(0.3,), (0.6,)], 0, "ok"),
    # ---- in-place writes
    (inplace_zeros_setitem, [(X3,)], 0, "ok"),
    (inplace_overwrite_same_index, [(_a(0.7, -1.3),)], 0, "ok"),
    (inplace_augassign, [(X3, 0.8), (X3, -1.7)], (0, 1), "ok"),
    (inplace_copy_input, [(X3,), (X5,)], 0, "ok"),
    (inplace_np_copy, [(X3, 0.4)], (0, 1), "ok"),
    (inplace_slice_column, [(R43, 0.6)], (0, 1), "ok"),
    (inplace_slice_column, [(R43, R43[1:3, 0].copy())], (0, 1), SLICE_ALIAS),
    (inplace_slice_copy, [(R43, -0.9)], (0, 1), "ok"),
    (inplace_cumsum_loop, [(X5,), (X1,)], 0, "ok"),
    (inplace_fill_loop, [(X5,), (X0,)], 0, "ok"),
    (inplace_dp_table, [(X3, X4), (X1, X1 + 0.5)], (0, 1), "ok"),
    (inplace_soft_dtw, [(X3, X4 * 0.5)], (0, 1), "ok"),
    (inplace_row_loop, [(R43,), (R43[:1],)], 0, "ok"),
    (inplace_augassign_loop, [(X4, 0.7)], (0, 1), "ok"),
    (inplace_copy_in_loop, [(X4, 0.3), (X1, -0.4)], (0, 1), "ok"),
    (inplace_read_after_write, [(X3,)], 0, "ok"),
    (inplace_prefix_product, [(X5,), (X0,)], 0, "ok"),
    (inplace_matrix_fill, [(X3,)], 0, "ok"),
    # ---- non-differentiable statements
    (nondiff_print, [(X3,)], 0, "ok"),
    (nondiff_print_stdout_loop, [(X3,)], 0, "ok"),
    (nondiff_assert, [(X3,)], 0, "ok"),
    (nondiff_int_arith, [(X5,), (X4,)], 0, "ok"),
    (nondiff_isinstance, [(1.5,), (X3,)], 0, "ok"),
    (nondiff_constructors, [(X4,)], 0, "ok"),
    (nondiff_comparisons, [(X5,)], 0, "ok"),
    (nondiff_bool_flags, [(X3, 1.0, False), (X3, -1.0, True), (X3, 1.0, True)], 0, "ok"),
    (nondiff_shape_loop, [(R43,)], 0, "ok"),
    (nondiff_argmax_index, [(X5,)], 0, "ok"),
    # ---- simulations / scalar code
    (piecewise_loop, [(X5,), (X0,)], 0, "ok"),
    (euler_ode, [(0.8, 1.5), (-2.0, 0.3)], (0, 1), "ok"),
    (euler_oscillator, [(1.0, 0.2, 2.0)], (0, 1, 2), "ok"),
    (euler_system, [(X3, R33)], (0, 1), "ok"),
    (relu_layers, [(X3, R33 + np.eye(3), 0), (X3, R33 + np.eye(3), 3)], (0, 1), "ok"),
    (scalar_bisection_free, [(1.7,)], 0, "ok"),
    (clipped_gradient_descent, [(5.0, 1.0), (0.2, 0.5)], (0, 1), "ok"),
    (softmax_loop, [(X5,)], 0, "ok"),
    (max_python_loop, [(X5,), (X1,)], 0, "ok"),
    (abs_python, [(X5,)], 0, "ok"),
    # ---- helpers, recursion, containers
    (call_helper, [(X3,)], 0, "ok"),
    (call_helper_twice, [(X3 * 0.5, 0.3)], (0, 1), "ok"),
    (call_helper_in_loop, [(X3,)], 0, "ok"),
    (call_helper_tuple, [(X3,)], 0, "ok"),
    (nested_def, [(X3,)], 0, "ok"),
    (rec_power, [(1.3, 0), (1.3, 1), (0.9, 5)], 0, "ok"),
    (rec_power_fast, [(1.1, 0), (1.1, 6), (0.9, 7)], 0, "ok"),
    (det_minors, [(R33 + np.eye(3),), (A44 * 0.3,)], 0, "ok"),
    (params_dict_mlp, [({"W1": R43, "b1": B3[:1].repeat(4), "W2": _r(9, 2, 4)}, X3)], 0, "ok"),
    (params_dict_loop, [({"a": W3, "b": R33}, X3)], 0, "ok"),
    (list_append, [(X3,)], 0, "ok"),
    (list_index_literal, [(X3,)], 0, "ok"),
    (list_comprehension, [(X3,)], 0, "ok"),
    (list_sum_builtin, [(X4,)], 0, "ok"),
    (list_of_layers, [([W3, R33], X3)], (0, 1), "ok"),
    (tuple_literal_unpack, [(X3,)], 0, "ok"),
    (stack_list, [(X3,)], 0, "ok"),
    (lambda_helper, [(X3,)], 0, LAMBDA),
    (builtin_min3, [(X3,)], 0, MIN3),
    (call_helper_with_loop, [(X3,)], 0, "ok"),
    (call_helper_keywords, [(X3, 0.7)], (0, 1), "ok"),
    (call_helper_cell_loop, [(_r(10, 2, 5, scale=0.5), XS_T[:6])], 0, "ok"),
    (call_helper_early_return, [(X3,), (X3 * 0.1,)], 0, "ok"),
    (rec_sum_tanh, [(X3, 0), (X3, 3), (-X3 - 0.5, 3)], 0, "ok"),
    (dict_built_inside, [(X3,)], 0, "ok"),
    (dict_params_accumulate, [({"w": X3, "v": X3[::-1].copy(), "s": 0.4}, X3 * 0.5)], 0, "ok"),
    (list_overwrite_element, [(X3,)], 0, "ok"),
    (list_filter_comprehension, [(X5,)], 0, "ok"),
    (list_two_loops, [(X3, 0), (X3, 1), (X3, 6)], 0, "ok"),
    (list_of_params_enumerate, [([W3, R33, W3.T.copy()], X3)], (0, 1), "ok"),
    (tuple_params, [((0.7, -0.2), X3)], 0, "ok"),
    (inplace_mask_assign, [(X5,)], 0, "ok"),
    (inplace_argmax_index, [(X5,)], 0, "ok"),
    (inplace_array_augassign_loop, [(X3,)], 0, "ok"),
    (inplace_view_write, [(X3,)], 0, VIEW_WRITE),
    (inplace_alias_augassign, [(X3,)], 0, ALIAS_AUGASSIGN),
    (alias_augassign_of_a_number, [(2.0, 3.0), (-0.5, 1.5)], (0, 1), "ok"),
    (inplace_in_helper, [(X3,)], 0, "refused: `helper_fill` writes into its argument `buf`"),
    (inplace_2d_rows_recurrence, [(X3, R33)], (0, 1), SLICE_ALIAS),
    (list_same_object_twice, [(X3,)], 0, "ok"),
    (while_in_for, [(X1 * 0.1,)], 0, "ok"),
    (while_in_for, [(X5,)], 0, WHILE_COUNTER),
    (for_in_while, [(X3, 0)], 0, "ok"),
    (for_in_while, [(X3, 1), (X3, 3)], 0, WHILE_COUNTER),
    (while_continue, [(POS4,)], 0, WHILE_COUNTER),
    (while_continue, [(X5,)], 0, WHILE_COUNTER),
    (return_nested_loops, [(R43 * 0.1,)], 0, "ok"),
    (return_nested_loops, [(R43,)], 0, BREAK_COUNTER),
    (ternary_in_loop, [(X5,)], 0, "ok"),
    (nested_def_closure, [(X3, 0.8)], (0, 1), "ok"),
    (nested_def_in_loop_use, [(X3,)], 0, "ok"),
    (nested_def_recursive, [(X3, 0), (X3, 3)], 0, NESTED_RECURSION),
    # ---- misc
    (mix_matrix_loop, [(SPD, X4)], (0, 1), "ok"),
    (mix_gram_schmidt, [(R43,)], 0, "ok"),
    (mix_kahan_sum, [(X5,)], 0, "ok"),
    (mix_bubble_sort_weighted, [(X5,), (POS4,)], 0, "ok"),
    (mix_swap_tuple, [(_a(0.5, 0.3),)], 0, "ok"),
    (mix_augassign_scalar, [(0.7,), (-1.4,)], 0, "ok"),
    (mix_mean_var_loop, [(X5,)], 0, "ok"),
    (mix_conditional_accum_array, [(R43,)], 0, "ok"),
    (mix_where_in_loop, [(X5,)], 0, "ok"),
    (mix_unused_branch_var, [(X3, 3), (X3, 1)], 0, "ok"),
    (mix_loop_zero_then_use, [(X3 * 0.5, 0), (X3 * 0.5, 1), (X3 * 0.5, 4)], 0, "ok"),
]
