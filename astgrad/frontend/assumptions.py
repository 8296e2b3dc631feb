"""What generated code assumes about the program it was generated from, and the guard that checks it.

Generated code reads the user's globals and closure cells when it runs, exactly as the user's own
function does (codegen.py). What it cannot read again is what the transformation *learned* from
them: that `np` is NumPy, that `helper` is this function with this code, that `X` is an array (of
this shape, in specialised code), that `f` itself still runs the code that was parsed. Each such
fact is recorded while a program is generated (every resolution of a free name goes through
`record_name`), and the entry function of the program tests them all at every call, in one `if`
at its top; code whose facts no longer hold is generated again. Nothing the user does (rebinding a
global, redefining a helper, `%autoreload`) can make astgrad run code generated for another
program.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import math
import re
import sys
import threading
import types
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import refuse_pickling
from ..runtime.checks import changed_items, changed_partial, changed_tuple, known_snapshot, partial_contents, snapshot
from .callables import is_generated, is_library_module, is_user_function

_MISSING = object()

# checks, from the strongest: the very object; a user function with its code and defaults; an
# array of a shape and dtype kind; a number of a type and value; an object of a type; DATA checks
# nothing (general code reads data as it is: the fact only names what specialisation keys on)
IS, FUNCTION, ARRAY, VALUE, TYPE, DATA = "is", "function", "array", "value", "type", "data"
ABSENT = "absent"  # a builtin the code uses: the user's globals do not shadow it


@dataclass(frozen=True)
class Fact:
    """One thing generated code relies on: the value found at a place, and what about it matters.

    `where` is the globals dict or the closure cell a name was found in, or, for a CODE fact,
    the user function whose `__code__` (and defaults) the program was generated from."""

    where: Any
    name: str  # the global or closure name ("" for a code fact)
    attrs: tuple[str, ...]  # attributes read after it (`cfg.W`: ("W",))
    check: str
    expected: Any  # IS/FUNCTION: the object; TYPE: its type; ARRAY: (shape, kind); VALUE: (type, value)
    module: str | None = None  # the module whose globals `where` is, if it is a module's
    code: Any = None  # FUNCTION and CODE facts: the code object, defaults and keyword defaults
    defaults: Any = None
    kwdefaults: Any = None
    # what a mutable object held (runtime.snapshot): a function's keyword-default items (the dict is
    # the function's own: `f.__kwdefaults__["k"] = 7.0` changes what a call reads, the dict staying
    # the same object); of an IS fact on a functools.partial, its contents (runtime.partial_contents)
    held: Any = None

    @property
    def key(self) -> tuple:
        return (id(self.where), self.name, self.attrs, self.check == CODE)

    def current(self) -> Any:
        """The value at this fact's place now (or _MISSING)."""
        if self.check == CODE:
            return self.where
        if isinstance(self.where, dict):
            value = self.where.get(self.name, _MISSING)
        else:
            try:
                value = self.where.cell_contents
            except ValueError:  # an empty cell
                return _MISSING
        for a in self.attrs:
            if value is _MISSING:
                break
            value = getattr(value, a, _MISSING)
        return value

    def holds(self) -> bool:
        """Whether the value at the fact's place is still what the fact requires."""
        value, check, expected = self.current(), self.check, self.expected
        if check == IS:
            if isinstance(expected, functools.partial):
                return value is expected and partial_contents(expected) is self.held
            return value is expected
        if check in (FUNCTION, CODE):
            fn = self.where if check == CODE else expected
            return (
                (check == CODE or value is expected)
                and fn.__code__ is self.code
                and fn.__defaults__ is self.defaults
                and fn.__kwdefaults__ is self.kwdefaults
                and not changed_items(fn.__kwdefaults__, self.held)
            )
        if check == DATA:
            return True
        if check == ABSENT:
            return value is _MISSING
        if check == TYPE:
            return type(value) is expected
        if check == ARRAY:
            return type(value) is np.ndarray and value.shape == expected[0] and value.dtype.kind == expected[1]
        if check == VALUE:
            return type(value) is expected[0] and _same_value(value, expected[1])
        raise AssertionError(check)


