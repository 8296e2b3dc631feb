"""Small helpers that generated gradient code calls at run time."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import UnsupportedValueError
from .runtime_shapes import (  # noqa: F401 (generated code imports them from here)
    complex_valued,
    expand_reduced,
    extremum_mask,
    from_triangle,
    real_for,
    to_triangle,
    tril_half,
    unbroadcast,
    undiff,
    unreduce,
)


def reduce_size(x: Any, axis: Any = None) -> int:
    """How many elements a reduction over `axis` combines."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def max_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of np.maximum(x, y) that goes to `x`: 1 where x > y, ½ at ties,
    0 where x < y (and where either is NaN); np.minimum's share for `x` is max_share(y, x)."""
    above = x > y
    tie = x == y
    if type(tie) is np.ndarray:
        return above + 0.5 * tie if tie.any() else above  # a boolean mask where nothing ties
    return 0.5 if tie else float(above)


def uncast(g: Any, x: Any, y: Any) -> Any:
    """The adjoint of `y = x.astype(t)` given y's adjoint g: g in x's floating type, or zeros
    where t is not a floating type (an integer or boolean cast has no derivative)."""
    if np.asarray(y).dtype.kind not in "fc":
        return zeros_like(x)
    out = np.array(g, dtype=np.result_type(x, 1.0))
    return out[()] if out.ndim == 0 else out


def clip_share(a: Any, a_min: Any, a_max: Any, which: int) -> Any:
    """Where `np.clip(a, a_min, a_max)` takes its value from `a` (which=0), `a_min` (1) or `a_max` (2):
    1.0 there, 0.0 elsewhere, in the result's shape. NumPy computes min(max(a, a_min), a_max), so
    with a_min > a_max every element is a_max; a bound of None is never taken."""
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    below = np.less(a, lo) & np.less_equal(lo, hi)
    above = np.greater(np.maximum(a, lo), hi)
    pick = (~below & ~above, below, above)[which]
    shape = np.broadcast_shapes(np.shape(a), np.shape(lo), np.shape(hi))
    return np.broadcast_to(pick, shape).astype(float) if shape else float(pick)


def inverse_axes(axes: Any, a: Any) -> Any:
    """The permutation undoing `np.transpose(a, axes)` (None for None: a reversal undoes itself);
    negative axes count from the end."""
    if axes is None:
        return None
    return tuple(int(k) for k in np.argsort(np.mod(axes, np.ndim(a))))


def rollaxis_axes(a: Any, axis: int, start: int = 0) -> tuple[int, ...]:
    """The permutation `np.rollaxis(a, axis, start)` transposes `a` by: `axis` moved to stand
    before the axis `start` was (NumPy's rule)."""
    n = np.ndim(a)
    axis, start = axis % n, start + n if start < 0 else start
    axes = [k for k in range(n) if k != axis]
    axes.insert(start - 1 if axis < start else start, axis)
    return tuple(axes)


def sign_of(x: Any) -> Any:
    """The sign of `x` (-1, 0 or 1): a float for a Python number, np.sign's array for an array
    (the derivative of Python's abs)."""
    if type(x) is np.ndarray:
        return np.sign(x)
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def linspace_fraction(y: Any, num: int, endpoint: bool = True, axis: int = 0) -> Any:
    """How far along from start to stop each sample of `y = np.linspace(start, stop, num,
    endpoint, axis=axis)` lies (k / (num - 1), or k / num without the endpoint), shaped to broadcast
    against `y` along `axis`."""
    div = (num - 1 if endpoint else num) or 1
    t = np.arange(num, dtype=np.result_type(y, 1.0)) / div
    shape = [1] * np.ndim(y)
    if shape:
        shape[axis] = num
    return np.reshape(t, shape)


def along_new_axis(t: Any, y: Any, axis: int = 0) -> Any:
    """`t` (shaped like np.linspace's start or stop) spread to the shape of its result `y`: broadcast
    to y's shape without the samples' `axis`, which is then inserted with length 1."""
    rest = list(np.shape(y))
    if rest:
        del rest[axis]
    return np.expand_dims(np.broadcast_to(t, tuple(rest)), axis)


def arange_has_start(stop: Any) -> float:
    """∂y/∂start of `y = np.arange(start, stop, step)`: 1.0 if a stop was given, else 0.0 (then the
    one argument is the stop, which sets only the count)."""
    return 0.0 if stop is None else 1.0


def select_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of maximum(x, y)/minimum(x, y) that goes to `x`: 1, or ½ at ties."""
    if type(x) is np.ndarray or type(y) is np.ndarray:
        return np.where(x == y, 0.5, 1.0)
    return 0.5 if x == y else 1.0


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


def zeros_like(x: Any) -> Any:
    """A zero adjoint shaped like `x`: same shape and floating type for arrays, a list (also for
    tuples, so it can be filled in place) or dict of zeros for containers, None for non-numbers."""
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return 0.0
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return np.zeros(x.shape, x.dtype if np.issubdtype(x.dtype, np.inexact) else float)
    if isinstance(x, (list, tuple)):
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


def _basic(index: Any) -> bool:
    """Whether `index` selects by ints, slices, None and Ellipsis only (each element at most once)."""
    if type(index) is tuple:
        return all(_basic(i) for i in index)
    return index is None or index is Ellipsis or type(index) in (int, slice)


def push(tape: list, value: Any) -> None:
    """Save a value the backward pass will need after the forward pass overwrites it."""
    tape.append(value)


def pop(tape: list) -> Any:
    """Take back the value saved last."""
    return tape.pop()


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
        return type(value)(deep_copy_of(v) for v in value)
    if isinstance(value, dict):
        return {k: deep_copy_of(v) for k, v in value.items()}
    return value


def distinct(value: Any, *earlier: Any) -> Any:
    """`value`, copied if it is an array that may share memory with an array in `earlier` (two
    gradients returned together must be independent arrays)."""
    if isinstance(value, np.ndarray) and any(
        isinstance(e, np.ndarray) and np.may_share_memory(value, e) for e in earlier
    ):
        return value.copy()
    return value


def _matmul_shape(sa: tuple, sb: tuple) -> tuple:
    """The shape of `a @ b` for arrays of shapes sa and sb (at least one of them 2-d or more)."""
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    if len(sb) == 1:
        return sa[:-1]
    return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])


def matmul_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `a @ b` (also `np.dot`) given the result's adjoint `g` (real for a
    real `a`: see real_for)."""
    return real_for(_matmul_left(g, a, b), a)


