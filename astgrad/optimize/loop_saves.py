"""What a loop need not save per iteration, and what its backward loop need not copy.

The reverse pass saves every value a loop step overwrites and its backward step reads
(`push(tape, v)` before `v = ...`, `v = pop(tape)` after v's adjoint). Some of those values are
known without the tape; this pass removes their push/pop pairs:

- a value computed from loop invariants only (`t10 = 1.0 - a`, `t9 = np.transpose(W)`), or in
  specialised code an int the shapes fix (`H = prev_h.shape[1]`, `t12 = 2 * H`), is the same at
  every step: the backward loop reads the one the last step left;
- a value computed cheaply from the loop index and values nothing changes (`t6 = t - 1`,
  `t11 = x[t]`) is computed again at the top of the backward step (not a product, nor a power of
  an array: `x ** k` costs a `pow` per element, a save one reference);
- an element or row of an array filled in the loop, each position written once (`s[t] = ...`
  after `s = np.zeros(n)`), read at a position no later step writes (`s[t - 1]` before `s[t]` is
  written, `hs[t]` before `hs[t + 1]`), is read again from the filled array; so is, in specialised
  code, the value a step writes into it (`hs[t + 1] = t15`: t15 is `hs[t + 1]`).

And `x_bar = owned_copy(x_bar)` (the adjoint made writable before `x_bar[t] = 0.0`) inside a loop
that touches x_bar only through element reads and writes is done once, before the loop: a copy of
the whole adjoint at every step made the EMA's gradient quadratic in its length.

A loop at the top level of the function is handled with its backward loop `for t in
reversed(<the same iterator>)` also there, and a loop inside it (`for j in range(m)` in the body
of `for i in range(n)`, and so on down) with its backward loop in the body of the backward outer
loop, every enclosing index bound by its loops alone: so the indices, and every value the
recomputation reads, are the same in the backward step as in the forward one. Inside, a value
may also be recomputed from a value of an enclosing step bound the same way in its backward step
(`c = a * i` in both), an array filled in nested loops is indexed by one `i + c` per loop
(`out[i, j] = v`, the steps ordered outer index first), and a value the enclosing steps read
outside the inner loops stays on the tape.
"""

from __future__ import annotations

from typing import Any, Callable

import gast
import numpy as np

from ..analysis.aliasing import memory_reads, shared_through, sharing, ufunc_result, writes_in_place
from ..frontend.context import Context
from ..ir.trees import assign, names_in, walk
from .cleanup import number_value

FRESH = {"zeros", "empty", "ones", "full", "zeros_like", "empty_like", "ones_like", "full_like"}
PURE_BUILTINS = {"len", "float", "int", "abs", "min", "max"}
IMPURE_NUMPY = {"random", "copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}


def drop_loop_saves(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable | None = None, replay_declined: bool = False
) -> None:
    """Remove the saves the module docstring says need not be made. A loop over numbers is left to
    replay.py, but for its invariants; `replay_declined` (after it ran): the loops over numbers
    it left as they were, the others done already."""
    push, pop, copy_of = ctx.helper("push"), ctx.helper("pop"), ctx.helper("copy_of")
    if replay_declined:  # (the tape's calls lowered to its list methods: lowering/lower.py)
        tape = tape_name(fdef)
        if tape is None:
            return
        push, pop = f"{tape}.append", f"{tape}.pop"
    if shape_of is not None:
        _uncopy_numbers(fdef, copy_of, shape_of)
    np_name = ctx.numpy_name()
    body = fdef.body
    written = writes_in_place(fdef, ctx.helper("add_at"))
    stores = _stores(fdef)
    for k, loop in enumerate(body):
        if not (isinstance(loop, gast.For) and isinstance(loop.target, gast.Name) and not loop.orelse):
            continue
        back = _backward_loop(body[k + 1 :], loop)
        if back is None:
            continue
        nest = _Nest(body, k, [], body)
        if replay_declined:
            if shape_of is not None and _replayable(loop, push, shape_of):
                _drop(fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of)
            continue
        if shape_of is not None and _replayable(loop, push, shape_of):
            # replay.py may recompute the rest from the step's starting state; a loop invariant
            # is the same at every step either way (`t4 = 1 - a`), and replay may decline
            _drop(fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of, True)
            continue
        _drop(fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of)
        _drop_nested(fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of)


class _Nest:
    """Where a pair of loops sits: the function's body, the index there of the outermost forward
    loop, the pairs (forward, backward) of the loops enclosing it, outermost first, and the block
    of the backward loop."""

    def __init__(self, top: list, k: int, enclosing: list, back_block: list):
        self.top, self.k, self.enclosing, self.back_block = top, k, enclosing, back_block

    def targets(self, loop: gast.For) -> list[str]:
        """The loop indices, outermost first, `loop`'s last."""
        return [f.target.id for f, _ in self.enclosing] + [loop.target.id]

    def outermost(self, loop: gast.For, back: gast.For) -> tuple[gast.For, gast.For]:
        return self.enclosing[0] if self.enclosing else (loop, back)


def _drop_nested(fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of) -> None:
    """The loops directly in `loop`'s body whose backward loops are directly in `back`'s body:
    `for j in range(m)` and `for j in reversed(range(m))`, where every enclosing index is the
    same in the backward step as in the forward one (bound by its loops alone)."""
    for f, b in ((loop, back), *nest.enclosing):
        i = f.target.id
        if sum(1 for n in walk(f) if _stores_name(n, i)) != 1 or sum(1 for n in walk(b) if _stores_name(n, i)) != 1:
            return
    for inner in list(loop.body):
        if not (isinstance(inner, gast.For) and isinstance(inner.target, gast.Name) and not inner.orelse):
            continue
        if inner.target.id in nest.targets(loop):
            continue
        inner_back = _backward_loop(back.body, inner)
        if inner_back is None:
            continue
        deeper = _Nest(nest.top, nest.k, nest.enclosing + [(loop, back)], back.body)
        _drop(fdef, deeper, inner, inner_back, ctx, push, pop, copy_of, np_name, written, stores, shape_of)
        _drop_nested(fdef, deeper, inner, inner_back, ctx, push, pop, copy_of, np_name, written, stores, shape_of)


def prune_recomputed(fdef: gast.FunctionDef) -> None:
    """After the last pass: the values recomputed at the top of a backward step that nothing
    reads any more (later passes took their readers away: `unbroadcast(g, t13)` read t13 for its
    shape alone), and copies `t8 = t7` of recomputed names, put into their uses."""
    for loop, names, made in getattr(fdef, "_ag_recomputed", []):
        if not any(n is loop for n in walk(fdef)):
            continue
        made_here = {id(st) for st in made}  # (not a value the tape restores: `row = tape.pop()` stays)
        after = _read_after(fdef.body, loop) or set()
        changed = True
        while changed:
            changed = False
            for i, st in enumerate(loop.body):
                target = single_assign(st)
                if target is None or target not in names or id(st) not in made_here:
                    continue
                rest = loop.body[i + 1 :]
                readers = [n for r in rest for n in walk(r) if isinstance(n, gast.Name) and n.id == target]
                stores = [n for r in rest for n in walk(r) if _stores_name(n, target)]
                if not readers and target not in after:
                    del loop.body[i]
                    changed = True
                    break
                if isinstance(st.value, gast.Name) and st.value.id in names and not stores and target not in after:
                    for n in readers:  # `t8 = t7`: t7 itself, bound above and not again
                        n.id = st.value.id
                    del loop.body[i]
                    changed = True
                    break
        if not loop.body:
            loop.body.append(gast.Pass())
    fdef._ag_recomputed = []


def _read_after(block: list, loop: gast.For) -> set[str] | None:
    """The names read after `loop` (in `block` or the blocks inside it): in the statements after
    it in its block and in those of every block around it, and anywhere in the loops around it
    (their next step); None when `loop` is not in `block`."""
    for k, st in enumerate(block):
        if st is loop:
            return {n.id for s in block[k + 1 :] for n in walk(s) if isinstance(n, gast.Name)}
        for field in ("body", "orelse"):
            inner = getattr(st, field, None)
            if not (isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt)):
                continue
            found = _read_after(inner, loop)
            if found is None:
                continue
            found |= {n.id for s in block[k + 1 :] for n in walk(s) if isinstance(n, gast.Name)}
            if isinstance(st, (gast.For, gast.While)):
                found |= {n.id for s in inner for n in walk(s) if isinstance(n, gast.Name) and s is not loop}
            return found
    return None


