"""Small helper functions inlined into their caller, in specialised code and in the general code
a second derivative differentiates (specialize/dispatch.py, Specializer.inlined_general).

A user function called from differentiated code otherwise becomes a forward/backward pair
(`step_fwd`, `step_bwd`) that pushes its values on the tape and returns tuples of adjoints at every
call: an RNN whose step is a helper, `h = step(h, xs[t], W, U, b)`, ran 3× slower than the same
loop written out. Specialised code (specialize/dispatch.py) inlines such a call, so that every later pass
sees one function, the same as if the user had written the helper's body at the call:

    h = rnn_step(h, xs[t], W, U, b)         x = xs[t]
                                       →    h_1 = h
    def rnn_step(h, x, W, U, b):            h = np.tanh(W @ h_1 + U @ x + b)
        return np.tanh(W @ h + U @ x + b)

The helper's parameters are bound to the arguments in order (Python's own evaluation order), its
locals are renamed where the caller uses the name already, and its `return` assigns the call's
target. Inlined are calls `target = helper(...)` and `return helper(...)` of a plain function of the
caller's module (the same globals, no closure), whose body returns once, at its end, defines no
function or class, writes in place only into arrays and lists it made itself (`out = np.zeros(..)`,
`caches = []`: through an alias, the aliasing checks of its own frame would become the caller's)
and has at most `MAX_STATEMENTS` statements;
helpers called by an inlined helper are inlined too, `MAX_DEPTH` deep.
The program guard still checks the helper is the function, with the code, it was inlined from (the
name's fact is recorded as for any call). The inlined statements carry the call's line.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import types
from typing import Any

import gast

from .. import rules
from ..analysis.activity import parameter_writes
from ..errors import TransformError
from ..ir.names import Namer
from ..ir.sentinels import MISSING
from ..ir.trees import names_in, walk
from ..rules.registry import member_names
from .callables import is_generated, is_user_function
from .parse import ParsedFunction, parse_function

MAX_STATEMENTS = 40
MAX_DEPTH = 3

# a body with any of these keeps its own frame: scopes of their own, or frame introspection
_SCOPED = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef, gast.Lambda, gast.Global, gast.Nonlocal)
_SCOPED_EXPR = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp, gast.Yield, gast.YieldFrom, gast.Await)
_FRAME_BUILTINS = {"locals", "vars", "globals", "super", "eval", "exec", "dir"}


def inline_helpers(parsed: ParsedFunction, depth: int = 0) -> ParsedFunction:
    """`parsed` with its calls of small helpers inlined (itself when there are none)."""
    tree = parsed.tree
    local = _local_names(tree)
    if not any(
        isinstance(n, gast.Call)
        and isinstance(n.func, gast.Name)
        and n.func.id not in local
        and _inlinable(parsed.peek(n.func.id), parsed)
        for n in walk(tree)
    ):
        return parsed
    tree = copy.deepcopy(tree)
    namer = Namer.for_tree(tree, set(getattr(parsed.func, "__globals__", {})) | set(parsed.cells))
    _inline_block(tree.body, parsed, namer, depth)
    return dataclasses.replace(parsed, tree=tree)


def _statements(body: list[gast.stmt]):
    for s in body:
        yield s
        for field in ("body", "orelse", "finalbody"):
            block = getattr(s, field, None)
            if isinstance(block, list):
                yield from _statements(block)


def _call_of(s: gast.stmt) -> gast.Call | None:
    """The call of `target = f(...)` (targets names or tuples of names) or `return f(...)`."""
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and _plain_target(s.targets[0]):
        value = s.value
    elif isinstance(s, gast.Return):
        value = s.value
    else:
        return None
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name):
        return value
    return None


def _plain_target(t: gast.AST) -> bool:
    if isinstance(t, gast.Name):
        return True
    return isinstance(t, (gast.Tuple, gast.List)) and all(_plain_target(e) for e in t.elts)


def _candidate(parsed: ParsedFunction, s: gast.stmt) -> Any:
    """The helper function `s` calls, if the call can be inlined; None otherwise."""
    call = _call_of(s)
    if call is None or any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if call.func.id in _local_names(parsed.tree):
        return None
    fn = parsed.peek(call.func.id)
    if fn is MISSING or not _inlinable(fn, parsed):
        return None
    return fn


def _local_names(tree: gast.FunctionDef) -> set[str]:
    args = tree.args
    return {a.id for a in args.posonlyargs + args.args + args.kwonlyargs} | {
        n.id for n in walk(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    }


_verdicts: dict[tuple, bool] = {}  # (code, defaults, globals id) → inlinable; the last few hundred


def _inlinable(fn: Any, caller: ParsedFunction) -> bool:
    if not isinstance(fn, types.FunctionType) or not is_user_function(fn) or is_generated(fn):
        return False
    if rules.lookup(fn) is not None:
        return False  # (a function with a rule of its own: its derivative is the rule's)
    if fn is caller.func or fn.__closure__ or getattr(fn, "__wrapped__", None) is not None:
        return False
    if fn.__globals__ is not getattr(caller.func, "__globals__", None):
        return False
    if any(hasattr(fn, a) for a in ("__astgrad_parsed__", "__astgrad_specializer__", "__astgrad_general__")):
        return False
    key = (fn.__code__, fn.__defaults__, id(fn.__globals__))
    if key not in _verdicts:
        if len(_verdicts) >= 512:
            _verdicts.clear()
        _verdicts[key] = _body_inlinable(fn)
    return _verdicts[key]


def _body_inlinable(fn: types.FunctionType) -> bool:
    if fn.__kwdefaults__ or fn.__code__.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return False
    try:
        tree = parse_function(fn).tree
    except TransformError:
        return False
    args = tree.args
    if args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
        return False
    body = _without_docstring(tree.body)
    if not body or not isinstance(body[-1], gast.Return) or body[-1].value is None:
        return False
    returns = [n for n in walk(tree) if isinstance(n, gast.Return)]
    if len(returns) != 1 or len(list(_statements(body))) > MAX_STATEMENTS:
        return False
    fresh = _fresh_locals(tree)
    for n in walk(tree):
        if n is tree:
            continue
        if isinstance(n, _SCOPED + _SCOPED_EXPR):
            return False
        # in-place writes only into arrays and lists the helper made (`out = np.zeros(...)`,
        # `caches = []`): inlined, a write through an alias would be the caller's to refuse
        if isinstance(n, gast.AugAssign) and _base(n.target) not in fresh:
            return False
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            if _base(n) not in fresh:
                return False
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in member_names("writes"):
            if _base(n.func.value) not in fresh:
                return False
        if isinstance(n, gast.Name) and (n.id in _FRAME_BUILTINS or n.id == fn.__name__):
            return False  # (frame introspection, or recursion)
    try:
        return not parameter_writes(fn)
    except Exception:
        return False


_ALLOCATIONS = {"zeros", "empty", "ones", "full", "zeros_like", "empty_like", "ones_like", "full_like"}


def _fresh_locals(tree: gast.FunctionDef) -> set[str]:
    """Locals every binding of which makes a new array or list (`np.zeros(...)`, `[]`)."""
    values: dict[str, list[gast.AST]] = {}
    for n in walk(tree):
        if isinstance(n, gast.Assign):
            for t in n.targets:
                for m in walk(t):
                    if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Store):
                        values.setdefault(m.id, []).append(n.value if isinstance(t, gast.Name) else None)
        elif isinstance(n, (gast.For, gast.AugAssign, gast.AnnAssign, gast.NamedExpr, gast.With)):
            for m in walk(n.target if hasattr(n, "target") else n):
                if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Store):
                    values.setdefault(m.id, []).append(None)
    params = {a.id for a in tree.args.args}

    def allocates(v: gast.AST | None) -> bool:
        if isinstance(v, (gast.List, gast.Dict)):
            return True
        return (
            isinstance(v, gast.Call)
            and isinstance(v.func, gast.Attribute)
            and v.func.attr in _ALLOCATIONS
            and isinstance(v.func.value, gast.Name)
        )

    return {k for k, vs in values.items() if k not in params and all(allocates(v) for v in vs)}


def _base(node: gast.AST) -> str | None:
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _without_docstring(body: list[gast.stmt]) -> list[gast.stmt]:
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        if isinstance(body[0].value.value, str):
            return body[1:]
    return body


def _inline_block(block: list[gast.stmt], parsed: ParsedFunction, namer: Namer, depth: int) -> None:
    out: list[gast.stmt] = []
    for s in block:
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(inner, list):
                _inline_block(inner, parsed, namer, depth)
        for st in _hoisted(s, parsed, namer) + [s]:
            fn = _candidate(parsed, st)
            inlined = _inline_call(st, fn, parsed, namer, depth) if fn is not None else None
            out.extend(inlined if inlined is not None else [st])
    block[:] = out


def _hoisted(s: gast.stmt, parsed: ParsedFunction, namer: Namer) -> list[gast.stmt]:
    """Calls of helpers inside the value of `y = ...` or `return ...` (`h = sigmoid(a) * c`), each
    taken out before it into a name of its own, in the order Python evaluates them, so that they
    can be inlined. Only where nothing else in the value has an effect whose order could show:
    every other call is NumPy's, math's or a builtin's; none under `and`, `or`, `if`-expressions."""
    if not isinstance(s, (gast.Assign, gast.Return)) or s.value is None or _call_of(s) is not None:
        return []
    value = s.value
    calls = []
    for n in walk(value):
        if isinstance(n, (gast.BoolOp, gast.IfExp) + _SCOPED_EXPR + _SCOPED):
            return []
        if isinstance(n, gast.Call):
            fn = parsed.peek(n.func.id) if isinstance(n.func, gast.Name) else None
            if fn is not None and fn is not MISSING and _inlinable(fn, parsed):
                if any(isinstance(a, gast.Starred) for a in n.args) or any(k.arg is None for k in n.keywords):
                    return []
                calls.append(n)
            elif isinstance(fn, types.FunctionType) and is_user_function(fn):
                return []  # (a user function's effects keep their order)
    if not calls:
        return []
    taken: dict[int, str] = {}
    pre: list[gast.stmt] = []

    class Take(gast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)  # (arguments first: Python's order)
            if any(n is c for c in calls):
                tmp = namer.fresh(n.func.id + "_out")
                namer.__dict__.setdefault("introduced", set()).add(tmp)
                pre.append(gast.copy_location(gast.Assign(targets=[_store(tmp)], value=n, type_comment=None), s))
                taken[id(n)] = tmp
                return gast.copy_location(gast.Name(id=tmp, ctx=gast.Load(), annotation=None, type_comment=None), n)
            return n

    s.value = Take().visit(value)
    return pre


