"""Writes through views NumPy's functions return (test_views_probe.py)."""

import numpy as np


def writes_through_a_flip(x):
    z = x * 1.0
    y = np.flip(z)
    y[0] = 9.0
    return np.sum(z * x)


def writes_through_a_split(x):
    z = x * 1.0
    a, b = np.split(z, 2)
    a[0] = 9.0
    return np.sum(z * x)


def scales_through_expand_dims(x):
    z = x * 1.0
    y = np.expand_dims(z, 0)
    y *= 2.0
    return np.sum(z * x)


def writes_the_base_of_a_flip(x):
    z = x * 1.0
    y = np.flip(z)
    z[0] = 9.0
    return np.sum(y**2) + np.sum(x)


def writes_through_a_rotation(x):
    z = x * 1.0
    y = np.rot90(z.reshape(2, 2))
    y[0, 0] = 5.0
    return np.sum(z * x)


def reads_views_without_writing(x):
    z = np.flip(x) * 2.0
    a, b = np.split(z, 2)
    y = np.expand_dims(a, 0)
    return np.sum(y**2) + np.sum(np.rot90(b.reshape(1, 2)))


def scales_an_asarray_of_the_argument(x):
    y = np.asarray(x)
    y += 1.0
    return np.sum(x * y)


def scales_an_astype_without_copy(x):
    y = x.astype(np.float64, copy=False)
    y *= 2.0
    return np.sum(x * y)


def adds_to_a_squeeze(x):
    y = x.squeeze()
    y += 1.0
    return np.sum(x**2)


def scales_a_ravel_while_a_slice_is_held(x):
    z = x * 1.0
    y = np.ravel(z)
    tail = z[1:]
    y *= 3.0
    return np.sum(tail * x)


def adds_to_an_asarray_the_function_reads_alone(x):
    y = np.asarray(x)
    y += 1.0
    return np.sum(y**2)


def adds_to_an_asarray_of_a_list(x):
    y = np.asarray(list(x))
    y += 1.0
    return np.sum(x * y)


def writes_through_an_array_made_without_copy(x):
    z = x * 1.0
    y = np.array(z, copy=None)
    y[0] = 5.0
    return np.sum(z * x)


def scales_an_array_made_without_copy(x):
    z = x * 1.0
    y = np.asarray(z, copy=False)
    y *= 2.0
    return np.sum(z * x)
