"""Run-time helpers of the bookkeeping every generated gradient does: the tape (`push`, `pop`,
a counted loop's rows), zeros, copies and ownership of adjoints, adjoint accumulation
(`add_adjoints`, `add_at`), the adjoints of indexing (`unindex`, `written_part`) and NumPy's
indexed writers as new arrays (`added_at` for np.add.at, `with_diagonal` for np.fill_diagonal)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .effects import writes_arguments


def zeros_dtype(x: Any) -> Any:
    """The dtype of `zeros_like(x)` for an array x, None for anything else (a name not yet bound):
    what a loop saves of a value its backward pass reads only for its zeros, its shape being known
    (optimize/loop_saves.drop_dead_restores)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(float)
    return None


# the types of numbers an adjoint holds as they are: the items of a list of numbers, whose adjoint
# taken apart is an array (owned_copy) or a list of its own (owned_list), and whose share of a float
# adjoint is that float (containers.items_adjoint)
NUMBER_TYPES = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})
_PYTHON_NUMBERS = frozenset({float, int})


def zeros_like(x: Any) -> Any:
    """A zero adjoint shaped like `x`: same shape and floating type for arrays, a list (also for
    tuples, so it can be filled in place) or dict of zeros for containers, None for non-numbers."""
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return 0.0
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return np.zeros(x.shape, x.dtype if np.issubdtype(x.dtype, np.inexact) else float)
    if isinstance(x, (list, tuple)):
        if _PYTHON_NUMBERS.issuperset(map(type, x)):  # (a list of floats: its zeros at once)
            return [0.0] * len(x)
        return [zeros_like(v) for v in x]
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (str, bytes, bool, type(None), range)) or callable(x):
        return None
    x = np.asarray(x)
    return np.zeros(x.shape, x.dtype if np.issubdtype(x.dtype, np.inexact) else float)


def unindex(g: Any, x: Any, index: Any) -> Any:
    """The adjoint of `x[index]`: zeros shaped like `x` with `g` added at `index`."""
    return add_at(zeros_like(x), index, g)


def written_part(g: Any, index: Any) -> Any:
    """The adjoint of the values v in `x[index] = v`, given x's adjoint g: g[index], except that
    where index arrays select an element more than once, only the last write (the one that stays,
    as NumPy assigns) receives it."""
    part = g[index]
    if isinstance(g, (list, dict)):
        return part  # a container's entry
    if _basic(index):
        return part.copy()  # a view into g otherwise, which the caller then zeroes
    owner = np.full(np.shape(g), -1, dtype=np.intp)
    order = np.arange(np.size(part)).reshape(np.shape(part))
    owner[index] = order  # the last write to each element wins
    return np.where(owner[index] == order, part, 0.0)


@writes_arguments
def add_at(buf: Any, index: Any, g: Any) -> Any:
    """Add `g` into `buf[index]` in place (repeated indices accumulate) and return `buf`."""
    if isinstance(buf, (list, dict)):
        buf[index] = add_adjoints(buf[index], g)
    elif np.ndim(buf) == 0:
        return buf + g
    elif _basic(index):  # no index arrays, so no element is selected twice: a plain in-place add
        buf[index] += g
    else:
        np.add.at(buf, index, g)
    return buf


def added_at(a: Any, index: Any, v: Any) -> Any:
    """`np.add.at(a, index, v)` as a new array: a copy of `a` with `v` added at `index`, repeated
    indices accumulating (normalization lowers the in-place call to `a = added_at(a, index, v)`)."""
    out = np.array(a, copy=True)
    np.add.at(out, index, v)
    return out


def copied_into(a: Any, v: Any, where: Any = True) -> Any:
    """`np.copyto(a, v, where=where)` as a new array: a copy of `a` with `v` (broadcast) written
    where `where` holds, cast as np.copyto casts (normalization lowers the in-place call to
    `a = copied_into(a, v)`)."""
    out = np.array(a, copy=True)
    np.copyto(out, v, where=where)
    return out


def with_diagonal(a: Any, val: Any) -> Any:
    """`np.fill_diagonal(a, val)` (wrap=False) as a new array: a copy of `a` whose diagonal is
    `val`, its values repeated in turn if fewer than the diagonal's."""
    out = np.array(a, copy=True)
    np.fill_diagonal(out, val)
    return out


