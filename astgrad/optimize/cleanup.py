"""Clean-up passes over generated code: constant folding, copy propagation, dead-code removal."""

from __future__ import annotations

import re
from typing import Any, Callable

import gast

from .. import rules, runtime
from ..analysis.aliasing import shared_through, sharing_links, writes_in_place
from ..frontend.context import Context
from ..ir.sentinels import MISSING
from ..ir.trees import COMPARISONS, Transformer, call_of, clone, find, name_counts, names_in, read_counts, walk


def _is_num(node: gast.AST, value: float) -> bool:
    return number_value(node) == value


_ARITH = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b, gast.Mult: lambda a, b: a * b}


def number_value(node: gast.AST) -> float | None:
    """The value of a number literal (`2.0`, `-1`), or None."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = number_value(node.operand)
        return None if inner is None else -inner
    return None


def _arith_value(node: gast.AST) -> float | None:
    """The value of a number literal, or of a bool literal as the int arithmetic reads it (a
    template's `y - (y != 0)` of a number y: the comparison folds to a bool first)."""
    if isinstance(node, gast.Constant) and type(node.value) is bool:
        return int(node.value)
    return number_value(node)


def _literal(node: gast.AST) -> bool:
    return isinstance(node, gast.Constant) or (isinstance(node, gast.Tuple) and all(_literal(e) for e in node.elts))


# binary operations whose result is a new object, never one of their operands
_NEW = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.FloorDiv, gast.Mod, gast.Pow, gast.MatMult)


def _is_none(node: gast.AST) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


