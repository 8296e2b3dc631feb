"""Derivative templates spliced into generated code: a call binds a template's parameters as
Python binds a call's arguments, and splicing copies a template, never changes it."""

import inspect

import gast
import numpy as np
import pytest

import astgrad
from astgrad.ad.templates import Bound, TemplateMismatch, _bind
from astgrad.frontend.assumptions import recording
from astgrad.frontend.context import Context
from astgrad.frontend.parse import parse_function
from astgrad.ir.trees import name
from astgrad.numerical import numerical_grad
from astgrad.rules.registry import RULES


def _templates():
    seen = {}
    for rule in RULES.values():
        for t in (rule.adjoint, rule.tangent):
            if t is not None:
                seen[id(t)] = t
    return list(seen.values())


def _calls(template):
    """Calls of every shape: all positional, some by keyword (in any order), too many, unknown or
    repeated keywords, required parameters left out."""
    params = list(template.signature.parameters.values())
    atoms = [name(f"a{i}") for i in range(len(params) + 1)]
    positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    yield atoms[: len(positional)], {}
    yield atoms[: len(positional) + 1], {}
    yield [], {}
    for k in range(len(positional) + 1):
        rest = {p.name: atoms[i] for i, p in enumerate(params[k:])}
        yield atoms[:k], dict(reversed(list(rest.items())))
        yield atoms[:k], {"not_a_parameter": atoms[0], **rest}
        if k and positional:
            yield atoms[:k], {positional[0]: atoms[0]}  # (given twice)
    yield atoms[:1], {}


def test_a_call_binds_a_template_as_signature_bind_does():
    checked = 0
    for template in _templates():
        for args, keywords in _calls(template):
            try:
                expected = dict(template.signature.bind(*args, **keywords).arguments)
            except TypeError as exc:
                with pytest.raises(TemplateMismatch, match=str(exc)[:20]):
                    _bind(template, args, keywords)
                continue
            got = _bind(template, args, keywords)
            assert list(got.items()) == list(expected.items()), template.origin  # (the same order too)
            checked += 1
    assert checked > 500


def _dump_all():
    return {id(t): [gast.dump(s, include_attributes=True) for s in t.body] for t in _templates()}


def _many_rules(x, w):
    h = np.tanh(w @ x) + np.exp(-x[0]) * np.sin(x[1])
    m = np.maximum(h, 0.1) / (1.0 + np.abs(h))
    s = np.sum(m**2, axis=0) + np.mean(np.log1p(h * h), keepdims=True)[0]
    return s + np.clip(x, -1.0, 1.0)[2] * np.where(x > 0, x, 0.5 * x).sum()


def test_splicing_templates_leaves_them_as_they_are():
    before = _dump_all()
    x, w = np.array([0.3, -0.7, 1.1]), np.arange(9.0).reshape(3, 3) / 10.0
    g = astgrad.grad(_many_rules, wrt=("x", "w"))
    for _ in range(2):  # (the general code, then the specialised code, then both again)
        gx, gw = g(x, w)
        np.testing.assert_allclose(gx, numerical_grad(lambda v: _many_rules(v, w), x), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gw, numerical_grad(lambda v: _many_rules(x, v), w), rtol=1e-6, atol=1e-8)
    jvp = astgrad.jvp(_many_rules, (x, w), (np.ones(3), np.zeros((3, 3))))
    np.testing.assert_allclose(jvp[1], np.sum(gx), rtol=1e-6)
    assert _dump_all() == before


def test_a_bound_template_fills_in_the_defaults_after_the_given_parameters():
    ctx = Context(parse_function(_many_rules))
    with recording():
        bound = Bound(RULES[np.sum].adjoint, name("y"), [name("x")], {"keepdims": name("k")}, ctx, np.sum)
    # (Signature.bind's order, then defaults)
    assert list(bound.mapping) == ["y", "a", "keepdims", "axis", "dtype", "initial", "where"]
    assert bound.passed == frozenset({"a", "keepdims"})
    defaults = ("axis", "dtype", "initial", "where")
    assert [gast.dump(bound.mapping[p]) for p in defaults] == [gast.dump(gast.Constant(None, None))] * 4


def _helper(v):
    return v


def test_a_global_name_asked_for_again_is_the_same_and_recorded_in_each_program():
    ctx = Context(parse_function(_many_rules))
    with recording() as first:
        a = ctx.global_ref("_helper", _helper)
        assert ctx.global_ref("_helper", _helper) == a == "_helper"
    with recording() as second:
        assert ctx.global_ref("_helper", _helper) == a
    assert first.facts.keys() == second.facts.keys() and len(second.facts) == 1
    with recording():  # (another object under that name: a name of its own)
        other = ctx.global_ref("_helper", len)
        assert other != a and ctx.global_ref("_helper", len) == other
