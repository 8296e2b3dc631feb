"""The rest of autograd's and JAX's NumPy lists (issue 15): the functions astgrad differentiates
(rollaxis, positive, ldexp, heaviside, bincount's weights, diagflat, unwrap, logspace, geomspace,
linalg.cross, select, choose, meshgrid), those whose results have no derivative, and deliberate refusals, each with the
reason and what to write instead (docs/coverage.md lists them).
"""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from ..runtime import (
    along_new_axis,
    chosen_index,
    inverse_axes,
    linspace_fraction,
    mesh_axes,
    meshgrid_dot,
    none_holds,
    rollaxis_axes,
    selected_choice,
    unbroadcast,
    unchoose,
)
from .registry import (
    SHAPE_ALL,
    SHAPE_EXACT,
    SHAPE_FIRST,
    adjoint,
    declare,
    describe,
    mark_elementwise,
    nondifferentiable,
    refuse,
    tangent,
)

# ======================================================================================= rules

# rollaxis is a transpose by the permutation NumPy's rule makes of (axis, start)


@adjoint(np.rollaxis)
def _(y, a, axis, start=0):
    a_bar = np.transpose(y_bar, inverse_axes(rollaxis_axes(a, axis, start), a))


@tangent(np.rollaxis)
def _(y, a, axis, start=0):
    y_dot = np.rollaxis(a_dot, axis, start)


declare(np.rollaxis, static="axis start")


@adjoint(np.positive)
def _(y, x):
    x_bar = y_bar


@tangent(np.positive)
def _(y, x):
    y_dot = np.positive(x_dot)


# ldexp(x1, x2) = x1 2^x2, x2 an integer exponent


@adjoint(np.ldexp)
def _(y, x1, x2):
    x1_bar = unbroadcast(np.ldexp(y_bar, x2), x1)


@tangent(np.ldexp)
def _(y, x1, x2):
    y_dot = np.ldexp(x1_dot, x2)


declare(np.ldexp, static="x2", note="`x2` is an integer exponent")

# heaviside(x1, x2): 0, x2 or 1 as x1 < 0, = 0, > 0: piecewise constant in x1, x2 where x1 = 0


@adjoint(np.heaviside)
def _(y, x1, x2):
    x2_bar = unbroadcast(y_bar * (x1 == 0), x2)


@tangent(np.heaviside)
def _(y, x1, x2):
    y_dot = x2_dot * (x1 == 0)


declare(np.heaviside, static="x1", note="piecewise constant in `x1`")
mark_elementwise(np.positive, np.ldexp, np.heaviside)

# bincount(x, weights)[i] = Σ weights where x = i: each weight's adjoint is its bin's


@adjoint(np.bincount)
def _(y, x, weights=None, minlength=0):
    weights_bar = y_bar[x]


@tangent(np.bincount)
def _(y, x, weights=None, minlength=0):
    y_dot = np.bincount(x, weights_dot, minlength)


declare(np.bincount, static="x minlength", note="`x` holds bin numbers")

# diagflat(v, k) = diag(ravel(v), k)


@adjoint(np.diagflat)
def _(y, v, k=0):
    v_bar = np.reshape(np.diagonal(y_bar, k), np.shape(v))


@tangent(np.diagflat)
def _(y, v, k=0):
    y_dot = np.diagflat(v_dot, k)


declare(np.diagflat, static="k")

# unwrap adds whole periods where consecutive values jump: the identity where it is differentiable


@adjoint(np.unwrap)
def _(y, p, discont=None, axis=-1, *, period=6.283185307179586):
    p_bar = y_bar


@tangent(np.unwrap)
def _(y, p, discont=None, axis=-1, *, period=6.283185307179586):
    y_dot = p_dot


declare(np.unwrap, static="discont axis period", note="the added periods are piecewise constant")

# logspace: y = base ** (start (1 - t) + stop t); geomspace: y = start (stop / start) ** t


