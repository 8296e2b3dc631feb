"""The singular vectors np.linalg.svd returns by default (full_matrices=True) are differentiated
where they are the matrix's own, in both modes: of a 3 × 4 matrix, U (square) and the first
three rows of Vᵀ. The row completing Vᵀ to a basis has no derivative: reverse mode refuses a
function of it, forward mode gives NaN (before, forward mode gave NaN for all of U and Vᵀ)."""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from tests import svd_complete_functions as sf
from tests.modes import MODES, check

X = np.random.default_rng(5).normal(size=(3, 4))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [sf.u_of_a_wide_matrix, sf.leading_rows_of_vt], ids=lambda f: f.__name__)
def test_the_matrix_own_vectors_are_differentiated(f, options):
    check(f, (X,), 0, options)


@pytest.mark.parametrize("options", MODES)
def test_the_completing_vectors_have_no_derivative(options):
    if options.get("mode") == "forward":
        assert np.isnan(grad(sf.the_completing_row, **options)(X)).all()
    else:
        with pytest.raises(AstgradError, match="singular vectors"):
            grad(sf.the_completing_row, **options)(X)
