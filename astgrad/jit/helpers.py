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
from numba.extending import overload, register_jitable

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


@overload(runtime.add_adjoints)
def _add_adjoints(a, b):
    """The sum of two adjoints: numbers and arrays (None is zero; tuples element by element, as a
    tuple where the Python version makes a list: the code indexes it by constants)."""
    if isinstance(a, types.NoneType):
        return lambda a, b: b
    if isinstance(b, types.NoneType):
        return lambda a, b: a
    if (_is_number(a) or _is_array(a)) and (_is_number(b) or _is_array(b)):
        return lambda a, b: a + b
    if isinstance(a, types.BaseTuple) and isinstance(b, types.BaseTuple) and len(a) == len(b):
        items = "".join(f"add(a[{k}], b[{k}]), " for k in range(len(a)))
        return _compiled(f"def each(a, b):\n    return ({items})\n", "each", add=runtime.add_adjoints)
    raise TypingError(f"add_adjoints of a {a} and a {b}")


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


@overload(runtime.check_aux_pair)
def _check_aux_pair(out):
    if isinstance(out, types.BaseTuple) and len(out) == 2:
        return lambda out: None
    raise TypingError(f"with has_aux=True the function must return a pair (loss, aux), but it returns {out}")


@overload(runtime.check_unaliased)
def _check_unaliased(value, label, *others):
    """(not checked in compiled code: an argument passed twice and written into is copied as in Python)"""
    return lambda value, label, *others: None


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


def _is_real(t: types.Type) -> bool:
    """A real number, or an array of real numbers (booleans too: NumPy compares them as 0 and 1)."""
    kinds = (types.Float, types.Integer, types.Boolean)
    return isinstance(t, kinds) or (_is_array(t) and isinstance(t.dtype, kinds))


@overload(runtime.max_share)
def _max_share(x, y):
    """As runtime.max_share: 1 where x > y, ½ at ties, 0 where x < y or either is NaN, for real
    numbers and arrays, broadcast as NumPy does. Always a float64 array for an array (the Python
    version's boolean mask where nothing ties has the same values)."""
    if not (_is_real(x) and _is_real(y)):
        raise TypingError(f"max_share of a {x} and a {y}")
    if _is_array(x) or _is_array(y):
        return lambda x, y: (x > y) + 0.5 * (x == y)
    return lambda x, y: 0.5 if x == y else 1.0 if x > y else 0.0


@overload(runtime.select_share)
def _select_share(x, y):
    """As runtime.select_share: 1, or ½ where x and y tie (builtin max/min, and a selected branch)."""
    if not (_is_real(x) and _is_real(y)):
        raise TypingError(f"select_share of a {x} and a {y}")
    if _is_array(x) or _is_array(y):
        return lambda x, y: 1.0 - 0.5 * (x == y)
    return lambda x, y: 0.5 if x == y else 1.0


@overload(runtime.fmax_share)
def _fmax_share(x, y):
    """As runtime.fmax_share: max_share's, and 1 where y is NaN (np.fmax then returns x), 0 where
    only x is."""
    if not (_is_real(x) and _is_real(y)):
        raise TypingError(f"fmax_share of a {x} and a {y}")
    if _is_array(x) or _is_array(y):
        return lambda x, y: np.where(y != y, 1.0, np.where(x != x, 0.0, (x > y) + 0.5 * (x == y)))
    return lambda x, y: 1.0 if y != y else 0.0 if x != x else 0.5 if x == y else 1.0 if x > y else 0.0


@overload(runtime.clip_share)
def _clip_share(a, a_min, a_max, which):
    """As runtime.clip_share, for a real a and bounds that are real numbers, arrays or None, broadcast
    together."""
    if not all(isinstance(b, types.NoneType) or _is_real(b) for b in (a_min, a_max)):
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
        + (
            "    return pick.astype(np.float64)\n"
            if any(_is_array(v) for v in (a, a_min, a_max))
            else "    return 1.0 if pick else 0.0\n"
        )
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


@overload(runtime.check_real)
def _check_real(value, call):
    """A real number or array passes; a complex one is refused when numba types it."""
    if (
        _is_array(value)
        and not isinstance(value.dtype, types.Complex)
        or isinstance(value, (types.Float, types.Integer))
    ):
        return lambda value, call: None
    raise TypingError(f"a complex argument where astgrad's derivative is for real ones ({value})")


@overload(runtime.check_float_store)
def _check_float_store(array, line=None):
    """A float array passes; an integer one (which would truncate the value stored) is refused
    when numba types it."""
    if _is_array(array) and isinstance(array.dtype, (types.Integer, types.Boolean)):
        raise TypingError(f"a value with a derivative stored into an array of {array.dtype}")
    return lambda array, line=None: None


@overload(runtime.check_unpack)
def _check_unpack(seq, named, line=None):
    """A tuple's length is its type's: checked when numba types it; an array's when the code runs."""
    if isinstance(seq, types.BaseTuple):
        if len(seq) != getattr(named, "literal_value", len(seq)):
            raise TypingError(f"unpacking a tuple of {len(seq)} items into another number of names")
        return lambda seq, named, line=None: None
    if _is_array(seq):

        def check(seq, named, line=None):
            if len(seq) != named:
                _unpack_error()

        return check
    raise TypingError(f"unpacking a {seq}")


@register_jitable
def _unpack_error():
    raise ValueError("an unpacking of another length than its names")


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


