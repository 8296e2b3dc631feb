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
"""

from __future__ import annotations

import builtins
import copy
import difflib
import inspect
import types
from typing import Any, Callable

import gast
import numpy as np

from . import rules, runtime
from .aliasing import MUTATING_METHODS, SharedMemory
from .analysis import (
    base_name,
    integer_names,
    numpy_writer,
    parameter_writes,
    view_sources,
    viewing_call,
    walk_statements,
)
from .assemble_support import is_user_function
from .codegen import compile_function, render, unparse
from .context import Context
from .convert import to_ast
from .parse import ParsedFunction
from .sentinels import MISSING
from .trees import assign, is_constant, name, names_read, walk  # (the builders: also imported from here)

# Attributes that describe an array rather than compute from it (no derivative).
INERT_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, gast.Name) or is_constant(node) or getattr(node, "_ag_global", False)


def loads(node: gast.AST) -> set[str]:
    return names_read(node)


def assigned_names(stmts: list[gast.stmt]) -> set[str]:
    """Every local name bound anywhere in `stmts` (targets, loop variables, nested blocks)."""
    out = set()
    for s in stmts:
        for n in walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


def _ends_block(s: gast.stmt) -> bool:
    return isinstance(s, (gast.Break, gast.Continue, gast.Return, gast.Raise))


def may_escape(block: list[gast.stmt]) -> bool:
    """Whether some path through `block` ends in break/continue/return (which, after
    restructuring, can only stand last in a block)."""
    if not block:
        return False
    last = block[-1]
    if _ends_block(last):
        return not isinstance(last, gast.Raise)
    if isinstance(last, gast.If):
        return may_escape(last.body) or may_escape(last.orelse)
    return False


def append_rest(block: list[gast.stmt], rest: list[gast.stmt]) -> list[gast.stmt]:
    """`block` followed by `rest` on every path that does not escape."""
    if not rest:
        return block
    if not block:
        return copy.deepcopy(rest)
    last = block[-1]
    if _ends_block(last):
        return block
    if isinstance(last, gast.If) and (may_escape(last.body) or may_escape(last.orelse)):
        last.body = append_rest(last.body, rest)
        last.orelse = append_rest(last.orelse, rest)
        return block
    return block + copy.deepcopy(rest)


DICT_METHODS = {"keys": (0,), "values": (0,), "items": (0,), "get": (1, 2)}  # (the numbers of arguments)


class Normalizer:
    """Turns a parsed user function into its ANF/SSA form (see the module docstring)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.parsed = ctx.parsed
        fdef = self.parsed.tree
        args = fdef.args
        if args.vararg is not None or args.kwarg is not None:
            wrapped = getattr(self.parsed.func, "__wrapped__", None)
            label = getattr(wrapped, "__name__", "f")
            raise self.parsed.error(
                "star arguments (*args, **kwargs) are not supported",
                fdef,
                hint=f"name the parameters of {fdef.name} explicitly"
                if wrapped is None
                else f"`{fdef.name}` is a decorator's wrapper of `{label}` (functools.wraps): if it adds nothing "
                f"to the result (timing, logging), differentiate the undecorated function, "
                f"`grad({label}.__wrapped__)`; otherwise name the wrapper's parameters explicitly",
            )
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        self.locals: set[str] = set(self.params) | assigned_names(fdef.body)
        self.user_locals = set(self.locals)
        self.view_bases: dict[str, set[str]] = {}
        self.iterating: set[str] = set()
        self.nested: dict[str, tuple] = {}
        self.alias_pairs = self._alias_pairs(fdef.body)
        fresh = self._copied_at_once(fdef.body)
        self.shared_memory = SharedMemory(fdef, self.locals, self.params, view_sources, _bindings, fresh)
        self.views = {a for a, _, _, how in self.alias_pairs if how in ("view", "maybe")}
        self.view_checks: set[str] = set()
        self.written_through: set[str] = set()  # names whose array is written into: `a[i] = v`
        for st in walk(fdef):  # find the writes first, so the checks are known before lowering
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
        self.version: dict[str, str] = {p: p for p in self.params}
        self.ssa = self._ssa_candidates(fdef.body)
        self.out: list[gast.stmt] = []
        self._written: set[str] | None = None  # names written in place (computed when first needed)
        self.loc: gast.AST | None = None
        self.retval: str | None = None
        self.ret_flag: str | None = None

    # ----------------------------------------------------------------------------- entry point

    def run(self, protect_inputs: bool = False) -> gast.FunctionDef:
        fdef = self.parsed.tree
        body = list(fdef.body)
        if protect_inputs:
            # a parameter the function writes into is copied first: the caller's array is never changed
            written = self._written_in_place(body)
            for p in self.params:
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
        returns = [n for s in body for n in walk(s) if isinstance(n, gast.Return)]
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
            args=copy.deepcopy(fdef.args),
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

    # --------------------------------------------------------------------- aliasing

    @staticmethod
    def _written_in_place(body: list[gast.stmt]) -> set[str]:
        """Names the statements write into (`x[i] = v`, `x[i] += v`, `x.append(v)`)."""
        out = set()
        for node in walk(gast.Module(body=body, type_ignores=[])):
            targets = []
            if isinstance(node, gast.Assign):
                targets = node.targets
            elif isinstance(node, gast.AugAssign):
                targets = [node.target]
            elif (
                isinstance(node, gast.Call)
                and isinstance(node.func, gast.Attribute)
                and node.func.attr in ("append", "extend", "insert", "pop", "update", "sort", "fill")
            ):
                targets = [
                    gast.Subscript(value=node.func.value, slice=gast.Constant(value=0, kind=None), ctx=gast.Store())
                ]
            for t in targets:
                if isinstance(t, gast.Subscript):
                    base = t.value
                    while isinstance(base, gast.Subscript):
                        base = base.value
                    if isinstance(base, gast.Name):
                        out.add(base.id)
        return out

    def _copied_at_once(self, body: list[gast.stmt]) -> set[int]:
        """`t = h[0]` followed at once by `t2 = copy_of(t)`, t read nowhere else (a gradient's own
        code, differentiated again): t is no alias anything can write through."""
        reads: dict[str, int] = {}
        for n in walk(gast.Module(body=body, type_ignores=[])):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                reads[n.id] = reads.get(n.id, 0) + 1
        out = set()
        blocks = [body] + [
            b for n in walk(gast.Module(body=body, type_ignores=[])) for b in _blocks_of(n) if b is not body
        ]
        for block in blocks:
            for first, second in zip(block, block[1:]):
                if not (
                    isinstance(first, gast.Assign)
                    and len(first.targets) == 1
                    and isinstance(first.targets[0], gast.Name)
                    and isinstance(second, gast.Assign)
                    and isinstance(second.value, gast.Call)
                    and len(second.value.args) == 1
                    and isinstance(second.value.args[0], gast.Name)
                    and second.value.args[0].id == first.targets[0].id
                ):
                    continue
                if reads.get(first.targets[0].id) == 1 and self.resolve(second.value.func) is runtime.copy_of:
                    out.add(id(first))
        return out

    def _alias_pairs(self, body: list[gast.stmt]) -> list[tuple[str, str, gast.AST, str]]:
        """(name, shares-memory-with, statement, how) for `a = b` and view-making assignments."""
        pairs = []
        bound = []  # (name, value) of each assignment, `a, b = h, x` pairing its elements
        copied = self._copied_at_once(body)
        for node in walk(gast.Module(body=body, type_ignores=[])):
            if isinstance(node, gast.For):
                # `for a in ys`, `for a in [y, z]`, `for row in Y[:2]`, `for i, row in enumerate(Y)`:
                # each loop variable may be an item (or row) of what the header reads, unless the
                # body binds it anew before anything else stores through it
                calls = {id(c.func) for c in walk(node.iter) if isinstance(c, gast.Call)}
                sources = {
                    n.id
                    for n in walk(node.iter)
                    if isinstance(n, gast.Name) and id(n) not in calls and n.id in self.locals
                }
                for t in walk(node.target):
                    if isinstance(t, gast.Name) and not _rebound_first(node.body, t.id):
                        pairs += [(t.id, src, node, "item") for src in sorted(sources) if src != t.id]
                continue
            if not isinstance(node, gast.Assign) or id(node) in copied:
                continue
            here = [(a, v) for t in node.targets for a, v in _bindings(t, node.value)]
            targets = {a for a, _ in here}
            by_source: dict[object, list[str]] = {}
            for a, v in here:
                source = v.id if isinstance(v, gast.Name) else id(v)
                by_source.setdefault(source, []).append(a)
                # `a, b = b, a` and `a, b = b, a + b` bind no name to another's value: no alias
                if not (isinstance(v, gast.Name) and v.id in targets):
                    bound.append((a, v, node))
            for names in by_source.values():  # `a = b = y`, `a, b = y, y`: a and b are one array
                bound += [(a, name(b), node) for a, b in zip(names, names[1:]) if a != b]
        for a, v, node in bound:
            source = self._alias_source(a, v)
            if source is not None:
                pairs.append((a, source[0], node, source[1]))
        return pairs

    def _alias_source(self, a: str, v: gast.AST) -> tuple[str, str] | None:
        """(the local `a = v` makes `a` share memory with, how: "copy", "view" or "maybe"), or None
        for a new value."""
        if isinstance(v, gast.Name) and v.id in self.locals and v.id != a:
            return v.id, "copy"
        if (
            isinstance(v, gast.Subscript)
            and isinstance(v.value, gast.Name)
            and v.value.id in self.locals
            and v.value.id != a  # (`a = a[:-1]`: the old a is no longer a name)
        ):
            sliced = any(
                isinstance(n, gast.Slice) or (isinstance(n, gast.Constant) and n.value in (None, Ellipsis))
                for n in walk(v.slice)
            )
            # x[i, j] is a number, X[i] of a matrix a row view: known only at run time
            return v.value.id, "view" if sliced else "maybe"
        if isinstance(v, gast.Attribute) and v.attr == "T" and isinstance(v.value, gast.Name):
            return v.value.id, "view"
        if (
            isinstance(v, gast.Call)
            and isinstance(v.func, gast.Attribute)
            and v.func.attr == "get"
            and isinstance(v.func.value, gast.Name)
            and v.func.value.id in self.locals
            and v.func.value.id != a
        ):
            return v.func.value.id, "maybe"  # `W = params.get("W")`: the dict's array itself, as params["W"]
        if isinstance(v, gast.Call) and v.args or isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute):
            f = v.func
            if isinstance(f, gast.Attribute) and viewing_call(v):
                src = (
                    f.value
                    if isinstance(f.value, gast.Name) and f.value.id in self.locals
                    else (v.args[0] if v.args else None)
                )
                if isinstance(src, gast.Name) and src.id in self.locals and src.id != a:
                    return src.id, "view"
        return None

    def _note_maybe_view_write(self, var: str) -> None:
        for a, b, _, how in self.alias_pairs:
            if how == "maybe" and var in (a, b):
                self.view_checks.add(a)

    callee = False  # (set by normalize)

    def check_write(self, var: str, node: gast.AST, augmented: bool = False) -> None:
        """Refuse in-place writes that would also change another variable (which astgrad's
        adjoints would not know about): in a called function, its caller's argument too (unless
        the function made the name another array first)."""
        if self.callee and var in self.params and not self._rebound_before(var, node):
            if augmented:  # `p += v`: a new number, or the caller's array changed: checked at run time
                self.emit(gast.Expr(value=self.call_helper("check_not_array", var)))
            else:
                target = (
                    node.target
                    if isinstance(node, gast.AugAssign)
                    else node.targets[0]
                    if isinstance(node, gast.Assign)
                    else node
                )
                keyed = (
                    isinstance(target, gast.Subscript)
                    and isinstance(target.slice, gast.Constant)
                    and isinstance(target.slice.value, str)
                )  # (`bn_param["running_mean"] = ...`: a dict)
                what, copied = ("dict", f"dict({var})") if keyed else ("array", f"{var}.copy()")
                raise self.error(
                    f"`{self.parsed.tree.name}` writes into its argument `{var}`, which is its caller's {what}: "
                    "astgrad cannot follow writes into a caller's values",
                    node,
                    hint=f"write into a copy (`{var} = {copied}` first) and return it",
                )
        checked = False
        items_checked: set[int] = set()
        for a, b, where, how in self._aliases_at(var, node):
            if how == "item" and (var != a or not _inside(node, where)):
                continue  # (a write into the sequence a loop runs over: the loop's own rules)
            if how == "item" and augmented:  # `for v in vs: v += 1`: a new number, or vs's item changed
                if id(where) not in items_checked:  # (one check naming every sequence of the header)
                    items_checked.add(id(where))
                    seqs = [f"`{y}`" for x, y, w, h in self.alias_pairs if h == "item" and x == var and w is where]
                    label = " or ".join(seqs)[1:-1]  # (check_unshared puts the label in backquotes)
                    self.emit(gast.Expr(value=self.call_helper("check_unshared", var, label)))
                continue
            if how in ("view", "maybe") and augmented and a == var:
                continue  # checked at run time (a getitem result is often a plain number)
            if how == "copy" and augmented and var in (a, b):
                if not checked:  # `s = a0; s += v`: a new number, or an array both names see changed
                    other = b if var == a else a
                    self.emit(gast.Expr(value=self.call_helper("check_unshared", var, other)))
                    checked = True
                continue
            if how == "maybe" and var in (a, b):
                self.view_checks.add(a)  # checked at run time where `a` is assigned
                continue
            if var in (a, b):
                other = b if var == a else a
                line = self.parsed.abs_line(where)
                what = "a view of" if how == "view" and var == a else "shared with"
                raise self.error(
                    f"in-place write to `{var}`, which is {what} `{other}` (line {line}): astgrad cannot follow "
                    "writes through aliases",
                    node,
                    hint=f"make `{var}` a copy (`{var} = {other}.copy()`) or write `{var} = {var} + ...`"
                    if isinstance((getattr(where, "targets", None) or [None])[0], gast.Name)
                    else f"copy it before writing into it (`{var} = {var}.copy()`)",
                )

    def _aliases_at(self, var: str, node: gast.AST) -> list[tuple[str, str, gast.AST, str]]:
        """The alias pairs that may still hold when `node` writes through `var`: a pair ends where
        either name is bound to another value (`acc = W; acc = acc + 1.0; acc *= 2.0`); a name
        sharing `var`'s array through others (`c = W; a = c; c = ...; a[0] = v`) is a pair too."""
        live = self.shared_memory.shared(node, var)
        if live is None:
            return self.alias_pairs
        out, seen = [], set()
        for a, b, where, how in self.alias_pairs:
            if how != "item" and var in (a, b):
                other = b if var == a else a
                if other not in live:
                    continue
                seen.add(other)
            out.append((a, b, where, how))
        out += [(var, other, node, "copy") for other in sorted(live - seen)]
        return out

    def call_helper(self, helper: str, var: str, *labels: str) -> gast.Call:
        """`helper(var, 'var', 'label', ...)`: a run-time check of the value `var` holds."""
        args = [name(self.version.get(var, var))] + [gast.Constant(value=t, kind=None) for t in (var, *labels)]
        return gast.Call(func=name(self.ctx.helper(helper)), args=args, keywords=[])

    def _rebound_before(self, var: str, node: gast.AST) -> bool:
        """Whether a statement of the function's own block (not inside a branch or loop) binds
        `var` anew (`x = x.copy()`) on a line before `node`: the write is then into that array."""
        line = getattr(node, "lineno", None)
        for s in self.parsed.tree.body:
            if line is None or getattr(s, "lineno", line) >= line:
                break
            if isinstance(s, gast.Assign) and any(
                isinstance(m, gast.Name) and m.id == var and isinstance(m.ctx, gast.Store)
                for t in s.targets
                for m in walk(t)
            ):
                return True
        return False

    # --------------------------------------------------------------------- restructuring

    def _ssa_candidates(self, body: list[gast.stmt]) -> set[str]:
        """Names bound only by plain assignments in the top-level block."""
        nested: set[str] = set()
        for s in body:
            if isinstance(s, (gast.If, gast.For, gast.While, gast.With, gast.Try)):
                nested |= assigned_names([s])
        return self.locals - nested

    def restructure(self, stmts: list[gast.stmt], in_loop: bool) -> list[gast.stmt]:
        """Move every statement that follows a possible break/continue/return into the branches
        that do not escape, so that escapes only ever end a block; returns become assignments."""
        out: list[gast.stmt] = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1 :]
            if isinstance(s, gast.Return):
                out.extend(self._lower_return(s, in_loop))
                return out
            if isinstance(s, (gast.Break, gast.Continue, gast.Raise)):
                out.append(s)
                return out
            if isinstance(s, gast.If):
                s.body = self.restructure(s.body, in_loop)
                s.orelse = self.restructure(s.orelse, in_loop)
                out.append(s)
                if may_escape(s.body) or may_escape(s.orelse):
                    tail = self.restructure(rest, in_loop)
                    s.body = append_rest(s.body, tail)
                    s.orelse = append_rest(s.orelse, tail)
                    return out
                if self.ret_flag is not None and self._contains_flag_set(s.body + s.orelse):
                    # a loop in a branch returned: nothing after the branch may run then
                    out.append(self._return_guard(s, self.restructure(rest, in_loop), in_loop))
                    return out
                continue
            if isinstance(s, (gast.For, gast.While)):
                produced = self._restructure_loop(s, in_loop)
                out.extend(produced)
                last = produced[-1]
                else_may_escape = last is not s and isinstance(last, gast.If) and may_escape([last])
                if getattr(s, "_ag_returns", False):
                    guard = [self._return_guard(s, self.restructure(rest, in_loop), in_loop)]
                    if else_may_escape:  # the else-clause may return too: the guard only where it did not
                        last.body = append_rest(last.body, guard)
                        last.orelse = append_rest(last.orelse, guard)
                    else:
                        out.extend(guard)
                    return out
                if last is not s and (_ends_block(last) and not isinstance(last, gast.Raise)):
                    return out  # the loop's else-clause escapes: the rest never runs
                if else_may_escape:
                    tail = self.restructure(rest, in_loop)
                    last.body = append_rest(last.body, tail)
                    last.orelse = append_rest(last.orelse, tail)
                    return out
                continue
            out.append(s)
        return out

    def _with_flag(self, body: list[gast.stmt]) -> list[gast.stmt]:
        """`body`, preceded by `returned = False` if a loop in it may return."""
        if self.ret_flag is None:
            return body
        return [assign(self.ret_flag, gast.Constant(value=False, kind=None), self.parsed.tree)] + body

    def _return_guard(self, after: gast.stmt, tail: list[gast.stmt], in_loop: bool) -> gast.If:
        """`if returned: <leave> else: <tail>` after a statement in which a loop returned."""
        # the returned path ends here: a break out of the enclosing loop, or the function's end
        # (a bare return marks it, so that later statements are never appended to it)
        leave = gast.Break() if in_loop else gast.Return(value=None)
        guard = gast.If(test=name(self.ret_flag), body=[gast.copy_location(leave, after)], orelse=tail)
        return gast.copy_location(guard, after)

    def _lower_return(self, s: gast.Return, in_loop: bool) -> list[gast.stmt]:
        if self.retval is None:
            self.retval = self.ctx.namer.fresh("out")
            self.locals.add(self.retval)
        value = s.value if s.value is not None else gast.Constant(value=None, kind=None)
        stmts: list[gast.stmt] = [assign(self.retval, value, s)]
        if in_loop:
            if self.ret_flag is None:
                self.ret_flag = self.ctx.namer.fresh("returned")
                self.locals.add(self.ret_flag)
            stmts.append(assign(self.ret_flag, gast.Constant(value=True, kind=None), s))
            stmts.append(gast.copy_location(gast.Break(), s))
        else:
            stmts.append(gast.copy_location(gast.Return(value=None), s))  # marks the path's end
        return stmts

    def _restructure_loop(self, loop: gast.For | gast.While, in_loop: bool) -> list[gast.stmt]:
        loop.body = self.restructure(loop.body, in_loop=True)
        # a `continue` that ends a path is a no-op once the rest of the body lives in else-branches
        loop.body = self._drop_trailing_continue(loop.body)
        loop._ag_returns = self.ret_flag is not None and self._contains_flag_set(loop.body)
        out: list[gast.stmt] = []
        if loop.orelse:
            if Normalizer._has_break(loop.body):
                flag = self.ctx.namer.fresh("broke")
                self.locals.add(flag)
                self._mark_breaks(loop.body, flag)
                out.append(assign(flag, gast.Constant(value=False, kind=None), loop))
                orelse = self.restructure(loop.orelse, in_loop)
                guard = gast.If(test=name(flag), body=[gast.Pass()], orelse=orelse)
                gast.copy_location(guard, loop.orelse[0])
                loop.orelse = []
                out += [loop, guard]
                return out
            tail = loop.orelse
            loop.orelse = []
            out.append(loop)
            out.extend(tail)
            return out
        out.append(loop)
        return out

    def _contains_flag_set(self, body: list[gast.stmt]) -> bool:
        return any(
            isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id == self.ret_flag
            for s in body
            for n in walk(s)
        )

    def _drop_trailing_continue(self, block: list[gast.stmt]) -> list[gast.stmt]:
        if not block:
            return block
        last = block[-1]
        if isinstance(last, gast.Continue):
            return block[:-1] or [gast.copy_location(gast.Pass(), last)]
        if isinstance(last, gast.If):
            last.body = self._drop_trailing_continue(last.body)
            last.orelse = self._drop_trailing_continue(last.orelse)
        return block

    @staticmethod
    def _walk_block(block: list[gast.stmt]):
        """Statements of `block` and its branches, not entering nested loops."""
        for s in block:
            yield s
            if isinstance(s, gast.If):
                yield from Normalizer._walk_block(s.body)
                yield from Normalizer._walk_block(s.orelse)

    def _mark_breaks(self, block: list[gast.stmt], flag: str) -> None:
        for s in block:
            if isinstance(s, gast.If):
                for branch in (s.body, s.orelse):
                    if branch and isinstance(branch[-1], gast.Break):
                        branch.insert(-1, assign(flag, gast.Constant(value=True, kind=None), branch[-1]))
                    self._mark_breaks(branch, flag)

    # --------------------------------------------------------------------- statements

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
                hint=_STATEMENT_HINTS.get(type(s).__name__),
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
        captured = []
        for n in free:
            if n in self.locals and n not in inner_locals and n not in captured:
                if n == s.name:
                    raise self.error(
                        "a nested function that calls itself is not supported",
                        s,
                        hint="define the recursive function at module level",
                    )
                captured.append(n)
        lifted = copy.deepcopy(s)
        for n in captured:
            lifted.args.kwonlyargs.append(gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None))
            lifted.args.kw_defaults.append(None)
        fn = lift_function(self.parsed, lifted)
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

    def stmt_Break(self, s):
        self.emit(gast.Break())

    def stmt_Continue(self, s):
        self.emit(gast.Continue())

    def stmt_Return(self, s):
        # after restructuring a bare Return only marks the end of a top-level path
        if s.value is not None:
            raise self.error("return here is not supported", s)

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
                self.append(f.value.id, v.args[0])
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
            if t.id in self.views:
                # `v += e` changes v in place if v is an array view (of a row, say): check at run time
                guard = gast.Call(
                    func=name(self.ctx.helper("check_not_view")),
                    args=[name(self.version.get(t.id, t.id)), gast.Constant(value=t.id, kind=None)],
                    keywords=[],
                )
                self.emit(gast.Expr(value=guard))
            self.assign_to(t, gast.BinOp(left=name(t.id), op=s.op, right=s.value))
        elif isinstance(t, gast.Subscript):
            if isinstance(t.value, gast.Name):
                self.check_write(t.value.id, s)
            base = self.local_name(t.value)
            index = self.index(t.slice)
            old = self.temp(gast.Subscript(value=name(base), slice=index, ctx=gast.Load()))
            new = self.temp(gast.BinOp(left=old, op=s.op, right=self.atom(s.value)))
            self.emit(assign(gast.Subscript(value=name(base), slice=copy.deepcopy(index), ctx=gast.Store()), new))
        else:
            raise self.error(
                "augmented assignment to an attribute is not supported",
                s,
                hint="astgrad differentiates functions without mutable object state",
            )

    def stmt_If(self, s):
        test = self.test(s.test, s.body + s.orelse)
        body = self.sub_block(s.body)
        orelse = self.sub_block(s.orelse) if s.orelse else []
        node = gast.If(test=test, body=body, orelse=orelse)
        self.loc = s
        self.emit(node)

    def stmt_While(self, s):
        # the trip count the backward pass needs is kept by the reverse transformer in `counter`
        counter = self.ctx.namer.fresh("n_iter")
        self.locals.add(counter)
        saved, saved_loc = self.out, self.loc
        self.out = []
        test_stmts_start = len(self.out)
        test = self.test(s.test, s.body)
        test_stmts = self.out[test_stmts_start:]
        self.out = saved
        self.loc = saved_loc
        body = self.sub_block(s.body)
        if test_stmts:
            # `while <compound test>:` → `while True:` that evaluates the test, then `if not test: break`
            brk = gast.If(test=test, body=body, orelse=[gast.copy_location(gast.Break(), s)])
            gast.copy_location(brk, s)
            loop = gast.While(test=gast.Constant(value=True, kind=None), body=test_stmts + [brk], orelse=[])
            loop._ag_test_stmts = len(test_stmts)
        else:
            loop = gast.While(test=test, body=body, orelse=[])
            loop._ag_test_stmts = 0
        loop._ag_counter = counter
        self.loc = s
        self.emit(loop)

    def stmt_For(self, s):
        before = set(self.iterating)
        self.iterating |= {n.id for n in walk(s.iter) if isinstance(n, gast.Name) and n.id in self.locals}
        try:
            self._lower_for(s)
        finally:
            self.iterating = before

    def _lower_for(self, s):
        iterable = s.iter
        if self._may_walk_a_dict(s):  # `for k in params: ... params[k]`: a dict's keys
            keys = gast.Call(func=name(self.ctx.helper("keys_if_dict")), args=[iterable], keywords=[])
            keys._ag_fn = runtime.keys_if_dict
            iterable = gast.copy_location(keys, iterable)
        fn = self.resolve(iterable.func) if isinstance(iterable, gast.Call) else MISSING
        counter = None
        if Normalizer._has_break(s.body):
            counter = self.ctx.namer.fresh("n_iter")
            self.locals.add(counter)
        if fn is builtins.range and isinstance(s.target, gast.Name) and not iterable.keywords:
            args = [self.atom(a) for a in iterable.args]
            target = s.target.id
            prefix: list[tuple[gast.AST, gast.AST]] = []
            if target in assigned_names(s.body):  # rebound in the body: the loop's index is another name
                target = self.ctx.namer.fresh("k")
                prefix = [(s.target, name(target))]
        else:
            length, element = self.iteration(iterable, s.body)
            args = [length]
            target = self.ctx.namer.fresh("k")
            prefix = [(s.target, element(target))]
        assigned_in_body = assigned_names(s.body) | assigned_names([s.target])
        if any(isinstance(a, gast.Name) and a.id in assigned_in_body for a in args):
            rng = self.temp(gast.Call(func=name("range"), args=args, keywords=[]), keep=True)
            iter_node: gast.AST = rng
        else:
            iter_node = gast.Call(func=name("range"), args=args, keywords=[])
            iter_node.func._ag_global = True
        self.version[target] = target
        self.locals.add(target)
        saved, saved_loc = self.out, self.loc
        self.out = []
        for tgt, value in prefix:
            self.assign_to(tgt, value)
        self.block(s.body)
        body = self.out or [gast.Pass()]
        self.out, self.loc = saved, saved_loc
        loop = gast.For(target=name(target, gast.Store()), iter=iter_node, body=body, orelse=[], type_comment=None)
        loop._ag_counter = counter
        self.emit(loop)

    def _may_walk_a_dict(self, s: gast.For) -> bool:
        """`for k in d` over a global dict, or over a name the body indexes by the loop variable
        (`params[k]`): Python walks a dict's keys, not d[0], d[1], ... (keys_if_dict)."""
        d = s.iter
        if not isinstance(d, gast.Name):
            return False
        if d.id not in self.locals:
            return isinstance(self.resolve(d), dict)
        return isinstance(s.target, gast.Name) and any(
            isinstance(n, gast.Subscript)
            and isinstance(n.value, gast.Name)
            and n.value.id == d.id
            and isinstance(n.slice, gast.Name)
            and n.slice.id == s.target.id
            for n in walk(gast.Module(body=s.body, type_ignores=[]))
        )

    @staticmethod
    def _has_break(body: list[gast.stmt]) -> bool:
        return any(isinstance(s, gast.Break) for s in Normalizer._walk_block(body))

    def iteration(self, iterable: gast.AST, body: list[gast.stmt]) -> tuple[gast.AST, Callable[[str], gast.AST]]:
        """How to walk any iterable by index: (length atom, index name → element expression)."""
        if (
            isinstance(iterable, gast.Call)
            and not iterable.keywords
            or (isinstance(iterable, gast.Call) and self.resolve(iterable.func) is builtins.enumerate)
        ):
            fn = self.resolve(iterable.func)
            if fn is builtins.enumerate:
                start = None
                if len(iterable.args) > 1:
                    start = self.atom(iterable.args[1])
                for kw in iterable.keywords:
                    if kw.arg == "start":
                        start = self.atom(kw.value)
                length, inner = self.iteration(iterable.args[0], body)

                def element(k: str, inner=inner, start=start) -> gast.AST:
                    idx: gast.AST = name(k) if start is None else gast.BinOp(left=name(k), op=gast.Add(), right=start)
                    return gast.Tuple(elts=[idx, inner(k)], ctx=gast.Load())

                return length, element
            if fn is builtins.zip:
                parts = [self.iteration(a, body) for a in iterable.args]
                lengths = [p[0] for p in parts]
                length = (
                    lengths[0]
                    if len(lengths) == 1
                    else self.temp(gast.Call(func=self._builtin("min"), args=lengths, keywords=[]))
                )
                return length, lambda k: gast.Tuple(elts=[p[1](k) for p in parts], ctx=gast.Load())
            if fn is builtins.reversed and len(iterable.args) == 1:
                length, inner = self.iteration(iterable.args[0], body)

                def element(k: str, inner=inner, length=length) -> gast.AST:
                    last = gast.BinOp(left=length, op=gast.Sub(), right=gast.Constant(value=1, kind=None))
                    return inner_at(inner, gast.BinOp(left=last, op=gast.Sub(), right=name(k)))

                def inner_at(inner, index_expr):
                    k2 = "__ag_index__"
                    tree = inner(k2)
                    return _substitute_name(tree, k2, index_expr)

                return length, element
            if fn is builtins.range:
                seq = self.temp(iterable, keep=True)
                return self.temp(
                    gast.Call(func=self._builtin("len"), args=[seq], keywords=[])
                ), lambda k: gast.Subscript(value=seq, slice=name(k), ctx=gast.Load())
        written = isinstance(iterable, gast.Name) and iterable.id in self._written_in_place(self.parsed.tree.body)
        resized = _resizing_call(iterable, body)
        if resized is not None:
            raise self.error(
                f"a for loop over `{iterable.id}`, which its body makes longer or shorter (`{_source(resized)}`): "
                "astgrad walks the sequence by position, over the length it had when the loop started",
                resized,
                hint=f"use a while loop with an index (`while i < len({iterable.id}):`)",
            )
        seq = self.atom(iterable)
        check = gast.Call(func=name(self.ctx.helper("check_sequence")), args=[copy.deepcopy(seq)], keywords=[])
        self.emit(gast.Expr(value=check))  # (a dict walked by position would give its values, not its keys)
        if isinstance(seq, gast.Name) and seq.id in assigned_names(body):
            seq = self.temp(seq, keep=True)
        call = gast.Call(func=self._builtin("len"), args=[seq], keywords=[])
        call._ag_fn = builtins.len  # (as for the user's own calls: analyses look the function up)
        length = self.temp(call)

        def element(k: str) -> gast.AST:
            row = gast.Subscript(value=copy.deepcopy(seq), slice=name(k), ctx=gast.Load())
            if not written:
                return row
            # the function writes into the sequence: each row a copy, not a view the write changes
            return gast.Call(func=self.ctx.numpy_attr("copy"), args=[row], keywords=[])

        return length, element

    def _builtin(self, fname: str) -> gast.Name:
        node = name(fname)
        if fname in self.locals or self.ctx.lookup(fname) is not getattr(builtins, fname):
            raise self.error(f"the name `{fname}` is shadowed; astgrad needs the builtin here")
        node._ag_global = True
        return node

    # ---------------------------------------------------------------------- assignment

    def assign_to(self, target: gast.AST, value: gast.AST) -> None:
        if isinstance(target, gast.Name) and isinstance(value, gast.Lambda):
            ret = gast.copy_location(gast.Return(value=value.body), value)
            fdef = gast.FunctionDef(
                name=target.id,
                args=value.args,
                body=[ret],
                decorator_list=[],
                returns=None,
                type_comment=None,
                type_params=[],
            )
            self.stmt_FunctionDef(gast.copy_location(fdef, value))
            return
        if isinstance(target, gast.Name):
            op = self.expr(value)
            var = target.id
            if var in self.ssa and var in self.version:  # a reassignment: new SSA version
                new = self.ctx.namer.fresh(var)
            else:
                new = var
            if isinstance(op, gast.Name) and op.id == new:
                return  # `v = v`: nothing happens
            self.locals.add(new)
            if new in loads(op) and not isinstance(op, gast.Name):
                # `h = tanh(h)` in a loop: compute into a temporary first, so that no statement
                # reads the name it overwrites
                op = self.temp(op)
            self.emit(assign(new, op))
            self.version[var] = new
            got = (  # `W = params.get("W")`: the dict's array itself, as params["W"] (lowered to a branch)
                value.func.value
                if isinstance(value, gast.Call)
                and isinstance(value.func, gast.Attribute)
                and value.func.attr == "get"
                and isinstance(value.func.value, gast.Name)
                and value.func.value.id in self.locals
                else None
            )
            if var in self.view_checks and (isinstance(op, gast.Subscript) or got is not None):
                args = [name(new), gast.Constant(value=var, kind=None)]
                if got is not None:
                    args.append(name(self.version.get(got.id, got.id)))
                elif isinstance(op.value, gast.Name) and var in self.written_through:
                    args.append(name(op.value.id))  # (a list's element is the array itself)
                guard = gast.Call(func=name(self.ctx.helper("check_not_view")), args=args, keywords=[])
                self.emit(gast.Expr(value=guard))
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value)
        elif isinstance(target, gast.Subscript):
            if isinstance(target.value, gast.Name):
                self.check_write(target.value.id, target)
            base = self.local_name(target.value)
            index = self.index(target.slice)
            val = self.atom(value)
            self.emit(assign(gast.Subscript(value=name(base), slice=index, ctx=gast.Store()), val))
        elif isinstance(target, gast.Attribute):
            raise self.error(
                "assignment to an attribute is not supported",
                target,
                hint="astgrad differentiates functions without mutable object state; "
                "keep the value in a local variable",
            )
        elif isinstance(target, gast.Starred):
            raise self.error("starred assignment targets are not supported", target)
        else:
            raise self.error(f"assignment to {type(target).__name__} is not supported", target)

    def unpack(self, target: gast.Tuple | gast.List, value: gast.AST) -> None:
        if any(isinstance(e, gast.Starred) for e in target.elts):
            raise self.error(
                "starred assignment targets are not supported", target, hint="index the sequence explicitly"
            )
        if (
            isinstance(value, (gast.Tuple, gast.List))
            and len(value.elts) == len(target.elts)
            and not any(isinstance(e, gast.Starred) for e in value.elts)
        ):
            parts = [self.atom(v) for v in value.elts]
            targets = assigned_names([target])
            # `a, b = b, a`: read every right-hand name before any target is rebound
            parts = [
                self.temp(p, keep=True) if isinstance(p, gast.Name) and p.id in self._versions_of(targets) else p
                for p in parts
            ]
            for t, p in zip(target.elts, parts):
                self.assign_to(t, p)
            return
        whole = self.atom(value)
        if not isinstance(whole, gast.Name):
            whole = self.temp(whole)
        for i, t in enumerate(target.elts):
            item = gast.Subscript(value=copy.deepcopy(whole), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
            self.assign_to(t, item)

    def _versions_of(self, names: set[str]) -> set[str]:
        return {self.version.get(n, n) for n in names}

    def local_name(self, node: gast.AST) -> str:
        if isinstance(node, gast.Name) and node.id in self.locals:
            return self.version.get(node.id, node.id)
        if isinstance(node, gast.Subscript):  # `h[0][1] = v`, `hs[0][1] = v`
            raise self.error(
                f"writing into an item of an item (`{_source(node)}[...] = ...`) is not supported",
                node,
                hint="index once (`h[0, 1] = v` for an array), or take the item into a name, write into "
                "it, and put it back",
            )
        raise self.error(
            "only local variables can be written into", node, hint="copy the object into a local variable first"
        )

    # ---------------------------------------------------------------------- expressions

    def temp(self, op: gast.AST, keep: bool = False) -> gast.Name:
        """Emit `t = op` and return the fresh name `t`."""
        if not keep and is_atom(op):
            return op
        t = self.ctx.namer.numbered("t")
        self.locals.add(t)
        self._note_view(t, op)
        self.emit(assign(t, op))
        return name(t)

    def temp_named(self, base: str, op: gast.AST) -> gast.Name:
        """Emit `base = op` under a fresh readable name."""
        t = self.ctx.namer.fresh(base)
        self.locals.add(t)
        self.emit(assign(t, op))
        return name(t)

    def atom(self, node: gast.AST, copy_views: bool = True) -> gast.AST:
        """Lower `node` and make it an atom (a name or a constant). An item or slice of an array
        the function writes into is copied: `w * h[0]` reads row 0 as it is now, while a
        temporary view would change with a later `h[0, 0] = ...` under the backward pass. Not
        with `copy_views=False`: an argument a function may write into (`zero_head(mask[0])`)."""
        op = self.expr(node)
        if is_atom(op):
            return op
        if (
            copy_views
            and isinstance(op, gast.Subscript)
            and isinstance(op.value, gast.Name)
            and self._written_base(op.value.id)
        ):
            call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[self.temp(op)], keywords=[])
            call._ag_fn = runtime.copy_of
            op = call
        return self.temp(op)

    def _written_base(self, var: str) -> bool:
        """Whether `var` is (a version of) a name the function writes into in place."""
        if self._written is None:  # (element writes: a list's append is undone by its own rules)
            self._written = {
                base_name(n)
                for n in walk(self.parsed.tree)
                if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
            } - {None}
        return any(var == w or self.version.get(w) == var for w in self._written)

    def resolve(self, node: gast.AST) -> Any:
        return self.ctx.resolve(node, self.locals)

    def test(self, node: gast.AST, branches: list[gast.stmt]) -> gast.AST:
        """The test of an if/while as an atom or a comparison of atoms whose operands the
        branches do not rebind (so the backward pass can ask it again)."""
        if isinstance(node, gast.Compare) and len(node.ops) == 1:
            op = gast.Compare(left=self.atom(node.left), ops=node.ops, comparators=[self.atom(node.comparators[0])])
        else:
            op = self.atom(node)
        if loads(op) & assigned_names(branches) or is_constant(op) and not isinstance(op, gast.Constant):
            op = self.temp(op, keep=True)
        return op

    def opaque(self, node: gast.AST) -> gast.AST:
        """A non-differentiable expression kept as written, its local names renamed to their versions."""
        node = copy.deepcopy(node)
        for n in walk(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in self.version:
                n.id = self.version[n.id]
        return node

    def expr(self, node: gast.AST) -> gast.AST:
        """Lower `node` to one operation on atoms (emitting statements for its operands)."""
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(
                f"{_describe(node)} is not supported", node, hint=_EXPRESSION_HINTS.get(type(node).__name__)
            )
        return method(node)

    def expr_Constant(self, node):
        return node

    def expr_Name(self, node):
        if node.id in self.nested:
            raise self.error(
                f"the nested function `{node.id}` can only be called, not used as a value",
                node,
                hint="define it at module level to pass it around",
            )
        if node.id in self.locals:
            if node.id not in self.version:
                if node.id in self.user_locals:
                    raise self.error(f"`{node.id}` is read before it is assigned", node)
                return name(node.id)  # a temporary this pass introduced
            return name(self.version[node.id])
        obj = self.ctx.lookup(node.id)
        if obj is MISSING:
            raise self.error(f"the name `{node.id}` is not defined", node)
        out = name(node.id)
        out._ag_global = True
        out._ag_obj = obj
        return out

    def expr_Attribute(self, node):
        obj = self.resolve(node)
        if obj is MISSING:
            self._refuse_missing_module_attribute(node, "name")
        if obj is not MISSING:  # np.pi, math.e, a module-level constant's attribute
            out = copy.deepcopy(node)
            out._ag_global = True
            out._ag_obj = obj
            return out
        base = self.atom(node.value)
        if node.attr == "T":
            call = gast.Call(func=self.ctx.numpy_attr("transpose"), args=[base], keywords=[])
            call._ag_fn = np.transpose
            return call
        if node.attr == "mT" and hasattr(np, "matrix_transpose"):  # (NumPy 2) the last two axes swapped
            call = gast.Call(func=self.ctx.numpy_attr("matrix_transpose"), args=[base], keywords=[])
            call._ag_fn = np.matrix_transpose
            return call
        if node.attr in ("real", "imag"):  # differentiated (a complex value's imaginary part too)
            call = gast.Call(func=self.ctx.numpy_attr(node.attr), args=[base], keywords=[])
            call._ag_fn = getattr(np, node.attr)
            return call
        if node.attr in INERT_ATTRIBUTES:
            return gast.Attribute(value=base, attr=node.attr, ctx=gast.Load())
        raise self.error(
            f"the attribute `.{node.attr}` is not supported",
            node,
            hint="astgrad knows the array attributes T, " + ", ".join(sorted(INERT_ATTRIBUTES)),
        )

    def expr_BinOp(self, node):
        return gast.BinOp(left=self.atom(node.left), op=node.op, right=self.atom(node.right))

    def expr_UnaryOp(self, node):
        if is_constant(node):
            return node
        return gast.UnaryOp(op=node.op, operand=self.atom(node.operand))

    def expr_Compare(self, node):
        if len(node.ops) == 1:
            return gast.Compare(left=self.atom(node.left), ops=node.ops, comparators=[self.atom(node.comparators[0])])
        # a < b < c → (a < b) and (b < c), evaluating b once
        left = self.atom(node.left)
        parts = []
        for op, right in zip(node.ops, node.comparators):
            parts.append((left, op, right))
            left = right
        values = []
        for lhs, op, rhs in parts:
            values.append(gast.Compare(left=lhs, ops=[op], comparators=[rhs]))
        return self.expr(gast.BoolOp(op=gast.And(), values=values))

    def expr_BoolOp(self, node):
        # short-circuit: t = a; if t: t = b   (and)   /   if not t: t = b   (or)
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        self.assign_noting_alias(result, self.expr(node.values[0]))
        for value in node.values[1:]:
            saved = self.out
            self.out = []
            self.assign_noting_alias(result, self.expr(value))
            self._note_view(result, branch_value := self.out[-1].value)
            del branch_value
            branch = self.out
            self.out = saved
            # the branch rebinds `result`: test a copy, so the backward pass asks the same question
            test = self.temp(name(result), keep=True)
            if isinstance(node.op, gast.Or):
                test = self.temp(gast.UnaryOp(op=gast.Not(), operand=test))
            self.emit(gast.If(test=test, body=branch, orelse=[]))
        return name(result)

    def assign_noting_alias(self, result: str, op: gast.AST) -> None:
        """`result = op` for the lowering of `a if c else b` / `a or b`, whose result is one of
        the operands themselves (an alias the backward pass must know about)."""
        self._note_view(result, op)
        self.emit(assign(result, op))

    def expr_IfExp(self, node):
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        test = self.atom(node.test)
        if isinstance(test, gast.Name) and test.id == result:
            test = self.temp(test, keep=True)
        branches = []
        for part in (node.body, node.orelse):
            saved = self.out
            self.out = []
            self.assign_noting_alias(result, self.expr(part))
            branches.append(self.out)
            self.out = saved
        self.emit(gast.If(test=test, body=branches[0], orelse=branches[1]))
        return name(result)

    def expr_Tuple(self, node):
        if any(isinstance(e, gast.Starred) for e in node.elts):
            return self._unpacked(node)
        return gast.Tuple(elts=[self.atom(e) for e in node.elts], ctx=gast.Load())

    def _unpacked(self, node: gast.Tuple) -> gast.Call:
        """`(*x.shape, 3)` as `unpacked(x.shape, (3,))`: a tuple of numbers (a shape) joined from
        parts; no derivative flows through it (an input-dependent part is refused)."""
        parts: list[gast.AST] = []
        run: list[gast.AST] = []
        for e in node.elts:
            if isinstance(e, gast.Starred):
                if run:
                    parts.append(gast.Tuple(elts=run, ctx=gast.Load()))
                    run = []
                parts.append(self.atom(e.value))
            else:
                run.append(self.atom(e))
        if run:
            parts.append(gast.Tuple(elts=run, ctx=gast.Load()))
        call = gast.Call(func=name(self.ctx.helper("unpacked")), args=parts, keywords=[])
        call._ag_fn = runtime.unpacked
        return call

    def expr_List(self, node):
        return gast.List(elts=[self.atom(e) for e in node.elts], ctx=gast.Load())

    def expr_Dict(self, node):
        if any(k is None for k in node.keys):
            raise self.error("dict unpacking ({**d}) is not supported", node)
        return gast.Dict(keys=[self.atom(k) for k in node.keys], values=[self.atom(v) for v in node.values])

    def expr_JoinedStr(self, node):
        return self.opaque(node)

    def expr_ListComp(self, node):
        return self.comprehension(node, node.elt)

    def expr_GeneratorExp(self, node):  # materialized: sum(f(x) for x in xs) sums a list
        return self.comprehension(node, node.elt)

    def expr_DictComp(self, node):
        return self.comprehension(node, (node.key, node.value))

    def comprehension(self, node, elt) -> gast.Name:
        """`[elt for x in xs if c]` → a loop appending to a fresh list (dict for dict comprehensions)."""
        result = self.ctx.namer.numbered("t")
        self.locals.add(result)
        is_dict = isinstance(elt, tuple)
        empty = gast.Dict(keys=[], values=[]) if is_dict else gast.List(elts=[], ctx=gast.Load())
        self.emit(assign(result, empty))
        # comprehension variables live in their own scope: give them fresh names here
        renames: dict[str, str] = {}
        gens = copy.deepcopy(node.generators)
        elt = copy.deepcopy(elt)
        for gen in gens:
            if gen.is_async:
                raise self.error("async comprehensions are not supported", node)
            for n in walk(gen.target):
                if isinstance(n, gast.Name):
                    renames.setdefault(n.id, self.ctx.namer.fresh(n.id))

        def rename(tree):
            for n in walk(tree):
                if isinstance(n, gast.Name) and n.id in renames:
                    n.id = renames[n.id]
            return tree

        if is_dict:
            key, value = rename(elt[0]), rename(elt[1])
            target = gast.Subscript(value=name(result), slice=key, ctx=gast.Store())
            inner: list[gast.stmt] = [assign(target, value, node)]
        else:
            call = gast.Call(
                func=gast.Attribute(value=name(result), attr="append", ctx=gast.Load()), args=[rename(elt)], keywords=[]
            )
            inner = [gast.copy_location(gast.Expr(value=call), node)]
        for gen in reversed(gens):
            for cond in reversed(gen.ifs):
                inner = [gast.copy_location(gast.If(test=rename(cond), body=inner, orelse=[]), node)]
            loop = gast.For(
                target=rename(gen.target),
                iter=rename(gen.iter) if gen is not gens[0] else gen.iter,
                body=inner,
                orelse=[],
                type_comment=None,
            )
            inner = [gast.copy_location(loop, node)]
        for v in renames.values():
            self.locals.add(v)
        saved_loc = self.loc
        self.block(inner)
        self.loc = saved_loc
        return name(result)

    def expr_Subscript(self, node):
        return gast.Subscript(value=self.atom(node.value), slice=self.index(node.slice), ctx=gast.Load())

    def _note_view(self, target: str, op: gast.AST) -> None:
        """Remember that `target = base[a:b]` is a view of `base` (basic slicing shares memory)."""
        if (
            isinstance(op, gast.Subscript)
            and isinstance(op.value, gast.Name)
            and any(isinstance(n, gast.Slice) for n in walk(op.slice))
        ):
            self.view_bases.setdefault(target, set()).update(self.view_bases.get(op.value.id, {op.value.id}))
        elif isinstance(op, gast.Name) and op.id in self.locals and op.id != target:
            # `t = b` (a branch of `b if c else x`, of `b or x`): t is b itself
            self.view_bases.setdefault(target, set()).update(self.view_bases.get(op.id, {op.id}))

    def index(self, node: gast.AST) -> gast.AST:
        """An index expression whose parts are atoms (slices keep their `a:b:c` syntax)."""
        if isinstance(node, gast.Slice):
            return gast.Slice(
                lower=node.lower and self.atom(node.lower),
                upper=node.upper and self.atom(node.upper),
                step=node.step and self.atom(node.step),
            )
        if isinstance(node, gast.Tuple):
            return gast.Tuple(elts=[self.index(e) for e in node.elts], ctx=gast.Load())
        return self.atom(node)

    def expr_Call(self, node):
        if any(isinstance(a, gast.Starred) for a in node.args):
            return self._starred_call(node)
        if any(k.arg is None for k in node.keywords):
            raise self.error("keyword unpacking in calls (f(**kw)) are not supported", node)
        if isinstance(node.func, gast.Name) and node.func.id in self.nested:
            return self.nested_call(node)
        if self._dict_receiver(node.func):
            return self.expr(self._dict_method(node))
        fn = getattr(node, "_ag_fn", None) or self.resolve(node.func)  # (a helper call astgrad wrote)
        if fn is builtins.list and len(node.args) == 1 and not node.keywords and self._dict_receiver(node.args[0]):
            return self.expr(node.args[0])  # list(d.values()): the list astgrad makes of them is new already
        if fn is builtins.sorted and len(node.args) == 1 and not node.keywords:
            call = gast.Call(func=name(self.ctx.helper("sorted_of")), args=[self.atom(node.args[0])], keywords=[])
            call._ag_fn = runtime.sorted_of  # (a dict's keys, or the items in order: rules/runtime_rules.py)
            return call
        copied = self._container_copy(fn, node)
        if copied is not None:
            return self.expr(copied)
        if fn in (builtins.max, builtins.min) and len(node.args) == 1 and not node.keywords:
            seq = node.args[0]
            if (
                isinstance(seq, (gast.List, gast.Tuple))
                and len(seq.elts) > 1
                and not any(isinstance(e, gast.Starred) for e in seq.elts)
            ):  # max([a, b, c]) is max(a, b, c)
                return self.expr(gast.copy_location(gast.Call(func=node.func, args=seq.elts, keywords=[]), node))
            # max(xs) of numbers: np.max of their array (checked at run time: numbers, not empty)
            items = self.atom(seq)
            label = gast.Constant(value=fn.__name__, kind=None)
            check = gast.Call(func=name(self.ctx.helper("check_numbers")), args=[items, label], keywords=[])
            check._ag_fn = runtime.check_numbers
            self.emit(gast.Expr(value=check))
            array = gast.Call(func=self.ctx.numpy_attr("array"), args=[items], keywords=[])
            array._ag_fn = np.array
            call = gast.Call(func=self.ctx.numpy_attr(fn.__name__), args=[self.temp(array)], keywords=[])
            call._ag_fn = getattr(np, fn.__name__)
            return call
        if fn in (builtins.max, builtins.min) and len(node.args) > 2 and not node.keywords:
            # max(a, b, c) → max(max(a, b), c): the rule is for two arguments
            inner = gast.Call(func=node.func, args=node.args[:-1], keywords=[])
            return self.expr(
                gast.Call(func=node.func, args=[gast.copy_location(inner, node), node.args[-1]], keywords=[])
            )
        if fn is not MISSING:
            self._refuse_output_argument(fn, node)
            kept = [k for k in node.keywords if not (k.arg == "out" and is_constant(k.value))]  # (out=None)
            reads = not _may_write(fn)  # (a function that may write into its arguments gets them as they are)
            call = gast.Call(
                func=copy.deepcopy(node.func),
                args=[self.atom(a, reads) for a in node.args],
                keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value, reads)) for k in kept],
            )
            call._ag_fn = fn
            _respell_keywords(call)
            self._check_augmented_arguments(fn, call)
            return call
        if isinstance(node.func, gast.Attribute):
            self._refuse_missing_module_attribute(node.func)
            return self.method_call(node)
        raise self.error(
            f"calling `{_source(node.func)}`, which is not a function astgrad can see, is not supported",
            node,
            hint="call module-level functions, imported functions or closures directly",
        )

    def _keyed_by_strings(self, receiver: gast.AST) -> bool:
        """Whether the function reads `receiver` (a name), or a name bound to `receiver.copy()`,
        by string keys (`params["W"]`): a dict, whose .copy() is no array's."""
        if not isinstance(receiver, gast.Name):
            return False
        keyed = {
            n.value.id
            for n in walk(self.parsed.tree)
            if isinstance(n, gast.Subscript)
            and isinstance(n.value, gast.Name)
            and isinstance(n.slice, gast.Constant)
            and isinstance(n.slice.value, str)
        }
        if receiver.id in keyed:
            return True
        return any(
            isinstance(s, gast.Assign)
            and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Attribute)
            and s.value.func.attr == "copy"
            and isinstance(s.value.func.value, gast.Name)
            and s.value.func.value.id == receiver.id
            and any(isinstance(t, gast.Name) and t.id in keyed for t in s.targets)
            for s in walk(self.parsed.tree)
        )

    def _starred_call(self, node: gast.Call) -> gast.AST:
        """`np.random.randn(*x.shape)`: star arguments in a call of a function whose result carries
        no derivative (a shape's numbers, a random draw, zeros) are passed as they are."""
        fn = self.resolve(node.func)
        rule = rules.lookup(fn) if fn is not MISSING else None
        if rule is None or rule.differentiable or node.keywords and any(k.arg is None for k in node.keywords):
            raise self.error(
                "star-arguments in calls (f(*args)) are supported only in calls whose result carries no derivative "
                "(np.random.randn(*x.shape), np.random.rand(*shape))",
                node,
                hint="pass the arguments one by one (`f(a[0], a[1])`)",
            )
        args = [
            gast.Starred(value=self.atom(a.value), ctx=gast.Load()) if isinstance(a, gast.Starred) else self.atom(a)
            for a in node.args
        ]
        call = gast.Call(
            func=copy.deepcopy(node.func),
            args=args,
            keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords],
        )
        call._ag_fn = fn
        return call

    def _container_copy(self, fn: Any, node: gast.Call) -> gast.AST | None:
        """`list(xs)` and `dict(d)` of one argument are copies of the container, written so that
        astgrad follows each item: `[v for v in xs]`, `{k: d[k] for k in copied_keys(d)}` (a
        dict, checked at run time). `tuple(xs)`, `copy.copy` and `copy.deepcopy` are refused with
        what to write instead."""
        if fn not in (builtins.list, builtins.dict, builtins.tuple, copy.copy, copy.deepcopy):
            return None
        if fn in (copy.copy, copy.deepcopy):
            raise self.error(
                f"`{_source(node.func)}(...)` is not differentiated (astgrad does not read the standard library's "
                "copying code)",
                node,
                hint="astgrad's gradient never changes your arguments, so a copy is needed only where you write "
                "into it: copy a dict of arrays with `{k: v.copy() for k, v in params.items()}`, a list with "
                "`[w.copy() for w in Ws]`, an array with `x.copy()`",
            )
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], gast.Starred):
            return None
        seq = node.args[0]
        if fn is builtins.tuple:
            raise self.error(
                "`tuple(...)` of a sequence is not supported",
                node,
                hint="use the sequence itself, `list(...)` of it, or a tuple display `(a, b)`",
            )
        if isinstance(seq, (gast.ListComp, gast.GeneratorExp, gast.List)):
            return None  # (list(genexpr) and list([..]): the builtin rules as before)
        v = self.ctx.namer.fresh("item")
        if fn is builtins.list:
            header = isinstance(seq, gast.Call) and self.resolve(seq.func) in (zip, enumerate, reversed, range)
            walked = seq if header else gast.Call(func=name(self.ctx.helper("sequence_of")), args=[seq], keywords=[])
            if not header:  # (a dict's keys, or the sequence itself)
                walked._ag_fn = runtime.sequence_of
            loop = gast.comprehension(target=name(v, gast.Store()), iter=walked, ifs=[], is_async=0)
            return gast.copy_location(gast.ListComp(elt=name(v), generators=[loop]), node)
        keys = gast.Call(func=name(self.ctx.helper("copied_keys")), args=[seq], keywords=[])
        keys._ag_fn = runtime.copied_keys
        loop = gast.comprehension(target=name(v, gast.Store()), iter=keys, ifs=[], is_async=0)
        item = gast.Subscript(value=copy.deepcopy(seq), slice=name(v), ctx=gast.Load())
        return gast.copy_location(gast.DictComp(key=name(v), value=item, generators=[loop]), node)

    def _dict_receiver(self, node: gast.AST) -> bool:
        """Whether `node` is `d.keys`, `d.values`, `d.items` or `d.get` (or a call of one) of a local
        name (no array has these methods) or of a global dict."""
        if isinstance(node, gast.Call):
            node = node.func
        if not (isinstance(node, gast.Attribute) and node.attr in DICT_METHODS):
            return False
        d = node.value
        return isinstance(d, gast.Name) and d.id in self.locals or isinstance(self.resolve(d), dict)

    def _dict_method(self, node: gast.Call) -> gast.AST:
        """A dict's `d.keys()`, `d.values()`, `d.items()`, `d.get(k, default)` in terms of what
        astgrad differentiates: its items `d[k]`, over the keys `dict_keys(d)` (a dict's, in its
        order), and `d[k] if k in d else default`."""
        method, d = node.func.attr, node.func.value
        if node.keywords or len(node.args) not in DICT_METHODS[method]:
            raise self.error(
                f"`.{method}()` with these arguments is not supported",
                node,
                hint="call d.get(key) or d.get(key, default), and d.keys(), d.values(), d.items() without arguments",
            )
        if method == "get":
            key = node.args[0]
            default = node.args[1] if len(node.args) > 1 else gast.Constant(value=None, kind=None)
            test = gast.Compare(left=copy.deepcopy(key), ops=[gast.In()], comparators=[copy.deepcopy(d)])
            item = gast.Subscript(value=copy.deepcopy(d), slice=copy.deepcopy(key), ctx=gast.Load())
            return gast.copy_location(gast.IfExp(test=test, body=item, orelse=default), node)
        keys = gast.Call(func=name(self.ctx.helper("dict_keys")), args=[copy.deepcopy(d)], keywords=[])
        keys._ag_fn = runtime.dict_keys
        if method == "keys":
            return gast.copy_location(keys, node)
        k = self.ctx.namer.fresh("key")
        item = gast.Subscript(value=copy.deepcopy(d), slice=name(k), ctx=gast.Load())
        elt = item if method == "values" else gast.Tuple(elts=[name(k), item], ctx=gast.Load())
        loop = gast.comprehension(target=name(k, gast.Store()), iter=keys, ifs=[], is_async=0)
        return gast.copy_location(gast.ListComp(elt=elt, generators=[loop]), node)

    def _refuse_missing_module_attribute(self, func: gast.Attribute, what: str = "function") -> None:
        """`np.tanhh(x)`, `np.linalg.inverse(a)`, `np.pii`: a name the module does not have (a typo),
        not a method or an attribute of an array."""
        module = self.resolve(func.value)
        if not isinstance(module, types.ModuleType) or hasattr(module, func.attr):
            return
        label = getattr(module, "__name__", _source(func.value))
        public = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(func.attr, public, n=3)
        written = _source(func.value)
        raise self.error(
            f"no such {what} in {label}: `{written}.{func.attr}`",
            func,
            hint=f"did you mean {' or '.join(f'`{written}.{c}`' for c in close)}?"
            if close
            else f"check the name against {label}'s documentation",
        )

    def _check_augmented_arguments(self, fn: Any, call: gast.Call) -> None:
        """Before a call of a user function that does `p += v` on a parameter, a run-time check
        that the argument is no array (whose values that would change under the caller)."""
        if not is_user_function(fn) or rules.lookup(fn) is not None:
            return
        augmented = [p for p, (_, _, kind) in parameter_writes(fn).items() if kind == "augmented"]
        if not augmented:
            return
        try:
            bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords if k.arg})
        except (TypeError, ValueError):
            return
        for p in augmented:
            given = bound.arguments.get(p)
            for item in given if isinstance(given, tuple) else [given]:
                if isinstance(item, gast.Name):
                    label = gast.Constant(value=p, kind=None)
                    self.emit(
                        gast.Expr(
                            value=gast.Call(
                                func=name(self.ctx.helper("check_not_array")), args=[item, label], keywords=[]
                            )
                        )
                    )

    def _refuse_output_argument(self, fn: Any, node: gast.Call) -> None:
        """`np.add(a, b, out=c)` and `np.add(a, b, c)` write into c, which the derivatives would
        not know about."""
        out = next((k.value for k in node.keywords if k.arg == "out"), None)
        if out is None and isinstance(fn, np.ufunc) and len(node.args) > fn.nin:
            out = node.args[fn.nin]
        where = next((k.value for k in node.keywords if k.arg == "where"), None)
        if (out is None or isinstance(out, gast.Constant) and out.value is None) and isinstance(fn, np.ufunc):
            if where is not None and not (isinstance(where, gast.Constant) and where.value is True):
                raise self.error(
                    f"`{_source(node.func)}(..., where=...)` without `out=` leaves the elements where the mask is "
                    "False uninitialised (whatever memory held): their values, and so the derivative, are undefined",
                    node,
                    hint="choose the elements with np.where(mask, value, other), masking the argument first where "
                    "the function is undefined there: `np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)`",
                )
        if out is None or isinstance(out, gast.Constant) and out.value is None:
            return
        raise self.error(
            f"`{_source(node.func)}` writes its result into `{_source(out)}` (an output argument): astgrad cannot "
            "follow writes through output arguments",
            node,
            hint=f"assign the result instead: `r = {_source(node.func)}(...)` without `out=`"
            + (
                "; for `where=`, choose the elements with np.where(mask, value, other), masking the argument "
                "first where the function is undefined there: `np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)`"
                if any(k.arg == "where" for k in node.keywords)
                else ""
            ),
        )

    def method_call(self, node: gast.Call) -> gast.AST:
        method = node.func.attr
        receiver = self.atom(node.func.value, method not in MUTATING_METHODS)
        args = [self.atom(a) for a in node.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value)) for k in node.keywords]
        if method == "copy" and not args and not keywords and self._keyed_by_strings(node.func.value):
            call = gast.Call(func=name(self.ctx.helper("copy_of")), args=[receiver], keywords=[])
            call._ag_fn = runtime.copy_of  # `p = params.copy()` of a dict (read as p["W"]): a dict's copy
            return call
        known = rules.registry.array_methods().get(method)  # (x.sum(1) means np.sum(x, 1): the registry says)
        if known is not None and known[1]:
            fname = known[0]
            if len(args) > 1:
                args = (
                    [self.temp(gast.Tuple(elts=args, ctx=gast.Load()))]
                    if not all(map(is_constant, args))
                    else [gast.Tuple(elts=args, ctx=gast.Load())]
                )
        elif known is not None:
            fname = known[0]
        elif method == "item" and not args and not keywords:  # also of a NumPy scalar (np.sum's result)
            call = gast.Call(func=name(self.ctx.helper("item")), args=[receiver], keywords=[])
            call._ag_fn = runtime.item
            return call
        elif method == "astype":
            fname = None
        elif hasattr(np.ndarray, method):
            raise self.error(
                f"the method `.{method}()` is not supported",
                node,
                hint="call the NumPy function instead (np.f(x, ...)) or register a rule",
            )
        else:
            held = _source(node.func.value)
            raise self.error(
                f"the method `.{method}()` of `{held}` is not supported: `{held}` is known only when the code runs "
                "(an item of a list, a parameter), so astgrad cannot read the method it calls, which may differ "
                "from one object to the next",
                node,
                hint="astgrad reads the methods of objects it knows when the gradient is made: with "
                "grad(model.loss), `self.forward(x)` and `self.dense.forward(x)` (an attribute of self, or a "
                "global); write the layers out one by one that way, or call plain functions "
                "(`x = dense_forward(W, x)`)",
            )
        if fname is None:  # x.astype(t) as np.ndarray.astype(x, t): x is an operand, with a rule
            func = gast.Attribute(value=self.ctx.numpy_attr("ndarray"), attr=method, ctx=gast.Load())
            call = gast.Call(func=func, args=[receiver] + args, keywords=keywords)
            call._ag_fn = np.ndarray.astype
            return call
        call = gast.Call(func=self.ctx.numpy_attr(fname), args=[receiver] + args, keywords=keywords)
        call._ag_fn = getattr(np, fname)
        _respell_keywords(call)
        return call


