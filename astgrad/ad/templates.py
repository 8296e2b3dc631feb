"""Splicing derivative templates (see rules.registry) into generated code."""

from __future__ import annotations

import builtins
import inspect
from typing import Any

import gast
import numpy as np

from ..frontend.context import Context
from ..ir.trees import clone, name, names_in, rebuilt
from ..rules.registry import Rule, Template, display_name, keyword_spellings, lookup, positional_names

_AST = gast.AST


def as_value(index: gast.AST, ctx: Context) -> gast.AST:
    """An index expression (`a:b`, `:, None`) as an ordinary value (`slice(a, b)`, ...)."""
    if isinstance(index, gast.Slice):
        parts = [
            p if p is not None else gast.Constant(value=None, kind=None) for p in (index.lower, index.upper, index.step)
        ]
        # slice(a) means slice(None, a): only a missing step (or a missing upper bound of a
        # slice that has no lower bound either) may be left out
        if isinstance(parts[2], gast.Constant) and parts[2].value is None:
            parts.pop()
            if all(isinstance(q, gast.Constant) and q.value is None for q in parts):
                parts = [parts[1]]
        return gast.Call(func=name(ctx.global_ref("slice", builtins.slice)), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[as_value(e, ctx) for e in index.elts], ctx=gast.Load())
    return index


def literal(value: Any) -> gast.AST:
    """A constant as an expression node."""
    if isinstance(value, tuple):
        return gast.Tuple(elts=[literal(v) for v in value], ctx=gast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-value, kind=None))
    return gast.Constant(value=value, kind=None)


def _check_positions(fn: Any, template: Template, count: int) -> None:
    """Refuse a positional argument that NumPy's `fn` reads as another parameter than the template
    does (`np.sum(x, 1, np.float64)`: NumPy's dtype, which the template would take for keepdims).
    The first argument's name may differ (np.array's `object` is np.copy's `a`); NumPy's ufuncs
    (x1, x2) and functions without a signature are read by position only."""
    if (
        fn is None
        or count < 2
        or isinstance(fn, np.ufunc)
        or not (getattr(fn, "__module__", None) or "").startswith(("numpy", "scipy"))
    ):
        return
    names = positional_names(fn)
    if names is None:
        return
    ours = template.params[1:]
    for i in range(1, min(count, len(ours))):
        if i < len(names) and names[i] != ours[i]:
            raise TemplateMismatch(
                f"its argument {i + 1} is NumPy's `{names[i]}`, which the rule does not take by position"
            )


class Bound:
    """A template bound to one primitive application: parameter name → atom in generated code."""

    def __init__(
        self,
        template: Template,
        result: gast.AST,
        args: list[gast.AST],
        keywords: dict[str, gast.AST],
        ctx: Context,
        fn: Any = None,
    ):
        self.template = template
        self.fn = fn
        self.ctx = ctx
        _check_positions(fn, template, len(args))
        spellings = keyword_spellings(fn) if fn is not None else None
        if spellings:  # (a keyword that never changes the values: the call runs with it, the rule reads without)
            keywords = {k: v for k, v in keywords.items() if spellings.get(k, k) is not None}
        values = _bind(template, args, keywords)
        self.passed = frozenset(values)  # the parameters the call gives (the others take defaults)
        for p, default in _prepared(template).defaults:
            if p not in values:
                values[p] = literal(default)
        self.mapping: dict[str, gast.AST] = {template.params[0]: result, **values}

    def statements(self, role: dict[str, gast.AST | None]) -> list[tuple[str | None, gast.AST, list[gast.stmt]]]:
        """The template body with placeholders replaced.

        `role` maps derivative placeholders (`y_bar`, `x_dot`) to names, or None for a zero
        derivative. Returns (assigned derivative placeholder or None for a temporary, value, prelude)."""
        temps: dict[str, str] = {}
        out = []
        for target, expr, bound_here in _prepared(self.template).statements:
            if target is None:
                raise TemplateMismatch(
                    f"template {self.template.origin}: only `name = expression` statements are allowed"
                )
            sub = _Subst(self, temps, role, bound_here)
            value = sub.copy(expr)
            if sub.zero:
                continue  # reads a zero derivative: the whole term vanishes
            if target in role or target.endswith(("_bar", "_dot")):
                out.append((target, value, []))
            else:
                temps[target] = self.ctx.namer.numbered("t")
                out.append((None, value, [temps[target]]))
        return out


