import numpy as np
from astgrad.runtime import check_scalar


def lecture_grad(x1, x2):
    """Gradient of lecture (golden_functions.py:6) with respect to x1, x2."""
    # forward pass
    check_scalar(x1, x2)
    # backward pass
    # line 7: return x1 * x2 + np.sin(x1)
    x1_bar = np.cos(x1)
    x1_bar = x1_bar + x2
    x2_bar = x1
    return x1_bar, x2_bar