def _respell_keywords(call: gast.Call) -> None:
    """A keyword the registry knows under another name takes the rule's name (NumPy 2's
    `np.clip(x, min=0)` and `x.clip(max=1)` are `np.clip(x, a_min=0)`, `np.clip(x, a_max=1)`)."""
    rule = rules.lookup(call._ag_fn)
    spellings = rule.keywords if rule is not None else None
    if not spellings or not any(k.arg in spellings for k in call.keywords):
        return
    for k in call.keywords:
        k.arg = spellings.get(k.arg, k.arg)
    # the spelling left out is given as None (np.clip(x, a_min=0) needs a_max too; np.clip(x, min=0) does not)
    params = rules.registry.primitive_parameters(call._ag_fn, rule)
    given = set(params[: len(call.args)]) | {k.arg for k in call.keywords}
    for p in spellings.values():
        if p not in given:
            call.keywords.append(gast.keyword(arg=p, value=gast.Constant(value=None, kind=None)))


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
        return set()
    ok_loads: dict[str, int] = {}
    numpy_uses: set[str] = set()  # handed to NumPy to differentiate
    list_unsafe: set[str] = set()  # ... and read by a rule other than through NumPy (`g * b`)
    for node in walk(fdef):
        if isinstance(node, gast.Call):
            fn = getattr(node, "_ag_fn", None)
            data = _differentiated_arguments(node, fn) if not _may_write(fn) else {}
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
    for node in walk(fdef):
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
            for block in [fdef.body] + [b for n in walk(fdef) for b in _blocks_of(n)]:
                if any(st is binding for st in block):
                    i = next(i for i, st in enumerate(block) if st is binding)
                    block.insert(i + 1, gast.copy_location(assign(array, call), binding))
                    break
    return read_as_arrays & params


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
    assigned = {n.id for st in template.body for n in walk(st) if isinstance(n, gast.Name)}
    out = {}
    for p, arg in bound.arguments.items():
        for a in arg if isinstance(arg, tuple) else [arg]:
            if isinstance(a, gast.AST) and p + "_bar" in assigned:
                out[id(a)] = any(not _read_by_numpy(t, p) for t in (rule.adjoint, rule.tangent) if t is not None)
    return out


