"""Functions written as students and practitioners write them, found wanting by a probe of
astgrad on code nobody on the team wrote (tests/test_probe_users.py)."""

import functools
import math
import statistics

import numpy as np


def prod_and_sum(x):
    return np.prod(x) + np.sum(x)


def squared_row_products(x):
    return np.sum(np.prod(x, axis=1) ** 2)


def sine_of_column_products(x):
    return np.sum(np.sin(np.prod(x, axis=0, keepdims=True)))


def products_over_two_axes(x):
    return np.sum(np.prod(x, axis=(0, 2)))


def bearing_and_range(x, y):
    return math.atan2(y, x) + math.hypot(x, y) + math.atan2(1.5, x)


def logs_in_bases(x):
    return math.log2(x) + math.log10(x) + math.exp2(x) + math.cbrt(x)


def error_functions(x):
    return math.erf(x) + 0.5 * math.erfc(x / 2)


def gamma_functions(x):
    return math.lgamma(x) + math.gamma(x)


def angles_and_hyperbolics(x):
    return math.degrees(x) * math.radians(x) + math.asinh(x) + math.acosh(x + 1) + math.atanh(x / 3)


def sign_and_remainder(x, y):
    return math.copysign(x, -1.0) + math.fmod(x, y) + math.fsum([x, x * y])


def builtin_pow(x, y):
    return pow(x, 3) + pow(2.0, x) + pow(x, y)


def python_sum_of_arrays(x):
    return np.sum(sum([x * x, np.sin(x), x[0] * x]))


def python_sum_of_an_array(x):
    return sum(x**3)


def python_sum_of_a_comprehension(x):
    return sum([x[i] * x[i + 1] for i in range(len(x) - 1)])


def _cubed(w):
    return np.sum(w**3)


def returns_a_helper(w):
    return _cubed(w)


def scales_a_helper(w):
    return 2.0 * _cubed(w)


def _collect(out, x):
    out.append(x**2)


def collects_through_a_helper(x):
    out = []
    _collect(out, x)
    _collect(out, 2 * x)
    return sum(out)


def _log(history, value):
    history.append(value)


def logs_through_a_helper(x):
    history = []
    loss = np.sum(x**2)
    _log(history, loss)
    return loss


def _number_cubed(x):
    return x**3


def doubles_a_helper_of_a_number(x):
    return _number_cubed(x) * 2.0


def _cubed_with_two_returns(w):  # (not inlined: it returns before its end)
    if np.ndim(w) == 0:
        return w**3
    return np.sum(w**3)


def returns_a_helper_not_inlined(w):
    return _cubed_with_two_returns(w)


def scales_a_helper_not_inlined(w):
    return 2.0 * _cubed_with_two_returns(w)


def doubles_a_helper_of_a_number_not_inlined(x):
    return _cubed_with_two_returns(x) * 2.0


def squared_error(w, X, y, lam=0.1):
    return np.mean((X @ w - y) ** 2) + lam * w @ w


def squared_error_data_first(X, y, w):
    return np.mean((X @ w - y) ** 2)


class Regressor:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w, X):
        return np.sum(np.tanh(X @ w) * self.scale)


_X = np.random.default_rng(7).normal(size=(5, 3))
_Y = np.random.default_rng(8).normal(size=5)
BOUND_LOSS = functools.partial(squared_error, X=_X, y=_Y, lam=0.5)


def calls_a_module_level_partial(w):
    return BOUND_LOSS(w) + np.sum(w)


def nested_helpers_calling_each_other(x):
    def inner(y):
        return y**2

    def outer(y):
        return inner(y) * 3

    return np.sum(outer(x))


def nested_helpers_sharing_a_captured_local(x, c):
    def scale(y):
        return y**2 * c

    def twice(y):
        return scale(y) * 2 + np.sin(y)

    def total(y):
        return twice(y) + scale(y)

    return np.sum(total(x))


def extends_a_list(x):
    out = []
    out.extend([x, x**2])
    out.append(np.sin(x))
    return np.sum(np.stack(out) * np.arange(1.0, 4.0))


def pops_a_list(x):
    out = [x, x**2]
    return out.pop() + out[0]


def fortran_order_reads(X):
    w = np.arange(X.size, dtype=float)
    return (
        np.sum(X.ravel("F") * w)
        + np.sum(X.flatten(order="F") ** 2 * w)
        + np.sum(np.reshape(X, (X.shape[1], X.shape[0]), order="F") * w.reshape(X.shape[1], X.shape[0]))
        + np.sum(X.T.ravel(order="K") ** 3 * w)
    )


def gram_schmidt(A):
    Q = A.copy()
    n = Q.shape[1]  # (a number read from Q's shape: no alias of Q)
    for j in range(n):
        for i in range(j):
            Q[:, j] -= (Q[:, i] @ Q[:, j]) * Q[:, i]
        Q[:, j] /= np.linalg.norm(Q[:, j])
    return np.sum(Q * np.arange(Q.size).reshape(Q.shape))


def eliminates_below_the_diagonal(A):
    U = A.copy() + 4 * np.eye(A.shape[0])
    n = U.shape[0]
    for k in range(n):
        for i in range(k + 1, n):
            U[i, k:] -= U[i, k] / U[k, k] * U[k, k:]
    return np.sum(np.log(np.abs(np.diag(U))))


def swaps_two_entries(x):
    a = x * 1.0
    a[0], a[2] = a[2], a[0]
    return np.sum(a * np.arange(3.0))


