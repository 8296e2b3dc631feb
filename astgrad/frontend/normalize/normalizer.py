"""Lowering of a user function to A-normal form: one primitive operation per statement.

After this pass a function body contains only
  * `name = <op>` where <op> applies one operation to atoms (names and constants),
  * `name[index] = atom` (in-place writes),
  * `if test:` with an atom or a comparison of atoms as test,
  * `for i in range(...)` index loops and `while` loops, whose `break`s end their block,
  * expression statements that call something for its effect (`print`),
  * a single final `return atom`.
Names assigned only in straight-line code at the top level get SSA versions (`h`, `h_1`, ...);
names assigned inside branches or loops keep their one name.

`Normalizer` is put together from one part per concern: this module holds the entry point and
the statements; frontend/normalize/expressions.py the A-normal form of expressions (and assignments),
frontend/normalize/control.py the control-flow restructuring, frontend/normalize/loops.py the loop lowering,
frontend/normalize/writes.py the checks of in-place writes through aliases and views, and
frontend/normalize/refusals.py what it refuses and how it says so.
"""

from __future__ import annotations

import builtins
import copy
import types
from typing import Any, Callable

import gast
import numpy as np

from ... import rules, runtime
from ...analysis.activity import integer_names, view_sources, walk_statements
from ...analysis.aliasing import SharedMemory
from ...analysis.sequences import known_sequences
from ...ir.codegen import compile_function, render
from ...ir.trees import assign, assigned_names, clone, find, name, names_in, walk
from ..assumptions import constant_cell
from ..context import Context
from ..parse import ParsedFunction
from .control import ControlFlowMixin
from .expressions import ExpressionsMixin, may_write
from .loops import LoopsMixin
from .refusals import STATEMENT_HINTS, RefusalsMixin, node_source
from .walrus import hoist_assignment_expressions
from .writes import WritesMixin, bindings, blocks_of, writer_target


