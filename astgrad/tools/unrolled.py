"""The program that actually ran: `f`'s A-normal form executed once, unrolled into straight-line code.

The lecture's evaluation trace and computational graph describe one evaluation of a function: the
iterations of its loops that ran, the branches that were taken. This module runs `f`'s A-normal
form (one primitive per statement) on the given arguments, noting which statements ran and what
each loop iteration bound, and writes those statements out again as one straight-line function in
SSA form (a name assigned again gets a numbered version, `s`, `s_2`, ...; a loop index becomes the
number it held). That function computes what `f` computes on these arguments, and astgrad
differentiates it like any other: its values, the adjoints of its generated reverse-mode code and
the tangents of its forward-mode code are then read statement by statement.

Each statement of the unrolled function stands on a line of its own, so the `# line N` comment
that opens each adjoint block of the generated gradient names exactly one statement: the value of
that statement's `_bar` name at the start of its block is its adjoint (every use of it has been
processed by then, and it is not yet consumed).
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import linecache
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..ad.assemble import normalized
from ..api import grad, jvp_function, parameter_names, wrt_parameters
from ..errors import AstgradError
from ..ir.codegen import namespace, render, user_builtins

_counter = itertools.count(1)


@dataclass
class Step:
    """One primitive statement as it ran."""

    index: int  # position in evaluation order
    code: str  # the statement, with versioned names (`s_2 = s + t4_2`)
    target: str  # the (versioned) name it defines
    base: str  # that name in f's A-normal form (`s`)
    inputs: list[str]  # the versioned names of parameters and earlier steps it reads
    line: int  # its line in the unrolled function
    loops: tuple[tuple[int, int], ...]  # (loop, iteration) of each enclosing loop, outermost first
    value: Any = None
    adjoint: Any = None  # None: no adjoint (inactive, or reverse mode not run)
    tangent: Any = None


@dataclass
class Unrolled:
    """The straight-line program of one evaluation of `func`, and what was measured on it."""

    func: Callable
    params: list[str]
    arguments: dict[str, Any]
    steps: list[Step]
    source: str  # the unrolled function's text
    function: Callable  # compiled from `source`
    output: str  # the versioned name it returns
    loop_lines: dict[int, str] = field(default_factory=dict)  # loop id -> its header, for folding

    def step_named(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.target == name), None)


def _copy(value: Any) -> Any:
    """A snapshot of a value (arrays and containers are written in place later)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict)):
        return copy.deepcopy(value)
    return value


class _Hits:
    """Collects what the instrumented A-normal form reports while it runs."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, Any]] = []

    def __call__(self, kind: str, ident: int, value: Any = None) -> None:
        self.events.append((kind, ident, value))


def _hit(kind: str, ident: int, value: ast.expr | None = None) -> ast.stmt:
    args: list[ast.expr] = [ast.Constant(kind), ast.Constant(ident)]
    if value is not None:
        args.append(value)
    return ast.Expr(ast.Call(ast.Name("__ag_hit", ast.Load()), args, []))


def _as_load(target: ast.expr) -> ast.expr:
    node = copy.deepcopy(target)
    for n in ast.walk(node):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return node


class _Instrument:
    """Numbers f's statements and makes each report when it runs; loops report each iteration."""

    def __init__(self) -> None:
        self.statements: dict[int, ast.stmt] = {}
        self.loops: dict[int, ast.stmt] = {}
        self._ids = itertools.count(1)

    def body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            ident = next(self._ids)
            if isinstance(s, (ast.For, ast.While)):
                self.loops[ident] = s
                header = [_hit("iter", ident, _as_load(s.target))] if isinstance(s, ast.For) else [_hit("iter", ident)]
                s.body = header + self.body(s.body)
                s.orelse = self.body(s.orelse)
                out += [_hit("enter", ident), s, _hit("exit", ident)]
            elif isinstance(s, ast.If):
                s.body = self.body(s.body)
                s.orelse = self.body(s.orelse)
                out.append(s)
            else:
                self.statements[ident] = copy.deepcopy(s)
                out += [_hit("stmt", ident), s]
        return out


class _Rename(ast.NodeTransformer):
    """Replaces each read name by its current version (or the number a loop index held)."""

    def __init__(self, current: dict[str, ast.expr]):
        self.current = current
        self.read: list[str] = []

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.current:
            new = copy.deepcopy(self.current[node.id])
            if isinstance(new, ast.Name):
                self.read.append(new.id)
            return ast.copy_location(new, node)
        return node


