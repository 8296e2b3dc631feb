"""Derivative rules: the table (registry) and the built-in entries, grouped by family."""

from . import (  # noqa: F401  (importing registers the rules)
    builtins,
    fft_rules,
    linalg_extra_rules,
    linalg_rules,
    more_rules,
    nan_rules,
    numpy_extra_rules,
    numpy_rules,
    operators,
    parity_rules,
    runtime_rules,
)
from .registry import RULES, Rule, Template, adjoint, lookup, nondifferentiable, refuse, tangent

try:  # SciPy is optional: its rules register when it is installed
    from . import scipy_rules, special_rules, stats_rules  # noqa: F401
except ImportError as exc:
    if not (exc.name or "").startswith("scipy"):
        raise

__all__ = ["RULES", "Rule", "Template", "adjoint", "tangent", "lookup", "nondifferentiable", "refuse"]
