"""Run-time helpers of the Python containers normalization lowers: lists of numbers read as
arrays, dicts walked by their keys, sequences, `sorted`, star-unpacking, and a gradient given back
in its argument's structure (`match_structure`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from .shapes import unbroadcast
from .tape import (
    NUMBER_TYPES,
    add_adjoints,
    zeros_like,
)


def numbers_as_array(x: Any) -> Any:
    """`x` as the array NumPy reads it as, if it is a list or tuple of numbers (nested too);
    anything else (an array, a number, a list of arrays) as it is."""
    if type(x) in (list, tuple) and _all_numbers(x):
        return np.asarray(x)
    return x


def _all_numbers(x: Any) -> bool:
    if type(x) in (list, tuple):
        return all(_all_numbers(v) for v in x)
    return isinstance(x, (int, float, np.number)) and not isinstance(x, bool)


def keys_if_dict(x: Any) -> Any:
    """What `for k in x` walks: a dict's keys (as a list), any other sequence itself."""
    return list(x) if isinstance(x, dict) else x


def dict_keys(d: Any) -> list:
    """The keys of the dict `d`, in its order: what `d.keys()` is, and what the lists astgrad
    makes of `d.values()` and `d.items()` (`[d[k] for k in dict_keys(d)]`) walk."""
    if not isinstance(d, dict):
        raise UnsupportedValueError(
            f"astgrad reads `.keys()`, `.values()`, `.items()` and `.get()` as the methods of a dict, "
            f"but this is a {type(d).__name__}: convert it with dict(...) first"
        )
    return list(d)


def sequence_of(x: Any) -> Any:
    """What `list(x)` walks, as astgrad writes it (`[v for v in sequence_of(x)]`): a list, tuple
    or array itself; anything else (a dict's keys, a set, an iterator) as the list Python makes."""
    return x if isinstance(x, (list, tuple, np.ndarray, str, range)) else list(x)


def tuple_of(items: list) -> tuple:
    """`tuple(xs)` as astgrad writes it, of the list `list(xs)` makes (its items themselves)."""
    return tuple(items)


def sequence_bar(g: Any, x: Any) -> Any:
    """The adjoint of `sequence_of(x)`: g, or zeros for a dict (its keys carry no derivative)."""
    if isinstance(x, dict):
        return zeros_like(x)
    if not isinstance(x, (list, tuple, np.ndarray)):
        raise UnsupportedValueError(
            f"`list(...)` of a {type(x).__name__} whose items depend on the differentiated input: astgrad "
            "follows items through lists, tuples and arrays; build the list with a comprehension"
        )
    return g


def _sort_order(x: Any) -> list:
    """The positions of the items of `x` in the order sorted(x) puts them (stable, as sorted)."""
    items = list(x)
    return sorted(range(len(items)), key=items.__getitem__)


def sorted_of(x: Any) -> list:
    """`sorted(x)` of one argument, as astgrad differentiates it: a dict's keys in order (no
    derivative), or the items of a sequence of numbers in order (each adjoint goes back to its
    item: sorted_bar)."""
    if isinstance(x, dict):
        return sorted(x)
    items = list(x)
    return [items[i] for i in _sort_order(items)]


def sorted_bar(g: Any, x: Any) -> Any:
    """The adjoint of `y = sorted_of(x)`: y's adjoints back at the items' places (zeros for a dict)."""
    if isinstance(x, dict):
        return zeros_like(x)
    out = [0.0] * len(g)
    for k, i in enumerate(_sort_order(x)):
        out[i] = g[k]
    return np.array(out) if isinstance(x, np.ndarray) else out


def sorted_dot(t: Any, x: Any) -> Any:
    """The tangent of `y = sorted_of(x)`: x's tangents in the sorted order (None for a dict)."""
    if isinstance(x, dict):
        return zeros_like(sorted(x))
    return [t[i] for i in _sort_order(x)]


def joined(x: Any, y: Any) -> Any:
    """`x + y` of two lists or two tuples: x's items, then y's (differentiated as a function of
    its own: each part's adjoint is its slice of the result's; analysis/sequences.py)."""
    return x + y


def joined_dot(x_dot: Any, y_dot: Any, x: Any, y: Any) -> list:
    """The tangent of `joined(x, y)`: the parts' tangents one after the other (a part with no
    tangent, written 0.0 by forward mode, as zeros in its own structure)."""
    parts = [
        zeros_like(v) if type(t) is float and isinstance(v, (list, tuple)) else t for t, v in ((x_dot, x), (y_dot, y))
    ]
    return [*parts[0], *parts[1]]


def repeated(x: Any, n: int) -> Any:
    """`x * n` of a list or tuple and a Python int: x's items n times over (differentiated as a
    function of its own: each item's adjoint is the sum of its copies'; analysis/sequences.py)."""
    return x * n


