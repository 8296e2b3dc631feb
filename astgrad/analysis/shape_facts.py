"""The shape of every name of a normalized function, for arguments of given types and shapes.

A gradient specialised for its arguments' shapes (see specialize/dispatch.py) knows, for most names, the
one shape they always have; with that, `unbroadcast` between same-shape values and the scalar
checks disappear, and so do the tape pushes of arrays whose shape was all the backward pass read.

The analysis is an abstract interpretation over a flat lattice, flow-insensitive per name (a
name's fact holds at every statement, so a name assigned twice must get the same shape twice):

    unknown yet  <  Value(v): the very value (a shape entry, a loop bound, a constant)
                 <  Shape(d): only the shape and kind are known (`d` is a stand-in value)
                 <  TOP: not known

A right-hand side is evaluated on stand-ins only if its result's shape provably does not depend
on the values of its Shape-known operands: the table below says, per function, which arguments
may be stand-ins. Everything else (boolean masks, `np.arange(x)` of a data value, user calls,
lists) is TOP, so a fact is never a guess.
"""

from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import gast
import numpy as np

from .. import rules, runtime
from ..frontend.assumptions import immutable
from ..frontend.context import Context
from ..ir.trees import COMPARISONS, names_in, walk
from .activity import BINOPS, UNARY, walk_statements
from .index_ranges import LoopIndices, difference
from .shapes import full_reduction

TOP = "TOP"


class Value:
    """A name's exact value (an immutable number, tuple, None...), the same on every assignment."""

    __slots__ = ("v",)

    def __init__(self, v: Any):
        self.v = v


class Shape:
    """A name whose shape and kind are known; `d` is a stand-in with those (values meaningless)."""

    __slots__ = ("d",)

    def __init__(self, d: Any):
        self.d = d


# How a function's result shape depends on its arguments: the positions that may be stand-ins
# (values unknown); every other argument and keyword must be an exact Value. Each primitive's entry
# in the registry says which (Rule.shape); elementwise ones need not.
FIRST = rules.registry.SHAPE_FIRST  # the first argument: reductions, transposes, reshapes...
FIRST_TWO = rules.registry.SHAPE_FIRST_TWO  # products: matmul, dot, outer...
ALL = rules.registry.SHAPE_ALL  # any argument (elementwise functions: the broadcast of the arguments)
EXACT = rules.registry.SHAPE_EXACT  # every argument exact: constructors (np.arange(n), np.zeros(shape))
PICK = rules.registry.SHAPE_PICK  # min/max: one of their arguments, or an element of their one argument

_ATTRIBUTES = {"shape", "ndim", "size", "T", "dtype"}


def _rule(fn: Any) -> str | None:
    rule = rules.lookup(fn)
    if rule is not None and rule.shape is not None:
        return rule.shape
    if getattr(fn, "__module__", None) == "math":
        return ALL  # math's functions take and return numbers
    # NumPy's and math's elementwise functions (never a user's own: it would be run here)
    library = isinstance(fn, np.ufunc) or getattr(fn, "__module__", None) in ("math", "numpy")
    return ALL if library and rule is not None and rule.elementwise else None


def _signature(x: Any) -> Any:
    """What must agree between two assignments of one name for its Shape fact to hold."""
    if isinstance(x, tuple):
        return ("tuple", tuple(_signature(e) for e in x))
    if isinstance(x, (bool, int, float, complex, np.ndarray, np.generic)):
        kind = np.asarray(x).dtype.kind
        return ("number", np.shape(x), "i" if kind == "u" else kind)
    return ("object", type(x))