class _Prepared:
    """What instantiating a template needs of it, found once per template (never changed: a
    template is not changed once registered, and its instances are copies)."""

    def __init__(self, template: Template):
        params = list(template.signature.parameters.values())
        # the positional parameters, in order, and every parameter's default (in the signature's order)
        self.positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        self.names = frozenset(p.name for p in params)
        self.order = {p.name: i for i, p in enumerate(params)}
        self.required = frozenset(p.name for p in params if p.default is inspect.Parameter.empty)
        self.defaults = [(p.name, p.default) for p in params]
        # (assigned name or None where the statement is no `name = expression`, its expression, the
        # names a comprehension inside the expression binds: they stay as they are)
        self.statements: list[tuple[str | None, gast.AST | None, frozenset[str]]] = []
        for stmt in template.body:
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
                self.statements.append((None, None, frozenset()))
                continue
            self.statements.append((stmt.targets[0].id, stmt.value, frozenset(names_in(stmt.value, (gast.Store,)))))


_PREPARED: dict[int, tuple[Template, _Prepared]] = {}  # id(template) → it and what instantiating it needs


def _prepared(template: Template) -> _Prepared:
    known = _PREPARED.get(id(template))
    if known is None or known[0] is not template:
        known = _PREPARED[id(template)] = (template, _Prepared(template))
    return known[1]


def _bind(template: Template, args: list[gast.AST], keywords: dict[str, gast.AST]) -> dict[str, Any]:
    """The template's parameters the call's `args` and `keywords` give, by name, in the order of the
    template's signature (Signature.bind's `arguments`; a call that does not fit is refused with
    its message)."""
    prep = _prepared(template)
    positional = prep.positional
    if len(args) <= len(positional) and not (keywords.keys() - prep.names):
        given = dict(zip(positional, args))
        if given.keys().isdisjoint(keywords) and prep.required <= (given.keys() | keywords.keys()):
            if keywords:
                given.update(keywords)
                order = prep.order
                given = {p: given[p] for p in sorted(given, key=order.__getitem__)}
            return given
    try:  # (what does not fit: refused, in the signature's words)
        return dict(template.signature.bind(*args, **keywords).arguments)
    except TypeError as exc:
        raise TemplateMismatch(str(exc)) from None


