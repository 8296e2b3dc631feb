"""Writes through an alias of an array (tests/alias_writes_functions.py, found by a probe of user
code): where the write would change a value another name holds, astgrad cannot follow it and
refuses when it runs, naming the user's line; an array assigned into itself (`x[::-1] = x`) is
differentiated, against central differences. Every mode: reverse (specialised, its second call),
general code, forward."""

import numpy as np
import pytest

from astgrad import TransformError, UnsupportedValueError, check_grad, grad
from tests import alias_writes_functions as aw
from tests.modes import MODES

V = np.array([1.0, 2.0, 3.0])
M = np.array([[1.0, 2.0], [3.0, 4.0]])

REFUSED = [
    (aw.a1_dict_item_iadd, (V,)),
    (aw.a2_list_item_imul, (V,)),
    (aw.a3_list_alias_elt, (V,)),
    (aw.a4_list_two, (V,)),
    (aw.a5_dict_assign_then_iadd, (V,)),
    (aw.a6_append_then_iadd, (V,)),
    (aw.a7_tuple_elt, (V,)),
    (aw.a8_dict_read_then_iadd, (V,)),
    (aw.a9_list_index_loop, (V,)),
    (aw.a10_dict_kw_ctor, (V,)),
    (aw.b1_param_dict_alias, ({"W": M}, np.array([0.5, -1.0]))),
    (aw.b2_for_over_param_list, ([M], np.array([1.0, 2.0]))),
    (aw.b3_for_over_param_pairs, ([(0.1 * M, np.array([0.1, 0.2]))], np.array([0.5, -1.0]))),
    (aw.b4_dict_items, ({"a": np.array([1.0, 2.0])},)),
    (aw.b5_dict_values, ({"a": np.array([1.0, 2.0])},)),
    (aw.b6_list_param, ([np.array([1.0, 2.0])],)),
    (aw.c1_row_view_then_imul, (M,)),
    (aw.c2_row_view_then_iadd, (M,)),
    (aw.c3_row_view_then_isub_mean, (M,)),
    (aw.c4_view_via_helper, (M,)),
    (aw.d1_identity_helper, (V,)),
]


def _copies(args):
    return tuple(
        {k: v.copy() for k, v in a.items()}
        if isinstance(a, dict)
        else [tuple(x.copy() for x in v) if isinstance(v, tuple) else v.copy() for v in a]
        if isinstance(a, list)
        else a.copy()
        for a in args
    )


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args", REFUSED, ids=[f.__name__ for f, _ in REFUSED])
def test_a_write_another_name_would_see_is_refused(f, args, options):
    g = None
    try:
        g = grad(f, **options)
    except TransformError as exc:  # (refused where the gradient is made: forward mode's dict(a=y))
        assert "alias_writes_functions.py" in str(exc)
        return
    for _ in range(2):  # (the second call runs the code specialised at the first)
        with pytest.raises(UnsupportedValueError, match=r"alias|held in|shares|view"):
            g(*_copies(args))


SELF_WRITES = [aw.e1_reverse_self_assign, aw.e2_reverse_self_assign_copy, aw.e3_fancy_perm_self_assign]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", SELF_WRITES, ids=[f.__name__ for f in SELF_WRITES])
def test_an_array_assigned_into_itself_permuted(f, options):
    # sum_i w_i x[n-1-i] with w = (1, 2, 3): d/dx = w reversed
    g = grad(f, **options)
    for _ in range(2):
        np.testing.assert_allclose(g(V.copy()), [3.0, 2.0, 1.0])
        check_grad(f, g, V.copy())


RNG = np.random.default_rng(4)
ORDINARY = [
    (aw.softmax_loss_loop, (RNG.normal(size=(3, 4)), RNG.normal(size=(5, 3)), np.array([0, 1, 3, 2, 1])), 0),
    (aw.grads_accumulated_then_read, (RNG.normal(size=(3, 4)) * 0.5, RNG.normal(size=(5, 4))), 0),
    (aw.rows_read_before_a_scaling, (RNG.normal(size=(4, 3)),), 0),
    (aw.row_taken_after, (RNG.normal(size=(3, 2)),), 0),
    (aw.list_slots_accumulated, (RNG.normal(size=3),), 0),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f, args, wrt", ORDINARY, ids=[f.__name__ for f, _, _ in ORDINARY])
def test_writes_no_other_name_sees_are_differentiated(f, args, wrt, options):
    g = grad(f, wrt=wrt, **options)
    for _ in range(2):
        check_grad(f, g, *args, wrt=wrt)
