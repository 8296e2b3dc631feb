"""A complex input's gradient is ∂L/∂Re z − i ∂L/∂Im z (L the output's real part): f′(z) for a
holomorphic f, 2 conj(z) for |z|²; the same in every mode, against central differences along the
real and the imaginary axis of each element. Forward mode sweeps both axes: a sweep along 1 alone
gives only ∂L/∂Re z, the real part."""

from __future__ import annotations

import numpy as np
import pytest

from astgrad import grad

from .modes import MODES

Z = np.array([0.3 + 0.4j, -1.0 + 0.5j, 0.2 - 0.7j])


def modulus_squared(z):
    return np.sum(np.abs(z) ** 2)


def real_times_imaginary(z):
    return np.sum(np.real(z) * np.imag(z) ** 2)


def conjugate_product(z):
    return np.real(np.sum(z * np.conj(z) * z[0]))


def exponential(z):
    return np.sum(np.exp(z))


def complex_differences(f, z, h=1e-6):
    """∂ Re f/∂Re z − i ∂ Re f/∂Im z, element by element, by central differences."""
    out = np.zeros(z.shape, dtype=complex)
    for k in np.ndindex(*z.shape):
        e = np.zeros(z.shape, dtype=complex)
        e[k] = h
        along_real = (np.real(f(z + e)) - np.real(f(z - e))) / (2 * h)
        along_imaginary = (np.real(f(z + 1j * e)) - np.real(f(z - 1j * e))) / (2 * h)
        out[k] = along_real - 1j * along_imaginary
    return out


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [modulus_squared, real_times_imaginary, conjugate_product, exponential])
def test_complex_array_input(f, options):
    g = grad(f, **options)
    expected = complex_differences(f, Z)
    for _ in range(2):  # the first call, then the specialised code
        np.testing.assert_allclose(g(Z), expected, rtol=1e-6, atol=1e-8)


def test_forward_mode_matches_reverse_on_a_complex_input():
    np.testing.assert_allclose(grad(modulus_squared, mode="forward")(Z), 2 * np.conj(Z), rtol=1e-12)
    np.testing.assert_allclose(grad(modulus_squared)(Z), 2 * np.conj(Z), rtol=1e-12)
