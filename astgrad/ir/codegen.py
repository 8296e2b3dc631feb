"""Rendering generated trees as Python source, and compiling that source into functions."""

from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import linecache
import re
import sys
import types
from typing import Any, Callable, Iterable, Iterator

import gast

from .. import runtime
from ..errors import note_generated
from ..frontend.context import Context
from .convert import to_ast
from .printer import Unprintable, source
from .sentinels import MISSING
from .trees import walk

_COMMENT = re.compile(r"^(\s*)(\"\"\"|'''|['\"])#ag#(\d+)\2$", re.M)


def render(tree: gast.AST) -> str:
    """Python source of a gast tree; comment markers (see reverse.comment) become `# ...`."""
    try:  # (printed directly: the same text)
        text = source(tree, _comment_text) + "\n"
    except Unprintable:
        comments: list[str] = []
        text = unparse(to_ast(tree, comments)) + "\n"
        if comments:
            text = _COMMENT.sub(lambda m: f"{m.group(1)}# {comments[int(m.group(3))]}", text)
    return _GUARD.sub(_wrap_guard, text)


def _comment_text(stmt: gast.Expr) -> str | None:
    """The text of a comment marker (see convert.to_ast), None for another expression statement."""
    return stmt.value.value if getattr(stmt, "_ag_comment", False) else None


def unparse(node: ast.AST) -> str:
    """`ast.unparse`, printing the same text on every Python version and no brackets Python does
    not need: none around a tuple where the grammar takes a bare one (`return a, b`, `a, b = t`,
    `for i, x in ...`), an operand of `and` / `or` (`a and not b`) or a negative power
    (`x ** -y`). Changes `node`.

    >>> unparse(ast.parse("return (a, b)"))
    'return a, b'
    """
    todo = [node]
    pop, push, extend = todo.pop, todo.append, todo.extend
    while todo:
        n = pop()
        cls = n.__class__
        tidy = _TIDY.get(cls)
        if tidy is not None:
            tidy(n)
        for field in getattr(cls, "_fields", ()):  # (a list may hold names: `global a, b`)
            v = getattr(n, field, None)
            if v.__class__ is list:
                extend(v)
            elif isinstance(v, ast.AST):
                push(v)
    return ast.unparse(node)


def _bare_fields(*fields: str) -> Callable[[ast.AST], None]:
    def tidy(n: ast.AST) -> None:
        for field in fields:
            v = getattr(n, field)
            if v.__class__ is list:
                setattr(n, field, [_bare(x) for x in v])
            elif v is not None:
                setattr(n, field, _bare(v))

    return tidy


def _tidy_statement(fields: tuple[str, ...]) -> Callable[[ast.AST], None]:
    bare = _bare_fields(*fields)

    def tidy(n: ast.AST) -> None:
        bare(n)
        if not hasattr(n, "lineno"):
            n.lineno = 0  # ast.unparse looks up type-ignore comments by line

    return tidy


def _tidy_boolop(n: ast.BoolOp) -> None:
    # ast.unparse brackets `not` after `and`, and a comparison after two `or`
    n.values = [_verbatim(_operand(v, n.op)) for v in n.values]


def _tidy_binop(n: ast.BinOp) -> None:
    if n.op.__class__ is ast.Pow and n.right.__class__ is ast.UnaryOp and n.right.op.__class__ is not ast.Not:
        n.right = _verbatim(unparse(n.right))


def _verbatim(text: str) -> ast.Name:
    """`text`, printed as it is (ast.unparse prints a name's id so), where it needs no parentheses."""
    return ast.Name(id=text, ctx=ast.Load())


def _operand(node: ast.AST, op: ast.boolop) -> str:
    """The text of an operand of `and` / `or`, bracketed where it must be."""
    text = unparse(node)
    if node.__class__ in (ast.IfExp, ast.Lambda) or (
        node.__class__ is ast.BoolOp and not (op.__class__ is ast.Or and node.op.__class__ is ast.And)
    ):
        return f"({text})"
    return text