@overload(runtime.untrace)
def _untrace(g, a, offset=0, axis1=0, axis2=1):
    """np.trace's adjoint for a matrix (axes 0, 1 or 1, 0): g on the diagonal `offset`."""
    if not (_is_number(g) and _is_array(a) and a.ndim == 2):
        raise TypingError(f"untrace of a {g} into a {a}")

    def impl(g, a, offset=0, axis1=0, axis2=1):
        out = np.zeros(a.shape)
        swapped = axis1 % 2 == 1  # (the diagonal of a.T)
        rows, cols = (a.shape[1], a.shape[0]) if swapped else (a.shape[0], a.shape[1])
        for i in range(rows):
            j = i + offset
            if 0 <= j < cols:
                if swapped:
                    out[j, i] = g
                else:
                    out[i, j] = g
        return out

    return impl


# ------------------------------------------------------------------ along an axis
#
# numba's NumPy reduces a whole array (np.sum also over one int axis), scans and flips a whole
# array, and the runtime helpers' numba versions above take no axis. A call whose axis (and
# keepdims) are constants in the generated code is given, by jit/compiler.py (`_axis_calls`), a
# helper made for those constants (`axis_helper`): its Python version calls the original, its numba
# version is generated for the array's rank at typing time. Most are loops over the array's
# elements in order (`_nest`), each element knowing the index of its reduced slice: numba compiles
# such loops in a fraction of the time of the same work as whole-array expressions of rank 3,
# whose code (compiled again in every function that calls them) was most of a gradient's compile time.

REDUCTIONS = {"sum", "mean", "max", "amax", "min", "amin", "prod", "var", "std"}
SCANS = {"cumsum", "flip", "sort"}  # (the array's shape kept; no keepdims)
SCAN_AXIS = {"sort": -1}  # (the default axis where it is not None)
AXIS_HELPERS = {  # runtime helper → (its name, how many arrays it takes first, its constants and their defaults)
    runtime.unreduce: ("unreduce", 2, {"axis": None, "keepdims": False}),
    runtime.extremum_mask: ("extremum_mask", 2, {"axis": None, "keepdims": False}),
    runtime.reduce_size: ("reduce_size", 1, {"axis": None, "keepdims": False}),
    runtime.prod_others: ("prod_others", 1, {"axis": None}),
    runtime.unsort: ("unsort", 2, {"axis": -1}),
    runtime.untake: ("untake", 3, {"axis": None}),
    runtime.untake_along_axis: ("untake_along_axis", 3, {"axis": -1}),
    runtime.split_like: ("split_like", 2, {"axis": 0}),
    runtime.norm_weight: ("norm_weight", 2, {"ord": None, "axis": None, "keepdims": False}),
    runtime.unstack: ("unstack", 1, {"axis": 0}),
}
_made: dict[tuple, object] = {}


def axis_helper(op: str, axis, keepdims: bool):
    """The function `x → np.<op>(x, axis, keepdims=keepdims)` (op one of REDUCTIONS, or of SCANS
    without keepdims), or for a runtime helper (AXIS_HELPERS) the helper with that axis and keepdims,
    with a numba version; one per (op, axis, keepdims)."""
    key = (op, axis, keepdims)
    if key in _made:
        return _made[key]
    if op in REDUCTIONS or op == "norm":
        numpy_op = np.linalg.norm if op == "norm" else getattr(np, op)

        def helper(x):
            return numpy_op(x, axis=axis, keepdims=keepdims)

        overload(helper)(lambda x: _reduction(numpy_op, x, axis, keepdims))
    elif op in SCANS:
        numpy_op = getattr(np, op)

        def helper(x):
            return numpy_op(x, axis=axis)

        overload(helper)(lambda x: _SCAN_MAKERS[op](x, axis))
    elif op == "norm_weight":

        def helper(x, y):
            return runtime.norm_weight(x, y, None, axis, keepdims)

        overload(helper)(lambda x, y: _norm_weight(x, y, axis, keepdims))

    elif op == "reduce_size":

        def helper(x):
            return runtime.reduce_size(x, axis)

        overload(helper)(lambda x: _reduce_size(x, axis))
    elif op == "prod_others":

        def helper(x):
            return runtime.prod_others(x, axis)

        overload(helper)(lambda x: _prod_others_over(x, axis))
    elif op == "unsort":

        def helper(g, x):
            return runtime.unsort(g, x, axis)

        overload(helper)(lambda g, x: _unsort(g, x, axis))
    elif op == "untake":

        def helper(g, a, indices):
            return runtime.untake(g, a, indices, axis)

        overload(helper)(lambda g, a, indices: _untake(g, a, indices, axis))
    elif op == "untake_along_axis":

        def helper(g, arr, indices):
            return runtime.untake_along_axis(g, arr, indices, axis)

        overload(helper)(lambda g, arr, indices: _untake_along_axis(g, arr, indices, axis))
    elif op == "split_like":

        def helper(g, parts):
            return runtime.split_like(g, parts, axis)

        overload(helper)(lambda g, parts: _split_like(g, parts, axis))
    elif op == "unstack":

        def helper(g):
            return runtime.unstack(g, axis)

        overload(helper)(lambda g: _unstack(g, axis))
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


def _nest(ndim: int, kept: tuple[int, ...], body: list[str], backward: bool = False, array: str = "x") -> str:
    """Loops over the elements of an ndim-array `array` in order (from the last, `backward`), with
    `[at]` in `body` standing for the element's index and `k` the flat index of its slice: its
    position among the dimensions `kept`."""
    lines = []
    for d in range(ndim):
        span = f"{array}.shape[{d}] - 1, -1, -1" if backward else f"{array}.shape[{d}]"
        lines.append("    " * (1 + d) + f"for i{d} in range({span}):")
    k = "0"
    for d in kept:
        k = f"i{d}" if k == "0" else f"{k} * {array}.shape[{d}] + i{d}"
    pad = "    " * (1 + ndim)
    lines += [pad + "k = " + k] + [pad + b.replace("[at]", f"[{_at(ndim, range(ndim))}]") for b in body]
    return "\n".join(lines) + "\n"


