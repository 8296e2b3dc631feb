"""Small helpers that generated gradient code calls at run time."""

from __future__ import annotations

from typing import Any

import numpy as np


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum the adjoint `g` down to the shape of `x` (undoing NumPy broadcasting)."""
    xs = np.shape(x)
    gs = np.shape(g)
    if gs == xs:
        return g
    extra = len(gs) - len(xs)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    elif extra < 0:  # g broadcast *from* a smaller shape: expand it to x's shape
        return np.broadcast_to(g, xs)
    axes = tuple(i for i, (a, b) in enumerate(zip(np.shape(g), xs)) if b == 1 and a != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != xs:
        g = np.broadcast_to(g, xs)
    return g


def unreduce(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Spread the adjoint of a reduction over `axis` back to the shape of `x`."""
    xs = np.shape(x)
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(xs) for a in axes))
    return np.broadcast_to(g, xs)


def reduce_size(x: Any, axis: Any = None) -> int:
    """How many elements a reduction over `axis` combines."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


def extremum_mask(x: Any, y: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Where `x` attains its reduced max/min `y`, ties sharing equally."""
    hit = np.asarray(x) == unreduce(y, x, axis, keepdims)
    return hit / np.sum(hit, axis=axis, keepdims=True)


def select_share(x: Any, y: Any) -> Any:
    """The share of the adjoint of maximum(x, y)/minimum(x, y) that goes to `x`: 1, 0, or ½ at ties."""
    return np.where(x == y, 0.5, 1.0) if np.ndim(x) or np.ndim(y) else (0.5 if x == y else 1.0)


def zeros_like(x: Any) -> Any:
    """A zero adjoint of the same shape and (floating) type as `x`."""
    if isinstance(x, (float, int)):
        return 0.0
    x = np.asarray(x)
    return np.zeros(x.shape, x.dtype if np.issubdtype(x.dtype, np.inexact) else float)


def unindex(g: Any, x: Any, index: Any) -> Any:
    """The adjoint of `x[index]`: zeros shaped like `x` with `g` added at `index`."""
    out = zeros_like(x)
    if np.ndim(out) == 0:
        return g
    np.add.at(out, index, g)
    return out


def add_at(buf: Any, index: Any, g: Any) -> Any:
    """Add `g` into `buf[index]` in place (repeated indices accumulate) and return `buf`."""
    np.add.at(buf, index, g)
    return buf


def push(tape: list, value: Any) -> None:
    """Save a value the backward pass will need after the forward pass overwrites it."""
    tape.append(value)


def pop(tape: list) -> Any:
    """Take back the value saved last."""
    return tape.pop()


def copy_of(value: Any) -> Any:
    """An independent copy of an array region (views would change with their base)."""
    return value.copy() if isinstance(value, np.ndarray) else value


def matmul_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `a @ b` (also `np.dot`) given the result's adjoint `g`."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if b_nd == 1:
        return np.multiply.outer(g, b) if a_nd > 1 else g * b
    if a_nd == 1:
        return np.dot(b, g) if b_nd == 2 else unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `a @ b` (also `np.dot`) given the result's adjoint `g`."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    if a_nd == 1:
        return np.multiply.outer(a, g) if b_nd > 1 else g * a
    if b_nd == 1:
        return np.dot(g, a) if a_nd == 2 else unbroadcast(np.matmul(g[..., None, :], a)[..., 0, :], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def owned_copy(g: Any) -> Any:
    """A writable float array holding adjoint `g` (which may be a shared or read-only view)."""
    return np.array(g, dtype=np.result_type(g, 1.0))


def check_scalar(out: Any) -> None:
    """Raise a clear error unless `out` (the output grad differentiates) is a scalar."""
    if type(out) is float or np.ndim(out) == 0:
        return
    raise ValueError(
        f"grad needs a function with a scalar output, but it returned an array of "
        f"shape {np.shape(out)}; use astgrad.jacobian, or sum the output"
    )
