"""A name bound to another's value (`ys = xs`, `ys = xs.copy()`) passes its adjoint on as it is,
and a helper's backward function hands back the adjoint of a list argument as a list: such an
adjoint must be added to the other contributions item by item, never joined to them (`xs_bar +
ys_bar` of two lists is their concatenation, and the gradient then lost every item of one share).
Checked against central differences in every mode."""

import numpy as np
import pytest

from tests.modes import MODES, check

RNG = np.random.default_rng(7)
XS = [float(v) for v in RNG.normal(size=40)]


def read_under_another_name(a, xs):
    ys = xs
    zs = [a * y for y in ys]
    return sum(z * z for z in zs) + sum(x * a for x in xs)


def read_through_a_copy(a, xs):
    ys = xs.copy()
    zs = [a * y for y in ys]
    return sum(z * z for z in zs) + sum(x * a for x in xs)


def a_dict_under_another_name(a, params):
    p = params
    return a * p["w"] * p["w"] + np.sum(params["v"] * a)


def a_tuple_under_another_name(a, pair):
    other = pair
    return a * other[0] * pair[1] + pair[0]


def squares_of_halves(xs):
    ps = [0.5 * x for x in xs]
    return sum(p * p for p in ps)


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, xs):
        ps = [self.w * x for x in xs]
        return sum(p * p for p in ps)


MODEL = Model(0.5)


def a_helper_reads_the_list_too(a, xs):
    ps = [0.5 * x * a for x in xs]
    return sum(p * p for p in ps) + squares_of_halves(xs)


def a_method_reads_the_list_too(a, xs):
    ps = [MODEL.w * x * a for x in xs]
    return sum(p * p for p in ps) + MODEL.loss(xs)


def stored_in_a_dict(a, xs):
    d = {}
    d["a"] = xs
    return sum(d["a"]) * a + xs[0] * xs[1]


def stored_in_a_list(a, xs):
    held = [0.0, 0.0]
    held[1] = xs
    return sum(held[1]) * a + xs[0] * xs[1]


def a_dict_stored_in_a_dict(a, params):
    s = {}
    s["z"] = params
    return s["z"]["w"] * params["w"] * a + params["v"]


CASES = [
    (stored_in_a_dict, (0.5, XS)),
    (stored_in_a_list, (0.5, XS)),
    (a_dict_stored_in_a_dict, (0.5, {"w": 1.5, "v": 0.5})),
    (a_helper_reads_the_list_too, (0.5, XS)),
    (a_method_reads_the_list_too, (0.5, XS)),
    (read_under_another_name, (0.5, XS)),
    (read_under_another_name, (0.5, XS[:3])),
    (read_through_a_copy, (0.5, XS)),
    (a_dict_under_another_name, (0.5, {"w": 1.5, "v": RNG.normal(size=3)})),
    (a_tuple_under_another_name, (0.5, (1.5, -2.0))),
]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(("f", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_adjoint_of_a_copy_is_added_item_by_item(f, args, options):
    check(f, args, (0, 1), options)


def a_slice_of_a_list_assigned(xs):
    ys = list(xs)
    ys[2:4] = [xs[10], xs[11]]
    return sum(y * y for y in ys)


@pytest.mark.parametrize("options", MODES)
def test_a_slice_of_a_list_assigned_takes_its_items_adjoints(options):
    # (the overwritten items' adjoints are zeros of the slice's items: a list takes a list)
    check(a_slice_of_a_list_assigned, (XS[:12],), 0, options)


def a_slice_of_a_list_zeroed(xs):
    ys = list(xs)
    ys[:3] = [0.0, 0.0, 0.0]
    return sum(v * v for v in ys)


@pytest.mark.parametrize("options", MODES)
def test_a_slice_of_a_list_set_to_constants(options):
    check(a_slice_of_a_list_zeroed, (XS[:12],), 0, options)


def held_in_a_list_then_written(xs):
    ys = [v * 1.0 for v in xs]
    zs = [ys]
    ys[0] = 0.0
    return sum(zs[0])


@pytest.mark.parametrize("options", MODES)
def test_a_list_held_in_a_container_then_written_is_refused(options):
    # (the container would see the write, as a list of arrays would see a write into one of them)
    from astgrad import UnsupportedValueError, grad

    with pytest.raises(UnsupportedValueError, match=r"holds `ys` itself, and the function writes into `ys`"):
        grad(held_in_a_list_then_written, **options)(XS)