class Fold(Transformer):
    """Algebraic identities on constants: 1.0 * x → x, x + 0.0 → x, `None is None` → True. (A rule
    added here is added to may_change too: the clean-up sweeps only a tree it says may change.)"""

    def __init__(
        self,
        written: frozenset[str] = frozenset(),
        protected: frozenset[str] = frozenset(),
        sharing_written: frozenset[str] = frozenset(),
        kept: frozenset[str] | None = None,
        copy_of: str | None = None,
    ):
        self.changed = False
        self.copy_of = copy_of  # the name of the runtime's copy_of, whose copy an operand needs not
        # names whose value may be returned or written in place (None: any name's): a caller's
        # array folded into another name's value (`h_bar = 1.0 * dh` to `h_bar = dh`) only
        # where that name is neither
        self.kept = kept
        self.target: str | None = None
        # `t = x * 1.0` must stay a new array, not become the alias `t = x`, when x or t is written
        # in place (t also when it shares memory with a name written in place: `a = t; a[0] = v`),
        # or x is an array the caller owns (`protected`: it would be a returned gradient)
        self.written = written | sharing_written
        self.protected = protected | written
        self.value_of: gast.AST | None = None  # the right-hand side of an assignment to a written name

    def visit_Assign(self, node):
        target = node.targets[0]
        self.value_of = node.value if isinstance(target, gast.Name) and target.id in self.written else None
        self.target = target.id if len(node.targets) == 1 and isinstance(target, gast.Name) else None
        out = self.generic_visit(node)
        self.target = None
        return out

    def visit_BinOp(self, node):
        marked = [e for e in (node.left, node.right) if isinstance(e, (gast.BinOp, gast.UnaryOp))]
        for operand in marked:  # (an operand of arithmetic aliases nothing: `2.0 * out ** 1`)
            operand._ag_operand = True
        self.generic_visit(node)
        for operand in marked:
            del operand._ag_operand
        left, right, op = node.left, node.right, node.op
        result = None
        if _arith_value(left) is not None and _arith_value(right) is not None and type(op) in _ARITH:
            value = _ARITH[type(op)](_arith_value(left), _arith_value(right))
            self.changed = True
            return (
                gast.Constant(value=value, kind=None)
                if value >= 0
                else gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-value, kind=None))
            )
        if isinstance(op, gast.Pow) and _is_num(right, 1):
            result = left
        elif isinstance(op, gast.Mult):
            if _is_num(left, 1):
                result = right
            elif _is_num(right, 1):
                result = left
            elif _is_num(left, -1):
                result = gast.UnaryOp(op=gast.USub(), operand=right)
            elif _is_num(right, -1):
                result = gast.UnaryOp(op=gast.USub(), operand=left)
        elif isinstance(op, gast.Div) and _is_num(right, 1):
            result = left
        elif isinstance(op, gast.Add):
            if (
                isinstance(right, gast.UnaryOp)
                and isinstance(right.op, gast.USub)
                and not isinstance(right.operand, gast.Constant)
            ):
                result = gast.BinOp(left=left, op=gast.Sub(), right=right.operand)
            elif (
                isinstance(right, gast.BinOp)
                and isinstance(right.op, gast.Mult)
                and number_value(right.left) is not None
                and number_value(right.left) < 0
            ):  # a + -0.8 * b → a - 0.8 * b (negation is exact)
                c = gast.Constant(value=-number_value(right.left), kind=None)
                result = gast.BinOp(
                    left=left, op=gast.Sub(), right=gast.BinOp(left=c, op=gast.Mult(), right=right.right)
                )
        elif isinstance(op, gast.Sub) and _is_num(right, 0):
            result = left
        if result is not None and not self._would_alias(result, node):
            self.changed = True
            return result
        if self.copy_of is not None and type(op) in _NEW:  # `a + copy_of(b)`: the sum is a new array
            for side in ("left", "right"):
                operand = getattr(node, side)
                if call_of(operand, self.copy_of):
                    setattr(node, side, operand.args[0])
                    self.changed = True
        return node

    def _would_alias(self, result: gast.AST, node: gast.AST) -> bool:
        """Whether folding `node` (a new array) to `result` would make a name share memory it
        must not: a protected array, or the value of a name written in place."""
        if getattr(node, "_ag_operand", False):
            return False  # (the arithmetic it is an operand of makes the new array)
        base = result
        while isinstance(base, (gast.Subscript, gast.Attribute)):  # x[:, None], x.T: views of x
            base = base.value
        if not isinstance(base, gast.Name):
            return False
        if base.id in self.protected and base.id not in self.written and self.target is not None:
            if self.kept is not None and self.target not in self.kept and node is not self.value_of:
                self.kept = None  # (one per sweep: the next one sees this name's aliases)
                return False  # (read only: it neither leaves the function nor is written into)
        return base.id in self.protected or node is self.value_of

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        inner = node.operand
        if isinstance(node.op, gast.USub) and isinstance(inner, gast.UnaryOp) and isinstance(inner.op, gast.USub):
            if not self._would_alias(inner.operand, node):
                self.changed = True
                return inner.operand
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], (gast.Is, gast.IsNot))
            and _literal(node.left)
            and _literal(node.comparators[0])
        ):
            same = _is_none(node.left) and _is_none(node.comparators[0])
            self.changed = True
            return gast.Constant(value=same if isinstance(node.ops[0], gast.Is) else not same, kind=None)
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], (gast.Eq, gast.NotEq))
            and all(isinstance(n, gast.Constant) and type(n.value) is str for n in (node.left, node.comparators[0]))
        ):  # a template's `order == "C"` of an order passed as a string
            same = node.left.value == node.comparators[0].value
            self.changed = True
            return gast.Constant(value=same if isinstance(node.ops[0], gast.Eq) else not same, kind=None)
        if _numbers_compared(node):  # a template's `y != 0` of a number y
            self.changed = True
            compare = COMPARISONS[type(node.ops[0])]
            return gast.Constant(value=compare(number_value(node.left), number_value(node.comparators[0])), kind=None)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if isinstance(node.test, gast.Constant):
            self.changed = True
            return node.body if node.test.value else node.orelse
        return node

    def may_change(self, tree: gast.AST) -> bool:
        """Whether a sweep of `tree` may change it: a node of it one of the rules above matches
        as it is (a fold only ever starts at such a node; the folds above it follow from it).
        A sweep that could change nothing is not made."""
        copy_of = self.copy_of
        for n in find(tree, _FOLDED):
            cls = n.__class__
            if cls is gast.BinOp:
                left, right = n.left, n.right
                lc, rc = left.__class__, right.__class__
                # (each rule reads a number operand, a negation or product on the right, or a copy)
                if (lc in _NUMBERS or rc in _NUMBERS or rc is gast.BinOp or lc is gast.Call or rc is gast.Call) and (
                    _binop_may_fold(n, copy_of)
                ):
                    return True
            elif cls is gast.UnaryOp:
                inner = n.operand
                if n.op.__class__ is gast.USub and inner.__class__ is gast.UnaryOp and inner.op.__class__ is gast.USub:
                    return True
            elif cls is gast.Compare:
                if len(n.ops) == 1:
                    op, left, right = n.ops[0], n.left, n.comparators[0]
                    if isinstance(op, (gast.Is, gast.IsNot)) and _literal(left) and _literal(right):
                        return True
                    if isinstance(op, (gast.Eq, gast.NotEq)) and all(
                        isinstance(m, gast.Constant) and type(m.value) is str for m in (left, right)
                    ):
                        return True
                    if _numbers_compared(n):
                        return True
            elif n.test.__class__ is gast.Constant:  # (an IfExp)
                return True
        return False


def _numbers_compared(n: gast.Compare) -> bool:
    """`2 != 0`: one comparison of two number literals."""
    return (
        len(n.ops) == 1
        and type(n.ops[0]) in COMPARISONS
        and number_value(n.left) is not None
        and number_value(n.comparators[0]) is not None
    )


