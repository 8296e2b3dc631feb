"""Assignment expressions (`(n := len(x))`) in the parts of a statement Python evaluates once,
before the statement runs (an `if`'s test, a `for`'s sequence, an assigned or returned value):
hoisted into an assignment of their own just before the statement, so that every later pass sees
an ordinary assignment. One where that could change what the statement computes (under `and`/`or`,
a conditional expression, a comprehension, a `while` test, or with its name also read in the same
expression) stays, and is refused with the other unsupported constructs."""

from __future__ import annotations

import copy

import gast

from ...ir.trees import find, walk

_ONCE = {gast.If: "test", gast.For: "iter", gast.Assign: "value", gast.AugAssign: "value", gast.Expr: "value"}
_ONCE.update({gast.Return: "value", gast.AnnAssign: "value"})


class _Hoister(gast.NodeTransformer):
    """Replaces the assignment expressions evaluated whenever the expression is by their names,
    collecting `name = value` assignments in evaluation order."""

    def __init__(self) -> None:
        self.hoisted: list[tuple[str, gast.AST]] = []

    def visit_NamedExpr(self, node):
        node.value = self.visit(node.value)
        self.hoisted.append((node.target.id, node.value))
        read = gast.Name(id=node.target.id, ctx=gast.Load(), annotation=None, type_comment=None)
        read._ag_hoisted = True
        return read

    def visit_BoolOp(self, node):  # (the operands after the first may not be evaluated)
        node.values[0] = self.visit(node.values[0])
        return node

    def visit_IfExp(self, node):
        node.test = self.visit(node.test)
        return node

    def _kept(self, node):
        return node

    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _kept


_NAMED = frozenset({gast.NamedExpr})


def hoist_assignment_expressions(body: list[gast.stmt]) -> None:
    """Hoist the assignment expressions of `body`'s statements (and their blocks') in place."""
    i = 0
    while i < len(body):
        st = body[i]
        if isinstance(st, (gast.FunctionDef, gast.Lambda)):
            i += 1
            continue  # (a nested def is lowered on its own)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(st, field, None)
            if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                hoist_assignment_expressions(block)
        field = _ONCE.get(type(st))
        value = getattr(st, field, None) if field else None
        if value is None or not find(value, _NAMED):
            i += 1
            continue
        hoister = _Hoister()
        new = hoister.visit(copy.deepcopy(value))
        targets = {t for t, _ in hoister.hoisted}
        read_elsewhere = any(  # (`f(n) + (n := 2)`: f reads the old n)
            isinstance(n, gast.Name) and n.id in targets and not getattr(n, "_ag_hoisted", False) for n in walk(new)
        )
        if not hoister.hoisted or read_elsewhere:
            i += 1
            continue
        assigns = [
            gast.copy_location(
                gast.Assign(targets=[gast.Name(id=t, ctx=gast.Store(), annotation=None, type_comment=None)], value=v),
                st,
            )
            for t, v in hoister.hoisted
        ]
        setattr(st, field, new)
        body[i:i] = assigns
        i += len(assigns) + 1
