"""Assembling one transformation's generated functions into a compiled program.

Differentiating `f` yields its gradient function plus, for every user function `g` it calls on
active values, a pair `g_fwd(tape, ...)` / `g_bwd(tape, y_bar)`: the forward pass of `g`, which
saves on the shared tape what its backward pass reads, and that backward pass, which returns the
adjoints of `g`'s active arguments. Pairs are keyed by (function, active parameters), so a
recursive function calls its own pair.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import gc
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import gast
import numpy as np

from ..analysis.shape_facts import ShapeFacts
from ..errors import AstgradError, TransformError
from ..frontend.assumptions import Assumptions, identifier, recording
from ..frontend.context import Context
from ..frontend.inline import inline_helpers
from ..frontend.normalize.normalizer import normalize
from ..frontend.parse import ParsedFunction, parse_function
from ..frontend.unroll import unroll_container_loops
from ..ir.codegen import compile_function, import_header, namespace, origins, render, run_namespace
from ..ir.source_text import SourceCode
from ..ir.trees import Transformer, assign, clone, name, names_in, walk
from ..optimize.cleanup import number_value
from ..pipeline import ShapeLookup, run_passes, run_program_passes
from ..specialize import dispatch
from ..specialize.canonical import canonical_products
from ..specialize.dispatch import float_list_width
from ..specialize.lists import lists_as_arrays
from .forward import ForwardTransformer
from .reverse import ReverseTransformer, comment


class Pending:
    """A generated function referenced before it is compiled."""

    def __init__(self, label: str):
        self.label = label
        self.function: Callable | None = None

    def __repr__(self) -> str:
        return f"<pending {self.label}>"


@dataclass
class Pair:
    fn: Callable
    active: tuple[str, ...]
    fwd_name: str
    bwd_name: str
    fwd: Pending = field(default=None)
    bwd: Pending = field(default=None)


@dataclass
class Jvp:
    fn: Callable
    active: tuple[str, ...]
    name: str
    dot_params: dict[str, str] = field(default_factory=dict)
    pending: Pending = field(default=None)


@dataclass
class Unit:
    """One generated function before rendering."""

    fdef: gast.FunctionDef
    ctx: Context
    source_fn: Callable
    params: set[str]
    shape_of: ShapeLookup | None = None  # specialised: a name's known shape (pipeline.py)
    caller_arrays: frozenset[str] = frozenset()  # specialised: parameters and globals that are arrays
    python_numbers: frozenset[str] = frozenset()  # specialised: parameters that are Python numbers
    # specialised: parameters that are long lists or tuples of floats (0), or of tuples or lists of m floats (m)
    float_lists: dict[str, int] = dataclasses.field(default_factory=dict)
    grads_at: tuple[int, ...] | None = None  # a gradient function: where its gradient(s) are in the return
    guarded: Assumptions | None = None  # the entry function: the facts its program guard checks (pipeline.py)


def normalized(
    func: Callable,
    protect_inputs: bool = False,
    callee: bool = False,
    inline: bool = False,
    lengths: dict[str, int] | None = None,
    sources: list[ParsedFunction] | None = None,
    keys: dict[str, tuple[str, ...]] | None = None,
) -> tuple[Context, gast.FunctionDef]:
    """`func` parsed and in A-normal form, with the context of names it was lowered in; with
    `inline`, its calls of small helpers inlined first (inline.py); with `lengths` (of list and
    tuple parameters) and `keys` (of dict parameters), its loops over them unrolled (unroll.py).
    `sources` holds the parse of `func` an earlier build made (the general code's, for its
    specialisations: parse_function's `earlier`), or is given this build's."""
    known = sources[0] if sources else None
    parsed = parse_function(func, known)
    if sources is not None and (known is None or parsed.code is not known.code):
        sources[:] = [dataclasses.replace(parsed, tree=clone(parsed.tree))]  # (as read: the tree changes below)
    if inline:
        parsed = inline_helpers(parsed)
    if lengths or keys:
        parsed = unroll_container_loops(parsed, lengths or {}, keys)
    ctx = Context(parsed)
    return ctx, normalize(ctx, protect_inputs=protect_inputs, callee=callee)


def location(ctx: Context) -> str:
    parsed = ctx.parsed
    return f"{os.path.basename(parsed.filename)}:{parsed.abs_line(parsed.tree)}"


class Program:
    """All functions generated for one call of grad/value_and_grad/source."""

    def __init__(self, optimize: bool = True, target: str = "python"):
        self.optimize = optimize
        self.target = target  # what will run the code: "python", or "numba" (jit.py; pipeline.py)
        self.units: list[Unit] = []
        self.pairs: dict[tuple, Pair] = {}
        self.jvps: dict[tuple, Jvp] = {}
        self.used_names: set[str] = set()
        self.top_level: Callable | None = None  # the function a pair is made of for its own sake (vjp)
        self.guarded: Assumptions | None = None  # the facts the entry function checks at its top

    # ------------------------------------------------------------------------- building

    def _unique(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.used_names:
            candidate = f"{base}_{n}"
            n += 1
        self.used_names.add(candidate)
        return candidate

    def pair(self, fn: Callable, active: tuple[str, ...]) -> Pair:
        """The fwd/bwd pair of user function `fn` for these active parameters (generated once)."""
        key = (fn, active)
        if key not in self.pairs:
            base = identifier(fn.__name__)  # (`<lambda>`: lambda)
            p = Pair(fn, active, self._unique(base + "_fwd"), self._unique(base + "_bwd"))
            p.fwd, p.bwd = Pending(p.fwd_name), Pending(p.bwd_name)
            self.pairs[key] = p
            self._generate_pair(p)
        return self.pairs[key]

    def jvp_of(self, fn: Callable, active: tuple[str, ...]) -> Jvp:
        """The forward-mode function of user function `fn` for these active parameters."""
        key = (fn, active)
        if key not in self.jvps:
            j = Jvp(fn, active, self._unique(identifier(fn.__name__) + "_jvp"))
            j.pending = Pending(j.name)
            self.jvps[key] = j
            ctx, fdef = normalized(fn, callee=True)
            self.tangent_function(fn, list(active), ctx, fdef, j)
        return self.jvps[key]

    def tangent_function(
        self, func: Callable, wrt: list[str], ctx: Context, fdef: gast.FunctionDef, j: Jvp | None = None
    ) -> Unit:
        """`f_jvp(params..., *, p_dot...)` returning `(f(params), its directional derivative)`."""
        ft = ForwardTransformer(ctx, fdef, wrt, program=self)
        body, out_dot = ft.run()
        fname = j.name if j is not None else ctx.namer.fresh(fdef.name + "_jvp")
        self.used_names.add(fname)
        args = copy.deepcopy(fdef.args)
        dots = {}
        for w in wrt:
            dots[w] = ft.dot(w)
            args.kwonlyargs.append(gast.Name(id=dots[w], ctx=gast.Param(), annotation=None, type_comment=None))
            args.kw_defaults.append(None)
        if j is not None:
            j.dot_params = dots
        where = location(ctx)
        doc = f"Forward mode of {fdef.name} ({where}): its value and its derivative along {', '.join(dots.values())}."
        stmts = [gast.Expr(value=gast.Constant(value=doc, kind=None))] + body
        out = fdef.body[-1].value
        stmts.append(gast.Return(value=gast.Tuple(elts=[copy.deepcopy(out), out_dot], ctx=gast.Load())))
        unit = self._unit(fname, args, stmts, ctx, func, set(fdef._ag_params) | set(dots.values()))
        unit.doc = doc
        if j is None:
            self.units.insert(0, unit)
        else:
            self.units.append(unit)
        return unit

    def gradient(
        self,
        func: Callable,
        wrt_names: list[str],
        many: bool,
        *,
        value: bool,
        ctx: Context,
        fdef: gast.FunctionDef,
        has_aux: bool = False,
        kinds: dict | None = None,
    ) -> Unit:
        """The gradient (or value-and-gradient) function of `func`; with `kinds`, specialised
        for arguments of those types and shapes (specialize/dispatch.py)."""
        aux = _split_aux(fdef, ctx) if has_aux else None
        facts = None
        doubles = False  # the code relies on float64 values (lists.py)
        if kinds:
            standins = {p: dispatch.standin(k) for p, k in kinds.items()}
            facts = ShapeFacts(ctx, fdef, {p: v for p, v in standins.items() if v is not None})
            if self.optimize:  # (one spelling of products and lengths: canonical.py)
                canonical_products(fdef, facts, ctx)
            if self.optimize and self.target == "python" and lists_as_arrays(fdef, facts, ctx):
                facts = ShapeFacts(ctx, fdef, {p: v for p, v in standins.items() if v is not None})
                doubles = True
        rt = ReverseTransformer(ctx, fdef, wrt_names, program=self, facts=facts)
        forward, backward, grads = rt.run()
        output = fdef.body[-1].value
        label = "Value and gradient" if value else "Gradient"
        doc = f"{label} of {fdef.name} ({location(ctx)}) with respect to {', '.join(wrt_names)}."
        gname = ctx.namer.fresh(fdef.name + ("_value_and_grad" if value else "_grad"))
        body: list[gast.stmt] = [gast.Expr(value=gast.Constant(value=doc, kind=None))]
        if kinds:
            what = ", ".join(f"{p}: {dispatch.describe(k)}" for p, k in kinds.items())
            body.append(comment(f"specialised for {what}"))
            body.append(comment("(arguments of other types or shapes take the general code)"))
            ordered = ctx.parsed.ordered  # (dicts walked in their keys' order: unroll.py)
            test = dispatch.guard_test(ctx.numpy_name(), kinds, lambda t: ctx.global_ref(t.__name__, t), ordered)
            body += dispatch.guard(ctx.helper("respecialize"), gname, fdef, test)
            float64 = dispatch.doubles_test(kinds, ctx.global_ref("float64", np.dtype(np.float64))) if doubles else ""
            if float64:  # (float32 arguments: their lists stay lists, in the general code)
                body += dispatch.guard(ctx.helper("general_code"), gname, fdef, float64)
            scalars = {p for p, k in kinds.items() if k[0] in ("float", "int")}
            _zero_scalars(forward, backward, grads, scalars - {s.var for s in rt.sites}, ctx.helper("zeros_like"))
        if rt.tape:
            body.append(assign(rt.tape, gast.List(elts=[], ctx=gast.Load())))
        body += [assign(v, gast.Constant(value=None, kind=None)) for v in sorted(rt.undefined)]
        body.append(comment("forward pass"))
        body += forward
        result = _at_forward_end(output, "value", rt, ctx, body) if value else copy.deepcopy(output)
        if aux is not None:
            aux = _at_forward_end(aux, "aux", rt, ctx, body)
        body.append(comment("backward pass"))
        body += backward
        grad_expr = gast.Tuple(elts=grads, ctx=gast.Load()) if many else grads[0]
        if aux is not None:  # JAX's convention: (grad, aux) and ((value, aux), grad)
            if value:
                result = gast.Tuple(elts=[result, aux], ctx=gast.Load())
            else:
                grad_expr = gast.Tuple(elts=[grad_expr, aux], ctx=gast.Load())
        ret = gast.Tuple(elts=[result, grad_expr], ctx=gast.Load()) if value else grad_expr
        body.append(gast.Return(value=ret))
        self.used_names.add(gname)
        unit = self._unit(gname, fdef.args, body, ctx, func, set(fdef._ag_params))
        unit.grads_at = ((1,) if value else ()) + ((0,) if aux is not None and not value else ())
        unit.doc = doc
        if facts is not None:
            unit.shape_of = _shape_lookup(unit.fdef, facts, rt.adjoint_names)
            unit.python_numbers = frozenset(p for p, k in kinds.items() if k[0] in ("float", "int", "bool"))
            unit.float_lists = {p: m for p, k in kinds.items() if (m := float_list_width(k)) is not None}
            free = _names(unit.fdef) - names_in(unit.fdef, (gast.Store,)) - set(fdef._ag_params)
            unit.caller_arrays = frozenset(  # (a global array is the caller's too; a local is not)
                [p for p, k in kinds.items() if k[0] not in ("float", "int", "bool")]
                + [n for n in sorted(free) if type(ctx.lookup(n)) is np.ndarray]
            )
        self.units.insert(0, unit)
        return unit

    def _generate_pair(self, p: Pair) -> None:
        top = p.fn is self.top_level  # (vjp's function: a parameter it writes into is copied first)
        ctx, fdef = normalized(p.fn, protect_inputs=top, callee=not top)
        out = fdef.body[-1].value
        seed = ctx.namer.fresh((out.id if isinstance(out, gast.Name) else "out") + "_bar")
        rt = ReverseTransformer(ctx, fdef, list(p.active), program=self, seed=seed, tape="tape")
        forward, backward, grads = rt.run()
        residuals = sorted(
            rt.residuals() | ({n.id for g in grads for n in walk(g) if isinstance(n, gast.Name)} & rt.primal_names)
        )
        where = location(ctx)
        # forward: f's own parameters after the tape
        fwd_args = copy.deepcopy(fdef.args)
        fwd_args.args.insert(0, gast.Name(id=rt.tape, ctx=gast.Param(), annotation=None, type_comment=None))
        doc = f"Forward pass of {fdef.name} ({where}): its result, saving on the tape what {p.bwd_name} reads."
        body: list[gast.stmt] = [gast.Expr(value=gast.Constant(value=doc, kind=None))]
        maybe_unbound = set(rt.undefined) | (set(residuals) - _surely_assigned(fdef))
        body += [assign(v, gast.Constant(value=None, kind=None)) for v in sorted(maybe_unbound)]
        body += forward
        if residuals:
            pack = gast.Tuple(elts=[name(r) for r in residuals], ctx=gast.Load())
            body.append(gast.Expr(value=rt.call("push", name(rt.tape), pack)))
        body.append(gast.Return(value=copy.deepcopy(out)))
        self.units.append(self._unit(p.fwd_name, fwd_args, body, ctx, p.fn, set(fdef._ag_params)))
        # backward: (tape, adjoint of the result) → adjoints of the active parameters
        bwd_args = gast.arguments(
            args=[
                gast.Name(id=rt.tape, ctx=gast.Param(), annotation=None, type_comment=None),
                gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None),
            ],
            posonlyargs=[],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        )
        doc = (
            f"Backward pass of {fdef.name} ({where}): the adjoints of {', '.join(p.active)} "
            f"given {seed}, the adjoint of its result."
        )
        body = [gast.Expr(value=gast.Constant(value=doc, kind=None))]
        if residuals:
            targets = gast.Tuple(elts=[name(r, gast.Store()) for r in residuals], ctx=gast.Store())
            body.append(assign(targets, rt.call("pop", name(rt.tape))))
        body += backward
        body.append(gast.Return(value=gast.Tuple(elts=grads, ctx=gast.Load()) if len(grads) > 1 else grads[0]))
        self.units.append(self._unit(p.bwd_name, bwd_args, body, ctx, None, set(fdef._ag_params) | {seed}))

    def _unit(self, fname, args, body, ctx, source_fn, params) -> Unit:
        body = _strip_markers(body)
        fdef = gast.FunctionDef(
            name=fname,
            args=copy.deepcopy(args),
            body=body,
            decorator_list=[],
            returns=None,
            type_comment=None,
            type_params=[],
        )
        return Unit(fdef, ctx, source_fn, params)

    # ------------------------------------------------------------------------ compiling

    def _optimize(self, unit: Unit) -> None:
        """The passes of pipeline.py: the general ones, or for specialised code the specialisation passes."""
        run_passes(unit, self.optimize, self.target)

    def compile(self) -> tuple[Callable, str]:
        """Compile every unit; the first is the requested function. Returns it and the source."""
        for unit in self.units:
            self._optimize(unit)
        self.units[0].guarded = self.guarded
        for unit in self.units:
            run_program_passes(unit)
        texts = [render(unit.fdef) for unit in self.units]
        namespaces = [namespace(unit.fdef, unit.ctx) for unit in self.units]
        merged: dict[str, Any] = {}
        where: dict[str, str] = {}
        for unit, ns in zip(self.units, namespaces):
            for k, v in ns.items():
                merged.setdefault(k, v)
            for k, module in origins(ns, unit.ctx).items():
                where.setdefault(k, module)
        header = import_header({k: v for k, v in merged.items() if not isinstance(v, Pending)}, where)
        full = (header + "\n\n\n" if header else "") + "\n\n".join(texts)
        compiled, run_namespaces = [], []
        for unit, text, ns in zip(self.units, texts, namespaces):
            run_ns, cells = run_namespace(ns, unit.ctx)
            run_namespaces.append(run_ns)
            source_fn, defaults = unit.source_fn, None
            if source_fn is not None:
                defaults = (getattr(source_fn, "__defaults__", None), getattr(source_fn, "__kwdefaults__", None))
                if not (any(defaults) or _shows_defaults(unit.fdef)):
                    defaults = None  # (none to take, none in the text: the text is compiled as it is)
            parsed = unit.ctx.parsed
            origin = (parsed.filename, parsed.abs_line(parsed.tree), parsed.tree.name)
            fn = compile_function(
                text, unit.fdef.name, run_ns, label=unit.fdef.name, cells=cells, defaults=defaults, origin=origin
            )
            compiled.append(fn)
        by_pending = {}
        named = [(p.fwd, p.fwd_name) for p in self.pairs.values()] + [(p.bwd, p.bwd_name) for p in self.pairs.values()]
        named += [(j.pending, j.name) for j in self.jvps.values()]
        for pending, fname in named:
            pending.function = next(f for u, f in zip(self.units, compiled) if u.fdef.name == fname)
            by_pending[id(pending)] = pending.function
        for ns in run_namespaces:
            for k, v in list(ns.items()):
                if isinstance(v, Pending):
                    ns[k] = by_pending[id(v)]
        main = compiled[0]
        main.source = SourceCode(full)
        main.__astgrad_names__ = {k: v for k, v in merged.items() if not isinstance(v, Pending)}  # (export)
        return main, full


def _shows_defaults(fdef: gast.FunctionDef) -> bool:
    """Whether the text of `fdef` shows default values of its parameters."""
    return bool(fdef.args.defaults) or any(d is not None for d in fdef.args.kw_defaults)


def _names(tree: gast.AST) -> set[str]:
    return names_in(tree)


def _shape_lookup(fdef: gast.FunctionDef, facts: ShapeFacts, adjoint_names: dict[str, str]) -> ShapeLookup:
    """name → its known shape in the specialised gradient: a primal value's, or for an adjoint its
    primal's, except an adjoint of an array that is somewhere a bare number (a scalar zero
    standing for an array of zeros: not of that shape)."""
    primal_of = {bar: var for var, bar in adjoint_names.items()}
    scalar_bound = {
        s.targets[0].id
        for s in walk(fdef)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and number_value(s.value) is not None
    }
    return ShapeLookup(facts, primal_of, scalar_bound)


def _zero_scalars(forward: list, backward: list, grads: list, scalars: set[str], zeros_like: str) -> None:
    """`zeros_like(p)` is `0.0` for a parameter that is a Python float or int and never rebound."""
    if not scalars:
        return

    class Zero(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f, args = node.func, node.args
            if isinstance(f, gast.Name) and f.id == zeros_like and len(args) == 1:
                if isinstance(args[0], gast.Name) and args[0].id in scalars:
                    return gast.Constant(value=0.0, kind=None)
            return node

    zero = Zero()
    for stmts in (forward, backward):
        stmts[:] = [zero.visit(s) for s in stmts]
    grads[:] = [zero.visit(g) for g in grads]


def _at_forward_end(expr: gast.AST, label: str, rt: ReverseTransformer, ctx: Context, body: list) -> gast.AST:
    """`expr` as its value at the end of the forward pass: a name the backward pass rebinds is
    saved first; if the backward pass restores values by writing into arrays, a copy of every
    array in it (it may hold or view such an array: `(h, 1)`, `h[0:2]`)."""
    if not isinstance(expr, gast.Name):
        return copy.deepcopy(expr)
    pushed = [s for s in rt.sites if getattr(s.save, "_ag_pushed", False)]
    kept: gast.AST = copy.deepcopy(expr)
    if any(s.kind != "loop" for s in pushed):
        kept = gast.Call(func=name(ctx.helper("deep_copy_of")), args=[kept], keywords=[])
    elif not any(s.var == expr.id for s in pushed):
        return kept
    snapshot = ctx.namer.fresh(label)
    body.append(assign(snapshot, kept))
    return name(snapshot)


def _split_aux(fdef: gast.FunctionDef, ctx: Context) -> gast.AST:
    """For has_aux: make `fdef` return the loss, the first of the pair it returns; return the aux atom."""
    ret = fdef.body[-1]
    out = ret.value
    for s in fdef.body[:-1]:
        if (
            isinstance(out, gast.Name)
            and isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name)
            and s.targets[0].id == out.id
            and isinstance(s.value, gast.Tuple)
            and len(s.value.elts) == 2
        ):
            loss, aux = s.value.elts
            if isinstance(loss, gast.Name):
                ret.value = copy.deepcopy(loss)
                return copy.deepcopy(aux)
    if not isinstance(out, gast.Name):
        raise ctx.parsed.error("with has_aux=True the function must return a pair (loss, aux)", ret)
    loss = ctx.namer.fresh("loss")
    aux = ctx.namer.fresh("aux")
    check = gast.Call(func=name(ctx.helper("check_aux_pair")), args=[name(out.id)], keywords=[])
    fdef.body.insert(-1, gast.copy_location(gast.Expr(value=check), ret))
    for target, i in ((loss, 0), (aux, 1)):
        item = gast.Subscript(value=name(out.id), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
        fdef.body.insert(-1, gast.copy_location(assign(target, item), ret))
    ret.value = name(loss)
    return name(aux)


def _surely_assigned(fdef: gast.FunctionDef) -> set[str]:
    """Parameters and names bound by the top-level straight-line statements."""
    names = set(fdef._ag_params)
    for s in fdef.body:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            names.add(s.targets[0].id)
    return names


def _strip_markers(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Drop the save/restore markers that were not turned into push/pop statements."""
    out = []
    for s in stmts:
        if hasattr(s, "_ag_marker") and not getattr(s, "_ag_pushed", False):
            continue
        for fld in ("body", "orelse"):
            block = getattr(s, fld, None)
            if block:
                setattr(s, fld, _strip_markers(block) or [gast.Pass()])
        out.append(s)
    return out


