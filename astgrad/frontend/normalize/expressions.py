"""A-normal form of expressions during normalization: every operand becomes an atom (a name or a
constant) and every operation a statement of its own, `t = a * b`; assignments and
unpacking, names and their SSA versions, comprehensions, calls (method calls as the NumPy
functions they mean, dict methods, keyword spellings) and subscripts."""

from __future__ import annotations

import builtins
import copy
import functools
import inspect
from typing import Any

import gast
import numpy as np

from ... import rules, runtime
from ...analysis.activity import base_name, numpy_writer
from ...ir.sentinels import MISSING
from ...ir.trees import assign, assigned_names, clone, is_constant, is_name, name, names_read, walk
from ..callables import called_method, is_user_function
from ..partials import partial_as_function
from .refusals import EXPRESSION_HINTS, describe, node_source


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, gast.Name) or is_constant(node) or getattr(node, "_ag_global", False)


def loads(node: gast.AST) -> set[str]:
    return names_read(node)


DICT_METHODS = {"keys": (0,), "values": (0,), "items": (0,), "get": (1, 2)}  # (the numbers of arguments)


def _respell_keywords(call: gast.Call) -> None:
    """The call of a primitive in the form its rule takes: a keyword the registry knows under another
    name takes the rule's name (NumPy 2's `np.clip(x, min=0)` is `np.clip(x, a_min=0)`), a
    positional argument the rule's templates take at another place is passed by NumPy's name
    (`np.prod(x, 0, float)` is `np.prod(x, 0, dtype=float)`), and one giving NumPy's default is left
    out. (A keyword that never changes the values, `np.sort(x, kind="stable")`, stays: the forward
    pass runs the call as written, and the templates are bound without it: ad/templates.py.)"""
    fn = call._ag_fn
    form = rules.registry.call_form(fn)
    if form.by_name and len(call.args) > min(form.by_name):
        named = [gast.keyword(arg=form.by_name[i], value=a) for i, a in enumerate(call.args) if i in form.by_name]
        call.keywords[:0] = named
        call.args = call.args[: min(form.by_name)]
    if form.defaults:  # (`dtype=None`, `out=None`: as if left out)
        call.keywords = [k for k in call.keywords if not _gives_default(k, form.defaults)]
    rule = rules.lookup(fn)
    template = rule and (rule.adjoint or rule.tangent)
    for flag in () if is_user_function(fn) else rules.registry.OVERWRITE_FLAGS:  # (the input kept whole)
        at = rules.registry.position_of(fn, flag)
        if at is not None and at < len(call.args):
            call.args[at] = gast.Constant(value=False, kind=None)
        for k in call.keywords:  # (False, NumPy's default: left out where the rule does not name it)
            if k.arg == flag:
                k.value = gast.Constant(value=False, kind=None)
        if template is None or flag not in template.arguments:
            call.keywords = [k for k in call.keywords if k.arg != flag]
    spellings = rules.registry.keyword_spellings(fn)
    if not spellings or not any(k.arg in spellings for k in call.keywords):
        return
    for k in call.keywords:
        k.arg = spellings.get(k.arg) or k.arg
    # the spelling left out is given as None (np.clip(x, a_min=0) needs a_max too; np.clip(x, min=0) does not)
    renamed = {p for p in spellings.values() if p is not None}
    if not renamed or rule is None:
        return
    params = rules.registry.primitive_parameters(fn, rule)
    given = set(params[: len(call.args)]) | {k.arg for k in call.keywords}
    for p in sorted(renamed - given):
        call.keywords.append(gast.keyword(arg=p, value=gast.Constant(value=None, kind=None)))


