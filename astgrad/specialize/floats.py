"""NumPy's elementwise functions on Python numbers give Python floats, in specialised code.

`np.sin(theta)` of a Python float is a NumPy scalar (`np.float64`), and every operation after it
is NumPy-scalar arithmetic, several times slower than Python's: an ODE integrated with `np.sin`
on floats ran 4× slower than the same with `math.sin`. The value is the same whichever type holds
it, so the call becomes `float(np.sin(theta))` and what is computed from it stays a Python float:

    omega = omega - dt * g * np.sin(theta)   →   omega = omega - dt * g * float(np.sin(theta))

Only where that changes no value nor error: a Python float and an `np.float64` add, subtract,
multiply and compare alike and give NumPy's and `math`'s functions the same number, but divide
by zero, overflow a power and mix with float32 values differently, and are different types to
other code. So a function is rewritten only if every value that was (or may have been) such a
NumPy scalar is used in those ways alone, in lists only appended to and iterated, or returned
(a gradient's numbers are floats either way); one other use (`theta ** 2` in the forward pass,
a division, an operand of unknown type, a call of other code) and the function is left as it is.

Such a call whose value decides nothing and is not returned (rounding.py) calls the function of
floats its registry entry names (`on_floats`), cheaper on a float: `float(np.cos(theta))` becomes
`float_cos(theta)` (math.cos, with NumPy's NaN where math raises: cos(inf)), which may round the
last bit otherwise, as a different libm would. In the backward pass that is every derivative's
call; in the forward pass of `grad`, whose values are read by the derivatives alone, every call
that decides nothing; value_and_grad's forward pass keeps the function's calls, whose values it
returns bit for bit.
"""

from __future__ import annotations

import builtins
import math
from typing import Callable

import gast
import numpy as np

from .. import runtime
from ..analysis.aliasing import sharing, writes_in_place
from ..analysis.rounding import free_assignments
from ..frontend.assumptions import calls_named, is_guard
from ..frontend.context import Context
from ..ir.codegen import render
from ..ir.trees import names_in, walk, walk_statements
from ..optimize.cleanup import is_comment
from ..rules import lookup
from . import dispatch

PY, NUM, OTHER = "python number", "a number that may be an np.float64", "other"
TEST = "a comparison of such a number (a bool or an np.bool_): good for a branch's test alone"
SAFE_OPS = (gast.Add, gast.Sub, gast.Mult)
NUMERIC = ("f", "c", "i", "u", "b")  # dtype kinds of arrays of numbers


