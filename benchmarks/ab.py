"""The variant suite, A/B: two checkouts of astgrad measured one after the other, as ratios.

`python -m benchmarks.ab BEFORE AFTER [--only rnn,ema]` (each a checkout's root folder) times, in
one process per checkout, every variant's f, hand-written gradient and astgrad gradient by CPU
time (the best of 7 windows of 50 ms: CPU time moves less than wall-clock time on a shared
machine), and the first call (`grad(f)` and its first call, astgrad's caches cleared, the median
of 3), then prints the two side by side with the issue's targets in bold where missed.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
import types

WINDOW = 0.05  # seconds of CPU time per timing window


def _per_call(fn, args) -> float:
    best = math.inf
    for _ in range(7):
        start, n = time.process_time(), 0
        while time.process_time() - start < WINDOW:
            fn(*args)
            n += 1
        best = min(best, (time.process_time() - start) / n)
    return best * 1e6


def measure(only: set[str] | None) -> dict:
    """Each variant's times (µs) and first call (ms) with the astgrad this process imports."""
    import numpy as np

    import astgrad
    from benchmarks import variants

    out = {}
    for v in variants.VARIANTS:
        if only and v.name not in only:
            continue
        args = v.make_args(np.random.default_rng(0))
        firsts = []
        for _ in range(3):
            variants.clear_caches()
            fn = types.FunctionType(v.f.__code__, v.f.__globals__, v.f.__name__, v.f.__defaults__, v.f.__closure__)
            start = time.process_time()
            astgrad.grad(fn, wrt=v.wrt)(*args)
            firsts.append((time.process_time() - start) * 1e3)
        g = astgrad.grad(v.f, wrt=v.wrt if len(v.wrt) > 1 else v.wrt[0])
        g(*args)
        out[v.name] = {
            "f": _per_call(v.f, args),
            "hand": _per_call(v.hand, args),
            "astgrad": _per_call(g, args),
            "first": statistics.median(firsts),
        }
    return out


def _run(root: str, only: str | None) -> dict:
    """measure() in a process that imports astgrad and the variants from the checkout at `root`
    (this file's own code measures, so a checkout without it can be measured too)."""
    command = [sys.executable, __file__, "--measure", root] + (["--only", only] if only else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(before: dict, after: dict) -> str:
    from benchmarks.variants import CHEAP_TARGET, HAND_TARGET

    def cell(x: float, target: float) -> str:
        return f"**{x:.2f}**" if x > target else f"{x:.2f}"

    lines = [
        "| variant | astgrad/hand before | after | astgrad/f before | after | first call ms before | after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = []
    for name, a in after.items():
        b = before.get(name)
        if b is None:
            continue
        r = (b["astgrad"] / b["hand"], a["astgrad"] / a["hand"], b["astgrad"] / b["f"], a["astgrad"] / a["f"])
        ratios.append((*r, b["first"], a["first"]))
        lines.append(
            f"| {name} | {r[0]:.2f} | {cell(r[1], HAND_TARGET)} | {r[2]:.2f} | {cell(r[3], CHEAP_TARGET)} "
            f"| {b['first']:.0f} | {a['first']:.0f} |"
        )

    def geomean(xs: list[float]) -> float:
        return math.exp(sum(map(math.log, xs)) / len(xs))

    if ratios:
        lines.append(
            f"| geometric mean; over {CHEAP_TARGET:g}; median | {geomean([r[0] for r in ratios]):.2f} "
            f"| {geomean([r[1] for r in ratios]):.2f} | {sum(r[2] > CHEAP_TARGET for r in ratios)} "
            f"| {sum(r[3] > CHEAP_TARGET for r in ratios)} | {statistics.median(r[4] for r in ratios):.0f} "
            f"| {statistics.median(r[5] for r in ratios):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the root folder of the checkout measured first")
    parser.add_argument("after", help="the root folder of the checkout measured second")
    parser.add_argument("--only", help="comma-separated variant names")
    if sys.argv[1:2] == ["--measure"]:  # (the measuring process: _run)
        sys.path.insert(0, sys.argv[2])
        only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
        print(json.dumps(measure(set(only) if only else None)))
        return
    options = parser.parse_args()
    print(table(_run(options.before, options.only), _run(options.after, options.only)))


if __name__ == "__main__":
    main()
