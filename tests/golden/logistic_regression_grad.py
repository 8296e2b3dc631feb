import numpy as np
import numpy
from tests.golden_functions import logistic_regression as logistic_regression_function
from astgrad.runtime import check_scalar, unreduce, unbroadcast, respecialize, reduce_size, matmul_right
logistic_regression_code = logistic_regression_function.__code__


def logistic_regression_grad(w, X, y, lam):
    """Gradient of logistic_regression (golden_functions.py:10) with respect to w."""
    # generated for the program as it is: the code and the names it relies on
    if logistic_regression_function.__code__ is not logistic_regression_code or np is not numpy:
        return respecialize(logistic_regression_grad, w, X, y, lam)
    # forward pass
    u = X @ w
    t1 = -y
    t2 = t1 * u
    t3 = np.exp(t2)
    t4 = 1.0 + t3
    p = 1.0 / t4
    check_scalar(lam)
    # backward pass
    # line 14: return L + lam * np.sum(w**2)
    t7_bar = unreduce(lam, w, None, False)
    w_bar = t7_bar * 2 * w
    # line 13: L = -np.mean(np.log(p))
    t6_bar = -1.0
    t5_bar = unreduce(t6_bar, t2, None, False) / reduce_size(t2, None)
    p_bar = t5_bar / p
    # line 12: p = 1.0 / (1.0 + np.exp(-y * u))
    t4_bar = -p_bar * p / t4
    t2_bar = t4_bar * t3
    u_bar = unbroadcast(t1 * t2_bar, u)
    # line 11: u = X @ w
    w_bar = w_bar + matmul_right(u_bar, X, w)
    return w_bar