def _uncopy_numbers(fdef: gast.FunctionDef, copy_of: str, shape_of: Callable) -> None:
    """`copy_of(s[t])` of one element of an array of known rank (or of a name known to hold a
    number) is that element: a NumPy scalar, which nothing writes into."""

    def number(e: gast.AST) -> bool:
        if isinstance(e, gast.Name):
            return shape_of(e.id) == ()
        if isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name):
            shape = shape_of(e.value.id)
            index = e.slice.elts if isinstance(e.slice, gast.Tuple) else [e.slice]
            scalar = all(
                isinstance(i, gast.Name)
                and shape_of(i.id) == ()
                and shape_of.kind(i.id) == "i"
                or isinstance(i, gast.Constant)
                and type(i.value) is int
                for i in index
            )
            return shape is not None and scalar and len(shape) == len(index) and shape_of.kind(e.value.id) == "f"
        return False

    nodes = walk(fdef)
    if not any(_is_copy(n, copy_of) for n in nodes):
        return
    for node in nodes:
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                for i, v in enumerate(value):
                    if _is_copy(v, copy_of) and number(v.args[0]):
                        value[i] = v.args[0]
            elif _is_copy(value, copy_of) and number(value.args[0]):
                setattr(node, field, value.args[0])


def _is_copy(v: gast.AST, copy_of: str) -> bool:
    return (
        isinstance(v, gast.Call)
        and isinstance(v.func, gast.Name)
        and v.func.id == copy_of
        and len(v.args) == 1
        and not v.keywords
    )


LINEAR = {"transpose", "reshape"}  # np functions linear in their first argument


def _sum_after_loop(body, back: gast.For, v: str, ctx: Context, np_name: str, shape_of) -> None:
    """The adjoint of a loop invariant `v = np.transpose(U)` is the sum of its steps' adjoints:
    `U_bar = U_bar + np.transpose(v_bar)` at every step becomes `v_bar_sum = v_bar_sum + ...`
    in the loop (which batching.py sums as one product) and one `U_bar = U_bar +
    np.transpose(v_bar_sum)` after it."""
    vb = v + "_bar"
    made = [j for j, st in enumerate(back.body) if single_assign(st) == vb]
    uses = [j for j, st in enumerate(back.body) if vb in _names(st)]
    if len(made) != 1 or len(uses) != 1 or uses[0] <= made[0]:
        return
    acc_st = back.body[uses[0]]
    acc = single_assign(acc_st)
    value = acc_st.value if acc is not None else None
    if not (
        isinstance(value, gast.BinOp)
        and isinstance(value.op, gast.Add)
        and isinstance(value.left, gast.Name)
        and value.left.id == acc
        and _linear_in(value.right, vb, np_name, ctx)
    ):
        return
    if sum(1 for st in back.body for n in walk(st) if isinstance(n, gast.Name) and n.id == acc) != 2:
        return  # (read or bound elsewhere in the loop)
    if any(isinstance(n, gast.Name) and n.id == vb for st in back.body[made[0] + 1 : uses[0]] for n in walk(st)):
        return
    total = ctx.namer.fresh(vb + "_sum")
    if shape_of is not None and shape_of(v) is not None:
        shape_of.declare(total, shape_of(v), shape_of.kind(v))
    step = back.body[made[0]].value
    back.body[made[0]] = assign(
        total, gast.BinOp(left=gast.Name(total, gast.Load(), None, None), op=gast.Add(), right=step)
    )
    del back.body[uses[0]]
    for n in walk(value.right):
        if isinstance(n, gast.Name) and n.id == vb:
            n.id = total
    k = body.index(back)
    body.insert(k + 1, acc_st)
    body.insert(k, assign(total, gast.Constant(value=0.0, kind=None)))


def _linear_in(e: gast.AST, vb: str, np_name: str, ctx: Context) -> bool:
    """e is vb, or a linear function of vb alone (np.transpose, np.reshape, unbroadcast)."""
    if isinstance(e, gast.Name):
        return e.id == vb
    if not (isinstance(e, gast.Call) and e.args and isinstance(e.args[0], (gast.Name, gast.Call))):
        return False
    f = e.func
    linear = (
        isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name and f.attr in LINEAR
    ) or (isinstance(f, gast.Name) and f.id == ctx.helper("unbroadcast"))
    others = [n for a in e.args[1:] for n in walk(a) if isinstance(n, gast.Name) and n.id == vb]
    return linear and not others and not e.keywords and _linear_in(e.args[0], vb, np_name, ctx)


def _replayable(loop: gast.For, push: str, shape_of: Callable) -> bool:
    """A loop over numbers that writes into no array: replay.py saves its starting states alone."""
    saved = [p[1] for st in loop.body if (p := _push_of(st, push)) is not None]
    writes = any(
        isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) or getattr(n, "_ag_append", None)
        for n in walk(loop)
    )
    if any(isinstance(n, gast.For) for st in loop.body for n in walk(st)):
        return False  # (replay.py replays no loop with a loop inside)
    return not writes and all(shape_of(v) == () for v in saved)


def tape_name(fdef: gast.FunctionDef) -> str | None:
    """The name of the generated tape of `fdef`, if it has one."""
    return next((t for st in fdef.body if (t := tape_of(st)) is not None), None)


def tape_of(st: gast.stmt) -> str | None:
    """t for the generated tape's `t = []` (a name beginning with "tape")."""
    if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name):
        if isinstance(st.value, gast.List) and not st.value.elts and st.targets[0].id.startswith("tape"):
            return st.targets[0].id
    return None


def _stores(fdef: gast.FunctionDef) -> dict[str, int]:
    out: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            out[n.id] = out.get(n.id, 0) + 1
    for a in fdef.args.args + fdef.args.kwonlyargs:
        out[a.id] = out.get(a.id, 0) + 1
    return out


def _backward_loop(rest: list[gast.stmt], loop: gast.For) -> gast.For | None:
    want = gast.dump(loop.iter)
    for s in rest:
        if (
            isinstance(s, gast.For)
            and isinstance(s.target, gast.Name)
            and s.target.id == loop.target.id
            and isinstance(s.iter, gast.Call)
            and isinstance(s.iter.func, gast.Name)
            and s.iter.func.id == "reversed"
            and len(s.iter.args) == 1
            and gast.dump(s.iter.args[0]) == want
        ):
            return s
    return None


def _push_of(s: gast.stmt, push: str) -> tuple[str, str] | None:
    """(tape, name) of `push(tape, name)`, or with `push` "tape.append" (the tape's list method,
    once lowered) of `tape.append(name)`."""
    if not isinstance(s, gast.Expr) or not isinstance(s.value, gast.Call):
        return None
    c = s.value
    if isinstance(c.func, gast.Name) and c.func.id == push and len(c.args) == 2:
        if all(isinstance(a, gast.Name) for a in c.args):
            return c.args[0].id, c.args[1].id
    if _method_of(c, push) and len(c.args) == 1 and isinstance(c.args[0], gast.Name):
        return c.func.value.id, c.args[0].id
    return None


