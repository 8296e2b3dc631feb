"""One thread per library by default (`--threads N` to change, `--threads 0` for the libraries'
own defaults): on a small machine, thread pools that spin or compete for cores make timings noisy
and favour whichever library parallelises a given size, while the suite measures the cost of
differentiation. Imports no numerical library: it must run before NumPy loads its BLAS."""

from __future__ import annotations

import os

ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def requested(argv: list[str]) -> int:
    """The value of --threads in `argv` (1 when absent)."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


def limit_threads(argv: list[str]) -> int:
    n = requested(argv)
    if n > 0:
        for var in ENV:
            os.environ[var] = str(n)
        if n == 1:
            flags = os.environ.get("XLA_FLAGS", "")
            os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()
    os.environ["ASTGRAD_BENCH_THREADS"] = str(n)
    return n


def torch_threads(torch) -> None:
    n = int(os.environ.get("ASTGRAD_BENCH_THREADS", "0"))
    if n > 0:
        torch.set_num_threads(n)


def describe() -> str:
    n = int(os.environ.get("ASTGRAD_BENCH_THREADS", "0"))
    if n <= 0:
        return "each library's default thread count"
    return f"{n} thread{'s' if n > 1 else ''} per library (BLAS, torch, XLA)"
