"""Loop nests whose iterations are independent, as whole-array code (a pass over specialised code).

Naive max pooling visits every window twice, forward and backward, with a few NumPy calls each:

    for i in reversed(range(t5)):              # t5 = 8
        for j in reversed(range(t6)):          # t6 = 8
            t7 = 2 * i                         # (t9 = t7 + 2, t10 = 2 * j, t12 = t10 + 2)
            t13 = x[t7:t9, t10:t12]
            t14 = out[i, j]
            t14_bar = out_bar[i, j]
            out_bar[i, j] = 0.0
            t13_bar = t14_bar * extremum_mask(t13, t14, None, False)
            x_bar[t7:t9, t10:t12] = t13_bar

Every access is an element or a window of an array at positions affine in the loop counters
(index_ranges.py), so all iterations' accesses are one strided view of the array: element
[i, j, a, b] of `strided_view(x, (0, 0), (8, 8, 2, 2), ((2, 0), (0, 2), (1, 0), (0, 1)))` is
x[2i + a, 2j + b]; an element read is a view of shape (8, 8, 1, 1), which broadcasts against the
windows. The body then runs once on those views, every operation elementwise or, for a primitive
whose registry entry says `windowed` (np.max, np.min, extremum_mask), over the window axes with
keepdims:

    t13 = strided_view(x, (0, 0), (8, 8, 2, 2), ((2, 0), (0, 2), (1, 0), (0, 1)))
    t14 = strided_view(out, (0, 0), (8, 8, 1, 1), ((1, 0), (0, 1), (0, 0), (0, 0)))
    ...
    t13_bar = t14_bar * extremum_mask(t13, t14, (2, 3), True)
    strided_view(x_bar, (0, 0), (8, 8, 2, 2), ((2, 0), (0, 2), (1, 0), (0, 1)))[...] = t13_bar

The same values, bit for bit: elementwise operations and max/min do not depend on the order of
the elements.

Except for sums. A window's sum or a dot of windows, a primitive whose registry entry says
`sums_window` (np.sum of one window, or of an elementwise expression of windows, `np.sum(g * w)`;
np.dot of two windows of one axis, or of a window and an array of its shape: `@`, `.sum()` and
`np.sum(w * v)` of one axis are these), runs over the window axes with keepdims,
`t10.sum(axis=(1,), keepdims=True)`, `t8 @ w.reshape(-1, 1)`, which adds in another order than
the loop: only into a value no decision reads and the code does not return (below). In `grad`
the naive convolution's forward loop batches, since only the backward pass reads its `out`
(`out_bar = 2.0 * out`); in `value_and_grad`, which returns the function's value, it stays a loop.

And sums over the iterations, which a backward pass makes of adjoints. The naive
convolution's backward loop adds each window's adjoint into windows that overlap and sums a term
per iteration into a name:

    for i in reversed(range(t6)):              # t6 = 196, windows of 5
        t7 = i + t2
        t8 = x[i:t7]
        t9_bar = out_bar[i]
        out_bar[i] = 0.0
        t8_bar = t9_bar * w
        w_bar = w_bar + t9_bar * t8
        x_bar[i:t7] += t8_bar

An array the loop only adds into (`x_bar[...] += e`, never read in the loop) may take its additions
in any order: they become one `overlap_add(x_bar, start, shape, steps, t8_bar)` of every
iteration's term, which loops over the shorter of the window offsets and the windows (so never more
additions than the loop made; runtime.overlap_plan). A name bound by `a = a + e` in the body and
mentioned nowhere else in the nest is a sum over the iterations, `w_bar = w_bar + np.sum(t9_bar * t8,
axis=(0,))`; an array of the windows' shape the loop does not change (`w`) broadcasts against the
stack of windows. Such sums add in another order than the loop, so they may round differently:
only into values no decision reads and the code does not return besides the gradients
(analysis/rounding.py: decisive_names, returned_values), as hoisting regroups a loop's products.
The arrays the batched body computes are deleted after it where code follows.
Only where all that is proved:

- the nest is perfect (`for` in `for`, at the top of the function) over `range(n)` or
  `reversed(range(n))` of known lengths, at least 1; the outer bodies hold only ints the shapes fix
  (hoisted before the batch) or ints affine in the counters;
- every access stays within its array along every axis (no index wraps around or is clipped: a
  strided view is not checked);
- the writes into an array touch disjoint elements in distinct iterations and distinct statements
  (along some axis their starts move by the same stride with the same counter alone and their
  intervals never meet, for every counter), or are all additions into an array the loop does not
  read and no decision reads (the sums above), so no iteration reads what another wrote and the
  order of the iterations does not matter; an array the loop writes is read only at the very elements a
  later write of the same iteration writes (`out_bar[i, j]` before `out_bar[i, j] = 0.0`), as a
  copy; and every written array is one the function made (zeros, arithmetic) that no other array
  the loop reads can share memory with;
- no name the body binds is read after the nest before it is bound again, and the counters and
  the ints of the index arithmetic are read only as indices.

Anything else keeps its loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import gast
import numpy as np

from .. import runtime
from ..analysis.index_ranges import Affine, LoopIndices, difference
from ..analysis.rounding import continuous_helpers, decisive_names, returned_values
from ..frontend.context import Context
from ..ir.trees import counted_range, name, names_in, walk
from ..rules.registry import array_methods, lookup, member_names

_ELEMENTWISE_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div)
# the elements of one batched value at most: a longer nest runs as a loop over blocks of its first
# counter, so that its temporaries (a window per iteration: k times the arrays the loop reads)
# stay within a cache and add little to the memory a call needs (benchmarks/scaling.py)
_BLOCK = 1 << 14
_COMPARE_OPS = (gast.Gt, gast.GtE, gast.Lt, gast.LtE, gast.Eq, gast.NotEq)


@dataclass
class _Access:
    """An element or a window of `array` at positions affine in the counters: per indexed axis
    its start and its length (None: an element, the axis dropped)."""

    array: str
    axes: list[tuple[Affine, int | None]]
    stmt: gast.stmt

    def window(self) -> tuple[int, ...]:
        return tuple(n for _, n in self.axes if n is not None)


class _Refused(Exception):
    pass


def batch_window_loops(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable | None, passing: frozenset[str] = frozenset()
) -> None:
    """Replace each independent loop nest at the top of `fdef` by whole-array code (see above;
    `passing`: see rounding.decisive_names)."""
    if shape_of is None or not any(isinstance(s, gast.For) for s in fdef.body):
        return
    k, hoisted, batched = 0, [], False
    found: list[set[str]] = []

    def decisive() -> set[str]:
        """The names whose values decide something, found on the tree as the pass found it: when a
        nest first asks, or before the first nest batched changes it (_Nest.batched)."""
        if not found:
            continuous = continuous_helpers(ctx.extra_globals)
            returned = returned_values(fdef, getattr(shape_of, "adjoints", frozenset()), passing)
            found.append(decisive_names(fdef, ctx.numpy_name(), passing | continuous, returned))
        return found[0]

    while k < len(fdef.body):
        s = fdef.body[k]
        if isinstance(s, gast.For):
            nest = _Nest(fdef, k, ctx, shape_of, decisive)
            try:
                new = nest.batched()
            except _Refused:
                new = None
            if new is not None:
                fdef.body[k : k + 1] = new
                hoisted += nest.hoisted
                k += _release_dead_arrays(fdef.body, k, shape_of)
                k += len(new)
                batched = True
                continue
        k += 1
    if batched:
        _drop_dead_defaults(fdef.body)
        for s in reversed(hoisted):  # (a loop's length, hoisted before it, that only loops now gone read)
            k = next(i for i, t in enumerate(fdef.body) if t is s)
            if not any(s.targets[0].id in _mentioned(t) for t in fdef.body[k + 1 :]):
                del fdef.body[k]


def _release_dead_arrays(body: list[gast.stmt], k: int, shape_of: Callable) -> int:
    """`del` before the batched code at `body[k]` the arrays the function made (a name bound once
    at the top, not by copying another name, and not copied into another) that nothing from there
    on reads: the batched code's temporaries come on top of what the function holds. How many
    statements went in."""
    later = {n for st in body[k:] for n in _mentioned(st)}
    later |= {st.value.id for st in body[:k] if _is_simple_assign(st) and isinstance(st.value, gast.Name)}
    made: dict[str, int] = {}
    for st in body[:k]:
        for n in walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
                made[n.id] = made.get(n.id, 0) + (1 if _is_simple_assign(st) else 2)
    dead = [
        st.targets[0].id
        for st in body[:k]
        if _is_simple_assign(st)
        and not isinstance(st.value, (gast.Name, gast.Constant))
        and made.get(st.targets[0].id) == 1
        and st.targets[0].id not in later
        and shape_of(st.targets[0].id)
    ]
    if not dead:
        return 0
    body.insert(k, gast.Delete(targets=[name(n, gast.Del()) for n in dead]))
    return 1


def _drop_dead_defaults(body: list[gast.stmt]) -> None:
    """`t13 = None` (a loop's name bound before it, for a loop that may not run) goes where the
    next statement mentioning the name binds it anew, or where none mentions it."""
    keep = []
    for k, s in enumerate(body):
        if _is_simple_assign(s) and isinstance(s.value, gast.Constant) and s.value.value is None:
            n = s.targets[0].id
            later = next((t for t in body[k + 1 :] if n in _mentioned(t)), None)
            if later is None:  # (nothing mentions it any more: the loop that bound it is gone)
                continue
            if _is_simple_assign(later) and later.targets[0].id == n:
                if n not in _mentioned(later.value):
                    continue
        keep.append(s)
    body[:] = keep


class _Nest:
    def __init__(
        self, fdef: gast.FunctionDef, k: int, ctx: Context, shape_of: Callable, decisive: Callable[[], set[str]]
    ):
        self.fdef, self.k, self.ctx, self.shape_of, self._decisive = fdef, k, ctx, shape_of, decisive
        self.exact: Callable[[str], Any] = getattr(shape_of, "count", lambda n: None)
        self.np = ctx.numpy_name()

    @property
    def decisive(self) -> set[str]:
        """The function's decisive names (rounding.decisive_names), found when first asked."""
        return self._decisive()

    # ------------------------------------------------------------------------------ the nest

    def batched(self) -> list[gast.stmt] | None:
        loops, comments, hoisted, indices_stmts, body = self._perfect_nest(self.fdef.body[self.k])
        self.hoisted = hoisted
        self.counters = [f.target.id for f in loops]
        self.counts = [self._count(f) for f in loops]
        wrapper = gast.FunctionDef(
            name="nest", args=None, body=[loops[0]], decorator_list=[], returns=None, type_comment=None
        )
        self.indices = LoopIndices(wrapper)
        bound = names_in(loops[0], (gast.Store,))
        self.bound = bound
        stores = [n.id for n in walk(loops[0]) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
        for s in hoisted:  # (the one binding of a value no counter changes)
            if _mentioned(s.value) & bound or stores.count(s.targets[0].id) != 1:
                raise _Refused
        self.index_names = set(self.counters)
        for s in indices_stmts:
            if self.indices.affine(s, s.value, self.exact) is None:
                raise _Refused
            self.index_names.add(s.targets[0].id)
        self.sums = self._sums(body)
        if self._live_after(bound - {s.targets[0].id for s in hoisted} - self.sums):
            raise _Refused
        plan = self._classify(body)
        self._check_memory(plan)
        self.decisive  # noqa: B018 - (found now if not yet: the code made below changes the tree)
        if all(what != "write" or access.array in self.dead for what, _, access in plan) and not self.sums:
            return hoisted  # (a nest that writes nothing read later and binds nothing read later: no effect)
        return comments + hoisted + self._emit(plan) + self._released(plan)

    def _perfect_nest(self, loop: gast.For):
        loops, comments, hoisted, index_stmts = [], [], [], []
        node: gast.stmt = loop
        while True:
            if node.orelse or not isinstance(node.target, gast.Name):
                raise _Refused
            loops.append(node)
            inner = [s for s in node.body if not _is_comment(s)]
            comments += [s for s in node.body if _is_comment(s) and node.body.index(s) < _first_loop(node.body)]
            fors = [s for s in inner if isinstance(s, gast.For)]
            if not fors:
                return loops, comments, hoisted, index_stmts, node.body
            if len(fors) != 1 or inner[-1] is not fors[0]:
                raise _Refused
            for s in inner[:-1]:  # ints before the inner loop: fixed by the shapes, or indices
                if not (_is_simple_assign(s) and _int_expression(s.value)):
                    raise _Refused
                if isinstance(self.exact(s.targets[0].id), int):
                    hoisted.append(s)
                else:
                    index_stmts.append(s)
            node = fors[0]

    def _count(self, loop: gast.For) -> int:
        counted = counted_range(loop)
        arg = counted[1] if counted is not None else None
        n = arg.value if isinstance(arg, gast.Constant) else self.exact(arg.id) if isinstance(arg, gast.Name) else None
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise _Refused
        return n

    def _sums(self, body: list[gast.stmt]) -> set[str]:
        """The names the innermost body adds a term to, `a = a + e`, that the nest mentions nowhere
        else: a sum over the iterations, in any order (a name some decision reads keeps its loop's
        order of additions, so is none)."""
        mentions: dict[str, int] = {}
        for n in walk(self.fdef.body[self.k]):
            if isinstance(n, gast.Name):
                mentions[n.id] = mentions.get(n.id, 0) + 1
        sums = set()
        for s in body:
            a = _target(s) if _summand(s) is not None else None
            if a is not None and mentions[a] == 2 and a not in self.decisive and a not in self.counters:
                sums.add(a)
        return sums

    def _live_after(self, names: set[str]) -> bool:
        """Whether one of `names` may be read after the nest before it is bound again."""
        return bool(_live(self.fdef.body[self.k + 1 :], set()) & names)

    # ------------------------------------------------------------------------------ the body

    def _classify(self, body: list[gast.stmt]) -> list[tuple[str, gast.stmt, Any]]:
        plan: list[tuple[str, gast.stmt, Any]] = []
        self.batched_names: dict[str, str] = {}  # name → "window" or "element"
        self.free = False  # whether the value being classified decides nothing and is not returned
        self.dots = False  # whether the body calls a dot of windows (of one axis: vectors)
        bound_once: set[str] = set()
        reads: list[_Access] = []
        writes: list[tuple[_Access, int]] = []
        self.invariant_shapes: dict[str, tuple[int, ...]] = {}
        for pos, s in enumerate(body):
            if _is_comment(s):
                plan.append(("keep", s, None))
                continue
            if _summand(s) is not None and _target(s) in self.sums:
                if _target(s) in bound_once:
                    raise _Refused
                bound_once.add(_target(s))
                if self._expression(_summand(s)) not in ("window", "element"):
                    raise _Refused  # (a number the loop does not change, added n times: not a sum of terms)
                plan.append(("sum", s, None))
                continue
            if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                target = s.targets[0].id
                if target in bound_once or target in self.counters:
                    raise _Refused
                bound_once.add(target)
                if _int_expression(s.value) and self.indices.affine(s, s.value, self.exact) is not None:
                    self.index_names.add(target)
                    continue
                if isinstance(s.value, gast.Subscript) and isinstance(s.value.value, gast.Name):
                    access = self._access(s.value, s)
                    reads.append(access)
                    self.batched_names[target] = "window" if access.window() else "element"
                    plan.append(("read", s, access))
                    continue
                self.free = target not in self.decisive  # (a sum in another order may go into it)
                kind = self._expression(s.value)
                self.free = False
                self.batched_names[target] = kind
                plan.append(("compute", s, None))
                continue
            if isinstance(s, (gast.Assign, gast.AugAssign)):
                target = s.targets[0] if isinstance(s, gast.Assign) else s.target
                if isinstance(s, gast.Assign) and len(s.targets) != 1:
                    raise _Refused
                if isinstance(s, gast.AugAssign) and not isinstance(s.op, gast.Add):
                    raise _Refused
                if not (isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name)):
                    raise _Refused
                access = self._access(target, s)
                value_kind = self._operand(s.value)
                if value_kind in ("window", "invariant") and not access.window():
                    raise _Refused
                writes.append((access, pos))
                plan.append(("write", s, access))
                continue
            raise _Refused
        windows = {a.window() for a in reads + [w for w, _ in writes] if a.window()}
        if len(windows) > 1:
            raise _Refused
        self.window = windows.pop() if windows else ()
        per_iteration = int(np.prod(self.window, dtype=np.int64)) * int(np.prod(self.counts[1:], dtype=np.int64))
        self.block = None  # (iterations of the first counter at a time)
        if per_iteration * self.counts[0] > _BLOCK and self.counts[0] > 1:
            self.block = max(1, _BLOCK // per_iteration)
        if self.dots and len(self.window) != 1:
            raise _Refused  # (np.dot of arrays of two axes is a product of matrices, not a sum)
        if set(self.invariant_shapes.values()) - {self.window} or self.invariant_shapes and not self.window:
            raise _Refused  # (an array the loop does not change broadcasts as a window only of its shape)
        if any(w.array in self.invariant_shapes for w, _ in writes):
            raise _Refused  # (read whole, and written: it changes)
        self._check_independent(reads, writes, body)
        return plan

    def _access(self, node: gast.Subscript, stmt: gast.stmt) -> _Access:
        array = node.value.id
        if array in self.bound:
            raise _Refused
        shape = self.shape_of(array)
        if not shape or self.shape_of.kind(array) != "f":
            raise _Refused
        elts = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        if len(elts) > len(shape):
            raise _Refused
        axes: list[tuple[Affine, int | None]] = []
        for e, length in zip(elts, shape):
            if isinstance(e, gast.Slice):
                if e.step is not None:
                    raise _Refused
                lower = (0, {}) if e.lower is None else self._index(stmt, e.lower)
                upper = (length, {}) if e.upper is None else self._index(stmt, e.upper)
                size = difference(upper, lower)
                if size is None or size < 1:
                    raise _Refused
            else:
                lower, size = self._index(stmt, e), None
            within = self.indices.bounds(stmt, lower, self.exact)
            if within is None or within[0] < 0 or within[1] + (size or 1) > length:
                raise _Refused
            axes.append((lower, size))
        for length in shape[len(elts) :]:  # (trailing axes not indexed: whole)
            axes.append(((0, {}), length))
        return _Access(array, axes, stmt)

    def _index(self, stmt: gast.stmt, node: gast.AST) -> Affine:
        if any(isinstance(n, gast.Name) and n.id in self.bound and n.id not in self.index_names for n in walk(node)):
            raise _Refused
        form = self.indices.affine(stmt, node, self.exact)
        if form is None:
            raise _Refused
        return form

    def _operand(self, node: gast.AST) -> str:
        """ "window", "element", "invariant" (an array the loop does not change, of the windows'
        shape) or "scalar" (a number the loop does not change)."""
        if isinstance(node, gast.Constant) and type(node.value) in (int, float, bool):
            return "scalar"
        if isinstance(node, gast.Name):
            if node.id in self.batched_names:
                return self.batched_names[node.id]
            if node.id in self.bound or node.id in self.index_names:
                raise _Refused
            shape = self.shape_of(node.id)
            if shape and self.shape_of.kind(node.id) == "f":  # (an array the loop does not change)
                self.invariant_shapes[node.id] = tuple(shape)
                return "invariant"
            if shape != () or self.shape_of.kind(node.id) not in ("f", "i"):
                raise _Refused
            return "scalar"
        raise _Refused

    def _expression(self, node: gast.AST, beside: gast.AST | None = None) -> str:
        """The kind of `node`'s value, an elementwise expression of operands or a windowed call
        (`beside`: the other operand of the arithmetic `node` is an operand of)."""
        if isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE_OPS):
            return _widest(self._expression(node.left, node.right), self._expression(node.right, node.left))
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
            return self._expression(node.operand)
        if isinstance(node, gast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], _COMPARE_OPS):
            return _widest(self._expression(node.left), self._expression(node.comparators[0]))
        if isinstance(node, gast.IfExp):
            # a choice of numbers, multiplying (or the like) a value: np.where of the value times each,
            # each product of the loop's types (a Python number's dtype is the other operand's)
            if not isinstance(beside, (gast.Name, gast.Constant)):
                raise _Refused
            for branch in (node.body, node.orelse):
                if not isinstance(branch, (gast.Name, gast.Constant, gast.IfExp)):
                    raise _Refused
            kinds = [self._expression(node.test), self._expression(node.body, beside)]
            return _widest(*kinds, self._expression(node.orelse, beside))
        if isinstance(node, gast.Call):
            fn, args = self._function(node)
            rule = lookup(fn)
            if rule is None or node.keywords:
                raise _Refused
            if rule.windowed:  # np.max(w) alone; extremum_mask(w, m) with axis None and keepdims False
                reduction = rule.full_reduction
                if len(args) != 1 if reduction else not 2 <= len(args) <= 4:
                    raise _Refused
                kinds = [self._operand(a) for a in args[:2]]
                if kinds[0] != "window" or any(k in ("window", "invariant") for k in kinds[1:]):
                    raise _Refused
                if not all(isinstance(a, gast.Constant) and a.value is d for a, d in zip(args[2:], (None, False))):
                    raise _Refused
                return "element" if reduction else "window"
            if rule.sums_window:  # np.sum(w) alone; np.dot(w, v) of windows or an array of their shape
                if not self.free or len(args) != (1 if rule.full_reduction else 2):
                    raise _Refused
                if rule.full_reduction and not isinstance(args[0], gast.Name):
                    if self._expression(args[0]) != "window":  # (np.sum(g * w): the sum of one window's values)
                        raise _Refused
                    return "element"
                kinds = [self._operand(a) for a in args]
                if "window" not in kinds or set(kinds) - {"window", "invariant"}:
                    raise _Refused
                self.dots = self.dots or len(args) == 2
                return "element"
            if rule.fills_first and len(args) == 2:  # (a window filled with its own number)
                kinds = [self._operand(a) for a in args]
                if kinds[1] in ("window", "invariant") or kinds[0] in ("scalar", "invariant"):
                    raise _Refused
                return kinds[0]
            if rule.elementwise and not rule.effects:
                return _widest(*[self._operand(a) for a in args])
            raise _Refused
        return self._operand(node)

    def _function(self, call: gast.Call) -> tuple[Any, list[gast.AST]]:
        """The primitive a call calls and its positional arguments (a method's receiver first)."""
        func = call.func
        if isinstance(func, gast.Name) and getattr(runtime, func.id, None) is not None:
            if self.ctx.helper(func.id) == func.id:
                return getattr(runtime, func.id), list(call.args)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            if func.value.id == self.np:
                return getattr(np, func.attr, None), list(call.args)
            if func.value.id in self.batched_names:
                method = array_methods().get(func.attr)
                if method is not None and (not call.args or not method[1]):
                    return getattr(np, method[0], None), [func.value, *call.args]
        raise _Refused

    # ------------------------------------------------------------------------------ the proofs

    def _check_independent(self, reads: list[_Access], writes: list[tuple[_Access, int]], body: list) -> None:
        written = {w.array for w, _ in writes}
        read = {r.array for r in reads}
        self.overlapping: set[str] = set()  # (arrays only added into, in windows that may overlap)
        for a, (w, _) in enumerate(writes):
            for v, _ in writes[a:]:
                if v.array == w.array and not self._apart(w, v, same=v is w):
                    if not self._accumulated(w.array, writes, read):
                        raise _Refused
                    self.overlapping.add(w.array)
        for w, _ in writes:
            if w.array in self.overlapping:
                _, shape, steps = self._layout(w, blocks=False)
                blocks = 1
                if self.block is not None:
                    blocks, shape[0] = -(-self.counts[0] // self.block), self.block
                _, loop = runtime.overlap_plan(shape, steps)
                if blocks * np.prod([shape[d] for d in loop]) > np.prod(self.counts):
                    raise _Refused  # (more additions than the loop makes)
        for r in reads:
            if r.array not in written:
                continue
            at = body.index(r.stmt)
            # read only at the elements a later write of this iteration writes, and no write before
            if any(w.array == r.array and pos < at for w, pos in writes):
                raise _Refused
            if not any(w.array == r.array and pos > at and _same_region(w, r) for w, pos in writes):
                raise _Refused
        self.written = written

    def _accumulated(self, array: str, writes: list[tuple[_Access, int]], read: set[str]) -> bool:
        """Whether the loop only adds into `array` (`array[...] += e`), reads none of it, and no
        decision reads it: its additions may happen in any order, any number at a time."""
        if array in read or array in self.decisive:
            return False
        mine = [w.stmt for w, _ in writes if w.array == array]
        return all(isinstance(s, gast.AugAssign) and isinstance(s.op, gast.Add) for s in mine)

    def _apart(self, w: _Access, v: _Access, same: bool) -> bool:
        """Whether `w` and `v` never touch one element (in distinct iterations only, if `same`)."""
        for c in self.counters if same else [None]:
            found = False
            for (a, n), (b, m) in zip(w.axes, v.axes):
                n, m = n or 1, m or 1
                if not same and not a[1] and not b[1]:  # both fixed along this axis
                    if a[0] + n <= b[0] or b[0] + m <= a[0]:
                        found = True
                        break
                    continue
                if len(a[1]) != 1 or a[1] != b[1] or (c is not None and c not in a[1]):
                    continue
                (stride,) = a[1].values()
                s = abs(stride)
                r = (b[0] - a[0]) % s
                if same and s >= n:
                    found = True
                    break
                if not same and n <= r and r + m <= s:
                    found = True
                    break
            if not found:
                return False
        return True

    def _check_memory(self, plan: list) -> None:
        """Every written array is one the function made before the nest, that no name but the
        one the loop writes through (and copies of it the loop does not mention) holds."""
        mentioned = {n.id for s in [self.fdef.body[self.k]] for n in walk(s) if isinstance(n, gast.Name)}
        self.dead: set[str] = set()
        for array in self.written:
            chain = {array}
            current = array
            for s in reversed(self.fdef.body[: self.k]):
                names = _mentioned(s, shapes_too=False)
                if current not in names and not (chain & names):
                    continue
                if not (_is_simple_assign(s) and s.targets[0].id == current):
                    raise _Refused
                value = s.value
                if isinstance(value, gast.Name) and value.id not in chain:
                    current = value.id
                    chain.add(current)
                    continue
                if not self._fresh(value) or _mentioned(value) & chain:
                    raise _Refused
                break
            else:
                raise _Refused
            if (chain - {array}) & mentioned:
                raise _Refused
            if not chain & _live(self.fdef.body[self.k + 1 :], set()):
                self.dead.add(array)  # (nothing reads the array after the nest: its writes go)

    def _fresh(self, value: gast.AST) -> bool:
        """Whether `value` is a new float array nothing else holds."""
        if isinstance(value, gast.Call) and not value.keywords:
            func = value.func
            if isinstance(func, gast.Name) and func.id == "zeros_like":
                return self.ctx.helper("zeros_like") == "zeros_like"
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and func.value.id == self.np:
                fn = getattr(np, func.attr, None)  # (a ufunc makes a new array, without `out`)
                return func.attr in ("zeros", "zeros_like", "ones", "empty") or isinstance(fn, np.ufunc)
            return False
        # (arithmetic makes a new object: of an array, a new array)
        return isinstance(value, gast.BinOp) or isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub)

    # ------------------------------------------------------------------------------ the code

    def _emit(self, plan: list) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        helper = self.ctx.helper("strided_view")
        batch_axes = len(self.counters)
        window_axes = tuple(range(batch_axes, batch_axes + len(self.window)))
        used = set().union(*(_mentioned(s) for what, s, _ in plan if what != "read"))
        for what, s, access in plan:
            if what == "keep":
                out.append(s)
            elif what == "read" and s.targets[0].id not in used:
                continue  # (a value the batched body does not read: `t2 = c[k]` that the backward pass restored)
            elif what == "read":
                view = self._view(helper, access)
                if access.array in self.written and access.array not in self.dead:
                    view = gast.Call(
                        func=gast.Attribute(value=view, attr="copy", ctx=gast.Load()), args=[], keywords=[]
                    )
                out.append(_located(gast.Assign(targets=s.targets, value=view, type_comment=None), s))
            elif what == "compute":
                value = _Batcher(self, window_axes).visit(s.value)
                out.append(_located(gast.Assign(targets=s.targets, value=value, type_comment=None), s))
            elif what == "sum":
                out.append(_located(self._sum(s, window_axes), s))
            elif access.array in self.overlapping and access.array not in self.dead:
                start, shape, steps = self._layout(access)
                call = gast.Call(
                    func=name(self.ctx.helper("overlap_add")),
                    args=[name(access.array), _literal(start), _literal(shape), _literal(steps), s.value],
                    keywords=[],
                )
                out.append(_located(gast.Expr(value=call), s))
            elif access.array not in self.dead:
                view = self._view(helper, access)
                if isinstance(view, gast.Subscript):  # (a slice of the array: written as it is)
                    view.ctx = gast.Store()
                    target = view
                else:
                    whole = gast.Constant(value=Ellipsis, kind=None)
                    target = gast.Subscript(value=view, slice=whole, ctx=gast.Store())
                if isinstance(s, gast.Assign):
                    new = gast.Assign(targets=[target], value=s.value, type_comment=None)
                else:
                    new = gast.AugAssign(target=target, op=s.op, value=s.value)
                out.append(_located(new, s))
        if self.block is None:
            return out
        counter, n = self.counters[0], self.counts[0]
        blocks = _parsed(f"range(0, {n}, {self.block})")
        return [gast.For(target=name(counter, gast.Store()), iter=blocks, body=out, orelse=[], type_comment=None)]

    def _released(self, plan: list) -> list[gast.stmt]:
        """`del` of the arrays the batched body computes (a stack of products, of sums), which
        nothing after the nest reads: they would stay through the rest of the function, on top of
        what it holds there (views of the arrays the function holds cost nothing)."""
        computed = [s.targets[0].id for what, s, _ in plan if what == "compute" and not isinstance(s.value, gast.Name)]
        rest = self.fdef.body[self.k + 1 :]
        if not computed or all(isinstance(t, gast.Return) or _is_comment(t) for t in rest):
            return []
        return [gast.Delete(targets=[name(n, gast.Del()) for n in sorted(set(computed))])]

    def _sum(self, s: gast.Assign, window_axes: tuple[int, ...]) -> gast.Assign:
        """`a = a + e` as `a = a + np.sum(e, axis=(the counters' axes))`: every iteration's term at
        once (an element's terms: `np.sum(e)`, a number); the terms of an element times a window,
        `a = a + g * w`, as one product `g.reshape(-1) @ w` (of the windows' rows, then the shape of
        a window back) with no array of the terms in between."""
        summand = _summand(s)
        total = self._product(summand)
        if total is None:
            keywords = []
            if self._expression(summand) == "window":
                keywords = [gast.keyword(arg="axis", value=_literal(tuple(range(len(self.counters)))))]
            total = gast.Call(
                func=gast.Attribute(value=name(self.np), attr="sum", ctx=gast.Load()),
                args=[_Batcher(self, window_axes).visit(summand)],
                keywords=keywords,
            )
        value = gast.BinOp(left=name(_target(s)), op=gast.Add(), right=total)
        return gast.Assign(targets=[name(_target(s), gast.Store())], value=value, type_comment=None)

    def _product(self, summand: gast.AST) -> gast.AST | None:
        """The sum over the iterations of `g * w`, an element times a window (batched names), as one
        matrix product; None for any other term."""
        if not (isinstance(summand, gast.BinOp) and isinstance(summand.op, gast.Mult)):
            return None
        operands = (summand.left, summand.right)
        if not all(isinstance(o, gast.Name) for o in operands):
            return None
        kinds = {self.batched_names.get(o.id): o.id for o in operands}
        if set(kinds) != {"element", "window"}:
            return None
        rows = f"{kinds['window']}" if len(self.counters) == len(self.window) == 1 else None
        if rows is None:
            rows = f"{kinds['window']}.reshape(-1, {int(np.prod(self.window))})"
            return _parsed(f"({kinds['element']}.reshape(-1) @ {rows}).reshape({self.window})")
        return _parsed(f"{kinds['element']}.reshape(-1) @ {rows}")

    def _view(self, helper: str, access: _Access) -> gast.AST:
        start, shape, steps = self._layout(access)
        basic = _basic_view(access.array, start, shape, steps, self.shape_of(access.array))
        if basic is not None:
            return basic
        return gast.Call(
            func=name(helper),
            args=[name(access.array), _literal(start), _literal(shape), _literal(steps)],
            keywords=[],
        )

    def _layout(self, access: _Access, blocks: bool = True) -> tuple[list[Any], list[Any], list[list[int]]]:
        """The start, shape and steps of the view of every iteration's `access` (strided_view); in a
        loop over blocks of the first counter, those of the block's iterations."""
        start = [form[0] for form, _ in access.axes]
        shape = list(self.counts)
        steps = [[form[1].get(c, 0) for form, _ in access.axes] for c in self.counters]
        window = access.window()
        for d, (_, n) in enumerate(access.axes):
            if n is not None:
                shape.append(n)
                steps.append([1 if e == d else 0 for e in range(len(access.axes))])
        if not window:  # an element: axes of length 1 where the windows have theirs
            for _ in self.window:
                shape.append(1)
                steps.append([0] * len(access.axes))
        if blocks and self.block is not None:
            counter, n = self.counters[0], self.counts[0]
            for e, step in enumerate(steps[0]):
                if step:
                    moved = counter if step == 1 else f"{abs(step)} * {counter}"
                    sign = "+" if step > 0 else "-"
                    start[e] = _parsed(moved if start[e] == 0 and step > 0 else f"{start[e]} {sign} {moved}")
            shape[0] = self.block if n % self.block == 0 else _parsed(f"min({self.block}, {n} - {counter})")
        return start, shape, steps