def _binop_may_fold(n: gast.BinOp, copy_of: str | None) -> bool:
    """Whether one of Fold.visit_BinOp's rules matches `n` as it is."""
    left, right, op = n.left, n.right, n.op.__class__
    if _arith_value(left) is not None and _arith_value(right) is not None and op in _ARITH:
        return True
    lv, rv = number_value(left), number_value(right)
    if op is gast.Pow or op is gast.Div:
        if rv == 1:
            return True
    elif op is gast.Mult:
        if lv in (1, -1) or rv in (1, -1):
            return True
    elif op is gast.Sub:
        if rv == 0:
            return True
    elif op is gast.Add:
        if right.__class__ is gast.UnaryOp and right.op.__class__ is gast.USub:
            if right.operand.__class__ is not gast.Constant:
                return True
        elif right.__class__ is gast.BinOp and right.op.__class__ is gast.Mult:
            c = number_value(right.left)
            if c is not None and c < 0:
                return True
    return copy_of is not None and op in _NEW_CLASSES and (call_of(left, copy_of) or call_of(right, copy_of))


_FOLDED = frozenset({gast.BinOp, gast.UnaryOp, gast.Compare, gast.IfExp})  # the nodes Fold's rules rewrite
_NEW_CLASSES = frozenset(_NEW)
_NUMBERS = frozenset({gast.Constant, gast.UnaryOp})  # (number_value reads nothing else)


def _stores(body: list[gast.stmt]) -> dict[str, int]:
    """How many statements bind or mutate each name."""
    count: dict[str, int] = {}
    for s in _walk(body):
        targets = []
        if isinstance(s, gast.Assign):
            targets = s.targets
        elif isinstance(s, gast.AugAssign):
            targets = [s.target]
        elif isinstance(s, gast.For):
            targets = [s.target]
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            targets = [a for a in s.value.args[:1] if getattr(s.value, "_ag_mutates", False)]
        for t in targets:
            base = t
            while isinstance(base, gast.Subscript):
                base = base.value
            if base.__class__ is gast.Name:
                count[base.id] = count.get(base.id, 0) + 1
                continue
            for n in walk(base):
                if isinstance(n, gast.Name):
                    count[n.id] = count.get(n.id, 0) + 1
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            # a call made for its effect may change its first argument (push(tape, v),
            # xs.append(v)); the check_* helpers only look
            func, args = s.value.func, s.value.args
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
                count[func.value.id] = count.get(func.value.id, 0) + 1
            elif (
                args
                and isinstance(args[0], gast.Name)
                and not (isinstance(func, gast.Name) and func.id.startswith("check_"))
            ):
                count[args[0].id] = count.get(args[0].id, 0) + 1
    return count


def _walk(body: list[gast.stmt]) -> list[gast.stmt]:
    """The statements of `body` and of the blocks nested in them, in order."""
    out: list[gast.stmt] = []
    _collect(body, out)
    return out


def _collect(body: list[gast.stmt], out: list[gast.stmt]) -> None:
    for s in body:
        out.append(s)
        inner = getattr(s, "body", None)
        if inner:
            _collect(inner, out)
        inner = getattr(s, "orelse", None)
        if inner:
            _collect(inner, out)


def _loads(tree: Any) -> dict[str, int]:
    """How many times each name is read (an augmented assignment `x += v` reads x)."""
    return read_counts(tree, augmented=True)


def propagate_copies(
    fdef: gast.FunctionDef, params: set[str], fold: Fold | None = None, stores: dict[str, int] | None = None
) -> bool:
    """Replace `a` by `b` after a top-level `a = b` when neither is ever rebound (b may be a
    constant). One in-order scan substitutes every such copy; with `fold`, each statement it
    changes is folded at once, so constants chain (`g = 0.5 * c` after `c = 2.0` is a copy of
    1.0). `stores`: the tree's _stores, if counted already."""
    body = fdef.body
    stores = _stores(body) if stores is None else stores
    returned = names_in(body[-1]) if body and isinstance(body[-1], gast.Return) else set()
    subst: dict[str, gast.AST] = {}
    defined: set[str] = set(params)
    out: list[gast.stmt] = []

    sub = _Substitute(subst)
    for s in body:
        if subst:
            sub.hit = False
            s = sub.visit(s)
            if sub.hit and fold is not None:
                s = fold.visit(s)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            a, b = s.targets[0].id, s.value
            simple_const = isinstance(b, gast.Constant) and type(b.value) in (int, float)
            name_ok = isinstance(b, gast.Name) and stores.get(b.id, 0) + (b.id in params) <= 1 and b.id in defined
            if stores.get(a, 0) == 1 and a not in params and a not in returned and (simple_const or name_ok):
                subst[a] = b
                continue
            defined.add(a)
        out.append(s)
    if not subst:  # (each copy found is a statement dropped)
        return False
    fdef.body = out
    return True


