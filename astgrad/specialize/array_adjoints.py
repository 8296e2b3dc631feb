"""The adjoint of a list of floats kept as an array (a pass over specialised code, after batched loops).

The adjoint of a list is a list: each item's adjoint at its position. Once batched loops
(batched_loops.py) read and write the items of such an adjoint all at once, a list only costs:
making it (`zeros_like`, `items_adjoint`), copying it (`owned_list`), taking its items off the end
(`popped_items`) and adding into them (`add_to_items`) each looks at every item in Python, the
work the loop itself did. For the list of floats the function built from `[a * x + b - y for x, y in
zip(xs, ys)]`:

    t10_bar = items_adjoint(c, t10)                 t10_bar = np.full(len(t10), c)
    residuals_bar = zeros_like(residuals)           residuals_bar = np.zeros(len(residuals))
    t10_bar = owned_list(t10_bar)           →       t10_bar = t10_bar.copy()
    t12_bar = popped_items(t10_bar, n)              t10_bar, t12_bar = split_tail(t10_bar, n)
    add_to_items(residuals_bar, r_bar, n)           add_to_items(residuals_bar, r_bar, n)
    return match_structure(residuals_bar, xs)       return match_structure(residuals_bar, xs)

An array holds the same floats as the list (float64 both: the list's are Python floats), and the
gradient the user receives is a list again (match_structure). The names that may hold the same
adjoint (`t1_bar = residuals_bar`, `g = owned_list(h)`, `g = add_adjoints(h, items_adjoint(c, xs))`)
go together: all of them are arrays, or none. They are, where each of them is the adjoint of a list
of floats (a parameter's the guard checks, or one the function builds: ShapeFacts.item_shape), one
of them is read at once by a batched loop, and every statement that names them is one of those above.
Any other use (an item read, `.pop()`, the adjoint returned as it is) leaves them lists.
"""

from __future__ import annotations

from typing import Any, Callable

import gast
import numpy as np

from .. import runtime
from ..frontend.context import Context
from ..ir.trees import assign, name, walk, walk_statements
from ..optimize.cleanup import denoted, resolver

_MADE = ("zeros_like", "items_adjoint")  # the helpers that make a list adjoint from its list
_BATCHED = ("popped_items", "add_to_items", "set_items")  # a batched loop's reads and writes of its items


def array_list_adjoints(fdef: gast.FunctionDef, ctx: Context, float_lists: dict[str, int], shape_of: Any) -> None:
    """Keep as arrays the adjoints of lists of floats that only batched loops read, as above."""
    batched = [getattr(runtime, h) for h in _BATCHED]
    if not any(v is h for v in ctx.extra_globals.values() for h in batched):
        return  # (no batched loop reads a list adjoint's items)
    ns = resolver(ctx)
    helpers = {getattr(runtime, h): h for h in (*_MADE, *_BATCHED, "owned_list", "add_adjoints", "match_structure")}

    def helper(e: gast.AST) -> str | None:
        return helpers.get(denoted(e.func, ns)) if isinstance(e, gast.Call) and not e.keywords else None

    def float_list(n: str) -> bool:
        return float_lists.get(n) == 0 or shape_of.items(n) == ((), np.dtype(float))

    candidates = {g for g in shape_of.adjoints if float_list(shape_of.primal(g))}
    if not candidates:
        return
    statements = list(walk_statements(fdef.body))
    if not any(helper(n) in _BATCHED for s in statements for n in walk(s) if isinstance(n, gast.Call)):
        return
    groups = _Groups(candidates)
    refused: set[str] = set()
    for s in statements:
        named = _named(s) & candidates
        if not named:
            continue
        target = s.targets[0].id if _binds_a_name(s) else None
        value = s.value if isinstance(s, (gast.Assign, gast.Expr, gast.Return)) else None
        kind = helper(value) if value is not None else None
        if target is not None and isinstance(value, gast.Name) and value.id in candidates:
            groups.join(target, value.id)  # `g = h`
        elif target is not None and kind in _MADE and len(value.args) == 2 - (kind == "zeros_like"):
            if not float_list_expr(value.args[-1], float_list) or named - {target}:
                refused |= named
        elif target is not None and kind == "owned_list" and _names(value.args) <= candidates:
            groups.join(target, *_names(value.args))
        elif target is not None and kind == "add_adjoints" and len(value.args) == 2:
            parts = [a.id if isinstance(a, gast.Name) else a for a in value.args]
            made = [p for p in parts if not isinstance(p, str)]
            if not all(p in candidates for p in parts if isinstance(p, str)) or not all(
                helper(p) in _MADE and float_list_expr(p.args[-1], float_list) for p in made
            ):
                refused |= named
            else:
                groups.join(target, *(p for p in parts if isinstance(p, str)))
        elif target is not None and kind == "popped_items" and _is_name_arg(value, 0) and target not in candidates:
            pass  # `v = popped_items(g, n)`
        elif isinstance(s, gast.Expr) and kind in ("add_to_items", "set_items") and _is_name_arg(value, 0):
            if _names(value.args[1:]) & candidates:
                refused |= named
        elif isinstance(s, gast.Return) and kind == "match_structure" and _is_name_arg(value, 0):
            if _names(value.args[1:]) & candidates:
                refused |= named
        else:
            refused |= named
    for members in groups.groups():
        if members & refused or not _batched(statements, members, helper):
            continue
        _rewrite(fdef, members, helper, ctx)


