"""Which callables astgrad differentiates by transforming their source."""

from __future__ import annotations

import os
import sys
import sysconfig
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
    top = (fn.__module__ or "").split(".")[0]
    if top not in _LIBRARIES:
        return not _standard_library(fn, top)
    from .. import rules  # (a helper of astgrad's own whose entry says so: see Rule.through_source)

    rule = rules.lookup(fn)
    return rule is not None and rule.through_source


def _standard_library(fn: types.FunctionType, top: str) -> bool:
    """Whether `fn` is Python's own (statistics.mean): a primitive, not a user's source (a user's
    module named like one of Python's, test.py, is the user's: it is not in Python's directory)."""
    if top not in sys.stdlib_module_names:
        return False
    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    return os.path.realpath(fn.__code__.co_filename).startswith(stdlib + os.sep)


def called_method(obj: Any) -> types.MethodType | None:
    """`obj.__call__` of an object whose class defines `__call__` in Python (a model called as
    `model(w)`): what a call of it runs, a method astgrad differentiates as `grad(model.loss)`."""
    call = next((k.__dict__["__call__"] for k in type(obj).__mro__ if "__call__" in k.__dict__), None)
    if isinstance(obj, (types.FunctionType, types.MethodType, type)) or not isinstance(call, types.FunctionType):
        return None
    return types.MethodType(call, obj)


def is_library_module(module: types.ModuleType) -> bool:
    """A module of a library astgrad knows (NumPy, SciPy, math...), not the user's."""
    return (module.__name__ or "").split(".")[0] in _LIBRARIES


def is_generated(fn: Any) -> bool:
    """Code astgrad generated (a function or a code object)."""
    code = getattr(fn, "__code__", fn)
    return getattr(code, "co_filename", "").startswith("<astgrad")