def _bare(node: ast.AST) -> ast.AST:
    """A non-empty tuple as its items joined by commas; anything else as it is."""
    if node.__class__ is not ast.Tuple or not node.elts:
        return node
    items = [unparse(e) for e in node.elts]
    return _verbatim(items[0] + "," if len(items) == 1 else ", ".join(items))


# how to print a node of each kind: bare tuples where Python's grammar takes them (lists and
# other constants, which the walk meets too, have no entry)
_TIDY: dict[type, Callable[[Any], None]] = {
    ast.Assign: _tidy_statement(("targets", "value")),
    ast.AugAssign: _tidy_statement(("value",)),
    ast.Return: _bare_fields("value"),
    ast.Expr: _bare_fields("value"),
    ast.Yield: _bare_fields("value"),
    ast.For: _tidy_statement(("target",)),
    ast.AsyncFor: _tidy_statement(("target",)),
    ast.comprehension: _bare_fields("target"),
    ast.BoolOp: _tidy_boolop,
    ast.BinOp: _tidy_binop,
    ast.FunctionDef: _tidy_statement(()),
    ast.AsyncFunctionDef: _tidy_statement(()),
    ast.With: _tidy_statement(()),
    ast.AsyncWith: _tidy_statement(()),
}


# the argument check of a specialised gradient (dispatch.guard): long, so one test per line
_ARRAY_CHECK = re.compile(r"\.__class__ is not \w+\.ndarray$")
_NEW_SUBJECT = re.compile(r"^\w+ is not ")  # (a global function or module: a line each)
# a guard's test: `if <test>:` before `return respecialize(...)`, or `stale = <test>` in its `try`
_GUARD = re.compile(
    r"^(\s*)(if )(.*)(:)$(?=\n\s*return \w*respecialize\w*\()|^(\s*)(\w+ = )(.*)()$(?=\n\s*except \(NameError)", re.M
)


def _wrap_guard(m: re.Match) -> str:
    groups = m.groups()
    indent, head, test, tail = groups[:4] if groups[0] is not None else groups[4:]
    parts = test.split(" or ")
    if len(m.group(0)) <= 100 or len(parts) < 2:
        return m.group(0)
    lines, line = [], parts[0]
    for p in parts[1:]:
        if _ARRAY_CHECK.search(p) or _NEW_SUBJECT.search(p) or len(line) + len(p) > 84:
            lines.append(line)
            line = p
        else:
            line += " or " + p
    lines.append(line)
    body = f"\n{indent}    or ".join(lines)
    return f"{indent}{head}(\n{indent}    {body}\n{indent}){tail}"


def free_globals(tree: gast.AST) -> list[str]:
    """Names a function reads but never binds, in order of first use."""
    names = [n for n in walk(tree) if n.__class__ is gast.Name]
    bound = {n.id for n in names if isinstance(n.ctx, (gast.Store, gast.Param))}
    seen: dict[str, None] = {}
    for n in names:
        if isinstance(n.ctx, gast.Load) and n.id not in bound:
            seen.setdefault(n.id, None)
    return list(seen)


def namespace(tree: gast.AST, ctx: Context) -> dict[str, Any]:
    """What each free name of generated code denotes now (the import header says it)."""
    ns: dict[str, Any] = {"__builtins__": builtins}
    for n in free_globals(tree):
        if n in ctx.extra_globals:
            ns[n] = ctx.extra_globals[n]
        else:
            obj = ctx.peek(n)
            if obj is not MISSING:
                ns[n] = obj
    return ns


def origins(denoted: dict[str, Any], ctx: Context) -> dict[str, str]:
    """name → the module whose globals generated code reads it from, for the user's globals."""
    found = {}
    module = getattr(ctx.parsed.func, "__module__", None)
    for n in denoted:
        if n in ctx.extra_globals or n == "__builtins__":
            continue
        _, where = ctx.parsed.find(n)
        if isinstance(where, dict) and module and getattr(sys.modules.get(module), "__dict__", None) is where:
            found[n] = module
    return found


