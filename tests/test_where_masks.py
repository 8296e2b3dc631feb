"""np.where (and np.maximum, np.minimum) whose unselected branch is NaN or infinite: reverse mode
masks the contributions of values that only build a branch (astgrad/analysis/branch_masks.py), so 0 stays
0 instead of 0 * inf = NaN, and agrees with forward mode and with central differences."""

import warnings

import numpy as np
import pytest

import astgrad
from astgrad import grad, hessian, numerical_grad
from tests import where_functions as wf


def _sqrt_slope(x):
    return 0.5 / np.sqrt(np.where(x > 0, x, 1.0))


# f, exact derivative (elementwise in x), points where the unselected branch is NaN or infinite
# (at least one for each function), points away from every boundary (for central differences)
CASES = {
    "where_sqrt": (wf.where_sqrt, lambda x: np.where(x > 0, _sqrt_slope(x), 0.0), [-1.0, 0.0], [4.0, -1.0, 0.25]),
    "entropy": (
        wf.entropy,
        lambda p: np.where(p > 0, -(np.log(np.where(p > 0, p, 1.0)) + 1), 0.0),
        [0.0, -0.5],
        [0.3, -0.5, 0.7],
    ),
    "sqrt_ratio": (
        wf.sqrt_ratio,
        lambda x: np.where(x > 0, (1 - x) * _sqrt_slope(x) / (1 + np.abs(x)) ** 2, 0.0),
        [-1.0, -2.0],
        [0.5, -1.0, 3.0],
    ),
    "log1p_neg": (
        wf.log1p_neg,
        lambda x: np.where(x < 1, -1 / (1 - np.minimum(x, 0.5)), 0.0),
        [1.0, 2.0],
        [-0.5, 0.25, 2.0],
    ),
    "reciprocal": (
        wf.reciprocal,
        lambda x: np.where(x != 0, -1 / np.where(x != 0, x, 1.0) ** 2, 0.0),
        [0.0],
        [2.0, -0.5],
    ),
    "second_branch": (wf.second_branch, lambda x: np.where(x > 0, _sqrt_slope(x), 0.0), [-1.0, 0.0], [4.0, -1.0]),
    "nested": (
        wf.nested,
        lambda x: np.where(x > 0, _sqrt_slope(x), np.where(x < 0, 2.0, 0.0)),
        [0.0],
        [4.0, -1.0, 0.25],
    ),
    "result_reused": (
        wf.result_reused,
        lambda x: np.where(x > 0, 1 + 3 * _sqrt_slope(x), 0.0),
        [-1.0, 0.0],
        [4.0, -1.0],
    ),
    "in_loop": (
        wf.in_loop,
        lambda x: sum(np.where(x > i, 0.5 / np.sqrt(np.where(x > i, x - i, 1.0)), 0.0) for i in range(3)),
        [-1.0, 0.0, 1.0, 2.0],
        [4.0, -1.0, 0.25, 1.5],
    ),
    "max_log": (
        wf.max_log,
        lambda x: np.where(x > np.exp(-0.5), 2 / np.where(x > 0, x, 1.0), 0.0),
        [0.0],
        [0.25, 2.0],
    ),
    "min_reciprocal": (
        wf.min_reciprocal,
        lambda x: np.where((x > 1) | (x < 0), -1 / np.where(x != 0, x, 1.0) ** 2, 0.0),
        [0.0],
        [2.0, 0.5, -2.0],
    ),
    "max_in_loop": (
        wf.max_in_loop,
        lambda x: sum(
            np.where(np.log(np.maximum(x + i, 1e-300)) > -0.5, 1 / np.maximum(x + i, 1e-300), 0.0) for i in range(2)
        ),
        [0.0],
        [0.5, 3.0, 0.25],
    ),
    "both_branches": (wf.both_branches, lambda x: np.where(x > 0, _sqrt_slope(x), 2 * x), [-1.0], [4.0, -1.0]),
}

