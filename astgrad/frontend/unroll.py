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

Unrolled are loops (at any depth) over items whose number the guard fixes, however the loop is
spelled: over a list or tuple parameter (`for x in p`, `p[1:]` and other slices of literal or
length-decided bounds, `reversed(p)`, `enumerate(p)`, `zip(p, q)`) or over numbers a length decides
(`range(len(p))`, `range(1, len(p))`, `range(n)` of a local `n = len(p)` bound once at the top): at
most `MAX_ITEMS` steps, a body without `break`, `continue`, `return` or nested function, of at most
`MAX_STATEMENTS` statements, in a function that never rebinds or writes into the parameter. A loop
over literal numbers (`for t in range(3)`) is the user's and stays a loop. The target holds the
last item after the loop, as in Python. The length being the guard's, `len(p)` is that number, and
so is a local bound once to a number made of lengths; a loop's index (an `enumerate` count, a
`range` number) is its number in each copy of the body if the body never rebinds it, and a branch
on such numbers (`if i < len(layers) - 1:`) is replaced by the block it takes.
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
    builtin = {n for n in _BUILTINS if parsed.peek(n) is getattr(builtins, n)}  # (not shadowed)
    if "len" not in builtin or not lengths:
        return parsed
    known = _local_lengths(tree, lengths, builtin)
    if not any(_steps(s, lengths, known, builtin, tree) is not None for s in walk(tree) if isinstance(s, gast.For)):
        return parsed
    tree = copy.deepcopy(tree)
    tree.body = _unrolled(tree.body, lengths, _local_lengths(tree, lengths, builtin), builtin, tree)
    return dataclasses.replace(parsed, tree=tree)


_BUILTINS = ("len", "range", "enumerate", "zip", "reversed")


def _unrolled(
    block: list[gast.stmt], lengths: dict[str, int], known: dict[str, int], builtin: set[str], tree: gast.FunctionDef
) -> list[gast.stmt]:
    """`block` with its loops over known items written out (in nested blocks too); the lengths are
    the guard's: `len(layers)` is a number, and a branch on numbers is taken or not."""
    out: list[gast.stmt] = []
    for s in block:
        steps = _steps(s, lengths, known, builtin, tree) if isinstance(s, gast.For) else None
        if steps is None:
            s = _Substitute(known, lengths).visit(s)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner:
                    setattr(s, field, _unrolled(inner, lengths, known, builtin, tree))
            out.extend(_fold_branches([s]))
            continue
        for item in steps:
            out.append(gast.copy_location(gast.Assign(targets=[s.target], value=item, type_comment=None), s))
            block = copy.deepcopy(s.body)
            fixed = {n: v for n, v in _bound_numbers(s.target, item).items() if not _rebinds(block, n)}
            if fixed:
                block = [_Substitute(fixed).visit(st) for st in block]
            out.extend(_unrolled(block, lengths, known, builtin, tree))
    return out


def _local_lengths(tree: gast.FunctionDef, lengths: dict[str, int], builtin: set[str]) -> dict[str, int]:
    """Locals bound once, at the top of the function, to a number the lengths decide
    (`n_layers = len(layers)`, `L = len(ls) - 1`): numbers too, after their assignment."""
    stores: dict[str, int] = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    known: dict[str, int] = {}
    for s in tree.body:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            target = s.targets[0].id
            if stores.get(target) == 1 and target not in lengths:
                value = _constant(_Substitute(known, lengths).visit(copy.deepcopy(s.value)))
                if type(value) is int:
                    known[target] = value
    return known


def _bound_numbers(target: gast.AST, value: gast.AST) -> dict[str, int]:
    """The names a step's assignment `target = value` binds to int constants (an enumerate's index)."""
    if isinstance(target, gast.Name):
        return {target.id: value.value} if isinstance(value, gast.Constant) and type(value.value) is int else {}
    if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, gast.Tuple):
        if len(target.elts) == len(value.elts):
            out: dict[str, int] = {}
            for t, v in zip(target.elts, value.elts):
                out.update(_bound_numbers(t, v))
            return out
    return {}


class _Substitute(gast.NodeTransformer):
    """Names bound to numbers, and `len(p)` of the parameters of known length, as constants; an
    `a if <test of numbers> else b` as the value it takes."""

    def visit_IfExp(self, node):
        self.generic_visit(node)
        value = _constant(node.test)
        return node if value is None else node.body if value else node.orelse

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


