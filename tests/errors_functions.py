"""Functions astgrad must refuse, each with a clear message naming the construct and line."""

import numpy as np


def uses_try(x):
    try:
        y = np.sin(x)
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("/dev/null"):
        y = x * 2
    return y


def uses_global(x):
    global COUNTER
    COUNTER = 1
    return x * 2


def uses_lambda(x):
    fs = [lambda z: z * 2]
    return fs[0](x)


def uses_unknown_primitive(x):
    return np.linalg.tensorinv(x)[1]


def writes_attribute(x):
    x.value = 3.0
    return x


def uses_walrus(x):
    return (y := x * 2) + y


def uses_star_args(*xs):
    return xs[0]


def generator(x):
    yield x


def non_scalar(x):
    return x * 2.0


def uses_undefined(x):
    return x * not_defined_anywhere  # noqa: F821


def _scale_rows(M):
    M[0] = M[0] * 2.0  # writes into the caller's array
    return np.sum(M)


def calls_a_writer(x):
    return _scale_rows(x * 1.5)


def _shrink(M):
    M *= 0.9  # an array: the caller's array changes; a number: a new number
    return M * 1.0


def calls_a_shrinker(x):
    return _shrink(x) + x


def sums_with_a_dtype(x):
    return np.sum(np.sin(np.sum(x, 1, np.float64)) * np.arange(3.0))  # NumPy's dtype, 3rd


def means_with_a_dtype(x):
    return np.sum(np.sin(np.mean(x, 1, np.float64)) * np.arange(3.0))  # NumPy's dtype, 3rd


def writes_through_a_view(x):
    y = x * 1.0
    v = y[:2]
    v *= 3.0  # changes y too
    return np.sum(y**2)


def spectral_norm_of_double(x):
    y = x * 2.0
    n = np.linalg.norm(y, 2)  # no derivative where the largest singular value repeats
    return n + np.sum(y)


def updates_a_dict(x):
    d = {"a": x[0]}
    d.update(b=x[1] ** 2)
    return d["a"] * d["b"]


def reads_a_field(p, x):
    return np.sum(np.tanh(p.W @ x) ** 2)


def draws_from_a_generator_argument(w, rng):
    eps = rng.standard_normal(w.shape)
    return np.sum(w * eps)


def aux_without_aux(x):
    return np.sum(x**2)  # no (loss, aux) pair, but has_aux=True


def aux_is_an_array(x):
    return x * 2.0  # indexing it would differentiate x[0] and call x[1] the aux


def aux_of_three(x):
    out = (np.sum(x**2), x, x)
    return out


def writes_into_its_first_argument(a, b):
    a[0] = 5.0  # a is copied first: b, when it is the same array, would not see this
    return np.sum(a * b)


def doubles_a_matrix_a_row_of_it_read_after(A):
    r = A[0]
    A *= 2.0
    return np.sum(r * A)


def joins_what_may_be_lists(xs, c):
    ys = xs + c
    return np.sum(np.asarray(ys) ** 2)
