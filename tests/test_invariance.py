"""The max-shift of a log-sum-exp or softmax gets no adjoint (astgrad/analysis/invariance.py).

Every gradient here is checked against central differences and forward mode; the shift's
treatment is checked on the generated code: no `extremum_mask` (the max's adjoint) where the
result provably does not depend on the max, and the max's adjoint kept where it does.
"""

from __future__ import annotations

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, jvp
from astgrad.ad.assemble import normalized
from astgrad.analysis.invariance import shift_names


def lse_rows_keepdims(s):
    m = np.max(s, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0]
    return np.sum(lse * np.arange(1.0, s.shape[0] + 1.0))


def lse_columns(s):
    mx = np.max(s, axis=0)
    return np.sum(np.cos(mx + np.log(np.sum(np.exp(s - mx), axis=0))))


def lse_all(a):
    amax = np.max(a)
    return amax + np.log(np.sum(np.exp(a - amax)))


def softmax_rows(s, w):
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * w)


def log_softmax_columns(s, w):
    m = np.max(s, axis=0)
    shifted = s - m
    return np.sum(w * (shifted - np.log(np.sum(np.exp(shifted), axis=0))))


def softmax_columns_broadcast(s, w):
    m = np.max(s, axis=0)
    e = np.exp(s - m)
    return np.sum(w * (e / np.sum(e, axis=0)))


INVARIANT = [lse_rows_keepdims, lse_columns, lse_all, softmax_rows, log_softmax_columns, softmax_columns_broadcast]


# m also used elsewhere, or the sum over an axis along which m varies: m keeps its adjoint


def lse_plus_max(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0]) + 0.5 * np.sum(m)


def max_of_rows_summed_over_columns(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(s - m), axis=0)))  # not invariant: m varies along axis 0


def shift_from_another_array(s, t):
    m = np.max(t, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(s - m), axis=1)) + m[:, 0])  # invariant, but not proved


def reduced_row_max_broadcast_wrongly(s):
    m = np.max(s, axis=1)  # (n,) broadcast along rows of an (n, n) array: not a shift
    return np.sum(np.log(np.sum(np.exp(s - m), axis=1)) + m)


def lse_scaled(s):
    m = np.max(s, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(s - m), axis=1)) + 2.0 * m[:, 0])


DEPENDENT = [lse_plus_max, max_of_rows_summed_over_columns, reduced_row_max_broadcast_wrongly, lse_scaled]


def _args(f, rng):
    shape = (4, 4) if f in (reduced_row_max_broadcast_wrongly, max_of_rows_summed_over_columns) else (4, 3)
    return [rng.standard_normal(shape) for _ in range(f.__code__.co_argcount)]


def _both_modes_agree(f, args):
    """Reverse mode (general and specialised code) against central differences and forward mode."""
    g = grad(f, wrt=0)(*args)
    check_grad(f, g, *args, wrt=0)
    np.testing.assert_allclose(grad(f, wrt=0, specialize=False)(*args), g, rtol=1e-12, atol=1e-14)
    rng = np.random.default_rng(1)
    v = rng.standard_normal(np.shape(args[0]))
    tangents = [v] + [np.zeros_like(a) for a in args[1:]]
    _, directional = jvp(f, args, tangents)
    np.testing.assert_allclose(directional, np.sum(g * v), rtol=1e-10)


@pytest.mark.parametrize("f", INVARIANT, ids=lambda f: f.__name__)
def test_the_shift_gets_no_adjoint(f):
    rng = np.random.default_rng(0)
    _both_modes_agree(f, _args(f, rng))
    text = astgrad.source(f, wrt=0)
    assert "extremum_mask" not in text, text
    ctx, fdef = normalized(f)
    assert len(shift_names(fdef)) == 1


@pytest.mark.parametrize("f", DEPENDENT + [shift_from_another_array], ids=lambda f: f.__name__)
def test_a_max_the_result_may_depend_on_keeps_its_adjoint(f):
    rng = np.random.default_rng(0)
    _both_modes_agree(f, _args(f, rng))
    ctx, fdef = normalized(f)
    assert shift_names(fdef) == set()
    wrt = 1 if f is shift_from_another_array else 0
    assert "extremum_mask" in astgrad.source(f, wrt=wrt)


def test_ties_in_the_max_do_not_matter():
    """With a tied maximum the max itself has no derivative; the log-sum-exp does: softmax."""
    s = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0]])
    g = grad(lse_rows_keepdims)(s)
    e = np.exp(s)
    softmax = e / np.sum(e, axis=1, keepdims=True)
    np.testing.assert_allclose(g, softmax * np.array([[1.0], [2.0]]), rtol=1e-14)
