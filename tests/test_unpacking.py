"""`a, b = seq` reads the items by position: a sequence of another length is refused where it
runs, as Python refuses it, naming the user's line (a longer one lost its last items silently),
and so is a dict, which Python unpacks into its keys (runtime.check_unpack). Specialised code,
whose facts know the lengths, carries no check."""

import numpy as np
import pytest

import astgrad
from astgrad import grad
from tests import unpacking_functions as uf
from tests.modes import MODES, check
from tests.test_errors import line_of

RNG = np.random.default_rng(5)
PAIRS = [(float(v), 2.0 * float(v) + 0.1) for v in RNG.normal(size=20)]
LAYERS = [(RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3)) for _ in range(2)]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("points", [PAIRS, PAIRS[:3]], ids=["long", "short"])
def test_pairs_are_differentiated(points, options):
    check(uf.fits_points, (0.7, points), 0, options)


@pytest.mark.parametrize("options", MODES)
def test_layers_unpacked_are_differentiated(options):
    check(uf.unpacks_layers, (LAYERS, RNG.normal(size=3)), (0, 1), options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "points, message",
    [
        ([(x, y, 1.0) for x, y in PAIRS], "too many values to unpack (expected 2, got 3)"),
        ([(x, y, 1.0) for x, y in PAIRS[:3]], "too many values to unpack (expected 2, got 3)"),
        ([(x,) for x, _ in PAIRS[:3]], "not enough values to unpack (expected 2, got 1)"),
    ],
    ids=["triples", "short-triples", "singles"],
)
def test_items_of_another_length_are_refused(points, message, options):
    with pytest.raises(ValueError) as info:
        grad(uf.fits_points, **options)(0.7, points)
    assert f"unpacking_functions.py:{line_of(uf.fits_points, 'for x, y in points')}: {message}" in str(info.value)


@pytest.mark.parametrize("options", MODES)
def test_a_dict_unpacked_is_refused(options):
    with pytest.raises(astgrad.UnsupportedValueError, match="unpacking a dict into 2 names gives its keys"):
        grad(uf.unpacks_a_dict, **options)({"a": 1.0, "b": 2.0})


def test_specialised_code_checks_no_length_its_facts_know():
    assert "check_unpack(" in astgrad.source(uf.fits_points)
    assert "check_unpack(" not in astgrad.source(uf.fits_points, args=(0.7, PAIRS))
    assert "check_unpack(" not in astgrad.source(uf.unpacks_layers, wrt=(0, 1), args=(LAYERS, np.ones(3)))
    # (a length the facts know to differ keeps its check: it refuses when the code runs)
    triples = [(x, y, 1.0) for x, y in PAIRS]
    assert "check_unpack(" in astgrad.source(uf.fits_points, args=(0.7, triples))


def test_a_global_tuple_unpacked_under_jit():
    pytest.importorskip("numba")
    x = np.array([0.3, 2.0])
    np.testing.assert_allclose(grad(uf.clips_to_global_bounds, jit=True)(x), [0.6, 0.0])


@pytest.mark.parametrize("options", MODES)
def test_a_guard_on_a_tuple_holding_nan_and_an_object_without_length(options):
    """A global tuple holding NaN is the tuple the code was made for (its guard compares its items
    by identity first, as Python's == does); an object read by position alone is unpacked as before."""
    x = np.array([0.3, 2.0])
    for _ in range(2):
        np.testing.assert_allclose(grad(uf.clips_to_limits_with_a_nan, **options)(x), [0.6, 0.0])
    check(uf.unpacks_an_object_read_by_position, (1.5,), 0, options)