def _pop_of(s: gast.stmt, pop: str) -> tuple[str, str] | None:
    """(tape, name) of `name = pop(tape)`, or with `pop` "tape.pop" of `name = tape.pop()`."""
    if not (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and isinstance(s.value, gast.Call)
    ):
        return None
    c = s.value
    if isinstance(c.func, gast.Name) and c.func.id == pop and len(c.args) == 1 and isinstance(c.args[0], gast.Name):
        return c.args[0].id, s.targets[0].id
    if _method_of(c, pop) and not c.args:
        return c.func.value.id, s.targets[0].id
    return None


def _method_of(c: gast.Call, method: str) -> bool:
    """Whether `c` calls `method`, "tape.append" or "tape.pop", the tape's list method."""
    f = c.func
    return (
        "." in method
        and isinstance(f, gast.Attribute)
        and isinstance(f.value, gast.Name)
        and f"{f.value.id}.{f.attr}" == method
        and not c.keywords
    )


def _names(node: gast.AST) -> set[str]:
    return names_in(node, (gast.Load,))


def single_assign(s: gast.stmt) -> str | None:
    """The one name `s` binds when it is `name = value`, else None."""
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _pure(value: gast.AST, np_name: str, copy_of: str, cheap: bool, shape_of: Callable | None = None) -> bool:
    """No effect, the same result for the same operands; `cheap`: index arithmetic and reads, and
    elementwise work no dearer than saving its result (a power of an array is: `x ** k` costs a
    `pow` per element, a save one reference)."""
    for n in walk(value):
        if isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await, gast.ListComp)):
            return False
        if cheap and isinstance(n, gast.BinOp) and isinstance(n.op, gast.MatMult):
            return False  # (a product is no recomputation for free)
        if cheap and _array_power(n, np_name, shape_of):
            return False
        if isinstance(n, gast.Call):
            f = n.func
            if isinstance(f, gast.Name) and f.id in PURE_BUILTINS | {copy_of}:
                continue
            if (
                isinstance(f, gast.Attribute)
                and isinstance(f.value, gast.Name)
                and f.value.id == np_name
                and isinstance(getattr(np, f.attr, None), np.ufunc)
                and not n.keywords
            ):
                continue  # (elementwise: recomputed at the forward step's own cost)
            if (
                not cheap
                and isinstance(f, gast.Attribute)
                and isinstance(f.value, gast.Name)
                and f.value.id == np_name
                and f.attr not in IMPURE_NUMPY
                and not any(k.arg == "out" for k in n.keywords)
            ):
                continue
            return False
    return True


POWERS = {"power", "float_power"}


def _array_power(n: gast.AST, np_name: str, shape_of: Callable | None) -> bool:
    """`a ** b` (or `np.power(a, b)`) whose operands may be arrays: not known to be numbers."""
    if isinstance(n, gast.BinOp) and isinstance(n.op, gast.Pow):
        operands = [n.left, n.right]
    elif (
        isinstance(n, gast.Call)
        and isinstance(n.func, gast.Attribute)
        and isinstance(n.func.value, gast.Name)
        and n.func.value.id == np_name
        and n.func.attr in POWERS
    ):
        operands = n.args
    else:
        return False

    def number(e: gast.AST) -> bool:
        if isinstance(e, gast.Constant):
            return True
        return isinstance(e, gast.Name) and shape_of is not None and shape_of(e.id) == ()

    return not all(number(e) for e in operands)


def affine_offset(index: gast.AST, target: str, defs: dict[str, gast.AST]) -> int | None:
    """c when `index` is the loop index plus the integer constant c, else None."""
    if isinstance(index, gast.Name):
        if index.id == target:
            return 0
        if index.id in defs:
            return affine_offset(defs[index.id], target, {})
        return None
    if isinstance(index, gast.BinOp) and isinstance(index.op, (gast.Add, gast.Sub)):
        left, right = index.left, index.right
        if isinstance(right, gast.Constant) and type(right.value) is int:
            c = affine_offset(left, target, defs)
            if c is not None:
                return c + right.value if isinstance(index.op, gast.Add) else c - right.value
        if isinstance(index.op, gast.Add) and isinstance(left, gast.Constant) and type(left.value) is int:
            c = affine_offset(right, target, defs)
            return None if c is None else c + left.value
    return None


def _start(loop: gast.For, shape_of) -> int | None:
    """The first index of `for t in range(n)` (0) or `range(a, n)` (a, an int constant or, in
    specialised code, a name known to hold one), else None."""
    args = loop.iter.args
    if len(args) == 1:
        return 0
    a = args[0]
    if isinstance(a, gast.Constant) and type(a.value) is int:
        return a.value
    if isinstance(a, gast.Name) and shape_of is not None:
        return shape_of.count(a.id)
    return None


def _increasing(loop: gast.For) -> bool:
    it = loop.iter
    return (
        isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "range"
        and len(it.args) in (1, 2)
        and not it.keywords
    )


