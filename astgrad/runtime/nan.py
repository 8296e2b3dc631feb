"""Run-time helpers of the NaN-ignoring reductions (rules/nan_rules.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

# --- NaN-ignoring reductions (rules/nan_rules.py) ---------------------------------------------------


def not_nan(a: Any) -> Any:
    """1.0 where `a` is a number, 0.0 where it is NaN (in a's floating type)."""
    a = np.asarray(a)
    return (~np.isnan(a)).astype(np.result_type(a, 1.0))


def nan_count(a: Any, axis: Any = None) -> Any:
    """How many numbers (not NaN) each reduction of `a` over `axis` combines (axes kept)."""
    return np.sum(~np.isnan(a), axis=axis, keepdims=True)


def nan_to_zero(a: Any) -> Any:
    """`a` with NaN replaced by 0."""
    return np.where(np.isnan(a), 0.0, a)


def nan_to_one(a: Any) -> Any:
    """`a` with NaN replaced by 1 (what np.nanprod and np.nancumprod multiply by)."""
    return np.where(np.isnan(a), 1.0, a)


def nan_centered(a: Any, axis: Any = None) -> Any:
    """`a` minus its NaN-ignoring mean over `axis`, with 0 where `a` is NaN."""
    return nan_to_zero(a - np.nanmean(a, axis=axis, keepdims=True))


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
