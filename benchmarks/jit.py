"""The compiled-gradient section of the benchmark suite: `grad(f, jit=True)` (astgrad/jit/compiler.py)
against `f` compiled by numba, astgrad's uncompiled gradient and, where installed and ported,
`jax.jit(jax.grad(f))`. The four timings of a workload are interleaved, round by round, so that
the machine's load falls on all alike; compilation (the first call) is reported separately."""

from __future__ import annotations

import time

import numpy as np

from . import timing

TARGET_OF_F = 3.0  # compiled gradient / numba-compiled f
TARGET_SPEEDUP = 10.0  # uncompiled gradient / compiled gradient


def _flat(g) -> list:
    return [np.asarray(t, dtype=float) for t in (g if isinstance(g, tuple) else (g,))]


def compiled_gradients(quick: bool, clock: str) -> tuple[list[str], bool]:
    """Markdown lines of the section, and whether every compiled gradient that ran was right."""
    try:
        import numba
    except ImportError:
        return ['numba is not installed (pip install "astgrad[jit]"): section skipped.'], True
    import astgrad

    from .jit_workloads import jit_workloads

    jax_ports = _jax_ports()
    lines = [
        "| workload | size | f (µs) | numba f (µs) | astgrad (µs) | jit (µs) | jax.jit (µs) "
        f"| jit / numba f (≤ {TARGET_OF_F:g}) | astgrad / jit (≥ {TARGET_SPEEDUP:g}) | compile (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ok = True
    target = 0.02 if quick else 0.05
    for name, f, wrt, args, size in jit_workloads():
        g = astgrad.grad(f, wrt)
        started = time.perf_counter()
        try:
            gj = astgrad.grad(f, wrt, jit=True)
            got = gj(*args)
        except astgrad.AstgradError as exc:
            reason = str(exc).splitlines()[0].split("(jit=True): ")[-1][:90]
            lines.append(f"| {name} | {size} | | | | refused: {reason} | | | | |")
            continue
        compile_s = time.perf_counter() - started
        want = g(*args)
        if not all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(_flat(got), _flat(want))):
            ok = False
            lines.append(f"| {name} | {size} | | | | WRONG | | | | |")
            continue
        fj = numba.njit(f)
        fj(*args)
        fns = {"f": f, "numba f": fj, "astgrad": g, "jit": gj}
        if name in jax_ports:
            jax_fn = jax_ports[name](wrt, args)
            if all(np.allclose(a, b, rtol=1e-8, atol=1e-12) for a, b in zip(_flat(jax_fn(*args)), _flat(want))):
                fns["jax.jit"] = jax_fn
            else:
                lines.append(f"(jax.jit's gradient of {name} disagrees with astgrad's: not timed)")
        best = {k: float("inf") for k in fns}
        for _ in range(3 if quick else 5):  # (interleaved rounds)
            for k, fn in fns.items():
                best[k] = min(best[k], timing.per_call(fn, args, target, 1, clock))
        us = {k: v * 1e6 for k, v in best.items()}
        of_f = us["jit"] / us["numba f"]
        speedup = us["astgrad"] / us["jit"]
        jax_cell = f"{us['jax.jit']:.1f}" if "jax.jit" in us else "—"
        lines.append(
            f"| {name} | {size} | {us['f']:.1f} | {us['numba f']:.2f} | {us['astgrad']:.1f} | {us['jit']:.2f} "
            f"| {jax_cell} | {_mark(of_f, of_f <= TARGET_OF_F)} | {_mark(speedup, speedup >= TARGET_SPEEDUP)} "
            f"| {compile_s:.2f} |"
        )
    lines += [
        "",
        "jit = `grad(f, wrt, jit=True)`, the specialised gradient compiled by numba, called through its "
        "Python wrapper (which checks the arguments' kinds and the program, as the uncompiled code's guard "
        "does); compile = its first call (generation, one Python run to learn the tape's types and "
        "depths, numba compilation). Bold: a target missed. jax.jit: `jax.jit(jax.grad(f))` on the "
        "benchmarks/ports_jax.py port (branchy) or the `lax.fori_loop` ports in benchmarks/jit.py, "
        "each checked against astgrad's gradient before it is timed (— : no port, or jax not installed).",
    ]
    return lines, ok


def _mark(ratio: float, met: bool) -> str:
    text = f"{ratio:.2f}" if ratio < 10 else f"{ratio:.0f}"
    return text if met else f"**{text}**"


def _jax_loop_ports() -> dict:
    """The loop workloads as JAX runs loops (`lax.fori_loop`, `.at[t].set`): the same
    computation, step by step."""
    import jax.numpy as jnp
    from jax import lax

    def pendulum(theta0, omega0, g, dt):
        def step(i, state):
            theta, omega = state
            omega = omega - dt * g * jnp.sin(theta)
            return theta + dt * omega, omega

        theta, omega = lax.fori_loop(0, 500, step, (jnp.asarray(theta0), jnp.asarray(omega0)))
        return theta * theta + 0.1 * omega * omega

    def ema(x, alpha):
        def step(t, s):
            return s.at[t].set(alpha * x[t] + (1.0 - alpha) * s[t - 1])

        s = lax.fori_loop(1, x.shape[0], step, jnp.zeros(x.shape[0]).at[0].set(x[0]))
        return jnp.sum(s * s)

    def maxpool(x):
        def step(i, out):
            a, b = x[2 * i], x[2 * i + 1]
            return out.at[i].set(lax.cond(a > b, lambda: a, lambda: b))

        out = lax.fori_loop(0, x.shape[0] // 2, step, jnp.zeros(x.shape[0] // 2))
        return jnp.sum(out * out)

    def conv1d(x, w):
        n, k = x.shape[0], w.shape[0]

        def outer(i, out):
            acc = lax.fori_loop(0, k, lambda j, acc: acc + w[j] * x[i + j], 0.0)
            return out.at[i].set(acc)

        out = lax.fori_loop(0, n - k + 1, outer, jnp.zeros(n - k + 1))
        return jnp.sum(out * out)

    return {"pendulum": pendulum, "ema": ema, "maxpool": maxpool, "conv1d": conv1d}


def _jax_ports() -> dict:
    """name → (wrt, args) → a jitted gradient function taking the workload's arguments."""
    try:
        import jax

        from .ports_jax import JIT_PORTS
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)
    ports = {**_jax_loop_ports(), "branchy": JIT_PORTS["branchy"]}

    def make(port):
        def build(wrt, args):
            fn = jax.jit(jax.grad(port, argnums=wrt))
            fn(*args)
            return lambda *a: jax.block_until_ready(fn(*a))

        return build

    return {name: make(port) for name, port in ports.items()}
