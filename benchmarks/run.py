"""The benchmark suite: `python -m benchmarks [--quick] [--check-only] [--only NAMES] [--peers NAMES]`.

For every workload (benchmarks/workloads.py) it checks the hand-written gradient against central
differences, then checks every other gradient (astgrad's and each installed peer's) against the
hand-written one, and times the ones that agree. It prints a markdown table of microseconds per
call and ratios, astgrad's transformation cost, and the bytes astgrad's tape keeps for an RNN.

Exit status: 1 if a hand-written gradient disagrees with central differences (a bug in the suite)
or if astgrad fails or is wrong on any workload; peers' failures are reported and never change it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import sys
import time
import types
from dataclasses import dataclass, field

import numpy as np

from . import memory, threads, timing
from .peers import COLUMNS, Column, Unsupported, as_tuple
from .variants import clear_caches
from .workloads import (
    LONG_WRT,
    WORKLOADS,
    Workload,
    args_for,
    by_name,
    long_args,
    long_function,
    rnn,
    rnn_args,
    rnn_grad,
    rnn_storage_bytes,
)

HAND_TARGET = 1.25  # astgrad / hand-written, every workload
GEOMEAN_TARGET = 1.1  # astgrad / hand-written, geometric mean
CHEAP_TARGET = 3.0  # astgrad gradient / function, array workloads
TRANSFORM_TARGET = 0.050  # seconds to generate the gradient of a 40-line function

INSTALL_HINT = {"autograd": "autograd", "jax": "jax jaxlib", "tangent": "tangent-ad", "torch": "torch"}


@dataclass
class Cell:
    status: str  # "ok", "WRONG", "fail", "n/a", "missing"
    seconds: float | None = None
    note: str = ""


@dataclass
class Row:
    workload: Workload
    cells: dict[str, Cell] = field(default_factory=dict)

    def time(self, column: str) -> float | None:
        cell = self.cells.get(column)
        return cell.seconds if cell is not None else None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


# --------------------------------------------------------------------------- the machine


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines(columns: list[Column]) -> list[str]:
    try:
        astgrad_version = importlib.metadata.version("astgrad")
    except importlib.metadata.PackageNotFoundError:
        astgrad_version = "?"
    from .peers import _git_describe

    lines = [
        f"- machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"- python {platform.python_version()}, numpy {np.__version__}, astgrad {astgrad_version} ({_git_describe()})",
    ]
    peers = []
    for c in columns:
        if c.module in (None, "astgrad"):
            continue
        v = c.version()
        if c.name == "jax.jit":
            continue
        peers.append(f"{c.module} {v}" if v is not None else f"{c.module} not installed")
    lines.append("- peers: " + (", ".join(peers) or "none selected"))
    return lines


def load_line() -> str:
    """The load average: above a fraction of the CPU count, other processes share the cores and
    inflate wall-clock timings (use --clock cpu)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "load average unknown"
    busy = " (the machine is busy: timings are inflated and noisy)" if load > 1.0 else ""
    return f"load average {load:.2f}{busy}"


# --------------------------------------------------------------------------- one workload


def run_workload(w: Workload, columns: list[Column], check_only: bool, target: float, repeats: int, clock: str) -> Row:
    row = Row(w)
    args = args_for(w)
    idx = w.wrt_indices()
    hand = as_tuple(w.hand(*args))
    problem = timing.directional_check(w.f, hand, args, idx)
    for col in columns:
        if col.version() is None:
            row.cells[col.name] = Cell("missing")
            continue
        if col.name == "hand" and problem:
            row.cells[col.name] = Cell("WRONG", note=f"against central differences: {problem}")
            continue
        try:
            prepared = col.prepare(w, args)
        except Unsupported as exc:
            row.cells[col.name] = Cell("n/a", note=str(exc))
            continue
        except Exception as exc:  # the tool refuses the function
            row.cells[col.name] = Cell("fail", note=first_line(exc))
            continue
        try:
            result = prepared.to_numpy(prepared.fn(*prepared.args))  # also JIT compilation, untimed
        except Exception as exc:
            row.cells[col.name] = Cell("fail", note="when called: " + first_line(exc))
            continue
        if col.is_gradient and col.name != "hand":
            if problem:  # the hand-written gradient is wrong: check against central differences instead
                wrong = timing.directional_check(w.f, result, args, idx)
            else:
                wrong = timing.compare(result, hand, w.wrt)
            if wrong:
                row.cells[col.name] = Cell("WRONG", note=wrong)
                continue
        cell = Cell("ok")
        if not check_only:
            cell.seconds = timing.per_call(prepared.fn, prepared.args, target, repeats, clock)
        row.cells[col.name] = cell
        log(f"  {w.name:10s} {col.name:9s} {cell.status}" + (f" {cell.seconds * 1e6:10.2f} µs" if cell.seconds else ""))
    return row