def python_floats(
    fdef: gast.FunctionDef,
    ctx: Context,
    python_numbers: frozenset[str],
    passing: frozenset[str] = frozenset(),
    shape_of: Callable | None = None,
) -> None:
    """Rewrite `fdef` so that NumPy's elementwise functions of Python numbers return floats
    (where the value decides nothing and is not returned, `math`'s function: see _derivative_twins;
    `passing`: see rounding.decisive_names)."""
    nested = (gast.Try, gast.With, gast.FunctionDef, gast.Lambda, gast.ListComp, gast.GeneratorExp, gast.Global)
    nodes = walk(fdef)  # (the tree does not change until the rewrite below)
    if any(isinstance(n, nested) for n in nodes if n is not fdef):
        return  # (blocks and scopes the analysis does not follow)
    types = _Types(fdef, ctx, python_numbers, shape_of, nodes)
    if shape_of is not None and not _Check(types).holds(fdef):
        types = _Types(fdef, ctx, python_numbers, nodes=nodes)  # (the ufuncs' results alone, elements as they are)
    calls = [n for n in nodes if isinstance(n, gast.Call) and types.call_kind(n) == "ufunc" and types.of(n) == NUM]
    elements = [n for n in nodes if types.element(n) and isinstance(n.ctx, gast.Load)]
    zeros = [n for n in nodes if isinstance(n, gast.Call) and types.call_kind(n) == "zeros" and types.of(n) == NUM]
    if not calls and not elements or not _Check(types).holds(fdef):
        return
    if types.doubles:
        _float64_guard(fdef, ctx, types.doubles)
    listed = _rows_as_lists(fdef, ctx, elements, shape_of)
    wrap = {id(c) for c in calls} | {id(e) for e in elements if id(e) not in listed}
    zero = {id(z) for z in zeros}
    twins = _derivative_twins(fdef, ctx, calls, passing, getattr(shape_of, "adjoints", frozenset()), types.function)

    class Wrap(gast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if id(node) in twins:
                twin = twins[id(node)]
                if twin.__module__ == "math":
                    math_name = gast.Name(ctx.global_ref("math", math), gast.Load(), None, None)
                    func = gast.Attribute(value=math_name, attr=twin.__name__, ctx=gast.Load())
                else:  # (a runtime helper: math's function, NaN where it raises)
                    func = gast.Name(ctx.helper(twin.__name__), gast.Load(), None, None)
                return gast.Call(func=func, args=node.args, keywords=[])
            if id(node) in zero:
                return gast.Constant(value=0.0, kind=None)
            return self.wrap(node)

        def visit_Subscript(self, node):
            self.generic_visit(node)
            if id(node) in listed:
                node.value = gast.Name(listed[id(node)], gast.Load(), None, None)
                return node
            return self.wrap(node)

        def wrap(self, node):
            if id(node) in wrap:
                return gast.Call(func=gast.Name("float", gast.Load(), None, None), args=[node], keywords=[])
            return node

    Wrap().visit(fdef)


def _float64_guard(fdef: gast.FunctionDef, ctx: Context, params: set[str]) -> None:
    """`if x.dtype is not float64: return general_code(...)` after the guard of the kinds: the
    code is shared by the float arrays of any precision, and an element read as a Python float
    is an np.float64's value alone (a float32's arithmetic is float32's)."""
    double = ctx.global_ref("float64", np.dtype(np.float64))
    test = " or ".join(f"{p}.dtype is not {double}" for p in sorted(params))
    helpers = {ctx.helper("respecialize"), ctx.helper("general_code")}
    is_helper = calls_named(helpers)
    at = 0
    for k, s in enumerate(fdef.body):
        if is_guard(s, is_helper):
            at = k + 1
            if all(f"{p}.dtype is not {double}" in render(s.test) for p in params):
                return  # (lists.py's guard says it already)
    fdef.body[at:at] = dispatch.guard(ctx.helper("general_code"), fdef.name, fdef, test)


def _rows_as_lists(fdef: gast.FunctionDef, ctx: Context, elements: list[gast.Subscript], shape_of) -> dict[int, str]:
    """The element reads (by id) of a top-level loop from a vector the loop neither rebinds nor
    writes into (nor anything sharing its memory), read from the vector's `.tolist()` made once
    before the loop (its Python floats, each the element's value): id → the list's name."""
    out: dict[int, str] = {}
    add_at = next((n for n, v in ctx.extra_globals.items() if v is runtime.add_at), "add_at")
    for loop in list(fdef.body):
        if not isinstance(loop, gast.For):
            continue
        inside = {id(n) for n in walk(loop)}
        reads = [e for e in elements if id(e) in inside and len(shape_of(e.value.id)) == 1]
        if not reads:
            continue
        scope = gast.FunctionDef(
            name="_", args=None, body=[loop], decorator_list=[], returns=None, type_comment=None, type_params=[]
        )
        written = frozenset(writes_in_place(scope, add_at))
        changed = set(
            sharing(
                fdef,
                written,
                both_ways=True,
                skip=frozenset({ctx.numpy_name(), "math"}),
                array=lambda n: bool(shape_of(n)) and shape_of.kind(n) in NUMERIC,  # (a store copies)
                number=lambda n: shape_of(n) == () and shape_of.kind(n) in NUMERIC,  # (no view)
            )
        )
        changed |= {n.id for n in walk(loop) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
        made: dict[str, str] = {}
        for e in reads:
            base = e.value.id
            if base in changed:
                continue
            if base not in made:
                made[base] = ctx.namer.fresh(base + "_rows")
            out[id(e)] = made[base]
        at = fdef.body.index(loop)
        fdef.body[at:at] = [
            gast.Assign(
                targets=[gast.Name(rows, gast.Store(), None, None)],
                value=gast.Call(
                    func=gast.Attribute(value=gast.Name(base, gast.Load(), None, None), attr="tolist", ctx=gast.Load()),
                    args=[],
                    keywords=[],
                ),
                type_comment=None,
            )
            for base, rows in made.items()
        ]
    return out


def python_number_names(fdef: gast.FunctionDef, ctx: Context, python_numbers: frozenset[str]) -> set[str]:
    """The names that hold a Python number wherever they are bound in `fdef` (made from the
    `python_numbers` parameters, number literals, Python's arithmetic, `math` and `float`)."""
    types = _Types(fdef, ctx, python_numbers)
    return {v for v, t in types.names.items() if t == PY and v not in types.lists}


def _derivative_twins(
    fdef: gast.FunctionDef,
    ctx: Context,
    calls: list[gast.Call],
    passing: frozenset[str],
    adjoints: frozenset[str],
    function: Callable,
) -> dict:
    """The calls (by id) that may call their registry entry's `on_floats` twin (`math.cos(theta)`
    for `np.cos(theta)` of a float, cheaper): those whose value decides nothing (no branch,
    comparison, index...: rounding.py) and is not returned (value_and_grad's value, not
    `adjoints`), so that only the derivatives read it. `function`: the function a call names."""
    if not any(is_comment(st) and st.value.value == "backward pass" for st in fdef.body):
        return {}
    candidates = {id(c): c for c in calls}
    out = {}
    for s, deciding in free_assignments(fdef, ctx.numpy_name(), passing, adjoints):
        for n in walk(s.value):
            if id(n) in candidates and id(n) not in deciding:
                rule = lookup(function(n))
                if rule is not None and rule.on_floats is not None:
                    out[id(n)] = rule.on_floats
    return out


def _join(a: str | None, b: str) -> str:
    if a is None or a == b:
        return b
    return NUM if {a, b} == {PY, NUM} else OTHER


class _Types:
    """The type each name and expression has in the code as it is: a Python number, a number
    that may be an `np.float64` made by an elementwise NumPy function of numbers, or other."""

    def __init__(
        self,
        fdef: gast.FunctionDef,
        ctx: Context,
        python_numbers: frozenset[str],
        shape_of: Callable | None = None,
        nodes: list[gast.AST] | None = None,
    ):
        """`nodes`: walk(fdef), if walked already."""
        nodes = walk(fdef) if nodes is None else nodes
        self.ctx = ctx
        self.shape_of = shape_of
        self.copies = {ctx.helper("copy_of"), ctx.helper("deep_copy_of")}
        self.local = names_in(fdef, (gast.Store, gast.Del, gast.Param))
        self.names: dict[str, str] = {}
        for a in fdef.args.args + fdef.args.kwonlyargs + fdef.args.posonlyargs:
            self.names[a.id] = PY if a.id in python_numbers else OTHER
        self.lists = _plain_lists(fdef, nodes)  # lists only appended to and iterated
        self.bound_once = _bound_once(fdef, nodes)
        self.params = {a.id for a in fdef.args.args + fdef.args.kwonlyargs + fdef.args.posonlyargs}
        self.doubles: set[str] = set()  # the float array parameters an element read relies on being float64
        self.items: dict[str, str] = {}
        statements = list(walk_statements(fdef.body))
        changed = True
        while changed:
            changed = False
            for s in statements:
                for var, t, is_list in self._transfer(s):
                    table = self.items if is_list else self.names
                    new = _join(table.get(var), t)
                    if new != table.get(var):
                        table[var] = new
                        changed = True

    def _transfer(self, s: gast.stmt) -> list[tuple[str, str, bool]]:
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Constant) and s.value.value is None:
            return []  # (`t4 = None` before the forward pass: read as a number, it raises either way)
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            return [(s.targets[0].id, self.of(s.value), False)]
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
            value = gast.BinOp(left=gast.Name(s.target.id, gast.Load(), None, None), op=s.op, right=s.value)
            return [(s.target.id, self.of(value), False)]
        if isinstance(s, gast.For) and _item_names(s.target) is not None:
            lst = self.iterated_list(s.iter)
            if lst is not None:
                return [(v, self.items[lst], False) for v in _item_names(s.target)] if lst in self.items else []
            it = s.iter.args[0] if _is_call_of(s.iter, "reversed") and len(s.iter.args) == 1 else s.iter
            if _is_call_of(it, "range") and isinstance(s.target, gast.Name):
                return [(s.target.id, PY, False)]
        if isinstance(s, gast.Expr):
            lst, item = _append_of(s)
            if lst is not None and lst in self.lists:  # (a tuple's items: one kind for them all)
                return [(lst, self.of(e), True) for e in _items(item)]
        if isinstance(s, (gast.For, gast.While, gast.If)):  # (their blocks: statements of their own)
            fields = [s.target] if isinstance(s, gast.For) else []
        else:
            fields = [s]
        return [
            (n.id, OTHER, False)
            for f in fields
            for n in walk(f)
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)
        ]

    def iterated_list(self, it: gast.AST) -> str | None:
        if _is_call_of(it, "reversed") and len(it.args) == 1:
            it = it.args[0]
        return it.id if isinstance(it, gast.Name) and it.id in self.lists else None

    def of(self, e: gast.AST) -> str:
        """The type of expression e (names as far as the fixpoint got)."""
        if isinstance(e, gast.Constant):
            return PY if type(e.value) in (int, float) else OTHER
        if isinstance(e, gast.Name):
            if e.id in self.lists or e.id not in self.local and e.id not in self.names:
                return OTHER
            return self.names.get(e.id, PY)  # (not bound yet in the fixpoint: no fact against)
        if isinstance(e, gast.BinOp):
            a, b = self.of(e.left), self.of(e.right)
            if OTHER in (a, b) or isinstance(e.op, gast.MatMult):
                return OTHER
            if NUM in (a, b):
                return NUM if isinstance(e.op, SAFE_OPS) else OTHER
            return PY
        if isinstance(e, gast.UnaryOp):
            return self.of(e.operand) if isinstance(e.op, (gast.USub, gast.UAdd)) else OTHER
        if isinstance(e, gast.Compare):
            kinds = {self.of(x) for x in [e.left, *e.comparators]}
            return TEST if NUM in kinds or TEST in kinds else OTHER
        if self.element(e):
            return NUM
        if isinstance(e, gast.Call):
            kind = self.call_kind(e)
            if kind == "copy":
                return self.of(e.args[0])
            if kind == "zeros":  # (a number's zero adjoint: 0.0, or an np.float64 0-d array)
                return NUM if self.of(e.args[0]) in (PY, NUM) else OTHER
            if kind == "rows":
                return OTHER
            if kind == "len":  # (an int, whatever it counts)
                return PY
            if kind == "abs":  # (a Python number's is one; an np.float64's is one too)
                return self.of(e.args[0])
            if kind is None or any(self.of(a) == OTHER for a in e.args):
                return OTHER
            if kind in ("math", "float"):
                return PY
            return NUM if self.float_result(e) else OTHER
        return OTHER

    def element(self, e: gast.AST) -> bool:
        """Whether `e` reads one element of a float64 array (an np.float64): `x[k]`, ints indexing
        every axis of an array whose shape and dtype the specialisation knows."""
        if self.shape_of is None or not (isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name)):
            return False
        base = e.value.id
        shape = self.shape_of(base)
        if not shape or not self.float64(base) or base in self.lists:
            return False
        index = e.slice.elts if isinstance(e.slice, gast.Tuple) else [e.slice]
        return len(index) == len(shape) and all(
            isinstance(i, gast.Name)
            and self.shape_of(i.id) == ()
            and self.shape_of.kind(i.id) == "i"
            or isinstance(i, gast.Constant)
            and type(i.value) is int
            for i in index
        )

    def float64(self, v: str, depth: int = 0) -> bool:
        """Whether `v` always holds a float64 array: a global one, a float array parameter (the
        code then sends other precisions to the general code: the stand-ins the shapes were
        found with, and the dtypes they tell, are float64's), or bound once to a part of one
        (`x[1:]`), to `np.empty(shape)` (or zeros, ones: float64 unless told) or `np.empty_like` of
        one, or
        to `rows_like(rows, value)` of such rows and a float or np.float64 value, to `zeros_like`
        of one, or to a sum, difference or product of such arrays and Python or float64 numbers."""
        if depth > 8:
            return False
        if v not in self.local:  # (a global array: generated code keeps this very object)
            obj = self.ctx.peek(v)
            return type(obj) is np.ndarray and obj.dtype == np.float64 and self.ctx.lookup(v) is obj
        if v in self.params:  # (float arrays of any precision share the code: a float64 guard, below)
            float_array = bool(self.shape_of(v)) and self.shape_of.kind(v) == "f"
            if float_array:
                self.doubles.add(v)
            return float_array
        value = self.bound_once.get(v)
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
            return self.float64(value.value.id, depth + 1)
        if isinstance(value, gast.BinOp) and isinstance(value.op, SAFE_OPS) and self.shape_of(v):
            # (`2.0 * s`: float64 arrays and numbers that are not float32's)
            operands = [value.left, value.right]
            arrays = [e for e in operands if isinstance(e, gast.Name) and self.shape_of(e.id)]
            return bool(arrays) and all(
                e in arrays and self.float64(e.id, depth + 1) or e not in arrays and self.of(e) in (PY, NUM)
                for e in operands
            )
        if not isinstance(value, gast.Call) or value.keywords:
            return False
        f = value.func
        if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id not in self.local:
            numpy = self.ctx.lookup(f.value.id) is np and len(value.args) == 1
            if numpy and f.attr in ("empty_like", "zeros_like", "ones_like"):  # (its argument's dtype)
                return isinstance(value.args[0], gast.Name) and self.float64(value.args[0].id, depth + 1)
            return numpy and f.attr in ("empty", "zeros", "ones")
        if self.call_kind(value) == "zeros" and isinstance(value.args[0], gast.Name) and self.shape_of(v):
            return self.float64(value.args[0].id, depth + 1)
        if self.call_kind(value) == "rows" and isinstance(value.args[0], gast.Name):
            return self.float64(value.args[0].id, depth + 1) and self.of(value.args[1]) in (PY, NUM)
        return False

    def call_kind(self, e: gast.Call) -> str | None:
        """ "ufunc" (NumPy's, one output, no keywords), "math" (math's), "float", "len", "abs", "copy", the
        helpers "zeros" (zeros_like) and "rows" (rows_like: a float and an np.float64 as its
        second argument alike), else None."""
        if e.keywords or any(isinstance(a, gast.Starred) for a in e.args):
            return None
        f = e.func
        if isinstance(f, gast.Name) and f.id in self.copies and len(e.args) == 1:
            return "copy"  # (a number as it is)
        helper = self.ctx.extra_globals.get(f.id) if isinstance(f, gast.Name) else None
        if helper is runtime.zeros_like and len(e.args) == 1:
            return "zeros"
        if helper is runtime.rows_like and len(e.args) == 2:
            return "rows"
        if isinstance(f, gast.Name) and f.id in ("float", "len", "abs") and f.id not in self.local and len(e.args) == 1:
            return f.id if self.ctx.lookup(f.id) is getattr(builtins, f.id) else None
        fn = self.function(e)
        if callable(fn) and getattr(fn, "__module__", None) == "math":
            return "math"
        if isinstance(fn, np.ufunc) and fn.nout == 1 and fn.nin == len(e.args):
            return "ufunc"
        return None

    def function(self, e: gast.Call) -> object:
        """The function of NumPy's or math's a call names, whichever way the user's code spells
        it (`np.sin(x)`, `math.exp(x)`, `sin(x)` after `from numpy import sin`), else None."""
        f = e.func
        if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id not in self.local:
            module = self.ctx.lookup(f.value.id)
            return getattr(module, f.attr, None) if module is np or module is math else None
        if isinstance(f, gast.Name) and f.id not in self.local and f.id not in self.ctx.extra_globals:
            fn = self.ctx.peek(f.id)
            if isinstance(fn, np.ufunc) or getattr(fn, "__module__", None) == "math":
                return self.ctx.lookup(f.id)  # (recorded: the guard checks the name is bound to it still)
        return None

    def float_result(self, e: gast.Call) -> bool:
        fn = self.function(e)
        try:
            with np.errstate(all="ignore"):
                return type(fn(*[0.5] * len(e.args))) is np.float64
        except Exception:  # noqa: BLE001 - a ufunc without a float loop: not one to convert
            return False


