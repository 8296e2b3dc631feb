"""NumPy functions that return views of their argument (np.flip, np.rot90, np.expand_dims, the
split family, ...) are described so in the registry: a write through their result, or into the
array they view while the result is read, is refused naming the user's line (it was differentiated
as if the two were apart: a silent wrong gradient); reading them is differentiated as before."""

import numpy as np
import pytest

from astgrad import AstgradError, grad
from tests import views_probe_functions as vf
from tests.modes import MODES, check

X = np.array([0.5, 1.2, -0.3, 0.8])


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        vf.writes_through_a_flip,
        vf.writes_through_a_split,
        vf.scales_through_expand_dims,
        vf.writes_the_base_of_a_flip,
        vf.writes_through_a_rotation,
        # the same array under another name, not a view of it (np.asarray, astype(copy=False),
        # squeeze of an array without unit axes): NumPy writes the argument too
        vf.scales_an_asarray_of_the_argument,
        vf.scales_an_astype_without_copy,
        vf.adds_to_a_squeeze,
        vf.scales_a_ravel_while_a_slice_is_held,
        # told not to copy: the same array when no copy is needed
        vf.writes_through_an_array_made_without_copy,
        vf.scales_an_array_made_without_copy,
    ],
    ids=lambda f: f.__name__,
)
def test_writes_through_views_are_refused(f, options):
    with pytest.raises(AstgradError, match=r"views_probe_functions\.py:[0-9]+: .*(view|shared|shares)"):
        grad(f, **options)(X.copy())


@pytest.mark.parametrize("options", MODES)
def test_views_read_are_differentiated(options):
    check(vf.reads_views_without_writing, (X,), 0, options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f", [vf.adds_to_an_asarray_the_function_reads_alone, vf.adds_to_an_asarray_of_a_list], ids=lambda f: f.__name__
)
def test_writes_no_other_name_reads_are_differentiated(f, options):
    check(f, (X,), 0, options)