CODE = "code"


def _same_value(a: Any, b: Any) -> bool:
    """Equal values (NaN equal to NaN: a NaN-valued global has not changed)."""
    try:
        return bool(a == b) or (_nan(a) and _nan(b))
    except Exception:  # noqa: BLE001 - a value that cannot be compared is another value
        return False


def _nan(x: Any) -> bool:
    return isinstance(x, (float, complex, np.floating, np.complexfloating)) and x != x


def immutable(x: Any) -> bool:
    """A value that cannot change under a name bound to it (a number, a string, a tuple of those):
    specialised code may take it as exact."""
    if isinstance(x, tuple):
        return all(immutable(e) for e in x)
    return x is None or isinstance(x, (bool, int, float, complex, str, np.number, np.bool_, slice))


def classify(obj: Any, specialised: bool) -> tuple[str, Any]:
    """(check, expected) for an object generated code found at a free name: callables and
    modules are the very object; data is of its type, and in specialised code (which knows shapes
    and folds exact values) of its shape and dtype kind, or its value."""
    if isinstance(obj, types.ModuleType):
        return IS, obj
    if isinstance(obj, types.FunctionType) and is_user_function(obj) and not is_generated(obj):
        return FUNCTION, obj
    if callable(obj) or isinstance(obj, type):
        return IS, obj
    if not specialised:
        return DATA, None
    if type(obj) is np.ndarray:
        return ARRAY, (obj.shape, obj.dtype.kind)
    if immutable(obj):
        return VALUE, (type(obj), obj)
    return TYPE, type(obj)


class Assumptions:
    """The facts one generated program relies on."""

    def __init__(self, specialised: bool = False):
        self.specialised = specialised
        self.facts: dict[tuple, Fact] = {}
        self.constants: dict[int, Any] = {}  # id(object) → the closure cell that holds it (constant_cell)

    def __reduce__(self) -> Any:  # (every generated function holds its assumptions)
        refuse_pickling("a function astgrad generated")

    def add(self, fact: Fact) -> None:
        self.facts.setdefault(fact.key, fact)

    def extend(self, other: "Assumptions") -> None:
        for f in other.facts.values():
            self.add(f)

    def hold(self) -> bool:
        """Whether every fact still holds (the program is the one the code was generated from)."""
        return all(f.holds() for f in self.facts.values())

    def may_be_gone(self) -> bool:
        """Whether the guard of these facts reads a user's name that a program may delete while
        the code still runs (a global that only an untaken branch reads): not a module, not code."""
        quiet = (CODE, DATA, ABSENT)
        return any(f.check not in quiet and not isinstance(f.expected, types.ModuleType) for f in self.facts.values())

    def moved(self, places: dict[int, Any]) -> "Assumptions | None":
        """The same facts about the places `places` maps (id of a closure cell or user function →
        its counterpart in a twin of the function: the same code over other cells), or None when a
        fact fixes which object a moved cell holds (a function or a module: code generated for one
        would call it) and the twin's holds another, which only generating the code again can
        honour. (Data facts move as they are: specialised code's guard and key test them.)"""
        out = Assumptions(self.specialised)
        for key, cell in self.constants.items():
            if id(cell) in places:  # (a method's instance: the twin's)
                cell = places[id(cell)]
                key = id(cell.cell_contents)
            out.constants[key] = cell
        for key, f in self.facts.items():
            where = places.get(id(f.where))
            if where is None:
                out.facts[key] = f
                continue
            if f.check == CODE:  # (a twin with other defaults takes them as arguments: api._with_defaults)
                moved = dataclasses.replace(f, where=where, expected=where, **_state(where))
            elif f.check == FUNCTION and id(f.expected) in places:  # (a twin of a helper: twins())
                twin = places[id(f.expected)]
                moved = dataclasses.replace(f, where=where, expected=twin, **_state(twin))
            else:
                moved = dataclasses.replace(f, where=where)
            if f.check not in (DATA, ARRAY, VALUE, TYPE, CODE) and not moved.holds():
                return None  # (the twin's cell holds another function: code generated for this one would call it)
            out.add(moved)
        return out

    def twins(self, places: dict[int, Any]) -> dict[int, Any]:
        """Where a moved cell now holds a twin of the function a fact names (the same code, globals
        and default values over other cells: a helper defined inside the step function, made anew
        with it), that function and its cells → the twin and its cells, to move with the rest."""
        more: dict[int, Any] = {}
        for f in self.facts.values():
            where = places.get(id(f.where))
            if where is None or f.check != FUNCTION or id(f.expected) in places:
                continue
            old, now = f.expected, dataclasses.replace(f, where=where).current()
            if (
                isinstance(now, types.FunctionType)
                and now is not old
                and now.__code__ is old.__code__
                and now.__globals__ is old.__globals__
                and same_defaults(now, old)
            ):
                more.update(twin_places(old, now) or {})
        return more

    def data_kinds(self) -> tuple:
        """What specialised code would fix about the data these facts name (arrays' shapes,
        numbers' values), as now: part of the key of a specialisation."""
        kinds = []
        for f in self.facts.values():
            if f.check in (TYPE, ARRAY, VALUE, DATA):
                value = f.current()
                check, expected = classify(value, True) if value is not _MISSING else (TYPE, None)
                try:
                    hash(expected)
                except TypeError:
                    expected = id(value)
                kinds.append((f.key, check, expected))
        return tuple(kinds)