def _join(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    if a is TOP or b is TOP:
        return TOP
    if isinstance(a, Items) or isinstance(b, Items):
        return _join_items(a, b) if isinstance(a, Items) else TOP
    if isinstance(a, Value) and isinstance(b, Value) and type(a.v) is type(b.v) and _same(a.v, b.v):
        return a
    da = a.v if isinstance(a, Value) else a.d
    db = b.v if isinstance(b, Value) else b.d
    sa, sb = _signature(da), _signature(db)
    if sa == sb:
        return Shape(da)
    if sa[0] == sb[0] == "number" and sa[1] == sb[1] and {sa[2], sb[2]} <= {"i", "f"}:
        return Shape(da if sa[2] == "f" else db)  # an int that becomes a float: keep the float
    return TOP


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - any comparison failure means "not the same"
        return False


class Items:
    """A list whose every item has one shape and kind (`d`, a stand-in item; None: no item yet).
    Only for a local list the function builds and reads alone (`_item_lists`): its length is
    not known, an item read at an integer position is."""

    __slots__ = ("d",)

    def __init__(self, d: Any):
        self.d = d


def _join_items(a: Items, b: Any) -> Any:
    if not isinstance(b, Items):
        return TOP
    if a.d is None or b.d is None:
        return b if a.d is None else a
    joined = _join(Shape(a.d), Shape(b.d))
    return Items(joined.d) if isinstance(joined, Shape) else TOP


_UNKNOWN = object()  # (not asked for yet)


class _Unknown(Exception):
    """An operand or operation whose result shape is not known."""


class ShapeFacts:
    """name → the one shape it always has, for the given stand-ins of the parameters."""

    def __init__(self, ctx: Context, fdef: gast.FunctionDef, params: dict[str, Any]):
        self.ctx = ctx
        self.local = set(fdef._ag_params)
        self.state: dict[str, Any] = {}
        for p in fdef._ag_params:
            self.state[p] = Shape(params[p]) if p in params else TOP
        statements = list(walk_statements(fdef.body))
        self.local |= names_in(fdef.body, (gast.Store,))
        self.item_read_params = _item_read_params(fdef, params)
        # (the checks that a loop walks a sequence and that an unpacking has its length: they keep nothing)
        checks = {n for n, v in ctx.extra_globals.items() if v in (runtime.check_sequence, runtime.check_unpack)}
        self.uniform_params = _uniform_params(fdef, params, checks)
        self.item_lists = _item_lists(fdef, self.local - set(fdef._ag_params), checks)
        self.indices = LoopIndices(fdef)
        self.statement: gast.stmt | None = None  # the one being evaluated (for its windows' bounds)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            changed = True
            while changed:
                changed = False
                for s in statements:
                    self.statement = s
                    for var, new in self._transfer(s):
                        old = self.state.get(var)
                        joined = _join(old, new)
                        if not _equal_state(old, joined):
                            self.state[var] = joined
                            changed = True
        # the facts are made: a local's shape and kind, asked for again and again by the passes,
        # are found once each (a global's are looked up every time: the lookup is a fact of the program)
        self._known: dict[tuple[str, str], Any] = {}

    def kind(self, var: str) -> str | None:
        """The dtype kind ('f', 'i', 'b', 'c') of the number or array `var` always holds, or None."""
        known = self._known.get(("kind", var), _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        st = self.state.get(var)
        if st is None and var not in self.local:
            obj = self.ctx.lookup(var)
            return obj.dtype.kind if type(obj) is np.ndarray else None
        d = st.v if isinstance(st, Value) else st.d if isinstance(st, Shape) else None
        sig = _signature(d) if d is not None else None
        known = self._known[("kind", var)] = sig[2] if sig is not None and sig[0] == "number" else None
        return known

    def count(self, var: str) -> int | None:
        """The one non-negative Python int `var` always holds (a length, a trip count), or None."""
        st = self.state.get(var)
        if isinstance(st, Value) and type(st.v) is int and st.v >= 0:
            return st.v
        return None

    def shape(self, var: str) -> tuple | None:
        """The shape `var` always has (a number or array), or None if not known."""
        known = self._known.get(("shape", var), _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        st = self.state.get(var)
        if st is None and var not in self.local:
            obj = self.ctx.lookup(var)  # a global array: generated code keeps this very object
            return obj.shape if type(obj) is np.ndarray else None
        d = st.v if isinstance(st, Value) else st.d if isinstance(st, Shape) else None
        known = self._known[("shape", var)] = None if d is None or _signature(d)[0] != "number" else np.shape(d)
        return known

    def bound_kind(self, s: gast.Assign) -> str | None:
        """The dtype kind of the value the assignment `s` binds, on its own: `kind` is a name's over
        all its assignments, where an int that becomes a float is a float."""
        self.statement = s
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fact = self._evaluate(s.value)
        d = fact.v if isinstance(fact, Value) else fact.d if isinstance(fact, Shape) else None
        sig = _signature(d) if d is not None else None
        return sig[2] if sig is not None and sig[0] == "number" else None

    def item_dtype(self, var: str) -> np.dtype | None:
        """The dtype every item of the list `var` has, as far as kinds go (`item_shape`): float32 and
        float64 items share the kind "f", so it is exact only where no other float precision occurs."""
        st = self.state.get(var)
        if not isinstance(st, Items) or st.d is None:
            return None
        return np.asarray(st.d).dtype

    def slots(self, var: str) -> tuple | None:
        """("dict", its keys in order) or ("list", its positions) of the list, tuple or dict `var`
        always holds (a parameter's, whose length or keys the guard checks, or a literal's), or None."""
        st = self.state.get(var)
        d = st.v if isinstance(st, Value) else st.d if isinstance(st, Shape) else None
        if isinstance(d, dict):
            return "dict", tuple(d)
        if isinstance(d, (list, tuple)):
            return "list", tuple(range(len(d)))
        return None

    def item_shape(self, var: str) -> tuple | None:
        """The shape every item of the list `var` has (a list the function builds and reads
        alone, `_item_lists`), or None if not known."""
        st = self.state.get(var)
        if not isinstance(st, Items) or st.d is None:
            return None
        return np.shape(st.d)

    # ----------------------------------------------------------------------------- transfer

    def _transfer(self, s: gast.stmt) -> list[tuple[str, Any]]:
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            if isinstance(target, gast.Name) and target.id in self.item_lists:
                return [(target.id, self._items(s.value))]
            if isinstance(target, gast.Name):
                return [(target.id, self._evaluate(s.value))]
            if isinstance(target, gast.Subscript):
                return []  # an in-place write keeps the array's shape (lists are TOP anyway)
            return [(n.id, TOP) for n in walk(target) if isinstance(n, gast.Name)]
        if isinstance(s, gast.For):
            it = s.iter
            if isinstance(it, gast.Call) and getattr(it, "_ag_fn", None) is range or _is_range(it):
                return [(s.target.id, Shape(np.int64(1)))]
            return [(s.target.id, TOP)]
        if getattr(s, "_ag_append", None):
            lst, item = s._ag_append
            return [(lst, self._items(gast.List(elts=[item], ctx=gast.Load())) if lst in self.item_lists else TOP)]
        counter = getattr(s, "_ag_counter", None)
        if counter:
            return [(counter, Shape(np.int64(1)))]
        return []

    def _items(self, value: gast.AST) -> Any:
        """The fact of a list `[a, b, ...]` of numbers (or arrays) of one shape and kind, or of the
        list a copy `xs = t1` names again (_item_lists)."""
        if isinstance(value, gast.Name) and value.id in self.item_lists:
            return self.state.get(value.id)
        if not isinstance(value, gast.List):
            return TOP
        fact: Any = Items(None)
        for e in value.elts:
            item = self._evaluate(e)
            if item is None:
                return None
            if not isinstance(item, (Value, Shape)):
                return TOP
            d = item.v if isinstance(item, Value) else item.d
            if _signature(d)[0] != "number":
                return TOP
            fact = _join(fact, Items(d))
        return fact

    def _evaluate(self, value: gast.AST) -> Any:
        try:
            result, exact = self._eval(value)
        except _Pending:
            return None
        except _Unknown:
            return TOP
        except Exception:  # noqa: BLE001 - a stand-in the operation rejects: unknown, not an error
            return TOP
        return Value(result) if exact and immutable(result) else Shape(result)

    def _atom(self, node: gast.AST) -> tuple[Any, bool]:
        """(value or stand-in, whether it is the exact value)."""
        if isinstance(node, gast.Constant):
            return node.value, True
        if isinstance(node, gast.Name):
            if node.id not in self.local:
                obj = self.ctx.lookup(node.id)
                if immutable(obj):
                    return obj, True
                if type(obj) is np.ndarray:  # a global array: generated code keeps this very object
                    return np.broadcast_to(np.ones((), obj.dtype), obj.shape), False
                raise _Unknown
            st = self.state.get(node.id)
            if st is None:
                raise _Pending
            if st is TOP or isinstance(st, Items):
                raise _Unknown  # (a list's items are known, not the list: `np.array(s)`'s length is not)
            return (st.v, True) if isinstance(st, Value) else (st.d, False)
        if isinstance(node, gast.Attribute) and not _local_base(node, self.local):
            obj = self.ctx.resolve(node, self.local)
            if immutable(obj):
                return obj, True
            raise _Unknown
        return self._eval(node)

    def _eval(self, value: gast.AST) -> tuple[Any, bool]:
        if isinstance(value, (gast.Constant, gast.Name)):
            return self._atom(value)
        if isinstance(value, gast.Tuple):
            parts = [self._atom(e) for e in value.elts]
            return tuple(p for p, _ in parts), all(e for _, e in parts)
        if isinstance(value, gast.UnaryOp):
            x, exact = self._atom(value.operand)
            return _elementwise(UNARY[type(value.op)], [x]), exact
        if isinstance(value, gast.BinOp):
            (a, ea), (b, eb) = self._atom(value.left), self._atom(value.right)
            if not (ea and eb) and (isinstance(a, (tuple, str)) or isinstance(b, (tuple, str))):
                raise _Unknown  # `(x,) * n`: a sequence's length is a value
            if isinstance(value.op, gast.MatMult):
                return _product(operator.matmul, a, b), ea and eb
            return _elementwise(BINOPS[type(value.op)], [a, b]), ea and eb
        if isinstance(value, gast.Compare):
            if len(value.ops) != 1 or type(value.ops[0]) not in COMPARISONS:
                raise _Unknown
            (a, ea), (b, eb) = self._atom(value.left), self._atom(value.comparators[0])
            return _elementwise(COMPARISONS[type(value.ops[0])], [a, b]), ea and eb
        if isinstance(value, gast.Attribute):
            if value.attr not in _ATTRIBUTES:
                raise _Unknown
            x, exact = self._atom(value.value)
            if not isinstance(x, (np.ndarray, np.generic)):
                raise _Unknown
            known = exact or value.attr != "T"  # the shape of a stand-in is its real shape
            return getattr(x, value.attr), known
        if isinstance(value, gast.Subscript):
            return self._subscript(value)
        if isinstance(value, gast.Call):
            return self._call(value)
        raise _Unknown

    def _subscript(self, value: gast.Subscript) -> tuple[Any, bool]:
        if isinstance(value.value, gast.Name) and value.value.id in self.item_lists:
            st = self.state.get(value.value.id)
            if st is None:
                raise _Pending
            if not isinstance(st, Items) or st.d is None:
                raise _Unknown
            index, _ = self._index(value.slice)
            if isinstance(index, (slice, tuple)) or np.ndim(index) or np.asarray(index).dtype.kind not in "iu":
                raise _Unknown  # (a slice of the list: a list)
            return st.d, False
        base, exact = self._atom(value.value)
        if isinstance(base, list) and not exact and isinstance(value.value, gast.Name):
            if value.value.id in self.uniform_params and not isinstance(value.slice, gast.Slice):
                index, _ = self._index(value.slice)
                if np.ndim(index) == 0 and np.asarray(index).dtype.kind in "iu":
                    return base[0], False  # (any item of a list whose items are all of one kind: that kind)
        if isinstance(base, (list, dict)) and not exact:  # a parameter holding arrays: a literal item
            if not (isinstance(value.value, gast.Name) and value.value.id in self.item_read_params):
                raise _Unknown
            index, index_exact = self._index(value.slice)
            if not index_exact or isinstance(index, (slice, tuple)):
                raise _Unknown
            item = base[index]  # (an int item the guard fixes is that Python int: dispatch.standin)
            return item, type(item) is int
        if isinstance(base, tuple) and not exact:
            if not isinstance(value.slice, gast.Constant):
                raise _Unknown  # which element of a tuple of stand-ins: only a literal index
        elif not isinstance(base, (tuple, np.ndarray, np.generic)):
            raise _Unknown
        elts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        plain = not any(isinstance(e, gast.Constant) and e.value in (None, Ellipsis) for e in elts)
        array = isinstance(base, (np.ndarray, np.generic))
        lengths = np.shape(base) if plain and array else ()  # (the axis each element indexes, when one each)
        parts = [self._index(e, lengths[k] if k < len(lengths) else None) for k, e in enumerate(elts)]
        index = tuple(p for p, _ in parts) if isinstance(value.slice, gast.Tuple) else parts[0][0]
        return base[index], exact and all(e for _, e in parts)

    def _index(self, node: gast.AST, length: int | None = None) -> tuple[Any, bool]:
        if isinstance(node, gast.Slice):
            bounds = []
            for b in (node.lower, node.upper, node.step):
                if b is None:
                    bounds.append(None)
                    continue
                v, exact = self._atom(b)
                if not exact:
                    return self._window(node, length), False  # its length depends on its bounds
                bounds.append(v)
            return slice(*bounds), True
        v, exact = self._atom(node)
        if exact:
            return v, True
        kind = np.asarray(v).dtype.kind
        if kind not in "iu":
            raise _Unknown  # a boolean mask (or a bool scalar) selects by value
        return v, False  # an integer or integer array: the shape does not depend on which

    def _window(self, node: gast.Slice, length: int | None) -> slice:
        """A slice whose bounds are not known values, as one of the same length, `slice(0, k)`:
        where its bounds are affine in the loop counters with a constant difference k and it
        provably lies within the axis (index_ranges.py); else its length is unknown."""
        step = self._atom(node.step) if node.step is not None else (1, True)
        if length is None or not step[1] or type(step[0]) is not int or step[0] <= 0:
            raise _Unknown
        exact = self._exact_value
        lower = (0, {}) if node.lower is None else self.indices.affine(self.statement, node.lower, exact)
        upper = (length, {}) if node.upper is None else self.indices.affine(self.statement, node.upper, exact)
        k = difference(upper, lower) if lower is not None and upper is not None else None
        if k is None or k < 0:
            raise _Unknown
        within = self.indices.bounds(self.statement, lower, exact)
        if within is None or within[0] < 0 or within[1] + k > length:
            raise _Unknown  # it may wrap around or be cut short at the axis's end
        return slice(0, k, step[0])

    def exact_value(self, var: str) -> Any:
        """The one value `var` always holds where it is immutable and known (a length, a bound), or None."""
        return self._exact_value(var)

    def _exact_value(self, var: str) -> Any:
        st = self.state.get(var)
        if isinstance(st, Value):
            return st.v
        if st is None and var not in self.local:
            obj = self.ctx.lookup(var)
            return obj if immutable(obj) else None
        return None

    def _call(self, value: gast.Call) -> tuple[Any, bool]:
        fn = getattr(value, "_ag_fn", None)
        if fn is builtins.sum and len(value.args) == 1 and not value.keywords and isinstance(value.args[0], gast.Name):
            items = self.state.get(value.args[0].id)  # (a list of numbers the function builds: a number)
            if isinstance(items, Items) and items.d is not None and np.shape(items.d) == ():
                return items.d, False
        how = _rule(fn) if fn is not None else None
        if how is None or any(isinstance(a, gast.Starred) for a in value.args):
            raise _Unknown
        if full_reduction(fn) and len(value.args) == 1 and not value.keywords:
            return np.float64(1.0), False  # 0-d whatever the argument's shape
        if fn is len and len(value.args) == 1 and not value.keywords:
            try:
                v, exact = self._atom(value.args[0])
            except _Unknown:
                return np.int64(1), False  # (an int, whatever it counts: a number, its value unknown)
            if type(v) is np.ndarray and v.ndim:
                return len(v), True  # an array's length is in its shape, which is known
            if exact and immutable(v):
                return len(v), True
            if type(v) is tuple or type(v) is list and _is_name_of(value.args[0], self.uniform_params):
                return len(v), True  # (the guard checks it: a tuple's never changes, nor such a list's)
            return np.int64(1), False
        args = [self._atom(a) for a in value.args]
        kwargs = {k.arg: self._atom(k.value) for k in value.keywords if k.arg}
        if len(kwargs) != len(value.keywords):
            raise _Unknown
        free = {ALL: len(args), FIRST: 1, FIRST_TWO: 2, EXACT: 0, PICK: len(args)}[how]
        if any(not e for _, e in args[free:]) or any(not e for _, e in kwargs.values()):
            raise _Unknown
        exact = all(e for _, e in args)
        values = [a for a, _ in args]
        if how == PICK:
            if exact and fn in (builtins.min, builtins.max) and len(values) > 1 and not kwargs:
                if all(type(v) is int for v in values):  # (`min(len(xs), len(ys))`: the count of zip's steps)
                    return fn(*values), True
            return _pick(values, kwargs), exact
        if fn is np.where and len(values) != 3:
            raise _Unknown  # np.where(c): the indices where c holds, as many as there are
        if how == ALL and not kwargs:
            return _elementwise(fn, values), exact
        if how == FIRST_TWO and fn in (np.matmul, np.dot) and len(values) == 2 and not kwargs:
            return _product(fn, *values), exact
        if any(_big(v) for v in values):
            raise _Unknown  # not run on stand-ins this large: unknown (only a lost optimisation)
        result = fn(*values, **{k: v for k, (v, _) in kwargs.items()})
        if fn is range:
            raise _Unknown  # a range is only iterated (for-loops are handled as such)
        return result, exact


BIG = 1 << 17  # elements: a stand-in this large is not computed with, only reasoned about


def _big(x: Any) -> bool:
    return type(x) is np.ndarray and x.size > BIG


def _elementwise(fn: Any, args: list) -> Any:
    """fn(*args) for an elementwise fn; on large stand-ins, from one-element copies of them
    (for the kind) spread to the broadcast shape (read-only, no memory)."""
    if not any(_big(a) for a in args):
        return fn(*args)
    small = [np.ones((1,) * a.ndim, a.dtype) if type(a) is np.ndarray else a for a in args]
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    return np.broadcast_to(fn(*small), shape)


def _pick(values: list, kwargs: dict) -> Any:
    """A stand-in for min/max: of one vector, an element; of several values, one of them, which
    only has a known shape if they all share one signature."""
    if kwargs:
        raise _Unknown
    if len(values) == 1:
        v = values[0]
        if type(v) is np.ndarray and v.ndim == 1 and v.size:
            return np.ones((), v.dtype)[()]
        raise _Unknown
    if len({_signature(v) for v in values}) != 1:
        raise _Unknown  # max(x, y) is x or y: which one depends on the values
    return values[0]


def _product(fn: Any, a: Any, b: Any) -> Any:
    """a @ b (np.dot: for up to 2-d), from the shapes alone when the stand-ins are large."""
    if not (_big(a) or _big(b)):
        return fn(a, b)
    if fn is np.dot and (np.ndim(a) > 2 or np.ndim(b) > 2) or np.ndim(a) == 0 or np.ndim(b) == 0:
        raise _Unknown
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 1 and len(sb) == 1:
        if sa != sb:
            raise _Unknown
        return np.float64(1.0)
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise _Unknown  # the product would fail: no fact
    kind = np.result_type(a.dtype, b.dtype)
    return np.broadcast_to(np.ones((), kind), runtime.matmul_shape(sa, sb))


class _Pending(Exception):
    """An operand not assigned yet in this round of the fixpoint."""


def _equal_state(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Value):
        return type(a.v) is type(b.v) and _same(a.v, b.v)
    if isinstance(a, Shape):
        return _signature(a.d) == _signature(b.d)
    if isinstance(a, Items):
        return a.d is b.d or a.d is not None and b.d is not None and _signature(a.d) == _signature(b.d)
    return False


def _is_range(node: gast.AST) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == "range"


def _local_base(node: gast.AST, local: set[str]) -> bool:
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name) and node.id in local


__all__ = ["ShapeFacts", "TOP"]


def _item_read_params(fdef: gast.FunctionDef, params: dict[str, Any]) -> set[str]:
    """The parameters holding a list or dict whose every use reads one literal item (`params["W1"]`,
    `params[0]`): never rebound, written into or handed on, they hold the stand-in's items. So do
    the locals bound once to a literal item of one that holds a list or dict in turn (`layer =
    params[0]`, then `layer["W"]`), read the same way; one such local used otherwise (handed on, and
    so perhaps written into) leaves its parameter and every local taken from it out."""
    candidates = {p for p, v in params.items() if isinstance(v, (list, dict))}
    if not candidates:
        return candidates
    stores: dict[str, int] = {}
    # local → (the name it is an item or a copy of, the item's key or None, ids of its Name stored
    # to and of a copied Name)
    taken: dict[str, tuple[str, Any, int, int]] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, (gast.Load, gast.Param)):
            stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name):
            v = n.value
            if isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name) and _literal_index(v.slice):
                key = v.slice.value if isinstance(v.slice, gast.Constant) else -v.slice.operand.value
                taken[n.targets[0].id] = (v.value.id, key, id(n.targets[0]), 0)
            elif isinstance(v, gast.Name):  # (`p = layer`: a loop's target, unrolled)
                taken[n.targets[0].id] = (v.id, None, id(n.targets[0]), id(v))
    roots = {p: p for p in candidates}
    values = {p: params[p] for p in candidates}
    changed = True
    while changed:  # (an item of an item: `layer = params[0]`, `W = layer["W"]`)
        changed = False
        for local, (base, key, _, _) in taken.items():
            if local in roots or base not in roots or stores.get(local) != 1 or local in params:
                continue
            try:
                value = values[base] if key is None else values[base][key]
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(value, (list, dict)):  # (an array taken out is the caller's to use as it likes)
                roots[local], values[local] = roots[base], value
                changed = True
    allowed: set[int] = {i for v in roots if v in taken for i in taken[v][2:]}
    dead = _unread_names(fdef)
    for n in walk(fdef):
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Load) and _literal_index(n.slice):
            allowed.add(id(n.value))
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id == "len" and len(n.args) == 1:
            allowed.add(id(n.args[0]))  # (its length: fixed by the guard)
        elif isinstance(n, gast.Call) and getattr(n, "_ag_fn", None) is runtime.check_unpack:
            allowed.add(id(n.args[0]))  # (`a, b = params`: its length checked, nothing kept)
        elif isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name) and n.targets[0].id in dead:
            if isinstance(n.value, (gast.Tuple, gast.List)):  # `cache = (x, params)`, never read
                allowed |= {id(e) for e in n.value.elts}
    spoiled = set()
    for n in walk(fdef):
        if isinstance(n, gast.Name) and n.id in roots and id(n) not in allowed:
            if not isinstance(n.ctx, gast.Param):
                spoiled.add(roots[n.id])
    return {v for v, root in roots.items() if root not in spoiled}


