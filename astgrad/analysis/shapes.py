"""Static shape facts about a normalized function, known without running it.

Two kinds are enough to remove most broadcasting bookkeeping from generated code:
  * which names are provably 0-d (for a gradient, whose output is checked to be a scalar), and
  * which names provably share one shape (an elementwise operation on operands of one shape,
    or of one shape and constants, has that shape too).
Only names assigned exactly once are considered: a reassigned name may change shape.
"""

from __future__ import annotations

import operator
from typing import Any

import gast
import numpy as np

from .. import rules
from ..ir.trees import is_constant
from .activity import assignment_counts, operands, primitive, walk_statements


def full_reduction(fn: Any) -> bool:
    """Whether `fn(x)`, called on one argument alone, is 0-d (np.sum, np.mean, ...: the registry says)."""
    rule = rules.lookup(fn)
    return rule is not None and rule.full_reduction


def single_definitions(fdef: gast.FunctionDef) -> dict[str, gast.Assign]:
    """name → its only defining `name = value` statement (names bound more than once, by loops
    or by in-place writes are left out)."""
    count = assignment_counts(fdef)
    defs = {
        s.targets[0].id: s
        for s in walk_statements(fdef.body)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
    }
    for p in fdef._ag_params:
        count[p] = count.get(p, 0) + 1
    return {n: s for n, s in defs.items() if count.get(n) == 1}


def stable_parameters(fdef: gast.FunctionDef) -> set[str]:
    """Parameters never rebound or written into: each name holds the argument throughout."""
    count = assignment_counts(fdef)
    return {p for p in fdef._ag_params if not count.get(p)}


def _elementwise(value: gast.AST) -> bool:
    fn = primitive(value)
    if fn is None or fn is tuple:
        return False
    rule = rules.lookup(fn)
    return rule is not None and rule.elementwise


def scalar_names(fdef: gast.FunctionDef, output: str) -> set[str]:
    """Names that are 0-d whenever `output` is: backwards through elementwise operations."""
    defs = single_definitions(fdef)
    params = stable_parameters(fdef)
    scalars = {output}
    work = [output]
    while work:
        s = defs.get(work.pop())
        if s is None or not _elementwise(s.value):
            continue
        for a in operands(s.value):
            if isinstance(a, gast.Name) and a.id not in scalars and (a.id in defs or a.id in params):
                scalars.add(a.id)
                work.append(a.id)
    return scalars


def scalar_check_leaves(fdef: gast.FunctionDef, output: str) -> list[str]:
    """Names whose being 0-d makes `output` 0-d: the leaves of the elementwise tree that
    computes it, leaving out constants and full reductions (0-d anyway). Checking these instead
    of the output lets the output itself go uncomputed when only the gradient is wanted."""
    defs = single_definitions(fdef)
    params = stable_parameters(fdef)
    leaves: list[str] = []
    seen: set[str] = set()
    work = [output]
    while work:
        var = work.pop()
        if var in seen:
            continue
        seen.add(var)
        s = defs.get(var)
        if s is None:
            if var in params:
                leaves.append(var)
                continue
            return [output]  # reassigned somewhere: only the output itself can be checked
        value = s.value
        fn = primitive(value)
        if isinstance(value, gast.Call) and full_reduction(fn) and len(value.args) == 1 and not value.keywords:
            continue
        if _elementwise(value):
            ops = operands(value)
            if not all(isinstance(a, (gast.Name, gast.Constant)) for a in ops):
                return [output]  # (an attribute's array, `np.sum(x) * cfg.W`: only the output itself)
            work += [a.id for a in ops if isinstance(a, gast.Name)]
            continue
        leaves.append(var)
    return sorted(leaves)


class ShapeClasses:
    """Union-find over names provably of one shape."""

    def __init__(self, fdef: gast.FunctionDef, numbers: frozenset[str] = frozenset()):
        """`numbers`: names known to hold Python numbers, which broadcast like constants."""
        self.parent: dict[str, str] = {}
        self._earliest: dict[str, str] | None = None  # class (its root) → its first-defined name
        defs = single_definitions(fdef)
        params = stable_parameters(fdef)
        self.order = {n: i for i, n in enumerate([*sorted(params, key=fdef._ag_params.index), *defs])}
        for var, s in defs.items():
            value = s.value
            names = None
            if isinstance(value, gast.Compare):
                names = [a for a in [value.left, *value.comparators] if not _number(a, numbers)]
            elif _elementwise(value) and primitive(value) is not np.where:
                names = [a for a in operands(value) if not _number(a, numbers)]
            if not names or not all(isinstance(a, gast.Name) and (a.id in defs or a.id in params) for a in names):
                continue
            first = names[0].id
            if all(self.same(first, a.id) for a in names[1:]):
                self._union(var, first)

    def _find(self, a: str) -> str:
        while self.parent.get(a, a) != a:
            a = self.parent[a]
        return a

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[ra] = rb

    def same(self, a: str, b: str) -> bool:
        return a == b or self._find(a) == self._find(b)

    def earliest(self, a: str) -> str:
        """The first-defined name of `a`'s shape class (a parameter if one is in it)."""
        if self._earliest is None:  # (the classes are made: each class's first name, found once)
            self._earliest = {}
            for n in sorted(self.order, key=self.order.__getitem__):
                self._earliest.setdefault(self._find(n), n)
        return self._earliest.get(self._find(a), a)


def _constant(node: gast.AST) -> bool:
    return is_constant(node) and not isinstance(node, gast.Tuple)


def _number(node: gast.AST, numbers: frozenset[str]) -> bool:
    return _constant(node) or (isinstance(node, gast.Name) and node.id in numbers)


__all__ = ["ShapeClasses", "scalar_names", "scalar_check_leaves", "single_definitions", "operator"]