def float_list_expr(e: gast.AST, float_list: Callable[[str], bool]) -> bool:
    """Whether `e` names a list of floats (the list an adjoint is made for)."""
    return isinstance(e, gast.Name) and float_list(e.id)


class _Groups:
    """The names that may hold the same adjoint, joined by union."""

    def __init__(self, names: set[str]):
        self.parent = {n: n for n in names}

    def find(self, n: str) -> str:
        while self.parent[n] != n:
            n = self.parent[n]
        return n

    def join(self, *names: str) -> None:
        roots = [self.find(n) for n in names]
        for r in roots[1:]:
            self.parent[r] = roots[0]

    def groups(self) -> list[set[str]]:
        out: dict[str, set[str]] = {}
        for n in self.parent:
            out.setdefault(self.find(n), set()).add(n)
        return list(out.values())


def _batched(statements: list[gast.stmt], members: set[str], helper: Callable) -> bool:
    """Whether a batched loop reads or writes the items of one of `members`."""
    return any(
        helper(n) in _BATCHED and isinstance(n.args[0], gast.Name) and n.args[0].id in members
        for s in statements
        for n in walk(s)
        if isinstance(n, gast.Call)
    )


def _rewrite(fdef: gast.FunctionDef, members: set[str], helper: Callable, ctx: Context) -> None:
    """The statements that make, copy and take apart the adjoints `members`, for arrays."""
    np_name = ctx.numpy_name()

    def made(e: gast.AST) -> gast.AST:  # zeros_like(xs): np.zeros(len(xs)); items_adjoint(c, xs): np.full(len(xs), c)
        size = gast.Call(func=name("len"), args=[e.args[-1]], keywords=[])
        if helper(e) == "zeros_like":
            return gast.Call(
                func=gast.Attribute(value=name(np_name), attr="zeros", ctx=gast.Load()), args=[size], keywords=[]
            )
        full = gast.Attribute(value=name(np_name), attr="full", ctx=gast.Load())
        return gast.Call(func=full, args=[size, e.args[0]], keywords=[])

    def block(body: list[gast.stmt]) -> list[gast.stmt]:
        out = []
        for s in body:
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    setattr(s, field, block(inner))
            target = s.targets[0].id if _binds_a_name(s) else None
            kind = helper(s.value) if target is not None else None
            if target in members and kind in _MADE:
                s.value = made(s.value)
            elif target in members and kind == "owned_list":
                copy = gast.Attribute(value=s.value.args[0], attr="copy", ctx=gast.Load())
                s.value = gast.Call(func=copy, args=[], keywords=[])
                s.value._ag_array_method = True  # (a method that writes nothing: batched_loops.share_items)
            elif target in members and kind == "add_adjoints":
                s.value.args = [made(a) if helper(a) in _MADE else a for a in s.value.args]
            elif kind == "popped_items" and s.value.args[0].id in members:
                g = s.value.args[0].id
                split = gast.Call(func=name(ctx.helper("split_tail")), args=s.value.args, keywords=[])
                pair = gast.Tuple(elts=[name(g, gast.Store()), name(target, gast.Store())], ctx=gast.Store())
                s = assign(pair, split, s)
            out.append(s)
        return out

    fdef.body = block(fdef.body)


def _binds_a_name(s: gast.stmt) -> bool:
    return isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)


def _named(s: gast.stmt) -> set[str]:
    """The names the statement `s` itself reads or binds (a compound statement's header only)."""
    if isinstance(s, gast.For):
        parts = [s.target, s.iter]
    elif isinstance(s, (gast.If, gast.While)):
        parts = [s.test]
    else:
        parts = [s]
    return {n.id for p in parts for n in walk(p) if isinstance(n, gast.Name)}


def _names(args: list[gast.AST]) -> set[str]:
    return {n.id for a in args for n in walk(a) if isinstance(n, gast.Name)}


def _is_name_arg(call: gast.Call, i: int) -> bool:
    return len(call.args) > i and isinstance(call.args[i], gast.Name)
