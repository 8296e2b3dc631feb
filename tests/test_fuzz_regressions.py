"""Every failure the fuzzer found (tests/fuzz_regressions.py), checked the way the fuzzer checks
a generated program: reverse and forward mode against central differences and each other."""

from __future__ import annotations

import copy

import pytest

from tests.fuzz.harness import check_function
from tests.fuzz_regressions import REGRESSIONS


def _params():
    out = []
    for f, args, reason in REGRESSIONS:
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(f, args, marks=marks, id=f.__name__))
    return out


@pytest.mark.parametrize(("f", "args"), _params())
def test_fuzz_regression(f, args):
    refused = check_function(f, copy.deepcopy(args))
    assert not refused, f"astgrad refused a supported program: {refused}"
