"""Functions for tests/test_student_refusals.py (astgrad reads their source)."""

import numpy as np


def dropout_like(x, mask):
    out = x * mask
    out = out.astype(x.dtype, copy=False)
    return np.sum(out**2)


def astype_no_copy_then_write(x):
    y = x * 2.0
    z = y.astype(np.float64, copy=False)
    z[0] = 5.0
    return np.sum(y**2)


def log_out_where(p):
    r = np.log(p, out=np.zeros_like(p), where=p > 0)
    return np.sum(r)


def log_where(p):
    return np.sum(np.log(p, where=p > 0))


def _update_running_mean(x, bn_param):
    bn_param["running_mean"] = np.mean(x)
    return x * 2.0


def batchnorm_like(x):
    bn_param = {}
    return np.sum(_update_running_mean(x, bn_param) ** 2)
