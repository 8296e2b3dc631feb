"""The public differential operators: grad, value_and_grad, source."""

from __future__ import annotations

import functools
import threading
import weakref
from typing import Any, Callable, Sequence, Union

from .assemble import build, normalized_source
from .errors import TransformError

Wrt = Union[int, str, Sequence[Union[int, str]]]

_cache: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()
_cache_lock = threading.RLock()


def _wrt_names(func: Callable, params: list[str], wrt: Wrt) -> tuple[list[str], bool]:
    """The parameter names `wrt` designates, and whether the caller asked for a tuple."""
    many = isinstance(wrt, (tuple, list))
    items = list(wrt) if many else [wrt]
    names = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise TypeError(f"wrt must be a parameter index, a parameter name, or a tuple of them; got {w!r}")
        if isinstance(w, int):
            if not -len(params) <= w < len(params):
                raise ValueError(f"wrt={w} is out of range: {func.__name__} has {len(params)} parameters")
            names.append(params[w])
        else:
            if w not in params:
                raise ValueError(f"wrt={w!r} is not a parameter of {func.__name__} (parameters: {', '.join(params)})")
            names.append(w)
    if not names:
        raise ValueError("wrt names no parameter")
    return names, many


def _generated(func: Callable, wrt: Wrt, *, value: bool, optimize: bool) -> Callable:
    key = (_freeze(wrt), value, optimize)
    with _cache_lock:
        try:
            per_func = _cache.setdefault(func, {})
        except TypeError:  # not weak-referenceable: no caching
            per_func = {}
        if key not in per_func:
            per_func[key] = build(func, wrt, value=value, optimize=optimize, wrt_names_fn=_wrt_names)
        return per_func[key]


def _freeze(wrt: Wrt) -> Any:
    return tuple(wrt) if isinstance(wrt, list) else wrt


def _lazy(func: Callable, wrt: Wrt, *, value: bool, optimize: bool) -> Callable:
    """A stand-in that transforms `func` at its first call (for functions that use names
    defined after them)."""

    @functools.wraps(func)
    def first_call(*args, **kwargs):
        return _generated(func, wrt, value=value, optimize=optimize)(*args, **kwargs)

    first_call.__name__ = func.__name__ + ("_value_and_grad" if value else "_grad")
    return first_call


def _operator(func: Callable | None, wrt: Wrt, *, value: bool, optimize: bool, mode: str, has_aux: bool) -> Callable:
    if mode != "reverse":
        raise NotImplementedError(f"mode={mode!r} is not available yet; use mode='reverse'")
    if has_aux:
        raise NotImplementedError("has_aux=True is not available yet")
    if func is None:
        return lambda f: _operator(f, wrt, value=value, optimize=optimize, mode=mode, has_aux=has_aux)
    try:
        return _generated(func, wrt, value=value, optimize=optimize)
    except TransformError as exc:
        if "is not defined" in str(exc):  # a name defined later in the module: try at first call
            return _lazy(func, wrt, value=value, optimize=optimize)
        raise


def grad(
    func: Callable | None = None, wrt: Wrt = 0, *, mode: str = "reverse", has_aux: bool = False, optimize: bool = True
) -> Callable:
    """The gradient of scalar-valued `func` with respect to the parameter(s) `wrt`.

    Returns a plain generated function taking `func`'s arguments; it has `.source` (the
    generated code) and `__wrapped__` (`func`). Usable as `@grad` or `@grad(wrt=...)`.

    >>> @grad(wrt=("x1", "x2"))
    ... def f(x1, x2):
    ...     return x1 * x2 + np.sin(x1)
    >>> f(0.7, -1.3)   # (x2 + cos(x1), x1)
    """
    return _operator(func, wrt, value=False, optimize=optimize, mode=mode, has_aux=has_aux)


def value_and_grad(
    func: Callable | None = None, wrt: Wrt = 0, *, mode: str = "reverse", has_aux: bool = False, optimize: bool = True
) -> Callable:
    """Like `grad`, but the generated function returns `(func(...), gradient)`.

    >>> value_and_grad(lambda_free_loss)(w)   # (loss, dloss/dw)
    """
    return _operator(func, wrt, value=True, optimize=optimize, mode=mode, has_aux=has_aux)


def source(
    func: Callable,
    wrt: Wrt = 0,
    mode: str = "reverse",
    optimize: bool = True,
    *,
    normalized: bool = False,
    value: bool = False,
) -> str:
    """The generated code of `grad(func, wrt, mode=mode)` as text; with `normalized=True`, the
    A-normal form of `func` itself (one operation per statement).

    >>> print(source(f, wrt=("x1", "x2")))
    """
    if normalized:
        return normalized_source(func)
    if mode != "reverse":
        raise NotImplementedError(f"mode={mode!r} is not available yet; use mode='reverse'")
    return _generated(func, wrt, value=value, optimize=optimize).source


__all__ = ["grad", "value_and_grad", "source"]
