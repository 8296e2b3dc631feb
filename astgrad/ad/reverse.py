"""Reverse mode: a normalized function → its forward pass followed by adjoint statements.

One mechanism serves straight-line code, branches, loops and in-place writes: when the backward
pass processes a statement, every variable holds the value it had right after that statement ran
in the forward pass. A statement that overwrites a value the backward pass will read saves it
first (`push(tape, h)`) and the backward pass restores it right after the statement's adjoint
(`h = pop(tape)`). Straight-line code is in SSA form, so it overwrites nothing and needs no tape.

Which adjoints hold a value is tracked statically ("initialized"), so the first contribution
to `x_bar` is an assignment and later ones accumulate; no adjoint is zero-filled unless a branch
or a loop needs it.
"""

from __future__ import annotations

import copy
import inspect
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import gast
import numpy as np

from .. import rules, runtime
from ..analysis import shapes
from ..analysis.activity import (
    Activity,
    assignment_counts,
    complex_names,
    float_store_check,
    integer_names,
    made_float,
    merge_checks,
    numpy_writer,
    operands,
    primitive,
    refuse_argument_writes,
    refuse_caller_tape_reads,
    refuse_tuple_output,
    walk_statements,
    written_arguments,
)
from ..analysis.aliasing import sharing
from ..analysis.branch_masks import SELECTIONS, branch_masks, keeps_zero, masked
from ..analysis.sequences import ambiguous, elementwise_check, possible_sequences, sequence_calls, sequence_op
from ..analysis.spellings import as_call, spelled_calls
from ..frontend.callables import is_user_function
from ..frontend.context import Context
from ..frontend.normalize.expressions import loads
from ..ir.trees import Transformer, assign, find, is_constant, name, names_in, names_read, walk
from ..rules.registry import runtime_facts
from .templates import (
    Bound,
    TemplateMismatch,
    as_value,
    refusal_message,
    refuse_active_star_argument,
    refused_parameter,
)

Pos = tuple
_SUBSCRIPT = frozenset({gast.Subscript})
_CALL = frozenset({gast.Call})


@dataclass
class State:
    """Static knowledge about adjoints at one point of the backward pass."""

    init: set[str] = field(default_factory=set)  # adjoint holds a value
    owned: set[str] = field(default_factory=set)  # ...in a buffer only we reference (in-place safe)

    def copy(self) -> "State":
        return State(set(self.init), set(self.owned))


@dataclass
class Site:
    """A place where the forward pass overwrites (part of) a variable."""

    var: str
    pos: Pos
    kind: str  # "assign" | "setitem" | "loop" (loop target or trip counter)
    node: gast.AST | None = None
    save: gast.Expr | None = None  # marker in the forward pass
    restore: gast.Expr | None = None  # marker in the backward pass


# Python's functions of sequences, and the checks normalization writes for them (`for x in xs`,
# `max(xs)`): a name they read may be a list, whose gradient is a list
_SEQUENCE_READERS = (
    len, sum, max, min, sorted, list, tuple, zip, enumerate, reversed, math.fsum, math.prod,
    runtime.check_sequence, runtime.check_numbers, runtime.check_unpack,
)  # fmt: skip


def _sequence_reads(fdef: gast.FunctionDef) -> set[str]:
    """The names read as sequences by Python's functions of them (`_SEQUENCE_READERS`)."""
    out = set()
    for n in find(fdef, _CALL):
        fn = getattr(n, "_ag_fn", None)
        if fn is not None and any(fn is r for r in _SEQUENCE_READERS):
            out |= {a.id for a in n.args if isinstance(a, gast.Name)}
    return out


def _slices(index: gast.AST) -> bool:
    """Whether an index takes a slice (`xs[1:]`, `x[:, 0]`), not one item."""
    return any(isinstance(n, gast.Slice) for n in walk(index))


def _marker(kind: str, site: Site) -> gast.Expr:
    node = gast.Expr(value=gast.Constant(value=None, kind=None))
    node._ag_marker = (kind, site)
    return node


def comment(text: str) -> gast.Expr:
    """A statement that codegen prints as `# text`."""
    node = gast.Expr(value=gast.Constant(value=text, kind=None))
    node._ag_comment = True
    return node