def _is_name_of(e: gast.AST, names: set[str]) -> bool:
    return isinstance(e, gast.Name) and e.id in names


def _uniform_params(fdef: gast.FunctionDef, params: dict[str, Any], checks: set[str]) -> set[str]:
    """The parameters holding a list whose items are numbers (or arrays), or tuples of numbers, of
    one type, shape and kind (the guard checks each), read only by position (`xs[k]` in a loop over them), their
    length or the check that a loop walks a sequence: never rebound, written into or handed on,
    any item read holds that kind."""
    candidates = {
        p
        for p, v in params.items()
        if type(v) is list and v and len({(type(x), _signature(x)) for x in v}) == 1 and _uniform_item(v[0])
    }
    if not candidates:
        return candidates
    allowed: set[int] = set()
    for n in walk(fdef):
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Load) and not isinstance(n.slice, gast.Slice):
            allowed.add(id(n.value))
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in checks and n.args:
            allowed.add(id(n.args[0]))
        elif isinstance(n, gast.Call) and len(n.args) == 1:
            if getattr(n, "_ag_fn", None) is len or isinstance(n.func, gast.Name) and n.func.id == "len":
                allowed.add(id(n.args[0]))
    for n in walk(fdef):
        if isinstance(n, gast.Name) and n.id in candidates and id(n) not in allowed:
            if not isinstance(n.ctx, gast.Param):
                candidates.discard(n.id)
    return candidates


