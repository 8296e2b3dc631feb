"""Powers of float arrays by whole numbers as products, in specialised code.

NumPy computes `x ** k` of a float array and an integer k with the C library's `pow` per element
(but for k = 2, -1 and 0), several times slower than the few products of repeated squaring, and
20 times slower on a negative base: a polynomial written `c[k] * x**k` in a loop over its
coefficients spent most of its time there, where `jax.jit` multiplies (its `integer_pow`). The
products may round the last bits otherwise (a few ulps: each squaring doubles the base's
error), so a power is rewritten only where its value decides nothing and is not returned
(analysis/rounding.py), as its registry entry's `on_integer_exponent` names:

    t4 = x ** k   →   t4 = int_power(x, k)

the base a float array of known shape, the exponent an int literal ≥ 3 (NumPy squares and
copies itself) or an integer the specialisation knows (a loop counter, `k - (k != 0)` in pow's
derivative). The helper checks its operands at run time and computes `x ** k` itself for any
others (a negative exponent, an integer array: exact integer powers stay NumPy's). In `grad`
that is the forward pass's powers, read by the derivatives alone, and the derivatives' own;
value_and_grad's forward pass keeps the function's powers, whose value it returns bit for bit.
"""

from __future__ import annotations

import builtins
import operator
from typing import Callable

import gast
import numpy as np

from ..analysis.rounding import free_assignments
from ..frontend.context import Context
from ..ir.trees import find, walk
from ..rules import lookup

_INTEGER_OPS = (gast.Add, gast.Sub, gast.Mult)
_NUMPY_FAST = 2  # NumPy's power by 0, 1, 2 (and -1, 0.5) takes no pow: literals up to it stay


def whole_powers(
    fdef: gast.FunctionDef,
    ctx: Context,
    shape_of: Callable[[str], tuple | None],
    passing: frozenset[str] = frozenset(),
) -> None:
    """Rewrite the powers of float arrays by whole numbers in `fdef` whose values decide nothing
    and are not returned as calls of their registry entry's `on_integer_exponent` helper
    (`passing`: see rounding.decisive_names)."""
    if not any(_rewritable(n, ctx, shape_of) is not None for n in find(fdef, _POWERS)):
        return  # (no power to rewrite: where one may go, a reading of the whole function, is not needed)
    adjoints = getattr(shape_of, "adjoints", frozenset())
    for s, deciding in free_assignments(fdef, ctx.numpy_name(), passing, adjoints):
        twins: dict[int, gast.Call] = {}
        for n in walk(s.value):
            if id(n) in deciding:
                continue
            twin = _rewritable(n, ctx, shape_of)
            if twin is None:
                continue
            helper = gast.Name(ctx.helper(twin.__name__), gast.Load(), None, None)
            twins[id(n)] = gast.Call(func=helper, args=[_base(n), _exponent(n)], keywords=[])
        if twins:
            _Replace(twins).visit(s)


class _Replace(gast.NodeTransformer):
    """Each node of `replacements` (by id) replaced by its new node."""

    def __init__(self, replacements: dict[int, gast.AST]):
        self.replacements = replacements

    def visit(self, node):
        new = self.replacements.get(id(node))
        if new is not None:
            for k, a in enumerate(new.args):
                new.args[k] = self.visit(a)  # (a power of a power)
            return new
        return self.generic_visit(node)


def _twin(n: gast.AST, ctx: Context) -> Callable | None:
    """The `on_integer_exponent` helper of the power `n` computes (`x ** k`, `np.power(x, k)`,
    `pow(x, k)`), else None."""
    if isinstance(n, gast.BinOp) and isinstance(n.op, gast.Pow):
        fn = operator.pow
    elif not isinstance(n, gast.Call) or n.keywords or len(n.args) != 2:
        return None
    elif any(isinstance(a, gast.Starred) for a in n.args):
        return None
    elif isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name):
        fn = getattr(np, n.func.attr, None) if n.func.value.id == ctx.numpy_name() else None
    elif isinstance(n.func, gast.Name) and n.func.id == "pow" and ctx.peek("pow") is builtins.pow:
        fn = builtins.pow
    else:
        return None
    rule = lookup(fn)
    return rule.on_integer_exponent if rule is not None else None


_POWERS = frozenset({gast.BinOp, gast.Call})  # (the nodes a power is: `x ** k`, `np.power(x, k)`, `pow(x, k)`)


def _rewritable(n: gast.AST, ctx: Context, shape_of: Callable) -> Callable | None:
    """The helper (_twin) for the power `n` if it is one of a float array by a whole number, else None."""
    twin = _twin(n, ctx)
    if twin is None or not _float_array(_base(n), shape_of) or not _whole(_exponent(n), shape_of):
        return None
    return twin


def _base(n: gast.AST) -> gast.AST:
    return n.left if isinstance(n, gast.BinOp) else n.args[0]


def _exponent(n: gast.AST) -> gast.AST:
    return n.right if isinstance(n, gast.BinOp) else n.args[1]


def _float_array(e: gast.AST, shape_of: Callable) -> bool:
    """Whether `e` names an array of floats of known shape, one axis or more."""
    return isinstance(e, gast.Name) and bool(shape_of(e.id)) and shape_of.kind(e.id) == "f"


def _whole(e: gast.AST, shape_of: Callable, top: bool = True) -> bool:
    """Whether `e` is an integer: a literal (at the top, one NumPy's power does not do itself: ≥ 3),
    a name of an integer number, or a sum, difference or product of such (a comparison of such is
    a bool, an integer in them)."""
    if isinstance(e, gast.Constant):
        return type(e.value) is int and (not top or e.value > _NUMPY_FAST)
    if isinstance(e, gast.Name):
        return shape_of(e.id) == () and shape_of.kind(e.id) in ("i", "u")
    if isinstance(e, gast.BinOp) and isinstance(e.op, _INTEGER_OPS):
        return _whole(e.left, shape_of, False) and _whole(e.right, shape_of, False)
    if isinstance(e, gast.Compare) and not top:  # (a bool: `k - (k != 0)`, pow's derivative's exponent)
        return all(_whole(v, shape_of, False) for v in [e.left, *e.comparators])
    return False
