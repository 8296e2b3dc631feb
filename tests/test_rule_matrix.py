"""The rule matrix covers the registry: every differentiable parameter of every rule (each alias
too) is differentiated, in reverse and in forward mode, by some row of the matrices
(tests/test_rules.py and every tests/rule_cases_*.py), and every static parameter is passed explicitly by
some row (each axis/keyword form). A rule added without rows fails here.

The rows' gradients are generated afresh (general code, not run: the matrices' own tests run them
against central differences) while a recorder notes each template application's active and passed
parameters. Rules of astgrad's run-time helpers (astgrad.runtime), which serve second derivatives,
are exercised by the matrices' second-derivative tests instead."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import astgrad
from astgrad import api
from astgrad.ad import forward, reverse, templates
from astgrad.rules.registry import RULES, display_name, primitive_parameters
from tests import test_rules as rule_matrix

MODES = {"reverse": "adjoint", "forward": "tangent"}


def _rows() -> list[tuple]:
    """(function, wrt) of every row of every matrix: the `*_CASES` lists of tests/test_rules.py
    and of every tests/rule_cases_*.py (rows `(id, f, samplers, wrt)` or Case objects)."""
    modules = [rule_matrix]
    for path in sorted(Path(__file__).parent.glob("rule_cases_*.py")):
        try:
            modules.append(importlib.import_module(f"tests.{path.stem}"))
        except ImportError as exc:  # the SciPy rows, without SciPy (whose rules are then not registered)
            if not (exc.name or "").startswith("scipy"):
                raise
    rows = []
    for module in modules:
        for name in dir(module):
            if name.endswith("_CASES"):
                for row in getattr(module, name):
                    rows.append((row.f, row.wrt) if hasattr(row, "f") else (row[1], row[3]))
    return rows


@pytest.fixture(scope="module")
def exercised():
    """{(function, parameter, "adjoint"|"tangent")} differentiated, and the same for parameters
    passed, by the rows."""
    derived: set = set()
    passed: set = set()
    original = templates.refused_parameter

    def recording(rule, mode, bound, active):
        result = bound.template.params[0]
        for param, node in bound.mapping.items():
            if param != result and getattr(node, "id", None) in active and param in bound.template.derived:
                derived.add((bound.fn, param, mode))
        passed.update((bound.fn, param, mode) for param in bound.passed)
        return original(rule, mode, bound, active)

    patch = pytest.MonkeyPatch()
    patch.setattr(reverse, "refused_parameter", recording)
    patch.setattr(forward, "refused_parameter", recording)
    try:
        for f, wrt in _rows():
            api._cache.pop(f, None)  # generate afresh, so the recorder sees the templates applied
            for mode in MODES:
                astgrad.grad(f, wrt=wrt, mode=mode, specialize=False)
            api._cache.pop(f, None)
    finally:
        patch.undo()
    return derived, passed


def _public_rules() -> list:
    out = []
    for key, rule in RULES.items():
        fn = rule.fn if isinstance(key, int) else key
        module = getattr(rule.fn, "__module__", "") or ""
        if rule.differentiable and not module.startswith(("astgrad.runtime", "tests.")):
            out.append(pytest.param(fn, rule, id=display_name(fn)))
    return out


@pytest.mark.parametrize(("fn", "rule"), _public_rules())
def test_every_differentiable_parameter_has_rows_in_both_modes(fn, rule, exercised):
    derived, _ = exercised
    for mode in MODES.values():
        template = getattr(rule, mode)
        if template is None:
            continue
        missing = sorted(p for p in template.derived if (fn, p, mode) not in derived)
        assert not missing, f"no row of the rule matrix differentiates {display_name(fn)} in {missing} ({mode})"


@pytest.mark.parametrize(("fn", "rule"), _public_rules())
def test_every_static_parameter_is_passed_by_a_row(fn, rule, exercised):
    _, passed = exercised
    for mode in MODES.values():
        template = getattr(rule, mode)
        if template is None:
            continue
        # (of the primitive's own: np.asarray shares np.array's templates, and takes no ndmin)
        own = set(primitive_parameters(fn, rule))
        static = (set(template.arguments) & own) - template.derived - rule.unsupported
        missing = sorted(p for p in static if (fn, p, mode) not in passed)
        assert not missing, f"no row of the rule matrix passes {display_name(fn)}'s {missing} ({mode})"
