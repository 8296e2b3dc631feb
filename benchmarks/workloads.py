"""The benchmark workloads: each a plain NumPy function (what astgrad differentiates, read from
this file), its hand-written gradient, and the data it runs on.

Every function here is written the way a user would write it. A hand-written gradient takes the
same arguments as its function and returns the gradients of the `wrt` parameters as a tuple, in
order; it uses the same primitives as the function (np.log where the function has np.log, math.sin
where it has math.sin), so that the comparison measures the differentiation, not the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

# --------------------------------------------------------------------------- lecture: f(x1, x2)


def lecture(x1, x2):
    return x1 * x2 + np.sin(x1)


def lecture_grad(x1, x2):
    return x2 + np.cos(x1), x1


# --------------------------------------------------------------------------- HW0


def hw0(x1, x2, x3, x4, x5, x6):
    u = max(x1, x2) * x3 / x4 - (x5 + x6)
    v = np.log(5 * u) + 1 / 2
    return 1.0 / (1.0 + np.exp(-v))


def hw0_grad(x1, x2, x3, x4, x5, x6):
    m = max(x1, x2)
    r = x3 / x4
    u = m * r - (x5 + x6)
    v = np.log(5 * u) + 1 / 2
    s = 1.0 / (1.0 + np.exp(-v))
    u_bar = s * (1.0 - s) / u  # dsigma/dv * dv/du
    m_bar = u_bar * r
    x1_bar = m_bar if x1 > x2 else 0.5 * m_bar if x1 == x2 else 0.0
    x2_bar = m_bar if x2 > x1 else 0.5 * m_bar if x1 == x2 else 0.0
    x3_bar = u_bar * m / x4
    x4_bar = -u_bar * m * r / x4
    return x1_bar, x2_bar, x3_bar, x4_bar, -u_bar, -u_bar


# --------------------------------------------------------------------------- logistic regression


def logreg(w, X, y, lam):
    u = X @ w
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.mean(np.log(p))
    return L + lam * np.sum(w**2)


def logreg_grad(w, X, y, lam):
    u = X @ w
    e = np.exp(-y * u)
    # d(-log p)/du = -(1 - p) y with 1 - p = e / (1 + e)
    u_bar = (-1.0 / u.shape[0]) * y * (e / (1.0 + e))
    return (X.T @ u_bar + (2.0 * lam) * w,)


# --------------------------------------------------------------------------- 2-layer ReLU MLP


def mlp(W1, b1, W2, b2, X, y):
    h = np.maximum(X @ W1 + b1, 0.0)
    s = h @ W2 + b2
    m = np.max(s, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0]
    n = X.shape[0]
    return np.mean(lse - s[np.arange(n), y])


def mlp_grad(W1, b1, W2, b2, X, y):
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    s = h @ W2 + b2
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    n = X.shape[0]
    s_bar = e / (n * np.sum(e, axis=1, keepdims=True))  # softmax / n
    s_bar[np.arange(n), y] -= 1.0 / n
    h_bar = s_bar @ W2.T
    a_bar = h_bar * (a > 0.0)
    return X.T @ a_bar, np.sum(a_bar, axis=0), h.T @ s_bar, np.sum(s_bar, axis=0)


# --------------------------------------------------------------------------- multiclass SVM


def svm(W, X, y, lam):
    scores = X @ W
    n = X.shape[0]
    correct = scores[np.arange(n), y]
    margins = np.maximum(0.0, scores - correct[:, None] + 1.0)
    margins[np.arange(n), y] = 0.0
    return np.sum(margins) / n + lam * np.sum(W * W)


def svm_grad(W, X, y, lam):
    scores = X @ W
    n = X.shape[0]
    rows = np.arange(n)
    margins = scores - scores[rows, y][:, None] + 1.0
    s_bar = (margins > 0.0).astype(float)
    s_bar[rows, y] = 0.0
    s_bar[rows, y] = -np.sum(s_bar, axis=1)
    return (X.T @ s_bar / n + (2.0 * lam) * W,)


# --------------------------------------------------------------------------- RNN


def rnn(W, U, b, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x + b)
    return np.sum(h * h)


def rnn_grad(W, U, b, xs, h0):
    T = xs.shape[0]
    hs = np.empty((T + 1, h0.shape[0]))  # the activations the backward pass needs
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(W @ hs[t] + U @ xs[t] + b)
    # every step's pre-activation adjoint, then the parameter gradients as three matrix products
    a_bar = np.empty((T, h0.shape[0]))
    h_bar = 2.0 * hs[T]
    for t in range(T - 1, -1, -1):
        a_bar[t] = h_bar * (1.0 - hs[t + 1] * hs[t + 1])
        h_bar = W.T @ a_bar[t]
    return a_bar.T @ hs[:T], a_bar.T @ xs, np.sum(a_bar, axis=0)


def rnn_storage_bytes(T: int, hidden: int) -> int:
    """What the hand-written RNN gradient keeps from its forward pass: the activations hs."""
    return (T + 1) * hidden * 8


# --------------------------------------------------------------------------- loops whose length grows


def rnn_dot(W, U, b, xs, h0):
    """The RNN spelled with np.dot and an index loop."""
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(np.dot(W, h) + np.dot(U, xs[t]) + b)
    return np.sum(h * h)


def rnn_filled(W, U, xs, h0):
    """The RNN's states written into a preallocated array, each row once."""
    T = xs.shape[0]
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T)
    return np.sum(hs[T] * hs[T])