# --------------------------------------------------------------------------- the table


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f}"
    if us < 1000:
        return f"{us:.1f}"
    return f"{us:,.0f}"


def fmt_ratio(r: float | None, limit: float | None) -> str:
    if r is None:
        return ""
    text = f"{r:.2f}"
    return f"**{text}**" if limit is not None and r > limit else text


def cell_text(cell: Cell | None, check_only: bool) -> str:
    if cell is None:
        return ""
    if cell.status == "missing":
        return "—"
    if cell.status != "ok":
        return cell.status
    return "ok" if check_only or cell.seconds is None else fmt_us(cell.seconds)


def table(rows: list[Row], columns: list[Column], check_only: bool) -> list[str]:
    names = [c.name for c in columns]
    head = ["workload", "size"] + names + ([] if check_only else ["astgrad/hand", "astgrad/f"])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    for row in rows:
        cells = [row.workload.name, row.workload.size]
        cells += [cell_text(row.cells.get(n), check_only) for n in names]
        if not check_only:
            a, h, f = row.time("astgrad"), row.time("hand"), row.time("f")
            cells.append(fmt_ratio(a / h if a and h else None, HAND_TARGET))
            cells.append(fmt_ratio(a / f if a and f else None, None if row.workload.scalar else CHEAP_TARGET))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def geomean(values: list[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def summary(rows: list[Row], columns: list[Column]) -> list[str]:
    out = []
    ratios = [
        (r.workload.name, r.time("astgrad") / r.time("hand")) for r in rows if r.time("astgrad") and r.time("hand")
    ]
    g = geomean([v for _, v in ratios])
    if g is not None:
        out.append(
            f"- geometric mean of astgrad/hand over {len(ratios)} workloads: **{g:.2f}** (target ≤ {GEOMEAN_TARGET})"
        )
    slow = [f"{n} {v:.2f}" for n, v in ratios if v > HAND_TARGET]
    out.append(f"- astgrad/hand > {HAND_TARGET}: " + (", ".join(slow) if slow else "none"))
    cheap = [
        f"{r.workload.name} {r.time('astgrad') / r.time('f'):.2f}"
        for r in rows
        if not r.workload.scalar
        and r.time("astgrad")
        and r.time("f")
        and r.time("astgrad") / r.time("f") > CHEAP_TARGET
    ]
    out.append(f"- astgrad/f > {CHEAP_TARGET} on an array workload: " + (", ".join(cheap) if cheap else "none"))
    beaten = []
    for r in rows:
        a = r.time("astgrad")
        if not a:
            continue
        faster = [
            f"{c.name} {r.time(c.name) / a:.2f}×"
            for c in columns
            if c.module not in (None, "astgrad") and r.time(c.name) and r.time(c.name) < a
        ]
        if faster:
            beaten.append(f"{r.workload.name} ({', '.join(faster)})")
    out.append(
        "- peers faster than astgrad (their time / astgrad's; the target names autograd, jax, jax.jit and tangent): "
        + ("; ".join(beaten) if beaten else "none")
    )
    return out


def notes(rows: list[Row]) -> list[str]:
    out = []
    for row in rows:
        for name, cell in row.cells.items():
            if cell.status in ("WRONG", "fail", "n/a") and cell.note:
                out.append(f"- {row.workload.name} / {name}: {cell.status}: {cell.note}")
    return out


# --------------------------------------------------------------------------- transformation cost


def fresh_copy(f: types.FunctionType) -> types.FunctionType:
    """A new function object with `f`'s code: a cache keyed on the function object misses."""
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


def body_lines(f: types.FunctionType) -> int:
    """Lines of `f`'s body, its docstring not counted."""
    import ast
    import inspect

    fdef = ast.parse(inspect.getsource(f)).body[0]
    body = fdef.body[1:] if isinstance(fdef.body[0], ast.Expr) else fdef.body
    return body[-1].end_lineno - body[0].lineno + 1


def transformation_cost(check_only: bool, quick: bool, clock: str) -> tuple[list[str], bool]:
    import inspect

    import astgrad
    import astgrad.api

    lines_of_code = body_lines(long_function)
    args = long_args(np.random.default_rng(0))
    idx = tuple(list(inspect.signature(long_function).parameters).index(n) for n in LONG_WRT)
    seconds, first_calls = [], []
    fn = g = None
    try:
        for _ in range(1 if check_only else 3 if quick else 5):
            clear_caches()  # (a fresh copy of the function would otherwise take its twin's gradient)
            fn = fresh_copy(long_function)
            now = timing.CLOCKS[clock]
            start = now()
            g = astgrad.grad(fn, wrt=LONG_WRT)
            seconds.append(now() - start)
            start = now()
            value = g(*args)  # the first call generates the code specialised for these shapes
            first_calls.append(now() - start)
        problem = timing.directional_check(long_function, as_tuple(value), args, idx)
    except Exception as exc:
        return [f"- astgrad fails on `long_function` ({lines_of_code}-line body): {first_line(exc)}"], False
    if problem:
        return [f"- astgrad's gradient of `long_function` is WRONG: {problem}"], False
    if check_only:
        return [f"- gradient of `long_function` ({lines_of_code}-line body): ok"], True
    again = astgrad.grad(fn, wrt=LONG_WRT)
    cached = timing.per_call(astgrad.grad, (fn, LONG_WRT), 0.02 if quick else 0.1, 3, clock)
    first = seconds[0]
    best = min(seconds)
    mark = "" if best <= TRANSFORM_TARGET else " (**over target**)"
    return [
        f"- generating the gradient of `long_function` ({lines_of_code}-line body, cache cleared): "
        f"{best * 1e3:.1f} ms best of {len(seconds)}, {first * 1e3:.1f} ms first{mark} "
        f"(target < {TRANSFORM_TARGET * 1e3:.0f} ms)",
        f"- its first call, which generates the code specialised for the arguments' types and shapes: "
        f"{min(first_calls) * 1e3:.1f} ms best of {len(first_calls)} (once per shape; later calls run that code)",
        f"- `grad(f)` again, same function and wrt: {cached * 1e6:.2f} µs per call, "
        f"{'returns the same gradient function' if again is g else 'returns a NEW function object (no cache hit)'}",
    ], True


# --------------------------------------------------------------------------- program guard


GUARD_WORKLOADS = ("lecture", "hw0", "logreg", "rnn")


def guard_cost(quick: bool, clock: str) -> tuple[list[str], bool]:
    """The cost of the check at the top of generated code that the program is the one it was
    generated from (astgrad/frontend/assumptions.py): the specialised gradient timed with and without it,
    the two measurements interleaved so that the machine's load falls on both alike."""
    import astgrad
    from astgrad.ad.assemble import build
    from astgrad.api import wrt_parameters

    lines = [
        "| workload | tests in the guard | with guard (µs) | without (µs) | with / without |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in GUARD_WORKLOADS:
        w = by_name(name)
        args = args_for(w)
        g = astgrad.grad(w.f, wrt=w.wrt)
        g(*args)  # (specialised)
        spec = g.__astgrad_specializer__
        bare = build(
            w.f, w.wrt, value=False, optimize=True, wrt_names_fn=wrt_parameters, kinds=spec.kinds(args, {}), guard=False
        )
        text = next(iter(spec.sources.values()), g.source)
        guard = text.split("return respecialize")[0].split('"""')[-1]  # (`if <test>:`, or `stale = <test>` first)
        tests = guard.count(" or ") + 1 if "respecialize" in text else 0
        with_guard, without = [], []
        for _ in range(3 if quick else 7):
            with_guard.append(timing.per_call(g, args, 0.02 if quick else 0.05, 1, clock))
            without.append(timing.per_call(bare, args, 0.02 if quick else 0.05, 1, clock))
        a, b = min(with_guard), min(without)
        lines.append(f"| {name} | {tests} | {fmt_us(a)} | {fmt_us(b)} | {a / b:.2f} |")
    return lines, True


# --------------------------------------------------------------------------- tape memory


def tape_memory() -> tuple[list[str], bool]:
    """What the RNN's gradient keeps: its tape (values pushed) and the peak memory of a call
    (tracemalloc, arrays counted), next to the hand-written gradient's."""
    import astgrad

    from .scaling import peak_bytes

    wrt = ("W", "U", "b")
    try:
        g = astgrad.grad(rnn, wrt=wrt)
    except Exception as exc:
        return [f"- astgrad fails on the RNN: {first_line(exc)}"], False
    lines = [
        "| T | tape pushes | tape bytes | hand-written storage bytes | peak astgrad | peak hand "
        "| peak astgrad / hand |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ok = True
    for T in (10, 100, 1000):
        args = rnn_args(np.random.default_rng(0), T=T)
        try:
            use = memory.tape_use(g, args)
            wrong = timing.compare(as_tuple(g(*args)), as_tuple(rnn_grad(*args)), wrt)
        except Exception as exc:
            return [f"- astgrad fails on the RNN: {first_line(exc)}"], False
        if wrong:
            ok = False
            lines.append(f"| {T} | WRONG gradient: {wrong} | | | | | |")
            continue
        hand = rnn_storage_bytes(T, args[0].shape[0])
        mine, theirs = peak_bytes(g, args), peak_bytes(rnn_grad, args)
        ratio = mine / max(theirs, 1)
        lines.append(f"| {T} | {use.pushes:,} | {use.nbytes:,} | {hand:,} | {mine:,} | {theirs:,} | {ratio:.2f} |")
    lines.append("")
    lines.append(
        "The tape: values pushed during the forward pass (a loop of known length writes its states into rows "
        "instead, counted in the peak). Peak: tracemalloc's peak during one call. The hand-written gradient keeps "
        "the T+1 hidden states and the T pre-activation adjoints."
    )
    return lines, ok


# --------------------------------------------------------------------------- main


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    p.add_argument("--quick", action="store_true", help="short measurements (~30 s in all): a smoke test")
    p.add_argument("--check-only", action="store_true", help="check every gradient, time nothing")
    p.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    p.add_argument("--peers", default=None, help="comma-separated peer columns to run (default: all installed)")
    p.add_argument("--target", type=float, default=None, help="seconds per measurement (default 0.15, quick 0.02)")
    p.add_argument("--repeats", type=int, default=None, help="measurements per cell (default 5, quick 3)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="wall time (default) or process CPU time")
    p.add_argument("--threads", type=int, default=1, help="threads per library (default 1; 0: the libraries' defaults)")
    p.add_argument("--scaling-max-T", type=float, default=1e5, help="the longest loop of the scaling report (1e6 fits)")
    p.add_argument("--scaling-plot", default="scaling.png", help="PNG of the scaling report ('' for none)")
    p.add_argument("--show-source", metavar="NAME", help="print astgrad's generated gradient of a workload and exit")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    if opts.show_source:
        import astgrad

        from .workloads import by_name

        w = by_name(opts.show_source)
        print(astgrad.grad(w.f, wrt=w.wrt).source)
        return 0
    if "ASTGRAD_BENCH_THREADS" not in os.environ:  # run.main called directly, not through __main__
        threads.limit_threads(["--threads", str(opts.threads)])
    os.environ.setdefault("JAX_PLATFORMS", "cpu")  # JAX on the CPU, like NumPy
    if opts.check_only:  # faster compiles; nothing is timed
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
    target = opts.target or (0.02 if opts.quick else 0.15)
    repeats = opts.repeats or (3 if opts.quick else 5)
    workloads = WORKLOADS
    if opts.only:
        wanted = opts.only.split(",")
        unknown = set(wanted) - {w.name for w in WORKLOADS}
        if unknown:
            print(f"unknown workloads: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        workloads = [w for w in WORKLOADS if w.name in wanted]
    columns = COLUMNS
    if opts.peers is not None:
        keep = set(opts.peers.split(",")) if opts.peers else set()
        columns = [c for c in COLUMNS if c.module in (None, "astgrad") or c.name in keep]

    started = time.perf_counter()
    mode = (
        "check only"
        if opts.check_only
        else f"{repeats} × ~{target:g} s per cell, min of per-call means, {opts.clock} clock"
    )
    print("# astgrad benchmarks" + (" (quick)" if opts.quick else ""))
    print()
    print("\n".join(machine_lines(columns)))
    print(f"- mode: {mode}; {threads.describe()}")
    print(f"- {load_line()}")
    print()
    rows = []
    for w in workloads:
        log(f"{w.name} ({w.size})")
        rows.append(run_workload(w, columns, opts.check_only, target, repeats, opts.clock))

    status = 0
    for row in rows:
        if row.cells["hand"].status != "ok" or row.cells["astgrad"].status != "ok":
            status = 1
    print("## Gradient " + ("checks" if opts.check_only else "time, µs per call"))
    print()
    if not opts.check_only:
        print(
            "Columns: f = the function itself; hand = hand-written NumPy gradient; astgrad; each peer. "
            "Every gradient agreed with the hand-written one before it was timed (WRONG: it did not; "
            "fail: the tool raised; n/a: no port; —: not installed). Bold: a target missed "
            f"(astgrad/hand ≤ {HAND_TARGET}, astgrad/f ≤ {CHEAP_TARGET:g} on array workloads)."
        )
        print()
    print("\n".join(table(rows, columns, opts.check_only)))
    print()
    if not opts.check_only:
        print("\n".join(summary(rows, columns)))
    missing = [c.module for c in columns if c.version() is None and c.name != "jax.jit"]
    extra = notes(rows)
    if missing:
        extra.append("- not installed: " + ", ".join(f"{m} (pip install {INSTALL_HINT.get(m, m)})" for m in missing))
    extra.append(
        "- ports: autograd, JAX and tangent run each workload's own source with `np` and `math` rebound to "
        "their NumPy (tangent: math.sin → np.sin); svm and gmm write in place, which they cannot, so they run "
        "the pure forms in benchmarks/ports.py; jax.jit runs hw0 with jnp.maximum and branchy as "
        "lax.fori_loop + lax.cond (benchmarks/ports_jax.py); torch runs benchmarks/ports_torch.py. All float64."
    )
    print()
    print("Notes:")
    print("\n".join(extra))
    print()

    print("## Transformation cost")
    print()
    lines, ok = transformation_cost(opts.check_only, opts.quick, opts.clock)
    status |= 0 if ok else 1
    print("\n".join(lines))
    print()
    print("## Program guard: generated code checks the program is the one it was made for")
    print()
    if not opts.check_only:
        lines, ok = guard_cost(opts.quick, opts.clock)
        print("\n".join(lines))
        print()
    print("## Compiled gradients: grad(f, jit=True) (numba)")
    print()
    if not opts.check_only:
        from .jit import compiled_gradients

        lines, ok = compiled_gradients(opts.quick, opts.clock)
        status |= 0 if ok else 1
        print("\n".join(lines))
        print()
    print("## Memory: RNN (H=32, I=16), what the gradient keeps and its peak")
    print()
    lines, ok = tape_memory()
    status |= 0 if ok else 1
    print("\n".join(lines))
    print()
    print("## Variant suite: the workloads as users spell them (benchmarks/variants.py)")
    print()
    from . import variants

    lines, ok = variants.report(quick=opts.quick, check_only=opts.check_only, use_jax=not opts.check_only, log=log)
    status |= 0 if ok else 1
    print("\n".join(lines))
    print()
    if not opts.check_only:
        from . import scaling

        longest = 10**4 if opts.quick else int(opts.scaling_max_T)
        scaling.CLOCK[0] = opts.clock
        print(f"## Scaling with the loop length (T = 10³ … {longest:,})")
        print()
        lines, ok = scaling.report(longest, quick=opts.quick, plot_path=opts.scaling_plot or None, log=log)
        status |= 0 if ok else 1
        print("\n".join(lines))
        print()
    print(f"Total time {time.perf_counter() - started:.0f} s; {load_line()} at the end; exit status {status}.")
    return status
