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


@overload(runtime.abs_slope)
def _abs_slope(x):
    """sign(x) for a real x (np.abs's derivative); a complex x is refused."""
    if _is_array(x) and isinstance(x.dtype, (types.Float, types.Integer)):
        return lambda x: np.sign(x)
    if isinstance(x, (types.Float, types.Integer)):
        return lambda x: 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x
    raise TypingError(f"abs_slope of a {x}")


@overload(runtime.clip_share)
def _clip_share(a, a_min, a_max, which):
    """As runtime.clip_share, for a real a and bounds that are numbers or None (arrays of bounds:
    refused)."""
    if not all(isinstance(b, (types.Float, types.Integer, types.NoneType)) for b in (a_min, a_max)):
        raise TypingError(f"clip_share with bounds {a_min} and {a_max}")
    if not (_is_number(a) or (_is_array(a) and isinstance(a.dtype, (types.Float, types.Integer)))):
        raise TypingError(f"clip_share of a {a}")
    lo_text = "-np.inf" if isinstance(a_min, types.NoneType) else "a_min"
    hi_text = "np.inf" if isinstance(a_max, types.NoneType) else "a_max"
    text = (
        "def share(a, a_min, a_max, which):\n"
        f"    lo = {lo_text}\n"
        f"    hi = {hi_text}\n"
        "    below = (a < lo) & (lo <= hi)\n"
        "    above = np.maximum(a, lo) > hi\n"
        "    if which == 0:\n"
        "        pick = np.logical_not(below) & np.logical_not(above)\n"
        "    elif which == 1:\n"
        "        pick = below\n"
        "    else:\n"
        "        pick = above\n"
        + ("    return pick.astype(np.float64)\n" if _is_array(a) else "    return 1.0 if pick else 0.0\n")
    )
    return _compiled(text, "share")


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


# ------------------------------------------------------------------ reductions over an axis
#
# numba's NumPy reduces a whole array (np.sum also over one int axis), and the runtime helpers'
# numba versions above take no axis. A call whose axis (and keepdims) are constants in the
# generated code is given, by jit/compiler.py (`_axis_calls`), a helper made for those constants
# (`axis_helper`): its Python version calls the original, its numba version is generated for the
# array's rank at typing time (the reduced axes moved last, the array seen as rows of the reduced
# elements, each row reduced).

REDUCTIONS = {"sum", "mean", "max", "amax", "min", "amin", "prod", "var", "std"}
AXIS_HELPERS = {
    runtime.unreduce: "unreduce",
    runtime.extremum_mask: "extremum_mask",
    runtime.reduce_size: "reduce_size",
}
_made: dict[tuple, object] = {}


def axis_helper(op: str, axis, keepdims: bool):
    """The function `x → np.<op>(x, axis, keepdims=keepdims)` (op one of REDUCTIONS), or for a
    runtime helper (`unreduce`, `extremum_mask`, `reduce_size`) the helper with that axis and
    keepdims, with a numba version; one per (op, axis, keepdims)."""
    key = (op, axis, keepdims)
    if key in _made:
        return _made[key]
    if op in REDUCTIONS:
        numpy_op = getattr(np, op)

        def helper(x):
            return numpy_op(x, axis=axis, keepdims=keepdims)

        overload(helper)(lambda x: _reduction(numpy_op, x, axis, keepdims))
    elif op == "reduce_size":

        def helper(x):
            return runtime.reduce_size(x, axis)

        overload(helper)(lambda x: _reduce_size(x, axis))
    elif op == "unreduce":

        def helper(g, x):
            return runtime.unreduce(g, x, axis, keepdims)

        overload(helper)(lambda g, x: _unreduce(g, x, axis, keepdims))
    else:

        def helper(x, y):
            return runtime.extremum_mask(x, y, axis, keepdims)

        overload(helper)(lambda x, y: _extremum_mask(x, y, axis, keepdims))
    helper.__name__ = helper.__qualname__ = f"{op}_over_{_axis_name(axis)}" + ("_keepdims" if keepdims else "")
    _made[key] = helper
    return helper


def _axis_name(axis) -> str:
    return "all" if axis is None else str(axis).replace("-", "m").strip("(),").replace(", ", "_")