# ------------------------------------------------------------------------------------ recording

_local = threading.local()


def _stack() -> list[Assumptions]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


class recording:
    """`with recording(specialised) as facts:` every fact recorded inside goes into `facts`."""

    def __init__(self, specialised: bool = False):
        self.assumptions = Assumptions(specialised)

    def __enter__(self) -> Assumptions:
        _stack().append(self.assumptions)
        return self.assumptions

    def __exit__(self, *exc: Any) -> None:
        _stack().pop()


def current() -> Assumptions | None:
    stack = _stack()
    return stack[-1] if stack else None


def record_name(where: Any, name: str, obj: Any, attrs: tuple[str, ...] = (), module: str | None = None) -> None:
    """Note that the free name `name` (then `attrs`) was found to hold `obj` in `where` (a
    globals dict or a closure cell)."""
    target = current()
    if target is None or obj is _MISSING:
        return
    if isinstance(where, dict) and where.get("__astgrad_namespace__"):
        return  # a name of generated code's own (a helper, a generated function)
    if not attrs and any(c is where for c in target.constants.values()):
        return  # (a constant: the instance a method is bound to)
    if isinstance(obj, types.MethodType):  # (made anew at each read: its function is the fact, and
        # its object, which code made for the method may hold as a constant: `model` rebound to
        # another model of the same class must not run with the old one's attributes)
        record_name(where, name, obj.__func__, attrs + ("__func__",), module)
        if not (len(attrs) == 1 and any(c is where for c in target.constants.values())):
            # (`self.forward` of the instance a gradient is bound to: that constant itself)
            target.add(Fact(where, name, attrs + ("__self__",), IS, obj.__self__, module))
        return
    if isinstance(obj, (types.BuiltinMethodType, types.MethodWrapperType)) and attrs:
        if not isinstance(getattr(obj, "__self__", None), types.ModuleType):
            return  # (`y.astype`, `history.append`: made anew at each read; the receiver's type is the fact)
    check, expected = classify(obj, target.specialised)
    if check == FUNCTION:
        target.add(Fact(where, name, attrs, check, expected, module, *_function_state(obj)))
    elif check == IS and isinstance(obj, functools.partial):  # (and what it holds: partial_contents)
        target.add(Fact(where, name, attrs, check, expected, module, held=partial_contents(obj)))
    else:
        target.add(Fact(where, name, attrs, check, expected, module))