def _literal(value: Any) -> ast.expr | None:
    if isinstance(value, (bool, np.bool_)):
        return ast.Constant(bool(value))
    if isinstance(value, (int, np.integer)):
        return ast.Constant(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return ast.Constant(float(value))
    return None


class _Builder:
    """Writes the statements that ran as one straight-line function in SSA form."""

    def __init__(self, params: list[str], taken: set[str], ns: dict[str, Any]):
        self.current: dict[str, ast.expr] = {p: ast.Name(p, ast.Load()) for p in params}
        self.params = set(params)
        self.taken = set(taken) | set(params)
        self.assigned: set[str] = set(params)
        self.ns = ns
        self.lines: list[str] = []
        self.steps: list[Step] = []
        self.loops: list[list[int]] = []  # [loop id, iteration] of the loops now running
        self.output: str | None = None

    def version(self, base: str) -> str:
        if base not in self.assigned:
            self.assigned.add(base)
            self.taken.add(base)
            return base
        for k in itertools.count(2):
            name = f"{base}_{k}"
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise AssertionError

    def emit(self, stmt: ast.stmt) -> int:
        self.lines.append(ast.unparse(stmt))
        return len(self.lines) + 1  # line 1 is the def

    def bind(self, target: ast.expr, value: Any) -> None:
        """A loop iteration binds its target: a number is written into the code that reads it."""
        if isinstance(target, ast.Name):
            lit = _literal(value)
            if lit is None:
                held = f"__ag_item_{len(self.ns)}"
                self.ns[held] = value
                lit = ast.Name(held, ast.Load())
            self.current[target.id] = lit
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t, v in zip(target.elts, value):
                self.bind(t, v)
        else:
            raise AstgradError(f"cannot unroll a loop binding {ast.unparse(target)}")

    def statement(self, s: ast.stmt) -> None:
        loops = tuple((ident, k) for ident, k in self.loops)
        if isinstance(s, (ast.Pass, ast.Break, ast.Continue)):
            return
        if isinstance(s, ast.Return):
            renamer = _Rename(self.current)
            value = renamer.visit(copy.deepcopy(s.value)) if s.value is not None else ast.Constant(None)
            if isinstance(value, ast.Name):
                self.output = value.id
            else:  # a returned expression: give it a name, so it is a node too
                self._assign("out", value, renamer.read, loops, s)
                value = ast.Name(self.output, ast.Load())
            self.emit(ast.Return(value))
            return
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            renamer = _Rename(self.current)
            value = renamer.visit(copy.deepcopy(s.value))
            target = s.targets[0]
            if isinstance(target, ast.Name):
                self._assign(target.id, value, renamer.read, loops, s)
                return
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                self._write(target, value, renamer.read, loops)
                return
            if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
                names = [self.version(e.id) for e in target.elts]
                line = self.emit(
                    ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())], value, lineno=0)
                )
                for e, n in zip(target.elts, names):
                    self.current[e.id] = ast.Name(n, ast.Load())
                    code = f"{n} = {ast.unparse(value)}[{target.elts.index(e)}]"
                    self.steps.append(Step(len(self.steps), code, n, e.id, list(renamer.read), line, loops))
                return
        if isinstance(s, (ast.Expr, ast.Assert)):  # a call for its effect (append, print): runs as it is
            self.emit(_Rename(self.current).visit(copy.deepcopy(s)))
            return
        if isinstance(s, ast.FunctionDef):
            self.emit(s)
            return
        raise AstgradError(f"cannot trace the statement `{ast.unparse(s)}`")

    def _assign(self, base: str, value: ast.expr, read: list[str], loops: tuple, s: ast.stmt) -> None:
        name = self.version(base)
        stmt = ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)
        line = self.emit(stmt)
        self.current[base] = ast.Name(name, ast.Load())
        if isinstance(s, ast.Return):
            self.output = name
        self.steps.append(Step(len(self.steps), ast.unparse(stmt), name, base, list(dict.fromkeys(read)), line, loops))

    def _write(self, target: ast.Subscript, value: ast.expr, read: list[str], loops: tuple) -> None:
        """`x[i] = v`: a new version of x, a copy of the old one written into."""
        base = target.value.id
        old = self.current.get(base, ast.Name(base, ast.Load()))
        index = _Rename(self.current)
        slice_ = index.visit(copy.deepcopy(target.slice))
        name = self.version(base)
        copy_call = ast.Call(ast.Attribute(copy.deepcopy(old), "copy", ast.Load()), [], [])
        self.emit(ast.Assign([ast.Name(name, ast.Store())], copy_call, lineno=0))
        write = ast.Assign([ast.Subscript(ast.Name(name, ast.Load()), slice_, ast.Store())], value, lineno=0)
        line = self.emit(write)
        self.current[base] = ast.Name(name, ast.Load())
        inputs = ([old.id] if isinstance(old, ast.Name) else []) + read + index.read
        self.steps.append(
            Step(len(self.steps), ast.unparse(write), name, base, list(dict.fromkeys(inputs)), line, loops)
        )


