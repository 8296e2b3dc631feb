"""Loop-heavy workloads for the compiled gradient (`grad(f, jit=True)`, astgrad/jit/compiler.py): plain
Python loops over floats and array elements, as a numba user writes them. astgrad reads their
source; numba compiles `f` itself for the comparison."""

from __future__ import annotations

import math

import numpy as np


def pendulum(theta0, omega0, g, dt):
    """500 steps of a semi-implicit Euler pendulum: a scalar ODE integration."""
    theta = theta0
    omega = omega0
    for _ in range(500):
        omega = omega - dt * g * math.sin(theta)
        theta = theta + dt * omega
    return theta * theta + 0.1 * omega * omega


def ema(x, alpha):
    """An exponential moving average written with `s[t] = ...`."""
    n = x.shape[0]
    s = np.zeros(n)
    s[0] = x[0]
    for t in range(1, n):
        s[t] = alpha * x[t] + (1.0 - alpha) * s[t - 1]
    return np.sum(s * s)


def conv1d(x, w):
    """A naive 1-D convolution (valid part), two nested loops."""
    n = x.shape[0]
    k = w.shape[0]
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        acc = 0.0
        for j in range(k):
            acc = acc + w[j] * x[i + j]
        out[i] = acc
    return np.sum(out * out)


def maxpool(x):
    """Max pooling over pairs, naive: a branch per output element."""
    n = x.shape[0] // 2
    out = np.zeros(n)
    for i in range(n):
        a = x[2 * i]
        b = x[2 * i + 1]
        if a > b:
            out[i] = a
        else:
            out[i] = b
    return np.sum(out * out)


def jit_workloads() -> list[tuple[str, object, tuple, tuple, str]]:
    """(name, f, wrt, args, size) of each workload of the compiled-gradient section."""
    from .workloads import branchy, rnn, rnn_args

    rng = np.random.default_rng(0)
    return [
        ("pendulum", pendulum, (0, 1, 2, 3), (0.5, 0.1, 9.81, 0.01), "500 steps"),
        ("ema", ema, (0, 1), (rng.random(2000), 0.1), "2,000 samples"),
        ("conv1d", conv1d, (0, 1), (rng.random(1000), rng.random(9)), "n=1000 k=9"),
        ("maxpool", maxpool, (0,), (rng.random(2000),), "2,000 → 1,000"),
        ("branchy", branchy, (0, 1), (0.3, 0.8), "100 iterations"),
        ("rnn", rnn, (0, 1, 2), rnn_args(rng), "T=50 H=32 I=16"),
    ]
