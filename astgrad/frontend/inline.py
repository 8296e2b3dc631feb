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
target. Inlined are calls `target = helper(...)` and `return helper(...)` (and calls inside such a
value, taken out first) of a plain function without closure, named by a global name (`step(h, x)`)
or reached through objects the caller knows (`layers.affine(x, W)` of a module, `model.forward(x)`
of a global object, `self.dense.forward(x)` in grad(model.loss): the method's `self` is that
object's expression); of the caller's module, or of another whose names the helper reads mean
the same objects in the caller's (`np`): its body then means there what it means in its module.
Its body returns once, at its end, defines no function or class, writes in place only into
arrays and lists it made itself (`out = np.zeros(..)`, `caches = []`: through an alias, the
aliasing checks of its own frame would become the caller's) and has at most `MAX_STATEMENTS`
statements; helpers called by an inlined helper are inlined too, `MAX_DEPTH` deep.
The program guard still checks the helper is the function, with the code, it was inlined from (the
name's or attribute chain's fact is recorded as for any call), and, for a helper of another module,
what the names it reads are there. The inlined statements carry the call's line.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import types
from typing import Any

import gast

from .. import rules
from ..analysis.activity import base_name, parameter_writes
from ..errors import TransformError
from ..ir.names import Namer
from ..ir.sentinels import MISSING
from ..ir.trees import names_in, walk
from ..rules.registry import member_names
from .callables import is_generated, is_user_function
from .parse import ParsedFunction, attribute_path, parse_function

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
    if not any(isinstance(n, gast.Call) and _callee(parsed, n, local) is not None for n in walk(tree)):
        return parsed
    tree = copy.deepcopy(tree)
    namer = Namer.for_tree(tree, set(getattr(parsed.func, "__globals__", {})) | set(parsed.cells))
    namer.__dict__["caller_locals"] = local  # (the caller's own names: read for every statement)
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
    if isinstance(value, gast.Call) and isinstance(value.func, (gast.Name, gast.Attribute)):
        return value
    return None


def _plain_target(t: gast.AST) -> bool:
    if isinstance(t, gast.Name):
        return True
    return isinstance(t, (gast.Tuple, gast.List)) and all(_plain_target(e) for e in t.elts)


def _candidate(parsed: ParsedFunction, s: gast.stmt, local: set[str]) -> tuple[Any, gast.AST | None] | None:
    """(the helper function `s` calls, the object its method is called on or None), if the call
    can be inlined; None otherwise."""
    call = _call_of(s)
    if call is None or any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    return _callee(parsed, call, local)


def _callee(parsed: ParsedFunction, call: gast.Call, local: set[str]) -> tuple[Any, gast.AST | None] | None:
    """(the function `call` calls, the expression of the object it is a method of, or None) if it
    is one to inline: a helper named by a global name (`step(h, x)`) or reached through objects
    the caller knows (`layers.affine(x, W)` of a module, `model.forward(x)` of a global object,
    `self.dense.forward(x)` in grad(model.loss)); None otherwise."""
    path = attribute_path(call.func)
    if path is None or path[0] in local:
        return None
    obj = parsed.resolve_path(path, record=False)
    receiver = None
    if isinstance(obj, types.MethodType) and isinstance(obj.__func__, types.FunctionType):
        if len(path) < 2 or obj.__self__ is not parsed.resolve_path(path[:-1], record=False):
            return None  # (a class method called on an instance: its first parameter is not the receiver)
        obj, receiver = obj.__func__, call.func.value
    return (obj, receiver) if obj is not MISSING and _inlinable(obj, parsed) else None


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
        if isinstance(n, gast.AugAssign) and base_name(n.target) not in fresh:
            return False
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            if base_name(n) not in fresh:
                return False
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in member_names("writes"):
            if base_name(n.func.value) not in fresh:
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
            found = _candidate(parsed, st, namer.__dict__["caller_locals"])
            inlined = _inline_call(st, *found, parsed, namer, depth) if found is not None else None
            if inlined is not None and found[1] is not None and depth + 1 < MAX_DEPTH:
                # (a method's body names its object now: `self.relu_layer(h)` became `model.relu_layer(h)`)
                _inline_block(inlined, parsed, namer, depth + 1)
            out.extend(inlined if inlined is not None else [st])
    block[:] = out


def _hoisted(s: gast.stmt, parsed: ParsedFunction, namer: Namer) -> list[gast.stmt]:
    """Calls of helpers inside the value of `y = ...` or `return ...` (`h = sigmoid(a) * c`), each
    taken out before it into a name of its own, in the order Python evaluates them, so that they
    can be inlined. Only where nothing else in the value has an effect whose order could show:
    every other call is NumPy's, math's or a builtin's; none under `and`, `or`, `if`-expressions."""
    local = namer.__dict__["caller_locals"]
    if not isinstance(s, (gast.Assign, gast.Return)) or s.value is None or _candidate(parsed, s, local) is not None:
        return []
    value = s.value
    calls = []
    for n in walk(value):
        if isinstance(n, (gast.BoolOp, gast.IfExp) + _SCOPED_EXPR + _SCOPED):
            return []
        if isinstance(n, gast.Call):
            if _callee(parsed, n, local) is not None:
                if any(isinstance(a, gast.Starred) for a in n.args) or any(k.arg is None for k in n.keywords):
                    return []
                calls.append(n)
                continue
            path = attribute_path(n.func)
            fn = parsed.resolve_path(path, record=False) if path is not None and path[0] not in local else None
            fn = getattr(fn, "__func__", fn)
            if isinstance(fn, types.FunctionType) and is_user_function(fn):
                return []  # (a user function's effects keep their order)
    if not calls:
        return []
    taken: dict[int, str] = {}
    pre: list[gast.stmt] = []

    class Take(gast.NodeTransformer):
        def visit_Call(self, n):
            self.generic_visit(n)  # (arguments first: Python's order)
            if any(n is c for c in calls):
                tmp = namer.fresh(attribute_path(n.func)[-1] + "_out")
                namer.__dict__.setdefault("introduced", set()).add(tmp)
                pre.append(gast.copy_location(gast.Assign(targets=[_store(tmp)], value=n, type_comment=None), s))
                taken[id(n)] = tmp
                return gast.copy_location(gast.Name(id=tmp, ctx=gast.Load(), annotation=None, type_comment=None), n)
            return n

    s.value = Take().visit(value)
    return pre


def _store(n: str) -> gast.Name:
    return gast.Name(id=n, ctx=gast.Store(), annotation=None, type_comment=None)


def _inline_call(
    s: gast.stmt, fn: Any, receiver: gast.AST | None, parsed: ParsedFunction, namer: Namer, depth: int
) -> list[gast.stmt] | None:
    call = _call_of(s)
    positional = ([receiver] if receiver is not None else []) + list(call.args)
    try:
        bound = inspect.signature(fn).bind(*positional, **{k.arg: k.value for k in call.keywords})
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
    body = copy.deepcopy(_without_docstring(helper.tree.body))
    free = names_in(helper.tree) - _local_names(helper.tree)
    introduced = namer.__dict__.setdefault("introduced", set())
    if free & (namer.__dict__["caller_locals"] | set(parsed.cells) | introduced):
        return None  # (a free name of the helper would be read as one of the caller's locals)
    if fn.__globals__ is not getattr(parsed.func, "__globals__", None):
        # a helper of another module: its body, read in the caller's, must mean the same objects
        if any(parsed.peek(n) is not helper.peek(n) for n in free):
            return None
        for n in free:
            helper.lookup(n)  # (what the name is in the helper's module: recorded, as a call's would be)
    stored = {
        n.id
        for n in walk(gast.Module(body=body, type_ignores=[]))
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    }
    params = list(inspect.signature(fn).parameters)
    if receiver is not None and params[0] in stored:
        return None  # (`self` rebound: the object is no longer the receiver)
    parsed.resolve_path(attribute_path(call.func))  # (generated code relies on what the chain is: recorded)
    # a parameter the helper never rebinds, given a name, a constant or the object a method is called
    # on (`model`, `self.dense`), is that expression (the inlined body binds only names of its own:
    # the caller's cannot change under it)
    given = {
        p: v
        for p, v in bindings
        if p not in stored and (isinstance(v, (gast.Name, gast.Constant)) or receiver is not None and v is receiver)
    }
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
    # the inlined statements carry the call's line (what errors name); each node a column of its own,
    # past any real one: analyses that tell nodes apart by place (aliasing.py) see them apart
    columns = namer.__dict__.setdefault("inlined_columns", itertools.count(_INLINED_COLUMNS))
    for st in stmts:
        for n in walk(st):
            if isinstance(n, (gast.stmt, gast.expr)):
                n.lineno, n.end_lineno = s.lineno, getattr(s, "end_lineno", s.lineno)
                n.col_offset = n.end_col_offset = next(columns)
    return stmts


_INLINED_COLUMNS = 1 << 20  # (no line of source is that long)