def _at(ndim: int, kept, keepdims: bool = False) -> str:
    """The index, in the loops of `_nest`, of an element's slice in the reduced array (the
    dimensions `kept`, and 0 at the others with keepdims)."""
    at = [f"i{d}" if d in kept else "0" for d in range(ndim) if d in kept or keepdims]
    return ", ".join(at) if at else "()"


def _count(ndim: int, kept: tuple[int, ...]) -> str:
    return " * ".join([f"x.shape[{d}]" for d in kept] or ["1"])


_START = {"sum": "zeros", "mean": "zeros", "prod": "ones", "var": "zeros", "std": "zeros", "norm": "zeros"}
_STEP = {
    "sum": "total[k] += x[at]",
    "mean": "total[k] += x[at]",
    "prod": "total[k] *= x[at]",
    "norm": "total[k] += x[at] * x[at]",  # (np.linalg.norm's default: the 2-norm of each slice)
}


def _reduction(numpy_op, x, axis, keepdims):
    """np.<op>(x, axis, keepdims=keepdims): each slice's total (or extremum) gathered in one sweep
    over x (var and std: two, the mean's and the squared deviations'), then laid out in the
    result's shape."""
    if not (_is_array(x) and isinstance(x.dtype, (types.Float, types.Integer, types.Boolean))):
        raise TypingError(f"np.{numpy_op.__name__} over axis {axis} of a {x}")
    op = {"amax": "max", "amin": "min"}.get(numpy_op.__name__, numpy_op.__name__)
    if op == "norm" and isinstance(axis, tuple) and len(axis) > 2:
        raise TypingError(f"np.linalg.norm over axes {axis} (NumPy's norms are of vectors and matrices)")
    axes = _axes(axis, x.ndim)
    kept = tuple(k for k in range(x.ndim) if k not in axes)
    dtype = numpy_op(np.ones(2, np.dtype(str(x.dtype)))).dtype.name
    size = _count(x.ndim, axes)
    text = "def reduce(x):\n"
    if op in ("max", "min"):
        better = ">" if op == "max" else "<"
        text += (
            f"    if {size} == 0:\n"
            "        raise ValueError('zero-size array to reduction operation which has no identity')\n"
            f"    total = np.empty({_count(x.ndim, kept)}, np.{dtype})\n"
            f"    seen = np.zeros({_count(x.ndim, kept)}, np.bool_)\n"
            + _nest(
                x.ndim,
                kept,
                [
                    "v = x[at]",
                    f"if not seen[k] or v {better} total[k] or v != v:  # (a NaN, once met, stays)",
                    "    total[k] = v",
                    "    seen[k] = True",
                ],
            )
        )
    else:
        text += f"    total = np.{_START[op]}({_count(x.ndim, kept)}, np.{dtype})\n"
        if op in ("var", "std"):
            text += (
                f"    mean = np.zeros({_count(x.ndim, kept)}, np.{dtype})\n"
                + _nest(x.ndim, kept, ["mean[k] += x[at]"])
                + f"    mean /= {size}\n"
                + _nest(x.ndim, kept, ["d = x[at] - mean[k]", "total[k] += d * d"])
                + f"    total /= {size}\n"
                + ("    total = np.sqrt(total)\n" if op == "std" else "")
            )
        else:
            text += _nest(x.ndim, kept, [_STEP[op]]) + (f"    total /= {size}\n" if op == "mean" else "")
            text += "    total = np.sqrt(total)\n" if op == "norm" else ""
    if not kept and not keepdims:
        return _compiled(text + "    return total[0]\n", "reduce")
    shape = _shape(x.ndim, kept, axes if keepdims else ())
    out_ndim = x.ndim if keepdims else len(kept)
    text += f"    out = np.empty({shape}, np.{dtype})\n" + _nest(
        out_ndim, tuple(range(out_ndim)), ["out[at] = total[k]"], array="out"
    )
    return _compiled(text + "    return out\n", "reduce")


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
        f"    out = np.empty(x.shape, np.{g.dtype})\n"
        + _nest(x.ndim, kept, [f"out[at] = g[{_at(x.ndim, kept, keepdims)}]"])
        + "    return out\n"
    )
    return _compiled(text, "spread")


def _extremum_mask(x, y, axis, keepdims):
    """Where x attains its reduced max/min y, ties sharing equally (as runtime.extremum_mask: a
    slice whose extremum is NaN, which no element equals, is NaN throughout)."""
    if not (_is_array(x) and isinstance(x.dtype, types.Float)):
        raise TypingError(f"extremum_mask over axis {axis} of a {x}")
    axes = _axes(axis, x.ndim)
    kept = tuple(k for k in range(x.ndim) if k not in axes)
    if _is_number(y):
        extremum = "y"
    elif _is_array(y) and y.ndim == (x.ndim if keepdims else len(kept)):
        extremum = f"y[{_at(x.ndim, kept, keepdims)}]"
    else:
        raise TypingError(f"extremum_mask over axis {axis} of a {x} with extrema {y}")
    text = (
        "def mask(x, y):\n"
        f"    ties = np.zeros({_count(x.ndim, kept)}, np.{x.dtype})\n"
        + _nest(x.ndim, kept, [f"if x[at] == {extremum}:", "    ties[k] += 1.0"])
        + f"    out = np.empty(x.shape, np.{x.dtype})\n"
        + _nest(x.ndim, kept, [f"out[at] = (1.0 if x[at] == {extremum} else 0.0) / ties[k] if ties[k] else np.nan"])
        + "    return out\n"
    )
    return _compiled(text, "mask")