class Normalizer(ExpressionsMixin, LoopsMixin, ControlFlowMixin, WritesMixin, RefusalsMixin):
    """Turns a parsed user function into its ANF/SSA form (see the module docstring)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.parsed = ctx.parsed
        fdef = self.parsed.tree
        hoist_assignment_expressions(fdef.body)
        args = fdef.args
        # `*args` and `**kwargs` are a tuple and a dict the function reads (not differentiated)
        stars = [a.id for a in (args.vararg, args.kwarg) if a is not None]
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + stars
        self.locals: set[str] = set(self.params) | {
            n.id
            for n in walk(gast.Module(body=fdef.body, type_ignores=[]))
            if n.__class__ is gast.Name and isinstance(n.ctx, gast.Store)
        }
        # (`np.clip(y, a, b, out=y)` as `y[...] = np.clip(y, a, b)`: a write of a local, binding no new name)
        self.outputs_as_writes(fdef.body)
        # every node of the body, in ast.walk's order: the one scan the questions below share
        scan = walk(gast.Module(body=fdef.body, type_ignores=[]))[1:]
        self.user_locals = set(self.locals)
        self.view_bases: dict[str, set[str]] = {}
        self.iterating: set[str] = set()
        self.nested: dict[str, tuple] = {}
        fresh = self._copied_at_once(fdef.body, scan)
        self.alias_pairs = self._alias_pairs(fdef.body, fresh, scan)
        self.shared_memory = SharedMemory(fdef, self.locals, self.params, view_sources, bindings, fresh)
        self.overwritten_displays = self._overwritten_displays(scan)
        self.views = {a for a, _, _, how in self.alias_pairs if how in ("view", "maybe")}
        self.view_checks: set[str] = set()
        self.written_through: set[str] = set()  # names whose array is written into: `a[i] = v`
        # (what lowering the writers below into assignments leaves as it was: no such write is one)
        self.written_in_place = self._written_in_place(fdef.body, scan)
        for st in scan:  # find the writes first, so the checks are known before lowering
            if isinstance(st, gast.Assign):
                for t in st.targets:
                    if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name):
                        self._note_maybe_view_write(t.value.id)
                        self.written_through.add(t.value.id)
            elif (
                isinstance(st, gast.AugAssign)
                and isinstance(st.target, gast.Subscript)
                and isinstance(st.target.value, gast.Name)
            ):
                self._note_maybe_view_write(st.target.value.id)
                self.written_through.add(st.target.value.id)
            elif isinstance(st, gast.Expr) and isinstance(st.value, gast.Call):
                written = writer_target(st.value, self.resolve(st.value.func))  # (`np.add.at(a, idx, v)`)
                if written is not None:
                    self._note_maybe_view_write(written)
                    self.written_through.add(written)
        self.writers_as_assignments(fdef.body)
        self.version: dict[str, str] = {p: p for p in self.params}
        self.ssa = self._ssa_candidates(fdef.body)
        self.out: list[gast.stmt] = []
        self._written: set[str] | None = None  # names written in place (computed when first needed)
        self.loc: gast.AST | None = None
        self.retval: str | None = None
        self.ret_flag: str | None = None

    def run(self, protect_inputs: bool = False) -> gast.FunctionDef:
        fdef = self.parsed.tree
        body = list(fdef.body)
        if protect_inputs:
            # a parameter the function writes into is copied first: the caller's array is never changed
            written = self.written_in_place
            for p in self.params:
                others = [q for q in self.params if q != p]
                if p in written and others:
                    # (the copy would part it from another argument that is the same array)
                    labels = [a for q in others for a in (name(q), gast.Constant(value=q, kind=None))]
                    check = gast.Call(
                        func=name(self.ctx.helper("check_unaliased")),
                        args=[name(p), gast.Constant(value=p, kind=None), *labels],
                        keywords=[],
                    )
                    self.loc = fdef
                    self.emit(gast.Expr(value=check))
                if p in written:
                    copy_call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[name(p)], keywords=[])
                    copy_call._ag_fn = runtime.copy_of
                    self.loc = fdef
                    # a parameter the function rebinds in a loop keeps its name (reads in the loop
                    # see the last iteration's value); otherwise the copy is a new SSA version
                    copied = self.ctx.namer.fresh(p)
                    self.locals.add(copied)
                    self.emit(assign(copied, copy_call, fdef))
                    if p in self.ssa:
                        self.version[p] = copied
                    else:
                        self.emit(assign(p, name(copied), fdef))
        if (
            body
            and isinstance(body[0], gast.Expr)
            and isinstance(body[0].value, gast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body = body[1:]  # docstring
        returns = find(body, {gast.Return})
        if len(returns) == 1 and body and body[-1] is returns[0] and returns[0].value is not None:
            # the common case: one return, at the end
            structured = self._with_flag(self.restructure(body[:-1], in_loop=False))
            self.ssa = self._ssa_candidates(structured)  # restructuring may move statements into branches
            self.block(structured)
            self.loc = last = body[-1]
            value = self.expr(last.value)
            if not isinstance(value, gast.Name):
                value = self.temp_named("out", value)
            result = value
        else:
            body = self._with_flag(self.restructure(body, in_loop=False))
            self.ssa = self._ssa_candidates(body)
            self.block(body)
            result = name(self.retval) if self.retval else gast.Constant(value=None, kind=None)
        ret = gast.Return(value=result)
        gast.copy_location(ret, fdef.body[-1])
        self.out.append(ret)
        new = gast.FunctionDef(
            name=fdef.name,
            args=clone(fdef.args),  # (its nodes: names, defaults as the user wrote them)
            body=self.out,
            decorator_list=[],
            returns=None,
            type_comment=None,
            type_params=[],
        )
        for a in new.args.posonlyargs + new.args.args + new.args.kwonlyargs:
            a.annotation = None
        gast.copy_location(new, fdef)
        new._ag_params = list(self.params)
        new._ag_views = dict(self.view_bases)
        new._ag_as_arrays = _lists_as_arrays(new, self.ctx)  # (parameters NumPy may read as lists)
        return new

    def error(self, message: str, node: gast.AST | None = None, hint: str | None = None):
        return self.parsed.error(message, node if node is not None else self.loc, hint)

    def emit(self, stmt: gast.stmt) -> None:
        if self.loc is not None:
            gast.copy_location(stmt, self.loc)
        self.out.append(stmt)

    def block(self, stmts: list[gast.stmt]) -> None:
        for s in stmts:
            self.loc = s
            self.statement(s)

    def sub_block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        saved, saved_loc = self.out, self.loc
        self.out = []
        self.block(stmts)
        body = self.out or [gast.copy_location(gast.Pass(), saved_loc)]
        self.out, self.loc = saved, saved_loc
        return body

    def statement(self, s: gast.stmt) -> None:
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            raise self.error(
                f"`{type(s).__name__.lower()}` statements are not supported",
                s,
                hint=STATEMENT_HINTS.get(type(s).__name__),
            )
        method(s)

    def stmt_Pass(self, s):
        pass

    def stmt_FunctionDef(self, s):
        """A nested def: lifted to a function of its own whose captured locals become
        keyword-only parameters, so that calls to it are calls to a user function."""
        if s.decorator_list:
            raise self.error("decorated nested functions are not supported", s, hint="define it at module level")
        inner_params = {a.id for a in s.args.posonlyargs + s.args.args + s.args.kwonlyargs}
        if s.args.vararg:
            inner_params.add(s.args.vararg.id)
        if s.args.kwarg:
            inner_params.add(s.args.kwarg.id)
        inner_locals = inner_params | assigned_names(s.body)
        for n in walk(s):
            if isinstance(n, (gast.Nonlocal, gast.Global)):
                raise self.error(
                    f"`{type(n).__name__.lower()}` in a nested function is not supported",
                    n,
                    hint="pass the value in and return the new value instead",
                )
        free = [n.id for n in walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]
        if s.name in free and s.name not in inner_locals:
            raise self.error(
                "a nested function that calls itself is not supported",
                s,
                hint="define the recursive function at module level",
            )
        # an earlier nested function it calls: read as a constant (as a global), the locals that one
        # captures captured by this one too, and passed on at its calls
        siblings = {
            n: self.nested[n][0]
            for n in free
            if n in self.nested and n not in inner_locals and not set(self.nested[n][1]) & inner_locals
        }
        passed_on = [c for n in siblings for c in self.nested[n][1]]
        captured = []
        for n in free + passed_on:
            if n in self.locals and n not in inner_locals and n not in captured and n not in siblings:
                if n == s.name:
                    raise self.error(
                        "a nested function that calls itself is not supported",
                        s,
                        hint="define the recursive function at module level",
                    )
                captured.append(n)
        lifted = copy.deepcopy(s)
        for call in walk(lifted):
            if isinstance(call, gast.Call) and isinstance(call.func, gast.Name) and call.func.id in siblings:
                call.keywords += [
                    gast.keyword(arg=c, value=gast.Name(id=c, ctx=gast.Load(), annotation=None, type_comment=None))
                    for c in self.nested[call.func.id][1]
                ]
        for n in captured:
            lifted.args.kwonlyargs.append(gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None))
            lifted.args.kw_defaults.append(None)
        fn = lift_function(self.parsed, lifted, siblings)
        self.nested[s.name] = (fn, captured)

    def nested_call(self, node: gast.Call) -> gast.Call:
        fn, captured = self.nested[node.func.id]
        alias = self.ctx.global_ref(fn.__name__, fn)
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords]
        for n in captured:
            if n not in self.version:
                raise self.error(f"`{n}` is read by the nested function before it is assigned", node)
            keywords.append(gast.keyword(arg=n, value=name(self.version[n])))
        call = gast.Call(func=name(alias), args=[self.atom(a, False) for a in node.args], keywords=keywords)
        call._ag_fn = fn
        return call

    def stmt_Raise(self, s):
        self.emit(self.opaque(s))

    def stmt_Expr(self, s):
        v = s.value
        if isinstance(v, gast.Constant):
            return  # stray string / docstring
        if isinstance(v, gast.Call):
            f = v.func
            if (
                isinstance(f, gast.Attribute)
                and f.attr == "append"
                and isinstance(f.value, gast.Name)
                and f.value.id in self.locals
                and len(v.args) == 1
                and not v.keywords
            ):
                self.check_write(f.value.id, s, grows=True)  # (a list another name holds changes too)
                self.append(f.value.id, v.args[0])
                return
            if (
                isinstance(f, gast.Attribute)
                and f.attr == "extend"
                and isinstance(f.value, gast.Name)
                and f.value.id in self.locals
                and len(v.args) == 1
                and isinstance(v.args[0], (gast.List, gast.Tuple))
                and not any(isinstance(e, gast.Starred) for e in v.args[0].elts)
                and not v.keywords
            ):  # xs.extend([a, b]): xs.append(a); xs.append(b)
                self.check_write(f.value.id, s, grows=True)
                for item in v.args[0].elts:
                    self.append(f.value.id, item)
                return
            expr = self.expr(v)
            self.emit(gast.Expr(value=expr))
            return
        self.expr(v)  # evaluated for its effects on nothing: lowered and dropped

    def append(self, var: str, value: gast.AST) -> None:
        """`xs.append(v)`: an in-place write of the list `xs` (undone by `xs.pop()` if needed)."""
        item = self.atom(value)
        lst = self.version.get(var, var)
        call = gast.Call(func=gast.Attribute(value=name(lst), attr="append", ctx=gast.Load()), args=[item], keywords=[])
        stmt = gast.Expr(value=call)
        stmt._ag_append = (lst, item)
        self.emit(stmt)

    def stmt_Assert(self, s):
        test = self.atom(s.test)
        msg = self.opaque(s.msg) if s.msg is not None else None
        self.emit(gast.Assert(test=test, msg=msg))

    def stmt_AnnAssign(self, s):
        if s.value is not None:
            self.assign_to(s.target, s.value)

    def stmt_Assign(self, s):
        if getattr(s, "_ag_writer", False):  # `np.add.at(a, idx, v)` (frontend/normalize/writes.py)
            self.lower_writer(s)
            return
        if len(s.targets) == 1:
            self.assign_to(s.targets[0], s.value)
            return
        value = self.atom(s.value)
        for t in s.targets:
            self.assign_to(t, value)

    def stmt_AugAssign(self, s):
        t = s.target
        if isinstance(t, gast.Name):
            self.check_write(t.id, s, augmented=True)
            if t.id in self.iterating:
                raise self.error(
                    f"augmented assignment to `{t.id}` while a loop iterates over it: on an array `+=` changes "
                    "the values the loop still reads",
                    s,
                    hint=f"write `{t.id} = {t.id} + ...` (a new array), or iterate over a copy",
                )
            # `A *= 2.0` writes into A's array if A is one: a row `r = A[0]` taken before and read after
            # sees the write, and so does the array A views or is (`A = np.asarray(x)`, `x.squeeze()`)
            # (checked here, where both are bound: check_apart)
            sharers = {a for a, b, _, how in self.alias_pairs if b == t.id and how in ("view", "maybe")}
            sharers |= {b for a, b, _, how in self.alias_pairs if a == t.id and how in ("view", "maybe")}
            self.check_live_sharers(t.id, s, sharers | (self.shared_memory.shared(s, t.id) or set()))
            if t.id in self.views:
                # `v += e` changes v in place if v is an array view (of a row, say), or an array a list,
                # tuple or dict it was read from holds (`W = Ws[0]`, a loop over a dict's items
                # written out): check at run time
                sharing = {t.id} | (self.shared_memory.shared(s, t.id) or set())
                sources = sorted({b for a, b, _, how in self.alias_pairs if how == "maybe" and a in sharing} - {t.id})
                for source in sources or [None]:
                    args = [name(self.version.get(t.id, t.id)), gast.Constant(value=t.id, kind=None)]
                    if source is not None and source in self.locals:
                        args.append(name(self.version.get(source, source)))
                    guard = gast.Call(
                        func=name(self.ctx.helper("check_not_view")), args=args, keywords=self.ctx.check_line(s)
                    )
                    self.emit(gast.Expr(value=guard))
            self.assign_to(t, gast.BinOp(left=name(t.id), op=s.op, right=s.value))
        elif isinstance(t, gast.Subscript):
            if isinstance(t.value, gast.Name):
                self.check_write(t.value.id, s)
            base = self.local_name(t.value)
            index = self.index(t.slice)
            old = self.temp(gast.Subscript(value=name(base), slice=index, ctx=gast.Load()))
            if isinstance(t.value, gast.Name):  # (`c[k] += v` of an array item another name holds: check_apart)
                self.check_live_sharers(t.value.id, s, self.item_holders(t.value.id), old, node_source(t))
            new = self.temp(gast.BinOp(left=old, op=s.op, right=self.atom(s.value)))
            self.emit(assign(gast.Subscript(value=name(base), slice=copy.deepcopy(index), ctx=gast.Store()), new))
        else:
            raise self.error(
                "augmented assignment to an attribute is not supported",
                s,
                hint="astgrad differentiates functions without mutable object state",
            )


def _lists_as_arrays(fdef: gast.FunctionDef, ctx: Context) -> set[str]:
    """A parameter, or a local bound once to a list or tuple display, that the function only hands
    to NumPy functions to differentiate, indexes by integers and measures with len() (`np.dot(w, w)`
    with w a list) is made an array where it is bound, if it is a list of numbers (`w_array =
    numbers_as_array(w)`): NumPy sees the same values, and derivative rules that apply Python's
    operators to it (`g * b`) see an array, not a list. Returns the parameters read so, converted or
    not (their gradient is given back in the argument's structure: a list for a list; specialised
    code for an array drops the conversion and that, reverse.py)."""
    loops = {s.target.id for s in walk_statements(fdef.body) if isinstance(s, gast.For)}
    ints = integer_names(fdef, loops)
    stores: dict[str, list[gast.stmt]] = {}
    for st in walk_statements(fdef.body):
        targets = st.targets if isinstance(st, gast.Assign) else [getattr(st, "target", None)]
        for n in (m for t in targets if t is not None for m in walk(t)):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                stores.setdefault(n.id, []).append(st)
    params = set(fdef._ag_params)
    candidates = {p for p in params if p not in stores}
    candidates |= {
        n
        for n, sts in stores.items()
        if len(sts) == 1
        and isinstance(sts[0], gast.Assign)
        and isinstance(sts[0].targets[0], gast.Name)
        and isinstance(sts[0].value, (gast.List, gast.Tuple))
    }  # (a shape `(k, d, d)` is no candidate: np.zeros reads it as a shape, not differentiated)
    if not candidates:
        _lists_at_calls(fdef, ctx, set())
        return set()
    ok_loads: dict[str, int] = {}
    numpy_uses: set[str] = set()  # handed to NumPy to differentiate
    list_unsafe: set[str] = set()  # ... and read by a rule other than through NumPy (`g * b`)
    nodes = walk(fdef)
    for node in nodes:
        if isinstance(node, gast.Call):
            fn = getattr(node, "_ag_fn", None)
            data = _differentiated_arguments(node, fn) if not may_write(fn) else {}
            for a in node.args + [k.value for k in node.keywords]:
                if isinstance(a, gast.Name) and a.id in candidates and (id(a) in data or fn in _SEQUENCE_READERS):
                    ok_loads[a.id] = ok_loads.get(a.id, 0) + 1
                    if id(a) in data:
                        numpy_uses.add(a.id)
                    if data.get(id(a)):  # (np.sin's rules read a list as NumPy does: no conversion needed)
                        list_unsafe.add(a.id)
        elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Load) and isinstance(node.value, gast.Name):
            index = node.slice
            if (isinstance(index, gast.Constant) and type(index.value) is int) or (
                isinstance(index, gast.Name) and index.id in ints
            ):
                ok_loads[node.value.id] = ok_loads.get(node.value.id, 0) + 1
    loads: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            loads[node.id] = loads.get(node.id, 0) + 1
    read_as_arrays = {c for c in candidates & numpy_uses if loads.get(c) == ok_loads.get(c)}
    chosen = sorted(read_as_arrays & list_unsafe)
    for c in chosen:
        array = ctx.namer.fresh(c + "_array")
        for node in walk(fdef):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id == c:
                node.id = array
        call = gast.Call(func=name(ctx.helper("numbers_as_array")), args=[name(c)], keywords=[])
        call._ag_fn = runtime.numbers_as_array
        if c in params:
            fdef.body.insert(0, gast.copy_location(assign(array, call), fdef))
        else:
            binding = stores[c][0]
            for block in [fdef.body] + [b for n in walk(fdef) for b in blocks_of(n)]:
                if any(st is binding for st in block):
                    i = next(i for i, st in enumerate(block) if st is binding)
                    block.insert(i + 1, gast.copy_location(assign(array, call), binding))
                    break
    _lists_at_calls(fdef, ctx, set(chosen))
    return read_as_arrays & params


def _lists_at_calls(fdef: gast.FunctionDef, ctx: Context, converted: set[str]) -> None:
    """A list the function builds (a display, a comprehension, appends, a join) that a NumPy function
    reads, whose rule reads it with Python's operators (`np.dot(rs, rs)`: `g * b`), is made an array
    just before that call (`rs_array = numbers_as_array(rs)`), if it is a list of numbers: NumPy sees
    the same values, the rule an array (a list read otherwise too, or appended to later, cannot be
    converted once where it is bound: _lists_as_arrays)."""
    lists = known_sequences(fdef) - converted
    if not lists:
        return
    for block in [fdef.body] + [b for n in walk(fdef) for b in blocks_of(n)]:
        k = 0
        while k < len(block):
            st = block[k]
            call = st.value if isinstance(st, gast.Assign) else None
            fn = getattr(call, "_ag_fn", None) if isinstance(call, gast.Call) else None
            differentiated = fn is not None and fn not in _MAKE_ARRAYS and not may_write(fn)
            data = _differentiated_arguments(call, fn) if differentiated else {}
            made = []
            for j, a in enumerate(call.args if data else ()):
                if isinstance(a, gast.Name) and a.id in lists and data.get(id(a)):
                    array = ctx.namer.fresh(a.id + "_array")
                    convert = gast.Call(func=name(ctx.helper("numbers_as_array")), args=[name(a.id)], keywords=[])
                    convert._ag_fn = runtime.numbers_as_array
                    made.append(gast.copy_location(assign(array, convert), st))
                    call.args[j] = name(array)
            block[k:k] = made
            k += len(made) + 1


_MAKE_ARRAYS = (np.array, np.asarray, np.asanyarray)  # (of a list: the conversion itself, lists.py's `np.array(s)`)
_SEQUENCE_READERS = (builtins.len, builtins.sum, builtins.max, builtins.min)  # (the same for a list and a 1-d array)


def _differentiated_arguments(call: gast.Call, fn: Any) -> dict[int, bool]:
    """The ids of the arguments of a NumPy primitive's `call` that its derivative rule
    differentiates (`a` of np.dot(a, b), not the shape of np.zeros or an axis), each with whether
    a rule reads it other than as an argument of a NumPy function (`g * b`: not so for a list)."""
    numpy = isinstance(fn, np.ufunc) or (getattr(fn, "__module__", None) or "").startswith("numpy")
    rule = rules.lookup(fn) if numpy else None
    template = rule.adjoint if rule is not None else None
    if template is None:
        return {}
    try:
        bound = template.signature.bind(*call.args, **{k.arg: k.value for k in call.keywords if k.arg})
    except TypeError:
        return {}
    assigned = _template_names(template)
    out = {}
    for p, arg in bound.arguments.items():
        for a in arg if isinstance(arg, tuple) else [arg]:
            if isinstance(a, gast.AST) and p + "_bar" in assigned:
                out[id(a)] = any(not _read_by_numpy(t, p) for t in (rule.adjoint, rule.tangent) if t is not None)
    return out


# what the registry's templates read and write, found once per template (a template is not
# changed once made; the entry holds it, so that its id names no other)
_TEMPLATE_FACTS: dict[tuple[int, str], tuple[Any, Any]] = {}


def _template_fact(template: Any, key: str, find: Callable[[], Any]) -> Any:
    known = _TEMPLATE_FACTS.get((id(template), key))
    if known is None or known[0] is not template:
        known = _TEMPLATE_FACTS[(id(template), key)] = (template, find())
    return known[1]


def _template_names(template: Any) -> frozenset[str]:
    """The names a template's body mentions."""
    return _template_fact(
        template,
        "",
        lambda: frozenset(n.id for st in template.body for n in walk(st) if isinstance(n, gast.Name)),
    )


