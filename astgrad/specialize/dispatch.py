"""Gradients specialised for the types and shapes of their arguments.

`grad(f)` returns one function object. Its first call looks at the arguments (Python floats and
ints, NumPy arrays of given shapes) and swaps in code generated for exactly those: with every
shape known, `unbroadcast` between same-shape values, the scalar-output checks and the tape
pushes of arrays whose shape was all the backward pass read all disappear (shape_facts.py).
The specialised code starts with a guard; arguments of other types or shapes take
`respecialize`, which runs (and caches) a specialisation for them, or the general code.
"""

from __future__ import annotations

import builtins
import inspect
import threading
import types
from typing import Any, Callable

import gast
import numpy as np

from ..errors import AstgradError, TransformError, refuse_pickling, user_facing
from ..frontend.assumptions import GONE
from ..ir import convert
from ..ir.codegen import compile_function, make_function, moved_function, with_twins
from ..runtime import mixed_items

# the code of each forwarding function by its text (it reads its callee from its globals, so
# one code object serves every gradient with that signature)
_forwarding_codes: dict[str, types.CodeType] = {}

MAX_SPECIALISATIONS = 8  # per gradient; beyond that, other shapes run the general code

Kind = tuple


def kind_of(x: Any) -> Kind | None:
    """What a specialisation fixes about one argument, or None (a list, a callable...: nothing)."""
    t = type(x)
    if t is float or t is int or t is bool:
        return (t.__name__,)
    if t is np.ndarray:
        k = x.dtype.kind
        return ("array", x.shape, "f" if k == "f" else k)  # float16/32/64 share code
    if isinstance(x, (np.number, np.bool_)) and t.__module__ == "numpy":
        return ("numpy scalar", t)
    if t in (list, tuple) and 0 < len(x) <= MAX_ITEMS:  # a container of arrays: its items' kinds
        items = tuple(kind_of(v) for v in x)
        return (t.__name__, items) if all(k is not None for k in items) else None
    if t in (list, tuple) and MAX_ITEMS < len(x) <= MAX_NUMBERS:
        # data as a long list of numbers, or of tuples or lists of numbers (points, `(x, y)` pairs),
        # all of one kind: the guard checks every item (mixed_items)
        item = kind_of(x[0])
        if item is not None and not mixed_items(x, *_item_classes(item)):
            return (t.__name__, (item,) * len(x))
        return None
    if t is dict and 0 < len(x) <= MAX_ITEMS and all(type(k) is str for k in x):
        # an int item is a setting (a stride, a padding, a window's size): its value is fixed too,
        # so the shapes it decides are known (at most MAX_SPECIALISATIONS settings get their code)
        items = tuple((k, ("int", v) if type(v) is int else kind_of(v)) for k, v in x.items())
        return ("dict", items) if all(k is not None for _, k in items) else None
    return None


MAX_ITEMS = 16  # a list, tuple or dict of more items is not specialised on (nor is one that holds others)
MAX_NUMBERS = 100_000  # ... unless its items are numbers of one type, or sequences of such (the guard checks them all)
_NUMBERS = ("float", "int", "numpy scalar")


def _item_classes(item: Kind) -> tuple:
    """(class, the classes of its parts) of the items of a long list of `item`s (mixed_items), or
    (None,) if such items are not specialised on: a number, or a short tuple or list of numbers."""
    if item[0] in _NUMBERS:
        return (_class(item),)
    if item[0] in ("list", "tuple") and all(k[0] in _NUMBERS for k in item[1]):
        return (list if item[0] == "list" else tuple, tuple(_class(k) for k in item[1]))
    return (None,)


def _class(kind: Kind) -> type:
    return kind[1] if kind[0] == "numpy scalar" else getattr(builtins, kind[0])


def _uniform(kind: Kind) -> bool:
    """A list or tuple kind of more than MAX_ITEMS numbers, all of one type (kind_of)."""
    return len(kind[1]) > MAX_ITEMS


def float_list_width(kind: Kind) -> int | None:
    """For a long list or tuple of floats (kind_of, every item checked by the guard), or a 1-D
    float array: 0; of tuples or lists of m floats each, or a float array of m columns: m; for
    any other kind, None."""
    if kind[0] == "array" and kind[2] == "f" and len(kind[1]) in (1, 2):
        return kind[1][1] if len(kind[1]) == 2 else 0
    if kind[0] not in ("list", "tuple") or not _uniform(kind):
        return None
    item = kind[1][0]
    if item == ("float",):
        return 0
    if item[0] in ("list", "tuple") and item[1] and all(k == ("float",) for k in item[1]):
        return len(item[1])
    return None