class _Substitute(Transformer):
    """Reads of the names of `subst` replaced by (copies of) their values; `hit`: whether one was."""

    def __init__(self, subst: dict[str, gast.AST]):
        self.subst = subst
        self.hit = False

    def visit_Name(self, node):
        if node.id in self.subst and isinstance(node.ctx, gast.Load):
            self.hit = True
            return clone(self.subst[node.id])
        return node


def propagate_local_copies(
    fdef: gast.FunctionDef,
    params: set[str],
    stores: dict[str, int] | None = None,
    loads: dict[str, int] | None = None,
    after: dict[str, int] | None = None,
) -> bool:
    """Replace `a` by `b` after `a = b` in any block (a loop body, a branch) when every use of `a`
    is a simple statement later in that block, before anything rebinds `b` (so `a` and `b` are
    still the same object there), and `a` is bound nowhere else. `stores`, `loads`: the tree's
    _stores and _loads, if counted already (`loads` is changed only where the tree is). `after`,
    given with `loads`: filled with the _loads of the tree as this leaves it, where it changed it."""
    stores = _stores(fdef.body) if stores is None else stores
    last = fdef.body[-1] if fdef.body else None
    returned = names_in(last) if isinstance(last, gast.Return) else set()
    candidates = {
        st.targets[0].id
        for st in _walk(fdef.body)
        if isinstance(st, gast.Assign)
        and isinstance(st.targets[0], gast.Name)
        and isinstance(st.value, gast.Name)
        and st.targets[0].id != st.value.id
        and stores.get(st.targets[0].id) == 1
        and st.targets[0].id not in params
        and st.targets[0].id not in returned
    }
    if not candidates:
        return False
    loads = _loads(fdef.body) if loads is None else loads
    # (loads, as the steps below keep it, goes on counting the dropped `a = b`'s read of b, and a's
    # reads: it decides as it always did; exact, the tree's own count)
    exact = dict(loads) if after is not None else None
    changed = False

    def facts(st: gast.stmt) -> tuple[dict[str, int], set[str]]:
        """(loads of each name, names rebound) of one statement, nested ones included."""
        used: dict[str, int] = {}
        bound: set[str] = set()
        for n in walk(st):
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Load):
                    used[n.id] = used.get(n.id, 0) + 1
                elif isinstance(n.ctx, gast.Store):
                    bound.add(n.id)
            elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
                bound.add(n.target.id)
        return used, bound

    def block(body: list[gast.stmt]) -> None:
        nonlocal changed
        for inner in nested_blocks(body):
            block(inner)
        if not any(isinstance(st, gast.Assign) and _target_name(st) in candidates for st in body):
            return
        info = [facts(st) for st in body]
        drop: set[int] = set()
        for i, s in enumerate(body):
            a = _target_name(s)
            if a not in candidates or not isinstance(s.value, gast.Name):
                continue
            b = s.value.id
            uses, found = [], 0
            for k in range(i + 1, len(body)):
                used, bound = info[k]
                n = used.get(a, 0)
                if n:
                    if not isinstance(body[k], (gast.Assign, gast.Expr, gast.Return)):
                        break
                    uses.append(k)
                    found += n
                if found == loads.get(a, 0) or b in bound:
                    break
            if not uses or found != loads.get(a, 0):
                continue
            for k in uses:
                for m in walk(body[k]):
                    if isinstance(m, gast.Name) and m.id == a and isinstance(m.ctx, gast.Load):
                        m.id = b
                used = info[k][0]
                used[b] = used.get(b, 0) + used.pop(a)
            loads[b] = loads.get(b, 0) + found
            if exact is not None:
                exact[b] = exact.get(b, 0) + found - 1  # (the dropped `a = b` read b once)
                del exact[a]  # (every read of a was one of the uses found: b's now)
            drop.add(i)
            changed = True
        if drop:
            body[:] = [st for k, st in enumerate(body) if k not in drop]

    block(fdef.body)
    if changed and exact is not None:
        after.clear()
        after.update(exact)
    return changed


