"""What a probe of NumPy calls as practitioners write them found (tests/numpy_probe_functions.py):
np.einsum's interleaved form refused in every mode (forward mode gave the first operand a zero
tangent), `x.clip(lo)` with the method's optional upper bound, the Hessians of functions linear in
an einsum operand (their blocks lost their shape) and of a QR factor (a run-time alias check read a
name before it was bound): against central differences, or refused naming the user's line."""

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad, hessian, numerical_jacobian
from tests import numpy_probe_functions as nf
from tests.modes import MODES

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, shapes", [(nf.einsum_interleaved, [(3, 4), (4, 2)]), (nf.einsum_interleaved_one, [(3, 4), (4, 3)])]
)
def test_einsum_interleaved_form_is_refused(f, shapes, options):
    with pytest.raises(TransformError, match=r"interleaved form") as info:
        grad(f, wrt=0, **options)(*[RNG.normal(size=s) for s in shapes])
    assert "numpy_probe_functions.py" in str(info.value)


@pytest.mark.parametrize("options", MODES)
def test_clip_method_with_its_lower_bound_alone(options):
    x = np.array([-1.2, -0.3, 0.4, 1.5])
    g = grad(nf.clip_method_lower_only, **options)
    for _ in range(2):
        np.testing.assert_allclose(g(x), [0.0, -0.6, 0.8, 3.0])  # 2 x where x > -0.5
        check_grad(nf.clip_method_lower_only, g, x)


@pytest.mark.parametrize(
    "f, args",
    [
        (nf.einsum_linear, (RNG.normal(size=(3, 4)), RNG.normal(size=(4, 3)))),
        (nf.einsum_three, (RNG.normal(size=3), RNG.normal(size=(3, 3)), RNG.normal(size=3))),
        (nf.qr_factor, (RNG.normal(size=(4, 3)), RNG.normal(size=(3, 3)))),
    ],
)
def test_hessians_against_the_gradients_differences(f, args):
    g = grad(f, wrt=0)
    expected = numerical_jacobian(lambda v: g(v, *args[1:]), args[0])
    got = hessian(f, wrt=0)(*args)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
