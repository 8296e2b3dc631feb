import numpy as np
import numpy
from tests.golden_functions import rnn as rnn_function
from astgrad.runtime import rows_like, respecialize
rnn_code = rnn_function.__code__


def rnn_grad(W, U, b, xs, h0):
    """Gradient of rnn (golden_functions.py:23) with respect to W, U, b."""
    # specialised for W: array(4, 4), U: array(4, 3), b: array(4,), xs: array(5, 3), h0: array(4,)
    # (arguments of other types or shapes take the general code)
    # (and for the program as it is: the code and the names it relies on)
    if (
        rnn_function.__code__ is not rnn_code
        or np is not numpy
        or W.__class__ is not np.ndarray or W.shape != (4, 4)
        or U.__class__ is not np.ndarray or U.shape != (4, 3)
        or b.__class__ is not np.ndarray or b.shape != (4,)
        or xs.__class__ is not np.ndarray or xs.shape != (5, 3)
        or h0.__class__ is not np.ndarray or h0.shape != (4,)
    ):
        return respecialize(rnn_grad, W, U, b, xs, h0)
    # forward pass
    h = h0
    t1 = len(xs)
    U_x = xs.dot(U.T)
    h_saved = np.empty((6, 4))
    for k in range(t1):
        t5 = W.dot(h) + U_x[k] + b
        h_saved[k] = h
        h = np.tanh(t5)
    del U_x
    # backward pass
    # line 27: return np.sum(h * h)
    h_bar = 2.0 * h
    # line 25: for x in xs:
    h_saved[5] = h
    h_steps = rows_like(h_saved, h)
    h_after = h_steps[1:]
    h_before = h_steps[:-1]
    dh_dt5 = 1.0 - h_after * h_after
    t5_bar_buffer = np.empty((5, 4))
    for k in reversed(range(t1)):
        # line 26: h = np.tanh(W @ h + U @ x + b)
        t5_bar = h_bar * dh_dt5[k]
        t5_bar_buffer[-1 - k] = t5_bar
        h_bar = t5_bar.dot(W)
    del dh_dt5
    t5_bar_rows = rows_like(t5_bar_buffer, t5_bar)
    b_bar = np.einsum('ij->j', t5_bar_rows)
    U_bar = t5_bar_rows.T.dot(xs[::-1])
    W_bar = t5_bar_rows.T.dot(h_before[::-1])
    return W_bar, U_bar, b_bar
