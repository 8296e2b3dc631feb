"""np.add.at, np.subtract.at and np.fill_diagonal on input-dependent arrays: lowered to a new
array assigned to the name written into (frontend/normalize/writes.py), checked against central
differences in both modes; writes the lowering cannot follow are refused."""

import numpy as np
import pytest

from astgrad import TransformError, check_grad, grad, jacobian, value_and_grad
from tests import indexed_writers_functions as iw
from tests.modes import MODES, check


def rng():
    return np.random.default_rng(31)


@pytest.mark.parametrize("options", MODES)
def test_add_at_accumulates_repeated_indices(options):
    r = rng()
    check(iw.embedding_sum, (r.normal(size=(3, 2)), r.normal(size=5)), (0, 1), options)
    check(iw.softmax_minus_one_hot, (r.normal(size=(3, 4)),), 0, options)
    x = r.uniform(0.5, 1.5, size=5)
    check(iw.repeated_into_active, (x,), 0, options)
    check(iw.constant_into_active, (x,), 0, options)
    check(iw.subtracted_at, (x,), 0, options)
    check(iw.added_in_a_loop, (r.normal(size=4), r.normal(size=4)), (0, 1), options)
    check(iw.added_in_a_branch_only, (x,), 0, options)
    check(iw.added_in_a_branch_only, (-x,), 0, options)


def test_add_at_gives_the_functions_value_and_the_repeats_full_derivative():
    x = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    value, g = value_and_grad(iw.repeated_into_active)(x)
    assert value == iw.repeated_into_active(x.copy())
    # d/dx1 of the sum's a[1] term alone: a[1] = sin(x1) + x1**2 + x1**2 + x1**2 (x[:4] is x0..x3,
    # index [1, 1, 1, 0] puts x0**2, x1**2, x2**2 into a[1]); compare with the whole by differences
    np.testing.assert_allclose(g, np.asarray(grad(iw.repeated_into_active, mode="forward")(x)), rtol=1e-12)


@pytest.mark.parametrize("options", MODES)
def test_fill_diagonal(options):
    r = rng()
    x = r.normal(size=4)
    check(iw.diagonal_of_squares, (x,), 0, options)
    check(iw.zero_diagonal, (x,), 0, options)
    check(iw.tall_diagonal, (r.normal(size=(5, 3)), 0.7), (0, 1), options)
    check(iw.short_diagonal_values, (x,), 0, options)
    check(iw.cube_diagonal, (r.normal(size=3),), 0, options)


def test_second_derivatives_through_indexed_writers():
    x = rng().uniform(0.5, 1.5, size=5)
    for f in (iw.repeated_into_active, iw.diagonal_of_squares):
        weighted = _weighted_gradient(grad(f))
        check_grad(weighted, grad(weighted), x, rtol=1e-5, atol=1e-7)


def _weighted_gradient(g):
    def weighted(v):
        return np.sum(g(v) * np.arange(1.0, 6.0))

    return weighted


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_writes_the_lowering_cannot_follow_are_refused(mode):
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(TransformError, match=r"in-place write to `a`, which is shared with `b`"):
        grad(iw.adds_at_an_alias, mode=mode)(x)
    with pytest.raises(TransformError, match=r"`np.fill_diagonal` writes into its first argument in place"):
        grad(iw.fills_a_wrapped_diagonal, mode=mode)(x)
    with pytest.raises(TransformError, match=r"writes into its argument `buf`"):
        grad(iw.adds_at_a_callers_array, mode=mode)(x)
    with pytest.raises(TransformError, match=r"`np.fill_diagonal` writes into `a.reshape\(1, -1\)`, and only local"):
        grad(iw.added_in_a_branch, mode=mode)(x)  # (into a call's result, not a name)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_add_at_into_a_row_view_is_refused_when_it_runs(mode):
    with pytest.raises(Exception, match=r"view"):
        grad(iw.adds_at_a_row, mode=mode)(rng().normal(size=(2, 3)))


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize(
    "f",
    [
        iw.adds_zero_then_augments,
        iw.multiplies_repeated_indices,
        iw.writes_what_a_helper_returned,
        iw.broadcasts_then_writes,
    ],
)
def test_a_write_at_an_index_leaves_the_tangent_it_was_made_from_alone(f, options):
    """`y = x + 0.0` has tangent x_dot itself: writing y's tangent at an index wrote into x_dot
    too, which forward mode's sweeps along v share (a wrong gradient in v), or into a read-only
    view (np.broadcast_to's: a ValueError); y's tangent is a copy."""
    r = rng()
    check(f, (r.normal(size=5), r.normal(size=3)), (0, 1), options)


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [iw.copied_over_between, iw.filled_in_a_loop_between], ids=lambda f: f.__name__)
def test_a_writer_into_a_constant_array_read_back_by_the_derivatives(f, options):
    # np.copyto, np.put into an array the derivatives read (not one they flow through): the backward
    # pass reads what it held at each point, as for `arr[i] = v`. Against central differences, each
    # call on a fresh copy (the function writes into its argument)
    arr = rng().normal(size=12)
    g = grad(f, **options)
    for _ in range(2):
        got = g(0.5, arr.copy())
        h = 1e-6
        expected = (f(0.5 + h, arr.copy()) - f(0.5 - h, arr.copy())) / (2 * h)
        assert got == pytest.approx(expected, rel=1e-6)