def guarded(builder: Callable) -> Callable:
    """Report a failure inside the transformer as a TransformError naming the user's function
    (never an internal traceback); RecursionError means the source nests too deeply."""

    @functools.wraps(builder)
    def run(func, *args, **kwargs):
        limit = sys.getrecursionlimit()
        collecting = gc.isenabled()
        try:
            sys.setrecursionlimit(max(limit, 20000))  # deep expressions recurse through the passes
            # no cyclic garbage collection while the trees are built: a build makes many objects that
            # outlive a young collection, and each full collection scans them all (what it drops is
            # freed by reference counts; a collection after the build takes what remains)
            gc.disable()
            return builder(func, *args, **kwargs)
        except (AstgradError, TypeError, ValueError) as exc:
            if isinstance(exc, AstgradError) or not _internal(exc):
                raise
            raise _internal_error(func, exc) from exc
        except RecursionError:
            code = getattr(func, "__code__", None)
            raise TransformError(
                f"{getattr(func, '__name__', func)} nests expressions or calls too deeply to transform",
                filename=getattr(code, "co_filename", None),
                lineno=getattr(code, "co_firstlineno", None),
                hint="split the deepest expression into several statements",
            ) from None
        except Exception as exc:
            raise _internal_error(func, exc) from exc
        finally:
            sys.setrecursionlimit(limit)
            if collecting:
                gc.enable()

    return run