class _Filled:
    """Arrays filled by the loop (and the loops around it), each position once: name →
    (statement index in the loop's body, the write's index, the value written). A write's index
    is `t + c` of the loop index t, or in nested loops a tuple of one `i + c` per loop index."""

    def __init__(self, links, nest, loop, np_name, written, stores, defs, shape_of):
        self.rows: dict[str, tuple[int, dict[str, tuple[int, int]], gast.AST]] = {}
        self.lists: set[str] = set()  # lists only appended to: an item, once there, stays
        loops = [f for f, _ in nest.enclosing] + [loop]
        if not all(_increasing(f) for f in loops):
            return
        # (the first index of each loop: no index `t + c` it writes or reads may be negative,
        # which would be a position counted from the end, written at a later step)
        self.starts = {f.target.id: _start(f, shape_of) for f in loops}
        body, k = nest.top, nest.k
        self.targets = nest.targets(loop)
        for s_name, count in written.items():
            if stores.get(s_name) != 1:
                continue
            made = [
                st
                for st in body[:k]
                if single_assign(st) == s_name
                and isinstance(st.value, gast.Call)
                and isinstance(st.value.func, gast.Attribute)
                and isinstance(st.value.func.value, gast.Name)
                and st.value.func.value.id == np_name
                and st.value.func.attr in FRESH
            ]
            if len(made) != 1:
                continue
            before = sum(1 for st in body[:k] if _writes_into(st, s_name))
            inside = [(j, st) for j, st in enumerate(loop.body) if _writes_into(st, s_name)]
            if len(inside) != 1 or before + 1 != count:
                continue
            j, st = inside[0]
            if not isinstance(st, gast.Assign) or len(st.targets) != 1:
                continue
            offsets = self.offsets(st.targets[0].slice, defs)
            if offsets is None:
                continue
            shared = shared_through(links, frozenset({s_name})) - {s_name}
            if any(written.get(n) for n in shared):
                continue
            self.rows[s_name] = (j, offsets, st.value)
        for s_name in _appended_only(nest.top, written, stores):
            if not any(written.get(n) for n in shared_through(links, frozenset({s_name})) - {s_name}):
                self.lists.add(s_name)
        for st in nest.top:  # (a name bound once to such a list, `residuals = t1`, reads its items)
            n = single_assign(st)
            if n and isinstance(st.value, gast.Name) and st.value.id in self.lists and stores.get(n) == 1:
                if not written.get(n):
                    self.lists.add(n)

    def offsets(self, index: gast.AST, defs) -> dict[str, tuple[int, int]] | None:
        """Loop index → (axis, c) for an index `t + c` (one loop) or a tuple with one `i + c`
        per loop index, each once; None for any other index."""
        if len(self.targets) == 1:
            c = affine_offset(index, self.targets[0], defs)
            return None if c is None or not self.from_zero(self.targets[0], c) else {self.targets[0]: (0, c)}
        if not isinstance(index, gast.Tuple) or len(index.elts) != len(self.targets):
            return None
        out: dict[str, tuple[int, int]] = {}
        for axis, e in enumerate(index.elts):
            found = [(t, c) for t in self.targets if (c := affine_offset(e, t, defs)) is not None]
            if len(found) != 1 or found[0][0] in out or not self.from_zero(*found[0]):
                return None
            out[found[0][0]] = (axis, found[0][1])
        return out

    def from_zero(self, t: str, c: int) -> bool:
        """Whether `t + c` is never negative."""
        start = self.starts[t]
        return start is not None and start + c >= 0

    def never_negative(self, index: gast.AST, defs) -> bool:
        """Whether `index` is a position counted from the start at every step: made of the loop
        indices (which only grow) and int constants by sums, differences with a constant and
        products with a non-negative constant, and not negative at the indices' first values."""
        low = self.lowest(index, defs, 0)
        return low is not None and low >= 0

    def lowest(self, e: gast.AST, defs, depth: int) -> int | None:
        """The least value of an index that never decreases as the loop indices grow, or None."""
        if depth > 8:
            return None
        if isinstance(e, gast.Constant):
            return e.value if type(e.value) is int else None
        if isinstance(e, gast.Name):
            if e.id in self.targets:
                return self.starts[e.id]
            return self.lowest(defs[e.id], defs, depth + 1) if e.id in defs else None
        if not isinstance(e, gast.BinOp):
            return None
        if isinstance(e.op, gast.Sub) and isinstance(e.right, gast.Constant) and type(e.right.value) is int:
            low = self.lowest(e.left, defs, depth + 1)
            return None if low is None else low - e.right.value
        if isinstance(e.op, gast.Add):
            a, b = self.lowest(e.left, defs, depth + 1), self.lowest(e.right, defs, depth + 1)
            return None if a is None or b is None else a + b
        if isinstance(e.op, gast.Mult):
            for c, other in ((e.left, e.right), (e.right, e.left)):
                if isinstance(c, gast.Constant) and type(c.value) is int and c.value >= 0:
                    low = self.lowest(other, defs, depth + 1)
                    return None if low is None else c.value * low
        return None

    def readable(self, read: gast.Subscript, at: int, defs) -> bool:
        """Whether `read` (at statement `at` of the loop body) sees what the array finally holds:
        the position it reads was written at an earlier step (the steps ordered outer index
        first), or earlier in this step."""
        if isinstance(read.value, gast.Name) and read.value.id in self.lists:
            return self.never_negative(read.slice, defs)
        if not (isinstance(read.value, gast.Name) and read.value.id in self.rows):
            return False
        j, written, _ = self.rows[read.value.id]
        offsets = self.offsets(read.slice, defs)
        if offsets is None or any(offsets[t][0] != written[t][0] for t in self.targets):
            return False
        for t in self.targets:  # (the step that wrote the position read, against this one)
            d = offsets[t][1] - written[t][1]
            if d != 0:
                return d < 0
        return at > j


def _appended_only(body: list[gast.stmt], written: dict[str, int], stores: dict[str, int]) -> set[str]:
    """The lists bound once, at the top level of `body`, to a list display (`s = [x[0]]`), and
    written into only by `s.append(v)`: an item read at a position counted from the start is, from
    then on, the value there (the backward pass may read it again). So for the arrays such lists
    became in specialised code (specialize/lists.py), each position written once before it is read."""
    made = {single_assign(st) for st in body if single_assign(st) and isinstance(st.value, gast.List)}
    appended: dict[str, int] = {}
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if a := getattr(n, "_ag_append", None):
            appended[a[0]] = appended.get(a[0], 0) + 1
    # (and the arrays such lists became, specialize/lists.py: written at each position once, in order)
    once = {single_assign(st) for st in body if getattr(st, "_ag_filled_once", False)}
    for v in once:
        appended[v] = written.get(v, 0)
    return {v for v in made | once if stores.get(v) == 1 and appended.get(v, 0) == written.get(v, 0) > 0}


def _writes_into(st: gast.stmt, s_name: str) -> bool:
    for n in walk(st):
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store):
            base = n.value
            while isinstance(base, gast.Subscript):
                base = base.value
            if isinstance(base, gast.Name) and base.id == s_name:
                return True
    return False