def run_namespace(denoted: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """The globals and closure cells generated code runs with. Its own names (helpers, generated
    functions) and builtins are its globals; the user's globals and closure cells it reads live,
    as the user's function does: the user's module globals stand in for its builtins (Python looks
    there after its own globals), and closure names are compiled as closure variables over the
    user's very cells. What the code relies on about them is guarded (assumptions.py). (The
    globals' own `__builtins__` entry stays the builtins module: C code that imports, such as
    NumPy printing an array, looks `__import__` up there; see make_function.)"""
    parsed = ctx.parsed
    ns: dict[str, Any] = {
        "__builtins__": builtins,
        "__astgrad_namespace__": True,
        "__astgrad_user_globals__": parsed.user_globals,
    }
    cells: dict[str, Any] = {}
    for n, obj in denoted.items():
        if n == "__builtins__":
            continue
        if n in ctx.extra_globals:
            ns[n] = obj
            continue
        _, where = parsed.find(n)
        if where is None or (isinstance(where, dict) and where.get("__astgrad_namespace__")):
            ns[n] = obj  # a builtin, or a name of the generated code differentiated here
        elif not isinstance(where, dict):
            cells[n] = where
    return ns, cells


def import_header(ns: dict[str, Any], origins: dict[str, str] | None = None) -> str:
    """Import lines that make the generated source run on its own, where that is possible.
    `origins` names the module whose globals a name is read from (the user's data)."""
    origins = origins or {}
    lines: list[str] = []
    helpers: list[str] = []
    derived: list[str] = []
    for local, obj in ns.items():
        if local == "__builtins__" or getattr(builtins, local, MISSING) is obj:
            continue
        if isinstance(obj, types.ModuleType):
            mod = obj.__name__
            lines.append(f"import {mod}" if mod == local else f"import {mod} as {local}")
        elif getattr(runtime, getattr(obj, "__name__", ""), None) is obj and callable(obj):
            helpers.append(obj.__name__ if obj.__name__ == local else f"{obj.__name__} as {local}")
        elif isinstance(obj, (types.CodeType, tuple, dict)) and _part_of_function(obj, ns):
            derived.append(f"{local} = {_part_of_function(obj, ns)}")  # (what the guard compares)
        elif local in origins and origins[local] != "__main__":
            lines.append(f"from {origins[local]} import {local}")
        elif type(obj) in (int, float, bool, str, complex) or obj is None:
            lines.append(f"{local} = {obj!r}")
        else:
            mod = getattr(obj, "__module__", None)
            qual = getattr(obj, "__qualname__", None)
            if mod and qual and mod != "__main__" and "." not in qual and "<" not in qual:
                lines.append(f"from {mod} import {qual}" + (f" as {local}" if qual != local else ""))
            elif local in origins:
                lines.append(f"# {local}: {_describe(obj)}, a global of {origins[local]} read when the code runs")
            elif any(ns[o] is obj for o in origins if o in ns):  # (what the guard compares it with)
                derived.append(f"{local} = {next(o for o in origins if o in ns and ns[o] is obj)}")
            else:
                lines.append(f"# {local}: {_describe(obj)}, bound when this code was generated")
    if helpers:
        lines.append("from astgrad.runtime import " + ", ".join(helpers))
    order = ("import ", "from ")  # imports, then from-imports, then the rest, each in order of use
    lines.sort(key=lambda line: next((i for i, p in enumerate(order) if line.startswith(p)), len(order)))
    return "\n".join(lines + derived)


def _part_of_function(obj: Any, ns: dict[str, Any]) -> str | None:
    """`f.__code__` (or its defaults) for the code object of a function named in `ns`."""
    for local, fn in ns.items():
        if isinstance(fn, types.FunctionType):
            for attr in ("__code__", "__defaults__", "__kwdefaults__"):
                if getattr(fn, attr) is obj:
                    return f"{local}.{attr}"
    return None


def _describe(obj: Any) -> str:
    shape = getattr(obj, "shape", None)
    kind = type(obj).__name__
    return f"{kind} of shape {shape}" if shape is not None else kind


def compile_function(
    source: str,
    fname: str,
    ns: dict[str, Any],
    label: str,
    cells: dict[str, Any] | None = None,
    defaults: tuple[Any, Any] | None = None,
    origin: tuple[str, int, str] | None = None,
) -> types.FunctionType:
    """Compile `source` (which defines `fname`) under a file name registered in linecache, so
    tracebacks and inspect.getsource show the generated lines; with `cells`, its free names
    among them are closure variables bound to those very cells. With `defaults` (the user
    function's `__defaults__` and `__kwdefaults__`), the function takes those: its text shows the
    user's default expressions, which may name the user's local variables (`X=Xb`). `origin` (the
    user's file, the line of its `def` and its name) locates a refusal the code raises when it runs."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    filename = f"<astgrad-generated {label} {digest}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    if origin is not None:
        note_generated(filename, *origin)
    if not cells and defaults is None:
        scope: dict[str, Any] = {}
        with user_builtins(ns):
            exec(compile(source, filename, "exec"), ns, scope)
        return scope[fname]
    # compiled inside a function binding those names, so that they are closure variables; the
    # function is made of its code, so its default expressions are not evaluated
    tree = ast.parse(source)
    for fdef in tree.body:  # (its own name, which it may read, stays a global)
        if isinstance(fdef, ast.FunctionDef):
            docstring = ast.get_docstring(fdef, clean=False) is not None
            fdef.body.insert(int(docstring), ast.copy_location(ast.Global(names=[fdef.name]), fdef))
    cells = cells or {}
    outer = ast.parse("def __astgrad_closure__():\n    pass").body[0]
    outer.body = [ast.parse(f"{n} = None").body[0] for n in cells] + tree.body
    tree.body = [outer]
    ast.fix_missing_locations(tree)
    module = compile(tree, filename, "exec")
    enclosing = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    code = next(c for c in enclosing.co_consts if isinstance(c, types.CodeType) and c.co_name == fname)
    given, kwgiven = defaults or (None, None)
    fn = make_function(code, ns, fname, given, tuple(cells[n] for n in code.co_freevars) or None)
    fn.__kwdefaults__ = dict(kwgiven) if kwgiven else None
    fn.__qualname__ = fname
    return fn


@contextlib.contextmanager
def user_builtins(ns: dict[str, Any]) -> Iterator[None]:
    """While functions are made in generated code's globals `ns`: their builtins are the user's
    globals (Python captures a function's builtins when it makes it), then the builtins module
    again."""
    user = ns.get("__astgrad_user_globals__")
    if user is None:
        yield
        return
    ns["__builtins__"] = user
    try:
        yield
    finally:
        ns["__builtins__"] = builtins


def make_function(
    code: types.CodeType, ns: dict[str, Any], name: str, defaults: Any = None, closure: Any = None
) -> types.FunctionType:
    """A function of generated code in globals `ns`: it reads the user's globals through its
    builtins (run_namespace)."""
    with user_builtins(ns):
        return types.FunctionType(code, ns, name, defaults, closure)


def frozen(fn: types.FunctionType) -> types.FunctionType:
    """A copy of generated function `fn` that reads the user's globals and closure cells as they
    are now, not as they will be when it runs (a pullback returned by vjp is the linearisation
    of the program at the call that returned it)."""
    ns = dict(fn.__globals__)
    live = ns.get("__astgrad_user_globals__")
    if live is not None:
        ns["__astgrad_user_globals__"] = dict(live)
    cells = None
    if fn.__closure__:
        cells = tuple(_snapshot_cell(c) for c in fn.__closure__)
    copy = make_function(fn.__code__, ns, fn.__name__, fn.__defaults__, cells)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    return copy


def with_twins(functions: Iterable[Callable], places: dict[int, Any]) -> dict[int, Any]:
    """`places` and, where a moved cell now holds a twin of a helper the generated `functions`
    call (a helper defined inside the step function, made anew with it), that helper and its
    cells → the twin and its cells (Assumptions.twins)."""
    functions = list(functions)
    while True:
        more: dict[int, Any] = {}
        for f in functions:
            facts = getattr(f, "__astgrad_assumptions__", None)
            if facts is not None:
                more.update(facts.twins(places))
        if not more.keys() - places.keys():
            return places
        places = {**places, **more}


def moved_function(
    fn: types.FunctionType, places: dict[int, Any], like: Callable | None = None
) -> types.FunctionType | None:
    """A copy of generated function `fn` for a twin of the function it was generated from (the same
    code over other closure cells, or a method over another instance): the same code objects, with
    the closure cells and the objects their globals bind replaced where `places` maps them (by id)
    and the facts moved with them; None when they cannot be (Assumptions.moved). The program's
    other generated functions that read a moved cell (a method's call of another method of
    `self`), or call one that is copied, are copied with it; the copy of `fn` takes the default
    values of `like` (the twin), which the generated function takes as the user's function does.
    No code is generated or compiled."""
    reach, todo = {id(fn): fn}, [fn]
    while todo:  # the program's generated functions, reached through their globals
        for k, v in todo.pop().__globals__.items():
            if k != _DISPATCH and isinstance(v, types.FunctionType) and id(v) not in reach:
                if v.__code__.co_filename.startswith("<astgrad-generated"):
                    reach[id(v)] = v
                    todo.append(v)
    places = with_twins(reach.values(), places)
    copied = {i for i, f in reach.items() if i == id(fn) or any(id(c) in places for c in f.__closure__ or ())}
    grew = True
    while grew:  # (a function that calls a copied one is copied too)
        more = {i for i, f in reach.items() if i not in copied and any(id(v) in copied for v in f.__globals__.values())}
        copied |= more
        grew = bool(more)
    facts = {}
    for i in copied:
        old = getattr(reach[i], "__astgrad_assumptions__", None)
        if old is not None and (facts.setdefault(i, old.moved(places)) is None):
            return None
    # what each name denoted when generated (for export): a moved cell's name, its new contents
    denoted = dict(places)
    for old_id, new in places.items():
        old = next((c for f in reach.values() for c in f.__closure__ or () if id(c) == old_id), None)
        if isinstance(old, types.CellType) and isinstance(new, types.CellType):
            try:
                denoted[id(old.cell_contents)] = new.cell_contents
            except ValueError:  # (an empty cell)
                pass
    places = dict(places)
    copies = {}
    for i in copied:
        f = reach[i]
        # (the dispatcher's link to the code it runs is set again by the dispatcher)
        ns = {k: v for k, v in f.__globals__.items() if k != _DISPATCH}
        cells = tuple(places.get(id(c), c) for c in f.__closure__ or ()) or None
        copy = make_function(f.__code__, ns, f.__name__, f.__defaults__, cells)
        copy.__kwdefaults__ = f.__kwdefaults__
        copy.__dict__.update({k: places.get(id(v), v) for k, v in f.__dict__.items()})  # (__wrapped__)
        copy.__qualname__ = f.__qualname__
        if i in facts:
            copy.__astgrad_assumptions__ = facts[i]
        copies[i] = places[i] = copy
    for copy in copies.values():
        ns = copy.__globals__
        ns.update({k: places[id(v)] for k, v in ns.items() if id(v) in places})
        if "__astgrad_names__" in copy.__dict__:
            copy.__astgrad_names__ = {k: denoted.get(id(v), v) for k, v in copy.__astgrad_names__.items()}
    top = copies[id(fn)]
    if like is not None:
        top.__defaults__ = like.__defaults__
        top.__kwdefaults__ = dict(like.__kwdefaults__) if like.__kwdefaults__ else None
    return top


_DISPATCH = "__astgrad_specialised__"


def _snapshot_cell(cell: Any) -> Any:
    try:
        return types.CellType(cell.cell_contents)
    except ValueError:  # an empty cell stays empty
        return types.CellType()
