import numpy as np
import numpy
from tests.golden_functions import lecture as lecture_function
from astgrad.runtime import check_scalar, respecialize
lecture_code = lecture_function.__code__


def lecture_grad(x1, x2):
    """Gradient of lecture (golden_functions.py:6) with respect to x1, x2."""
    # generated for the program as it is: the code and the names it relies on
    if lecture_function.__code__ is not lecture_code or np is not numpy:
        return respecialize(lecture_grad, x1, x2)
    # forward pass
    check_scalar(x1, x2)
    # backward pass
    # line 7: return x1 * x2 + np.sin(x1)
    x1_bar = np.cos(x1)
    x1_bar = x1_bar + x2
    x2_bar = x1
    return x1_bar, x2_bar
