"""np.quantile's methods: the weights astgrad gives the sorted values (runtime.quantile_weights)
sum them to NumPy's own quantile, for every method it differentiates, every q at and between the
ends, runs of one value and more, along an axis and skipping NaN (np.nanquantile); a method it
does not know is refused. (The gradients themselves: test_keywords.py against central differences.)"""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from astgrad.runtime.arrays import QUANTILE_PICKING, QUANTILE_PLOTTING, quantile_weights

RNG = np.random.default_rng(12)


@pytest.mark.parametrize("method", [*QUANTILE_PLOTTING, *QUANTILE_PICKING])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_the_weights_give_numpys_quantile(method, n):
    a = RNG.normal(size=n)
    for q in (0.0, 0.1, 0.25, 0.5, 0.625, 0.9, 1.0, 1 / (n + 1), 0.5 / n):
        assert np.sum(quantile_weights(a, q, None, False, method) * a) == pytest.approx(
            np.quantile(a, q, method=method)
        )
    rows = RNG.normal(size=(3, n))
    w = quantile_weights(rows, 0.3, 1, False, method)
    np.testing.assert_allclose(np.sum(w * rows, axis=1), np.quantile(rows, 0.3, axis=1, method=method))
    if n > 1:
        rows[0, 0] = np.nan
        w = quantile_weights(rows, 0.3, 1, True, method)
        got = np.sum(np.where(w > 0, w * rows, 0.0), axis=1)
        np.testing.assert_allclose(got, np.nanquantile(rows, 0.3, axis=1, method=method))


def unknown_method(x):
    return np.quantile(x, 0.3, method="inverted_cdf")


def test_a_method_astgrad_does_not_know_is_refused():
    with pytest.raises(AstgradError, match="not 'inverted_cdf'"):
        grad(unknown_method)(RNG.normal(size=5))
