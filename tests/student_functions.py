"""Code as students write it (CS231n layers, a heat-equation step, parameter dicts): issue 14."""

import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, H_out, W_out))
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv_loss(x, w, b):
    return np.sum(conv_forward_naive(x, w, b, {"stride": 1, "pad": 1}) ** 2)


def strided_conv_loss(x, w, b):
    return np.sum(conv_forward_naive(x, w, b, {"stride": 2, "pad": 1}) ** 2)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out = np.zeros((N, C, 1 + (H - ph) // s, 1 + (W - pw) // s))
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    window = x[n, c, i * s : i * s + ph, j * s : j * s + pw]
                    out[n, c, i, j] = np.max(window)
    return out


def conv_pool_loss(x, w, b):
    h = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    p = max_pool_forward_naive(np.tanh(h), {"pool_height": 2, "pool_width": 2, "stride": 2})
    return np.sum(p**2)


def _windows_while(x):
    xp = x * 2.0
    total = 0.0
    i = 0
    while i < len(x) - 1:
        window = xp[i : i + 2]
        total = total + np.sum(np.sin(window))
        i += 1
    return total


def windows_while(x):
    return _windows_while(x) * 3.0


def _windows_branch(x, y):
    xp = np.concatenate([x, y])
    total = 0.0
    for i in range(len(xp) - 1):
        if i % 2 == 0:
            window = xp[i : i + 2]
            total = total + np.prod(window)
    return total


def windows_branch(x, y):
    return _windows_branch(x, y) + np.sum(y)


def rebinds_then_augments(W):
    acc = W
    acc = acc + 1.0
    acc *= 2.0
    return np.sum(acc * acc)


def _rebinds_then_augments(W):
    acc = W
    acc = acc * W
    acc += W
    return acc


def rebinds_then_augments_in_a_helper(W):
    return np.sum(np.sin(_rebinds_then_augments(W)))


def rebinds_in_a_loop_then_writes(W):
    acc = W
    for _ in range(3):
        acc = acc * 0.5 + W
        acc[0] = acc[1] * acc[0]
    return np.sum(acc)


def keeps_then_augments(W):
    acc = W
    acc = acc + 1.0
    keep = acc
    acc *= 2.0
    return np.sum(acc * keep)


def alias_through_another_name(W):
    c = W * 1.0
    a = c
    c = c * 2.0
    a[0] = 5.0
    return np.sum(a * c)


def heat(u, steps):
    for _ in range(steps):
        u_new = u.copy()
        u_new[1:-1] = u[1:-1] + 0.1 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u = u_new
    return np.sum(u**2)


def heat_while(u, steps):
    k = 0
    while k < steps:
        new = np.copy(u)
        new[1:-1] += 0.1 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u = new
        k += 1
    return np.sum(u**2)


def _heat_step(u):
    u_new = u.copy()
    u_new[1:-1] = u[1:-1] + 0.1 * (u[2:] - 2 * u[1:-1] + u[:-2])
    return u_new


def heat_with_a_step_function(u, steps):
    for _ in range(steps):
        u = _heat_step(u)
    return np.sum(u**2)


def heat_breaking_with_an_alias(u, steps):
    for t in range(steps):
        u_new = u.copy()
        if t == 2:
            u_new = u
            break
        u_new[1:-1] = u[1:-1] * 0.5 + 0.25 * (u[2:] + u[:-2])
        u = u_new
    u_new[0] = 0.0
    return np.sum(u**2)


def returns_loss_and_cache(x):
    loss = np.sum(x**2)
    cache = (x, loss)
    return loss, cache


def returns_a_list_in_a_branch(x, flag):
    loss = np.sum(x**2)
    if flag:
        return [loss, {"x": x}]
    return [loss, None]


SCALES = {"W": 2.0, "b": 0.5}
CONFIG = {"eps": 1e-3}


def batchnorm_loss(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    mu = np.mean(x, axis=0)
    xhat = (x - mu) / np.sqrt(np.var(x, axis=0) + eps)
    return np.sum((gamma * xhat + beta) ** 2) * momentum


def l2_over_items(params):
    loss = 0.0
    for k, v in params.items():
        loss += SCALES.get(k, 1.0) * np.sum(v**2)
    return loss


def l2_over_values(params):
    return sum(np.sum(w**2) for w in params.values())


def l2_over_keys(params):
    loss = 0.0
    for k in params.keys():
        loss = loss + np.sum(params[k] ** 2)
    return loss


def scaled_copy_of_a_dict(params):
    scaled = {k: v * SCALES[k] for k, v in params.items()}
    vals = list(scaled.values())
    return np.sum(np.tanh(vals[0])) + np.sum(vals[1] ** 3)


def zipped_dicts(params, grads):
    total = 0.0
    for k, g in zip(params.keys(), grads.values()):
        total = total + np.sum(params[k] * g)
    return total


def global_dict_get(x):
    return np.sum(x**2) / (1.0 + CONFIG.get("eps")) + CONFIG.get("missing", 0.0)


def _regularizer(params):
    return sum(np.sum(w * w) for w in params.values())


def regularized_loss(params, x):
    return _regularizer(params) + np.sum(np.tanh(params["W"] @ x + params["b"]))


def scaled_by_a_dict_entry(bn_param, x):
    return np.sum(x**2) * bn_param.get("scale", 1.0) + bn_param["shift"]


def typo_in_numpy(x):
    return np.sum(np.tanhh(x))


def typo_in_linalg(a):
    return np.sum(np.linalg.inverse(a))


def _typo_in_a_helper(x):
    t = np.exp(x)
    return np.summ(t)


def typo_in_a_helper(x):
    return _typo_in_a_helper(x) * 2.0


def dict_method_with_keyword(params):
    return params.get("W", default=None)


def dot_of_a_list(w):
    return np.dot(w, w)


def product_of_a_list(w):
    return np.prod(w) + np.sum(np.square(w)) + w[0] * 3.0 + len(w)


def _dot(w):
    return np.dot(w, w)


def dot_of_a_list_in_a_helper(w):
    return _dot(w) * 2.0


def matmul_of_nested_lists(A, x):
    return np.sum(np.matmul(A, x) ** 2)


def dot_of_a_local_list(x):
    v = [x[0], x[1] * 2.0]
    return np.dot(v, v)


def concatenated_list_of_arrays(ws):
    return np.sum(np.concatenate(ws) ** 2)


def typo_in_a_constant(x):
    return np.sum(x * np.pii)


def typo_in_a_submodule(x):
    return np.linalgg.norm(x)


def l2_over_the_dict_itself(params):
    loss = 0.0
    for k in params:
        loss = loss + SCALES[k] * np.sum(params[k] ** 2)
    return loss


def scaled_by_global_keys(params):
    return sum(np.sum(np.sin(params[k]) * SCALES[k]) for k in SCALES)


def rebuilt_dict(params):
    doubled = {k: params[k] * 2.0 for k in params}
    return np.sum(doubled["W"] ** 2) + np.sum(np.exp(doubled["b"]))


def list_with_builtin_sum(w):
    return np.sum(np.square(w)) + sum(w) * len(w)


def got_then_written(params):
    W = params.get("W")
    W[0] = 0.0
    return np.sum(W**2) + np.sum(params["W"])


def _zero_first_row(params):
    W = params.get("W")
    W[0] = 0.0
    return W


def got_then_written_in_a_helper(params):
    return np.sum(_zero_first_row(params) ** 2) + np.sum(params["W"])


def writes_into_its_argument(x):
    x[0] = 0.0
    return np.sum(x**2)


def sgd_step_into_a_dict(params, grads):
    for k in params:
        params[k] = params[k] - 0.1 * grads[k]
    return sum(np.sum(w**2) for w in params.values())


def sines_of_a_list(w):
    return np.sum(np.sin(w))


def builtin_sum_of_an_array(w):
    return sum(w * 3.0) + sum(w**2 / 2)


def builtin_sum_of_rows(W):
    return sum(np.sum(W, axis=1) * 2) + np.sum(sum(W) ** 2) + sum(sum(W * W))


def previous_by_a_choice(x):
    """Dynamic programming: the previous entry, or a start value, chosen by an expression."""
    out = np.zeros(len(x))
    for i in range(len(x)):
        prev = out[i - 1] if i > 0 else 0.0
        out[i] = np.sin(x[i]) + 0.5 * prev
    return np.sum(out**2)


def previous_row_by_a_choice(X):
    """The same with rows: `prev` is then a view of `out`, which the next write changes."""
    out = np.zeros(X.shape)
    for i in range(X.shape[0]):
        prev = out[i - 1] if i > 0 else np.zeros(X.shape[1])
        out[i] = np.sin(X[i]) + 0.5 * prev
    return np.sum(out**2)


def array_by_a_choice(x):
    out = np.zeros(len(x))
    other = np.ones(len(x))
    for i in range(len(x)):
        prev = out if i > 0 else other
        out[i] = np.sin(x[i]) + 0.5 * prev[i - 1]
    return np.sum(out**2)
