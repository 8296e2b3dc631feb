"""Which values of generated code decide something, so that their rounding must be the function's.

The gradient's forward pass computes the function's values. Some rewrites of specialised code
compute a value with other floating-point roundings: a product through `ndarray.dot` instead of
`@` (BLAS is called differently for a non-contiguous operand), a loop's per-row products as one
batched product before the loop. Such a rewrite is made only where the value is *free*: no branch,
comparison, index or loop count depends on it, directly or through other values. A value that
differs in its last bits then changes the result by rounding, as a different BLAS would, and never
takes the other side of a branch.

Flow-insensitive and conservative: a name is decisive if any of its uses anywhere is, and a
call of a function not known to be continuous makes every argument decisive. A list is one name
too, so a decision made with a value taken back from the tape makes all it holds decide; but a
tape that only saves names' values and takes them back into the same names (`tape.append(k)`,
`k = tape.pop()`) passes a value from a name to itself alone (_restores).
"""

from __future__ import annotations

import gast
import numpy as np

from ..ir.trees import find, name_counts, walk
from ..rules.registry import lookup, member_names, numpy_names
from .aliasing import shared_through

# NumPy's functions continuous on all real arguments (or, for `reversed`, not reading their
# values) are those whose registry entry says `continuous`: reading a value through them decides
# nothing.


def decisive_names(
    fdef: gast.FunctionDef, np_name: str, passing: frozenset[str] = frozenset(), kept: frozenset[str] = frozenset()
) -> set[str]:
    """Names whose values may decide a branch, a comparison, an index or a loop count. Calls of
    `passing` (the guard's `respecialize`) hand their arguments to the same computation: they
    decide nothing by themselves. `kept`: names whose values must be the function's to the last
    bit as well, as if they decided (what the code returns as the function's value: returned_values)."""
    return _decisive(fdef, np_name, passing, kept)[0]


def _decisive(
    fdef: gast.FunctionDef, np_name: str, passing: frozenset[str], kept: frozenset[str]
) -> tuple[set[str], frozenset[str]]:
    """(decisive_names, _positive_names) of `fdef`: each statement's expressions walked once for
    both, and for the names the tapes (_restores) and the positive values read."""
    statements = []  # (statement, its expressions, id(expression) → its nodes)
    mentions: dict[str, int] = {}  # the names of the body, as name_counts counts them
    bound: dict[str, int] = {}  # ... of those in a binding context
    for s in _statements(fdef.body):
        walked: dict[int, list[gast.AST]] = {}
        expressions = _expressions(s)
        for expr in expressions:
            nodes = walked[id(expr)] = walk(expr)
            for n in nodes:
                if n.__class__ is gast.Name:
                    mentions[n.id] = mentions.get(n.id, 0) + 1
                    if n.ctx.__class__ is not gast.Load:
                        bound[n.id] = bound.get(n.id, 0) + 1
        statements.append((s, expressions, walked))
    for n, k in name_counts(_outside_body(fdef)).items():  # (parameters, decorators, annotations)
        mentions[n] = mentions.get(n, 0) + k
    seeds: set[str] = set(kept)
    flows: list[tuple[set[str], set[str]]] = []
    positive = _positive_names(fdef, np_name, bound)
    restores = _restores(fdef, mentions)
    for s, expressions, walked in statements:
        if id(s) in restores:
            continue  # (a name's value saved and taken back into it: no flow to another name)
        targets, sources = _flow(s, seeds, np_name, walked)
        if targets:
            flows.append((sources, targets))  # (backwards: a target that decides makes its sources decide)
        if isinstance(s, (gast.If, gast.While)):
            seeds |= _reads(s.test, _walked(s.test, walked))
        for expr in expressions:
            seeds |= _decided_in(expr, np_name, passing, positive, walked[id(expr)])
    return set(shared_through(flows, frozenset(seeds))), positive


def _outside_body(fdef: gast.FunctionDef) -> list[gast.AST]:
    """The nodes of `fdef` outside its body: its parameters, decorators, annotations."""
    out: list[gast.AST] = []
    for field in fdef._fields:
        value = getattr(fdef, field, None)
        if field == "body":
            continue
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, gast.AST):
                out.append(v)
    return out


def _walked(expr: gast.AST, walked: dict[int, list[gast.AST]]) -> list[gast.AST]:
    """walk(expr), once per expression of the statement `walked` belongs to."""
    nodes = walked.get(id(expr))
    if nodes is None:
        nodes = walked[id(expr)] = walk(expr)
    return nodes


