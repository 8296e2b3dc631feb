"""Run-time helpers of the rules in rules/special_rules.py, nan_rules.py, numpy_extra_rules.py,
fft_rules.py, linalg_extra_rules.py and scipy_rules.py.

astgrad.runtime re-exports every name here, so generated code imports them from the one stable
path `astgrad.runtime`. Each helper either computes a piece of a derivative or refuses, with a
ValueError naming the function and the parameter, an argument form its rule does not handle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .runtime import unreduce

# --- refusals ------------------------------------------------------------------------------------


def constant_tangent(t: Any, label: str) -> Any:
    """Refuse a tangent along an argument a rule treats as a constant (forward mode's twin of
    runtime.constant_argument): called only when that argument varies."""
    raise ValueError(f"astgrad has no derivative with respect to {label}: pass it as a constant")


def refuse_if(condition: Any, message: str) -> None:
    """Raise ValueError(message) when `condition` holds (an argument form a rule does not handle)."""
    if condition:
        raise ValueError(message)


def ones_if_none(b: Any) -> Any:
    """`b`, or 1.0 for None (an optional scale factor left out)."""
    return 1.0 if b is None else b


# --- scipy.special -------------------------------------------------------------------------------


def lse_weights(a: Any, b: Any, y: Any, axis: Any = None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """exp(a - y) in the broadcast shape of `a` and `b`, for y = logsumexp(a, axis, b, keepdims):
    ∂y/∂b = exp(a - y) and ∂y/∂a = b exp(a - y). Refuses return_sign=True."""
    if return_sign:
        raise ValueError("astgrad differentiates scipy.special.logsumexp with return_sign=False only")
    a = np.asarray(a)
    full = a if b is None else np.broadcast_to(a, np.broadcast_shapes(a.shape, np.shape(b)))
    return np.exp(full - unreduce(y, full, axis, keepdims))


def multidigamma(a: Any, d: int) -> Any:
    """The derivative of scipy.special.multigammaln(a, d): Σ_{j<d} digamma(a - j/2)."""
    from scipy import special

    return sum(special.digamma(np.asarray(a) - 0.5 * j) for j in range(int(d)))


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
