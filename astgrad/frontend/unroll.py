"""Loops over containers of known structure unrolled, in specialised code.

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
length-decided bounds, `reversed(p)`, `enumerate(p)`, `zip(p, q)`); over a dict parameter's keys,
values or items (`for k, W in params.items()`: the guard then checks the keys' order too); over a
literal list of keys (`for k in ["W1", "W2"]`); over numbers a length decides (`range(len(p))`,
`range(1, len(p))`, `range(n)` of a local `n = len(p)` bound once at the top); and over numbers
that index or name a parameter's items (`for i in range(L)` whose body reads `params[f"W{i + 1}"]`
or `ls[i]`, `L` a literal or a global int, whose value the guard checks). At most `MAX_ITEMS` steps,
a body without `break`, `continue`, `return` or nested function, of at most `MAX_STATEMENTS`
statements, in a function that never rebinds or writes into the container. Any other loop over
literal numbers (`for t in range(3)`) is the user's and stays a loop.

The target holds the last item after the loop, as in Python. The lengths being the guard's,
`len(p)` is that number, and so is a local bound once to a number made of lengths; a loop's index
(an `enumerate` count, a `range` number, a key) is its value in each copy of the body if the body
never rebinds it, so that keys built from it (`"W%d" % (i + 1)`, `"W" + str(i)`, f-strings) are
literal keys, and a branch on such values (`if i < len(layers) - 1:`, `if k.startswith("W"):`) is
replaced by the block it takes.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
import operator
from typing import Any

import gast

from ..analysis.activity import base_name
from ..ir.trees import walk
from ..rules.registry import member_names
from .parse import ParsedFunction

MAX_ITEMS = 8
MAX_STATEMENTS = 40

_BUILTINS = ("len", "range", "enumerate", "zip", "reversed", "str")


def unroll_container_loops(
    parsed: ParsedFunction, lengths: dict[str, int], keys: dict[str, tuple[str, ...]] | None = None
) -> ParsedFunction:
    """`parsed` with its loops over the list or tuple parameters of `lengths` and the dict
    parameters of `keys` (their keys in order) written out; its `ordered` names the dict
    parameters walked in their keys' order (the guard checks that order)."""
    if not lengths and not keys:
        return parsed
    loops = _Loops(parsed, lengths, keys or {})
    if "len" not in loops.builtin or not any(
        loops.steps(s, loops.known) is not None for s in walk(parsed.tree) if isinstance(s, gast.For)
    ):
        return parsed
    tree = copy.deepcopy(parsed.tree)
    loops.tree = tree
    tree.body = loops.top_level(tree.body)
    return dataclasses.replace(parsed, tree=tree, ordered=frozenset(loops.ordered))