def standin(kind: Kind) -> Any:
    """A value with `kind`'s type and shape (its values mean nothing)."""
    if kind[0] == "float":
        return np.float64(1.0)  # NumPy's float: no ZeroDivisionError on a stand-in
    if kind[0] == "int" and len(kind) == 2:
        return kind[1]  # a value the guard fixes: itself, a Python int (other stand-ins are NumPy values)
    if kind[0] in ("int", "bool"):
        return np.int64(1) if kind[0] == "int" else np.bool_(True)
    if kind[0] == "array":
        dtype = {"f": np.float64, "b": np.bool_, "c": np.complex128}.get(kind[2], np.int64 if kind[2] in "iu" else None)
        if dtype is None:
            return None
        return np.broadcast_to(np.ones((), dtype=dtype), kind[1])  # read-only and no memory, whatever the size
    if kind[0] in ("list", "tuple"):
        items = [standin(k) for k in kind[1]]
        return None if any(v is None for v in items) else (list if kind[0] == "list" else tuple)(items)
    if kind[0] == "dict":
        items = {key: standin(k) for key, k in kind[1]}
        return None if any(v is None for v in items.values()) else items
    return kind[1](1)


def describe(kind: Kind) -> str:
    if kind[0] in ("list", "tuple") and _uniform(kind):
        inner = f"{len(kind[1])} × {describe(kind[1][0])}"
        return f"[{inner}]" if kind[0] == "list" else f"({inner})"
    if kind[0] in ("list", "tuple"):
        inner = ", ".join(describe(k) for k in kind[1])
        return f"[{inner}]" if kind[0] == "list" else f"({inner}{',' if len(kind[1]) == 1 else ''})"
    if kind[0] == "dict":
        return "{" + ", ".join(f"{key!r}: {describe(k)}" for key, k in kind[1]) + "}"
    if kind[0] == "array":
        return f"array{kind[1]}" if kind[2] == "f" else f"array{kind[1]} of kind {kind[2]!r}"
    if kind[0] == "int" and len(kind) == 2:
        return repr(kind[1])
    return kind[1].__name__ if kind[0] == "numpy scalar" else kind[0]


def guard_test(
    np_name: str,
    params: dict[str, Kind],
    type_name: Callable[[type], str] = lambda t: t.__name__,
    ordered: frozenset[str] = frozenset(),
) -> str:
    """A Python expression, true when some argument is not of the kind the code is specialised for.
    `type_name(float)` is the name generated code reads the builtin type by (its own, where the
    user's code gives `float` another meaning). A dict parameter in `ordered` must have its keys in
    the same order too (the code walks them in that order: frontend/unroll.py)."""
    parts = []
    for p, kind in params.items():
        if kind[0] in ("list", "tuple"):  # (its class and length first: the items' tests read them)
            container, length = type_name(getattr(builtins, kind[0])), type_name(len)
            parts.append(f"{p}.__class__ is not {container} or {length}({p}) != {len(kind[1])}")
            if _uniform(kind):  # (one test over its many numbers, or sequences of numbers)
                item = kind[1][0]
                if item[0] in ("list", "tuple"):
                    classes = ", ".join(_number_class(k, np_name, type_name) for k in item[1])
                    container = type_name(getattr(builtins, item[0]))
                    test = f"{p}, {container}, ({classes}{',' if len(item[1]) == 1 else ''})"
                else:
                    test = f"{p}, {_number_class(item, np_name, type_name)}"
                parts.append(f"{type_name(mixed_items)}({test})")
            else:
                parts.append(guard_test(np_name, {f"{p}[{i}]": k for i, k in enumerate(kind[1])}, type_name))
        elif kind[0] == "dict":
            if p in ordered:
                keys = repr(tuple(key for key, _ in kind[1]))
                parts.append(f"{p}.__class__ is not {type_name(dict)} or {type_name(tuple)}({p}) != {keys}")
            else:
                keys = "{" + ", ".join(repr(key) for key, _ in kind[1]) + "}"
                parts.append(f"{p}.__class__ is not {type_name(dict)} or {p}.keys() != {keys}")
            parts.append(guard_test(np_name, {f"{p}[{key!r}]": k for key, k in kind[1]}, type_name))
        elif kind[0] in ("float", "int", "bool"):
            parts.append(f"{p}.__class__ is not {_number_class(kind, np_name, type_name)}")
            if len(kind) == 2:
                parts.append(f"{p} != {kind[1]!r}")
        elif kind[0] == "array":
            test = f"{p}.__class__ is not {np_name}.ndarray or {p}.shape != {kind[1]!r}"
            if kind[2] != "f":
                test += f" or {p}.dtype.kind != {kind[2]!r}"
            parts.append(test)
        else:
            parts.append(f"{p}.__class__ is not {_number_class(kind, np_name, type_name)}")
    return " or ".join(parts)


