"""Splicing derivative templates (see rules.registry) into generated code."""

from __future__ import annotations

import builtins
import functools
import inspect
from typing import Any

import gast
import numpy as np

from ..frontend.context import Context
from ..ir.trees import clone, clone_with, name, names_in, rebuilt
from ..rules.registry import Rule, Template, display_name


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


@functools.lru_cache(maxsize=None)
def _positional_names(fn: Any) -> tuple[str, ...] | None:
    """The names of `fn`'s positional parameters, or None if it has none to read or takes *args."""
    try:
        real = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in real):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return tuple(p.name for p in real if p.kind in positional)


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
    names = _positional_names(fn)
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
        try:
            binding = template.signature.bind(*args, **keywords)
        except TypeError as exc:
            raise TemplateMismatch(str(exc)) from None
        values: dict[str, Any] = dict(binding.arguments)
        self.passed = frozenset(values)  # the parameters the call gives (the others take defaults)
        for p in template.signature.parameters.values():
            if p.name not in values:
                values[p.name] = literal(p.default)
        self.mapping: dict[str, gast.AST] = {template.params[0]: result, **values}

    def statements(self, role: dict[str, gast.AST | None]) -> list[tuple[str | None, gast.AST, list[gast.stmt]]]:
        """The template body with placeholders replaced.

        `role` maps derivative placeholders (`y_bar`, `x_dot`) to names, or None for a zero
        derivative. Returns (assigned derivative placeholder or None for a temporary, value, prelude)."""
        temps: dict[str, str] = {}
        out = []
        for stmt in self.template.body:
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
                raise TemplateMismatch(
                    f"template {self.template.origin}: only `name = expression` statements are allowed"
                )
            target = stmt.targets[0].id
            value = self._substitute(stmt.value, temps, role)
            if value is None:
                continue  # reads a zero derivative: the whole term vanishes
            if target in role or target.endswith(("_bar", "_dot")):
                out.append((target, value, []))
            else:
                temps[target] = self.ctx.namer.numbered("t")
                out.append((None, value, [temps[target]]))
        return out

    def _substitute(self, expr: gast.AST, temps: dict[str, str], role) -> gast.AST | None:
        sub = _Subst(self, temps, role)
        value = sub.copy(expr)
        return None if sub.zero else value


class _Subst:
    """A template expression with its parameters, derivatives and temporaries filled in."""

    def __init__(self, bound: Bound, temps: dict[str, str], role: dict):
        self.mapping, self.ctx, self.namespace = bound.mapping, bound.ctx, bound.template.namespace
        self.origin = bound.template.origin
        self.temps, self.role = temps, role
        self.zero: list[str] = []
        self.bound_here: set[str] = set()

    def copy(self, expr: gast.AST) -> gast.AST:
        """A copy of the template's `expr`, filled in (the template is left as it is)."""
        self.bound_here = names_in(expr, (gast.Store,))  # names a comprehension inside it binds stay as they are
        return clone_with(expr, self._fill)

    def _fill(self, node: gast.AST, copy) -> gast.AST | None:
        cls = node.__class__
        if cls is gast.Name:
            return self._name(node)
        if cls is gast.IfExp:
            return self._if_exp(node, copy)
        if cls is gast.Subscript:
            value = copy(node.value)
            if isinstance(node.slice, gast.Name) and node.slice.id in self.mapping:
                index = clone(self.mapping[node.slice.id])
            else:
                index = copy(node.slice)
            return rebuilt(node, {"value": value, "slice": index})
        return None

    def _if_exp(self, node: gast.IfExp, copy) -> gast.AST:
        """`g if dtype is None else uncast(g, a, y)` with dtype a literal (or an operation, never
        None: `initial=-1.0`, `-np.inf`): the branch taken, alone."""
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
    return (
        f"`{display_name(fn)}` has no derivative with respect to its parameter `{param}`, and the value passed "
        "there depends on the differentiated input",
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
