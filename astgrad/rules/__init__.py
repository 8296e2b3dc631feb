"""Derivative rules: the table (registry) and the built-in entries, grouped by family."""

import numpy as np

from . import (  # noqa: F401  (importing registers the rules)
    builtins,
    fft_rules,
    linalg_extra_rules,
    linalg_rules,
    members,
    more_rules,
    nan_rules,
    numpy_extra_rules,
    numpy_rules,
    operators,
    parity_rules,
    registry,
    runtime_rules,
)
from .registry import RULES, Rule, Template, adjoint, lookup, nondifferentiable, refuse, tangent

try:  # SciPy is optional: its rules register when it is installed
    from . import scipy_rules, special_rules, stats_rules  # noqa: F401
except ImportError as exc:
    if not (exc.name or "").startswith("scipy"):
        raise

# NumPy's and SciPy's ufuncs (not the generalised ones, np.matvec) broadcast their arguments: the
# shape fact of every one in the registry that does not state its own (shape_facts.py)
for _fn, _rule in registry.builtin_rules():
    if isinstance(_fn, np.ufunc) and _fn.signature is None and _rule.shape is None:
        registry.describe(_fn, shape=registry.SHAPE_ALL)

__all__ = ["RULES", "Rule", "Template", "adjoint", "tangent", "lookup", "nondifferentiable", "refuse"]