def swaps_two_rows(A):
    B = A.copy()
    B[0], B[1] = B[1], B[0]  # (NumPy: both rows become the old B[1])
    return np.sum(B * np.arange(B.size).reshape(B.shape))


def swaps_two_columns(A):
    B = A.copy()
    B[:, 0], B[:, 1] = B[:, 1], B[:, 0]
    return np.sum(B * np.arange(B.size).reshape(B.shape))


def swaps_rows_by_a_fancy_index(A):
    B = A.copy()
    B[[0, 1]] = B[[1, 0]]
    return np.sum(B * np.arange(B.size).reshape(B.shape))


def rows_in_a_list_then_written(A):
    B = A.copy()
    rows = [B[0], B[1]]  # (views: NumPy's list sees the write below)
    B[0] = 0.0
    return np.sum(rows[0] * 2 + rows[1])


def rows_in_a_tuple_then_written(A):
    B = A.copy()
    rows = (B[0], 1.0)
    B[0] = 0.0
    return np.sum(rows[0]) + np.sum(B)


def rows_in_a_dict_then_written(A):
    B = A.copy()
    rows = {"first": B[0]}
    B[0] = 0.0
    return np.sum(rows["first"]) + np.sum(B)


def entries_in_a_list_then_written(x):
    b = x.copy()
    first = [b[0], b[1]]  # (numbers: read once)
    b[0] = 0.0
    return first[0] * 2 + first[1] + np.sum(b**2)


def rows_in_a_list_after_the_writes(A):
    B = A.copy()
    for i in range(B.shape[0]):
        B[i] = B[i] * (i + 1)
    rows = [B[0], B[-1]]
    return np.sum(rows[0] * rows[1])


def _complex_vector(x):
    return x + 1j * x[::-1]


def _complex_matrix(x):
    A = x.reshape(2, 2)
    return A + 1j * A.T + 2 * np.eye(2)


def norm_of_a_complex_vector(x):
    z = _complex_vector(x)
    return np.linalg.norm(z) + np.linalg.norm(z * (1 + 2j), 3) + np.linalg.norm(z, np.inf)


def frobenius_norm_of_a_complex_matrix(x):
    Z = _complex_matrix(x)
    return np.linalg.norm(Z) + np.sum(np.linalg.norm(Z, axis=1))


def vdot_of_complex_vectors(x):
    return np.abs(np.vdot(_complex_vector(x), x * 2 + 0.5j))


def eigh_of_a_complex_hermitian_matrix(x):
    Z = _complex_matrix(x)
    w, V = np.linalg.eigh(Z @ Z.conj().T)
    return np.sum(w * np.arange(2))


def cholesky_of_a_complex_hermitian_matrix(x):
    Z = _complex_matrix(x)
    return np.sum(np.abs(np.linalg.cholesky(Z @ Z.conj().T + np.eye(2))))


def singular_values_of_a_complex_matrix(x):
    return np.sum(np.linalg.svd(_complex_matrix(x), compute_uv=False))


def variance_of_complex_values(x):
    return np.var(_complex_vector(x))


class Model:
    """A model called as `model(w)` (its class defines __call__)."""

    def __init__(self, b):
        self.b = b

    def __call__(self, w):
        return np.sum(np.tanh(w) + self.b * w**2)


MODEL = Model(0.5)


def calls_a_global_model(w):
    return 2 * MODEL(w) + np.sum(w)


def dropout_with_a_local_generator(w, X):
    rng = np.random.default_rng(0)  # (a fixed seed: the same mask at every call)
    keep = rng.random(w.shape) > 0.5
    noise = rng.normal(size=X.shape[0])
    return np.sum((X @ (w * keep / 0.5) + 0.1 * noise) ** 2)


def noise_from_a_random_state(w):
    rs = np.random.RandomState(1)
    noise = rs.randn(*w.shape)
    keep = rs.rand(len(w)) < 0.7
    return np.sum((w * keep + 0.01 * noise) ** 2) + rs.normal() * np.sum(w)


def draws_around_the_input(w):
    rng = np.random.default_rng(0)
    return np.sum(rng.normal(loc=w, scale=1.0) ** 2)


def contiguous_copies(x):
    return np.sum(np.ascontiguousarray(x.T) ** 3) + np.sum(np.asfortranarray(x) * x) + np.sum(np.asanyarray(x) ** 2)


def contiguous_number(a):
    return np.sum(np.ascontiguousarray(a) ** 2) * 3


def mean_from_statistics(x):
    return statistics.mean([x[0], x[1]]) * 2


def copies_in_fortran_order(x):
    y = x.astype(np.float64).copy(order="F")
    return np.sum(np.ascontiguousarray(y.T) ** 3) + np.sum(np.copy(x, order="C") * x)


def mean_in_a_dtype_and_offset_traces(A):
    return (
        np.mean(A, dtype=np.float64)
        + np.sum(A.mean(axis=0, dtype=np.float64) ** 2)
        + np.trace(A, offset=1)
        + np.trace(A, -1) ** 2
        + A.trace(offset=2) * 3
    )


def loss_with_settings(w, X, cfg):
    r = X @ w
    return np.mean(r**cfg.power) + cfg.reg * np.sum((w * cfg.mask) ** 2)


def reads_a_helpers_setting(w, cfg):
    return np.sum(w**2) * _doubled_scale(cfg)


def _doubled_scale(p):
    return p.scale * 2
