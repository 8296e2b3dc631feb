"""Which values only build a branch of `np.where(c, a, b)`, and under which condition.

`np.where(c, np.sqrt(x), 0.0)` at x = -1: the where's adjoint gives sqrt's result an exact zero
where c is false, and the backward pass multiplies it by sqrt's local derivative there, NaN or
inf; 0 * inf = NaN, though the true derivative is 0 (forward mode selects the other branch's
tangent and gets it right). A value used only to build branch `a` (through any chain of
elementwise operations) influences the output only where c holds, so the contributions its
statement sends to its inputs are masked: `np.where(c, contribution, 0.0)` (`np.where(c, 0.0,
contribution)` for branch `b`), and 0 stays 0.

The same holds for an operand of `np.maximum(x, y)` (`np.maximum(np.log(x), 0.0)` at x = 0) and
`np.minimum`: its mask, `x >= y` where max_share gives it a share, is computed by the backward
pass at the maximum's adjoint.

A mask is a conjunction of literals (c, not c, an operand chosen): nested wheres add one literal
each; a value used in several masked places keeps the literals all its uses share (a weaker mask
is still sound); a value with any other use (a return, a reduction, an unmasked operand, a test)
gets none, since that use may legitimately produce the NaN.

A literal is kept only where it is provably right in the backward pass:
- c broadcasts into the value's shape without growing it (`same_shape(c, v)`), so the mask
  selects the value's elements (a branch broadcast by a larger c would need `any` over axes);
- c is a parameter never rebound, or is bound once before v in the same block, so c still holds
  the where's condition when v's adjoint statement runs (a later binding in a loop would be
  restored to the previous iteration's value by then);
- every use on the way to the where follows v in its block (one iteration of one loop body).
"""

from __future__ import annotations

from collections.abc import Callable

import gast
import numpy as np

from .. import rules
from ..frontend.normalize.expressions import loads
from .activity import primitive, walk_statements
from .shapes import single_definitions, stable_parameters

# ("where", c, negated): the where's condition c holds (negated: it does not; the value builds the
# second branch); ("select", z, i): operand i of `z = np.maximum(x, y)` (or np.minimum) is the one
# chosen, a mask the backward pass computes at z's adjoint (`x >= y`), where max_share is not 0
Literal = tuple[str, str, int]
Mask = frozenset[Literal]
NO_ADJOINT: Mask = frozenset({("", "", 0)})  # a use that sends no adjoint back (a comparison, a condition)
SELECTIONS = {np.maximum: (">=", "<="), np.minimum: ("<=", ">=")}  # operand 0, 1 chosen where `x op y`


def branch_masks(fdef: gast.FunctionDef, same_shape: Callable[[str, str], bool]) -> dict[str, Mask]:
    """name → the conjunction of conditions outside which the name's value reaches no output.

    `same_shape(c, v)`: c provably broadcasts into v's shape (the mask has v's shape)."""
    statements = list(walk_statements(fdef.body))
    if not any(isinstance(s, gast.Assign) and _selects(primitive(s.value)) for s in statements):
        return {}  # (no where, maximum or minimum: generated code is exactly as without this module)
    defs = single_definitions(fdef)
    params = stable_parameters(fdef)
    bound_at: dict[str, tuple[tuple, int]] = {}  # name → (block, index) of its binding
    uses: dict[str, list[tuple[tuple, int, gast.stmt | None]]] = {}  # name → (block, index, statement)
    blocks: list[tuple[tuple, list[gast.stmt]]] = []

    def visit(body: list[gast.stmt], block: tuple) -> None:
        blocks.append((block, body))
        for i, st in enumerate(body):
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name):
                bound_at[st.targets[0].id] = (block, i)
                for n in loads(st.value):
                    uses.setdefault(n, []).append((block, i, st))
                continue
            if isinstance(st, (gast.If, gast.For, gast.While)):
                header = st.test if isinstance(st, (gast.If, gast.While)) else st.iter
                for n in loads(header):
                    uses.setdefault(n, []).append((block, i, None))
                visit(st.body, block + (i, 0))
                visit(st.orelse, block + (i, 1))
                continue
            for n in loads(st):  # returns, in-place writes, appends: unmasked uses
                uses.setdefault(n, []).append((block, i, None))

    visit(fdef.body, ())
    reaching: dict[str, Mask] = {}  # the literals of every use, whether or not they fit the value
    masks: dict[str, Mask] = {}  # ...those that fit it

    def usable(literal: Literal, v: str) -> bool:
        kind, c, _ = literal
        if kind == "select":  # (z, computed from v after it in v's block): the mask has z's shape
            return same_shape(c, v)
        block, i = bound_at[v]
        if c in params:
            return same_shape(c, v)
        if c not in defs or c not in bound_at:
            return False
        cb, ci = bound_at[c]
        return cb == block and ci < i and same_shape(c, v)

    def through(v: str, use: gast.stmt) -> Mask | None:
        """The mask one use puts on v, or None for an unmasked use."""
        value = use.value
        target = use.targets[0].id
        if isinstance(value, gast.Compare):
            return NO_ADJOINT
        fn = primitive(value)
        outer = reaching.get(target, frozenset())
        if fn is np.where and len(value.args) == 3 and not value.keywords:
            c, a, b = value.args
            if isinstance(c, gast.Name) and c.id == v:
                return NO_ADJOINT
            branch_a = isinstance(a, gast.Name) and a.id == v
            branch_b = isinstance(b, gast.Name) and b.id == v
            if branch_a == branch_b or not isinstance(c, gast.Name):  # both branches, or a keyword
                return outer or None
            return outer | {("where", c.id, int(branch_b))}
        if fn in SELECTIONS and len(value.args) == 2 and not value.keywords and target in defs:
            chosen = [i for i, a in enumerate(value.args) if isinstance(a, gast.Name) and a.id == v]
            return outer | {("select", target, chosen[0])} if len(chosen) == 1 else outer or None
        if fn is None or fn is tuple:
            return None
        rule = rules.lookup(fn)
        if rule is not None and not rule.differentiable:
            return NO_ADJOINT
        if rule is None or not rule.elementwise or not outer:
            return None
        return outer

    for block, body in reversed(blocks):  # (a nested block's values are used in it, not after it)
        for i in reversed(range(len(body))):
            st = body[i]
            if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)):
                continue
            v = st.targets[0].id
            if v not in defs or not uses.get(v):
                continue
            found: Mask | None = None
            for ub, ui, use in uses[v]:  # (a use before v in a loop's body reads the previous iteration's v)
                m = through(v, use) if use is not None and ub == block and ui > i else None
                if m is None:
                    found = None
                    break
                if m is NO_ADJOINT:
                    continue
                found = m if found is None else found & m
                if not found:
                    break
            if found:
                reaching[v] = found
                fits = frozenset(lit for lit in found if usable(lit, v))
                if fits:
                    masks[v] = fits
    return masks