def _read_by_numpy(template: Any, p: str) -> bool:
    """Whether template reads its parameter `p` only as an argument of NumPy functions
    (`x_bar = y_bar * np.cos(x)`), which read a list as the array it stands for."""
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


def _rebound_first(body: list[gast.stmt], var: str) -> bool:
    """Whether the first statement of `body` that stores into or through `var` binds it anew
    (`x = x * 2.0` before `x[0] = ...`)."""
    for s in body:
        if isinstance(s, gast.Assign) and any(isinstance(t, gast.Name) and t.id == var for t in s.targets):
            return var not in view_sources(s.value)  # (`x = x * 2.0`: a new array; `x = x[:2]`: a view)
        for n in walk(s):
            if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
                if base_name(n.value) == var:
                    return False
            if isinstance(n, gast.Name) and n.id == var and isinstance(n.ctx, gast.Store):
                return False  # (bound in a branch, a nested loop or an augmented assignment: not surely)
    return False


def _inside(node: gast.AST, loop: gast.AST) -> bool:
    """Whether `node` stands within the lines of `loop`."""
    line, first, last = getattr(node, "lineno", None), loop.lineno, getattr(loop, "end_lineno", None)
    return line is None or last is None or first <= line <= last


def _blocks_of(node: gast.AST) -> list[list[gast.stmt]]:
    return [
        b
        for f in ("body", "orelse", "finalbody")
        if isinstance(b := getattr(node, f, None), list) and b and isinstance(b[0], gast.stmt)
    ]