def rnn_filled_grad(W, U, xs, h0):
    T = xs.shape[0]
    hs = np.empty((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T)
    a_bar = np.empty((T, h0.shape[0]))
    h_bar = 2.0 * hs[T]
    for t in range(T - 1, -1, -1):
        a_bar[t] = h_bar * (1.0 - hs[t + 1] * hs[t + 1])
        h_bar = a_bar[t] @ W
    return a_bar.T @ hs[:T], a_bar.T @ xs


def ema(x, a):
    """An exponential moving average, element by element into a preallocated array."""
    s = np.zeros(x.shape[0])
    s[0] = x[0]
    for t in range(1, x.shape[0]):
        s[t] = a * s[t - 1] + (1 - a) * x[t]
    return np.sum(s * s)


def ema_grad(x, a):
    T = x.shape[0]
    s = np.zeros(T)
    s[0] = x[0]
    for t in range(1, T):
        s[t] = a * s[t - 1] + (1 - a) * x[t]
    s_bar = 2.0 * s
    x_bar = np.zeros(T)
    a_bar = 0.0
    for t in range(T - 1, 0, -1):
        g = s_bar[t]
        a_bar += g * (s[t - 1] - x[t])
        x_bar[t] = (1 - a) * g
        s_bar[t - 1] += a * g
    x_bar[0] = s_bar[0]
    return x_bar, a_bar


def pendulum(theta, omega, g, dt, steps):
    """Euler steps of a pendulum, on Python floats."""
    for _ in range(steps):
        omega = omega - dt * g * math.sin(theta)
        theta = theta + dt * omega
    return theta * theta + omega


def pendulum_grad(theta, omega, g, dt, steps):
    thetas = []
    for _ in range(steps):
        thetas.append(theta)
        omega = omega - dt * g * math.sin(theta)
        theta = theta + dt * omega
    theta_bar, omega_bar, g_bar = 2.0 * theta, 1.0, 0.0
    for theta in reversed(thetas):
        omega_bar += dt * theta_bar
        g_bar -= dt * math.sin(theta) * omega_bar
        theta_bar -= dt * g * math.cos(theta) * omega_bar
    return theta_bar, omega_bar, g_bar


# --------------------------------------------------------------------------- scalar loop with branches


def branchy(x, a):
    y = x
    for _ in range(100):
        if y > 1.0:
            y = -0.8 * y + a * math.sin(y)
        elif y < -1.0:
            y = -0.7 * y + a
        else:
            y = a * y * y + 1.3 * y + 0.5
    return y


def branchy_grad(x, a):
    ys = []
    y = x
    for _ in range(100):
        ys.append(y)
        if y > 1.0:
            y = -0.8 * y + a * math.sin(y)
        elif y < -1.0:
            y = -0.7 * y + a
        else:
            y = a * y * y + 1.3 * y + 0.5
    y_bar, a_bar = 1.0, 0.0
    for y in reversed(ys):
        if y > 1.0:
            a_bar += y_bar * math.sin(y)
            y_bar = y_bar * (a * math.cos(y) - 0.8)
        elif y < -1.0:
            a_bar += y_bar
            y_bar = -0.7 * y_bar
        else:
            a_bar += y_bar * y * y
            y_bar = y_bar * (2.0 * a * y + 1.3)
    return y_bar, a_bar


# --------------------------------------------------------------------------- ADBench GMM


def gmm(alphas, means, icf, x, wishart_gamma, wishart_m):
    """ADBench's GMM objective: the log-likelihood of x under a mixture of k Gaussians whose
    precision matrices are Q_k^T Q_k with Q_k = diag(exp(q_k)) + L_k (L_k strictly lower
    triangular, filled column by column from icf[k, d:]), plus the log Wishart prior."""
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    l = icf[:, d:]
    qdiag = np.exp(q)
    sum_q = np.sum(q, axis=1)
    cols, rows = np.triu_indices(d, 1)  # (rows, cols) of the strict lower triangle, column-major
    L = np.zeros((k, d, d))
    L[:, rows, cols] = l
    Q = qdiag[:, :, None] * np.eye(d) + L
    xc = x[None, :, :] - means[:, None, :]
    z = xc @ np.transpose(Q, (0, 2, 1))  # z[k, i] = Q_k (x_i - mu_k)
    main = alphas[:, None] + sum_q[:, None] - 0.5 * np.sum(z * z, axis=2)
    mx = np.max(main, axis=0)
    slse = np.sum(mx + np.log(np.sum(np.exp(main - mx), axis=0)))
    amax = np.max(alphas)
    lse_alphas = amax + np.log(np.sum(np.exp(alphas - amax)))
    # log Wishart prior, and the constants (which have no gradient)
    prior = np.sum(0.5 * wishart_gamma**2 * (np.sum(qdiag**2, axis=1) + np.sum(l**2, axis=1)) - wishart_m * sum_q)
    nw = d + wishart_m + 1
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(1, d + 1):
        log_gamma_d = log_gamma_d + math.lgamma(0.5 * nw + 0.5 * (1 - j))
    c = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2.0)) - log_gamma_d
    const = -0.5 * n * d * math.log(2.0 * math.pi)
    return const + slse - n * lse_alphas + prior - k * c