def matmul_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `a @ b` (also `np.dot`) given the result's adjoint `g` (real for a
    real `b`)."""
    return real_for(_matmul_right(g, a, b), b)


def _matmul_left(g: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if np.ndim(g) == 0 and a_nd + b_nd > 2:
        g = np.broadcast_to(g, _matmul_shape(np.shape(a), np.shape(b)))  # a zero for an unused result
    if b_nd == 1:
        return np.multiply.outer(g, b) if a_nd > 1 else g * b
    if a_nd == 1:
        return np.dot(b, g) if b_nd == 2 else unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def _matmul_right(g: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    if np.ndim(g) == 0 and a_nd + b_nd > 2:
        g = np.broadcast_to(g, _matmul_shape(np.shape(a), np.shape(b)))  # a zero for an unused result
    if a_nd == 1:
        return np.asarray(a)[:, None] * g[..., None, :] if b_nd > 1 else g * a  # (a may be a list)
    if b_nd == 1:
        return np.dot(g, a) if a_nd == 2 else unbroadcast(np.matmul(g[..., None, :], a)[..., 0, :], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def matmul_left_sum(parts: list, a: Any) -> Any:
    """The sum of matmul_left(g, a, b) over the pairs (g, b) in `parts`: for vectors g and b
    and a matrix a, one product of the stacked vectors instead of a sum of outer products."""
    return _products_sum(parts, a, left=True)


def matmul_right_sum(parts: list, b: Any) -> Any:
    """The sum of matmul_right(g, a, b) over the pairs (g, a) in `parts` (see matmul_left_sum)."""
    return _products_sum(parts, b, left=False)


def _products_sum(parts: list, fixed: Any, left: bool) -> Any:
    if not parts:
        return 0.0
    if np.ndim(fixed) == 2:
        gs, vs = zip(*parts)
        if all(type(v) is np.ndarray and v.ndim == 1 for v in gs + vs):
            return np.array(gs).T @ np.array(vs) if left else np.array(vs).T @ np.array(gs)
    if left:
        return sum_parts([matmul_left(g, fixed, v) for g, v in parts])
    return sum_parts([matmul_right(g, v, fixed) for g, v in parts])


def sum_parts(parts: list) -> Any:
    """The sum of the adjoint contributions in `parts` (arrays of one shape: one stacked sum)."""
    if not parts:
        return 0.0
    first = parts[0]
    if type(first) is np.ndarray and all(type(p) is np.ndarray and p.shape == first.shape for p in parts):
        return np.sum(np.array(parts), axis=0)  # (np.array: np.stack's result, sooner)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def owned_copy(g: Any) -> Any:
    """A writable copy of adjoint `g` (which may be a shared or read-only view, or a container)."""
    if isinstance(g, (list, tuple)):
        return [owned_copy(v) for v in g]
    if isinstance(g, dict):
        return {k: owned_copy(v) for k, v in g.items()}
    if g is None:
        return None
    return np.array(g, dtype=np.result_type(g, 1.0))


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


def undelete(g: Any, a: Any, obj: Any, axis: Any = None) -> Any:
    """The adjoint of `np.delete(a, obj, axis)`: `g` put back where the kept entries were."""
    out = zeros_like(a)
    if axis is None:
        keep = np.ones(np.size(a), bool)
        keep[obj] = False
        out.reshape(-1)[keep] = np.ravel(g)
        return out
    axis = axis % np.ndim(a)
    keep = np.ones(np.shape(a)[axis], bool)
    keep[obj] = False
    out[(slice(None),) * axis + (keep,)] = g
    return out


def split_like(g: Any, parts: Any, axis: int = 0) -> list:
    """The adjoint of `np.concatenate(parts, axis)`: `g` cut into pieces shaped like `parts`."""
    if axis is None:  # the parts were flattened first
        sizes = [np.size(p) for p in parts]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return [np.reshape(piece, np.shape(p)) for piece, p in zip(pieces, parts)]
    sizes = [np.shape(p)[axis] for p in parts]
    return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


def unstack(g: Any, axis: int = 0) -> list:
    """The adjoint of `np.stack(parts, axis)`: one slice of `g` per part."""
    return [np.take(g, i, axis=axis) for i in range(np.shape(g)[axis])]


def match_structure(g: Any, x: Any) -> Any:
    """Adjoint `g` in the container types of `x` (a tuple's adjoint is built as a list)."""
    if isinstance(x, tuple) and isinstance(g, list):
        return tuple(match_structure(a, b) for a, b in zip(g, x))
    if isinstance(x, list) and isinstance(g, list):
        return [match_structure(a, b) for a, b in zip(g, x)]
    if isinstance(x, dict) and isinstance(g, dict):
        return {k: match_structure(g[k], v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and isinstance(g, np.ndarray) and g.ndim and len(g) == len(x):
        # a list NumPy read as an array (np.dot(w, w)): its gradient a list again, as autograd's
        items = [float(a) if isinstance(b, (int, float)) else match_structure(a, b) for a, b in zip(g, x)]
        return items if isinstance(x, list) else tuple(items)
    return g


def rebroadcast(g: Any, like: Any) -> Any:
    """The adjoint of `unbroadcast(like, x)` with respect to `like`: `g` spread back to its shape."""
    target = np.broadcast_shapes(np.shape(like), np.shape(g))
    return unbroadcast(np.broadcast_to(g, target), like)


def dot_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `np.dot(a, b)` (which contracts a's last axis with b's second-to-last)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd <= 2 and b_nd <= 2 or a_nd == 0 or b_nd == 0:
        return matmul_left(g, a, b)
    if b_nd == 1:
        return real_for(np.asarray(g)[..., None] * b, a)
    b_axes = list(range(b_nd - 2)) + [b_nd - 1]
    return real_for(np.tensordot(g, b, axes=(list(range(a_nd - 1, np.ndim(g))), b_axes)), a)


def dot_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `np.dot(a, b)`."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd <= 2 and b_nd <= 2 or a_nd == 0 or b_nd == 0:
        return matmul_right(g, a, b)
    lead = list(range(a_nd - 1))
    out = real_for(np.tensordot(a, g, axes=(lead, lead)), b)
    return out if b_nd == 1 else np.moveaxis(out, 0, -2)


def undiag(g: Any, v: Any, k: int = 0) -> Any:
    """The adjoint of `np.diag(v, k)`: for a matrix `v`, `g` placed on its k-th diagonal; for a
    vector, the k-th diagonal of `g`."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    out = zeros_like(v)
    i = np.arange(np.shape(g)[0])
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out


def item(x: Any) -> Any:
    """`x.item()`: the one element of an array or NumPy scalar as a Python number."""
    return x.item() if hasattr(x, "item") else x


def sinc_slope(x: Any, y: Any) -> Any:
    """The derivative of `y = np.sinc(x)`: (cos(πx) - y) / x, and 0 at x = 0."""
    x = np.asarray(x)
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - y) / safe)


def unhstack(g: Any, parts: Any) -> list:
    """The adjoint of `np.hstack(parts)`: `g` cut into pieces shaped like `parts` (joined along
    the first axis for vectors and numbers, the second otherwise)."""
    shapes = [np.shape(p) for p in parts]
    axis = 0 if len(shapes[0]) <= 1 else 1
    sizes = [int(np.prod(s)) if len(s) == 0 else s[axis] for s in shapes]
    return [np.reshape(piece, s) for piece, s in zip(np.split(g, np.cumsum(sizes)[:-1], axis=axis), shapes)]


def unvstack(g: Any, parts: Any) -> list:
    """The adjoint of `np.vstack(parts)`: `g` cut into rows shaped like `parts` (a vector or a
    number is one row)."""
    shapes = [np.shape(p) for p in parts]
    sizes = [s[0] if len(s) >= 2 else 1 for s in shapes]
    return [np.reshape(piece, s) for piece, s in zip(np.split(g, np.cumsum(sizes)[:-1], axis=0), shapes)]


def untile(g: Any, a: Any, reps: Any) -> Any:
    """The adjoint of `np.tile(a, reps)`: the sum of `g`'s copies of `a`."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(a)
    d = max(len(reps), len(shape))
    reps, padded = (1,) * (d - len(reps)) + reps, (1,) * (d - len(shape)) + shape
    interleaved = [n for pair in zip(reps, padded) for n in pair]
    return np.reshape(np.sum(np.reshape(g, interleaved), axis=tuple(range(0, 2 * d, 2))), shape)


def unrepeat(g: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    """The adjoint of `np.repeat(a, repeats, axis)`: each element's copies summed."""
    shape = np.shape(a)
    flat = axis is None
    if flat:
        axis, n = 0, int(np.prod(shape))
    else:
        axis = axis % len(shape)
        n = shape[axis]
    counts = np.broadcast_to(repeats, (n,))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    g = np.asarray(g)
    if np.any(counts == 0):  # reduceat needs every piece non-empty
        out = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1 :], dtype=g.dtype)
        for i in np.flatnonzero(counts):
            out[(slice(None),) * axis + (i,)] = np.sum(np.take(g, range(starts[i], starts[i] + counts[i]), axis), axis)
        summed = out
    else:
        summed = np.add.reduceat(g, starts, axis=axis)
    return np.reshape(summed, shape) if flat else summed


def untake(g: Any, a: Any, indices: Any, axis: Any = None) -> Any:
    """The adjoint of `np.take(a, indices, axis)`: `g` added back where it was taken (repeated
    indices accumulate)."""
    g = np.asarray(g)
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(out.reshape(-1), np.asarray(indices), g)
        return out
    axis = axis % out.ndim
    moved = np.moveaxis(out, axis, 0)  # a view: writes reach out
    idx = np.asarray(indices)
    np.add.at(moved, idx, np.moveaxis(g, tuple(range(axis, axis + idx.ndim)), tuple(range(idx.ndim))))
    return out


def unsort(g: Any, a: Any, axis: Any = -1) -> Any:
    """The adjoint of `np.sort(a, axis)`: each sorted position's adjoint back where its element
    came from."""
    if axis is None:
        order = np.argsort(a, axis=None, kind="stable")
        out = np.zeros(np.size(a), dtype=np.result_type(g, float))
        out[order] = g
        return out.reshape(np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    np.put_along_axis(out, order, g, axis=axis)
    return out


def sorted_along(t: Any, a: Any, axis: Any = -1) -> Any:
    """`t` reordered as `np.sort(a, axis)` orders `a` (the tangent of a sort)."""
    if axis is None:
        return np.ravel(t)[np.argsort(a, axis=None, kind="stable")]
    return np.take_along_axis(np.asarray(t), np.argsort(a, axis=axis, kind="stable"), axis=axis)


def einsum_of(subscripts: str, a: Any, b: Any = None) -> Any:
    """`np.einsum(subscripts, a)` or `np.einsum(subscripts, a, b)`."""
    return np.einsum(subscripts, a) if b is None else np.einsum(subscripts, a, b)


def einsum_adjoint(g: Any, subscripts: str, a: Any, b: Any, which: int) -> Any:
    """The adjoint of operand `which` (0 or 1) of `np.einsum(subscripts, a[, b])`."""
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise UnsupportedValueError("astgrad differentiates np.einsum without '...' in its subscripts")
    inputs, _, out = spec.partition("->")
    specs = inputs.split(",")
    if not _:  # implicit output: the indices that appear once, in alphabetical order
        joined = "".join(specs)
        out = "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    operands = [a] if b is None else [a, b]
    target = specs[which]
    if len(set(target)) != len(target):
        raise UnsupportedValueError(
            f"astgrad differentiates np.einsum without a repeated index in one operand ({target!r})"
        )
    others = [(s, o) for j, (s, o) in enumerate(zip(specs, operands)) if j != which]
    available = set(out).union(*[set(s) for s, _ in others])
    kept = "".join(c for c in target if c in available)
    result = np.einsum(",".join([out] + [s for s, _ in others]) + "->" + kept, g, *[o for _, o in others])
    if kept != target:  # indices summed within this operand alone: the adjoint is constant along them
        result = np.expand_dims(result, tuple(i for i, c in enumerate(target) if c not in available))
    return np.broadcast_to(result, np.shape(operands[which]))


def einsum_adjoint_dot(g: Any, subscripts: str, a: Any, b: Any, a_dot: Any, b_dot: Any, which: int) -> Any:
    """How einsum_adjoint(g, subscripts, a, b, which) changes with the other operand's tangent
    (a zero tangent may come as the number 0.0)."""
    other, other_dot = (b, b_dot) if which == 0 else (a, a_dot)
    if other is None or (np.ndim(other_dot) == 0 and np.ndim(other) > 0):
        return 0.0
    if which == 0:
        return einsum_adjoint(g, subscripts, a, other_dot, 0)
    return einsum_adjoint(g, subscripts, other_dot, b, 1)


def undiagonal(g: Any, a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The adjoint of `np.diagonal(a, offset, axis1, axis2)`: `g` (the diagonal along its last
    axis) put back on that diagonal of an array of zeros shaped like `a`."""
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float))
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes reach out
    n = np.shape(g)[-1]
    i = np.arange(n)
    planes[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def median_weights(a: Any, axis: Any = None, skip_nan: bool = False) -> Any:
    """How much each element of `a` weighs in `np.median(a, axis)`, shaped like `a`: 1 at the
    middle element of each sorted run, ½ at each of the two middle ones of an even run. With
    `skip_nan` (np.nanmedian) the runs are the numbers alone: a NaN weighs 0."""
    if skip_nan:
        return quantile_weights(a, 0.5, axis, skip_nan)
    ranks, n = _ranks(a, axis)
    w = np.where(np.abs(ranks - (n - 1) / 2.0) < 0.75, 1.0 if n % 2 else 0.5, 0.0)
    return w.astype(np.result_type(a, float))


def quantile_weights(a: Any, q: Any, axis: Any = None, skip_nan: bool = False) -> Any:
    """How much each element of `a` weighs in `np.quantile(a, q, axis)` (linear interpolation, q
    a number in [0, 1]), shaped like `a`: 1 - f and f at the two sorted neighbours of the position
    q (n - 1) = i + f. With `skip_nan` (np.nanquantile) n counts each run's numbers (NaN sorts
    last, so the numbers keep their ranks) and a NaN weighs 0."""
    if np.ndim(q) != 0:
        raise UnsupportedValueError(
            "astgrad differentiates np.quantile and np.percentile of one number q, not of several"
        )
    ranks, n = _ranks(a, axis)
    if skip_nan:
        numbers = ~np.isnan(a)
        n = np.sum(numbers) if axis is None else np.sum(numbers, axis=axis, keepdims=True)
    position = float(q) * (n - 1)
    low = np.floor(position)
    frac = position - low
    w = np.where(ranks == low, 1.0 - frac, 0.0) + np.where(ranks == np.minimum(low + 1, n - 1), frac, 0.0)
    if skip_nan:
        w = np.where(numbers, w, 0.0)
    return w.astype(np.result_type(a, float))


def quantile_adjoint(g: Any, a: Any, q: Any, axis: Any = None, keepdims: bool = False, skip_nan: bool = False) -> Any:
    """The adjoint of `a` in `np.quantile(a, q, axis, keepdims=keepdims)` (linear interpolation)
    given the result's adjoint `g`; q one number or an array of them (the result's leading axes);
    `skip_nan`: np.nanquantile's (NaN gets no adjoint)."""
    if np.ndim(q) == 0:
        return unreduce(g, a, axis, keepdims) * quantile_weights(a, q, axis, skip_nan)
    q, g = np.asarray(q), np.asarray(g)
    out = np.zeros(np.shape(a), dtype=np.result_type(a, g, 1.0))
    for k in np.ndindex(q.shape):
        out = out + unreduce(g[k], a, axis, keepdims) * quantile_weights(a, q[k], axis, skip_nan)
    return out


def quantile_tangent(t: Any, a: Any, q: Any, axis: Any = None, keepdims: bool = False, skip_nan: bool = False) -> Any:
    """The tangent of `np.quantile(a, q, axis, keepdims=keepdims)` given `a`'s tangent `t` (the
    transpose of quantile_adjoint; `skip_nan`: np.nanquantile's, a NaN's tangent not read)."""
    if skip_nan:
        t = np.where(np.isnan(a), 0.0, t)
    if np.ndim(q) == 0:
        return np.sum(t * quantile_weights(a, q, axis, skip_nan), axis=axis, keepdims=keepdims)
    q = np.asarray(q)
    parts = [
        np.sum(t * quantile_weights(a, q[k], axis, skip_nan), axis=axis, keepdims=keepdims) for k in np.ndindex(q.shape)
    ]
    return np.reshape(np.array(parts), q.shape + np.shape(parts[0]))


def _ranks(a: Any, axis: Any) -> tuple[Any, int]:
    """Each element's place in its sorted run along `axis` (in all of `a` for None; ties in
    order), shaped like `a`, and the runs' length."""
    a = np.asarray(a)
    work = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis % a.ndim
    n = work.shape[ax]
    order = np.argsort(work, axis=ax, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n).reshape((n,) + (1,) * (work.ndim - ax - 1)), axis=ax)
    return ranks.reshape(a.shape), n


def linear_only(q: Any, method: str) -> Any:
    """`q`, if the quantile is interpolated linearly (NumPy's default method); else refused."""
    if method != "linear":
        raise UnsupportedValueError(
            f"astgrad differentiates np.quantile and np.percentile with method='linear', not {method!r}"
        )
    return q


def constant_argument(value: Any, label: str) -> Any:
    """Refuse a derivative with respect to an argument a rule treats as a constant (np.quantile's q)."""
    raise UnsupportedValueError(f"astgrad has no derivative with respect to {label}: pass it as a constant")


def _singular_vectors(a: Any, compute_uv: bool) -> tuple[Any, Any]:
    if compute_uv:
        raise UnsupportedValueError(
            "astgrad differentiates np.linalg.svd(a, compute_uv=False) (the singular values), not the singular vectors"
        )
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return u, vh


def singular_values_adjoint(g: Any, a: Any, compute_uv: bool = False) -> Any:
    """The adjoint of `a` in `np.linalg.svd(a, compute_uv=False)`: U diag(g) Vᵀ (distinct
    singular values)."""
    u, vh = _singular_vectors(a, compute_uv)
    return (u * np.asarray(g)[..., None, :]) @ vh


def singular_values_tangent(t: Any, a: Any, compute_uv: bool = False) -> Any:
    """The tangent of `np.linalg.svd(a, compute_uv=False)` along `t`: the diagonal of Uᵀ t V."""
    u, vh = _singular_vectors(a, compute_uv)
    return np.einsum("...ij,...ik,...jk->...j", u, t, vh)


def fmax_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of np.fmax(x, y) that goes to `x`: as np.maximum's, and all of it
    where y is NaN (fmax then returns x), none where only x is."""
    return np.where(np.isnan(y), 1.0, np.where(np.isnan(x), 0.0, max_share(x, y)))


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


def check_unshared(value: Any, label: str, other: str) -> None:
    """Refuse `label += v` where `label = other` (or the reverse) made both names one array or
    list: the write would change both, which astgrad's adjoints would not know about. A number
    is immutable: `+=` makes a new one."""
    if isinstance(value, (np.ndarray, list, dict)):
        raise UnsupportedValueError(
            f"in-place write to `{label}`, which is shared with `{other}` (one {type(value).__name__}): astgrad "
            f"cannot follow writes through aliases; make `{label}` a copy or write `{label} = {label} + ...`"
        )


def check_not_view(value: Any, label: str, source: Any = None) -> None:
    """Refuse a view where the function writes in place: through `label`, or into the array
    `label` views (Python would change both; astgrad's adjoints would not know). An array taken
    from a list, tuple or dict (`source`) is that container's element itself: refused too."""
    if isinstance(value, np.ndarray) and isinstance(source, (list, tuple, dict)):
        raise UnsupportedValueError(
            f"`{label}` is an array held in a {type(source).__name__} and the function writes in place "
            f"through it or into the {type(source).__name__}: astgrad cannot follow writes through aliases; "
            f"make it a copy (`{label} = ....copy()`) or write `{label} = {label} + ...`"
        )
    if isinstance(value, np.ndarray) and value.base is not None:
        raise UnsupportedValueError(
            f"`{label}` is a view into another array (a row or a slice) and the function writes "
            f"in place through it or into that array: astgrad cannot follow writes through views; "
            f"make it a copy (`{label} = ....copy()`) or write `{label} = {label} + ...`"
        )


def broadcast_like(t: Any, y: Any) -> Any:
    """Tangent `t` spread to the shape of its value `y` (when an inactive operand broadcast it)."""
    ys = y.shape if type(y) is np.ndarray else np.shape(y)
    ts = t.shape if type(t) is np.ndarray else np.shape(t)
    return t if ts == ys else np.broadcast_to(t, ys).copy()


def prod_others(a: Any, axis: Any = None) -> Any:
    """For each element of `a`, the product of the other elements along `axis` (no division, so
    zeros are fine): the derivative of np.prod."""
    a = np.asarray(a)
    if a.ndim == 0:  # a number (reduced over axis 0 or none): the product of no others
        return np.ones_like(a, dtype=np.result_type(a, 1.0))
    if axis is None:
        return prod_others(a.reshape(-1), 0).reshape(a.shape)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(ax % a.ndim for ax in axes)
    rest = [d for d in range(a.ndim) if d not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], -1), -1), -1)
    return np.transpose((left * right).reshape(moved.shape), np.argsort(rest + list(axes)))