class _Batcher(gast.NodeTransformer):
    """An expression of the body, on the batched values: windowed calls over the window axes."""

    def __init__(self, nest: _Nest, axes: tuple[int, ...]):
        self.nest, self.axes = nest, axes

    def visit_Call(self, node: gast.Call) -> gast.AST:
        fn, args = self.nest._function(node)
        rule = lookup(fn)
        if rule.windowed:
            np_name = self.nest.np
            axes, keep = _literal(self.axes), gast.Constant(value=True, kind=None)
            if rule.full_reduction:  # np.max(w), w.max(): the same form, over the window axes
                keywords = [gast.keyword(arg="axis", value=axes), gast.keyword(arg="keepdims", value=keep)]
                if isinstance(node.func, gast.Attribute) and node.func.value is args[0]:  # (a method)
                    return gast.Call(func=node.func, args=[], keywords=keywords)
                func = gast.Attribute(value=name(np_name), attr=fn.__name__, ctx=gast.Load())
                return gast.Call(func=func, args=[args[0]], keywords=keywords)
            return gast.Call(func=node.func, args=[*args[:2], axes, keep], keywords=[])
        if rule.sums_window:
            product = args[0] if len(args) == 1 else None
            if (
                isinstance(product, gast.BinOp)
                and isinstance(product.op, gast.Mult)
                and all(isinstance(a, gast.Name) for a in (product.left, product.right))
                and len(self.nest.window) == 1
            ):
                args = [product.left, product.right]  # (np.sum(w * v) of one axis: np.dot(w, v))
            return self._sum(node, fn, [self.visit(a) for a in args])
        return self.generic_visit(node)

    def _sum(self, node: gast.Call, fn: Any, args: list[gast.AST]) -> gast.AST:
        """A window's sum, over the window axes with keepdims; a dot of two windows as the sum of
        their products, of a window and an array of its shape as a product of matrices (the stack
        of windows times the array as a column: the same shape)."""
        np_name = self.nest.np
        keywords = [
            gast.keyword(arg="axis", value=_literal(self.axes)),
            gast.keyword(arg="keepdims", value=gast.Constant(value=True, kind=None)),
        ]
        if len(args) == 1:
            if isinstance(node.func, gast.Attribute) and node.func.value is args[0]:  # (a method)
                return gast.Call(func=node.func, args=[], keywords=keywords)
            func = gast.Attribute(value=name(np_name), attr=fn.__name__, ctx=gast.Load())
            return gast.Call(func=func, args=args, keywords=keywords)
        kinds = [self.nest.batched_names.get(a.id) if isinstance(a, gast.Name) else None for a in args]
        if kinds.count("window") == 1:
            window, vector = (args[0], args[1]) if kinds[0] == "window" else (args[1], args[0])
            column = gast.Call(
                func=gast.Attribute(value=vector, attr="reshape", ctx=gast.Load()),
                args=[gast.Constant(value=-1, kind=None), gast.Constant(value=1, kind=None)],
                keywords=[],
            )
            return gast.BinOp(left=window, op=gast.MatMult(), right=column)
        product = gast.BinOp(left=args[0], op=gast.Mult(), right=args[1])
        func = gast.Attribute(value=name(np_name), attr="sum", ctx=gast.Load())
        return gast.Call(func=func, args=[product], keywords=keywords)

    def visit_BinOp(self, node: gast.BinOp) -> gast.AST:
        """`g * (a if c else b)` as `np.where(c, g * a, g * b)`: each product as the loop makes it."""
        for side in ("left", "right"):
            choice = getattr(node, side)
            if isinstance(choice, gast.IfExp):
                branches = []
                for branch in (choice.body, choice.orelse):
                    product = gast.BinOp(left=node.left, op=node.op, right=node.right)
                    setattr(product, side, branch)
                    branches.append(self.visit(product))
                func = gast.Attribute(value=name(self.nest.np), attr="where", ctx=gast.Load())
                return gast.Call(func=func, args=[self.visit(choice.test), *branches], keywords=[])
        return self.generic_visit(node)


