"""Source of a Python function → gast tree, plus resolution of its free names to live objects."""

from __future__ import annotations

import ast
import builtins
import dis
import functools
import inspect
import linecache
import os
import textwrap
import types
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import gast

from ..errors import TransformError, generated_origin, line_comment_above
from ..ir import convert
from ..ir.sentinels import MISSING
from ..ir.trees import clone, walk
from ..runtime import respecialize
from .assumptions import (
    constant_cell,
    is_guard,
    record_attribute,
    record_builtin,
    record_code,
    record_name,
    replay,
)
from .callables import is_generated
from .partials import partial_as_function


@dataclass
class ParsedFunction:
    """A user function's definition tree and everything needed to interpret its names."""

    func: Callable
    tree: gast.FunctionDef
    filename: str
    firstlineno: int  # absolute line number of line 1 of `tree`'s source text
    lines: list[str]  # the source text of the definition, dedented
    cells: dict[str, Any] = field(default_factory=dict)  # closure name → its cell (read when needed)
    code: types.CodeType | None = None  # the code object whose source `tree` is
    ordered: frozenset[str] = frozenset()  # dict parameters whose keys' order the tree relies on (unroll.py)

    @property
    def closure(self) -> dict[str, Any]:
        """The closure names bound now, with their values."""
        out = {}
        for name, cell in self.cells.items():
            try:
                out[name] = cell.cell_contents
            except ValueError:  # empty cell: defined later in the enclosing scope
                pass
        return out

    @property
    def name(self) -> str:
        return self.tree.name

    @functools.cached_property
    def global_reads(self) -> frozenset[str]:
        """The names the function's code (and the code nested in it) looks up outside itself."""
        fn = getattr(self.func, "__func__", self.func)
        todo, names = [getattr(fn, "__code__", None)], set()
        while todo:
            code = todo.pop()
            if code is not None:
                names.update(code.co_names)
                todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        return frozenset(names)

    def abs_line(self, node: gast.AST | None) -> int | None:
        """The line in the user's file where `node` stands."""
        lineno = getattr(node, "lineno", None)
        return None if lineno is None else lineno + self.firstlineno - 1

    def user_line(self, node: gast.AST | None) -> int | None:
        """The line in the user's file where `node` stands, for a check that refuses when the code
        runs to name (errors.UnsupportedValueError); None in code astgrad generated (a Hessian's
        inner gradient), whose lines are not the user's."""
        return None if generated_origin(self.filename) is not None else self.abs_line(node)

    def line_text(self, node: gast.AST | None) -> str:
        lineno = getattr(node, "lineno", None)
        if lineno is None or not 1 <= lineno <= len(self.lines):
            return ""
        return self.lines[lineno - 1].strip()

    def error(self, message: str, node: gast.AST | None = None, hint: str | None = None) -> TransformError:
        """A TransformError located at `node` in the user's file. In code astgrad generated and is
        differentiating again (a Hessian: forward mode over a gradient), the user's line is the one
        the generated code names in its `# line N: ...` comment above `node`, and the generated
        statement is quoted after it."""
        origin = self._user_origin(node)
        if origin is not None:
            filename, lineno, text = origin
            message = f"{message}, in the derivative of this line, at `{self.line_text(node)}` of {self.filename}"
            return TransformError(message, filename=filename, lineno=lineno, hint=hint, code=text)
        return TransformError(
            message, filename=self.filename, lineno=self.abs_line(node), hint=hint, code=self.line_text(node) or None
        )

    def _user_origin(self, node: gast.AST | None) -> tuple[str, int, str] | None:
        """(file, line, text) of the user's line generated code's `node` was derived from, or None."""
        origin = generated_origin(self.filename)
        lineno = getattr(node, "lineno", None)
        if origin is None or lineno is None:
            return None
        above = line_comment_above(self.lines, lineno)
        return None if above is None else (origin[0], *above)

    def lookup(self, name: str) -> Any:
        """The object a free name refers to (closure, then globals, then builtins), or MISSING.
        Generated code will rely on what it is: the fact is recorded (assumptions.py)."""
        obj, where = self.find(name)
        module = getattr(self.func, "__module__", None)
        if where is not None:
            record_name(where, name, obj, module=module)
        elif obj is not MISSING and name in self.global_reads:  # (not a name of astgrad's own code)
            record_builtin(self.user_globals, name, module)
        return obj

    @property
    def user_globals(self) -> dict[str, Any]:
        """The globals dict the function's bare global names are read from (for generated code
        differentiated again, the user's, which it reads through its builtins)."""
        globs = getattr(self.func, "__globals__", {})
        if globs.get("__astgrad_namespace__"):
            return self.func.__builtins__
        return globs

    def peek(self, name: str) -> Any:
        """The object a free name refers to, as `lookup`, recording nothing."""
        return self.find(name)[0]

    def resolve_path(self, path: tuple[str, ...], record: bool = True) -> Any:
        """The object a free name's attribute chain `a.b.c` refers to, or MISSING; with `record`,
        generated code relies on each step (recorded, as `lookup` records the name)."""
        obj = self.lookup(path[0]) if record else self.peek(path[0])
        where = self.find(path[0])[1] if record and len(path) > 1 else None
        for k, attr in enumerate(path[1:], start=1):
            if obj is MISSING:
                return MISSING
            base, obj = obj, getattr(obj, attr, MISSING)
            if where is not None:
                record_attribute((where, path[0], path[1:k], getattr(self.func, "__module__", None)), base, attr, obj)
        return obj

    def find(self, name: str) -> tuple[Any, Any]:
        """(the object `name` refers to, the globals dict or closure cell it was found in); the
        place is None for a builtin or a missing name."""
        cell = self.cells.get(name)
        if cell is not None:
            try:
                return cell.cell_contents, cell
            except ValueError:
                pass
        globs = getattr(self.func, "__globals__", {})
        if name in globs:
            return globs[name], globs
        # generated code reads the user's globals through its builtins
        chained = getattr(getattr(self.func, "__func__", self.func), "__builtins__", None)
        if isinstance(chained, dict) and chained is not builtins.__dict__ and name in chained:
            return chained[name], chained
        return getattr(builtins, name, MISSING), None


