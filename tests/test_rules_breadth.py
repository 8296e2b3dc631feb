"""The rules added for breadth (scipy.special, ...) against central differences, in reverse and
forward mode, general and specialised code; rows: tests/rule_cases_special.py, ..."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import TransformError, check_grad, grad, numerical_grad, numerical_jacobian
from tests.rule_rows import as_tuple, params, sample

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (log of negatives: NaN, by design)

pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402
from scipy import special  # noqa: E402

from tests import rule_cases_fft as fc  # noqa: E402
from tests import rule_cases_linalg_extra as lc  # noqa: E402
from tests import rule_cases_numpy_extra as nc  # noqa: E402
from tests import rule_cases_parity as pc  # noqa: E402
from tests import rule_cases_parity_scipy as psc  # noqa: E402
from tests import rule_cases_scipy as spc  # noqa: E402
from tests import rule_cases_special as sc  # noqa: E402

ROWS = params(
    sc.SPECIAL_CASES
    + nc.NUMPY_EXTRA_CASES
    + nc.KEYWORD_CASES
    + nc.MORE_NUMPY_CASES
    + fc.FFT_CASES
    + lc.LINALG_EXTRA_CASES
    + spc.SCIPY_CASES
    + pc.PARITY_NUMPY_CASES
    + psc.PARITY_SCIPY_CASES
)


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("row", ROWS)
def test_grad_matches_central_differences(row, mode, specialize):
    _, f, _, wrt = row
    g = grad(f, wrt=wrt, mode=mode, specialize=specialize)
    for seed in (0, 1):
        args = sample(row, seed)
        if any(not np.isfinite(a).all() for a in args if isinstance(a, np.ndarray)):
            check_ignoring_nans(f, g, args, wrt)
        else:
            check_grad(f, g, *args, wrt=wrt)


def check_ignoring_nans(f, g, args, wrt):
    """Central differences are NaN where an argument is NaN or infinite: there the gradient of a
    function that ignores such values must be 0; elsewhere it must match."""
    analytic = as_tuple(g(*args), wrt)
    numeric = as_tuple(numerical_grad(f, *args, wrt=wrt), wrt)
    for i, a, n in zip(wrt if isinstance(wrt, tuple) else (wrt,), analytic, numeric):
        nan = ~np.isfinite(args[i])
        np.testing.assert_array_equal(np.asarray(a)[nan], 0.0)
        np.testing.assert_allclose(np.asarray(a)[~nan], np.asarray(n)[~nan], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------- refusals


def polygamma_in_order(n, x):
    return np.sum(special.polygamma(n, x))


def logsumexp_with_sign(a):
    y, s = special.logsumexp(a, return_sign=True)
    return y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_order_parameter_is_not_differentiated(mode):
    x = np.array([0.5, 1.5])
    with pytest.raises(TransformError, match="polygamma` has no derivative with respect to its parameter `n`"):
        grad(polygamma_in_order, wrt=(0, 1), mode=mode)(1.0, x)
    check_grad(polygamma_in_order, grad(polygamma_in_order, wrt=1, mode=mode), 1, x, wrt=1)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_logsumexp_return_sign_is_refused(mode):
    with pytest.raises(ValueError, match="return_sign=False only"):
        grad(logsumexp_with_sign, mode=mode)(np.array([0.5, 1.5]))


def cho_factor_other_triangle(a):
    c, low = scipy.linalg.cho_factor(a)
    return np.sum(c * c)


def inv_overwriting(a):
    return np.sum(scipy.linalg.inv(a, overwrite_a=True))


def qr_wide(a):
    q, r = np.linalg.qr(a)
    return np.sum(r * r)


def svd_repeated(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u[:, 0] ** 3)


def test_cho_factor_refuses_a_use_of_the_undefined_triangle():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    c, lower = scipy.linalg.cho_factor(a)
    if not np.any(np.triu(c, 1) if lower else np.tril(c, -1)):
        pytest.skip(f"SciPy {scipy.__version__} zeroes the other triangle of cho_factor's c: nothing undefined")
    with pytest.raises(ValueError, match="triangle of c that does not hold the factor"):
        grad(cho_factor_other_triangle)(a)
    assert np.isnan(grad(cho_factor_other_triangle, mode="forward")(a)).any()  # NaN, never a wrong number


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_argument_allowed_to_be_overwritten_is_kept_whole(mode):
    # (overwrite_a=True lets SciPy destroy a; the derivatives read it again: the call keeps it whole,
    # and the caller's array is left as it was; a function reading it again is refused: test_output_arguments.py)
    a = np.array([[2.0, 0.5], [0.3, 1.5]])
    check_grad(inv_overwriting, grad(inv_overwriting, mode=mode), a.copy())
    kept = a.copy()
    grad(inv_overwriting, mode=mode)(kept)
    assert np.array_equal(kept, a)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_qr_of_a_wide_matrix_is_refused(mode):
    with pytest.raises(ValueError, match="at least as many rows as columns"):
        grad(qr_wide, mode=mode)(np.arange(6.0).reshape(2, 3) + np.eye(2, 3))


def test_singular_vectors_of_repeated_singular_values_are_refused():
    with pytest.raises(ValueError, match="singular values are \\(nearly\\) repeated"):
        grad(svd_repeated)(np.diag([2.0, 2.0, 1.0]))
    assert np.isnan(grad(svd_repeated, mode="forward")(np.diag([2.0, 2.0, 1.0]))).any()


# ------------------------------------------------------------------------- second derivatives


@pytest.mark.parametrize("row", ROWS)
def test_second_derivatives_are_right_or_refused(row):
    """Forward over reverse (a Hessian block) against central differences of the gradient: where a
    helper of these rules has no rule of its own, a clear error, never a wrong number."""
    name, f, _, wrt = row
    w = wrt if isinstance(wrt, int) else wrt[0]
    args = sample(row, 0)
    if any(isinstance(a, np.ndarray) and not np.isfinite(a).all() for a in args):
        pytest.skip("central differences are NaN at NaN or infinite arguments")
    g = grad(f, wrt=w)
    try:
        block = astgrad.jacobian(g, wrt=w, mode="forward")(*args)
    except (TransformError, ValueError) as exc:
        assert "derivative" in str(exc) or "rule" in str(exc), exc
        return
    np.testing.assert_allclose(block, numerical_jacobian(g, *args, wrt=w), rtol=1e-4, atol=1e-5)