class ReverseTransformer:
    """Builds the gradient function of one normalized function."""

    def __init__(
        self,
        ctx: Context,
        fdef: gast.FunctionDef,
        wrt: list[str],
        *,
        program=None,
        seed: str = "seed",
        tape: str | None = None,
        facts=None,
    ):
        self.ctx = ctx
        self._helper_facts: dict[str, dict[str, Any]] = {}  # (see _helpers_with)
        self.facts = facts  # shape_facts.ShapeFacts of a specialised gradient, or None
        if facts is not None:
            _keep_arrays_as_they_are(fdef, facts, ctx)
        self.program = program
        self.tape = ctx.namer.fresh(tape) if tape else None
        self.fdef = fdef
        self.wrt = wrt
        self.seed = seed
        bound = names_in(fdef, (gast.Store,))
        self.primal_names = set(fdef._ag_params) | bound
        self.primal_names |= {c for st in walk_statements(fdef.body) if (c := getattr(st, "_ag_counter", None))}
        ret = fdef.body[-1]
        assert isinstance(ret, gast.Return)
        self.output = ret.value
        out_names = [self.output.id] if isinstance(self.output, gast.Name) else []
        self.activity = Activity(ctx, fdef, wrt, out_names)
        self.active = self.activity.active
        self.float_made = made_float(self.fdef)  # (arrays no store truncates: unchecked)
        refuse_caller_tape_reads(ctx, fdef, self.activity.useful)  # (a generated backward function)
        refuse_argument_writes(ctx, fdef, self.activity)
        self.merges = merge_checks(ctx, fdef, self.activity)  # (`p | q` of dicts: refused where it runs)
        loop_targets = {s.target.id for s in walk_statements(fdef.body) if isinstance(s, gast.For)}
        self.ints = integer_names(fdef, loop_targets)
        if facts is not None:  # (specialised code: a name the shape analysis knows to be one integer)
            self.ints |= {v for v in bound if facts.kind(v) == "i" and facts.shape(v) == ()}
        out_name = self.output.id if isinstance(self.output, gast.Name) else None
        self.scalars = shapes.scalar_names(fdef, out_name) if seed == "seed" and out_name else set()
        self.shape_classes = shapes.ShapeClasses(fdef)
        self.complex_names = complex_names(fdef, ctx)  # (their real operands' unbroadcast stays)
        self.adjoint_names: dict[str, str] = {}
        self.containers = self._container_names()
        self.listed: set[str] = set()  # names an adjoint that may be a list was given to (contribute)
        self.sites: list[Site] = []
        self.written_sites: set[str] = set()  # the names of the sites that write in place (setitem, append)
        self.contents_sites: dict[Pos, list[Site]] = {}  # what helpers called at a position write into
        self.site_index: dict[Pos, Site] = {}
        self.reads: list[tuple[str, Pos]] = []
        self.loops: set[Pos] = set()
        self.last_line: int | None = None
        self.user_calls: dict[int, tuple] = {}  # id(call) → (forward statement, plain call, fwd call)
        self._shared: tuple | None = None  # (names written in place, _shared_memory's answer for them)
        self.remat = self._rematerialized()  # position of `x = xs[k]` → that statement
        self.spelled = spelled_calls(fdef)  # id of `s = 1.0 / t3` → (logistic, "z"): see spellings.py
        self.sequence_ops = sequence_calls(fdef, facts)  # id of `zs = xs * 2` → repeated(xs, 2): sequences.py
        self.maybe_sequences = {  # (their unbroadcast stays: sequences.py; not arrays the facts know)
            n for n in possible_sequences(fdef) if facts is None or facts.slots(n) is not None or not facts.shape(n)
        }
        self.containers |= self.sequence_ops.names
        self._mask_classes: shapes.ShapeClasses | None = None
        self.masks = branch_masks(fdef, self._mask_fits)  # values that only build a branch of np.where
        self.chosen = {(z, i) for m in self.masks.values() for kind, z, i in m if kind == "select"}
        self.chosen_names: dict[tuple[str, int], str] = {}  # (z, operand) → its backward mask's name
        self.chosen_live: set[tuple[str, int]] = set()  # ...assigned by z's adjoint in this backward pass

    # ------------------------------------------------------------------------------- naming

    def bar(self, var: str) -> str:
        if var not in self.adjoint_names:
            self.adjoint_names[var] = self.ctx.namer.fresh(var + "_bar")
        return self.adjoint_names[var]

    def _helpers_with(self, fact: str) -> dict[str, Any]:
        """The run-time helpers that have `fact` (rules registry), by their names in generated
        code, with the fact's value (found once per transformer: the names do not change)."""
        known = self._helper_facts.get(fact)
        if known is None:
            known = self._helper_facts[fact] = {self.ctx.helper(h): v for h, v in runtime_facts(fact).items()}
        return known

    def helper(self, fname: str) -> gast.Name:
        return name(self.ctx.helper(fname))

    def call(self, fname: str, *args: gast.AST) -> gast.Call:
        return gast.Call(func=self.helper(fname), args=list(args), keywords=[])

    def _rematerialized(self) -> dict[Pos, gast.Assign]:
        """The loops' first statements `x = xs[k]` (k the loop's index) that the backward loop
        repeats at the start of each iteration instead of saving x: xs is never rebound, never
        written into (nor anything sharing its memory), and x is bound nowhere else."""
        if not any(isinstance(st, gast.For) for st in walk_statements(self.fdef.body)):
            return {}
        counts = assignment_counts(self.fdef)
        written = (
            frozenset(
                n.value.id
                for n in find(self.fdef, _SUBSCRIPT)
                if isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)
            )
            | frozenset(
                a[0] if (a := getattr(st, "_ag_append", None)) else _written_by_call(st)
                for st in walk_statements(self.fdef.body)
                if getattr(st, "_ag_append", None) or _written_by_call(st)
            )
            | frozenset(  # (and what helpers called write into)
                n
                for st in walk_statements(self.fdef.body)
                if isinstance(st, (gast.Assign, gast.Expr))
                for n in written_arguments(st.value)
            )
        )
        unsafe = sharing(self.fdef, written, both_ways=True)
        found: dict[Pos, gast.Assign] = {}

        def visit(body: list[gast.stmt], pos: Pos) -> None:
            for i, st in enumerate(body):
                p = pos + (i,)
                if isinstance(st, gast.If):
                    visit(st.body, p + (0,))
                    visit(st.orelse, p + (1,))
                elif isinstance(st, (gast.For, gast.While)):
                    visit(st.body, p + (0,))
                if not (isinstance(st, gast.For) and isinstance(st.target, gast.Name) and st.body):
                    continue
                first, k = st.body[0], st.target.id
                if not (isinstance(first, gast.Assign) and isinstance(first.targets[0], gast.Name)):
                    continue
                v, x = first.value, first.targets[0].id
                if not (
                    isinstance(v, gast.Subscript)
                    and isinstance(v.value, gast.Name)
                    and isinstance(v.slice, gast.Name)
                    and v.slice.id == k
                ):
                    continue
                xs = v.value.id
                inside = names_in(st, (gast.Store,))
                if counts.get(x) == 1 and counts.get(k) == 1 and counts.get(xs, 0) <= 1 and xs not in inside:
                    if not ({x, xs} & unsafe) and xs in self.primal_names | set(self.fdef._ag_params):
                        found[p + (0, 0)] = first

        visit(self.fdef.body, ())
        return found

    # ------------------------------------------------------------------------------ main

    def run(self) -> tuple[list[gast.stmt], list[gast.stmt], list[gast.AST]]:
        """(forward statements, backward statements, gradient expressions)."""
        body = self.fdef.body[:-1]
        forward = self.forward(body, ())
        state = State()
        backward: list[gast.stmt] = []
        if self.seed == "seed":
            refuse_tuple_output(self.ctx, self.fdef)
            # the output is 0-d exactly when these are: check them, so the output itself need not
            # be computed when only the gradient is wanted
            out = self.output
            leaves = shapes.scalar_check_leaves(self.fdef, out.id) if isinstance(out, gast.Name) else []
            checked = [name(v) for v in leaves] if isinstance(out, gast.Name) else [copy.deepcopy(out)]
            if self.facts is not None:  # specialised: leaves known to be 0-d need no check
                checked = [c for c in checked if not (isinstance(c, gast.Name) and self.facts.shape(c.id) == ())]
            if checked:
                forward.append(gast.Expr(value=self.call("check_scalar", *checked)))
        if isinstance(self.output, gast.Name) and self.output.id in self.active:
            out = self.output.id
            seed = gast.Constant(value=1.0, kind=None) if self.seed == "seed" else name(self.seed)
            backward.append(assign(self.bar(out), seed))
            state.init.add(out)
        backward += self.backward(body, (), state)
        grads = []
        indexed = {n.value.id for n in find(self.fdef, _SUBSCRIPT) if isinstance(n.value, gast.Name)}
        sequences = _sequence_reads(self.fdef) if self.facts is None else set()  # (general code: see below)
        for w in self.wrt:
            if w not in state.init and any(site.var == w for site in self.sites):
                # reassigned: at the end the name holds another value, so the zero gradient is
                # shaped from the argument, before the forward pass changes it
                zero = self.ctx.namer.fresh(w + "_zero")
                self.primal_names.add(zero)  # a residual, when a backward function returns it
                forward.insert(0, assign(zero, self.call("zeros_like", name(w))))
                grads.append(name(zero))
            elif w not in state.init:
                grads.append(self.call("zeros_like", name(w)))
            elif (
                w in indexed
                or w in self.containers
                or w in getattr(self.fdef, "_ag_as_arrays", ())
                or (self.facts is not None and self.facts.slots(w) is not None)
                or w in sequences
            ):
                # (a tuple's adjoint is built as a list; a list NumPy read as an array has an array's,
                # and so has one specialised code knows is a list, or general code sees read as a
                # sequence (`max(xs)`, `for x in xs`), read by NumPy's functions too)
                grads.append(self.call("match_structure", name(self.bar(w)), name(w)))
            else:
                grads.append(name(self.bar(w)))
        self._drop_unused_choices(backward)
        self.finish_sites(forward, backward)
        return forward, backward, grads

    def _drop_unused_choices(self, backward: list[gast.stmt]) -> None:
        """Remove the masks `x_chosen = x >= y` no contribution needed (it kept its zeros)."""
        made = set(self.chosen_names.values())
        if not made:
            return
        read = names_read(backward)
        unused = made - read

        def prune(body: list[gast.stmt]) -> list[gast.stmt]:
            kept = []
            for st in body:
                if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and st.targets[0].id in unused:
                    continue
                for block in ("body", "orelse"):
                    if isinstance(getattr(st, block, None), list):
                        setattr(st, block, prune(getattr(st, block)))
                kept.append(st)
            return kept

        backward[:] = prune(backward)

    # ------------------------------------------------------------------------- forward pass

    def forward(self, body: list[gast.stmt], pos: Pos) -> list[gast.stmt]:
        out = []
        for i, s in enumerate(body):
            p = pos + (i,)
            s = copy.copy(s)
            if isinstance(s, gast.Assign):
                target = s.targets[0]
                if isinstance(target, gast.Name):
                    out += self._save_contents(s, p)  # (what a helper called here writes into: put back)
                    self.forward_user_call(s)
                    site = self.add_site(target.id, p, "assign", s)
                    if ambiguous(self.sequence_ops, body[i], self.active):  # (`ys + x`: no join where it runs)
                        out.append(elementwise_check(self.ctx, s))
                    if id(body[i]) in self.merges:
                        out.append(self.merges[id(body[i])])
                else:
                    site = self.add_site(target.value.id, p, "setitem", s)
                    if (
                        isinstance(s.value, gast.Name)
                        and s.value.id in self.active
                        and target.value.id not in self.float_made
                    ):
                        out.append(float_store_check(self.ctx, s))  # (an integer array would truncate it)
                out += [site.save, s]
            elif getattr(s, "_ag_append", None):
                site = self.add_site(s._ag_append[0], p, "append", s)
                out += [site.save, s]
            elif (written := _written_by_call(s)) is not None:  # (`np.copyto(a, v)`: all of a, as `a[...] = v`)
                site = self.add_site(written, p, "setitem", s)
                out += [site.save, s]
            elif (held := _written_by_call(s, through_items=True)) is not None:  # (`np.copyto(m[1], v)`: all of m)
                site = self.add_site(held, p, "contents", s)
                out += [site.save, s]
            elif isinstance(s, gast.Expr) and written_arguments(s.value):  # (a helper writing into its arguments)
                out += self._save_contents(s, p) + [s]
            elif isinstance(s, gast.If):
                s.body = self.forward(s.body, p + (0,))
                s.orelse = self.forward(s.orelse, p + (1,))
                out.append(s)
            elif isinstance(s, (gast.For, gast.While)):
                self.loops.add(p)
                counter = getattr(s, "_ag_counter", None)
                s.body = self.forward(s.body, p + (0,))
                if isinstance(s, gast.For):
                    site = self.add_site(s.target.id, p, "loop", s)
                    out.append(site.save)
                if counter:
                    site = self.add_site(counter, p, "loop", s)
                    out += [site.save, assign(counter, gast.Constant(value=0, kind=None), s)]
                    inc = assign(
                        counter,
                        gast.BinOp(left=name(counter), op=gast.Add(), right=gast.Constant(value=1, kind=None)),
                        s,
                    )
                    if isinstance(s, gast.While) and s._ag_test_stmts:
                        branch = s.body[-1]  # `if test: <body> else: break`
                        branch.body = [inc] + branch.body
                    else:
                        s.body = [inc] + s.body
                out.append(s)
            else:
                out.append(s)
        return out

    def user_call(self, target: str, value: gast.AST, where: gast.AST | None = None):
        """(pair, {parameter: atom}) if `target = value` calls a user function on active values."""
        fn = getattr(value, "_ag_fn", None) if isinstance(value, gast.Call) else None
        if fn is None or self.program is None or not is_user_function(fn) or _ruled(fn):
            return None
        if target not in self.active:
            return None
        try:
            bound = inspect.signature(fn).bind(*value.args, **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            raise self.ctx.parsed.error(f"this call does not match {fn.__name__}'s parameters ({exc})", value) from None
        refuse_active_star_argument(self.ctx, fn, bound.arguments, self.active, where or value)
        active = tuple(p for p, a in bound.arguments.items() if isinstance(a, gast.Name) and a.id in self.active)
        if not active:
            return None
        return self.program.pair(fn, active), bound.arguments

    def forward_user_call(self, s: gast.Assign) -> None:
        found = self.user_call(s.targets[0].id, s.value, s)
        if found is None:
            return
        pair, _ = found
        call = copy.copy(s.value)
        call.func = name(self.ctx.global_ref(pair.fwd_name, pair.fwd))
        call.args = [name(self.tape_name())] + list(call.args)
        self.user_calls[id(s.value)] = (s, s.value, call)  # see reverse_assign
        s.value = call

    def reverse_user_call(self, target: str, value: gast.AST, found, stmt, p: Pos, state: State) -> list[gast.stmt]:
        pair, arguments = found
        bwd = name(self.ctx.global_ref(pair.bwd_name, pair.bwd))
        call = gast.Call(func=bwd, args=[name(self.tape_name()), name(self.bar(target))], keywords=[])
        # the helper's tape holds its arguments (and views of them) as they were at the call: an
        # array written in place after the call must be put back before the helper's backward runs
        self.record_reads([a for a in arguments.values() if isinstance(a, gast.Name)], p)
        if len(pair.active) == 1:  # accumulate the call's result directly
            param = pair.active[0]
            code = [self.contribute(arguments[param].id, call, state, stmt, structural=True)]
            state.init.discard(target)
            state.owned.discard(target)
            self.record_reads(code, p)
            return code
        parts = [self.ctx.namer.numbered("t") for _ in pair.active]
        code = [assign(gast.Tuple(elts=[name(t, gast.Store()) for t in parts], ctx=gast.Store()), call, stmt)]
        for param, part in zip(pair.active, parts):
            code.append(self.contribute(arguments[param].id, name(part), state, stmt, structural=True))
        state.init.discard(target)
        state.owned.discard(target)
        self.record_reads(code, p)
        return code

    def _save_contents(self, s: gast.stmt, p: Pos) -> list[gast.stmt]:
        """The saves of what the helper the statement `s` calls writes into (its arguments that
        are names): the backward pass puts their contents back where it passes `s`, as for `a[i] = v`."""
        saves = []
        for var in sorted(written_arguments(s.value)):
            site = self.add_site(var, p, "contents", s)
            saves.append(site.save)
        return saves

    def add_site(self, var: str, pos: Pos, kind: str, node: gast.AST) -> Site:
        site = Site(var, pos, kind, node)
        site.save = _marker("save", site)
        site.restore = _marker("restore", site)
        self.sites.append(site)
        if kind in ("setitem", "append", "contents"):
            self.written_sites.add(var)
        if kind == "contents":  # (several at one statement, besides its own site: restored after it)
            self.contents_sites.setdefault(pos, []).append(site)
        elif kind != "loop":
            self.site_index[pos] = site
        return site

    # ------------------------------------------------------------------------ backward pass

    def backward(self, body: list[gast.stmt], pos: Pos, state: State) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for i in reversed(range(len(body))):
            s = body[i]
            p = pos + (i,)
            code = self.reverse_statement(s, p, state)
            if code:
                line = getattr(s, "lineno", None)
                real = [c for c in code if not hasattr(c, "_ag_marker")]
                if (
                    real
                    and line is not None
                    and line != self.last_line
                    and not isinstance(s, (gast.For, gast.While, gast.If))
                ):
                    text = self.ctx.parsed.line_text(s)
                    out.append(comment(f"line {self.ctx.parsed.abs_line(s)}: {text}"))
                    self.last_line = line
                out += code
        return out

    def reverse_statement(self, s: gast.stmt, p: Pos, state: State) -> list[gast.stmt]:
        contents = [site.restore for site in self.contents_sites.get(p, ())]  # (what a helper wrote into)
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            site = self._site_at(p)
            if isinstance(target, gast.Name):
                code = self.reverse_assign(target.id, s.value, s, p, state)
            else:
                code = self.reverse_setitem(target, s.value, s, p, state)
            return code + [site.restore] + contents
        if contents:
            return contents
        if getattr(s, "_ag_append", None):
            return self.reverse_append(s, p, state)
        if isinstance(s, gast.Expr) and p in self.site_index:  # (a writer's: what it wrote over, put back)
            return [self.site_index[p].restore]
        if isinstance(s, gast.If):
            return self.reverse_if(s, p, state)
        if isinstance(s, gast.For):
            return self.reverse_for(s, p, state)
        if isinstance(s, gast.While):
            return self.reverse_while(s, p, state)
        return []

    def _site_at(self, p: Pos) -> Site:
        return self.site_index[p]

    def record_reads(self, stmts: list[gast.AST], p: Pos) -> None:
        views = getattr(self.fdef, "_ag_views", {})
        shared = self._shared_memory()
        for st in stmts:
            for n in loads(st):
                if n in self.primal_names:
                    self.reads.append((n, p))
                    for base in views.get(n, ()):  # a view or alias: writes into its base change it too
                        if base in self.primal_names:  # (a view of a global array is no local to save)
                            self.reads.append((base, p))
                    for other in shared.get(n, ()):  # `b = t; b[i] = v` changes t too
                        self.reads.append((other, p))

    def _shared_memory(self) -> dict[str, set[str]]:
        """name → the names written in place (x[i] = v, appends) that may be the same object:
        linked by plain copies `a = b` and views, in either direction."""
        written = frozenset(self.written_sites)  # (the names as they are now: the answer is kept for them)
        if not written:
            return {}
        if self._shared is not None and self._shared[0] == written:
            return self._shared[1]
        links: dict[str, set[str]] = {}
        for st in walk_statements(self.fdef.body):
            if isinstance(st, gast.Assign) and isinstance(st.targets[0], gast.Name) and isinstance(st.value, gast.Name):
                a, b = st.targets[0].id, st.value.id
                links.setdefault(a, set()).add(b)
                links.setdefault(b, set()).add(a)
        for alias, bases in getattr(self.fdef, "_ag_views", {}).items():
            for b in bases:
                links.setdefault(alias, set()).add(b)
                links.setdefault(b, set()).add(alias)
        shared: dict[str, set[str]] = {}
        for start in links:
            seen, work = {start}, [start]
            while work:
                for m in links.get(work.pop(), ()):
                    if m not in seen:
                        seen.add(m)
                        work.append(m)
            hits = (seen - {start}) & written
            if hits:
                shared[start] = hits
        self._shared = (written, shared)
        return shared

    # --- assignments ----------------------------------------------------------------------------

    def reverse_assign(self, target: str, value: gast.AST, stmt: gast.stmt, p: Pos, state: State) -> list[gast.stmt]:
        if id(value) in self.user_calls:  # a helper call: its forward function saves what its backward reads
            fwd_stmt, plain, fwd_call = self.user_calls[id(value)]
            no_adjoint = target not in self.active or target not in state.init
            fwd_stmt.value = plain if no_adjoint else fwd_call  # no backward call: the plain call, nothing saved
        self.chosen_live -= {(target, 0), (target, 1)}
        if target not in self.active or target not in state.init:
            state.init.discard(target)
            return []
        fn = primitive(value)
        args = operands(value)
        if id(stmt) in self.spelled and target not in self.complex_names:
            # the last statement of a known function's spelling (`s = 1.0 / t3` of 1 / (1 + e^-z)):
            # differentiated as that function's call on z; the run's temporaries get no adjoint
            value = as_call(self.spelled[id(stmt)])
            fn, args = primitive(value), operands(value)
        if id(stmt) in self.sequence_ops.calls and (call := sequence_op(self.sequence_ops, stmt)) is not None:
            value = call
            fn, args = primitive(value), operands(value)
        if fn is runtime.pop:  # a gradient's own tape: its values' adjoints would need a tape of their own
            raise self.ctx.parsed.error(
                f"reverse mode through a gradient's saved values (`{target}` restored from its tape) is not "
                "supported: the adjoint of a value it saved (in a loop, or before a branch) would be lost",
                stmt,
                hint="differentiate the gradient in forward mode: astgrad.hessian(f), or "
                "grad(..., mode='forward') for the outer derivative",
            )
        if fn is tuple:
            return self.reverse_display(target, value, stmt, p, state)
        rule = rules.lookup(fn) if fn is not None else None
        if fn is None or (rule is not None and not rule.differentiable):
            state.init.discard(target)
            return []
        active_args = [a for a in args if isinstance(a, gast.Name) and a.id in self.active]
        if not active_args:
            state.init.discard(target)
            return []
        if rule is None or rule.through_source is True:
            found = self.user_call(target, value, stmt)
            if found is not None:
                return self.reverse_user_call(target, value, found, stmt, p, state)
        if rule is None or rule.adjoint is None:
            raise self.no_rule(fn, value, stmt)
        if isinstance(value, gast.Call):
            pos_args = list(value.args)
            keywords = {k.arg: k.value for k in value.keywords}
        elif isinstance(value, gast.Subscript):
            pos_args, keywords = [value.value, value.slice], {}
        else:
            pos_args, keywords = args, {}
        try:
            bound = Bound(rule.adjoint, name(target), pos_args, keywords, self.ctx, fn)
        except TemplateMismatch as exc:
            raise self.ctx.parsed.error(
                f"the derivative rule of `{_fn_name(fn)}` does not accept this call ({exc})", stmt
            ) from None
        for param, form in rule.adjoint.constant_forms.items() if self._saves_reads(p) else ():
            c = bound.mapping.get(param)
            if isinstance(c, gast.Constant) and type(c.value) in (int, float) and c.value != 0:
                bound = Bound(form, name(target), pos_args, keywords, self.ctx, fn)
                break
        refused = refused_parameter(rule, "adjoint", bound, self.active)
        if refused is not None:
            message, hint = refusal_message(fn, refused)
            raise self.ctx.parsed.error(message, stmt, hint=hint)
        code: list[gast.stmt] = []
        role: dict[str, gast.AST | None] = {rule.adjoint.params[0] + "_bar": name(self.bar(target))}
        for param, node in bound.mapping.items():
            if param == rule.adjoint.params[0]:
                continue
            active = isinstance(node, gast.Name) and node.id in self.active
            role[param + "_bar"] = name(self.bar(node.id)) if active else None
        if fn is operator.getitem and self.try_inplace_index(target, value, state, code, p):
            state.init.discard(target)
            return code
        if fn in SELECTIONS:
            code += self._chosen_masks(target, fn, value)
        for placeholder, expr, temps in bound.statements(role):
            if placeholder is None:
                code.append(assign(temps[0], expr, stmt))
                continue
            node = role.get(placeholder)
            if node is None:
                continue
            var = bound.mapping[placeholder[: -len("_bar")]].id
            if rule.elementwise and target in self.masks:
                expr = self._masked(expr, target)
            # the helpers the two rewrites below look for (what the first leaves is part of what it was given)
            called = {c.func.id for c in find(expr, _CALL) if c.func.__class__ is gast.Name}
            if rule.elementwise and target not in self.complex_names:  # (it takes a real operand's real part)
                if self.ctx.helper("unbroadcast") in called:
                    expr = self._drop_unbroadcast(expr, target)
            if not called.isdisjoint(self._helpers_with("reads_shape_of")):
                expr = self._shape_from_earliest(expr)
            # (an adjoint passed on as it is, `ys = xs`: a list where xs holds one, which `+` would
            # join to xs_bar, not add)
            code.append(self.contribute(var, expr, state, stmt, structural=rule.passes_adjoint))
        state.init.discard(target)
        state.owned.discard(target)
        self.record_reads(code, p)
        return code

    def _saves_reads(self, p: Pos) -> bool:
        """Whether what the backward pass reads of the statement at p is saved: it is in a loop, or
        in a helper whose backward function takes its residuals from the tape. (Elsewhere a rule's
        constant form gains nothing, and the general one may cancel against its neighbours:
        the logistic loss's `p_bar = c / p` times `p / (1 + e^-u)`.)"""
        return self.seed != "seed" or any(p[:k] in self.loops for k in range(1, len(p)))

    def _mask_fits(self, c: str, v: str) -> bool:
        """Whether condition c provably broadcasts into v's shape (see branch_masks)."""
        if self.facts is not None:
            cs, vs = self.facts.shape(c), self.facts.shape(v)
            if cs is not None and vs is not None:
                try:
                    return np.broadcast_shapes(cs, vs) == tuple(vs)
                except ValueError:
                    return False
        if self._mask_classes is None:  # (integers broadcast like constants: `x > i`, `x - i` are x's shape)
            self._mask_classes = shapes.ShapeClasses(self.fdef, frozenset(self.ints))
        return self._mask_classes.same(c, v) or c in self.scalars or c in self.ints

    def _chosen_masks(self, z: str, fn, value: gast.AST) -> list[gast.stmt]:
        """`x_chosen = x >= y` for the operands of `z = np.maximum(x, y)` whose masks are used."""
        code = []
        for i, op in enumerate(SELECTIONS[fn]):
            if (z, i) not in self.chosen:
                continue
            key = (z, i)
            if key not in self.chosen_names:
                operand = value.args[i]
                base = operand.id if isinstance(operand, gast.Name) else z
                self.chosen_names[key] = self.ctx.namer.fresh(base + "_chosen")
            test = gast.Compare(
                left=copy.deepcopy(value.args[0]),
                ops=[gast.GtE() if op == ">=" else gast.LtE()],
                comparators=[copy.deepcopy(value.args[1])],
            )
            code.append(assign(self.chosen_names[key], test))
            self.chosen_live.add(key)
        return code

    def _masked(self, expr: gast.AST, target: str) -> gast.AST:
        """A contribution of `target`'s statement, which only builds a branch of np.where, made
        0 where the branch is not selected (unless it is 0 there anyway): 0 * inf stays 0."""
        numpy, adjoint = self.ctx.numpy_name(), self.bar(target)
        mask = []
        for kind, c, flag in sorted(self.masks[target]):
            if kind == "where":
                mask.append((c, bool(flag)))
            elif (c, flag) in self.chosen_live:  # (a maximum whose adjoint ran in this pass)
                mask.append((self.chosen_names[(c, flag)], False))
        if not mask:
            return expr
        call = expr
        if (
            isinstance(call, gast.Call)
            and isinstance(call.func, gast.Name)
            and call.func.id == self.ctx.helper("unbroadcast")
        ):
            if not keeps_zero(call.args[0], adjoint, numpy, self._bounded):
                call.args[0] = masked(call.args[0], mask, numpy)
            return call
        return expr if keeps_zero(expr, adjoint, numpy, self._bounded) else masked(expr, mask, numpy)

    def _bounded(self, expr: gast.AST) -> bool:
        """A call of a run-time helper whose values are all finite (the registry's `bounded`)."""
        if not (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)):
            return False
        helper = self.ctx.extra_globals.get(expr.func.id)
        return helper is not None and bool(getattr(rules.lookup(helper), "bounded", False))

    def _shape_from_earliest(self, expr: gast.AST) -> gast.AST:
        """Helpers that read only the shape of their second argument read it from the earliest
        name of its shape class, so the later array need not be kept (or computed at all)."""
        return _Earliest(self._helpers_with("reads_shape_of"), self.shape_classes, self._known_size).visit(expr)

    def _known_size(self, call: gast.Call) -> int | None:
        """The value of `reduce_size(x, axis)` if the specialisation knows x's shape."""
        if self.facts is None or not isinstance(call.args[0], gast.Name):
            return None
        shape = self.facts.shape(call.args[0].id)
        axis = call.args[1] if len(call.args) > 1 else gast.Constant(value=None, kind=None)
        if shape is None or not isinstance(axis, gast.Constant):
            return None
        if axis.value is None:
            return int(np.prod(shape))
        if isinstance(axis.value, int) and -len(shape) <= axis.value < len(shape):
            return shape[axis.value]
        return None

    def _same_known_shape(self, a: str, b: gast.AST) -> bool:
        if self.facts is None or not isinstance(b, gast.Name):
            return False
        shape = self.facts.shape(a)
        return shape is not None and shape == self.facts.shape(b.id)

    def _drop_unbroadcast(self, expr: gast.AST, target: str) -> gast.AST:
        """`unbroadcast(g, x)` is `g` when x provably has the shape of the result (both 0-d, or
        one shape class, or one shape in a specialised gradient): no broadcasting happened."""
        drop = _DropUnbroadcast(self.ctx.helper("unbroadcast"), target, target in self.scalars, self)
        return drop.visit(expr)

    def _makes_container(self, expr: gast.AST) -> bool:
        if isinstance(expr, (gast.ListComp, gast.List, gast.Tuple, gast.Dict)):
            return True
        containers = self._helpers_with("makes_list")
        return isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and expr.func.id in containers

    def _container_names(self) -> set[str]:
        """Names that may hold a tuple, list or dict (their adjoints are summed with add_adjoints)."""
        out = set()
        for s in walk_statements(self.fdef.body):
            if getattr(s, "_ag_append", None):
                out.add(s._ag_append[0])
            elif isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                if primitive(s.value) is tuple or isinstance(s.value, gast.List):
                    out.add(s.targets[0].id)
                elif (
                    isinstance(s.value, gast.Subscript)
                    and isinstance(s.value.slice, gast.Constant)
                    and isinstance(s.value.slice.value, str)
                    and isinstance(s.value.value, gast.Name)
                ):
                    out.add(s.value.value.id)  # d["key"]: d is a dict
        # a copy of a container, and what a container copies, hold one: `qs = ps.copy()`, `a = b`
        copies = [
            (s.targets[0].id, s.value.args[0].id if isinstance(s.value, gast.Call) else s.value.id)
            for s in walk_statements(self.fdef.body)
            if isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name)
            and (
                isinstance(s.value, gast.Name)
                or primitive(s.value) is runtime.copy_of
                and isinstance(s.value.args[0], gast.Name)
            )
        ]
        grown = True
        while grown:
            grown = False
            for a, b in copies:
                if (a in out) != (b in out):
                    out |= {a, b}
                    grown = True
        return out

    def reverse_display(self, target: str, value: gast.AST, stmt, p: Pos, state: State) -> list[gast.stmt]:
        """`t = (a, b)`, `[a, b]`, `{"k": a}`: each element's adjoint is its entry of t_bar."""
        if isinstance(value, gast.Dict):
            entries = list(zip(value.keys, value.values))
        else:
            entries = [(gast.Constant(value=i, kind=None), e) for i, e in enumerate(value.elts)]
        code = []
        for key, elt in entries:
            if isinstance(elt, gast.Name) and elt.id in self.active:
                part = gast.Subscript(value=name(self.bar(target)), slice=copy.deepcopy(key), ctx=gast.Load())
                code.append(self.contribute(elt.id, part, state, stmt, structural=True))
        state.init.discard(target)
        state.owned.discard(target)
        self.record_reads(code, p)
        return code

    def reverse_append(self, s: gast.Expr, p: Pos, state: State) -> list[gast.stmt]:
        """`xs.append(v)`: v's adjoint is the last entry of xs_bar, which then shrinks."""
        lst, item = s._ag_append
        code: list[gast.stmt] = []
        if lst in self.active and lst in state.init:
            last = gast.Subscript(
                value=name(self.bar(lst)),
                slice=gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=1, kind=None)),
                ctx=gast.Load(),
            )
            if isinstance(item, gast.Name) and item.id in self.active:
                code.append(self.contribute(item.id, last, state, s, structural=True))
            rest = gast.Subscript(
                value=name(self.bar(lst)),
                slice=gast.Slice(
                    lower=None, upper=gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=1, kind=None)), step=None
                ),
                ctx=gast.Load(),
            )
            if lst not in state.owned:  # (an array's rest is a view: of a buffer only we hold, to write into)
                code.append(assign(self.bar(lst), self.call("owned_copy", name(self.bar(lst))), s))
            code.append(assign(self.bar(lst), rest, s))
            state.owned.add(lst)
        self.record_reads(code, p)
        return code + [self.site_index[p].restore]

    def contribute(
        self, var: str, expr: gast.AST, state: State, loc: gast.AST | None = None, structural: bool = False
    ) -> gast.stmt:
        """`var_bar = expr` for the first contribution, `var_bar = var_bar + expr` after
        (`add_adjoints(var_bar, expr)` where either side may be a tuple, list or dict)."""
        adj = self.bar(var)
        made = self._makes_container(expr)
        # (once an adjoint that may be a list is given to var, `+` of another one could join them)
        known = structural and self.facts is not None and self.facts.shape(var) is not None  # (an array or number)
        structural = structural or var in self.containers or made or var in self.listed
        if made or structural and not known:  # (a list where var holds one: a helper's, a copy's adjoint)
            self.listed.add(var)
        if var in state.init:
            if structural:
                total = self.call("add_adjoints", name(adj), expr)
            else:
                total = gast.BinOp(left=name(adj), op=gast.Add(), right=expr)
            stmt = assign(adj, total, loc)
            state.owned.add(var)
        else:
            stmt = assign(adj, expr, loc)
            state.init.add(var)
            state.owned.discard(var)
        return stmt

    def basic_index(self, index: gast.AST) -> bool:
        """Whether an index selects without integer/boolean arrays (so `+=` cannot collide)."""
        if isinstance(index, gast.Tuple):
            return all(self.basic_index(e) for e in index.elts)
        if isinstance(index, gast.Slice):
            return all(self.basic_index(e) for e in (index.lower, index.upper, index.step) if e is not None)
        if isinstance(index, gast.Constant):
            return index.value is None or index.value is Ellipsis or type(index.value) is int
        if is_constant(index):  # -1, 2 - 1: a number (tuples are handled above)
            return True
        return isinstance(index, gast.Name) and index.id in self.ints

    def try_inplace_index(
        self, target: str, value: gast.Subscript, state: State, code: list[gast.stmt], p: Pos
    ) -> bool:
        """Accumulate the adjoint of `y = x[i]` into x_bar[i] in place when that is safe."""
        base = value.value
        if not (isinstance(base, gast.Name) and base.id in self.active):
            return False
        var, adj, g = base.id, self.bar(base.id), name(self.bar(target))
        basic = self.basic_index(value.slice)
        if var in state.init and var not in state.owned:
            return False  # x_bar may be shared: accumulate out of place
        if var not in state.init:
            code.append(assign(adj, self.call("zeros_like", name(var))))
            state.init.add(var)
            state.owned.add(var)
            if basic:
                code.append(
                    assign(gast.Subscript(value=name(adj), slice=copy.deepcopy(value.slice), ctx=gast.Store()), g)
                )
                self.record_reads(code, p)
                return True
        known_array = self.facts is not None and bool(self.facts.shape(var)) and var not in self.containers
        # (no adjoint shares a number; a slice of a list is a list, which `+=` would extend)
        numbers = self.facts is not None and self.facts.item_shape(var) == () and not _slices(value.slice)
        # a list's item is an adjoint other names may hold: a new sum, not += (a number: the same)
        if basic and not known_array and not numbers:
            element = gast.Subscript(value=name(adj), slice=copy.deepcopy(value.slice), ctx=gast.Load())
            total = self.call("add_adjoints", element, g)
            slot = gast.Subscript(value=name(adj), slice=copy.deepcopy(value.slice), ctx=gast.Store())
            code.append(assign(slot, total))
        elif basic:
            code.append(
                gast.AugAssign(
                    target=gast.Subscript(value=name(adj), slice=copy.deepcopy(value.slice), ctx=gast.Store()),
                    op=gast.Add(),
                    value=g,
                )
            )
        else:
            code.append(assign(adj, self.call("add_at", name(adj), as_value(copy.deepcopy(value.slice), self.ctx), g)))
        self.record_reads(code, p)
        return True

    def reverse_setitem(
        self, target: gast.Subscript, value: gast.AST, stmt: gast.stmt, p: Pos, state: State
    ) -> list[gast.stmt]:
        var = target.value.id
        if var not in self.active or var not in state.init:
            return []
        code: list[gast.stmt] = []
        adj = self.bar(var)
        index = target.slice
        after: list[gast.stmt] = []
        if isinstance(value, gast.Name) and value.id in self.active:
            part = gast.Subscript(value=name(adj), slice=copy.deepcopy(index), ctx=gast.Load())
            if self.basic_index(index):  # a view into var_bar, which is zeroed below: copy it
                part = self.call("copy_of", part)
            else:  # index arrays may select an element twice: only the last write stays
                part = self.call("written_part", name(adj), as_value(copy.deepcopy(index), self.ctx))
            if value.id == var:  # `x[::-1] = x`: the old x's adjoint is its kept part's and what the write read
                held = self.ctx.namer.fresh(var + "_written_bar")
                code.append(assign(held, part, stmt))
                after.append(self.contribute(var, self.call("unbroadcast", name(held), value), state, stmt))
            else:  # (an item of a list or dict may be a list itself: its adjoint is added item by item)
                stored = var in self.containers or var in self.listed
                code.append(
                    self.contribute(value.id, self.call("unbroadcast", part, value), state, stmt, structural=stored)
                )
        # the overwritten elements of the old `var` received nothing from this statement on
        if var not in state.owned:
            code.append(assign(adj, self.call("owned_copy", name(adj))))
            state.owned.add(var)
        zero: gast.AST = gast.Constant(value=0.0, kind=None)
        if isinstance(index, gast.Slice) and (var in self.containers or var in self.listed):
            # (a slice of a list takes a list: its items' zeros)
            zero = self.call("zeros_like", gast.Subscript(value=name(adj), slice=copy.deepcopy(index), ctx=gast.Load()))
        code.append(assign(gast.Subscript(value=name(adj), slice=copy.deepcopy(index), ctx=gast.Store()), zero))
        code += after
        self.record_reads(code, p)
        return code

    def no_rule(self, fn, value, stmt):
        what = rules.registry.display_name(fn) if fn is not None else _fn_name(fn)
        note = getattr(rules.lookup(fn), "note", "")
        return self.ctx.parsed.error(
            f"no derivative rule for `{what}`" + (f" ({note})" if note else ""),
            stmt,
            hint=f"register one with @astgrad.adjoint({what}) (see the README), or wrap the "
            "argument in astgrad.stop_gradient if no derivative should flow through it",
        )

    # --- control flow ---------------------------------------------------------------------------

    def reverse_if(self, s: gast.If, p: Pos, state: State) -> list[gast.stmt]:
        states = [state.copy(), state.copy()]
        branches = [self.backward(s.body, p + (0,), states[0]), self.backward(s.orelse, p + (1,), states[1])]
        init = states[0].init | states[1].init
        for st, branch in zip(states, branches):
            for var in sorted(init - st.init):
                if self._surely_defined_at(var, p):
                    branch.append(assign(self.bar(var), self.call("zeros_like", name(var))))
                    st.owned.add(var)
                else:  # `var` may never have been assigned on this path: a scalar zero (broadcasts),
                    # or a container's None (add_adjoints' zero: 0.0 would be added to its dict or list)
                    zero = None if var in self.containers else 0.0
                    branch.append(assign(self.bar(var), gast.Constant(value=zero, kind=None)))
            self.record_reads(branch, p)
        state.init = init
        state.owned = states[0].owned & states[1].owned
        if not any(b for b in branches):
            return []
        test = copy.deepcopy(s.test)
        self.record_reads([test], p)
        body, orelse = branches
        if not self._real(body) and self._real(orelse):  # `if not c:` reads better than an empty branch
            test, body, orelse = gast.UnaryOp(op=gast.Not(), operand=test), orelse, body
        node = gast.copy_location(gast.If(test=test, body=body or [gast.Pass()], orelse=orelse), s)
        return [comment(f"line {self.ctx.parsed.abs_line(s)}: {self.ctx.parsed.line_text(s)}"), node]

    def _surely_defined_at(self, var: str, p: Pos) -> bool:
        """Whether `var` holds a value when the statement at `p` starts (a parameter, or assigned
        by a statement that runs before it)."""
        if var in self.fdef._ag_params:
            return True
        return any(site.var == var and _before(site.pos, p) and not _in_branch(site.pos) for site in self.sites)

    @staticmethod
    def _real(stmts: list[gast.stmt]) -> bool:
        return any(not hasattr(s, "_ag_marker") for s in stmts)

    def loop_state(
        self, body: list[gast.stmt], block: Pos, state: State
    ) -> tuple[State, list[gast.stmt], list[gast.stmt] | None, State | None]:
        """The adjoints the backward loop body expects initialized at every iteration's start,
        and the statements that zero, before the loop, those not initialized yet; with them the
        backward body made from that start and the state it ends in (the last trial's, which is
        that body: it is not made again), or None for both where it must be.

        An adjoint still initialized at the end of a backward iteration belongs to a value the
        previous forward iteration produced (a loop-carried value, or an accumulator such as the
        adjoint of a weight used in every iteration), so it must be initialized at the start too."""
        extra: set[str] = set()
        while True:
            start = state.copy()
            start.init |= extra
            start.owned |= extra
            probe = start.copy()
            saved = (len(self.reads), self.last_line, dict(self.ctx.namer._counters))
            code = self.backward(body, block, probe)
            needed = probe.init - start.init
            if not needed:
                break
            del self.reads[saved[0] :]
            self.last_line = saved[1]
            self.ctx.namer._counters = saved[2]
            extra |= needed
        pre = [assign(self.bar(v), self.call("zeros_like", name(v))) for v in sorted(extra - state.init)]
        tried = start
        start = state.copy()
        start.init |= extra
        start.owned |= extra - state.init
        if (tried.init, tried.owned) == (start.init, start.owned):
            return start, pre, code, probe
        del self.reads[saved[0] :]  # (made from another start: made again)
        self.last_line = saved[1]
        self.ctx.namer._counters = saved[2]
        return start, pre, None, None

    def close_loop(self, body_code: list[gast.stmt], start: State, end: State, block: Pos) -> None:
        """Re-establish, at the end of a backward iteration, every adjoint the next expects."""
        zeros = [assign(self.bar(var), self.call("zeros_like", name(var))) for var in sorted(start.init - end.init)]
        self.record_reads(zeros, block + (0,))  # (what a helper's backward function must be handed)
        body_code += zeros
        end.init |= start.init

    def reverse_for(self, s: gast.For, p: Pos, state: State) -> list[gast.stmt]:
        start, pre, body, end = self.loop_state(s.body, p + (0,), state)
        self.record_reads(pre, p)
        if body is None:
            end = start.copy()
            body = self.backward(s.body, p + (0,), end)
        self.close_loop(body, start, end, p + (0,))
        owned_lost = start.owned - end.owned
        if owned_lost:  # not owned on every iteration: redo assuming it never is
            start.owned -= owned_lost
            end = start.copy()
            body = self.backward(s.body, p + (0,), end)
            self.close_loop(body, start, end, p + (0,))
        state.init, state.owned = start.init, start.owned & end.owned
        loop_site = [x for x in self.sites if x.pos == p and x.kind == "loop"]
        restores = [x.restore for x in loop_site]
        if not body:
            return pre + restores
        again = self.remat.get(p + (0, 0))
        if again is not None and again.targets[0].id in {v for v, r in self.reads if r[: len(p)] == p}:
            read_again = assign(again.targets[0].id, copy.deepcopy(again.value), again)
            self.record_reads([read_again.value], p + (0, 0))
            body = [read_again] + body
        iterable = copy.deepcopy(s.iter)
        counter = getattr(s, "_ag_counter", None)
        if counter:
            iterable = gast.Subscript(
                value=iterable, slice=gast.Slice(lower=None, upper=name(counter), step=None), ctx=gast.Load()
            )
        rev = gast.Call(func=name(self.ctx.global_ref("reversed", reversed)), args=[iterable], keywords=[])
        self.record_reads([rev], p)
        loop = gast.For(target=name(s.target.id, gast.Store()), iter=rev, body=body, orelse=[], type_comment=None)
        gast.copy_location(loop, s)
        return pre + [comment(f"line {self.ctx.parsed.abs_line(s)}: {self.ctx.parsed.line_text(s)}"), loop] + restores

    def reverse_while(self, s: gast.While, p: Pos, state: State) -> list[gast.stmt]:
        inner = s.body[-1].body if s._ag_test_stmts else s.body
        inner_pos = p + (0, len(s.body) - 1, 0) if s._ag_test_stmts else p + (0,)
        # positions inside `inner` are nested one level deeper in the `while True` form
        start, pre, body, end = self.loop_state(inner, inner_pos, state)
        self.record_reads(pre, p)
        if body is None:
            end = start.copy()
            body = self.backward(inner, inner_pos, end)
        self.close_loop(body, start, end, inner_pos)
        state.init, state.owned = start.init, start.owned & end.owned
        restores = [x.restore for x in self.sites if x.pos == p and x.kind == "loop"]
        if not body:
            return pre + restores
        counter = s._ag_counter
        rng = gast.Call(func=name(self.ctx.global_ref("range", range)), args=[name(counter)], keywords=[])
        self.record_reads([rng], p)
        loop = gast.For(
            target=name(self.ctx.namer.fresh("_"), gast.Store()), iter=rng, body=body, orelse=[], type_comment=None
        )
        gast.copy_location(loop, s)
        return pre + [comment(f"line {self.ctx.parsed.abs_line(s)}: {self.ctx.parsed.line_text(s)}"), loop] + restores

    # -------------------------------------------------------------------------- the tape

    def finish_sites(self, forward: list[gast.stmt], backward: list[gast.stmt]) -> None:
        """Turn the save/restore markers of the sites whose old values are read into
        push/pop statements, and drop the others."""
        read_at: dict[str, list[Pos]] = {}  # name → where the backward pass reads it, in order
        for var, r in self.reads:
            read_at.setdefault(var, []).append(r)
        pushed = [site for site in self.sites if self.needs_push(site, read_at.get(site.var, ()))]
        if pushed:
            self.tape_name()
        self.undefined = set()
        for site in pushed:
            var = site.var
            if site.kind == "append":  # undo the append; nothing to save
                site.restore.value = gast.Call(
                    func=gast.Attribute(value=name(var), attr="pop", ctx=gast.Load()), args=[], keywords=[]
                )
                site.restore._ag_pushed = True
                continue
            if site.kind == "contents":  # (a helper's writes into an argument: its contents put back)
                site.save.value = self.call("push", name(self.tape_name()), self.call("contents_of", name(var)))
                site.restore.value = self.call("put_contents", name(var), self.call("pop", name(self.tape)))
                site.save._ag_pushed = site.restore._ag_pushed = True
                continue
            if site.kind == "setitem":
                where = site.node.targets[0].slice if isinstance(site.node, gast.Assign) else _WHOLE  # (a writer's)
                region = gast.Subscript(value=name(var), slice=copy.deepcopy(where), ctx=gast.Load())
                site.save.value = self.call("push", name(self.tape_name()), self.call("copy_of", region))
                site.restore.__class__ = gast.Assign
                site.restore.targets = [gast.Subscript(value=name(var), slice=copy.deepcopy(where), ctx=gast.Store())]
                site.restore.value = self.call("pop", name(self.tape))
                site.restore.type_comment = None
            else:
                site.save.value = self.call("push", name(self.tape), name(var))
                site.restore.__class__ = gast.Assign
                site.restore.targets = [name(var, gast.Store())]
                site.restore.value = self.call("pop", name(self.tape))
                site.restore.type_comment = None
                if not self._defined_before(site):
                    self.undefined.add(var)
            site.save._ag_pushed = True
            site.restore._ag_pushed = True

    def tape_name(self) -> str:
        if self.tape is None:
            self.tape = self.ctx.namer.fresh("tape")
        return self.tape

    def is_pushed(self, var: str) -> bool:
        return any(s.var == var and getattr(s.save, "_ag_pushed", False) for s in self.sites)

    def residuals(self) -> set[str]:
        """Primal names the backward pass reads: what a backward function must be handed."""
        return {var for var, _ in self.reads} | {
            s.var for s in self.sites if getattr(s.save, "_ag_pushed", False) and s.kind == "loop"
        }

    def _defined_before(self, site: Site) -> bool:
        if site.var in self.fdef._ag_params:
            return True
        for other in self.sites:
            if other.var == site.var and len(other.pos) == 1 and other.pos[0] < site.pos[0] and other.kind == "assign":
                return True
        return False

    def needs_push(self, site: Site, read_at: Iterable[Pos]) -> bool:
        """Whether the old value `site` overwrites is read (at `read_at`) where the backward pass needs it."""
        if site.kind == "assign" and site.pos in self.remat:
            return False  # the backward loop reads it again (see _rematerialized)
        for r in read_at:
            if site.kind == "loop" and len(r) > len(site.pos) and r[: len(site.pos)] == site.pos:
                continue  # inside the loop the backward loop itself provides the value
            if _before(r, site.pos) or self._common_loop(r, site.pos):
                return True
        return False

    def _common_loop(self, a: Pos, b: Pos) -> bool:
        n = 0
        while n < len(a) and n < len(b) and a[n] == b[n]:
            n += 1
        common = a[:n]
        for k in range(1, len(common) + 1):
            prefix = common[:k]
            if prefix in self.loops and len(a) > k and len(b) > k:
                return True
        return False


