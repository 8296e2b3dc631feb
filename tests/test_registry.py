"""The registry is total: every parameter of every primitive that has a rule is declared
differentiable (both templates derive it), static by nature, or unsupported, and the declarations
agree with the templates and with the primitive's signature."""

from __future__ import annotations

import inspect
import operator

import numpy as np
import pytest

from astgrad import rules
from astgrad.rules.registry import (
    DIFFERENTIABLE,
    RULES,
    STATIC,
    UNSUPPORTED,
    builtin_rules,
    display_name,
    primitive_parameters,
)


def _entries() -> list:
    """(function, rule) for every built-in key of the registry (aliases included; users' own
    rules may leave parameters undeclared: those are refused when active)."""
    return [pytest.param(fn, rule, id=display_name(fn)) for fn, rule in builtin_rules()]


ENTRIES = _entries()


@pytest.mark.parametrize(("fn", "rule"), ENTRIES)
def test_every_template_parameter_is_declared(fn, rule):
    """A parameter the templates take but give no derivative must be declared static or
    unsupported: a forgotten derivative (np.clip's bounds, before) is caught here."""
    if not rule.differentiable:
        assert rule.adjoint is None and rule.tangent is None, "a nondifferentiable primitive with templates"
        return
    if rule.adjoint is None and rule.tangent is None:
        return  # facts only (np.copyto writes, np.imag views): differentiating through it is refused
    for template in (rule.adjoint, rule.tangent):
        if template is None:
            continue
        for param in template.arguments:
            declared = param in rule.static or param in rule.unsupported
            assert param in template.derived or declared, (
                f"{display_name(fn)}: parameter `{param}` has no derivative in {template.origin} and is "
                "declared neither static nor unsupported"
            )


@pytest.mark.parametrize(("fn", "rule"), ENTRIES)
def test_declarations_agree_with_the_templates(fn, rule):
    """A differentiable parameter is derived by both templates; a declared one by neither; a
    declared name is a parameter of the primitive."""
    both = [t for t in (rule.adjoint, rule.tangent) if t is not None]
    if len(both) == 2:
        assert rule.adjoint.derived == rule.tangent.derived, (
            f"{display_name(fn)}: the adjoint derives {sorted(rule.adjoint.derived)}, "
            f"the tangent {sorted(rule.tangent.derived)}"
        )
    assert not (rule.static & rule.unsupported), f"{display_name(fn)}: declared both static and unsupported"
    names = set(primitive_parameters(fn, rule)) | {p for t in both for p in t.arguments}
    for param in rule.static | rule.unsupported:
        assert param in names, f"{display_name(fn)}: declares `{param}`, which is no parameter of it"
        for t in both:
            assert param not in t.derived, f"{display_name(fn)}: `{param}` is declared but {t.origin} derives it"


@pytest.mark.parametrize(("fn", "rule"), ENTRIES)
def test_every_primitive_parameter_has_a_kind(fn, rule):
    """Each parameter of the primitive's own signature is one of the three kinds; one the
    templates do not take is refused when passed."""
    for param in primitive_parameters(fn, rule):
        assert rule.kind(param) in (DIFFERENTIABLE, STATIC, UNSUPPORTED)


def test_the_package_exports_the_registry():
    assert rules.lookup(np.sum) is RULES[np.sum]


@pytest.mark.parametrize(("fn", "rule"), ENTRIES)
def test_template_defaults_are_the_primitives(fn, rule):
    """A template's default is what the primitive does when the argument is left out: a wrong
    default (axis=0 for NumPy's axis=-1) would differentiate another call than the one made."""
    try:
        real = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return
    for template in (rule.adjoint, rule.tangent):
        if template is None:
            continue
        for p in template.signature.parameters.values():
            if p.default is inspect.Parameter.empty or p.name not in real:
                continue
            theirs = real[p.name].default
            if theirs is inspect.Parameter.empty or repr(theirs) == "<no value>":
                continue
            assert type(theirs) is type(p.default) and theirs == p.default, (
                f"{display_name(fn)}: {template.origin} defaults `{p.name}` to {p.default!r}, NumPy to {theirs!r}"
            )


def test_the_passes_facts_come_from_the_entries():
    """Facts the passes read by name (generated code says `np.reshape`) follow the entries,
    aliases included; np.asarray shares np.array's derivatives (dtype= included) but not its facts."""
    from astgrad.rules.registry import functions_with, numpy_names, runtime_facts

    assert {"reshape", "transpose", "permute_dims", "asarray", "real", "imag"} <= numpy_names("views")
    assert "copy" not in numpy_names("views") and "array" not in numpy_names("views")
    assert RULES[np.asarray].adjoint is RULES[np.array].adjoint
    assert {"add", "multiply", "subtract", "negative", "matmul"} <= numpy_names("continuous")  # (aliases)
    assert np.copyto in functions_with("writes") and np.random.shuffle in functions_with("writes")
    assert runtime_facts("reads_shape_of") == {"unreduce": 1, "reduce_size": 0}
    assert RULES[np.sum].shape == "first" and RULES[operator.mod].shape == "all"
    assert RULES[np.mod].adjoint is RULES[operator.mod].adjoint and RULES[np.mod].alias_of is operator.mod


def test_describe_refuses_an_unknown_fact():
    from astgrad.errors import AstgradError
    from astgrad.rules.registry import describe

    with pytest.raises(AstgradError, match="unknown facts"):
        describe(np.sum, elementwize=True)
