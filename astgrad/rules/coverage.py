"""The coverage table of the built-in rules, generated from the registry: `python -m
astgrad.rules.coverage` writes docs/coverage.md (`--check` only compares). tests/test_coverage.py
fails when the committed table differs from what the registry generates, so it cannot drift."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..frontend.normalize.writes import lowered_writer
from .registry import STATIC, UNSUPPORTED, Rule, builtin_rules, display_name, keyword_spellings, primitive_parameters

TABLE = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"

HEADER_TEMPLATE = """# Coverage of the derivative rules

Generated from the registry (`astgrad/rules/`) by `python -m astgrad.rules.coverage`; do not edit
by hand (tests/test_coverage.py checks it). One row per function astgrad knows, with {versions}.

- **derivatives**: the parameters with a derivative (both modes, unless a mode column says no).
- **static**: non-differentiable by nature (axis, shape, dtype, index, count, mask); a value that
  depends on the input may reach them. In *italic*: a keyword choosing how NumPy computes or lays
  out the result, never its values (a sort's kind, a copy's memory order; every ufunc's order and
  subok): the call runs with it, the rules do not read it.
- **refused**: a parameter astgrad has no derivative for: a value that depends on the differentiated
  input there raises a TransformError naming the function, the parameter and your line; one the
  rule does not take at all (*italic*; *ufunc keywords*: out, where, casting, dtype, signature) is
  refused whenever it is passed, unless it is given NumPy's default (`out=None`). NumPy's other
  names for a parameter (`correction` for `ddof`) are that parameter.
- Functions *without derivative* have a result whose derivative is zero wherever it exists (integer,
  boolean, shape-only or piecewise-constant values); the note says which.
- A function missing from the table has no rule: differentiating through it raises a TransformError.
"""


def _entries() -> list[tuple[str, Any, Rule]]:
    out = {}
    for fn, rule in builtin_rules():
        if not (getattr(fn, "__module__", None) or "").startswith("astgrad.runtime"):
            out.setdefault(display_name(fn), (fn, rule))
    return [(name, fn, rule) for name, (fn, rule) in sorted(out.items(), key=lambda item: item[0].lower())]


def _names(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "—"


def _row(name: str, fn: Any, rule: Rule) -> str:
    template = rule.adjoint or rule.tangent
    ours = template.arguments if template is not None else []
    theirs = primitive_parameters(fn, rule)
    derived = sorted(set().union(*(t.derived for t in (rule.adjoint, rule.tangent) if t is not None)))
    spellings = keyword_spellings(fn)
    untaken = [p for p in theirs if p not in ours and p not in spellings]
    static = [f"`{p}`" for p in ours if rule.kind(p) == STATIC]
    if not isinstance(fn, np.ufunc):  # (a ufunc's: the header says)
        static += [f"*{p}*" for p in theirs if p in spellings and spellings[p] is None]
    refused = [f"`{p}`" for p in ours if rule.kind(p) == UNSUPPORTED]
    if isinstance(fn, np.ufunc):
        refused += ["*ufunc keywords*"] if untaken else []
    else:
        refused += [f"*{p}*" for p in untaken]
    reverse = "yes" if rule.adjoint is not None else "no"
    forward = "yes" if rule.tangent is not None else "no"
    notes = [rule.note] if rule.note else []
    if rule.methods:
        notes.append("also " + ", ".join(f"`x.{m}(...)`" for m in rule.methods))
    if rule.alias_of is not None:
        notes.append(f"the derivatives of `{display_name(rule.alias_of)}`")
    if rule.effects:
        notes.append("a random draw: never removed or moved")
    return (
        f"| `{name}` | {_names(derived)} | {', '.join(static) or '—'} | {', '.join(refused) or '—'} | {reverse} | "
        f"{forward} | {'; '.join(notes)} |"
    )


def versions() -> str:
    """The libraries whose functions the table lists, as generated (other versions name others)."""
    import numpy

    try:
        import scipy
    except ImportError:
        return f"NumPy {numpy.__version__.rsplit('.', 1)[0]}"
    return f"NumPy {numpy.__version__.rsplit('.', 1)[0]} and SciPy {scipy.__version__.rsplit('.', 1)[0]}"


def generate() -> str:
    """The coverage table as Markdown."""
    entries = _entries()
    with_rules = [e for e in entries if e[2].differentiable and (e[2].adjoint or e[2].tangent)]
    without = [e for e in entries if not e[2].differentiable]
    refused = [e for e in entries if e[2].differentiable and not (e[2].adjoint or e[2].tangent)]
    lowered = [e for e in refused if e[2].writes and lowered_writer(e[1]) is not None]
    refused = [e for e in refused if e not in lowered]
    lines = [HEADER_TEMPLATE.replace("{versions}", versions()), f"## Differentiable ({len(with_rules)})", ""]
    lines += ["| function | derivatives | static | refused | reverse | forward | notes |", "|---" * 7 + "|"]
    lines += [_row(name, fn, rule) for name, fn, rule in with_rules]
    lines += ["", f"## Without derivative ({len(without)})", "", "| function | notes |", "|---|---|"]
    for name, _, rule in without:
        notes = [rule.note] if rule.note else []
        if rule.effects:
            notes.append("a random draw: never removed or moved")
        lines.append(f"| `{name}` | {'; '.join(notes)} |")
    lines += ["", f"## Writers differentiated as the writes they are ({len(lowered)})", ""]
    lines += ["| function | lowered to (frontend/normalize/writes.py) |", "|---|---|"]
    lines += [f"| `{name}` | `a = {lowered_writer(fn)}(a, ...)`: a new array |" for name, fn, _ in lowered]
    lines += ["", f"## Known, without derivative rule: refused on input-dependent values ({len(refused)})", ""]
    lines += ["| function | why, and what the passes know |", "|---|---|"]
    for name, _, rule in refused:
        known = [rule.note] if rule.note else []
        if rule.writes:
            known.append("writes into its first argument")
        elif rule.views:
            known.append("may return a view of its argument")
        lines.append(f"| `{name}` | {'; '.join(known)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/coverage.md, or with --check report whether it is up to date (exit status 1 if not)."""
    argv = sys.argv[1:] if argv is None else argv
    text = generate()
    if "--check" in argv:
        current = TABLE.read_text() if TABLE.exists() else ""
        if current != text:
            print(f"{TABLE} is out of date: run python -m astgrad.rules.coverage")
            return 1
        return 0
    TABLE.parent.mkdir(exist_ok=True)
    TABLE.write_text(text)
    print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
