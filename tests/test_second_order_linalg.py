"""Second derivatives through the adjoints of np.linalg.svd (with vectors), qr, pinv and
scipy.linalg.solve, whose adjoints are written with primitives that have rules (astgrad
differentiates them through their source): against central differences of the gradient. Where
that is not done (reverse over reverse through svd and qr, lstsq, solve_triangular), a clear
refusal."""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import TransformError, grad, numerical_jacobian

sl = pytest.importorskip("scipy.linalg")

rng = np.random.default_rng(15)
TALL = rng.standard_normal((4, 3))
SQUARE = rng.standard_normal((3, 3)) + 3.0 * np.eye(3)
B = rng.standard_normal(3)
W = rng.standard_normal((4, 3))


def svd_vectors(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin(u) * W) + np.sum(s**2) + np.sum(np.cos(vh) * W[:3])


def qr_both(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(q) * W) + np.sum(r**2 * W[:3])


def pinv_of(a):
    return np.sum(np.sin(np.linalg.pinv(a)) * W.T)


def scipy_solve(a):
    return np.sum(np.sin(sl.solve(a, B)) * B)


def scipy_solve_symmetric_transposed(a):
    return np.sum(np.sin(sl.solve(a + a.T, B, assume_a="sym", lower=True))) + np.sum(
        np.cos(sl.solve(a, B, transposed=True))
    )


def lstsq_of(a):
    return np.sum(np.sin(np.linalg.lstsq(a, np.arange(4.0), rcond=None)[0]))


def triangular(a):
    return np.sum(np.sin(sl.solve_triangular(np.triu(a), B)))


CASES = [
    (svd_vectors, TALL, ("forward",)),
    (qr_both, TALL, ("forward",)),
    (pinv_of, TALL, ("forward", "reverse")),
    (scipy_solve, SQUARE, ("forward", "reverse")),
    (scipy_solve_symmetric_transposed, SQUARE, ("forward", "reverse")),
]


@pytest.mark.parametrize(("f", "x", "modes"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_second_derivatives_match_second_differences(f, x, modes):
    g = grad(f)
    expected = numerical_jacobian(g, x)
    for mode in modes:
        np.testing.assert_allclose(astgrad.jacobian(g, mode=mode)(x), expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(astgrad.hessian(f)(x), expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("f", [svd_vectors, qr_both])
def test_reverse_over_reverse_through_svd_and_qr_is_refused_with_what_to_use(f):
    with pytest.raises(TransformError, match="forward mode only: use astgrad.hessian"):
        astgrad.jacobian(grad(f))(TALL)


@pytest.mark.parametrize(("f", "x"), [(lstsq_of, TALL), (triangular, SQUARE)])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_other_second_derivatives_are_refused(f, x, mode):
    refused = r"(rule for|no second derivative: astgrad's) `(astgrad\.runtime\.\w+\.)?(lstsq|triangular_solve)_adjoint`"
    with pytest.raises(TransformError, match=refused) as caught:
        astgrad.jacobian(grad(f), mode=mode)(x)
    # located at the user's line the refused first derivative comes from, not in generated code
    assert caught.value.filename == __file__
    assert caught.value.lineno == f.__code__.co_firstlineno + 1
    assert caught.value.code.startswith("return")
