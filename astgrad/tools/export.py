"""A generated gradient as a standalone module that needs only NumPy.

Generated code imports its helpers `from astgrad.runtime import ...`. The exported module holds
the source of those helpers instead (and of the helpers, constants and imports they use in turn),
so it imports and runs where astgrad is not installed.
"""

from __future__ import annotations

import ast
import datetime
import inspect
import os
import sys
import textwrap
import types
from typing import Any, Callable, Sequence

import numpy as np

from .. import runtime
from ..ad.assemble import build
from ..api import jvp_function, parameter_names, reverse_function, wrt_parameters
from ..errors import AstgradError

_RUNTIME_IMPORT = "from astgrad.runtime import "
_EMBED_LIMIT = 10_000  # elements of a global array written into the module


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("astgrad")
    except Exception:  # not installed as a distribution (run from a checkout)
        return "0.1.0"


class _Definitions:
    """Collects the module-level definitions a set of names needs, dependencies first."""

    def __init__(self) -> None:
        self.imports: dict[str, None] = {}
        self.blocks: list[str] = []
        self.done: set[tuple[str, str]] = set()

    def need(self, module: types.ModuleType, name: str) -> None:
        key = (module.__name__, name)
        if key in self.done:
            return
        self.done.add(key)
        tree = ast.parse(inspect.getsource(module))
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) and stmt.name == name:
                self._define(module, stmt)
                return
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    self._define(module, stmt)
                    return
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if (alias.asname or alias.name.split(".")[0]) == name:
                        self._import(module, stmt, alias)
                        return
        for stmt in tree.body:  # (`from .tape import *`: re-exported names)
            if isinstance(stmt, ast.ImportFrom) and any(alias.name == "*" for alias in stmt.names):
                source = sys.modules[_absolute(module, stmt)]
                if name in vars(source):
                    self.done.discard((source.__name__, name))
                    self.need(source, name)
                    return
        raise AstgradError(f"export: cannot find the definition of {name} in {module.__name__}")

    def _import(self, module: types.ModuleType, stmt: ast.stmt, alias: ast.alias) -> None:
        if isinstance(stmt, ast.ImportFrom) and (stmt.level or (stmt.module or "").startswith("astgrad")):
            source = sys.modules[_absolute(module, stmt)]
            self.need(source, alias.name)  # one of astgrad's own definitions: written out too
            if alias.asname and alias.asname != alias.name:
                self.blocks.append(f"{alias.asname} = {alias.name}")
            return
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            return
        line = ast.unparse(
            ast.ImportFrom(stmt.module, [alias], 0) if isinstance(stmt, ast.ImportFrom) else ast.Import([alias])
        )
        self.imports[line] = None

    def _define(self, module: types.ModuleType, stmt: ast.stmt) -> None:
        bound = {a.arg for a in ast.walk(stmt) if isinstance(a, ast.arg)}
        bound |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        own = getattr(stmt, "name", None)
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound and n.id != own:
                if n.id in vars(module) and not hasattr(
                    __builtins__ if isinstance(__builtins__, dict) else __builtins__, n.id
                ):
                    self.need(module, n.id)
        self.blocks.append(ast.get_source_segment(inspect.getsource(module), stmt) or ast.unparse(stmt))


def _absolute(module: types.ModuleType, stmt: ast.ImportFrom) -> str:
    if not stmt.level:
        return stmt.module or ""
    here = module.__name__ if hasattr(module, "__path__") else module.__name__.rsplit(".", 1)[0]  # (its package)
    package = here.rsplit(".", stmt.level - 1)[0]
    return f"{package}.{stmt.module}" if stmt.module else package


def _data(obj: Any) -> bool:
    return isinstance(obj, (np.ndarray, int, float, bool))


def _embedded(name: str, obj: Any) -> str:
    """A global the generated code reads, written as a definition in the module."""
    if type(obj) in (int, float, bool):
        return f"{name} = {obj!r}"
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":
        if obj.size > _EMBED_LIMIT:
            raise AstgradError(
                f"export: the global array {name} has {obj.size} elements; pass it as an argument instead"
            )
        return f"{name} = np.array({obj.tolist()!r}, dtype=np.{obj.dtype.name})"
    if isinstance(obj, types.FunctionType):
        try:
            return textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            pass
    raise AstgradError(f"export: cannot write the global {name} ({type(obj).__name__}) into a standalone module")


