"""How a loop's gradient grows with the loop length: `python -m benchmarks.scaling [--max-T N]
[--only NAMES] [--plot PATH]`, also the last section of `python -m benchmarks`.

For each loop workload (benchmarks/workloads.py, LOOP_WORKLOADS, then every variant of
benchmarks/variants.py whose loop length is a parameter of its data: the RNN, EMA, convolution
and pendulum spellings, CS231n's `rnn_forward` and the LSTM, each with its family's hand-written
gradient) and T = 10³, 10⁴, 10⁵ (10⁶ with --max-T 1000000), it checks the hand-written gradient
against central differences (at a short T) and astgrad's against the hand-written one (at every
T), then measures the time per loop iteration of f, of the hand-written gradient and of
astgrad's (its specialised code, after the first call), and the peak memory of one gradient
call: `tracemalloc`'s peak during the call above what was allocated before it (NumPy reports its
array buffers to tracemalloc).

The targets (issue 20): astgrad's gradient/f at the largest T within 1.2× of gradient/f at
T = 10³ (no cost that grows faster than the work), and its peak memory at most 1.5× the
hand-written gradient's at the largest T. A PNG of time and memory against T is saved when
matplotlib is installed.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from dataclasses import dataclass, field
from functools import partial

if __name__ == "__main__":  # before NumPy loads its BLAS
    from .threads import limit_threads

    limit_threads([])

import numpy as np  # noqa: E402

from . import timing  # noqa: E402
from .peers import as_tuple  # noqa: E402
from .workloads import LOOP_WORKLOADS, LoopWorkload  # noqa: E402

GROWTH_TARGET = 1.2  # (gradient/f at the largest T) / (gradient/f at T = 10³)
MEMORY_TARGET = 1.5  # astgrad's peak memory / the hand-written gradient's, at the largest T
CHECK_T = 12  # the loop length at which the hand-written gradient is checked against central differences


@dataclass
class Point:
    T: int
    f: float  # seconds per call
    hand: float
    astgrad: float
    hand_peak: int  # bytes
    astgrad_peak: int


@dataclass
class Series:
    workload: LoopWorkload
    points: list[Point] = field(default_factory=list)
    problem: str | None = None


def peak_bytes(fn, args: tuple) -> int:
    """Peak memory allocated during `fn(*args)`, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn(*args)
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - base


CLOCK = ["wall"]  # or "cpu" (--clock): this process's CPU time, steadier on a busy machine


def seconds(fn, args: tuple, T: int, quick: bool) -> float:
    target = 0.02 if quick else 0.1
    return timing.per_call(fn, args, target, 3, CLOCK[0])


def _sized(make_args, length: str, rng: np.random.Generator, T: int) -> tuple:
    return make_args(rng, **{length: T})


def loop_workloads() -> list[LoopWorkload]:
    """The suite's loop workloads, then the variants whose loop length is a parameter (those
    that are one of the suite's own functions once only, as the suite's)."""
    from .variants import VARIANTS

    own = {w.f for w in LOOP_WORKLOADS}
    variants = [
        LoopWorkload(v.name, v.f, v.hand, v.wrt, partial(_sized, v.make_args, v.length), v.spelling)
        for v in VARIANTS
        if v.length and v.f not in own
    ]
    return LOOP_WORKLOADS + variants


def measure(w: LoopWorkload, lengths: list[int], quick: bool, log=None) -> Series:
    import astgrad

    series = Series(w)
    idx = w.wrt_indices()
    short = w.make_args(np.random.default_rng(0), CHECK_T)
    problem = timing.directional_check(w.f, as_tuple(w.hand(*short)), short, idx)
    if problem:
        series.problem = f"the hand-written gradient disagrees with central differences: {problem}"
        return series
    g = astgrad.grad(w.f, wrt=w.wrt)
    for T in lengths:
        args = w.make_args(np.random.default_rng(0), T)
        try:
            got = as_tuple(g(*args))  # the first call generates the specialised code
        except Exception as exc:
            series.problem = f"astgrad fails at T={T}: {type(exc).__name__}: {exc}"[:300]
            return series
        wrong = timing.compare(got, as_tuple(w.hand(*args)), w.wrt)
        if wrong:
            series.problem = f"astgrad's gradient is WRONG at T={T}: {wrong}"
            return series
        point = Point(
            T,
            seconds(w.f, args, T, quick),
            seconds(w.hand, args, T, quick),
            seconds(g, args, T, quick),
            peak_bytes(w.hand, args),
            peak_bytes(g, args),
        )
        series.points.append(point)
        if log is not None:
            log(
                f"  {w.name:16s} T={T:>9,}  f {point.f / T * 1e6:7.3f}  hand {point.hand / T * 1e6:7.3f}  "
                f"astgrad {point.astgrad / T * 1e6:7.3f} µs/iteration  peak {point.astgrad_peak / 1e6:.2f} MB "
                f"(hand {point.hand_peak / 1e6:.2f} MB)"
            )
    return series


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f}" if n < 1e7 else f"{n / 1e6:.1f}"


def _us(s: float) -> str:
    us = s * 1e6
    return f"{us:.3f}" if us < 10 else f"{us:.2f}"


