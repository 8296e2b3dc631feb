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
  of names holding Python numbers that the loop does not assign, of the index k, and of the items
  `xs[k]` of a parameter the specialisation knows as a list or tuple of floats (`points[k][0]`,
  or `p = points[k]` then `p[0]`: of tuples of floats) that the function never writes into nor
  binds again;
- the names it assigns but the sums, and its index, are read nowhere else in the function.
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
from ..ir.trees import assign, call_of, counted_range, is_name, name, names_in, read_counts, trip_count, walk
from ..optimize.cleanup import denoted, is_comment, is_math_function, is_pure, resolver
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
        if not numbers:
            numbers.append(python_number_names(fdef, ctx, python_numbers))
        return numbers[0]

    for loop in loops:
        batched = _Batch(loop, lists, number_names, ctx, shape_of).statements(fdef)
        if batched is not None:
            at = next(i for i, st in enumerate(fdef.body) if st is loop)
            fdef.body[at : at + 1] = batched


class _Batch:
    """One loop's steps taken at once, if it qualifies (module docstring)."""

    def __init__(
        self,
        loop: gast.For,
        lists: dict[str, int],
        numbers: Callable[[], set[str]],
        ctx: Context,
        shape_of: Callable,
    ):
        self.loop, self.lists, self.numbers, self.ctx, self.shape_of = loop, dict(lists), numbers, ctx, shape_of
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
        writes = [st for st in body if self._written(st) is not None]
        plain = [st for st in body if st not in writes]
        if not body or not all(
            isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
            for st in plain
        ):
            return None
        targets = [st.targets[0].id for st in plain]
        arrays = [self._written(st) for st in writes]
        reads = read_counts(body)
        if self.k in targets or set(targets) & set(arrays):
            return None
        self.reversed = call_of(self.loop.iter, "reversed")
        self.reads = reads
        for a in set(arrays):  # (`a[k] += e` any number of times, or `a[k] = e` once; a read nowhere else)
            mine = [st for st, b in zip(writes, arrays) if b == a]
            if reads.get(a, 0) != len(mine) or (len(mine) > 1 and not all(isinstance(w, gast.AugAssign) for w in mine)):
                return None
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
                return assign(t, self.items_call(source))
        made = self.value(v)
        if made is None:
            return None
        self.kinds[t] = made[1]
        return assign(t, made[0])

    def _width(self, source: str) -> int | None:
        """The width of the rows of the list `source` the steps may read at the index (0: floats),
        None if they may not: a parameter's (`lists`), or a list of floats the function builds and
        reads alone (ShapeFacts.item_shape)."""
        if source not in self.lists and self.shape_of.primal(source) is None:
            if self.shape_of.items(source) == ((), np.dtype(float)):
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
        reads one of `local`."""
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
            if e.id not in self.assigned and (e.id in self.numbers() or self._number(e.id)):
                return name(e.id), NUMBER
            return None
        if isinstance(e, gast.Subscript):
            return self.item(e)
        ufunc = self.elementwise(e)
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
            if isinstance(e.op, gast.Pow) and not (
                isinstance(e.right, gast.Constant) and type(e.right.value) in (int, float)
            ):
                return None  # (a number to a power of a step's value: a negative base gives Python a complex)
            left, right = self.value(e.left), self.value(e.right)
            if left is None or right is None or ROWS in (left[1], right[1]):
                return None
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
        return gast.Call(func=name("float"), args=[summed], keywords=[])

    def _vector(self, e: gast.AST) -> bool:
        """Whether `e` names one value per step (not a row): a 1-D array of them."""
        return isinstance(e, gast.Name) and (
            self.kinds.get(e.id) == STEP or e.id in self.sources.values() and self._plain_items(e.id)
        )

    def _plain_items(self, held: str) -> bool:
        """Whether the name `held` holds the items of a list of floats (not of tuples), or the index's values."""
        return any(v == held and (k == "" or not self.lists[k]) for k, v in self.sources.items())


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