def _drop(
    fdef, nest, loop, back, ctx, push, pop, copy_of, np_name, written, stores, shape_of, invariants_only=False
) -> None:
    target = loop.target.id
    indices = set(nest.targets(loop))  # (the enclosing loops' indices: the same in both steps)
    skip = frozenset({np_name, "math"})
    # (names the enclosing loops bind change from one of their steps to the next)
    outer, outer_back = nest.outermost(loop, back)
    loop_stores = names_in(outer, (gast.Store,))
    back_stores = names_in(outer_back, (gast.Store,))
    # what may change in place: names written into, and what shares memory with them through
    # the forward pass's assignments (the backward pass writes only into adjoints it owns; the
    # tape is no memory its values share)
    tapes = frozenset(p[0] for s in loop.body if (p := _push_of(s, push)) is not None)
    skip = skip | tapes
    copies = {copy_of, ctx.helper("zeros_like"), ctx.helper("owned_copy")}
    links = forward_links(nest.top[: nest.top.index(outer_back)], skip, copies, shape_of)
    mutated = shared_through(links, frozenset(n for n, c in written.items() if c))
    pushes = {}
    for j, s in enumerate(loop.body):
        p = _push_of(s, push)
        if p is not None:
            pushes.setdefault(p[1], []).append((j, p[0]))
    pops = {}
    for j, s in enumerate(back.body):
        p = _pop_of(s, pop)
        if p is not None:
            pops.setdefault(p[1], []).append((j, p[0]))
    # the loop's own values, each bound once at the top level of its body
    defs: dict[str, gast.AST] = {}
    where: dict[str, int] = {}
    for j, s in enumerate(loop.body):
        v = single_assign(s)
        if v is not None and v not in defs:
            defs[v] = s.value
            where[v] = j
    bound: dict[str, int] = {}  # name → how many times the loop's body binds it
    for s in loop.body:
        for n in walk(s):
            if n.__class__ is gast.Name and n.ctx.__class__ is gast.Store:
                bound[n.id] = bound.get(n.id, 0) + 1
    once = {v for v in defs if bound.get(v, 0) == 1}

    def steady(n: str) -> bool:
        """Bound once in the function, before the loop (or a parameter), never written into."""
        return (
            n not in loop_stores and n not in back_stores and stores.get(n, 0) <= 1 and n not in mutated and n != target
        )

    filled = _Filled(links, nest, loop, np_name, written, stores, defs, shape_of)
    invariant: set[str] = set()
    recomputed: dict[str, list[str]] = {}  # name → the loop values (in order) its recomputation needs

    def invariant_value(v: str) -> bool:
        value = defs[v]
        return _pure(value, np_name, copy_of, cheap=False) and all(
            n in invariant or (n not in loop_stores and n not in mutated and n not in indices) or n in (np_name, "math")
            for n in _names(value)
        )

    def needs(v: str, seen: set[str]) -> list[str] | None:
        """The loop values, in order, that recompute v from the index (v last), or None."""
        if v in seen or v not in once or (v in mutated and isinstance(defs[v], (gast.List, gast.Dict))):
            return None  # (a list the loop appends to: made again, it would be empty)
        value = defs[v]
        if not _pure(value, np_name, copy_of, cheap=True, shape_of=shape_of):
            return None
        at = where[v]
        items_read: set[int] = set()  # (the names of arrays and lists the loop fills, read at a position)
        for n in walk(value):  # reads of arrays the loop fills must see their final values
            if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and n.value.id in mutated:
                if not filled.readable(n, at, defs):
                    return None
                items_read.add(id(n.value))
        for n in walk(value):  # (read whole, `len(ys)`, `np.sum(s)`: what the step saw, not the final one)
            if isinstance(n, gast.Name) and (n.id in filled.rows or n.id in filled.lists) and id(n) not in items_read:
                return None
        order: list[str] = []
        for n in sorted(_names(value)):
            if n in indices or n in invariant or n in filled.rows or n in filled.lists or n in PURE_BUILTINS:
                continue
            if n == copy_of:
                continue
            if n in defs and where[n] < at:
                more = needs(n, seen | {v})
                if more is None:
                    return None
                order += [m for m in more if m not in order]
                continue
            if not steady(n) and not same_in_both(n, set()):
                return None
        return order + [v]

    chain = [*nest.enclosing, (loop, back)]
    # names the enclosing loops read outside this pair of loops: a value bound again in the
    # backward loop must not be one of them (after the backward loop of step i + 1, the tape
    # would have restored what step i left, the recomputation leaves step i + 1's first value)
    inside = {id(n) for n in walk(loop)} | {id(n) for n in walk(back)} if nest.enclosing else set()
    read_around = {
        n.id
        for f in nest.outermost(loop, back)
        if nest.enclosing
        for n in walk(f)
        if isinstance(n, gast.Name) and id(n) not in inside
    }

    def same_in_both(n: str, seen: set[str]) -> bool:
        """n is bound once in an enclosing forward step, before the loop inside it, and once in
        its backward step, before that loop's backward loop, to the same cheap value of indices
        and of values nothing changes (`c = a * i` in both): the same value in both steps."""
        if n in seen or n in mutated:
            return False
        for level, (f, b) in enumerate(chain[:-1]):
            child, child_back = chain[level + 1]
            fk, bk = f.body.index(child), b.body.index(child_back)
            made = [s for s in f.body[:fk] if single_assign(s) == n]
            again = [s for s in b.body[:bk] if single_assign(s) == n]
            if len(made) != 1 or len(again) != 1 or gast.dump(made[0].value) != gast.dump(again[0].value):
                continue
            if stores.get(n, 0) != sum(1 for s in walk(fdef) if _placeholder(s, n)) + 2:
                return False
            value = made[0].value
            if not _pure(value, np_name, copy_of, cheap=True, shape_of=shape_of):
                return False
            if any(
                isinstance(m, gast.Subscript) and isinstance(m.value, gast.Name) and m.value.id in mutated
                for m in walk(value)
            ):
                return False
            known = set(nest.targets(loop)[: level + 1]) | PURE_BUILTINS | {np_name, "math"}
            return all(m in known or steady(m) or same_in_both(m, seen | {n}) for m in _names(value))
        return False

    for v, places in pushes.items():
        if len(places) != 1 or len(pops.get(v, [])) != 1 or v not in once or v in mutated:
            continue
        (jp, tape), (jq, tape2) = places[0], pops[v][0]
        if tape != tape2 or where[v] < jp:
            continue
        if any(v in _names(s) for s in loop.body[:jp] + loop.body[jp + 1 : where[v]]):
            continue  # read before it is bound: a value carried from the step before
        if stores.get(v, 0) != sum(1 for s in walk(fdef) if _placeholder(s, v)) + 2:
            continue  # bound elsewhere too
        if invariant_value(v):
            invariant.add(v)
            action = []
        elif shape_of is not None and getattr(shape_of, "count", lambda n: None)(v) is not None:
            action = []  # (specialised code: an int that is the same at every step, `H = h.shape[1]`)
        elif invariants_only:
            continue
        else:  # (a value the step writes into a filled array is read from it, else recomputed)
            order = _stored_row(v, loop, filled, defs, shape_of)
            if order is None:
                order = needs(v, set())
                if order is None:
                    continue
            if any(n in read_around for n in order):
                continue  # (the enclosing steps read the value the tape would have restored)
            action = order
        loop.body[jp] = gast.Pass()
        back.body[jq] = gast.Pass()
        recomputed[v] = action
    for v in sorted(invariant):
        _sum_after_loop(nest.back_block, back, v, ctx, np_name, shape_of)
    # the filled arrays are written before the backward loop reads them, never after (batching.py)
    fdef._ag_saved_rows = getattr(fdef, "_ag_saved_rows", set()) | set(filled.rows)
    if not recomputed:
        return
    top: list[gast.stmt] = []
    done: set[str] = set()
    reads_back = {n for s in back.body for n in _names(s)}
    for v, order in recomputed.items():
        if v not in reads_back:
            continue
        for n in order:
            if n in done:
                continue
            done.add(n)
            value = order.value if isinstance(order, _Row) and n == v else defs[n]
            if _is_copy(value, copy_of):  # of a row of a filled array: its final values, no copy
                read = value.args[0]
                if isinstance(read, gast.Name) and isinstance(defs.get(read.id), gast.Subscript):
                    read = defs[read.id]
                if (
                    isinstance(read, gast.Subscript)
                    and isinstance(read.value, gast.Name)
                    and read.value.id in filled.rows
                ):
                    value = read
            top.append(assign(n, _copy(value)))
    top = _in_order(top, where)
    fdef._ag_recomputed = getattr(fdef, "_ag_recomputed", []) + [(back, {st.targets[0].id for st in top}, top)]
    loop.body[:] = [s for s in loop.body if not isinstance(s, gast.Pass)] or [gast.Pass()]
    back.body[:] = top + [s for s in back.body if not isinstance(s, gast.Pass)]


def _in_order(top: list[gast.stmt], where: dict[str, int]) -> list[gast.stmt]:
    """The recomputations in the forward step's order, each after the values it reads: a value
    read again from the row a step wrote it into comes after that row's index, which the step may
    compute after the value (`v = np.tanh(...)`, `k = t + 1`, `hs[k] = v`: `k`, then `v = hs[k]`)."""
    made = {st.targets[0].id: st for st in top}
    needs = {n: (_names(st.value) & set(made)) - {n} for n, st in made.items()}
    done: set[str] = set()
    out: list[gast.stmt] = []
    while len(out) < len(top):
        ready = [n for n in made if n not in done and needs[n] <= done]
        if not ready:  # (a cycle: none can come first)
            return sorted(top, key=lambda st: where.get(st.targets[0].id, 0))
        n = min(ready, key=lambda m: where.get(m, 0))
        done.add(n)
        out.append(made[n])
    return out


class _Row(list):
    """The recomputation of a value a step writes into a filled array: a read of that position."""

    value: gast.AST


def _stored_row(v, loop, filled, defs, shape_of) -> list | None:
    """Specialised code: v written into a filled array at its position (`hs[t + 1] = v`,
    `out[i, j] = v`) is that row or element (same shape, float), read again; the index's own
    recomputation first."""
    if shape_of is None:
        return None
    for s_name, (j, offsets, value) in filled.rows.items():
        if not (isinstance(value, gast.Name) and value.id == v):
            continue
        st = loop.body[j]
        shape, row = shape_of(v), shape_of(s_name)
        if shape is None or row is None or len(row) < len(offsets) or tuple(row[len(offsets) :]) != tuple(shape):
            continue
        if shape_of.kind(v) != "f" or shape_of.kind(s_name) != "f":
            continue
        index = st.targets[0].slice
        parts = index.elts if isinstance(index, gast.Tuple) and len(offsets) > 1 else [index]
        if not all(isinstance(e, gast.Name) and (e.id in offsets or e.id in defs) for e in parts):
            continue
        out = _Row()
        out += [e.id for e in parts if e.id not in offsets]
        out.append(v)
        out.value = gast.Subscript(
            value=gast.Name(s_name, gast.Load(), None, None), slice=_copy(index), ctx=gast.Load()
        )
        return out
    return None


