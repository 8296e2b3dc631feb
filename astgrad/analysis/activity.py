"""Static facts about a normalized function: which values are active, which are integers."""

from __future__ import annotations

import builtins
import copy
import inspect
import operator
import re
import weakref
from typing import Any

import gast
import numpy as np

from .. import rules, runtime
from ..errors import TransformError
from ..frontend.assumptions import capture, replay
from ..frontend.callables import is_user_function
from ..frontend.context import Context
from ..frontend.parse import parse_function
from ..ir.sentinels import MISSING
from ..ir.trees import assignment_counts, name, walk, walk_statements  # noqa: F401 (assignment_counts: also imported from here)
from . import aliasing
from .invariance import shift_names

# the function each operator node computes (`a + b`: operator.add)
BINOPS = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.Div: operator.truediv,
    gast.Pow: operator.pow,
    gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv,
    gast.Mod: operator.mod,
    gast.BitAnd: operator.and_,
    gast.BitOr: operator.or_,
    gast.BitXor: operator.xor,
    gast.LShift: operator.lshift,
    gast.RShift: operator.rshift,
}
UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_, gast.Invert: operator.invert}


def _squares(value: gast.AST) -> bool:
    """`x * x`: one operand, used twice (differentiated as np.square: 2·x, not x + x)."""
    return (
        isinstance(value, gast.BinOp)
        and isinstance(value.op, gast.Mult)
        and isinstance(value.left, gast.Name)
        and isinstance(value.right, gast.Name)
        and value.left.id == value.right.id
    )


def primitive(value: gast.AST) -> Any:
    """The rule-table key of the one operation a normalized right-hand side performs."""
    if _squares(value):
        return np.square
    if isinstance(value, gast.BinOp):
        return BINOPS[type(value.op)]
    if isinstance(value, gast.UnaryOp):
        return UNARY[type(value.op)]
    if isinstance(value, gast.Call):
        return getattr(value, "_ag_fn", None)
    if isinstance(value, gast.Subscript):
        return operator.getitem
    if isinstance(value, gast.Name):
        return operator.is_  # a copy
    if isinstance(value, (gast.Compare, gast.Attribute, gast.Constant, gast.JoinedStr)):
        return None  # comparisons and shape attributes: no derivative
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        return tuple  # a container display
    if getattr(value, "_ag_global", False):
        return None
    return None


def operands(value: gast.AST) -> list[gast.AST]:
    """The atoms a normalized right-hand side reads, in the primitive's argument order."""
    if _squares(value):
        return [value.left]
    if isinstance(value, gast.BinOp):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return [value.operand]
    if isinstance(value, gast.Call):
        return list(value.args) + [k.value for k in value.keywords]
    if isinstance(value, gast.Subscript):
        return [value.value]
    if isinstance(value, gast.Name):
        return [value]
    if isinstance(value, (gast.Tuple, gast.List)):
        return list(value.elts)
    if isinstance(value, gast.Dict):
        return list(value.values)
    return []


def _names(nodes: list[gast.AST]) -> set[str]:
    return {n.id for n in nodes if isinstance(n, gast.Name) and not getattr(n, "_ag_global", False)}