def _cumsum(x, axis):
    """np.cumsum over one axis: a running sum per slice, in order (as NumPy adds)."""
    if not (_is_array(x) and isinstance(x.dtype, (types.Float, types.Integer, types.Boolean))):
        raise TypingError(f"np.cumsum over axis {axis} of a {x}")
    if axis is None:
        return lambda x: np.cumsum(x)
    if not isinstance(axis, int):
        raise TypingError(f"np.cumsum over axis {axis}")
    (ax,) = _axes(axis, x.ndim)
    kept = tuple(k for k in range(x.ndim) if k != ax)
    dtype = str(x.dtype) if isinstance(x.dtype, types.Float) else "int64"
    text = (
        "def scan(x):\n"
        f"    total = np.zeros({_count(x.ndim, kept)}, np.{dtype})\n"
        f"    out = np.empty(x.shape, np.{dtype})\n"
        + _nest(x.ndim, kept, ["total[k] += x[at]", "out[at] = total[k]"])
        + "    return out\n"
    )
    return _compiled(text, "scan")


def _flip(x, axis):
    """np.flip over the axes (all for None), as a new array."""
    if not _is_array(x):
        raise TypingError(f"np.flip over axis {axis} of a {x}")
    axes = _axes(axis, x.ndim)
    source = ", ".join(f"x.shape[{d}] - 1 - i{d}" if d in axes else f"i{d}" for d in range(x.ndim)) or "()"
    text = (
        "def flip(x):\n"
        "    out = np.empty(x.shape, x.dtype)\n" + _nest(x.ndim, (), [f"out[at] = x[{source}]"]) + "    return out\n"
    )
    return _compiled(text, "flip")


def _sort(x, axis):
    """np.sort over one axis: each slice sorted by numba's np.sort (NaN last, as NumPy's; equal
    values are equal whatever the order)."""
    if not (_is_array(x) and isinstance(x.dtype, (types.Float, types.Integer, types.Boolean))):
        raise TypingError(f"np.sort over axis {axis} of a {x}")
    if axis is None:
        return lambda x: np.sort(x.ravel())
    if not isinstance(axis, int):
        raise TypingError(f"np.sort over axis {axis}")
    (ax,) = _axes(axis, x.ndim)
    if x.ndim == 1:
        return lambda x: np.sort(x)
    others = [d for d in range(x.ndim) if d != ax]
    row = ", ".join(":" if d == ax else f"i{d}" for d in range(x.ndim))
    lines = ["def sort(x):", "    out = np.empty(x.shape, x.dtype)"]
    for depth, d in enumerate(others):
        lines.append("    " * (1 + depth) + f"for i{d} in range(x.shape[{d}]):")
    lines += ["    " * (1 + len(others)) + f"out[{row}] = np.sort(x[{row}])", "    return out"]
    return _compiled("\n".join(lines) + "\n", "sort")


_SCAN_MAKERS = {"cumsum": _cumsum, "flip": _flip, "sort": _sort}


def _spread(y, x, axis, keepdims):
    """A numba function spreading y (x's reduction over `axis`) to x's shape (`_unreduce`'s)."""
    from numba import njit

    return njit(_unreduce(y, x, axis, keepdims))


def _norm_weight(x, y, axis, keepdims):
    """runtime.norm_weight of the default norm (ord None: the 2-norm of vectors, Frobenius of
    matrices): x / y, with 1 for y where y is 0 (x is 0 there)."""
    if not (_is_array(x) and isinstance(x.dtype, types.Float) and (_is_number(y) or _is_array(y))):
        raise TypingError(f"norm_weight of a {x} by {y} over axis {axis}")
    if _is_number(y) and axis is None:
        return lambda x, y: x / (1.0 if y == 0 else y)
    spread = _spread(y, x, axis, keepdims)
    return _compiled(
        "def weight(x, y):\n    scale = spread(y, x)\n    return x / np.where(scale == 0, 1.0, scale)\n",
        "weight",
        spread=spread,
    )


def _prod_others_over(a, axis):
    """runtime.prod_others over the axes: each element's product of the others in its slice, the
    products before it (a forward sweep) times those after it (a backward one), without division."""
    if not (_is_array(a) and isinstance(a.dtype, (types.Float, types.Integer))):
        raise TypingError(f"prod_others over axis {axis} of a {a}")
    axes = _axes(axis, a.ndim)
    kept = tuple(k for k in range(a.ndim) if k not in axes)
    dtype = str(a.dtype) if isinstance(a.dtype, types.Float) else "int64"
    text = (
        "def others(x):\n"
        f"    before = np.ones({_count(a.ndim, kept)}, np.{dtype})\n"
        f"    after = np.ones({_count(a.ndim, kept)}, np.{dtype})\n"
        f"    out = np.empty(x.shape, np.{dtype})\n"
        + _nest(a.ndim, kept, ["out[at] = before[k]", "before[k] *= x[at]"])
        + _nest(a.ndim, kept, ["out[at] *= after[k]", "after[k] *= x[at]"], backward=True)
        + "    return out\n"
    )
    return _compiled(text, "others")


