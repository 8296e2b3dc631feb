"""Every function in tests/catalogue.py: reverse mode and forward mode against central
differences, and against each other.

Each argument tuple of each CATALOGUE entry is one test, with id `<function>-<case>` (cases are
numbered across all entries of the same function). Entries with status "refused: <text>" must
raise a TransformError containing the text, at transform time.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad
from tests.catalogue import CATALOGUE


def _params():
    count: dict[str, int] = {}
    out = []
    for f, cases, wrt, status in CATALOGUE:
        kind = status.partition(":")[0].strip()
        assert kind in ("ok", "refused", "refused at run time"), f"{f.__name__}: bad status {status!r}"
        for args in cases:
            i = count.get(f.__name__, 0)
            count[f.__name__] = i + 1
            out.append(pytest.param(f, args, wrt, status, id=f"{f.__name__}-{i}"))
    return out


def _plain_numbers(f, args, wrt) -> bool:
    """Whether every differentiated argument is a number or an array (forward mode's domain)."""
    params = list(inspect.signature(f).parameters)
    names = list(wrt) if isinstance(wrt, tuple) else [wrt]
    values = [args[params.index(w) if isinstance(w, str) else w] for w in names]
    return all(isinstance(v, (float, int, np.ndarray, np.floating)) for v in values)


@pytest.mark.parametrize(("f", "args", "wrt", "status"), _params())
def test_catalogue(f, args, wrt, status):
    if status.startswith("refused:"):
        with pytest.raises(TransformError, match=None) as info:
            grad(f, wrt=wrt)
        assert status.partition(":")[2].strip() in str(info.value)
        return
    if status.startswith("refused at run time:"):  # (by the value an argument turns out to have)
        for g in (grad(f, wrt=wrt), grad(f, wrt=wrt, specialize=False)):
            with pytest.raises(ValueError) as info:
                g(*copy.deepcopy(args))
            assert status.partition(":")[2].strip() in str(info.value)
        return
    args = copy.deepcopy(args)  # a function that wrongly mutates its input must not spoil later cases
    reverse = grad(f, wrt=wrt)
    check_grad(f, reverse, *args, wrt=wrt)  # specialised for these arguments' types and shapes
    check_grad(f, reverse.__astgrad_general__, *copy.deepcopy(args), wrt=wrt)  # and the general code
    assert not reverse.__astgrad_specializer__.failures  # specialising never fell back on an error
    if _plain_numbers(f, args, wrt):
        forward = grad(f, wrt=wrt, mode="forward")
        check_grad(f, forward, *copy.deepcopy(args), wrt=wrt)
        r, fw = reverse(*copy.deepcopy(args)), forward(*copy.deepcopy(args))
        for a, b in zip(r if isinstance(wrt, tuple) else [r], fw if isinstance(wrt, tuple) else [fw]):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