def _restores(fdef: gast.FunctionDef, mentions: dict[str, int] | None = None) -> set[int]:
    """The statements (by id) of the tapes that save names' values and take them back into the
    same names: a list bound once to `[]` and otherwise used only by `tape.append(v)` and `v =
    tape.pop()` statements, which push and pop the same set of names. The generated code takes
    back into each name the value it saved from it (reverse.py's saves and restores), so a value
    goes through such a tape from a name to itself alone: a decision made with a restored loop
    counter is none made with the other values saved beside it."""
    uses: dict[str, list[tuple[gast.stmt | None, str | None, str]]] = {}
    for s in _statements(fdef.body):
        call = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
        method = call.func if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) else None
        tape = method.value.id if method is not None and isinstance(method.value, gast.Name) else None
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.List) and not s.value.elts:
            if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                uses.setdefault(s.targets[0].id, []).append((None, None, "made"))
                continue
        if isinstance(s, gast.Expr) and tape and method.attr == "append" and not call.keywords:
            if len(call.args) == 1 and isinstance(call.args[0], gast.Name):
                uses.setdefault(tape, []).append((s, call.args[0].id, "push"))
                continue
        if isinstance(s, gast.Assign) and tape and method.attr == "pop" and not call.args and not call.keywords:
            if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
                uses.setdefault(tape, []).append((s, s.targets[0].id, "pop"))
                continue
    out: set[int] = set()
    if not uses:
        return out  # (no tape)
    mentions = name_counts(fdef) if mentions is None else mentions
    for tape, found in uses.items():
        kinds = [k for _, _, k in found]
        pushed = {v for _, v, k in found if k == "push"}
        popped = {v for _, v, k in found if k == "pop"}
        if kinds.count("made") != 1 or len(found) != mentions.get(tape) or pushed != popped:
            continue  # (the tape used otherwise, or names taken back that were not saved from them)
        out |= {id(st) for st, _, k in found if k != "made"}
    return out


_SUMS = frozenset({"sum", "einsum", "mean"})  # of positive values: positive (np.sum, x.sum(), einsum of one operand)


def _positive_names(fdef: gast.FunctionDef, np_name: str, bound: dict[str, int] | None = None) -> frozenset[str]:
    """The names bound once, each to an exponential (`np.exp(...)`) or a sum or mean of such a
    name alone (the softmax's denominator): values ≥ 0 whose sums are 0 in every order or in
    none, so adding them in another order moves no divisor onto the pole. (An exponent rounded
    otherwise upstream may still underflow differently; where every term underflows the
    function's own value is already infinite.)"""
    # (a name bound once, by a statement of the body itself: one bound in a loop or a branch is
    # bound there as often as it runs, or not at all)
    bound = name_counts(fdef.body, _BINDING) if bound is None else bound  # (`bound`: counted already)
    positive: set[str] = set()
    for s in fdef.body:  # (in the order bound: a sum reads a name bound before it)
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            name = s.targets[0].id
            if bound.get(name) == 1 and _positive(s.value, np_name, positive):
                positive.add(name)
    return frozenset(positive)


_BINDING = (gast.Store, gast.Del, gast.Param, gast.AugLoad, gast.AugStore)  # (every context but Load)
_BLOCKS = ("body", "orelse", "handlers", "finalbody")  # (the nested statements _statements yields)


def _positive(e: gast.AST, np_name: str, positive: set[str] | frozenset[str]) -> bool:
    """Whether expression `e` is > 0: an exponential, a positive name, or a sum or mean of one."""
    if isinstance(e, gast.Name):
        return e.id in positive
    if isinstance(e, gast.Subscript) and isinstance(e.slice, (gast.Constant, gast.Tuple, gast.Slice)):
        return _positive(e.value, np_name, positive)  # (a spread `[None]`, `[:, None]`: the same values)
    if not isinstance(e, gast.Call) or not isinstance(e.func, gast.Attribute):
        return False
    f, args = e.func, [a for a in e.args if not isinstance(a, gast.Constant)]
    if isinstance(f.value, gast.Name) and f.value.id == np_name:
        if f.attr == "exp":
            return True
        return f.attr in _SUMS and len(args) == 1 and _positive(args[0], np_name, positive)
    return f.attr in ("sum", "mean") and not args and _positive(f.value, np_name, positive)


def continuous_helpers(helpers: dict) -> frozenset[str]:
    """The names, of `helpers` (generated code's names → the helpers they stand for), of those
    whose registry entries say they are continuous in their arguments (unpad, unreduce): a call of
    one hands its arguments on to what its value decides, as `passing` helpers do."""
    return frozenset(n for n, v in helpers.items() if getattr(lookup(v), "continuous", False))


