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
    ],
    ids=lambda f: f.__name__,
)
def test_writes_through_views_are_refused(f, options):
    with pytest.raises(AstgradError, match=r"views_probe_functions\.py:[0-9]+: .*(view|shared)"):
        grad(f, **options)(X.copy())


@pytest.mark.parametrize("options", MODES)
def test_views_read_are_differentiated(options):
    check(vf.reads_views_without_writing, (X,), 0, options)