def _number_class(kind: Kind, np_name: str, type_name: Callable[[type], str]) -> str:
    """The expression of a number kind's class: Python's float, int or bool, or a NumPy scalar type."""
    cls = _class(kind)
    return f"{np_name}.{cls.__name__}" if kind[0] == "numpy scalar" else type_name(cls)


def doubles_test(params: dict[str, Kind], double: str) -> str:
    """A Python expression, true when a float array among the arguments is not float64 (`double`
    names `np.dtype(np.float64)`): the kinds let float16/32/64 share code, which holds unless the
    code relies on float64 values (lists made arrays, specialize/lists.py)."""
    parts = []
    for p, kind in params.items():
        if kind[0] in ("list", "tuple"):
            parts.append(doubles_test({f"{p}[{i}]": k for i, k in enumerate(kind[1])}, double))
        elif kind[0] == "dict":
            parts.append(doubles_test({f"{p}[{key!r}]": k for key, k in kind[1]}, double))
        elif kind[0] == "array" and kind[2] in "fc":
            parts.append(f"{p}.dtype is not {double}" if kind[2] == "f" else f"{p}.dtype.itemsize != 16")
    return " or ".join(p for p in parts if p)


def guard(helper: str, fname: str, fdef: gast.FunctionDef, test: str, stale: str | None = None) -> list[gast.stmt]:
    """`if <test>: return respecialize(fname, <arguments>)`: the code was generated for other
    arguments (their kinds) or another program (assumptions.py). With `stale` (a fresh name), the
    test reads names the user may have deleted since (a global only an untaken branch reads, as
    Python allows): it is computed first, and a name that is gone makes it true."""
    args = fdef.args
    positional = [a.id for a in args.posonlyargs + args.args] + ([f"*{args.vararg.id}"] if args.vararg else [])
    keywords = [f"{a.id}={a.id}" for a in args.kwonlyargs] + ([f"**{args.kwarg.id}"] if args.kwarg else [])
    call = ", ".join([fname] + positional + keywords)
    if stale is None:
        text = f"if {test}:\n    return {helper}({call})\n"
    else:
        text = (
            f"try:\n    {stale} = {test}\nexcept {GONE}:\n    {stale} = True\n"
            f"if {stale}:\n    return {helper}({call})\n"
        )
    return convert.parse(text).body


