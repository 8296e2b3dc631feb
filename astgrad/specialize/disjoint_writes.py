"""Additions into windows no two iterations share, as stores (a pass over specialised gradient code).

The backward loop of naive max pooling adds each window's adjoint into the input's:

    x_bar = zeros_like(x)
    for i in reversed(range(t5)):
        for j in reversed(range(t6)):
            ...
            x_bar[t7:t9, t10:t12] += t13_bar      # t7 = 2·i, t9 = 2·i + 2, t10 = 2·j, t12 = 2·j + 2

Where the windows of distinct iterations provably do not overlap (here a stride of 2 and a length of
2 along each axis) and the array is all zeros before the loop and written nowhere else in it, each
window is still zero when it is written, and `x_bar[...] = t13_bar` is the same sum without reading
the window back. The proof uses the affine forms and ranges of index_ranges.py: along some axis the
window's start depends on one counter only, with a stride at least the window's length there, for
every counter of the loops; and every window lies within the array (no bound wraps or is clipped).
"""

from __future__ import annotations

from typing import Any, Callable

import gast

from ..analysis.index_ranges import Affine, LoopIndices, difference
from ..frontend.context import Context
from ..ir.trees import walk


def store_disjoint_windows(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable | None) -> None:
    """Rewrite `A[window] += v` in loops as `A[window] = v` where that is the same (see above)."""
    if shape_of is None:
        return
    zeros = {ctx.numpy_name() + ".zeros", ctx.helper("zeros_like"), ctx.numpy_name() + ".zeros_like"}
    blocks = [fdef.body]
    for block in blocks:
        for k, s in enumerate(block):
            if isinstance(s, gast.For):
                _rewrite_nest(block, k, zeros, shape_of)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    blocks.append(inner)


def _rewrite_nest(block: list[gast.stmt], k: int, zeros: set[str], shape_of: Callable) -> None:
    loop = block[k]
    for target, path in _augmented(loop, []):
        array = target.value.id
        if not _zero_before(block, k, array, zeros) or _mentions(loop, array) != 1:
            continue
        if _disjoint(loop, path, target, shape_of):
            stmt = path[-1]
            i = path[-2].body.index(stmt) if len(path) > 1 else None
            store = gast.Assign(targets=[target], value=stmt.value, type_comment=None)
            gast.copy_location(store, stmt)
            for attr, value in vars(stmt).items():  # (the comments and marks a statement carries)
                if attr.startswith("_ag"):
                    setattr(store, attr, value)
            if i is not None:
                path[-2].body[i] = store


def _augmented(node: gast.For, path: list) -> list[tuple[gast.Subscript, list]]:
    """The `A[...] += v` statements reached from `node` through `for` loops only, with that path."""
    found = []
    path = path + [node]
    for s in node.body:
        if isinstance(s, gast.For):
            found += _augmented(s, path)
        elif (
            isinstance(s, gast.AugAssign)
            and isinstance(s.op, gast.Add)
            and isinstance(s.target, gast.Subscript)
            and isinstance(s.target.value, gast.Name)
        ):
            found.append((s.target, path + [s]))
    return found


def _zero_before(block: list[gast.stmt], k: int, array: str, zeros: set[str]) -> bool:
    """Whether `array` is all zeros when block[k] starts: the last statement before it that
    mentions the array binds it to a new array of zeros."""
    for s in reversed(block[:k]):
        if not _mentions(s, array):
            continue
        return (
            isinstance(s, gast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)
            and s.targets[0].id == array
            and isinstance(s.value, gast.Call)
            and _dotted(s.value.func) in zeros
            and not _mentions(s.value, array)
        )
    return False


def _dotted(node: gast.AST) -> str | None:
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        base = _dotted(node.value)
        return None if base is None else base + "." + node.attr
    return None


def _mentions(node: gast.AST, n: str) -> int:
    return sum(1 for m in walk(node) if isinstance(m, gast.Name) and m.id == n)


def _disjoint(loop: gast.For, path: list, target: gast.Subscript, shape_of: Callable) -> bool:
    """Whether the windows `target` selects in distinct iterations of the loops on `path` are
    disjoint and each lies within the array."""
    shape = shape_of(target.value.id)
    if not shape:
        return False
    counters = []
    for f in path[:-1]:
        if not (isinstance(f.target, gast.Name) and _counted(f.iter)):
            return False
        counters.append(f.target.id)
    if len(set(counters)) != len(counters):
        return False
    stmt = path[-1]
    nest = gast.FunctionDef(name="nest", args=None, body=[loop], decorator_list=[], returns=None, type_comment=None)
    indices = LoopIndices(nest)
    exact: Callable[[str], Any] = shape_of.count if hasattr(shape_of, "count") else (lambda n: None)
    elts = target.slice.elts if isinstance(target.slice, gast.Tuple) else [target.slice]
    if len(elts) > len(shape):
        return False
    axes: list[tuple[Affine, int]] = []  # each indexed axis: the window's start and its length there
    for e, length in zip(elts, shape):
        if isinstance(e, gast.Slice):
            if e.step is not None:
                return False
            lower = (0, {}) if e.lower is None else indices.affine(stmt, e.lower, exact)
            upper = (length, {}) if e.upper is None else indices.affine(stmt, e.upper, exact)
            size = difference(upper, lower) if lower is not None and upper is not None else None
        else:
            lower, size = indices.affine(stmt, e, exact), 1
        if lower is None or size is None or size < 0:
            return False
        within = indices.bounds(stmt, lower, exact)
        if within is None or within[0] < 0 or within[1] + size > length:
            return False
        axes.append((lower, size))
    for c in counters:  # distinct values of c (at least 1 apart): apart along an axis moving with c alone
        if not any(set(start[1]) == {c} and abs(start[1][c]) >= size for start, size in axes):
            return False
    return True


def _counted(it: gast.AST) -> bool:
    """`range(...)` or `reversed(range(...))` with no step: each value once, distinct values at
    least 1 apart."""
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "reversed":
        it = it.args[0] if len(it.args) == 1 and not it.keywords else None
    return (
        isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "range"
        and not it.keywords
        and 1 <= len(it.args) <= 2
    )


__all__ = ["store_disjoint_windows"]