def nested_blocks(body: list[gast.stmt]) -> list[list[gast.stmt]]:
    """The statement lists directly inside the statements of `body` (bodies and else-branches)."""
    out = []
    for st in body:
        for field in ("body", "orelse"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                out.append(inner)
    return out


def _target_name(st: gast.stmt) -> str | None:
    if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
        return st.targets[0].id
    return None


TEMPORARY = re.compile(r"t\d+(_bar)?$")  # the names of generated temporaries and their adjoints


def fuse_expressions(fdef: gast.FunctionDef, ctx: Context, params: set[str], limit: int = 24) -> bool:
    """Put a generated temporary used once back into the expression that uses it, later in
    the same block (`t4 = a * t3; y = t2 + t4` → `y = t2 + a * t3`), when nothing in between
    rebinds or writes into what it reads and the result stays short. Fewer statements run faster
    in Python and read more like a hand-written gradient; for specialised code only (the general
    code keeps one operation per line)."""
    ns = resolver(ctx)
    stores, loads = _stores(fdef.body), _loads(fdef.body)
    changed = False

    def size(node: gast.AST) -> int:
        return len(walk(node))

    def touches(st: gast.stmt, deps: set[str]) -> bool:
        if isinstance(st, (gast.If, gast.For, gast.While)):
            return True
        targets = st.targets if isinstance(st, gast.Assign) else [st.target] if isinstance(st, gast.AugAssign) else []
        for t in targets:  # x = ..., x[i] = ..., x += ...: x changes
            for n in walk(t):
                if isinstance(n, gast.Name) and n.id in deps:
                    return True
        for n in walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id in deps:
                return True
            if isinstance(n, gast.Call):  # a call made for its effect may change what it is given
                f = n.func
                base = f.value if isinstance(f, gast.Attribute) else n.args[0] if n.args else None
                if isinstance(st, gast.Expr) and isinstance(base, gast.Name) and base.id in deps:
                    return True
        return False

    def block(body: list[gast.stmt]) -> None:
        nonlocal changed
        for inner in nested_blocks(body):
            block(inner)
        i = 0
        while i < len(body):
            s = body[i]
            i += 1
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
                continue
            a = s.targets[0].id
            if not TEMPORARY.match(a) or a in params or stores.get(a) != 1 or loads.get(a) != 1:
                continue
            if not is_pure(s.value, ns):
                continue
            deps = names_in(s.value)
            for st in body[i:]:
                if is_comment(st):
                    continue
                use = [n for n in walk(st) if isinstance(n, gast.Name) and n.id == a and isinstance(n.ctx, gast.Load)]
                if use:
                    simple = isinstance(st, (gast.Assign, gast.Expr, gast.Return))
                    in_test = isinstance(st, gast.If) and all(any(u is n for n in walk(st.test)) for u in use)
                    where = st if simple else st.test if in_test else None
                    if where is not None and size(where) + size(s.value) <= limit:
                        node = use[0]
                        replacement = clone(s.value)
                        replace_node(st, node, replacement)
                        body.remove(s)
                        i -= 1
                        changed = True
                    break
                if touches(st, deps):
                    break

    block(fdef.body)
    _ensure_statements(fdef)
    return changed


def replace_node(tree: gast.AST, old: gast.AST, new: gast.AST) -> None:
    for n in walk(tree):
        for field in n._fields:
            v = getattr(n, field, None)
            if v is old:
                setattr(n, field, new)
                return
            if v.__class__ is list:
                for k, x in enumerate(v):
                    if x is old:
                        v[k] = new
                        return


def _ensure_statements(fdef: gast.FunctionDef) -> None:
    """A block left with comments only (its statements moved or dropped) gets a `pass`; an
    else-branch of comments only is dropped."""
    for st in _walk(fdef.body):
        if isinstance(st, (gast.If, gast.For, gast.While)):
            if all(is_comment(b) for b in st.body):
                st.body = st.body + [gast.Pass()]
            if st.orelse and all(is_comment(b) or isinstance(b, gast.Pass) for b in st.orelse):
                st.orelse = []


def resolver(ctx: Context) -> Callable[[str], Any]:
    """`ns(n)`: the object name `n` of code generated in `ctx` denotes (a helper astgrad put in
    its namespace, or the user's global, builtin or closure cell), None if nothing."""

    def ns(n: str) -> Any:
        if n in ctx.extra_globals:
            return ctx.extra_globals[n]
        obj = ctx.lookup(n)
        return None if obj is MISSING else obj

    return ns


def is_pure(value: gast.AST, ns: Callable[[str], Any]) -> bool:
    """Whether evaluating `value` has no effect but its result (`ns`: see resolver)."""
    for n in find(value, _CALL):
        fn = denoted(n.func, ns)
        rule = rules.lookup(fn)
        if rule is not None and (rule.effects or rule.writes):
            return False
        if fn is None or (rule is None and not is_runtime_helper(fn) and not is_math_function(fn)):
            return False
        if getattr(fn, "writes_arguments", False):  # (a runtime helper that writes into an argument)
            return False
    return True


_CALL = frozenset({gast.Call})


def is_math_function(fn: Any) -> bool:
    """A function of the math module (all of them pure)."""
    import math

    return getattr(math, getattr(fn, "__name__", ""), None) is fn


def is_runtime_helper(fn: Any) -> bool:
    """A helper of astgrad.runtime, which generated code calls."""
    return getattr(runtime, getattr(fn, "__name__", ""), None) is fn


def denoted(node: gast.AST, ns: Callable[[str], Any]) -> Any:
    """The object a name or attribute chain (`np.linalg.norm`) denotes, None if unknown (`ns`: see resolver)."""
    if isinstance(node, gast.Name):
        return ns(node.id)
    if isinstance(node, gast.Attribute):
        base = denoted(node.value, ns)
        return getattr(base, node.attr, None) if base is not None else None
    return None


def _target_base(t: gast.AST) -> gast.AST:
    while isinstance(t, gast.Subscript):
        t = t.value
    return t


def eliminate_dead_code(
    fdef: gast.FunctionDef,
    ns: Callable[[str], Any],
    purity: dict | None = None,
    cycles: bool = False,
    counted: dict | None = None,
    loads: dict[str, int] | None = None,
) -> bool:
    """Drop assignments to names nothing reads (their right-hand sides being free of effects),
    following chains with a worklist; with `cycles`, also the names only their own definitions
    need (a slower marking). `purity` caches, across calls, whether a value is pure. `counted`
    carries the reads and pure definitions counted by a call that removed nothing to the next
    call, for a tree nothing changed in between (the clean-up's fixed point); `loads`, the
    tree's _loads if counted already (not changed here)."""
    if counted:
        reads, defs = counted.pop("reads"), counted.pop("defs")
    else:
        reads = _loads(fdef.body) if loads is None else dict(loads)
        defs = {}
        purity = {} if purity is None else purity
        for s in _walk(fdef.body):
            if isinstance(s, (gast.Assign, gast.AugAssign)):
                target = s.targets[0] if isinstance(s, gast.Assign) else s.target
                base = _target_base(target)
                known = purity.get(id(s))
                if known is None or known[0] is not s.value:
                    known = purity[id(s)] = (s.value, is_pure(s.value, ns))
                if isinstance(base, gast.Name) and known[1]:
                    defs.setdefault(base.id, []).append(s)
        if counted is not None:
            counted["reads"], counted["defs"] = dict(reads), defs

    cache: dict[tuple[int, str], int] = {}

    def own_reads(s: gast.stmt, var: str) -> int:
        key = (id(s), var)
        if key not in cache:
            cache[key] = _own_reads(s, var)
        return cache[key]

    def _own_reads(s: gast.stmt, var: str) -> int:
        """Reads of `var` by `s` itself as its target (`x[i] = v` reads x; `x += v` too)."""
        target = s.targets[0] if isinstance(s, gast.Assign) else s.target
        if target.__class__ is gast.Name:
            return 1 if s.__class__ is gast.AugAssign else 0
        return sum(1 for m in walk(target) if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Load) and m.id == var)

    removed: set[int] = {id(s) for v in _unneeded(fdef, defs) for s in defs[v]} if cycles else set()
    own_total = {v: sum(own_reads(s, v) for s in ds) for v, ds in defs.items()}
    work = [v for v in defs if reads.get(v, 0) == own_total[v]]
    while work:
        var = work.pop()
        for s in defs.get(var, []):
            if id(s) in removed:
                continue
            removed.add(id(s))
            for m in walk(s):
                if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Load):
                    reads[m.id] = reads.get(m.id, 0) - 1
                    other = m.id
                    if other != var and other in defs and reads.get(other, 0) <= own_total[other]:
                        live = [d for d in defs[other] if id(d) not in removed]
                        if reads.get(other, 0) == sum(own_reads(d, other) for d in live):
                            work.append(other)
            if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
                reads[var] = reads.get(var, 0) - 1
        reads[var] = 0
    bound_outside: list[set[str]] = []  # computed when first needed

    def binds_read_target(s: gast.stmt) -> bool:
        """A for loop whose target is read where no loop over it binds it (after the loop, which
        leaves it at its last value)."""
        if not (isinstance(s, gast.For) and isinstance(s.target, gast.Name)):
            return False
        if not bound_outside:
            loops = {
                st.target.id for st in _walk(fdef.body) if isinstance(st, gast.For) and isinstance(st.target, gast.Name)
            }
            bound_outside.append(_loads_outside_loops_over(fdef.body, loops))
        return s.target.id in bound_outside[0]

    if not removed and not (
        cycles
        and any(
            isinstance(st, (gast.If, gast.For)) and not _has_effect(st) and not binds_read_target(st)
            for st in _walk(fdef.body)
        )
    ):
        return False  # (nothing dead, and no loop or branch left without an effect)

    def prune(block: list[gast.stmt]) -> list[gast.stmt]:
        out = []
        for s in block:
            if id(s) in removed:
                continue
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body = prune(s.body)
                s.orelse = prune(s.orelse)
                if isinstance(s, (gast.If, gast.For)) and not _has_effect(s) and not binds_read_target(s):
                    continue
                if all(is_comment(b) for b in s.body):  # a comment alone is no statement
                    s.body = s.body + [gast.Pass()]
                if isinstance(s, gast.If) and all(isinstance(b, gast.Pass) or is_comment(b) for b in s.orelse):
                    s.orelse = []
            elif isinstance(s, gast.Pass) and len(block) > 1:
                continue
            out.append(s)
        return out

    fdef.body = prune(fdef.body)
    return True


