"""The modes the user-code tests run each function in, and their one gradient check."""

import pytest

from astgrad import check_grad, grad

MODES = [
    pytest.param({}, id="reverse"),
    pytest.param({"specialize": False}, id="reverse-general"),
    pytest.param({"mode": "forward"}, id="forward"),
    pytest.param({"mode": "forward", "specialize": False}, id="forward-general"),
]


def check(f, args, wrt, options):
    """The gradient of f in the given mode against central differences, on its first call and on
    the second, which runs the code specialised at the first."""
    g = grad(f, wrt=wrt, **options)
    check_grad(f, g, *args, wrt=wrt)
    check_grad(f, g, *args, wrt=wrt)