def attribute_path(node: gast.AST) -> tuple[str, ...] | None:
    """`a.b.c` as ("a", "b", "c"); None for any other expression."""
    if isinstance(node, gast.Name):
        return (node.id,)
    if isinstance(node, gast.Attribute):
        base = attribute_path(node.value)
        return None if base is None else base + (node.attr,)
    return None


def _where(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return name


def parse_function(func: Callable, earlier: ParsedFunction | None = None) -> ParsedFunction:
    """Read `func`'s source and return its definition as a gast tree with decorators stripped.
    `earlier`: a parse of `func` made before (for its general code), taken again (its tree copied)
    where `func` runs the very code object it was read for: the source is not read again."""
    known = getattr(func, "__astgrad_parsed__", None)
    if known is not None:  # a nested def astgrad lifted out of its enclosing function
        import copy

        return ParsedFunction(
            func=known.func,
            tree=copy.deepcopy(known.tree),
            filename=known.filename,
            firstlineno=known.firstlineno,
            lines=known.lines,
            cells=known.cells,
        )
    if isinstance(func, functools.partial):
        return parse_function(partial_as_function(func))
    if getattr(func, "__astgrad_forward__", False):
        raise TransformError(
            f"cannot differentiate {func.__name__}, a gradient by forward mode: it runs one tangent sweep per "
            "input element in Python, and has no generated source to transform",
            hint="take the inner gradient in reverse mode: grad(grad(f)), grad(grad(f), mode='forward') or hessian(f)",
        )
    if isinstance(func, types.MethodType) and isinstance(func.__func__, types.FunctionType):
        return _bound_method(func)
    if isinstance(func, types.MethodType):
        raise TransformError(
            f"cannot differentiate the bound method {_where(func)}",
            hint=f"differentiate the plain function {_where(func.__func__)} and pass the instance "
            "as its first argument",
        )
    if not isinstance(func, types.FunctionType):
        kind = "built-in or C function" if callable(func) else "object"
        raise TransformError(
            f"cannot differentiate {_where(func)}: it is a {kind}, not a Python function",
            hint="astgrad transforms Python source; to differentiate a primitive, register a rule "
            "for it with astgrad.adjoint",
        )
    owner = getattr(func, "__astgrad_owner__", func)
    spec = getattr(owner, "__astgrad_specializer__", None)
    if spec is not None:  # an astgrad gradient: its code is what it is for the program as it is now
        spec.refresh()
        replay(spec.assumptions)
        func = spec.inlined_general()  # (its general code, small helpers inlined: differentiable again)
        replay(func.__astgrad_assumptions__)
    # a specialising gradient (specialize/dispatch.py) runs a stub or specialised code: read the general one
    code = getattr(func, "__astgrad_general__", func).__code__
    filename = code.co_filename
    source_of = getattr(func, "__astgrad_general__", func)
    if (
        earlier is not None
        and spec is None
        and earlier.code is code
        and earlier.func is source_of
        and not is_generated(code)
    ):
        record_code(func)
        linecache.getlines(filename)  # (as below)
        return ParsedFunction(
            func=source_of,
            tree=clone(earlier.tree),
            filename=earlier.filename,
            firstlineno=earlier.firstlineno,
            lines=list(earlier.lines),
            cells=dict(earlier.cells),
            code=code,
        )
    try:
        try:
            lines, firstlineno = inspect.getsourcelines(code)  # not func: it would follow __wrapped__
        except OSError:  # (the file shortened since: its function elsewhere in it, or refused)
            if is_generated(code) or not os.path.isfile(filename):
                raise
            lines, firstlineno = [], 0
        if not is_generated(code):  # (the text of the code that runs, or refused)
            line = _check_source(func, code, filename)
            if line != firstlineno:
                lines, firstlineno = inspect.getblock(linecache.getlines(filename)[line - 1 :]), line
    except (OSError, TypeError) as exc:
        raise TransformError(
            f"the source of {_where(func)} is not available ({exc})",
            filename=filename,
            lineno=code.co_firstlineno,
            hint="define the function in a .py file (functions typed at a REPL or created by "
            "exec/eval have no source astgrad can read)",
        ) from None
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        kind = "a generator" if code.co_flags & inspect.CO_GENERATOR else "an async function"
        raise TransformError(
            f"cannot differentiate {_where(func)}: it is {kind}",
            filename=filename,
            lineno=code.co_firstlineno,
            hint="return an array instead of yielding values",
        )
    text = textwrap.dedent("".join(lines))
    firstlineno = max(firstlineno, 1)
    if func.__name__ == "<lambda>":
        tree = _lambda_as_def(func, text, filename, firstlineno)
    else:
        try:
            module = convert.parse(text)
        except SyntaxError as exc:
            raise TransformError(
                f"cannot parse the source of {_where(func)}: {exc.msg}", filename=filename, lineno=firstlineno
            ) from None
        defs = [n for n in module.body if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef))]
        if not defs:
            raise TransformError(
                f"no function definition found in the source of {_where(func)}", filename=filename, lineno=firstlineno
            )
        tree = defs[0]
        if isinstance(tree, gast.AsyncFunctionDef):
            raise TransformError(
                f"cannot differentiate {_where(func)}: it is an async function", filename=filename, lineno=firstlineno
            )
        tree.decorator_list = []
    if not is_generated(code):
        record_code(func)
    cells = dict(zip(code.co_freevars, source_of.__closure__ or ()))
    # keep the file's text available for error messages even if it changes on disk later
    linecache.getlines(filename)
    parsed = ParsedFunction(
        func=source_of,
        tree=tree,
        filename=filename,
        firstlineno=firstlineno,
        lines=text.splitlines(),
        cells=cells,
        code=code,
    )
    if spec is not None or is_generated(code):
        _drop_guards(parsed)
    return parsed


