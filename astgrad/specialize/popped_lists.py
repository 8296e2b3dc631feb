"""A list's adjoint taken apart item by item with `.pop()` (a pass over specialised code).

The backward pass of a loop that appended to a list takes the items' adjoints back off the end of
the list's adjoint, one per step:

    t10_bar = owned_copy(t10_bar)               t10_bar = owned_list(t10_bar)
    for k in reversed(range(n)):                for k in reversed(range(n)):
        t12_bar = t10_bar[-1]           →           t12_bar = t10_bar.pop()
        t10_bar = t10_bar[:-1]                      ...
        ...

The general code keeps the adjoint an array (owned_copy makes one of a list of numbers), whose
rest `t10_bar[:-1]` is a view: no copy, but every step makes a view and reads a NumPy scalar, and
the arithmetic after it is NumPy's; where the adjoint is a list (of arrays, or zeros_like's), the
rest is a copy of it at every step, work that grows with the square of the list's length. A list
that only its code holds loses its last item in place, and its items keep their types: a list of
Python floats (the adjoint of a list the function built of floats) stays one, an array's items are
the array's. The general code is the one a second derivative differentiates, so `.pop()` appears
in specialised code alone.

It applies to a list adjoint g that some backward loop takes apart so (`v = g[-1]` then
`g = g[:-1]`, nothing else reading g in between), from the statement of the function's body that
binds g last before that loop: there `g = owned_copy(g)` becomes `g = owned_list(g)`, and any other
binding (`g = zeros_like(xs)`, `g = h_bar`) is followed by `g = owned_list(g)`, a list of the code's
own. Everything after it must read or write g as a list would: its last item taken off as above,
an item read or written at a whole-number position (`g[k]`, `g[k] = v`, `g[k] += v`). Any other
use (a slice, the adjoint as a whole), or another binding of g, leaves g as it is.
"""

from __future__ import annotations

from typing import Any

import gast

from .. import runtime
from ..frontend.context import Context
from ..ir.trees import assign, call_of, counted_range, find, name, walk
from ..optimize.loop_saves import single_assign


def pop_list_adjoints(fdef: gast.FunctionDef, ctx: Context, shape_of: Any) -> None:
    """Rewrite each list adjoint taken apart from its end, as above."""
    popped = sorted({g for st in find(fdef.body, _ASSIGN) if (g := single_assign(st)) and _drops_last(st, g)})
    if not popped:
        return
    counters = _loop_counters(fdef)
    owned = _bound_name(ctx, runtime.owned_copy)
    for g in popped:
        at = _last_binding(fdef.body, g)
        if at is None:
            continue
        pops = _pops_if_list_uses(fdef.body, at + 1, g, counters, shape_of)
        if not pops:
            continue
        made = fdef.body[at]
        if owned is not None and _calls(made.value, owned, g):
            made.value.func = name(ctx.helper("owned_list"))
        else:  # (a list of zeros or an adjoint another name may hold: the code's own copy of it)
            fdef.body.insert(
                at + 1, assign(g, gast.Call(func=name(ctx.helper("owned_list")), args=[name(g)], keywords=[]))
            )
        for block, read, drop in pops:
            pop = gast.Call(func=gast.Attribute(value=name(g), attr="pop", ctx=gast.Load()), args=[], keywords=[])
            if read is not None:
                read.value = pop
                block.remove(drop)
            else:
                block[block.index(drop)] = gast.copy_location(gast.Expr(value=pop), drop)


_ASSIGN = frozenset({gast.Assign})


def _last_binding(body: list[gast.stmt], g: str) -> int | None:
    """The position of the statement of `body` (the function's top level) that binds g last
    before the first statement that takes an item off g's end, if every statement after it binds
    g only so."""
    first = next(
        (k for k, st in enumerate(body) if any(_drops_last(n, g) for n in walk(st) if isinstance(n, gast.stmt))), None
    )
    if first is None:
        return None
    return next((k for k in range(first - 1, -1, -1) if single_assign(body[k]) == g), None)


def _bound_name(ctx: Context, helper: Any) -> str | None:
    """The name generated code calls `helper` by, if it calls it at all."""
    return next((n for n, v in ctx.extra_globals.items() if v is helper), None)


