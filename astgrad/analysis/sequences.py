"""Which `+` and `*` statements join or repeat lists and tuples rather than add or multiply numbers.

`ps + [x]` is concatenation and `xs * 2` repetition when an operand is a list or a tuple: other
functions than the arithmetic of arrays, with other derivatives (a part's adjoint is its slice of
the result's; a repeated item's is the sum of its copies'). Differentiated with the rules of
arithmetic, `xs * 2` would give a gradient twice too long, and `[1.0] + [x]` a tangent spread over
both items. Where an operand is known to be a list or tuple, the statement is differentiated as a
call of `joined` or `repeated` (runtime/containers.py, their rules in rules/runtime_rules.py); the
forward pass keeps the user's operator, whose value is the same.

Known: a name every assignment of which makes a list or tuple (a display, a comprehension's list, a
slice or a join or repetition of a known one, `sorted`, `unpacked`), and in specialised code a
name the shape facts know as a list or tuple (a parameter the guard checks, and what is made of it).
Where one operand is a known sequence and the other is not known (`ys + x`, `[h] * n` of
parameters in general code), the statement is arithmetic, right for an array, and reverse mode
checks where it runs that Python does not join or repeat there (`ambiguous`,
runtime.check_elementwise). Where nothing shows a sequence at all (a list parameter of general
code), `possible_sequences` keeps the `unbroadcast` that refuses a list adjoint of another length.
"""

from __future__ import annotations

import builtins
import copy
import operator
from typing import TYPE_CHECKING, NamedTuple

import gast
import numpy as np

from .. import runtime
from ..ir.trees import name, walk_statements
from .activity import primitive

if TYPE_CHECKING:
    from ..frontend.context import Context
    from .shape_facts import ShapeFacts

_MAKES_SEQUENCE = (runtime.sorted_of, runtime.unpacked, runtime.joined, runtime.repeated)


class Sequences(NamedTuple):
    """What sequence_calls finds."""

    # id(statement) → the call of `joined(a, b)` or `repeated(a, n)` that its `a + b` or `a * n`
    # (`n * a`) is; the sequence operand where the other is not known (a list and an array add
    # elementwise, a list and a Python int repeat): arithmetic, checked where it runs (ambiguous)
    calls: dict[int, gast.AST]
    # the names known to hold lists or tuples where such a statement is (their adjoints are summed
    # as containers are, item by item)
    names: frozenset[str]


def sequence_calls(fdef: gast.FunctionDef, facts: ShapeFacts | None = None) -> Sequences:
    """The `+` and `*` statements of `fdef` with an operand known to be a list or tuple (module
    docstring). The calls are bound to their rules and never rendered."""
    arithmetic = [
        s
        for s in walk_statements(fdef.body)
        if isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and primitive(s.value) in (operator.add, operator.mul)
    ]
    if not arithmetic:
        return Sequences({}, frozenset())
    values = _values(fdef)
    sequences = known_sequences(fdef, facts, values)

    def known(atom: gast.AST) -> bool:
        if isinstance(atom, (gast.List, gast.Tuple)):
            return True
        return isinstance(atom, gast.Name) and atom.id in sequences

    def other(atom: gast.AST) -> str | None:
        """What the operand beside a sequence is: "int" (a Python int: repetition), "number or
        array" (arithmetic: elementwise, or a TypeError), or None (not known)."""
        if isinstance(atom, gast.Constant):
            return "int" if type(atom.value) in (int, bool) else "number or array"
        if not isinstance(atom, gast.Name):
            return None
        made = values.get(atom.id)
        if made and all(_an_int(v, values) for v in made):
            return "int"
        if facts is not None and facts.shape(atom.id) is not None:
            return "int" if facts.shape(atom.id) == () and facts.kind(atom.id) in ("i", "b") else "number or array"
        return None

    found: dict[int, gast.AST] = {}
    for s in arithmetic:
        a, b = s.value.left, s.value.right
        if not (known(a) or known(b)):
            continue
        if isinstance(s.value.op, gast.Add):
            if known(a) and known(b):
                found[id(s)] = _call(runtime.joined, a, b)
            elif other(b if known(a) else a) is None:
                found[id(s)] = a if known(a) else b  # (the sequence: arithmetic, checked where it runs)
        elif not (known(a) and known(b)):
            seq, n = (a, b) if known(a) else (b, a)
            kind = other(n)
            if kind == "int":
                found[id(s)] = _call(runtime.repeated, seq, n)
            elif kind is None:
                found[id(s)] = seq
    return Sequences(found, frozenset(sequences) if found else frozenset())


def _values(fdef: gast.FunctionDef) -> dict[str, list[gast.AST | None]]:
    """name → the values its assignments bind (None: a parameter's, a loop target's, an unpacked one's)."""
    values: dict[str, list[gast.AST | None]] = {}
    args = fdef.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if a is not None:
            values[a.id] = [None]  # (a parameter: a list where the facts say so)
    for s in walk_statements(fdef.body):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            values.setdefault(s.targets[0].id, []).append(s.value)
            continue
        bound = s.targets if isinstance(s, gast.Assign) else [getattr(s, "target", None)]
        for t in bound:  # (a loop's target, an augmented assignment's, an unpacking's)
            for node in gast.walk(t) if t is not None else ():
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                    values.setdefault(node.id, []).append(None)
    return values