def record_builtin(user_globals: dict, name: str, module: str | None = None) -> None:
    """Note that the free name `name` was found among the builtins: the user's globals do not
    shadow it (a function defined later under a builtin's name, `def abs(v): ...`, would)."""
    target = current()
    if target is not None and isinstance(user_globals, dict):
        target.add(Fact(user_globals, name, (), ABSENT, None, module))


def same_objects(a: tuple | None, b: tuple | None) -> bool:
    """The same objects, item by item (a pair's items too: a dict's items)."""
    a, b = a or (), b or ()
    return len(a) == len(b) and all(
        x is y or (isinstance(x, tuple) and isinstance(y, tuple) and all(p is q for p, q in zip(x, y)))
        for x, y in zip(a, b)
    )


def same_defaults(f: types.FunctionType, g: types.FunctionType) -> bool:
    """Whether two functions have the very same default values, positional and keyword."""
    return same_objects(f.__defaults__, g.__defaults__) and same_objects(
        tuple((f.__kwdefaults__ or {}).items()), tuple((g.__kwdefaults__ or {}).items())
    )


def twin_places(old: types.FunctionType, new: types.FunctionType) -> dict[int, Any] | None:
    """For a twin `new` of `old` (the same code): old → new, each of old's closure cells that
    differs → new's, and old's default tuple and dict → new's (the guard tests those are the
    function's own); None when one has defaults where the other has none."""
    places: dict[int, Any] = {id(old): new}
    places.update((id(a), b) for a, b in zip(old.__closure__ or (), new.__closure__ or ()) if a is not b)
    for attr in ("__defaults__", "__kwdefaults__"):
        mine, theirs = getattr(old, attr), getattr(new, attr)
        if (mine is None) != (theirs is None):
            return None
        if mine is not None and mine is not theirs:
            places[id(mine)] = theirs
            if attr == "__kwdefaults__" and known_snapshot(mine) is not None:
                places[id(known_snapshot(mine))] = _kwdefault_items(theirs)
    return places


def _state(fn: types.FunctionType) -> dict[str, Any]:
    code, defaults, kwdefaults, items = _function_state(fn)
    return {"code": code, "defaults": defaults, "kwdefaults": kwdefaults, "held": items}


def _function_state(fn: types.FunctionType) -> tuple:
    """(code, defaults, keyword defaults, their items): what a reload that patches the function
    object in place (`%autoreload`) changes, or a write into its keyword defaults."""
    kw = fn.__kwdefaults__
    return fn.__code__, fn.__defaults__, kw, _kwdefault_items(kw)


def _kwdefault_items(kw: dict | None) -> tuple | None:
    """The items of a function's keyword defaults as code generated for it read them (runtime.snapshot)."""
    return None if kw is None else snapshot(kw, lambda d: tuple(d.items()), changed_items)


def record_attribute(base_fact_args: tuple, base: Any, attr: str, obj: Any) -> None:
    """Note an attribute read on a recorded object (`cfg.W`, `utils.helper`), unless `base` is a
    library module, whose attributes are taken as fixed."""
    if isinstance(base, types.ModuleType) and is_library_module(base):  # (its attributes: taken as fixed)
        return
    where, name, attrs, module = base_fact_args
    record_name(where, name, obj, attrs + (attr,), module)


def constant_cell(obj: Any) -> Any:
    """A closure cell holding `obj` for generated code to read (the `self` of a bound method),
    one per object in a program."""
    target = current()
    known = target.constants.get(id(obj)) if target is not None else None
    if known is not None:
        return known
    cell = types.CellType(obj)
    if target is not None:
        target.constants[id(obj)] = cell
    return cell


def record_code(fn: Any) -> None:
    """Note that the program was generated from `fn`'s present code (and defaults)."""
    fn = getattr(fn, "__func__", fn)
    target = current()
    if target is None or not isinstance(fn, types.FunctionType) or is_generated(fn):
        return
    target.add(Fact(fn, "", (), CODE, fn, None, *_function_state(fn)))


