"""In-place writes through a second name of one array, as users write them (test_alias_writes.py):
an array in a list, tuple or dict the function built or was given, a row taken before the whole
array is updated, a helper returning its argument or a row of it, an array assigned into itself
reversed. Each is refused at run time or differentiated right, never a silently wrong gradient."""

import numpy as np


def a1_dict_item_iadd(x):
    x = x.copy()
    d = {"a": x}
    d["a"] += 1.0
    return np.sum(x * d["a"])


def a2_list_item_imul(x):
    x = x.copy()
    l = [x]
    l[0] *= 2.0
    return np.sum(x**2)


def a3_list_alias_elt(x):
    hs = [x.copy()]
    h = hs[-1]
    h += 1.0
    return np.sum(hs[0] ** 2)


def a4_list_two(x):
    x = x.copy()
    xs = [x, x * 2]
    xs[0] += 1.0
    return np.sum(x * xs[0])


def a5_dict_assign_then_iadd(x):
    y = x * 1.0
    d = {}
    d["a"] = y
    d["a"] *= 3.0
    return np.sum(y**2)


def a6_append_then_iadd(x):
    y = x * 1.0
    l = []
    l.append(y)
    l[-1] *= 3.0
    return np.sum(y**2)


def a7_tuple_elt(x):
    t = (x * 1.0,)
    a = t[0]
    a += 1.0
    return np.sum(t[0] ** 2)


def a8_dict_read_then_iadd(x):
    y = x * 1.0
    d = {"a": y}
    v = d["a"]
    v += 1.0
    return np.sum(y**2)


def a9_list_index_loop(x):
    y = x * 1.0
    l = [y, y * 2]
    for i in range(2):
        l[i] *= 2.0
    return np.sum(y**2)


def a10_dict_kw_ctor(x):
    y = x * 1.0
    d = dict(a=y)
    d["a"] -= 1.0
    return np.sum(y**2)


def b1_param_dict_alias(p, x):
    W = p["W"]
    p["W"] -= 0.1 * W
    return np.sum((W @ x) ** 2)


def b2_for_over_param_list(Ws, x):
    for W in Ws:
        W *= 2.0
    return np.sum(Ws[0] @ x)


def b3_for_over_param_pairs(params, x):
    for _W, b in params:
        b += 0.5
    h = x
    for W, b in params:
        h = np.tanh(W @ h + b)
    return np.sum(h)


def b4_dict_items(p):
    for _k, v in p.items():
        v *= 2.0
    return np.sum(p["a"] ** 2)


def b5_dict_values(p):
    for v in p.values():
        v += 1.0
    return np.sum(p["a"] ** 2)


def b6_list_param(bs):
    for b in bs:
        b += 1.0
    return np.sum(bs[0] ** 2)


def c1_row_view_then_imul(A):
    A = A.copy()
    r = A[0]
    A *= 2.0
    return np.sum(r * A[1])


def c2_row_view_then_iadd(A):
    A = A.copy()
    r = A[0]
    A += 1.0
    return np.sum(r**2)


def c3_row_view_then_isub_mean(A):
    A = A.copy()
    r = A[0]
    A -= A.mean()
    return np.sum(r**2)


def _first_row(A):
    return A[0]


def c4_view_via_helper(A):
    A = A.copy()
    r = _first_row(A)
    A *= 2.0
    return np.sum(r**2)


def _ident(z):
    return z


def d1_identity_helper(x):
    y = x * 1.0
    w = _ident(y)
    w += 1.0
    return np.sum(y**2)


def e1_reverse_self_assign(x):
    x = x.copy()
    x[::-1] = x
    return np.sum(x * np.array([1.0, 2.0, 3.0]))


def e2_reverse_self_assign_copy(x):
    y = x.copy()
    y[::-1] = y
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


def e3_fancy_perm_self_assign(x):
    y = x.copy()
    y[[2, 1, 0]] = y
    return np.sum(y * np.array([1.0, 2.0, 3.0]))


# ordinary code that writes in place with no other name left to see it (must keep working)


def softmax_loss_loop(W, X, y):
    scores = X @ W
    scores -= np.max(scores, axis=1, keepdims=True)
    loss = 0.0
    for i in range(X.shape[0]):
        s = scores[i]
        loss += -s[y[i]] + np.log(np.sum(np.exp(s)))
    return loss / X.shape[0]


def grads_accumulated_then_read(W, X):
    grads = {"W": np.zeros_like(W), "n": 0.0}
    for i in range(X.shape[0]):
        grads["W"] += np.outer(np.tanh(W @ X[i]), X[i])
    dW = grads["W"]
    return np.sum(dW**2)


def rows_read_before_a_scaling(H):
    H = H.copy()
    out = 0.0
    for t in range(H.shape[0]):
        h = H[t]
        out += np.sum(h**2)
    H *= 3.0
    return out + np.sum(H)


def row_taken_after(A):
    A = A.copy()
    A *= 2.0
    first = A[0]
    return np.sum(first**2) + np.sum(A)


def list_slots_accumulated(x):
    s = [0.0, 0.0]
    for i in range(3):
        s[i % 2] += x[i] ** 2
    return s[0] * s[1]
