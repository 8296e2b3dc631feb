"""astgrad's modules import each other without a cycle, counting imports inside functions too
(a cycle dodged by importing inside a function is still a cycle)."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "astgrad"


def _imports() -> dict[str, set[str]]:
    """Module → the astgrad modules it imports (anywhere but under `if TYPE_CHECKING:`)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("astgrad",) + path.relative_to(PACKAGE).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    arrows: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = {
            id(n)
            for s in tree.body
            if isinstance(s, ast.If) and "TYPE_CHECKING" in ast.unparse(s.test)
            for n in ast.walk(s)
        }
        package = m if path.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            arrows[m] |= {t for t in targets if t in modules and t != m}
    return arrows


def _cycles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in arrows[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(arrows):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    arrows = _imports()
    assert "astgrad.ir.trees" in arrows["astgrad.analysis.invariance"]  # (the scan sees relative imports)
    assert _cycles(arrows) == []


def test_no_private_name_imported_across_modules():
    """A name another module needs is public in its one home (`from .parse import _MISSING` is not)."""
    private = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("astgrad")):
                private += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
