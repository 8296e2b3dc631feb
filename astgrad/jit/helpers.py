"""numba versions of the runtime helpers that specialised gradient code calls (astgrad.runtime).

Each is registered with `numba.extending.overload` on the very function object generated code
names, so code compiled by numba calls these where the Python code calls astgrad.runtime. A helper
without an entry here stops compilation with numba's "Untyped global name", which jit/compiler.py turns
into an AstgradError naming the helper and the user's line. Importing this module imports numba.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from .. import runtime


def _is_array(t: types.Type) -> bool:
    return isinstance(t, types.Array)


def _is_number(t: types.Type) -> bool:
    return isinstance(t, (types.Number, types.Boolean))


@overload(runtime.copy_of)
def _copy_of(value):
    if _is_array(value):
        return lambda value: value.copy()
    if _is_number(value):
        return lambda value: value
    raise TypingError(f"copy_of of a {value}")


@overload(runtime.deep_copy_of)
def _deep_copy_of(value):
    """Arrays copied, through tuples (an aux the function returns: `(s[n - 1], s)`)."""
    if _is_array(value):
        return lambda value: value.copy()
    if _is_number(value) or isinstance(value, (types.NoneType, types.UnicodeType)):
        return lambda value: value
    if isinstance(value, types.BaseTuple):
        return _per_element(runtime.deep_copy_of, len(value))
    raise TypingError(f"deep_copy_of of a {value}")


def _per_element(helper, n: int):
    """`lambda value: (helper(value[0]), ..., helper(value[n - 1]))`: a tuple's elements each
    through `helper` (numba types each element on its own)."""
    items = "".join(f"helper(value[{k}]), " for k in range(n))
    scope = {"helper": helper}
    exec(f"def each(value):\n    return ({items})\n", scope)
    return scope["each"]


@overload(runtime.owned_copy)
def _owned_copy(g):
    if _is_array(g):
        return lambda g: g.astype(np.float64) if g.dtype.kind != "f" else g.copy()  # noqa: E731
    if _is_number(g):
        return lambda g: g
    raise TypingError(f"owned_copy of a {g}")


@overload(runtime.zeros_like)
def _zeros_like(x):
    if _is_array(x):
        if isinstance(x.dtype, types.Float):
            return lambda x: np.zeros(x.shape, x.dtype)
        return lambda x: np.zeros(x.shape, np.float64)
    if isinstance(x, (types.Integer, types.Float)):
        return lambda x: 0.0
    raise TypingError(f"zeros_like of a {x}")


@overload(runtime.unbroadcast)
def _unbroadcast(g, x):
    """Only what specialised code leaves: equal shapes, or an array summed to a number."""
    if _is_number(g) and _is_number(x):
        return lambda g, x: g
    if _is_array(g) and _is_number(x):
        return lambda g, x: np.sum(g)
    if _is_array(g) and _is_array(x) and g.ndim == x.ndim:

        def same(g, x):
            if g.shape != x.shape:
                raise ValueError("unbroadcast: the compiled gradient does not sum broadcast axes")
            return g

        return same
    raise TypingError(f"unbroadcast from {g} to {x} (broadcasting between different ranks)")


@overload(runtime.push)
def _push(tape, value):
    def push(tape, value):
        tape.append(value)

    return push


@overload(runtime.pop)
def _pop(tape):
    return lambda tape: tape.pop()


@overload(runtime.check_scalar)
def _check_scalar(*values):
    for v in values:
        if _is_array(v) and v.ndim > 0:
            raise TypingError("grad needs a function with a scalar output, but it returns an array")
    return lambda *values: None


@overload(runtime.item)
def _item(x):
    if _is_array(x):
        return lambda x: x.item()
    return lambda x: x


@overload(runtime.sign_of)
def _sign_of(x):
    if _is_array(x):
        return lambda x: np.sign(x)
    return lambda x: 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def put(stack, index, value):
    """`stack[index] = value`, for a tape's array (jit/compiler.py): numba would convert a value of another
    type on the way in (a float into an int64 stack truncates), so its numba version refuses one."""
    stack[index] = value


@overload(put)
def _put(stack, index, value):
    if not (_is_array(stack) and value == stack.dtype):
        raise TypingError(
            f"astgrad: the tape saves a {value} in a stack of {getattr(stack, 'dtype', stack)} (the type of "
            "the values saved at the first call): a name that holds numbers of several types"
        )

    def put(stack, index, value):
        stack[index] = value

    return put


class TapeFull(Exception):
    """A compiled gradient's tape stack is full: the caller runs it again with twice the room."""


