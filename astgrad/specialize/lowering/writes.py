"""Lowering of indexed adjoints: `written_part(g, index)` as `g[index]`, and `a = a + unindex(g,
x, index)` as `a[index] += g`, where the index selects no element twice (`DistinctIndices`).
"""

from __future__ import annotations

from typing import Callable

import gast
import numpy as np

from ...analysis.aliasing import writes_in_place
from ...frontend.context import Context
from ...ir.trees import Transformer, name, read_counts, walk
from ...optimize.cleanup import is_comment
from .common import full_slice_value, new_array, single_target


class DistinctIndices:
    """Which subscripts select no element twice: made of full slices and index arrays among
    which are `np.arange(n)` or all the arrays of one `np.triu_indices(...)` (and the like),
    every array one-dimensional of one known length, none ever rebound or written into."""

    def __init__(self, fdef: gast.FunctionDef, ctx: Context, shape_of: Callable):
        written = writes_in_place(fdef, ctx.helper("add_at"))
        stores: dict[str, list] = {}
        for st in walk(fdef):
            if isinstance(st, gast.Assign):
                for t in st.targets:
                    if isinstance(t, gast.Name):
                        stores.setdefault(t.id, []).append(st.value)
            elif isinstance(st, gast.For) and isinstance(st.target, gast.Name):
                stores.setdefault(st.target.id, []).append(None)
        self.shape_of = shape_of
        self.source: dict[str, tuple] = {}  # name → ("arange",) or (tuple name, position)
        for n, values in stores.items():
            if len(values) != 1 or written.get(n) or values[0] is None:
                continue
            v = values[0]
            if (
                isinstance(v, gast.Call)
                and getattr(v, "_ag_fn", None) is np.arange
                and len(v.args) == 1
                and not v.keywords
            ):
                # (np.arange(n): 0, ..., n - 1; a negative start would select from the end too)
                self.source[n] = ("arange",)
            elif (
                isinstance(v, gast.Subscript)
                and isinstance(v.value, gast.Name)
                and isinstance(v.slice, gast.Constant)
                and type(v.slice.value) is int
            ):
                self.source[n] = (v.value.id, v.slice.value)
        self.tuples: dict[str, int] = {}  # a distinct-index function's result → its number of arrays
        for n, values in stores.items():
            v = values[0] if len(values) == 1 and not written.get(n) else None
            fn = getattr(v, "_ag_fn", None) if isinstance(v, gast.Call) else None
            if fn in (np.triu_indices, np.tril_indices):
                self.tuples[n] = 2
            elif fn is np.diag_indices and len(v.args) >= 2 and isinstance(v.args[1], gast.Constant):
                self.tuples[n] = v.args[1].value
            elif fn is np.diag_indices and len(v.args) == 1:
                self.tuples[n] = 2

    def distinct(self, index: gast.AST) -> bool:
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        arrays = []
        for p in parts:
            if full_slice_value(p):
                continue
            if not isinstance(p, gast.Name):
                return False
            arrays.append(p.id)
        shapes = {self.shape_of(a) for a in arrays}
        if not arrays or len(shapes) != 1 or None in shapes or len(next(iter(shapes))) != 1:
            return False
        if any(self.source.get(a) == ("arange",) for a in arrays):
            return True
        for t, count in self.tuples.items():
            positions = {self.source[a][1] for a in arrays if self.source.get(a, (None,))[0] == t}
            if positions == set(range(count)):
                return True
        return False


