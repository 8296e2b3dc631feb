"""Run-time helpers of complex values and np.fft (rules/fft_rules.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

# --- complex values and np.fft (rules/fft_rules.py) -------------------------------------------------
# The adjoint of a complex value c is ∂L/∂Re c - i ∂L/∂Im c (so a holomorphic f has adjoint
# ȳ f'(x), as the elementwise rules write it); a real input's adjoint is the real part of what a
# complex one would get.


def real_if_real(g: Any, x: Any) -> Any:
    """`g`, or its real part when `x` is real (a real input's adjoint is real)."""
    if np.iscomplexobj(g) and not np.iscomplexobj(x):
        return np.real(g)
    return g


def abs_slope(x: Any) -> Any:
    """conj(x) / |x| (0 at 0): y = |x| changes by Re(abs_slope(x) dx), and x's adjoint is
    ȳ abs_slope(x). For real x it is sign(x)."""
    s = np.sign(x)
    return np.conj(s) if np.iscomplexobj(s) else s


def abs_slope_dot(t: Any, x: Any) -> Any:
    """The derivative of abs_slope(x) = conj(x) / r (r = |x|) along t: 0 for a real x (sign is
    piecewise constant), conj(t) / r - conj(x) Re(conj(x) t) / r³ for a complex one."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    r = np.abs(x)
    return np.conj(t) / r - np.conj(x) * np.real(np.conj(x) * t) / r**3


def abs_slope_bar(g: Any, x: Any) -> Any:
    """The adjoint of x in abs_slope(x) given the result's adjoint g (the transpose of the
    R-linear abs_slope_dot): 0 for a real x, conj(g) / r - Re(g conj(x)) conj(x) / r³ else."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    r = np.abs(x)
    return np.conj(g) / r - np.real(g * np.conj(x)) * np.conj(x) / r**3


def imag_adjoint(g: Any, x: Any) -> Any:
    """The adjoint of `x` in y = np.imag(x): -i ȳ, or 0 for a real x (whose imaginary part is 0)."""
    if not np.iscomplexobj(x):
        return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
    return -1j * np.asarray(g)


def fit_to(g: Any, x: Any) -> Any:
    """`g` cut off or padded with zeros at the end of each axis to the shape of `x` (the adjoint of
    the padding or cutting np.fft does for a given n or s)."""
    g = np.asarray(g)
    shape = np.shape(x)
    if g.shape == shape:
        return g
    g = g[tuple(slice(0, min(a, b)) for a, b in zip(g.shape, shape))]
    return np.pad(g, [(0, b - a) for a, b in zip(g.shape, shape)])


def fft_axes(a: Any, s: Any = None, axes: Any = None) -> tuple[int, ...]:
    """The axes np.fft.fftn(a, s, axes) transforms (all, or the last len(s) when only s is given)."""
    nd = np.ndim(a)
    if axes is None:
        return tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
    return tuple(int(ax) % nd for ax in axes)


def _extend(g: Any, axis: int, n: int) -> Any:
    """`g` padded with zeros (or cut) along `axis` to length n."""
    g = np.asarray(g)
    m = g.shape[axis]
    if m >= n:
        return g[(slice(None),) * axis + (slice(0, n),)]
    pad = [(0, 0)] * g.ndim
    pad[axis] = (0, n - m)
    return np.pad(g, pad)


def as_s(n: Any) -> Any:
    """The `s` of the n-dimensional transform that a one-dimensional one of length `n` is."""
    return None if n is None else (n,)


_DUAL_NORM = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def fft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None, inverse: bool = False) -> Any:
    """The adjoint of `a` in np.fft.fftn(a, s, axes, norm) (or ifftn; fft, ifft, fft2, ifft2 with
    the matching axes): the transform's matrix is symmetric, so its transpose is the transform
    itself, applied to g, then cut or padded back to a's shape."""
    ax = fft_axes(a, s, axes)
    out = (np.fft.ifftn if inverse else np.fft.fftn)(g, axes=ax, norm=norm)
    return real_if_real(fit_to(out, a), a)


def rfft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None) -> Any:
    """The adjoint of `a` in np.fft.rfftn(a, s, axes, norm) (rfft, rfft2 likewise): rfftn keeps the
    first n//2 + 1 outputs of the full transform along the last axis, so g is padded with zeros
    back to n there, then transformed as by fft_adjoint."""
    ax = fft_axes(a, s, axes)
    n = np.shape(a)[ax[-1]] if s is None else s[-1]
    out = np.fft.fftn(_extend(g, ax[-1], n), axes=ax, norm=norm)
    return np.real(fit_to(out, a))


def irfft_adjoint(g: Any, a: Any, s: Any = None, axes: Any = None, norm: Any = None) -> Any:
    """The adjoint of `a` in np.fft.irfftn(a, s, axes, norm) (irfft, irfft2 likewise). Along the
    last axis y_t = c (Re a_0 + 2 Σ Re(a_k e^{2πikt/n}) [+ Re a_{n/2} (-1)^t]), so
    ā_k = c w_k conj(Σ_t ȳ_t e^{-2πikt/n}) with w_k = 2, and 1 at k = 0 and (n even) k = n/2: an
    rfft of ȳ with the dual normalisation; the other axes are an ifftn (its own transpose)."""
    ax = fft_axes(a, s, axes)
    last = ax[-1]
    n = 2 * (np.shape(a)[last] - 1) if s is None else s[-1]
    out = np.conj(np.fft.rfft(np.asarray(g, dtype=float), n, axis=last, norm=_DUAL_NORM[norm]))
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    out = out * np.reshape(w, (-1,) + (1,) * (out.ndim - 1 - last))
    if len(ax) > 1:
        out = np.fft.ifftn(out, axes=ax[:-1], norm=norm)
    return real_if_real(fit_to(out, a), a)


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
