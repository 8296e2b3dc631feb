"""The workloads in PyTorch (float64), line for line the NumPy ones. Imported only when torch is."""

from __future__ import annotations

import math

import torch


def lecture(x1, x2):
    return x1 * x2 + torch.sin(x1)


def hw0(x1, x2, x3, x4, x5, x6):
    u = torch.maximum(x1, x2) * x3 / x4 - (x5 + x6)
    v = torch.log(5 * u) + 1 / 2
    return 1.0 / (1.0 + torch.exp(-v))


def logreg(w, X, y, lam):
    u = X @ w
    p = 1.0 / (1.0 + torch.exp(-y * u))
    L = -torch.mean(torch.log(p))
    return L + lam * torch.sum(w**2)


def mlp(W1, b1, W2, b2, X, y):
    h = torch.clamp(X @ W1 + b1, min=0.0)
    s = h @ W2 + b2
    m = torch.amax(s, dim=1, keepdim=True)
    lse = torch.log(torch.sum(torch.exp(s - m), dim=1)) + m[:, 0]
    n = X.shape[0]
    return torch.mean(lse - s[torch.arange(n), y])


def svm(W, X, y, lam):
    scores = X @ W
    n = X.shape[0]
    correct = scores[torch.arange(n), y]
    margins = torch.clamp(scores - correct[:, None] + 1.0, min=0.0)
    margins[torch.arange(n), y] = 0.0
    return torch.sum(margins) / n + lam * torch.sum(W * W)


def rnn(W, U, b, xs, h0):
    h = h0
    for x in xs:
        h = torch.tanh(W @ h + U @ x + b)
    return torch.sum(h * h)


def branchy(x, a):
    y = x
    for _ in range(100):
        if y > 1.0:
            y = -0.8 * y + a * torch.sin(y)
        elif y < -1.0:
            y = -0.7 * y + a
        else:
            y = a * y * y + 1.3 * y + 0.5
    return y


def gmm(alphas, means, icf, x, wishart_gamma, wishart_m):
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    l = icf[:, d:]
    qdiag = torch.exp(q)
    sum_q = torch.sum(q, dim=1)
    cols, rows = torch.triu_indices(d, d, 1)
    L = torch.zeros((k, d, d), dtype=icf.dtype)
    L[:, rows, cols] = l
    Q = qdiag[:, :, None] * torch.eye(d, dtype=icf.dtype) + L
    xc = x[None, :, :] - means[:, None, :]
    z = xc @ torch.transpose(Q, 1, 2)
    main = alphas[:, None] + sum_q[:, None] - 0.5 * torch.sum(z * z, dim=2)
    mx = torch.amax(main, dim=0)
    slse = torch.sum(mx + torch.log(torch.sum(torch.exp(main - mx), dim=0)))
    amax = torch.amax(alphas)
    lse_alphas = amax + torch.log(torch.sum(torch.exp(alphas - amax)))
    prior = torch.sum(
        0.5 * wishart_gamma**2 * (torch.sum(qdiag**2, dim=1) + torch.sum(l**2, dim=1)) - wishart_m * sum_q
    )
    nw = d + wishart_m + 1
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi)
    for j in range(1, d + 1):
        log_gamma_d = log_gamma_d + math.lgamma(0.5 * nw + 0.5 * (1 - j))
    c = nw * d * (math.log(wishart_gamma) - 0.5 * math.log(2.0)) - log_gamma_d
    const = -0.5 * n * d * math.log(2.0 * math.pi)
    return const + slse - n * lse_alphas + prior - k * c


PORTS = {f.__name__: f for f in (lecture, hw0, logreg, mlp, svm, rnn, branchy, gmm)}