def repeated_bar(g: Any, x: Any) -> list:
    """The adjoint of `repeated(x, n)` for x: each item's copies' adjoints added (zeros where
    n is 0 or less)."""
    k = len(x)
    out = zeros_like(x)
    for j in range(len(g)):
        out[j % k] = add_adjoints(out[j % k], g[j])
    return out


def unpacked(*parts: Any) -> tuple:
    """The tuple display `(*a, b, *c)`, written `unpacked(a, (b,), c)`."""
    return tuple(v for part in parts for v in part)


def copied_keys(d: Any) -> list:
    """The keys of `d` in `dict(d)`, which astgrad differentiates as the copy
    `{k: d[k] for k in copied_keys(d)}`: d must be a dict (not a list of pairs)."""
    if not isinstance(d, dict):
        raise UnsupportedValueError(
            f"astgrad differentiates `dict(d)` as a copy of the dict d, but this is a {type(d).__name__}: "
            "build the dict with a comprehension instead (`{k: v for k, v in pairs}`)"
        )
    return list(d)


def match_structure(g: Any, x: Any) -> Any:
    """Adjoint `g` in the container types of `x` (a tuple's adjoint is built as a list; a
    namedtuple's is a namedtuple of the same type, as JAX gives it)."""
    if isinstance(x, tuple) and isinstance(g, (list, tuple)):
        items = tuple(match_structure(a, b) for a, b in zip(g, x))
        return type(x)(*items) if hasattr(type(x), "_fields") else items
    if isinstance(x, list) and isinstance(g, list):
        return [match_structure(a, b) for a, b in zip(g, x)]
    if type(x) is int and type(g) is int:  # (an int's gradient computed in ints: a float, as forward mode's)
        return float(g)
    if isinstance(x, dict) and isinstance(g, dict):
        return {k: match_structure(g[k], v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and isinstance(g, np.ndarray) and g.ndim and len(g) == len(x):
        # a list NumPy read as an array (np.dot(w, w)): its gradient a list again, as autograd's
        items = [float(a) if isinstance(b, (int, float)) else match_structure(a, b) for a, b in zip(g, x)]
        return items if isinstance(x, list) else type(x)(*items) if hasattr(type(x), "_fields") else tuple(items)
    return g


def items_adjoint(g: Any, items: Any) -> Any:
    """The adjoint of the items `sum(items)` adds, given the adjoint `g` of the sum: a list of
    each item's share for a list or tuple; for an array (its rows summed, axis 0), an array of
    its shape, every row `g` (made the row's shape)."""
    if isinstance(items, np.ndarray):
        row = unbroadcast(g, items[0]) if items.ndim > 1 else unbroadcast(g, items.dtype.type(0))
        out = np.empty(items.shape, dtype=np.result_type(items.dtype, np.asarray(g).dtype, float))
        out[...] = row
        return out
    if type(g) is float and NUMBER_TYPES.issuperset(map(type, items)):  # (each number's share is g)
        return [g] * len(items)
    return [unbroadcast(g, v) for v in items]


def items_adjoint_bar(items_bar: Any, g: Any) -> Any:
    """The adjoint of `g` in `items_adjoint(g, items)` (linear in g): the items' adjoints summed,
    each reduced to g's shape (None: an item without one)."""
    if isinstance(items_bar, np.ndarray):
        return unbroadcast(np.sum(items_bar, axis=0), g)
    total = 0.0
    for v in items_bar:
        if v is not None:
            total = total + unbroadcast(v, g)
    return total


def _others_products(items: list, start: Any) -> list:
    """For each item, `start` times the product of the other items (in order, without division)."""
    before, running = [], start
    for v in items:
        before.append(running)
        running = running * v
    out, after = [None] * len(items), 1
    for i in reversed(range(len(items))):
        out[i] = before[i] * after
        after = after * items[i]
    return out


def prod_items_bar(g: Any, items: Any, start: Any = 1) -> Any:
    """The adjoint of the items `math.prod(items, start=start)` multiplies, given the product's
    adjoint `g`: each item's share `g` times the others' product, in the items' structure (as
    `items_adjoint`: a list for a list or tuple, an array of its shape for an array's rows)."""
    others = _others_products(list(items), start)
    if isinstance(items, np.ndarray):
        like = items[0] if items.ndim > 1 else items.dtype.type(0)
        out = np.empty(items.shape, dtype=np.result_type(items.dtype, np.asarray(g).dtype, float))
        for i, o in enumerate(others):
            out[i] = unbroadcast(g * o, like)
        return out
    return [unbroadcast(g * o, v) for o, v in zip(others, items)]


def prod_items_dot(items_dot: Any, items: Any, start: Any = 1) -> Any:
    """The tangent of `math.prod(items, start=start)` along the items' tangents `items_dot`."""
    total = 0.0
    for d, o in zip(items_dot, _others_products(list(items), start)):
        if d is not None:
            total = total + d * o
    return total


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