def _fresh(value: gast.AST, modules: frozenset[str]) -> bool:
    """`np.zeros(n)` and the like: a new array."""
    return (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Attribute)
        and isinstance(value.func.value, gast.Name)
        and value.func.value.id in modules
        and value.func.attr in FRESH
    )


def forward_links(forward: list[gast.stmt], skip: frozenset[str], copies: set[str], shape_of=None) -> list:
    """As aliasing.sharing_links (both ways), over the forward pass, where a store into an
    element or row (`s[t] = v`) copies v and a copy (`copy_of(x)`) shares nothing."""
    links = []
    for st in forward:
        for n in walk(st):
            if not isinstance(n, gast.Assign) or any(not isinstance(t, gast.Name) for t in n.targets):
                continue
            if isinstance(n.value, (gast.BinOp, gast.UnaryOp, gast.Compare)) or ufunc_result(n.value, skip):
                continue
            if isinstance(n.value, gast.Call) and isinstance(n.value.func, gast.Name) and n.value.func.id in copies:
                continue
            if _fresh(n.value, skip):
                continue
            targets = {t.id for t in n.targets}
            if shape_of is not None and all(shape_of(t) == () for t in targets):
                continue  # (a number shares no memory)
            value = n.value
            if (  # unbroadcast(g, x) reads x for its shape alone
                isinstance(value, gast.Call)
                and isinstance(value.func, gast.Name)
                and value.func.id.startswith("unbroadcast")
                and value.args
            ):
                value = value.args[0]
            reads = memory_reads(value) - skip
            links.append((targets, reads))
            links.append((reads, targets))
    return links


def _stores_name(n: gast.AST, v: str) -> bool:
    return isinstance(n, gast.Name) and n.id == v and isinstance(n.ctx, gast.Store)


def _placeholder(s: gast.AST, v: str) -> bool:
    return (
        isinstance(s, gast.Assign)
        and single_assign(s) == v
        and isinstance(s.value, gast.Constant)
        and s.value.value is None
    )


def _copy(node: gast.AST) -> gast.AST:
    import copy

    return copy.deepcopy(node)


# --------------------------------------------------------------------------- owned adjoints


def hoist_ownership(fdef: gast.FunctionDef, ctx: Context, shape_of: Any = None) -> None:
    """`g = owned_copy(g)` inside a loop (in its body or in a branch of it) that reads g only
    element by element (`copy_of(g[i])`, or in specialised code `g[i, j]` indexing every axis:
    a number or a copy, never a view) and writes into it only at positions (`g[i] = 0.0`,
    `g[i] += v`): once before the loop. Each later copy was of a value the loop itself owned."""
    owned, copy_of = ctx.helper("owned_copy"), ctx.helper("copy_of")
    for block in _all_blocks(fdef.body):
        k = 0
        while k < len(block):
            loop = block[k]
            if isinstance(loop, gast.For):
                for g in _owned_in(loop, owned, copy_of, shape_of):
                    for inner in _all_blocks(loop.body):
                        inner[:] = [s for s in inner if not _is_owning(s, g, owned)] or [gast.Pass()]
                    if _fresh_before(block, k, g, shape_of, fdef.body):
                        continue  # (g holds an array nothing else holds: its own already)
                    block.insert(
                        k,
                        assign(
                            g,
                            gast.Call(
                                func=gast.Name(owned, gast.Load(), None, None),
                                args=[gast.Name(g, gast.Load(), None, None)],
                                keywords=[],
                            ),
                        ),
                    )
                    k += 1
            k += 1


def _fresh_before(block: list, k: int, g: str, shape_of: Any, whole: list) -> bool:
    """Specialised code: the last statement of `block` before position k that mentions g binds
    it to an arithmetic result (`out_bar = 2.0 * out`), a float array of a known shape, or to a
    name bound so that nothing else in the function (`whole`) reads: a new array no other name
    holds, which the loop may write into as it is."""
    if shape_of is None or not shape_of(g) or shape_of.kind(g) not in ("f", "c"):
        return False
    for j in range(k - 1, -1, -1):
        st = block[j]
        if not any(isinstance(n, gast.Name) and n.id == g for n in walk(st)):
            continue
        if single_assign(st) != g or g in _names(st.value):
            return False
        if isinstance(st.value, (gast.BinOp, gast.UnaryOp)):
            return True
        # `g = h` of an h nothing else reads (`h_1_bar = h_bar`): h's own array, if fresh
        v = st.value.id if isinstance(st.value, gast.Name) else None
        uses = [n for b in whole for n in walk(b) if isinstance(n, gast.Name) and n.id == v]
        return v is not None and len(uses) == 2 and _fresh_before(block, j, v, shape_of, whole)
    return False


def _all_blocks(body):
    yield body
    for s in body:
        for f in ("body", "orelse"):
            inner = getattr(s, f, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _all_blocks(inner)


def _pops(s: gast.stmt, g: str) -> bool:
    """`g = g[:-1]`: the adjoint of a list's last item taken off (a view of g, in g's buffer)."""
    v = s.value if single_assign(s) == g else None
    return (
        isinstance(v, gast.Subscript)
        and isinstance(v.value, gast.Name)
        and v.value.id == g
        and isinstance(v.slice, gast.Slice)
        and v.slice.lower is None
        and v.slice.step is None
        and _minus_one(v.slice.upper)
    )


def _last_item(n: gast.AST, g: str) -> bool:
    """`g[-1]`."""
    return (
        isinstance(n, gast.Subscript)
        and isinstance(n.ctx, gast.Load)
        and isinstance(n.value, gast.Name)
        and n.value.id == g
        and _minus_one(n.slice)
    )


def _minus_one(e: gast.AST | None) -> bool:
    return e is not None and type(number_value(e)) is int and number_value(e) == -1


def _is_owning(s: gast.stmt, g: str, owned: str) -> bool:
    return (
        single_assign(s) == g
        and isinstance(s.value, gast.Call)
        and isinstance(s.value.func, gast.Name)
        and s.value.func.id == owned
        and len(s.value.args) == 1
        and isinstance(s.value.args[0], gast.Name)
        and s.value.args[0].id == g
    )


def _owned_in(loop: gast.For, owned: str, copy_of: str, shape_of: Any = None) -> list[str]:
    found = []
    statements = [s for inner in _all_blocks(loop.body) for s in inner]
    candidates = {g for s in statements if (g := single_assign(s)) and _is_owning(s, g, owned)}
    for g in sorted(candidates):
        owning = {id(s.targets[0]) for s in statements if _is_owning(s, g, owned) or _pops(s, g)}
        if _only_positions(loop, g, owned, copy_of, shape_of) and not any(
            _stores_name(n, g) and id(n) not in owning for n in walk(loop)
        ):
            found.append(g)
    return found


def _whole_index(node: gast.Subscript, shape: tuple | None) -> bool:
    """Whether `g[...]` indexes every axis of g (of `shape`) with no slice: a number or, by an
    index array, a copy; never a view of g."""
    if shape is None:
        return False
    index = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
    plain = all(not isinstance(e, (gast.Slice, gast.Starred)) and not _is_none(e) for e in index)
    return plain and len(index) == len(shape)


def _is_none(e: gast.expr) -> bool:
    """`None` or `...` in an index: a new axis, or all the rest (the result may be a view)."""
    return isinstance(e, gast.Constant) and (e.value is None or e.value is Ellipsis)


def _only_positions(loop: gast.For, g: str, owned: str, copy_of: str, shape_of: Any = None) -> bool:
    """Every use of g in the loop: owned_copy(g), copy_of(g[i]) (or, of known shape, `g[i, j]`
    indexing every axis), a store into g[i] or `g[i] += v`."""
    allowed: set[int] = set()
    shape = shape_of(g) if shape_of is not None else None
    for block in _all_blocks(loop.body):  # the last item read, then popped: `v = g[-1]` ... `g = g[:-1]`
        for k, st in enumerate(block):
            if _pops(st, g):
                allowed.add(id(st.value.value))
                for before in reversed(block[:k]):
                    if not isinstance(before, gast.Assign) or _is_owning(before, g, owned):
                        continue
                    last = [n for n in walk(before.value) if _last_item(n, g)]
                    if not last and any(isinstance(n, gast.Name) and n.id == g for n in walk(before)):
                        break  # (another use of g between the read and the pop)
                    allowed |= {id(n.value) for n in last}
    for n in walk(loop):
        if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and n.value.id == g:
            if isinstance(n.ctx, gast.Load) and _whole_index(n, shape):
                allowed.add(id(n.value))
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in (owned, copy_of):
            if n.func.id == owned and n.args and isinstance(n.args[0], gast.Name):
                allowed.add(id(n.args[0]))
            if n.func.id == copy_of and n.args and isinstance(n.args[0], gast.Subscript):
                if isinstance(n.args[0].value, gast.Name):
                    allowed.add(id(n.args[0].value))
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name):
            allowed.add(id(n.value))
        if (  # `g[i] = add_adjoints(g[i], v)`: a row read for the value stored back into g
            isinstance(n, gast.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0], gast.Subscript)
            and isinstance(n.targets[0].value, gast.Name)
            and n.targets[0].value.id == g
            and isinstance(n.value, gast.Call)
        ):
            for a in n.value.args:
                if isinstance(a, gast.Subscript) and isinstance(a.value, gast.Name) and a.value.id == g:
                    allowed.add(id(a.value))
    for n in walk(loop):
        if isinstance(n, gast.Name) and n.id == g and isinstance(n.ctx, gast.Load) and id(n) not in allowed:
            return False
    return True