class Activity:
    """Which names are active: depend on a differentiated input and influence the output."""

    def __init__(self, ctx: Context, fdef: gast.FunctionDef, wrt: list[str], outputs: list[str]):
        self.ctx = ctx
        self.shifts = shift_names(fdef)  # constants as far as the result is concerned
        self.call_written = {
            n
            for s in walk_statements(fdef.body)
            if isinstance(s, (gast.Expr, gast.Assign))
            for n in written_arguments(s.value)
        }  # (names a call writes into: varied by that call, not by their assignment)
        flows = list(self._flows(fdef))  # (read once, for both directions)
        self.varied = self._varied(flows, set(wrt))
        self.useful = self._useful(flows, set(outputs))
        self.active = self.varied & self.useful
        self._refuse_varied_fields(fdef)

    def _refuse_varied_fields(self, fdef: gast.FunctionDef) -> None:
        """An argument's attribute (`p.W`, normalize's `_ag_field`) is read without derivative: of
        an argument the derivative flows from (a namedtuple, a dataclass), refused."""
        for s in walk_statements(fdef.body):
            value = s.value if isinstance(s, gast.Assign) else None
            if getattr(value, "_ag_field", False) and isinstance(value.value, gast.Name):
                if value.value.id in self.varied:
                    raise self.ctx.parsed.error(
                        f"the attribute `.{value.attr}` of `{value.value.id}`, whose value the derivative flows "
                        "from, is not supported: astgrad differentiates arrays (their attributes T, shape, dtype, "
                        "ndim, size), numbers, and lists, tuples and dicts of them",
                        s,
                        hint="pass the arrays themselves, or a tuple or dict of them (`W, b = p` unpacks a "
                        "namedtuple); an argument read for its attributes alone (settings) is fine",
                    )

    def _flows(self, fdef: gast.FunctionDef):
        """(target, source names) for every assignment that carries a derivative, and for every
        argument a called function of the user's writes into (`collect(out, x)`, a generated
        forward function pushing onto its caller's tape): from all the call's arguments."""
        for s in walk_statements(fdef.body):
            if getattr(s, "_ag_append", None):
                lst, item = s._ag_append
                yield lst, _names([item])
                continue
            value = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
            for written in written_arguments(value):
                yield written, _names(operands(value))
            if not isinstance(s, gast.Assign):
                continue
            target, value = s.targets[0], s.value
            if isinstance(target, gast.Name) and target.id in self.shifts:
                continue
            fn = primitive(value)
            rule = rules.lookup(fn) if fn is not None and fn is not tuple else None
            if fn is None or (rule is not None and not rule.differentiable):
                continue
            if isinstance(target, gast.Name):
                yield target.id, _names(operands(value))
            elif isinstance(target, gast.Subscript):
                yield target.value.id, _names([value])

    def _varied(self, flows: list, seeds: set[str]) -> set[str]:
        """Forwards from the inputs: every target one of whose sources is varied."""
        return _closure(flows, seeds, forwards=True)

    def _useful(self, flows: list, outputs: set[str]) -> set[str]:
        """Backwards from the outputs: every source of a useful target."""
        return _closure(flows, outputs, forwards=False)


def written_arguments(value: Any) -> set[str]:
    """The names passed to a user function's call `value` that it writes into in place."""
    fn = getattr(value, "_ag_fn", None) if isinstance(value, gast.Call) else None
    if fn is None or rules.lookup(fn) is not None or not is_user_function(fn):
        return set()
    written = parameter_writes(fn)
    if not written:
        return set()
    try:
        bound = inspect.signature(fn).bind(*value.args, **{k.arg: k.value for k in value.keywords if k.arg})
    except (TypeError, ValueError):
        return set()
    out = set()
    for param, (_, _, kind) in written.items():
        if kind == "augmented":
            continue  # (`p += v` rebinds a number; into an array, it is refused at run time)
        given = bound.arguments.get(param)
        items = given if isinstance(given, tuple) else given.values() if isinstance(given, dict) else [given]
        out |= {a.id for a in items if isinstance(a, gast.Name)}
    return out


aliasing.helper_writes = written_arguments  # (writes_in_place counts a helper's writes: see there)


def _closure(flows, seeds: set[str], forwards: bool) -> set[str]:
    """The least set containing `seeds` and closed under the (target, sources) flows."""
    reached = set(seeds)
    flows = list(flows)
    changed = True
    while changed:
        changed = False
        for target, sources in flows:
            if forwards and target not in reached and sources & reached:
                reached.add(target)
                changed = True
            elif not forwards and target in reached and not sources <= reached:
                reached |= sources
                changed = True
    return reached


