"""Gradient checks of every function in tests/catalogue.py against central differences.

Each argument tuple of each CATALOGUE entry is one test, with id `<function>-<case>` (cases are
numbered across all entries of the same function). Entries whose status is not "ok" are known
astgrad bugs or not-yet-supported constructs; they are marked xfail(strict=True), so that a fix
shows up as an XPASS and the entry's status must be updated to "ok".
"""

from __future__ import annotations

import copy

import pytest

from astgrad import check_grad, grad
from tests.catalogue import CATALOGUE

KINDS = ("ok", "bug", "unsupported")


def _params():
    count: dict[str, int] = {}
    out = []
    for f, cases, wrt, status in CATALOGUE:
        kind = status.partition(":")[0].strip()
        assert kind in KINDS, f"{f.__name__}: bad status {status!r}"
        marks = [] if kind == "ok" else [pytest.mark.xfail(strict=True, reason=status)]
        for args in cases:
            i = count.get(f.__name__, 0)
            count[f.__name__] = i + 1
            out.append(pytest.param(f, args, wrt, id=f"{f.__name__}-{i}", marks=marks))
    return out


@pytest.mark.parametrize(("f", "args", "wrt"), _params())
def test_catalogue(f, args, wrt):
    args = copy.deepcopy(args)  # a function that wrongly mutates its input must not spoil later cases
    check_grad(f, grad(f, wrt=wrt), *args, wrt=wrt)