class _Loops:
    """What the unrolling of one function knows: its containers' lengths and keys, its locals bound
    to numbers they decide, the builtins it may read as such."""

    def __init__(self, parsed: ParsedFunction, lengths: dict[str, int], keys: dict[str, tuple[str, ...]]):
        self.parsed, self.tree = parsed, parsed.tree
        self.lengths, self.keys = lengths, keys
        self.builtin = {n for n in _BUILTINS if parsed.peek(n) is getattr(builtins, n)}  # (not shadowed)
        self.ordered: set[str] = set()  # the dict parameters whose keys' order a loop relies on
        self.stores: dict[str, int] = {}
        for n in walk(self.tree):
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
                self.stores[n.id] = self.stores.get(n.id, 0) + 1
        self.touched: dict[str, bool] = {}  # container → whether the function rebinds or writes into it
        self.known = self._known()

    # ------------------------------------------------------------------ numbers

    def _known(self) -> dict[str, Any]:
        """Locals bound once, at the top of the function, to a number the lengths decide
        (`n_layers = len(layers)`, `L = len(ls) - 1`), with their values."""
        known: dict[str, Any] = {}
        for s in self.tree.body:
            target = _single_target(s)
            if target is not None and self.stores.get(target) == 1 and target not in self.lengths:
                value = self.constant(self.substitute(s.value, known))
                if type(value) is int:
                    known[target] = value
        return known

    def substitute(self, node: gast.AST, values: dict[str, Any], globals_: bool = False) -> gast.AST:
        """A copy of `node` with the known values in it (`_Substitute`)."""
        return _Substitute(values, self.lengths, self, globals_).visit(copy.deepcopy(node))

    def constant(self, node: gast.AST) -> Any:
        return _constant(node, "str" in self.builtin)

    def global_int(self, node: gast.AST) -> int | None:
        """The int a global name holds (`NUM_LAYERS`): the guard checks its value (recorded)."""
        if not isinstance(node, gast.Name) or node.id in self.stores or node.id in self.parsed.cells:
            return None
        value = self.parsed.peek(node.id)
        if type(value) is not int:
            return None
        self.parsed.lookup(node.id)  # (specialised code relies on its value: recorded)
        return value

    # ------------------------------------------------------------------ blocks

    def top_level(self, block: list[gast.stmt]) -> list[gast.stmt]:
        """The function's body unrolled; a local bound to a number is that number after its binding."""
        everywhere = self.known
        known: dict[str, Any] = {}
        out: list[gast.stmt] = []
        for s in block:
            out += self.block([s], known)
            target = _single_target(s)
            if target in everywhere:
                known[target] = everywhere[target]
        return out

    def block(self, block: list[gast.stmt], known: dict[str, Any]) -> list[gast.stmt]:
        """`block` with its loops over known items written out (in nested blocks too), and its
        branches on known values taken or not."""
        out: list[gast.stmt] = []
        for s in block:
            steps = self.steps(s, known) if isinstance(s, gast.For) else None
            if steps is None:
                s = _Substitute(known, self.lengths, self).visit(s)
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(s, field, None)
                    if isinstance(inner, list) and inner:
                        setattr(s, field, self.block(inner, known))
                out.extend(self.fold_branches([s]))
                continue
            for item in steps:
                out.append(gast.copy_location(gast.Assign(targets=[s.target], value=item, type_comment=None), s))
                body = copy.deepcopy(s.body)
                fixed = {n: v for n, v in _bound_values(s.target, item).items() if not _rebinds(body, n)}
                out.extend(self.block(body, {**known, **fixed}))
        return out

    def fold_branches(self, block: list[gast.stmt]) -> list[gast.stmt]:
        """`if <a test of known values>:` replaced by the block it takes (nested blocks too)."""
        out: list[gast.stmt] = []
        for s in block:
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner:
                    setattr(s, field, self.fold_branches(inner) or [gast.Pass()])
            if isinstance(s, gast.If):
                value = self.constant(s.test)
                if value is not None:
                    taken = s.body if value else s.orelse
                    out.extend(st for st in taken if not isinstance(st, gast.Pass))
                    continue
            out.append(s)
        return out

    # ------------------------------------------------------------------ loops

    def steps(self, s: gast.For, known: dict[str, Any]) -> list[gast.AST] | None:
        """The value loop `s` binds at each step, if it is one to unroll."""
        if s.orelse:
            return None
        items = self.items(s.iter, known, s)
        if items is None or len(items) > MAX_ITEMS:
            return None
        walked = {
            n.id for n in walk(s.iter) if isinstance(n, gast.Name) and (n.id in self.lengths or n.id in self.keys)
        }
        if not _plain_body(s.body) or not all(self.untouched(p) for p in walked | self.indexed(s)):
            return None
        return items

    def items(self, it: gast.AST, known: dict[str, Any], loop: gast.For) -> list[gast.AST] | None:
        """The items a loop over `it` walks, one expression each, when their number is known."""
        if isinstance(it, gast.Name) and it.id in self.lengths:
            return [_item(it, i) for i in range(self.lengths[it.id])]
        if isinstance(it, gast.Name) and it.id in self.keys:  # (a dict: its keys)
            self.ordered.add(it.id)
            return [gast.Constant(value=k, kind=None) for k in self.keys[it.id]]
        if isinstance(it, (gast.List, gast.Tuple)) and it.elts:
            if all(isinstance(e, gast.Constant) and type(e.value) is str for e in it.elts):
                return [copy.deepcopy(e) for e in it.elts]  # (literal keys)
            return None
        if isinstance(it, gast.Subscript) and isinstance(it.slice, gast.Slice):
            items = self.items(it.value, known, loop) if isinstance(it.value, gast.Name) else None
            bounds = [it.slice.lower, it.slice.upper, it.slice.step]
            values = [None if b is None else self.constant(self.substitute(b, known)) for b in bounds]
            if items is None or any(b is not None and type(v) is not int for b, v in zip(bounds, values)):
                return None
            return None if values[2] == 0 else items[slice(*values)]
        if not isinstance(it, gast.Call):
            return None
        if isinstance(it.func, gast.Attribute) and isinstance(it.func.value, gast.Name) and not it.args:
            return self.dict_view(it.func.value.id, it.func.attr)
        if not (isinstance(it.func, gast.Name) and it.func.id in self.builtin):
            return None
        name, args = it.func.id, it.args
        if any(isinstance(a, gast.Starred) for a in args):
            return None
        if any(k.arg != "start" or name != "enumerate" for k in it.keywords):
            return None
        if name == "range":
            return self.numbers(args, known, loop)
        if name == "reversed" and len(args) == 1:
            items = self.items(args[0], known, loop)
            return None if items is None else items[::-1]
        if name == "enumerate" and len(args) + len(it.keywords) in (1, 2) and args:
            items = self.items(args[0], known, loop)
            first = args[1] if len(args) == 2 else it.keywords[0].value if it.keywords else None
            start = 0 if first is None else self.constant(first)
            if items is None or type(start) is not int:
                return None
            counts = [gast.Constant(value=start + j, kind=None) for j in range(len(items))]
            return [gast.Tuple(elts=[c, x], ctx=gast.Load()) for c, x in zip(counts, items)]
        if name == "zip" and args:
            walks = [self.items(a, known, loop) for a in args]
            if any(w is None for w in walks):
                return None
            return [gast.Tuple(elts=list(xs), ctx=gast.Load()) for xs in zip(*walks)]
        return None

    def dict_view(self, p: str, method: str) -> list[gast.AST] | None:
        """`p.keys()`, `p.values()`, `p.items()` of a dict parameter: its keys, in order."""
        if p not in self.keys or method not in ("keys", "values", "items"):
            return None
        self.ordered.add(p)
        keys = [gast.Constant(value=k, kind=None) for k in self.keys[p]]
        if method == "keys":
            return keys
        values = [gast.Subscript(value=_load(p), slice=copy.deepcopy(k), ctx=gast.Load()) for k in keys]
        return (
            values if method == "values" else [gast.Tuple(elts=list(kv), ctx=gast.Load()) for kv in zip(keys, values)]
        )

    def numbers(self, args: list[gast.AST], known: dict[str, Any], loop: gast.For) -> list[gast.AST] | None:
        """The numbers of `range(*args)`, if they are to be unrolled: a length decides them, or
        the loop's body indexes (or names the key of) a parameter's items with them."""
        if not 1 <= len(args) <= 3:
            return None
        decided = any(_decided_by(a, self.lengths, known) for a in args)
        if not decided and not self.indexed(loop):
            return None  # (a range of literal numbers is a loop of the user's: kept)
        values = [self.constant(self.substitute(a, known, globals_=True)) for a in args]
        if any(type(v) is not int for v in values) or len(values) == 3 and values[2] == 0:
            return None
        steps = range(*values)
        return None if len(steps) > MAX_ITEMS else [gast.Constant(value=v, kind=None) for v in steps]

    def indexed(self, loop: gast.For) -> set[str]:
        """The containers the loop's body reads an item of by a key its target decides
        (`ls[i]`, `params["W%d" % (i + 1)]`)."""
        if not isinstance(loop.target, gast.Name):
            return set()
        index = loop.target.id
        out = set()
        for n in walk(gast.Module(body=loop.body, type_ignores=[])):
            if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name):
                p = n.value.id
                if (p in self.lengths or p in self.keys) and any(
                    isinstance(m, gast.Name) and m.id == index for m in walk(n.slice)
                ):
                    out.add(p)
        return out

    def untouched(self, p: str) -> bool:
        """Whether the container parameter `p` is never rebound or written into, anywhere."""
        if p not in self.touched:
            self.touched[p] = not self._untouched(p)
        return not self.touched[p]

    def _untouched(self, p: str) -> bool:
        for n in walk(self.tree):
            if isinstance(n, gast.Name) and n.id == p and not isinstance(n.ctx, (gast.Load, gast.Param)):
                return False
            if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
                if base_name(n) == p:
                    return False
            if (
                isinstance(n, gast.Call)
                and isinstance(n.func, gast.Attribute)
                and n.func.attr in member_names("writes")
            ):
                if base_name(n.func.value) == p:
                    return False
        return True