def gmm_grad(alphas, means, icf, x, wishart_gamma, wishart_m):
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    l = icf[:, d:]
    qdiag = np.exp(q)
    cols, rows = np.triu_indices(d, 1)
    diag = np.arange(d)
    Q = np.zeros((k, d, d))
    Q[:, rows, cols] = l
    Q[:, diag, diag] = qdiag
    xc = x[None, :, :] - means[:, None, :]
    z = xc @ np.transpose(Q, (0, 2, 1))
    main = alphas[:, None] + np.sum(q, axis=1)[:, None] - 0.5 * np.sum(z * z, axis=2)
    e = np.exp(main - np.max(main, axis=0))
    r = e / np.sum(e, axis=0)  # responsibilities: d slse / d main
    rk = np.sum(r, axis=1)
    ea = np.exp(alphas - np.max(alphas))
    alphas_bar = rk - n * (ea / np.sum(ea))
    z_bar = -r[:, :, None] * z
    Q_bar = np.transpose(z_bar, (0, 2, 1)) @ xc  # Q_bar[k, r, c] = sum_i z_bar[k, i, r] xc[k, i, c]
    means_bar = -(np.sum(z_bar, axis=1)[:, None, :] @ Q)[:, 0, :]
    g2 = wishart_gamma * wishart_gamma
    icf_bar = np.empty_like(icf)
    icf_bar[:, :d] = Q_bar[:, diag, diag] * qdiag + rk[:, None] + g2 * qdiag * qdiag - wishart_m
    icf_bar[:, d:] = Q_bar[:, rows, cols] + g2 * l
    return alphas_bar, means_bar, icf_bar


# --------------------------------------------------------------------------- transformation cost


