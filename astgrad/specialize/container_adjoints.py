"""A container's adjoint filled slot by slot, without zeros it overwrites (a pass over specialised code).

The adjoint of a list, tuple or dict of arrays read item by item (`W, b = layers[2]`,
`params["W1"]`) starts as zeros of every item and takes each item's adjoint as a sum:

    t5_bar = zeros_like(t5)                             # zeros of W_2 and b_2
    t5_bar[1] = b_2_bar
    t5_bar[0] = add_adjoints(t5_bar[0], W_2_bar)        # zeros + W_2_bar: a new array
    params_bar = zeros_like(params)
    params_bar = add_at(params_bar, 'b2', ...)

Until a slot is first written, it holds the zeros it was made with, so adding into it is storing
the addend; once every slot of the container has been written before anything else reads the
adjoint, the zeros were never read, and the adjoint starts as empty slots (`[None] * 2`,
`{'W1': None, 'b1': None, ...}` in the order of the keys the facts know). The slots are the container's as the
specialisation's facts know it (a tuple's length, a parameter's keys or length, which the guard
checks). A stored addend must be a new value no other name reaches afterwards (an arithmetic
result, or a name used only before the store, in the same block), so the slot shares its memory
with nothing the gradient or its caller may change.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import gast
import numpy as np

from .. import rules
from ..analysis.aliasing import memory_reads, shared_through, sharing_links, ufunc_result
from ..frontend.assumptions import calls_named, is_guard
from ..frontend.context import Context
from ..ir.trees import call_of, name_counts, walk, walk_statements
from ..optimize.cleanup import number_value


def fill_container_adjoints(
    fdef: gast.FunctionDef, ctx: Context, slots_of: Callable[[str], tuple | None] | None
) -> None:
    """Rewrite additions into slots still zero as stores, and drop zeros every slot overwrites (above)."""
    zeros_like, add_at, add_adjoints = (ctx.helper(h) for h in ("zeros_like", "add_at", "add_adjoints"))
    guard = calls_named({ctx.helper("respecialize")})
    scope = _Scope(fdef, frozenset({ctx.numpy_name(), "math"}), zeros_like)
    blocks = [fdef.body]
    for block in blocks:
        for k, s in enumerate(block):
            v, c = _fresh_zeros(s, zeros_like)
            if v is not None:
                slots = slots_of(c) if slots_of is not None and _unchanged(fdef, c, guard) else None
                written = _fill(scope, block, k, v, slots, (add_at, add_adjoints))
                if slots is not None and slots[1] and set(slots[1]) <= written:
                    s.value = _empty(slots)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    blocks.append(inner)


def _unchanged(fdef: gast.FunctionDef, c: str, guard: Callable[[Any], bool]) -> bool:
    """Whether c is bound once at most, and nothing writes into it or calls a method of it (its slots
    stay those it was bound with; the guard's `c.keys()` reads them)."""
    nodes = [n for s in fdef.body if not is_guard(s, guard) for n in walk(s)]
    methods = {id(n.func) for n in nodes if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)}
    if sum(isinstance(n, gast.Name) and n.id == c and isinstance(n.ctx, gast.Store) for n in nodes) > 1:
        return False
    for n in nodes:
        base = n.value if isinstance(n, (gast.Subscript, gast.Attribute)) else None
        if isinstance(base, gast.Name) and base.id == c and (id(n) in methods or isinstance(n.ctx, gast.Store)):
            return False
    return True


def _fresh_zeros(s: gast.stmt, zeros_like: str) -> tuple[str | None, str | None]:
    """`v = zeros_like(c)`: (v, c)."""
    if (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and call_of(s.value, zeros_like)
        and isinstance(s.value.args[0], gast.Name)
        and s.value.args[0].id != s.targets[0].id
    ):
        return s.targets[0].id, s.value.args[0].id
    return None, None


def _fill(
    scope: _Scope, block: list[gast.stmt], k: int, v: str, slots: tuple | None, adds: tuple[str, str]
) -> set[Any]:
    """Rewrite the additions into v's still-zero slots after block[k] as stores; the slots written
    before anything else reads v."""
    written: set[Any] = set()
    for at in range(k + 1, len(block)):
        s = block[at]
        if not scope.names(block, at)[v]:
            continue
        slot = _slot_write(s, v, adds[0], adds[1])
        if slot is None:
            break
        key, addend, adding = slot
        if type(key) is int and key < 0:  # a list's slot from its end: which one, if its length is known
            if slots is None or slots[0] != "list" or key + len(slots[1]) < 0:
                break
            key += len(slots[1])
        if adding and key not in written:
            if not scope.new_value(addend, block, at):
                break
            store = gast.Assign(targets=[_item(v, key, gast.Store())], value=addend, type_comment=None)
            gast.copy_location(store, s)
            for attr, value in vars(s).items():  # (the comments and marks a statement carries)
                if attr.startswith("_ag"):
                    setattr(store, attr, value)
            scope.replace(block, at, store)
        written.add(key)
    return written


def _slot_write(s: gast.stmt, v: str, add_at: str, add_adjoints: str) -> tuple[Any, gast.AST, bool] | None:
    """(key, addend, whether it adds) for `v[key] = e`, `v[key] = add_adjoints(v[key], e)` or
    `v = add_at(v, key, e)` with a constant key and v nowhere else in it; else None."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1):
        return None
    t, value = s.targets[0], s.value
    if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name) and t.value.id == v:
        key = _key(t.slice)
        if key is _NO:
            return None
        if call_of(value, add_adjoints, 2) and _is_item(value.args[0], v, key):
            addend = value.args[1]
            return (key, addend, True) if not _mentions(addend, v) else None
        return (key, value, False) if not _mentions(value, v) else None
    if isinstance(t, gast.Name) and t.id == v and call_of(value, add_at, 3):
        base, index, addend = value.args
        key = _key(index)
        if isinstance(base, gast.Name) and base.id == v and key is not _NO and not _mentions(addend, v):
            return key, addend, True
    return None


_NO = object()


def _key(node: gast.AST) -> Any:
    """The constant int or str a subscript's index is (`-1` too), or _NO."""
    if isinstance(node, gast.Constant) and type(node.value) is str:
        return node.value
    value = number_value(node)
    return value if type(value) is int else _NO