def _bound_once(fdef: gast.FunctionDef, nodes: list[gast.AST]) -> dict[str, gast.AST]:
    """name → its value, for the local names `fdef` (whose nodes are `nodes`) binds once, by `name = value`."""
    stores: dict[str, int] = {}
    for n in nodes:
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    return {
        s.targets[0].id: s.value
        for s in walk_statements(fdef.body)
        if isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and stores.get(s.targets[0].id) == 1
        and s.targets[0].id not in {a.id for a in fdef.args.args + fdef.args.kwonlyargs}
    }


def _plain_lists(fdef: gast.FunctionDef, nodes: list[gast.AST]) -> set[str]:
    """Local lists bound once to `[]` (or a display) and used only by `l.append(v)` and
    `for v in l` / `for v in reversed(l)` in `fdef` (whose nodes are `nodes`)."""
    made: dict[str, int] = {}
    stores: dict[str, int] = {}
    allowed: set[int] = set()
    for n in nodes:
        if isinstance(n, gast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name):
            if isinstance(n.value, gast.List) and not n.value.elts:
                made[n.targets[0].id] = made.get(n.targets[0].id, 0) + 1
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
        if isinstance(n, gast.Expr):
            lst, _ = _append_of(n)
            if lst is not None:
                allowed.add(id(n.value.func.value))
        if isinstance(n, gast.For):
            it = n.iter.args[0] if _is_call_of(n.iter, "reversed") and len(n.iter.args) == 1 else n.iter
            allowed.add(id(it))
    lists = {v for v, c in made.items() if c == 1 and stores.get(v) == 1}
    for n in nodes:
        if isinstance(n, gast.Name) and n.id in lists and isinstance(n.ctx, gast.Load) and id(n) not in allowed:
            lists.discard(n.id)
    return lists