class _Substitute(gast.NodeTransformer):
    """Names bound to known values, and `len(p)` of the parameters of known length, as constants;
    an `a if <test of known values> else b` as the value it takes; a key built of known values
    (`"W%d" % (i + 1)`) as the key. With `globals_`, a global name holding an int too (recorded)."""

    def __init__(self, values: dict[str, Any], lengths: dict[str, int], loops: _Loops, globals_: bool = False):
        self.values, self.lengths, self.loops, self.globals_ = values, lengths, loops, globals_

    def visit_Name(self, node):
        if isinstance(node.ctx, gast.Load) and node.id in self.values:
            return gast.copy_location(gast.Constant(value=self.values[node.id], kind=None), node)
        if self.globals_ and isinstance(node.ctx, gast.Load):
            value = self.loops.global_int(node)
            if value is not None:
                return gast.copy_location(gast.Constant(value=value, kind=None), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        value = self.loops.constant(node.test)
        return node if value is None else node.body if value else node.orelse

    def visit_Call(self, node):
        self.generic_visit(node)
        p = _length_of(node, self.lengths)
        return node if p is None else gast.copy_location(gast.Constant(value=self.lengths[p], kind=None), node)

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.value, gast.Name) and not isinstance(node.slice, (gast.Constant, gast.Slice)):
            key = self.loops.constant(self.loops.substitute(node.slice, self.values, globals_=True))
            if type(key) in (int, str):  # (a key built of known values: the literal key)
                node.slice = gast.copy_location(gast.Constant(value=key, kind=None), node.slice)
        return node