def _calls(value: gast.AST, fn: str, g: str) -> bool:
    """`fn(g)`."""
    return call_of(value, fn) and isinstance(value.args[0], gast.Name) and value.args[0].id == g


def _loop_counters(fdef: gast.FunctionDef) -> set[str]:
    """Names bound by counted loops (`for k in range(n)`, `reversed(range(n))`) and nowhere else:
    whole numbers."""
    stored: dict[str, int] = {}
    loops: dict[str, int] = {}
    counters = set()
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stored[n.id] = stored.get(n.id, 0) + 1
        if isinstance(n, gast.For) and isinstance(n.target, gast.Name):
            loops[n.target.id] = loops.get(n.target.id, 0) + 1
            if counted_range(n) is not None:
                counters.add(n.target.id)
    return {c for c in counters if stored.get(c) == loops.get(c)}


def _whole_number(index: gast.AST, counters: set[str], shape_of: Any) -> bool:
    """An index that is a whole number: an int constant (negated or not), a loop counter, or a
    name the shape facts know holds an int."""
    if isinstance(index, gast.UnaryOp) and isinstance(index.op, gast.USub):
        index = index.operand
    if isinstance(index, gast.Constant):
        return type(index.value) is int
    if isinstance(index, gast.Name):
        if index.id in counters:
            return True
        return shape_of is not None and shape_of(index.id) == () and shape_of.kind(index.id) == "i"
    return False


def _last(e: gast.AST, g: str) -> bool:
    """`g[-1]`."""
    return (
        isinstance(e, gast.Subscript)
        and isinstance(e.value, gast.Name)
        and e.value.id == g
        and isinstance(e.slice, gast.UnaryOp)
        and isinstance(e.slice.op, gast.USub)
        and isinstance(e.slice.operand, gast.Constant)
        and e.slice.operand.value == 1
        and type(e.slice.operand.value) is int
    )


def _drops_last(s: gast.stmt, g: str) -> bool:
    """`g = g[:-1]`."""
    v = s.value if single_assign(s) == g else None
    if not (isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) and v.value.id == g):
        return False
    cut = v.slice
    return (
        isinstance(cut, gast.Slice)
        and cut.lower is None
        and cut.step is None
        and cut.upper is not None
        and _last(gast.Subscript(value=v.value, slice=cut.upper, ctx=gast.Load()), g)
    )


def _mentions(s: gast.AST, g: str) -> bool:
    return any(isinstance(n, gast.Name) and n.id == g for n in walk(s))


def _pops_if_list_uses(
    body: list[gast.stmt], start: int, g: str, counters: set[str], shape_of: Any
) -> list[tuple[list, gast.Assign | None, gast.Assign]]:
    """The (block, `v = g[-1]` or None, `g = g[:-1]`) triples of the statements of `body` (the
    function's) from position `start` on, if every use of g in them is a list's (see the module's
    docstring), else []."""
    after = body[start:]
    pops: list[tuple[list, gast.Assign | None, gast.Assign]] = []
    allowed: set[int] = set()  # ids of the Name nodes of g whose use is a list's

    def nested(stmts: list[gast.stmt]):
        for st in stmts:
            for f in ("body", "orelse"):
                inner = getattr(st, f, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    yield inner
                    yield from nested(inner)

    for block in [body, *nested(after)]:
        for k, st in enumerate(block):
            if (block is body and k < start) or not _drops_last(st, g):
                continue
            allowed |= {id(st.targets[0]), id(st.value.value)}
            read = None
            for before in reversed(block[:k]):
                if not _mentions(before, g):
                    continue
                if single_assign(before) and single_assign(before) != g and _last(before.value, g):
                    read = before
                    allowed.add(id(before.value.value))
                break
            pops.append((block, read, st))
    if not pops:
        return []
    for n in walk(gast.Module(body=after, type_ignores=[])):
        if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and n.value.id == g:
            if not isinstance(n.slice, gast.Slice) and _whole_number(n.slice, counters, shape_of):
                allowed.add(id(n.value))
    for n in walk(gast.Module(body=after, type_ignores=[])):
        if isinstance(n, gast.Name) and n.id == g and id(n) not in allowed:
            return []
    return pops
