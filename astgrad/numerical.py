"""Finite-difference derivatives, used as a reference to check analytic gradients.

Everything here uses central differences, ``(f(x + h) - f(x - h)) / (2h)``, one
element at a time, so it costs two calls of ``f`` per input element. It is
meant for tests and debugging, not for optimisation loops.

Step size: element ``x_i`` is perturbed by ``h_i = eps * max(1, |x_i|)``.
With ``eps=None`` the default is ``1e-6`` for float64 (and for Python numbers
and integer inputs, which are converted to float64), and
``finfo(dtype).eps ** (1/3)`` for narrower floats (about ``4.9e-3`` for float32
and ``9.9e-2`` for float16), the usual near-optimal step for central
differences. The perturbed value is stored in the argument's own dtype, and the
quotient is taken in float64 with the step that was actually representable,
``(x_i + h) - (x_i - h)`` after rounding.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from astgrad.errors import AstgradError

__all__ = [
    "DEFAULT_EPS",
    "GradientCheckError",
    "check_grad",
    "numerical_grad",
    "numerical_jacobian",
]

DEFAULT_EPS = 1e-6
"""Default relative step for float64 (and integer / Python number) inputs."""

_MAX_REPORTED = 10

Wrt = int | str | tuple[int | str, ...]


class GradientCheckError(AstgradError, AssertionError):
    """An analytic gradient disagrees with the finite-difference one.

    The message lists every offending argument, its shape or structure problems
    and (up to ten per array) the mismatching elements.

    >>> issubclass(GradientCheckError, AssertionError)
    True
    """


# --------------------------------------------------------------------------
# which arguments to differentiate


@dataclass(frozen=True)
class _Target:
    key: int | str  # int: position in args; str: name of a keyword argument
    name: str  # root of element paths in messages, e.g. "x" or "args[2]"
    label: str  # e.g. "'x' (argument 0)"


def _signature(f: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        return None


def _func_name(f: Callable[..., Any]) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def _positional_names(sig: inspect.Signature | None) -> list[str]:
    if sig is None:
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in sig.parameters.values() if p.kind in kinds]


def _position_target(pos: int, names: list[str]) -> _Target:
    if pos < len(names):
        return _Target(pos, names[pos], f"'{names[pos]}' (argument {pos})")
    return _Target(pos, f"args[{pos}]", f"argument {pos}")


def _resolve_one(
    f: Callable[..., Any],
    w: Any,
    nargs: int,
    kwargs: Mapping[str, Any],
    sig: inspect.Signature | None,
) -> _Target:
    names = _positional_names(sig)
    if isinstance(w, (bool, np.bool_)):
        raise TypeError(f"wrt must be an int, a parameter name or a tuple, not {w!r}")
    if isinstance(w, (int, np.integer)):
        pos = int(w) + nargs if w < 0 else int(w)
        if not 0 <= pos < nargs:
            raise ValueError(f"wrt={int(w)} is out of range: {nargs} positional argument(s) given")
        return _position_target(pos, names)
    if not isinstance(w, str):
        raise TypeError(f"wrt must be an int, a parameter name or a tuple, not {type(w).__name__}")
    if w in kwargs:
        return _Target(w, w, f"'{w}' (keyword argument)")
    if sig is None:
        raise ValueError(
            f"cannot resolve wrt={w!r}: {_func_name(f)} has no inspectable "
            "signature; pass the argument's position instead"
        )
    param = sig.parameters.get(w)
    if param is None:
        raise ValueError(f"wrt={w!r}: {_func_name(f)} has no parameter named {w!r}")
    if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
        raise ValueError(f"wrt={w!r} names a variadic parameter; pass a position instead")
    if w in names and names.index(w) < nargs:
        return _position_target(names.index(w), names)
    raise ValueError(f"wrt={w!r}: argument {w!r} was not passed to {_func_name(f)}")


def _resolve_targets(
    f: Callable[..., Any], wrt: Any, nargs: int, kwargs: Mapping[str, Any]
) -> tuple[list[_Target], bool]:
    multi = isinstance(wrt, (tuple, list))
    items = tuple(wrt) if multi else (wrt,)
    sig = _signature(f)
    return [_resolve_one(f, w, nargs, kwargs, sig) for w in items], multi


# --------------------------------------------------------------------------
# flattening arguments (possibly nested lists / tuples / dicts) into leaves


class _Leaf:
    """A private, perturbable copy of one float / NumPy scalar / array."""

    __slots__ = ("flat", "kind", "work")

    def __init__(self, value: Any, where: str) -> None:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"cannot differentiate w.r.t. {where}: it is a bool")
        if isinstance(value, (np.generic, np.ndarray)):
            self.kind = "array" if isinstance(value, np.ndarray) else "scalar"
            arr = np.asarray(value)
            if arr.dtype.kind in "iu":
                arr = arr.astype(np.float64)
            elif arr.dtype.kind != "f":
                raise TypeError(
                    f"cannot differentiate w.r.t. {where}: dtype {arr.dtype} is not "
                    "a real floating-point or integer type"
                )
        elif isinstance(value, (int, float)):  # after np.generic: np.float64 is a float
            self.kind = "float"
            arr = np.asarray(float(value), dtype=np.float64)
        else:
            raise TypeError(
                f"cannot differentiate w.r.t. {where}: unsupported type "
                f"{type(value).__name__} (expected a float, a NumPy scalar or array, "
                "or a list / tuple / dict of those)"
            )
        self.work = np.array(arr, order="C", copy=True)
        self.flat = self.work.reshape(-1)  # a view: writing to it perturbs `work`

    def value(self) -> Any:
        """The current (possibly perturbed) value, in the caller's flavour."""
        if self.kind == "float":
            return float(self.work[()])
        if self.kind == "scalar":
            return self.work[()]
        return self.work