class _Subst:
    """A template expression with its parameters, derivatives and temporaries filled in."""

    def __init__(self, bound: Bound, temps: dict[str, str], role: dict, bound_here: frozenset[str]):
        self.mapping, self.ctx, self.namespace = bound.mapping, bound.ctx, bound.template.namespace
        self.origin = bound.template.origin
        self.temps, self.role = temps, role
        self.zero: list[str] = []
        self.bound_here = bound_here

    def copy(self, node: gast.AST) -> gast.AST:
        """A copy of the template's `node`, filled in (the template is left as it is)."""
        cls = node.__class__
        if cls is gast.Name:
            return self._name(node)
        if cls is gast.IfExp:
            return self._if_exp(node)
        new = cls.__new__(cls)
        d = new.__dict__
        copy = self.copy
        index = node.slice if cls is gast.Subscript else None
        for k, v in node.__dict__.items():
            if v.__class__ is list:
                d[k] = [copy(x) if isinstance(x, _AST) else x for x in v]
            elif v is index and v.__class__ is gast.Name and v.id in self.mapping:
                d[k] = clone(self.mapping[v.id])  # (an index parameter: the index as it is, not as a value)
            elif isinstance(v, _AST):
                d[k] = copy(v)
            else:
                d[k] = v
        return new

    def _if_exp(self, node: gast.IfExp) -> gast.AST:
        """`g if dtype is None else uncast(g, a, y)` with dtype a literal (or an operation, never
        None: `initial=-1.0`, `-np.inf`): the branch taken, alone."""
        copy = self.copy
        t = copy(node.test)
        if (
            isinstance(t, gast.Compare)
            and len(t.ops) == 1
            and isinstance(t.ops[0], (gast.Is, gast.IsNot))
            and isinstance(t.left, (gast.Constant, gast.UnaryOp, gast.BinOp))
            and isinstance(t.comparators[0], gast.Constant)
            and t.comparators[0].value is None
        ):
            taken = (isinstance(t.left, gast.Constant) and t.left.value is None) == isinstance(t.ops[0], gast.Is)
            return copy(node.body if taken else node.orelse)
        body = copy(node.body)
        return rebuilt(node, {"test": t, "body": body, "orelse": copy(node.orelse)})

    def _name(self, node: gast.Name) -> gast.AST:
        n = node.id
        if n in self.bound_here:
            return clone(node)
        role = self.role
        if n in role:
            if role[n] is None:
                self.zero.append(n)
                return clone(node)
            return clone(role[n])
        if n in self.mapping:
            return as_value(clone(self.mapping[n]), self.ctx)
        if n in self.temps:
            return name(self.temps[n])
        obj = self.namespace.get(n, getattr(builtins, n, None))
        if obj is None and n not in self.namespace:
            raise TemplateMismatch(f"template {self.origin} uses unknown name {n!r}")
        return name(self.ctx.global_ref(n, obj))


def refused_parameter(rule: Rule, mode: str, bound: Bound, active: set[str]) -> str | None:
    """The first parameter of `bound`'s primitive that an active value reaches but that has no
    derivative in `mode` ("adjoint" or "tangent") and is not static by nature, or None. Such a
    value would otherwise be differentiated as if it were a constant: a silent zero."""
    result = bound.template.params[0]
    for param, node in bound.mapping.items():
        if param != result and isinstance(node, gast.Name) and node.id in active and rule.refuses(param, mode):
            return param
    return None


def refusal_message(fn: Any, param: str) -> tuple[str, str]:
    """The message and hint of a TransformError for an active value at a parameter of primitive
    `fn` without a derivative."""
    note = getattr(lookup(fn), "note", "")
    return (
        f"`{display_name(fn)}` has no derivative with respect to its parameter `{param}`, and the value passed "
        "there depends on the differentiated input" + (f" ({note})" if note else ""),
        f"if no derivative should flow through `{param}`, wrap its value in astgrad.stop_gradient",
    )


class TemplateMismatch(Exception):
    """A primitive application does not fit its template (an unsupported argument, say)."""


__all__ = ["Bound", "TemplateMismatch", "as_value", "literal", "refusal_message", "refused_parameter"]


def refuse_active_star_argument(ctx: Context, fn: Any, arguments: dict, active: set[str], call: gast.AST) -> None:
    """Refuse a call of user function `fn` that passes a value depending on the differentiated
    input through its `*args` or `**kwargs` (`arguments`: parameter → the atoms bound to it): the
    called function is differentiated with respect to its named parameters only."""
    for param, given in arguments.items():
        items = given.values() if isinstance(given, dict) else given if isinstance(given, tuple) else ()
        if any(isinstance(a, gast.Name) and a.id in active for a in items):
            star = "**" if isinstance(given, dict) else "*"
            raise ctx.parsed.error(
                f"`{fn.__name__}` receives a value that depends on the differentiated input through its star "
                f"argument `{star}{param}`: astgrad differentiates a called function with respect to its named "
                "parameters only",
                call,
                hint=f"give `{fn.__name__}` a named parameter for that value",
            )