def _drop_write_only_lists(
    fdef: gast.FunctionDef, ns: Callable[[str], Any], loads: dict[str, int] | None = None
) -> bool:
    """A local list that is only made (`caches = []`) and appended to (`caches.append(cache)`),
    never read, goes with its appends: CS231n's `rnn_forward` keeps a cache per step that its
    caller discards, and what the list held was all kept alive to the end of the forward pass
    (and looked written in place to the passes that read sharing). Whether one went. `loads`:
    the tree's _loads, if counted already (a list read more often than appended to is read)."""
    params = {a.id for a in fdef.args.args + fdef.args.kwonlyargs if isinstance(a, gast.Name)}
    made: dict[str, list[gast.stmt]] = {}
    appends: dict[str, list[gast.stmt]] = {}
    for st in _walk(fdef.body):
        if (
            isinstance(st, gast.Assign)
            and len(st.targets) == 1
            and isinstance(st.targets[0], gast.Name)
            and isinstance(st.value, gast.List)
            and all(is_pure(e, ns) for e in st.value.elts)
        ):
            made.setdefault(st.targets[0].id, []).append(st)
        elif (
            isinstance(st, gast.Expr)
            and isinstance(st.value, gast.Call)
            and isinstance(st.value.func, gast.Attribute)
            and st.value.func.attr == "append"
            and isinstance(st.value.func.value, gast.Name)
            and len(st.value.args) == 1
            and not st.value.keywords
        ):
            appends.setdefault(st.value.func.value.id, []).append(st)
    # a list is used only through those statements when each of its names is their target or
    # receiver (each read of it is the receiver of an append), and what it appends is pure
    made = {
        v: sts
        for v, sts in made.items()
        if v not in params and (loads is None or loads.get(v, 0) <= len(appends.get(v, [])))
    }
    if not made:
        return False
    uses = name_counts(fdef)
    only = [
        v
        for v, sts in made.items()
        if uses[v] == len(sts) + len(appends.get(v, []))
        and all(is_pure(a.value.args[0], ns) for a in appends.get(v, []))
    ]
    dead = {id(st) for v in only for st in made[v] + appends.get(v, [])}
    if not dead:
        return False

    def prune(block: list[gast.stmt]) -> None:
        block[:] = [st for st in block if id(st) not in dead] or [gast.Pass()]
        for st in block:
            for inner in nested_blocks([st]):
                prune(inner)

    prune(fdef.body)
    return True