def _single_target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _bound_values(target: gast.AST, value: gast.AST) -> dict[str, Any]:
    """The names a step's assignment `target = value` binds to int or str constants (an
    enumerate's count, a range's number, a key)."""
    if isinstance(target, gast.Name):
        if isinstance(value, gast.Constant) and type(value.value) in (int, str):
            return {target.id: value.value}
        return {}
    if isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, gast.Tuple):
        if len(target.elts) == len(value.elts):
            out: dict[str, Any] = {}
            for t, v in zip(target.elts, value.elts):
                out.update(_bound_values(t, v))
            return out
    return {}


def _rebinds(block: list[gast.stmt], n: str) -> bool:
    return any(
        isinstance(m, gast.Name) and m.id == n and not isinstance(m.ctx, gast.Load) for st in block for m in walk(st)
    )


_ARITHMETIC = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.FloorDiv: operator.floordiv,
    gast.Mod: operator.mod,
}
_COMPARE = {
    gast.Lt: operator.lt,
    gast.LtE: operator.le,
    gast.Gt: operator.gt,
    gast.GtE: operator.ge,
    gast.Eq: operator.eq,
    gast.NotEq: operator.ne,
    gast.In: lambda a, b: a in b,
    gast.NotIn: lambda a, b: a not in b,
}
# methods of a str that give a str, a bool or an int from str and int arguments, and read nothing else
_STR_METHODS = frozenset(
    "startswith endswith lower upper strip lstrip rstrip replace find count isdigit isalpha islower isupper".split()
)