# ---------------------------------------------------------------------------------- helpers


def _widest(*kinds: str) -> str:
    """The kind of a value computed from values of `kinds` (an element with an array of the
    windows' shape: a window)."""
    if "window" in kinds or "invariant" in kinds and "element" in kinds:
        return "window"
    for k in ("invariant", "element"):
        if k in kinds:
            return k
    return "scalar"


def _target(s: gast.stmt) -> str | None:
    target = s.targets[0] if isinstance(s, gast.Assign) and len(s.targets) == 1 else getattr(s, "target", None)
    return target.id if isinstance(target, gast.Name) else None


def _summand(s: gast.stmt) -> gast.AST | None:
    """`e` of `a = a + e`, `a = e + a` or `a += e` (a name `a`), else None."""
    a = _target(s)
    if a is None:
        return None
    if not isinstance(s, gast.Assign):
        return None
    value = s.value
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)):
        return None
    for mine, other in ((value.left, value.right), (value.right, value.left)):
        if isinstance(mine, gast.Name) and mine.id == a:
            return other
    return None


def _same_region(a: _Access, b: _Access) -> bool:
    return len(a.axes) == len(b.axes) and all(
        x[0] == y[0] and x[1] == y[1] and n == m for (x, n), (y, m) in zip(a.axes, b.axes)
    )