def integer_names(fdef: gast.FunctionDef, loop_targets: set[str]) -> set[str]:
    """Names that only ever hold Python integers (loop indices, lengths, shape entries...)."""
    sites: dict[str, list[gast.AST]] = {}
    for s in walk_statements(fdef.body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            sites.setdefault(s.targets[0].id, []).append(s.value)
    ints = set(loop_targets)
    candidates = {n for n in sites if n not in loop_targets}
    ints |= candidates  # optimistic start, then remove what is not provably integer

    def is_int(v: gast.AST) -> bool:
        if isinstance(v, gast.Constant):
            return type(v.value) is int
        if isinstance(v, gast.Name):
            return v.id in ints and not getattr(v, "_ag_global", False)
        if isinstance(v, gast.UnaryOp) and isinstance(v.op, (gast.USub, gast.UAdd)):
            return is_int(v.operand)
        if isinstance(v, gast.BinOp) and isinstance(v.op, (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod)):
            return is_int(v.left) and is_int(v.right)
        if isinstance(v, gast.Call):
            fn = getattr(v, "_ag_fn", None)
            return fn in (builtins.len, builtins.int) or (
                fn in (builtins.min, builtins.max) and all(is_int(a) for a in v.args)
            )
        if isinstance(v, gast.Subscript):  # x.shape[0]
            return isinstance(v.value, gast.Name) and v.value.id in _shape_names
        return False

    _shape_names = {
        n for n, vs in sites.items() if all(isinstance(v, gast.Attribute) and v.attr == "shape" for v in vs)
    }
    changed = True
    while changed:
        changed = False
        for n in list(ints & candidates):
            if not all(is_int(v) for v in sites[n]):
                ints.discard(n)
                changed = True
    return ints


def refuse_caller_tape_reads(ctx: Context, fdef: gast.FunctionDef, useful: set[str]) -> None:
    """Refuse a function that restores values from a tape it is passed (a generated backward
    function's `a, b = pop(tape)`) when they influence its result: differentiating it again would
    need the derivatives of what its caller saved, which travel on no tape."""
    params = set(fdef._ag_params)
    for s in walk_statements(fdef.body):
        value = s.value if isinstance(s, gast.Assign) else None
        if not (isinstance(value, gast.Call) and getattr(value, "_ag_fn", None) is runtime.pop and value.args):
            continue
        tape = value.args[0]
        targets = {n.id for t in s.targets for n in gast.walk(t) if isinstance(n, gast.Name)}
        if isinstance(tape, gast.Name) and tape.id in params and targets & useful:
            helper = re.sub(r"_bwd(_\d+)?$", "", fdef.name)  # (the name its pair was made under)
            raise ctx.parsed.error(
                f"second derivatives through a call of your function `{helper}` are not supported: its backward "
                f"pass `{fdef.name}` reads values its caller saved on a tape, whose derivatives are not on it",
                s,
                hint="write the helper's body into the calling function for second derivatives",
            )


def refuse_tuple_output(ctx: Context, fdef: gast.FunctionDef) -> None:
    """A gradient is of a function with one number as its output: one returning `(loss, cache)`
    is refused, pointing to has_aux (reverse mode would index its number adjoint like a tuple)."""
    out = fdef.body[-1].value if fdef.body and isinstance(fdef.body[-1], gast.Return) else None
    if not isinstance(out, gast.Name):
        return
    for st in walk_statements(fdef.body):
        if (
            isinstance(st, gast.Assign)
            and isinstance(st.targets[0], gast.Name)
            and st.targets[0].id == out.id
            and isinstance(st.value, (gast.Tuple, gast.List))
        ):
            kind = "tuple" if isinstance(st.value, gast.Tuple) else "list"
            raise ctx.parsed.error(
                f"the function returns a {kind} of {len(st.value.elts)} values, but a gradient is of a "
                "function with one number as its output",
                st,
                hint="if the first value is the loss and the rest auxiliary data (a cache), pass "
                "has_aux=True: grad(f, has_aux=True) returns (gradient, aux); otherwise use astgrad.jacobian",
            )


def refuse_argument_writes(ctx: Context, fdef: gast.FunctionDef, activity: Activity) -> None:
    """Refuse a call of a user function that writes into an argument depending on the inputs
    (`damp(h)`, or `n = count_and_clip(h)` with n unused), and NumPy's writers (np.copyto...) on
    such arguments: the caller's value changes where its derivatives cannot follow."""
    varied = activity.varied
    for s in walk_statements(fdef.body):
        value = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
        fn = getattr(value, "_ag_fn", None) if isinstance(value, gast.Call) else None
        if fn is not None and numpy_writer(fn):
            read = {a.id for a in value.args + [k.value for k in value.keywords] if isinstance(a, gast.Name)}
            if read & varied:
                raise ctx.parsed.error(
                    f"`{_writer_name(fn)}` writes into its first argument in place, and astgrad cannot follow "
                    "that write to the derivatives",
                    s,
                    hint="compute the new array by assignment instead (`c = np.where(...)`, `c[idx] = v`)",
                )
        if fn is None or rules.lookup(fn) is not None or not is_user_function(fn):
            continue
        if isinstance(s, gast.Assign) and all(
            isinstance(t, gast.Name) and t.id in activity.active for t in s.targets
        ):  # differentiated through the function, which refuses such writes itself
            continue
        try:
            bound = inspect.signature(fn).bind(*value.args, **{k.arg: k.value for k in value.keywords if k.arg})
        except TypeError:
            continue  # (Python raises when the call runs)
        names = {}  # parameter → the names passed for it (several for *args)
        for param, given in bound.arguments.items():
            items = given if isinstance(given, tuple) else given.values() if isinstance(given, dict) else [given]
            names[param] = {a.id for a in items if isinstance(a, gast.Name)}
        if not any(ns & varied for ns in names.values()):
            continue
        written = parameter_writes(fn)
        for param, (where, line, kind) in written.items():
            if kind in ("augmented", "push"):
                continue  # (`p += v`: a new number, or an array, refused at run time: check_not_array;
                # a generated forward function's tape: the backward function reading it is refused)
            passed = names.get(param, set())
            # an input-dependent value written into an array argument (`into(buf, W @ h)`), or
            # appended to a list that the result reads (an append to a log list is left alone)
            if kind == "write" and passed or kind == "append" and passed & activity.active:
                raise ctx.parsed.error(
                    f"`{fn.__name__}` writes into its argument `{param}` in place ({where}:{line}), and what it "
                    "writes or writes into depends on the inputs: astgrad cannot follow that write to the "
                    "derivatives",
                    s,
                    hint=f"return the value from `{fn.__name__}` and append it in the caller"
                    if kind == "append"
                    else f"write into a copy in `{fn.__name__}` (`{param} = {param}.copy()`), return it, and "
                    "assign the result to the caller's name",
                )


_BITWISE = (operator.or_, operator.and_, operator.xor, np.bitwise_or, np.bitwise_and, np.bitwise_xor)


def merge_checks(ctx: Context, fdef: gast.FunctionDef, activity: Activity) -> dict[int, gast.stmt]:
    """id(statement) → `check_not_merged(p, q, line=N)` for each `t = p | q` (`&`, `^`) with an
    operand that has a derivative: on numbers and arrays these have none (a float raises; a mask
    cast from the input is a mask), but of dicts or sets `|` merges, and the bitwise rule (none)
    would drop what the merged values carry: refused where it runs (runtime.check_not_merged)."""
    found = {}
    for s in walk_statements(fdef.body):
        value = s.value if isinstance(s, gast.Assign) else None
        fn = primitive(value) if value is not None else None
        if fn is None or not any(fn is b for b in _BITWISE):
            continue
        ops = operands(value)
        if any(isinstance(a, gast.Name) and a.id in activity.varied for a in ops):
            call = gast.Call(
                func=name(ctx.helper("check_not_merged")),
                args=[copy.deepcopy(a) for a in ops],
                keywords=ctx.check_line(s),
            )
            call._ag_fn = runtime.check_not_merged
            found[id(s)] = gast.copy_location(gast.Expr(value=call), s)
    return found


numpy_writer = rules.registry.writes_first_argument  # (np.copyto, np.add.at: the registry says)


def _writer_name(fn: Any) -> str:
    if getattr(fn, "__name__", None) == "at":
        return f"np.{fn.__self__.__name__}.at"
    return "np.random.shuffle" if fn is np.random.shuffle else f"np.{fn.__name__}"


def viewing_call(call: gast.AST) -> bool:
    """Whether the call `np.f(x, ...)` or `x.f(...)` may return x itself or a view of x:
    `viewing(f)`, or a call told not to copy (`x.astype(t, copy=False)`, `np.array(x, copy=False)`:
    x itself when it has the dtype asked for)."""
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)):
        return False
    if viewing(call.func.attr):
        return True
    return any(
        k.arg == "copy" and not (isinstance(k.value, gast.Constant) and k.value.value is True) for k in call.keywords
    )