def _constant(node: gast.AST, str_builtin: bool = False) -> Any:
    """The value of an expression of int, bool and str constants (arithmetic, comparisons,
    not/and/or, `%` and `+` of strings, f-strings, `str(n)`, a str's own methods), or None."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, bool, str):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.Not)):
        v = _constant(node.operand, str_builtin)
        if v is None or isinstance(node.op, gast.USub) and type(v) is str:
            return None
        return -v if isinstance(node.op, gast.USub) else not v
    if isinstance(node, gast.Tuple):  # (`"W%d_%d" % (i, j)`)
        values = [_constant(e, str_builtin) for e in node.elts]
        return None if any(v is None for v in values) else tuple(values)
    if isinstance(node, gast.BinOp) and type(node.op) in _ARITHMETIC:
        a, b = _constant(node.left, str_builtin), _constant(node.right, str_builtin)
        if a is None or b is None or isinstance(a, tuple):
            return None
        if isinstance(node.op, (gast.FloorDiv, gast.Mod)) and type(a) is int and b == 0:
            return None
        if type(a) is str and not (isinstance(node.op, gast.Add) and type(b) is str or isinstance(node.op, gast.Mod)):
            return None  # (only `+` of two strings and `%` formatting: no `"ab" * 10**9`)
        if type(a) is not str and (type(b) is str or isinstance(b, tuple)):
            return None
        try:
            return _ARITHMETIC[type(node.op)](a, b)
        except (TypeError, ValueError):
            return None
    if isinstance(node, gast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        values = [_constant(node.left, str_builtin)] + [_constant(c, str_builtin) for c in node.comparators]
        if any(v is None for v in values):
            return None
        try:
            return all(_COMPARE[type(op)](x, y) for op, x, y in zip(node.ops, values, values[1:]))
        except TypeError:
            return None
    if isinstance(node, gast.BoolOp):
        values = [_constant(v, str_builtin) for v in node.values]
        if any(v is None for v in values):
            return None
        return all(values) if isinstance(node.op, gast.And) else any(values)
    if isinstance(node, gast.JoinedStr):  # f"W{i + 1}"
        parts = []
        for v in node.values:
            if isinstance(v, gast.Constant) and type(v.value) is str:
                parts.append(v.value)
                continue
            if not isinstance(v, gast.FormattedValue) or v.conversion not in (-1, None) or v.format_spec is not None:
                return None
            inner = _constant(v.value, str_builtin)
            if type(inner) not in (int, str):
                return None
            parts.append(str(inner))
        return "".join(parts)
    if isinstance(node, gast.Call) and not node.keywords:
        args = [_constant(a, str_builtin) for a in node.args]
        if any(a is None or type(a) not in (int, str) for a in args):
            return None
        f = node.func
        if str_builtin and isinstance(f, gast.Name) and f.id == "str" and len(args) == 1 and type(args[0]) is int:
            return str(args[0])
        if isinstance(f, gast.Attribute) and f.attr in _STR_METHODS:
            receiver = _constant(f.value, str_builtin)
            if type(receiver) is str:
                try:
                    return getattr(receiver, f.attr)(*args)
                except (TypeError, ValueError):
                    return None
    return None


def _decided_by(node: gast.AST, lengths: dict[str, int], known: dict[str, Any]) -> bool:
    """Whether `node` reads a length the guard fixes (`len(p)`, or a local made of one)."""
    for n in walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in known:
            return True
        if _length_of(n, lengths) is not None:
            return True
    return False


def _length_of(node: gast.AST, lengths: dict[str, int]) -> str | None:
    """p of `len(p)`, a parameter of known length; None for anything else."""
    if (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], gast.Name)
        and node.args[0].id in lengths
    ):
        return node.args[0].id
    return None


def _item(p: gast.Name, i: int) -> gast.AST:
    return gast.Subscript(value=copy.deepcopy(p), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())


def _load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _plain_body(body: list[gast.stmt]) -> bool:
    """A body short enough, without jumps or scopes of its own."""
    nodes = walk(gast.Module(body=body, type_ignores=[]))
    if sum(1 for n in nodes if isinstance(n, gast.stmt)) > MAX_STATEMENTS:
        return False
    jumps = (gast.Break, gast.Continue, gast.Return, gast.FunctionDef, gast.Lambda, gast.ClassDef)
    return not any(isinstance(n, jumps + (gast.Global, gast.Nonlocal, gast.Yield, gast.YieldFrom)) for n in nodes)
