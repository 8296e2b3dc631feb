import numpy as np
import numpy
from tests.golden_functions import two_layer_net as two_layer_net_function
from astgrad.runtime import unreduce, matmul_left, matmul_right, respecialize, max_share
two_layer_net_code = two_layer_net_function.__code__


def two_layer_net_grad(W1, W2, x):
    """Gradient of two_layer_net (golden_functions.py:17) with respect to W1, W2."""
    # generated for the program as it is: the code and the names it relies on
    if two_layer_net_function.__code__ is not two_layer_net_code or np is not numpy:
        return respecialize(two_layer_net_grad, W1, W2, x)
    # forward pass
    t1 = W1 @ x
    h = np.maximum(0.0, t1)
    s = W2 @ h
    # backward pass
    # line 20: return np.sum(s**2)
    t2_bar = unreduce(1.0, s, None, False)
    s_bar = t2_bar * 2 * s
    # line 19: s = W2 @ h
    W2_bar = matmul_left(s_bar, W2, h)
    h_bar = matmul_right(s_bar, W2, h)
    # line 18: h = np.maximum(0.0, W1 @ x)
    t1_bar = h_bar * max_share(t1, 0.0)
    W1_bar = matmul_left(t1_bar, W1, x)
    return W1_bar, W2_bar