def _internal(exc: BaseException) -> bool:
    """Whether an exception was raised inside astgrad (not by the user's own call)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "astgrad" in frames[-1].filename and "generated" not in frames[-1].filename


def _internal_error(func: Callable, exc: BaseException) -> TransformError:
    code = getattr(func, "__code__", None)
    return TransformError(
        f"astgrad failed to transform {getattr(func, '__name__', func)}: {type(exc).__name__}: {exc}",
        filename=getattr(code, "co_filename", None),
        lineno=getattr(code, "co_firstlineno", None),
        hint="this is a bug in astgrad; please report it with the function's source",
    )


@guarded
def build(
    func: Callable,
    wrt,
    *,
    value: bool,
    optimize: bool,
    wrt_names_fn,
    has_aux: bool = False,
    kinds: dict | None = None,
    guard: bool = True,
    target: str = "python",
    inline: bool = False,
    sources: list[ParsedFunction] | None = None,
) -> Callable:
    """Generate, compile and return the gradient function of `func` (specialised for argument
    `kinds` if given: see specialize/dispatch.py). It checks at every call that the program is the one
    it was generated from (assumptions.py); `guard=False` leaves that check out (code exported
    as a snapshot of the program). `target="numba"`: code for numba to compile (jit.py). With
    `inline`, the general code has its calls of small helpers inlined, as specialised code has
    (what a second derivative differentiates: no helper's tape crosses functions). `sources`:
    see normalized (the builds of one gradient read `func`'s source once)."""
    with recording(specialised=bool(kinds)) as facts:
        special = bool(kinds) and optimize
        containers = (kinds or {}).items() if special else ()
        lengths = {p: len(k[1]) for p, k in containers if k[0] in ("list", "tuple")}
        keys = {p: tuple(key for key, _ in k[1]) for p, k in containers if k[0] == "dict"}
        ctx, fdef = normalized(
            func, protect_inputs=True, inline=special or inline, lengths=lengths, sources=sources, keys=keys
        )
        names, many = wrt_names_fn(func, fdef._ag_params, wrt)
        program = Program(optimize=optimize, target=target)
        program.used_names |= {fdef.name}
        program.guarded = facts if guard else None
        unit = program.gradient(func, names, many, value=value, ctx=ctx, fdef=fdef, has_aux=has_aux, kinds=kinds)
        main, full = program.compile()
    main.__wrapped__ = func
    main.__doc__ = unit.doc
    main.__astgrad_assumptions__ = facts
    return main


@guarded
def build_jvp(func: Callable, wrt: list[str] | None, *, optimize: bool) -> tuple[Callable, dict[str, str]]:
    """The forward-mode function of `func` and the names of its tangent parameters. Its callers
    check `.__astgrad_assumptions__` before they use it (api.py)."""
    with recording() as facts:
        main, dots = _build_jvp(func, wrt, optimize=optimize)
    main.__astgrad_assumptions__ = facts
    return main, dots


def _build_jvp(func: Callable, wrt: list[str] | None, *, optimize: bool) -> tuple[Callable, dict[str, str]]:
    ctx, fdef = normalized(func, protect_inputs=True)  # (a parameter it writes into is copied first)
    names = list(fdef._ag_params) if wrt is None else wrt
    program = Program(optimize=optimize)
    program.used_names |= {fdef.name}
    j = Jvp(func, tuple(names), "")
    unit = program.tangent_function(func, names, ctx, fdef)
    main, full = program.compile()
    main.__wrapped__ = func
    main.__doc__ = unit.doc
    dots = {w: a.id for w, a in zip(names, unit.fdef.args.kwonlyargs[-len(names) :])} if names else {}
    del j
    main.dot_params = dots
    return main, dots


@guarded
def build_vjp(func: Callable, *, optimize: bool) -> tuple[Callable, Callable, tuple[str, ...]]:
    """The fwd/bwd pair of `func` with every parameter active. Its callers check the forward
    function's `.__astgrad_assumptions__` before they use it (api.py)."""
    with recording() as facts:
        fwd, bwd, active = _build_vjp(func, optimize=optimize)
    fwd.__astgrad_assumptions__ = facts
    return fwd, bwd, active


def _build_vjp(func: Callable, *, optimize: bool) -> tuple[Callable, Callable, tuple[str, ...]]:
    ctx, fdef = normalized(func)
    program = Program(optimize=optimize)
    program.top_level = func
    p = program.pair(func, tuple(fdef._ag_params))
    program.units.insert(
        0, program.units.pop(next(i for i, u in enumerate(program.units) if u.fdef.name == p.fwd_name))
    )
    main, full = program.compile()
    return p.fwd.function, p.bwd.function, p.active


def normalized_source(func: Callable) -> str:
    """`func` in A-normal form, as text."""
    ctx, fdef = normalized(func)
    text = render(fdef)
    ns = namespace(fdef, ctx)
    header = import_header(ns, origins(ns, ctx))
    return (header + "\n\n\n" if header else "") + text