def _axes(axis, ndim: int) -> tuple[int, ...]:
    """The reduced axes, from 0, in order; a TypingError where NumPy would raise."""
    given = range(ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    axes = []
    for a in given:
        if not -ndim <= a < ndim:
            raise TypingError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise TypingError(f"repeated axis in {axis}")
    return tuple(sorted(axes))


def _shape(ndim: int, kept: tuple[int, ...], ones: tuple[int, ...] = ()) -> str:
    """A tuple expression of x's dimensions `kept`, with 1 at the axes `ones`."""
    dims = [f"x.shape[{k}]" if k in kept else "1" for k in range(ndim) if k in kept or k in ones]
    return "(" + "".join(d + ", " for d in dims) + ")"


def _compiled(text: str, name: str, **scope):
    scope["np"] = np
    exec(text, scope)
    return scope[name]


def _reduction(numpy_op, x, axis, keepdims):
    if not (_is_array(x) and isinstance(x.dtype, (types.Float, types.Integer, types.Boolean))):
        raise TypingError(f"np.{numpy_op.__name__} over axis {axis} of a {x}")
    axes = _axes(axis, x.ndim)
    kept = tuple(k for k in range(x.ndim) if k not in axes)
    dtype = numpy_op(np.ones(2, np.dtype(str(x.dtype)))).dtype
    outer = " * ".join([f"x.shape[{k}]" for k in kept] or ["1"])
    inner = " * ".join([f"x.shape[{k}]" for k in axes] or ["1"])
    perm = kept + axes
    moved = "x" if perm == tuple(range(x.ndim)) else f"np.ascontiguousarray(x.transpose({perm!r}))"
    result = _shape(x.ndim, kept, axes if keepdims else ())
    text = (
        "def reduce(x):\n"
        f"    rows = np.ascontiguousarray({moved}).reshape(({outer}, {inner}))\n"
        f"    out = np.empty(rows.shape[0], np.{dtype.name})\n"
        "    for i in range(rows.shape[0]):\n"
        "        out[i] = op(rows[i])\n"
        + ("    return out[0]\n" if not kept and not keepdims else f"    return out.reshape({result})\n")
    )
    return _compiled(text, "reduce", op=numpy_op)


def _reduce_size(x, axis):
    if not _is_array(x):
        raise TypingError(f"reduce_size over axis {axis} of a {x}")
    axes = _axes(axis, x.ndim)
    return _compiled(f"def size(x):\n    return {' * '.join([f'x.shape[{k}]' for k in axes] or ['1'])}\n", "size")


def _unreduce(g, x, axis, keepdims):
    """g (the adjoint of a reduction of x over `axis`) spread to x's shape, as a new array."""
    if not _is_array(x):
        raise TypingError(f"unreduce over axis {axis} to a {x}")
    axes = _axes(axis, x.ndim)
    kept = tuple(k for k in range(x.ndim) if k not in axes)
    if _is_number(g):
        dtype = x.dtype if isinstance(x.dtype, types.Float) else types.float64
        return _compiled(f"def spread(g, x):\n    return np.full(x.shape, g, np.{dtype})\n", "spread")
    if not (_is_array(g) and g.ndim == (x.ndim if keepdims else len(kept))):
        raise TypingError(f"unreduce of a {g} over axis {axis} to a {x}")
    text = (
        "def spread(g, x):\n"
        f"    return np.zeros(x.shape, np.{g.dtype}) + np.ascontiguousarray(g).reshape({_shape(x.ndim, kept, axes)})\n"
    )
    return _compiled(text, "spread")


def _extremum_mask(x, y, axis, keepdims):
    """Where x attains its reduced max/min y, ties sharing equally (as runtime.extremum_mask)."""
    if not (_is_array(x) and isinstance(x.dtype, types.Float)):
        raise TypingError(f"extremum_mask over axis {axis} of a {x}")
    spread = axis_helper("unreduce", axis, keepdims)
    count = axis_helper("sum", axis, keepdims)
    text = "def mask(x, y):\n    hit = (x == spread(y, x)).astype(x.dtype)\n    return hit / spread(count(hit), x)\n"
    return _compiled(text, "mask", spread=spread, count=count)
