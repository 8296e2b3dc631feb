"""Source of a Python function → gast tree, plus resolution of its free names to live objects."""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import gast

from . import convert
from .errors import TransformError
from .trees import walk

_MISSING = object()


@dataclass
class ParsedFunction:
    """A user function's definition tree and everything needed to interpret its names."""

    func: Callable
    tree: gast.FunctionDef
    filename: str
    firstlineno: int  # absolute line number of line 1 of `tree`'s source text
    lines: list[str]  # the source text of the definition, dedented
    closure: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.tree.name

    def abs_line(self, node: gast.AST | None) -> int | None:
        """The line in the user's file where `node` stands."""
        lineno = getattr(node, "lineno", None)
        return None if lineno is None else lineno + self.firstlineno - 1

    def line_text(self, node: gast.AST | None) -> str:
        lineno = getattr(node, "lineno", None)
        if lineno is None or not 1 <= lineno <= len(self.lines):
            return ""
        return self.lines[lineno - 1].strip()

    def error(self, message: str, node: gast.AST | None = None, hint: str | None = None) -> TransformError:
        """A TransformError located at `node` in the user's file."""
        return TransformError(
            message, filename=self.filename, lineno=self.abs_line(node), hint=hint, code=self.line_text(node) or None
        )

    def lookup(self, name: str) -> Any:
        """The object a free name refers to (closure, then globals, then builtins), or _MISSING."""
        if name in self.closure:
            return self.closure[name]
        globs = getattr(self.func, "__globals__", {})
        if name in globs:
            return globs[name]
        return getattr(builtins, name, _MISSING)


def _where(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return name


def parse_function(func: Callable) -> ParsedFunction:
    """Read `func`'s source and return its definition as a gast tree with decorators stripped."""
    known = getattr(func, "__astgrad_parsed__", None)
    if known is not None:  # a nested def astgrad lifted out of its enclosing function
        import copy

        return ParsedFunction(
            func=known.func,
            tree=copy.deepcopy(known.tree),
            filename=known.filename,
            firstlineno=known.firstlineno,
            lines=known.lines,
            closure=known.closure,
        )
    if isinstance(func, functools.partial):
        raise TransformError(
            f"cannot differentiate a functools.partial object ({_where(func.func)})",
            hint="differentiate the underlying function and pass the fixed arguments yourself, or wrap it in a def",
        )
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
    # a specialising gradient (specialize.py) runs a stub or specialised code: read the general one
    code = getattr(func, "__astgrad_general__", func).__code__
    filename = code.co_filename
    try:
        lines, firstlineno = inspect.getsourcelines(code)  # not func: it would follow __wrapped__
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
    closure = {}
    if func.__closure__:
        for name, cell in zip(code.co_freevars, func.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # empty cell: defined later in the enclosing scope
                pass
    # keep the file's text available for error messages even if it changes on disk later
    linecache.getlines(filename)
    return ParsedFunction(
        func=func, tree=tree, filename=filename, firstlineno=firstlineno, lines=text.splitlines(), closure=closure
    )


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