def drop_dead_restores(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, one_dtype: bool = False) -> None:
    """A value saved only to be restored into a name the backward pass never reads (`acc =
    pop(tape)` in a convolution's backward loop, whose adjoint is linear in acc) is not saved:
    its pushes and pops go. The backward pass is the top-level statements from the first that
    restores the name; a read of it there keeps them, but for `unbroadcast(g, acc)` of a name of
    known shape, which reads only its shape (the same for every value the name takes). A name
    that holds one known count at every assignment (`t = out.shape[1]` in a loop) restores the
    value it already has wherever the backward pass reads it: its saves go too. A tape
    used otherwise than by push and pop (handed to a helper's pair) is left as it is.

    A name of known shape the backward pass reads only for its zeros (`a_bar = zeros_like(a)`,
    the adjoint of `a[:, :H]`) needs its dtype alone, which specialised code does not fix (float32
    and float64 arguments share it): its saves keep `zeros_dtype(a)`, a shared dtype object where
    they kept the array, and the zeros are `np.zeros((4, 64), a_dtype)`. Under numba
    (`one_dtype`) a name has one type at every step, so the last value's dtype serves and nothing
    is saved."""
    push, pop = ctx.helper("push"), ctx.helper("pop")
    pushes: dict[tuple[str, str], list] = {}
    pops: dict[tuple[str, str], list] = {}
    counted: set[int] = set()
    for block in _all_blocks(fdef.body):
        for s in block:
            for found, table in ((_push_of(s, push), pushes), (_pop_of(s, pop), pops)):
                if found is not None:
                    table.setdefault(found, []).append((block, s))
                    counted.add(id(s))
    if not any(key in pushes for key in pops):  # (no value saved and restored here)
        _fill_empty_blocks(fdef.body)
        return
    nodes = walk(fdef)  # (the tree does not change until the saves below go)
    shape_only = {
        id(c.args[1])
        for c in nodes
        if isinstance(c, gast.Call)
        and isinstance(c.func, gast.Name)
        and c.func.id == ctx.helper("unbroadcast")
        and len(c.args) == 2
        and isinstance(c.args[1], gast.Name)
        and shape_of(c.args[1].id) is not None
    }
    zeroed = {  # id of a in `zeros_like(a)`, a an array of known shape → the call
        id(c.args[0]): c
        for c in nodes
        if isinstance(c, gast.Call)
        and isinstance(c.func, gast.Name)
        and c.func.id == ctx.helper("zeros_like")
        and len(c.args) == 1
        and not c.keywords
        and isinstance(c.args[0], gast.Name)
        and shape_of(c.args[0].id)
    }
    tapes = {t for t, _ in pushes} | {t for t, _ in pops}
    for st in nodes:  # (a tape read by anything but push and pop: its pairs are not all here)
        if isinstance(st, gast.stmt) and id(st) not in counted:
            tapes -= {n.id for n in _own_names(st) if n.id in tapes and isinstance(n.ctx, gast.Load)}
    top: dict[int, int] = {}  # id of a statement in the blocks of the body → the top-level statement it is in
    for k, s in enumerate(fdef.body):
        for block in _all_blocks([s]):
            for st in block:
                top.setdefault(id(st), k)
    starts: list[tuple[int, gast.stmt]] = []  # (index in the body, `a_dtype = zeros_dtype(a)` to put there)
    for (tape, v), restores in pops.items():
        if tape not in tapes or (tape, v) not in pushes:
            continue
        first = min(top[id(r)] for _, r in restores)  # (each found in those blocks)
        backward = [n for s in fdef.body[first:] for n in walk(s)]
        reads = [
            n
            for n in backward
            if isinstance(n, gast.Name) and n.id == v and isinstance(n.ctx, gast.Load) and id(n) not in shape_only
        ]
        if shape_of.count(v) is None and reads:
            restored = {id(r.targets[0]) for _, r in restores}
            if any(id(n) not in zeroed for n in reads) or any(
                isinstance(n, gast.Name) and n.id == v and isinstance(n.ctx, gast.Store) and id(n) not in restored
                for n in backward
            ):
                continue
            if not one_dtype:
                starts.append(
                    (first, _save_dtype(v, pushes[(tape, v)], restores, [zeroed[id(n)] for n in reads], ctx, shape_of))
                )
                continue
        for block, s in pushes[(tape, v)] + restores:
            block[:] = [st for st in block if st is not s]
    for k, st in sorted(starts, key=lambda p: -p[0]):
        fdef.body.insert(k, st)
    _fill_empty_blocks(fdef.body)


def _save_dtype(
    v: str, pushes: list, restores: list, zeros: list[gast.Call], ctx: Context, shape_of: Callable
) -> gast.stmt:
    """Make the saves of v keep its zeros' dtype (drop_dead_restores): `push(tape, zeros_dtype(v))`,
    `v_dtype = pop(tape)`, `np.zeros(shape, v_dtype)`; returns the statement that starts the
    backward pass with the dtype of v's last value."""
    dtype = ctx.namer.fresh(v + "_dtype")
    helper = ctx.helper("zeros_dtype")
    for _, s in pushes:
        s.value.args[1] = gast.Call(
            func=gast.Name(helper, gast.Load(), None, None), args=[s.value.args[1]], keywords=[]
        )
    for _, s in restores:
        s.targets[0] = gast.Name(dtype, gast.Store(), None, None)
    np_name = ctx.numpy_name()
    for c in zeros:
        c.func = gast.Attribute(value=gast.Name(np_name, gast.Load(), None, None), attr="zeros", ctx=gast.Load())
        shape = gast.Tuple(elts=[gast.Constant(value=d, kind=None) for d in shape_of(v)], ctx=gast.Load())
        c.args = [shape, gast.Name(dtype, gast.Load(), None, None)]
    return assign(
        dtype,
        gast.Call(
            func=gast.Name(helper, gast.Load(), None, None), args=[gast.Name(v, gast.Load(), None, None)], keywords=[]
        ),
    )