def viewing(attr: str) -> bool:
    """Whether `np.attr(x, ...)`, `x.attr(...)` or `x.attr` may be x itself or a view of x (the
    registry says for NumPy's functions: np.reshape, np.transpose, ...)."""
    return attr in rules.registry.member_names("views") or attr in rules.registry.numpy_names("views")


def writer_names() -> frozenset[str]:
    """The names of the functions that write into their first argument, as a called function's
    source names them (`np.copyto`, `np.random.shuffle`; methods, `xs.append`, are members)."""
    members = rules.registry.MEMBER_TYPES
    return frozenset(
        fn.__name__
        for fn in rules.registry.functions_with("writes")
        if getattr(fn, "__objclass__", None) not in members
    )


def parameter_writes(fn: Any, depth: int = 0) -> dict[str, tuple[str, int | None, str]]:
    """The parameters `fn` writes into in place (`p[i] = v`, `p.fill(v)`, `out=p`,
    `np.copyto(p, v)`, through a local alias or view of p, or by passing p to a function that
    does) while the name still holds the caller's value: parameter → (file, line, kind), kind
    "append" for a list's append/extend/insert, "augmented" for `p += v` (a write only if p is
    an array: checked at run time), "push" for generated code's `push(tape, ...)`, else "write"."""
    fn = inspect.unwrap(fn)
    key = (getattr(fn, "__code__", None), depth)
    known = _WRITES_SEEN.get(fn, {}) if _weakly_keyed(fn) else {}
    if key in known and known[key][1].hold():  # (each call site asks again: normalisation, then the refusal check)
        replay(known[key][1])  # (the answer rests on what the callees were: so does the program)
        return known[key][0]
    found: dict[str, tuple[str, int | None, str]] = {}
    with capture() as facts:
        try:
            parsed = parse_function(fn)
        except TransformError:
            return {}
        args = parsed.tree.args
        declared = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        params = {a.id: a.id for a in declared if isinstance(a, gast.Name)}
        _scan_writes(parsed.tree.body, params, fn, parsed, depth, found)
    replay(facts)
    if _weakly_keyed(fn):
        _WRITES_SEEN.setdefault(fn, {})[key] = (found, facts)
    return found