class Specializer:
    """The code of one gradient function: general, specialised by argument kinds, and generated
    again when the program it was generated from changes (assumptions.py)."""

    def __init__(
        self,
        function: Callable,
        make: Callable[[dict[str, Kind] | None], Callable],
        signature: inspect.Signature,
        specialise: bool = True,
    ):
        general = function
        if general.__closure__ is not None:  # (a code swap cannot carry closure cells: a shell calls it)
            function = self._shell(general)
        self.function = function  # the object grad returns; its code becomes the first specialisation
        self.make = make
        self.signature = signature
        self.specialise = specialise
        self.lock = threading.RLock()
        self._adopt_general(general)

    def __reduce__(self) -> Any:
        refuse_pickling(f"the gradient function {self.function.__name__}")

    def _adopt_general(self, general: Callable) -> None:
        """Take `general` (a fresh build of the general code) as this gradient's general code."""
        self.by_key: dict[tuple, Callable] = {}
        self.inlined: Callable | None = None  # (made when a second derivative asks: inlined_general)
        self.sources: dict[tuple, str] = {}
        self.failures: dict[tuple, Exception] = {}
        self.assumptions = general.__astgrad_assumptions__
        fn = self.function
        if general.__closure__:  # (closure cells: a code swap cannot carry them)
            self.general = general
        else:
            self.general = make_function(general.__code__, fn.__globals__, fn.__name__, general.__defaults__)
            self.general.__kwdefaults__ = general.__kwdefaults__
        self.general.__dict__.update({k: v for k, v in general.__dict__.items() if not k.startswith("__astgrad_s")})
        self.general.__astgrad_owner__ = fn

    def inlined_general(self) -> Callable:
        """The general code with the user's small helpers inlined (frontend/inline.py), which a
        second derivative differentiates: a helper's backward function would read values its
        forward function saved on a tape, without their derivatives."""
        with self.lock:
            if self.inlined is None:
                self.inlined = self.make(None, inline=True)
            return self.inlined

    def refresh(self) -> bool:
        """Generate the code again if the program changed since it was generated; whether it did."""
        if self.assumptions.hold():
            return False
        with self.lock:
            if self.assumptions.hold():
                return False
            general = self.make(None)
            fn = self.function
            before, now = _positions(self.signature), _positions(inspect.signature(general))
            if any(before[n] != now[n] for n in before.keys() & now.keys()):
                # (the caller's arguments and `wrt` are bound against the old order: parameters added
                # or removed are followed, a parameter moved to another place is not)
                raise TransformError(
                    f"the parameters of the function differentiated by {fn.__name__} changed places since it "
                    f"was made ({', '.join(before)} → {', '.join(now)})",
                    hint="make the gradient again (astgrad.grad(f, ...)) for the function as it is now",
                )
            ns = fn.__globals__
            ns.clear()
            ns.update(general.__globals__)
            ns[general.__name__] = ns[fn.__name__] = fn
            general.__globals__[general.__name__] = fn  # (general code with closure cells keeps its own)
            self.signature = inspect.signature(general)  # (its defaults, or its parameters, may be new)
            self._adopt_general(general)
            fn.source = general.source
            fn.__doc__ = general.__doc__
            self.install()
            return True

    def moved(
        self, places: dict[int, Any], make: Callable[[dict[str, Kind] | None], Callable], like: Callable | None = None
    ) -> Callable | None:
        """This gradient for a twin of its function: the same code over other closure cells
        (`grad(lambda w: loss(w, Xb, yb))` inside a `train_step(w, Xb, yb)`, whose cells are new
        at each call). Its general code and specialisations are copied onto the twin's cells
        (`places`: id of each old cell or function → its counterpart), with nothing generated;
        `make` generates code for the twin when it needs more. None when a fact fixes the very
        object a cell holds (then only generating again is right)."""
        with self.lock:
            places = with_twins([self.general, *self.by_key.values()], places)
            general = moved_function(self.general, places, like)
            if general is None:
                return None
            del general.__astgrad_owner__  # (this gradient's function: the twin's is made below)
            signature = self.signature if like is None else inspect.signature(general)  # (the twin's defaults)
            twin = Specializer(general, make, signature, self.specialise)
            places = {**places, id(self.function): twin.function}
            for key, fn in self.by_key.items():
                new_key = _moved_key(key, places)
                if fn is self.general:
                    twin.by_key[new_key] = twin.general
                    continue
                copy = moved_function(fn, places, like)
                if copy is not None:
                    copy.__astgrad_owner__ = twin.function
                    twin.by_key[new_key] = copy
                    twin.sources[new_key] = self.sources.get(key, fn.source)
            return twin.install()

    def kinds(self, args: tuple, kwargs: dict) -> dict[str, Kind] | None:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError:
            return None
        bound.apply_defaults()
        kinds = {p: k for p, v in bound.arguments.items() if (k := kind_of(v)) is not None}
        return kinds or None

    def for_arguments(self, args: tuple, kwargs: dict) -> Callable:
        """The specialisation for these arguments and the program's data as it is now (made now
        if need be), or the general code."""
        kinds = self.kinds(args, kwargs) if self.specialise else None
        if kinds is None:
            return self.general
        key = (tuple(sorted(kinds.items(), key=lambda kv: kv[0])), self.assumptions.data_kinds())
        with self.lock:
            known = self.by_key.get(key)
            if known is not None and known is not self.general and not known.__astgrad_assumptions__.hold():
                known = None  # (a fact only the specialised code relies on changed)
            if known is None:
                if len(self.by_key) >= MAX_SPECIALISATIONS and key not in self.by_key:
                    return self.general
                try:
                    fn = self.make(kinds)
                except TransformError as exc:
                    fn = self.general  # specialising is an optimisation: the general code is right too
                    self.failures[key] = exc  # (for inspection: it should not happen)
                if fn is not self.general:
                    fn.__astgrad_owner__ = self.function
                    fn.__globals__[fn.__name__] = fn
                    self.sources[key] = fn.source
                self.by_key[key] = known = fn
            return known

    @user_facing
    def call(self, args: tuple, kwargs: dict) -> Any:
        """Run the gradient on arguments, or for a program, its present code was not generated
        for (a guard failed): the code for them, generated again if the program changed."""
        active = _dispatching()
        if self in active:
            raise AstgradError(
                f"{self.function.__name__}: the code generated for these arguments does not accept them "
                "(its guard and the dispatch disagree); this is a bug in astgrad, please report it"
            )
        active.add(self)
        try:
            old = self.signature
            if self.refresh():
                args, kwargs = _follow_defaults(old, self.signature, args, kwargs)
            # (while it runs, its guard failing again would be a disagreement: refused above)
            return self.for_arguments(args, kwargs)(*args, **kwargs)
        finally:
            active.discard(self)

    def first_call(self, args: tuple, kwargs: dict) -> Any:
        """Swap the specialisation for these arguments into the function object grad returned."""
        with self.lock:
            old = self.signature
            if self.refresh():
                args, kwargs = _follow_defaults(old, self.signature, args, kwargs)
            if self.function.__code__ is self.stub:
                target = self.for_arguments(args, kwargs)
                code = target.__code__
                if target is self.general and self.general.__closure__ is None:
                    pass
                elif target is self.general or not self._adopt(target):
                    # its helper functions clash with the general code's, or it has closure
                    # cells: call it instead
                    self.function.__globals__["__astgrad_specialised__"] = target
                    code = self._forwarding("__astgrad_specialised__", "runs the code specialised at the first call")
                self.function.__code__ = code
        return self.function(*args, **kwargs)

    def _adopt(self, fn: Callable) -> bool:
        """Make fn's globals visible to the function object (they must not clash with its own)."""
        mine, theirs = self.function.__globals__, fn.__globals__
        own = self.function.__name__
        if fn.__name__ != own or fn.__code__.co_freevars:
            return False
        for k, v in theirs.items():
            if k not in (own, "__builtins__", "__astgrad_user_globals__") and k in mine and mine[k] is not v:
                return False
        for k, v in theirs.items():
            if k != own:
                mine.setdefault(k, v)
        return True

    def _shell(self, general: Callable) -> Callable:
        """A function without closure cells, with `general`'s signature, name and attributes,
        that calls `general`."""
        ns = general.__globals__
        ns["__astgrad_specialised__"] = general
        code = self._forwarding("__astgrad_specialised__", "runs the general code", like=general)
        shell = make_function(code, ns, general.__name__, general.__defaults__)
        shell.__kwdefaults__ = general.__kwdefaults__
        shell.__dict__.update(general.__dict__)
        return shell

    def _forwarding(self, callee: str, what: str, like: Callable | None = None) -> types.CodeType:
        """Code with the function's signature that returns `callee(fn, args, kwargs)` (the stub)
        or `callee(*args, **kwargs)`."""
        fn = like or self.function
        code = fn.__code__
        a = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        posonly = code.co_posonlyargcount
        npos = code.co_argcount
        star, dstar = _star_parameters(code)
        params = list(a[:posonly]) + (["/"] if posonly else []) + list(a[posonly:npos])
        kwonly = list(a[npos:])
        starred = [f"*{star}"] if star else ["*"] if kwonly else []
        signature = ", ".join(params + starred + kwonly + ([f"**{dstar}"] if dstar else []))
        if callee == "__astgrad_first_call__":
            call_args = "(" + ", ".join(list(a[:npos])) + ("," if npos == 1 else "") + ")"
            call_args += f" + {star}" if star else ""
            call_kw = ", ".join([f"{k!r}: {k}" for k in kwonly] + ([f"**{dstar}"] if dstar else []))
            call = f"{callee}({fn.__name__}, {call_args}, {{{call_kw}}})"
        else:
            passed = list(a[:npos]) + ([f"*{star}"] if star else []) + [f"{k}={k}" for k in kwonly]
            call = f"{callee}({', '.join(passed + ([f'**{dstar}'] if dstar else []))})"
        text = f"def {fn.__name__}({signature}):\n    # {what}\n    return {call}\n"
        code = _forwarding_codes.get(text)
        if code is None:
            code = compile_function(text, fn.__name__, fn.__globals__, label=f"{callee} of {fn.__name__}").__code__
            if len(_forwarding_codes) >= 256:
                _forwarding_codes.clear()
            _forwarding_codes[text] = code
        return code

    def install(self) -> Callable:
        """Make the function specialise itself at its first call (or, not specialising, run the
        general code, or the general code with closure cells through a call)."""
        fn = self.function
        fn.__globals__[fn.__name__] = fn
        fn.__astgrad_general__ = self.general
        fn.__astgrad_specializer__ = self
        general = self.general
        if not self.specialise:
            if general.__closure__ is None:
                fn.__code__ = general.__code__
            else:
                fn.__globals__["__astgrad_specialised__"] = general
                fn.__code__ = self._forwarding("__astgrad_specialised__", "runs the general code", like=general)
            self.stub = None
        else:
            fn.__globals__.setdefault("__astgrad_first_call__", _first_call)
            self.stub = self._forwarding(
                "__astgrad_first_call__",
                "generates code for these arguments' types and shapes, and runs it",
                like=general,
            )
            fn.__code__ = self.stub
        fn.__defaults__, fn.__kwdefaults__ = general.__defaults__, general.__kwdefaults__  # (the user's, as now)
        return fn


