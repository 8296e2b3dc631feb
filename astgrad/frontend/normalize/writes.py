"""In-place writes during normalization: which names a write into an array (`a[i] = v`,
`a += v`) may reach through aliases and views of it, and the run-time checks or refusals such
a write needs (writing into a view of a parameter, into an array being iterated); and NumPy's
indexed writers lowered to an assignment of a new array (`np.add.at(a, idx, v)` is
`a = added_at(a, idx, v)`)."""

from __future__ import annotations

import copy
from typing import Any

import gast
import numpy as np

from ... import rules, runtime
from ...analysis.activity import base_name, view_sources, viewing_call, writer_names
from ...ir.sentinels import MISSING
from ...ir.trees import name, walk
from ..callables import is_user_function
from .refusals import node_source, output_position


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


def blocks_of(node: gast.AST) -> list[list[gast.stmt]]:
    return [
        b
        for f in ("body", "orelse", "finalbody")
        if isinstance(b := getattr(node, f, None), list) and b and isinstance(b[0], gast.stmt)
    ]


def bindings(target: gast.AST, value: gast.AST) -> list[tuple[str, gast.AST]]:
    """(name, the value it is bound to) for `a = v`, `a, b = h, x`, and `a, b = pair`, `a, b =
    pairs[0]` or `a, b = f(x)` (each element bound to a part of `pair`: here `pair` itself)."""
    if isinstance(target, gast.Name):
        return [(target.id, value)]
    if not isinstance(target, (gast.Tuple, gast.List)):
        return []
    if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
        if any(isinstance(e, gast.Starred) for e in target.elts + value.elts):
            return []
        return [b for t, v in zip(target.elts, value.elts) for b in bindings(t, v)]
    # (`W, b = params[0]`: each a part of the item; `a, b = np.split(z, 2)`: of the call's result)
    if isinstance(value, (gast.Name, gast.Subscript, gast.Call)):
        return [b for t in target.elts for b in bindings(t.value if isinstance(t, gast.Starred) else t, value)]
    return []


def lowered_writer(fn: Any) -> str | None:
    """The runtime helper that computes, as a new array, what NumPy's `fn` writes into its first
    argument (np.add.at, np.subtract.at, np.fill_diagonal, np.copyto), or None."""
    if fn is np.fill_diagonal:
        return "with_diagonal"
    if fn is np.copyto:
        return "copied_into"
    if getattr(fn, "__name__", None) == "at" and getattr(fn, "__self__", None) in (np.add, np.subtract):
        return "added_at"
    return None


def writer_target(call: gast.AST, fn: Any) -> str | None:
    """The name `call` of a writer `lowered_writer` knows writes into, if the call has the form
    the lowering takes: `np.add.at(a, idx, v)`, `np.fill_diagonal(a, v)` (wrap=False), `np.copyto(a,
    v)` (with `where=m` alone)."""
    if not isinstance(call, gast.Call) or lowered_writer(fn) is None or not call.args:
        return None
    if not isinstance(call.args[0], gast.Name) or any(isinstance(a, gast.Starred) for a in call.args):
        return None
    if fn is np.fill_diagonal:
        wrap = call.args[2:] + [k.value for k in call.keywords if k.arg == "wrap"]
        if len(call.args) > 3 or any(k.arg != "wrap" for k in call.keywords) or len(wrap) > 1:
            return None
        if len(call.args) < 2 or wrap and not (isinstance(wrap[0], gast.Constant) and wrap[0].value is False):
            return None
    elif fn is np.copyto:  # (np.copyto(a, v), with `where` alone: the default casting)
        if len(call.args) != 2 or any(k.arg != "where" for k in call.keywords):
            return None
    elif len(call.args) != 3 or call.keywords:
        return None
    return call.args[0].id


def output_written(call: gast.Call, fn: Any, method: bool) -> tuple[str, gast.Call] | None:
    """(y, the call without its output argument) for a NumPy call writing its result into the
    name y (`np.clip(y, a, b, out=y)`, `np.maximum(y, 0, y)`, `y.clip(0, None, out=y)`: `method`,
    the receiver not among the arguments), or None."""
    if fn is MISSING or fn is None or is_user_function(fn):
        return None
    at = output_position(fn, method)
    keywords = [k for k in call.keywords if k.arg != "out"]
    args = list(call.args)
    out = next((k.value for k in call.keywords if k.arg == "out"), None)
    if out is None and at is not None and 0 <= at < len(args):
        out = args.pop(at)
    if isinstance(out, gast.Tuple) and len(out.elts) == 1:
        out = out.elts[0]
    if not isinstance(out, gast.Name) or any(isinstance(a, gast.Starred) for a in args):
        return None
    return out.id, gast.copy_location(gast.Call(func=call.func, args=args, keywords=keywords), call)