def _read_by_numpy(template: Any, p: str) -> bool:
    """Whether template reads its parameter `p` only as an argument of NumPy functions
    (`x_bar = y_bar * np.cos(x)`), which read a list as the array it stands for."""
    return _template_fact(template, "numpy reads " + p, lambda: _finds_read_by_numpy(template, p))


def _finds_read_by_numpy(template: Any, p: str) -> bool:
    read_ok: set[int] = set()
    for n in walk(gast.Module(body=template.body, type_ignores=[])):
        if isinstance(n, gast.Call):
            f = n.func
            while isinstance(f, gast.Attribute):
                f = f.value
            module = template.namespace.get(f.id) if isinstance(f, gast.Name) else None
            if isinstance(module, types.ModuleType) and module.__name__.split(".")[0] == "numpy":
                read_ok |= {id(a) for a in n.args + [k.value for k in n.keywords] if isinstance(a, gast.Name)}
    return all(
        id(n) in read_ok
        for n in walk(gast.Module(body=template.body, type_ignores=[]))
        if isinstance(n, gast.Name) and n.id == p and isinstance(n.ctx, gast.Load)
    )


def lift_function(parsed, tree: gast.FunctionDef, siblings: dict[str, Any] | None = None):
    """A real function object for a lifted nested def, whose source astgrad knows already; like
    the enclosing function, it reads its globals and closure cells when it runs, and the lifted
    nested functions it calls (`siblings`) through cells of their own."""
    text = render(tree)
    free = names_in(tree, (gast.Load,))
    known = {**parsed.cells, **{n: constant_cell(f) for n, f in (siblings or {}).items()}}
    cells = {n: c for n, c in known.items() if n in free}
    fn = compile_function(text, tree.name, parsed.user_globals, f"lifted {tree.name} from {parsed.filename}", cells)
    fn.__module__ = getattr(parsed.func, "__module__", None)
    fn.__qualname__ = f"{parsed.func.__qualname__}.<locals>.{tree.name}"
    fn.__astgrad_parsed__ = ParsedFunction(
        func=parsed.func,
        tree=tree,
        filename=parsed.filename,
        firstlineno=parsed.firstlineno,
        lines=parsed.lines,
        cells=known,
    )
    return fn


def normalize(ctx: Context, protect_inputs: bool = False, callee: bool = False) -> gast.FunctionDef:
    """The ANF/SSA form of the user function held by `ctx`; with `protect_inputs`, parameters
    the function writes into are copied first; a `callee` (called from differentiated code)
    must not write into its arguments, which are its caller's values."""
    normalizer = Normalizer(ctx)
    normalizer.callee = callee
    return normalizer.run(protect_inputs)
