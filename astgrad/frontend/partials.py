"""A functools.partial as the Python function it stands for, so astgrad can read its source.

`partial(loss, X, y=y)` becomes `def loss(w, *, y): return fn(X, w, y=y)`, whose closure holds
the function and the bound positional arguments and whose keyword defaults are the bound keywords:
the same parameters (inspect.signature(partial) is its signature), the same values, the same
calls. Its text (inside the function making its closure) is registered in linecache under
`<partial of loss>`, so it parses as any closure's source.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import linecache
import types
import weakref
from typing import Any, Callable

from ..errors import TransformError
from ..runtime.checks import partial_contents
from .callables import is_user_function

_MADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # partial → its function
_CODES: dict[tuple[str, str], types.CodeType] = {}  # (file name, text) → the code making the function


def partial_as_function(p: functools.partial) -> types.FunctionType:
    """The function `p` stands for (the same object for the same partial as long as it holds the
    same function and arguments, so gradients cache; a partial written into since, `p.keywords["X"]
    = X2`, stands for another function)."""
    made = _MADE.get(p)
    if made is None or made.__astgrad_partial__ is not partial_contents(p):
        made = _MADE[p] = _make(p)
        made.__astgrad_partial__ = partial_contents(p)
    return made


def _make(p: functools.partial) -> types.FunctionType:
    target = p.func
    name = getattr(target, "__name__", None) or "partial"
    name = name if name.isidentifier() else "partial_function"  # (a lambda's `<lambda>`)
    try:
        remaining = list(inspect.signature(p).parameters.values())
        bound_names = list(inspect.signature(target).parameters)[: len(p.args)]
    except (TypeError, ValueError):
        raise TransformError(f"cannot read the parameters of the functools.partial of {name}") from None
    kinds = inspect.Parameter
    if any(q.kind in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD) for q in remaining) or len(bound_names) < len(p.args):
        raise TransformError(
            f"a functools.partial of {name}, which takes star arguments (*args, **kwargs): not supported",
            hint=f"name the parameters of {name} explicitly",
        )
    if not is_user_function(target):  # a primitive (np.sum): its options the partial does not set keep their defaults
        remaining = [q for q in remaining if q.default is q.empty or q.name in p.keywords]
    taken = {q.name for q in remaining} | set(bound_names)
    fn_name = next(c for c in ("fn", "wrapped", "target", "f_") if c not in taken)
    # the parameters as the partial takes them (`/` and `*` where their kinds change)
    params, calls, kind = [], [], kinds.POSITIONAL_ONLY
    for q in remaining:
        if kind == kinds.POSITIONAL_ONLY and q.kind != kinds.POSITIONAL_ONLY and params:
            params.append("/")
        if q.kind == kinds.KEYWORD_ONLY and kind != kinds.KEYWORD_ONLY:
            params.append("*")
        kind = q.kind
        params.append(q.name)
        calls.append(f"{q.name}={q.name}" if q.kind == kinds.KEYWORD_ONLY else q.name)
    if kind == kinds.POSITIONAL_ONLY and params:
        params.append("/")
    call = ", ".join(bound_names + calls)
    source = f"def {name}({', '.join(params)}):\n    return {fn_name}({call})\n"
    filename = f"<partial of {getattr(target, '__qualname__', name)}>"
    cells = [fn_name, *bound_names]
    outer = f"def __partial__({', '.join(cells)}):\n" + "".join(f"    {line}\n" for line in source.splitlines())
    outer += f"    return {name}\n"
    code = _CODES.get((filename, outer))
    if code is None:  # (one code object for partials of one shape: a partial made anew at every step is a twin)
        linecache.cache[filename] = (len(outer), None, outer.splitlines(keepends=True), filename)
        module = compile(outer, filename, "exec")
        code = _CODES[(filename, outer)] = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    home = _globals_of(target)
    made = types.FunctionType(code, home)(target, *p.args)
    made.__defaults__ = (
        tuple(q.default for q in remaining if q.kind != kinds.KEYWORD_ONLY and q.default is not q.empty) or None
    )
    made.__kwdefaults__ = {
        q.name: q.default for q in remaining if q.kind == kinds.KEYWORD_ONLY and q.default is not q.empty
    } or None
    made.__qualname__ = getattr(target, "__qualname__", name)
    return made


def _globals_of(target: Callable) -> dict[str, Any]:
    """The globals the function reads: the target's module's (a user's function), or a module of
    its own (a primitive, NumPy's np.sum)."""
    fn = getattr(target, "__func__", target)
    if isinstance(fn, types.FunctionType):
        return fn.__globals__
    return {"__name__": "astgrad_partial", "__builtins__": builtins}