def _uniform_item(x: Any) -> bool:
    """An item of a list the guard checks item by item: a number or an array, or a tuple of numbers
    (a point, an `(x, y)` pair: dispatch.kind_of)."""
    sig = _signature(x)
    return sig[0] == "number" or (sig[0] == "tuple" and all(e[0] == "number" for e in sig[1]))


_READ_WHOLE = (np.array, np.asarray, np.stack, len, builtins.sum)  # (a new value: nothing of the list handed on)


def _item_lists(fdef: gast.FunctionDef, local: set[str], checks: set[str]) -> set[str]:
    """The local names bound only to list displays (`s = [x[0]]`, `s = []`) whose every other use
    appends to the list (`s.append(v)`), reads one item (`s[t - 1]`) or the whole list into a new
    array (`np.array(s)`, `len(s)`), or is the check that a loop walks a sequence (`checks`: the
    names of `check_sequence`): the list is never handed on nor written at a position, so its
    items are the values put there."""
    displays: dict[str, int] = {}
    stores: dict[str, int] = {}
    allowed: set[int] = set()
    appends: set[int] = set()
    copies: dict[str, gast.Name] = {}  # `xs = t1` (a comprehension's list, built under a name of its own)
    loads: dict[str, list[int]] = {}  # name → ids of its Name nodes read
    for n in walk(fdef):
        if isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name):
            if isinstance(n.value, gast.List):
                displays[n.targets[0].id] = displays.get(n.targets[0].id, 0) + 1
            elif isinstance(n.value, gast.Name):
                copies[n.targets[0].id] = n.value
        elif isinstance(n, gast.Expr) and getattr(n, "_ag_append", None):
            allowed.add(id(n.value.func.value))
            appends.add(id(n.value.func.value))
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Load):
            allowed.add(id(n.value))
        elif isinstance(n, gast.Call) and getattr(n, "_ag_fn", None) in _READ_WHOLE and len(n.args) == 1:
            allowed.add(id(n.args[0]))  # (a new array, or a number: nothing of the list handed on)
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in checks and n.args:
            allowed.add(id(n.args[0]))  # (`for v in s`, `a, b = s`: its type or length checked, nothing kept)
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Load):
                loads.setdefault(n.id, []).append(id(n))
            else:
                stores[n.id] = stores.get(n.id, 0) + 1
    lists = {v for v, c in displays.items() if c == stores.get(v) and v in local}
    # a list copied once into a name bound to nothing else, and otherwise only appended to: one list
    # under the name that reads it (its items are the ones put there under either name)
    for v, source in copies.items():
        if stores.get(v) == 1 and v in local and source.id in lists and v not in lists:
            if all(i in appends or i == id(source) for i in loads.get(source.id, [])):
                lists.add(v)
                allowed.add(id(source))
    return {v for v in lists if all(i in allowed for i in loads.get(v, []))}


def _unread_names(fdef: gast.FunctionDef) -> set[str]:
    """Names whose values nothing reads: never loaded, or only copied into such names (`cache =
    cache_1`, an inlined helper's result the caller drops)."""
    loads: dict[str, list[int]] = {}
    copies: dict[int, str] = {}  # id of a loaded Name that is an assignment's whole value → its target
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            loads.setdefault(n.id, []).append(id(n))
        elif isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name):
            if isinstance(n.value, gast.Name):
                copies[id(n.value)] = n.targets[0].id
    bound = names_in(fdef, (gast.Store,))
    unread = {v for v in bound if v not in loads}
    changed = True
    while changed:
        changed = False
        for v in bound - unread:
            if all(copies.get(i) in unread for i in loads.get(v, [])):
                unread.add(v)
                changed = True
    return unread


def _literal_index(node: gast.AST) -> bool:
    """A literal key or position: `"W1"`, `0`, `-1`."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        node = node.operand
    return isinstance(node, gast.Constant) and type(node.value) in (int, str)
