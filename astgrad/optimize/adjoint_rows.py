"""An adjoint array whose rows a backward loop reads once each, in reverse order, kept as one row.

The adjoint of an array a loop fills row by row (`hs[t + 1] = np.tanh(...)`) is an array of the
same size, `hs_bar = zeros_like(hs)`, though its backward loop carries one row from a step to the
next: step t reads row t + 1 (and zeroes it), and adds into row t, which step t - 1 reads:

    hs_bar = zeros_like(hs)                      hs_bar_row = copy_of(hs[T])
    hs_bar[T] = copy_of(hs[T])                   hs_bar_row = hs_bar_row + t17_bar
    hs_bar[T] += t17_bar                         for t in reversed(range(T)):
    for t in reversed(range(T)):                     t15_bar = hs_bar_row
        t15_bar = copy_of(hs_bar[t + 1])             ...
        hs_bar[t + 1] = 0.0                          hs_bar_row = t7_bar
        ...
        hs_bar[t] += t7_bar
    hs_bar[0] = 0.0

That holds, and the right-hand code computes the same, when every use of the adjoint is one of
these: before the loop, writes into the row the first step reads (`stop - 1 + a` for reads of
row `t + a`); in the loop, statements at the top level of its body reading row t + a, then
zeroing it, then adding into row t + a - 1, which no step wrote before (the rows below the
first one read are zero until then); after the loop, reads of the row the last step added into,
then constants written into it.
An adjoint that starts as an array of values (`s_bar = 2.0 * s`, every state read after the
loop) keeps them, read row by row: the step reads `s_bar[t] + s_bar_row`, the row carried holds
only what the step after it added, and nothing is written into the array (the EMA's backward
step then writes into no array but the input's adjoint).
The row is a new array at every step, nothing else holds it (a value written into the array is
copied unless it is an arithmetic result only the addition reads), so a row read once needs no
copy. The adjoint then takes one row's memory instead of the whole array's (specialised code).
"""

from __future__ import annotations

from typing import Callable

import gast

from ..frontend.context import Context
from ..ir.trees import assign, walk
from .cleanup import is_comment, number_value
from .loop_saves import affine_offset, single_assign


def carry_adjoint_rows(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> None:
    zeros_like, copy_of = ctx.helper("zeros_like"), ctx.helper("copy_of")
    body = fdef.body
    if not any(isinstance(st, gast.For) for st in body):
        return  # (the adjoint's rows are read by a loop at the top of the function)
    looped = _looped_names(body)
    k = 0
    while k < len(body):
        g = single_assign(body[k])
        zero = g is not None and _call_of(body[k].value, zeros_like)
        if (
            (zero or g is not None and isinstance(body[k].value, gast.BinOp))
            and g in looped
            and _carry(body, k, g, ctx, copy_of, shape_of, zero)
        ):
            k += not zero  # (zeros were removed; an array of values stays, read row by row)
            looped = _looped_names(body)
            continue
        k += 1


def _looped_names(body: list[gast.stmt]) -> set[str]:
    """The names the top-level loops of `body` read or write."""
    return {n.id for st in body if isinstance(st, gast.For) for n in walk(st) if isinstance(n, gast.Name)}


def _call_of(e: gast.AST, f: str) -> bool:
    return isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == f and len(e.args) == 1


def _uses(node: gast.AST, g: str) -> bool:
    return any(isinstance(n, gast.Name) and n.id == g for n in walk(node))


def _row_of(e: gast.AST, g: str) -> gast.AST | None:
    """The index of `g[index]`, else None."""
    if isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name) and e.value.id == g:
        return e.slice
    return None


