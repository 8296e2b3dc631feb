"""Loops over a list or tuple parameter of known length unrolled, in specialised code.

A network's layers given as a list of `(W, b)` pairs is walked by a loop whose every step has
arrays of other shapes: `for W, b in layers[:-1]` binds W to a (32, 64) matrix, then a (64, 64)
one. The analyses are flow-insensitive per name, so W's shape is unknown, and so is every value
made from it; the loop's values go on the tape. Specialised for the list's length (specialize/dispatch.py
checks it), the loop is written out, one copy of its body per item:

    for W, b in layers[:-1]:               W, b = layers[0]
        h = np.maximum(h @ W + b, 0.0)  →  h = np.maximum(h @ W + b, 0.0)
                                           W, b = layers[1]
                                           h = np.maximum(h @ W + b, 0.0)

Unrolled are loops at the top level of the function over a parameter that holds a list or tuple
(`for x in p`, `for x in p[a:b]` with literal bounds, `for i in range(len(p))`) of at most
`MAX_ITEMS` items, whose body has no `break`, `continue` or nested function, never writes into or
rebinds the parameter, and has at most `MAX_STATEMENTS` statements. The target holds the last item
after the loop, as in Python. The length being the guard's, `len(p)` is that number, an index loop's
index is its number in each copy of the body (if the body never rebinds it), and a branch on such
numbers (`if i < len(layers) - 1:`) is replaced by the block it takes.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import operator

import gast

from ..ir.trees import walk
from ..rules.registry import member_names
from .parse import ParsedFunction

MAX_ITEMS = 8
MAX_STATEMENTS = 40


def unroll_container_loops(parsed: ParsedFunction, lengths: dict[str, int]) -> ParsedFunction:
    """`parsed` with its loops over the list or tuple parameters of `lengths` written out."""
    tree = parsed.tree
    if parsed.peek("range") is not builtins.range or parsed.peek("len") is not builtins.len:
        return parsed  # (shadowed: the loops are not what they seem)
    if not lengths or not any(_positions(s, lengths, tree) is not None for s in tree.body):
        return parsed
    tree = copy.deepcopy(tree)
    body: list[gast.stmt] = []
    for s in tree.body:
        positions = _positions(s, lengths, tree)
        if positions is None:
            body.append(s)
            continue
        for i in positions:
            body.append(gast.copy_location(gast.Assign(targets=[s.target], value=_item(s, i), type_comment=None), s))
            block = copy.deepcopy(s.body)
            if _index_loop(s) and not _rebinds(block, s.target.id):
                block = [_Substitute({s.target.id: i}).visit(st) for st in block]
            body.extend(block)
    # the lengths are the guard's: `len(layers)` is a number, and a branch on numbers is taken or not
    tree.body = _fold_branches([_Substitute({}, lengths).visit(st) for st in body])
    return dataclasses.replace(parsed, tree=tree)


class _Substitute(gast.NodeTransformer):
    """Names bound to numbers, and `len(p)` of the parameters of known length, as constants."""

    def __init__(self, values: dict[str, int], lengths: dict[str, int] | None = None):
        self.values, self.lengths = values, lengths or {}

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.values:
            return gast.copy_location(gast.Constant(value=self.values[node.id], kind=None), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if (
            isinstance(f, gast.Name)
            and f.id == "len"
            and len(node.args) == 1
            and not node.keywords
            and isinstance(node.args[0], gast.Name)
            and node.args[0].id in self.lengths
        ):
            return gast.copy_location(gast.Constant(value=self.lengths[node.args[0].id], kind=None), node)
        return node


def _rebinds(block: list[gast.stmt], n: str) -> bool:
    return any(
        isinstance(m, gast.Name) and m.id == n and not isinstance(m.ctx, gast.Load) for st in block for m in walk(st)
    )


def _fold_branches(block: list[gast.stmt]) -> list[gast.stmt]:
    """`if <a test of int constants>:` replaced by the block it takes (nested blocks too)."""
    out: list[gast.stmt] = []
    for s in block:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner:
                setattr(s, field, _fold_branches(inner) or [gast.Pass()])
        if isinstance(s, gast.If):
            value = _constant(s.test)
            if value is not None:
                taken = s.body if value else s.orelse
                out.extend(st for st in taken if not isinstance(st, gast.Pass))
                continue
        out.append(s)
    return out


_ARITHMETIC = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.FloorDiv: operator.floordiv,
}
_COMPARE = {
    gast.Lt: operator.lt,
    gast.LtE: operator.le,
    gast.Gt: operator.gt,
    gast.GtE: operator.ge,
    gast.Eq: operator.eq,
    gast.NotEq: operator.ne,
}


def _constant(node: gast.AST) -> int | bool | None:
    """The value of an expression of int constants (arithmetic, comparisons, not/and/or), or None."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, bool):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.Not)):
        v = _constant(node.operand)
        return None if v is None else (-v if isinstance(node.op, gast.USub) else not v)
    if isinstance(node, gast.BinOp) and type(node.op) in _ARITHMETIC:
        a, b = _constant(node.left), _constant(node.right)
        if a is None or b is None or (isinstance(node.op, gast.FloorDiv) and b == 0):
            return None
        return _ARITHMETIC[type(node.op)](a, b)
    if isinstance(node, gast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        values = [_constant(node.left)] + [_constant(c) for c in node.comparators]
        if any(v is None for v in values):
            return None
        return all(_COMPARE[type(op)](x, y) for op, x, y in zip(node.ops, values, values[1:]))
    if isinstance(node, gast.BoolOp):
        values = [_constant(v) for v in node.values]
        if any(v is None for v in values):
            return None
        return all(values) if isinstance(node.op, gast.And) else any(values)
    return None


def _positions(s: gast.stmt, lengths: dict[str, int], tree: gast.FunctionDef) -> list[int] | None:
    """The item positions loop `s` walks, if it is one to unroll."""
    if not isinstance(s, gast.For) or s.orelse:
        return None
    it = s.iter
    p, positions = None, None
    if isinstance(it, gast.Name):
        p = it.id
        if p in lengths:
            positions = list(range(lengths[p]))
    elif isinstance(it, gast.Subscript) and isinstance(it.value, gast.Name) and isinstance(it.slice, gast.Slice):
        p = it.value.id
        bounds = [it.slice.lower, it.slice.upper, it.slice.step]
        if p in lengths and all(b is None or _int_constant(b) is not None for b in bounds):
            values = [None if b is None else _int_constant(b) for b in bounds]
            positions = list(range(lengths[p]))[slice(*values)]
    elif (
        isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "range"
        and len(it.args) == 1
        and isinstance(it.args[0], gast.Call)
        and isinstance(it.args[0].func, gast.Name)
        and it.args[0].func.id == "len"
        and len(it.args[0].args) == 1
        and isinstance(it.args[0].args[0], gast.Name)
        and isinstance(s.target, gast.Name)
    ):
        p = it.args[0].args[0].id
        if p in lengths:
            positions = list(range(lengths[p]))
    if positions is None or len(positions) > MAX_ITEMS or not _plain_body(s, p, tree):
        return None
    return positions


def _index_loop(s: gast.For) -> bool:
    """`for i in range(len(p))`: its items are the positions themselves."""
    return isinstance(s.iter, gast.Call)


def _item(s: gast.For, i: int) -> gast.AST:
    if _index_loop(s):
        return gast.Constant(value=i, kind=None)
    base = s.iter.value if isinstance(s.iter, gast.Subscript) else s.iter
    return gast.Subscript(value=copy.deepcopy(base), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())


def _int_constant(node: gast.AST) -> int | None:
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _int_constant(node.operand)
        return None if inner is None else -inner
    return None


def _plain_body(s: gast.For, p: str, tree: gast.FunctionDef) -> bool:
    if sum(1 for n in walk(gast.Module(body=s.body, type_ignores=[])) if isinstance(n, gast.stmt)) > MAX_STATEMENTS:
        return False
    for n in walk(tree):  # the parameter is never rebound or written into, anywhere
        if isinstance(n, gast.Name) and n.id == p and not isinstance(n.ctx, (gast.Load, gast.Param)):
            return False
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            if _base(n) == p:
                return False
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in member_names("writes"):
            if _base(n.func.value) == p:
                return False
    for n in walk(gast.Module(body=s.body, type_ignores=[])):
        if isinstance(n, (gast.Break, gast.Continue, gast.Return, gast.FunctionDef, gast.Lambda, gast.ClassDef)):
            return False
        if isinstance(n, (gast.Global, gast.Nonlocal, gast.Yield, gast.YieldFrom)):
            return False
    return True


def _base(node: gast.AST) -> str | None:
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None
