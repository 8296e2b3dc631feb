"""The lecture's evaluation trace for the user's own function: one row per primitive, with its
value and its adjoint (reverse mode) or tangent (forward mode)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import ArgumentError
from . import formatting
from .unrolled import MAX_STEPS, Unrolled, record_adjoints, record_tangents, unroll, wrt_names


@dataclass
class TraceRow:
    """One row: an input or a primitive statement, its value, and its adjoint or tangent."""

    name: str  # the name it defines (`t1`, `s_2`), or the input's name
    statement: str  # `t1 = x1 * x2`, or `x1` for an input
    value: Any
    derivative: Any  # the adjoint `name_bar` (reverse) or the tangent `name_dot` (forward); None if inactive
    kind: str  # "input" or "primitive"


class Trace:
    """The evaluation trace of one call: `rows` in the order the mode computes them.

    Reverse mode lists the primitives in reverse order (the backward sweep), then the inputs with
    the gradient; forward mode lists the inputs with their tangents (the direction), then the
    primitives in evaluation order. `str()` is an aligned table; notebooks show an HTML table.
    """

    def __init__(self, func_name: str, mode: str, wrt: list[str], rows: list[TraceRow], result: Any):
        self.func_name = func_name
        self.mode = mode
        self.wrt = wrt
        self.rows = rows
        self.result = result  # reverse: {name: gradient}; forward: the output's tangent

    @property
    def suffix(self) -> str:
        return "_bar" if self.mode == "reverse" else "_dot"

    def row(self, name: str) -> TraceRow:
        """The row defining `name`."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        column = "adjoint w_bar" if self.mode == "reverse" else "tangent w_dot"
        header = ["w", "statement", "value", column]
        body = [
            [r.name, r.statement if r.kind == "primitive" else "(input)", formatting.value(r.value),
             "" if r.derivative is None else f"{r.name}{self.suffix} = {formatting.value(r.derivative)}"]
            for r in self.rows
        ]  # fmt: skip
        return header, body

    def _title(self) -> str:
        wrt = ", ".join(self.wrt)
        if self.mode == "reverse":
            return (
                f"reverse-mode trace of {self.func_name} with respect to {wrt} (backward sweep, last primitive first)"
            )
        return f"forward-mode trace of {self.func_name} along the tangents of {wrt}"

    def __str__(self) -> str:
        header, body = self._cells()
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self._title(), line(header), rule, *(line(r) for r in body)])

    def __repr__(self) -> str:
        return f"<Trace of {self.func_name}, {self.mode} mode, {len(self.rows)} rows>"

    def _repr_html_(self) -> str:
        header, body = self._cells()
        head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
        rows = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(c)}</code></td>" for c in r) + "</tr>"
            for r in body
        )
        return f"<table><caption>{html.escape(self._title())}</caption><tr>{head}</tr>{rows}</table>"


def _default_direction(run: Unrolled, names: list[str]) -> dict[str, Any]:
    """The tangent that gives the derivative with respect to the first element of the first
    `wrt` input (the lecture's ẋ1 = 1, ẋ2 = 0)."""
    direction = {}
    for k, n in enumerate(names):
        x = run.arguments[n]
        if isinstance(x, np.ndarray):
            e = np.zeros(x.shape, dtype=np.result_type(x.dtype, float))
            if k == 0 and e.size:
                e.reshape(-1)[0] = 1.0
            direction[n] = e
        elif isinstance(x, (int, float, np.number)):
            direction[n] = 1.0 if k == 0 else 0.0
        else:
            raise ArgumentError(f"give the forward-mode direction for {n} (a {type(x).__name__}) with direction=")
    return direction


def trace(
    func: Callable,
    *args: Any,
    wrt: Any = 0,
    mode: str = "reverse",
    direction: Any = None,
    max_steps: int = MAX_STEPS,
    **kwargs: Any,
) -> Trace:
    """The evaluation trace of `func(*args, **kwargs)`: each primitive that ran (loops unrolled),
    its value, and its adjoint `w_bar` (mode="reverse") or its tangent `w_dot` along `direction`
    (mode="forward"; one tangent per `wrt` input, by default the first input's first element).

    >>> print(astgrad.trace(f, 0.7, -1.3, wrt=("x1", "x2")))
    """
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    names = wrt_names(func, wrt)
    run = unroll(func, args, kwargs, max_steps)
    inputs = [n for n in run.params if n in names]
    if mode == "reverse":
        gradients = record_adjoints(run, names)
        rows = [TraceRow(s.target, s.code, s.value, s.adjoint, "primitive") for s in reversed(run.steps)]
        rows += [TraceRow(n, n, run.arguments[n], gradients[n], "input") for n in inputs]
        return Trace(func.__name__, mode, names, rows, gradients)
    if direction is None:
        chosen = _default_direction(run, names)
    else:
        given = direction if isinstance(direction, (tuple, list)) and len(names) > 1 else (direction,)
        if len(given) != len(names):
            raise ArgumentError(f"direction gives {len(given)} tangents for {len(names)} wrt inputs")
        chosen = dict(zip(names, given))
    out_dot = record_tangents(run, names, chosen)
    rows = [TraceRow(n, n, run.arguments[n], chosen[n], "input") for n in inputs]
    rows += [TraceRow(s.target, s.code, s.value, s.tangent, "primitive") for s in run.steps]
    return Trace(func.__name__, mode, names, rows, out_dot)