MODES = {
    "specialised": dict(),
    "general": dict(specialize=False),
    "unoptimized": dict(optimize=False),
    "forward": dict(mode="forward"),
}


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the unselected branch's own NaN
        return fn(*args)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_unselected_branch_gives_the_exact_derivative(case, mode):
    f, exact, singular, _ = CASES[case]
    x = np.array([4.0, 0.25, *singular, 2.5])
    g = grad(f, **MODES[mode])
    for _ in range(2):  # the first call and the specialised code
        got = _quiet(g, x.copy())
        assert np.all(np.isfinite(got)), got
        np.testing.assert_allclose(got, exact(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_masked_gradient_matches_central_differences(case, mode):
    f, _, _, away = CASES[case]
    x = np.array(away)
    g = grad(f, **MODES[mode])
    numeric = _quiet(numerical_grad, f, x)
    for _ in range(2):
        np.testing.assert_allclose(_quiet(g, x.copy()), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_scalar_branch(mode):
    g = grad(wf.scalar_branch, **MODES[mode])
    for x, want in [(4.0, 3.0), (-1.0, 0.0), (0.0, 0.0)]:
        for _ in range(2):
            assert float(_quiet(g, x)) == want


@pytest.mark.parametrize("mode", MODES)
def test_condition_broadcast_into_the_branch(mode):
    x, w = np.array([1.0, -1.0, 2.0]), np.array([0.5, 2.0, 1.0])
    g = grad(wf.broadcast_condition, wrt=(0, 1), **MODES[mode])
    for _ in range(2):
        gx, gw = _quiet(g, x, w)
        np.testing.assert_allclose(gx, [3.0, 0.0, 1.5])
        np.testing.assert_allclose(gw, 2 / w)


def _code(text):
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def test_only_the_masked_statements_pay():
    text = astgrad.source(wf.where_sqrt)
    assert "x_bar = np.where(t1, t2_bar * 0.5 / t2, 0.0)" in text
    assert _code(text).count("np.where") == 3  # the forward where, its adjoint, one mask
    text = astgrad.source(wf.second_branch)
    assert "np.where(t1, 0.0, t2_bar * 0.5 / t2)" in text  # the second branch: masked by not c
    specialised = _code(astgrad.source(wf.entropy, args=(np.ones(3),)))
    assert specialised.count("np.where(t1,") == 5  # the forward where, its adjoint, three contributions
    text = _code(astgrad.source(wf.result_reused))  # y * y + 3 * y after the where: no mask
    assert text.count("np.where") == 3


def test_an_unmasked_use_behaves_as_before():
    """s = sqrt(x) also reaches the output outside the where: its NaN at x < 0 is the derivative's."""
    text = astgrad.source(wf.used_outside)
    assert "x_bar = s_bar * 0.5 / s" in text
    x = np.array([4.0, -1.0])
    for mode in ("specialised", "general", "unoptimized"):  # (forward mode: NaN in every direction)
        g = grad(wf.used_outside, **MODES[mode])
        for _ in range(2):
            got = _quiet(g, x)
            assert got[0] == pytest.approx(0.5) and np.isnan(got[1])


def test_each_branch_has_its_own_mask():
    text = astgrad.source(wf.both_branches)
    assert "np.where(t1, 0.0, t3_bar * 2.0 * x)" in text  # x * x builds branch b: masked by not c
    assert "np.where(t1, t2_bar * 0.5 / t2, 0.0)" in text


def test_hessian_through_the_masks():
    p = np.array([0.5, 0.0, 0.25, -1.0])
    h = _quiet(hessian(wf.entropy), p)
    np.testing.assert_allclose(h, np.diag([-2.0, 0.0, -4.0, 0.0]))
    x = np.array([4.0, -1.0, 0.0])
    np.testing.assert_allclose(_quiet(hessian(wf.where_sqrt), x), np.diag([-0.25 / 8, 0.0, 0.0]))


def test_grad_of_grad_through_the_masks():
    gg = grad(grad(wf.scalar_branch))
    for x, want in [(4.0, 0.375), (-1.0, 0.0), (0.0, 0.0)]:
        assert float(_quiet(gg, x)) == pytest.approx(want)


@pytest.mark.xfail(strict=True, reason="a condition wider than the branch would need np.any over the broadcast axes")
def test_condition_wider_than_the_branch():
    assert np.all(np.isfinite(_quiet(grad(wf.wider_condition), np.array([4.0, -1.0]))))


def test_the_maximum_mask_is_computed_only_where_used():
    text = astgrad.source(wf.max_log)
    assert "t3_chosen = t3 >= 0.0" in text and "np.where(t3_chosen, t1_bar / x" in text
    relu = _code(astgrad.source(wf.relu_layer, optimize=False))  # no contribution needs it: no mask
    assert "chosen" not in relu and "np.where" not in relu


def relu_of_integers(x):
    return np.sum(np.maximum(x, 1.0) ** 2) + np.sum(np.minimum(x, x[::-1]))


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_maximum_and_minimum_share_a_tie_alike_in_both_modes(mode):
    """At a tie np.maximum's adjoint gives each operand half; its tangent took x's whole (np.where
    on x >= y): forward and reverse mode disagreed at every tie (integer-valued data, a ReLU at 0)."""
    x = np.array([1.0, 2.0, 2.0, 0.0, 1.0, 3.0])
    # 2 max(x, 1) (½ at the ties x = 1), and 1 per minimum each element wins (twice for 1, 0 and 1)
    expected = np.array([1.0 + 2.0, 4.0, 4.0, 0.0 + 2.0, 1.0 + 2.0, 6.0])
    g = grad(relu_of_integers, mode=mode)
    np.testing.assert_allclose(g(x), grad(relu_of_integers, mode="reverse", specialize=False)(x), rtol=1e-12)
    np.testing.assert_allclose(g(x), expected, rtol=1e-12)


def python_max_and_min(a, b):
    return max(a, b) ** 2 + min(2 * a, 2 * b)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("a, b, expected", [(1.5, 1.5, (2.5, 2.5)), (1.5, 0.5, (3.0, 2.0)), (0.5, 1.5, (2.0, 3.0))])
def test_python_max_and_min_share_a_tie_alike_in_both_modes(a, b, expected, mode):
    """max(a, b) of numbers: ½ each at a tie in reverse mode; forward mode gave a the whole."""
    g = grad(python_max_and_min, wrt=(0, 1), mode=mode)
    for _ in range(2):
        assert g(a, b) == pytest.approx(expected, rel=1e-12)
