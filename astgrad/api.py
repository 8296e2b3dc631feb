"""The public differential operators: grad, value_and_grad, source."""

from __future__ import annotations

import copy
import functools
import inspect
import threading
import weakref
from typing import Any, Callable, Sequence, Union

import gast

from .codegen import compile_function, import_header, namespace, render
from .context import Context
from .errors import TransformError
from .normalize import assign, name, normalize
from .optimize import optimize as run_optimizer
from .parse import parse_function
from .reverse import ReverseTransformer, comment

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


class Generated:
    """Everything one transformation produced."""

    def __init__(self, function: Callable, source: str):
        self.function = function
        self.source = source


def _location(ctx: Context) -> str:
    import os

    parsed = ctx.parsed
    return f"{os.path.basename(parsed.filename)}:{parsed.firstlineno}"


def _transform(func: Callable, wrt: Wrt, *, value: bool, optimize: bool, normalized_only: bool = False) -> Generated:
    parsed = parse_function(func)
    ctx = Context(parsed)
    fdef = normalize(ctx)
    params = fdef._ag_params
    names, many = _wrt_names(func, params, wrt)
    if normalized_only:
        text = render(fdef)
        return Generated(None, _with_header(text, namespace(fdef, ctx)))
    rt = ReverseTransformer(ctx, fdef, names)
    forward, backward, grads = rt.run()
    output = fdef.body[-1].value
    body: list[gast.stmt] = []
    label = "Value and gradient" if value else "Gradient"
    wrt_text = ", ".join(names)
    doc = f"{label} of {fdef.name} ({_location(ctx)}) with respect to {wrt_text}."
    body.append(gast.Expr(value=gast.Constant(value=doc, kind=None)))
    if rt.tape:
        body.append(assign(rt.tape, gast.List(elts=[], ctx=gast.Load())))
    for var in sorted(rt.undefined):
        body.append(assign(var, gast.Constant(value=None, kind=None)))
    body.append(comment("forward pass"))
    body += forward
    result = copy.deepcopy(output)
    if (
        value
        and isinstance(output, gast.Name)
        and any(s.var == output.id and s.save.__dict__.get("_ag_pushed") for s in rt.sites)
    ):
        snapshot = ctx.namer.fresh("value")
        body.append(assign(snapshot, copy.deepcopy(output)))
        result = name(snapshot)
    body.append(comment("backward pass"))
    body += backward
    grad_expr = gast.Tuple(elts=grads, ctx=gast.Load()) if many else grads[0]
    ret = gast.Tuple(elts=[result, grad_expr], ctx=gast.Load()) if value else grad_expr
    body.append(gast.Return(value=ret))
    body = [s for s in body if not hasattr(s, "_ag_marker") or getattr(s, "_ag_pushed", False)]
    body = _strip_markers(body)
    suffix = "_value_and_grad" if value else "_grad"
    gname = ctx.namer.fresh(fdef.name + suffix)
    gen = gast.FunctionDef(
        name=gname,
        args=copy.deepcopy(fdef.args),
        body=body,
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    if optimize:
        run_optimizer(gen, ctx, set(params))
    text = render(gen)
    ns = namespace(gen, ctx)
    full = _with_header(text, ns)
    fn = compile_function(full, gname, dict(ns), label=f"{gname}")
    fn.__defaults__ = getattr(func, "__defaults__", None)
    fn.__kwdefaults__ = getattr(func, "__kwdefaults__", None)
    fn.__wrapped__ = func
    fn.source = full
    fn.__doc__ = doc
    return Generated(fn, full)


def _strip_markers(stmts: list[gast.stmt]) -> list[gast.stmt]:
    out = []
    for s in stmts:
        if hasattr(s, "_ag_marker") and not getattr(s, "_ag_pushed", False):
            continue
        for field in ("body", "orelse"):
            block = getattr(s, field, None)
            if block:
                setattr(s, field, _strip_markers(block) or [gast.Pass()])
        out.append(s)
    return out


def _with_header(text: str, ns: dict[str, Any]) -> str:
    header = import_header(ns)
    return (header + "\n\n\n" if header else "") + text


def _generated(func: Callable, wrt: Wrt, *, value: bool, optimize: bool) -> Callable:
    key = (_freeze(wrt), value, optimize)
    with _cache_lock:
        try:
            per_func = _cache.setdefault(func, {})
        except TypeError:  # not weak-referenceable: no caching
            per_func = {}
        if key not in per_func:
            per_func[key] = _transform(func, wrt, value=value, optimize=optimize).function
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
        return _transform(func, wrt, value=False, optimize=False, normalized_only=True).source
    if mode != "reverse":
        raise NotImplementedError(f"mode={mode!r} is not available yet; use mode='reverse'")
    return _generated(func, wrt, value=value, optimize=optimize).source


__all__ = ["grad", "value_and_grad", "source", "inspect"]
