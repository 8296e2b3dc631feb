"""Every `_ag_*` attribute astgrad puts on AST nodes is listed in astgrad/ir/annotations.py, with the
modules that really write and read it."""

import pathlib
import re

from astgrad.ir.annotations import ANNOTATIONS

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "astgrad"
# an attribute `_ag_x` (`node._ag_x`, `getattr(node, "_ag_x")`), not a generated name `__ag_x`
ATTRIBUTE = re.compile(r"\b_ag_\w+")


def _uses() -> dict[str, set[str]]:
    """Annotation name → the modules of the package that name it."""
    uses: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module == "ir/annotations.py":
            continue
        for found in ATTRIBUTE.findall(path.read_text()):
            uses.setdefault(found, set()).add(module)
    return uses


def test_every_annotation_used_is_listed():
    unlisted = {n: sorted(m) for n, m in _uses().items() if n not in ANNOTATIONS}
    assert not unlisted, f"add these to astgrad/ir/annotations.py: {unlisted}"


def test_every_annotation_listed_is_used_by_the_modules_it_names():
    uses = _uses()
    for n, a in ANNOTATIONS.items():
        assert a.name == n
        assert set(a.written_by) | set(a.read_by) == uses.get(n, set()), n


def test_writers_write_it():
    for a in ANNOTATIONS.values():
        for module in a.written_by:
            text = (PACKAGE / module).read_text()
            assert re.search(rf"\.{a.name} = ", text), f"{module} does not write {a.name}"
