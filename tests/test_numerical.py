"""Tests of astgrad.numerical against gradients derived by hand."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from astgrad.errors import AstgradError
from astgrad.numerical import (
    GradientCheckError,
    check_grad,
    numerical_grad,
    numerical_jacobian,
)

TOL = {"rtol": 1e-6, "atol": 1e-8}


def cube_sum(x):
    return np.sum(x**3)


def mixed(x, y):
    return np.sum(x * y + np.sin(x))


X = np.array([0.5, -1.25, 2.0])
Y = np.array([3.0, 0.25, -1.5])


# ---------------------------------------------------------------- numerical_grad


def test_sum_of_cubes():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_grad(cube_sum, x)
    assert g.shape == x.shape
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x**2, **TOL)


def test_two_arguments_by_position_and_tuple():
    gx = numerical_grad(mixed, X, Y)
    np.testing.assert_allclose(gx, Y + np.cos(X), **TOL)
    gy = numerical_grad(mixed, X, Y, wrt=1)
    np.testing.assert_allclose(gy, X, **TOL)
    both = numerical_grad(mixed, X, Y, wrt=(0, 1))
    assert isinstance(both, tuple) and len(both) == 2
    np.testing.assert_allclose(both[0], Y + np.cos(X), **TOL)
    np.testing.assert_allclose(both[1], X, **TOL)


def test_wrt_by_name_and_negative_index():
    gy = numerical_grad(mixed, X, Y, wrt="y")
    np.testing.assert_allclose(gy, X, **TOL)
    gy, gx = numerical_grad(mixed, X, Y, wrt=("y", "x"))
    np.testing.assert_allclose(gx, Y + np.cos(X), **TOL)
    np.testing.assert_allclose(gy, X, **TOL)
    np.testing.assert_allclose(numerical_grad(mixed, X, Y, wrt=-1), X, **TOL)


def test_wrt_keyword_argument_and_passthrough_kwargs():
    def f(x, *, scale):
        return scale * np.sum(x**2)

    np.testing.assert_allclose(numerical_grad(f, X, scale=3.0), 6 * X, **TOL)
    g = numerical_grad(f, X, scale=3.0, wrt="scale")
    assert isinstance(g, float)
    assert g == pytest.approx(np.sum(X**2), rel=1e-8)


def test_bad_wrt():
    with pytest.raises(ValueError, match="no parameter named 'z'"):
        numerical_grad(mixed, X, Y, wrt="z")
    with pytest.raises(ValueError, match="out of range"):
        numerical_grad(mixed, X, Y, wrt=2)
    with pytest.raises(ValueError, match="not passed"):
        numerical_grad(lambda x, y=1.0: x * y, 2.0, wrt="y")
    with pytest.raises(TypeError):
        numerical_grad(mixed, X, Y, wrt=1.5)


def test_name_needs_a_signature():
    class NoSignature:
        __signature__ = "not a signature"  # makes inspect.signature fail

        def __call__(self, x):
            return x**2

    f = NoSignature()
    with pytest.raises(ValueError, match="signature"):
        numerical_grad(f, 3.0, wrt="x")
    assert numerical_grad(f, 3.0, wrt=0) == pytest.approx(6.0, rel=1e-8)


def test_python_numbers_give_python_floats():
    g = numerical_grad(lambda x: x**3, 2.0)
    assert type(g) is float
    assert g == pytest.approx(12.0, rel=1e-8)
    g = numerical_grad(lambda x: x**3, 2)  # int -> perturbed as a float
    assert type(g) is float
    assert g == pytest.approx(12.0, rel=1e-8)


def test_numpy_scalars_keep_their_type():
    g = numerical_grad(lambda x: x**2, np.float64(1.5))
    assert isinstance(g, np.float64) and not isinstance(g, np.ndarray)
    assert g == pytest.approx(3.0, rel=1e-8)
    g = numerical_grad(lambda x: x**2, np.float32(1.5))
    assert isinstance(g, np.float32)
    assert g == pytest.approx(3.0, rel=1e-3)


def test_zero_d_array():
    x = np.array(0.7)
    g = numerical_grad(lambda x: np.sin(x) * x, x)
    assert isinstance(g, np.ndarray) and g.shape == ()
    np.testing.assert_allclose(g, np.cos(0.7) * 0.7 + np.sin(0.7), **TOL)


def test_empty_array():
    g = numerical_grad(np.sum, np.zeros((0, 3)))
    assert g.shape == (0, 3) and g.dtype == np.float64


def test_float32_and_float16_keep_dtype():
    x32 = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    g32 = numerical_grad(lambda x: np.sum(x**2), x32)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, 2 * x32, rtol=1e-3)
    x16 = np.array([0.5, 1.5], dtype=np.float16)
    g16 = numerical_grad(lambda x: np.sum(x**2), x16)
    assert g16.dtype == np.float16
    np.testing.assert_allclose(g16.astype(np.float64), [1.0, 3.0], rtol=2e-2)


def test_integer_array_becomes_float64():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return np.sum(x**2)

    x = np.array([1, 2, 3])
    g = numerical_grad(f, x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0], **TOL)
    assert np.float64 in seen[1:] and all(d == np.float64 for d in seen[1:])
    assert x.dtype.kind == "i"


def test_callers_arrays_are_not_modified():
    x = np.array([1.0, 2.0, 3.0])
    params = {"w": np.array([[1.0, 2.0]]), "b": [np.array([0.5])]}
    x_before = x.copy()
    w_before = params["w"].copy()
    b_before = params["b"][0].copy()
    numerical_grad(cube_sum, x)
    numerical_grad(lambda p: np.sum(p["w"] ** 2) + np.sum(p["b"][0]), params)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(params["w"], w_before)
    np.testing.assert_array_equal(params["b"][0], b_before)


def test_dict_of_arrays():
    params = {"w": np.array([[1.0, -2.0], [0.5, 4.0]]), "b": np.array([0.3, -0.7])}

    def loss(p):
        return np.sum(p["w"] ** 2) + np.sum(np.exp(p["b"]))

    g = numerical_grad(loss, params)
    assert isinstance(g, dict) and list(g) == ["w", "b"]
    np.testing.assert_allclose(g["w"], 2 * params["w"], **TOL)
    np.testing.assert_allclose(g["b"], np.exp(params["b"]), **TOL)


def test_nested_containers_keep_structure():
    Pair = namedtuple("Pair", "a b")
    arg = {"layers": [np.array([1.0, 2.0]), (3.0, np.float64(-1.0))], "p": Pair(2.0, 5)}

    def f(t):
        (v, (s, u)) = t["layers"]
        return np.sum(v**2) * s + u**3 + t["p"].a * t["p"].b

    g = numerical_grad(f, arg)
    assert isinstance(g["layers"], list) and isinstance(g["layers"][1], tuple)
    assert isinstance(g["p"], Pair)
    np.testing.assert_allclose(g["layers"][0], 2 * np.array([1.0, 2.0]) * 3.0, **TOL)
    assert type(g["layers"][1][0]) is float
    assert g["layers"][1][0] == pytest.approx(5.0, rel=1e-8)
    assert g["layers"][1][1] == pytest.approx(3.0, rel=1e-8)
    assert g["p"].a == pytest.approx(5.0, rel=1e-8)
    assert g["p"].b == pytest.approx(2.0, rel=1e-8)


def test_non_scalar_output_raises():
    with pytest.raises(ValueError, match=r"\(3,\)"):
        numerical_grad(lambda x: x**2, X)


def test_size_one_output_is_accepted():
    g = numerical_grad(lambda x: np.array([np.sum(x**2)]), X)
    np.testing.assert_allclose(g, 2 * X, **TOL)


def test_unsupported_inputs_raise():
    with pytest.raises(TypeError, match="str"):
        numerical_grad(lambda d: d["x"], {"x": 1.0, "name": "hi"})
    with pytest.raises(TypeError, match="complex"):
        numerical_grad(lambda z: abs(z), np.array([1j]))
    with pytest.raises(ValueError, match="eps"):
        numerical_grad(cube_sum, X, eps=0.0)


def test_custom_eps():
    g = numerical_grad(lambda x: x**3, 1.0, eps=1e-3)
    # central difference of x**3: 3x**2 + h**2 exactly
    assert g == pytest.approx(3.0 + 1e-6, rel=1e-9)


# ------------------------------------------------------------ numerical_jacobian


def test_jacobian_of_linear_map_is_the_matrix():
    A = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    J = numerical_jacobian(lambda x: A @ x, np.array([0.3, -0.2, 1.0]))
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, A, **TOL)


def test_jacobian_shapes_and_values():
    x = np.array([[0.1, 0.2], [0.3, 0.4]])
    J = numerical_jacobian(np.sin, x)
    assert J.shape == (2, 2, 2, 2)
    expected = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = np.cos(x[i, j])
    np.testing.assert_allclose(J, expected, **TOL)
    # scalar output: shape of the argument
    assert numerical_jacobian(cube_sum, X).shape == X.shape


def test_jacobian_tuple_wrt_and_float_input():
    def f(x, y):
        return x * y

    jx, jy = numerical_jacobian(f, X, Y, wrt=("x", "y"))
    np.testing.assert_allclose(jx, np.diag(Y), **TOL)
    np.testing.assert_allclose(jy, np.diag(X), **TOL)
    js = numerical_jacobian(f, X, 2.0, wrt=1)
    assert isinstance(js, np.ndarray) and js.shape == (3,)
    np.testing.assert_allclose(js, X, **TOL)


# -------------------------------------------------------------------- check_grad


def test_check_grad_passes():
    assert check_grad(cube_sum, lambda x: 3 * x**2, X) is None
    assert check_grad(cube_sum, 3 * X**2, X) is None
    check_grad(mixed, (Y + np.cos(X), X), X, Y, wrt=(0, 1))
    check_grad(mixed, lambda x, y: (y + np.cos(x), x), X, Y, wrt=("x", "y"))
    check_grad(lambda x: x**3, 12.0, 2.0)
    p = {"w": X.copy(), "b": [2.0]}
    check_grad(
        lambda p: np.sum(p["w"] ** 2) * p["b"][0],
        {"w": 4.0 * X, "b": [float(np.sum(X**2))]},
        p,
    )


def test_check_grad_reports_wrong_elements():
    wrong = 3 * X**2
    wrong[1] = 99.0
    with pytest.raises(GradientCheckError) as info:
        check_grad(cube_sum, wrong, X)
    msg = str(info.value)
    assert "'x' (argument 0)" in msg
    assert "x[1]" in msg
    assert "analytic=99" in msg
    assert "numerical=4.6875" in msg  # 3 * 1.25**2
    assert "x[0]" not in msg and "x[2]" not in msg
    assert "1 of 3" in msg


def test_gradient_check_error_hierarchy():
    assert issubclass(GradientCheckError, AssertionError)
    assert issubclass(GradientCheckError, AstgradError)
    with pytest.raises(AstgradError):
        check_grad(cube_sum, np.zeros(3), X)
    with pytest.raises(AssertionError):
        check_grad(cube_sum, np.zeros(3), X)


def test_check_grad_shape_mismatch():
    with pytest.raises(GradientCheckError) as info:
        check_grad(cube_sum, lambda x: (3 * x**2)[:, None], X)
    msg = str(info.value)
    assert "shape mismatch" in msg
    assert "(3, 1)" in msg and "(3,)" in msg


def test_check_grad_dict_key_mismatch_and_named_path():
    p = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([1.0])}

    def loss(params):
        return np.sum(params["w"] ** 2) + np.sum(params["b"])

    bad_w = 2 * p["w"]
    bad_w[1, 0] = -1.0
    with pytest.raises(GradientCheckError) as info:
        check_grad(loss, {"w": bad_w, "c": np.ones(1)}, p)
    msg = str(info.value)
    assert "missing key(s) ['b']" in msg
    assert "unexpected key(s) ['c']" in msg
    assert "params['w'][1, 0]" in msg
    assert "analytic=-1" in msg and "numerical=6" in msg


def test_check_grad_truncates_long_reports():
    x = np.linspace(1.0, 2.0, 15)
    with pytest.raises(GradientCheckError) as info:
        check_grad(cube_sum, np.zeros(15), x)
    msg = str(info.value)
    assert "15 of 15" in msg
    assert "x[9]" in msg and "x[10]" not in msg
    assert "... and 5 more" in msg


def test_check_grad_nan_handling():
    x = np.array([1.0, 2.0])

    def f(x):  # sqrt(x0 - 1) is NaN at x0 - h, so d/dx0 is NaN; d/dx1 = 2 x1
        return np.sqrt(x[0] - 1.0) + x[1] ** 2

    with np.errstate(invalid="ignore"):
        assert np.isnan(numerical_grad(f, x)[0])
        check_grad(f, np.array([np.nan, 4.0]), x)
        with pytest.raises(GradientCheckError, match=r"x\[0\]: analytic=0 numerical=nan"):
            check_grad(f, np.array([0.0, 4.0]), x)
    with pytest.raises(GradientCheckError, match="analytic=nan"):
        check_grad(cube_sum, np.array([np.nan, 3 * 1.25**2, 12.0]), X)


def test_check_grad_tolerances_and_tuple_length():
    almost = 3 * X**2 * (1 + 1e-4)
    with pytest.raises(GradientCheckError):
        check_grad(cube_sum, almost, X)
    check_grad(cube_sum, almost, X, rtol=1e-3)
    with pytest.raises(GradientCheckError, match="2 gradient"):
        check_grad(mixed, (X,), X, Y, wrt=(0, 1))
