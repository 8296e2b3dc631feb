"""Forward mode: one tangent sweep per input direction, against a vectorised tangent.

`grad(f, mode="forward")` and `jacobian(f, mode="forward")` run the generated forward-mode code
once per input element. The alternative is a vectorised tangent: one sweep carrying a batch of
directions. This script measures both on the regime forward mode is for (few inputs, many
outputs): astgrad's per-direction Jacobian, a hand-written vectorised-tangent Jacobian (the best a
vectorised tangent could do), and astgrad's reverse-mode Jacobian, one backward sweep per output.

    python -m benchmarks.forward_mode
"""

from __future__ import annotations

import sys

import numpy as np

import astgrad
from benchmarks.timing import per_call


def curve(t, w):
    """f: R² → R^m, a few inputs and many outputs (t, w scalars; m = len(grid))."""
    grid = np.linspace(0.0, 1.0, 200)
    return np.sin(w * grid + t) * np.exp(-t * grid) + w * grid**2


def curve_jacobian_vectorised(t, w):
    """Hand-written Jacobian with both tangent directions in one sweep (shape (m, 2))."""
    grid = np.linspace(0.0, 1.0, 200)
    s, c = np.sin(w * grid + t), np.cos(w * grid + t)
    e = np.exp(-t * grid)
    dt = c * e - s * e * grid
    dw = c * grid * e + grid**2
    return np.stack([dt, dw], axis=-1)


def main() -> None:
    t, w = 0.3, 1.7
    forward = astgrad.jacobian(curve, wrt=(0, 1), mode="forward")
    reverse = astgrad.jacobian(curve, wrt=(0, 1), mode="reverse")
    jt, jw = forward(t, w)
    expected = curve_jacobian_vectorised(t, w)
    assert np.allclose(np.stack([jt, jw], -1), expected) and np.allclose(np.stack(reverse(t, w), -1), expected)
    if "--check-only" in sys.argv:
        print("forward-mode Jacobian checked")
        return
    rows = [
        ("f itself", per_call(curve, (t, w), 0.1, 3)),
        (
            "hand-written vectorised tangent (1 sweep, 2 directions)",
            per_call(curve_jacobian_vectorised, (t, w), 0.1, 3),
        ),
        ("astgrad forward mode (2 sweeps)", per_call(forward, (t, w), 0.1, 3)),
        ("astgrad reverse mode (200 sweeps)", per_call(reverse, (t, w), 0.1, 3)),
    ]
    base = rows[1][1]
    print("| Jacobian of f: R² → R²⁰⁰ | µs per call | / vectorised |")
    print("|---|---:|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds * 1e6:,.1f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
