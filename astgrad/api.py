"""The public differential operators: grad, value_and_grad, source."""

from __future__ import annotations

import functools
import inspect
import threading
import types
import weakref
from collections import OrderedDict
from typing import Any, Callable, Sequence, Union

import numpy as np

from .ad.assemble import build, build_jvp, build_vjp, normalized, normalized_source
from .analysis.activity import refuse_tuple_output
from .errors import ArgumentError, TransformError, UnsupportedValueError, user_facing
from .frontend.assumptions import same_defaults, same_objects, twin_places
from .frontend.callables import called_method
from .frontend.partials import partial_as_function
from .ir.codegen import frozen, make_function, moved_function
from .runtime import check_aux_pair, check_scalar, deep_copy_of, match_structure, partial_contents, zeros_like
from .specialize.dispatch import Specializer, call_arguments

Wrt = Union[int, str, Sequence[Union[int, str]]]

_cache: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()
_cache_lock = threading.RLock()


def wrt_parameters(func: Callable, params: list[str], wrt: Wrt) -> tuple[list[str], bool]:
    """The parameter names `wrt` designates, and whether the caller asked for a tuple."""
    many = isinstance(wrt, (tuple, list))
    items = list(wrt) if many else [wrt]
    names = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise ArgumentError(f"wrt must be a parameter index, a parameter name, or a tuple of them; got {w!r}")
        if isinstance(w, int):
            if not -len(params) <= w < len(params):
                raise ArgumentError(f"wrt={w} is out of range: {func.__name__} has {len(params)} parameters")
            names.append(params[w])
        else:
            if w not in params:
                raise ArgumentError(
                    f"wrt={w!r} is not a parameter of {func.__name__} (parameters: {', '.join(params)})"
                )
            names.append(w)
    if not names:
        raise ArgumentError("wrt names no parameter")
    for n in names:
        _refuse_star_parameter(func, n)
    return names, many