def _unsort(g, a, axis):
    """runtime.unsort: each sorted position's adjoint back where its element came from, the order
    of each slice along `axis` (of all of `a`, flattened, for None) found by a stable sort, as
    NumPy's np.sort orders it (NaN last)."""
    if not (_is_array(a) and _is_array(g) and isinstance(a.dtype, (types.Float, types.Integer))):
        raise TypingError(f"unsort of a {g} by a {a} over axis {axis}")
    dtype = _float_type(g.dtype)
    if axis is None:
        text = (
            "def unsort(g, x):\n"
            "    order = np.argsort(x.ravel(), kind='mergesort')\n"
            "    flat = g.ravel()\n"
            f"    out = np.empty(order.shape[0], np.{dtype})\n"
            "    for m in range(order.shape[0]):\n"
            "        out[order[m]] = flat[m]\n"
            "    return out.reshape(x.shape)\n"
        )
        return _compiled(text, "unsort")
    if not isinstance(axis, int) or g.ndim != a.ndim:
        raise TypingError(f"unsort of a {g} by a {a} over axis {axis}")
    (ax,) = _axes(axis, a.ndim)
    others = tuple(d for d in range(a.ndim) if d != ax)
    row = ", ".join(":" if d == ax else f"i{d}" for d in range(a.ndim))
    at = ", ".join("{}" if d == ax else f"i{d}" for d in range(a.ndim))
    lines = ["def unsort(g, x):", f"    out = np.zeros(x.shape, np.{dtype})"]
    for depth, d in enumerate(others):
        lines.append("    " * (1 + depth) + f"for i{d} in range(x.shape[{d}]):")
    pad = "    " * (1 + len(others))
    lines += [
        pad + f"order = np.argsort(x[{row}], kind='mergesort')",
        pad + "for m in range(order.shape[0]):",
        pad + f"    out[{at.format('order[m]')}] = g[{at.format('m')}]",
        "    return out",
    ]
    return _compiled("\n".join(lines) + "\n", "unsort")


def _untake(g, a, indices, axis):
    """runtime.untake: g added back where np.take(a, indices, axis) took it, into zeros shaped
    like `a` (through add_at, on a view of them with `axis` first: repeated indices accumulate)."""
    int_indices = isinstance(indices, types.Integer) or (
        _is_array(indices) and isinstance(indices.dtype, types.Integer)
    )
    if not (_is_array(a) and int_indices and (_is_number(g) or _is_array(g))):
        raise TypingError(f"untake of a {g} into a {a} at {indices} over axis {axis}")
    dtype = _float_type(g.dtype) if _is_array(g) else "float64"  # (NumPy's result_type(g, float))
    if axis is None:
        text = (
            "def untake(g, a, indices):\n"
            f"    out = np.zeros(a.shape, np.{dtype})\n"
            "    add_at(out.reshape(out.size), indices, g)\n"
            "    return out\n"
        )
        return _compiled(text, "untake", add_at=runtime.add_at)
    if not isinstance(axis, int):
        raise TypingError(f"untake over axis {axis}")
    (ax,) = _axes(axis, a.ndim)
    q = indices.ndim if _is_array(indices) else 0
    others = [d for d in range(a.ndim) if d != ax]
    moved = (ax, *others)
    g_moved = (*range(ax, ax + q), *range(ax), *range(ax + q, a.ndim - 1 + q))
    g_text = f"g.transpose({g_moved})" if _is_array(g) and g_moved != tuple(range(len(g_moved))) else "g"
    out_text = f"out.transpose({moved})" if moved != tuple(range(a.ndim)) else "out"
    text = (
        "def untake(g, a, indices):\n"
        f"    out = np.zeros(a.shape, np.{dtype})\n"
        f"    add_at({out_text}, indices, {g_text})\n"
        "    return out\n"
    )
    return _compiled(text, "untake", add_at=runtime.add_at)


def _untake_along_axis(g, arr, indices, axis):
    """runtime.untake_along_axis: g added back where np.take_along_axis(arr, indices, axis) read it,
    into zeros shaped like arr (an element read twice gets both), indices and g broadcast against
    arr along the other axes; an index out of bounds raises IndexError."""
    if not (
        _is_array(arr)
        and _is_array(indices)
        and isinstance(indices.dtype, types.Integer)
        and (_is_number(g) or (_is_array(g) and isinstance(g.dtype, (types.Float, types.Integer))))
    ):
        raise TypingError(f"untake_along_axis of a {g} into a {arr} at {indices} over axis {axis}")
    floats = {str(t.dtype) for t in (g, arr) if _is_array(t) and isinstance(t.dtype, types.Float)}
    dtype = "float32" if floats == {"float32"} and _is_array(g) else "float64"  # (NumPy's result_type(g, arr, 1.0))
    if axis is None:
        text = (
            "def untake(g, arr, indices):\n"
            f"    out = np.zeros(arr.shape, np.{dtype})\n"
            "    add_at(out.reshape(out.size), indices, g)\n"
            "    return out\n"
        )
        return _compiled(text, "untake", add_at=runtime.add_at)
    if not isinstance(axis, int) or indices.ndim != arr.ndim:
        raise TypingError(f"untake_along_axis at a {indices} into a {arr} over axis {axis}")
    (ax,) = _axes(axis, arr.ndim)
    n = arr.ndim
    dims = [f"indices.shape[{k}]" if k == ax else f"max(arr.shape[{k}], indices.shape[{k}])" for k in range(n)]
    at = ", ".join(f"i{k}" for k in range(n))
    into = ", ".join("j" if k == ax else f"i{k}" for k in range(n))
    text = (
        "def untake(g, arr, indices):\n"
        f"    out = np.zeros(arr.shape, np.{dtype})\n"
        f"    shape = ({''.join(d + ', ' for d in dims)})\n"
        "    idx = np.broadcast_to(indices, shape)\n"
        + ("    gg = np.broadcast_to(g, shape)\n" if _is_array(g) else "")
        + _nest(
            n,
            (),
            [
                f"j = idx[{at}]",
                f"if j < -arr.shape[{ax}] or j >= arr.shape[{ax}]:",
                "    raise IndexError('index out of bounds in the adjoint of np.take_along_axis')",
                f"out[{into}] += {f'gg[{at}]' if _is_array(g) else 'g'}",
            ],
            array="idx",
        )
        + "    return out\n"
    )
    return _compiled(text, "untake")