def _bound_method(method: types.MethodType) -> ParsedFunction:
    """A bound method (`model.loss`) is its function with its first parameter (`self`) bound to
    the instance: a constant, whose attributes generated code reads when it runs, through a
    closure cell of its own."""
    parsed = parse_function(method.__func__)
    args = parsed.tree.args
    positional = args.posonlyargs + args.args
    if not positional:
        raise parsed.error(f"the method {_where(method)} takes no `self` parameter", parsed.tree)
    first = positional[0].id
    if args.posonlyargs:
        args.posonlyargs = args.posonlyargs[1:]
    else:
        args.args = args.args[1:]
    parsed.cells = {**parsed.cells, first: constant_cell(method.__self__)}
    parsed.func = method
    return parsed


def _drop_guards(parsed: ParsedFunction) -> None:
    """Generated code differentiated again: its guards (`if <not the program or arguments it was
    made for>: return respecialize(...)`) go; their facts are the new program's (recorded)."""

    def is_helper(call: gast.expr) -> bool:
        return (
            isinstance(call, gast.Call)
            and isinstance(call.func, gast.Name)
            and parsed.peek(call.func.id) is respecialize
        )

    parsed.tree.body = [s for s in parsed.tree.body if not is_guard(s, is_helper)] or [gast.Pass()]


def _check_source(func: Callable, code: types.CodeType, filename: str) -> int:
    """The line where the source of the code that runs starts in its file as it is now; refused if
    the file no longer holds it (edited after it was imported: astgrad would differentiate other
    text, or another function). The file is compiled; it must hold code that does the same, where
    the running code starts or, when an edit elsewhere shifted the lines or a reloader compiled the
    function alone (IPython's %autoreload), at one other place."""
    for fresh in (False, True):
        if fresh:  # a reloader compiled the file's new text, which Python's line cache has not read
            linecache.checkcache(filename)
        compiled = _compiled_file(filename, "".join(linecache.getlines(filename)))
        same = [c for c in _code_objects(compiled, code.co_name) if _same_code(c, code)] if compiled else []
        if any(c.co_firstlineno == code.co_firstlineno for c in same):
            return code.co_firstlineno
        if len(same) == 1:  # lines shifted by an edit elsewhere, or the function compiled alone
            return same[0].co_firstlineno
    raise TransformError(
        f"the source of {_where(func)} in {filename} is not the code that runs: the file was "
        "edited after the function was defined",
        filename=filename,
        lineno=code.co_firstlineno,
        hint="reload the module (importlib.reload, or %autoreload 2 in a notebook) or run the "
        "cell again, so that the code that runs is the code in the file",
    )