class capture:
    """`with capture() as facts:` records into `facts` only; `replay(facts)` records them again
    into the current program (for an analysis whose answer is kept and reused)."""

    def __enter__(self) -> Assumptions:
        self._rec = recording(specialised=bool(current() and current().specialised))
        return self._rec.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._rec.__exit__(*exc)


def replay(facts: Assumptions) -> None:
    target = current()
    if target is not None:
        target.extend(facts)


# ---------------------------------------------------------------------------------------- guard


def guard_terms(
    facts: Assumptions,
    own_globals: dict[str, Any],
    own_cells: dict[str, Any],
    local_names: set[str],
    bind: Callable[[Any, str], str],
) -> list[str]:
    """Python expressions, each true when one fact no longer holds, for the top of the entry
    function of a program, which reads the names of `own_globals` and `own_cells` (name → cell)
    as bare names, unless it binds them (`local_names`). `bind(obj, base)` gives a name under
    which generated code sees `obj`."""
    return _Guard(own_globals, own_cells, local_names, bind).terms(facts)


class _Guard:
    """Writes the tests of one guard (see guard_terms)."""

    def __init__(self, own_globals: dict, own_cells: dict, local_names: set[str], bind: Callable):
        self.own_globals, self.own_cells, self.local_names, self.bind = own_globals, own_cells, local_names, bind
        self.written: set[str] = set()

    def terms(self, facts: Assumptions) -> list[str]:
        ordered = sorted(facts.facts.values(), key=lambda f: (f.check != CODE, f.check != IS or f.attrs != ()))
        named = {id(f.expected) for f in ordered if f.check == FUNCTION}  # (their code is checked with them)
        out: list[str] = []
        for f in ordered:
            if f.check == CODE:
                if id(f.where) not in named:
                    out += self._same_function(f.where, None, f)
            elif f.check == FUNCTION:
                out += self._same_function(f.expected, self.place(f), f)
            else:
                out += self._check(self.place(f), f)
        return [t for t in out if not (t in self.written or self.written.add(t))]

    def namespace(self, f: Fact) -> str:
        """The expression that reads the globals dict a fact's name is looked up in."""
        module = sys.modules.get(f.module) if f.module else None
        if module is not None and module.__dict__ is f.where:
            return f"{self.bind(module, identifier(module.__name__.rsplit('.', 1)[-1]))}.__dict__"
        return self.bind(f.where, "namespace")

    def place(self, f: Fact) -> str:
        """The expression that reads, in the generated code, the value at the fact's place."""
        if isinstance(f.where, dict):
            if f.where is self.own_globals and f.name not in self.own_cells and f.name not in self.local_names:
                root = f.name
            else:
                module = sys.modules.get(f.module) if f.module else None
                if module is not None and module.__dict__ is f.where and f.name.isidentifier():
                    root = f"{self.bind(module, identifier(module.__name__.rsplit('.', 1)[-1]))}.{f.name}"
                else:
                    root = f"{self.bind(f.where, 'namespace')}[{f.name!r}]"
        elif self.own_cells.get(f.name) is f.where and f.name not in self.local_names:
            root = f.name
        else:
            root = f"{self.bind(f.where, f.name + '_cell')}.cell_contents"
        for a in f.attrs:  # (a method patched on the instance has no __func__: None, the test fails)
            root = f"getattr({root}, {a!r}, None)" if a == "__func__" else f"{root}.{a}"
        return root

    def type_name(self, t: type) -> str:
        """A name generated code reads `t` by: the builtin's own, unless the user's globals shadow it."""
        if getattr(builtins, t.__name__, None) is t and t.__name__ not in self.own_globals:
            return t.__name__
        return self.bind(t, t.__name__ + "_type")

    def _same_function(self, fn: Any, found: str | None, f: Fact) -> list[str]:
        """Tests that `found` (an expression, or None for the function the program was made of)
        is still the function `fn`, running the code it had: `%autoreload` swaps the code (and
        defaults) of the very function object."""
        ref = self.bind(fn, identifier(fn.__name__) + "_function")
        out = [f"{found} is not {ref}"] if found is not None else []
        name = identifier(fn.__name__)
        out.append(f"{ref}.__code__ is not {self.bind(f.code, name + '_code')}")
        if f.defaults is not None:
            out.append(f"{ref}.__defaults__ is not {self.bind(f.defaults, name + '_defaults')}")
        if f.kwdefaults is not None:
            out.append(f"{ref}.__kwdefaults__ is not {self.bind(f.kwdefaults, name + '_kwdefaults')}")
            items = self.bind(f.held, name + "_kwdefault_items")
            out.append(f"{self.bind(changed_items, 'changed_items')}({ref}.__kwdefaults__, {items})")
        return out

    def _check(self, expr: str, f: Fact) -> list[str]:
        bind = self.bind
        if f.check == DATA:
            return []
        if f.check == ABSENT:
            return [f"{f.name!r} in {self.namespace(f)}"]
        last = identifier(f.attrs[-1] if f.attrs else f.name) or "value"
        if f.check == IS:
            module = isinstance(f.expected, types.ModuleType)
            base = identifier(f.expected.__name__.rsplit(".", 1)[-1]) if module else f"{last}_seen"
            terms = [f"{expr} is not {bind(f.expected, base)}"]
            if isinstance(f.expected, functools.partial):  # (its keywords can be written into)
                contents = bind(f.held, f"{last}_contents")
                terms.append(f"{bind(changed_partial, 'changed_partial')}({expr}, {contents})")
            return terms
        if f.check == TYPE:
            return [f"{expr}.__class__ is not {self.type_name(f.expected)}"]
        if f.check == ARRAY:
            shape, kind = f.expected
            return [
                f"{expr}.__class__ is not {bind(np.ndarray, 'ndarray')}",
                f"{expr}.shape != {shape!r}",
                f"{expr}.dtype.kind != {kind!r}",
            ]
        if f.check == VALUE:
            t, value = f.expected
            if value is None:
                return [f"{expr} is not None"]
            if _nan(value):
                return [f"{expr}.__class__ is not {self.type_name(t)}", f"{expr} == {expr}"]  # (no longer NaN)
            literal = repr(value) if _literal(value) else bind(value, f"{last}_value")
            if t is tuple:  # (item by item: an array put in the tuple is a change, not an error)
                return [f"{bind(changed_tuple, 'changed_tuple')}({expr}, {literal})"]
            return [f"{expr}.__class__ is not {self.type_name(t)}", f"{expr} != {literal}"]
        raise AssertionError(f.check)


