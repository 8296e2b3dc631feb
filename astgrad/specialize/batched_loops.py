"""A backward loop of arithmetic on listed floats taken at once, its steps as arrays (specialised code).

The backward loop of a sum over listed data (`for x, y in zip(xs, ys): err += (a * x + b - y) ** 2`)
does, at every step, a few operations on Python floats, and adds the step's share to each adjoint:

    for k in reversed(range(n)):                x = float_items(xs, n)
        x = xs[k]                               t8 = a * x + b - float_items(ys, n)
        t8 = a * x + b - ys[k]          →       t8_bar = err_bar * 2 * t8
        t8_bar = err_bar * 2 * t8               b_bar = b_bar + float(np.sum(t8_bar))
        b_bar = b_bar + t8_bar                  a_bar = a_bar + float(np.dot(t8_bar, x))
        a_bar = a_bar + t8_bar * x

No step reads what another step made: each computes its values from the data at its index and
from numbers the loop does not change, and the loop's only effect is the sums. So the steps can be
taken at once, as a hand-written gradient takes them: each value becomes the array of its values
at every step, each sum NumPy's sum of that array. The sums are the same up to rounding (NumPy
adds in another order); they are the gradient's, never the function's value (value_and_grad's
forward pass returns that as the function computes it). Where a step would divide by zero or
overflow, Python raises and NumPy gives inf or nan (with its warning).

A loop qualifies when, in the backward pass:
- it counts, `for k in range(n)` or `for k in reversed(range(n))`, and its body is assignments to
  names (comments aside), each name assigned once;
- each name the body assigns is read there only after it is assigned (nothing is carried from one
  step to the next), except the sums `s = s + e` (or `e + s`, `s - e`), whose `s` is read nowhere
  else in the body;
- every value is made by + - * / and unary -, and powers by a number literal, of number literals,
  of names holding numbers that the loop does not assign (locals, and global numbers, whose values
  the guard checks), of the index k, and of the items `xs[k]` of a parameter the specialisation
  knows as a list or tuple of floats (`points[k][0]`, or `p = points[k]` then `p[0]`: of tuples of
  floats) that the function never writes into nor binds again, or of a list of floats the function
  builds; and `v = g.pop()` of a list adjoint, in a loop counting down (the last n items at once,
  `popped_items`);
- besides the sums, it writes `a[k] = e` or `a[k] += e` (also `a[k] = add_adjoints(a[k], e)`) into
  a float vector or the adjoint of a list of floats (`add_to_items`, `set_items`);
- the names it assigns but the sums, and its index, are read nowhere else in the function.

A forward loop qualifies in the same way where it appends the steps' floats to lists the function
builds (`ys.append(e)`: `ys.extend(values.tolist())`) and computes nothing else, and where NumPy
computes each value exactly as Python does: + - * (and division by a literal other than 0) of
Python floats (the items of a list of them, `_ExactLists`) and Python numbers, the index's int
arithmetic below 2**53; so `value_and_grad` returns the function's value bit for bit. The arrays a
forward loop makes are read again by the backward loops (`share_items`).
"""

from __future__ import annotations

import builtins
import functools
from typing import Callable

import gast
import numpy as np

from .. import rules, runtime
from ..analysis.aliasing import writes_in_place
from ..frontend.context import Context
from ..ir.trees import (
    assign,
    call_of,
    counted_range,
    find,
    is_name,
    name,
    names_in,
    read_counts,
    trip_count,
    walk,
    walk_statements,
)
from ..optimize.cleanup import denoted, is_comment, is_math_function, is_pure, is_runtime_helper, resolver
from ..optimize.dead_stores import live_after
from .floats import python_number_names

STEP, NUMBER, ROWS = "step", "number", "rows"  # a value per step (an array), the same at every step, a row per step
_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div)