def _keep_arrays_as_they_are(fdef: gast.FunctionDef, facts, ctx: Context) -> None:
    """Specialised for a parameter that is an array or a number, the conversion of a list of
    numbers for NumPy (`w_array = numbers_as_array(w)`, frontend/normalize/normalizer.py) goes: `w` is read as it is."""
    helper = ctx.helper("numbers_as_array")
    kept = set()
    for p in getattr(fdef, "_ag_as_arrays", ()):
        if facts.shape(p) is None:
            kept.add(p)
            continue  # (not converted if NumPy's rules read a list as NumPy does: the loop finds nothing)
        for st in fdef.body:
            v = st.value if isinstance(st, gast.Assign) else None
            if (
                isinstance(v, gast.Call)
                and isinstance(v.func, gast.Name)
                and v.func.id == helper
                and isinstance(v.args[0], gast.Name)
                and v.args[0].id == p
            ):
                converted = st.targets[0].id
                fdef.body.remove(st)
                for n in walk(fdef):
                    if isinstance(n, gast.Name) and n.id == converted:
                        n.id = p
                break
    fdef._ag_as_arrays = kept


def _in_branch(pos: Pos) -> bool:
    """Whether the statement at `pos` is inside an if/loop (so it may not run)."""
    return len(pos) > 1


