"""NumPy calls written with the keywords and positional arguments users pass (test_keywords.py)."""

import numpy as np


def sorts_stably(x):
    return np.sum(np.sort(x, kind="stable") * np.arange(1.0, 5.0))


def sorts_with_stable_flag(x):
    return np.sum(np.sort(x, stable=True) * np.arange(1.0, 5.0))


def reshapes_with_copy(x):
    return np.sum(np.reshape(x, (2, 2), copy=True) ** 3)


def copies_in_fortran_order(x):
    return np.sum(np.sin(np.array(x * 2.0, copy=True, order="F")))


def adds_an_axis_with_ndmin(x):
    y = np.array(x, ndmin=2)
    return np.sum(y * y.T)


def variance_with_correction(x):
    return np.var(x, correction=1) + np.std(x, correction=1)


def ufunc_with_layout_keywords(x):
    return np.sum(np.exp(x, order="C") * np.sin(x, subok=True))


def takes_with_clipped_indices(x):
    return np.sum(np.take(x, [0, 2, 7], mode="clip") ** 2)


def takes_with_wrapped_indices(x):
    return np.sum(np.take(x.reshape(2, 2), [1, 3], axis=1, mode="wrap") ** 3)


def traces_a_stack_of_matrices(x):
    a = np.outer(x, x).reshape(4, 2, 2)
    return np.sum(np.trace(a, axis1=1, axis2=2) * np.arange(1.0, 5.0))


def traces_the_first_two_axes(x):
    a = np.outer(x, x)[:, :, None] * x
    return np.sum(np.trace(a) * np.arange(1.0, 5.0))


def maximum_with_keepdims_by_position(x):
    return np.sum(np.max(x.reshape(2, 2), 0, None, True) * np.array([[1.0, 3.0]]))


def product_with_keepdims_by_position(x):
    return np.sum(np.prod(x.reshape(2, 2), 1, None, None, True) * np.array([[2.0], [-1.0]]))


def product_with_dtype_by_position(x):
    return np.sum(np.prod(x.reshape(2, 2), 0, np.float64))


def variance_with_ddof_by_position(x):
    return np.sum(np.var(x.reshape(2, 2), 0, None, None, 1) * np.array([1.0, 4.0]))


def linspace_with_retstep_by_position(x):
    return np.sum(np.linspace(0.0, x[0], 5, True, True)[0] ** 2)


def linspace_with_defaults_by_position(x):
    return np.sum(np.linspace(0.0, x[0], 5, True, False, None) ** 2)


def median_over_two_axes(x):
    a = (np.outer(x, x)[:, :, None] * x).reshape(4, 4, 4) + np.arange(64.0).reshape(4, 4, 4) / 7.0
    return np.sum(np.median(a, axis=(0, 2)) * np.arange(1.0, 5.0)) + np.quantile(a, 0.3, axis=(0, 1, 2))


def percentile_over_two_axes_kept(x):
    a = (np.outer(x, x)[:, :, None] * x).reshape(4, 4, 4) + np.arange(64.0).reshape(4, 4, 4) / 5.0
    return np.sum(np.percentile(a, 35.0, axis=(2, 0), keepdims=True) * np.arange(1.0, 5.0).reshape(1, 4, 1))


def float_dtypes_as_casts(x):
    y = np.exp(x, dtype=np.float64) + np.add(x, 1.0, dtype="float64")
    return (
        np.sum(y * np.arange(1.0, 5.0)) + np.std(x, dtype=float) + np.sum(np.concatenate([x, x**2], dtype=float) ** 2)
    )


def reductions_everywhere(x):
    return np.var(x, where=True) + np.sum(np.mean(x.reshape(2, 2), axis=0, where=True) * np.array([1.0, 3.0]))


def differences_with_prepend(x):
    return np.sum(np.diff(x, prepend=0.0) ** 2) + np.sum(np.diff(x, append=x[0]) ** 2 * np.arange(4.0))


def differences_of_rows_extended(x):
    a = np.outer(x, x[:3])
    return np.sum(np.diff(a, n=2, axis=0, prepend=a[:1] * 2.0, append=1.5) ** 2)


def cross_products_along_an_axis(x):
    a = np.outer(x[:3], x)
    w = np.arange(12.0).reshape(3, 4) / 5.0
    return np.sum(np.cross(a, np.sin(a), axis=0) * w) + np.sum(np.cross(a.T, np.cos(a), axisb=0, axisc=0) * w)


def named_results(x):
    a = np.outer(x, x[::-1]) + 3.0 * np.eye(4)
    s = a + a.T
    res = np.linalg.slogdet(a)
    values = np.linalg.eigh(s).eigenvalues
    return np.sum(values * np.arange(1.0, 5.0)) + res.logabsdet * res.sign + np.sum(np.linalg.svd(a).S ** 2)


def pads_with_a_dict(x):
    a = np.outer(x[:2], x[1:])
    return np.sum(np.pad(a, {1: (1, 2)}, constant_values=0.5) ** 2 * np.arange(12.0).reshape(2, 6))


def reduce_with_a_dtype_by_position(x):
    return np.sum(np.add.reduce(np.outer(x, x), 1, float) ** 2)


def largest_first(x):
    xs = [float(v) for v in x]
    top = sorted(xs, reverse=True)[:3]
    return sum(t * (i + 1) for i, t in enumerate(top)) + np.sum(np.array(sorted(x, reverse=False)) * np.arange(4.0))


def quantiles_by_other_methods(x):
    a = np.outer(x, x[::-1]) + np.arange(16.0).reshape(4, 4) / 3.0
    total = 0.0
    for method in ("hazen", "weibull", "median_unbiased", "normal_unbiased", "interpolated_inverted_cdf"):
        total = total + np.sum(np.quantile(a, 0.3, axis=1, method=method) * np.arange(1.0, 5.0))
    for method in ("lower", "higher", "nearest", "midpoint"):
        total = total + np.percentile(a, 35.0, method=method) + np.nanquantile(a, 0.6, axis=0, method=method)[1]
    return total


def cross_with_axis_overriding(x):
    a = np.outer(x[:3], x[1:])
    b = np.sin(a)
    w = np.arange(9.0).reshape(3, 3)
    return np.sum(np.cross(a, b, axisa=1, axisb=1, axisc=1, axis=0) * w) + np.sum(np.cross(a, b, 0, 0) * w)


def differences_of_order_zero(x, n=0):
    return np.sum(np.diff(x, n=0, prepend=x[0]) ** 2) + np.sum(np.diff(x, n=n, prepend=x[0], append=1.0) ** 2)


def periodic_interpolation(x):
    return np.sum(np.interp(np.linspace(0.0, 12.0, 7), np.arange(4.0), x, period=4.0) * np.arange(7.0))