def long_function(W1, b1, W2, b2, X, y, gamma, beta):
    """A 40-line function (a small network with layer normalisation, a residual block and a
    hinge penalty): what the transformation cost is measured on."""
    n = X.shape[0]
    a1 = X @ W1 + b1
    mu = np.mean(a1, axis=1, keepdims=True)
    centred = a1 - mu
    var = np.mean(centred * centred, axis=1, keepdims=True)
    normed = centred / np.sqrt(var + 1e-5)
    scaled = normed * gamma + beta
    h1 = np.tanh(scaled)
    r = h1 @ W1.T
    r = r * 0.1 + X
    a2 = r @ W1 + b1
    h2 = np.maximum(a2, 0.0) + h1
    total = 0.0
    for j in range(3):
        if j == 1:
            h2 = h2 * 0.5
        else:
            h2 = h2 + 0.1 * np.sin(h2)
        total = total + np.sum(h2) * 1e-3
    s = h2 @ W2 + b2
    m = np.max(s, axis=1, keepdims=True)
    shifted = s - m
    e = np.exp(shifted)
    z = np.sum(e, axis=1, keepdims=True)
    logp = shifted - np.log(z)
    nll = -np.mean(logp[np.arange(n), y])
    p = e / z
    entropy = -np.sum(p * logp) / n
    hinge = np.maximum(0.0, 1.0 - s[np.arange(n), y] + np.max(s, axis=1))
    reg1 = np.sum(W1 * W1)
    reg2 = np.sum(W2**2)
    norm_b = np.sqrt(np.sum(b1 * b1) + np.sum(b2 * b2) + 1e-8)
    penalty = 1e-4 * (reg1 + reg2) + 1e-3 * norm_b
    g = np.sum(gamma * gamma) - 2.0 * np.sum(np.log(np.abs(gamma) + 1.0))
    cos_term = np.mean(np.cos(a1)) * 1e-2
    smooth = np.sum(np.log1p(np.exp(-np.abs(a2)))) / n
    mix = 0.9 * nll + 0.1 * entropy
    mix = mix + np.mean(hinge) * 0.05
    out = mix + penalty + 1e-3 * g + cos_term + 1e-3 * smooth
    return out + total


LONG_WRT = ("W1", "b1", "W2", "b2", "gamma", "beta")


def long_args(rng: np.random.Generator) -> tuple:
    n, d, h, c = 16, 12, 12, 5
    return (
        rng.normal(size=(d, h)) * 0.3,
        rng.normal(size=h) * 0.1,
        rng.normal(size=(h, c)) * 0.3,
        rng.normal(size=c) * 0.1,
        rng.normal(size=(n, d)),
        rng.integers(0, c, size=n),
        1.0 + 0.1 * rng.normal(size=h),
        0.1 * rng.normal(size=h),
    )


# --------------------------------------------------------------------------- the registry


@dataclass
class Workload:
    """One benchmark row. `make_args(rng)` returns the positional arguments of `f` (float64
    arrays or Python numbers); `wrt` names the differentiated parameters; `hand` is the
    hand-written gradient. `scalar` marks scalar workloads (the cheap-gradient target is for
    array workloads). `notes` are printed under the table."""

    name: str
    f: Callable
    hand: Callable
    wrt: tuple[str, ...]
    make_args: Callable[[np.random.Generator], tuple]
    size: str
    scalar: bool = False
    notes: list[str] = field(default_factory=list)

    def wrt_indices(self) -> tuple[int, ...]:
        params = list(self.f.__code__.co_varnames[: self.f.__code__.co_argcount])
        return tuple(params.index(w) for w in self.wrt)


def _lecture_args(rng):
    return (0.7, -1.3)


def _hw0_args(rng):
    return (1.5, 0.7, 2.0, 1.3, 0.1, 0.2)


def logreg_args(rng, n=256, d=32):
    X = rng.normal(size=(n, d))
    y = np.sign(X @ rng.normal(size=d) + 0.5 * rng.normal(size=n))
    return (0.1 * rng.normal(size=d), X, y, 0.01)


def _mlp_args(rng, n=64, d=784, h=128, c=10):
    return (
        rng.normal(size=(d, h)) * np.sqrt(2.0 / d),
        0.01 * rng.normal(size=h),
        rng.normal(size=(h, c)) * np.sqrt(1.0 / h),
        0.01 * rng.normal(size=c),
        rng.random(size=(n, d)),
        rng.integers(0, c, size=n),
    )


def _svm_args(rng, n=128, d=64, c=10):
    return (0.1 * rng.normal(size=(d, c)), rng.normal(size=(n, d)), rng.integers(0, c, size=n), 0.01)


def rnn_args(rng, T=50, hidden=32, inputs=16):
    return (
        rng.normal(size=(hidden, hidden)) / np.sqrt(hidden),
        rng.normal(size=(hidden, inputs)) / np.sqrt(inputs),
        0.1 * rng.normal(size=hidden),
        rng.normal(size=(T, inputs)),
        np.zeros(hidden),
    )