def batch_scalar_loops(
    fdef: gast.FunctionDef,
    ctx: Context,
    float_lists: dict[str, int],
    python_numbers: frozenset[str],
    shape_of: Callable,
) -> None:
    """Take the steps of each qualifying backward loop of `fdef` at once, in place (`float_lists`:
    the parameters known as long lists of floats, 0, or of tuples of m floats, m)."""
    start = next((i for i, st in enumerate(fdef.body) if is_comment(st) and st.value.value == "backward pass"), None)
    if start is None:
        return
    loops = [st for st in fdef.body[start:] if isinstance(st, gast.For)]
    if not loops:
        return
    rebound = names_in(fdef, (gast.Store, gast.Del))
    written = writes_in_place(fdef, ctx.helper("add_at"))
    lists = {p: m for p, m in float_lists.items() if p not in rebound and not written.get(p)}
    numbers: list[set[str]] = []

    def number_names() -> set[str]:
        """The local names that hold a Python number, and the global ones (a float or int global
        the guard checks, as it checks every global number specialised code reads)."""
        if not numbers:
            local = names_in(fdef, (gast.Store, gast.Del, gast.Param))
            free = names_in(fdef, (gast.Load,)) - local
            found = {n for n in free if type(ctx.peek(n)) in (float, int) and ctx.lookup(n) is not None}
            numbers.append(python_number_names(fdef, ctx, python_numbers) | found)
        return numbers[0]

    for loop in loops:
        batched = _Batch(loop, lists, number_names, ctx, shape_of).statements(fdef)
        if batched is not None:
            at = next(i for i, st in enumerate(fdef.body) if st is loop)
            fdef.body[at : at + 1] = batched
    start = next(i for i, st in enumerate(fdef.body) if is_comment(st) and st.value.value == "backward pass")
    exact = _ExactLists(fdef)
    for loop in [st for st in fdef.body[:start] if isinstance(st, gast.For)]:
        batched = _Batch(loop, lists, number_names, ctx, shape_of, exact=exact).statements(fdef)
        if batched is not None:
            at = next(i for i, st in enumerate(fdef.body) if st is loop)
            fdef.body[at : at + 1] = batched


