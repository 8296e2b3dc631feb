"""Which callables astgrad differentiates by transforming their source."""

from __future__ import annotations

import types
from typing import Any

# modules whose Python functions are primitives (they need a rule), never sources to transform
_LIBRARIES = ("numpy", "scipy", "math", "builtins", "astgrad", "jax", "torch", "autograd")


def is_user_function(fn: Any) -> bool:
    """Whether calls to `fn` are differentiated by transforming its source (a function, or a
    method bound to an instance, whose `self` is then a constant)."""
    if isinstance(fn, types.MethodType):
        return is_user_function(fn.__func__)
    if not isinstance(fn, types.FunctionType):
        return False
    module = (fn.__module__ or "").split(".")[0]
    return module not in _LIBRARIES