def _drop_self_assignments(body: list[gast.stmt]) -> bool:
    """`x = x` statements (an adjoint passed through unchanged) removed, and `y = x` where y and x
    already hold one object (`x = y` before, neither bound since); whether one was."""
    changed = False
    for st in body:
        if isinstance(st, (gast.If, gast.For, gast.While)):
            for inner in nested_blocks([st]):
                changed |= _drop_self_assignments(inner)
    kept = []
    same: set[frozenset[str]] = set()  # names that hold one object: `t4_bar = omega_bar; omega_bar = t4_bar`
    for st in body:
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and isinstance(st.value, gast.Name):
            pair = frozenset((st.targets[0].id, st.value.id))
            if len(pair) == 1 or pair in same:
                continue
        if same:
            bound = names_in(st, (gast.Store,))
            same = {p for p in same if not p & bound}
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and isinstance(st.value, gast.Name):
            same.add(frozenset((st.targets[0].id, st.value.id)))
        kept.append(st)
    if len(kept) != len(body):
        body[:] = kept if any(not is_comment(k) for k in kept) else kept + [gast.Pass()]
        changed = True
    return changed


def _loads_outside_loops_over(body: list[gast.stmt], names: set[str], inside: frozenset = frozenset()) -> set[str]:
    """The `names` read somewhere not within a for loop whose target is that name."""
    out = set()
    for st in body:
        if isinstance(st, gast.For) and isinstance(st.target, gast.Name):
            out |= {n.id for n in walk(st.iter) if isinstance(n, gast.Name) and n.id in names and n.id not in inside}
            out |= _loads_outside_loops_over(st.body + st.orelse, names, inside | {st.target.id})
            continue
        if isinstance(st, (gast.If, gast.While)):
            test = st.test
            out |= {n.id for n in walk(test) if isinstance(n, gast.Name) and n.id in names and n.id not in inside}
            out |= _loads_outside_loops_over(st.body + st.orelse, names, inside)
            continue
        for n in walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in names and n.id not in inside:
                out.add(n.id)
    return out


