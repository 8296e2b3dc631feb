"""The run-time helpers the others build on: undoing broadcasting and reductions, differences and
triangles."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SequenceArithmeticError, UnsupportedValueError


def unreduce(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Spread the adjoint of a reduction over `axis` back to the shape of `x`."""
    xs = x.shape if type(x) is np.ndarray else np.shape(x)
    if type(g) is float and isinstance(x, (np.ndarray, np.floating)) and x.dtype.kind == "f":
        g = x.dtype.type(g)  # a float32 input keeps a float32 gradient (a float32 scalar too)
    if axis is not None and not keepdims:
        g = expand_reduced(g, axis, len(xs))
    return np.broadcast_to(g, xs)


_EXPANSIONS: dict = {}  # (axis, ndim) → the index inserting the reduced axes, the reduced rank


def _expansion(axis: Any, ndim: int) -> tuple[tuple, int]:
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    kept = {a % ndim for a in axes}
    return tuple(None if k in kept else slice(None) for k in range(ndim)), ndim - len(kept)


def expand_reduced(g: Any, axis: Any, ndim: int) -> Any:
    """`g` with length-1 axes inserted where a reduction over `axis` of an ndim-array removed them."""
    if ndim == 0:
        return g  # a number reduced over axis 0 (NumPy allows it) is that number: nothing removed
    if type(g) is np.ndarray:
        try:
            index, reduced = _EXPANSIONS[axis, ndim]
        except KeyError:
            index, reduced = _EXPANSIONS.setdefault((axis, ndim), _expansion(axis, ndim))
        except TypeError:  # (an axis given as a list)
            index, reduced = _expansion(axis, ndim)
        if g.ndim == reduced:
            return g[index]
    if type(axis) is int:
        a = axis % ndim
        return np.asarray(g)[(slice(None),) * a + (None,)]
    axes = axis if type(axis) is tuple else (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if type(g) is np.ndarray and g.ndim + len(axes) == ndim:
        kept = {a % ndim for a in axes}
        return g[tuple(None if k in kept else slice(None) for k in range(ndim))]
    return np.expand_dims(g, tuple(a % ndim for a in axes))


def _has_nan(y: Any) -> bool:
    """Whether `y` holds a NaN."""
    if type(y) is np.ndarray and y.dtype.kind == "f" and y.size:
        top = y.max()  # (NaN wherever an element is: one reduction, not a mask and its any())
        return bool(top != top)
    return np.asarray(y).dtype.kind in "fc" and bool(np.isnan(y).any())


def extremum_mask(x: Any, y: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Where `x` attains its reduced max/min `y`, ties sharing equally."""
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    hit = x == (y if axis is None or keepdims else expand_reduced(y, axis, x.ndim))
    if axis is None:  # (a cast and an in-place division: a boolean array divided is far slower)
        mask = np.asarray(hit).astype(x.dtype if x.dtype.kind == "f" else np.float64)  # (float32 stays)
        ties = np.count_nonzero(hit)
        if ties != 1:
            mask /= ties
        return mask if mask.ndim else mask[()]  # (of a number, a number)
    if np.count_nonzero(hit) == (y.size if type(y) is np.ndarray else np.size(y)) and not _has_nan(y):
        # one hit per reduced slice (a slice without NaN has at least one): no ties to share
        return hit.astype(x.dtype if x.dtype.kind == "f" else np.float64)
    mask = hit / np.sum(hit, axis=axis, keepdims=True)
    return mask.astype(x.dtype) if x.dtype.kind == "f" and x.dtype != mask.dtype else mask  # (float32 stays)


def complex_valued(v: Any) -> bool:
    """Whether `v` is a complex number or array."""
    return getattr(getattr(v, "dtype", None), "kind", "") == "c" or type(v) is complex


def real_for(g: Any, x: Any) -> Any:
    """The adjoint `g` of a real `x` is real: g's real part where g is complex and x is not (a real
    input multiplied by a complex constant), as JAX and autograd give; else g itself."""
    return np.real(g) if complex_valued(g) and not np.iscomplexobj(x) else g


def unbroadcast(g: Any, x: Any) -> Any:
    """Sum the adjoint `g` down to the shape of `x` (undoing NumPy broadcasting); of a real `x`,
    the real part of a complex `g` (see real_for)."""
    if type(g) is not float and complex_valued(g) and not np.iscomplexobj(x):
        g = np.real(g)
    gs = g.shape if type(g) is np.ndarray else () if type(g) is float else np.shape(g)
    xs = x.shape if type(x) is np.ndarray else () if type(x) in (float, int) else np.shape(x)
    if gs == xs:
        return g
    if type(g) is list and type(x) in (list, tuple) and len(g) != len(x):
        raise SequenceArithmeticError()
    extra = len(gs) - len(xs)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    elif extra < 0:  # g broadcast *from* a smaller shape: expand it to x's shape
        return np.broadcast_to(g, xs)
    axes = tuple(i for i, (a, b) in enumerate(zip(np.shape(g), xs)) if b == 1 and a != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != xs:
        if type(x) in (list, tuple) and any(a != b and a != 1 for a, b in zip(np.shape(g), xs)):
            raise SequenceArithmeticError()  # (no broadcast makes x's shape this one: a join or repetition)
        g = np.broadcast_to(g, xs)
    return g


def undiff(g: Any, n: int = 1, axis: int = -1) -> Any:
    """The adjoint of `np.diff(a, n, axis)`: each difference's adjoint given back with its signs."""
    for _ in range(n):
        g = np.asarray(g)
        pad = [(0, 0)] * g.ndim
        pad[axis % g.ndim] = (1, 1)
        g = -np.diff(np.pad(g, pad), axis=axis)
    return g


def slab_shape(a: Any, axis: int, v: Any) -> tuple:
    """The shape of what `np.diff(a, axis=axis, prepend=v)` puts before a (or append after it):
    a's, with v's length along `axis` (one for a number, which NumPy spreads over the slab)."""
    shape = list(np.shape(a))
    shape[axis % len(shape)] = 1 if np.ndim(v) == 0 else np.shape(v)[axis]
    return tuple(shape)


def _uplo(uplo: Any) -> str:
    u = str(uplo).upper()
    if u not in ("L", "U"):
        raise UnsupportedValueError(f"UPLO must be 'L' or 'U' (got {uplo!r})")
    return u


def from_triangle(x: Any, uplo: Any = "L") -> Any:
    """The symmetric matrix (last two axes) NumPy reads from the lower (uplo 'L') or upper ('U')
    triangle of `x`, as np.linalg.cholesky and np.linalg.eigh do."""
    x = np.asarray(x)
    if _uplo(uplo) == "L":
        return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)
    return np.triu(x) + np.swapaxes(np.triu(x, 1), -1, -2)


def to_triangle(g: Any, uplo: Any = "L") -> Any:
    """The adjoint of from_triangle: g_ij + g_ji below (above) the diagonal, g_ii on it, 0 in the
    triangle NumPy does not read."""
    g = np.asarray(g)
    gt = np.swapaxes(g, -1, -2)
    if _uplo(uplo) == "L":
        return np.tril(g) + np.tril(gt, -1)
    return np.triu(g) + np.triu(gt, 1)


def tril_half(x: Any) -> Any:
    """The lower triangle of `x` (last two axes) with its diagonal halved."""
    x = np.asarray(x)
    return np.tril(x) - 0.5 * x * np.eye(x.shape[-1], dtype=np.result_type(x, 1.0))


# every function defined here (not the imports) is re-exported by astgrad.runtime
__all__ = [
    n
    for n, v in list(globals().items())
    if callable(v) and getattr(v, "__module__", None) == __name__ and not n.startswith("_")
]
