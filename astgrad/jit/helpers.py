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
SCANS = {"cumsum", "flip"}  # (the array's shape kept; no keepdims)
AXIS_HELPERS = {  # runtime helper → (its name, how many arrays it takes first, its constants and their defaults)
    runtime.unreduce: ("unreduce", 2, {"axis": None, "keepdims": False}),
    runtime.extremum_mask: ("extremum_mask", 2, {"axis": None, "keepdims": False}),
    runtime.reduce_size: ("reduce_size", 1, {"axis": None, "keepdims": False}),
    runtime.prod_others: ("prod_others", 1, {"axis": None}),
    runtime.unsort: ("unsort", 2, {"axis": -1}),
}
_made: dict[tuple, object] = {}


def axis_helper(op: str, axis, keepdims: bool):
    """The function `x → np.<op>(x, axis, keepdims=keepdims)` (op one of REDUCTIONS, or of SCANS
    without keepdims), or for a runtime helper (AXIS_HELPERS) the helper with that axis and keepdims,
    with a numba version; one per (op, axis, keepdims)."""
    key = (op, axis, keepdims)
    if key in _made:
        return _made[key]
    if op in REDUCTIONS:
        numpy_op = getattr(np, op)

        def helper(x):
            return numpy_op(x, axis=axis, keepdims=keepdims)

        overload(helper)(lambda x: _reduction(numpy_op, x, axis, keepdims))
    elif op in SCANS:
        numpy_op = getattr(np, op)

        def helper(x):
            return numpy_op(x, axis=axis)

        overload(helper)(lambda x: _SCAN_MAKERS[op](x, axis))
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


_START = {"sum": "zeros", "mean": "zeros", "prod": "ones", "var": "zeros", "std": "zeros"}
_STEP = {"sum": "total[k] += x[at]", "mean": "total[k] += x[at]", "prod": "total[k] *= x[at]"}


def _reduction(numpy_op, x, axis, keepdims):
    """np.<op>(x, axis, keepdims=keepdims): each slice's total (or extremum) gathered in one sweep
    over x (var and std: two, the mean's and the squared deviations'), then laid out in the
    result's shape."""
    if not (_is_array(x) and isinstance(x.dtype, (types.Float, types.Integer, types.Boolean))):
        raise TypingError(f"np.{numpy_op.__name__} over axis {axis} of a {x}")
    op = {"amax": "max", "amin": "min"}.get(numpy_op.__name__, numpy_op.__name__)
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


_SCAN_MAKERS = {"cumsum": _cumsum, "flip": _flip}


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


def _basic_index(index) -> bool:
    """An index that selects each element at most once: ints and slices (index arrays, whose
    repeats np.add.at accumulates, are refused)."""
    if isinstance(index, types.BaseTuple):
        return all(_basic_index(i) for i in index)
    return isinstance(index, (types.Integer, types.SliceType))


@overload(runtime.unindex)
def _unindex(g, x, index):
    """The adjoint of `x[index]` for an index of ints and slices: zeros with g added there."""
    if not (_is_array(x) and _basic_index(index) and (_is_number(g) or _is_array(g))):
        raise TypingError(f"unindex of a {g} into a {x} at {index}")
    dtype = getattr(np, _float_type(x.dtype))

    def unindex(g, x, index):
        out = np.zeros(x.shape, dtype)
        out[index] += g
        return out

    return unindex


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