@adjoint(np.logspace)
def _(y, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    t = linspace_fraction(y, num, endpoint, axis)
    g = y_bar * y * np.log(base)
    start_bar = unbroadcast(np.sum(g * (1.0 - t), axis=axis), start)
    stop_bar = unbroadcast(np.sum(g * t, axis=axis), stop)


@tangent(np.logspace)
def _(y, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    y_dot = (
        along_new_axis(start_dot, y, axis) * (1.0 - linspace_fraction(y, num, endpoint, axis))
        + along_new_axis(stop_dot, y, axis) * linspace_fraction(y, num, endpoint, axis)
    ) * (y * np.log(base))


declare(np.logspace, static="num endpoint dtype axis", unsupported="base")


@adjoint(np.geomspace)
def _(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = linspace_fraction(y, num, endpoint, axis)
    start_bar = unbroadcast(np.sum(y_bar * y * (1.0 - t), axis=axis) / start, start)
    stop_bar = unbroadcast(np.sum(y_bar * y * t, axis=axis) / stop, stop)


@tangent(np.geomspace)
def _(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    y_dot = (
        along_new_axis(start_dot / start, y, axis) * (1.0 - linspace_fraction(y, num, endpoint, axis))
        + along_new_axis(stop_dot / stop, y, axis) * linspace_fraction(y, num, endpoint, axis)
    ) * y


declare(np.geomspace, static="num endpoint dtype axis")

# linalg.cross: np.cross of 3-vectors along the last axis


@adjoint(np.linalg.cross)
def _(y, x1, x2):
    x1_bar = unbroadcast(np.cross(x2, y_bar), x1)
    x2_bar = unbroadcast(np.cross(y_bar, x1), x2)


@tangent(np.linalg.cross)
def _(y, x1, x2):
    y_dot = np.linalg.cross(x1_dot, x2) + np.linalg.cross(x1, x2_dot)


# select and choose take each element from one of the choices: its adjoint goes to that choice
# (unchoose), the conditions and indices are static; np.select's default is taken where no
# condition holds


@adjoint(np.select)
def _(y, condlist, choicelist, default=0):
    choicelist_bar = unchoose(y_bar, selected_choice(condlist, choicelist), choicelist)
    default_bar = unbroadcast(np.where(none_holds(condlist), y_bar, 0.0), default)


@tangent(np.select)
def _(y, condlist, choicelist, default=0):
    y_dot = np.select(condlist, choicelist_dot, 0.0) + np.where(none_holds(condlist), default_dot, 0.0)


declare(np.select, static="condlist", note="the conditions are piecewise constant")
describe(np.select, shape=SHAPE_ALL)  # (the broadcast of the conditions and choices)


@adjoint(np.choose)
def _(y, a, choices, out=None, mode="raise"):
    choices_bar = unchoose(y_bar, chosen_index(a, choices, mode), choices)


@tangent(np.choose)
def _(y, a, choices, out=None, mode="raise"):
    y_dot = np.choose(a, choices_dot, mode=mode)


declare(np.choose, static="a mode", unsupported="out", note="`a` holds indices")
describe(np.choose, methods=("choose",), shape=SHAPE_ALL)  # (k.choose(choices): the index array's method)

# meshgrid(x1, x2, ...) repeats each input (flattened) along the other axes of its output (the
# first two swapped for indexing='xy'): x_k's adjoint is the k-th output's summed over those axes


@adjoint(np.meshgrid)
def _(y, x1, x2=None, x3=None, x4=None, *, sparse=False, indexing="xy"):
    x1_bar = np.reshape(np.sum(y_bar[0], axis=mesh_axes(y, 0, indexing)), np.shape(x1))
    x2_bar = np.reshape(np.sum(y_bar[1], axis=mesh_axes(y, 1, indexing)), np.shape(x2))
    x3_bar = np.reshape(np.sum(y_bar[2], axis=mesh_axes(y, 2, indexing)), np.shape(x3))
    x4_bar = np.reshape(np.sum(y_bar[3], axis=mesh_axes(y, 3, indexing)), np.shape(x4))


@tangent(np.meshgrid)
def _(y, x1, x2=None, x3=None, x4=None, *, sparse=False, indexing="xy"):
    y_dot = meshgrid_dot(y, indexing, x1_dot, x2_dot, x3_dot, x4_dot)


declare(np.meshgrid, static="sparse indexing", note="up to 4 inputs")
describe(np.meshgrid, keywords={"copy": None})  # (copy=False: read-only views of the same values)
describe(np.meshgrid, shape=SHAPE_ALL)  # (the inputs' lengths, in the order `indexing` says)

describe(np.rollaxis, np.diagflat, np.unwrap, shape=SHAPE_FIRST)
describe(np.linalg.cross, shape=SHAPE_ALL)
describe(np.bincount, np.logspace, np.geomspace, shape=SHAPE_EXACT)

# ====================================================================== results without derivative

nondifferentiable(
    np.argpartition, np.lexsort, np.nanargmax, np.nanargmin, np.ravel_multi_index, np.unravel_index,
    np.diag_indices_from, np.tril_indices_from, np.triu_indices_from, np.mask_indices, np.indices, np.ix_,
    note="indices",
)  # fmt: skip
nondifferentiable(
    np.array_equiv, np.iscomplex, np.iscomplexobj, np.isreal, np.isrealobj, np.isscalar, np.isneginf, np.isposinf,
    np.isin, np.logical_xor, np.signbit, np.can_cast, np.isdtype, np.issubdtype, np.iterable,
    note="a boolean",
)  # fmt: skip
nondifferentiable(
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.bitwise_not, np.invert, np.left_shift, np.right_shift,
    np.gcd, np.lcm, np.packbits, np.unpackbits, np.linalg.matrix_rank,
    note="integers",
)  # fmt: skip
for _name in ("bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift"):  # (NumPy 2 names)
    if hasattr(np, _name) and getattr(np, _name) not in (np.invert, np.left_shift, np.right_shift):
        nondifferentiable(getattr(np, _name), note="integers")
nondifferentiable(np.spacing, note="the distance to the next float: piecewise constant")
nondifferentiable(
    np.bartlett, np.blackman, np.hamming, np.hanning, note="a window that depends only on its number of points"
)
nondifferentiable(
    np.broadcast_shapes, np.result_type, np.promote_types, np.einsum_path, np.array_repr, np.array_str,
    np.get_printoptions, np.set_printoptions, np.printoptions,
    note="a shape, a dtype, a plan or text",
)  # fmt: skip

# ============================================================================ deliberate refusals

refuse(
    np.unique, np.unique_all, np.unique_counts, np.unique_inverse, np.unique_values, np.intersect1d,
    np.setdiff1d, np.setxor1d, np.union1d, np.trim_zeros, np.sort_complex, np.partition,
    note="selected values whose places the result does not give: select them by index (np.sort, x[mask])",
)  # fmt: skip
refuse(
    np.histogram, np.histogram2d, np.histogramdd, np.histogram_bin_edges,
    note="counts are integers, the bin edges follow the data's range: not differentiated",
)  # fmt: skip
refuse(
    np.apply_along_axis, np.apply_over_axes, np.piecewise, np.frompyfunc, np.fromfunction,
    note="calls a function astgrad does not see: write the loop or the vectorised expression",
)  # fmt: skip
refuse(
    np.load, np.save, np.savez, np.fromfile, np.frombuffer, np.fromstring, np.fromiter, np.from_dlpack,
    note="reads or writes data outside the program",
)  # fmt: skip
refuse(
    np.broadcast_arrays,
    np.divmod,
    np.modf,
    np.frexp,
    note="returns several arrays (views for broadcast_arrays): use np.broadcast_to, broadcasting, // and %",
)
refuse(np.angle, note="a complex argument's derivative is not given; of a real argument it is piecewise constant")
refuse(np.nextafter, note="the next float: not differentiated")
refuse(np.compress, np.extract, np.insert, np.resize, np.ediff1d, np.vander, note="not differentiated yet")
refuse(np.kaiser, note="not differentiated in `beta`")
refuse(np.poly, np.roots, np.polyfit, note="not differentiated (roots and fits of polynomials)")
refuse(
    np.polyadd,
    np.polysub,
    np.polymul,
    np.polydiv,
    np.polyder,
    np.polyint,
    note="not differentiated: np.polyval, np.convolve and slicing of coefficient arrays are",
)
refuse(np.linalg.eig, np.linalg.eigvals, note="complex eigenvectors of a general matrix: use np.linalg.eigh")
refuse(np.linalg.cond, note="not differentiated: write it with np.linalg.svd(a, compute_uv=False)")
refuse(np.linalg.tensorinv, np.linalg.tensorsolve, note="reshape to matrices and use np.linalg.inv / solve")
refuse(np.fft.hfft, np.fft.ihfft, note="not differentiated: np.fft.irfft / rfft of the conjugate are")
refuse(np.fft.fftfreq, np.fft.rfftfreq, note="not differentiated in the spacing `d`: pass a constant")
if hasattr(np, "unstack"):
    refuse(np.unstack, note="not differentiated yet: index the axis (x[i]) or use np.split")
refuse(np.real_if_close, note="its result's type depends on the values: use np.real (differentiated)")

describe(np.argpartition, np.lexsort, np.nanargmax, np.nanargmin, np.isin, np.diag_indices_from, shape=SHAPE_FIRST)
describe(np.tril_indices_from, np.triu_indices_from, np.linalg.matrix_rank, shape=SHAPE_FIRST)
describe(np.isneginf, np.isposinf, np.iscomplex, np.isreal, shape=SHAPE_FIRST)
describe(np.bartlett, np.blackman, np.hamming, np.hanning, np.indices, shape=SHAPE_EXACT)