def _pieces(g, parts, axis, name: str) -> str:
    """The text of a function `name(g, parts)` returning the tuple of g's consecutive pieces along
    `axis` (of g flattened for None), each as long there as its part of the tuple `parts` (a
    number's piece: one element) and reshaped to the part's shape (np.split's pieces)."""
    if not (_is_array(g) and isinstance(parts, types.BaseTuple) and all(_is_array(p) or _is_number(p) for p in parts)):
        raise TypingError(f"{name} of a {g} into {parts}")
    lines = [f"def {name}(g, parts):", "    at = 0"]
    if axis is None:
        lines.append("    flat = np.ascontiguousarray(g).reshape(g.size)")
    pieces = []
    for k, part in enumerate(parts):
        if not _is_array(part):
            lines += [f"    p{k} = {'flat' if axis is None else 'g'}[at]", "    at += 1"]
        elif axis is None:
            lines += [
                f"    p{k} = flat[at : at + parts[{k}].size].reshape(parts[{k}].shape)",
                f"    at += parts[{k}].size",
            ]
        else:
            if part.ndim != g.ndim:
                raise TypingError(f"{name} of a {g} into {parts} along axis {axis}")
            (ax,) = _axes(axis, g.ndim)
            at = ", ".join("at : at + n" if d == ax else ":" for d in range(g.ndim))
            lines += [f"    n = parts[{k}].shape[{ax}]", f"    p{k} = g[{at}]", "    at += n"]
        pieces.append(f"p{k}")
    return "\n".join([*lines, f"    return ({''.join(p + ', ' for p in pieces)})"]) + "\n"


def _split_like(g, parts, axis):
    """runtime.split_like (np.concatenate's adjoint), as a tuple of views of g for a tuple of parts
    (jit/compiler.py's `_tuple_displays`: the code indexes it by constants, as it did the list)."""
    if axis is not None and not isinstance(axis, int):
        raise TypingError(f"split_like along axis {axis}")
    if isinstance(parts, types.BaseTuple) and axis is not None and not all(_is_array(p) for p in parts):
        raise TypingError(f"split_like of {parts} along axis {axis}")
    return _compiled(_pieces(g, parts, axis, "split"), "split")


@overload(runtime.unhstack)
def _unhstack(g, parts):
    """np.hstack's adjoint: pieces along the first axis for vectors and numbers, else the second."""
    if not (isinstance(parts, types.BaseTuple) and len(parts)):
        raise TypingError(f"unhstack of a {g} into {parts}")
    first = parts[0]
    return _compiled(_pieces(g, parts, 0 if not _is_array(first) or first.ndim <= 1 else 1, "unhstack"), "unhstack")


@overload(runtime.unvstack)
def _unvstack(g, parts):
    """np.vstack's adjoint: rows (a vector or a number is one row, reshaped back)."""
    if not (_is_array(g) and isinstance(parts, types.BaseTuple) and all(_is_array(p) for p in parts)):
        raise TypingError(f"unvstack of a {g} into {parts}")
    lines = ["def unvstack(g, parts):", "    at = 0"]
    for k, part in enumerate(parts):
        rows = f"parts[{k}].shape[0]" if part.ndim >= 2 else "1"
        lines += [f"    p{k} = g[at : at + {rows}].reshape(parts[{k}].shape)", f"    at += {rows}"]
    pieces = "".join(f"p{k}, " for k in range(len(parts)))
    return _compiled("\n".join([*lines, f"    return ({pieces})"]) + "\n", "unvstack")


def _unstack(g, axis):
    """runtime.unstack (np.stack's adjoint): g's slices along `axis`, as a list of views (their
    number is g's length there, not known to numba's types)."""
    if not (_is_array(g) and isinstance(axis, int) and g.ndim >= 1):
        raise TypingError(f"unstack of a {g} along axis {axis}")
    (ax,) = _axes(axis, g.ndim)
    at = ", ".join("i" if d == ax else ":" for d in range(g.ndim))
    return _compiled(f"def unstack(g):\n    return [g[{at}] for i in range(g.shape[{ax}])]\n", "unstack")


@overload(runtime.numbers_as_array)
def _numbers_as_array(x):
    """As runtime.numbers_as_array: a tuple of numbers (nested too) as an array; a tuple of arrays,
    an array or a number as it is (lists: refused, jit/compiler.py makes a join's list display a tuple)."""
    if _is_array(x) or _is_number(x):
        return lambda x: x
    if isinstance(x, types.BaseTuple) and all(_is_array(v) for v in x):
        return lambda x: x
    if isinstance(x, types.BaseTuple) and all(_numbers_only(v) for v in x):
        return lambda x: np.array(x)
    raise TypingError(f"numbers_as_array of a {x}")


def _numbers_only(t: types.Type) -> bool:
    if isinstance(t, types.BaseTuple):
        return all(_numbers_only(v) for v in t)
    return isinstance(t, (types.Integer, types.Float))


def _float_type(dtype: types.Type) -> str:
    return str(dtype) if isinstance(dtype, types.Float) else "float64"


# ------------------------------------------------------------------ adjoints of products, indexing, transposes


def _floats(*values) -> bool:
    """Arrays of one floating dtype (numba's np.dot takes no mixed or integer operands)."""
    return (
        all(_is_array(v) and isinstance(v.dtype, types.Float) for v in values) and len({v.dtype for v in values}) == 1
    )


@overload(runtime.matmul_left)
def _matmul_left(g, a, b):
    """The adjoint of `a` in `a @ b`, for real vectors and matrices (other ranks and numbers:
    refused)."""
    if _floats(a, b) and a.ndim in (1, 2) and b.ndim in (1, 2) and (_is_number(g) or _floats(g, a)):
        if a.ndim == 1 and b.ndim == 1:
            return lambda g, a, b: g * b
        if a.ndim == 2 and b.ndim == 1:
            return lambda g, a, b: np.outer(g, b)
        if a.ndim == 1:
            return lambda g, a, b: np.dot(b, g)
        return lambda g, a, b: np.dot(g, b.T)
    raise TypingError(f"matmul_left of a {g} for {a} @ {b}")