def _compile(text: str, name: str, ns: dict[str, Any], label: str) -> Callable:
    filename = f"<astgrad-{label} {name} {next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    scope: dict[str, Any] = {}
    with user_builtins(ns):  # (generated code reads the user's globals through its builtins)
        exec(compile(text, filename, "exec"), ns, scope)
    return scope[name]


MAX_STEPS = 5000


def unroll(
    func: Callable, args: Sequence[Any], kwargs: dict[str, Any] | None = None, max_steps: int = MAX_STEPS
) -> Unrolled:
    """Run `func(*args, **kwargs)` once and return the straight-line program of what ran
    (refused if more than `max_steps` statements ran: its gradient would take long to generate)."""
    kwargs = kwargs or {}
    params = parameter_names(func)
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        raise AstgradError(f"the arguments do not fit {func.__name__}: {exc}") from None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    ctx, fdef = normalized(func, protect_inputs=True)
    text = render(fdef)
    ns = namespace(fdef, ctx)
    tree = ast.parse(text)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    signature = copy.deepcopy(fn.args)
    instrument = _Instrument()
    fn.body = instrument.body(fn.body)
    ast.fix_missing_locations(tree)
    hits = _Hits()
    run_ns = dict(ns, __ag_hit=hits)
    scope: dict[str, Any] = {}
    exec(compile(tree, f"<astgrad-recording {fn.name}>", "exec"), run_ns, scope)
    scope[fn.name](**{k: _copy(v) for k, v in arguments.items()})

    ran = sum(1 for kind, _, _ in hits.events if kind == "stmt")
    if ran > max_steps:
        raise AstgradError(
            f"{func.__name__} ran {ran} statements on these arguments, more than max_steps={max_steps}: a trace or "
            "graph shows every one; call it with smaller arguments (fewer loop iterations) or raise max_steps"
        )
    taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | set(ns)
    unrolled_ns = dict(ns)
    builder = _Builder(params, taken, unrolled_ns)
    loop_lines: dict[int, str] = {}
    for kind, ident, value in hits.events:
        if kind == "enter":
            builder.loops.append([ident, -1])
            loop = instrument.loops[ident]
            loop_lines[ident] = (
                f"for {ast.unparse(loop.target)} in {ast.unparse(loop.iter)}"
                if isinstance(loop, ast.For)
                else f"while {ast.unparse(loop.test)}"
            )
        elif kind == "exit":
            builder.loops.pop()
        elif kind == "iter":
            builder.loops[-1][1] += 1
            loop = instrument.loops[ident]
            if isinstance(loop, ast.For):
                builder.bind(loop.target, value)
        else:
            builder.statement(instrument.statements[ident])
    if builder.output is None:
        raise AstgradError(f"{func.__name__} returned nothing to trace")
    header = ast.unparse(ast.FunctionDef(fn.name, signature, [ast.Pass()], [], lineno=0)).splitlines()[0]
    source = header + "\n" + "".join(f"    {line}\n" for line in builder.lines)
    function = _compile(source, fn.name, unrolled_ns, "unrolled")
    function.__defaults__ = func.__defaults__
    function.__kwdefaults__ = func.__kwdefaults__
    result = Unrolled(func, params, arguments, builder.steps, source, function, builder.output, loop_lines)
    _record_values(result, unrolled_ns)
    return result


