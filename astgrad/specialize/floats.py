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
"""

from __future__ import annotations

import math

import gast
import numpy as np

from ..frontend.assumptions import calls_named, is_guard
from ..frontend.context import Context
from ..ir.trees import names_in, walk, walk_statements

PY, NUM, OTHER = "python number", "a number that may be an np.float64", "other"
TEST = "a comparison of such a number (a bool or an np.bool_): good for a branch's test alone"
SAFE_OPS = (gast.Add, gast.Sub, gast.Mult)


def python_floats(fdef: gast.FunctionDef, ctx: Context, python_numbers: frozenset[str]) -> None:
    """Rewrite `fdef` so that NumPy's elementwise functions of Python numbers return floats."""
    nested = (gast.Try, gast.With, gast.FunctionDef, gast.Lambda, gast.ListComp, gast.GeneratorExp, gast.Global)
    if any(isinstance(n, nested) for n in walk(fdef) if n is not fdef):
        return  # (blocks and scopes the analysis does not follow)
    types = _Types(fdef, ctx, python_numbers)
    calls = [n for n in walk(fdef) if isinstance(n, gast.Call) and types.call_kind(n) == "ufunc" and types.of(n) == NUM]
    if not calls or not _Check(types).holds(fdef):
        return
    wrap = {id(c) for c in calls}

    class Wrap(gast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if id(node) in wrap:
                return gast.Call(func=gast.Name("float", gast.Load(), None, None), args=[node], keywords=[])
            return node

    Wrap().visit(fdef)


def _join(a: str | None, b: str) -> str:
    if a is None or a == b:
        return b
    return NUM if {a, b} == {PY, NUM} else OTHER


class _Types:
    """The type each name and expression has in the code as it is: a Python number, a number
    that may be an `np.float64` made by an elementwise NumPy function of numbers, or other."""

    def __init__(self, fdef: gast.FunctionDef, ctx: Context, python_numbers: frozenset[str]):
        self.ctx = ctx
        self.copies = {ctx.helper("copy_of"), ctx.helper("deep_copy_of")}
        self.local = names_in(fdef, (gast.Store, gast.Del, gast.Param))
        self.names: dict[str, str] = {}
        for a in fdef.args.args + fdef.args.kwonlyargs + fdef.args.posonlyargs:
            self.names[a.id] = PY if a.id in python_numbers else OTHER
        self.lists = _plain_lists(fdef)  # lists only appended to and iterated
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
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            return [(s.targets[0].id, self.of(s.value), False)]
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
            value = gast.BinOp(left=gast.Name(s.target.id, gast.Load(), None, None), op=s.op, right=s.value)
            return [(s.target.id, self.of(value), False)]
        if isinstance(s, gast.For) and isinstance(s.target, gast.Name):
            lst = self.iterated_list(s.iter)
            if lst is not None:
                return [(s.target.id, self.items[lst], False)] if lst in self.items else []
            if _is_call_of(s.iter, "range"):
                return [(s.target.id, PY, False)]
        if isinstance(s, gast.Expr):
            lst, item = _append_of(s)
            if lst is not None and lst in self.lists:
                return [(lst, self.of(item), True)]
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
        if isinstance(e, gast.Call):
            kind = self.call_kind(e)
            if kind == "copy":
                return self.of(e.args[0])
            if kind is None or any(self.of(a) == OTHER for a in e.args):
                return OTHER
            if kind in ("math", "float"):
                return PY
            return NUM if self.float_result(e) else OTHER
        return OTHER

    def call_kind(self, e: gast.Call) -> str | None:
        """ "ufunc" (NumPy's, one output, no keywords), "math" (math's), "float", else None."""
        if e.keywords or any(isinstance(a, gast.Starred) for a in e.args):
            return None
        f = e.func
        if isinstance(f, gast.Name) and f.id in self.copies and len(e.args) == 1:
            return "copy"  # (a number as it is)
        if isinstance(f, gast.Name) and f.id == "float" and f.id not in self.local:
            return "float" if self.ctx.lookup(f.id) is float else None
        if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id not in self.local:
            module = self.ctx.lookup(f.value.id)
            if module is math and callable(getattr(math, f.attr, None)):
                return "math"
            fn = getattr(np, f.attr, None) if module is np else None
            if isinstance(fn, np.ufunc) and fn.nout == 1 and fn.nin == len(e.args):
                return "ufunc"
        return None

    def float_result(self, e: gast.Call) -> bool:
        fn = getattr(np, e.func.attr)
        try:
            with np.errstate(all="ignore"):
                return type(fn(*[0.5] * len(e.args))) is np.float64
        except Exception:  # noqa: BLE001 - a ufunc without a float loop: not one to convert
            return False


def _plain_lists(fdef: gast.FunctionDef) -> set[str]:
    """Local lists bound once to `[]` (or a display) and used only by `l.append(v)` and
    `for v in l` / `for v in reversed(l)`."""
    made: dict[str, int] = {}
    stores: dict[str, int] = {}
    allowed: set[int] = set()
    for n in walk(fdef):
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
    for n in walk(fdef):
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
            safe = isinstance(target, gast.Name) and t.names.get(target.id) in (PY, NUM)
            test = isinstance(target, gast.Name) and t.names.get(target.id) == TEST
            written = [x for x in s.targets if not isinstance(x, gast.Name)]  # (`a[i] = v`: a and i read)
            return self.expr(s.value, safe, test) and all(self.expr(x, False) for x in written)
        if isinstance(s, gast.AugAssign):
            return self.expr(gast.BinOp(left=s.target, op=s.op, right=s.value), True)
        if isinstance(s, (gast.If, gast.While)):
            return self.expr(s.test, True, True)
        if isinstance(s, gast.For):
            return t.iterated_list(s.iter) is not None or self.expr(s.iter, False)
        if isinstance(s, gast.Expr):
            lst, item = _append_of(s)
            if lst is not None and lst in t.lists:
                return self.expr(item, t.items.get(lst) in (PY, NUM))
            return self.expr(s.value, False)
        if isinstance(s, gast.Return):  # (the gradients: numbers, whichever type)
            parts = [s.value] if s.value is not None else []
            while any(isinstance(p, gast.Tuple) for p in parts):
                parts = [e for p in parts for e in (p.elts if isinstance(p, gast.Tuple) else [p])]
            return all(self.expr(p, True) for p in parts)
        return all(self.expr(v, False) for _, v in gast.iter_fields(s) if isinstance(v, gast.expr))

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
            return all(self.expr(a, inner) for a in e.args) and all(self.expr(k.value, False) for k in e.keywords)
        if isinstance(e, (gast.Name, gast.Constant)):
            return True
        for _, value in gast.iter_fields(e):
            values = value if isinstance(value, list) else [value]
            if not all(self.expr(v, False) for v in values if isinstance(v, gast.expr)):
                return False
        return True
