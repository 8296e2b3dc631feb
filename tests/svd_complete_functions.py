"""np.linalg.svd with its default full_matrices=True (test_svd_complete.py)."""

import numpy as np


def u_of_a_wide_matrix(x):
    u, s, vt = np.linalg.svd(x)  # (3 × 4: U is square, Vᵀ has a row completing the basis)
    return np.sum(u**2 @ s)


def leading_rows_of_vt(x):
    u, s, vt = np.linalg.svd(x)
    return np.sum(vt[:3] ** 2 * np.arange(4.0))


def the_completing_row(x):
    u, s, vt = np.linalg.svd(x)
    return np.sum(vt[3] ** 2 * np.arange(4.0))
