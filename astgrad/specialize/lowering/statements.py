"""Lowering of statements once temporaries are fused: an equal pure call reused, an accumulation
joined into the statement that starts it, copies nothing reads dropped, and ties of max/min of
numbers decided by one comparison.
"""

from __future__ import annotations

from typing import Callable

import gast

from ...analysis.aliasing import sharing, writes_in_place
from ...frontend.context import Context
from ...ir.trees import Transformer, clone, name, names_in, read_counts, walk
from ...optimize.cleanup import is_comment, is_pure, nested_blocks, resolver
from .common import is_call_of, single_target


def reuse_equal_calls(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> None:
    """`b = np.arange(n)` after `a = np.arange(n)` (the same pure call of unchanged names, at
    the top level, neither a nor b rebound or written into): `b = a`, which copy propagation
    then removes."""
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    calls = [
        st.value
        for st in fdef.body
        if isinstance(st, gast.Assign) and isinstance(st.value, gast.Call) and stores.get(single_target(st)) == 1
    ]
    alike: dict[tuple, list[gast.Call]] = {}  # (calls that may be equal: of one function, as many arguments)
    for call in calls:
        alike.setdefault(_call_key(call), []).append(call)
    texts = [gast.dump(c) for group in alike.values() if len(group) > 1 for c in group]
    if len(set(texts)) == len(texts):
        return  # (no call made twice: the analyses are not needed)
    ns = resolver(ctx)
    written = writes_in_place(fdef, ctx.helper("add_at"))
    np_name = ctx.numpy_name()  # (a module, not memory a call's result may share)
    count = getattr(shape_of, "count", lambda n: None)
    changing = sharing(fdef, frozenset(written), both_ways=True, skip=frozenset({np_name, "math"}))
    seen: dict[str, tuple[str, set[str]]] = {}  # the call's text → (its name, the names it reads)
    for st in fdef.body:
        a = single_target(st)
        if a is not None and isinstance(st.value, gast.Call) and stores.get(a) == 1 and not written.get(a):
            text = gast.dump(st.value)
            if text in seen:
                st.value = name(seen[text][0])
                continue
            reads = names_in(st.value) - {np_name, "math"}
            arrays = {r for r in reads if count(r) is None}  # (a known int is no memory to write into)
            if is_pure(st.value, ns) and all(stores.get(r, 0) <= 1 for r in reads) and not arrays & changing:
                seen[text] = (a, reads)
        changed = names_in(st, (gast.Store,))
        seen = {t: v for t, v in seen.items() if not changed & (v[1] | {v[0]}) or v[0] == a}


def _call_key(call: gast.Call) -> tuple:
    """What equal calls share and few unequal ones do: the function's last name, how many arguments."""
    f = call.func
    fname = f.id if isinstance(f, gast.Name) else f.attr if isinstance(f, gast.Attribute) else None
    return fname, len(call.args), len(call.keywords)


def join_accumulations(body: list[gast.stmt], ctx: Context) -> None:
    """`a = e1`, then at the next statement that uses a, `a = a + e2` (or `- e2`): `a = e1 + e2`
    there, one statement as by hand, where e1 is pure and the statements in between neither use
    a nor change what e1 reads."""
    ns = resolver(ctx)
    for inner in nested_blocks(body):
        join_accumulations(inner, ctx)
    mentioned: dict[gast.stmt, set[str]] = {}  # a statement of body → its names (until it is rewritten)
    bound: dict[gast.stmt, set[str]] = {}  # a statement of body → the names in its targets

    def names_of(st: gast.stmt) -> set[str]:
        found = mentioned.get(st)
        if found is None:
            found = mentioned[st] = names_in(st)
        return found

    def stored_by(st: gast.stmt) -> set[str]:
        found = bound.get(st)
        if found is None:
            found = bound[st] = {n.id for t in getattr(st, "targets", []) for n in walk(t) if isinstance(n, gast.Name)}
        return found

    i = 0
    while i < len(body):
        first = body[i]
        a = single_target(first)
        if a is None or not is_pure(first.value, ns):
            i += 1
            continue
        deps = names_in(first.value)
        for j in range(i + 1, len(body)):
            second = body[j]
            if is_comment(second):
                continue
            if a not in names_of(second):
                if isinstance(second, gast.Assign) and not stored_by(second) & deps:
                    continue  # (e1 may move past it)
                break
            v = second.value if single_target(second) == a else None
            if (
                isinstance(v, gast.BinOp)
                and isinstance(v.op, (gast.Add, gast.Sub))
                and isinstance(v.left, gast.Name)
                and v.left.id == a
                and a not in read_counts(v.right)
            ):
                second.value = gast.BinOp(left=first.value, op=v.op, right=v.right)
                mentioned.pop(second, None)  # (it reads what e1 reads now)
                del body[i]
                i -= 1
            break
        i += 1


class Ties(Transformer):
    """The adjoint of max(x, y) for numbers, `g * (0.5 if x == y else 1.0) if x >= y else 0.0`,
    as `g if x > y else 0.5 * g if x == y else 0.0`: one comparison where nothing ties."""

    def visit_IfExp(self, node):
        self.generic_visit(node)
        test, body = node.test, node.body
        if not (
            isinstance(test, gast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (gast.GtE, gast.LtE))
            and isinstance(body, gast.BinOp)
            and isinstance(body.op, gast.Mult)
            and isinstance(body.right, gast.IfExp)
            and isinstance(node.orelse, gast.Constant)
            and node.orelse.value == 0.0
        ):
            return node
        share = body.right
        x, y = test.left, test.comparators[0]
        if not (
            isinstance(x, gast.Name)
            and isinstance(y, gast.Name)
            and isinstance(share.test, gast.Compare)
            and len(share.test.ops) == 1
            and isinstance(share.test.ops[0], gast.Eq)
            and {n.id for n in (share.test.left, *share.test.comparators) if isinstance(n, gast.Name)} == {x.id, y.id}
            and isinstance(share.body, gast.Constant)
            and share.body.value == 0.5
            and isinstance(share.orelse, gast.Constant)
            and share.orelse.value == 1.0
        ):
            return node
        strict = gast.Gt() if isinstance(test.ops[0], gast.GtE) else gast.Lt()
        half = gast.BinOp(left=gast.Constant(value=0.5, kind=None), op=gast.Mult(), right=clone(body.left))
        tie = gast.IfExp(test=share.test, body=half, orelse=node.orelse)
        return gast.IfExp(test=gast.Compare(left=x, ops=[strict], comparators=[y]), body=body.left, orelse=tie)


def drop_unread_copies(fdef: gast.FunctionDef, owned: str) -> None:
    """`a = owned_copy(a)` and the writes into a after it, where nothing reads a after them
    (an adjoint zeroed where a value was overwritten, then not needed: `L_bar` of `L = zeros`)."""
    body = fdef.body
    for i, st in enumerate(body):
        a = single_target(st)
        if a is None or not is_call_of(st.value, owned, a):
            continue
        writes = []
        for later in body[i + 1 :]:
            if a not in read_counts(later) and not any(isinstance(n, gast.Name) and n.id == a for n in walk(later)):
                continue
            target = later.targets[0] if isinstance(later, gast.Assign) else None
            if (
                isinstance(target, gast.Subscript)
                and isinstance(target.value, gast.Name)
                and target.value.id == a
                and a not in read_counts(later.value)
                and a not in read_counts(target.slice)
            ):
                writes.append(later)
                continue
            break  # a read (or a rebinding) of a
        else:
            body[:] = [s for s in body if s is not st and not any(s is w for w in writes)]
            return drop_unread_copies(fdef, owned)
