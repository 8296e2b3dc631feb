"""What the row-table rule tests share (tests/test_rules_linalg.py, tests/test_rules_more.py): a
row is `(id, function, samplers, wrt)`, a sampler maps a NumPy Generator to one argument."""

from __future__ import annotations

import numpy as np
import pytest

SEEDS = (0, 1, 2)


def params(rows: list) -> list:
    """The rows as pytest parameters named by their ids, which must be unique."""
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate row ids"
    return [pytest.param(row, id=row[0]) for row in rows]


def sample(row, seed: int) -> tuple:
    """The arguments of `row` drawn with `seed`."""
    _, _, samplers, _ = row
    rng = np.random.default_rng(seed)
    return tuple(s(rng) for s in samplers)


def as_tuple(g, wrt) -> tuple:
    """A gradient as a tuple of gradients, one per differentiated argument."""
    return g if isinstance(wrt, tuple) else (g,)


def check_forward_matches_reverse(row, seed: int) -> None:
    """Forward mode gives the reverse-mode gradient of `row` at the arguments of `seed`."""
    from astgrad import grad

    _, f, _, wrt = row
    args = sample(row, seed)
    reverse = as_tuple(grad(f, wrt=wrt)(*args), wrt)
    forward = as_tuple(grad(f, wrt=wrt, mode="forward")(*args), wrt)
    assert len(forward) == len(reverse)
    for fw, rv in zip(forward, reverse):
        assert np.shape(fw) == np.shape(rv)
        np.testing.assert_allclose(fw, rv, rtol=1e-9, atol=1e-12)


def check_value_and_grad(row, specialize: bool) -> None:
    """value_and_grad gives the function's value and a gradient that passes check_grad."""
    from astgrad import check_grad, value_and_grad

    _, f, _, wrt = row
    args = sample(row, SEEDS[0])
    value, gradient = value_and_grad(f, wrt=wrt, specialize=specialize)(*args)
    expected = f(*args)
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    check_grad(f, gradient, *args, wrt=wrt)