def standalone_source(
    func: Callable,
    wrt: Any = 0,
    args: Sequence[Any] | None = None,
    mode: str = "reverse",
    module: str = "grad_module",
) -> str:
    """The text of a standalone module holding the gradient of `func` (reverse mode) or its
    forward-mode function; with `args`, the code specialised for those arguments."""
    names, _ = wrt_parameters(func, parameter_names(func), wrt)
    if mode == "forward":
        generated = jvp_function(func, tuple(names))
    elif mode == "reverse":  # (a snapshot of the program: without the check that it is unchanged)
        spec = getattr(reverse_function(func, wrt, False, True, False), "__astgrad_specializer__", None)
        kinds = spec.kinds(tuple(args), {}) if args is not None and spec is not None else None
        generated = build(func, wrt, value=False, optimize=True, wrt_names_fn=wrt_parameters, kinds=kinds, guard=False)
    else:
        raise AstgradError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    text = str(generated.source)
    ns = getattr(generated, "__astgrad_names__", {})  # what each name denoted when generated
    definitions = _Definitions()
    definitions.imports["import numpy as np"] = None
    kept: list[str] = []
    body_start = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("def "):
            body_start = i
            break
        if line.startswith(_RUNTIME_IMPORT):
            for item in line[len(_RUNTIME_IMPORT) :].split(","):
                helper, _, alias = item.strip().partition(" as ")
                definitions.need(runtime, helper)
                if alias:
                    definitions.blocks.append(f"{alias} = {helper}")
        elif line.startswith("# ") and ":" in line and ("bound when this code" in line or "read when the code" in line):
            name = line[2:].split(":", 1)[0]
            if name not in ns:
                raise AstgradError(f"export: the generated code reads {name}, whose value is not known")
            kept.append(_embedded(name, ns[name]))
        elif line.startswith("from ") and _data(ns.get(line.rsplit(" ", 1)[-1])):
            name = line.rsplit(" ", 1)[-1]  # (a global of the user's module: its value now, written out)
            kept.append(_embedded(name, ns[name]))
        elif line.startswith(("import ", "from ")):
            definitions.imports[line] = None
        elif line.strip():
            kept.append(line)
    code = "\n".join(lines[body_start:]).rstrip() + "\n"
    what = "forward mode (value and directional derivative)" if mode == "forward" else "the gradient"
    spec_note = (
        "Specialised for the types and shapes of the arguments it was exported with; other arguments raise."
        if args is not None and mode == "reverse"
        else "General code: any argument types and shapes the function accepts."
    )
    where = _location(func)
    header = textwrap.dedent(
        f'''\
        """{what[0].upper() + what[1:]} of {func.__name__} ({where}) with respect to {", ".join(names)}.

        Generated by astgrad {_version()} on {datetime.date.today().isoformat()}; standalone: needs only NumPy.
        {spec_note}

            from {module} import {generated.__name__}
        """
        '''
    )
    parts = [
        header.rstrip(),
        "from __future__ import annotations",
        _import_lines(definitions.imports),
    ]
    if kept:
        parts.append("\n".join(kept))
    helpers = "\n\n\n".join(b.rstrip() for b in definitions.blocks)
    if helpers:
        parts.append("# --- helpers from astgrad.runtime " + "-" * 60 + "\n\n\n" + helpers)
    parts.append("# --- the generated code " + "-" * 70 + "\n\n\n" + code)
    return "\n\n\n".join(parts)


def _import_lines(imports: dict[str, None]) -> str:
    """Import lines, `import x` first, names imported from one module joined on one line."""
    plain = sorted(line for line in imports if line.startswith("import "))
    names: dict[str, list[str]] = {}
    for line in imports:
        if line.startswith("from "):
            module, _, name = line[len("from ") :].partition(" import ")
            names.setdefault(module, []).append(name)
    joined = [f"from {m} import {', '.join(sorted(set(n)))}" for m, n in sorted(names.items())]
    return "\n".join(plain + joined)


def _location(func: Callable) -> str:
    code = getattr(func, "__code__", None)
    if code is None:
        return "?"
    return f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}"


def export(
    func: Callable,
    path: str | os.PathLike,
    wrt: Any = 0,
    args: Sequence[Any] | None = None,
    mode: str = "reverse",
) -> str:
    """Write the gradient of `func` with respect to `wrt` as a standalone module at `path`,
    needing only NumPy (with `args`: the code specialised for them). Returns the path.

    >>> astgrad.export(loss, "loss_grad.py", wrt="w")
    >>> from loss_grad import loss_grad
    """
    path = os.fspath(path)
    module = os.path.splitext(os.path.basename(path))[0]
    text = standalone_source(func, wrt, args, mode, module)
    compile(text, path, "exec")  # a module that does not parse is astgrad's bug: fail before writing it
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
