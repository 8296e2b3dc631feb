"""The variant suite: the same computations written the ways users write them.

`python -m benchmarks.variants [--quick] [--check-only] [--only FAMILIES] [--no-jax]` (also a section
of `python -m benchmarks`). Every workload family (an RNN, logistic regression, an MLP, polynomial
least squares, an exponential moving average, a naive 1-D convolution, naive 2×2 max pooling,
Euler steps of a pendulum) comes in at least four spellings: `W @ h`, `np.dot(W, h)`, `h.dot(W.T)`,
`np.matmul`; `for x in xs`, `for t in range(T)` with `xs[t]`, arrays filled in the loop
(`hs[t + 1] = ...`); reductions as methods or functions; parameters as arrays, a dict or a list;
the step in a helper function. CS231n-style naive layers (convolution with padding and stride,
max pooling, `rnn_forward` whose `rnn_step_forward` helper returns `(next_h, cache)`), an LSTM
and a list of `(W, b)` layers complete it.

Every variant has a hand-written NumPy gradient (one per family: spellings of one computation
have one gradient). Before anything is timed the hand-written gradient is checked against
central differences, and astgrad's against both central differences and the hand-written one.
One run reports µs per call of f, the hand-written gradient, astgrad's (specialised: its first
call is made before timing) and, where JAX is installed and runs the same code with `np` bound
to `jax.numpy`, `jax.jit(jax.grad(f))`; then the ratios astgrad/hand, astgrad/f, astgrad/jax.jit
against the targets of issue 17, and the first-call latency (generating and specialising a
gradient) of every variant.
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import statistics
import sys
import time
import types
from dataclasses import dataclass
from typing import Any, Callable

if __name__ == "__main__":  # before NumPy loads its BLAS
    from .threads import limit_threads

    limit_threads([])

import numpy as np  # noqa: E402

from . import timing  # noqa: E402
from .workloads import (  # noqa: E402 (the suite's own workloads are their first spelling)
    ema,
    ema_grad,
    logreg,
    logreg_args,
    logreg_grad,
    mlp,
    pendulum_grad,
    rnn,
    rnn_args,
    rnn_grad,
)

HAND_TARGET = 1.5  # astgrad / hand-written, every variant
GEOMEAN_TARGET = 1.1  # astgrad / hand-written, geometric mean
CHEAP_TARGET = 3.0  # astgrad / f, every variant
FIRST_CALL_TARGET = 0.040  # seconds: grad(f) and its first call, median over the variants


# =========================================================================== RNN (T=50 H=32 I=16)


def rnn_index_dot(W, U, b, xs, h0):
    h = h0
    T = xs.shape[0]
    for t in range(T):
        h = np.tanh(np.dot(W, h) + np.dot(U, xs[t]) + b)
    return np.sum(h * h)


def rnn_filled(W, U, b, xs, h0):
    T = len(xs)
    hs = np.zeros((T + 1, h0.shape[0]))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T + b)
    return np.sum(hs[-1] ** 2)


def rnn_step(h, x, W, U, b):
    return np.tanh(W @ h + U @ x + b)


def rnn_helper(W, U, b, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = rnn_step(h, xs[t], W, U, b)
    return np.sum(h * h)


def rnn_method(W, U, b, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(h.dot(W.T) + x.dot(U.T) + b)
    return (h * h).sum()


# =========================================================================== logistic regression


def logreg_np_dot(w, X, y, lam):
    u = np.dot(X, w)
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.mean(np.log(p))
    return L + lam * np.dot(w, w)


def logreg_method(w, X, y, lam):
    u = X.dot(w)
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.log(p).mean()
    return L + lam * (w**2).sum()


def logreg_matmul(w, X, y, lam):
    n = X.shape[0]
    u = np.matmul(X, w)
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.sum(np.log(p)) / n
    return L + lam * np.sum(w * w)


# =========================================================================== 2-layer MLP


def mlp_dict(params, X, y):
    h = np.maximum(np.dot(X, params["W1"]) + params["b1"], 0.0)
    s = np.dot(h, params["W2"]) + params["b2"]
    m = np.max(s, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0]
    n = X.shape[0]
    return np.mean(lse - s[np.arange(n), y])


def mlp_list(params, X, y):
    W1, b1, W2, b2 = params
    h = np.maximum(X.dot(W1) + b1, 0.0)
    s = h.dot(W2) + b2
    m = s.max(axis=1, keepdims=True)
    lse = np.log(np.exp(s - m).sum(axis=1)) + m[:, 0]
    n = X.shape[0]
    return (lse - s[np.arange(n), y]).mean()


def mlp_matmul(W1, b1, W2, b2, X, y):
    n = X.shape[0]
    h = np.maximum(np.matmul(X, W1) + b1, 0.0)
    s = np.matmul(h, W2) + b2
    m = np.max(s, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0]
    return np.sum(lse - s[np.arange(n), y]) / n


def mlp_hand(W1, b1, W2, b2, X, y):
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    s = h @ W2 + b2
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    n = X.shape[0]
    s_bar = e / (n * np.sum(e, axis=1, keepdims=True))
    s_bar[np.arange(n), y] -= 1.0 / n
    a_bar = (s_bar @ W2.T) * (a > 0.0)
    return X.T @ a_bar, np.sum(a_bar, axis=0), h.T @ s_bar, np.sum(s_bar, axis=0)


def mlp_dict_hand(params, X, y):
    g = mlp_hand(params["W1"], params["b1"], params["W2"], params["b2"], X, y)
    return (dict(zip(("W1", "b1", "W2", "b2"), g)),)


def mlp_list_hand(params, X, y):
    return (list(mlp_hand(*params, X, y)),)


def mlp_args(rng, n=64, d=100, h=64, c=10):
    return (
        rng.normal(size=(d, h)) * np.sqrt(2.0 / d),
        0.01 * rng.normal(size=h),
        rng.normal(size=(h, c)) * np.sqrt(1.0 / h),
        0.01 * rng.normal(size=c),
        rng.random(size=(n, d)),
        rng.integers(0, c, size=n),
    )


def mlp_dict_args(rng):
    W1, b1, W2, b2, X, y = mlp_args(rng)
    return ({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, y)


def mlp_list_args(rng):
    W1, b1, W2, b2, X, y = mlp_args(rng)
    return ([W1, b1, W2, b2], X, y)


# =========================================================================== polynomial least squares


def poly_range(c, x, y):
    pred = np.zeros_like(x)
    for k in range(c.shape[0]):
        pred = pred + c[k] * x**k
    return np.mean((pred - y) ** 2)


def poly_enumerate(c, x, y):
    pred = np.zeros(x.shape[0])
    for k, ck in enumerate(c):
        pred += ck * x**k
    r = pred - y
    return np.sum(r * r) / len(x)


def poly_powers(c, x, y):
    pred = np.zeros_like(x)
    xk = np.ones_like(x)
    for k in range(len(c)):
        pred = pred + c[k] * xk
        xk = xk * x
    return np.mean(np.square(pred - y))


def poly_horner(c, x, y):
    pred = c[-1] * np.ones_like(x)
    for k in range(len(c) - 2, -1, -1):
        pred = pred * x + c[k]
    return np.mean((pred - y) ** 2)


def poly_hand(c, x, y):
    V = x[:, None] ** np.arange(c.shape[0])
    r = V @ c - y
    return (V.T @ r * (2.0 / x.shape[0]),)


def poly_args(rng, n=200, k=6):
    x = rng.uniform(-1.0, 1.0, size=n)
    return (rng.normal(size=k), x, np.sin(3.0 * x) + 0.1 * rng.normal(size=n))


# =========================================================================== exponential moving average


def ema_increment(x, a):
    s = np.empty_like(x)
    s[0] = x[0]
    for t in range(1, len(x)):
        s[t] = s[t - 1] + (1 - a) * (x[t] - s[t - 1])
    return np.sum(s**2)


def ema_list(x, a):
    s = [x[0]]
    for t in range(1, x.shape[0]):
        s.append(a * s[t - 1] + (1 - a) * x[t])
    s = np.array(s)
    return np.sum(s * s)


def ema_running(x, a):
    m = x[0]
    total = m * m
    for xt in x[1:]:
        m = a * m + (1 - a) * xt
        total = total + m * m
    return total


def ema_args(rng, T=200):
    return rng.normal(size=T), 0.9


# =========================================================================== naive 1-D convolution


def conv1d_sum(x, w):
    k = w.shape[0]
    out = np.zeros(x.shape[0] - k + 1)
    for i in range(out.shape[0]):
        out[i] = np.sum(x[i : i + k] * w)
    return np.sum(out**2)


def conv1d_np_dot(x, w):
    n, k = len(x), len(w)
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        out[i] = np.dot(x[i : i + k], w)
    return np.sum(out * out)


def conv1d_matmul(x, w):
    k = w.shape[0]
    m = x.shape[0] - k + 1
    out = np.empty(m)
    for i in range(m):
        out[i] = x[i : i + k] @ w
    return (out**2).sum()


def conv1d_list(x, w):
    k = len(w)
    outs = []
    for i in range(len(x) - k + 1):
        outs.append((x[i : i + k] * w).sum())
    out = np.array(outs)
    return np.sum(out**2)


def conv1d_hand(x, w):
    """The backward of the naive loop, as its loop: each window's adjoint at its place."""
    k = w.shape[0]
    m = x.shape[0] - k + 1
    out = np.empty(m)
    for i in range(m):
        out[i] = np.sum(x[i : i + k] * w)
    x_bar, w_bar = np.zeros_like(x), np.zeros_like(w)
    for i in range(m):
        g = 2.0 * out[i]
        x_bar[i : i + k] += g * w
        w_bar += g * x[i : i + k]
    return x_bar, w_bar