# function → {(its code, depth): parameter_writes's answer}
_WRITES_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _weakly_keyed(fn: Any) -> bool:
    try:
        weakref.ref(fn)
        hash(fn)
    except TypeError:
        return False
    return True


_ORDER = {"push": -1, "append": 0, "augmented": 1, "write": 2}


def _scan_writes(body: list, root: dict[str, str], fn: Any, parsed: Any, depth: int, found: dict) -> dict[str, str]:
    """Note in `found` the writes of `body` into names that may hold a parameter (`root`: name →
    parameter), in order; return the names that may hold one after it."""
    mutating = rules.registry.member_names("writes")

    def note(base: gast.AST, n: gast.AST, kind: str = "write") -> None:
        while isinstance(base, (gast.Subscript, gast.Attribute, gast.Starred)):
            base = base.value
        if isinstance(base, gast.Name) and base.id in root:
            known = found.get(root[base.id])
            if known is None or _ORDER[kind] > _ORDER[known[2]]:
                found[root[base.id]] = (parsed.filename, parsed.abs_line(n), kind)

    def expression_writes(node: gast.AST) -> None:
        for n in gast.walk(node):
            if not isinstance(n, gast.Call):
                continue
            f = n.func
            if isinstance(f, gast.Name) and n.args and parsed.lookup(f.id) is runtime.push:
                note(n.args[0], n, "push")  # (generated code: a forward function's tape)
            if isinstance(f, gast.Attribute) and f.attr in mutating:
                note(f.value, n, "append" if f.attr in ("append", "extend", "insert") else "write")
            if isinstance(f, gast.Attribute) and f.attr in writer_names() and n.args:
                note(n.args[0], n)
            ufunc = getattr(np, f.attr, None) if isinstance(f, gast.Attribute) else None
            if isinstance(ufunc, np.ufunc) and len(n.args) > ufunc.nin:
                note(n.args[ufunc.nin], n)  # (a positional output)
            for k in n.keywords:
                if k.arg == "out":
                    note(k.value, n)
            callee = parsed.lookup(f.id) if isinstance(f, gast.Name) and f.id not in root else None
            if depth < 3 and callee is not MISSING and callee is not fn and is_user_function(callee):
                try:
                    bound = inspect.signature(callee).bind(*n.args, **{k.arg: k.value for k in n.keywords if k.arg})
                except (TypeError, ValueError):
                    continue
                for param, (_, _, kind) in parameter_writes(callee, depth + 1).items():
                    passed = bound.arguments.get(param)
                    for item in passed if isinstance(passed, tuple) else [passed]:
                        if isinstance(item, gast.AST):
                            note(item, n, kind)

    for s in body:
        if isinstance(s, (gast.FunctionDef, gast.ClassDef, gast.Lambda)):
            continue
        blocks = [getattr(s, f) for f in ("body", "orelse", "finalbody") if isinstance(getattr(s, f, None), list)]
        blocks += [h.body for h in getattr(s, "handlers", [])]
        if blocks:  # a branch or loop: each block from here; after it, a name may hold either
            for field, value in gast.iter_fields(s):
                if field not in ("body", "orelse", "finalbody", "handlers") and isinstance(value, gast.AST):
                    expression_writes(value)
            inner = dict(root)
            if isinstance(s, (gast.For, gast.AsyncFor)) and isinstance(s.target, gast.Name):
                source = base_name(s.iter)
                if source in root:
                    inner[s.target.id] = root[source]
            for block in blocks:
                for k, v in _scan_writes(block, dict(inner), fn, parsed, depth, found).items():
                    root.setdefault(k, v)
            continue
        expression_writes(s)
        if isinstance(s, gast.AugAssign):
            note(s.target, s, "augmented" if isinstance(s.target, gast.Name) else "write")
        for t in s.targets if isinstance(s, gast.Assign) else [s.target] if isinstance(s, gast.AnnAssign) else []:
            for n in gast.walk(t):
                if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
                    note(n.value, n)
            if isinstance(t, gast.Name):  # `p = p.copy()`: later writes go into the new array
                sources = view_sources(s.value) & root.keys() if s.value is not None else set()
                if sources:
                    root[t.id] = root[min(sources)]
                else:
                    root.pop(t.id, None)
    return root