def on_diagonal(val: Any, like: Any) -> Any:
    """Zeros shaped like `like` with `val` on the diagonal (as np.fill_diagonal writes it): the
    adjoint of `diagonal_bar`, and the part of `with_diagonal`'s tangent from `val`."""
    return with_diagonal(np.zeros(np.shape(like)), val)


def diagonal_bar(g: Any, val: Any) -> Any:
    """The adjoint of `val` in `with_diagonal(a, val)`: the diagonal of `g`, each element summed
    into the value of `val` written there."""
    g = np.asarray(g)
    shape = g.shape
    if len(shape) == 2:
        step, end = shape[1] + 1, shape[1] * shape[1]
    else:
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), None
    diagonal = g.reshape(-1)[:end:step]
    size = np.size(val)
    if size == 1:
        return np.reshape(np.sum(diagonal), np.shape(val)) if np.ndim(val) else np.sum(diagonal)
    out = np.zeros(size, dtype=np.result_type(g.dtype, float))
    np.add.at(out, np.arange(diagonal.size) % size, diagonal)
    return out.reshape(np.shape(val))


def _basic(index: Any) -> bool:
    """Whether `index` selects by ints, slices, None and Ellipsis only (each element at most once)."""
    if type(index) is tuple:
        return all(_basic(i) for i in index)
    return index is None or index is Ellipsis or type(index) in (int, slice)


@writes_arguments
def push(tape: list, value: Any) -> None:
    """Save a value the backward pass will need after the forward pass overwrites it."""
    tape.append(value)


@writes_arguments
def pop(tape: list) -> Any:
    """Take back the value saved last."""
    return tape.pop()


@writes_arguments
def pop_block(tape: list, n: int) -> list:
    """Take back the last `n` values saved, at once (in the order they were saved)."""
    start = len(tape) - n
    block = tape[start:]
    del tape[start:]
    return block


def rows_like(rows: np.ndarray, value: Any) -> np.ndarray:
    """Rows a loop saved its values into (allocated as float64), in the dtype of `value` (the
    last of them) where that changes no number: float32 steps read back as float32, as the
    values themselves would have been."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or dtype == rows.dtype:
        return rows
    narrow = rows.astype(dtype)
    return narrow if np.array_equal(narrow, rows) else rows


def copy_of(value: Any) -> Any:
    """An independent (shallow) copy of an array, list or dict; other values as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict)):
        return value.copy()
    return value