def known_sequences(fdef: gast.FunctionDef, facts: ShapeFacts | None = None, values: dict | None = None) -> set[str]:
    """The names known to hold lists or tuples: the largest set each of whose names every
    assignment makes a sequence, given the set (a loop's `hs = hs + [h]` is one if what starts it
    is one), and the names the facts know as lists or tuples."""
    values = _values(fdef) if values is None else values
    made = {
        n: [v for v in vs if v is None or primitive(v) is not runtime.pop]  # (a value restored from a
        for n, vs in values.items()  # gradient's tape is what was saved: another of its assignments)
    }
    listed = {n for n in made if facts is not None and _listed(facts, n)}
    sequences = {n for n, vs in made.items() if vs and None not in vs} | listed

    def known(atom: gast.AST) -> bool:
        if isinstance(atom, (gast.List, gast.Tuple)):
            return True
        return isinstance(atom, gast.Name) and atom.id in sequences

    shrunk = True
    while shrunk:
        shrunk = False
        for n in list(sequences - listed):
            if not all(_makes_sequence(v, known) for v in made[n]):
                sequences.discard(n)
                shrunk = True
    return sequences


_READS_SEQUENCE = (
    runtime.check_sequence,
    runtime.sequence_of,
    runtime.sorted_of,
    runtime.numbers_as_array,
    np.array,
    np.asarray,
    builtins.len,
    builtins.sum,
    builtins.zip,
    builtins.enumerate,
    builtins.reversed,
)


def possible_sequences(fdef: gast.FunctionDef) -> set[str]:
    """The names that may hold a list or tuple where nothing says which (general code): each
    walked as a sequence (a loop over it, `len`, `sum`, `zip`...), and the operands and results of
    the `+` and `*` that make or take one. The arithmetic rules' adjoints of such an operand keep
    their `unbroadcast`, which refuses a list adjoint of another length than its list (a join or
    repetition the rules of arithmetic would get wrong)."""
    found: set[str] = set()
    links: list[tuple[str, list[str]]] = []
    for s in walk_statements(fdef.body):
        for node in gast.walk(s):
            if isinstance(node, gast.Call) and getattr(node, "_ag_fn", None) in _READS_SEQUENCE:
                found |= {a.id for a in node.args if isinstance(a, gast.Name)}
        if (
            isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name)
            and primitive(s.value) in (operator.add, operator.mul)
        ):
            ops = [a.id for a in (s.value.left, s.value.right) if isinstance(a, gast.Name)]
            links.append((s.targets[0].id, ops))
        elif isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Name):
            links.append((s.targets[0].id, [s.value.id]))  # (`ys = xs`: one object)
    changed = bool(found)
    while changed:
        changed = False
        for target, ops in links:
            if target in found or any(o in found for o in ops):
                new = {target, *ops} - found
                if new:
                    found |= new
                    changed = True
    return found


def _an_int(value: gast.AST | None, values: dict) -> bool:
    """Whether `value` is a Python int: an int literal, `len(...)`, `int(...)`, an element of a shape
    (`t = x.shape; n = t[0]`)."""
    if value is None:
        return False
    if isinstance(value, gast.Constant):
        return type(value.value) is int
    if primitive(value) in (len, int):
        return True
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        shapes = values.get(value.value.id) or [None]
        return all(isinstance(v, gast.Attribute) and v.attr == "shape" for v in shapes)
    return False


def _listed(facts: ShapeFacts, var: str) -> bool:
    slots = facts.slots(var)
    return slots is not None and slots[0] == "list"


def _makes_sequence(value: gast.AST | None, known) -> bool:
    if value is None:
        return False
    if isinstance(value, (gast.List, gast.Tuple)):
        return True
    if isinstance(value, gast.Name):  # (a copy)
        return known(value)
    fn = primitive(value)
    if fn in _MAKES_SEQUENCE:
        return True
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Mult)):
        return known(value.left) or known(value.right)
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
        return known(value.value)
    return False


def _call(fn, *args: gast.AST) -> gast.Call:
    call = gast.Call(func=name(fn.__name__), args=list(args), keywords=[])
    call._ag_fn = fn
    return call


def sequence_op(found: Sequences, stmt: gast.Assign) -> gast.Call | None:
    """The `joined` or `repeated` call `stmt` (one of `found.calls`) is differentiated as, or None
    where its other operand is not known: arithmetic, checked when it runs (ambiguous)."""
    call = found.calls[id(stmt)]
    return call if isinstance(call, gast.Call) else None


def ambiguous(found: Sequences, stmt: gast.stmt, active: set[str]) -> bool:
    """Whether `stmt` adds or multiplies, with a derivative, a sequence and a value astgrad cannot
    tell is a list, an array or a number (`ys + x`, `[h] * n` of parameters in general code):
    differentiated as arithmetic, after a check that Python does not join or repeat there
    (runtime.check_elementwise)."""
    seq = found.calls.get(id(stmt))
    if seq is None or isinstance(seq, gast.Call):
        return False
    return any(isinstance(a, gast.Name) and a.id in active for a in (stmt.value.left, stmt.value.right))


def elementwise_check(ctx: Context, stmt: gast.Assign) -> gast.stmt:
    """`check_elementwise(a, b, line=N)` of `stmt`'s `a + b` or `a * b`."""
    args = [copy.deepcopy(stmt.value.left), copy.deepcopy(stmt.value.right)]
    call = gast.Call(func=name(ctx.helper("check_elementwise")), args=args, keywords=ctx.check_line(stmt))
    call._ag_fn = runtime.check_elementwise
    return gast.copy_location(gast.Expr(value=call), stmt)