def identifier(name: str) -> str:
    """`name` made an identifier (`<lambda>`: `lambda`)."""
    return re.sub(r"\W", "", name) or "function"


def _literal(value: Any) -> bool:
    """Whether repr(value) is a Python literal equal to value."""
    if type(value) is tuple:
        return all(_literal(v) for v in value)
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in (int, bool, str) or value is None


GONE = "(NameError, AttributeError, KeyError)"  # what reading a deleted global or attribute raises


def is_guard(s: Any, is_helper: Callable[[Any], bool]) -> bool:
    """Whether the statement `s` (a gast or ast node) is part of a guard made by `guard`:
    `is_helper(call)` tells a call of respecialize."""
    kind = type(s).__name__
    if kind == "If":
        return len(s.body) == 1 and type(s.body[0]).__name__ == "Return" and is_helper(s.body[0].value)
    if kind == "Try" and len(s.body) == 1 and len(s.handlers) == 1 and not s.orelse and not s.finalbody:
        caught = s.handlers[0].type
        names = [getattr(e, "id", None) for e in getattr(caught, "elts", ())]
        return names == ["NameError", "AttributeError", "KeyError"] and type(s.body[0]).__name__ == "Assign"
    return False


def calls_named(names: set[str]) -> Callable[[Any], bool]:
    """A test of a call node: whether it calls one of `names`."""
    return lambda c: type(c).__name__ == "Call" and getattr(c.func, "id", None) in names
