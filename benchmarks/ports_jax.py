"""What `jax.jit` needs beyond the swapped NumPy source: Python's `max` and branches on traced
values become `jnp.maximum`, and `lax.cond` inside a `lax.fori_loop` (same updates, one branch
evaluated per step). Imported only when jax is."""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax


def hw0(x1, x2, x3, x4, x5, x6):
    u = jnp.maximum(x1, x2) * x3 / x4 - (x5 + x6)
    v = jnp.log(5 * u) + 1 / 2
    return 1.0 / (1.0 + jnp.exp(-v))


def branchy(x, a):
    def step(i, y):
        return lax.cond(
            y > 1.0,
            lambda y: -0.8 * y + a * jnp.sin(y),
            lambda y: lax.cond(y < -1.0, lambda y: -0.7 * y + a, lambda y: a * y * y + 1.3 * y + 0.5, y),
            y,
        )

    return lax.fori_loop(0, 100, step, jnp.asarray(x, jnp.float64))


JIT_PORTS = {"hw0": hw0, "branchy": branchy}