def _flatten(obj: Any, where: str, leaves: list[_Leaf]) -> tuple[Any, ...]:
    """Collect the leaves of `obj` and return a spec to rebuild its structure."""
    if isinstance(obj, dict):
        keys = list(obj)
        subs = [_flatten(obj[k], f"{where}[{k!r}]", leaves) for k in keys]
        return ("dict", keys, subs)
    if isinstance(obj, (list, tuple)):
        subs = [_flatten(v, f"{where}[{i}]", leaves) for i, v in enumerate(obj)]
        return ("seq", type(obj), subs)
    leaves.append(_Leaf(obj, where))
    return ("leaf", len(leaves) - 1, None)


def _unflatten(spec: tuple[Any, ...], values: list[Any]) -> Any:
    kind, info, subs = spec
    if kind == "leaf":
        return values[info]
    items = [_unflatten(s, values) for s in subs]
    if kind == "dict":
        return dict(zip(info, items))
    if info is list or info is tuple:
        return info(items)
    if hasattr(info, "_fields"):  # namedtuple
        return info(*items)
    try:
        return info(items)
    except TypeError:
        return tuple(items) if issubclass(info, tuple) else list(items)


# --------------------------------------------------------------------------
# the finite-difference engine


def _check_eps(eps: float | None) -> float | None:
    if eps is None:
        return None
    eps = float(eps)
    if not eps > 0 or not np.isfinite(eps):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    return eps


def _default_eps(dtype: np.dtype) -> float:
    if dtype.itemsize >= 8:
        return DEFAULT_EPS
    return float(np.finfo(dtype).eps) ** (1.0 / 3.0)


def _output(out: Any, expected: tuple[int, ...] | None) -> np.ndarray:
    """`f`'s output as a flat float array, after validating its shape.

    ``expected=None`` asks for a scalar (size 1) output, otherwise for that shape.
    """
    arr = np.asarray(out)
    if np.iscomplexobj(arr):
        raise TypeError("f returned a complex value; only real outputs are supported")
    if expected is None and arr.size != 1:
        raise ValueError(
            f"f must return a scalar (0-d or size 1), but returned shape {arr.shape}; "
            "use numerical_jacobian for array-valued functions"
        )
    if expected is not None and arr.shape != expected:
        raise ValueError(f"f's output shape changed from {expected} to {arr.shape} under a small perturbation")
    if arr.dtype.kind == "f":
        calc = np.promote_types(arr.dtype, np.float64)
    else:
        calc = np.dtype(np.float64)
    try:
        return arr.astype(calc).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"f returned a non-numeric value of type {type(out).__name__}") from exc