def share_items(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> None:
    """A list's items taken into an array once: `v = float_items(xs, n)` again, of the same list
    and count (the forward loop's and the backward loop's), reads the array made before, where
    nothing in between binds xs, n or v again, or may write into them (or into another name for
    them); made under `if c:`, it is read under the next `if c:` alone (c as it was)."""
    if not any(v is runtime.float_items for v in ctx.extra_globals.values()):
        return  # (no list's items taken into an array)
    ns = resolver(ctx)
    same = _Aliases(fdef)
    known: dict[tuple[str, str], tuple[str, str | None]] = {}  # (xs, n) → (v, the test it was made under)

    def forget(bound: set[str], written: set[str] | None = frozenset()) -> None:
        """Forget what reads a name `bound` again, or an object `written` into (None: any)."""
        objects = None if written is None else {same.of(n) for n in written}
        for key, (v, test) in list(known.items()):
            names = {key[0], v, key[1], *(test.split("|")[0].split() if test else ())}
            if names & bound or objects is None or {same.of(key[0]), same.of(v)} & objects:
                del known[key]

    def block(body: list[gast.stmt], test: str | None) -> list[gast.stmt]:
        out = []
        for st in body:
            if isinstance(st, gast.If) and test is None and not st.orelse:
                inner = " ".join(sorted(names_in(st.test))) + "|" + gast.dump(st.test)
                st.body = block(st.body, inner) or [gast.Pass()]
                out.append(st)
                continue
            key = _items_key(st, ns)
            if key is not None:
                target = st.targets[0].id
                made = known.get(key)
                if made is not None and made[1] in (None, test):
                    if made[0] != target:
                        out.append(assign(target, name(made[0]), st))
                    forget({target} - {made[0]})
                    continue
                forget({target})
                out.append(st)
                known[key] = (target, test)
                continue
            out.append(st)
            forget(names_in(st, (gast.Store, gast.Del)), _touched(st, ns, shape_of))
        return out

    fdef.body = block(fdef.body, None)


def _items_key(st: gast.stmt, ns: Callable) -> tuple[str, str] | None:
    """(xs, n) for `v = float_items(xs, n)` of names or a literal count."""
    call = st.value if isinstance(st, gast.Assign) and len(st.targets) == 1 else None
    if not (isinstance(call, gast.Call) and isinstance(st.targets[0], gast.Name) and len(call.args) == 2):
        return None
    xs, n = call.args
    if call.keywords or denoted(call.func, ns) is not runtime.float_items or not isinstance(xs, gast.Name):
        return None
    if isinstance(n, gast.Name):
        return xs.id, n.id
    return (xs.id, repr(n.value)) if isinstance(n, gast.Constant) else None


def _touched(st: gast.stmt, ns: Callable, shape_of: Callable) -> set[str] | None:
    """The names whose objects `st` may write into (an array added into in place, a list appended
    to, a runtime helper's or a NumPy function's argument it writes), None if any object: a write at
    a position or into an attribute, a call of unknown effect, a compound statement."""
    if is_comment(st):
        return set()
    if not isinstance(st, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return None
    targets = st.targets if isinstance(st, gast.Assign) else [st.target] if isinstance(st, gast.AugAssign) else []
    if any(isinstance(n, (gast.Subscript, gast.Attribute)) for t in targets for n in walk(t)):
        return None
    touched = {st.target.id} if isinstance(st, gast.AugAssign) else set()
    for call in walk(st):
        if not isinstance(call, gast.Call) or getattr(call, "_ag_array_method", False):
            continue  # (a method of an array a pass made that writes nothing: `.tolist()`, `.sum()`, `.copy()`)
        fn = denoted(call.func, ns)
        rule = rules.lookup(fn) if fn is not None else None
        if getattr(fn, "writes_arguments", False) or rule is not None and rule.writes:
            touched |= names_in(call.args[0]) if call.args else set()
        elif rule is not None or fn is not None and (is_runtime_helper(fn) or is_math_function(fn)):
            continue
        elif isinstance(call.func, gast.Attribute) and call.func.attr in ("append", "extend"):
            if not (isinstance(call.func.value, gast.Name) and shape_of.items(call.func.value.id) is not None):
                return None
            touched.add(call.func.value.id)  # (a list the function builds, which no other object holds)
        else:
            return None
    return touched


class _ExactLists:
    """The lists of the function whose items are exactly the floats Python computes: each bound to
    `[]` alone (or under another name, `residuals = t1`), and filled by a forward loop this pass
    took at once (its `.extend`, in `extended`) and by nothing else."""

    def __init__(self, fdef: gast.FunctionDef):
        self.fdef = fdef
        self.extended: set[int] = set()  # the ids of the `.extend` calls the pass made

    def holds(self, source: str) -> bool:
        same = _Aliases(self.fdef)
        group = same.of(source)
        for st in walk_statements(self.fdef.body):
            if isinstance(st, gast.Assign) and any(
                isinstance(t, gast.Name) and same.of(t.id) == group for t in st.targets
            ):
                v = st.value
                if not (isinstance(v, gast.List) and not v.elts or isinstance(v, gast.Name) and same.of(v.id) == group):
                    return False
        for call in find(self.fdef.body, {gast.Call}):
            f = call.func
            if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and same.of(f.value.id) == group:
                if not (f.attr == "extend" and id(call) in self.extended):
                    return False  # (an item appended as the function computes it: of any type)
        return True


class _Aliases:
    """The names `a = b` binds to one object, anywhere in the function, joined: a write through
    one of them is a write through all."""

    def __init__(self, fdef: gast.FunctionDef):
        self.parent: dict[str, str] = {}
        for st in walk_statements(fdef.body):
            if isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name):
                if isinstance(st.value, gast.Name):
                    a, b = self.of(st.targets[0].id), self.of(st.value.id)
                    if a != b:
                        self.parent[a] = b

    def of(self, n: str) -> str:
        while n in self.parent:
            n = self.parent[n]
        return n


class _Batch:
    """One loop's steps taken at once, if it qualifies (module docstring)."""

    def __init__(
        self,
        loop: gast.For,
        lists: dict[str, int],
        numbers: Callable[[], set[str]],
        ctx: Context,
        shape_of: Callable,
        exact: _ExactLists | None = None,
    ):
        self.loop, self.lists, self.numbers, self.ctx, self.shape_of = loop, dict(lists), numbers, ctx, shape_of
        # (a forward loop, `exact` given: its values exactly the loop's, of lists of Python floats alone)
        self.forward, self.exact = exact is not None, exact
        if self.forward:  # (a float array's elements may be float32, which NumPy's float64 would round otherwise)
            self.lists = {p: m for p, m in lists.items() if shape_of(p) is None}
        self.floats: set[str] = set()  # the names the body assigns a float (not an int) at every step
        self.ns = resolver(ctx)
        self.np = ctx.numpy_name()
        self.kinds: dict[str, str] = {}  # a name the body assigned so far → STEP, NUMBER or ROWS
        self.sources: dict[str, str] = {}  # a list read at the index → the name holding its items
        self.prelude: list[gast.stmt] = []  # the lists' items, the index's values

    def statements(self, fdef: gast.FunctionDef) -> list[gast.stmt] | None:
        counted = counted_range(self.loop)
        it = self.loop.iter.args[0] if call_of(self.loop.iter, "reversed") else self.loop.iter
        if counted is None or len(it.args) != 1 or it.keywords:
            return None
        self.k, self.n = counted
        if not isinstance(self.n, (gast.Name, gast.Constant)) or trip_count(self.n, self.shape_of) == 0:
            return None
        body = [_increment(st, self.ns) for st in self.loop.body if not is_comment(st)]
        writes = [st for st in body if self._written(st) is not None or self._appended(st) is not None]
        plain = [st for st in body if st not in writes]
        if self.forward and any(self._appended(st) is None for st in writes):
            return None  # (a forward loop writes nothing but the lists it appends to)
        if not body or not all(
            isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
            for st in plain
        ):
            return None
        targets = [st.targets[0].id for st in plain]
        arrays = [self._written(st) or self._appended(st) for st in writes]
        reads = read_counts(body)
        if self.k in targets or set(targets) & set(arrays):
            return None
        self.reversed = call_of(self.loop.iter, "reversed")
        self.reads = reads
        for a in set(arrays):  # (`a[k] += e` any number of times, or `a[k] = e` once; a read nowhere else)
            mine = [st for st, b in zip(writes, arrays) if b == a]
            if reads.get(a, 0) != len(mine) or (len(mine) > 1 and not all(isinstance(w, gast.AugAssign) for w in mine)):
                return None
        if self.forward and len(set(arrays)) != len(arrays):
            return None  # (two items appended to one list at each step)
        sums = {
            t
            for t in set(targets)
            if all(_increments(st.value, t) is not None for st, u in zip(plain, targets) if u == t)
            and reads.get(t) == targets.count(t)
        }
        for t in set(targets) - sums:  # (bound again to the same value, `t3 = x[i]` twice: once)
            values = {gast.dump(st.value) for st, u in zip(plain, targets) if u == t}
            if len(values) != 1:
                return None
        self.assigned = set(targets)
        out: list[gast.stmt] = []
        for st in body:
            made = self.statement(st, sums)
            if made is None:
                return None
            out.append(made)
        if self.forward and (sums or not writes):
            return None  # (a forward loop's sum is the function's: in its own order)
        if not self.sources or self._read_after(fdef, (set(targets) - sums) | {self.k}):
            return None
        if any(self.shape_of(t) != () for t in set(targets) if self.kinds.get(t) != ROWS):
            return None  # (a number at every step, each name: so is every call of numbers in their values)
        if set(self.sources) & set(targets):
            return None  # (a list the loop reads at its index, or pops, bound again in it)
        comments = [st for st in self.loop.body if is_comment(st)]
        batched = self.prelude + comments[:1] + [st for st in out if not isinstance(st, gast.Pass)]
        if trip_count(self.n, self.shape_of) is not None:
            return batched  # (a count the specialisation knows, not 0: see statements)
        # (no step, no statement: the values the loop reads from before it may not be bound then)
        test = gast.Compare(left=_copy(self.n), ops=[gast.Gt()], comparators=[gast.Constant(value=0, kind=None)])
        return [gast.If(test=test, body=batched, orelse=[])]

    def statement(self, st: gast.stmt, sums: set[str]) -> gast.stmt | None:
        """`st` for all the steps at once, or None."""
        appended = self._appended(st)
        if appended is not None:  # `xs.append(e)`: `xs.extend(e.tolist())`, every step's item in order
            e = st.value.args[0]
            made = self.value(e)
            if made is None or made[1] == ROWS or not self._float(e):
                return None
            items = gast.Call(func=gast.Attribute(value=made[0], attr="tolist", ctx=gast.Load()), args=[], keywords=[])
            items._ag_array_method = True
            if made[1] == NUMBER:
                one = gast.List(elts=[made[0]], ctx=gast.Load())
                items = gast.BinOp(left=one, op=gast.Mult(), right=self.count())
            extend = gast.Attribute(value=name(appended), attr="extend", ctx=gast.Load())
            call = gast.Call(func=extend, args=[items], keywords=[])
            self.exact.extended.add(id(call))
            return gast.Expr(value=call)
        array = self._written(st)
        if array is not None:  # `a[k] = e`, `a[k] += e`: every position up to n at once
            made = self.value(st.value)
            shape = self.shape_of(array)
            listed = shape is None and self._float_list_adjoint(array)
            if made is None or made[1] == ROWS or not (listed or shape is not None and len(shape) == 1):
                return None
            if made[1] == NUMBER:  # (the same at every position: as many as the steps, so that too few raise)
                full = gast.Attribute(value=name(self.np), attr="full", ctx=gast.Load())
                made = gast.Call(func=full, args=[self.count(), made[0]], keywords=[]), STEP
            if listed:  # (a list's items: add_to_items(a, e, n), set_items(a, e, n))
                helper = "add_to_items" if isinstance(st, gast.AugAssign) else "set_items"
                call = gast.Call(
                    func=name(self.ctx.helper(helper)), args=[name(array), made[0], self.count()], keywords=[]
                )
                return gast.Expr(value=call)
            upto = gast.Slice(lower=None, upper=self.count(), step=None)
            target = gast.Subscript(value=name(array), slice=upto, ctx=gast.Store())
            if isinstance(st, gast.AugAssign):
                return gast.AugAssign(target=target, op=gast.Add(), value=made[0])
            return assign(target, made[0])
        t = st.targets[0].id
        if t in self.kinds:  # (the same value again)
            return gast.Pass()
        if t in sums:
            total: gast.AST = name(t)
            for op, e in _increments(st.value, t):
                made = self.value(e)
                if made is None or made[1] == ROWS:
                    return None
                total = gast.BinOp(left=total, op=op, right=self.total(*made))
            return assign(t, total)
        v = st.value
        popped = self._popped(v)
        if popped is not None:  # (`v = g.pop()` at every step counting down: the last n items, taken off)
            if popped in self.sources or self.shape_of.kind(t) != "f":
                return None
            self.sources[popped] = t
            self.lists[popped] = 0
            self.kinds[t] = STEP
            call = gast.Call(func=name(self.ctx.helper("popped_items")), args=[name(popped), self.count()], keywords=[])
            return assign(t, call)
        if isinstance(v, gast.Subscript) and is_name(v.slice, self.k) and isinstance(v.value, gast.Name):
            source = v.value.id
            if self._width(source) is not None and source not in self.sources:  # (`x = xs[k]`: x holds the items)
                self.sources[source] = t
                self.kinds[t] = ROWS if self.lists[source] else STEP
                self.floats.add(t)
                return assign(t, self.items_call(source))
        made = self.value(v)
        if made is None:
            return None
        self.kinds[t] = made[1]
        if self._float(v):
            self.floats.add(t)
        return assign(t, made[0])

    def _appended(self, st: gast.stmt) -> str | None:
        """xs for `xs.append(e)`, in a forward loop, of a list of floats the function builds (ShapeFacts.item_shape)."""
        call = st.value if self.forward and isinstance(st, gast.Expr) else None
        if not (isinstance(call, gast.Call) and len(call.args) == 1 and not call.keywords):
            return None
        f = call.func
        if isinstance(f, gast.Attribute) and f.attr == "append" and isinstance(f.value, gast.Name):
            if self.shape_of.primal(f.value.id) is None and self.shape_of.items(f.value.id) == ((), np.dtype(float)):
                return f.value.id
        return None

    def _float(self, e: gast.AST) -> bool:
        """Whether the value `e` the body computes is a float at every step, not an int (as Python
        computes it: an int's operation with a float gives a float, a division one too)."""
        if isinstance(e, gast.Constant):
            return type(e.value) is float
        if isinstance(e, gast.Name):
            if e.id == self.k:
                return False
            return e.id in self.floats if e.id in self.kinds else self.shape_of.kind(e.id) == "f"
        if isinstance(e, gast.Subscript):  # (an item of listed floats, or a column of their rows)
            return True
        if isinstance(e, gast.UnaryOp):
            return self._float(e.operand)
        if isinstance(e, gast.BinOp):
            return isinstance(e.op, gast.Div) or self._float(e.left) or self._float(e.right)
        return isinstance(e, gast.Call) and is_name(e.func, "float")

    def _int_bound(self, e: gast.AST) -> int | None:
        """A bound on the size of the int `e` takes at any step (the index's below its count), or None."""
        if isinstance(e, gast.Constant) and type(e.value) is int:
            return abs(e.value)
        if is_name(e, self.k):
            count = trip_count(self.n, self.shape_of)
            return count if count is not None else 2**40  # (no list is that long)
        if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
            return self._int_bound(e.operand)
        if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub, gast.Mult)):
            left, right = self._int_bound(e.left), self._int_bound(e.right)
            if left is None or right is None:
                return None
            return left * right if isinstance(e.op, gast.Mult) else left + right
        return None

    def _width(self, source: str) -> int | None:
        """The width of the rows of the list `source` the steps may read at the index (0: floats),
        None if they may not: a parameter's (`lists`), or a list of floats the function builds and
        reads alone (ShapeFacts.item_shape)."""
        if source not in self.lists and self.shape_of.primal(source) is None:
            if self.shape_of.items(source) == ((), np.dtype(float)) and (not self.forward or self.exact.holds(source)):
                self.lists[source] = 0
        return self.lists.get(source)

    def _number(self, n: str) -> bool:
        """Whether `n` always holds a real number (a NumPy scalar: `mean = sum(rs) / len(rs)`)."""
        return self.shape_of(n) == () and self.shape_of.kind(n) in ("f", "i")

    def _popped(self, v: gast.AST) -> str | None:
        """g for `g.pop()` of a name g read nowhere else in the loop, which counts down."""
        if not (self.reversed and isinstance(v, gast.Call) and not v.args and not v.keywords):
            return None
        f = v.func
        if isinstance(f, gast.Attribute) and f.attr == "pop" and isinstance(f.value, gast.Name):
            return f.value.id if self.reads.get(f.value.id) == 1 else None
        return None

    def _float_list_adjoint(self, array: str) -> bool:
        """Whether `array` is the adjoint of a list of floats (of a parameter's, or one the function builds)."""
        primal = self.shape_of.primal(array)
        if primal is None:
            return False
        return self.lists.get(primal) == 0 or self.shape_of.items(primal) == ((), np.dtype(float))

    def _written(self, st: gast.stmt) -> str | None:
        """a for `a[k] = v` or `a[k] += v` (a name, k the loop's index)."""
        target = st.targets[0] if isinstance(st, gast.Assign) and len(st.targets) == 1 else None
        if isinstance(st, gast.AugAssign) and isinstance(st.op, gast.Add):
            target = st.target
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) and is_name(target.slice, self.k):
            return target.value.id
        return None

    def _read_after(self, fdef: gast.FunctionDef, local: set[str]) -> bool:
        """Whether a statement after the loop (at the top level of the function, as the loop is)
        reads one of `local` (of a forward loop: reads the value the loop left, by liveness)."""
        if self.forward:
            live = live_after(fdef, self.ns)
            return live is None or bool(live[id(self.loop)] & local)
        at = next(i for i, st in enumerate(fdef.body) if st is self.loop)
        return any(
            isinstance(n, gast.Name) and n.id in local and isinstance(n.ctx, gast.Load)
            for st in fdef.body[at + 1 :]
            for n in walk(st)
        )

    def value(self, e: gast.AST) -> tuple[gast.AST, str] | None:
        """`e` as all the steps' values at once, and its kind; None if the loop does not qualify."""
        if isinstance(e, gast.Constant):
            ok = type(e.value) in (int, float)
            return (gast.Constant(value=e.value, kind=None), NUMBER) if ok else None
        if isinstance(e, gast.Name):
            if e.id == self.k:
                return self.index(), STEP
            if e.id in self.kinds:
                return name(e.id), self.kinds[e.id]
            if e.id not in self.assigned and (e.id in self.numbers() or not self.forward and self._number(e.id)):
                return name(e.id), NUMBER  # (a forward loop's: a Python number, its values exactly the loop's)
            return None
        if isinstance(e, gast.Subscript):
            return self.item(e)
        ufunc = None if self.forward else self.elementwise(e)  # (NumPy's may round otherwise than math's)
        if ufunc is not None:  # (np.exp, math.exp, abs, float_exp... of the steps' values: NumPy's ufunc of the arrays)
            made = [self.value(a) for a in e.args]
            if any(m is None or m[1] == ROWS for m in made):
                return None
            if all(m[1] == NUMBER for m in made):
                return gast.Call(func=e.func, args=[m[0] for m in made], keywords=[]), NUMBER
            func = gast.Attribute(value=name(self.np), attr=ufunc.__name__, ctx=gast.Load())
            return gast.Call(func=func, args=[m[0] for m in made], keywords=[]), STEP
        if isinstance(e, gast.Call) and not e.keywords and is_pure(e, self.ns) and not is_name(e.func, "float"):
            made = [self.value(a) for a in e.args]  # (of values the same at every step: the same number)
            if all(m is not None and m[1] == NUMBER for m in made):
                return gast.Call(func=e.func, args=[m[0] for m in made], keywords=[]), NUMBER
            return None
        if isinstance(e, gast.Call) and is_name(e.func, "float") and len(e.args) == 1 and not e.keywords:
            made = self.value(e.args[0])  # (of a float array's elements: the float64 array float_items made)
            if made is None or made[1] == ROWS:
                return None
            return made if made[1] == STEP else (gast.Call(func=name("float"), args=[made[0]], keywords=[]), NUMBER)
        if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
            made = self.value(e.operand)
            if made is None or made[1] == ROWS:
                return None
            return gast.UnaryOp(op=e.op.__class__(), operand=made[0]), made[1]
        if isinstance(e, gast.BinOp) and isinstance(e.op, (*_ARITHMETIC, gast.Pow)):
            if self.forward and not _exact_in_arrays(e):
                return None
            if isinstance(e.op, gast.Pow) and not (
                isinstance(e.right, gast.Constant) and type(e.right.value) in (int, float)
            ):
                return None  # (a number to a power of a step's value: a negative base gives Python a complex)
            left, right = self.value(e.left), self.value(e.right)
            if left is None or right is None or ROWS in (left[1], right[1]):
                return None
            if self.forward and not self._float(e) and (self._int_bound(e) or 2**53) >= 2**53:
                return None  # (Python's ints are exact at any size; their float values, below 2**53)
            kind = STEP if STEP in (left[1], right[1]) else NUMBER
            return gast.BinOp(left=left[0], op=e.op.__class__(), right=right[0]), kind
        return None

    def elementwise(self, e: gast.AST) -> np.ufunc | None:
        """NumPy's ufunc computing the call `e` of numbers elementwise, where it is one of NumPy's
        ufuncs, a `math` function of the same name (math.atan: np.arctan), `abs`, or the helper
        the registry names as a NumPy function's twin on floats (float_exp: np.exp)."""
        if not isinstance(e, gast.Call) or e.keywords or any(isinstance(a, gast.Starred) for a in e.args):
            return None
        fn = denoted(e.func, self.ns)
        if fn is None:
            return None
        if fn is builtins.abs:
            fn = np.abs
        elif is_math_function(fn):
            fn = getattr(np, _MATH_NAMES.get(fn.__name__, fn.__name__), None)
        elif fn in _twins():
            fn = _twins()[fn]
        ok = (
            isinstance(fn, np.ufunc) and fn.nin == len(e.args) and fn.nout == 1 and getattr(np, fn.__name__, None) is fn
        )
        return fn if ok else None

    def item(self, e: gast.Subscript) -> tuple[gast.AST, str] | None:
        """`xs[k]` (the items), `points[k]` (the rows), `points[k][c]` or `p[c]` of a row (a column)."""
        if isinstance(e.value, gast.Name) and self._width(e.value.id) is not None and is_name(e.slice, self.k):
            width = self.lists[e.value.id]
            return self.items(e.value.id), (ROWS if width else STEP)
        pair = e.slice.elts if isinstance(e.slice, gast.Tuple) and len(e.slice.elts) == 2 else None
        if pair and is_name(pair[0], self.k) and isinstance(e.value, gast.Name) and self.lists.get(e.value.id):
            # `X[k, c]` of a float array of rows: `X[k][c]`
            row = gast.Subscript(value=gast.Name(e.value.id, gast.Load(), None, None), slice=pair[0], ctx=gast.Load())
            e = gast.Subscript(value=row, slice=pair[1], ctx=gast.Load())
        if not (isinstance(e.slice, gast.Constant) and type(e.slice.value) is int):
            return None
        rows = self.value(e.value)
        if rows is None or rows[1] != ROWS:
            return None
        source = e.value if isinstance(e.value, gast.Subscript) else None
        width = self.lists[source.value.id] if source is not None else self._row_width(e.value)
        if width is None or not -width <= e.slice.value < width:
            return None
        column = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None), e.slice], ctx=gast.Load())
        return gast.Subscript(value=rows[0], slice=column, ctx=gast.Load()), STEP

    def _row_width(self, e: gast.AST) -> int | None:
        """The number of floats in a row held by the name `e` (bound to `points[k]` in the body)."""
        if not isinstance(e, gast.Name):
            return None
        for st in self.loop.body:
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and st.targets[0].id == e.id:
                v = st.value
                if isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) and v.value.id in self.lists:
                    return self.lists[v.value.id]
        return None

    def items(self, source: str) -> gast.AST:
        """The name holding the items of `source` the steps read, made once before them."""
        if source not in self.sources:
            self.sources[source] = self.ctx.namer.fresh(f"{source}_items")
            self.prelude.append(assign(self.sources[source], self.items_call(source)))
        return name(self.sources[source])

    def items_call(self, source: str) -> gast.Call:
        """`float_items(source, n)`: the first n items of the list `source`, as an array (rows of
        its tuples' floats: `float_items(points, n, 2)`)."""
        args = [name(source), _copy(self.n)]
        if self.lists[source]:
            args.append(gast.Constant(value=self.lists[source], kind=None))
        return gast.Call(func=name(self.ctx.helper("float_items")), args=args, keywords=[])

    def count(self) -> gast.AST:
        """The number of steps, n (the batched steps run where n > 0)."""
        return _copy(self.n)

    def index(self) -> gast.AST:
        """The index's values at every step, as floats, made once before them."""
        if "" not in self.sources:
            self.sources[""] = self.ctx.namer.fresh(f"{self.k}_values")
            arange = gast.Attribute(value=name(self.np), attr="arange", ctx=gast.Load())
            # (in floats: Python's ints do not overflow, and an int array's negative power raises)
            floats = [gast.keyword(arg="dtype", value=name("float"))]
            self.prelude.append(assign(self.sources[""], gast.Call(func=arange, args=[_copy(self.n)], keywords=floats)))
        return name(self.sources[""])

    def total(self, e: gast.AST, kind: str) -> gast.AST:
        """The sum over the steps of their values `e` (of `kind`), as a Python float: np.dot of a
        product of two arrays of them; the count of steps times a value the same at every step."""
        if kind == NUMBER:
            return gast.BinOp(left=self.count(), op=gast.Mult(), right=e)
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult) and self._vector(e.left) and self._vector(e.right):
            dot = gast.Attribute(value=name(self.np), attr="dot", ctx=gast.Load())
            summed = gast.Call(func=dot, args=[e.left, e.right], keywords=[])
        else:  # (the method: NumPy's function of an array spends most of its time finding it one)
            summed = gast.Call(func=gast.Attribute(value=e, attr="sum", ctx=gast.Load()), args=[], keywords=[])
            summed._ag_array_method = True
        return gast.Call(func=name("float"), args=[summed], keywords=[])

    def _vector(self, e: gast.AST) -> bool:
        """Whether `e` names one value per step (not a row): a 1-D array of them."""
        return isinstance(e, gast.Name) and (
            self.kinds.get(e.id) == STEP or e.id in self.sources.values() and self._plain_items(e.id)
        )

    def _plain_items(self, held: str) -> bool:
        """Whether the name `held` holds the items of a list of floats (not of tuples), or the index's values."""
        return any(v == held and (k == "" or not self.lists[k]) for k, v in self.sources.items())


