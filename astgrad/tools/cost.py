"""The lecture's two questions for the user's own function: which mode is faster, and which needs
less memory, for the full gradient or Jacobian. Measured, not estimated."""

from __future__ import annotations

import html
import inspect
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..ad.assemble import build_vjp
from ..api import cached, jacobian, jvp_function, parameter_names
from ..errors import ArgumentError
from .unrolled import wrt_names


@dataclass
class ModeCost:
    """One mode's cost of the full Jacobian."""

    mode: str
    sweeps: int  # reverse: one per output element; forward: one per input element
    seconds: float  # the full Jacobian, best of several runs
    peak_bytes: int  # memory allocated at the peak of one sweep (tracemalloc)
    kept_bytes: int  # values the forward sweep keeps for the backward sweep (reverse mode's tape)

    @property
    def seconds_per_sweep(self) -> float:
        return self.seconds / max(self.sweeps, 1)


@dataclass
class CostReport:
    """Forward against reverse mode for one function and its arguments."""

    func_name: str
    inputs: int  # n: elements of the wrt inputs
    outputs: int  # m: elements of the output
    reverse: ModeCost
    forward: ModeCost

    @property
    def faster(self) -> str:
        return "reverse" if self.reverse.seconds <= self.forward.seconds else "forward"

    def _rows(self) -> list[list[str]]:
        rows = [
            ["mode", "sweeps", "time (full Jacobian)", "time per sweep", "peak memory of a sweep", "kept for backward"]
        ]
        for c in (self.reverse, self.forward):
            rows.append([
                c.mode, str(c.sweeps), _seconds(c.seconds), _seconds(c.seconds_per_sweep),
                _bytes(c.peak_bytes), _bytes(c.kept_bytes) if c.mode == "reverse" else "nothing",
            ])  # fmt: skip
        return rows

    def _summary(self) -> str:
        n, m = self.inputs, self.outputs
        expect = "reverse" if m < n else "forward" if n < m else "either"
        ratio = max(self.reverse.seconds, self.forward.seconds) / max(
            min(self.reverse.seconds, self.forward.seconds), 1e-12
        )
        return (
            f"{self.func_name}: R^{n} -> R^{m}. Reverse mode sweeps once per output ({m}), forward mode once per\n"
            f"input ({n}): the lecture expects {expect} mode to win here. Measured: {self.faster} mode is "
            f"{ratio:.1f}x faster.\nReverse mode keeps the values its backward sweep reads; forward mode keeps nothing."
        )

    def __str__(self) -> str:
        rows = self._rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return self._summary() + "\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = self._rows()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
        return f"<p>{html.escape(self._summary())}</p><table><tr>{head}</tr>{body}</table>"


def _seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def _bytes(b: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if b < 1024 or unit == "MiB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    raise AssertionError


def _best_time(run: Callable[[], Any], budget: float) -> float:
    """The best time of one `run()` over repeated timings that take about `budget` seconds."""
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(budget / 5 / once))
    best = once
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _peak(run: Callable[[], Any]) -> int:
    """Bytes allocated at the peak of `run()`, above what was allocated before it."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        return max(tracemalloc.get_traced_memory()[1] - before, 0)
    finally:
        if started:
            tracemalloc.stop()


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (int, float, complex, np.number)):
        return 8
    return 0


def cost(func: Callable, *args: Any, wrt: Any = 0, budget: float = 0.2) -> CostReport:
    """Time and memory of the full Jacobian of `func` at `args` with respect to `wrt`, by reverse
    mode (one backward sweep per output element) and by forward mode (one tangent sweep per input
    element). Each mode is timed for about `budget` seconds.

    >>> print(astgrad.cost(loss, w, X, y, wrt="w"))
    """
    names = wrt_names(func, wrt)
    params = parameter_names(func)
    try:  # (a parameter with a default may be left out)
        bound = inspect.signature(func).bind(*args)
    except TypeError as exc:
        raise ArgumentError(f"cost takes the arguments of {func.__name__} by position: {exc}") from None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    if list(arguments) != params:
        raise ArgumentError(
            f"cost takes the {len(params)} arguments of {func.__name__} by position (no star arguments)"
        )
    args = tuple(arguments.values())
    out = func(*args)
    m = int(np.size(out))
    n = sum(int(np.size(arguments[w])) for w in names)
    wrt_arg = tuple(names)
    reverse_jac = jacobian(func, wrt=wrt_arg, mode="reverse")
    forward_jac = jacobian(func, wrt=wrt_arg, mode="forward")

    fwd, bwd, _ = cached(func, ("vjp",), lambda: build_vjp(func, optimize=True))
    seed = np.ones(np.shape(out)) if np.ndim(out) else 1.0

    def reverse_sweep() -> None:
        tape: list = []
        fwd(tape, *args)
        bwd(tape, seed)

    tape: list = []
    fwd(tape, *args)
    kept = _nbytes(tape)

    jvp_fn = jvp_function(func, wrt_arg)
    direction = {jvp_fn.dot_params[w]: np.ones(np.shape(arguments[w])) if np.ndim(arguments[w]) else 1.0 for w in names}

    def forward_sweep() -> None:
        jvp_fn(**arguments, **direction)

    reverse = ModeCost("reverse", m, _best_time(lambda: reverse_jac(*args), budget), _peak(reverse_sweep), kept)
    forward = ModeCost("forward", n, _best_time(lambda: forward_jac(*args), budget), _peak(forward_sweep), 0)
    return CostReport(func.__name__, n, m, reverse, forward)