def _fresh(value: Any) -> Any:
    """A copy of an argument that `f` may write into without changing the next evaluation."""
    return copy.deepcopy(value)


def _evaluate(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    key: int | str,
    spec: tuple[Any, ...],
    leaves: list[_Leaf],
    out_shape: tuple[int, ...] | None,
) -> np.ndarray:
    """Call `f` with argument `key` replaced by the (perturbed) leaves, every argument a fresh
    copy (a function that writes into its arguments gets the same values at every call)."""
    rebuilt = _unflatten(spec, [np.copy(leaf.value()) if leaf.kind == "array" else leaf.value() for leaf in leaves])
    args, kwargs = _fresh(args), _fresh(kwargs)
    if isinstance(key, int):
        args = (*args[:key], rebuilt, *args[key + 1 :])
    else:
        kwargs = {**kwargs, key: rebuilt}
    return _output(f(*args, **kwargs), out_shape)


def _narrower(a: np.dtype, b: np.dtype) -> np.dtype:
    return a if a.itemsize <= b.itemsize else b


def _finite_differences(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    targets: list[_Target],
    eps: float | None,
    scalar: bool,
) -> list[Any]:
    """One derivative per target, shaped `out_shape + arg_shape` per leaf."""
    eps = _check_eps(eps)
    base = f(*_fresh(args), **_fresh(kwargs))
    computed = np.asarray(base).dtype  # the precision f computes in decides the step, not its input's
    computed = computed if computed.kind == "f" else np.dtype(np.float64)
    expected = None if scalar else np.shape(base)
    _output(base, expected)
    out_shape: tuple[int, ...] = () if expected is None else expected
    out_size = int(np.prod(out_shape, dtype=np.int64))

    results = []
    for target in targets:
        original = args[target.key] if isinstance(target.key, int) else kwargs[target.key]
        leaves: list[_Leaf] = []
        spec = _flatten(original, target.name, leaves)
        grads = []
        for leaf in leaves:
            dtype = leaf.work.dtype
            calc = np.promote_types(dtype, np.float64)
            step = eps if eps is not None else _default_eps(_narrower(dtype, computed))
            g = np.empty((out_size, leaf.work.size), dtype=calc)
            for i in range(leaf.work.size):
                orig = leaf.flat[i]
                xi = calc.type(orig)
                h = calc.type(step) * max(calc.type(1), abs(xi))
                leaf.flat[i] = xi + h
                x_plus = calc.type(leaf.flat[i])
                f_plus = _evaluate(f, args, kwargs, target.key, spec, leaves, expected)
                leaf.flat[i] = xi - h
                x_minus = calc.type(leaf.flat[i])
                f_minus = _evaluate(f, args, kwargs, target.key, spec, leaves, expected)
                leaf.flat[i] = orig
                with np.errstate(divide="ignore", invalid="ignore"):
                    g[:, i] = (f_plus - f_minus) / (x_plus - x_minus)
            g = g.reshape(out_shape + leaf.work.shape).astype(dtype, copy=False)
            if scalar and leaf.kind == "float":
                grads.append(float(g))
            elif scalar and leaf.kind == "scalar":
                grads.append(g[()])
            else:
                grads.append(g)
        results.append(_unflatten(spec, grads))
    return results