def _refuse_star_parameter(func: Callable, param: str) -> None:
    """Refuse differentiating with respect to `*args` or `**kwargs`: the function reads them as
    the tuple and dict they are (their values are constants), never as one differentiated value."""
    try:
        own = inspect.signature(func, follow_wrapped=False).parameters  # (a wrapper's, not what it wraps)
    except (TypeError, ValueError):
        return
    stars = [p for p in own.values() if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    if param in own and own[param] not in stars or not stars:
        return
    kind = own[param].kind if param in own else stars[0].kind
    param = param if param in own else stars[0].name
    from .frontend.parse import parse_function

    parsed = parse_function(func)
    fdef = parsed.tree
    wrapped = getattr(parsed.func, "__wrapped__", None)
    label = getattr(wrapped, "__name__", "f")
    star = "*" if kind is inspect.Parameter.VAR_POSITIONAL else "**"
    raise parsed.error(
        f"differentiating with respect to star arguments (`{star}{param}`) is not supported",
        fdef,
        hint=f"name the parameters of {fdef.name} explicitly (other parameters may be star arguments: "
        f"`def {fdef.name}(w, *args)` is differentiated with respect to w)"
        if wrapped is None
        else f"`{fdef.name}` is a decorator's wrapper of `{label}` (functools.wraps): if it adds nothing "
        f"to the result (timing, logging), differentiate the undecorated function, "
        f"`grad({label}.__wrapped__)`; otherwise name the wrapper's parameters explicitly",
    )


def cached(
    func: Callable, key: tuple, make: Callable[[], Any], move: Callable[[Any, dict, Any], Any] | None = None
) -> Any:
    """`make()`, computed once per (function, key) and again whenever the program it was
    generated from has changed (assumptions.py); thread-safe. A function made anew with the same
    code takes what was made for its twin (_twin), moved onto its closure cells by `move(made,
    places)` where they differ."""
    if isinstance(func, types.MethodType):
        return _cached_method(func, key, make, move)
    with _cache_lock:
        made = _lookup(func, key)
        if made is None:
            made = _twin(func, key, move)
            if made is not None:
                _remember_code(func, key, made)
        if made is None or not _current(made):
            made = make()
            _remember_code(func, key, made)
        _store(func, key, made)
        return made


# what was made for a function with closure cells, by (id, key) → (function, made): what is made
# for it holds it (its guard reads it), which would keep it alive for ever in _cache; a function
# made anew at every step of a loop (a lambda inside a step function) must not, with its data
_by_closure: "OrderedDict[tuple, tuple[Callable, Any]]" = OrderedDict()
_BY_CLOSURE_SIZE = 8


def _lookup(func: Callable, key: tuple) -> Any:
    if getattr(func, "__closure__", None):
        found = _by_closure.get((id(func), key))
        return found[1] if found is not None and found[0] is func else None
    try:
        return _cache.get(func, {}).get(key)
    except TypeError:  # not weak-referenceable: no caching
        return None


def _store(func: Callable, key: tuple, made: Any) -> None:
    if getattr(func, "__closure__", None):
        _by_closure[(id(func), key)] = (func, made)
        _by_closure.move_to_end((id(func), key))
        while len(_by_closure) > _BY_CLOSURE_SIZE:
            _by_closure.popitem(last=False)
        return
    try:
        _cache.setdefault(func, {})[key] = made
    except TypeError:
        pass


# (function, instance, key) → (instance, what was made for it): a bound method is made anew at each
# read, and what is made for it holds its instance; the few most recent are kept, not every
# instance ever differentiated
_by_method: "OrderedDict[tuple, tuple[Any, Any]]" = OrderedDict()
_BY_METHOD_SIZE = 16


def _cached_method(method: types.MethodType, key: tuple, make: Callable[[], Any], move: Callable | None) -> Any:
    index = (method.__func__, id(method.__self__), key)
    with _cache_lock:
        found = _by_method.get(index)
        if found is None or found[0] is not method.__self__:
            moved = _moved_method(method, key, move)
            found = None if moved is None else (method.__self__, moved)
        if found is None or not _current(found[1]):
            found = (method.__self__, make())
        _by_method[index] = found
        _by_method.move_to_end(index)
        while len(_by_method) > _BY_METHOD_SIZE:
            _by_method.popitem(last=False)
        return found[1]


def _moved_method(method: types.MethodType, key: tuple, move: Callable | None) -> Any:
    """What was made for the same method of another instance, moved onto this one (`self` is a
    constant cell of the generated code), or None."""
    if move is None:
        return None
    for (func, _, other_key), (instance, made) in reversed(_by_method.items()):
        if func is not method.__func__ or other_key != key or type(instance) is not type(method.__self__):
            continue
        spec = getattr(made, "__astgrad_specializer__", None)
        if spec is None:
            return None
        # (each generation made its own cell for the instance: the general code's, each specialisation's)
        codes = [spec.general, *spec.by_key.values()]
        constants = [c for fn in codes for c in fn.__astgrad_assumptions__.constants.values()]
        cells = {id(c) for c in constants if c.cell_contents is instance}
        if not cells or any(
            c.cell_contents is instance and id(c) not in cells for fn in codes for c in fn.__closure__ or ()
        ):
            return None
        places: dict[int, Any] = dict.fromkeys(cells, types.CellType(method.__self__))
        for fn in codes:  # (the method object each was generated from)
            places[id(getattr(fn, "__wrapped__", None))] = method
        places.pop(id(None), None)
        places[id(instance)] = method.__self__  # (the names generated code binds: `self`)
        return move(made, places, None)
    return None


# (code, key) → (function, what was made for it): a function made anew with the same code and
# the same globals, cells and defaults (`grad(lambda w: loss(w, X, y))` inside a training loop)
# is the same program, and takes what was made for its twin
_by_code: "OrderedDict[tuple, tuple[Callable, Any]]" = OrderedDict()
_BY_CODE_SIZE = 128


def _remember_code(func: Callable, key: tuple, made: Any) -> None:
    code = getattr(func, "__code__", None)
    if code is None:
        return
    _by_code[(code, key)] = (func, made)
    _by_code.move_to_end((code, key))
    while len(_by_code) > _BY_CODE_SIZE:
        _by_code.popitem(last=False)


def _twin(func: Callable, key: tuple, move: Callable[[Any, dict, Any], Any] | None) -> Any:
    found = _by_code.get((getattr(func, "__code__", None), key))
    if found is None:
        return None
    other, made = found
    if other.__globals__ is not func.__globals__:
        return None
    if not same_objects(other.__closure__, func.__closure__):
        # the same code over other cells: `grad(lambda w: loss(w, Xb, yb))` in a step function
        places = twin_places(other, func) if move is not None else None
        # (with its defaults: a partial's keywords, `partial(loss, X=Xb)`)
        return None if places is None else move(made, places, func)
    return made if same_defaults(other, func) else _with_defaults(made, func)


def _with_defaults(made: Any, func: Callable) -> Any:
    """The gradient `made` for a twin of `func` that differs in its default values only
    (`lambda w, X=Xb: loss(w, X)` made anew at each step): the same code, `func`'s defaults. (A
    default is an argument: the gradient fills it in, and its guard checks what it is.)"""
    if not isinstance(made, types.FunctionType) or getattr(made, "__astgrad_specializer__", None) is None:
        return None
    copy = make_function(made.__code__, made.__globals__, made.__name__, func.__defaults__, made.__closure__)
    copy.__kwdefaults__ = dict(func.__kwdefaults__) if func.__kwdefaults__ else None
    copy.__dict__.update(made.__dict__)
    copy.__qualname__, copy.__doc__ = made.__qualname__, made.__doc__
    return copy


def _current(made: Any) -> bool:
    """Whether generated code is (now) the code of the program as it is."""
    spec = getattr(made, "__astgrad_specializer__", None)
    if spec is not None:
        spec.refresh()  # (the object the user holds is brought up to date)
        return True
    first = made[0] if isinstance(made, tuple) else made
    facts = getattr(first, "__astgrad_assumptions__", None)
    return facts is None or facts.hold()


def _freeze(wrt: Wrt) -> Any:
    return tuple(wrt) if isinstance(wrt, list) else wrt


def reverse_function(
    func: Callable, wrt: Wrt, value: bool, optimize: bool, has_aux: bool, specialize: bool = True
) -> Callable:
    key = ("reverse", _freeze(wrt), value, optimize, has_aux, specialize)
    if getattr(getattr(func, "__code__", None), "co_flags", 0) & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        wrt_parameters(func, parameter_names(func), wrt)  # (`wrt` at a star argument: refused before the body)

    sources: list = []  # func's source as the general build read it, for its specialisations

    def make(kinds=None, inline=False):
        return build(
            func,
            wrt,
            value=value,
            optimize=optimize,
            wrt_names_fn=wrt_parameters,
            has_aux=has_aux,
            kinds=kinds,
            inline=inline,
            sources=sources,
        )

    def make_specialising():
        gradient = make()
        # specialised at its first call for its arguments' types and shapes; generated again
        # when the program changes
        return Specializer(gradient, make, inspect.signature(gradient), specialise=optimize and specialize).install()

    def move(made: Any, places: dict, like: Callable | None) -> Any:
        spec = getattr(made, "__astgrad_specializer__", None)
        return None if spec is None else spec.moved(places, make, like)

    return cached(func, key, make_specialising, move)


def jvp_function(func: Callable, wrt: tuple[str, ...] | None, optimize: bool = True) -> Callable:
    key = ("jvp", wrt, optimize)
    return cached(
        func, key, lambda: build_jvp(func, None if wrt is None else list(wrt), optimize=optimize)[0], moved_function
    )


def _forward(func: Callable, wrt: Wrt, value: bool, optimize: bool, has_aux: bool) -> Callable:
    """The gradient by forward mode: one tangent sweep per input element."""
    params = parameter_names(func)
    names, many = wrt_parameters(func, params, wrt)
    jvp_fn = jvp_function(func, tuple(names), optimize)
    if not has_aux:  # (a jvp may return a tuple; a gradient's function may not)
        refuse_tuple_output(*normalized(func))

    @user_facing
    def forward_gradient(*args, **kwargs):
        signature = inspect.signature(func)  # (its defaults, and its parameters, as they are now)
        names, many = wrt_parameters(func, list(signature.parameters), wrt)  # (`wrt=0`: the first one now)
        jvp_fn = jvp_function(func, tuple(names), optimize)  # (generated again if the program changed)
        forward_gradient.source = jvp_fn.source

        def run(arguments: dict, direction: dict) -> tuple:
            positional, keywords = call_arguments(signature, arguments)
            return jvp_fn(*positional, **keywords, **direction)

        return forward_sweeps(func, signature, names, many, value, has_aux, jvp_fn.dot_params, run, args, kwargs)

    forward_gradient.__name__ = func.__name__ + ("_value_and_grad" if value else "_grad")
    forward_gradient.__wrapped__ = func
    forward_gradient.__astgrad_forward__ = True  # (no source of its own to differentiate: frontend/parse.py)
    forward_gradient.source = jvp_fn.source
    return forward_gradient


def _random_states(func: Callable, arguments: dict) -> Callable[[], None]:
    """A function putting back, each time it is called, the states the random number generators
    `func` may draw from had when this was called: NumPy's global one, Python's `random`'s, and
    the NumPy Generator, RandomState and `random.Random` objects among func's globals, closure
    cells and arguments (and their list, tuple and dict items), and one step further, among the
    globals of the functions there (helpers it may call) and the attributes of the modules and
    objects there (`helpers.rng`, a global model's `rng`). Forward mode runs the function once
    per input element: so every run draws what the first drew, and the derivatives are of one run
    (a dropout mask drawn anew at each sweep mixed the derivatives of different masks)."""
    import random

    generators = (np.random.Generator, np.random.RandomState, random.Random)
    roots = list(getattr(func, "__globals__", {}).values())
    roots += [c.cell_contents for c in (getattr(func, "__closure__", None) or ()) if _cell_is_set(c)]
    for v in arguments.values():
        roots.append(v)
        if isinstance(v, (list, tuple)):
            roots += list(v)
        elif isinstance(v, dict):
            roots += list(v.values())
    seen = list(roots)
    for v in roots:
        if isinstance(v, types.FunctionType):
            seen += list(v.__globals__.values())
        elif isinstance(v, types.ModuleType) or (hasattr(v, "__dict__") and not isinstance(v, type)):
            try:
                seen += list(vars(v).values())
            except TypeError:
                pass
    objects = {id(v): v for v in seen if isinstance(v, generators)}
    saved = [(g, _state_of(g)) for g in objects.values()]
    numpy_state, python_state = np.random.get_state(), random.getstate()

    def put_back() -> None:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
        for g, state in saved:
            if isinstance(g, np.random.Generator):
                g.bit_generator.state = state
            elif isinstance(g, np.random.RandomState):
                g.set_state(state)
            else:
                g.setstate(state)

    return put_back


def _state_of(g: Any) -> Any:
    """The state of a NumPy Generator, a RandomState or a `random.Random`."""
    if isinstance(g, np.random.Generator):
        return g.bit_generator.state
    return g.get_state() if isinstance(g, np.random.RandomState) else g.getstate()


def _cell_is_set(cell: Any) -> bool:
    try:
        return cell.cell_contents is not _cell_is_set  # (any value: bound)
    except ValueError:  # (an empty cell)
        return False


def as_passed(arguments: dict) -> Callable[[], dict]:
    """The arguments of each of several runs of one function (one per sweep), as they were passed:
    the first run gets the caller's own, which then hold what the function writes into them, as
    after one call; each later run a copy of them as they were (of arrays, through lists, tuples and
    dicts), so that a function writing into an argument does not change the later runs' inputs."""
    pristine = deep_copy_of(arguments)
    runs = [0]

    def passed() -> dict:
        runs[0] += 1
        return arguments if runs[0] == 1 else deep_copy_of(pristine)

    return passed


def forward_sweeps(
    func: Callable,
    signature: inspect.Signature,
    names: list[str],
    many: bool,
    value: bool,
    has_aux: bool,
    dot_params: dict[str, str],
    run: Callable[[dict, dict], tuple],
    args: tuple,
    kwargs: dict,
) -> Any:
    """The gradient of `func` at these arguments by forward mode: one tangent sweep per input
    element, `run(arguments, tangents)` running one (the jvp function, compiled or not)."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = bound.arguments
    zeros = {dot_params[n]: zeros_like(arguments[n]) for n in names}
    # every sweep runs the function: each draws the random numbers the first drew (one run's derivative)
    replay_draws = _random_states(func, arguments)
    inner = run
    passed = as_passed(arguments)

    def run(arguments: dict, direction: dict) -> tuple:  # (the same run, its draws replayed)
        replay_draws()
        return inner(passed(), direction)

    grads, out = [], None
    for n in names:
        grad_n = zeros_like(arguments[n])  # the gradient, filled leaf by leaf
        for path, leaf in _leaves(arguments[n]):
            if zeros_like(leaf) is None:  # a string or a flag in a dict: no derivative, as in reverse mode
                continue
            x = np.asarray(leaf)
            if x.dtype == object:
                raise TypeError(
                    f"mode='forward' differentiates numbers and arrays; {n}{path} is a {type(leaf).__name__}"
                )
            # (a float32 argument's tangents are float32: its gradient is float32, as in reverse mode,
            # unless the function computes in float64)
            base = x.dtype if x.dtype.kind in "fc" else np.dtype(float)
            values = []
            # a complex element is two real inputs: the gradient is ∂L/∂Re z - i ∂L/∂Im z (L the
            # output's real part), as reverse mode gives it; a sweep along 1 gives only the first
            units = (1.0, 1j) if x.dtype.kind == "c" else (1.0,)
            for index in np.ndindex(*x.shape):
                slopes = []
                for unit in units:
                    e = np.zeros(x.shape, dtype=base)
                    e[index] = unit
                    direction = dict(zeros)
                    one = e if x.ndim or not isinstance(leaf, float) else 1.0
                    direction[dot_params[n]] = _replace_leaf(zeros_like(arguments[n]), path, one)
                    out, out_dot = run(arguments, direction)
                    if has_aux:
                        _located(func, check_aux_pair, out)
                        out, out_dot = out[0], out_dot[0]
                    _located(func, check_scalar, out)
                    slopes.append(out_dot)
                values.append(slopes[0] if len(slopes) == 1 else np.real(slopes[0]) - 1j * np.real(slopes[1]))
            dtype = np.result_type(base, *(getattr(v, "dtype", base) for v in values))
            g = np.array(values, dtype=dtype).reshape(x.shape)
            g = float(g) if isinstance(leaf, (float, int)) and not x.ndim else g
            grad_n = _replace_leaf(grad_n, path, g)
        grads.append(match_structure(grad_n, arguments[n]))
    result = tuple(grads) if many else grads[0]
    if not value and not has_aux:
        return result
    if out is None:
        out = func(*args, **kwargs)
    if has_aux:
        full_out = func(*args, **kwargs)
        _located(func, check_aux_pair, full_out)
        return ((full_out[0], full_out[1]), result) if value else (result, full_out[1])
    return out, result


def _located(func: Callable, check: Callable[[Any], None], out: Any) -> None:
    """`check(out)` of forward mode's output (check_scalar, check_aux_pair), its refusal located at
    `func`'s def as reverse mode's is (its check runs in the generated code, which
    UnsupportedValueError locates)."""
    try:
        check(out)
    except UnsupportedValueError as exc:
        code = getattr(func, "__code__", None)
        if code is None or exc.filename is not None:
            raise
        located = UnsupportedValueError(f"{code.co_filename}:{code.co_firstlineno}: in `{func.__name__}`: {exc}")
        located.filename, located.lineno = code.co_filename, code.co_firstlineno
        raise located from None


def _leaves(x: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, leaf) for every number or array inside nested tuples, lists and dicts."""
    if isinstance(x, dict):
        return [leaf for k, v in x.items() for leaf in _leaves(v, path + (k,))]
    if isinstance(x, (list, tuple)):
        return [leaf for i, v in enumerate(x) for leaf in _leaves(v, path + (i,))]
    return [(path, x)]


def _replace_leaf(tree: Any, path: tuple, value: Any) -> Any:
    """`tree` (lists and dicts, as zeros_like builds them) with the leaf at `path` replaced."""
    if not path:
        return value
    tree[path[0]] = _replace_leaf(tree[path[0]], path[1:], value)
    return tree


def parameter_names(func: Callable) -> list[str]:
    try:
        return [p.name for p in inspect.signature(func).parameters.values()]
    except (TypeError, ValueError):
        raise TransformError(f"cannot read the parameters of {func!r}") from None


def _lazy(func: Callable, make: Callable[[], Callable]) -> Callable:
    """A stand-in that transforms `func` at its first call (for functions that use names
    defined after them)."""
    done: list[Callable] = []

    @functools.wraps(func)
    @user_facing
    def first_call(*args, **kwargs):
        if not done:
            done.append(make())
        return done[0](*args, **kwargs)

    return first_call


def _as_function(func: Any) -> Any:
    """A functools.partial as the Python function it stands for (frontend/partials.py); a
    `numba.njit` function as its Python function; an instance of a class with a Python
    `__call__` (a model object) as that bound method."""
    if isinstance(func, functools.partial):
        return partial_as_function(func)
    current = getattr(func, "__astgrad_current__", None)
    if current is not None:  # (the derivative of a partial: the one it runs now)
        return current()
    py = getattr(func, "py_func", None) if not isinstance(func, (types.FunctionType, types.MethodType, type)) else None
    if isinstance(py, types.FunctionType):
        return py
    return called_method(func) or func


def _operator(
    func: Callable | None,
    wrt: Wrt,
    *,
    value: bool,
    optimize: bool,
    mode: str,
    has_aux: bool,
    specialize: bool,
    jit: bool = False,
) -> Callable:
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if func is None:
        return lambda f: _operator(
            f, wrt, value=value, optimize=optimize, mode=mode, has_aux=has_aux, specialize=specialize, jit=jit
        )
    original, func = func, _as_function(func)
    if jit:
        return _jit_gradient(func, wrt, value=value, mode=mode, has_aux=has_aux)
    make = functools.partial(reverse_function, specialize=specialize) if mode == "reverse" else _forward
    try:
        made = make(func, wrt, value, optimize, has_aux)
    except TransformError as exc:
        if "is not defined" in str(exc):  # a name defined later in the module: try at first call
            return _lazy(func, lambda: make(func, wrt, value, optimize, has_aux))
        raise
    if isinstance(original, functools.partial):
        return _following_partial(original, made, lambda: make(_as_function(original), wrt, value, optimize, has_aux))
    return made


def _following_partial(p: functools.partial, made: Callable, remake: Callable[[], Callable]) -> Callable:
    """The derivative of the functools.partial `p` as it is at each call: a partial's keywords can be
    written into and its function swapped (`__setstate__`), so what it stands for is looked at again
    at every call (partials.partial_contents), and the derivative made again where it changed."""
    state = [partial_contents(p), made]

    @functools.wraps(made)
    def derivative(*args, **kwargs):
        contents = partial_contents(p)
        if contents is not state[0]:
            state[:] = [contents, remake()]
        return state[1](*args, **kwargs)

    derivative.__astgrad_current__ = lambda: state[1]  # (what a derivative of it differentiates: _as_function)
    return derivative


def _jit_gradient(func: Callable, wrt: Wrt, *, value: bool, mode: str, has_aux: bool) -> Callable:
    """The specialised gradient compiled by numba (jit/compiler.py); `func` may be a numba.njit function."""
    from .jit import compiler

    func = compiler.unwrap(func)
    compiler._numba()
    names, many = wrt_parameters(func, parameter_names(func), wrt)  # (checks wrt now)
    if mode == "forward":
        return _jit_forward(func, names, many, value, has_aux)

    def make(kinds: dict) -> Callable:
        return build(
            func,
            wrt,
            value=value,
            optimize=True,
            wrt_names_fn=wrt_parameters,
            has_aux=has_aux,
            kinds=kinds,
            target="numba",
        )

    label = "value_and_grad" if value else "grad"
    return cached(
        func,
        ("jit", _freeze(wrt), value, has_aux),
        lambda: compiler.JitGradient(func, make, inspect.signature(func), label),
    )


def _compiled_jvp(func: Callable, names: tuple[str, ...]) -> Any:
    """The jvp function of `func` (tangents along `names`) compiled by numba (jit.JitJvp)."""
    from .jit import compiler

    params = list(inspect.signature(func).parameters)
    return cached(func, ("jit jvp", names), lambda: compiler.JitJvp(func, lambda: jvp_function(func, names), params))


def _jit_forward(func: Callable, names: list[str], many: bool, value: bool, has_aux: bool) -> Callable:
    """The gradient by forward mode, each tangent sweep run by the jvp function compiled by numba."""
    if not has_aux:  # (a jvp may return a tuple; a gradient's function may not)
        refuse_tuple_output(*normalized(func))
    compiled = _compiled_jvp(func, tuple(names))

    @user_facing
    def forward_gradient(*args, **kwargs):
        signature = inspect.signature(func)  # (its defaults as they are now)

        def run(arguments: dict, direction: dict) -> tuple:
            return compiled(tuple(arguments.values()), tuple(direction.values()))

        dots = jvp_function(func, tuple(names)).dot_params
        return forward_sweeps(func, signature, names, many, value, has_aux, dots, run, args, kwargs)

    def source(*args, **kwargs) -> str:
        """The code numba compiles for these arguments."""
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        tangents = tuple(zeros_like(bound.arguments[n]) for n in names)
        return compiled.source(tuple(bound.arguments.values()), tangents)

    forward_gradient.__name__ = func.__name__ + ("_value_and_grad" if value else "_grad")
    forward_gradient.__wrapped__ = func
    forward_gradient.__astgrad_forward__ = True
    forward_gradient.source = source
    return forward_gradient


@user_facing
def grad(
    func: Callable | None = None,
    wrt: Wrt = 0,
    *,
    mode: str = "reverse",
    has_aux: bool = False,
    optimize: bool = True,
    specialize: bool = True,
    jit: bool = False,
) -> Callable:
    """The gradient of scalar-valued `func` with respect to the parameter(s) `wrt`.

    Returns a plain generated function taking `func`'s arguments; it has `.source` (the
    generated code) and `__wrapped__` (`func`). Usable as `@grad` or `@grad(wrt=...)`. Its
    first call with arguments of new types or shapes generates code specialised for them
    (`specialize=False`: always run the general code). With `jit=True` that specialised code
    is compiled by numba (`pip install "astgrad[jit]"`; jit/compiler.py); `func` may be a `numba.njit`
    function.

    >>> @grad(wrt=("x1", "x2"))
    ... def f(x1, x2):
    ...     return x1 * x2 + np.sin(x1)
    >>> f(0.7, -1.3)   # (x2 + cos(x1), x1)
    """
    return _operator(
        func, wrt, value=False, optimize=optimize, mode=mode, has_aux=has_aux, specialize=specialize, jit=jit
    )


@user_facing
def value_and_grad(
    func: Callable | None = None,
    wrt: Wrt = 0,
    *,
    mode: str = "reverse",
    has_aux: bool = False,
    optimize: bool = True,
    specialize: bool = True,
    jit: bool = False,
) -> Callable:
    """Like `grad`, but the generated function returns `(func(...), gradient)`.

    >>> value_and_grad(lambda_free_loss)(w)   # (loss, dloss/dw)
    """
    return _operator(
        func, wrt, value=True, optimize=optimize, mode=mode, has_aux=has_aux, specialize=specialize, jit=jit
    )


@user_facing
def source(
    func: Callable,
    wrt: Wrt = 0,
    mode: str = "reverse",
    optimize: bool = True,
    *,
    normalized: bool = False,
    value: bool = False,
    args: Sequence[Any] | None = None,
    jit: bool = False,
) -> str:
    """The generated code of `grad(func, wrt, mode=mode)` as text: the general code, or with
    `args`, the code specialised for those arguments' types and shapes (what a call with them
    runs). With `normalized=True`, the A-normal form of `func` itself (one operation per statement);
    with `jit=True` (and `args`), the code numba compiles for `grad(func, wrt, jit=True)`.

    >>> print(source(f, wrt=("x1", "x2")))
    >>> print(source(f, wrt=("x1", "x2"), args=(0.7, -1.3)))
    """
    func = _as_function(func)
    if normalized:
        return str(normalized_source(func))
    if jit:  # the code numba compiles for these arguments (jit/compiler.py)
        if args is None:
            raise ArgumentError("source(..., jit=True) shows the code compiled for arguments: pass args=")
        return _jit_gradient(func, wrt, value=value, mode=mode, has_aux=False).source(*args)
    if mode == "forward":
        names, _ = wrt_parameters(func, parameter_names(func), wrt)
        return str(jvp_function(func, tuple(names), optimize).source)
    gradient = reverse_function(func, wrt, value, optimize, False)
    spec = getattr(gradient, "__astgrad_specializer__", None)
    if args is None or spec is None:
        return str(gradient.source)
    return str(spec.for_arguments(tuple(args), {}).source)


@user_facing
def jvp(func: Callable, primals: Sequence[Any], tangents: Sequence[Any], *, jit: bool = False) -> tuple[Any, Any]:
    """Forward mode: `(func(*primals), its derivative along tangents)`; with `jit=True` the
    forward-mode code is compiled by numba (jit.py).

    >>> jvp(f, (0.7, -1.3), (1.0, 0.0))   # (f(0.7, -1.3), df/dx1)
    """
    func = _as_function(func)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ArgumentError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    if jit:
        from .jit import compiler

        func = compiler.unwrap(func)
    params = parameter_names(func)[: len(primals)]
    if jit:
        bound = inspect.signature(func).bind(*primals)
        bound.apply_defaults()
        return _compiled_jvp(func, tuple(params))(tuple(bound.arguments.values()), tangents)
    jvp_fn = jvp_function(func, tuple(params))
    dots = {jvp_fn.dot_params[p]: t for p, t in zip(params, tangents)}
    return jvp_fn(*primals, **dots)


@user_facing
def vjp(func: Callable, *primals: Any) -> tuple[Any, Callable[[Any], tuple]]:
    """Reverse mode: `(func(*primals), vjp_fn)` where `vjp_fn(out_bar)` returns the cotangents
    (adjoints) of all of `primals` given the adjoint `out_bar` of the output.

    >>> out, pullback = vjp(f, x, y); x_bar, y_bar = pullback(np.ones_like(out))
    """
    func = _as_function(func)
    fwd, bwd, active = cached(func, ("vjp",), lambda: build_vjp(func, optimize=True))
    fwd, bwd = frozen(fwd), frozen(bwd)  # (the pullback is of the program as it was at this call)
    tape: list = []
    out = fwd(tape, *primals)
    saved = [tape]

    @user_facing
    def vjp_fn(out_bar: Any) -> tuple:
        run = saved.pop() if saved else None
        if run is None:  # a second pullback: replay the forward pass for a fresh tape
            run = []
            fwd(run, *primals)
        result = bwd(run, out_bar)
        result = result if len(active) > 1 else (result,)
        return tuple(result[: len(primals)])

    return out, vjp_fn


@user_facing
def jacobian(func: Callable, wrt: Wrt = 0, mode: str = "reverse") -> Callable:
    """The Jacobian of array-valued `func`: shape `out.shape + x.shape` for each `wrt` argument.
    Reverse mode does one backward sweep per output element, forward mode one tangent sweep
    per input element. An argument or output holding tuples, lists or dicts of arrays gives the
    Jacobian as JAX does: the output's structure, each leaf holding the argument's structure of
    blocks `out_leaf.shape + x_leaf.shape`.

    >>> jacobian(lambda_free_f, wrt=0)(x)
    """
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    func = _as_function(func)
    params = parameter_names(func)
    names, many = wrt_parameters(func, params, wrt)
    signature = inspect.signature(func)

    @user_facing
    def jacobian_fn(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        # blocks[k][(out_path, in_path)]: d out[out_path] / d arguments[names[k]][in_path]
        blocks: list[dict] = [{} for _ in names]
        passed = as_passed(arguments)
        if mode == "forward":
            jvp_fn = jvp_function(func, tuple(names))
            zeros = {jvp_fn.dot_params[m]: zeros_like(arguments[m]) for m in names}
            out = out_leaves = None
            for k, n in enumerate(names):
                for in_path, leaf in _differentiable_leaves(arguments[n]):
                    x = np.asarray(leaf)
                    columns = []
                    for index in np.ndindex(*x.shape):
                        e = np.zeros(x.shape)
                        e[index] = 1.0
                        direction = dict(zeros)
                        one = e if x.ndim or not isinstance(leaf, float) else 1.0
                        tree = zeros_like(arguments[n]) if in_path else None
                        direction[jvp_fn.dot_params[n]] = _replace_leaf(tree, in_path, one)
                        positional, keywords = call_arguments(signature, passed())
                        out, out_dot = jvp_fn(*positional, **keywords, **direction)
                        columns.append(out_dot)
                    if out is None:  # (no element to sweep yet: the output's structure from f)
                        positional, keywords = call_arguments(signature, passed())
                        out = func(*positional, **keywords)
                    if out_leaves is None:
                        out_leaves = _differentiable_leaves(out)
                    for out_path, out_leaf in out_leaves:
                        shape = np.shape(out_leaf) + x.shape
                        rows = [np.asarray(_leaf_at(c, out_path), dtype=float) for c in columns]
                        block = np.stack(rows, axis=-1).reshape(shape) if rows else np.zeros(shape)
                        blocks[k][out_path, in_path] = block
            if out is None:
                positional, keywords = call_arguments(signature, passed())
                out = func(*positional, **keywords)
        else:
            fwd, bwd, active = cached(func, ("vjp",), lambda: build_vjp(func, optimize=True))
            order = [params.index(n) for n in names]
            positional, keywords = call_arguments(signature, passed())  # (keyword-only ones by name)
            tape: list | None = []
            out = fwd(tape, *positional, **keywords)
            for out_path, out_leaf in _differentiable_leaves(out):
                y = np.asarray(out_leaf)
                rows: list[list] = [[] for _ in names]
                for index in np.ndindex(*y.shape):
                    e = np.zeros(y.shape)
                    e[index] = 1.0
                    seed = _replace_leaf(zeros_like(out), out_path, e if y.ndim else 1.0)
                    if tape is None:  # (the first sweep's tape is the one computing `out`)
                        tape = []
                        positional, keywords = call_arguments(signature, passed())
                        fwd(tape, *positional, **keywords)
                    cotangents = bwd(tape, seed)
                    tape = None
                    cotangents = cotangents if len(active) > 1 else (cotangents,)
                    for k, i in enumerate(order):
                        rows[k].append(cotangents[i])
                for k, n in enumerate(names):
                    for in_path, leaf in _differentiable_leaves(arguments[n]):
                        shape = y.shape + np.shape(leaf)
                        block = [np.asarray(_leaf_at(r, in_path), dtype=float) for r in rows[k]]
                        blocks[k][out_path, in_path] = np.stack(block).reshape(shape) if block else np.zeros(shape)
        jacs = [_jacobian_tree(out, arguments[n], blocks[k]) for k, n in enumerate(names)]
        return tuple(jacs) if many else jacs[0]

    jacobian_fn.__name__ = func.__name__ + "_jacobian"
    jacobian_fn.__wrapped__ = func
    return jacobian_fn


def _differentiable_leaves(x: Any) -> list[tuple[tuple, Any]]:
    """(path, leaf) for every number or array inside `x` (a string or a flag has no derivative:
    zeros_like gives it None)."""
    if isinstance(x, (float, np.ndarray)):  # (the common case: one array, no container)
        return [((), x)]
    return [(path, leaf) for path, leaf in _leaves(x) if zeros_like(leaf) is not None]


def _leaf_at(tree: Any, path: tuple) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def _jacobian_tree(out: Any, x: Any, blocks: dict) -> Any:
    """The Jacobian of `out` with respect to `x` from its blocks by (output path, input path):
    `out`'s structure, each leaf `x`'s structure of blocks (None for a leaf without a derivative)."""
    if not isinstance(out, (list, tuple, dict)) and not isinstance(x, (list, tuple, dict)):
        return blocks[(), ()]

    def per_input(out_path: tuple) -> Any:
        tree = _none_like(x)
        for in_path, _ in _differentiable_leaves(x):
            tree = _replace_leaf(tree, in_path, blocks[out_path, in_path])
        return match_structure(tree, x)

    tree = _none_like(out)
    for out_path, _ in _differentiable_leaves(out):
        tree = _replace_leaf(tree, out_path, per_input(out_path))
    return match_structure(tree, out) if isinstance(out, (list, tuple, dict)) else tree


def _none_like(x: Any) -> Any:
    """`x`'s lists (also for tuples) and dicts, with None at every leaf, to be filled."""
    if isinstance(x, dict):
        return {k: _none_like(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_none_like(v) for v in x]
    return None


@user_facing
def hessian(func: Callable, wrt: Wrt = 0) -> Callable:
    """The Hessian of scalar `func`: forward mode over the generated reverse-mode gradient.
    Shape `x.shape + x.shape`; with a tuple `wrt`, a tuple of tuples of blocks, `H[i][j]` of
    shape `x_i.shape + x_j.shape` (as JAX's hessian with a tuple of argnums).

    >>> hessian(f)(x)
    """
    func = _as_function(func)
    gradient = grad(func, wrt)
    names, many = wrt_parameters(func, parameter_names(func), wrt)
    if not many:
        return jacobian(gradient, wrt=names[0], mode="forward")
    by_input = jacobian(gradient, wrt=tuple(names), mode="forward")  # [j][i]: d gradient_i / d x_j

    @user_facing
    def hessian_fn(*args, **kwargs):
        blocks = by_input(*args, **kwargs)
        return tuple(tuple(blocks[j][i] for j in range(len(names))) for i in range(len(names)))

    hessian_fn.__name__ = func.__name__ + "_hessian"
    hessian_fn.__wrapped__ = func
    return hessian_fn


@user_facing
def hvp(func: Callable, wrt: Wrt = 0) -> Callable:
    """The Hessian-vector product `hvp(f)(*args, v)` = H v without forming H (forward over reverse).

    >>> hvp(f)(x, v)
    """
    if isinstance(wrt, (tuple, list)):
        raise ArgumentError("hvp takes one wrt argument")
    func = _as_function(func)
    gradient = grad(func, wrt)
    name = wrt_parameters(func, parameter_names(func), wrt)[0][0]

    @user_facing
    def hvp_fn(*args_and_v, **kwargs):
        *args, v = args_and_v
        jvp_fn = jvp_function(gradient, (name,))
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        return jvp_fn(**bound.arguments, **{jvp_fn.dot_params[name]: v})[1]

    hvp_fn.__name__ = func.__name__ + "_hvp"
    return hvp_fn


def stop_gradient(x: Any) -> Any:
    """`x`, with no derivative flowing through it.

    >>> grad(lambda_free_f)(x)  # where f uses stop_gradient(y) as a constant
    """
    return x


__all__ = ["grad", "value_and_grad", "source", "jvp", "vjp", "jacobian", "hessian", "hvp", "stop_gradient"]