def _store(n: str) -> gast.Name:
    return gast.Name(id=n, ctx=gast.Store(), annotation=None, type_comment=None)


def _inline_call(s: gast.stmt, fn: Any, parsed: ParsedFunction, namer: Namer, depth: int) -> list[gast.stmt] | None:
    call = _call_of(s)
    try:
        bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except TypeError:
        return None  # (the normal path reports the mismatch)
    bindings: list[tuple[str, gast.AST]] = []
    for p in inspect.signature(fn).parameters.values():
        if p.name in bound.arguments:
            bindings.append((p.name, bound.arguments[p.name]))
        elif isinstance(p.default, (int, float, bool, str, type(None))):
            bindings.append((p.name, gast.Constant(value=p.default, kind=None)))
        else:
            return None
    helper = parse_function(fn)
    if depth + 1 < MAX_DEPTH:
        helper = inline_helpers(helper, depth + 1)
    parsed.lookup(call.func.id)  # (generated code relies on what the name is: recorded)
    body = copy.deepcopy(_without_docstring(helper.tree.body))
    free = names_in(helper.tree) - _local_names(helper.tree)
    introduced = namer.__dict__.setdefault("introduced", set())
    if free & (_local_names(parsed.tree) | set(parsed.cells) | introduced):
        return None  # (a free name of the helper would be read as one of the caller's locals)
    stored = {
        n.id
        for n in walk(gast.Module(body=body, type_ignores=[]))
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    }
    # a parameter the helper never rebinds, given a name or a constant, is that name or constant
    # (the inlined body binds only names of its own: the caller's cannot change under it)
    given = {p: v for p, v in bindings if p not in stored and isinstance(v, (gast.Name, gast.Constant))}
    # a parameter it rebinds, given a name the call's target rebinds anyway and no other argument
    # reads, is that name (`theta, omega = step(theta, omega)`: no copy of omega first)
    targets = names_in(s.targets[0]) if isinstance(s, gast.Assign) else set()
    reads = [n.id for _, v in bindings for n in walk(v) if isinstance(n, gast.Name)]
    renamed = {
        p: v.id
        for p, v in bindings
        if p in stored and isinstance(v, gast.Name) and v.id in targets and reads.count(v.id) == 1
    }
    bindings = [(p, v) for p, v in bindings if p not in renamed]
    renamed |= {v: namer.fresh(v) for v in sorted(_local_names(helper.tree) - set(given) - set(renamed))}
    introduced |= set(renamed.values())

    class Rename(gast.NodeTransformer):
        def visit_Name(self, n):
            if n.id in given:
                return gast.copy_location(copy.deepcopy(given[n.id]), n)
            if n.id in renamed:
                n.id = renamed[n.id]
            return n

    body = [Rename().visit(st) for st in body]
    stmts: list[gast.stmt] = [
        gast.Assign(targets=[_store(renamed[p])], value=v, type_comment=None) for p, v in bindings if p not in given
    ]
    ret = body.pop()
    stmts += body
    if isinstance(s, gast.Return):
        stmts.append(gast.Return(value=ret.value))
    else:
        stmts.append(gast.Assign(targets=s.targets, value=ret.value, type_comment=None))
    for st in stmts:
        for n in walk(st):
            if isinstance(n, (gast.stmt, gast.expr)):
                n.lineno, n.end_lineno = s.lineno, getattr(s, "end_lineno", s.lineno)
                n.col_offset, n.end_col_offset = s.col_offset, getattr(s, "end_col_offset", s.col_offset)
    return stmts
