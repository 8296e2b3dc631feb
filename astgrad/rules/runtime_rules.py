"""Rules of the runtime helpers generated code calls, so generated code can be differentiated
again (forward over reverse for Hessians, reverse over reverse for grad(grad(f)))."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from .. import runtime as rt
from ..runtime import (
    add_adjoints,
    copy_of,
    diagonal_bar,
    items_adjoint,
    items_adjoint_bar,
    joined_dot,
    match_structure,
    matmul_left,
    matmul_right,
    numbers_as_array,
    on_diagonal,
    owned_copy,
    prod_others_dot,
    rebroadcast,
    repeated,
    repeated_bar,
    sequence_bar,
    sorted_bar,
    sorted_dot,
    split_like,
    unbroadcast,
    uncast,
    undelete,
    unindex,
    unreduce,
    unstack,
    with_diagonal,
    written_part,
)
from ..runtime import linalg as rx
from .registry import SHAPE_FIRST, adjoint, declare, describe, nondifferentiable, passthrough, tangent

# list(x) is [v for v in sequence_of(x)]: x itself, or a dict's keys (no derivative)


# tuple(xs) is tuple_of(list(xs)): the items themselves, their adjoints a list of them
@adjoint(rt.tuple_of)
def _(y, items):
    items_bar = list(y_bar)


@tangent(rt.tuple_of)
def _(y, items):
    y_dot = rt.tuple_of(items_dot)


@adjoint(rt.sequence_of)
def _(y, x):
    x_bar = sequence_bar(y_bar, x)


@tangent(rt.sequence_of)
def _(y, x):
    y_dot = sequence_bar(x_dot, x)


# sorted(x) is sorted_of(x): a dict's keys (no derivative), or the items in order (a permutation)


@adjoint(rt.sorted_of)
def _(y, x):
    x_bar = sorted_bar(y_bar, x)


@tangent(rt.sorted_of)
def _(y, x):
    y_dot = sorted_dot(x_dot, x)


# `a + b` and `a * n` of lists and tuples are joined(a, b) and repeated(a, n) (analysis/sequences.py)


@adjoint(rt.joined)
def _(z, x, y):
    x_bar = z_bar[: len(x)]
    y_bar = z_bar[len(x) :]


@tangent(rt.joined)
def _(z, x, y):
    z_dot = joined_dot(x_dot, y_dot, x, y)


@adjoint(rt.repeated)
def _(z, x, n):
    x_bar = repeated_bar(z_bar, x)


@tangent(rt.repeated)
def _(z, x, n):
    z_dot = repeated(list(x_dot), n)


# ... and their adjoint and tangent helpers, linear in the adjoints and tangents they carry


@adjoint(rt.repeated_bar)
def _(y, g, x):
    g_bar = repeated(list(y_bar), len(g) // len(x))


@tangent(rt.repeated_bar)
def _(y, g, x):
    y_dot = repeated_bar(g_dot, x)


@tangent(rt.joined_dot)
def _(z, a, b, x, y):
    z_dot = joined_dot(a_dot, b_dot, x, y)


declare(rt.repeated, static="n")
declare(rt.repeated_bar, static="x")
declare(rt.joined_dot, static="x y")
describe(rt.repeated_bar, makes_list=True)


# linear in their first argument g: the tangent applies the same map to g_dot


@tangent(rt.uncast)
def _(z, g, x, y):
    z_dot = uncast(g_dot, x, y)


declare(rt.uncast, static="x y")


@adjoint(rt.uncast)
def _(z, g, x, y):
    g_bar = uncast(z_bar, g, y)


@tangent(rt.unbroadcast)
def _(y, g, x):
    y_dot = unbroadcast(g_dot, x)


declare(rt.unbroadcast, static="x")


@adjoint(rt.unbroadcast)
def _(y, g, x):
    g_bar = rebroadcast(y_bar, g)


@tangent(rt.unreduce)
def _(y, g, x, axis=None, keepdims=False):
    y_dot = unreduce(g_dot, x, axis, keepdims)


declare(rt.unreduce, static="x axis keepdims")


@adjoint(rt.unreduce)
def _(y, g, x, axis=None, keepdims=False):
    g_bar = unbroadcast(np.sum(y_bar, axis=axis, keepdims=keepdims), g)


# prod_others (np.prod's derivative): its derivative map is symmetric, so one helper is both rules


@tangent(rt.prod_others)
def _(y, a, axis=None):
    y_dot = prod_others_dot(a, a_dot, axis)


declare(rt.prod_others, static="axis")


@adjoint(rt.prod_others)
def _(y, a, axis=None):
    a_bar = prod_others_dot(a, y_bar, axis)


# items_adjoint (the adjoint of builtin sum's items) is linear in the sum's adjoint g


@tangent(rt.items_adjoint)
def _(y, g, items):
    y_dot = items_adjoint(g_dot, items)


declare(rt.items_adjoint, static="items")


@adjoint(rt.items_adjoint)
def _(y, g, items):
    g_bar = items_adjoint_bar(y_bar, g)


@tangent(rt.unindex)
def _(y, g, x, index):
    y_dot = unindex(g_dot, x, index)


declare(rt.unindex, static="x index")


@adjoint(rt.unindex)
def _(y, g, x, index):
    g_bar = unbroadcast(y_bar[index], g)


@tangent(rt.written_part)
def _(y, g, index):
    y_dot = written_part(g_dot, index)


declare(rt.written_part, static="index")


@adjoint(rt.written_part)
def _(y, g, index):
    g_bar = unindex(y_bar * written_part(np.ones_like(g), index), g, index)


@tangent(rt.owned_copy)
def _(y, g):
    y_dot = owned_copy(g_dot)


@adjoint(rt.owned_copy)
def _(y, g):
    g_bar = y_bar


@tangent(rt.copy_of)
def _(y, value):
    y_dot = copy_of(value_dot)


@adjoint(rt.copy_of)
def _(y, value):
    value_bar = y_bar


describe(rt.copy_of, rt.owned_copy, passes_adjoint=True)  # (a copy of any type: a list's adjoint is a list)


@tangent(rt.match_structure)
def _(y, g, x):
    y_dot = match_structure(g_dot, x)


declare(rt.match_structure, static="x")


@adjoint(rt.match_structure)
def _(y, g, x):
    g_bar = y_bar


@tangent(rt.add_adjoints)
def _(y, a, b):
    y_dot = add_adjoints(a_dot, b_dot)


@adjoint(rt.add_adjoints)
def _(y, a, b):
    a_bar = y_bar
    b_bar = y_bar


@tangent(rt.split_like)
def _(y, g, parts, axis=0):
    y_dot = split_like(g_dot, parts, axis)


declare(rt.split_like, static="parts axis")


@tangent(rt.unstack)
def _(y, g, axis=0):
    y_dot = unstack(g_dot, axis)


declare(rt.unstack, static="axis")


@tangent(rt.undelete)
def _(y, g, a, obj, axis=None):
    y_dot = undelete(g_dot, a, obj, axis)


declare(rt.undelete, static="a obj axis")


@tangent(rt.add_at)
def _(y, buf, index, g):
    # (a gradient's list or dict too: a Hessian of a function of a dict of arrays)
    y_dot = add_adjoints(buf_dot, unindex(g_dot, buf, index))


declare(rt.add_at, static="index")


@adjoint(rt.add_at)
def _(y, buf, index, g):
    buf_bar = y_bar
    g_bar = unbroadcast(y_bar[index], g)


# np.add.at(a, index, v) is `a = added_at(a, index, v)` and np.fill_diagonal(a, val) is
# `a = with_diagonal(a, val)` (frontend/normalize/writes.py): new arrays, linear in a and v


@adjoint(rt.added_at)
def _(y, a, index, v):
    a_bar = y_bar
    v_bar = unbroadcast(y_bar[index], v)  # (each repeat of an index gets its own share)


@tangent(rt.added_at)
def _(y, a, index, v):
    y_dot = a_dot + unindex(v_dot, a, index)


declare(rt.added_at, static="index")


# np.copyto(a, v, where=m) is `a = copied_into(a, v, m)`: the elements of v where m holds, a's elsewhere


@adjoint(rt.copied_into)
def _(y, a, v, where):
    a_bar = np.where(where, 0.0, y_bar)
    v_bar = unbroadcast(np.where(where, y_bar, 0.0), v)


@tangent(rt.copied_into)
def _(y, a, v, where):
    y_dot = np.where(where, v_dot, a_dot)


declare(rt.copied_into, static="where")


@adjoint(rt.with_diagonal)
def _(y, a, val):
    a_bar = with_diagonal(y_bar, 0.0)
    val_bar = diagonal_bar(y_bar, val)


@tangent(rt.with_diagonal)
def _(y, a, val):
    y_dot = with_diagonal(a_dot, 0.0) + on_diagonal(val_dot, a)


@adjoint(rt.diagonal_bar)
def _(y, g, val):
    g_bar = on_diagonal(y_bar, g)


@tangent(rt.diagonal_bar)
def _(y, g, val):
    y_dot = diagonal_bar(g_dot, val)


declare(rt.diagonal_bar, static="val")


@adjoint(rt.on_diagonal)
def _(y, val, like):
    val_bar = diagonal_bar(y_bar, val)


@tangent(rt.on_diagonal)
def _(y, val, like):
    y_dot = on_diagonal(val_dot, like)


declare(rt.on_diagonal, static="like")


@tangent(rt.broadcast_like)
def _(y, t, like):
    y_dot = rt.broadcast_like(t_dot, like)


declare(rt.broadcast_like, static="like")


# the adjoints of NumPy's shape functions, and of sort: linear maps whose adjoints are the functions


@tangent(rt.untile)
def _(y, g, a, reps):
    y_dot = rt.untile(g_dot, a, reps)


declare(rt.untile, static="a reps")


@adjoint(rt.untile)
def _(y, g, a, reps):
    g_bar = np.tile(y_bar, reps)


@tangent(rt.unrepeat)
def _(y, g, a, repeats, axis=None):
    y_dot = rt.unrepeat(g_dot, a, repeats, axis)


declare(rt.unrepeat, static="a repeats axis")


@adjoint(rt.unrepeat)
def _(y, g, a, repeats, axis=None):
    g_bar = np.repeat(y_bar, repeats, axis)


@tangent(rt.untake)
def _(y, g, a, indices, axis=None, mode="raise"):
    y_dot = rt.untake(g_dot, a, indices, axis) if mode == "raise" else rt.untake(g_dot, a, indices, axis, mode)


declare(rt.untake, static="a indices axis mode")


@adjoint(rt.untake)
def _(y, g, a, indices, axis=None, mode="raise"):
    g_bar = np.take(y_bar, indices, axis) if mode == "raise" else np.take(y_bar, indices, axis, mode=mode)


@adjoint(rt.gradient_adjoint)
def _(y, g, f, h=1.0, *, axis=None, edge_order=1):
    g_bar = rt.gradient_of(y_bar, f, h, axis=axis, edge_order=edge_order)


@tangent(rt.gradient_adjoint)
def _(y, g, f, h=1.0, *, axis=None, edge_order=1):
    y_dot = rt.gradient_adjoint(g_dot, f, h, axis=axis, edge_order=edge_order)


@adjoint(rt.gradient_of)
def _(y, t, f, h=1.0, *, axis=None, edge_order=1):
    t_bar = rt.gradient_adjoint(y_bar, f, h, axis=axis, edge_order=edge_order)


@tangent(rt.gradient_of)
def _(y, t, f, h=1.0, *, axis=None, edge_order=1):
    y_dot = rt.gradient_of(t_dot, f, h, axis=axis, edge_order=edge_order)


declare(rt.gradient_adjoint, static="f h axis edge_order")
declare(rt.gradient_of, static="f h axis edge_order")


@tangent(rt.untrace)
def _(y, g, a, offset=0, axis1=0, axis2=1):
    y_dot = rt.untrace(g_dot, a, offset, axis1, axis2)


declare(rt.untrace, static="a offset axis1 axis2")


@adjoint(rt.untrace)
def _(y, g, a, offset=0, axis1=0, axis2=1):
    g_bar = np.trace(y_bar, offset, axis1, axis2)


@tangent(rt.undiff)
def _(y, g, n=1, axis=-1):
    y_dot = rt.undiff(g_dot, n, axis)


declare(rt.undiff, static="n axis")


@adjoint(rt.undiff)
def _(y, g, n=1, axis=-1):
    g_bar = np.diff(y_bar, n, axis)


@tangent(rt.unsort)
def _(y, g, a, axis=-1):
    y_dot = rt.unsort(g_dot, a, axis)


declare(rt.unsort, static="a axis")


@adjoint(rt.unsort)
def _(y, g, a, axis=-1):
    g_bar = rt.sorted_along(y_bar, a, axis)


@tangent(rt.sorted_along)
def _(y, t, a, axis=-1):
    y_dot = rt.sorted_along(t_dot, a, axis)


declare(rt.sorted_along, static="a axis")


@adjoint(rt.sorted_along)
def _(y, t, a, axis=-1):
    t_bar = rt.unsort(y_bar, a, axis)


@tangent(rt.unhstack)
def _(y, g, parts):
    y_dot = rt.unhstack(g_dot, parts)


declare(rt.unhstack, static="parts")


@tangent(rt.unvstack)
def _(y, g, parts):
    y_dot = rt.unvstack(g_dot, parts)


declare(rt.unvstack, static="parts")


@tangent(rt.einsum_of)
def _(y, subscripts, a, b=None):
    y_dot = rt.einsum_of(subscripts, a_dot, b) + rt.einsum_of(subscripts, a, b_dot)


declare(rt.einsum_of, static="subscripts")


@tangent(rt.einsum_adjoint)
def _(y, g, subscripts, a, b, which):
    y_dot = rt.einsum_adjoint(g_dot, subscripts, a, b, which) + rt.einsum_adjoint_dot(
        g, subscripts, a, b, a_dot, b_dot, which
    )


declare(rt.einsum_adjoint, static="subscripts which")


# bilinear: the adjoint map of a @ b depends on g and on the other factor


@tangent(rt.matmul_left)
def _(y, g, a, b):
    y_dot = matmul_left(g_dot, a, b) + matmul_left(g, a, b_dot)


declare(rt.matmul_left, static="a")


@tangent(rt.matmul_right)
def _(y, g, a, b):
    y_dot = matmul_right(g_dot, a, b) + matmul_right(g, a_dot, b)


declare(rt.matmul_right, static="b")


# their adjoints (reverse over reverse): matmul_left(g, a, b), the adjoint map of a ↦ a @ b, has
# the product itself as its adjoint in g (Y ↦ Y @ b), and in b the adjoint of b in Y @ b at g;
# likewise for matmul_right, and for np.dot's dot_left and dot_right


@adjoint(rt.matmul_left)
def _(y, g, a, b):
    g_bar = np.matmul(y_bar, b)
    b_bar = matmul_right(g, y_bar, b)


@adjoint(rt.matmul_right)
def _(y, g, a, b):
    g_bar = np.matmul(a, y_bar)
    a_bar = matmul_left(g, a, y_bar)


@tangent(rt.dot_left)
def _(y, g, a, b):
    y_dot = rt.dot_left(g_dot, a, b) + rt.dot_left(g, a, b_dot)


declare(rt.dot_left, static="a")


@tangent(rt.dot_right)
def _(y, g, a, b):
    y_dot = rt.dot_right(g_dot, a, b) + rt.dot_right(g, a_dot, b)


declare(rt.dot_right, static="b")


@adjoint(rt.dot_left)
def _(y, g, a, b):
    g_bar = np.dot(y_bar, b)
    b_bar = rt.dot_right(g, y_bar, b)


@adjoint(rt.dot_right)
def _(y, g, a, b):
    g_bar = np.dot(a, y_bar)
    a_bar = rt.dot_left(g, a, y_bar)


@tangent(rt.undiagonal)
def _(y, g, a, offset=0, axis1=0, axis2=1):
    y_dot = rt.undiagonal(g_dot, a, offset, axis1, axis2)


declare(rt.undiagonal, static="a offset axis1 axis2")


@adjoint(rt.undiagonal)
def _(y, g, a, offset=0, axis1=0, axis2=1):
    g_bar = np.diagonal(y_bar, offset, axis1, axis2)


@tangent(rt.undiag)
def _(y, g, v, k=0):
    y_dot = rt.undiag(g_dot, v, k)


declare(rt.undiag, static="v k")


@adjoint(rt.undiag)
def _(y, g, v, k=0):
    g_bar = np.diag(y_bar, k)


@adjoint(rt.unstack)
def _(y, g, axis=0):
    g_bar = np.stack(y_bar, axis)


passthrough(rt.distinct, globals())  # (copies a gradient that may share memory with another)

# quantile_adjoint and quantile_tangent are linear in their first argument and each other's transpose


@adjoint(rt.quantile_adjoint)
def _(y, g, a, q, axis=None, keepdims=False, skip_nan=False, method="linear"):
    g_bar = rt.quantile_tangent(y_bar, a, q, axis, keepdims, skip_nan, method)


@tangent(rt.quantile_adjoint)
def _(y, g, a, q, axis=None, keepdims=False, skip_nan=False, method="linear"):
    y_dot = rt.quantile_adjoint(g_dot, a, q, axis, keepdims, skip_nan, method)


declare(
    rt.quantile_adjoint,
    static="a q axis keepdims skip_nan method",
    note="a and q set the weights, piecewise constant in a",
)


@adjoint(rt.quantile_tangent)
def _(y, t, a, q, axis=None, keepdims=False, skip_nan=False, method="linear"):
    t_bar = rt.quantile_adjoint(y_bar, a, q, axis, keepdims, skip_nan, method)


@tangent(rt.quantile_tangent)
def _(y, t, a, q, axis=None, keepdims=False, skip_nan=False, method="linear"):
    y_dot = rt.quantile_tangent(t_dot, a, q, axis, keepdims, skip_nan, method)


declare(
    rt.quantile_tangent,
    static="a q axis keepdims skip_nan method",
    note="a and q set the weights, piecewise constant in a",
)

# along_new_axis is linear in t: its adjoint sums the new axis away and undoes the broadcast


@adjoint(rt.along_new_axis)
def _(z, t, y, axis=0):
    t_bar = unbroadcast(np.sum(z_bar, axis=axis), t)


@tangent(rt.along_new_axis)
def _(z, t, y, axis=0):
    z_dot = rt.along_new_axis(t_dot, y, axis)


declare(rt.along_new_axis, static="y axis")

nondifferentiable(rt.sign_of, note="piecewise constant")
nondifferentiable(rt.inverse_axes, rt.rollaxis_axes, note="a permutation")
nondifferentiable(rt.index_order, note="an index order, 'C' or 'F'")
nondifferentiable(rt.slab_shape, note="a shape")
nondifferentiable(rt.running_positions, note="positions along an axis")
nondifferentiable(rt.linspace_fraction, rt.arange_has_start, note="a value that depends only on shapes and counts")
nondifferentiable(rt.clip_share, note="a piecewise constant selection")
nondifferentiable(
    rt.median_weights,
    rt.quantile_weights,
    rt.quantile_method,
    rt.constant_argument,
    rt.fmax_share,
    rt.check_not_view,
    rt.check_apart,
    rt.changed_items,
    rt.changed_tuple,
    rt.check_elementwise,
    rt.check_float_store,
    rt.check_not_merged,
    rt.changed_partial,
    rt.partial_contents,
    rt.snapshot,
    rt.known_snapshot,
    rt.check_real,
    rt.check_string,
    rt.mixed_items,
    rt.check_not_overwritten,
    rt.check_not_held_view,
    rt.check_not_array,
    rt.check_aux_pair,
    rt.check_unaliased,
    rt.check_unshared,
    rt.check_sequence,
    rt.check_unpack_length,
    rt.check_unpack,
    rt.check_numbers,
    rt.copied_keys,
    rt.sequence_bar,
    rt.sorted_bar,
    rt.sorted_dot,
    rt.reduce_size,
    rt.select_share,
    rt.max_share,
    rt.extremum_mask,
    rt.extremum_mask_initial,
    rt.initial_share,
    rt.masked_count,
    rt.check_scalar,
    rt.zeros_like,
    rt.push,
)


# --- the helpers of rules/more_rules.py ----------------------------------------------------------
# tensordot_left(g, a, b) is the adjoint map of a ↦ tensordot(a, b) applied to g: bilinear in
# g and b (a gives its shape only); <ȳ, tensordot_left(g, a, b)> = <tensordot(ȳ, b), g>, which
# is tensordot_right(g, ȳ, b) as a function of b. tensordot_right likewise.


@tangent(rt.tensordot_left)
def _(y, g, a, b, axes=2):
    y_dot = rt.tensordot_left(g_dot, a, b, axes) + rt.tensordot_left(g, a, b_dot, axes)


declare(rt.tensordot_left, static="a axes")


@adjoint(rt.tensordot_left)
def _(y, g, a, b, axes=2):
    g_bar = np.tensordot(y_bar, b, axes)
    b_bar = rt.tensordot_right(g, y_bar, b, axes)


@tangent(rt.tensordot_right)
def _(y, g, a, b, axes=2):
    y_dot = rt.tensordot_right(g_dot, a, b, axes) + rt.tensordot_right(g, a_dot, b, axes)


declare(rt.tensordot_right, static="b axes")


@adjoint(rt.tensordot_right)
def _(y, g, a, b, axes=2):
    g_bar = np.tensordot(a, y_bar, axes)
    a_bar = rt.tensordot_left(g, a, y_bar, axes)


# unkron_left(g, a, b) is the adjoint map of a ↦ kron(a, b) applied to g (bilinear in g and b)


@tangent(rt.unkron_left)
def _(y, g, a, b):
    y_dot = rt.unkron_left(g_dot, a, b) + rt.unkron_left(g, a, b_dot)


declare(rt.unkron_left, static="a")


@adjoint(rt.unkron_left)
def _(y, g, a, b):
    g_bar = np.kron(y_bar, b)
    b_bar = rt.unkron_right(g, y_bar, b)


@tangent(rt.unkron_right)
def _(y, g, a, b):
    y_dot = rt.unkron_right(g_dot, a, b) + rt.unkron_right(g, a_dot, b)


declare(rt.unkron_right, static="b")


@adjoint(rt.unkron_right)
def _(y, g, a, b):
    g_bar = np.kron(a, y_bar)
    a_bar = rt.unkron_left(g, a, y_bar)


@tangent(rt.cross_vectors)
def _(y, g, a, b):
    y_dot = rt.cross_vectors(g_dot, a, b)


declare(rt.cross_vectors, static="a b")


@adjoint(rt.cross_vectors)
def _(y, g, a, b):
    g_bar = y_bar


# unpad is the adjoint of padding (with zeros, or copies: edge, reflect, symmetric, wrap), pad_constant_sum
# that of padding zeros with c


@tangent(rt.unpad)
def _(y, g, x, pad_width, mode="constant"):
    y_dot = rt.unpad(g_dot, x, pad_width, mode)


declare(rt.unpad, static="x pad_width mode")
# (a part of g: continuous in it, so an adjoint it reads decides nothing, analysis/rounding.py via window_loops.py)
describe(rt.unpad, continuous=True)


@adjoint(rt.unpad)
def _(y, g, x, pad_width, mode="constant"):
    g_bar = np.pad(y_bar, pad_width, mode)


@tangent(rt.pad_constant_sum)
def _(y, g, x, pad_width, constant_values=0):
    y_dot = rt.pad_constant_sum(g_dot, x, pad_width, constant_values)


declare(rt.pad_constant_sum, static="x pad_width constant_values")


@adjoint(rt.pad_constant_sum)
def _(y, g, x, pad_width, constant_values=0):
    g_bar = np.pad(np.zeros(np.shape(x)), pad_width, "constant", constant_values=y_bar)


@tangent(rt.unsplit)
def _(y, g, ary, indices_or_sections, axis=0):
    y_dot = rt.unsplit(g_dot, ary, indices_or_sections, axis)


declare(rt.unsplit, static="ary indices_or_sections axis")


@adjoint(rt.unsplit)
def _(y, g, ary, indices_or_sections, axis=0):
    g_bar = np.array_split(y_bar, indices_or_sections, axis)


# cumprod: shifts are linear (each the other's adjoint); the recurrences s = rev_recurrence(g, a)
# (s_k = g_k + a_{k+1} s_{k+1}) and f = fwd_recurrence(h, a) (f_k = h_k + a_k f_{k-1}) are linear
# in their first argument, each the other's adjoint there; along a: ds = rev_recurrence(dg +
# shift_up(da s), a) and df = fwd_recurrence(dh + da shift_down(f), a)


@tangent(rt.flat_if_none)
def _(y, a, axis):
    y_dot = rt.flat_if_none(a_dot, axis)


declare(rt.flat_if_none, static="axis")


@adjoint(rt.flat_if_none)
def _(y, a, axis):
    a_bar = np.reshape(y_bar, np.shape(a))


@tangent(rt.shift_down)
def _(y, x, axis=0, fill=0.0):
    y_dot = rt.shift_down(x_dot, axis)


declare(rt.shift_down, static="axis", unsupported="fill")


@adjoint(rt.shift_down)
def _(y, x, axis=0, fill=0.0):
    x_bar = rt.shift_up(y_bar, axis)


@tangent(rt.shift_up)
def _(y, x, axis=0):
    y_dot = rt.shift_up(x_dot, axis)


declare(rt.shift_up, static="axis")


@adjoint(rt.shift_up)
def _(y, x, axis=0):
    x_bar = rt.shift_down(y_bar, axis)


@tangent(rt.rev_recurrence)
def _(y, g, a, axis=0):
    y_dot = rt.rev_recurrence(g_dot, a, axis) + rt.rev_recurrence(rt.shift_up(a_dot * y, axis), a, axis)


declare(rt.rev_recurrence, static="axis")


@adjoint(rt.rev_recurrence)
def _(y, g, a, axis=0):
    f = rt.fwd_recurrence(y_bar, a, axis)
    g_bar = unbroadcast(f, g)
    a_bar = unbroadcast(rt.shift_down(f, axis) * y, a)


@tangent(rt.fwd_recurrence)
def _(y, h, a, axis=0):
    y_dot = rt.fwd_recurrence(h_dot, a, axis) + rt.fwd_recurrence(a_dot * rt.shift_down(y, axis), a, axis)


declare(rt.fwd_recurrence, static="axis")


@adjoint(rt.fwd_recurrence)
def _(y, h, a, axis=0):
    s = rt.rev_recurrence(y_bar, a, axis)
    h_bar = unbroadcast(s, h)
    a_bar = unbroadcast(s * rt.shift_down(y, axis), a)


# average_weights places the weights (linear); unweights sums them back (its adjoint)


@tangent(rt.average_weights)
def _(y, weights, a, axis=None, returned=False):
    y_dot = rt.average_weights(weights_dot, a, axis, returned)


declare(rt.average_weights, static="a axis returned")


@adjoint(rt.average_weights)
def _(y, weights, a, axis=None, returned=False):
    weights_bar = rt.unweights(y_bar, a, weights, axis)


@tangent(rt.unweights)
def _(y, g, a, weights, axis=None):
    y_dot = rt.unweights(g_dot, a, weights, axis)


declare(rt.unweights, static="a weights axis")


@adjoint(rt.unweights)
def _(y, g, a, weights, axis=None):
    g_bar = rebroadcast(rt.average_weights(y_bar, a, axis), g)


# triangles: from_triangle and to_triangle are each other's adjoints, tril_half and factor_lower
# their own


@tangent(rt.from_triangle)
def _(y, x, uplo="L"):
    y_dot = rt.from_triangle(x_dot, uplo)


declare(rt.from_triangle, static="uplo")


@adjoint(rt.from_triangle)
def _(y, x, uplo="L"):
    x_bar = rt.to_triangle(y_bar, uplo)


@tangent(rt.to_triangle)
def _(y, g, uplo="L"):
    y_dot = rt.to_triangle(g_dot, uplo)


declare(rt.to_triangle, static="uplo")


@adjoint(rt.to_triangle)
def _(y, g, uplo="L"):
    g_bar = rt.from_triangle(y_bar, uplo)


@tangent(rt.tril_half)
def _(y, x):
    y_dot = rt.tril_half(x_dot)


@adjoint(rt.tril_half)
def _(y, x):
    x_bar = rt.tril_half(y_bar)


@tangent(rt.factor_lower)
def _(y, x, upper=False):
    y_dot = rt.factor_lower(x_dot, upper)


declare(rt.factor_lower, static="upper")


@adjoint(rt.factor_lower)
def _(y, x, upper=False):
    x_bar = rt.factor_lower(y_bar, upper)


# F_ij = 1 / (w_j - w_i): dF_ij = -F_ij² (dw_j - dw_i) (the eigenvectors' adjoint is only checked)


@tangent(rt.eigh_gaps)
def _(y, w, vbar=None):
    y_dot = -(y * y) * (np.expand_dims(w_dot, -2) - np.expand_dims(w_dot, -1))


declare(rt.eigh_gaps, static="vbar")


@adjoint(rt.eigh_gaps)
def _(y, w, vbar=None):
    q = y_bar * y * y
    w_bar = np.sum(q, axis=-1) - np.sum(q, axis=-2)


# the blocks of [[a, e], [0, a]]


@tangent(rt.block_upper)
def _(y, a, e):
    y_dot = rt.block_upper(a_dot, e_dot)


@adjoint(rt.block_upper)
def _(y, a, e):
    a_bar = rt.diag_blocks_sum(y_bar)
    e_bar = rt.upper_right(y_bar)


@tangent(rt.upper_right)
def _(y, x):
    y_dot = rt.upper_right(x_dot)


@adjoint(rt.upper_right)
def _(y, x):
    x_bar = rt.block_upper(0.0, y_bar)


@tangent(rt.diag_blocks_sum)
def _(y, x):
    y_dot = rt.diag_blocks_sum(x_dot)


@adjoint(rt.diag_blocks_sum)
def _(y, x):
    x_bar = rt.block_upper(y_bar, 0.0)


nondifferentiable(rt.inner_axes, rt.pad_mode, rt.cumprod_axis, rt.triangle_of, rt.dict_keys, rt.keys_if_dict)
nondifferentiable(rt.element_numbers, note="positions")
nondifferentiable(rt.selected_choice, rt.chosen_index, rt.none_holds, rt.mesh_axes, note="indices, masks and axes")

# meshgrid_dot is linear in the tangents: its adjoint is np.meshgrid's


@tangent(rt.meshgrid_dot)
def _(z, y, indexing, a=0.0, b=0.0, c=0.0, d=0.0):
    z_dot = rt.meshgrid_dot(y, indexing, a_dot, b_dot, c_dot, d_dot)


@adjoint(rt.meshgrid_dot)
def _(z, y, indexing, a=0.0, b=0.0, c=0.0, d=0.0):
    a_bar = np.reshape(np.sum(z_bar[0], axis=rt.mesh_axes(y, 0, indexing)), np.shape(a))
    b_bar = np.reshape(np.sum(z_bar[1], axis=rt.mesh_axes(y, 1, indexing)), np.shape(b))
    c_bar = np.reshape(np.sum(z_bar[2], axis=rt.mesh_axes(y, 2, indexing)), np.shape(c))
    d_bar = np.reshape(np.sum(z_bar[3], axis=rt.mesh_axes(y, 3, indexing)), np.shape(d))


declare(rt.meshgrid_dot, static="y indexing", note="y: read for its shapes")

# unchoose and rechoose are linear and each other's adjoints: each element goes to (comes from) the
# choice `index` names


@tangent(rt.unchoose)
def _(y, g, index, choices):
    y_dot = rt.unchoose(g_dot, index, choices)


@adjoint(rt.unchoose)
def _(y, g, index, choices):
    g_bar = rt.rechoose(y_bar, index, g)


declare(rt.unchoose, static="index choices", note="choices: read for their shapes")
describe(rt.unchoose, makes_list=True)


@tangent(rt.rechoose)
def _(y, h, index, g):
    y_dot = rt.rechoose(h_dot, index, g)


@adjoint(rt.rechoose)
def _(y, h, index, g):
    h_bar = rt.unchoose(y_bar, index, h)


declare(rt.rechoose, static="index g", note="g: read for its shape")

describe(rt.copy_of, rt.numbers_as_array, shape=SHAPE_FIRST)  # (shape_facts.py)

# per window with axis None, or over the window axes of a stack of windows with keepdims (window_loops.py);
# every iteration's elements of a loop nest as one view of the array (no derivative: specialised code only)
describe(rt.extremum_mask, windowed=True)
describe(rt.strided_view, views=True, continuous=True)  # (its values are the array's: it decides nothing)
# the overlapping windows' additions of a loop nest, in place (window_loops.py): never removed or moved
describe(rt.overlap_add, effects=True)
nondifferentiable(rt.overlap_plan)

# specialised code: matmul_left/right and dot_left/right as the NumPy expression the operands'
# ranks call for (specialize/lowering/lower.py); a loop's contributions summed by one product after it (batching.py)
_MATMUL_LEFT = {(2, 1): "g[:, None] * b", (2, 2): "g @ b.T", (1, 2): "b @ g", (1, 1): "g * b"}
_MATMUL_RIGHT = {(2, 1): "g @ a", (2, 2): "a.T @ g", (1, 2): "a[:, None] * g", (1, 1): "g * a"}
describe(
    rt.matmul_left, lowered={**_MATMUL_LEFT, "stacked": "g @ np.swapaxes(b, -1, -2)"}, batched=("matmul_left_sum", 1)
)
describe(
    rt.matmul_right, lowered={**_MATMUL_RIGHT, "stacked": "np.swapaxes(a, -1, -2) @ g"}, batched=("matmul_right_sum", 2)
)
# (np.dot is matmul up to 2-d: its adjoints batch as matmul's where the shapes are known, batching.py)
describe(rt.dot_left, lowered=_MATMUL_LEFT, batched_known_shapes=("matmul_left_sum", 1))
describe(rt.dot_right, lowered=_MATMUL_RIGHT, batched_known_shapes=("matmul_right_sum", 2))
describe(rt.sum_parts, stacked_sum="{np}.sum({0}, axis=0)")
describe(rt.matmul_left_sum, stacked_sum="{0}.T @ {1}", outer_axis=1)  # Σ outer(g, b): (g, b) collected
describe(rt.matmul_right_sum, stacked_sum="{1}.T @ {0}", outer_axis=0)  # Σ outer(a, g): (g, a) collected
# Σ unbroadcast(g, x) over steps is unbroadcast of the stacked g: the sum over the step axis too
describe(rt.unbroadcast, batched_known_shapes=("unbroadcast", 1), stacked_sum="{helper}({0}, {fixed})")
# the tape, in-place accumulation and the scalar check: never removed, repeated or moved (optimize/cleanup.py)
describe(
    rt.push,
    rt.pop,
    rt.pop_block,
    rt.add_at,
    rt.check_scalar,
    rt.check_sequence,
    rt.check_unpack_length,
    rt.check_unpack,
    rt.check_numbers,
    rt.check_aux_pair,
    rt.check_unaliased,
    effects=True,
)
# shaped like their first argument (specialize/lowering/lower.py); reading only the shape of one argument, which the
# backward pass may then take from an earlier name of the same shape (reverse.py); returning a list
# of adjoints (reverse.py sums those with add_adjoints)
describe(rt.extremum_mask, rt.prod_others, rt.prod_others_dot, rt.copy_of, shaped_like_first=True)
# shares of an adjoint, in [0, 1] whatever the arguments (NaN too): a contribution they scale needs no
# branch mask (analysis/branch_masks.py)
describe(rt.max_share, rt.fmax_share, rt.select_share, bounded=True)
describe(rt.unreduce, reads_shape_of=1)
# a sum over broadcast axes, its broadcast back: continuous in the adjoint they carry (rounding.py)
describe(rt.unreduce, rt.unbroadcast, continuous=True)
describe(rt.reduce_size, reads_shape_of=0)
describe(rt.split_like, rt.unstack, rt.sequence_bar, rt.sorted_bar, makes_list=True)
# a list of the items' shares for a list or tuple of items (builtin sum's and math.prod's): added
# to another adjoint of the list item by item, not joined to it
describe(rt.items_adjoint, rt.prod_items_bar, makes_list=True)


# a list of numbers NumPy reads as an array (frontend/normalize/normalizer.py, _lists_as_arrays): the same values


@adjoint(rt.numbers_as_array)
def _(y, x):
    x_bar = y_bar


@tangent(rt.numbers_as_array)
def _(y, x):
    y_dot = numbers_as_array(x_dot)


# abs_slope(x) = conj(x) / |x|: sign(x) for a real x (piecewise constant), R-linear derivative for
# a complex one (runtime.abs_slope_dot; abs_slope_bar is its transpose)


@adjoint(rt.abs_slope)
def _(y, x):
    x_bar = rt.abs_slope_bar(y_bar, x)


@tangent(rt.abs_slope)
def _(y, x):
    y_dot = rt.abs_slope_dot(x_dot, x)


# imag_adjoint(g, x) = -i g (0 for a real x): linear in g (a real g's adjoint is the real part)


@adjoint(rt.imag_adjoint)
def _(y, g, x):
    g_bar = rt.real_if_real(rt.imag_adjoint(y_bar, x), g)


@tangent(rt.imag_adjoint)
def _(y, g, x):
    y_dot = rt.imag_adjoint(g_dot, x)


declare(rt.imag_adjoint, static="x")


# einsum_n is np.einsum (multilinear); einsum_bar(g, s, which, ops) is linear in g and in each
# operand other than `which` (read for its shape only): <ȳ, einsum_bar(g, ...)> = <g, einsum with
# operand `which` replaced by ȳ>, whose adjoints are einsum_bar's again (einsum_swap)


@adjoint(rt.einsum_n)
def _(y, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    a_bar = rt.einsum_bar(y_bar, subscripts, 0, a, b, c, d, e, f)
    b_bar = rt.einsum_bar(y_bar, subscripts, 1, a, b, c, d, e, f)
    c_bar = rt.einsum_bar(y_bar, subscripts, 2, a, b, c, d, e, f)
    d_bar = rt.einsum_bar(y_bar, subscripts, 3, a, b, c, d, e, f)
    e_bar = rt.einsum_bar(y_bar, subscripts, 4, a, b, c, d, e, f)
    f_bar = rt.einsum_bar(y_bar, subscripts, 5, a, b, c, d, e, f)


@tangent(rt.einsum_n)
def _(y, subscripts, a, b=None, c=None, d=None, e=None, f=None):
    y_dot = (
        rt.einsum_n(subscripts, a_dot, b, c, d, e, f)
        + rt.einsum_n(subscripts, a, b_dot, c, d, e, f)
        + rt.einsum_n(subscripts, a, b, c_dot, d, e, f)
        + rt.einsum_n(subscripts, a, b, c, d_dot, e, f)
        + rt.einsum_n(subscripts, a, b, c, d, e_dot, f)
        + rt.einsum_n(subscripts, a, b, c, d, e, f_dot)
    )


declare(rt.einsum_n, static="subscripts")


@adjoint(rt.einsum_bar)
def _(y, g, subscripts, which, a, b=None, c=None, d=None, e=None, f=None):
    g_bar = rt.einsum_swap(g, subscripts, which, -1, y_bar, a, b, c, d, e, f)
    a_bar = rt.einsum_swap(g, subscripts, which, 0, y_bar, a, b, c, d, e, f)
    b_bar = rt.einsum_swap(g, subscripts, which, 1, y_bar, a, b, c, d, e, f)
    c_bar = rt.einsum_swap(g, subscripts, which, 2, y_bar, a, b, c, d, e, f)
    d_bar = rt.einsum_swap(g, subscripts, which, 3, y_bar, a, b, c, d, e, f)
    e_bar = rt.einsum_swap(g, subscripts, which, 4, y_bar, a, b, c, d, e, f)
    f_bar = rt.einsum_swap(g, subscripts, which, 5, y_bar, a, b, c, d, e, f)


@tangent(rt.einsum_bar)
def _(y, g, subscripts, which, a, b=None, c=None, d=None, e=None, f=None):
    y_dot = (
        rt.einsum_bar(g_dot, subscripts, which, a, b, c, d, e, f)
        + rt.einsum_bar_dot(g, subscripts, which, 0, a_dot, b, c, d, e, f)
        + rt.einsum_bar_dot(g, subscripts, which, 1, a, b_dot, c, d, e, f)
        + rt.einsum_bar_dot(g, subscripts, which, 2, a, b, c_dot, d, e, f)
        + rt.einsum_bar_dot(g, subscripts, which, 3, a, b, c, d_dot, e, f)
        + rt.einsum_bar_dot(g, subscripts, which, 4, a, b, c, d, e_dot, f)
        + rt.einsum_bar_dot(g, subscripts, which, 5, a, b, c, d, e, f_dot)
    )


declare(rt.einsum_bar, static="subscripts which")

# the breadth rules' helpers that return a list of adjoints (rules/numpy_extra_rules.py,
# linalg_extra_rules.py, scipy_rules.py)
describe(rt.unjoin, rt.unblock, rt.multi_dot_adjoint, rt.cho_solve_adjoint, rt.lu_solve_adjoint, makes_list=True)


# --- second derivatives through the breadth rules' helpers ------------------------------------------
# masks, counts and flags: piecewise constant

nondifferentiable(
    rt.finite_mask,
    rt.ptp_mask,
    rt.not_nan,
    rt.nan_count,
    rt.interp_outside_mask,
    rt.interp_end,
    rt.split_axis,
    rt.cumulative_axis,
    rt.rot90_back,
    rt.as_s,
    rt.conv_mode,
    rt.upper_of,
    rt.fft_axes,
    rt.is_p_norm,
    note="masks, counts and flags of the breadth rules",
)


# w = lse_weights(a, b, y) = exp(a - y) (y spread over the reduced axes): dw = w (da - dy)


@tangent(rt.lse_weights)
def _(w, a, b, y, axis=None, keepdims=False, return_sign=False):
    w_dot = w * a_dot - w * unreduce(y_dot, w, axis, keepdims)


@adjoint(rt.lse_weights)
def _(w, a, b, y, axis=None, keepdims=False, return_sign=False):
    a_bar = unbroadcast(w_bar * w, a)
    y_bar = -np.sum(w_bar * w, axis=axis, keepdims=keepdims)


declare(rt.lse_weights, static="b axis keepdims return_sign", note="b: read for its shape")


@tangent(rt.ones_if_none)
def _(y, b):
    y_dot = b_dot


@adjoint(rt.ones_if_none)
def _(y, b):
    b_bar = y_bar


# linear in their first argument (the others give shapes or are fixed): the tangent applies the
# same map to the first argument's tangent


@tangent(rt.outer_left)
def _(y, a, b):
    y_dot = rt.outer_left(a_dot, b)


@adjoint(rt.outer_left)
def _(y, a, b):
    a_bar = np.reshape(y_bar, np.shape(a))


declare(rt.outer_left, static="b", note="read for its shape")


@tangent(rt.drop_initial)
def _(y, g, axis, include_initial):
    y_dot = rt.drop_initial(g_dot, axis, include_initial)


@adjoint(rt.drop_initial)
def _(y, g, axis, include_initial):
    g_bar = rt.with_initial(y_bar, axis, include_initial)


@tangent(rt.with_initial)
def _(y, t, axis, include_initial):
    y_dot = rt.with_initial(t_dot, axis, include_initial)


@adjoint(rt.with_initial)
def _(y, t, axis, include_initial):
    t_bar = rt.drop_initial(y_bar, axis, include_initial)


declare(rt.drop_initial, static="axis include_initial")
declare(rt.with_initial, static="axis include_initial")


@tangent(rt.fft_adjoint)
def _(y, g, a, s=None, axes=None, norm=None, inverse=False):
    y_dot = rt.fft_adjoint(g_dot, a, s, axes, norm, inverse)


@tangent(rt.rfft_adjoint)
def _(y, g, a, s=None, axes=None, norm=None):
    y_dot = rt.rfft_adjoint(g_dot, a, s, axes, norm)


@tangent(rt.irfft_adjoint)
def _(y, g, a, s=None, axes=None, norm=None):
    y_dot = rt.irfft_adjoint(g_dot, a, s, axes, norm)


declare(rt.fft_adjoint, static="a s axes norm inverse", note="a: read for its shape and type")
declare(rt.rfft_adjoint, static="a s axes norm", note="a: read for its shape")
declare(rt.irfft_adjoint, static="a s axes norm", note="a: read for its shape and type")


@tangent(rt.untake_along_axis)
def _(y, g, arr, indices, axis=-1):
    y_dot = rt.untake_along_axis(g_dot, arr, indices, axis)


@adjoint(rt.untake_along_axis)
def _(y, g, arr, indices, axis=-1):
    g_bar = unbroadcast(np.take_along_axis(y_bar, indices, axis), g)


declare(rt.untake_along_axis, static="arr indices axis", note="arr: read for its shape")


@tangent(rt.unjoin)
def _(y, g, tup, how):
    y_dot = rt.unjoin(g_dot, tup, how)


@tangent(rt.unappend)
def _(y, g, arr, values, axis, which):
    y_dot = rt.unappend(g_dot, arr, values, axis, which)


declare(rt.unjoin, static="tup how", note="tup: read for its shapes")
declare(rt.unappend, static="arr values axis which", note="arr, values: read for their shapes")

# unconvolve(g, a, v, mode, which) is linear in g and in the factor other than `which` (the
# factor `which` gives its length only)


@tangent(rt.unconvolve)
def _(y, g, a, v, mode, which, correlate=False):
    y_dot = (
        rt.unconvolve(g_dot, a, v, mode, which, correlate)
        + rt.unconvolve_dot(g, a_dot, v, mode, which, correlate, 0)
        + rt.unconvolve_dot(g, a, v_dot, mode, which, correlate, 1)
    )


declare(rt.unconvolve, static="mode which correlate")

# interp's pieces: the slope is piecewise constant in x and linear in fp; the others linear in g


@tangent(rt.interp_slope)
def _(y, x, xp, fp, left=None, right=None, period=None):
    y_dot = rt.interp_slope(x, xp, fp_dot, left, right, period)


@tangent(rt.interp_fp_adjoint)
def _(y, g, x, xp, fp, left=None, right=None, period=None):
    y_dot = rt.interp_fp_adjoint(g_dot, x, xp, fp, left, right, period)


@tangent(rt.interp_outside)
def _(y, g, x, xp, side):
    y_dot = rt.interp_outside(g_dot, x, xp, side)


declare(rt.interp_slope, static="x xp left right period", note="piecewise constant in x")
declare(rt.interp_fp_adjoint, static="x xp fp left right period", note="piecewise constant in x")
declare(rt.interp_outside, static="x xp side")


declare(
    rt.unpacked,
    note="the starred display (*a, b): astgrad follows no derivative through it (a shape's numbers pass); "
    "join lists with `list(a) + [b]`, arrays with np.concatenate",
)


# --- second derivatives through the linear-algebra adjoints -------------------------------------
# The adjoints and tangents of svd, qr, pinv, lstsq and the scipy.linalg solves are written with
# primitives that have rules: astgrad differentiates them through their source (Rule.through_source)
# for second derivatives. _gap_inverse (F_ij = 1 / (w_j - w_i)) has a rule of its own: dF = -F∘F
# (dw_j - dw_i); NaN or 0 where two values coincide, as the function itself.


@adjoint(rx._gap_inverse)
def _(y, w, used, label):
    w_bar = np.sum(y_bar * y * y, axis=-1) - np.sum(y_bar * y * y, axis=-2)


@tangent(rx._gap_inverse)
def _(y, w, used, label):
    y_dot = -(y * y) * (np.expand_dims(w_dot, -2) - np.expand_dims(w_dot, -1))


declare(rx._gap_inverse, static="used label")
describe(
    rx._svd_hermitian, rx._reduced, rx._zero_if_none, rx._mT, rx._qr_check, rx.pinv_adjoint, rx.pinv_tangent,
    rx._pinv_check, rx.scipy_solve_adjoint, rx.scipy_solve_tangent, rx._solve_matrix, rx._cols,
    through_source=True,
)  # fmt: skip
# those that read a tuple of results (U, s, Vh; Q, R): in forward mode only, so a Hessian is forward
# over reverse (astgrad.hessian); reverse over reverse is refused with this note. lstsq's adjoint and
# the other scipy.linalg solves' stay refused (a zero tangent of lstsq's rank and singular values, an
# import inside solve_triangular's helpers, cho/lu helpers without the rules their sources need)
_TUPLES = "differentiated again in forward mode only: use astgrad.hessian or jacobian(grad(f), mode='forward')"
for _helper in (rx.svd_adjoint, rx.svd_tangent, rx.qr_adjoint, rx.qr_tangent):
    describe(_helper, through_source="tangent")
    declare(_helper, note=_TUPLES)