def base_name(e: gast.AST) -> str | None:
    """x of `x`, `x[i]`, `x.attr[j]`, `*x`; None for anything else."""
    while isinstance(e, (gast.Subscript, gast.Attribute, gast.Starred)):
        e = e.value
    return e.id if isinstance(e, gast.Name) else None


def view_sources(value: gast.AST) -> set[str]:
    """The names `value` may be itself or a view of (`x`, `x[:2]`, `x.T`, `x.reshape(-1)`,
    `np.reshape(x, ...)`), rather than a new array (`x * 2.0`, `x.copy()`)."""
    if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute, gast.Starred)):
        part = value
        while isinstance(part, (gast.Subscript, gast.Attribute, gast.Starred)):
            if isinstance(part, gast.Attribute) and part.attr in rules.registry.member_names("metadata"):
                return set()  # (`x.shape`, `x.shape[1]`: new objects, no view of x)
            part = part.value
        b = base_name(value)
        return {b} if b else set()
    if isinstance(value, gast.IfExp):
        return view_sources(value.body) | view_sources(value.orelse)
    if viewing_call(value):
        return set().union(*(view_sources(o) for o in [value.func.value] + value.args))
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and value.func.attr == "get":
        return view_sources(value.func.value)  # `d.get(k)`: an item of d itself, as d[k]
    return set()


