"""Timing (timeit-style) and the correctness checks every gradient passes before it is timed."""

from __future__ import annotations

import time
import timeit
from typing import Any, Callable

import numpy as np

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def per_call(fn: Callable, args: tuple, target: float, repeats: int, clock: str = "wall") -> float:
    """Seconds per call of `fn(*args)`: the number of calls per measurement is calibrated so that
    one measurement takes about `target` seconds; the result is the minimum, over `repeats`
    measurements, of the mean time per call (timeit's method: the minimum is the run least
    disturbed by the rest of the machine). Garbage collection is off while timing, as in timeit.
    clock="cpu" counts this process's CPU time instead of wall time: steadier on a busy machine."""
    timer = timeit.Timer("fn(*args)", timer=CLOCKS[clock], globals={"fn": fn, "args": args})
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target / 10 or number >= 10**7:
            break
        number *= 10 if elapsed < target / 100 else 2
    number = max(1, round(number * target / max(elapsed, 1e-9)))
    return min(timer.repeat(repeat=repeats, number=number)) / number


# --------------------------------------------------------------------------- correctness


def _perturbed(args: tuple, idx: tuple[int, ...], directions: list, eps: float) -> tuple:
    out = list(args)
    for i, v in zip(idx, directions):
        x = args[i]
        out[i] = float(x + eps * v) if np.ndim(x) == 0 else x + eps * v
    return tuple(out)


def directional_check(f: Callable, grads: tuple, args: tuple, idx: tuple[int, ...], seed: int = 1) -> str | None:
    """Compare the gradient against central differences along three random directions; None if it
    agrees, else a description of the disagreement."""
    rng = np.random.default_rng(seed)
    for trial in range(3):
        directions = [rng.normal(size=np.shape(args[i])) for i in idx]
        scale = max(max(1.0, float(np.max(np.abs(np.asarray(args[i], dtype=float))))) for i in idx)
        eps = 1e-6 * scale
        numeric = (f(*_perturbed(args, idx, directions, eps)) - f(*_perturbed(args, idx, directions, -eps))) / (2 * eps)
        analytic = sum(float(np.sum(g * v)) for g, v in zip(grads, directions))
        bound = sum(float(np.sum(np.abs(g * v))) for g, v in zip(grads, directions))
        if not abs(analytic - numeric) <= 1e-5 * abs(numeric) + 1e-7 * bound + 1e-9:
            return f"directional derivative {analytic:.9g} vs central difference {float(numeric):.9g} (try {trial})"
    return None


def compare(got: Any, want: tuple, names: tuple[str, ...]) -> str | None:
    """None if the gradient `got` (a tuple of arrays) matches the reference `want`, else why not."""
    if len(got) != len(want):
        return f"{len(got)} gradients, expected {len(want)}"
    for g, r, name in zip(got, want, names):
        if np.shape(g) != np.shape(r):
            return f"d/d{name} has shape {np.shape(g)}, expected {np.shape(r)}"
        tol = 1e-8 * max(1.0, float(np.max(np.abs(r))) if np.size(r) else 1.0)
        if not np.allclose(g, r, rtol=1e-6, atol=tol):
            err = float(np.max(np.abs(np.asarray(g) - r)))
            return f"d/d{name} differs from the reference by up to {err:.3g}"
    return None
