"""A real input multiplied by a complex constant (a literal, a global array, np.fft's transforms)
has a real gradient: the real part, as JAX and autograd give for real inputs; in reverse and
forward mode, general and specialised code, against central differences (and JAX where it is
installed). An intermediate real value's adjoint is real too, so a complex adjoint never reaches
a complex operand through a real one (np.abs(z) below)."""

from __future__ import annotations

import numpy as np
import pytest

from astgrad import grad, numerical_grad

C = np.array([1.0 + 2.0j, 0.5 - 1.0j, -1.0 + 0.3j])
M = np.array([[1.0 + 1.0j, 0.5], [2.0j, -1.0], [0.3, 1.0 - 0.5j]])
D = np.array([0.5 + 1.5j, -1.0 + 0.2j])


def times_array(x):
    z = x * C
    return np.sum(np.real(z * np.conj(z))) + np.sum(np.imag(z))


def times_literal(x):
    return np.real(np.sum(x * (2.0 + 1.0j)))


def phase(x):
    return np.real(np.sum(np.exp(1j * x) * np.array([1.0, 2.0, -0.5])))


def through_matmul(x):
    return np.real(np.sum((x @ M) * D))


def modulus_then_complex(x):
    v = np.abs(x * C)  # real: its adjoint must be real before it reaches x * C
    return np.real(np.sum(v * C))


def modulus_then_matmul(x):
    v = np.abs(x * C)
    return np.real(np.sum(v @ M * D))


def spectrum(x):
    return np.sum(np.abs(np.fft.fft(x * np.array([1.0, -2.0, 0.5]))) ** 2 * np.array([1.0, 0.3, 2.0]))


FUNCTIONS = [times_array, times_literal, phase, through_matmul, modulus_then_complex, modulus_then_matmul, spectrum]


@pytest.mark.parametrize("specialize", [True, False], ids=["specialized", "general"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_the_gradient_of_a_real_input_is_real_and_right(f, mode, specialize):
    x = np.array([0.3, -0.7, 1.1])
    g = grad(f, mode=mode, specialize=specialize)
    for _ in range(2):  # (the first call specialises, the second runs the specialised code)
        result = g(x)
        assert np.isrealobj(result), result
        np.testing.assert_allclose(result, numerical_grad(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_as_jax_gives_it(f):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    with jax.enable_x64(True):
        source = {"np": jnp, "C": jnp.asarray(C), "M": jnp.asarray(M), "D": jnp.asarray(D)}
        exact = np.asarray(jax.grad(lambda x: _in(f, source)(x))(jnp.array([0.3, -0.7, 1.1])))
    np.testing.assert_allclose(grad(f)(np.array([0.3, -0.7, 1.1])), exact, rtol=1e-10, atol=1e-12)


def _in(f, names):
    """`f` with its globals `names` replaced (NumPy by jax.numpy)."""
    import types

    return types.FunctionType(f.__code__, {**f.__globals__, **names}, f.__name__)