def _is_comment(s: gast.stmt) -> bool:
    return isinstance(s, gast.Expr) and getattr(s, "_ag_comment", False)


def _first_loop(body: list[gast.stmt]) -> int:
    return next((i for i, s in enumerate(body) if isinstance(s, gast.For)), len(body))


def _is_simple_assign(s: gast.stmt) -> bool:
    return isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)


def _int_expression(node: gast.AST) -> bool:
    """Arithmetic, names, constants and shape entries only (no call, no effect)."""
    for n in walk(node):
        if isinstance(n, (gast.Call, gast.Lambda, gast.NamedExpr, gast.Await, gast.Yield, gast.YieldFrom)):
            return False
    return True


def _mentioned(node: gast.AST, shapes_too: bool = True) -> set[str]:
    """The names `node` mentions (without `shapes_too`, not those only read for their metadata:
    `out.shape`)."""
    if not shapes_too:
        metadata = member_names("metadata")
        skip = {
            id(n.value)
            for n in walk(node)
            if isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name) and n.attr in metadata
        }
        return {n.id for n in walk(node) if isinstance(n, gast.Name) and id(n) not in skip}
    return names_in(node)


def _live(stmts: list[gast.stmt], killed: set[str]) -> set[str]:
    """The names `stmts` may read before binding them (bindings in loops and branches kill
    reads only later in the same block)."""
    live: set[str] = set()
    killed = set(killed)
    for s in stmts:
        if isinstance(s, (gast.For, gast.While, gast.If)):
            head = s.iter if isinstance(s, gast.For) else s.test
            live |= _mentioned(head) - killed
            inner = set(killed)
            if isinstance(s, gast.For):
                inner |= names_in(s.target)
            live |= _live(s.body, inner) | _live(s.orelse, killed)
            continue
        if isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets):
            live |= _mentioned(s.value) - killed
            killed |= {t.id for t in s.targets}
            continue
        live |= _mentioned(s) - killed
    return live