class WritesMixin:
    """The in-place write checks of `Normalizer` (frontend/normalize/normalizer.py)."""

    def item_holders(self, c: str) -> set[str]:
        """The names that may hold an item of the list, tuple or dict `c`: put in it (`[x]`,
        `c.append(x)`, `c[k] = x`, `dict(a=x)`) or read out of it (`v = c[k]`, a loop over it)."""
        out: set[str] = set()
        for st in walk(self.parsed.tree):
            if isinstance(st, gast.Assign) and len(st.targets) == 1:
                t, v = st.targets[0], st.value
                if isinstance(t, gast.Name) and t.id == c:
                    parts = (
                        v.elts
                        if isinstance(v, (gast.List, gast.Tuple))
                        else v.values
                        if isinstance(v, gast.Dict)
                        else [k.value for k in v.keywords] + v.args
                        if isinstance(v, gast.Call)
                        else []
                    )
                    out |= {e.id for e in parts if isinstance(e, gast.Name)}
                elif isinstance(t, gast.Subscript) and base_name(t) == c and isinstance(v, gast.Name):
                    out.add(v.id)
                if isinstance(v, gast.Subscript) and base_name(v) == c:
                    out |= {n.id for n in walk(t) if isinstance(n, gast.Name)}
            elif isinstance(st, gast.Call) and isinstance(st.func, gast.Attribute) and st.func.attr == "append":
                if isinstance(st.func.value, gast.Name) and st.func.value.id == c:
                    out |= {a.id for a in st.args if isinstance(a, gast.Name)}
            elif isinstance(st, gast.For) and any(isinstance(n, gast.Name) and n.id == c for n in walk(st.iter)):
                out |= {n.id for n in walk(st.target) if isinstance(n, gast.Name)}
        return out

    def check_live_sharers(
        self, var: str, node: gast.AST, names: set[str], value: gast.AST | None = None, label: str | None = None
    ) -> None:
        """Before the in-place write `node` into `var` (or into `value`, an item of it), a run-time
        check that no other name bound before the write and read after it (or in a loop around it)
        holds that array or a view of it (check_apart): such a name would see the write, which
        astgrad's adjoints would not."""
        names = names - {var}
        if not names:
            return
        at = _position(node)
        bound = set(self.params) & names
        for m in walk(self.parsed.tree):
            if isinstance(m, gast.Name) and m.id in names and isinstance(m.ctx, gast.Store) and _position(m) < at:
                bound.add(m.id)
        written = value if value is not None else name(self.version.get(var, var))
        for other in sorted(bound & self.read_after(node, names)):
            self.emit_apart(written, other, label or var)

    def read_after(self, node: gast.AST, names: set[str]) -> set[str]:
        """Those of `names` the function reads after the user's statement or expression `node`,
        or anywhere in a loop around it (its next step)."""
        end = (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)
        around = {
            id(m)
            for loop in walk(self.parsed.tree)
            if isinstance(loop, (gast.For, gast.While)) and any(m is node for m in walk(loop))
            for m in walk(loop)
        }
        return {
            m.id
            for m in walk(self.parsed.tree)
            if isinstance(m, gast.Name)
            and m.id in names
            and isinstance(m.ctx, gast.Load)
            and (_position(m) > end or id(m) in around)
        }

    def emit_apart(self, written: gast.AST, other: str, label: str) -> None:
        """`check_apart(written, other, 'label', 'other')`: a write through `written` refused where
        it runs if `other` holds the same array or a view of it."""
        args = [copy.deepcopy(written), name(self.version.get(other, other))]
        args += [gast.Constant(value=label, kind=None), gast.Constant(value=other, kind=None)]
        check = gast.Call(func=name(self.ctx.helper("check_apart")), args=args, keywords=self.ctx.check_line(self.loc))
        self.emit(gast.Expr(value=check))

    @staticmethod
    def _written_in_place(body: list[gast.stmt], nodes: list[gast.AST] | None = None) -> set[str]:
        """Names the statements write into (`x[i] = v`, `x[i] += v`, `x.append(v)`, `np.copyto(x[1],
        v)`); `nodes`: every node of `body`, if known."""
        out = set()
        for node in walk(gast.Module(body=body, type_ignores=[])) if nodes is None else nodes:
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
            elif (  # (NumPy's writers: `np.copyto(m[1], v)`, `np.add.at(a, i, v)` write into their first argument)
                isinstance(node, gast.Call)
                and isinstance(node.func, gast.Attribute)
                and (node.func.attr in writer_names() or node.func.attr == "at")
                and node.args
            ):
                first = node.args[0]
                targets = [gast.Subscript(value=first, slice=gast.Constant(value=0, kind=None), ctx=gast.Store())]
            for t in targets:
                if isinstance(t, gast.Subscript):
                    base = t.value
                    while isinstance(base, gast.Subscript):
                        base = base.value
                    if isinstance(base, gast.Name):
                        out.add(base.id)
        return out

    def outputs_as_writes(self, body: list[gast.stmt]) -> None:
        """Make each statement writing a NumPy call's result into a local name `y` through its
        output argument (`np.clip(y, a, b, out=y)`, `np.exp(y, out=y)`, `y.clip(0, None, out=y)`)
        the write it is, `y[...] = np.clip(y, a, b)` (with `where=m`, `np.where(m, ..., y)`: the
        elements left as they were), before the analyses of writes and aliases read the body."""
        methods = rules.registry.array_methods()
        for i, st in enumerate(body):
            if not isinstance(st, (gast.FunctionDef, gast.Lambda)):
                for block in blocks_of(st):
                    self.outputs_as_writes(block)
            if not (isinstance(st, gast.Expr) and isinstance(st.value, gast.Call)):
                continue
            call = st.value
            f = call.func
            method = isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id in self.locals
            if method and f.attr in methods:
                fn = getattr(np, methods[f.attr][0], None)
            else:
                fn = None if method else self.resolve(f)
            written = output_written(call, fn, method)
            if written is None or written[0] not in self.locals:
                continue
            var, value = written
            where = next((k for k in value.keywords if k.arg == "where"), None)
            if where is not None and not (isinstance(where.value, gast.Constant) and where.value.value is True):
                value.keywords = [k for k in value.keywords if k is not where]
                chosen = gast.Call(func=self.ctx.numpy_attr("where"), args=[where.value, value, name(var)], keywords=[])
                value = gast.copy_location(chosen, call)
            whole = gast.Subscript(value=name(var), slice=gast.Constant(value=Ellipsis, kind=None), ctx=gast.Store())
            body[i] = gast.copy_location(gast.Assign(targets=[gast.copy_location(whole, st)], value=value), st)

    def writers_as_assignments(self, body: list[gast.stmt]) -> None:
        """Make each statement `np.add.at(a, idx, v)` or `np.fill_diagonal(a, v)` an assignment
        to `a` (marked, lowered by `lower_writer`), so that the passes that follow see `a` bound
        there: in a loop, it is carried from one iteration to the next. (The alias analysis ran
        before, on the write.)"""
        for i, st in enumerate(body):
            if not isinstance(st, (gast.FunctionDef, gast.Lambda)):  # (a nested def: lowered on its own)
                for block in blocks_of(st):
                    self.writers_as_assignments(block)
            if isinstance(st, gast.Expr) and isinstance(st.value, gast.Call):
                fn = self.resolve(st.value.func)
                base = st.value.args[0] if st.value.args else None
                while isinstance(base, gast.Subscript):  # (into an item or a slice of a local array: a view of it)
                    base = base.value
                if (
                    base is not None
                    and rules.registry.writes_first_argument(fn)
                    and not (isinstance(base, gast.Name) and base.id in self.locals)
                ):  # (as `self.running[:] = v` and `RUN[:] = v` are)
                    first = st.value.args[0]
                    raise self.error(
                        f"`{node_source(st.value.func)}` writes into `{node_source(first)}`, and only local "
                        "variables can be written into (a write into a global or an attribute would change "
                        "what the derivatives read)",
                        st,
                        hint="copy the object into a local variable first, write into the copy, and bind "
                        "the name or attribute to it after the call if the program needs it",
                    )
                var = writer_target(st.value, fn)
                if var is not None and var in self.locals:
                    target = gast.Name(id=var, ctx=gast.Store(), annotation=None, type_comment=None)
                    body[i] = gast.copy_location(gast.Assign(targets=[target], value=st.value), st)
                    body[i]._ag_writer = True

    def lower_writer(self, stmt: gast.Assign) -> None:
        """`np.add.at(a, idx, v)` → `a = added_at(a, idx, v)` and `np.fill_diagonal(a, v)` →
        `a = with_diagonal(a, v)`, with the checks of a write into `a` (aliases, a caller's array):
        the name then holds what the write leaves in the array."""
        call = stmt.value
        fn = self.resolve(call.func)
        var = stmt.targets[0].id
        if var in self.iterating:
            raise self.error(
                f"`{node_source(call.func)}` writes into `{var}` while a loop iterates over it",
                stmt,
                hint="iterate over a copy",
            )
        self.check_write(var, stmt)
        helper = lowered_writer(fn)
        args = call.args[1:2] if fn is np.fill_diagonal else call.args[1:]
        if fn is np.copyto:  # (its mask, by keyword or none: every element)
            where = [k.value for k in call.keywords if k.arg == "where"] or [gast.Constant(value=True, kind=None)]
            args = [call.args[1], where[0]]
        if getattr(fn, "__self__", None) is np.subtract:
            args = [args[0], gast.UnaryOp(op=gast.USub(), operand=args[1])]
        lowered = gast.Call(func=name(self.ctx.helper(helper)), args=[name(var), *args], keywords=[])
        lowered._ag_fn = getattr(runtime, helper)
        self.assign_to(stmt.targets[0], lowered)

    def _copied_at_once(self, body: list[gast.stmt], nodes: list[gast.AST]) -> set[int]:
        """`t = h[0]` followed at once by `t2 = copy_of(t)`, t read nowhere else (a gradient's own
        code, differentiated again): t is no alias anything can write through. `nodes`: every node
        of `body`, in ast.walk's order."""
        reads: dict[str, int] = {}
        for n in nodes:
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                reads[n.id] = reads.get(n.id, 0) + 1
        out = set()
        blocks = [body] + [b for n in nodes for b in blocks_of(n) if b is not body]
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

    def _alias_pairs(
        self, body: list[gast.stmt], copied: set[int], nodes: list[gast.AST]
    ) -> list[tuple[str, str, gast.AST, str]]:
        """(name, shares-memory-with, statement, how) for `a = b` and view-making assignments
        (`copied`: _copied_at_once of `body`; `nodes`: every node of `body`, in ast.walk's order)."""
        pairs = []
        bound = []  # (name, value) of each assignment, `a, b = h, x` pairing its elements
        for node in nodes:
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
            here = [(a, v) for t in node.targets for a, v in bindings(t, node.value)]
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
            elif isinstance(v, gast.Call) and is_user_function(self.resolve(v.func)):
                # a helper's result may be its argument's array, or a view of it (`return z`, `return A[0]`):
                # a write through either, while both are held, is checked at run time (check_apart)
                for arg in v.args:
                    if isinstance(arg, gast.Name) and arg.id in self.locals and arg.id != a:
                        pairs.append((a, arg.id, node, "returned"))
        return pairs

    def _alias_source(self, a: str, v: gast.AST) -> tuple[str, str] | None:
        """(the local `a = v` makes `a` share memory with, how: "copy", "view" or "maybe"), or None
        for a new value."""
        if isinstance(v, gast.IfExp):  # `prev = out[i - 1] if i > 0 else 0.0`: what either branch makes
            found = [src for part in (v.body, v.orelse) if (src := self._alias_source(a, part)) is not None]
            sure = [src for src in found if src[1] != "maybe"]
            return (sure or found or [None])[0]
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

    def check_write(self, var: str, node: gast.AST, augmented: bool = False, grows: bool = False) -> None:
        """Refuse in-place writes that would also change another variable (which astgrad's
        adjoints would not know about): in a called function, its caller's argument too (unless
        the function made the name another array first). `grows`: the write appends to a list,
        which no slice shares (`qs = ps[:]` of a list is a copy; an array has no `.append`)."""
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
            if grows and how == "view":
                continue
            if how == "returned":
                made_before = _position(where) < _position(node)  # (else the other may not be bound yet)
                if var in (a, b) and made_before:
                    self.emit_apart(name(self.version.get(var, var)), b if var == a else a, var)
                continue
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

    def _overwritten_displays(self, nodes: list[gast.AST]) -> set[tuple[int, int]]:
        """The places of the list, tuple and dict displays (`rows = [B[0], B[1]]`) whose container
        a name still holds where the function writes into the array an item came from: the
        items are then checked at run time to be no view of it (check_not_held_view). `nodes`:
        every node of the function's body."""
        out = set()
        for st in nodes:
            if isinstance(st, gast.Assign):
                targets = [t for t in st.targets if isinstance(t, gast.Subscript)]
            elif isinstance(st, gast.AugAssign):
                targets = [st.target]
            else:
                continue
            for t in targets:
                var = base_name(t)
                if var is not None:
                    out |= self.shared_memory.displays_holding(st, var)
        return out

    def _aliases_at(self, var: str, node: gast.AST) -> list[tuple[str, str, gast.AST, str]]:
        """The alias pairs that may still hold when `node` writes through `var`: a pair ends where
        either name is bound to another value (`acc = W; acc = acc + 1.0; acc *= 2.0`); a name
        sharing `var`'s array through others (`c = W; a = c; c = ...; a[0] = v`) is a pair too."""
        live = self.shared_memory.shared(node, var)
        if live is None:
            return self.alias_pairs
        out, seen = [], set()
        for a, b, where, how in self.alias_pairs:
            if how not in ("item", "returned") and var in (a, b):  # (a helper's: checked at run time)
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


def _position(node: gast.AST) -> tuple[int, int]:
    """Where `node` is in the source (line, column)."""
    return getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0