def _carry(body: list, k: int, g: str, ctx: Context, copy_of: str, shape_of: Callable, zero: bool) -> bool:
    shape = shape_of(g)
    if shape is None or len(shape) < 1 or shape_of.kind(g) != "f":
        return False
    users = [j for j in range(k + 1, len(body)) if _uses(body[j], g)]
    loops = [j for j in users if isinstance(body[j], gast.For)]
    if len(loops) != 1:
        return False
    at = loops[0]
    loop = body[at]
    stop = _reversed_range_stop(loop)
    if stop is None:
        return False
    t = loop.target.id
    defs = _loop_defs(loop, t)
    plan = _loop_plan(loop, g, t, defs)
    if plan is None:
        return False
    a, reads, zeros, adds = plan
    before = [j for j in users if j < at]
    after = [j for j in users if j > at]
    if not before and zero:
        return False
    if isinstance(stop, gast.Name) and any(
        isinstance(n, gast.Name) and n.id == stop.id and not isinstance(n.ctx, gast.Load)
        for st in body[k:at]
        for n in walk(st)
    ):
        return False  # (the row written before the loop is not the one its first step reads)
    once = _bound_once(body)
    if zero and not isinstance(body[before[0]], gast.Assign):
        return False  # (the row is first assigned, then added into: `g[T] += v` alone is left as it is)
    if not zero and not all(isinstance(body[j], gast.AugAssign) for j in before):
        return False  # (an array of values: what is added into its first row is carried, nothing stored)
    for j in before:
        st = body[j]
        index = _row_of(st.targets[0], g) if isinstance(st, gast.Assign) and len(st.targets) == 1 else None
        if index is None and isinstance(st, gast.AugAssign) and isinstance(st.op, gast.Add):
            index = _row_of(st.target, g)
        if index is None or not _first_row(index, stop, a, once, shape[0], shape_of) or _uses(st.value, g):
            return False
    # after the loop: reads of the row its last step added into (`h0_bar = copy_of(hs_bar[0])`),
    # then constants written into the adjoint, which nothing reads again
    last = _start(loop)
    last = None if last is None else last + a - 1
    wrote = False
    late_reads = []
    for j in after:
        st = body[j]
        if (
            isinstance(st, gast.Assign)
            and len(st.targets) == 1
            and _row_of(st.targets[0], g) is not None
            and isinstance(st.value, gast.Constant)
            and not _uses(st.targets[0].slice, g)
        ):
            wrote = True
            continue
        found = [n for n in walk(st) if _row_of(n, g) is not None]
        bases = {id(n.value) for n in found}
        if (
            wrote
            or last is None
            or not isinstance(st, gast.Assign)
            or any(_uses(x, g) for x in st.targets)
            or any(isinstance(n, gast.Name) and n.id == g and id(n) not in bases for n in walk(st))
            or not all(isinstance(n.slice, gast.Constant) and n.slice.value == last for n in found)
        ):
            return False
        late_reads.append(j)
    row = ctx.namer.fresh(g + "_row")
    shape_of.declare(row, tuple(shape[1:]), shape_of.kind(g))

    def load() -> gast.Name:
        return gast.Name(row, gast.Load(), None, None)

    def carried(e: gast.Subscript) -> gast.AST:
        """A read of a row: the row carried, plus (an array of values) the row's own value."""
        return load() if zero else gast.BinOp(left=e, op=gast.Add(), right=load())

    if not before:  # (an array of values, nothing added into its first row before the loop)
        body.insert(at, assign(row, gast.Constant(value=0.0, kind=None)))
        at += 1
        after, late_reads = [j + 1 for j in after], [j + 1 for j in late_reads]
    for n, j in enumerate(before):
        st = body[j]
        value = st.value
        if isinstance(st, gast.AugAssign) and (zero or n > 0):  # (an array of values: its first addition
            value = gast.BinOp(left=load(), op=gast.Add(), right=value)  # is the row carried, as it is)
        elif zero and not (isinstance(value, gast.BinOp) or _call_of(value, copy_of)):  # (the array held a copy)
            value = gast.Call(func=gast.Name(copy_of, gast.Load(), None, None), args=[value], keywords=[])
        body[j] = assign(row, value)
    # the row read once: no copy of it (`copy_of(g[t + 1])` protected it from the writes into g;
    # the row is a new array at every step, which nothing writes into before the read)
    single = len(reads) == 1 and sum(1 for n in walk(reads[0]) if _row_of(n, g) is not None) == 1

    def read(e: gast.AST) -> gast.AST | None:
        if _row_of(e, g) is not None:
            return carried(e)
        if single and _call_of(e, copy_of) and _row_of(e.args[0], g) is not None and not e.keywords:
            return carried(e.args[0])
        return None

    for st in reads:
        _substitute(st, read)
    for n, st in enumerate(adds):
        value = st.value
        if isinstance(value, gast.Name) and len(shape) > 1 and not _owned_once(loop, value.id, st):
            value = gast.Call(func=gast.Name(copy_of, gast.Load(), None, None), args=[value], keywords=[])
        new = assign(row, value if n == 0 else gast.BinOp(left=load(), op=gast.Add(), right=value))
        loop.body[loop.body.index(st)] = new
    loop.body[:] = [st for st in loop.body if not any(st is z for z in zeros)] or [gast.Pass()]

    def late(e: gast.AST) -> gast.AST | None:
        if _row_of(e, g) is not None:
            return carried(e)
        if not zero and _call_of(e, copy_of) and _row_of(e.args[0], g) is not None and not e.keywords:
            return carried(e.args[0])  # (a sum: a new array)
        return None

    for j in late_reads:
        _substitute(body[j], late)
    for j in sorted(set(after) - set(late_reads), reverse=True):
        del body[j]
        if is_comment(body[j - 1]) and (j == len(body) or is_comment(body[j]) or isinstance(body[j], gast.Return)):
            del body[j - 1]  # (the comment naming the source line of what went)
    if zero:
        del body[k]
    return True


def _substitute(tree: gast.AST, new_for: Callable[[gast.AST], gast.AST | None]) -> None:
    """Replace each node of `tree` for which `new_for` gives a node by that node."""
    for node in list(walk(tree)):
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                value[:] = [new_for(v) or v for v in value]
            elif (new := new_for(value)) is not None:
                setattr(node, field, new)