def _star_parameters(code: types.CodeType) -> tuple[str | None, str | None]:
    """The names of a function's `*args` and `**kwargs` parameters (None where it has none)."""
    n = code.co_argcount + code.co_kwonlyargcount
    star = code.co_varnames[n] if code.co_flags & inspect.CO_VARARGS else None
    dstar = code.co_varnames[n + (star is not None)] if code.co_flags & inspect.CO_VARKEYWORDS else None
    return star, dstar


def _moved_key(key: tuple, places: dict[int, Any]) -> tuple:
    """A specialisation's key (argument kinds, data kinds by fact key) with the facts' places moved."""
    kinds, data = key

    def place(fact_key: tuple) -> tuple:
        where, *rest = fact_key
        return (id(places[where]) if where in places else where, *rest)

    return kinds, tuple((place(fact_key), *rest) for fact_key, *rest in data)


def _follow_defaults(old: inspect.Signature, new: inspect.Signature, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The arguments of a call made before the program changed, for the function as it is now:
    a value Python filled in from a default the function had then (the very object) is left out,
    so that the default it has now applies (`%autoreload` of `def f(w, c=2.0)` over `c=1.0`)."""
    try:
        values = dict(old.bind(*args, **kwargs).arguments)
    except TypeError:
        return args, kwargs
    for name, p in old.parameters.items():
        if p.default is not p.empty and name in values and values[name] is p.default:
            del values[name]
    positional, keywords = call_arguments(new, values)
    if set(values) - set(new.parameters):  # (passed for a parameter it no longer has: the call fails as Python's)
        return args, kwargs
    return tuple(positional), keywords


def call_arguments(signature: inspect.Signature, values: dict) -> tuple[list, dict]:
    """Argument values by parameter name as a call of a function of `signature` passes them:
    positional while no parameter before is left out (positional-only ones must be), the rest
    by name; names it has no parameter for are left out."""
    positional, keywords = [], {}
    for k, (name, p) in enumerate(signature.parameters.items()):
        if name not in values:
            continue
        value = values[name]
        if p.kind is inspect.Parameter.POSITIONAL_ONLY or (
            p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and len(positional) == k
        ):
            positional.append(value)
        elif p.kind is inspect.Parameter.VAR_POSITIONAL:
            positional.extend(value)
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            keywords.update(value)
        else:
            keywords[name] = value
    return positional, keywords


@user_facing
def _first_call(fn: Callable, args: tuple, kwargs: dict) -> Any:
    return fn.__astgrad_specializer__.first_call(args, kwargs)


_local = threading.local()


def _dispatching() -> set:
    active = getattr(_local, "active", None)
    if active is None:
        active = _local.active = set()
    return active


def _positions(signature: inspect.Signature) -> dict[str, int]:
    """The place of each parameter a caller may pass by position."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return {p.name: k for k, p in enumerate(q for q in signature.parameters.values() if q.kind in kinds)}
