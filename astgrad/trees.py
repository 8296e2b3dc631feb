"""A faster `ast.walk` (the transformer walks its trees many times)."""

from __future__ import annotations

import gast

_AST = gast.AST


def walk(node: gast.AST) -> list[gast.AST]:
    """`node` and all its descendants, breadth-first (the order of ast.walk), as a list."""
    todo = [node]
    push = todo.append
    for n in todo:
        for field in n._fields:
            v = getattr(n, field, None)
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, _AST):
                        push(x)
            elif isinstance(v, _AST):
                push(v)
    return todo


def clone(node):
    """A deep copy of an AST (or a list of them), much faster than copy.deepcopy; other
    attribute values (annotations astgrad puts on nodes) are shared, not copied."""
    if node.__class__ is list:
        return [clone(x) for x in node]
    if not isinstance(node, _AST):
        return node
    new = node.__class__.__new__(node.__class__)
    d = new.__dict__
    for k, v in node.__dict__.items():
        d[k] = clone(v) if v.__class__ is list or isinstance(v, _AST) else v
    return new