def _before(r: Pos, s: Pos) -> bool:
    """Whether the statement at `r` runs before the one at `s` (and is neither inside it nor
    in the other branch of a common `if`)."""
    for d, (x, y) in enumerate(zip(r, s)):
        if x != y:
            return d % 2 == 0 and x < y
    return False  # one contains the other


def _ruled(fn) -> bool:
    """Whether `fn` has a derivative rule (not a helper differentiated through its source)."""
    rule = rules.lookup(fn)
    return rule is not None and rule.through_source is not True  # ("tangent": forward mode only)


def _fn_name(fn) -> str:
    if fn is None:
        return "this operation"
    mod = getattr(fn, "__module__", None) or ""
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if mod in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray", "numpy._core.fromnumeric"):
        return f"np.{qual}"
    if mod in ("builtins", "_operator", "operator"):
        return qual
    return f"{mod}.{qual}" if mod else qual


class _Earliest(Transformer):
    """Calls of the helpers that read only the shape of an argument (`shape_only`: helper →
    which argument) read it from the earliest name of its shape class (`classes`), or, for a
    size `size_of` knows, are that number (ReverseTransformer._shape_from_earliest)."""

    def __init__(self, shape_only: dict[str, int], classes: Any, size_of: Callable):
        self.shape_only, self.classes, self.size_of = shape_only, classes, size_of

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id in self.shape_only:
            i = self.shape_only[node.func.id]
            if i == 0 and (known := self.size_of(node)) is not None:
                return gast.Constant(value=known, kind=None)
            if len(node.args) > i and isinstance(node.args[i], gast.Name):
                node.args[i] = name(self.classes.earliest(node.args[i].id))
        return node


