"""Rules of np.fft: the discrete Fourier transforms are linear, so each tangent is the transform of
the tangent, and each adjoint the transpose of the transform applied to the result's adjoint.

Complex values: the adjoint of a complex c is ∂L/∂Re c - i ∂L/∂Im c (the convention of the
elementwise rules, under which a holomorphic f has adjoint ȳ f'(x)); a C-linear map's adjoint is
then its plain transpose. The DFT matrix is symmetric, so fft's adjoint is fft itself (ifft's
ifft); a real input gets the real part. rfft keeps half the outputs (the adjoint pads them back
with zeros); irfft reads only the real parts of a_0 and of a_{n/2} and counts the others twice
(see runtime.irfft_adjoint). The n / s of a transform pads or cuts its input: the adjoint cuts or
pads back (runtime.fit_to).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import as_s, fft_adjoint, irfft_adjoint, rfft_adjoint
from .registry import SHAPE_FIRST, adjoint, declare, describe, tangent

# --- one axis ------------------------------------------------------------------------------------


@adjoint(np.fft.fft)
def _(y, a, n=None, axis=-1, norm=None):
    a_bar = fft_adjoint(y_bar, a, as_s(n), (axis,), norm)


@tangent(np.fft.fft)
def _(y, a, n=None, axis=-1, norm=None):
    y_dot = np.fft.fft(a_dot, n, axis, norm)


@adjoint(np.fft.ifft)
def _(y, a, n=None, axis=-1, norm=None):
    a_bar = fft_adjoint(y_bar, a, as_s(n), (axis,), norm, True)


@tangent(np.fft.ifft)
def _(y, a, n=None, axis=-1, norm=None):
    y_dot = np.fft.ifft(a_dot, n, axis, norm)


@adjoint(np.fft.rfft)
def _(y, a, n=None, axis=-1, norm=None):
    a_bar = rfft_adjoint(y_bar, a, as_s(n), (axis,), norm)


@tangent(np.fft.rfft)
def _(y, a, n=None, axis=-1, norm=None):
    y_dot = np.fft.rfft(a_dot, n, axis, norm)


@adjoint(np.fft.irfft)
def _(y, a, n=None, axis=-1, norm=None):
    a_bar = irfft_adjoint(y_bar, a, as_s(n), (axis,), norm)


@tangent(np.fft.irfft)
def _(y, a, n=None, axis=-1, norm=None):
    y_dot = np.fft.irfft(a_dot, n, axis, norm)


for _fn in (np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft):
    declare(_fn, static="n axis norm")

# --- several axes ---------------------------------------------------------------------------------


@adjoint(np.fft.fftn)
def _(y, a, s=None, axes=None, norm=None):
    a_bar = fft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.fftn)
def _(y, a, s=None, axes=None, norm=None):
    y_dot = np.fft.fftn(a_dot, s, axes, norm)


@adjoint(np.fft.ifftn)
def _(y, a, s=None, axes=None, norm=None):
    a_bar = fft_adjoint(y_bar, a, s, axes, norm, True)


@tangent(np.fft.ifftn)
def _(y, a, s=None, axes=None, norm=None):
    y_dot = np.fft.ifftn(a_dot, s, axes, norm)


@adjoint(np.fft.rfftn)
def _(y, a, s=None, axes=None, norm=None):
    a_bar = rfft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.rfftn)
def _(y, a, s=None, axes=None, norm=None):
    y_dot = np.fft.rfftn(a_dot, s, axes, norm)


@adjoint(np.fft.irfftn)
def _(y, a, s=None, axes=None, norm=None):
    a_bar = irfft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.irfftn)
def _(y, a, s=None, axes=None, norm=None):
    y_dot = np.fft.irfftn(a_dot, s, axes, norm)


@adjoint(np.fft.fft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    a_bar = fft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.fft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    y_dot = np.fft.fft2(a_dot, s, axes, norm)


@adjoint(np.fft.ifft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    a_bar = fft_adjoint(y_bar, a, s, axes, norm, True)


@tangent(np.fft.ifft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    y_dot = np.fft.ifft2(a_dot, s, axes, norm)


@adjoint(np.fft.rfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    a_bar = rfft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.rfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    y_dot = np.fft.rfft2(a_dot, s, axes, norm)


@adjoint(np.fft.irfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    a_bar = irfft_adjoint(y_bar, a, s, axes, norm)


@tangent(np.fft.irfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    y_dot = np.fft.irfft2(a_dot, s, axes, norm)


for _fn in (
    np.fft.fftn,
    np.fft.ifftn,
    np.fft.rfftn,
    np.fft.irfftn,
    np.fft.fft2,
    np.fft.ifft2,
    np.fft.rfft2,
    np.fft.irfft2,
):
    declare(_fn, static="s axes norm")

# --- shifts: permutations, each the other's inverse and transpose ------------------------------------


@adjoint(np.fft.fftshift)
def _(y, x, axes=None):
    x_bar = np.fft.ifftshift(y_bar, axes)


@tangent(np.fft.fftshift)
def _(y, x, axes=None):
    y_dot = np.fft.fftshift(x_dot, axes)


@adjoint(np.fft.ifftshift)
def _(y, x, axes=None):
    x_bar = np.fft.fftshift(y_bar, axes)


@tangent(np.fft.ifftshift)
def _(y, x, axes=None):
    y_dot = np.fft.ifftshift(x_dot, axes)


declare(np.fft.fftshift, static="axes")
declare(np.fft.ifftshift, static="axes")

# the result's shape follows from the argument's and from n, s, axes (exact) alone (shape_facts.py)
describe(
    np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.fft2, np.fft.ifft2, np.fft.rfft2, np.fft.irfft2,
    np.fft.fftn, np.fft.ifftn, np.fft.rfftn, np.fft.irfftn, np.fft.fftshift, np.fft.ifftshift,
    shape=SHAPE_FIRST,
)  # fmt: skip