_COMPILED: dict[tuple[str, int, int], types.CodeType | None] = {}  # (file, size, hash of text) → its code


def _compiled_file(filename: str, text: str) -> types.CodeType | None:
    key = (filename, len(text), hash(text))
    if key not in _COMPILED:
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        try:
            _COMPILED[key] = compile(text, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            _COMPILED[key] = None
    return _COMPILED[key]


def _code_objects(code: types.CodeType, name: str) -> list[types.CodeType]:
    found = [code] if code.co_name == name else []
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            found += _code_objects(c, name)
    return found


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """Whether two code objects do the same thing (line numbers aside, and the compiler's choice
    between an attribute load and a method load, which depends on what else it compiled with the
    function: a reloader that compiles the function alone makes the other one)."""
    if (a.co_names, a.co_varnames, a.co_freevars, a.co_cellvars) != (
        b.co_names,
        b.co_varnames,
        b.co_freevars,
        b.co_cellvars,
    ):
        return False
    if _instructions(a) != _instructions(b) or len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or (x != y and repr(x) != repr(y)):
            return False
    return True


_SAME_OP = {"LOAD_METHOD": "LOAD_ATTR"}
# (PUSH_NULL: Python 3.12+ spells an attribute load for a call as LOAD_ATTR and PUSH_NULL, a method
# load as LOAD_ATTR alone)
_NO_OP = frozenset({"NOP", "CACHE", "EXTENDED_ARG", "RESUME", "PUSH_NULL"})


def _instructions(code: types.CodeType) -> list[tuple]:
    """The instructions of `code` as (operation, argument): names and constants by value, jumps
    by the place of their target among the instructions compared (offsets move with the no-ops
    a compiler puts for line numbers; an edit that only moves a jump's target is another code).
    Read once per code object (immutable; the source is checked at every parse)."""
    known = _INSTRUCTIONS.get(code)
    if known is None:
        known = _INSTRUCTIONS[code] = _read_instructions(code)
    return known


_INSTRUCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # code object → its instructions


def _read_instructions(code: types.CodeType) -> list[tuple]:
    every = list(dis.get_instructions(code))
    place, kept = {}, 0
    for ins in every:
        place[ins.offset] = kept  # (a no-op's place: the next instruction compared)
        kept += ins.opname not in _NO_OP
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    out = []
    for ins in every:
        if ins.opname in _NO_OP:
            continue
        arg = ins.argval
        if ins.opcode in jumps:
            arg = ("to", place.get(arg, arg))
        out.append((_SAME_OP.get(ins.opname, ins.opname), arg if not isinstance(arg, types.CodeType) else None))
    return out


def _lambda_in_file(func: types.FunctionType, filename: str, params: list[str]) -> list[gast.Lambda]:
    """The lambdas of `func`'s file that start on its first line with its parameters, each parsed
    from its own source text (so its line 1 is that line)."""
    text = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    line = func.__code__.co_firstlineno
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Lambda) and n.lineno == line and [a.arg for a in n.args.args] == params:
            segment = ast.get_source_segment(text, n)
            try:
                module = convert.parse("(" + segment + "\n)") if segment else None
            except SyntaxError:
                module = None
            lams = [m for m in walk(module) if isinstance(m, gast.Lambda)] if module is not None else []
            if lams:
                found.append(lams[0])
    return found


def _lambda_as_def(func: types.FunctionType, text: str, filename: str, firstlineno: int) -> gast.FunctionDef:
    """Turn the one lambda on `func`'s source line into an equivalent `def`."""
    candidates = []
    for snippet in (text.strip(), "(" + text.strip() + ")"):
        try:
            module = convert.parse(snippet)
        except SyntaxError:
            continue
        candidates = [n for n in walk(module) if isinstance(n, gast.Lambda)]
        break
    params = list(func.__code__.co_varnames[: func.__code__.co_argcount])
    matching = [n for n in candidates if [a.id for a in n.args.args] == params]
    if len(matching) != 1:  # a lambda inside a longer statement (`{"f": lambda x: ...,`): read the file
        matching = _lambda_in_file(func, filename, params)
    if len(matching) != 1:
        raise TransformError(
            "cannot isolate the source of this lambda",
            filename=filename,
            lineno=firstlineno,
            hint="write the function with def (several lambdas on one line, or a lambda spread "
            "over lines, cannot be told apart)",
        )
    lam = matching[0]
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    tree = gast.FunctionDef(
        name="lambda_", args=lam.args, body=[ret], decorator_list=[], returns=None, type_comment=None, type_params=[]
    )
    gast.copy_location(tree, lam)
    return tree
