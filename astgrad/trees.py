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