def _unneeded(fdef: gast.FunctionDef, defs: dict[str, list[gast.stmt]]) -> set[str]:
    """The names of `defs` (pure definitions) that nothing needs: not read by any other statement
    (a return, a test, an effect), nor by the definition of a name that is needed. Unlike a count
    of reads, this finds cycles too (`t = c + u; c = t` in a loop, read nowhere else)."""
    removable = {id(s) for ds in defs.values() for s in ds}
    live: set[str] = set()
    for st in _walk(fdef.body):
        if id(st) in removable:
            continue
        parts = [st.test] if isinstance(st, (gast.If, gast.While)) else [st.iter] if isinstance(st, gast.For) else [st]
        for part in parts:
            live |= names_in(part, _LOAD)
        if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name):
            live.add(st.target.id)
    work = [v for v in live if v in defs]
    while work:
        v = work.pop()
        for st in defs[v]:
            new = names_in(st, _LOAD) - live
            live |= new
            work += [n for n in new if n in defs]
            if isinstance(st, gast.AugAssign) and isinstance(st.target, gast.Name) and st.target.id not in live:
                live.add(st.target.id)
    return set(defs) - live


def is_comment(s: gast.stmt) -> bool:
    """A comment marker statement (see reverse.comment)."""
    return isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant) and isinstance(s.value.value, str)


_LOAD = (gast.Load,)
_EFFECTS = (gast.Assign, gast.AugAssign, gast.Expr, gast.Return, gast.Raise, gast.Break)


def _has_effect(s: gast.stmt) -> bool:
    """Whether `s` or a statement nested in it (an effect is a statement: expressions hold none)
    assigns, calls, returns, raises or breaks; a comment is no effect."""
    todo = [s]
    for n in todo:
        if isinstance(n, _EFFECTS):
            if n.__class__ is gast.Expr and n.value.__class__ is gast.Constant:
                continue
            return True
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(n, field, None)
            if block.__class__ is list:
                todo += block
    return False


def optimize(
    fdef: gast.FunctionDef, ctx: Context, params: set[str], protected: frozenset[str] = frozenset()
) -> gast.FunctionDef:
    """Run the clean-up passes until none changes anything; `protected` names (arrays the
    caller owns) are never made the value of another name by folding `x * 1.0`."""

    ns = resolver(ctx)
    # written in place, or sharing memory with what is (`a = t1; a[0] = 0`: t1 too)
    direct = frozenset(writes_in_place(fdef, ctx.helper("add_at")))
    written = set(direct)
    links = sharing_links(fdef, both_ways=True) if direct or protected else []
    shared = shared_through(links, direct) if direct else direct  # (`a = t1; a[0] = 0`: t1 too)
    callers = protected
    copy_of = ctx.helper("copy_of")
    purity: dict = {}  # id(statement) → (its value, whether pure); holding the value keeps the id valid
    # Each step reads the tree alone (and what is fixed above): one that changed nothing would change
    # nothing again until another changes the tree, and is not run again until then.
    version = 0  # how many times a step changed the tree
    clean: dict[str, int] = {}  # step → the version it last changed nothing in

    def due(step: str) -> bool:
        return clean.get(step) != version

    def ran(step: str, changed: bool) -> bool:
        nonlocal version
        if changed:
            version += 1
        else:
            clean[step] = version
        return changed

    fold = None
    counted: dict = {}  # what dead-code removal counted (at version `counted_at`), for the next steps
    counted_at = -1
    while True:
        start = version
        if due("fold"):
            kept = None
            if callers:  # (anew each sweep: a fold may have made a new alias of a caller's array)
                if version:  # (the first sweep's tree is the one the links above were found in)
                    links = sharing_links(fdef, both_ways=True)
                # (one way: the links of even index, each an assignment's (targets, sources))
                protected = shared_through(links[::2], callers)
                returned = {
                    n.id for r in walk(fdef) if isinstance(r, gast.Return) for n in walk(r) if isinstance(n, gast.Name)
                }
                kept = shared_through(links, frozenset(returned) | direct)
            fold = Fold(frozenset(written), protected, shared, kept, copy_of)
            if fold.may_change(fdef):
                fold.visit(fdef)
            ran("fold", fold.changed)
        # (a fold that is not due did its sweep of this very tree, and changed nothing since)
        stores = None
        if due("copies"):
            stores = _stores(fdef.body)
            if ran("copies", propagate_copies(fdef, params, fold, stores)):
                stores = None
        loads = _loads(fdef.body) if due("local") and due("dead") else None  # (counted once for both)
        if due("local"):
            after: dict[str, int] = {}
            if ran("local", propagate_local_copies(fdef, params, stores, loads, after if loads is not None else None)):
                loads = after if loads is not None else None  # (the reads of the tree the step left)
        if due("dead"):
            counted = {}
            if not ran("dead", eliminate_dead_code(fdef, ns, purity, counted=counted, loads=loads)):
                counted_at = version
        if due("selves"):
            ran("selves", _drop_self_assignments(fdef.body))
        if due("lists"):
            ran("lists", _drop_write_only_lists(fdef, ns, counted["reads"] if counted_at == version else None))
        if version == start:  # at the fixed point, once: definitions that only feed each other
            now = counted if counted_at == version else {}
            if not ran("cycles", eliminate_dead_code(fdef, ns, purity, cycles=True, counted=now)):
                _ensure_statements(fdef)
                return fdef
