"""Compiled gradients: `grad(f, jit=True)` compiles the specialised gradient with numba
(compiler.py), whose numba versions of the run-time helpers are in helpers.py (importing it
imports numba)."""
