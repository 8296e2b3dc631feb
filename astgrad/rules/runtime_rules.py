"""Rules of the runtime helpers generated code calls, so generated code can be differentiated
again (forward over reverse for Hessians, reverse over reverse for grad(grad(f)))."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import numpy as np

from .. import runtime as rt
from ..runtime import (
    add_adjoints,
    copy_of,
    match_structure,
    matmul_left,
    matmul_right,
    owned_copy,
    rebroadcast,
    split_like,
    unbroadcast,
    uncast,
    undelete,
    unindex,
    unreduce,
    unstack,
    written_part,
)
from .registry import adjoint, nondifferentiable, tangent

# linear in their first argument g: the tangent applies the same map to g_dot


@tangent(rt.uncast)
def _(z, g, x, y):
    z_dot = uncast(g_dot, x, y)


@adjoint(rt.uncast)
def _(z, g, x, y):
    g_bar = uncast(z_bar, g, y)


@tangent(rt.unbroadcast)
def _(y, g, x):
    y_dot = unbroadcast(g_dot, x)


@adjoint(rt.unbroadcast)
def _(y, g, x):
    g_bar = rebroadcast(y_bar, g)


@tangent(rt.unreduce)
def _(y, g, x, axis=None, keepdims=False):
    y_dot = unreduce(g_dot, x, axis, keepdims)


@adjoint(rt.unreduce)
def _(y, g, x, axis=None, keepdims=False):
    g_bar = unbroadcast(np.sum(y_bar, axis=axis, keepdims=keepdims), g)


@tangent(rt.unindex)
def _(y, g, x, index):
    y_dot = unindex(g_dot, x, index)


@adjoint(rt.unindex)
def _(y, g, x, index):
    g_bar = unbroadcast(y_bar[index], g)


@tangent(rt.written_part)
def _(y, g, index):
    y_dot = written_part(g_dot, index)


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


@tangent(rt.match_structure)
def _(y, g, x):
    y_dot = match_structure(g_dot, x)


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


@tangent(rt.unstack)
def _(y, g, axis=0):
    y_dot = unstack(g_dot, axis)


@tangent(rt.undelete)
def _(y, g, a, obj, axis=None):
    y_dot = undelete(g_dot, a, obj, axis)


@tangent(rt.add_at)
def _(y, buf, index, g):
    y_dot = buf_dot + unindex(g_dot, buf, index)


@adjoint(rt.add_at)
def _(y, buf, index, g):
    buf_bar = y_bar
    g_bar = unbroadcast(y_bar[index], g)


@tangent(rt.broadcast_like)
def _(y, t, like):
    y_dot = rt.broadcast_like(t_dot, like)


# the adjoints of NumPy's shape functions, and of sort: linear maps whose adjoints are the functions


@tangent(rt.untile)
def _(y, g, a, reps):
    y_dot = rt.untile(g_dot, a, reps)


@adjoint(rt.untile)
def _(y, g, a, reps):
    g_bar = np.tile(y_bar, reps)


@tangent(rt.unrepeat)
def _(y, g, a, repeats, axis=None):
    y_dot = rt.unrepeat(g_dot, a, repeats, axis)


@adjoint(rt.unrepeat)
def _(y, g, a, repeats, axis=None):
    g_bar = np.repeat(y_bar, repeats, axis)


@tangent(rt.untake)
def _(y, g, a, indices, axis=None):
    y_dot = rt.untake(g_dot, a, indices, axis)


@adjoint(rt.untake)
def _(y, g, a, indices, axis=None):
    g_bar = np.take(y_bar, indices, axis)


@tangent(rt.undiff)
def _(y, g, n=1, axis=-1):
    y_dot = rt.undiff(g_dot, n, axis)


@adjoint(rt.undiff)
def _(y, g, n=1, axis=-1):
    g_bar = np.diff(y_bar, n, axis)


@tangent(rt.unsort)
def _(y, g, a, axis=-1):
    y_dot = rt.unsort(g_dot, a, axis)


@adjoint(rt.unsort)
def _(y, g, a, axis=-1):
    g_bar = rt.sorted_along(y_bar, a, axis)


@tangent(rt.sorted_along)
def _(y, t, a, axis=-1):
    y_dot = rt.sorted_along(t_dot, a, axis)


@adjoint(rt.sorted_along)
def _(y, t, a, axis=-1):
    t_bar = rt.unsort(y_bar, a, axis)


@tangent(rt.unhstack)
def _(y, g, parts):
    y_dot = rt.unhstack(g_dot, parts)


@tangent(rt.unvstack)
def _(y, g, parts):
    y_dot = rt.unvstack(g_dot, parts)


@tangent(rt.einsum_of)
def _(y, subscripts, a, b=None):
    y_dot = rt.einsum_of(subscripts, a_dot, b) + rt.einsum_of(subscripts, a, b_dot)


@tangent(rt.einsum_adjoint)
def _(y, g, subscripts, a, b, which):
    y_dot = rt.einsum_adjoint(g_dot, subscripts, a, b, which) + rt.einsum_adjoint_dot(
        g, subscripts, a, b, a_dot, b_dot, which
    )


# bilinear: the adjoint map of a @ b depends on g and on the other factor


@tangent(rt.matmul_left)
def _(y, g, a, b):
    y_dot = matmul_left(g_dot, a, b) + matmul_left(g, a, b_dot)


@tangent(rt.matmul_right)
def _(y, g, a, b):
    y_dot = matmul_right(g_dot, a, b) + matmul_right(g, a_dot, b)


nondifferentiable(
    rt.check_not_view,
    rt.check_not_array,
    rt.check_unshared,
    rt.reduce_size,
    rt.select_share,
    rt.max_share,
    rt.extremum_mask,
    rt.check_scalar,
    rt.zeros_like,
    rt.push,
)
