"""Conversion between gast trees and the standard library's, faster than gast's own converters
(which rebuild every node through a NodeTransformer and copy source locations astgrad's printing
does not need)."""

from __future__ import annotations

import ast
from typing import Any

import gast


def parse(text: str, mode: str = "exec") -> Any:
    """gast.parse(text, mode), with the same tree (source locations included)."""
    return from_ast(ast.parse(text, mode=mode))


def from_ast(node: Any) -> Any:
    """The gast tree of a standard-library AST, with its source locations."""
    if node.__class__ is list:
        return [from_ast(x) for x in node]
    if not isinstance(node, ast.AST):
        return node
    cls = node.__class__
    special = _FROM_SPECIAL.get(cls)
    if special is not None:
        return special(node)
    target = _GAST_CLASS.get(cls)
    if target is None:
        target = _GAST_CLASS[cls] = getattr(gast, cls.__name__)
    new = target.__new__(target)
    d = new.__dict__
    src = node.__dict__
    for f in cls._fields:
        if f in src:
            v = src[f]
            d[f] = v if v is None or v.__class__ in _PLAIN else from_ast(v)
    for f in _EXTRA.get(cls, ()):
        d[f] = [] if f == "type_params" else None
    _locate(new, node)
    return new


def _arg(node):
    new = gast.Name(node.arg, gast.Param(), from_ast(node.annotation), node.type_comment)
    _locate(new, node)
    return new


def _handler(node):
    name = gast.Name(node.name, gast.Store(), None, None) if node.name else None
    new = gast.ExceptHandler(from_ast(node.type), name, from_ast(node.body))
    _locate(new, node)
    return new


def _locate(new, node):
    """Copy `node`'s source location onto `new`."""
    src, d = node.__dict__, new.__dict__
    for a in node._attributes:
        if a in src:
            d[a] = src[a]


_PLAIN = {str, int, float, bool, complex, bytes}
_GAST_CLASS: dict[type, type] = {}
_FROM_SPECIAL = {
    ast.arg: _arg,
    ast.ExceptHandler: _handler,
    ast.Load: lambda node: gast.Load(),
    ast.Store: lambda node: gast.Store(),
    ast.Del: lambda node: gast.Del(),
}
# gast fields the standard AST lacks (on the Python versions astgrad supports)
_EXTRA = {
    cls: tuple(f for f in getattr(gast, cls.__name__)._fields if f not in cls._fields)
    for cls in (ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arguments)
}


def to_ast(node: Any, comments: list[str] | None = None) -> Any:
    """The standard-library AST of a gast tree (without source locations, which printing does
    not need). With `comments`, a comment marker (see reverse.comment) becomes a string
    statement `"#ag#<i>"`, its text appended to `comments`."""
    if node.__class__ is list:
        return [to_ast(x, comments) for x in node]
    if not isinstance(node, gast.AST):
        return node
    cls = node.__class__
    special = _SPECIAL.get(cls)
    if special is not None:
        return special(node, comments)
    target = _AST_CLASS.get(cls)
    if target is None:
        target = _AST_CLASS[cls] = getattr(ast, cls.__name__)
    d = node.__dict__
    fields = {}
    for f in target._fields:  # all passed to the constructor: Python 3.15 requires them there
        v = d.get(f)
        fields[f] = v if v is None or v.__class__ in _PLAIN else to_ast(v, comments)
    return target(**fields)


_AST_CLASS: dict[type, type] = {}
_CONTEXTS = {gast.Load: ast.Load(), gast.Store: ast.Store(), gast.Del: ast.Del()}


def _name(node, comments):
    if node.ctx.__class__ is gast.Param:
        return ast.arg(arg=node.id, annotation=to_ast(node.annotation, comments), type_comment=None)
    return ast.Name(id=node.id, ctx=_CONTEXTS[node.ctx.__class__])


def _expr(node, comments):
    if comments is not None and getattr(node, "_ag_comment", False):
        comments.append(node.value.value)
        return ast.Expr(value=ast.Constant(value=f"#ag#{len(comments) - 1}", kind=None))
    return ast.Expr(value=to_ast(node.value, comments))


def _handler(node, comments):
    name = node.name.id if node.name is not None else None
    return ast.ExceptHandler(type=to_ast(node.type, comments), name=name, body=to_ast(node.body, comments))


_SPECIAL = {
    gast.Name: _name,
    gast.Expr: _expr,
    gast.ExceptHandler: _handler,
    gast.Load: lambda node, comments: _CONTEXTS[gast.Load],
    gast.Store: lambda node, comments: _CONTEXTS[gast.Store],
    gast.Del: lambda node, comments: _CONTEXTS[gast.Del],
}
