"""What a probe of objects, globals and dict operations found (tests/objects_probe_functions.py):
a logistic spelled out that rebinds its own argument in a branch or loop was differentiated as
zero; writes into a global's or an attribute's list or dict, read back, and `setattr`, lost their
derivatives; `p | q` of dicts cut them; an attribute's array made the output non-scalar
unchecked; a cast of a list crashed; a global tuple that came to hold an array crashed the
guard. Each is now right against central differences in every mode, or refused naming the
user's line."""

import re

import numpy as np
import pytest

from astgrad import TransformError, UnsupportedValueError, grad, numerical_grad
from tests import objects_probe_functions as of
from tests.modes import MODES, check

X = np.array([0.3, -0.5, 1.2])


class Holder:
    pass


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args",
    [
        (of.squashes_in_a_branch, (X, True)),
        (of.squashes_with_a_helper_in_a_branch, (X, True)),
        (of.squashes_in_a_loop, (X, 2)),
        (of.logs_only, (X,)),
        (of.masks_with_bitwise_or, (np.array([0.3, -1.5, 1.2]),)),
        (of.scales_by_a_module_number, (X,)),
        (of.casts_a_list_to_float32, (X,)),
        (of.unpacks_a_global_pair, (X,)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_right_against_central_differences(f, args, options):
    if f is of.casts_a_list_to_float32:  # (float32 values: central differences to their precision)
        g = grad(f, **options)
        np.testing.assert_allclose(g(X), 2.0 * X, rtol=1e-6)
        return
    check(f, args, 0, options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f, args, wrt, message",
    [
        (of.logs_then_reads_back, (X,), 0, "`LOG.append(...)` writes into `LOG`, which is not a local variable"),
        (of.caches_then_reads_back, (X,), 0, "`CACHE.update(...)` writes into `CACHE`"),
        (of.sets_an_attribute, (X, Holder()), 0, "`setattr` writes an attribute"),
        (of.Recurrent().loss, (np.eye(3) * 0.5, X), 1, "`self.states.append(...)` writes into `self.states`"),
        (of.merges_dicts, ({"W": X},), 0, "a dict or set merged with `|`"),
        (of.merges_in_place, (X,), 0, "a dict or set merged with `|`"),
    ],
    ids=["global-list", "global-dict", "setattr", "method-state", "dict-merge", "dict-merge-in-place"],
)
def test_refused_at_the_users_line(f, args, wrt, message, options):
    with pytest.raises((TransformError, UnsupportedValueError)) as info:
        grad(f, wrt=wrt, **options)(*args)
    assert re.search("objects_probe_functions.py:[0-9]+: " + re.escape(message), str(info.value)), str(info.value)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [of.logs_a_bounded_history, of.counts_its_calls_for_a_rate, of.sets_an_attribute_for_the_caller, of.masks_cast],
    ids=lambda f: f.__name__,
)
def test_logging_and_masks_read_no_value_back(f, options):
    """A log's length, truth and printing read no value; an attribute set and never read; `&` of
    masks cast from the input: differentiated as the program runs, on its first call."""
    of.HISTORY.clear()
    of.CALLS.clear()
    g = grad(f, **options)(X)
    of.HISTORY.clear()
    of.CALLS.clear()
    if options.get("mode") == "forward" and f is of.counts_its_calls_for_a_rate:
        return  # (forward mode runs the function once per input element: its count grows)
    expected = np.asarray(numerical_grad(f, X)) if f is not of.counts_its_calls_for_a_rate else 0.2 * X
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("options", MODES)
def test_an_attributes_array_making_the_output_an_array_is_refused(options):
    with pytest.raises(UnsupportedValueError, match="grad needs a function with a scalar output"):
        grad(of.scales_by_a_module_array, **options)(X)


def test_a_global_tuple_that_comes_to_hold_an_array_is_followed():
    g = grad(of.unpacks_a_global_pair)
    np.testing.assert_allclose(g(X), 2.0 * X + 2.0)
    saved = of.PAIR
    try:
        of.PAIR = (np.array([1.0, 2.0, 3.0]), 0.5)
        np.testing.assert_allclose(g(X), 2.0 * of.PAIR[0] * X + 0.5)
    finally:
        of.PAIR = saved
    np.testing.assert_allclose(g(X), 2.0 * X + 2.0)
