"""Functions differentiated by tests/test_jit.py with jit=True (astgrad reads their source)."""

from __future__ import annotations

import math

import numpy as np

from benchmarks.jit_workloads import conv1d, ema, maxpool  # noqa: F401 (the benchmark's own, tested here)

try:  # (the tests that need numba skip without it; this module imports either way)
    import numba
except ImportError:  # pragma: no cover
    numba = None

GAINS = np.linspace(0.5, 1.5, 6)


def pendulum(theta0, omega0, g, dt):
    theta = theta0
    omega = omega0
    for _ in range(200):
        omega = omega - dt * g * math.sin(theta)
        theta = theta + dt * omega
    return theta * theta + 0.1 * omega * omega


def branchy(x, a):
    y = x
    for _ in range(50):
        if y > 1.0:
            y = -0.8 * y + a * math.sin(y)
        elif y < -1.0:
            y = -0.7 * y + a
        else:
            y = a * y * y + 1.3 * y + 0.5
    return y


def ema_with_aux(x, alpha):
    """The EMA's loss, with its last value and the whole average as aux."""
    n = x.shape[0]
    s = np.zeros(n)
    s[0] = x[0]
    for t in range(1, n):
        s[t] = alpha * x[t] + (1.0 - alpha) * s[t - 1]
    return np.sum(s * s), (s[n - 1], s)


def until_large(x, a):
    y = x
    while y < 100.0:
        y = y * a + 1.0
    return y


def scaled_by_global(x):
    return np.sum(np.sin(x * GAINS))


def rnn(W, U, b, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
    return np.sum(h * h)


if numba is not None:

    @numba.njit
    def compiled_damped(x, k):
        y = 0.0
        for i in range(x.shape[0]):
            y = y * k + math.tanh(x[i])
        return y * y


def int_then_float(x, n):
    y = 0
    for i in range(n):
        if i > 2:
            y = y * x + 0.5
        else:
            y = y + 1
    return y * x


def sorted_weights(x):
    return np.sum(np.sort(x) * np.arange(4.0))


def median_scaled(x):
    return np.median(x) * np.sum(x)


def column_energy(x):
    return np.sum(np.sum(x * x, axis=0) ** 2) + np.sum(np.sum(np.tanh(x), axis=1) ** 2)


def permuted_sine(A):
    """A transpose of three axes: its adjoint transposes back through inverse_axes."""
    B = np.transpose(A, (2, 0, 1))
    return np.sum(np.sin(B) * B[0])


def relu_layer(W, x):
    h = np.maximum(W @ x, 0)  # (ReLU as students write it: max_share in the adjoint)
    return np.sum(h**2) + np.sum(np.maximum(0.0, x))


def standardized(x):
    return np.sum((x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5) * np.arange(x.size).reshape(x.shape))


def swaps_two_entries(x):
    a = x * 1.0
    a[0], a[2] = a[2], a[0]
    return np.sum(a * np.arange(3.0)) + a[0] ** 2


def relu_mlp(W1, W2, X, y):
    """A ReLU network's squared error: np.maximum's derivative is runtime.max_share."""
    h = np.maximum(0, X @ W1)
    p = h @ W2
    return np.mean((p - y) ** 2)


def leaky_and_clipped(z, c):
    """np.maximum, np.minimum and np.fmax of two arrays, and of an array and a number; np.clip
    with a bound of either kind."""
    shares = np.sum(np.maximum(z, 0.1 * z) ** 2 + np.minimum(z, c) * np.minimum(1.0, c) + np.fmax(z, c) ** 3)
    return shares + np.sum(np.clip(z, c - 0.25, 1.0) ** 2)


def hinge_loop(x, m):
    """Builtin max and min of numbers (runtime.select_share)."""
    s = 0.0
    for i in range(x.shape[0]):
        s = s + max(m - x[i], 0.0) + min(x[i], m) ** 2
    return s


def cross_entropy(W, X, y):
    """Softmax cross-entropy with integer labels: `logp[np.arange(n), y]` (runtime.add_at)."""
    z = X @ W
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    n = X.shape[0]
    return -np.mean(logp[np.arange(n), y])


def embedding_lookup(E, idx, w):
    """Rows gathered by an index array, repeats included (runtime.add_at), and by np.take along
    the columns (runtime.untake)."""
    v = E[idx]
    return np.sum(np.tanh(v) * w) + np.sum(np.take(E, idx[0], axis=1) ** 2)


def masked_energy(x):
    """A boolean mask (runtime.add_at at the mask's elements)."""
    return np.sum(x[x > 0.2] ** 2)


def joined(a, b, M):
    """np.concatenate, np.stack, np.hstack and np.vstack of lists of arrays (tuples in the code
    numba compiles), and np.array of lists of numbers."""
    c = np.concatenate([a, b])
    s = np.stack([a, a * b[:3]], axis=1)
    h = np.hstack([a, b])
    v = np.vstack([M, M * a])  # (numba joins arrays of one rank)
    mixed = np.array([[1.0, -1.0], [0.5, 2.0]]) @ M[:, :2]
    return np.sum(c * np.sin(h)) + np.sum(s @ np.array([1.0, 2.0])) + np.sum(v**3) + np.sum(mixed**2)


def gated_rnn(Wz, Wh, xs, h0):
    """A gated recurrent cell on the concatenated state and input: the pair saved on the tape, the
    weights' adjoints summed over the steps (runtime.matmul_left_sum)."""
    h = h0
    for t in range(xs.shape[0]):
        v = np.concatenate([h, xs[t]])
        z = 1.0 / (1.0 + np.exp(-(Wz @ v)))
        h = z * h + (1.0 - z) * np.tanh(Wh @ v)
    return np.sum(h**2)


def norms_and_sorts(W):
    """np.linalg.norm of the whole array and over an axis (runtime.norm_weight), np.sort along one."""
    rows = np.linalg.norm(W, axis=1)
    top = np.sort(W, axis=0)[-1]
    return np.linalg.norm(W) + np.sum(rows**3) + np.sum(top * np.arange(W.shape[1]))


def scattered(x, idx):
    """`y[idx] = x` with a repeated index: the last write stays (runtime.written_part)."""
    y = np.zeros(6)
    y[idx] = x
    return np.sum(y**2 * np.arange(6.0))


def along_axes(X, j, r):
    """np.take_along_axis along each axis, indices repeated (runtime.untake_along_axis)."""
    return np.sum(np.take_along_axis(X, j, axis=1) ** 2) + np.sum(np.sin(np.take_along_axis(X, r, axis=0)))


def traces(a):
    return np.trace(a) ** 2 + 3.0 * np.trace(a, 1) + np.trace(a, -1) * np.sum(a)