@overload(runtime.matmul_right)
def _matmul_right(g, a, b):
    """The adjoint of `b` in `a @ b`, for real vectors and matrices."""
    if _floats(a, b) and a.ndim in (1, 2) and b.ndim in (1, 2) and (_is_number(g) or _floats(g, b)):
        if a.ndim == 1 and b.ndim == 1:
            return lambda g, a, b: g * a
        if a.ndim == 1:
            return lambda g, a, b: np.outer(a, g)
        if b.ndim == 1:
            return lambda g, a, b: np.dot(g, a)
        return lambda g, a, b: np.dot(a.T, g)
    raise TypingError(f"matmul_right of a {g} for {a} @ {b}")


@overload(runtime.matmul_left_sum)
def _matmul_left_sum(parts, a):
    """The sum of matmul_left(g, a, b) over the pairs (g, b) of a loop's list `parts`."""
    return _products_sum(parts, a, left=True)


@overload(runtime.matmul_right_sum)
def _matmul_right_sum(parts, b):
    """The sum of matmul_right(g, a, b) over the pairs (g, a) of a loop's list `parts`."""
    return _products_sum(parts, b, left=False)


def _products_sum(parts, fixed, left: bool):
    """As runtime's: for vectors and a matrix, one product of the stacked vectors (G.T @ V, as the
    Python version computes it); else a sum of the products one by one. No parts: zeros (the Python
    version's 0.0, added to an adjoint of fixed's shape)."""
    pair = parts.dtype if isinstance(parts, types.List) else None
    if not (isinstance(pair, types.BaseTuple) and len(pair) == 2 and _floats(fixed)):
        raise TypingError(f"a sum of matrix products' adjoints over {parts} for a {fixed}")
    dtype = fixed.dtype
    fixed_name = "a" if left else "b"  # (the overload's parameter: numba matches the names)
    if fixed.ndim == 2 and all(_floats(t, fixed) and t.ndim == 1 for t in pair):
        product = "np.dot(G.T, V)" if left else "np.dot(V.T, G)"
        text = (
            f"def total(parts, {fixed_name}):\n"
            "    n = len(parts)\n"
            "    if n == 0:\n"
            f"        return np.zeros({fixed_name}.shape, dtype)\n"
            "    G = np.empty((n, parts[0][0].shape[0]), dtype)\n"
            "    V = np.empty((n, parts[0][1].shape[0]), dtype)\n"
            "    for k in range(n):\n"
            "        G[k] = parts[k][0]\n"
            "        V[k] = parts[k][1]\n"
            f"    return {product}\n"
        )
        return _compiled(text, "total", dtype=dtype)
    one = "matmul_left(parts[k][0], a, parts[k][1])" if left else "matmul_right(parts[k][0], parts[k][1], b)"
    text = (
        f"def total(parts, {fixed_name}):\n"
        f"    out = np.zeros({fixed_name}.shape, dtype)\n"
        "    for k in range(len(parts)):\n"
        f"        out = out + {one}\n"
        "    return out\n"
    )
    return _compiled(text, "total", dtype=dtype, matmul_left=runtime.matmul_left, matmul_right=runtime.matmul_right)


def new_array(x):
    """`np.array(x)`, for jit/compiler.py's `_one_array_calls`: numba's np.array takes no array."""
    return np.array(x)


@overload(new_array)
def _new_array(x):
    if _is_array(x):
        return lambda x: x.copy()
    return lambda x: np.array(x)


def _basic_index(index) -> bool:
    """An index that selects each element at most once: ints and slices (index arrays, whose
    repeats np.add.at accumulates, are refused)."""
    if isinstance(index, types.BaseTuple):
        return all(_basic_index(i) for i in index)
    return isinstance(index, (types.Integer, types.SliceType))


@overload(runtime.unindex)
def _unindex(g, x, index):
    """The adjoint of `x[index]`: zeros with g added there (as add_at: repeated indices accumulate)."""
    indexable = _basic_index(index) or _advanced_index(index, x.ndim)
    if not (_is_array(x) and indexable and (_is_number(g) or _is_array(g))):
        raise TypingError(f"unindex of a {g} into a {x} at {index}")
    dtype = getattr(np, _float_type(x.dtype))
    if _basic_index(index):

        def unindex(g, x, index):
            out = np.zeros(x.shape, dtype)
            out[index] += g
            return out

        return unindex
    return lambda g, x, index: runtime.add_at(np.zeros(x.shape, dtype), index, g)


def _advanced_index(index, ndim: int) -> int:
    """How many leading axes of an ndim-array an index of arrays selects by: one int array (axis 0),
    a tuple of int arrays and ints (theirs, broadcast together), or a boolean mask (as many as
    it has); 0 for any other index (slices between arrays, masks in tuples: not handled here)."""
    if _is_array(index) and isinstance(index.dtype, types.Boolean):
        return index.ndim if 0 < index.ndim <= ndim else 0
    if _is_array(index) and isinstance(index.dtype, types.Integer):
        return 1 if ndim >= 1 else 0
    if isinstance(index, types.BaseTuple) and 0 < len(index) <= ndim:
        ok = all(isinstance(i, types.Integer) or (_is_array(i) and isinstance(i.dtype, types.Integer)) for i in index)
        return len(index) if ok and any(_is_array(i) for i in index) else 0
    return 0