def _steps(
    s: gast.For, lengths: dict[str, int], known: dict[str, int], builtin: set[str], tree: gast.FunctionDef
) -> list[gast.AST] | None:
    """The value loop `s` binds at each step, if it is one to unroll: a loop over items whose
    number the guard fixes, however it is spelled (`for x in p`, `p[1:]`, `reversed(p)`,
    `enumerate(p)`, `zip(p, q)`, `range(len(p))`, `range(n)` of `n = len(p)`...)."""
    if s.orelse:
        return None
    items = _items(s.iter, lengths, known, builtin)
    if items is None or len(items) > MAX_ITEMS:
        return None
    walked = {n.id for n in walk(s.iter) if isinstance(n, gast.Name) and n.id in lengths}
    if not all(_plain_body(s, p, tree) for p in walked) or not walked and not _plain_body(s, None, tree):
        return None
    return items


def _items(it: gast.AST, lengths: dict[str, int], known: dict[str, int], builtin: set[str]) -> list[gast.AST] | None:
    """The items a loop over `it` walks, one expression each, when their number is known."""
    if isinstance(it, gast.Name) and it.id in lengths:
        return [_subscript(it, i) for i in range(lengths[it.id])]
    if isinstance(it, gast.Subscript) and isinstance(it.slice, gast.Slice):
        items = _items(it.value, lengths, known, builtin) if isinstance(it.value, gast.Name) else None
        bounds = [it.slice.lower, it.slice.upper, it.slice.step]
        values = [None if b is None else _constant(_Substitute(known, lengths).visit(copy.deepcopy(b))) for b in bounds]
        if items is None or any(b is not None and type(v) is not int for b, v in zip(bounds, values)) or values[2] == 0:
            return None
        return items[slice(*values)]
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id in builtin):
        return None
    name, args = it.func.id, it.args
    if any(isinstance(a, gast.Starred) for a in args):
        return None
    if any(k.arg != "start" or name != "enumerate" for k in it.keywords):
        return None
    if name == "range":
        if not 1 <= len(args) <= 3 or not any(_decided_by(a, lengths, known) for a in args):
            return None  # (a range of literal numbers is a loop of the user's: kept)
        values = [_constant(_Substitute(known, lengths).visit(copy.deepcopy(a))) for a in args]
        if any(type(v) is not int for v in values) or len(values) == 3 and values[2] == 0:
            return None
        steps = range(*values)
        return None if len(steps) > MAX_ITEMS else [gast.Constant(value=v, kind=None) for v in steps]
    if name == "reversed" and len(args) == 1:
        items = _items(args[0], lengths, known, builtin)
        return None if items is None else items[::-1]
    if name == "enumerate" and len(args) + len(it.keywords) in (1, 2) and args:
        items = _items(args[0], lengths, known, builtin)
        start = _constant(args[1]) if len(args) == 2 else _constant(it.keywords[0].value) if it.keywords else 0
        if items is None or type(start) is not int:
            return None
        counts = [gast.Constant(value=start + j, kind=None) for j in range(len(items))]
        return [gast.Tuple(elts=[c, x], ctx=gast.Load()) for c, x in zip(counts, items)]
    if name == "zip" and args:
        walks = [_items(a, lengths, known, builtin) for a in args]
        if any(w is None for w in walks):
            return None
        return [gast.Tuple(elts=list(xs), ctx=gast.Load()) for xs in zip(*walks)]
    return None


def _decided_by(node: gast.AST, lengths: dict[str, int], known: dict[str, int]) -> bool:
    """Whether `node` reads a length the guard fixes (`len(p)`, or a local made of one)."""
    for n in walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in known:
            return True
        if (
            isinstance(n, gast.Call)
            and isinstance(n.func, gast.Name)
            and n.func.id == "len"
            and len(n.args) == 1
            and isinstance(n.args[0], gast.Name)
            and n.args[0].id in lengths
        ):
            return True
    return False


def _subscript(p: gast.Name, i: int) -> gast.AST:
    return gast.Subscript(value=copy.deepcopy(p), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())


def _int_constant(node: gast.AST) -> int | None:
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _int_constant(node.operand)
        return None if inner is None else -inner
    return None


def _plain_body(s: gast.For, p: str | None, tree: gast.FunctionDef) -> bool:
    """A body short enough, without jumps or scopes of its own, in a function that never rebinds or
    writes into the parameter `p` it walks (None: a loop over numbers)."""
    if sum(1 for n in walk(gast.Module(body=s.body, type_ignores=[])) if isinstance(n, gast.stmt)) > MAX_STATEMENTS:
        return False
    for n in walk(tree) if p is not None else ():  # the parameter is never rebound or written into, anywhere
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
