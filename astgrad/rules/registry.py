"""The derivative-rule table: primitive → adjoint and tangent templates.

A template is a plain Python function whose parameters name the primitive's result and arguments,
in the primitive's own order: `def _(y, x, axis=None)` for `y = np.sum(x, axis=None)`.
In its body `x_bar` is the adjoint of `x`, `x_dot` its tangent; an adjoint template assigns a
contribution to each argument's adjoint (`x_bar = ...`), a tangent template assigns the result's
tangent (`y_dot = ...`). Other names assigned in a template are temporaries. Templates are parsed
once and spliced into generated code; they are never called.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import gast

from .. import convert
from ..errors import AstgradError


@dataclass
class Template:
    """One parsed derivative template."""

    params: list[str]  # result first, then the primitive's parameters
    signature: inspect.Signature  # of the primitive's parameters (result dropped)
    body: list[gast.stmt]
    namespace: dict[str, Any]  # globals of the module that wrote the template
    origin: str


@dataclass
class Rule:
    """What astgrad knows about one primitive."""

    fn: Any
    adjoint: Template | None = None
    tangent: Template | None = None
    differentiable: bool = True
    elementwise: bool = False  # result shape = broadcast of the arguments' shapes
    aliases: list[Any] = field(default_factory=list)


RULES: dict[Any, Rule] = {}


def _key(fn: Any) -> Any:
    try:
        hash(fn)
        return fn
    except TypeError:
        return id(fn)


def lookup(fn: Any) -> Rule | None:
    """The rule for primitive `fn`, if astgrad has one."""
    try:
        return RULES.get(_key(fn))
    except TypeError:
        return None


def _rule(fn: Any) -> Rule:
    key = _key(fn)
    if key not in RULES:
        RULES[key] = Rule(fn)
    return RULES[key]


def _parse_template(func: Callable) -> Template:
    source = textwrap.dedent(inspect.getsource(func))
    tree = convert.parse(source).body[0]
    return _template_from_tree(tree, func.__globals__, f"{func.__module__}.{func.__qualname__}")


def _template_from_tree(tree: gast.FunctionDef, namespace: dict, origin: str) -> Template:
    body = [s for s in tree.body if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
    args = tree.args
    names = [a.id for a in args.posonlyargs + args.args]
    if not names:
        raise AstgradError(f"derivative template {origin} needs the result as its first parameter")
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    params = []
    for i, a in enumerate(args.args[1:], start=1):
        d = defaults[i]
        default = inspect.Parameter.empty if d is None else gast.literal_eval(d)
        params.append(inspect.Parameter(a.id, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        default = inspect.Parameter.empty if d is None else gast.literal_eval(d)
        params.append(inspect.Parameter(a.id, inspect.Parameter.KEYWORD_ONLY, default=default))
        names.append(a.id)
    return Template(params=names, signature=inspect.Signature(params), body=body, namespace=namespace, origin=origin)


def _registrar(fn: Any, mode: str) -> Callable[[Callable], Callable]:
    def register(template: Callable) -> Callable:
        setattr(_rule(fn), mode, _parse_template(template))
        return template

    return register


def adjoint(fn: Any) -> Callable[[Callable], Callable]:
    """Register the decorated template as the adjoint (reverse-mode) rule of primitive `fn`.

    >>> @adjoint(my_softplus)
    ... def _(y, x):
    ...     x_bar = y_bar / (1.0 + np.exp(-x))
    """

    return _registrar(fn, "adjoint")


def tangent(fn: Any) -> Callable[[Callable], Callable]:
    """Register the decorated template as the tangent (forward-mode) rule of primitive `fn`.

    >>> @tangent(my_softplus)
    ... def _(y, x):
    ...     y_dot = x_dot / (1.0 + np.exp(-x))
    """

    return _registrar(fn, "tangent")


def elementwise(fn: Any, derivative: str, namespace: dict, arg: str = "x") -> None:
    """Register both rules of a one-argument elementwise function from its derivative, an
    expression in `x` (the argument) and `y` (the result): elementwise(np.exp, "y", globals())."""
    template = f"def _(y, {arg}):\n    {arg}_bar = y_bar * {derivative}\n"
    tangent_src = f"def _(y, {arg}):\n    y_dot = {arg}_dot * {derivative}\n"
    origin = f"{getattr(fn, '__name__', fn)} derivative {derivative!r}"
    rule = _rule(fn)
    rule.elementwise = True
    rule.adjoint = _template_from_tree(convert.parse(template).body[0], namespace, origin)
    rule.tangent = _template_from_tree(convert.parse(tangent_src).body[0], namespace, origin)


def passthrough(fn: Any, namespace: dict, extra: int = 16) -> None:
    """Register both rules of a function whose result is its first argument's value (a copy at
    most), the others (up to `extra`) read but not differentiated: `distinct(value, *earlier)`."""
    others = "".join(f", e{i}=None" for i in range(extra))
    origin = f"{getattr(fn, '__name__', fn)} passes its first argument through"
    rule = _rule(fn)
    rule.adjoint = _template_from_tree(
        convert.parse(f"def _(y, value{others}):\n    value_bar = y_bar\n").body[0], namespace, origin
    )
    rule.tangent = _template_from_tree(
        convert.parse(f"def _(y, value{others}):\n    y_dot = value_dot\n").body[0], namespace, origin
    )


def alias(fn: Any, *others: Any) -> None:
    """Make each of `others` use the rule of `fn` (np.add and `+`, np.amax and np.max)."""
    rule = _rule(fn)
    for other in others:
        RULES[_key(other)] = rule


def nondifferentiable(*fns: Any) -> None:
    """Declare primitives whose outputs carry no derivative (shapes, indices, comparisons)."""
    for fn in fns:
        _rule(fn).differentiable = False


def mark_elementwise(*fns: Any) -> None:
    """Declare primitives whose result has the broadcast shape of their arguments."""
    for fn in fns:
        _rule(fn).elementwise = True