def returned_values(
    fdef: gast.FunctionDef, adjoints: frozenset[str], passing: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The names whose values `fdef` returns besides its gradients (`adjoints`): the function's
    value that value_and_grad returns, an aux value, a helper's forward result. Its caller gets
    them as the function computes them. A return of a call of `passing` (the guard's
    `respecialize`) returns what other code computes from the arguments as they came in."""
    out: set[str] = set()
    for s in _statements(fdef.body):
        if isinstance(s, gast.Return) and not _calls_passing(s.value, passing):
            out |= _reads(s.value) - adjoints
    return frozenset(out)


def _calls_passing(e: gast.AST | None, passing: frozenset[str]) -> bool:
    return isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and e.func.id in passing


def stores(s: gast.stmt, np_name: str) -> set[str]:
    """The names statement `s` binds or writes into (a subscript's base; a list it appends to;
    what a call may write into)."""
    return _flow(s, set(), np_name)[0]


def _flow(
    s: gast.stmt, seeds: set[str], np_name: str, walked: dict[int, list[gast.AST]] | None = None
) -> tuple[set[str], set[str]]:
    """(names written, names whose values flow into them); index reads are added to `seeds`.
    `walked`: the nodes of the statement's expressions walked so far (see _walked)."""
    walked = {} if walked is None else walked
    if isinstance(s, gast.Assign):
        nodes = _walked(s.value, walked)
        targets = _written_through(s.value, nodes)
        for t in s.targets:
            targets |= _bases(t, seeds)
        return targets, _reads(s.value, nodes)
    if isinstance(s, gast.AugAssign):
        targets = _bases(s.target, seeds)
        return targets, targets | _reads(s.value, _walked(s.value, walked))
    if isinstance(s, gast.For):
        return _bases(s.target, seeds), _reads(s.iter, _walked(s.iter, walked))
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
        call = s.value  # `tape.append(h)`, `np.copyto(a, b)`: may write into what it is passed
        f = call.func
        receiver = f.value if isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) else None
        written = {receiver.id} if receiver is not None and receiver.id not in (np_name, "math") else set()
        for a in call.args + [k.value for k in call.keywords]:
            written |= _bases(a, set())
        return written, _reads(call, _walked(call, walked))
    return set(), set()


def _written_through(value: gast.AST, nodes: list[gast.AST] | None = None) -> set[str]:
    """The arrays calls in `value` (whose nodes are `nodes`, if walked already) write into (`out=`)."""
    out: set[str] = set()
    calls = find(value, _CALL) if nodes is None else [n for n in nodes if n.__class__ is gast.Call]
    for n in calls:
        for k in n.keywords:
            if k.arg == "out":
                out |= _bases(k.value, set())
    return out


_CALL = frozenset({gast.Call})


def _bases(target: gast.AST, seeds: set[str]) -> set[str]:
    if isinstance(target, (gast.Tuple, gast.List)):
        out = set()
        for e in target.elts:
            out |= _bases(e, seeds)
        return out
    while isinstance(target, (gast.Subscript, gast.Attribute, gast.Starred)):
        if isinstance(target, gast.Subscript):
            seeds |= _reads(target.slice)
        target = target.value
    return {target.id} if isinstance(target, gast.Name) else set()


def _statements(body: list[gast.stmt]):
    for s in body:
        yield s
        for field in _BLOCKS:
            inner = getattr(s, field, None)
            if inner:  # (no generator for an empty block)
                yield from _statements(inner)


def _expressions(s: gast.stmt) -> list[gast.AST]:
    """The expressions of `s` itself (not of the statements nested in it)."""
    out = []
    for field in s._fields:
        if field in _BLOCKS:
            continue
        value = getattr(s, field, None)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, gast.AST):
                out.append(v)
    return out


def _reads(expr: gast.AST | None, nodes: list[gast.AST] | None = None) -> set[str]:
    """Names whose values `expr` (whose nodes are `nodes`, if walked already) reads (not those
    it only asks for a shape or dtype)."""
    if expr is None:
        return set()
    skip = set()
    metadata = member_names("metadata")
    names = []
    for n in walk(expr) if nodes is None else nodes:
        cls = n.__class__
        if cls is gast.Name:
            names.append(n)
        elif cls is gast.Attribute and (n.attr in metadata or n.attr == "__class__"):
            skip |= {id(m) for m in walk(n.value)}
        elif cls is gast.Call and n.func.__class__ is gast.Name:
            skip.add(id(n.func))  # (a function, not a value)
            if n.func.id == "len":
                skip |= {id(m) for a in n.args for m in walk(a)}
    if not skip:
        return {n.id for n in names}
    return {n.id for n in names if id(n) not in skip}


def _decided_in(
    expr: gast.AST,
    np_name: str,
    passing: frozenset[str],
    positive: frozenset[str],
    nodes: list[gast.AST] | None = None,
) -> set[str]:
    """Names read by the deciding parts of `expr` (deciding_parts; `nodes`: see _reads)."""
    out: set[str] = set()
    for part in deciding_parts(expr, np_name, passing, positive, nodes):
        out |= _reads(part)
    return out