@overload(runtime.add_at)
def _add_at(buf, index, g):
    """As runtime.add_at for an array `buf`: g added into buf[index] in place, an index of ints
    and slices by `+=`, one of arrays (`_advanced_index`) element by element, so that repeated
    indices accumulate as np.add.at's do (numba has no ufunc.at); g is broadcast to the selection's
    shape, and an index out of bounds raises IndexError."""
    if not (_is_array(buf) and (_is_number(g) or _is_array(g))):
        raise TypingError(f"add_at of a {g} into a {buf} at {index}")
    if _basic_index(index):

        def add(buf, index, g):
            buf[index] += g
            return buf

        return add
    p = _advanced_index(index, buf.ndim)
    if not p:
        raise TypingError(f"add_at into a {buf} at {index} (an index of arrays and slices together)")
    setup, first = _index_arrays(index, p)
    lines = ["def add(buf, index, g):", *setup]
    if _is_array(g):
        rest = f"buf.shape[{p}:]"
        lines += [
            f"    gg = np.ascontiguousarray(np.broadcast_to(g, {first}.shape + {rest}))",
            f"    gg = gg.reshape((n,) + {rest})",
        ]
    loop, at = _each_index(index, p, "buf")
    lines += [*loop, f"        buf[{at}] += {'gg[k]' if _is_array(g) else 'g'}", "    return buf"]
    return _compiled("\n".join(lines) + "\n", "add")


def _index_arrays(index, p: int) -> tuple[list[str], str]:
    """Lines binding, for an index of arrays (`_advanced_index`, p axes), `ix` (its parts, a
    mask's by np.nonzero), the arrays among them broadcast (`a0`, ...) and flattened (`f0`, ...)
    and their size `n`; and the name of the first broadcast array (its shape is the selection's)."""
    if _is_array(index) and isinstance(index.dtype, types.Boolean):
        parts, arrays = "ix = np.nonzero(index)", list(range(p))
    elif _is_array(index):
        parts, arrays = "ix = (index,)", [0]
    else:
        parts, arrays = "ix = index", [k for k, i in enumerate(index) if _is_array(i)]
    picked = ", ".join(f"ix[{k}]" for k in arrays)
    lines = [
        "    " + parts,
        f"    ({', '.join(f'a{k}' for k in arrays)},) = np.broadcast_arrays({picked},)",
        f"    n = a{arrays[0]}.size",
        *[f"    f{k} = np.ascontiguousarray(a{k}).ravel()" for k in arrays],
    ]
    return lines, f"a{arrays[0]}"


def _each_index(index, p: int, array: str) -> tuple[list[str], str]:
    """A loop over the n selected positions (after `_index_arrays`' lines), binding the k-th's
    index `j0, j1, ...` into `array` (checked against its bounds), and that index's text."""
    arrays = list(range(p)) if _is_array(index) else [k for k, i in enumerate(index) if _is_array(i)]
    lines = ["    for k in range(n):"]
    for d in range(p):
        lines += [
            f"        j{d} = {f'f{d}[k]' if d in arrays else f'ix[{d}]'}",
            f"        if j{d} < -{array}.shape[{d}] or j{d} >= {array}.shape[{d}]:",
            "            raise IndexError('index out of bounds in the adjoint of an indexing')",
        ]
    return lines, ", ".join(f"j{d}" for d in range(p))


@overload(runtime.written_part)
def _written_part(g, index):
    """As runtime.written_part: g[index], where an index of arrays selects an element more than once
    only the last write (the one NumPy's assignment keeps) receiving it."""
    if not _is_array(g):
        raise TypingError(f"written_part of a {g} at {index}")
    if _basic_index(index):
        whole = isinstance(index, types.Integer) and g.ndim == 1
        whole = whole or (
            isinstance(index, types.BaseTuple)
            and len(index) == g.ndim
            and all(isinstance(i, types.Integer) for i in index)
        )
        return (lambda g, index: g[index]) if whole else (lambda g, index: g[index].copy())
    p = _advanced_index(index, g.ndim)
    if not p:
        raise TypingError(f"written_part of a {g} at {index} (an index of arrays and slices together)")
    setup, first = _index_arrays(index, p)
    loop, at = _each_index(index, p, "g")
    lines = [
        "def part(g, index):",
        *setup,
        f"    owner = np.full(g.shape[:{p}], -1, np.int64)",
        f"    out = np.zeros((n,) + g.shape[{p}:], np.{_float_type(g.dtype)})",
        *loop,
        f"        owner[{at}] = k",
        *loop,
        f"        if owner[{at}] == k:",
        f"            out[k] = g[{at}]",
        f"    return out.reshape({first}.shape + g.shape[{p}:])",
    ]
    return _compiled("\n".join(lines) + "\n", "part")


@overload(runtime.distinct)
def _distinct(value, *earlier):
    """`value`, copied if it is an array and any of `earlier` is one (numba cannot tell whether
    two arrays share memory: the copy is always right)."""
    if _is_array(value) and any(_is_array(e) for e in earlier):
        return lambda value, *earlier: value.copy()
    return lambda value, *earlier: value


@overload(runtime.inverse_axes)
def _inverse_axes(axes, a):
    """The permutation undoing np.transpose(a, axes), for a tuple of int axes (None: None)."""
    if isinstance(axes, types.NoneType):
        return lambda axes, a: None
    if not (isinstance(axes, types.UniTuple) and isinstance(axes.dtype, types.Integer)):
        raise TypingError(f"inverse_axes of {axes}")
    n = len(axes)
    text = (
        "def inverse(axes, a):\n"
        f"    out = np.empty({n}, np.int64)\n"
        f"    for k in range({n}):\n"
        f"        out[axes[k] % {n}] = k\n"
        f"    return ({''.join(f'out[{k}], ' for k in range(n))})\n"
    )
    return _compiled(text, "inverse")