def masked(expr: gast.AST, conditions: list[tuple[str, bool]], numpy: str) -> gast.AST:
    """`np.where(c, expr, 0.0)` for each (c, negated) (`np.where(c, 0.0, expr)` if negated), where
    `numpy` is the name generated code calls NumPy by."""
    for c, negated in conditions:
        zero = gast.Constant(value=0.0, kind=None)
        args = [_name(c)] + ([zero, expr] if negated else [expr, zero])
        where_fn = gast.Attribute(value=_name(numpy), attr="where", ctx=gast.Load())
        expr = gast.Call(func=where_fn, args=args, keywords=[])
    return expr


def keeps_zero(expr: gast.AST, adjoint: str, numpy: str, bounded: Callable[[gast.AST], bool] = lambda e: False) -> bool:
    """Whether `expr` is provably 0 wherever the adjoint named `adjoint` is (a finite multiple
    of it, a selection of it by `numpy.where`): such a contribution needs no mask. `bounded(e)`:
    e is a call whose values are finite whatever its arguments (max_share's shares)."""
    if isinstance(expr, gast.Name):
        return expr.id == adjoint
    if isinstance(expr, gast.Constant):
        return expr.value == 0
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return keeps_zero(expr.operand, adjoint, numpy)
    if isinstance(expr, gast.BinOp):
        left, right = expr.left, expr.right
        if isinstance(expr.op, (gast.Add, gast.Sub)):
            return keeps_zero(left, adjoint, numpy, bounded) and keeps_zero(right, adjoint, numpy, bounded)
        if isinstance(expr.op, gast.Mult):
            return (keeps_zero(left, adjoint, numpy, bounded) and (_finite(right) or bounded(right))) or (
                (_finite(left) or bounded(left)) and keeps_zero(right, adjoint, numpy, bounded)
            )
        if isinstance(expr.op, gast.Div):
            return keeps_zero(left, adjoint, numpy, bounded) and _finite(right) and right.value != 0
    if _is_where(expr, numpy) and len(expr.args) == 3 and not expr.keywords:
        return keeps_zero(expr.args[1], adjoint, numpy, bounded) and keeps_zero(expr.args[2], adjoint, numpy, bounded)
    return False


def _is_where(expr: gast.AST, numpy: str) -> bool:
    f = getattr(expr, "func", None) if isinstance(expr, gast.Call) else None
    return (
        isinstance(f, gast.Attribute) and f.attr == "where" and isinstance(f.value, gast.Name) and f.value.id == numpy
    )


def _finite(node: gast.AST) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float) and np.isfinite(node.value)


def _selects(fn) -> bool:
    return fn is np.where or fn in SELECTIONS


def _name(n: str) -> gast.Name:
    return gast.Name(n, gast.Load(), None, None)