def _fill_empty_blocks(body: list[gast.stmt]) -> None:
    """A block left without statements gets a `pass`."""
    for block in _all_blocks(body):
        if not block:
            block.append(gast.Pass())


def _own_names(st: gast.stmt) -> list[gast.Name]:
    """The names a statement reads or binds itself: a compound statement's header, not its body."""
    if isinstance(st, (gast.For, gast.AsyncFor)):
        parts = [st.target, st.iter]
    elif isinstance(st, (gast.While, gast.If)):
        parts = [st.test]
    elif isinstance(st, gast.FunctionDef):
        parts = [st.args]
    else:  # (a try's names too: nothing astgrad generates around a tape)
        parts = [st]
    return [n for part in parts for n in walk(part) if isinstance(n, gast.Name)]


def share_equal_saves(fdef: gast.FunctionDef, ctx: Context) -> None:
    """A loop step that saves one object under two names (`next_h = next_h_1; prev_h = next_h`
    at the end of a step: the next step saves next_h_1 and prev_h, the same array) saves it once:
    the backward step takes the later save back and gives the earlier name the same object
    (`next_h_1 = prev_h`). Both names hold the same object at the top of every step but the
    first, where the earlier name may hold a placeholder (`next_h_1 = None`): so the earlier
    name's value is not read after it is taken back, in the backward step nor after its loop.
    Applies to a pair of loops whose bodies are straight-line code, the forward one touching the
    tape only by pushes, the backward one only by the pops that match them."""
    push, pop = ctx.helper("push"), ctx.helper("pop")
    body = fdef.body
    for k, loop in enumerate(body):
        if not (isinstance(loop, gast.For) and isinstance(loop.target, gast.Name) and not loop.orelse):
            continue
        back = _backward_loop(body[k + 1 :], loop)
        if back is None or not _simple(loop.body) or not _simple(back.body):
            continue
        after = _read_after(body, back) or set()
        for tape in {t for t, _ in filter(None, (_push_of(s, push) for s in loop.body))}:
            _share(loop, back, tape, push, pop, after)


def _simple(block: list[gast.stmt]) -> bool:
    return all(isinstance(s, (gast.Assign, gast.AugAssign, gast.Expr, gast.Pass)) for s in block)


def _share(loop: gast.For, back: gast.For, tape: str, push: str, pop: str, after: set[str]) -> None:
    pushes = [(s, p[1]) for s in loop.body if (p := _push_of(s, push)) is not None and p[0] == tape]
    pops = [(s, p[1]) for s in back.body if (p := _pop_of(s, pop)) is not None and p[0] == tape]
    uses = [n for s in loop.body + back.body for n in walk(s) if isinstance(n, gast.Name) and n.id == tape]
    if [v for _, v in pushes] != [v for _, v in reversed(pops)] or len(uses) != len(pushes) + len(pops):
        return
    # the object each push saves, as where its name was last bound in the step (or the step's top)
    value: dict[str, tuple] = {loop.target.id: ("index",)}
    saved = []
    for s in loop.body:
        found = _push_of(s, push)
        if found is not None and found[0] == tape:
            saved.append(value.get(found[1], ("top", found[1])))
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            if isinstance(s.value, gast.Name):
                value[s.targets[0].id] = value.get(s.value.id, ("top", s.value.id))
                continue
        for n in walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                value[n.id] = ("at", id(s), n.id)
    # names bound to one object at the end of a step hold it at the top of the next (but the first)
    previous = {("top", n): ("previous step",) + v for n, v in value.items() if v[0] != "index"}
    saved = [previous.get(v, v) for v in saved]
    back_pops = [s for s, _ in pops]
    for i, (s, a) in enumerate(pushes):
        later = [j for j in range(len(pushes) - 1, i, -1) if saved[j] == saved[i] and pushes[j][1] != a]
        if not later or a in after:
            continue
        b = pushes[later[0]][1]
        a_pop, b_pop = back_pops[len(pushes) - 1 - i], back_pops[len(pushes) - 1 - later[0]]
        at_a, at_b = back.body.index(a_pop), back.body.index(b_pop)
        between = back.body[at_b + 1 : at_a]
        if any(_stores_name(n, b) for st in between for n in walk(st)):
            continue
        if any(isinstance(n, gast.Name) and n.id == a for st in back.body[at_a + 1 :] for n in walk(st)):
            continue  # (read after it is taken back: the first step's placeholder would show)
        a_pop.value = gast.Name(id=b, ctx=gast.Load(), annotation=None, type_comment=None)
        loop.body.remove(s)


def drop_dead_zeroing(fdef: gast.FunctionDef, ctx: Context) -> None:
    """An adjoint's part zeroed in a backward step (`h_bar[:, t, :] = 0.0`, the adjoint of a store
    `h[:, t, :] = v` the step undoes) that nothing reads again goes: every use of the adjoint in
    the loop is that same part, before it, which no other step's part overlaps (the index is the
    loop's own along one axis, the rest the same at every step), and neither it nor what shares
    its memory is read after the loop. Without the write, the adjoint array need not be a copy of
    its caller's (`h_bar = 1.0 * dh`)."""
    np_name = ctx.numpy_name()
    body = fdef.body
    for loop in body:
        if not (isinstance(loop, gast.For) and isinstance(loop.target, gast.Name) and not loop.orelse):
            continue
        if not _simple(loop.body):
            continue
        t = loop.target.id
        stored = {
            n.id for s in loop.body for n in walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
        }
        after = _read_after(body, loop) or set()
        for s in list(loop.body):
            if not (
                isinstance(s, gast.Assign)
                and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Subscript)
                and isinstance(s.targets[0].value, gast.Name)
                and isinstance(s.value, gast.Constant)
                and s.value.value == 0.0
                and _own_part(s.targets[0].slice, t, stored)
            ):
                continue
            g, part = s.targets[0].value.id, gast.dump(s.targets[0].slice)
            at = loop.body.index(s)
            uses = [
                (k, n)
                for k, st in enumerate(loop.body)
                for n in walk(st)
                if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and n.value.id == g
            ]
            names = [n for st in loop.body for n in walk(st) if isinstance(n, gast.Name) and n.id == g]
            if len(uses) != len(names) or any(gast.dump(n.slice) != part or k > at for k, n in uses):
                continue
            if any(k == at and n is not s.targets[0] for k, n in uses):
                continue
            shared = sharing(fdef, frozenset({g}), both_ways=True, skip=frozenset({np_name, "math"}))
            if shared & after or (shared - {g}) & {
                n.id for st in loop.body for n in walk(st) if isinstance(n, gast.Name)
            }:
                continue
            loop.body.remove(s)
        if not loop.body:
            loop.body.append(gast.Pass())


def _own_part(index: gast.AST, t: str, stored: set[str]) -> bool:
    """`[t]`, `[:, t, :]`...: the loop index alone along one axis, the rest the same at every step."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    own = [p for p in parts if isinstance(p, gast.Name) and p.id == t]
    rest = [p for p in parts if not (isinstance(p, gast.Name) and p.id == t)]
    return len(own) == 1 and all(
        isinstance(p, gast.Slice)
        and p.lower is None
        and p.upper is None
        and p.step is None
        or isinstance(p, gast.Constant)
        and type(p.value) is int
        for p in rest
    )