def deep_copy_of(value: Any) -> Any:
    """`value` with every array in it (through tuples, lists and dicts) copied."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        items = [deep_copy_of(v) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else type(value)(items)  # (a namedtuple's)
    if isinstance(value, dict):
        return {k: deep_copy_of(v) for k, v in value.items()}
    return value


def contents_of(value: Any) -> Any:
    """What a helper may write into `value` (an array's elements, a list's or dict's items, arrays
    in them copied), to put back with put_contents; None for anything else."""
    return deep_copy_of(value) if isinstance(value, (np.ndarray, list, dict)) else None


@writes_arguments
def put_contents(value: Any, saved: Any) -> None:
    """Put back into `value` what contents_of saved of it (a helper or a writer wrote into it
    since): an array's elements in place, and so the arrays a list or dict holds (a view of one,
    read before the write, sees them again); other items as they were."""
    if isinstance(value, np.ndarray):
        value[...] = saved
        return
    if isinstance(value, list):
        keys = range(len(value)) if len(value) == len(saved) else None
        if keys is None:
            value[:] = saved
            return
    elif isinstance(value, dict):
        keys = list(saved)
        for k in [k for k in value if k not in saved]:
            del value[k]
    else:
        return
    for k in keys:
        now, then = value[k] if not isinstance(value, dict) or k in value else None, saved[k]
        if isinstance(now, np.ndarray) and isinstance(then, np.ndarray) and now.shape == then.shape:
            now[...] = then
        elif isinstance(now, (list, dict)) and type(now) is type(then):
            put_contents(now, then)
        else:
            value[k] = then


def distinct(value: Any, *earlier: Any) -> Any:
    """`value`, copied if it is an array that may share memory with an array in `earlier` (two
    gradients returned together must be independent arrays)."""
    if isinstance(value, np.ndarray) and any(
        isinstance(e, np.ndarray) and np.may_share_memory(value, e) for e in earlier
    ):
        return value.copy()
    return value


def owned_copy(g: Any) -> Any:
    """A writable copy of adjoint `g` (which may be a shared or read-only view, or a container).
    The adjoint of a list of numbers is an array of them: its last item taken off at each step
    back through the loop that appended them is then a view, not a copy of the rest (specialised
    code pops the items of an owned_list instead: specialize/popped_lists.py)."""
    if isinstance(g, (list, tuple)):
        if g and all(type(v) in NUMBER_TYPES for v in g):
            a = np.array(g)
            return a.astype(np.result_type(a, 1.0), copy=False)
        return [owned_copy(v) for v in g]
    if isinstance(g, dict):
        return {k: owned_copy(v) for k, v in g.items()}
    if g is None:
        return None
    return np.array(g, dtype=np.result_type(g, 1.0))


def owned_list(g: Any) -> Any:
    """The adjoint `g` of a list as a list only the caller holds, its items as owned_copy makes
    them (a number as it is): the backward pass of the loop that appended them takes each item
    back off its end with `.pop()`, no copy of the rest, and the items keep their own types (a
    list of floats stays one; an array's items are NumPy's, as the array's were)."""
    if isinstance(g, (list, tuple)):
        if NUMBER_TYPES.issuperset(map(type, g)):
            return list(g)
        return [v if type(v) in NUMBER_TYPES else owned_copy(v) for v in g]
    return list(owned_copy(g))


def float_items(seq: Any, n: int, width: int = 0) -> np.ndarray:
    """The first `n` items of a list or tuple of floats (or of tuples of `width` floats: one row
    each), or rows of a float array, as a float64 array, for a loop's steps taken at once
    (specialize/batched_loops.py): IndexError where a loop reading `seq[k]` for k < n would raise it."""
    if n > len(seq):
        raise IndexError(f"{type(seq).__name__} index out of range")
    n = max(n, 0)
    if isinstance(seq, np.ndarray):  # (a float array's first n rows, in float64 as `float(x[k])` reads them)
        return np.asarray(seq[:n], dtype=float)
    if not width:
        return np.fromiter(seq, float, n)
    rows = seq if n == len(seq) else seq[:n]
    return np.fromiter(itertools.chain.from_iterable(rows), float, n * width).reshape(n, width)


@writes_arguments
def popped_items(seq: list, n: int) -> np.ndarray:
    """The last `n` items of the list `seq`, taken off its end, as a float64 array in the order
    they stood: what `v = seq.pop()` gives at the n steps of a backward loop counting down, for
    the steps taken at once (specialize/batched_loops.py); IndexError where those pops would raise it."""
    n = max(n, 0)
    if n > len(seq):
        raise IndexError("pop from empty list")
    start = len(seq) - n
    out = np.fromiter(seq[start:] if start else seq, float, n)
    del seq[start:]
    return out


def split_tail(a: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The array `a` without its last `n` items, and those items: popped_items for the adjoint of
    a list of floats kept as an array (specialize/array_adjoints.py); IndexError as there."""
    n = max(n, 0)
    if n > len(a):
        raise IndexError("pop from empty list")
    start = len(a) - n
    return a[:start], a[start:]


@writes_arguments
def add_to_items(seq: Any, values: np.ndarray, n: int) -> None:
    """`seq[k] += values[k]` for each k < n, in a list of numbers or a 1-D array (a loop's steps
    taken at once, specialize/batched_loops.py): a list's items become Python floats, the sums
    being the same; IndexError where the loop would raise it."""
    n = max(n, 0)
    if n > len(seq):
        raise IndexError(f"{type(seq).__name__} index out of range")
    if isinstance(seq, np.ndarray):
        seq[:n] += values
    else:
        seq[:n] = (float_items(seq, n) + values).tolist()


@writes_arguments
def set_items(seq: Any, values: np.ndarray, n: int) -> None:
    """`seq[k] = values[k]` for each k < n, in a list or a 1-D array (as add_to_items)."""
    n = max(n, 0)
    if n > len(seq):
        raise IndexError(f"{type(seq).__name__} assignment index out of range")
    seq[:n] = values if isinstance(seq, np.ndarray) else values.tolist()


def add_adjoints(a: Any, b: Any) -> Any:
    """The sum of two adjoints that may be tuples, lists or dicts of arrays (None is zero)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict):
        return {k: add_adjoints(a.get(k), b.get(k)) for k in [*a, *(k for k in b if k not in a)]}
    if isinstance(a, (list, tuple)):
        return [add_adjoints(x, y) for x, y in zip(a, b)]
    return a + b


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