def _may_write(fn: Any) -> bool:
    """Whether `fn` may write into an argument: a user's function, or one of NumPy's writers."""
    return is_user_function(fn) or numpy_writer(fn)


def _bindings(target: gast.AST, value: gast.AST) -> list[tuple[str, gast.AST]]:
    """(name, the value it is bound to) for `a = v`, `a, b = h, x`, and `a, b = pair` (each
    element bound to a part of `pair`: here `pair` itself)."""
    if isinstance(target, gast.Name):
        return [(target.id, value)]
    if not isinstance(target, (gast.Tuple, gast.List)):
        return []
    if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
        if any(isinstance(e, gast.Starred) for e in target.elts + value.elts):
            return []
        return [b for t, v in zip(target.elts, value.elts) for b in _bindings(t, v)]
    if isinstance(value, gast.Name):
        return [b for t in target.elts for b in _bindings(t.value if isinstance(t, gast.Starred) else t, value)]
    return []


def lift_function(parsed, tree: gast.FunctionDef):
    """A real function object for a lifted nested def, whose source astgrad knows already; like
    the enclosing function, it reads its globals and closure cells when it runs."""
    text = render(tree)
    free = {n.id for n in walk(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    cells = {n: c for n, c in parsed.cells.items() if n in free}
    fn = compile_function(text, tree.name, parsed.user_globals, f"lifted {tree.name} from {parsed.filename}", cells)
    fn.__module__ = getattr(parsed.func, "__module__", None)
    fn.__qualname__ = f"{parsed.func.__qualname__}.<locals>.{tree.name}"
    fn.__astgrad_parsed__ = ParsedFunction(
        func=parsed.func,
        tree=tree,
        filename=parsed.filename,
        firstlineno=parsed.firstlineno,
        lines=parsed.lines,
        cells=parsed.cells,
    )
    return fn


def _resizing_call(iterable: gast.AST, body: list[gast.stmt]) -> gast.AST | None:
    """A statement of `body` that changes the length of the list `iterable` names, if any."""
    if not isinstance(iterable, gast.Name):
        return None
    for node in (n for st in body for n in walk(st)):
        if (
            isinstance(node, gast.Call)
            and isinstance(node.func, gast.Attribute)
            and node.func.attr in ("append", "extend", "insert", "pop", "remove", "clear")
            and isinstance(node.func.value, gast.Name)
            and node.func.value.id == iterable.id
        ):
            return node
        if isinstance(node, gast.Delete) and any(
            isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name) and t.value.id == iterable.id
            for t in node.targets
        ):
            return node
    return None


def _substitute_name(tree: gast.AST, old: str, new: gast.AST) -> gast.AST:
    class Sub(gast.NodeTransformer):
        def visit_Name(self, n):
            return copy.deepcopy(new) if n.id == old else n

    return Sub().visit(tree)


def _source(node: gast.AST) -> str:
    try:
        return unparse(to_ast(node)).strip()
    except Exception:  # pragma: no cover - best effort for messages
        return type(node).__name__


def _describe(node: gast.AST) -> str:
    kinds = {
        "Lambda": "a lambda expression",
        "ListComp": "a list comprehension",
        "SetComp": "a set comprehension",
        "DictComp": "a dict comprehension",
        "GeneratorExp": "a generator expression",
        "NamedExpr": "the walrus operator (:=)",
        "Await": "await",
        "Yield": "yield",
        "YieldFrom": "yield from",
        "Starred": "a starred expression",
        "Dict": "a dict literal",
        "Set": "a set literal",
    }
    return kinds.get(type(node).__name__, f"the expression `{_source(node)}`")


_STATEMENT_HINTS = {
    "Try": "move the try/except outside the function you differentiate",
    "With": "move the with-block outside the function you differentiate",
    "Global": "pass the value as an argument and return the new value instead",
    "Nonlocal": "pass the value as an argument and return the new value instead",
    "FunctionDef": "define the helper at module level",
    "ClassDef": "define the class at module level",
    "Delete": "let the variable go out of use instead of deleting it",
    "Import": "import at module level",
    "ImportFrom": "import at module level",
}
_EXPRESSION_HINTS = {
    "Lambda": "define a function with def at module level",
    "NamedExpr": "assign the value in a statement of its own",
    "Yield": "astgrad differentiates functions that return values, not generators",
}


def normalize(ctx: Context, protect_inputs: bool = False, callee: bool = False) -> gast.FunctionDef:
    """The ANF/SSA form of the user function held by `ctx`; with `protect_inputs`, parameters
    the function writes into are copied first; a `callee` (called from differentiated code)
    must not write into its arguments, which are its caller's values."""
    normalizer = Normalizer(ctx)
    normalizer.callee = callee
    return normalizer.run(protect_inputs)