def _exact_in_arrays(e: gast.BinOp) -> bool:
    """Whether NumPy's float64 arrays compute `e` exactly as Python computes each step's floats:
    + - * (one rounding each, IEEE's), and a division by a number literal other than 0 (by another
    value, Python raises where it is 0). A power rounds otherwise (C's pow, NumPy's square)."""
    if isinstance(e.op, gast.Div):
        return isinstance(e.right, gast.Constant) and type(e.right.value) in (int, float) and e.right.value != 0
    return not isinstance(e.op, gast.Pow)


def _increment(st: gast.stmt, ns: Callable) -> gast.stmt:
    """`a[k] = add_adjoints(a[k], e)` (`ns`: see resolver) as `a[k] += e` (of numbers, the same: the pass reads
    only numbers), any other statement as it is."""
    v = st.value if isinstance(st, gast.Assign) and len(st.targets) == 1 else None
    target = st.targets[0] if v is not None else None
    if (
        isinstance(target, gast.Subscript)
        and isinstance(v, gast.Call)
        and denoted(v.func, ns) is runtime.add_adjoints
        and len(v.args) == 2
        and not v.keywords
        and gast.dump(v.args[0]) == gast.dump(gast.Subscript(value=target.value, slice=target.slice, ctx=gast.Load()))
    ):
        return gast.AugAssign(target=target, op=gast.Add(), value=v.args[1])
    return st


def _increments(value: gast.AST, t: str) -> list[tuple[gast.operator, gast.AST]] | None:
    """The terms (operator, e) added to or taken from `t` by `t + e1 - e2 + ...` (or `e + t`), none
    of them reading t; None for any other value."""
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) and is_name(value.right, t):
        terms = [(gast.Add(), value.left)]
    else:
        terms = []
        while isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub)) and not is_name(value, t):
            terms.append((value.op.__class__(), value.right))
            value = value.left
        if not is_name(value, t) or not terms:
            return None
        terms.reverse()
    if any(isinstance(n, gast.Name) and n.id == t for _, e in terms for n in walk(e)):
        return None
    return terms


_MATH_NAMES = {
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "atan2": "arctan2",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
    "pow": "power",
}


@functools.cache
def _twins() -> dict:
    """The registry's twins on floats (Rule.on_floats: float_exp) → the NumPy function they stand for."""
    return {rule.on_floats: fn for fn, rule in rules.registry.builtin_rules() if rule.on_floats is not None}


def _copy(e: gast.AST) -> gast.AST:
    return name(e.id) if isinstance(e, gast.Name) else gast.Constant(value=e.value, kind=None)