def _record_values(run: Unrolled, ns: dict[str, Any]) -> None:
    """Each step's value: the unrolled function run once more, reporting after each statement."""
    by_line = _steps_by_line(run)
    lines = run.source.splitlines()
    out = [lines[0]]
    for number, line in enumerate(lines[1:], start=2):
        out.append(line)
        for step in by_line.get(number, ()):
            out.append(f"    __ag_value({step.index}, {step.target})")
    values: dict[int, Any] = {}
    ns = dict(ns, __ag_value=lambda i, v: values.__setitem__(i, _copy(v)))
    fn = _compile("\n".join(out) + "\n", run.function.__name__, ns, "values")
    fn(**{k: _copy(v) for k, v in run.arguments.items()})
    for s in run.steps:
        s.value = values.get(s.index)


def _steps_by_line(run: Unrolled) -> dict[int, list[Step]]:
    """The steps of each line of the unrolled function (several for `a, b = ...`)."""
    by_line: dict[int, list[Step]] = {}
    for s in run.steps:
        by_line.setdefault(s.line, []).append(s)
    return by_line


_BLOCK = re.compile(r"^(\s*)# line (\d+):")


def _main_function(text: str, name: str) -> str:
    """The text of top-level `def name` in generated source holding several functions."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace()), len(lines))
    return "\n".join(lines[start:end]) + "\n"


def record_adjoints(run: Unrolled, wrt: Sequence[str]) -> dict[str, Any]:
    """Run the unrolled function's reverse-mode gradient (unoptimized: every adjoint statement
    kept) and set each step's adjoint; returns the adjoints of the `wrt` parameters."""
    gradient = grad(run.function, wrt=tuple(wrt), optimize=False, specialize=False)
    by_line = _steps_by_line(run)
    main = _main_function(gradient.source, gradient.__name__)
    out = []
    for line in main.splitlines():
        out.append(line)
        m = _BLOCK.match(line)
        if m and int(m.group(2)) in by_line:
            out.append(f"{m.group(1)}__ag_block({m.group(2)}, locals())")
    seen: dict[int, Any] = {}

    def block(line: int, local: dict[str, Any]) -> None:
        for step in by_line[line]:
            name = step.target + "_bar"
            if name in local:
                seen[step.index] = _copy(local[name])

    ns = dict(gradient.__globals__, __ag_block=block, locals=locals)  # (its builtins are the user's globals)
    fn = _compile("\n".join(out) + "\n", gradient.__name__, ns, "adjoints")
    grads = fn(**{k: _copy(v) for k, v in run.arguments.items()})
    for step in run.steps:
        step.adjoint = seen.get(step.index)
    grads = grads if isinstance(grads, tuple) else (grads,)
    return dict(zip(wrt, grads))


class _RecordDots(ast.NodeTransformer):
    """After each statement assigning a tangent (`w_dot = ...`, `x_dot[i] = ...`), report it."""

    def visit_Assign(self, node: ast.Assign) -> Any:
        names = []
        for t in node.targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id.endswith("_dot") and not isinstance(n.ctx, ast.Del):
                    names.append(n.id)
        reports = [
            ast.Expr(ast.Call(ast.Name("__ag_dot", ast.Load()), [ast.Constant(n), ast.Name(n, ast.Load())], []))
            for n in dict.fromkeys(names)
        ]
        return [node, *reports]


def record_tangents(run: Unrolled, wrt: Sequence[str], direction: dict[str, Any]) -> Any:
    """Run the unrolled function's forward-mode code along `direction` (a tangent per `wrt`
    parameter) and set each step's tangent; returns the output's tangent."""
    jvp_fn = jvp_function(run.function, tuple(wrt), False)
    main = _main_function(jvp_fn.source, jvp_fn.__name__)
    tree = ast.parse(main)
    tree = ast.fix_missing_locations(_RecordDots().visit(tree))
    dots: dict[str, Any] = {}
    ns = dict(jvp_fn.__globals__, __ag_dot=lambda n, v: dots.__setitem__(n, _copy(v)))
    scope: dict[str, Any] = {}
    with user_builtins(ns):
        exec(compile(tree, f"<astgrad-tangents {jvp_fn.__name__}>", "exec"), ns, scope)
    tangents = {jvp_fn.dot_params[w]: _copy(direction[w]) for w in wrt}
    _, out_dot = scope[jvp_fn.__name__](**{k: _copy(v) for k, v in run.arguments.items()}, **tangents)
    for s in run.steps:
        s.tangent = dots.get(s.target + "_dot")
    return out_dot


def wrt_names(func: Callable, wrt: Any) -> list[str]:
    """The parameter names `wrt` designates (an index, a name, or a tuple of them)."""
    return wrt_parameters(func, parameter_names(func), wrt)[0]