def numerical_grad(
    f: Callable[..., Any],
    *args: Any,
    wrt: Wrt = 0,
    eps: float | None = None,
    **kwargs: Any,
) -> Any:
    """Central-difference gradient of the scalar-valued ``f(*args, **kwargs)``.

    ``wrt`` picks the argument: a position, a parameter name (looked up with
    ``inspect.signature``; a name passed as a keyword argument also works), or
    a tuple of those, which gives a tuple of gradients. The argument may be a
    float, a NumPy scalar or array, or a nested list / tuple / dict of them; the
    gradient mirrors it (same structure, same shapes, float dtype: float64 for
    float64 and integer inputs, the input's dtype for narrower floats; Python
    float for a Python number). Raises ValueError if ``f``'s output is not of
    size 1. Every evaluation gets fresh copies of all arguments, so ``f`` may
    write into them; the step suits the precision ``f`` computes in (its
    output's dtype) when that is narrower than the argument's.

    >>> import numpy as np
    >>> g = numerical_grad(lambda x: np.sum(x ** 2), np.array([1.0, -2.0]))
    >>> np.round(g, 6)
    array([ 2., -4.])
    >>> round(numerical_grad(lambda x, y: x * y, 3.0, 5.0, wrt="y"), 6)
    3.0
    """
    targets, multi = _resolve_targets(f, wrt, len(args), kwargs)
    grads = _finite_differences(f, args, kwargs, targets, eps, scalar=True)
    return tuple(grads) if multi else grads[0]


def numerical_jacobian(
    f: Callable[..., Any],
    *args: Any,
    wrt: Wrt = 0,
    eps: float | None = None,
    **kwargs: Any,
) -> Any:
    """Central-difference Jacobian of the array-valued ``f(*args, **kwargs)``.

    For an argument ``x`` the result is an array of shape
    ``out.shape + x.shape`` with ``J[o..., i...] = d out[o...] / d x[i...]``
    (an array even when ``x`` is a Python float). ``wrt`` and ``eps`` work as
    in :func:`numerical_grad`; a tuple ``wrt`` gives a tuple of Jacobians.

    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> J = numerical_jacobian(lambda x: A @ x, np.zeros(2))
    >>> J.shape, bool(np.allclose(J, A))
    ((3, 2), True)
    """
    targets, multi = _resolve_targets(f, wrt, len(args), kwargs)
    jacs = _finite_differences(f, args, kwargs, targets, eps, scalar=False)
    return tuple(jacs) if multi else jacs[0]


# --------------------------------------------------------------------------
# gradient checking