def _subscript(index: gast.AST) -> gast.AST:
    """An index tuple as a helper is given it (`(slice(None), i)`) as subscript syntax (`:, i`)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    parts = [gast.Slice(lower=None, upper=None, step=None) if full_slice_value(p) else p for p in parts]
    return gast.Tuple(elts=parts, ctx=gast.Load()) if isinstance(index, gast.Tuple) else parts[0]


def plain_written_parts(fdef: gast.FunctionDef, written_part: str, indices: DistinctIndices) -> None:
    """`written_part(g, index)` is `g[index]` where the index selects no element twice (then
    every write stays; with index arrays, g[index] is a copy)."""

    class Plain(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if isinstance(f, gast.Name) and f.id == written_part and len(node.args) == 2 and not node.keywords:
                index = node.args[1]
                parts = index.elts if isinstance(index, gast.Tuple) else [index]
                fancy = any(isinstance(p, gast.Name) for p in parts)
                if fancy and indices.distinct(index):
                    subscript = [
                        gast.Slice(lower=None, upper=None, step=None) if full_slice_value(p) else p for p in parts
                    ]
                    sl = gast.Tuple(elts=subscript, ctx=gast.Load()) if isinstance(index, gast.Tuple) else subscript[0]
                    return gast.Subscript(value=node.args[0], slice=sl, ctx=gast.Load())
            return node

    Plain().visit(fdef)


def scatter_in_place(fdef: gast.FunctionDef, unindex: str, indices: DistinctIndices, np_name: str) -> None:
    """`a = a + unindex(g, x, index)`, a's array new and read by nothing else from here on, with
    an index that selects no element twice: `a[index] += g` (no array of zeros, no second sum)."""
    body = fdef.body
    for i, st in enumerate(body):
        found = _adds_unindexed(st, unindex, indices, indices.distinct)
        if found is None or not _owned_here(body, i, found[0], np_name):
            continue
        a, g, index = found
        target = gast.Subscript(value=name(a), slice=_subscript(index), ctx=gast.Store())
        body[i] = gast.copy_location(gast.AugAssign(target=target, op=gast.Add(), value=g), st)


def scatter_in_loops(fdef: gast.FunctionDef, unindex: str, indices: DistinctIndices, np_name: str) -> None:
    """`a = a + unindex(g, x, index)` inside a loop (a window's adjoint, `x[2*i:2*i+2, j]`), a's
    array new before the loop and, in it, only read by arithmetic and written by such statements,
    with a basic index (slices, the loops' counters, int constants), which selects no element
    twice: `a[index] += g`, not a whole-array sum at every step."""
    body = fdef.body
    # (every binding in the function int arithmetic: an int wherever it is read)
    ints = _int_names(_loop_statements(fdef, set()), {p.id for p in fdef.args.args if isinstance(p, gast.Name)})
    for i, loop in enumerate(body):
        if not isinstance(loop, gast.For):
            continue
        sites: dict[str, list[tuple[list, int, gast.AST, gast.AST]]] = {}
        statements = _loop_statements(loop, set())
        for block, k, st, counters in statements:
            found = _adds_unindexed(st, unindex, indices, lambda index, c=counters | ints: _basic(index, c))
            if found is not None:
                a, g, index = found
                sites.setdefault(a, []).append((block, k, g, index))
        for a, found in sites.items():
            at = {id(block[k]) for block, k, _, _ in found}
            if not _owned_here(body, i, a, np_name) or not _only_read_in(loop, a, at, np_name):
                continue
            for block, k, g, index in found:
                target = gast.Subscript(value=name(a), slice=_basic_subscript(index), ctx=gast.Store())
                block[k] = gast.copy_location(gast.AugAssign(target=target, op=gast.Add(), value=g), block[k])


def _adds_unindexed(
    st: gast.stmt, unindex: str, indices: DistinctIndices, selects_once: Callable[[gast.AST], bool]
) -> tuple[str, gast.AST, gast.AST] | None:
    """(a, g, index) for `a = a + unindex(g, x, index)` with x of a's shape, an index that
    `selects_once` and neither g nor the index reading a; else None."""
    a = single_target(st)
    v = st.value if a is not None else None
    if not (isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add)):
        return None
    mine, call = (v.left, v.right) if isinstance(v.left, gast.Name) else (v.right, v.left)
    if not (isinstance(mine, gast.Name) and mine.id == a and isinstance(call, gast.Call)):
        return None
    if not (isinstance(call.func, gast.Name) and call.func.id == unindex and len(call.args) == 3):
        return None
    g, x, index = call.args
    if a in read_counts(g) or a in read_counts(index) or not selects_once(index):
        return None
    if not isinstance(x, gast.Name) or not indices.shape_of(a) or indices.shape_of(x.id) != indices.shape_of(a):
        return None
    return a, g, index


def _loop_statements(st: gast.stmt, counters: set[str]) -> list[tuple[list, int, gast.stmt, set[str]]]:
    """The statements inside a loop (and its nested loops and branches), each with its block, its
    place in it and the counters of the `range` loops around it."""
    if isinstance(st, gast.For) and isinstance(st.target, gast.Name) and _is_range(st.iter):
        counters = counters | {st.target.id}
    out = []
    for field in ("body", "orelse"):
        block = getattr(st, field, None) or []
        for k, s in enumerate(block):
            out.append((block, k, s, counters))
            if isinstance(s, (gast.For, gast.If, gast.While)):
                out += _loop_statements(s, counters)
    return out


def _int_names(statements: list[tuple[list, int, gast.stmt, set[str]]], params: set[str]) -> set[str]:
    """Names (not parameters) bound, every time, by int arithmetic (+, -, *, //, %) of `range`
    loops' counters, int constants and such names (`t9 = i + 1`): ints, basic indices."""
    bound: dict[str, list[gast.AST]] = {}
    for _, _, st, counters in statements:
        value = st.value if isinstance(st, gast.Assign) else None
        if not counters and isinstance(value, gast.Constant) and value.value is None:
            continue  # (a loop's temporary made None before the loops, bound in the loop before it is read)
        for t in st.targets if isinstance(st, gast.Assign) else [getattr(st, "target", None)]:
            if isinstance(t, gast.Name):
                bound.setdefault(t.id, []).append(value)
    counters = set().union(*(c for _, _, _, c in statements)) if statements else set()
    ints: set[str] = set()

    def int_valued(e: gast.AST) -> bool:
        if isinstance(e, gast.Constant):
            return type(e.value) is int
        if isinstance(e, gast.Name):
            return e.id in counters or e.id in ints
        ops = (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod)
        return isinstance(e, gast.BinOp) and isinstance(e.op, ops) and int_valued(e.left) and int_valued(e.right)

    grew = True
    while grew:
        grew = False
        for n, values in bound.items():
            if (
                n not in ints
                and n not in counters
                and n not in params
                and all(v is not None and int_valued(v) for v in values)
            ):
                ints.add(n)
                grew = True
    return ints


def _is_range(it: gast.AST) -> bool:
    if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "reversed" and it.args:
        it = it.args[0]
    return isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range"


def _basic(index: gast.AST, counters: set[str]) -> bool:
    """An index of slices (`slice(a, b)` of names and numbers, step 1), loop counters and int
    constants: basic indexing, which selects each element at most once."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    for p in parts:
        if full_slice_value(p) or (isinstance(p, gast.Name) and p.id in counters):
            continue
        if isinstance(p, gast.Constant) and type(p.value) is int:
            continue
        if not (isinstance(p, gast.Call) and isinstance(p.func, gast.Name) and p.func.id == "slice"):
            return False
        if p.keywords or not 1 <= len(p.args) <= 2:
            return False
        if not all(
            isinstance(b, gast.Name) or (isinstance(b, gast.Constant) and type(b.value) in (int, type(None)))
            for b in p.args
        ):
            return False
    return True


def _basic_subscript(index: gast.AST) -> gast.AST:
    """A basic index tuple (`(slice(t7, t9), i)`) as subscript syntax (`t7:t9, i`)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    out = []
    for p in parts:
        if full_slice_value(p):
            out.append(gast.Slice(lower=None, upper=None, step=None))
        elif isinstance(p, gast.Call):
            lower, upper = (None, p.args[0]) if len(p.args) == 1 else p.args
            none = lambda b: None if isinstance(b, gast.Constant) and b.value is None else b  # noqa: E731
            out.append(gast.Slice(lower=none(lower), upper=none(upper), step=None))
        else:
            out.append(p)
    return gast.Tuple(elts=out, ctx=gast.Load()) if isinstance(index, gast.Tuple) else out[0]


def _only_read_in(loop: gast.For, a: str, sites: set[int], np_name: str) -> bool:
    """Whether, in the loop, `a` is bound only by the statements `sites` and otherwise only read
    by arithmetic or written into (nothing keeps a reference to its array, or a view of it)."""
    for st in walk(loop):
        if not isinstance(st, gast.stmt) or id(st) in sites or isinstance(st, (gast.For, gast.If, gast.While)):
            if isinstance(st, (gast.For, gast.While, gast.If)):
                own = [st.target] if isinstance(st, gast.For) else []
                own.append(st.iter if isinstance(st, gast.For) else st.test)
                if any(a in read_counts(e) or (isinstance(e, gast.Name) and e.id == a) for e in own):
                    return False
            continue
        if _escapes_from(st, {a}, np_name) and not _indexed_only(st, a):
            return False
    return True


def _indexed_only(st: gast.stmt, a: str) -> bool:
    """Whether every occurrence of `a` in `st` is the array of a subscript written (`a[i] = v`;
    a read `a[i:j]` may be a view, which would see the writes), and `a` is not rebound."""
    if single_target(st) == a:
        return False
    parents = {}
    for node in walk(st):
        for child in gast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in walk(st):
        if isinstance(node, gast.Name) and node.id == a:
            parent = parents.get(id(node))
            if not (isinstance(parent, gast.Subscript) and parent.value is node and isinstance(parent.ctx, gast.Store)):
                return False
    return True


def _owned_here(body: list[gast.stmt], i: int, a: str, np_name: str) -> bool:
    """Whether, at top-level statement i, a holds a new array (made by arithmetic or a ufunc,
    possibly through one copy `a = b`) that only a and b refer to, and b is not read from i on."""
    aliases = {a}
    fresh = None
    for j in range(i - 1, -1, -1):
        st = body[j]
        if is_comment(st):
            continue
        target = single_target(st)
        if target in aliases:
            if isinstance(st.value, gast.Name) and st.value.id not in aliases:
                aliases.add(st.value.id)
                continue
            made = new_array(st.value, np_name) and not any(k.arg == "out" for k in getattr(st.value, "keywords", []))
            fresh = j if made else None
            break
        if not isinstance(st, (gast.Assign, gast.AugAssign, gast.Expr)):
            return False  # (a block in between: keep it simple)
    if fresh is None:
        return False
    for st in body[fresh + 1 : i]:  # in between, the array is only read by arithmetic
        copy_of_it = single_target(st) in aliases and isinstance(st.value, gast.Name) and st.value.id in aliases
        if not copy_of_it and _escapes_from(st, aliases, np_name):
            return False
    later = body[i + 1 :]
    others = aliases - {a}
    if any(n in read_counts(st) for st in later for n in others):
        return False
    return True


def _escapes_from(st: gast.stmt, names: set[str], np_name: str) -> bool:
    """Whether `st` may keep a reference to one of `names` (anything but reading it in
    arithmetic, a ufunc or a sum), or rebinds one."""
    if isinstance(st, gast.Assign) and any(single_target(st) == n for n in names):
        return True
    parents = {}
    for node in walk(st):
        for child in gast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in walk(st):
        if isinstance(node, gast.Name) and node.id in names:
            parent = parents.get(id(node))
            if isinstance(parent, (gast.BinOp, gast.UnaryOp)) or (
                isinstance(parent, gast.Call) and node in parent.args and new_array(parent, np_name)
            ):
                continue
            return True
    return False
