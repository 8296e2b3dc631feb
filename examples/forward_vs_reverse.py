"""The lecture's two questions, measured: which mode is faster, which needs less memory?

Reverse mode computes a whole gradient in one backward sweep per output; forward mode needs one
tangent sweep per input. So for f: R^n -> R (a loss of many parameters) reverse mode wins by
about a factor n, and for g: R -> R^m (a curve sampled at m points) forward mode wins by about m.
Reverse mode pays in memory: its forward sweep keeps the values the backward sweep reads.

    python examples/forward_vs_reverse.py          # n, m = 10, 100, 1000
    python examples/forward_vs_reverse.py --fast   # n, m = 10, 100
"""

from __future__ import annotations

import argparse

import numpy as np

import astgrad


def many_inputs(x):
    """R^n -> R: a smooth loss of n parameters."""
    return np.sum(np.tanh(x) * x) + 0.5 * np.sum(x * x)


def many_outputs(t, freqs):
    """R -> R^m: a curve evaluated at m frequencies."""
    return np.sin(t * freqs) * np.exp(-0.1 * t)


def main(argv: list[str] | None = None) -> list:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fast", action="store_true", help="small sizes and short timings (what the tests run)")
    a = p.parse_args(argv)
    sizes = (10, 100) if a.fast else (10, 100, 1000)
    budget = 0.02 if a.fast else 0.3
    reports = []
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        report = astgrad.cost(many_inputs, x, budget=budget)
        print(report, end="\n\n")
        reports.append(report)
    for m in sizes:
        freqs = np.linspace(0.5, 5.0, m)
        report = astgrad.cost(many_outputs, 0.7, freqs, wrt="t", budget=budget)
        print(report, end="\n\n")
        reports.append(report)
    return reports


if __name__ == "__main__":
    main()
