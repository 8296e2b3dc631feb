"""Run-time checks of generated code: a gradient's output is a number, a loop walks a sequence,
an in-place write reaches no caller's array through a view or alias; and the guard's
`respecialize`, which generates code anew for arguments or a program it was not made for."""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

from ..errors import SequenceArithmeticError, UnsupportedValueError


def check_scalar(*values: Any) -> None:
    """Raise a clear error unless every value is a scalar (the output grad differentiates, or
    the values it is computed from elementwise)."""
    for out in values:
        if type(out) is float or getattr(out, "ndim", 0) == 0 and not isinstance(out, (list, tuple)):
            continue
        if isinstance(out, (tuple, list)):
            raise UnsupportedValueError(
                f"grad needs a function with one number as its output, but it returned a "
                f"{type(out).__name__} of {len(out)} values; if the first is the loss and the rest auxiliary "
                f"data (a cache), pass has_aux=True (grad(f, has_aux=True) returns (gradient, aux)); otherwise "
                f"use astgrad.jacobian"
            )
        raise UnsupportedValueError(
            f"grad needs a function with a scalar output, but it returned an array of "
            f"shape {np.shape(out)}; use astgrad.jacobian, or sum the output"
        )


def check_aux_pair(out: Any) -> None:
    """With has_aux=True the function returns `(loss, aux)`: anything else (a number, an array,
    a triple) is refused rather than indexed as if it were that pair."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return
    what = (
        f"a {type(out).__name__} of {len(out)} values"
        if isinstance(out, (tuple, list))
        else (f"an array of shape {np.shape(out)}" if isinstance(out, np.ndarray) else f"a {type(out).__name__}")
    )
    raise UnsupportedValueError(
        f"with has_aux=True the function must return a pair (loss, aux), but it returned {what}; "
        f"without auxiliary data, leave has_aux out"
    )


def check_numbers(seq: Any, label: str) -> None:
    """`max(xs)` and `min(xs)` of one sequence are differentiated as np.max / np.min of its
    array: the same value when every item is a number, not for items that are arrays (which
    Python compares as a whole) or for an empty sequence."""
    items = seq if isinstance(seq, np.ndarray) else list(seq)
    if len(items) and all(np.ndim(v) == 0 for v in items):
        return
    raise UnsupportedValueError(
        f"`{label}(...)` of one sequence is differentiated when its items are numbers: "
        + ("this one is empty" if not len(items) else "its items are arrays")
        + f"; for arrays use np.{label}imum(a, b) elementwise, or np.{label}(np.stack(...), axis=0)"
    )


def check_unpack_length(seq: Any, named: int) -> None:
    """Refuse `a, *b, c = seq` of a sequence with fewer items than the names beside the star, as
    Python does (astgrad reads the items by position: from the end, they would overlap)."""
    if len(seq) < named:
        raise ValueError(f"not enough values to unpack (expected at least {named}, got {len(seq)})")


def check_unpack(seq: Any, named: int, line: int | None = None) -> None:
    """Refuse `a, b = seq` (at the user's `line`) of a sequence of another length than the names,
    as Python does (astgrad reads the items by position: a longer one would lose its last items
    silently); and of a dict, which Python unpacks into its keys where astgrad would read positions.
    The refusal is a ValueError, as Python's is."""
    from collections.abc import Mapping

    if isinstance(seq, Mapping):
        raise UnsupportedValueError(
            f"unpacking a {type(seq).__name__} into {named} names gives its keys, not its values; "
            "write `a, b = d.values()` or `a, b = d['a'], d['b']`",
            line=line,
        )
    try:
        length = len(seq)
    except TypeError:
        return  # (an object read by position alone, `__getitem__` without `__len__`: read as before)
    if length != named:
        more = "too many" if length > named else "not enough"
        raise UnsupportedValueError(f"{more} values to unpack (expected {named}, got {length})", line=line)


def check_sequence(seq: Any) -> None:
    """Refuse a for loop over what is not walked by position: astgrad runs `for x in s` as
    `for k in range(len(s)): x = s[k]`, which is the same loop for a list, a tuple or an array,
    not for a dict (its keys), a set (no order) or an iterator (no length)."""
    if isinstance(seq, (list, tuple, np.ndarray, str, range)):
        return
    from collections.abc import Mapping, Set

    if isinstance(seq, (Mapping, Set)) or not (hasattr(seq, "__len__") and hasattr(seq, "__getitem__")):
        what = type(seq).__name__
        raise UnsupportedValueError(
            f"a for loop over a {what}: astgrad walks lists, tuples and arrays by position; "
            + (
                "loop over `list(d)` for a dict's keys, or over `d.items()`"
                if isinstance(seq, Mapping)
                else f"make it a list first (`list(...)`) or loop over what the {what} was made from"
            )
        )


def check_not_array(value: Any, label: str) -> None:
    """Refuse `label += v` in a called function when its argument `label` is an array, a list
    or a dict: that changes the caller's value, which astgrad's adjoints would not know about."""
    if isinstance(value, (np.ndarray, list, dict)):
        what = "array" if isinstance(value, np.ndarray) else type(value).__name__
        raise UnsupportedValueError(
            f"a function called from the differentiated code changes its argument `{label}` in place "
            f"(an augmented assignment such as `{label} += ...` changes the caller's {what}): astgrad cannot "
            f"follow writes into a caller's values; write `{label} = {label} + ...` (a new {what})"
        )


def check_unaliased(value: Any, label: str, *others: Any) -> None:
    """Refuse a call passing one array to two parameters (`f(x, x)`, or a view of it) when the
    function writes into one of them, `label`: astgrad copies that parameter first (the caller's
    array is never changed), which parts it from the other, so the function it differentiates
    would not be the function Python runs. `others` are the other arguments, each followed by its
    parameter's name."""
    if not isinstance(value, (np.ndarray, list, dict)):
        return
    for other, other_label in zip(others[::2], others[1::2]):
        same = other is value or (
            isinstance(value, np.ndarray)
            and isinstance(other, np.ndarray)
            and np.may_share_memory(value, other)
            and np.shares_memory(value, other)
        )
        if same:
            raise UnsupportedValueError(
                f"the arguments `{label}` and `{other_label}` are one {type(value).__name__} (or views of one), "
                f"and the function writes into `{label}` in place: astgrad copies `{label}` first, so the write "
                f"would not reach `{other_label}` as it does when the function runs; pass a copy "
                f"(`f(x, x.copy())`)"
            )


def check_unshared(value: Any, label: str, other: str) -> None:
    """Refuse `label += v` where `label = other` (or the reverse) made both names one array or
    list: the write would change both, which astgrad's adjoints would not know about. A number
    is immutable: `+=` makes a new one."""
    if isinstance(value, (np.ndarray, list, dict)):
        raise UnsupportedValueError(
            f"in-place write to `{label}`, which is shared with `{other}` (one {type(value).__name__}): astgrad "
            f"cannot follow writes through aliases; make `{label}` a copy or write `{label} = {label} + ...`"
        )


# id of a mutable object code was generated for → what it held then (snapshot): one tuple per object
# while it holds the same, which code moved to a twin can swap for the twin's (assumptions.twin_places)
_SNAPSHOTS: dict[int, tuple] = {}


def snapshot(obj: Any, read: Callable[[Any], tuple], changed: Callable[[Any, tuple], bool]) -> tuple:
    """`read(obj)`, the same tuple as long as `changed` finds `obj` holding the same objects."""
    known = _SNAPSHOTS.get(id(obj))
    if known is None or changed(obj, known):
        known = _SNAPSHOTS[id(obj)] = read(obj)
    return known


def known_snapshot(obj: Any) -> tuple | None:
    """The tuple `snapshot` last gave for `obj`, or None."""
    return _SNAPSHOTS.get(id(obj))


def partial_contents(p: Any) -> tuple:
    """(function, positional arguments, keyword items) of the functools.partial `p`, the same tuple as
    long as `p` holds the same objects (a partial's keywords dict is mutable, and `__setstate__` swaps
    its function: a guard tests them with changed_partial)."""
    return snapshot(p, lambda q: (q.func, q.args, tuple(q.keywords.items())), changed_partial)


def changed_partial(p: Any, contents: tuple) -> bool:
    """Whether the functools.partial `p` no longer holds `contents` (partial_contents), object for object."""
    func, args, items = contents
    return (
        p.func is not func
        or len(p.args) != len(args)
        or any(a is not b for a, b in zip(p.args, args))
        or changed_items(p.keywords, items)
    )


def check_elementwise(a: Any, b: Any, line: int | None = None) -> None:
    """Refuse `a + b` or `a * b` that Python computes as a join or a repetition of a list or tuple,
    where astgrad could not tell it would and differentiates arithmetic (analysis/sequences.py)."""
    seq = (list, tuple)
    a_seq, b_seq = isinstance(a, seq), isinstance(b, seq)
    if (a_seq and b_seq) or (a_seq and type(b) in (int, bool)) or (b_seq and type(a) in (int, bool)):
        raise SequenceArithmeticError(line)


def changed_tuple(value: Any, expected: tuple) -> bool:
    """Whether `value` is no longer the tuple `expected` (a guard's test of a global tuple the code
    relies on): item by item, each of the same type and equal, so that an array put in its place
    makes the test true, not an ambiguous truth value (`(a, 0.5) != (1.0, 2.0)` raises)."""
    if type(value) is not tuple or len(value) != len(expected):
        return True
    for v, e in zip(value, expected):
        if v is e:  # (the very object: a NaN the guard bound is itself, as in Python's tuple ==)
            continue
        if type(v) is not type(e) or type(e) is np.ndarray:
            return True
        if changed_tuple(v, e) if type(e) is tuple else v != e:
            return True
    return False


def changed_items(d: Any, items: Any) -> bool:
    """Whether dict `d` no longer holds exactly `items` (key, object) (a guard's test of a function's
    keyword defaults: the same dict may have been written into)."""
    if items is None:
        return d is not None
    return d is None or len(d) != len(items) or any(d.get(k, changed_items) is not v for k, v in items)


def check_apart(value: Any, other: Any, label: str, other_label: str, line: int | None = None) -> None:
    """Refuse an in-place write through `label` while `other_label`, read after it, holds the same
    array or a view of it (a row taken before, an array put in a list or read out of it, a helper's
    result that is its argument): the write would change both, which astgrad's adjoints would not
    know about."""
    if isinstance(value, np.ndarray) and isinstance(other, np.ndarray) and np.may_share_memory(value, other):
        raise UnsupportedValueError(
            f"in-place write to `{label}`, which shares its array with `{other_label}`, read after the "
            f"write: astgrad cannot follow writes through aliases; make one of them a copy "
            f"(`.copy()`) or write `{label} = {label} + ...`",
            line=line,
        )


def check_not_view(value: Any, label: str, source: Any = None, line: int | None = None) -> None:
    """Refuse a view where the function writes in place: through `label`, or into the array
    `label` views (Python would change both; astgrad's adjoints would not know). An array taken
    from a list, tuple or dict (`source`) is that container's element itself: refused too."""
    if isinstance(value, np.ndarray) and isinstance(source, (list, tuple, dict)):
        raise UnsupportedValueError(
            f"`{label}` is an array held in a {type(source).__name__} and the function writes in place "
            f"through it or into the {type(source).__name__}: astgrad cannot follow writes through aliases; "
            f"make it a copy (`{label} = ....copy()`) or write `{label} = {label} + ...`",
            line=line,
        )
    if isinstance(value, np.ndarray) and value.base is not None:
        raise UnsupportedValueError(
            f"`{label}` is a view into another array (a row or a slice) and the function writes "
            f"in place through it or into that array: astgrad cannot follow writes through views; "
            f"make it a copy (`{label} = ....copy()`) or write `{label} = {label} + ...`",
            line=line,
        )


def check_not_merged(a: Any, b: Any, line: int | None = None) -> None:
    """Refuse `a | b` (`&`, `^`) of dicts or sets, with a derivative (at the user's `line`): a merge,
    which astgrad differentiates as the bitwise operation it is on numbers and arrays (none)."""
    from collections.abc import Mapping, Set

    if isinstance(a, (Mapping, Set)) or isinstance(b, (Mapping, Set)):
        raise UnsupportedValueError(
            "a dict or set merged with `|` (or combined with `&`, `^`) holds values with derivatives, "
            "which astgrad does not follow through it; copy the dict and write the new items: "
            '`q = dict(p)`, then `q["extra"] = ...`',
            line=line,
        )


def check_float_store(array: Any, line: int | None = None) -> None:
    """Refuse a value with a derivative stored into an array of integers or booleans (at the
    user's `line`): NumPy truncates it there, a step whose derivative is zero, where the store's
    rule would pass the value's derivative on. Such an array is most often a slip (`np.zeros_like(x)`
    of an integer `x`) whose values are already not the ones meant."""
    if isinstance(array, np.ndarray) and array.dtype.kind in "biu":
        raise UnsupportedValueError(
            f"a value with a derivative is stored into an array of {array.dtype}, which truncates it: "
            "its derivative there is zero, surely not the one meant; make the array float "
            "(`np.zeros_like(x, dtype=float)`, `np.zeros(n)`) or pass float inputs (`x.astype(float)`)",
            line=line,
        )


def mixed_items(values: Any, cls: type | None, parts: tuple | None = None) -> bool:
    """Whether some item of the list or tuple `values` is not of class `cls`, or, with `parts` (a
    tuple of classes), not a sequence of as many items of those classes (the guard of code
    specialised for a long list of numbers of one type, or of `(x, y)` pairs: specialize/dispatch.py)."""
    if cls is None or set(map(type, values)) != {cls}:
        return True
    if parts is None:
        return False
    if set(map(len, values)) != {len(parts)}:
        return True
    return any(set(map(type, map(operator.itemgetter(j), values))) != {c} for j, c in enumerate(parts))


def check_string(value: Any, call: str) -> None:
    """Refuse a method call astgrad runs as it is, without derivative, on anything but a string
    (`name.startswith("W")` of a dict's key, normalize's method_call): no derivative flows through
    a string; an object of the user's with a method of that name might carry one."""
    if type(value) is not str:
        raise UnsupportedValueError(
            f"{call}: astgrad runs this method of a value known only when the code runs for strings only "
            f"(without derivative), and it was called on a {type(value).__name__}"
        )


def check_real(value: Any, call: str) -> None:
    """Refuse a complex first argument of a function whose derivative rules hold for real ones
    only (`call`: the user's line and call; rules' `real_arguments`): a Hermitian matrix's
    eigenvectors and factors, a variance."""
    if np.iscomplexobj(value):
        raise UnsupportedValueError(
            f"{call}: its argument is complex, and astgrad's derivative of it is for real arrays only "
            f"(the complex case needs conjugates its rule does not take)"
        )


def check_not_held_view(value: Any, array: Any, item: str, display: str, other: str, line: int | None = None) -> None:
    """Refuse an item `value` of a list, tuple or dict display that is a view of `array` (named
    `other`), which the function writes into while a name holds the container: NumPy's container
    would see the write, astgrad's holds the values read there. Numbers (`[x[0], x[1]]` of a
    vector) are read once: no view."""
    if isinstance(value, np.ndarray) and isinstance(array, np.ndarray) and np.may_share_memory(value, array):
        raise UnsupportedValueError(
            f"{display} holds `{item}`, a view of `{other}`, and the function writes into `{other}` later: "
            f"in NumPy the container would see that write (the item of a matrix is a row view), which "
            f"astgrad cannot follow; put a copy in it (`{item}.copy()`) or write into a copy of `{other}`",
            line=line,
        )
    if isinstance(value, (list, dict)) and value is array:  # (a list or dict held, then written into)
        raise UnsupportedValueError(
            f"{display} holds `{item}` itself, and the function writes into `{other}` later: the container "
            f"would see that write, which astgrad cannot follow; put a copy in it (`list({item})`) or write "
            f"into a copy of `{other}`",
            line=line,
        )


def check_not_overwritten(value: Any, array: Any, read: str, statement: str) -> None:
    """Refuse `a[0], a[1] = a[1], a[0]` (`statement`: its line and text) where a right-hand `read`
    is a view of `array`, which an earlier target of the same statement writes into: NumPy reads
    the view after that write (the rows do not swap), while astgrad reads each value before any
    target is assigned. A number (an element of a vector) is read once: that swap is a swap."""
    if isinstance(value, np.ndarray) and isinstance(array, np.ndarray) and np.may_share_memory(value, array):
        raise UnsupportedValueError(
            f"{statement}: the right-hand `{read}` is a view of an array that a target before it "
            f"overwrites, so NumPy assigns the overwritten values (rows or columns do not swap this way); "
            f"swap with one fancy index (`a[[0, 1]] = a[[1, 0]]`) or copy the right side (`{read}.copy()`)"
        )


def respecialize(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run gradient `fn` on arguments, or for a program, its code was not generated for: its
    guard failed (specialize/dispatch.py, assumptions.py)."""
    spec = _specializer(fn, "arguments of other types or shapes, or for a program that has changed since")
    return spec.call(args, kwargs)


def general_code(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run the general code of gradient `fn`, on arguments its specialised code serves but for
    values it relies on: float arrays of another precision than the float64 it holds in arrays
    where the function builds lists (specialize/lists.py)."""
    return _specializer(fn, "float64 arrays").general(*args, **kwargs)


def _specializer(fn: Callable, made_for: str) -> Any:
    """The specializer gradient `fn` belongs to, or an error saying what fn's code was made for."""
    spec = getattr(fn, "__astgrad_owner__", fn).__dict__.get("__astgrad_specializer__")
    if spec is None:
        raise UnsupportedValueError(
            f"{fn.__name__} was generated for {made_for}; generate it again with astgrad.grad "
            "(or astgrad.source(..., args=...))"
        )
    return spec


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