def _is_item(node: gast.AST, v: str, key: Any) -> bool:
    return (
        isinstance(node, gast.Subscript)
        and isinstance(node.value, gast.Name)
        and node.value.id == v
        and _key(node.slice) == key
    )


def _item(v: str, key: Any, ctx: gast.AST) -> gast.Subscript:
    return gast.Subscript(
        value=gast.Name(id=v, ctx=gast.Load(), annotation=None, type_comment=None),
        slice=gast.Constant(value=key, kind=None),
        ctx=ctx,
    )


class _Scope:
    """What the checks of a stored addend read of the function, counted once: each statement's
    names, every name's count, and the links through which names share memory."""

    def __init__(self, fdef: gast.FunctionDef, skip: frozenset[str], zeros_like: str):
        self.fdef, self.skip, self.zeros_like = fdef, skip, zeros_like
        self.counts: dict[int, list[Counter]] = {}  # id(block) → each statement's names
        self.totals = Counter(name_counts(fdef))
        self._links: list | None = None

    def names(self, block: list[gast.stmt], k: int) -> Counter:
        if id(block) not in self.counts:
            self.counts[id(block)] = [_names(s) for s in block]
        return self.counts[id(block)][k]

    def replace(self, block: list[gast.stmt], k: int, new: gast.stmt) -> None:
        old = self.names(block, k)
        block[k] = new
        self.counts[id(block)][k] = _names(new)
        self.totals.subtract(old)
        self.totals.update(self.counts[id(block)][k])

    def links(self) -> list:
        """The sharing links of the function, new zeros linking nothing (`zeros_like(t3)` shares
        no memory with t3)."""
        if self._links is None:
            zeros = [z for z in walk_statements(self.fdef.body) if _fresh_zeros(z, self.zeros_like)[0] is not None]
            values = [z.value for z in zeros]
            for z in zeros:
                z.value = gast.Constant(value=None, kind=None)
            try:
                self._links = sharing_links(self.fdef, both_ways=True, skip=self.skip)
            finally:
                for z, value in zip(zeros, values):
                    z.value = value
        return self._links

    def new_value(self, addend: gast.AST, block: list[gast.stmt], at: int) -> bool:
        """Whether `addend` is a value nothing else reaches once stored at block[at]: a new array
        (arithmetic, a ufunc's result), or a name that, and every name sharing memory with it, is
        bound in this block and used nowhere but in its statements before block[at]."""
        if not isinstance(addend, gast.Name):
            return (
                isinstance(addend, (gast.BinOp, gast.UnaryOp))
                or ufunc_result(addend, self.skip)
                or _new_array(addend, self.skip)
                or not memory_reads(addend) - self.skip
            )
        links = list(self.links())  # (but through the addition itself)
        for link in sharing_links(_Body([block[at]]), both_ways=True, skip=self.skip):
            if link in links:
                links.remove(link)
        shared = shared_through(links, frozenset({addend.id}))
        return all(self.local_before(block, at, n) for n in shared)

    def local_before(self, block: list[gast.stmt], at: int, n: str) -> bool:
        """Whether n is bound first in this block and used only in its simple statements before block[at]."""
        uses = [k for k in range(len(block)) if self.names(block, k)[n]]
        first = block[uses[0]] if uses else None
        return (
            isinstance(first, gast.Assign)
            and len(first.targets) == 1
            and isinstance(first.targets[0], gast.Name)
            and first.targets[0].id == n
            and all(k <= at and not isinstance(block[k], _COMPOUND) for k in uses)
            and self.totals[n] == sum(self.names(block, k)[n] for k in uses)
        )


class _Body:
    """A function body of the given statements, for sharing_links."""

    def __init__(self, body: list[gast.stmt]):
        self.body = body


def _names(node: gast.AST) -> Counter:
    return Counter(name_counts(node))


def _new_array(value: gast.AST, modules: frozenset[str]) -> bool:
    """A call of a NumPy function whose registry entry says its result is never a view of an
    argument (np.sum, np.dot...)."""
    f = value.func if isinstance(value, gast.Call) else None
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id in modules):
        return False
    rule = rules.lookup(getattr(np, f.attr, None))
    return rule is not None and not rule.views


_COMPOUND = (gast.For, gast.While, gast.If, gast.With, gast.Try)


def _mentions(node: gast.AST, n: str) -> bool:
    return any(isinstance(x, gast.Name) and x.id == n for x in walk(node))


def _empty(slots: tuple) -> gast.AST:
    """Empty slots for every slot of a container: `[None] * n`, or `{'W': None, ...}` in the
    dict's order."""
    kind, keys = slots
    if kind == "dict":
        return gast.Dict(
            keys=[gast.Constant(value=k, kind=None) for k in keys],
            values=[gast.Constant(value=None, kind=None) for _ in keys],
        )
    none = gast.List(elts=[gast.Constant(value=None, kind=None)], ctx=gast.Load())
    return gast.BinOp(left=none, op=gast.Mult(), right=gast.Constant(value=len(keys), kind=None))
