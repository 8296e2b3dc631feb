"""Products and quotients of specialised code simplified: constants merged, a factor cancelled
against its reciprocal.

The chain rule applied one operation at a time leaves algebra a hand-written gradient would
not: the adjoint of `log(p)` with p = 1 / t is `p_bar = g / p`, and the adjoint of p's own
division multiplies by p again (`t_bar = -p_bar * p / t`), so p cancels; constants from
several rules meet in one product (`(0.5 * -m)[:, :, None] * 2.0 * z`). Each such statement is
read as c · Πᵢ fᵢ^±1 (numbers folded into c, every other operand a factor) and written back
with c first, the factors in their order, and each pair f, 1/f of the same name removed:

    p_bar = -1.0 / 256 / p
    t2_bar = -p_bar * p / t4 * t3      →    t2_bar = 0.00390625 * t3 / t4

A name defined by a product, used once, is substituted into its use only if a factor cancels.
Rewrites are made only where every factor is a float of known shape and the result's shape is
unchanged, and where they save an operation. Cancelling f / f is exact except where f is 0, ±inf
or NaN; there the original is NaN (0/0, inf/inf) and the simplified form has the limit.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import gast
import numpy as np

from ..analysis.expression_shapes import expression_shape, spreading_index
from ..frontend.context import Context
from ..ir.trees import clone, is_name, names_in, read_counts, walk, walk_statements
from ..optimize.cleanup import TEMPORARY, denoted, is_comment, is_math_function, nested_blocks, replace_node, resolver

Chain = tuple[float, list[tuple[gast.AST, int]]]  # (coefficient, [(factor, ±1)])


def simplify_products(fdef: gast.FunctionDef, np_name: str, shape_of: Callable) -> bool:
    """Rewrite the products and quotients of `fdef` (specialised, fused) in place; whether any was."""
    kind = getattr(shape_of, "kind", lambda n: None)
    spread = getattr(fdef, "_ag_spread_later", set())  # smaller than their shape facts: no cancelling
    loads = read_counts(fdef.body)
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1

    def floats(chain: Chain) -> bool:
        for f, _ in chain[1]:
            names = [n for n in walk(f) if isinstance(n, gast.Name)]
            if not names or any(kind(n.id) != "f" or shape_of(n.id) is None for n in names if n.id != np_name):
                return False
        return True

    def simplified(expr: gast.AST, body: list[gast.stmt] | None, i: int):
        """(the simpler expression, the definition substituted into it or None), or None; `body`
        None for a part of an expression (no substitution, and a lone factor may stand)."""
        nonlocal changed
        chain = _flatten(expr, np_name)
        if chain is None or not floats(chain):
            return None
        cost = _operations(expr)
        substituted = None
        if body is not None:
            substituted = _substitute(body, i, chain, loads, stores, floats, np_name, spread)
            if substituted is not None:
                chain = substituted[0]
                cost += _operations(substituted[1].value)
        chain, cancelled = _cancel(chain, spread)
        new = _build(chain, np_name, alone=body is None)
        if new is None or _operations(new) >= cost and not cancelled:
            return None
        shape = expression_shape(new, shape_of, np_name)
        if shape is None or shape != expression_shape(expr, shape_of, np_name):
            return None  # (also where a shape is not known: the factors may have broadcast)
        changed = True
        return new, substituted[1] if substituted is not None else None

    def block(body: list[gast.stmt]) -> None:
        for inner in nested_blocks(body):
            block(inner)
        dropped: list[gast.stmt] = []
        for i, st in enumerate(body):
            if not (isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name)):
                continue
            whole = simplified(st.value, body, i)
            if whole is not None:
                st.value, definition = whole
                if definition is not None:
                    dropped.append(definition)
                continue
            for part in _products_inside(st.value, np_name):  # products within sums: c·f alone is fine there
                new = simplified(part, None, i)
                if new is not None:
                    replace_node(st, part, new[0])

        if dropped:
            body[:] = [st for st in body if not any(st is d for d in dropped)]

    changed = False
    block(fdef.body)
    return changed


def fold_negations(fdef: gast.FunctionDef, shape_of: Callable) -> bool:
    """A negated name taken into the sums that use it: a subtraction's adjoint `t3_bar =
    -omega_bar` read as a factor of terms added to adjoints becomes those terms' sign:

        t3_bar = -omega_bar
        theta_bar = theta_bar + t1 * t3_bar * c     →    theta_bar = theta_bar - t1 * omega_bar * c
        g_bar = g_bar + dt * (t3_bar * t2)               g_bar = g_bar - dt * (omega_bar * t2)

    one statement fewer per use of the chain rule. Exact for floats: a negation changes the sign
    bit alone, so `a + (-x) * y` and `a - x * y` are the same number, infinities, NaNs and signed
    zeros included. Only where every read of the temporary is a factor (through `*` and `/`) of
    the right operand of a `+` or `-` of its own, in the statements after it in its block, and the
    negated name is not rebound before the last. Returns whether any was folded."""
    kind = getattr(shape_of, "kind", lambda n: None)
    loads = read_counts(fdef.body)
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    changed = False

    def fold(body: list[gast.stmt], i: int) -> bool:
        st = body[i]
        v = st.targets[0].id
        x = st.value.operand.id
        sums: list[gast.BinOp] = []
        uses: list[gast.Name] = []
        last = i
        for j in range(i + 1, len(body)):
            later = body[j]
            found = [n for n in walk(later) if isinstance(n, gast.Name) and n.id == v]
            if not found:
                continue
            if not isinstance(later, gast.Assign):
                return False
            parents = {id(c): p for p in walk(later.value) for c in gast.iter_child_nodes(p)}
            for use in found:
                node = use
                parent = parents.get(id(node))
                while isinstance(parent, gast.BinOp) and isinstance(parent.op, (gast.Mult, gast.Div)):
                    node, parent = parent, parents.get(id(parent))
                if not (
                    isinstance(parent, gast.BinOp)
                    and isinstance(parent.op, (gast.Add, gast.Sub))
                    and parent.right is node
                    and not any(parent is s for s in sums)
                ):
                    return False
                sums.append(parent)
                uses.append(use)
            last = j
        if len(uses) != loads.get(v, 0):
            return False  # (read in a nested block, or elsewhere)
        between = body[i + 1 : last]
        if any(
            isinstance(n, gast.Name) and n.id == x and isinstance(n.ctx, gast.Store) for b in between for n in walk(b)
        ):
            return False
        for use, total in zip(uses, sums):
            use.id = x
            total.op = gast.Sub() if isinstance(total.op, gast.Add) else gast.Add()
        return True

    def block(body: list[gast.stmt]) -> None:
        nonlocal changed
        for inner in nested_blocks(body):
            block(inner)
        i = 0
        while i < len(body):
            st = body[i]
            if (
                isinstance(st, gast.Assign)
                and len(st.targets) == 1
                and isinstance(st.targets[0], gast.Name)
                and TEMPORARY.match(st.targets[0].id)
                and stores.get(st.targets[0].id) == 1
                and isinstance(st.value, gast.UnaryOp)
                and isinstance(st.value.op, gast.USub)
                and isinstance(st.value.operand, gast.Name)
                and kind(st.value.operand.id) == "f"
                and st.value.operand.id != st.targets[0].id
                and fold(body, i)
            ):
                del body[i]
                changed = True
                continue
            i += 1

    block(fdef.body)
    return changed


def _flatten(e: gast.AST, np_name: str) -> Chain | None:
    """`e` as c · Π fᵢ^±1, or None if it is not a product or quotient (a lone factor included)."""
    if isinstance(e, gast.Constant) and type(e.value) in (int, float):
        return float(e.value), []
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        inner = _flatten(e.operand, np_name)
        return None if inner is None else (-inner[0], inner[1])
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        left, right = _flatten(e.left, np_name), _flatten(e.right, np_name)
        if left is None or right is None:
            return None
        if isinstance(e.op, gast.Mult):
            return left[0] * right[0], left[1] + right[1]
        if right[0] == 0.0:
            return None
        return left[0] / right[0], left[1] + [(f, -p) for f, p in right[1]]
    if isinstance(e, gast.Subscript) and spreading_index(e.slice):
        inner = _flatten(e.value, np_name)  # (c · f)[:, None] = c · f[:, None]
        if inner is not None and len(inner[1]) == 1 and inner[1][0][1] == 1:
            return inner[0], [(gast.Subscript(value=inner[1][0][0], slice=e.slice, ctx=gast.Load()), 1)]
        return 1.0, [(e, 1)]
    if isinstance(e, (gast.Name, gast.Subscript, gast.Attribute)) or _numpy_call(e, np_name):
        return 1.0, [(e, 1)]
    return None


def _ufunc_call(e: gast.AST, np_name: str) -> bool:
    return _numpy_call(e, np_name) and isinstance(getattr(np, e.func.attr, None), np.ufunc)


def _products_inside(expr: gast.AST, np_name: str) -> list[gast.AST]:
    """The outermost products, quotients and negations within arithmetic `expr` whose values
    only feed arithmetic (operators, ufuncs, spreading subscripts): a lone factor can stand
    for one there, never reaching a name, a container or another call as an alias."""
    if not isinstance(expr, (gast.BinOp, gast.UnaryOp)) and not _ufunc_call(expr, np_name):
        return []
    found, todo = [], [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, gast.Call):
            children = list(node.args)
        elif isinstance(node, gast.Subscript):
            children = [node.value] if spreading_index(node.slice) else []
        else:
            children = [node.left, node.right] if isinstance(node, gast.BinOp) else [node.operand]
        for child in children:
            if child is not expr and (
                isinstance(child, gast.BinOp)
                and isinstance(child.op, (gast.Mult, gast.Div))
                or isinstance(child, gast.UnaryOp)
                and isinstance(child.op, gast.USub)
            ):
                found.append(child)
            elif isinstance(child, (gast.BinOp, gast.UnaryOp, gast.Subscript)) or _ufunc_call(child, np_name):
                todo.append(child)
    return found


def _numpy_call(e: gast.AST, np_name: str) -> bool:
    """A call of a NumPy function (pure: it may move within a product), not a method call."""
    return (
        isinstance(e, gast.Call)
        and isinstance(e.func, gast.Attribute)
        and isinstance(e.func.value, gast.Name)
        and e.func.value.id == np_name
    )


def _substitute(
    body, i, chain: Chain, loads, stores, floats, np_name: str, spread: set[str]
) -> tuple[Chain, gast.Assign] | None:
    """The chain with one name, defined by a product earlier in `body` and used only here,
    replaced by that product, if some factor then cancels (or, for a generated temporary, if
    that saves an operation); and the definition."""
    names = {f.id for f, _ in chain[1] if isinstance(f, gast.Name)}
    for j in range(i - 1, -1, -1):
        st = body[j]
        if is_comment(st):
            continue
        if not isinstance(st, gast.Assign):
            return None
        target = st.targets[0]
        if isinstance(target, gast.Name) and target.id in names:
            v = target.id
            inner = _flatten(st.value, np_name)
            if loads.get(v) != 1 or stores.get(v) != 1 or inner is None or not inner[1] or not floats(inner):
                return None
            deps = names_in(st.value)
            for between in body[j + 1 : i]:  # nothing may change what the definition read
                if is_comment(between):
                    continue
                written = {n.id for t in between.targets for n in walk(t) if isinstance(n, gast.Name)}
                if written & deps:
                    return None
            power = next(p for f, p in chain[1] if isinstance(f, gast.Name) and f.id == v)
            factors: list[tuple[gast.AST, int]] = []
            for f, p in chain[1]:  # the definition's factors where the name was
                if isinstance(f, gast.Name) and f.id == v:
                    factors += [(clone(g), q * power) for g, q in inner[1]]
                else:
                    factors.append((f, p))
            merged = (chain[0] * inner[0] ** power, factors)
            if _cancel(merged, spread)[1]:
                return merged, st
            saves = TEMPORARY.match(v) and _operations(_build(merged, np_name, False) or st.value) < _operations(
                _build(chain, np_name, False) or body[i].value
            ) + _operations(st.value)
            return (merged, st) if saves else None
        if any(isinstance(n, gast.Name) and n.id in names for t in st.targets for n in walk(t)):
            return None  # (a factor is written into in between)
    return None


def _cancel(chain: Chain, spread: set[str]) -> tuple[Chain, bool]:
    """Pairs of the same name with opposite powers removed; whether any was. Not in a chain
    with a name in `spread` (whose true shape is smaller than its fact: the factor cancelled
    may be the one that gave the product its shape)."""
    factors = list(chain[1])
    if any(isinstance(n, gast.Name) and n.id in spread for f, _ in factors for n in walk(f)):
        return chain, False
    cancelled = False
    for a in range(len(factors)):
        fa = factors[a]
        if fa is None or not isinstance(fa[0], gast.Name):
            continue
        for b in range(a + 1, len(factors)):
            fb = factors[b]
            if fb is not None and isinstance(fb[0], gast.Name) and fb[0].id == fa[0].id and fb[1] == -fa[1]:
                factors[a] = factors[b] = None
                cancelled = True
                break
    return (chain[0], [f for f in factors if f is not None]), cancelled


def _build(chain: Chain, np_name: str, alone: bool) -> gast.AST | None:
    """c · Π fᵢ^±1 as an expression: c first (left out if 1), then the factors, divisions last;
    None for a number, and unless `alone`, for a lone factor that may be an array already held
    (the right-hand side `x` would alias it; a ufunc's result is new)."""
    c, factors = chain
    top = [f for f, p in factors if p == 1]
    bottom = [f for f, p in factors if p == -1]
    if not factors or c == 0.0:
        return None
    if c == 1.0 and len(top) == 1 and not bottom and not alone and not _ufunc_call(top[0], np_name):
        return None
    if c == -1.0 and top:
        expr: gast.AST = gast.UnaryOp(op=gast.USub(), operand=top[0])
        rest = top[1:]
    elif c == 1.0 and top:
        expr, rest = top[0], top[1:]
    else:
        expr, rest = _number(c), top
    for f in rest:
        expr = gast.BinOp(left=expr, op=gast.Mult(), right=f)
    for f in bottom:
        expr = gast.BinOp(left=expr, op=gast.Div(), right=f)
    return expr


def _number(c: float) -> gast.AST:
    """`c` as written: a ratio of small integers as one (`-1.0 / 256`, a mean's 1/n, which Python
    folds when it compiles the code), but a short float that is not 1/n as itself (`0.5`, `0.75`),
    otherwise the float itself."""
    ratio = Fraction(c).limit_denominator(1000)
    short = len(repr(abs(c))) <= 6 and not (abs(ratio.numerator) == 1 and ratio.denominator > 2)
    if not short and ratio.denominator > 1 and abs(ratio.numerator) < 1000 and ratio.numerator / ratio.denominator == c:
        num = gast.Constant(value=float(abs(ratio.numerator)), kind=None)
        quotient = gast.BinOp(left=num, op=gast.Div(), right=gast.Constant(value=ratio.denominator, kind=None))
        return gast.UnaryOp(op=gast.USub(), operand=quotient) if c < 0 else quotient
    return gast.Constant(value=c, kind=None)


def _operations(e: gast.AST) -> int:
    """Arithmetic operations on arrays in `e`: operators with at least one non-constant operand."""
    count = 0
    for n in walk(e):
        if isinstance(n, gast.BinOp) and not (_constant(n.left) and _constant(n.right)):
            count += 1
        elif isinstance(n, gast.UnaryOp) and not _constant(n.operand):
            count += 1
    return count


def _constant(e: gast.AST) -> bool:
    return all(isinstance(n, (gast.Constant, gast.UnaryOp, gast.BinOp, gast.operator, gast.unaryop)) for n in walk(e))


def factor_sums(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> bool:
    """Take a factor shared by several terms of a sum out of them, once, where every operand is
    a float of known shape (so the result's shape and dtype are the same):

        y_bar = 1.3 * y_bar + t7 * y_bar + a * t7_bar   →   y_bar = y_bar * (1.3 + t7) + a * t7_bar

    The adjoint of a variable used several times in one expression is such a sum, one term per
    use. Adjoints only: the forward pass keeps the function's own order of operations, so its
    values (and the branches they decide) are the function's. Whether any statement was
    rewritten."""
    kind = getattr(shape_of, "kind", lambda n: None)
    np_name, ns = ctx.numpy_name(), resolver(ctx)

    def floats(expr: gast.AST) -> bool:
        names = _operand_names(expr)
        return bool(names) and all(kind(n.id) == "f" and shape_of(n.id) is not None for n in names)

    changed = False

    def rewrite(expr: gast.AST) -> gast.AST:
        nonlocal changed
        if not _is_sum(expr):
            for field in ("left", "right", "operand"):
                part = getattr(expr, field, None)
                if isinstance(part, gast.AST):
                    setattr(expr, field, rewrite(part))
            return expr
        terms = [(sign, _factors(t)) for sign, t in _terms(expr)]
        counts: dict[str, int] = {}
        for _, (_, factors) in terms:
            for f in dict.fromkeys(f.id for f, p in factors if isinstance(f, gast.Name) and p == 1):  # (in order)
                counts[f] = counts.get(f, 0) + 1
        shared = [f for f, c in counts.items() if c > 1 and kind(f) == "f" and shape_of(f) is not None]
        if not shared or not floats(expr):
            return expr
        g = max(shared, key=lambda f: counts[f])
        inner: list[Chain] = []
        first = None
        rest: list[tuple[int, Chain]] = []
        for k, (sign, (c, factors)) in enumerate(terms):
            at = next((i for i, (f, p) in enumerate(factors) if p == 1 and is_name(f, g)), None)
            if at is None:
                rest.append((k, (sign * c, factors)))
                continue
            first = k if first is None else first
            inner.append((sign * c, factors[:at] + factors[at + 1 :]))
        inner_sum = _sum(inner, np_name)
        if inner_sum is None:
            return expr
        factored = gast.BinOp(left=gast.Name(g, gast.Load(), None, None), op=gast.Mult(), right=inner_sum)
        ordered = sorted(rest + [(first, (1.0, [(factored, 1)]))], key=lambda kc: kc[0])
        new = _sum([chain for _, chain in ordered], np_name)
        if new is None or _operations(new) >= _operations(expr):
            return expr
        shape = shape_of_sum(new)
        if shape is None or shape != shape_of_sum(expr):
            return expr
        changed = True
        return new

    def shape_of_sum(e: gast.AST) -> tuple | None:
        """expression_shape, and () for arithmetic on numbers with math functions."""
        calls = [c for c in walk(e) if isinstance(c, gast.Call)]
        if calls and all(is_math_function(denoted(c.func, ns)) and not c.keywords for c in calls):
            return () if all(shape_of(n.id) == () for n in _operand_names(e)) else None
        return expression_shape(e, shape_of, np_name)

    adjoints = getattr(shape_of, "adjoints", frozenset())
    for st in walk_statements(fdef.body):  # adjoints only: the forward pass computes as the function does
        if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and st.targets[0].id in adjoints:
            st.value = rewrite(st.value)
    return changed


def _operand_names(expr: gast.AST) -> list[gast.Name]:
    """The names `expr` reads as values (not the module of a call such as `math.cos(y)`)."""
    calls = [c for c in walk(expr) if isinstance(c, gast.Call) and isinstance(c.func, gast.Attribute)]
    modules = {id(c.func.value) for c in calls}
    return [n for n in walk(expr) if isinstance(n, gast.Name) and id(n) not in modules]


def _is_sum(e: gast.AST) -> bool:
    return isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub))


def _terms(e: gast.AST, sign: int = 1) -> list[tuple[int, gast.AST]]:
    """The signed terms of a sum (`a - b + c`: +a, -b, +c)."""
    if _is_sum(e):
        return _terms(e.left, sign) + _terms(e.right, sign if isinstance(e.op, gast.Add) else -sign)
    return [(sign, e)]


def _factors(e: gast.AST) -> Chain:
    """A term as c · Π fᵢ^±1; any operand that is not a number, product, quotient or negation is
    one factor (a call, a subscript, a sum)."""
    if isinstance(e, gast.Constant) and type(e.value) in (int, float):
        return float(e.value), []
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        c, factors = _factors(e.operand)
        return -c, factors
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        (a, fa), (b, fb) = _factors(e.left), _factors(e.right)
        if isinstance(e.op, gast.Mult):
            return a * b, fa + fb
        if b != 0.0:
            return a / b, fa + [(f, -p) for f, p in fb]
    return 1.0, [(e, 1)]


def _sum(chains: list[Chain], np_name: str) -> gast.AST | None:
    """Σ cᵢ · Π fᵢ as an expression, in order, a negative coefficient written as a subtraction;
    None where a term with factors has coefficient 0."""
    out: gast.AST | None = None
    for c, factors in chains:
        magnitude = (abs(c), factors) if out is not None else (c, factors)
        term = _build(magnitude, np_name, alone=True) if factors else gast.Constant(value=magnitude[0], kind=None)
        if term is None:  # (a zero coefficient: _build writes no `0.0 * f`)
            return None
        if out is None:
            out = term
        else:
            out = gast.BinOp(left=out, op=gast.Sub() if c < 0 else gast.Add(), right=term)
    return out