def _parsed(text: str) -> gast.AST:
    return gast.parse(text).body[0].value


def _basic_view(array: str, start: list, shape: list, steps: list, full: tuple | None) -> gast.AST | None:
    """The strided view as NumPy's basic indexing of `array` (of shape `full`, where known), where
    it is one: each axis of the view moves one axis of the array forward, in the array's order, or
    none (an axis of length 1: None); the axes no axis moves stand at their start. `array` itself
    for the whole array; None where the view is no such slice (strided_view makes it)."""
    if not all(type(v) is int for v in (*start, *shape)) or not all(type(k) is int for st in steps for k in st):
        return None
    index: list[gast.AST] = []
    done = 0  # (the array's axes indexed so far)
    for n, step in zip(shape, steps):
        moved = [(e, k) for e, k in enumerate(step) if k]
        if not moved:
            if n != 1:
                return None  # (an element named again and again)
            index.append(gast.Constant(value=None, kind=None))
            continue
        if len(moved) != 1 or moved[0][1] < 0 or moved[0][0] < done:
            return None
        e, k = moved[0]
        index += [gast.Constant(value=start[a], kind=None) for a in range(done, e)]
        known = full is not None and len(full) == len(start)
        to_the_end = known and -(-(full[e] - start[e]) // k) == n  # (the slice to the array's end has n elements)
        stop = None if to_the_end else start[e] + k * (n - 1) + 1
        bounds = [start[e] or None, stop, k if k != 1 else None]
        index.append(gast.Slice(*(None if b is None else gast.Constant(value=b, kind=None) for b in bounds)))
        done = e + 1
    index += [gast.Constant(value=start[a], kind=None) for a in range(done, len(start))]
    if all(isinstance(i, gast.Slice) and i.lower is None and i.upper is None and i.step is None for i in index):
        if full is not None and len(index) == len(full):
            return name(array)
    return gast.Subscript(value=name(array), slice=gast.Tuple(elts=index, ctx=gast.Load()), ctx=gast.Load())


def _literal(v: Any) -> gast.AST:
    if isinstance(v, gast.AST):
        return v
    if isinstance(v, (list, tuple)):
        return gast.Tuple(elts=[_literal(e) for e in v], ctx=gast.Load())
    return gast.Constant(value=v, kind=None)


def _located(new: gast.stmt, old: gast.stmt) -> gast.stmt:
    gast.copy_location(new, old)
    for attr, value in vars(old).items():  # (the comments and marks a statement carries)
        if attr.startswith("_ag"):
            setattr(new, attr, value)
    return new


__all__ = ["batch_window_loops"]
