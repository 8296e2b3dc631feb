"""Functions for the forward-mode, Jacobian, Hessian and custom-rule tests."""

import numpy as np

import astgrad


def lecture(x1, x2):
    return x1 * x2 + np.sin(x1)


def vector_valued(x, A):
    return np.tanh(A @ x) * x[0] + np.sum(x**2)


def two_outputs(x, y):
    return np.stack([x * y, np.sin(x) + y])


def quadratic(x, A, b):
    return 0.5 * x @ A @ x + b @ x


def softmax_cross_entropy(W, x, y):
    s = W @ x
    s = s - np.max(s)
    p = np.exp(s) / np.sum(np.exp(s))
    return -np.log(p[y])


def poly(x):
    return 3.0 * x**4 - 2.0 * x**2 + x


def sin_times_x(x):
    return np.sin(x) * x


def with_aux(w, X):
    r = X @ w
    loss = np.mean(r**2)
    return loss, {"residual": r}


def stopped(x, y):
    return x * astgrad.stop_gradient(y * x)


def softplus(x):
    """A primitive with custom rules (the rules below are used instead of its body)."""
    return np.log1p(np.exp(x))


@astgrad.adjoint(softplus)
def _(y, x):
    x_bar = y_bar / (1.0 + np.exp(-x))  # noqa: F821, F841


@astgrad.tangent(softplus)
def _(y, x):
    y_dot = x_dot / (1.0 + np.exp(-x))  # noqa: F821, F841


def custom_rule_in_loop(x, n):
    h = x
    for _ in range(n):
        h = softplus(h) - 0.5 * h
    return np.sum(h)


def loop_and_branch(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sin(x * i)
        else:
            s = s * 0.9 + x**2
    return np.sum(s)


def dict_params(params, x):
    b, c = params["b"]
    h = np.tanh(params["W"] @ x + b) * c
    return np.sum(h**2)


def looped_sines(x):
    total = 0.0
    for w in [1.0, 2.0, 3.0]:
        total = total + np.sin(w * x)
    return total


_looped_sines_grad = None


def squared_slope(x):
    return _looped_sines_grad(x) ** 2


def _scaled_sine(a, b):
    return np.sin(a) * b


def calls_a_helper(x):
    return _scaled_sine(x, 2.0) * x


def aux_state(W, xs, h):
    for x in xs:
        h = np.tanh(W @ h + x)  # the loop rebinds h: its backward pass restores the earlier ones
    return np.sum(h * h), h


def aux_written(W, xs, h):
    h = h.copy()
    for x in xs:
        h[0] = np.tanh(W[0] @ h + x[0])  # restored in place by the backward pass
    return np.sum(h * h), h


def aux_holds_written(W, xs, h):
    h = h.copy()
    for x in xs:
        h[0] = np.tanh(W[0] @ h + x[0])
    return np.sum(h * h), ({"h": h}, [h[0:2]], 1)  # holding and viewing a state restored in place
