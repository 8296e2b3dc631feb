"""A NumPy call is differentiated whatever keywords and positional arguments it is written with:
keywords that never change the values (a sort's kind, a copy's memory order, a ufunc's layout)
are not the rules' business; NumPy's other names for a parameter (`correction` for `ddof`) are
the rule's; a positional argument reaches the parameter NumPy gives it, not the one at that place
in the rule's template (np.prod's third is `dtype`); a float `dtype=` where the rule takes none is
the cast it is (of the inputs of a ufunc or reduction, of the result of a concatenation); `where=True`
is every element; np.diff's prepend and append are the differences of the extended array, np.cross
along an axis the product of the vectors moved last; NumPy 2's named results
(`np.linalg.eigh(a).eigenvalues`) are their items; np.take's modes and np.trace's axes have
their derivatives, and so have medians and quantiles over a tuple of axes. Before, each was refused
("does not accept this call"), np.trace of more than two axes was differentiated as a matrix's (a
wrong gradient), and a median over a tuple of axes crashed."""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from tests import keywords_functions as kf
from tests.modes import MODES, check

X = np.array([0.7, -1.3, 0.4, 2.1])


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        kf.sorts_stably,
        kf.sorts_with_stable_flag,
        kf.reshapes_with_copy,
        kf.copies_in_fortran_order,
        kf.adds_an_axis_with_ndmin,
        kf.variance_with_correction,
        kf.ufunc_with_layout_keywords,
        kf.takes_with_clipped_indices,
        kf.takes_with_wrapped_indices,
        kf.traces_a_stack_of_matrices,
        kf.traces_the_first_two_axes,
        kf.maximum_with_keepdims_by_position,
        kf.product_with_keepdims_by_position,
        kf.product_with_dtype_by_position,
        kf.median_over_two_axes,
        kf.percentile_over_two_axes_kept,
        kf.float_dtypes_as_casts,
        kf.reductions_everywhere,
        kf.differences_with_prepend,
        kf.differences_of_rows_extended,
        kf.cross_products_along_an_axis,
        kf.named_results,
        kf.pads_with_a_dict,
        kf.reduce_with_a_dtype_by_position,
        kf.largest_first,
        kf.quantiles_by_other_methods,
        kf.cross_with_axis_overriding,
        kf.differences_of_order_zero,
    ],
    ids=lambda f: f.__name__,
)
def test_calls_are_differentiated(f, options):
    check(f, (X,), 0, options)


def test_trace_of_a_stack_has_one_diagonal_per_matrix():
    # derived by hand: np.trace over axes 0, 1 of a (2, 2, 2) stack is [a000 + a110, a001 + a111]
    a = np.arange(8.0).reshape(2, 2, 2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0] = expected[1, 1] = [1.0, 10.0]
    assert np.array_equal(grad(trace_weighted)(a), expected)


def trace_weighted(a):
    return np.sum(np.trace(a) * np.array([1.0, 10.0]))


@pytest.mark.parametrize("options", MODES)
def test_a_positional_argument_reaches_numpys_parameter(options):
    # np.var(a, 0, None, None, 1): NumPy's fifth is ddof, the template's keepdims; np.linspace's fifth
    # is retstep, which no rule takes: refused when true, never read as the template's dtype
    check(kf.variance_with_ddof_by_position, (X,), 0, options)
    check(kf.linspace_with_defaults_by_position, (X,), 0, options)
    with pytest.raises(AstgradError, match="retstep"):
        grad(kf.linspace_with_retstep_by_position, **options)(X)


def test_periodic_interpolation_in_forward_mode_alone():
    # (the tangent in fp is np.interp's of the tangents, periodic too; reverse mode refuses period)
    check(kf.periodic_interpolation, (X,), 0, {"mode": "forward"})
    with pytest.raises(AstgradError, match="without period"):
        grad(kf.periodic_interpolation)(X)