def _integer_type(node: gast.AST, np_name: str) -> bool:
    """Whether `node` names an integer or bool dtype: `int`, `np.int64`, `"int32"`, `bool`."""
    if isinstance(node, gast.Name):
        return node.id in ("int", "bool")
    if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) and node.value.id == np_name:
        t = getattr(np, node.attr, None)
        return isinstance(t, type) and issubclass(t, (np.integer, np.bool_))
    if isinstance(node, gast.Constant) and isinstance(node.value, str):
        try:
            return np.dtype(node.value).kind in "iub"
        except Exception:  # noqa: BLE001 - not a dtype: an einsum's subscripts, a mode...
            return False
    return False


def _natural(node: gast.AST) -> bool:
    """Whether `node` is a literal whole number ≥ 0 (an int, or a float such as 2.0)."""
    if not isinstance(node, gast.Constant) or isinstance(node.value, bool):
        return False
    return isinstance(node.value, (int, float)) and node.value >= 0 and float(node.value).is_integer()


def deciding_parts(
    expr: gast.AST,
    np_name: str,
    passing: frozenset[str] = frozenset(),
    positive: frozenset[str] = frozenset(),
    nodes: list[gast.AST] | None = None,
) -> list[gast.AST]:
    """The sub-expressions of `expr` whose values decide something: comparisons, conditions,
    indices, the operands of `//` and `%`, a divisor (unless it is > 0: an exponential or a sum of
    one, of `positive` names: _positive_names), an exponent and the base of a power other than a
    whole number ≥ 0, and the arguments of calls not known to be continuous (a method's receiver
    too). `nodes`: walk(expr), if walked already."""
    out: list[gast.AST] = []
    for n in walk(expr) if nodes is None else nodes:
        if n.__class__ not in _DECIDING:  # (names, constants, contexts, attributes...: nothing of their own)
            continue
        if isinstance(n, (gast.Compare, gast.BoolOp)):
            out.append(n)
        elif isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.Not):
            out.append(n.operand)
        elif isinstance(n, gast.IfExp):
            out.append(n.test)
        elif isinstance(n, gast.Subscript):
            out.append(n.slice)
        elif isinstance(n, gast.BinOp) and isinstance(n.op, gast.Pow) and _natural(n.right):
            pass  # (x ** 2: a polynomial, continuous in x; x ** -1 has a pole, x ** 0.5 no real value below 0)
        elif isinstance(n, gast.BinOp) and isinstance(n.op, (gast.FloorDiv, gast.Mod, gast.Pow)):
            out += [n.left, n.right]
        elif isinstance(n, gast.BinOp) and isinstance(n.op, gast.Div) and not _positive(n.right, np_name, positive):
            out.append(n.right)  # (the side of the pole; a divisor > 0 whatever its rounding has none)
        elif isinstance(n, gast.Call):
            out += _deciding_arguments(n, np_name, passing)
    return out


_DECIDING = frozenset({gast.Compare, gast.BoolOp, gast.UnaryOp, gast.IfExp, gast.Subscript, gast.BinOp, gast.Call})


def free_assignments(
    fdef: gast.FunctionDef, np_name: str, passing: frozenset[str] = frozenset(), adjoints: frozenset[str] = frozenset()
):
    """Where a rewrite that changes only rounding may be made: each assignment of `fdef` whose
    stores decide nothing and are not returned (`adjoints`: the gradients `fdef` returns, see
    returned_values), with the ids of the nodes of its value inside a part that decides all the
    same (a comparison, an index: deciding_parts), which stay as they are."""
    decisive, positive = _decisive(fdef, np_name, passing, returned_values(fdef, adjoints, passing))
    for s in _statements(fdef.body):
        if isinstance(s, (gast.Assign, gast.AugAssign)) and not stores(s, np_name) & decisive:
            yield s, {id(n) for part in deciding_parts(s.value, np_name, passing, positive) for n in walk(part)}


def _deciding_arguments(call: gast.Call, np_name: str, passing: frozenset[str]) -> list[gast.AST]:
    f = call.func
    every = call.args + [k.value for k in call.keywords]
    if isinstance(f, gast.Name):
        if f.id in ("reversed", "len") or f.id in passing:
            return []
        rule = lookup(getattr(call, "_ag_fn", None))  # (`exp(x)` after `from numpy import exp`)
        continuous = rule is not None and rule.continuous and not any(_integer_type(a, np_name) for a in every)
        return [] if continuous else every
    if not isinstance(f, gast.Attribute):
        return every + [f]
    if isinstance(f.value, gast.Name) and f.value.id in (np_name, "math"):
        if f.attr == "where":  # the condition decides, the values do not
            return every[:1]
        if any(_integer_type(a, np_name) for a in every):
            return every  # (a cast to an int or bool dtype rounds: a step)
        return [] if f.attr in numpy_names("continuous") else every
    return [] if f.attr in member_names("continuous") else every + [f.value]