def _reversed_range_stop(loop: gast.For) -> gast.AST | None:
    """n of `for t in reversed(range(n))` or `reversed(range(s, n))`."""
    it = loop.iter
    if not (
        isinstance(loop.target, gast.Name)
        and not loop.orelse
        and isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "reversed"
        and len(it.args) == 1
    ):
        return None
    r = it.args[0]
    if not (
        isinstance(r, gast.Call)
        and isinstance(r.func, gast.Name)
        and r.func.id == "range"
        and len(r.args) in (1, 2)
        and not r.keywords
    ):
        return None
    return r.args[-1]


def _start(loop: gast.For) -> int | None:
    """The first index of `reversed(range(n))` (0) or `reversed(range(s, n))` (s, an int constant)."""
    args = loop.iter.args[0].args
    if len(args) == 1:
        return 0
    return args[0].value if isinstance(args[0], gast.Constant) and type(args[0].value) is int else None


def _first_row(index: gast.AST, stop: gast.AST, a: int, once: dict, rows: int, shape_of: Callable) -> bool:
    """Whether `index` is the row the first step reads, `stop - 1 + a` (names bound once at the
    top level of the function read as their values: `t16 = T - 1`; a negative constant counts
    from the end of the `rows` rows, `hs_bar[-1]`, where the stop's value is known)."""
    if type(number_value(index)) is int and number_value(index) < 0:
        index = gast.Constant(value=rows + number_value(index), kind=None)
        count = getattr(shape_of, "count", lambda n: None)(stop.id) if isinstance(stop, gast.Name) else None
        if count is not None:
            stop = gast.Constant(value=count, kind=None)  # (the specialised code's loop length)
    if isinstance(stop, gast.Constant) and type(stop.value) is int:
        if isinstance(index, gast.Name) and index.id in once:
            index = once[index.id]
        return isinstance(index, gast.Constant) and index.value == stop.value + a - 1
    return isinstance(stop, gast.Name) and stop.id in once and affine_offset(index, stop.id, once) == a - 1


def _bound_once(body: list) -> dict[str, gast.AST]:
    """The names bound once in the function, at the top level of its body: name → value."""
    stores: dict[str, int] = {}
    for st in body:
        for n in walk(st):
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
                stores[n.id] = stores.get(n.id, 0) + 1
    return {v: st.value for st in body if (v := single_assign(st)) is not None and stores[v] == 1}


def _loop_defs(loop: gast.For, t: str) -> dict[str, gast.AST]:
    """The loop's names bound once, at the top level of its body, for index arithmetic."""
    stores: dict[str, int] = {}
    for n in walk(loop):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    return {v: st.value for st in loop.body if (v := single_assign(st)) is not None and stores[v] == 1 and v != t}


def _loop_plan(loop: gast.For, g: str, t: str, defs: dict) -> tuple | None:
    """(a, the statements reading row t + a, those zeroing it, those adding into row t + a - 1),
    if those are the loop's only uses of g, in that order; else None."""
    a = None
    reads, zeros, adds = [], [], []
    stage = 0  # 0: reads, 1: zeroing, 2: additions
    for st in loop.body:
        if not _uses(st, g):
            continue
        if isinstance(st, gast.AugAssign) and isinstance(st.op, gast.Add) and _row_of(st.target, g) is not None:
            c = affine_offset(st.target.slice, t, defs)
            if a is None or c != a - 1 or _uses(st.value, g):
                return None
            adds.append(st)
            stage = 2
            continue
        if (
            isinstance(st, gast.Assign)
            and len(st.targets) == 1
            and _row_of(st.targets[0], g) is not None
            and isinstance(st.value, gast.Constant)
            and st.value.value == 0.0
        ):
            if a is None or affine_offset(st.targets[0].slice, t, defs) != a or stage > 1:
                return None
            zeros.append(st)
            stage = 1
            continue
        if not isinstance(st, gast.Assign) or stage > 0 or any(_uses(x, g) for x in st.targets):
            return None
        found = [n for n in walk(st.value) if _row_of(n, g) is not None]
        bases = {id(n.value) for n in found}
        if not found or any(isinstance(n, gast.Name) and n.id == g and id(n) not in bases for n in walk(st.value)):
            return None  # (g read otherwise than by a row)
        for n in found:
            if _uses(n.slice, g):
                return None
            c = affine_offset(n.slice, t, defs)
            if c is None or (a is not None and c != a):
                return None
            a = c
        reads.append(st)
    if a is None or not adds or not zeros:
        return None
    return a, reads, zeros, adds


def _owned_once(loop: gast.For, v: str, add: gast.stmt) -> bool:
    """v is bound once in the loop to a new array (an arithmetic result) and read only by `add`:
    nothing else can write into its memory before the next step reads it as the row."""
    binds = [st for st in loop.body if single_assign(st) == v]
    if len(binds) != 1 or not isinstance(binds[0].value, gast.BinOp):
        return False
    readers = [st for st in loop.body if st is not binds[0] and _uses(st, v)]
    return readers == [add]