# results that are real whatever their arguments (the real part, a modulus, an angle, a norm)
_REAL_RESULTS = (np.real, np.imag, np.abs, np.absolute, abs, np.angle, np.linalg.norm)


def complex_names(fdef: gast.FunctionDef, ctx: Any) -> set[str]:
    """The names of normalized `fdef` that may hold a complex value although the inputs are real:
    those computed from a complex constant (`1j`, a global complex array), from np.fft's
    transforms, or from such a name (np.real and the like of one is real). An elementwise
    adjoint to a real operand keeps its `unbroadcast` there: it takes the real part (a real
    value's adjoint is real)."""
    found: set[str] = set()
    assigns = [
        (s.target if isinstance(s, gast.AugAssign) else s.targets[0], s.value)
        for s in walk_statements(fdef.body)
        if isinstance(s, (gast.Assign, gast.AugAssign))
    ]
    assigns = [(t.id, value) for t, value in assigns if isinstance(t, gast.Name)]
    local = {t for t, _ in assigns} | {a.id for a in fdef.args.args + fdef.args.kwonlyargs}

    def complex_global(n: gast.Name) -> bool:
        if n.id in local:
            return False
        try:
            value = ctx.peek(n.id)
        except Exception:  # noqa: BLE001 - a name the function does not find: not a constant
            return False
        return runtime.complex_valued(value)

    # each assignment: whether it makes a complex value whatever the names it reads hold, and
    # those names (read once: the rounds below only ask which of them hold one)
    reads: list[tuple[str, bool, list[str]]] = []
    for target, value in assigns:
        fn = primitive(value)
        if fn in _REAL_RESULTS:
            continue
        may = (getattr(fn, "__module__", "") or "").startswith("numpy.fft")
        names = []
        for n in walk(value):
            if isinstance(n, gast.Constant) and isinstance(n.value, complex):
                may = True
            elif isinstance(n, gast.Name):
                names.append(n.id)
                may = may or complex_global(n)
        reads.append((target, may, names))
    changed = True
    while changed:
        changed = False
        for target, may, names in reads:
            if target not in found and (may or any(n in found for n in names)):
                found.add(target)
                changed = True
    return found


_FLOAT_BY_DEFAULT = (np.zeros, np.ones, np.empty)  # (their dtype, unless given, is float64)


def made_float(fdef: gast.FunctionDef) -> frozenset[str]:
    """The names bound once, by `np.zeros(shape)`, `np.ones` or `np.empty` without a dtype or with
    a float one: float arrays, whatever the function's inputs (no store into them truncates)."""
    bound: dict[str, int] = {}
    made: set[str] = set()
    for node in walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            bound[node.id] = bound.get(node.id, 0) + 1
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name):
            value = node.value
            if isinstance(value, gast.Call) and any(getattr(value, "_ag_fn", None) is f for f in _FLOAT_BY_DEFAULT):
                dtype = [k.value for k in value.keywords if k.arg == "dtype"] + list(value.args[1:2])
                if not dtype or _float_dtype(dtype[0]):
                    made.add(node.targets[0].id)
    return frozenset(n for n in made if bound.get(n) == 1)


def _float_dtype(e: gast.AST) -> bool:
    """`float`, `np.float64`, `"float64"`..."""
    if isinstance(e, gast.Name):
        return e.id == "float"
    text = e.value if isinstance(e, gast.Constant) else e.attr if isinstance(e, gast.Attribute) else None
    return isinstance(text, str) and text in ("float", "float64", "double", "f8", "float32", "single", "f4")


def float_store_check(ctx: Context, stmt: gast.Assign) -> gast.stmt:
    """`check_float_store(x, line=N)` before `stmt`, `x[i] = v` of a value v with a derivative:
    the store is refused where it runs, naming the user's line N, if x holds integers or booleans,
    which truncate v (runtime.check_float_store)."""
    call = gast.Call(
        func=name(ctx.helper("check_float_store")),
        args=[name(stmt.targets[0].value.id)],
        keywords=ctx.check_line(stmt),
    )
    call._ag_fn = runtime.check_float_store
    return gast.copy_location(gast.Expr(value=call), stmt)