def _arguments(fn: Any, node: gast.Call) -> dict[str, gast.AST] | None:
    """Parameter → the argument node the call `node` of NumPy's `fn` passes it, as Python binds
    them; None for a call that does not bind (or spreads `*args`, `**kwargs`)."""
    if any(isinstance(a, gast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None
    try:
        return dict(inspect.signature(fn).bind(*node.args, **{k.arg: k.value for k in node.keywords}).arguments)
    except (TypeError, ValueError):
        return None


def _gives_default(k: gast.keyword, defaults: dict[str, Any]) -> bool:
    """Whether keyword `k` passes the constant NumPy's signature gives its parameter by default."""
    if k.arg not in defaults or not isinstance(k.value, gast.Constant):
        return False
    default = defaults[k.arg]
    return k.value.value is default or (type(k.value.value) is type(default) and k.value.value == default)


def may_write(fn: Any) -> bool:
    """Whether `fn` may write into an argument: a user's function, or one of NumPy's writers."""
    return is_user_function(fn) or numpy_writer(fn)


class ExpressionsMixin:
    """The A-normal form of expressions of `Normalizer` (frontend/normalize/normalizer.py)."""

    def assign_to(self, target: gast.AST, value: gast.AST) -> None:
        if isinstance(target, gast.Name) and isinstance(value, gast.Lambda):
            ret = gast.copy_location(gast.Return(value=value.body), value)
            fdef = gast.FunctionDef(
                name=target.id,
                args=value.args,
                body=[ret],
                decorator_list=[],
                returns=None,
                type_comment=None,
                type_params=[],
            )
            self.stmt_FunctionDef(gast.copy_location(fdef, value))
            return
        if isinstance(target, gast.Name):
            op = self.expr(value)
            var = target.id
            if var in self.ssa and var in self.version:  # a reassignment: new SSA version
                new = self.ctx.namer.fresh(var)
            else:
                new = var
            if isinstance(op, gast.Name) and op.id == new:
                return  # `v = v`: nothing happens
            self.locals.add(new)
            if new in loads(op) and not isinstance(op, gast.Name):
                # `h = tanh(h)` in a loop: compute into a temporary first, so that no statement
                # reads the name it overwrites
                op = self.temp(op)
            self.emit(assign(new, op))
            self.version[var] = new
            got = (  # `W = params.get("W")`: the dict's array itself, as params["W"] (lowered to a branch)
                value.func.value
                if isinstance(value, gast.Call)
                and isinstance(value.func, gast.Attribute)
                and value.func.attr == "get"
                and isinstance(value.func.value, gast.Name)
                and value.func.value.id in self.locals
                else None
            )
            chosen = isinstance(value, gast.IfExp)  # (`a if c else b`, lowered to a branch: checked after it)
            if var in self.view_checks and (isinstance(op, gast.Subscript) or got is not None or chosen):
                args = [name(new), gast.Constant(value=var, kind=None)]
                if got is not None:
                    args.append(name(self.version.get(got.id, got.id)))
                elif isinstance(op, gast.Subscript) and isinstance(op.value, gast.Name) and var in self.written_through:
                    args.append(name(op.value.id))  # (a list's element is the array itself)
                guard = gast.Call(
                    func=name(self.ctx.helper("check_not_view")), args=args, keywords=self.ctx.check_line(self.loc)
                )
                self.emit(gast.Expr(value=guard))
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value)
        elif isinstance(target, gast.Subscript):
            if isinstance(target.value, gast.Name):
                self.check_write(target.value.id, target)
            base = self.local_name(target.value)
            index = self.index(target.slice)
            val = self.atom(value)
            self.emit(assign(gast.Subscript(value=name(base), slice=index, ctx=gast.Store()), val))
        elif isinstance(target, gast.Attribute):
            raise self.error(
                "assignment to an attribute is not supported",
                target,
                hint="astgrad differentiates functions without mutable object state; "
                "keep the value in a local variable",
            )
        elif isinstance(target, gast.Starred):
            raise self.error("a starred assignment target must be in a list or tuple", target)
        else:
            raise self.error(f"assignment to {type(target).__name__} is not supported", target)

    def unpack(self, target: gast.Tuple | gast.List, value: gast.AST) -> None:
        if any(isinstance(e, gast.Starred) for e in target.elts):
            self.unpack_starred(target, value)
            return
        if (
            isinstance(value, (gast.Tuple, gast.List))
            and len(value.elts) == len(target.elts)
            and not any(isinstance(e, gast.Starred) for e in value.elts)
        ):
            parts = [self._unpacked_part(target, value, j) for j in range(len(value.elts))]
            targets = assigned_names([target])
            # `a, b = b, a`: read every right-hand name before any target is rebound
            parts = [
                self.temp(p, keep=True) if isinstance(p, gast.Name) and p.id in self._versions_of(targets) else p
                for p in parts
            ]
            for t, p in zip(target.elts, parts):
                self.assign_to(t, p)
            return
        whole = self.atom(value)
        if not isinstance(whole, gast.Name):
            whole = self.temp(whole)
        # (read by position: a sequence of another length, or a dict, is refused as Python would)
        check = gast.Call(
            func=name(self.ctx.helper("check_unpack")),
            args=[copy.deepcopy(whole), gast.Constant(value=len(target.elts), kind=None)],
            keywords=self.ctx.check_line(self.loc),
        )
        check._ag_fn = runtime.check_unpack
        self.emit(gast.Expr(value=check))
        for i, t in enumerate(target.elts):
            item = gast.Subscript(value=copy.deepcopy(whole), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
            self.assign_to(t, item)

    def unpack_starred(self, target: gast.Tuple | gast.List, value: gast.AST) -> None:
        """`a, *b, c = t` as Python runs it: `a = t[0]`, `b = list(t[1:-1])` (a list, as Python makes),
        `c = t[-1]`, reading `t` once; a sequence too short for the names before and after the star
        is refused at run time as Python refuses it."""
        stars = [i for i, e in enumerate(target.elts) if isinstance(e, gast.Starred)]
        if len(stars) > 1:
            raise self.error("multiple starred expressions in assignment", target)
        s = stars[0]
        after = len(target.elts) - s - 1
        whole = self.atom(value)
        if not isinstance(whole, gast.Name):
            whole = self.temp(whole)
        check = gast.Call(
            func=name(self.ctx.helper("check_unpack_length")),
            args=[copy.deepcopy(whole), gast.Constant(value=len(target.elts) - 1, kind=None)],
            keywords=[],
        )
        self.emit(gast.Expr(value=check))

        def constant(i: int | None) -> gast.AST:
            return gast.Constant(value=i, kind=None)

        for i, t in enumerate(target.elts):
            if i < s:
                item = gast.Subscript(value=copy.deepcopy(whole), slice=constant(i), ctx=gast.Load())
            elif i > s:
                item = gast.Subscript(value=copy.deepcopy(whole), slice=constant(i - len(target.elts)), ctx=gast.Load())
            else:
                rest = gast.Slice(
                    lower=constant(s) if s else None, upper=constant(-after) if after else None, step=None
                )
                part = gast.Subscript(value=copy.deepcopy(whole), slice=rest, ctx=gast.Load())
                item = gast.Call(func=self._builtin("list"), args=[part], keywords=[])
                t = t.value
            for node in gast.walk(item):  # (the statement's line, in the generated code's comments)
                gast.copy_location(node, target)
            self.assign_to(t, item)

    def _unpacked_part(self, target: gast.Tuple | gast.List, value: gast.Tuple | gast.List, j: int) -> gast.AST:
        """The atom of the j-th value of `a[0], a[1] = a[1], a[0]`: read before any target is
        assigned, and checked at run time where a target before it writes into the array it reads
        (a row of a matrix is a view NumPy reads after that write: check_not_overwritten)."""
        v = value.elts[j]
        earlier = {base_name(t.value) for t in target.elts[:j] if isinstance(t, gast.Subscript)}
        array = base_name(v) if isinstance(v, gast.Subscript) else None
        if array is None or array not in earlier or array not in self.locals:
            return self.atom(v)
        op = self.expr(v)
        if is_atom(op):
            return op
        raw = self.temp(op)
        sides = [node_source(e) for e in (target, value)]
        statement = " = ".join(t[1:-1] if t.startswith("(") and t.endswith(")") else t for t in sides)
        if getattr(self.loc, "lineno", None) is not None:
            statement = f"line {self.parsed.abs_line(self.loc)}: {statement}"
        check = gast.Call(
            func=name(self.ctx.helper("check_not_overwritten")),
            args=[raw, name(self.version.get(array, array))]
            + [gast.Constant(value=t, kind=None) for t in (node_source(v), statement)],
            keywords=[],
        )
        self.emit(gast.Expr(value=check))
        call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[name(raw.id)], keywords=[])
        call._ag_fn = runtime.copy_of
        return self.temp(call)

    def _versions_of(self, names: set[str]) -> set[str]:
        return {self.version.get(n, n) for n in names}

    def local_name(self, node: gast.AST) -> str:
        if isinstance(node, gast.Name) and node.id in self.locals:
            return self.version.get(node.id, node.id)
        if isinstance(node, gast.Subscript):  # `h[0][1] = v`, `hs[0][1] = v`
            raise self.error(
                f"writing into an item of an item (`{node_source(node)}[...] = ...`) is not supported",
                node,
                hint="index once (`h[0, 1] = v` for an array), or take the item into a name, write into "
                "it, and put it back",
            )
        raise self.error(
            "only local variables can be written into", node, hint="copy the object into a local variable first"
        )

    def temp(self, op: gast.AST, keep: bool = False) -> gast.Name:
        """Emit `t = op` and return the fresh name `t`."""
        if not keep and is_atom(op):
            return op
        t = self.ctx.namer.numbered("t")
        self.locals.add(t)
        self._note_view(t, op)
        self.emit(assign(t, op))
        return name(t)

    def temp_named(self, base: str, op: gast.AST) -> gast.Name:
        """Emit `base = op` under a fresh readable name."""
        t = self.ctx.namer.fresh(base)
        self.locals.add(t)
        self.emit(assign(t, op))
        return name(t)

    def atom(self, node: gast.AST, copy_views: bool = True) -> gast.AST:
        """Lower `node` and make it an atom (a name or a constant). An item or slice of an array
        the function writes into is copied: `w * h[0]` reads row 0 as it is now, while a
        temporary view would change with a later `h[0, 0] = ...` under the backward pass. Not
        with `copy_views=False`: an argument a function may write into (`zero_head(mask[0])`)."""
        op = self.expr(node)
        if is_atom(op):
            return op
        if (
            copy_views
            and isinstance(op, gast.Subscript)
            and isinstance(op.value, gast.Name)
            and self._written_base(op.value.id)
        ):
            call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[self.temp(op)], keywords=[])
            call._ag_fn = runtime.copy_of
            op = call
        return self.temp(op)

    def _written_base(self, var: str) -> bool:
        """Whether `var` is (a version of) a name the function writes into in place."""
        if self._written is None:  # (element writes: a list's append is undone by its own rules)
            self._written = {
                base_name(n)
                for n in walk(self.parsed.tree)
                if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
            } - {None}
        return any(var == w or self.version.get(w) == var for w in self._written)

    def resolve(self, node: gast.AST) -> Any:
        return self.ctx.resolve(node, self.locals)

    def test(self, node: gast.AST, branches: list[gast.stmt]) -> gast.AST:
        """The test of an if/while as an atom or a comparison of atoms whose operands the
        branches do not rebind (so the backward pass can ask it again)."""
        if isinstance(node, gast.Compare) and len(node.ops) == 1:
            op = gast.Compare(left=self.atom(node.left), ops=node.ops, comparators=[self.atom(node.comparators[0])])
        else:
            op = self.atom(node)
        if loads(op) & assigned_names(branches) or is_constant(op) and not isinstance(op, gast.Constant):
            op = self.temp(op, keep=True)
        return op

    def opaque(self, node: gast.AST) -> gast.AST:
        """A non-differentiable expression kept as written, its local names renamed to their versions."""
        node = copy.deepcopy(node)
        for n in walk(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in self.version:
                n.id = self.version[n.id]
        return node

    def expr(self, node: gast.AST) -> gast.AST:
        """Lower `node` to one operation on atoms (emitting statements for its operands)."""
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(f"{describe(node)} is not supported", node, hint=EXPRESSION_HINTS.get(type(node).__name__))
        return method(node)

    def expr_Constant(self, node):
        return node

    def expr_Name(self, node):
        if node.id in self.nested:
            raise self.error(
                f"the nested function `{node.id}` can only be called, not used as a value",
                node,
                hint="define it at module level to pass it around",
            )
        if node.id in self.locals:
            if node.id not in self.version:
                if node.id in self.user_locals:
                    raise self.error(f"`{node.id}` is read before it is assigned", node)
                return name(node.id)  # a temporary this pass introduced
            return name(self.version[node.id])
        obj = self.ctx.lookup(node.id)
        if obj is MISSING:
            raise self.error(f"the name `{node.id}` is not defined", node)
        out = name(node.id)
        out._ag_global = True
        out._ag_obj = obj
        return out

    def expr_Attribute(self, node):
        obj = self.resolve(node)
        if obj is MISSING:
            self._refuse_missing_module_attribute(node, "name")
        if obj is not MISSING:  # np.pi, math.e, a module-level constant's attribute
            out = copy.deepcopy(node)
            out._ag_global = True
            out._ag_obj = obj
            return out
        field = self._field_index(node)
        if field is not None:  # (`np.linalg.eigh(a).eigenvalues`: the named result's item)
            item = gast.Subscript(value=node.value, slice=gast.Constant(value=field, kind=None), ctx=gast.Load())
            return self.expr(gast.copy_location(item, node))
        base = self.atom(node.value)
        if node.attr == "T":
            call = gast.Call(func=self.ctx.numpy_attr("transpose"), args=[base], keywords=[])
            call._ag_fn = np.transpose
            return call
        if node.attr == "mT" and hasattr(np, "matrix_transpose"):  # (NumPy 2) the last two axes swapped
            call = gast.Call(func=self.ctx.numpy_attr("matrix_transpose"), args=[base], keywords=[])
            call._ag_fn = np.matrix_transpose
            return call
        if node.attr in ("real", "imag"):  # differentiated (a complex value's imaginary part too)
            call = gast.Call(func=self.ctx.numpy_attr(node.attr), args=[base], keywords=[])
            call._ag_fn = getattr(np, node.attr)
            return call
        if node.attr in rules.registry.member_names("metadata"):  # (describes the array: no derivative)
            return gast.Attribute(value=base, attr=node.attr, ctx=gast.Load())
        if isinstance(node.value, gast.Name) and node.value.id in self.params and isinstance(base, gast.Name):
            # `cfg.reg` of an argument (a settings object, a model passed in): read as it is, without
            # derivative; of a differentiated argument it is refused (analysis/activity.py)
            out = gast.Attribute(value=base, attr=node.attr, ctx=gast.Load())
            out._ag_field = True
            return out
        raise self.error(
            f"the attribute `.{node.attr}` is not supported",
            node,
            hint="astgrad knows the array attributes T, "
            + ", ".join(sorted(rules.registry.member_names("metadata")))
            + ", and the attributes of objects it knows when the gradient is made (a global, `self` in "
            "grad(model.loss)); for the fields of an argument (a dataclass, a namedtuple), pass the arrays "
            "themselves, or a tuple or dict of them (`W, b = p` unpacks a namedtuple)",
        )

    def expr_BinOp(self, node):
        return gast.BinOp(left=self.atom(node.left), op=node.op, right=self.atom(node.right))

    def expr_UnaryOp(self, node):
        if is_constant(node):
            return node
        return gast.UnaryOp(op=node.op, operand=self.atom(node.operand))

    def expr_Compare(self, node):
        if len(node.ops) == 1:
            return gast.Compare(left=self.atom(node.left), ops=node.ops, comparators=[self.atom(node.comparators[0])])
        # a < b < c → (a < b) and (b < c), evaluating b once
        left = self.atom(node.left)
        parts = []
        for op, right in zip(node.ops, node.comparators):
            parts.append((left, op, right))
            left = right
        values = []
        for lhs, op, rhs in parts:
            values.append(gast.Compare(left=lhs, ops=[op], comparators=[rhs]))
        return self.expr(gast.BoolOp(op=gast.And(), values=values))

    def expr_BoolOp(self, node):
        # short-circuit: t = a; if t: t = b   (and)   /   if not t: t = b   (or)
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        self.assign_noting_alias(result, self.expr(node.values[0]))
        for value in node.values[1:]:
            saved = self.out
            self.out = []
            self.assign_noting_alias(result, self.expr(value))
            self._note_view(result, branch_value := self.out[-1].value)
            del branch_value
            branch = self.out
            self.out = saved
            # the branch rebinds `result`: test a copy, so the backward pass asks the same question
            test = self.temp(name(result), keep=True)
            if isinstance(node.op, gast.Or):
                test = self.temp(gast.UnaryOp(op=gast.Not(), operand=test))
            self.emit(gast.If(test=test, body=branch, orelse=[]))
        return name(result)

    def assign_noting_alias(self, result: str, op: gast.AST) -> None:
        """`result = op` for the lowering of `a if c else b` / `a or b`, whose result is one of
        the operands themselves (an alias the backward pass must know about)."""
        self._note_view(result, op)
        self.emit(assign(result, op))

    def expr_IfExp(self, node):
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        test = self.atom(node.test)
        if isinstance(test, gast.Name) and test.id == result:
            test = self.temp(test, keep=True)
        branches = []
        for part in (node.body, node.orelse):
            saved = self.out
            self.out = []
            self.assign_noting_alias(result, self.expr(part))
            branches.append(self.out)
            self.out = saved
        self.emit(gast.If(test=test, body=branches[0], orelse=branches[1]))
        return name(result)

    def expr_Tuple(self, node):
        if any(isinstance(e, gast.Starred) for e in node.elts):
            return self._unpacked(node)
        return gast.Tuple(elts=[self._display_item(e, node) for e in node.elts], ctx=gast.Load())

    def _display_item(self, item: gast.AST, display: gast.AST) -> gast.AST:
        """The atom of an item of a list, tuple or dict display; where a name holds the container
        while the function writes into the array the item is read from (`rows = [B[0], B[1]]`,
        then `B[0] = ...`), the item read is checked at run time to be no view of that array
        (check_not_held_view): the container then holds what NumPy's would."""
        array = base_name(item)
        where = (getattr(display, "lineno", None), getattr(display, "col_offset", 0))
        if array is None or array not in self.locals or where not in self.overwritten_displays:
            return self.atom(item)
        op = self.expr(item)
        if is_atom(op) and not isinstance(op, gast.Name):
            return op
        raw = op if isinstance(op, gast.Name) else self.temp(op)
        kind = {gast.List: "list", gast.Tuple: "tuple", gast.Dict: "dict"}[type(display)]
        line = self.parsed.abs_line(display)
        labels = (node_source(item), f"the {kind} `{node_source(display)}` (line {line})", array)
        check = gast.Call(
            func=name(self.ctx.helper("check_not_held_view")),
            args=[raw, name(self.version.get(array, array))] + [gast.Constant(value=t, kind=None) for t in labels],
            keywords=self.ctx.check_line(self.loc),
        )
        self.emit(gast.Expr(value=check))
        if isinstance(op, gast.Subscript) and isinstance(op.value, gast.Name) and self._written_base(op.value.id):
            call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[raw], keywords=[])
            call._ag_fn = runtime.copy_of  # (as `atom` reads an item of an array written in place)
            return self.temp(call)
        return raw

    def _unpacked(self, node: gast.Tuple) -> gast.Call:
        """`(*x.shape, 3)` as `unpacked(x.shape, (3,))`: a tuple of numbers (a shape) joined from
        parts; no derivative flows through it (an input-dependent part is refused)."""
        parts: list[gast.AST] = []
        run: list[gast.AST] = []
        for e in node.elts:
            if isinstance(e, gast.Starred):
                if run:
                    parts.append(self.temp(gast.Tuple(elts=run, ctx=gast.Load())))
                    run = []
                parts.append(self.atom(e.value))
            else:
                run.append(self.atom(e))
        if run:  # (each part a name: an input-dependent one is seen, and refused)
            parts.append(self.temp(gast.Tuple(elts=run, ctx=gast.Load())))
        call = gast.Call(func=name(self.ctx.helper("unpacked")), args=parts, keywords=[])
        call._ag_fn = runtime.unpacked
        return call

    def expr_List(self, node):
        return gast.List(elts=[self._display_item(e, node) for e in node.elts], ctx=gast.Load())

    def expr_Dict(self, node):
        if any(k is None for k in node.keys):
            raise self.error("dict unpacking ({**d}) is not supported", node)
        return gast.Dict(
            keys=[self.atom(k) for k in node.keys], values=[self._display_item(v, node) for v in node.values]
        )

    def expr_JoinedStr(self, node):
        return self.opaque(node)

    def expr_ListComp(self, node):
        return self.comprehension(node, node.elt)

    def expr_GeneratorExp(self, node):  # materialized: sum(f(x) for x in xs) sums a list
        return self.comprehension(node, node.elt)

    def expr_DictComp(self, node):
        return self.comprehension(node, (node.key, node.value))

    def comprehension(self, node, elt) -> gast.Name:
        """`[elt for x in xs if c]` → a loop appending to a fresh list (dict for dict comprehensions)."""
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        is_dict = isinstance(elt, tuple)
        empty = gast.Dict(keys=[], values=[]) if is_dict else gast.List(elts=[], ctx=gast.Load())
        self.emit(assign(result, empty))
        # comprehension variables live in their own scope: give them fresh names here
        renames: dict[str, str] = {}
        gens = copy.deepcopy(node.generators)
        elt = copy.deepcopy(elt)
        for gen in gens:
            if gen.is_async:
                raise self.error("async comprehensions are not supported", node)
            for n in walk(gen.target):
                if isinstance(n, gast.Name):
                    renames.setdefault(n.id, self.ctx.namer.fresh(n.id))

        def rename(tree):
            for n in walk(tree):
                if isinstance(n, gast.Name) and n.id in renames:
                    n.id = renames[n.id]
            return tree

        if is_dict:
            key, value = rename(elt[0]), rename(elt[1])
            target = gast.Subscript(value=name(result), slice=key, ctx=gast.Store())
            inner: list[gast.stmt] = [assign(target, value, node)]
        else:
            call = gast.Call(
                func=gast.Attribute(value=name(result), attr="append", ctx=gast.Load()), args=[rename(elt)], keywords=[]
            )
            inner = [gast.copy_location(gast.Expr(value=call), node)]
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                inner = [gast.copy_location(gast.If(test=rename(cond), body=inner, orelse=[]), node)]
            loop = gast.For(
                target=rename(gen.target),
                iter=rename(gen.iter) if gen is not gens[0] else gen.iter,
                body=inner,
                orelse=[],
                type_comment=None,
            )
            inner = [gast.copy_location(loop, node)]
        for v in renames.values():
            self.locals.add(v)
        saved_loc = self.loc
        self.block(inner)
        self.loc = saved_loc
        return name(result)

    def expr_Subscript(self, node):
        return gast.Subscript(value=self.atom(node.value), slice=self.index(node.slice), ctx=gast.Load())

    def _note_view(self, target: str, op: gast.AST) -> None:
        """Remember that `target = base[a:b]` is a view of `base` (basic slicing shares memory)."""
        if (
            isinstance(op, gast.Subscript)
            and isinstance(op.value, gast.Name)
            and any(isinstance(n, gast.Slice) for n in walk(op.slice))
        ):
            self.view_bases.setdefault(target, set()).update(self.view_bases.get(op.value.id, {op.value.id}))
        elif isinstance(op, gast.Name) and op.id in self.locals and op.id != target:
            # `t = b` (a branch of `b if c else x`, of `b or x`): t is b itself
            self.view_bases.setdefault(target, set()).update(self.view_bases.get(op.id, {op.id}))

    def index(self, node: gast.AST) -> gast.AST:
        """An index expression whose parts are atoms (slices keep their `a:b:c` syntax)."""
        if isinstance(node, gast.Slice):
            return gast.Slice(
                lower=node.lower and self.atom(node.lower),
                upper=node.upper and self.atom(node.upper),
                step=node.step and self.atom(node.step),
            )
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e) for e in node.elts], ctx=gast.Load())
        return self.atom(node)

    def expr_Call(self, node):
        if any(isinstance(a, gast.Starred) for a in node.args):
            return self._starred_call(node)
        if any(k.arg is None for k in node.keywords):
            raise self.error("keyword unpacking in calls (f(**kw)) are not supported", node)
        if isinstance(node.func, gast.Name) and node.func.id in self.nested:
            return self.nested_call(node)
        if self._dict_receiver(node.func):
            return self.expr(self._dict_method(node))
        fn = getattr(node, "_ag_fn", None) or self.resolve(node.func)  # (a helper call astgrad wrote)
        if isinstance(fn, functools.partial):  # (the function it stands for: frontend/partials.py)
            fn = partial_as_function(fn)
        if fn is not MISSING and called_method(fn) is not None and rules.lookup(fn) is None:
            # `model(w)` of a global model whose class defines __call__: model.__call__(w)
            if "__call__" in getattr(fn, "__dict__", {}):
                raise self.error(
                    f"`{node_source(node.func)}` has an attribute `__call__` of its own: Python calls its "
                    "class's `__call__` method, which astgrad would not read",
                    node,
                    hint="delete the instance's attribute, or call the function it holds by another name",
                )
            method = gast.Attribute(value=clone(node.func), attr="__call__", ctx=gast.Load())
            return self.expr(gast.copy_location(gast.Call(func=method, args=node.args, keywords=node.keywords), node))
        if fn is builtins.list and len(node.args) == 1 and not node.keywords and self._dict_receiver(node.args[0]):
            return self.expr(node.args[0])  # list(d.values()): the list astgrad makes of them is new already
        reverse = [k for k in node.keywords if k.arg == "reverse"]
        if fn is builtins.sorted and len(node.args) == 1 and len(node.keywords) == len(reverse) <= 1:
            if reverse and not (isinstance(reverse[0].value, gast.Constant) and type(reverse[0].value.value) is bool):
                raise self.error(
                    "`sorted(..., reverse=...)` of a value known only when the code runs is not supported", node
                )
            call = gast.Call(func=name(self.ctx.helper("sorted_of")), args=[self.atom(node.args[0])], keywords=[])
            call._ag_fn = runtime.sorted_of  # (a dict's keys, or the items in order: rules/runtime_rules.py)
            if reverse and reverse[0].value.value:  # (the same items from the largest: only ties' places differ)
                backwards = gast.Slice(lower=None, upper=None, step=gast.Constant(value=-1, kind=None))
                return self.expr(gast.copy_location(gast.Subscript(value=call, slice=backwards, ctx=gast.Load()), node))
            return call
        copied = self._container_copy(fn, node)
        if copied is not None:
            return self.expr(copied)
        if fn in (builtins.max, builtins.min) and len(node.args) == 1 and not node.keywords:
            seq = node.args[0]
            if (
                isinstance(seq, (gast.List, gast.Tuple))
                and len(seq.elts) > 1
                and not any(isinstance(e, gast.Starred) for e in seq.elts)
            ):  # max([a, b, c]) is max(a, b, c)
                return self.expr(gast.copy_location(gast.Call(func=node.func, args=seq.elts, keywords=[]), node))
            # max(xs) of numbers: np.max of their array (checked at run time: numbers, not empty)
            items = self.atom(seq)
            label = gast.Constant(value=fn.__name__, kind=None)
            check = gast.Call(func=name(self.ctx.helper("check_numbers")), args=[items, label], keywords=[])
            check._ag_fn = runtime.check_numbers
            self.emit(gast.Expr(value=check))
            array = gast.Call(func=self.ctx.numpy_attr("array"), args=[items], keywords=[])
            array._ag_fn = np.array
            call = gast.Call(func=self.ctx.numpy_attr(fn.__name__), args=[self.temp(array)], keywords=[])
            call._ag_fn = getattr(np, fn.__name__)
            return call
        if fn is np.diff and (extended := self._diff_extended(fn, node)) is not None:
            return self.expr(extended)
        if fn in (np.cross, getattr(np.linalg, "cross", None)) and (along := self._cross_along(fn, node)) is not None:
            return self.expr(along)
        if fn is builtins.divmod and len(node.args) == 2 and not node.keywords:
            # divmod(a, b) is (a // b, a % b), for numbers and (as np.divmod) arrays alike
            a, b = (self.atom(e) for e in node.args)
            parts = [gast.BinOp(left=a, op=op, right=copy.deepcopy(b)) for op in (gast.FloorDiv(), gast.Mod())]
            parts[1].left = copy.deepcopy(a)
            return self.expr(gast.copy_location(gast.Tuple(elts=parts, ctx=gast.Load()), node))
        if fn in (builtins.max, builtins.min) and len(node.args) > 2 and not node.keywords:
            # max(a, b, c) → max(max(a, b), c): the rule is for two arguments
            inner = gast.Call(func=node.func, args=node.args[:-1], keywords=[])
            return self.expr(
                gast.Call(func=node.func, args=[gast.copy_location(inner, node), node.args[-1]], keywords=[])
            )
        if fn is not MISSING:
            self._refuse_output_argument(fn, node)
            self._refuse_overwritten_input(fn, node)
            self._refuse_outside_write_read_back(fn, node)
            cast = self._float_dtype_as_cast(fn, node)
            if cast is not None:
                return self.expr(cast)
            kept = [k for k in node.keywords if not (k.arg == "out" and is_constant(k.value))]  # (out=None)
            reads = not may_write(fn)  # (a function that may write into its arguments gets them as they are)
            call = gast.Call(
                func=clone(node.func),
                args=[self.atom(a, reads) for a in node.args],
                keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value, reads)) for k in kept],
            )
            call._ag_fn = fn
            _respell_keywords(call)
            self._check_augmented_arguments(fn, call)
            self._check_real_argument(fn, call, node)
            return call
        if isinstance(node.func, gast.Attribute):
            self._refuse_missing_module_attribute(node.func)
            return self.method_call(node)
        raise self.error(
            f"calling `{node_source(node.func)}`, which is not a function astgrad can see, is not supported",
            node,
            hint="call module-level functions, imported functions or closures directly",
        )

    def _generator_method(self, receiver: gast.AST, method: str) -> Any:
        """The method `method` of the random generators a local name is bound to, if every binding
        of it is `np.random.default_rng(...)` (or np.random.RandomState(...), np.random.Generator(...))
        and the registry knows the method's draws; else None."""
        if not isinstance(receiver, gast.Name) or receiver.id not in self.user_locals or receiver.id in self.params:
            return None
        makers = {np.random.default_rng: np.random.Generator, np.random.Generator: np.random.Generator}
        makers[np.random.RandomState] = np.random.RandomState
        kinds = set()
        for n in walk(self.parsed.tree):
            stored = [t for t in getattr(n, "targets", [getattr(n, "target", None)]) if t is not None]
            if not any(isinstance(m, gast.Name) and m.id == receiver.id for t in stored for m in walk(t)):
                continue
            value = getattr(n, "value", None)
            ok = isinstance(n, gast.Assign) and len(stored) == 1 and isinstance(stored[0], gast.Name)
            maker = self.resolve(value.func) if ok and isinstance(value, gast.Call) else None
            if maker not in makers:
                return None
            kinds.add(makers[maker])
        fn = getattr(kinds.pop(), method, None) if len(kinds) == 1 else None
        return fn if rules.lookup(fn) is not None else None

    def _check_real_argument(self, fn: Any, call: gast.Call, node: gast.Call) -> None:
        """Before a call of a function whose derivative rules hold for a real first argument only
        (a rule's `real_arguments`: np.linalg.eigh, np.var...), a run-time check that it is real."""
        rule = rules.lookup(fn)
        if rule is None or not rule.real_arguments or not call.args:
            return
        label = f"line {self.parsed.abs_line(node)}: `{node_source(node)}`"
        check = gast.Call(
            func=name(self.ctx.helper("check_real")),
            args=[call.args[0], gast.Constant(value=label, kind=None)],
            keywords=[],
        )
        check._ag_fn = runtime.check_real
        self.emit(gast.Expr(value=check))

    def _starred_call(self, node: gast.Call) -> gast.AST:
        """`np.random.randn(*x.shape)`: star arguments in a call of a function whose result carries
        no derivative (a shape's numbers, a random draw, zeros) are passed as they are."""
        fn = self.resolve(node.func)
        func = clone(node.func)
        if fn is MISSING and isinstance(node.func, gast.Attribute):  # (`rs.randn(*x.shape)` of a local generator)
            fn = self._generator_method(node.func.value, node.func.attr) or MISSING
            if fn is not MISSING:
                func = gast.Attribute(value=self.atom(node.func.value), attr=node.func.attr, ctx=gast.Load())
        rule = rules.lookup(fn) if fn is not MISSING else None
        if rule is None or rule.differentiable or node.keywords and any(k.arg is None for k in node.keywords):
            raise self.error(
                "star-arguments in calls (f(*args)) are supported only in calls whose result carries no derivative "
                "(np.random.randn(*x.shape), np.random.rand(*shape))",
                node,
                hint="pass the arguments one by one (`f(a[0], a[1])`)",
            )
        args = [
            gast.Starred(value=self.atom(a.value), ctx=gast.Load()) if isinstance(a, gast.Starred) else self.atom(a)
            for a in node.args
        ]
        call = gast.Call(
            func=func,
            args=args,
            keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords],
        )
        call._ag_fn = fn
        return call

    def _diff_extended(self, fn: Any, node: gast.Call) -> gast.AST | None:
        """`np.diff(a, n, axis, prepend=p, append=q)` as the differences of what it extends a to:
        `np.diff(np.concatenate([np.broadcast_to(p, slab_shape(a, axis, p)), a, ...], axis), n,
        axis)`, whose every step has its rule (a number p is spread over a slab of a's shape, as
        NumPy does). None for a call without prepend nor append."""
        given = _arguments(fn, node)
        if given is None or "prepend" not in given and "append" not in given:
            return None
        axis = given.get("axis", gast.Constant(value=-1, kind=None))
        parts = []
        for key in ("prepend", "a", "append"):
            if key not in given:
                continue
            v = given[key]
            if key != "a":
                shape = gast.Call(
                    func=name(self.ctx.helper("slab_shape")),
                    args=[copy.deepcopy(given["a"]), copy.deepcopy(axis), copy.deepcopy(v)],
                    keywords=[],
                )
                shape._ag_fn = runtime.slab_shape
                v = gast.Call(func=self.ctx.numpy_attr("broadcast_to"), args=[v, shape], keywords=[])
                v._ag_fn = np.broadcast_to
            parts.append(v)
        joined = gast.Call(
            func=self.ctx.numpy_attr("concatenate"),
            args=[gast.List(elts=parts, ctx=gast.Load())],
            keywords=[gast.keyword(arg="axis", value=copy.deepcopy(axis))],
        )
        joined._ag_fn = np.concatenate
        n = given.get("n", gast.Constant(value=1, kind=None))
        if isinstance(n, gast.Constant) and n.value == 0:
            return gast.copy_location(copy.deepcopy(given["a"]), node)  # (NumPy: a itself, nothing put around it)
        if not isinstance(n, gast.Constant):  # (n = 0 when the code runs: a itself)
            joined = gast.IfExp(test=copy.deepcopy(n), body=joined, orelse=copy.deepcopy(given["a"]))
        differences = gast.Call(func=node.func, args=[joined, copy.deepcopy(n), copy.deepcopy(axis)], keywords=[])
        return gast.copy_location(differences, node)

    def _field_index(self, node: gast.Attribute) -> int | None:
        """The position of the field `node.attr` of the named tuple `node.value` is (a call of a
        function the registry gives `fields`, or a local name bound to such calls alone, each of
        one function), or None. A call that may return something else (`compute_uv=False`, a
        `mode`) is none."""
        calls = [node.value]
        if isinstance(node.value, gast.Name) and node.value.id in self.locals:
            nodes = walk(self.parsed.tree)
            stores = sum(1 for n in nodes if is_name(n, node.value.id) and not isinstance(n.ctx, gast.Load))
            calls = [
                s.value
                for s in nodes
                if isinstance(s, gast.Assign) and len(s.targets) == 1 and is_name(s.targets[0], node.value.id)
            ]
            if len(calls) != stores:
                return None  # (bound otherwise too)
        fields = set()
        for c in calls:
            if not isinstance(c, gast.Call) or any(k.arg in ("compute_uv", "mode") for k in c.keywords):
                return None
            rule = rules.lookup(self.resolve(c.func))
            if rule is None or not rule.fields:
                return None
            fields.add(rule.fields)
        if len(fields) != 1:
            return None
        (names,) = fields
        return names.index(node.attr) if node.attr in names else None

    def _cross_along(self, fn: Any, node: gast.Call) -> gast.AST | None:
        """`np.cross(a, b, axis=k)` (or `axisa`, `axisb`, `axisc`) as the cross product of the
        vectors moved to the last axis, moved back: `np.moveaxis(np.cross(np.moveaxis(a, k, -1),
        np.moveaxis(b, k, -1)), -1, k)`. None for a call along the last axes."""
        given = _arguments(fn, node)
        if given is None or len(node.args) < 2 or len(given) == 2:
            return None
        last = gast.Constant(value=-1, kind=None)
        each = given.get("axis")  # (NumPy: axis, where given, is all three)
        axes = [each if each is not None else given.get(k, last) for k in ("axisa", "axisb", "axisc")]

        def moved(e: gast.AST, source: gast.AST, destination: gast.AST) -> gast.Call:
            call = gast.Call(
                func=self.ctx.numpy_attr("moveaxis"),
                args=[e, copy.deepcopy(source), copy.deepcopy(destination)],
                keywords=[],
            )
            call._ag_fn = np.moveaxis
            return call

        inner = gast.Call(
            func=node.func, args=[moved(node.args[0], axes[0], last), moved(node.args[1], axes[1], last)], keywords=[]
        )
        return gast.copy_location(moved(inner, last, axes[2]), node)

    def _float_dtype_as_cast(self, fn: Any, node: gast.Call) -> gast.AST | None:
        """`f(x, dtype=d)` of a float type d, where f's rule takes no dtype, as the cast it is:
        a ufunc or a reduction of one array computes in d what it computes of its input cast to d
        (`np.exp(np.asarray(x, dtype=d))`, the same values); a function copying a sequence of arrays
        gives, cast, what it gives of the arrays as they are (`np.asarray(np.concatenate(xs), dtype=d)`).
        None for any other call (its rule refuses the keyword)."""
        rule = rules.lookup(fn)
        template = rule and (rule.adjoint or rule.tangent)
        if template is None or "dtype" in template.arguments or is_user_function(fn):
            return None
        given = next((k for k in node.keywords if k.arg == "dtype"), None)
        at = rules.registry.position_of(fn, "dtype")
        args = list(node.args)
        if (
            given is None
            and at is not None
            and at < len(args)
            and not isinstance(fn, np.ufunc)
            and not is_constant(args[at])
        ):
            given = gast.keyword(arg="dtype", value=args[at])  # (`np.add.reduce(x, 1, float)`: NumPy's third)
            args[at] = gast.Constant(value=None, kind=None)
        if given is None or isinstance(given.value, gast.Constant) and given.value.value is None:
            return None
        try:
            kind = np.dtype(
                self.resolve(given.value) if not isinstance(given.value, gast.Constant) else given.value.value
            ).kind
        except TypeError:
            return None
        if kind != "f":
            return None
        first = rules.registry.primitive_parameters(fn, rule)[:1]
        rest = [k for k in node.keywords if k is not given]
        node = gast.copy_location(gast.Call(func=node.func, args=args, keywords=node.keywords), node)
        asarray = self.ctx.numpy_attr("asarray")

        def cast(e: gast.AST) -> gast.Call:
            made = gast.Call(
                func=copy.deepcopy(asarray), args=[e], keywords=[gast.keyword(arg="dtype", value=given.value)]
            )
            made._ag_fn = np.asarray
            return gast.copy_location(made, node)

        if isinstance(fn, np.ufunc) and len(node.args) == fn.nin:
            return gast.Call(func=node.func, args=[cast(a) for a in node.args], keywords=rest)
        if first in (["a"], ["x"], ["array"]) and node.args and not isinstance(fn, np.ufunc):
            return gast.Call(func=node.func, args=[cast(node.args[0]), *node.args[1:]], keywords=rest)
        if first in (["arrays"], ["tup"]):
            return cast(gast.Call(func=node.func, args=node.args, keywords=rest))
        return None

    def _container_copy(self, fn: Any, node: gast.Call) -> gast.AST | None:
        """`list(xs)` and `dict(d)` of one argument are copies of the container, written so that
        astgrad follows each item: `[v for v in xs]`, `{k: d[k] for k in copied_keys(d)}` (a
        dict, checked at run time), and `tuple(xs)` the tuple of such a list. `copy.copy` and
        `copy.deepcopy` are refused with what to write instead."""
        if fn not in (builtins.list, builtins.dict, builtins.tuple, copy.copy, copy.deepcopy):
            return None
        if fn in (copy.copy, copy.deepcopy):
            raise self.error(
                f"`{node_source(node.func)}(...)` is not differentiated (astgrad does not read the standard library's "
                "copying code)",
                node,
                hint="astgrad's gradient never changes your arguments, so a copy is needed only where you write "
                "into it: copy a dict of arrays with `{k: v.copy() for k, v in params.items()}`, a list with "
                "`[w.copy() for w in Ws]`, an array with `x.copy()`",
            )
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], gast.Starred):
            return None
        seq = node.args[0]
        if fn is builtins.tuple:  # (`tuple(xs)`: the tuple of the list `list(xs)` makes, item by item)
            if isinstance(seq, gast.GeneratorExp):
                items: gast.AST | None = gast.ListComp(elt=seq.elt, generators=seq.generators)
            elif isinstance(seq, (gast.ListComp, gast.List)):
                items = seq
            else:
                listed = gast.copy_location(gast.Call(func=name("list"), args=[seq], keywords=[]), node)
                items = self._container_copy(builtins.list, listed)
            made = gast.Call(func=name(self.ctx.helper("tuple_of")), args=[items], keywords=[])
            made._ag_fn = runtime.tuple_of
            return gast.copy_location(made, node)
        if isinstance(seq, (gast.ListComp, gast.GeneratorExp, gast.List)):
            return None  # (list(genexpr) and list([..]): the builtin rules as before)
        v = self.ctx.namer.fresh("item")
        if fn is builtins.list:
            header = isinstance(seq, gast.Call) and self.resolve(seq.func) in (zip, enumerate, reversed, range)
            walked = seq if header else gast.Call(func=name(self.ctx.helper("sequence_of")), args=[seq], keywords=[])
            if not header:  # (a dict's keys, or the sequence itself)
                walked._ag_fn = runtime.sequence_of
            loop = gast.comprehension(target=name(v, gast.Store()), iter=walked, ifs=[], is_async=0)
            return gast.copy_location(gast.ListComp(elt=name(v), generators=[loop]), node)
        keys = gast.Call(func=name(self.ctx.helper("copied_keys")), args=[seq], keywords=[])
        keys._ag_fn = runtime.copied_keys
        loop = gast.comprehension(target=name(v, gast.Store()), iter=keys, ifs=[], is_async=0)
        item = gast.Subscript(value=copy.deepcopy(seq), slice=name(v), ctx=gast.Load())
        return gast.copy_location(gast.DictComp(key=name(v), value=item, generators=[loop]), node)

    def _dict_receiver(self, node: gast.AST) -> bool:
        """Whether `node` is `d.keys`, `d.values`, `d.items` or `d.get` (or a call of one) of a local
        name (no array has these methods) or of a global dict."""
        if isinstance(node, gast.Call):
            node = node.func
        if not (isinstance(node, gast.Attribute) and node.attr in DICT_METHODS):
            return False
        d = node.value
        return isinstance(d, gast.Name) and d.id in self.locals or isinstance(self.resolve(d), dict)

    def _dict_method(self, node: gast.Call) -> gast.AST:
        """A dict's `d.keys()`, `d.values()`, `d.items()`, `d.get(k, default)` in terms of what
        astgrad differentiates: its items `d[k]`, over the keys `dict_keys(d)` (a dict's, in its
        order), and `d[k] if k in d else default`."""
        method, d = node.func.attr, node.func.value
        if node.keywords or len(node.args) not in DICT_METHODS[method]:
            raise self.error(
                f"`.{method}()` with these arguments is not supported",
                node,
                hint="call d.get(key) or d.get(key, default), and d.keys(), d.values(), d.items() without arguments",
            )
        if method == "get":
            key = node.args[0]
            default = node.args[1] if len(node.args) > 1 else gast.Constant(value=None, kind=None)
            test = gast.Compare(left=copy.deepcopy(key), ops=[gast.In()], comparators=[copy.deepcopy(d)])
            item = gast.Subscript(value=copy.deepcopy(d), slice=copy.deepcopy(key), ctx=gast.Load())
            return gast.copy_location(gast.IfExp(test=test, body=item, orelse=default), node)
        keys = gast.Call(func=name(self.ctx.helper("dict_keys")), args=[copy.deepcopy(d)], keywords=[])
        keys._ag_fn = runtime.dict_keys
        if method == "keys":
            return gast.copy_location(keys, node)
        k = self.ctx.namer.fresh("key")
        item = gast.Subscript(value=copy.deepcopy(d), slice=name(k), ctx=gast.Load())
        elt = item if method == "values" else gast.Tuple(elts=[name(k), item], ctx=gast.Load())
        loop = gast.comprehension(target=name(k, gast.Store()), iter=keys, ifs=[], is_async=0)
        return gast.copy_location(gast.ListComp(elt=elt, generators=[loop]), node)

    def method_call(self, node: gast.Call) -> gast.AST:
        method = node.func.attr
        receiver = self.atom(node.func.value, method not in rules.registry.member_names("writes"))
        args = [self.atom(a) for a in node.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords]
        if method == "copy" and not args and not keywords:
            # an array's, a list's or a dict's copy, of its own type (np.copy would make a list or
            # a dict an array): `qs = ps.copy()`, `p = params.copy()`, `h = h.copy()`
            call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[receiver], keywords=[])
            call._ag_fn = runtime.copy_of
            return call
        if method == "clip" and len(args) == 1 and not any(k.arg in ("max", "a_max") for k in keywords):
            args.append(gast.Constant(value=None, kind=None))  # (`x.clip(lo)`: the method's max is optional)
        known = rules.registry.array_methods().get(method)  # (x.sum(1) means np.sum(x, 1): the registry says)
        if known is not None and known[1]:
            fname = known[0]
            if len(args) > 1:
                args = (
                    [self.temp(gast.Tuple(elts=args, ctx=gast.Load()))]
                    if not all(map(is_constant, args))
                    else [gast.Tuple(elts=args, ctx=gast.Load())]
                )
        elif known is not None:
            fname = known[0]
        elif method == "item" and not args and not keywords:  # also of a NumPy scalar (np.sum's result)
            call = gast.Call(func=name(self.ctx.helper("item")), args=[receiver], keywords=[])
            call._ag_fn = runtime.item
            return call
        elif method == "astype":
            fname = None
        elif (drawn := self._generator_method(node.func.value, method)) is not None:
            call = gast.Call(
                func=gast.Attribute(value=receiver, attr=method, ctx=gast.Load()), args=args, keywords=keywords
            )
            call._ag_fn = drawn  # (`rng.random(w.shape)` of `rng = np.random.default_rng(0)`: a draw, kept as written)
            return call
        elif hasattr(np.ndarray, method):
            raise self.error(
                f"the method `.{method}()` is not supported",
                node,
                hint="call the NumPy function instead (np.f(x, ...)) or register a rule",
            )
        elif (
            (hasattr(list, method) or hasattr(dict, method))
            and isinstance(node.func.value, gast.Name)
            and node.func.value.id in self.locals
        ):
            what = "list" if not hasattr(dict, method) else "dict" if not hasattr(list, method) else "list or dict"
            raise self.error(
                f"the {what} method `.{method}()` is not supported: astgrad follows the lists and dicts it sees "
                "built by displays, comprehensions, `.append(v)`, `.extend([a, b])` and `d[key] = v`, and read by "
                "indexing, `.get(key)`, `.items()`, `.keys()` and `.values()`",
                node,
                hint="build the list in the order you need with `.append` (`xs[-1]` reads the last item, "
                "`xs[:-1]` all but it) or a comprehension; write a dict's items with `d[key] = v`",
            )
        elif hasattr(str, method) and not method.startswith("_"):
            # `name.startswith("W")` of a dict's key: checked to be a string's when it runs (no
            # derivative flows through a string), and run as it is
            label = f"line {self.parsed.abs_line(node)}: `{node_source(node)}`"
            check = gast.Call(
                func=name(self.ctx.helper("check_string")),
                args=[receiver, gast.Constant(value=label, kind=None)],
                keywords=[],
            )
            check._ag_fn = runtime.check_string
            self.emit(gast.Expr(value=check))
            bound = gast.Attribute(value=copy.deepcopy(receiver), attr=method, ctx=gast.Load())
            return gast.Call(func=bound, args=args, keywords=keywords)
        else:
            held = node_source(node.func.value)
            hint = (
                "astgrad reads the methods of objects it knows when the gradient is made: with "
                "grad(model.loss), `self.forward(x)` and `self.dense.forward(x)` (an attribute of self, or a "
                "global); write the layers out one by one that way, or call plain functions "
                "(`x = dense_forward(W, x)`)"
            )
            if hasattr(np.random.Generator, method):  # (`rng.normal(...)` of a generator passed in)
                hint = (
                    f"if `{held}` is a random generator passed in, draw the numbers outside the function and "
                    f"pass them as an argument, or use a module-level generator (`RNG = np.random.default_rng(0)`), "
                    "whose methods astgrad reads when the gradient is made"
                )
            raise self.error(
                f"the method `.{method}()` of `{held}` is not supported: `{held}` is known only when the code runs "
                "(an item of a list, a parameter), so astgrad cannot read the method it calls, which may differ "
                "from one object to the next",
                node,
                hint=hint,
            )
        if fname is None:  # x.astype(t) as np.ndarray.astype(x, t): x is an operand, with a rule
            func = gast.Attribute(value=self.ctx.numpy_attr("ndarray"), attr=method, ctx=gast.Load())
            call = gast.Call(func=func, args=[receiver] + args, keywords=keywords)
            call._ag_fn = np.ndarray.astype
            return call
        call = gast.Call(func=self.ctx.numpy_attr(fname), args=[receiver] + args, keywords=keywords)
        call._ag_fn = getattr(np, fname)
        self._refuse_output_argument(call._ag_fn, node, call)
        _respell_keywords(call)
        self._check_real_argument(call._ag_fn, call, node)
        return call
