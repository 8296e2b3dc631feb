"""Every failure the fuzzer found (tests/fuzz_regressions.py), checked the way the fuzzer checks
a generated program: reverse and forward mode against central differences and each other. An
entry whose reason starts with "refused:" is a program astgrad now refuses on purpose, with a
TransformError containing the rest of the reason."""

from __future__ import annotations

import copy

import pytest

from tests.fuzz.harness import check_function
from tests.fuzz_regressions import REGRESSIONS


def _params():
    out = []
    for f, args, reason in REGRESSIONS:
        refusal = reason.startswith("refused:")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason and not refusal else []
        out.append(pytest.param(f, args, reason if refusal else "", marks=marks, id=f.__name__))
    return out


@pytest.mark.parametrize(("f", "args", "refusal"), _params())
def test_fuzz_regression(f, args, refusal):
    refused = check_function(f, copy.deepcopy(args))
    if refusal:
        assert refused and refusal.partition(":")[2].strip() in str(refused), refused
    else:
        assert not refused, f"astgrad refused a supported program: {refused}"
