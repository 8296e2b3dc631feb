"""Batching of adjoint accumulations in loops (a pass over specialised gradient code).

A weight used in every iteration of a loop gets one contribution per iteration, e.g. the RNN's

    for k in reversed(range(t1)):
        ...
        W_bar = W_bar + matmul_left(t2_bar, W, h)    # an outer product per step

T small outer products cost far more than one matrix product of the stacked vectors. This pass
collects the operands in the loop and adds them all after it, as a hand-written gradient would:

    W_bar_parts = []
    for k in reversed(range(t1)):
        ...
        W_bar_parts.append((t2_bar, h))
    W_bar = W_bar + matmul_left_sum(W_bar_parts, W)

It applies only where that is the same sum: the accumulator is neither read nor written
elsewhere in the loop, the weight is not reassigned in it, and no collected value can change
afterwards (nothing in the function writes into it, or into an array it may share memory with).
"""

from __future__ import annotations

import gast

from .context import Context
from .normalize import assign, name
from .optimize import sharing, writes_in_place
from .trees import walk

# runtime helper of one contribution → (helper summing a list of them, index of the fixed argument)
BATCHED = {"matmul_left": ("matmul_left_sum", 1), "matmul_right": ("matmul_right_sum", 2)}


def batch_accumulations(fdef: gast.FunctionDef, ctx: Context, arrays: set[str]) -> None:
    """Batch the accumulations in every `for` loop of `fdef`; `arrays` are accumulators known to
    be arrays (their plain `A = A + g` sums are batched too: a float sum would only get slower)."""
    helpers = {ctx.helper(h): h for h in BATCHED}
    # what may change in place after being collected: written into, or sharing memory with that
    mutable = sharing(fdef, frozenset(writes_in_place(fdef, ctx.helper("add_at"))), both_ways=True)
    _batch_body(fdef.body, ctx, helpers, arrays, mutable)


def _batch_body(body: list[gast.stmt], ctx, helpers, arrays, mutable) -> None:
    i = 0
    while i < len(body):
        s = body[i]
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                _batch_body(inner, ctx, helpers, arrays, mutable)
        if isinstance(s, gast.For) and not s.orelse and not _escapes(s.body):
            before, after = _batch_loop(s, ctx, helpers, arrays, mutable)
            body[i:i] = before
            i += len(before)
            body[i + 1 : i + 1] = after
            i += len(after)
        i += 1


def _batch_loop(loop: gast.For, ctx, helpers, arrays, mutable) -> tuple[list, list]:
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    for node in walk(loop):
        if isinstance(node, gast.Name):
            table = stores if isinstance(node.ctx, gast.Store) else loads
            table[node.id] = table.get(node.id, 0) + 1
    before: list[gast.stmt] = []
    after: list[gast.stmt] = []
    for k, s in enumerate(loop.body):
        found = _accumulation(s)
        if found is None:
            continue
        acc, term = found
        if stores.get(acc) != 1 or loads.get(acc) != 1:
            continue  # read or written elsewhere in the loop
        values = _collected(term, helpers, arrays, acc)
        if values is None:
            continue
        combine, collected = values
        if any(v in mutable or v == acc for v in collected):
            continue
        fixed = _fixed(term, helpers)
        if fixed is not None and (not isinstance(fixed, gast.Name) or stores.get(fixed.id)):
            continue  # the weight changes in the loop
        parts = ctx.namer.fresh(acc + "_parts")
        item = (
            name(collected[0])
            if len(collected) == 1
            else gast.Tuple(elts=[name(v) for v in collected], ctx=gast.Load())
        )
        append = gast.Call(
            func=gast.Attribute(value=name(parts), attr="append", ctx=gast.Load()), args=[item], keywords=[]
        )
        loop.body[k] = gast.copy_location(gast.Expr(value=append), s)
        before.append(assign(parts, gast.List(elts=[], ctx=gast.Load())))
        args = [name(parts)] + ([] if fixed is None else [name(fixed.id)])
        total = gast.Call(func=name(ctx.helper(combine)), args=args, keywords=[])
        after.append(assign(acc, gast.BinOp(left=name(acc), op=gast.Add(), right=total)))
    return before, after


def _accumulation(s: gast.stmt) -> tuple[str, gast.AST] | None:
    """`A = A + term` → (A, term)."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)):
        return None
    v, acc = s.value, s.targets[0].id
    if isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add) and isinstance(v.left, gast.Name) and v.left.id == acc:
        return acc, v.right
    return None


def _collected(term: gast.AST, helpers, arrays, acc) -> tuple[str, list[str]] | None:
    """(the summing helper, the names to collect per iteration) for a batchable term."""
    if isinstance(term, gast.Name):
        return ("sum_parts", [term.id]) if acc in arrays else None
    if not (isinstance(term, gast.Call) and isinstance(term.func, gast.Name) and term.func.id in helpers):
        return None
    if term.keywords or len(term.args) != 3 or not all(isinstance(a, gast.Name) for a in term.args):
        return None
    combine, fixed = BATCHED[helpers[term.func.id]]
    return combine, [a.id for i, a in enumerate(term.args) if i != fixed]


def _fixed(term: gast.AST, helpers) -> gast.AST | None:
    if isinstance(term, gast.Call) and isinstance(term.func, gast.Name) and term.func.id in helpers:
        return term.args[BATCHED[helpers[term.func.id]][1]]
    return None


def _escapes(body: list[gast.stmt]) -> bool:
    return any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for s in body for n in walk(s))