def _no_axis(axis) -> bool:
    return axis is None or isinstance(axis, (types.NoneType, types.Omitted))


@overload(runtime.unreduce)
def _unreduce(g, x, axis=None, keepdims=False):
    """Only the reduction of a whole array (axis None) to a number."""
    if not (_no_axis(axis) and _is_number(g)):
        raise TypingError(f"unreduce of a {g} over axis {axis}")
    if _is_number(x):
        return lambda g, x, axis=None, keepdims=False: g
    if _is_array(x) and isinstance(x.dtype, types.Float):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g, x.dtype)
    if _is_array(x):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g, np.float64)
    raise TypingError(f"unreduce to a {x}")


@overload(runtime.extremum_mask)
def _extremum_mask(x, y, axis=None, keepdims=False):
    """Only the extremum of a whole array (axis None)."""
    if not (_no_axis(axis) and _is_array(x) and _is_number(y)):
        raise TypingError(f"extremum_mask of a {x} over axis {axis}")

    if isinstance(x.dtype, types.Float):
        return lambda x, y, axis=None, keepdims=False: ((x == y) / np.sum(x == y)).astype(x.dtype)
    return lambda x, y, axis=None, keepdims=False: (x == y) / np.sum(x == y)


@overload(runtime.prod_others)
def _prod_others(a, axis=None):
    """Only the product of a whole array (axis None): each element's product of the others."""
    if not (_no_axis(axis) and _is_array(a)):
        raise TypingError(f"prod_others of a {a} over axis {axis}")

    def others(a, axis=None):
        flat = a.ravel()
        out = np.empty(flat.shape[0], np.float64)
        left = 1.0
        for i in range(flat.shape[0]):
            out[i] = left
            left *= flat[i]
        right = 1.0
        for i in range(flat.shape[0] - 1, -1, -1):
            out[i] *= right
            right *= flat[i]
        return out.reshape(a.shape)

    return others


@overload(runtime.rows_like)
def _rows_like(rows, value):
    """The rows as they are, where the steps are of their dtype (float64) or numbers; float32 steps
    (read back as float32 in Python) are refused: numba gives a function one result type."""
    if _is_array(rows) and (_is_number(value) or (_is_array(value) and value.dtype == rows.dtype)):
        return lambda rows, value: rows
    raise TypingError(f"rows_like of {rows} for steps of {value}")


@overload(runtime.check_sequence)
def _check_sequence(seq):
    """An array is walked by position: nothing to check (the arguments of compiled code are
    numbers and arrays)."""
    if _is_array(seq):
        return lambda seq: None
    raise TypingError(f"a for loop over a {seq}")


@overload(runtime.broadcast_like)
def _broadcast_like(t, y):
    """Tangent `t` spread to the shape of its value `y`."""
    if _is_number(t) and _is_number(y):
        return lambda t, y: t
    if _is_number(t) and _is_array(y):
        return lambda t, y: np.full(y.shape, t)
    if _is_array(t) and _is_array(y):
        if t.ndim == y.ndim:
            return lambda t, y: t if t.shape == y.shape else np.broadcast_to(t, y.shape).copy()
        return lambda t, y: np.broadcast_to(t, y.shape).copy()
    raise TypingError(f"broadcast_like of a {t} to a {y}")