def _fmt(v: Any) -> str:
    return f"{v:.10g}"


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def _compare_leaf(analytic: Any, numeric: Any, where: str, rtol: float, atol: float, out: list[str]) -> None:
    n = np.asarray(numeric, dtype=np.float64)
    if analytic is None:
        out.append(f"{where}: analytic gradient is None (expected shape {n.shape})")
        return
    a = np.asarray(analytic)
    if a.dtype.kind not in "biufc":
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            out.append(
                f"{where}: analytic gradient is a non-numeric {type(analytic).__name__}, expected shape {n.shape}"
            )
            return
    if a.shape != n.shape:
        out.append(
            f"{where}: shape mismatch: analytic gradient has shape {a.shape}, but the argument has shape {n.shape}"
        )
        return
    ok = np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
    bad = np.flatnonzero(~ok)
    if bad.size == 0:
        return
    out.append(f"{where}: {bad.size} of {n.size} element(s) differ")
    a_flat, n_flat = a.reshape(-1), n.reshape(-1)
    for k in bad[:_MAX_REPORTED]:
        av, nv = a_flat[k], n_flat[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            abs_err = float(np.abs(av - nv))
            rel_err = abs_err / abs(nv) if nv != 0 else (0.0 if abs_err == 0 else np.inf)
        label = where + _index(np.unravel_index(k, n.shape)) if n.ndim else where
        out.append(
            f"    {label}: analytic={_fmt(av)} numerical={_fmt(nv)} abs_err={_fmt(abs_err)} rel_err={_fmt(rel_err)}"
        )
    if bad.size > _MAX_REPORTED:
        out.append(f"    ... and {bad.size - _MAX_REPORTED} more")


def _compare(analytic: Any, numeric: Any, where: str, rtol: float, atol: float, out: list[str]) -> None:
    """Append a line to `out` for every difference between the two gradients."""
    if isinstance(numeric, dict):
        if not isinstance(analytic, Mapping):
            out.append(f"{where}: expected a dict with keys {list(numeric)}, got {type(analytic).__name__}")
            return
        missing = [k for k in numeric if k not in analytic]
        extra = [k for k in analytic if k not in numeric]
        if missing:
            out.append(f"{where}: analytic gradient is missing key(s) {missing}")
        if extra:
            out.append(f"{where}: analytic gradient has unexpected key(s) {extra}")
        for k in numeric:
            if k in analytic:
                _compare(analytic[k], numeric[k], f"{where}[{k!r}]", rtol, atol, out)
        return
    if isinstance(numeric, (list, tuple)):
        if not isinstance(analytic, (list, tuple)):
            out.append(
                f"{where}: expected a {type(numeric).__name__} of length {len(numeric)}, got {type(analytic).__name__}"
            )
            return
        if len(analytic) != len(numeric):
            out.append(
                f"{where}: length mismatch: analytic gradient has {len(analytic)} "
                f"item(s), the argument has {len(numeric)}"
            )
            return
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            _compare(a, n, f"{where}[{i}]", rtol, atol, out)
        return
    _compare_leaf(analytic, numeric, where, rtol, atol, out)


def check_grad(
    f: Callable[..., Any],
    grad_value_or_fn: Any,
    *args: Any,
    wrt: Wrt = 0,
    rtol: float | None = None,
    atol: float | None = None,
    eps: float | None = None,
    **kwargs: Any,
) -> None:
    """Check an analytic gradient of ``f`` against :func:`numerical_grad`.

    ``grad_value_or_fn`` is either a callable, called as
    ``grad_fn(*args, **kwargs)``, or the gradient itself, shaped like
    ``numerical_grad``'s result (a tuple for a tuple ``wrt``). An element
    passes when ``|analytic - numerical| <= atol + rtol * |numerical|``
    (NaN passes only against NaN); by default rtol=1e-5 and atol=1e-6 for a function that
    computes in float64, looser for one that computes in float32 or float16 (1e-3, 1e-4 and
    5e-2, 5e-3), where central differences are only that accurate. Every evaluation of ``f``
    and of the gradient function gets fresh copies of the arguments. Returns None, or raises
    :class:`GradientCheckError` listing shape / structure mismatches and the
    first ten bad elements of each array.

    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> check_grad(lambda x: np.sum(x ** 3), lambda x: 3 * x ** 2, x)
    >>> check_grad(lambda x: np.sum(x ** 3), np.zeros(2), x)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    GradientCheckError: ...
    """
    targets, multi = _resolve_targets(f, wrt, len(args), kwargs)
    numeric = _finite_differences(f, args, kwargs, targets, eps, scalar=True)
    if callable(grad_value_or_fn):
        analytic = grad_value_or_fn(*_fresh(args), **_fresh(kwargs))
    else:
        analytic = grad_value_or_fn
    if rtol is None or atol is None:
        computed = np.asarray(f(*_fresh(args), **_fresh(kwargs))).dtype
        narrow = computed.kind == "f" and computed.itemsize < 8
        loose = (5e-2, 5e-3) if narrow and computed.itemsize < 4 else (1e-3, 1e-4) if narrow else (1e-5, 1e-6)
        rtol = loose[0] if rtol is None else rtol
        atol = loose[1] if atol is None else atol

    header = f"gradient check failed for {_func_name(f)} (rtol={rtol:g}, atol={atol:g}):"
    if multi:
        if not isinstance(analytic, (tuple, list)) or len(analytic) != len(targets):
            got = (
                f"a {type(analytic).__name__} of length {len(analytic)}"
                if isinstance(analytic, (tuple, list))
                else f"a {type(analytic).__name__}"
            )
            raise GradientCheckError(
                f"{header}\n  wrt={wrt!r} asks for {len(targets)} gradient(s), but the analytic gradient is {got}"
            )
        analytic_list = list(analytic)
    else:
        analytic_list = [analytic]

    report: list[str] = []
    for target, a, n in zip(targets, analytic_list, numeric):
        problems: list[str] = []
        _compare(a, n, target.name, rtol, atol, problems)
        if problems:
            report.append(f"  w.r.t. {target.label}:")
            report.extend("    " + line for line in problems)
    if report:
        raise GradientCheckError("\n".join([header, *report]))
