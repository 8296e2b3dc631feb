"""Derivative rules: the table (registry) and the built-in entries, grouped by family."""

from . import builtins, linalg_rules, more_rules, numpy_rules, operators, runtime_rules  # noqa: F401  (importing registers the rules)
from .registry import RULES, Rule, Template, adjoint, lookup, nondifferentiable, tangent

__all__ = ["RULES", "Rule", "Template", "adjoint", "tangent", "lookup", "nondifferentiable"]
