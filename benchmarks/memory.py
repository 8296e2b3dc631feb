"""How much astgrad's generated RNN gradient keeps on its tape during the forward pass.

General generated code saves values with `push(tape, value)` (astgrad.runtime.push), a global
of the generated function; we swap that global for a counting wrapper for one call, then put it
back. Specialised code (what runs after the first call) appends to its tape directly: then we
trace the generated frames and count what is added to their `tape` lists.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

GENERATED = "<astgrad-generated"


@dataclass
class TapeUse:
    pushes: int = 0
    nbytes: int = 0  # every array pushed, counted in full
    view_bytes: int = 0  # of which views into other arrays (memory they do not own)
    method: str = "push wrapper"

    def add(self, value: Any) -> None:
        self.pushes += 1
        self.nbytes += _nbytes(value)
        self.view_bytes += _nbytes(value, views_only=True)


def _nbytes(value: Any, views_only: bool = False) -> int:
    if value is None:
        return 0
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v, views_only) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v, views_only) for v in value.values())
    if isinstance(value, np.ndarray):
        return value.nbytes if not views_only or value.base is not None else 0
    if views_only:
        return 0
    try:
        return np.asarray(value).nbytes
    except Exception:  # an object NumPy cannot size
        return sys.getsizeof(value)


def _generated_functions(fn: Callable) -> list:
    """`fn` and the generated functions it reaches through its globals (fwd/bwd pairs)."""
    found, todo = [], [fn]
    while todo:
        f = todo.pop()
        if f in found:
            continue
        found.append(f)
        for v in getattr(f, "__globals__", {}).values():
            code = getattr(v, "__code__", None)
            if code is not None and code.co_filename.startswith(GENERATED) and v not in found:
                todo.append(v)
    return found


def tape_use(grad_fn: Callable, args: tuple) -> TapeUse:
    """What one call `grad_fn(*args)` pushes on its tape."""
    from astgrad import runtime

    use = TapeUse()

    def counting_push(tape, value):
        use.add(value)
        tape.append(value)

    grad_fn(*args)  # a specialising gradient generates its code at its first call
    patched = []
    for f in _generated_functions(grad_fn):
        scope = f.__globals__
        for key, value in list(scope.items()):
            if value is runtime.push and key in f.__code__.co_names:
                patched.append((scope, key))
                scope[key] = counting_push
    if not patched:
        return _traced(grad_fn, args)
    try:
        grad_fn(*args)
    finally:
        for scope, key in patched:
            scope[key] = runtime.push
    return use


def _traced(grad_fn: Callable, args: tuple) -> TapeUse:
    use = TapeUse(method="tracing the tape lists (no push helper in the generated code)")
    seen: dict[int, int] = {}

    def local(frame, event, arg):
        for name, value in frame.f_locals.items():
            if "tape" in name and isinstance(value, list):
                before = seen.get(id(value), 0)
                for item in value[before:]:
                    use.add(item)
                seen[id(value)] = len(value)
        return local

    def scope(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(GENERATED) else None

    sys.settrace(scope)
    try:
        grad_fn(*args)
    finally:
        sys.settrace(None)
    return use
