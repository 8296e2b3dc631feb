"""Hostile and odd input: each case works and is right, or raises a clear error naming the
construct; never an internal traceback, never a wrong number."""

import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import astgrad
from astgrad import TransformError, check_grad, grad
from tests import hostile_functions as hf


def test_async_function_refused():
    with pytest.raises(TransformError, match="async function"):
        grad(hf.async_function)


def test_class_refused():
    with pytest.raises(TransformError, match="not a Python function"):
        grad(hf.Model)


def test_bound_method_differentiates_with_self_a_constant_read_when_it_runs():
    model = hf.Model(np.array([1.0, -2.0]))
    g = grad(model.loss)
    np.testing.assert_allclose(g(np.ones(2)), [1.0, -2.0])
    model.w = np.array([3.0, 0.5])
    np.testing.assert_allclose(g(np.ones(2)), [3.0, 0.5])
    np.testing.assert_allclose(grad(hf.Model(np.array([7.0, 8.0])).loss)(np.ones(2)), [7.0, 8.0])


def test_partial_of_a_numpy_function_is_the_function_it_stands_for():
    """functools.partial(np.multiply, 2.0): d/dx 2x = 2 (tests/test_probe_users.py has the user's partials)."""
    assert grad(hf.partial_function)(3.0) == pytest.approx(2.0)
    assert grad(hf.partial_function, mode="forward")(3.0) == pytest.approx(2.0)


def test_nonlocal_write_refused():
    with pytest.raises(TransformError, match=r"hostile_functions.py:\d+: `nonlocal` in a nested function"):
        grad(hf.uses_nonlocal)


def test_keyword_only_arguments():
    x = np.array([0.5, -1.0])
    g = grad(hf.keyword_only, wrt=("x", "shift"))
    check_grad(hf.keyword_only, g, x, shift=0.3, wrt=("x", "shift"))


def test_unicode_names():
    dα, dβ = grad(hf.unicode_names, wrt=(0, 1))(0.4, 2.0)
    assert dα == pytest.approx(2.0 + np.cos(0.4)) and dβ == pytest.approx(0.4)
    assert "α_bar" in grad(hf.unicode_names, wrt=(0, 1)).source


def test_exec_inside_is_harmless():
    assert grad(hf.calls_exec)(2.0) == pytest.approx(3.0)


def test_huge_function():
    lines = ["def huge(x):", "    s = x"] + [f"    s = s * 0.999 + np.sin(s) * {i % 7}.0e-3" for i in range(400)]
    module = _module("huge_mod", "\n".join(lines + ["    return s"]))
    check_grad(module.huge, grad(module.huge), 0.3)


def test_deeply_nested_expression():
    module = _module("deep_mod", "def deep(x):\n    return " + "(1.0 + " * 120 + "x" + ") * 0.99" * 120)
    check_grad(module.deep, grad(module.deep), 0.3)


def _module(name, body):
    import importlib.util
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text("import numpy as np\n\n\n" + textwrap.dedent(body) + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


@pytest.mark.parametrize(
    "x, expected",
    [
        (3, 6.0),  # int: right value, as a number
        (np.int64(3), 6.0),
        (2.5, 5.0),
        (np.float64(2.5), 5.0),
        (np.float32(2.5), 5.0),
        (np.array(2.5), 5.0),  # 0-d array
    ],
)
def test_scalar_kinds(x, expected):
    g = grad(hf.square_sum)(x)
    assert float(g) == pytest.approx(expected)


def test_complex_input_gives_the_holomorphic_derivative():
    z = 1.0 + 2.0j
    assert grad(hf.cube)(z) == pytest.approx(3 * z * z)


def test_nan_and_inf_propagate():
    g = grad(hf.sqrt_sum)(np.array([4.0, np.nan, np.inf]))
    assert g[0] == pytest.approx(0.25) and np.isnan(g[1]) and g[2] == 0.0


def test_empty_array():
    g = grad(hf.square_sum)(np.zeros(0))
    assert g.shape == (0,)


def test_float32_gradient_keeps_dtype():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    for f in (hf.square_sum, hf.mean_of, hf.sqrt_sum, hf.max_of):
        for specialize in (True, False):
            g = grad(f, specialize=specialize)(x)
            assert g.dtype == np.float32, (f.__name__, specialize)


def test_object_array_input_is_right():
    x = np.array([1.0, 2.0], dtype=object)
    assert list(grad(hf.square_sum)(x)) == [2.0, 4.0]


def test_inputs_are_never_modified():
    x = np.array([0.5, 1.5, -1.0])
    before = x.copy()
    gx, gw = grad(hf.writes_into_argument, wrt=(0, 1))(x, 0.7)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(gx, [0.0, 0.7, 0.7])  # x[0] is overwritten: no gradient reaches it
    assert gw == pytest.approx(2 * 0.7 * 2 + 1.5 - 1.0)  # d/dw [2w·w + w·(x1 + x2)]


def test_augmented_assignment_through_a_row_view_raises_at_run_time():
    with pytest.raises(ValueError, match="in-place write to `row`, which shares its array with `X`"):
        grad(hf.view_row_augassign)(np.ones((2, 3)))


def test_generated_names_never_collide_with_user_names():
    x = np.array([0.3, -0.2])
    args = (x, 1.5, 0.2, 0.7, 1.1, 0.4)
    wrt = (0, 1, 2, 3, 4, 5)
    check_grad(hf.collides, grad(hf.collides, wrt=wrt), *args, wrt=wrt)


def test_stop_gradient_of_input():
    assert grad(hf.stop)(3.0) == pytest.approx(3.0)


def test_concurrent_gradients_of_different_functions():
    import types

    rng = np.random.default_rng(0)
    x = rng.normal(size=4)
    functions = [hf.square_sum, hf.mean_of, hf.keyword_only, hf.sin_sum]
    fresh = []
    for f in functions * 4:  # fresh objects: every thread's first call transforms
        g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
        g.__kwdefaults__ = f.__kwdefaults__
        fresh.append(g)
    barrier = threading.Barrier(8, timeout=60)

    def work(f):
        barrier.wait()
        kwargs = {"shift": 0.5} if f.__name__ == "keyword_only" else {}
        g = grad(f)(x, **kwargs)
        return f.__name__, g, astgrad.numerical_grad(f, x, **kwargs)

    with ThreadPoolExecutor(8) as pool:
        for name, g, expected in pool.map(work, fresh):
            np.testing.assert_allclose(g, expected, atol=1e-6, err_msg=name)


def test_cache_is_safe_under_concurrent_first_calls():
    import types

    f = types.FunctionType(hf.cube.__code__, hf.cube.__globals__)
    barrier = threading.Barrier(8, timeout=60)

    def first_call(_):
        barrier.wait()
        return grad(f)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(first_call, range(8)))
    assert all(r is results[0] for r in results)
    assert results[0](2.0) == pytest.approx(12.0)


LAMBDAS = {
    "square": lambda x: np.sum(x * x),
    "sine": lambda x: np.sum(np.sin(x)),  # (another lambda of the same parameters, a line below)
}


def test_a_lambda_inside_a_longer_statement_is_read_from_its_file():
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(grad(LAMBDAS["square"])(x), 2 * x)
    np.testing.assert_allclose(grad(LAMBDAS["sine"])(x), np.cos(x))
