"""Deliberate refusals (issue 15): a function astgrad knows but does not differentiate is refused
with a TransformError that names it and says why; every refusal in the registry says why."""

from __future__ import annotations

import numpy as np
import pytest

from astgrad import TransformError, grad
from astgrad.rules.registry import builtin_rules, display_name


def unique_sum(x):
    return np.sum(np.unique(x) ** 2)


def partition_sum(x):
    return np.sum(np.sin(np.partition(x, 1)))


def inactive_unique(x):
    return np.sum(x) * np.unique(np.array([1.0, 1.0, 2.0])).size


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(("f", "name"), [(unique_sum, "np.unique"), (partition_sum, "np.partition")])
def test_a_refused_function_is_named_with_its_reason(f, name, mode):
    with pytest.raises(TransformError, match=f"`{name}` \\(selected values whose places"):
        grad(f, mode=mode)(np.array([3.0, 1.0, 2.0]))


def test_a_refused_function_of_constants_is_no_obstacle():
    np.testing.assert_allclose(grad(inactive_unique)(np.array([3.0, 1.0])), [2.0, 2.0])


def test_every_refusal_says_why():
    refused = [fn for fn, rule in builtin_rules() if rule.differentiable and not (rule.adjoint or rule.tangent)]
    assert any(display_name(fn) == "np.unique" for fn in refused)
    silent = [display_name(fn) for fn, rule in builtin_rules() if rule in refused and not rule.note]
    assert not silent, silent