def test_forward_sweeps_each_start_from_the_arguments_as_passed():
    # forward mode runs the function once per input element: a function writing into an argument
    # must not change what the later runs read. Derived by hand: d/dx sum(x * c) = c
    x, c = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad(iw.copied_over_after_use, mode="forward")(x, c.copy()), c)
    value, g = value_and_grad(iw.copied_over_after_use, mode="forward")(x, c.copy())
    assert value == 14.0 and np.array_equal(g, c)
    np.testing.assert_array_equal(jacobian(iw.scaled_then_copied_over, mode="forward")(x, c.copy()), np.diag(c))
    np.testing.assert_array_equal(grad(iw.bumped_by_a_put, mode="forward")(x, c.copy()), c)


@pytest.mark.parametrize("options", MODES)
def test_copyto_is_differentiated_as_the_write_it_is(options):
    r = rng()
    x = r.normal(size=6)
    check(iw.copied_where_positive, (x,), 0, options)
    check(iw.copied_over_after_use, (x, r.normal(size=6)), (0, 1), options)


@pytest.mark.parametrize("options", MODES)
def test_a_helper_writing_into_an_array_the_derivatives_read(options):
    # the helper's writes happen after the derivatives read the array: its old contents are
    # saved and put back for the backward pass
    r = rng()
    x, c = r.normal(size=8), r.normal(size=8)
    xs, cs = [float(v) for v in r.normal(size=30)], [float(v) for v in r.normal(size=30)]
    for f, args in (
        (iw.a_helper_writes_into_the_array, (x, c)),
        (iw.a_helper_writes_into_the_list, (xs, cs)),
        (iw.a_helper_scales_a_local_array, (x, c)),
        (iw.a_helper_writes_in_the_loop, (x, c)),
    ):
        g = grad(f, **options)
        for _ in range(2):
            fresh = [list(a) if isinstance(a, list) else a.copy() for a in args]
            got = np.asarray(g(*fresh), dtype=float)
            expected = np.zeros(len(args[0]))
            for i in range(len(args[0])):
                up, down = (
                    [list(a) if isinstance(a, list) else a.copy() for a in args],
                    [list(a) if isinstance(a, list) else a.copy() for a in args],
                )
                up[0][i] += 1e-6
                down[0][i] -= 1e-6
                expected[i] = (f(*up) - f(*down)) / 2e-6
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


class _RunningMean:
    def __init__(self):
        self.running = np.array([1.0, 2.0, 3.0])

    def loss(self, x):
        t = np.sum(x * self.running)
        np.copyto(self.running, 0.0)
        return t


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_writer_into_an_attribute_or_a_global_is_refused(mode):
    # as `self.running[:] = 0.0` is: the write would change what the derivatives read
    with pytest.raises(TransformError, match=r"`np.copyto` writes into `self.running`, and only local"):
        grad(_RunningMean().loss, mode=mode)(np.array([0.5, 1.0, 2.0]))


_ROW_WRITE_GAP = pytest.mark.xfail(
    strict=True,
    reason="reverse mode reads the row again after a writer wrote into it through another view of the array "
    "(known, in the closing note of issue 17)",
)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="reverse", marks=_ROW_WRITE_GAP),
        pytest.param({"specialize": False}, id="reverse-general", marks=_ROW_WRITE_GAP),
        pytest.param({"mode": "forward"}, id="forward"),
    ],
)
def test_a_writer_into_a_row_read_before(options):
    # derived by hand: d/dx sum(x * m[1]) = m[1], the row as it was before the write
    r = rng()
    x, m = r.normal(size=5), r.normal(size=(3, 5))
    g = grad(iw.a_row_read_then_copied_over, **options)
    for _ in range(2):
        np.testing.assert_allclose(g(x, m.copy()), m[1])