class _DropUnbroadcast(Transformer):
    """`helper(g, x)` (unbroadcast) is `g` where x has the shape of `target`
    (ReverseTransformer._drop_unbroadcast)."""

    def __init__(self, helper: str, target: str, scalar: bool, owner: ReverseTransformer):
        self.helper, self.target, self.scalar = helper, target, scalar
        self.classes, self.same_known = owner.shape_classes, owner._same_known_shape
        self.sequences = owner.maybe_sequences

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id == self.helper:
            x = node.args[1]
            if isinstance(x, gast.Name) and x.id in self.sequences:
                return node
            if (
                self.scalar
                or (isinstance(x, gast.Name) and self.classes.same(x.id, self.target))
                or self.same_known(self.target, x)
            ):
                return node.args[0]
        return node


_WHOLE = gast.Constant(value=Ellipsis, kind=None)


def _written_by_call(s: gast.stmt, through_items: bool = False) -> str | None:
    """a for the statement `np.copyto(a, v)` (a NumPy writer, registry's `writes`, or a ufunc's
    `.at`, on an array the derivatives do not flow through: normalize refuses it on one they do),
    whose old contents the backward pass may read; with `through_items`, m for a writer into an
    item or slice of m (`np.copyto(m[1], v)`, `np.add.at(d["c"], i, v)`)."""
    call = s.value if isinstance(s, gast.Expr) else None
    if not isinstance(call, gast.Call) or not call.args:
        return None
    first = call.args[0]
    while through_items and isinstance(first, gast.Subscript):
        first = first.value
    if not isinstance(first, gast.Name) or through_items and first is call.args[0]:
        return None
    fn = getattr(call, "_ag_fn", None)
    return first.id if fn is not None and numpy_writer(fn) else None