def _append_of(s: gast.stmt) -> tuple[str | None, gast.AST | None]:
    c = s.value if isinstance(s, gast.Expr) else None
    if (
        isinstance(c, gast.Call)
        and isinstance(c.func, gast.Attribute)
        and c.func.attr == "append"
        and isinstance(c.func.value, gast.Name)
        and len(c.args) == 1
        and not c.keywords
    ):
        return c.func.value.id, c.args[0]
    return None, None


def _items(item: gast.AST) -> list[gast.AST]:
    """The values an append puts in a list: its item, or a tuple display's items (the tuples
    are only appended and unpacked by a loop's target)."""
    return item.elts if isinstance(item, gast.Tuple) else [item]


def _item_names(target: gast.AST) -> list[str] | None:
    """The names a loop's target binds: one name or a tuple of names, else None."""
    if isinstance(target, gast.Name):
        return [target.id]
    if isinstance(target, gast.Tuple) and all(isinstance(e, gast.Name) for e in target.elts):
        return [e.id for e in target.elts]
    return None


def _is_call_of(e: gast.AST, fname: str) -> bool:
    return isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id == fname


class _Check:
    """Whether every value of type NUM is used only where a float and an np.float64 behave alike."""

    def __init__(self, types: _Types):
        self.t = types

    def holds(self, fdef: gast.FunctionDef) -> bool:
        helper = self.t.ctx.helper("respecialize")
        is_helper = calls_named({helper})
        guards = [s for s in fdef.body if is_guard(s, is_helper)]  # (of the parameters as passed)
        skip = {id(n) for g in guards for n in walk(g)}
        return all(self.statement(s) for s in walk_statements(fdef.body) if id(s) not in skip)

    def statement(self, s: gast.stmt) -> bool:
        t = self.t
        if isinstance(s, gast.Assign):
            target = s.targets[0] if len(s.targets) == 1 else None
            safe = isinstance(target, gast.Name) and t.names.get(target.id) in (PY, NUM) or self.into_floats(target)
            test = isinstance(target, gast.Name) and t.names.get(target.id) == TEST
            written = [x for x in s.targets if not isinstance(x, gast.Name)]  # (`a[i] = v`: a and i read)
            return self.expr(s.value, safe, test) and all(self.target(x) for x in written)
        if isinstance(s, gast.AugAssign):
            return self.expr(gast.BinOp(left=s.target, op=s.op, right=s.value), True)
        if isinstance(s, (gast.If, gast.While)):
            return self.expr(s.test, True, True)
        if isinstance(s, gast.For):
            return t.iterated_list(s.iter) is not None or self.expr(s.iter, False)
        if isinstance(s, gast.Expr):
            lst, item = _append_of(s)
            if lst is not None and lst in t.lists:
                return all(self.expr(e, t.items.get(lst) in (PY, NUM)) for e in _items(item))
            return self.expr(s.value, False)
        if isinstance(s, gast.Return):  # (the gradients: numbers, whichever type)
            parts = [s.value] if s.value is not None else []
            while any(isinstance(p, gast.Tuple) for p in parts):
                parts = [e for p in parts for e in (p.elts if isinstance(p, gast.Tuple) else [p])]
            return all(self.expr(p, True) for p in parts)
        return all(self.expr(v, False) for _, v in gast.iter_fields(s) if isinstance(v, gast.expr))

    def into_floats(self, target: gast.AST) -> bool:
        """Whether `target` is a part of a float array (`x_bar[k]`, `t1_bar[1:]`): a float and
        an np.float64 stored there store the same number."""
        shape_of = self.t.shape_of
        return (
            shape_of is not None
            and isinstance(target, gast.Subscript)
            and isinstance(target.value, gast.Name)
            and bool(shape_of(target.value.id))
            and shape_of.kind(target.value.id) == "f"
        )

    def target(self, x: gast.AST) -> bool:
        """A stored-into subscript: its base and index read as they are."""
        if isinstance(x, gast.Subscript):
            return self.expr(x.value, False) and self.expr(x.slice, False)
        return self.expr(x, False)

    def expr(self, e: gast.AST, safe: bool, test: bool = False) -> bool:
        """No NUM value in e where a float would behave otherwise (`safe`: e's own context;
        `test`: a branch's test, or a name only ever tested)."""
        t = self.t
        kind = t.of(e)
        if kind == NUM and not safe or kind == TEST and not test:
            return False
        if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not):
            return self.expr(e.operand, False, test)
        if isinstance(e, gast.BinOp):
            inner = isinstance(e.op, SAFE_OPS) and kind != OTHER
            return self.expr(e.left, inner) and self.expr(e.right, inner)
        if isinstance(e, gast.UnaryOp):
            return self.expr(e.operand, kind != OTHER)
        if isinstance(e, gast.Compare):
            inner = all(t.of(x) != OTHER for x in [e.left, *e.comparators])
            return all(self.expr(x, inner) for x in [e.left, *e.comparators])
        if isinstance(e, gast.Call):
            inner = safe if t.call_kind(e) == "copy" else t.call_kind(e) is not None and kind != OTHER
            inner = inner or t.call_kind(e) == "rows"
            return all(self.expr(a, inner) for a in e.args) and all(self.expr(k.value, False) for k in e.keywords)
        if isinstance(e, (gast.Name, gast.Constant)):
            return True
        for _, value in gast.iter_fields(e):
            values = value if isinstance(value, list) else [value]
            if not all(self.expr(v, False) for v in values if isinstance(v, gast.expr)):
                return False
        return True
