import numpy as np
import numpy
from tests.golden_functions import logistic_regression as logistic_regression_function
from astgrad.runtime import respecialize
logistic_regression_code = logistic_regression_function.__code__


def logistic_regression_grad(w, X, y, lam):
    """Gradient of logistic_regression (golden_functions.py:10) with respect to w."""
    # specialised for w: array(3,), X: array(6, 3), y: array(6,), lam: float
    # (arguments of other types or shapes take the general code)
    # (and for the program as it is: the code and the names it relies on)
    if (
        logistic_regression_function.__code__ is not logistic_regression_code
        or np is not numpy
        or w.__class__ is not np.ndarray or w.shape != (3,)
        or X.__class__ is not np.ndarray or X.shape != (6, 3)
        or y.__class__ is not np.ndarray or y.shape != (6,) or lam.__class__ is not float
    ):
        return respecialize(logistic_regression_grad, w, X, y, lam)
    # forward pass
    u = X @ w
    t1 = -y
    t3 = np.exp(t1 * u)
    t4 = 1.0 + t3
    # backward pass
    # line 14: return L + lam * np.sum(w**2)
    # line 13: L = -np.mean(np.log(p))
    # line 12: p = 1.0 / (1.0 + np.exp(-y * u))
    t2_bar = 1.0 / 6 * t3 / t4
    u_bar = t1 * t2_bar
    # line 11: u = X @ w
    w_bar = lam * 2 * w + u_bar.dot(X)
    return w_bar