def _branchy_args(rng):
    return (0.3, 0.8)


def _gmm_args(rng, d, k, n):
    return (
        rng.normal(size=k),
        rng.normal(size=(k, d)),
        0.3 * rng.normal(size=(k, d + d * (d - 1) // 2)),
        rng.normal(size=(n, d)),
        1.0,
        0,
    )


WORKLOADS: list[Workload] = [
    Workload("lecture", lecture, lecture_grad, ("x1", "x2"), _lecture_args, "2 scalars", scalar=True),
    Workload("hw0", hw0, hw0_grad, ("x1", "x2", "x3", "x4", "x5", "x6"), _hw0_args, "6 scalars", scalar=True),
    Workload("logreg", logreg, logreg_grad, ("w",), logreg_args, "N=256 D=32"),
    Workload("mlp", mlp, mlp_grad, ("W1", "b1", "W2", "b2"), _mlp_args, "64×784→128→10"),
    Workload("svm", svm, svm_grad, ("W",), _svm_args, "N=128 D=64 C=10"),
    Workload("rnn", rnn, rnn_grad, ("W", "U", "b"), rnn_args, "T=50 H=32 I=16"),
    Workload("branchy", branchy, branchy_grad, ("x", "a"), _branchy_args, "100 iterations", scalar=True),
    Workload(
        "gmm-small", gmm, gmm_grad, ("alphas", "means", "icf"), lambda r: _gmm_args(r, 2, 5, 100), "d=2 k=5 n=100"
    ),
    Workload("gmm", gmm, gmm_grad, ("alphas", "means", "icf"), lambda r: _gmm_args(r, 5, 10, 1000), "d=5 k=10 n=1000"),
]


@dataclass
class LoopWorkload:
    """A workload whose loop length T is a parameter: `make_args(rng, T)`. The scaling report
    (benchmarks/scaling.py) times it and measures its peak memory at growing T."""

    name: str
    f: Callable
    hand: Callable
    wrt: tuple[str, ...]
    make_args: Callable[[np.random.Generator, int], tuple]
    size: str

    def wrt_indices(self) -> tuple[int, ...]:
        params = list(self.f.__code__.co_varnames[: self.f.__code__.co_argcount])
        return tuple(params.index(w) for w in self.wrt)


SCALING_HIDDEN, SCALING_INPUTS = 16, 8


def _loop_rnn_args(rng, T):
    return rnn_args(rng, T=T, hidden=SCALING_HIDDEN, inputs=SCALING_INPUTS)


def _loop_rnn_filled_args(rng, T):
    W, U, _, xs, h0 = _loop_rnn_args(rng, T)
    return W, U, xs, h0


def _ema_args(rng, T):
    return rng.normal(size=T), 0.9


def _pendulum_args(rng, T):
    return 0.3, 0.1, 9.81, 1e-3, T


LOOP_WORKLOADS: list[LoopWorkload] = [
    LoopWorkload("rnn", rnn, rnn_grad, ("W", "U", "b"), _loop_rnn_args, "for x in xs, W @ h, H=16 I=8"),
    LoopWorkload("rnn-dot", rnn_dot, rnn_grad, ("W", "U", "b"), _loop_rnn_args, "np.dot(W, h), xs[t], H=16 I=8"),
    LoopWorkload(
        "rnn-filled", rnn_filled, rnn_filled_grad, ("W", "U"), _loop_rnn_filled_args, "hs[t + 1] = ..., H=16 I=8"
    ),
    LoopWorkload("ema", ema, ema_grad, ("x", "a"), _ema_args, "s[t] = a * s[t - 1] + (1 - a) * x[t]"),
    LoopWorkload(
        "pendulum", pendulum, pendulum_grad, ("theta", "omega", "g"), _pendulum_args, "Euler steps on Python floats"
    ),
]


def by_name(name: str) -> Workload:
    for w in WORKLOADS:
        if w.name == name:
            return w
    raise KeyError(f"no workload {name!r}; have {', '.join(w.name for w in WORKLOADS)}")


def args_for(w: Workload, seed: int = 0) -> tuple[Any, ...]:
    return w.make_args(np.random.default_rng(seed))