def conv1d_args(rng, n=200, k=5):
    return rng.normal(size=n), rng.normal(size=k)


# =========================================================================== naive 2x2 max pooling


def pool_np_max(x):
    H, W = x.shape
    out = np.zeros((H // 2, W // 2))
    for i in range(H // 2):
        for j in range(W // 2):
            out[i, j] = np.max(x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2])
    return np.sum(out**2)


def pool_method(x):
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].max()
    return (out * out).sum()


def pool_maximum(x):
    H, W = x.shape
    out = np.zeros((H // 2, W // 2))
    for i in range(H // 2):
        for j in range(W // 2):
            top = np.maximum(x[2 * i, 2 * j], x[2 * i, 2 * j + 1])
            bottom = np.maximum(x[2 * i + 1, 2 * j], x[2 * i + 1, 2 * j + 1])
            out[i, j] = np.maximum(top, bottom)
    return np.sum(out**2)


def pool_reshape(x):
    H, W = x.shape
    out = x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))
    return np.sum(out**2)


def pool_hand(x):
    """The backward of the naive loops, as loops: each window's maximum gets its adjoint."""
    H, W = x.shape
    x_bar = np.zeros_like(x)
    for i in range(H // 2):
        for j in range(W // 2):
            window = x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
            k = np.argmax(window)
            x_bar[2 * i + k // 2, 2 * j + k % 2] = 2.0 * window.flat[k]
    return (x_bar,)


def pool_reshape_hand(x):
    H, W = x.shape
    r = x.reshape(H // 2, 2, W // 2, 2)
    m = r.max(axis=(1, 3))
    mask = r == m[:, None, :, None]
    return ((mask * (2.0 * m)[:, None, :, None]).reshape(H, W),)


def pool_args(rng, n=16):
    return (rng.normal(size=(n, n)),)


# =========================================================================== pendulum, Euler steps


def pendulum_math(theta, omega, g, dt, steps):
    for _ in range(steps):
        omega = omega - dt * g * math.sin(theta)
        theta = theta + dt * omega
    return theta * theta + omega


def pendulum_np(theta, omega, g, dt, steps):
    for _ in range(steps):
        omega = omega - dt * g * np.sin(theta)
        theta = theta + dt * omega
    return theta**2 + omega


def pendulum_augmented(theta, omega, g, dt, steps):
    for step in range(steps):  # noqa: B007 (as users write it)
        omega -= dt * g * math.sin(theta)
        theta += dt * omega
    return theta * theta + omega


def pendulum_step(theta, omega, g, dt):
    omega = omega - dt * g * math.sin(theta)
    return theta + dt * omega, omega


def pendulum_helper(theta, omega, g, dt, steps):
    for _ in range(steps):
        theta, omega = pendulum_step(theta, omega, g, dt)
    return theta * theta + omega


def pendulum_args(rng, steps=200):
    return 0.3, 0.1, 9.81, 1e-2, steps


# =========================================================================== CS231n-style naive layers


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def cs231n_conv(x, w, b, dout, conv_param):
    out, _ = conv_forward_naive(x, w, b, conv_param)
    return np.sum(out * dout)


def cs231n_conv_hand(x, w, b, dout, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(N):  # CS231n's conv_backward_naive: the forward's four loops
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
                    g = dout[n, f, i, j]
                    dw[f] += g * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += g * w[f]
    return dx_pad[:, :, pad : pad + H, pad : pad + W], dw, np.sum(dout, axis=(0, 2, 3))


def cs231n_conv_args(rng):
    x = rng.normal(size=(2, 3, 8, 8))
    w = 0.3 * rng.normal(size=(4, 3, 3, 3))
    b = 0.1 * rng.normal(size=4)
    dout = rng.normal(size=(2, 4, 4, 4))
    return x, w, b, dout, {"stride": 2, "pad": 1}


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw])
    cache = (x, pool_param)
    return out, cache


def cs231n_pool(x, dout, pool_param):
    out, cache = max_pool_forward_naive(x, pool_param)
    return np.sum(out * dout)


def cs231n_pool_hand(x, dout, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):  # CS231n's max_pool_backward_naive: the forward's four loops
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    k = np.argmax(window)
                    dx[n, c, i * stride + k // pw, j * stride + k % pw] += dout[n, c, i, j]
    return (dx,)


def cs231n_pool_args(rng):
    return (
        rng.normal(size=(2, 3, 8, 8)),
        rng.normal(size=(2, 3, 4, 4)),
        {"pool_height": 2, "pool_width": 2, "stride": 2},
    )


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(prev_h.dot(Wh) + x.dot(Wx) + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h = h0
    caches = []
    for t in range(T):
        next_h, cache = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = next_h
        prev_h = next_h
        caches.append(cache)
    return h, caches


def cs231n_rnn(x, h0, Wx, Wh, b, dh):
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    return np.sum(h * dh)


def cs231n_rnn_hand(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    h = np.zeros((N, T + 1, h0.shape[1]))
    h[:, 0] = h0
    for t in range(T):
        h[:, t + 1] = np.tanh(h[:, t] @ Wh + x[:, t] @ Wx + b)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = (dh[:, t] + dprev) * (1.0 - h[:, t + 1] ** 2)
        dWx += x[:, t].T @ da
        dWh += h[:, t].T @ da
        db += da.sum(axis=0)
        dprev = da @ Wh.T
    return dprev, dWx, dWh, db


def cs231n_rnn_args(rng, N=4, T=20, D=8, H=16):
    return (
        rng.normal(size=(N, T, D)),
        rng.normal(size=(N, H)),
        rng.normal(size=(D, H)) / np.sqrt(D),
        rng.normal(size=(H, H)) / np.sqrt(H),
        0.1 * rng.normal(size=H),
        rng.normal(size=(N, T, H)),
    )


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    o = sigmoid(a[:, 2 * H : 3 * H])
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = (x, prev_h, prev_c, i, f, o, g, next_c)
    return next_h, next_c, cache


def lstm(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    prev_h = h0
    prev_c = np.zeros_like(h0)
    h = np.zeros((N, T, h0.shape[1]))
    for t in range(T):
        prev_h, prev_c, _ = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
    return np.sum(h * dh)


def lstm_hand(x, h0, Wx, Wh, b, dh):
    N, T, D = x.shape
    H = h0.shape[1]
    hs, cs, gates = [h0], [np.zeros_like(h0)], []
    for t in range(T):
        a = x[:, t] @ Wx + hs[-1] @ Wh + b
        i, f, o = (1.0 / (1.0 + np.exp(-a[:, k * H : (k + 1) * H])) for k in range(3))
        g = np.tanh(a[:, 3 * H :])
        c = f * cs[-1] + i * g
        hs.append(o * np.tanh(c))
        cs.append(c)
        gates.append((i, f, o, g))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dnext_h, dnext_c = np.zeros_like(h0), np.zeros_like(h0)
    da = np.empty((N, 4 * H))
    for t in range(T - 1, -1, -1):
        i, f, o, g = gates[t]
        tc = np.tanh(cs[t + 1])
        dht = dh[:, t] + dnext_h
        dc = dnext_c + dht * o * (1.0 - tc * tc)
        da[:, :H] = dc * g * i * (1.0 - i)
        da[:, H : 2 * H] = dc * cs[t] * f * (1.0 - f)
        da[:, 2 * H : 3 * H] = dht * tc * o * (1.0 - o)
        da[:, 3 * H :] = dc * i * (1.0 - g * g)
        dnext_c = dc * f
        dnext_h = da @ Wh.T
        dWx += x[:, t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
    return dnext_h, dWx, dWh, db


def lstm_args(rng, N=4, T=20, D=8, H=16):
    return (
        rng.normal(size=(N, T, D)),
        rng.normal(size=(N, H)),
        rng.normal(size=(D, 4 * H)) / np.sqrt(D),
        rng.normal(size=(H, 4 * H)) / np.sqrt(H),
        0.1 * rng.normal(size=4 * H),
        rng.normal(size=(N, T, H)),
    )


def layers_loop(layers, X, y):
    h = X
    for W, b in layers[:-1]:
        h = np.maximum(h @ W + b, 0.0)
    W, b = layers[-1]
    s = h @ W + b
    s = s - np.max(s, axis=1, keepdims=True)
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), y])


def layers_index(layers, X, y):
    h = X
    for i in range(len(layers)):
        W, b = layers[i]
        h = h.dot(W) + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    s = h - h.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -logp[np.arange(X.shape[0]), y].mean()


def layers_hand(layers, X, y):
    hs, acts = [X], []
    h = X
    for k, (W, b) in enumerate(layers):
        a = h @ W + b
        acts.append(a)
        h = np.maximum(a, 0.0) if k < len(layers) - 1 else a
        hs.append(h)
    e = np.exp(h - np.max(h, axis=1, keepdims=True))
    n = X.shape[0]
    g = e / (n * np.sum(e, axis=1, keepdims=True))
    g[np.arange(n), y] -= 1.0 / n
    grads = [None] * len(layers)
    for k in range(len(layers) - 1, -1, -1):
        if k < len(layers) - 1:
            g = g * (acts[k] > 0.0)
        W = layers[k][0]
        grads[k] = (hs[k].T @ g, np.sum(g, axis=0))
        g = g @ W.T
    return (grads,)


def layers_args(rng, sizes=(32, 64, 64, 10), n=64):
    layers = [(rng.normal(size=(a, b)) * np.sqrt(2.0 / a), 0.01 * rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
    return layers, rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)


# =========================================================================== the registry


def layers_dicts(layers, X, y):
    h = X
    for i, p in enumerate(layers):
        h = h @ p["W"] + p["b"]
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    s = h - np.max(h, axis=1, keepdims=True)
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), y])


NUM_LAYERS = 3


def layers_keys(params, X, y):
    # CS231n's FullyConnectedNet: keys built from the layer's number
    h = X
    for i in range(NUM_LAYERS - 1):
        h = np.maximum(0, h @ params["W%d" % (i + 1)] + params["b%d" % (i + 1)])
    scores = h @ params[f"W{NUM_LAYERS}"] + params[f"b{NUM_LAYERS}"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -logp[np.arange(X.shape[0]), y].mean()


class _Net:
    """A model object whose method the gradient's function calls (its helper: `NET.loss(...)`)."""

    def relu_layer(self, h, W, b):
        return np.maximum(h @ W + b, 0.0)

    def loss(self, layers, X, y):
        h = X
        for W, b in layers[:-1]:
            h = self.relu_layer(h, W, b)
        W, b = layers[-1]
        s = h @ W + b
        s = s - np.max(s, axis=1, keepdims=True)
        return -np.mean(s[np.arange(X.shape[0]), y] - np.log(np.sum(np.exp(s), axis=1)))


NET = _Net()


def layers_method(layers, X, y):
    return NET.loss(layers, X, y)


def layers_dicts_args(rng):
    layers, X, y = layers_args(rng)
    return [{"W": W, "b": b} for W, b in layers], X, y


def layers_keys_args(rng):
    layers, X, y = layers_args(rng)
    params = {}
    for i, (W, b) in enumerate(layers):
        params[f"W{i + 1}"], params[f"b{i + 1}"] = W, b
    return params, X, y


def layers_dicts_hand(layers, X, y):
    (grads,) = layers_hand([(p["W"], p["b"]) for p in layers], X, y)
    return ([{"W": gW, "b": gb} for gW, gb in grads],)


def layers_keys_hand(params, X, y):
    n = len(params) // 2
    (grads,) = layers_hand([(params[f"W{i + 1}"], params[f"b{i + 1}"]) for i in range(n)], X, y)
    out = {}
    for i, (gW, gb) in enumerate(grads):
        out[f"W{i + 1}"], out[f"b{i + 1}"] = gW, gb
    return (out,)


# --------------------------------------------------------------------------- a line fit on listed data


def fit_zip(a, b, xs, ys):
    err = 0.0
    for x, y in zip(xs, ys):
        err += (a * x + b - y) ** 2
    return err / len(xs)


def fit_index(a, b, xs, ys):
    n = len(xs)
    err = 0.0
    for i in range(n):
        r = a * xs[i] + b - ys[i]
        err = err + r * r
    return err / n


def fit_pairs(a, b, points):
    total = 0.0
    for x, y in points:
        total = total + (a * x + b - y) ** 2
    return total / len(points)


def fit_made_list(a, b, xs, ys):
    residuals = [a * x + b - y for x, y in zip(xs, ys)]
    return sum(r * r for r in residuals) / len(residuals)


def fit_hand(a, b, xs, ys):
    x, y = np.asarray(xs), np.asarray(ys)
    r = a * x + b - y
    n = len(xs)
    return 2.0 * float(np.dot(r, x)) / n, 2.0 * float(np.sum(r)) / n


def fit_pairs_hand(a, b, points):
    xs, ys = zip(*points)
    return fit_hand(a, b, xs, ys)


def fit_args(rng, n=200):
    xs = [float(v) for v in rng.normal(size=n)]
    return 0.5, 0.2, xs, [2.0 * x + 1.0 + 0.1 * float(e) for x, e in zip(xs, rng.normal(size=n))]


def fit_pairs_args(rng, n=200):
    a, b, xs, ys = fit_args(rng, n)
    return a, b, list(zip(xs, ys))


@dataclass
class Variant:
    family: str
    name: str
    spelling: str
    f: Callable
    hand: Callable
    wrt: tuple[str, ...]
    make_args: Callable[[np.random.Generator], tuple]
    length: str | None = None  # the keyword of make_args that sets the loop length (benchmarks/scaling.py's T)

    def wrt_indices(self) -> tuple[int, ...]:
        params = list(inspect.signature(self.f).parameters)
        return tuple(params.index(w) for w in self.wrt)


def _family(family, hand, wrt, make_args, *spellings, length=None):
    return [
        Variant(family, f.__name__, spelling, f, h or hand, wrt, a or make_args, length)
        for f, spelling, h, a in spellings
    ]


RNN = ("W", "U", "b")
PEND = ("theta", "omega", "g")
VARIANTS: list[Variant] = [
    *_family(
        "rnn T=50 H=32",
        rnn_grad,
        RNN,
        rnn_args,
        (rnn, "`for x in xs`, `W @ h + U @ x`", None, None),
        (rnn_index_dot, "`for t in range(T)`, `np.dot(W, h) + np.dot(U, xs[t])`", None, None),
        (rnn_filled, "preallocated `hs[t + 1] = np.tanh(hs[t] @ W.T + xs[t] @ U.T + b)`", None, None),
        (rnn_helper, "step in a helper, `h = rnn_step(h, xs[t], W, U, b)`", None, None),
        (rnn_method, "`h.dot(W.T) + x.dot(U.T)`, `(h * h).sum()`", None, None),
        length="T",
    ),
    *_family(
        "logreg N=256 D=32",
        logreg_grad,
        ("w",),
        logreg_args,
        (logreg, "`X @ w`, `np.mean`, `np.sum(w**2)`", None, None),
        (logreg_np_dot, "`np.dot(X, w)`, `np.dot(w, w)`", None, None),
        (logreg_method, "`X.dot(w)`, `.mean()`, `(w**2).sum()`", None, None),
        (logreg_matmul, "`np.matmul(X, w)`, `np.sum(...) / n`", None, None),
    ),
    *_family(
        "mlp 64×100→64→10",
        mlp_hand,
        ("W1", "b1", "W2", "b2"),
        mlp_args,
        (mlp, "arrays, `X @ W1`, `np.max`, `np.sum`", None, None),
        (mlp_dict, 'params dict, `np.dot(X, params["W1"])`', mlp_dict_hand, mlp_dict_args),
        (mlp_list, "params list unpacked, `X.dot(W1)`, `.max`, `.sum`, `.mean()`", mlp_list_hand, mlp_list_args),
        (mlp_matmul, "`np.matmul`, `np.sum(...) / n`", None, None),
    ),
    *_family(
        "poly K=6 n=200",
        poly_hand,
        ("c",),
        poly_args,
        (poly_range, "`for k in range(c.shape[0])`, `pred + c[k] * x**k`", None, None),
        (poly_enumerate, "`for k, ck in enumerate(c)`, `pred += ck * x**k`", None, None),
        (poly_powers, "running power `xk = xk * x`", None, None),
        (poly_horner, "Horner, `pred = pred * x + c[k]`", None, None),
    ),
    *_family(
        "ema T=200",
        ema_grad,
        ("x", "a"),
        ema_args,
        (ema, "`s[t] = a * s[t - 1] + (1 - a) * x[t]`", None, None),
        (ema_increment, "`np.empty_like`, `s[t] = s[t - 1] + (1 - a) * (x[t] - s[t - 1])`", None, None),
        (ema_list, "`s.append(...)`, `np.array(s)`", None, None),
        (ema_running, "`for xt in x[1:]`, running scalar and sum", None, None),
        length="T",
    ),
    *_family(
        "conv1d n=200 k=5",
        conv1d_hand,
        ("x", "w"),
        conv1d_args,
        (conv1d_sum, "`out[i] = np.sum(x[i:i + k] * w)`", None, None),
        (conv1d_np_dot, "`out[i] = np.dot(x[i:i + k], w)`", None, None),
        (conv1d_matmul, "`out[i] = x[i:i + k] @ w`, `np.empty`", None, None),
        (conv1d_list, "`outs.append((x[i:i + k] * w).sum())`, `np.array(outs)`", None, None),
        length="n",
    ),
    *_family(
        "maxpool 16×16",
        pool_hand,
        ("x",),
        pool_args,
        (pool_np_max, "two loops, `out[i, j] = np.max(x[2*i:2*i+2, 2*j:2*j+2])`", None, None),
        (pool_method, "two loops, `window.max()`, sizes from `out.shape`", None, None),
        (pool_maximum, "two loops, `np.maximum` of the four elements", None, None),
        (pool_reshape, "`x.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))`", pool_reshape_hand, None),
    ),
    *_family(
        "pendulum 200 steps",
        pendulum_grad,
        PEND,
        pendulum_args,
        (pendulum_math, "`math.sin`, Python floats", None, None),
        (pendulum_np, "`np.sin` on Python floats", None, None),
        (pendulum_augmented, "`omega -= ...; theta += ...`", None, None),
        (pendulum_helper, "`theta, omega = pendulum_step(theta, omega, g, dt)`", None, None),
        length="steps",
    ),
    *_family(
        "cs231n",
        None,
        (),
        None,
        (
            cs231n_conv,
            "`conv_forward_naive` (pad 1, stride 2, returns `(out, cache)`), 2×3×8×8, 4 filters 3×3",
            cs231n_conv_hand,
            cs231n_conv_args,
        ),
        (
            cs231n_pool,
            "`max_pool_forward_naive` (2×2, stride 2, `(out, cache)`), 2×3×8×8",
            cs231n_pool_hand,
            cs231n_pool_args,
        ),
        (
            cs231n_rnn,
            "`rnn_forward`: `next_h, cache = rnn_step_forward(...)`, `h[:, t, :] = next_h`, N=4 T=20 H=16",
            cs231n_rnn_hand,
            cs231n_rnn_args,
        ),
        (
            lstm,
            "LSTM, `lstm_step_forward` helper with `sigmoid`, `h[:, t, :] = ...`, N=4 T=20 H=16",
            lstm_hand,
            lstm_args,
        ),
    ),
    *_family(
        "layers 32→64→64→10",
        layers_hand,
        ("layers",),
        layers_args,
        (layers_loop, "list of `(W, b)`, `for W, b in layers[:-1]`", None, None),
        (layers_index, "list of `(W, b)`, `for i in range(len(layers))`, `.dot`, a branch", None, None),
        (
            layers_dicts,
            'list of `{"W", "b"}` dicts, `for i, p in enumerate(layers)`',
            layers_dicts_hand,
            layers_dicts_args,
        ),
        (
            layers_keys,
            '`params["W%d" % (i + 1)]` over `range(NUM_LAYERS - 1)`, f-string keys',
            layers_keys_hand,
            layers_keys_args,
        ),
        (layers_method, "a global model's method `NET.loss(...)` calling `self.relu_layer`", None, None),
    ),
    *_family(
        "line fit on 200 listed points",
        fit_hand,
        ("a", "b"),
        fit_args,
        (fit_zip, "lists of floats, `for x, y in zip(xs, ys)`, `err += ...`", None, None),
        (fit_index, "lists of floats, `for i in range(n)`, `xs[i]`", None, None),
        (fit_made_list, "a comprehension of residuals, `sum(r * r for r in residuals)`", None, None),
        (fit_pairs, "a list of `(x, y)` tuples", fit_pairs_hand, fit_pairs_args),
    ),
]
_WRT = {
    "layers_keys": ("params",),
    "mlp_dict": ("params",),
    "mlp_list": ("params",),
    "cs231n_conv": ("x", "w", "b"),
    "cs231n_pool": ("x",),
    "cs231n_rnn": ("h0", "Wx", "Wh", "b"),
    "lstm": ("h0", "Wx", "Wh", "b"),
}
_LENGTH = {"cs231n_rnn": "T", "lstm": "T"}  # the loops of the cs231n family whose length grows
for _v in VARIANTS:
    _v.wrt = _WRT.get(_v.name, _v.wrt)
    _v.length = _LENGTH.get(_v.name, _v.length)


# =========================================================================== checks on trees of arrays


def leaves(tree: Any) -> list:
    """The arrays and numbers of a gradient or argument: tuples and lists in order, dicts by key."""
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [x for item in tree for x in leaves(item)]
    return [tree]


def rebuild(tree: Any, values: list) -> Any:
    """`tree` with its leaves replaced, in the order `leaves` lists them."""
    it = iter(values)

    def go(t):
        if isinstance(t, dict):
            return {k: go(t[k]) for k in sorted(t)}
        if isinstance(t, (tuple, list)):
            return type(t)(go(x) for x in t)
        return next(it)

    return go(tree)


def flat_problem(v: Variant, args: tuple, grads: Any) -> str | None:
    """Check a gradient (the wrt arguments' structure) against central differences."""
    idx = v.wrt_indices()
    shapes = [leaves(args[i]) for i in idx]
    flat_args = tuple(x for group in shapes for x in group)
    flat_grads = tuple(np.asarray(g, dtype=float) for g in leaves(grads))
    if len(flat_grads) != len(flat_args):
        return f"{len(flat_grads)} gradient leaves, expected {len(flat_args)}"

    def f_flat(*xs):
        full = list(args)
        at = 0
        for i, group in zip(idx, shapes):
            full[i] = rebuild(args[i], list(xs[at : at + len(group)]))
            at += len(group)
        return v.f(*full)

    return timing.directional_check(f_flat, flat_grads, flat_args, tuple(range(len(flat_args))))


def flat_compare(got: Any, want: Any) -> str | None:
    g, w = leaves(got), leaves(want)
    if len(g) != len(w):
        return f"{len(g)} gradient leaves, expected {len(w)}"
    names = tuple(f"leaf{i}" for i in range(len(w)))
    return timing.compare(
        tuple(np.asarray(x, dtype=float) for x in g), tuple(np.asarray(x, dtype=float) for x in w), names
    )


def gradient_tuple(v: Variant, result: Any) -> Any:
    return result if len(v.wrt) > 1 else (result,)


# =========================================================================== jax.jit of the same code


def _jax():
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def jax_version() -> str | None:
    try:
        import jax  # noqa: F401
    except Exception:
        return None
    import importlib.metadata

    return importlib.metadata.version("jax")


def swapped(f: Callable, npmod: Any, mathmod: Any, scope: dict | None = None) -> Callable:
    """`f` and the module's functions it calls, with `np` and `math` bound to JAX's."""
    if scope is None:
        scope = dict(f.__globals__)
        scope["np"], scope["math"] = npmod, mathmod
        for k, val in list(scope.items()):
            if isinstance(val, types.FunctionType) and val.__globals__ is f.__globals__ and val is not f:
                scope[k] = types.FunctionType(val.__code__, scope, val.__name__, val.__defaults__, val.__closure__)
    return types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)


def jax_gradient(v: Variant, args: tuple) -> Callable:
    """jax.jit(jax.grad(f)) over the wrt arguments; the others are closed over (constants)."""
    jax = _jax()
    import jax.numpy as jnp

    from .ports import math_shim

    fj = swapped(v.f, jnp, math_shim(jnp))
    idx = v.wrt_indices()

    def as_jax(a):
        return jnp.asarray(a) if isinstance(a, np.ndarray) else a

    constants = [jax.tree_util.tree_map(as_jax, a) for a in args]

    def of_wrt(*wrt_args):
        full = list(constants)
        for i, a in zip(idx, wrt_args):
            full[i] = a
        return fj(*full)

    g = jax.jit(jax.grad(of_wrt, argnums=tuple(range(len(idx)))))
    wrt_args = tuple(constants[i] for i in idx)
    return lambda: jax.block_until_ready(g(*wrt_args))


# =========================================================================== one run


@dataclass
class Result:
    v: Variant
    status: str = "ok"
    note: str = ""
    f: float | None = None
    hand: float | None = None
    astgrad: float | None = None
    jax: float | None = None
    jax_note: str = ""
    first_call: float | None = None


def clear_caches() -> None:
    """Forget every gradient astgrad made (per function, per code object, per method, per closure)."""
    import astgrad.api

    for name in ("_cache", "_by_code", "_by_method", "_by_closure"):
        cache = getattr(astgrad.api, name, None)
        if hasattr(cache, "clear"):
            cache.clear()


def first_call_seconds(v: Variant, args: tuple, repeats: int) -> float:
    """grad(f) and its first call (generation and specialisation), caches cleared: the median."""
    import astgrad

    times = []
    for _ in range(repeats):
        clear_caches()
        fn = types.FunctionType(v.f.__code__, v.f.__globals__, v.f.__name__, v.f.__defaults__, v.f.__closure__)
        start = time.perf_counter()
        astgrad.grad(fn, wrt=v.wrt)(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_variant(v: Variant, check_only: bool, target: float, repeats: int, use_jax: bool) -> Result:
    import astgrad

    r = Result(v)
    args = v.make_args(np.random.default_rng(0))
    hand = v.hand(*args)
    hand_g = gradient_tuple(v, hand) if not isinstance(hand, tuple) else hand
    problem = flat_problem(v, args, hand_g)
    if problem:
        r.status, r.note = "hand WRONG", problem
        return r
    try:
        g = astgrad.grad(v.f, wrt=v.wrt if len(v.wrt) > 1 else v.wrt[0])
        got = gradient_tuple(v, g(*args))
    except Exception as exc:
        r.status, r.note = "fail", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return r
    problem = flat_problem(v, args, got) or flat_compare(got, hand_g)
    if problem:
        r.status, r.note = "WRONG", problem
        return r
    failed = list(g.__astgrad_specializer__.failures.values())
    if failed:  # (specialising is an optimisation: on an error the general code runs, right but slow)
        r.status, r.note = "general code", f"specialising failed: {str(failed[0]).splitlines()[0][:200]}"
        return r
    jax_fn = None
    if use_jax:
        try:
            jax_fn = jax_gradient(v, args)
            problem = flat_compare(jax_fn(), hand_g)
            if problem:
                r.jax_note, jax_fn = "WRONG: " + problem, None
        except Exception as exc:
            r.jax_note, jax_fn = f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}", None
    if check_only:
        return r
    r.f = timing.per_call(v.f, args, target, repeats)
    r.hand = timing.per_call(v.hand, args, target, repeats)
    r.astgrad = timing.per_call(g, args, target, repeats)
    if jax_fn is not None:
        r.jax = timing.per_call(jax_fn, (), target, repeats)
    r.first_call = first_call_seconds(v, args, 3 if target < 0.05 else 5)
    return r


def _us(s: float | None) -> str:
    if s is None:
        return ""
    us = s * 1e6
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def _ratio(a: float | None, b: float | None, limit: float | None) -> str:
    if not a or not b:
        return ""
    text = f"{a / b:.2f}"
    return f"**{text}**" if limit is not None and a / b > limit else text


def table(results: list[Result], check_only: bool) -> list[str]:
    if check_only:
        lines = ["| family | variant | spelling | check |", "|---|---|---|---|"]
        for r in results:
            lines.append(f"| {r.v.family} | {r.v.name} | {r.v.spelling} | {r.status} {r.note} |")
        return lines
    lines = [
        "| family | variant | spelling | f µs | hand µs | astgrad µs | jax.jit µs | astgrad/hand | astgrad/f "
        "| astgrad/jax.jit | first call ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.status != "ok":
            lines.append(f"| {r.v.family} | {r.v.name} | {r.v.spelling} | | | {r.status} | | | | | |")
            continue
        jax_cell = _us(r.jax) if r.jax else ("fails" if r.jax_note.startswith("fails") else r.jax_note[:5] or "—")
        lines.append(
            f"| {r.v.family} | {r.v.name} | {r.v.spelling} | {_us(r.f)} | {_us(r.hand)} | {_us(r.astgrad)} | "
            f"{jax_cell} | {_ratio(r.astgrad, r.hand, HAND_TARGET)} | {_ratio(r.astgrad, r.f, CHEAP_TARGET)} | "
            f"{_ratio(r.astgrad, r.jax, 1.0)} | {r.first_call * 1e3:.1f} |"
        )
    return lines


def summary(results: list[Result]) -> tuple[list[str], bool]:
    timed = [r for r in results if r.status == "ok" and r.astgrad]
    out = []
    ok = all(r.status == "ok" for r in results)
    if not timed:
        return out, ok
    hand = [r.astgrad / r.hand for r in timed]
    geo = math.exp(sum(math.log(x) for x in hand) / len(hand))
    out.append(
        f"- geometric mean of astgrad/hand over {len(timed)} variants: **{geo:.2f}** (target ≤ {GEOMEAN_TARGET})"
    )
    slow = [f"{r.v.name} {r.astgrad / r.hand:.2f}" for r in timed if r.astgrad / r.hand > HAND_TARGET]
    out.append(f"- astgrad/hand > {HAND_TARGET}: " + (", ".join(slow) if slow else "none"))
    cheap = [f"{r.v.name} {r.astgrad / r.f:.2f}" for r in timed if r.astgrad / r.f > CHEAP_TARGET]
    out.append(f"- astgrad/f > {CHEAP_TARGET:g}: " + (", ".join(cheap) if cheap else "none"))
    with_jax = [r for r in timed if r.jax]
    slower = [f"{r.v.name} {r.astgrad / r.jax:.2f}" for r in with_jax if r.astgrad > r.jax]
    out.append(
        f"- jax.jit ran {len(with_jax)} of {len(timed)} variants; astgrad slower than jax.jit on: "
        + (", ".join(slower) if slower else "none")
    )
    firsts = sorted(r.first_call for r in timed)
    med = statistics.median(firsts)
    mark = "" if med <= FIRST_CALL_TARGET else " (**over target**)"
    worst = max(timed, key=lambda r: r.first_call)
    out.append(
        f"- first-call latency (grad(f) and its first call, cache cleared, median of 5 per variant): median over the "
        f"variants {med * 1e3:.1f} ms{mark} (target ≤ {FIRST_CALL_TARGET * 1e3:.0f} ms), the longest "
        f"{worst.first_call * 1e3:.1f} ms ({worst.v.name})"
    )
    out.append(
        f"- first-call latency of `long_function` (40-line body): {long_function_first_call() * 1e3:.1f} ms median of 5"
    )
    return out, ok


def long_function_first_call() -> float:
    from .workloads import LONG_WRT, long_args, long_function

    v = Variant("long", "long_function", "", long_function, long_function, LONG_WRT, long_args)
    return first_call_seconds(v, long_args(np.random.default_rng(0)), 5)


def report(
    quick: bool = False, check_only: bool = False, only: list[str] | None = None, use_jax: bool = True, log=None
) -> tuple[list[str], bool]:
    target, repeats = (0.02, 3) if quick else (0.1, 5)
    use_jax = use_jax and jax_version() is not None
    chosen = [v for v in VARIANTS if not only or v.name in only or v.family.split()[0] in only]
    results = []
    for v in chosen:
        results.append(run_variant(v, check_only, target, repeats, use_jax))
        r = results[-1]
        if log:
            log(f"  {v.name:20s} {r.status} {r.note}" + (f" {r.astgrad * 1e6:.1f} µs" if r.astgrad else ""))
    lines = table(results, check_only)
    lines.append("")
    more, ok = summary(results)
    lines += more
    notes = [f"- {r.v.name}: {r.status}: {r.note}" for r in results if r.status != "ok"]
    notes += [f"- {r.v.name} / jax.jit: {r.jax_note}" for r in results if r.jax_note]
    if notes:
        lines += ["", "Notes:", *notes]
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.variants", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short measurements")
    p.add_argument("--check-only", action="store_true", help="check every gradient, time nothing")
    p.add_argument("--only", default="", help="comma-separated variant or family names (rnn, logreg, ...)")
    p.add_argument("--no-jax", action="store_true", help="leave out the jax.jit column")
    opts = p.parse_args(argv)
    only = [n for n in opts.only.split(",") if n]
    print(f"# astgrad variant suite; load average {os.getloadavg()[0]:.2f}")
    print()
    lines, ok = report(
        opts.quick, opts.check_only, only, not opts.no_jax, log=lambda m: print(m, file=sys.stderr, flush=True)
    )
    print("\n".join(lines))
    print()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
