"""The workloads as the peers run them.

autograd and JAX run each workload's own source with `np` (and `math`) rebound to their NumPy
(`swap`); their arrays are immutable, so the two workloads that write in place (svm: zeroing the
correct-class margins; gmm: filling the lower triangle) are given here in an equivalent pure form,
which tangent-ad gets too. The pure forms compute the same values with the same primitives apart
from the in-place write: svm multiplies by a mask, gmm gathers the triangle from a padded row.
"""

from __future__ import annotations

import math
import types
from typing import Any, Callable

import numpy as np

from .workloads import Workload


def svm_pure(W, X, y, lam):
    scores = X @ W
    n = X.shape[0]
    correct = scores[np.arange(n), y]
    margins = np.maximum(0.0, scores - correct[:, None] + 1.0)
    others = np.arange(W.shape[1])[None, :] != y[:, None]
    return np.sum(margins * others) / n + lam * np.sum(W * W)


def tril_gather(d: int) -> np.ndarray:
    """(d, d) indices into [0, l_k]: p + 1 at the p-th entry of the strict lower triangle
    (column-major, as ADBench fills it), 0 elsewhere. Always NumPy's, whatever `np` the caller sees."""
    cols, rows = np.triu_indices(d, 1)
    index = np.zeros((d, d), dtype=int)
    index[rows, cols] = np.arange(1, rows.shape[0] + 1)
    return index


def gmm_pure(alphas, means, icf, x, wishart_gamma, wishart_m):
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    l = icf[:, d:]
    qdiag = np.exp(q)
    sum_q = np.sum(q, axis=1)
    # L_k[r, c] = l_k[p] for the p-th entry of the strict lower triangle (column-major), else 0:
    # gather from [0, l_k] with index p + 1 inside the triangle and 0 outside it
    L = np.concatenate([np.zeros((k, 1)), l], axis=1)[:, tril_gather(d)]
    Q = qdiag[:, :, None] * np.eye(d) + L
    xc = x[None, :, :] - means[:, None, :]
    z = xc @ np.transpose(Q, (0, 2, 1))
    main = alphas[:, None] + sum_q[:, None] - 0.5 * np.sum(z * z, axis=2)
    mx = np.max(main, axis=0)
    slse = np.sum(mx + np.log(np.sum(np.exp(main - mx), axis=0)))
    amax = np.max(alphas)
    lse_alphas = amax + np.log(np.sum(np.exp(alphas - amax)))
    prior = np.sum(0.5 * wishart_gamma**2 * (np.sum(qdiag**2, axis=1) + np.sum(l**2, axis=1)) - wishart_m * sum_q)
    nw = d + wishart_m + 1
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(1, d + 1):
        log_gamma_d = log_gamma_d + math.lgamma(0.5 * nw + 0.5 * (1 - j))
    c = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2.0)) - log_gamma_d
    const = -0.5 * n * d * math.log(2.0 * math.pi)
    return const + slse - n * lse_alphas + prior - k * c


PURE = {"svm": svm_pure, "gmm": gmm_pure}


def pure(w: Workload) -> Callable:
    """The workload's function without in-place writes (itself where it has none)."""
    return PURE.get(w.f.__name__, w.f)


def math_shim(npmod: Any) -> types.SimpleNamespace:
    """A stand-in for `math` whose functions accept the peer's traced scalars. lgamma, log and pi
    only ever see constants in the workloads, so they stay Python's."""
    return types.SimpleNamespace(
        sin=npmod.sin, cos=npmod.cos, tanh=npmod.tanh, exp=npmod.exp, sqrt=npmod.sqrt,
        log=math.log, lgamma=math.lgamma, pi=math.pi,
    )  # fmt: skip


def swap(f: Callable, npmod: Any) -> Callable:
    """`f` with the names `np` and `math` in its globals rebound to a peer's NumPy."""
    scope = dict(f.__globals__)
    scope["np"] = npmod
    scope["math"] = math_shim(npmod)
    return types.FunctionType(f.__code__, scope, f.__name__, f.__defaults__, f.__closure__)