def respecialize(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run gradient `fn` on arguments, or for a program, its code was not generated for: its
    guard failed (specialize.py, assumptions.py)."""
    owner = getattr(fn, "__astgrad_owner__", fn)
    spec = owner.__dict__.get("__astgrad_specializer__")
    if spec is None:
        raise UnsupportedValueError(
            f"{fn.__name__} was generated for arguments of other types or shapes, or for a program "
            f"that has changed since; generate it again with astgrad.grad (or astgrad.source(..., args=...))"
        )
    return spec.call(args, kwargs)


# --- linear algebra (rules/linalg_rules.py) -------------------------------------------------------


# NumPy 2 reads a one-dimensional right-hand side b of np.linalg.solve(a, b) as a vector;
# NumPy 1 reads b as a stack of vectors whenever b.ndim == a.ndim - 1
_SOLVE_VECTOR_IS_1D = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def solve_columns(v: Any, a: Any, b: Any) -> Any:
    """`v`, shaped like the right-hand side `b` of np.linalg.solve(a, b) or like its result, as a
    stack of matrices: with a trailing axis of length 1 when NumPy reads `b` as a vector (or a
    stack of vectors), as it is otherwise."""
    vector = np.ndim(b) == 1 if _SOLVE_VECTOR_IS_1D else np.ndim(b) == np.ndim(a) - 1
    return np.expand_dims(v, -1) if vector else v


def norm_order(ord: Any, axis: Any, x: Any) -> float:
    """The p for which `np.linalg.norm(x, ord, axis)` is the p-norm (Σ|x|^p)^(1/p) over `axis`:
    2.0 for the default and the Frobenius norm, ord itself for a finite nonzero vector norm.
    Raises ValueError for the norms astgrad has no derivative rule for."""
    if ord is None or isinstance(ord, str) and ord in ("fro", "f"):
        return 2.0
    matrix = np.ndim(x) == 2 if axis is None else np.ndim(axis) == 1 and len(axis) == 2
    if isinstance(ord, str) or matrix or not np.isfinite(ord) or ord == 0:
        kind = "matrix" if matrix else "vector"
        raise UnsupportedValueError(
            f"astgrad has no second derivative rule for np.linalg.norm with ord={ord!r} (a {kind} norm): it "
            f"has those of the default and Frobenius norms and the vector p-norms of finite nonzero p"
        )
    return float(ord)


def norm_weight(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """The derivative of `y = np.linalg.norm(x, ord, axis, keepdims)` with respect to each element
    of x, shaped like x: x / y for the default and Frobenius norms, sign(x) (|x| / y)^(p-1) for a
    vector p-norm, runtime_extra.norm_slope for the others (their second derivatives are refused by
    norm_order)."""
    from .runtime_extra import is_p_norm, norm_slope

    if not is_p_norm(ord, axis, x):  # matrix 2, -2, nuc, ±1, ±inf; vector ±inf and 0
        return norm_slope(x, y, ord, axis, keepdims)
    p = norm_order(ord, axis, x)
    scale = unreduce(y, x, axis, keepdims)
    if p == 2.0:
        return x / scale
    return np.sign(x) * (np.abs(x) / scale) ** (p - 1.0)


# --- tensordot, inner, kron, cross, pad, cumprod, average, split, cholesky, eigh, matrix_power ---
# (rules/more_rules.py; the rules of these helpers are at the end of rules/runtime_rules.py)


def _tensordot_axes(nd_a: int, nd_b: int, axes: Any) -> tuple[list[int], list[int]]:
    """The contracted axes of `np.tensordot(a, b, axes)` as two lists of nonnegative axes."""
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(nd_a - n, nd_a)), list(range(n))
    ax_a, ax_b = axes
    ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
    ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    return [int(i) % nd_a for i in ax_a], [int(j) % nd_b for j in ax_b]


def _tensordot_parts(g: Any, a: Any, b: Any, axes: Any) -> tuple:
    """(a's contracted axes, b's, a's free axes, b's, g broadcast to the result's shape)."""
    sa, sb = np.shape(a), np.shape(b)
    ax_a, ax_b = _tensordot_axes(len(sa), len(sb), axes)
    free_a = [i for i in range(len(sa)) if i not in ax_a]
    free_b = [j for j in range(len(sb)) if j not in ax_b]
    g = np.broadcast_to(g, tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))
    return ax_a, ax_b, free_a, free_b, g


def tensordot_left(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """The adjoint of `a` in `np.tensordot(a, b, axes)` given the result's adjoint `g` (`a` is
    read for its shape only)."""
    ax_a, ax_b, free_a, free_b, g = _tensordot_parts(g, a, b, axes)
    # contract g's trailing (b-free) axes with b's free axes: left are a's free axes, then b's
    # contracted axes in increasing order, each standing for the axis of `a` it met
    out = np.tensordot(g, b, axes=(list(range(len(free_a), g.ndim)), free_b))
    met = [ax_a[k] for k in sorted(range(len(ax_b)), key=lambda k: ax_b[k])]
    return np.transpose(out, np.argsort(free_a + met))


def tensordot_right(g: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    """The adjoint of `b` in `np.tensordot(a, b, axes)` given the result's adjoint `g` (`b` is
    read for its shape only)."""
    ax_a, ax_b, free_a, free_b, g = _tensordot_parts(g, a, b, axes)
    # contract a's free axes with g's leading ones: left are a's contracted axes in increasing
    # order, each standing for the axis of `b` it met, then b's free axes
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    met = [ax_b[k] for k in sorted(range(len(ax_a)), key=lambda k: ax_a[k])]
    return np.transpose(out, np.argsort(met + free_b))


def inner_axes(a: Any, b: Any) -> Any:
    """The `axes` of the np.tensordot that np.inner(a, b) is: the last axis of each, or none (a
    product) when either is a number."""
    nd_a, nd_b = np.ndim(a), np.ndim(b)
    return 0 if nd_a == 0 or nd_b == 0 else ([nd_a - 1], [nd_b - 1])


def _kron_shapes(a: Any, b: Any) -> tuple[tuple, tuple, list[int]]:
    """The shapes of `a` and `b` padded with leading 1s to one length, and the interleaved shape
    (a0, b0, a1, b1, ...) the result of np.kron(a, b) reshapes to."""
    sa, sb = np.shape(a), np.shape(b)
    d = max(len(sa), len(sb))
    pa, pb = (1,) * (d - len(sa)) + tuple(sa), (1,) * (d - len(sb)) + tuple(sb)
    return pa, pb, [n for pair in zip(pa, pb) for n in pair]


def unkron_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `np.kron(a, b)`: each block of `g` weighted by `b` and summed."""
    pa, pb, inter = _kron_shapes(a, b)
    blocks = np.reshape(np.broadcast_to(g, tuple(x * y for x, y in zip(pa, pb))), inter)
    spread = np.reshape(b, [n for m in pb for n in (1, m)])
    return np.reshape(np.sum(blocks * spread, axis=tuple(range(1, len(inter), 2))), np.shape(a))


def unkron_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `np.kron(a, b)`: the blocks of `g` weighted by the elements of `a`
    and summed."""
    pa, pb, inter = _kron_shapes(a, b)
    blocks = np.reshape(np.broadcast_to(g, tuple(x * y for x, y in zip(pa, pb))), inter)
    spread = np.reshape(a, [n for m in pa for n in (m, 1)])
    return np.reshape(np.sum(blocks * spread, axis=tuple(range(0, len(inter), 2))), np.shape(b))


def cross_vectors(g: Any, a: Any, b: Any) -> Any:
    """`g`, after checking that np.cross(a, b) crosses 3-vectors (along the last axis): the
    derivative rule of np.cross covers those only."""
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 0 or len(sb) == 0 or sa[-1] != 3 or sb[-1] != 3:
        raise UnsupportedValueError(
            f"astgrad differentiates np.cross of 3-vectors (stacked along the last axis) only; "
            f"got operands of shapes {sa} and {sb}"
        )
    return g


def pad_mode(mode: Any) -> str:
    """'constant', or ValueError for the np.pad modes astgrad has no derivative rule for."""
    if not (isinstance(mode, str) and mode == "constant"):
        raise UnsupportedValueError(f"astgrad differentiates np.pad with mode='constant' only (got mode={mode!r})")
    return mode


def unpad(g: Any, x: Any, pad_width: Any, mode: Any = "constant") -> Any:
    """The adjoint of `x` in `np.pad(x, pad_width, mode)`: the part of `g` where `x` went."""
    pad_mode(mode)
    shape = np.shape(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (len(shape), 2))
    g = np.broadcast_to(g, tuple(n + int(w[0]) + int(w[1]) for n, w in zip(shape, widths)))
    return g[tuple(slice(int(w[0]), int(w[0]) + n) for n, w in zip(shape, widths))]


def pad_constant_sum(g: Any, x: Any, pad_width: Any, constant_values: Any = 0) -> Any:
    """The adjoint of a differentiated `constant_values` of np.pad(x, pad_width, constant_values=c):
    the sum of `g` over the padding. Raises ValueError unless `c` is one number."""
    if np.ndim(constant_values) != 0:
        raise UnsupportedValueError(
            "astgrad differentiates np.pad's constant_values only as one number "
            f"(got one of shape {np.shape(constant_values)})"
        )
    return np.sum(g) - np.sum(unpad(g, x, pad_width))


def cumprod_axis(axis: Any) -> int:
    """The axis np.cumprod(a, axis) runs along in flat_if_none(a, axis)."""
    return 0 if axis is None else axis


def flat_if_none(a: Any, axis: Any) -> Any:
    """`a` flattened when `axis` is None (as np.cumprod flattens it), else `a`."""
    return np.ravel(a) if axis is None else a


def _shift(x: Any, axis: int, down: bool, fill: float) -> Any:
    x = np.asarray(x)
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=np.result_type(x, 1.0))
    if moved.shape[-1]:
        if down:
            out[..., 1:], out[..., 0] = moved[..., :-1], fill
        else:
            out[..., :-1], out[..., -1] = moved[..., 1:], fill
    return np.moveaxis(out, -1, axis)


def shift_down(x: Any, axis: int = 0, fill: float = 0.0) -> Any:
    """`x` moved one place along `axis` towards its end: out[k] = x[k-1], out[0] = fill."""
    return _shift(x, axis, True, fill)


def shift_up(x: Any, axis: int = 0) -> Any:
    """`x` moved one place along `axis` towards its start: out[k] = x[k+1], out[-1] = 0."""
    return _shift(x, axis, False, 0.0)


def _recurrence(g: Any, a: Any, axis: int, forward: bool) -> Any:
    g, a = np.asarray(g), np.asarray(a)
    shape = np.broadcast_shapes(g.shape, a.shape)
    gm = np.moveaxis(np.broadcast_to(g, shape), axis, -1)
    am = np.moveaxis(np.broadcast_to(a, shape), axis, -1)
    out = np.empty(gm.shape, dtype=np.result_type(g, a, 1.0))
    n = gm.shape[-1]
    steps = range(n) if forward else range(n - 1, -1, -1)
    acc = None
    for k in steps:  # a product never divided: zeros in `a` are fine
        if acc is None:
            acc = gm[..., k].copy()
        else:
            acc = gm[..., k] + (am[..., k] if forward else am[..., k + 1]) * acc
        out[..., k] = acc
    return np.moveaxis(out, -1, axis)


def rev_recurrence(g: Any, a: Any, axis: int = 0) -> Any:
    """s along `axis` with s[k] = g[k] + a[k+1] s[k+1] and s[-1] = g[-1], that is,
    s[j] = Σ_{i≥j} g[i] a[j+1] ⋯ a[i]: with the exclusive products of `a`, the adjoint of
    np.cumprod(a) (no division, so zeros in `a` are fine)."""
    return _recurrence(g, a, axis, forward=False)


def fwd_recurrence(h: Any, a: Any, axis: int = 0) -> Any:
    """f along `axis` with f[k] = h[k] + a[k] f[k-1] and f[0] = h[0], that is,
    f[i] = Σ_{j≤i} h[j] a[j+1] ⋯ a[i]: the tangent of np.cumprod, and the adjoint of
    rev_recurrence as a linear map of its first argument (and the reverse)."""
    return _recurrence(h, a, axis, forward=True)


def _normal_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(ax) % ndim for ax in axes)


def _placed_shape(a: Any, weights: Any, axis: Any) -> tuple:
    """The shape of average_weights(weights, a, axis): the weights' axes where they meet `a`'s."""
    sa, sw = np.shape(a), np.shape(weights)
    if sw == sa or axis is None:
        return sw
    placed = [1] * len(sa)
    for n, ax in zip(sw, _normal_axes(axis, len(sa))):
        placed[ax] = n
    return tuple(placed)


def average_weights(weights: Any, a: Any, axis: Any = None, returned: bool = False) -> Any:
    """The weights of `np.average(a, axis, weights)` placed to broadcast against `a` (1.0
    without weights: a 0-d one). Raises ValueError for returned=True, which astgrad does not differentiate."""
    if returned:
        raise UnsupportedValueError(
            "astgrad differentiates np.average with returned=False only; divide np.sum(a * w, axis) by "
            "np.sum(w, axis) to get both"
        )
    if weights is None:
        return np.ones((), dtype=np.result_type(np.asarray(a), 1.0))
    w = np.asarray(weights)
    nd = np.ndim(a)
    if w.shape == np.shape(a) or axis is None:
        return w
    k = w.ndim
    return np.moveaxis(np.reshape(w, (1,) * (nd - k) + w.shape), tuple(range(nd - k, nd)), _normal_axes(axis, nd))


def unweights(g: Any, a: Any, weights: Any, axis: Any = None) -> Any:
    """The adjoint of the `weights` of np.average given `g`, the adjoint of the placed weights
    (shaped like them, or like `a`): summed to the placed shape, then put back in the weights'
    order (the adjoint of average_weights)."""
    placed, sw = _placed_shape(a, weights, axis), np.shape(weights)
    g = np.asarray(g)
    full = np.broadcast_shapes(g.shape, placed)
    g = np.broadcast_to(g, full)
    extra = len(full) - len(placed)
    summed = tuple(i for i in range(len(full)) if i < extra or (placed[i - extra] == 1 and full[i] != 1))
    if summed:
        g = np.sum(g, axis=summed, keepdims=True)
    g = np.reshape(g, placed)
    if sw == placed:
        return g
    nd, k = len(placed), len(sw)
    return np.reshape(np.moveaxis(g, _normal_axes(axis, nd), tuple(range(nd - k, nd))), sw)


def unsplit(g: Any, ary: Any, indices_or_sections: Any, axis: int = 0) -> Any:
    """The adjoint of `np.split(ary, indices_or_sections, axis)` (or np.array_split) given the
    pieces' adjoints `g`: the pieces joined again (each a zero array or a broadcast value)."""
    shape = list(np.shape(ary))
    axis = axis % len(shape)
    pieces = np.array_split(np.arange(shape[axis]), indices_or_sections)
    parts = []
    for idx, piece in zip(pieces, g):
        shape[axis] = len(idx)
        parts.append(np.broadcast_to(piece, tuple(shape)))
    return np.concatenate(parts, axis=axis)


def factor_lower(x: Any, upper: bool = False) -> Any:
    """`x` transposed (last two axes) when `upper`: np.linalg.cholesky(a, upper=True) is the
    transposed lower factor."""
    return np.swapaxes(x, -1, -2) if upper else x


def triangle_of(upper: bool) -> str:
    """The triangle np.linalg.cholesky(a, upper=upper) reads."""
    return "U" if upper else "L"


def eigh_gaps(w: Any, vbar: Any = None) -> Any:
    """F with F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it, for eigenvalues `w` (last
    axis): how eigenvectors turn. Where two eigenvalues (nearly) coincide their eigenvectors have
    no derivative: with the eigenvectors' adjoint `vbar` nonzero this raises ValueError, with a
    zero one the entry is 0 (it is multiplied by zero), without one (forward mode) it is NaN."""
    w = np.asarray(w)
    gap = w[..., None, :] - w[..., :, None]
    n = w.shape[-1]
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None] if n else 0.0
    close = (np.abs(gap) <= np.sqrt(np.finfo(np.result_type(w, 1.0)).eps) * scale) & ~np.eye(n, dtype=bool)
    off = ~np.eye(n, dtype=bool) & ~close
    out = np.divide(1.0, gap, out=np.zeros(gap.shape, dtype=np.result_type(w, 1.0)), where=off)
    if close.any():
        if vbar is None:
            out[close] = np.nan
        elif np.any(np.asarray(vbar) != 0):
            raise UnsupportedValueError(
                "np.linalg.eigh: the eigenvectors are differentiated but eigenvalues are (nearly) repeated "
                "(their eigenvectors are not unique, so they have no derivative); differentiate only the "
                "eigenvalues, or a function of the eigenvectors that does not depend on the choice within "
                "an eigenspace, written without them (e.g. the matrix itself)"
            )
    return out


def block_upper(a: Any, e: Any) -> Any:
    """The block matrix [[a, e], [0, a]] (last two axes; `a` or `e` may be the number 0): a
    matrix function of it has the derivative of the function at `a` along `e` as its upper
    right block."""
    a, e = np.asarray(a), np.asarray(e)
    shape = np.broadcast_shapes(a.shape, e.shape)
    m = shape[-1]
    out = np.zeros(shape[:-2] + (2 * m, 2 * m), dtype=np.result_type(a, e, 1.0))
    out[..., :m, :m] = a
    out[..., m:, m:] = a
    out[..., :m, m:] = e
    return out


def upper_right(x: Any) -> Any:
    """The upper right quarter of `x` (last two axes)."""
    m = np.shape(x)[-1] // 2
    return x[..., :m, m:]


def diag_blocks_sum(x: Any) -> Any:
    """The sum of the upper left and lower right quarters of `x` (the adjoint of block_upper's `a`)."""
    m = np.shape(x)[-1] // 2
    return x[..., :m, :m] + x[..., m:, m:]


# --- the helpers of the rules added for breadth (scipy.special, nan-reductions, fft, ...) live in
# runtime_extra.py; generated code imports them from here, the one stable path
from .runtime_extra import *  # noqa: E402, F403