def table(all_series: list[Series]) -> list[str]:
    lines = [
        "| workload | T | f µs/it | hand µs/it | astgrad µs/it | astgrad/f | growth "
        "| peak MB hand | peak MB astgrad | memory astgrad/hand |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in all_series:
        if s.problem:
            lines.append(f"| {s.workload.name} | {s.problem} | | | | | | | | |")
            continue
        first = s.points[0].astgrad / s.points[0].f
        for p in s.points:
            ratio = p.astgrad / p.f
            growth = ratio / first
            mem = p.astgrad_peak / max(p.hand_peak, 1)
            grow_text = f"{growth:.2f}" if growth <= GROWTH_TARGET else f"**{growth:.2f}**"
            mem_text = f"{mem:.2f}" if mem <= MEMORY_TARGET or p.T < 10**5 else f"**{mem:.2f}**"
            lines.append(
                f"| {s.workload.name} | {p.T:,} | {_us(p.f / p.T)} | {_us(p.hand / p.T)} | {_us(p.astgrad / p.T)} "
                f"| {ratio:.2f} | {grow_text} | {_mb(p.hand_peak)} | {_mb(p.astgrad_peak)} | {mem_text} |"
            )
    return lines


def verdicts(all_series: list[Series]) -> tuple[list[str], bool]:
    out, ok = [], True
    for s in all_series:
        if s.problem:
            out.append(f"- {s.workload.name}: {s.problem}")
            ok = False
            continue
        first, last = s.points[0], s.points[-1]
        growth = (last.astgrad / last.f) / (first.astgrad / first.f)
        mem = last.astgrad_peak / max(last.hand_peak, 1)
        misses = []
        if growth > GROWTH_TARGET:
            misses.append(f"gradient/f grows {growth:.2f}× from T={first.T:,} to T={last.T:,}")
        if last.T >= 10**5 and mem > MEMORY_TARGET:
            misses.append(f"peak memory {mem:.2f}× the hand-written gradient's at T={last.T:,}")
        if misses:
            out.append(f"- {s.workload.name}: " + "; ".join(misses))
    if not out:
        out.append(
            f"- every loop workload within the targets (growth ≤ {GROWTH_TARGET}, memory ≤ {MEMORY_TARGET}× hand)"
        )
    return out, ok


def plot(all_series: list[Series], path: str) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(13, 5.2))
    shown = [x for x in all_series if x.points]
    palette = plt.get_cmap("tab10" if len(shown) <= 10 else "tab20" if len(shown) <= 20 else "nipy_spectral")
    for k, s in enumerate(shown):
        color = palette(k) if len(shown) <= 20 else palette(0.05 + 0.9 * k / (len(shown) - 1))
        Ts = [p.T for p in s.points]
        ax_t.plot(Ts, [p.astgrad / p.T * 1e6 for p in s.points], "o-", color=color, label=s.workload.name)
        ax_t.plot(Ts, [p.hand / p.T * 1e6 for p in s.points], "s--", color=color, alpha=0.5)
        ax_m.plot(Ts, [p.astgrad_peak / 1e6 for p in s.points], "o-", color=color, label=s.workload.name)
        ax_m.plot(Ts, [p.hand_peak / 1e6 for p in s.points], "s--", color=color, alpha=0.5)
    ax_t.set(xscale="log", yscale="log", xlabel="T (loop length)", ylabel="µs per iteration", title="gradient time")
    ax_m.set(xscale="log", yscale="log", xlabel="T (loop length)", ylabel="MB", title="peak memory of a gradient call")
    key = "astgrad ●—, hand ■--"
    ax_m.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), title=key, title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def report(
    max_T: int = 10**5,
    only: list[str] | None = None,
    quick: bool = False,
    plot_path: str | None = "scaling.png",
    log=None,
) -> tuple[list[str], bool]:
    lengths = [T for T in (10**3, 10**4, 10**5, 10**6) if T <= max_T]
    workloads = [w for w in loop_workloads() if not only or w.name in only]
    all_series = [measure(w, lengths, quick, log) for w in workloads]
    lines = table(all_series)
    lines.append("")
    more, ok = verdicts(all_series)
    lines += more
    if plot_path:
        saved = plot(all_series, plot_path)
        lines.append(f"- plot: {saved}" if saved else "- no plot (pip install matplotlib)")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__.split("\n\n")[0])
    p.add_argument("--max-T", type=float, default=1e5, help="the longest loop (default 1e5; 1e6 also fits)")
    p.add_argument("--only", default="", help="comma-separated loop workload names")
    p.add_argument("--plot", default="scaling.png", help="where to save the PNG (default scaling.png; '' for none)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="wall time (default) or process CPU time")
    opts = p.parse_args(argv)
    CLOCK[0] = opts.clock
    only = [n for n in opts.only.split(",") if n]
    unknown = set(only) - {w.name for w in loop_workloads()}
    if unknown:
        print(f"unknown loop workloads: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    lines, ok = report(
        int(opts.max_T), only, opts.quick, opts.plot or None, log=lambda m: print(m, file=sys.stderr, flush=True)
    )
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
