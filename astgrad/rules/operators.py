"""Rules of Python's operators (`+ - * / ** @`, unary minus, indexing) and their NumPy twins."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import builtins
import operator

import numpy as np

from ..runtime import int_power, matmul_left, matmul_right, unbroadcast, unindex
from .registry import (
    SHAPE_ALL,
    SHAPE_FIRST_TWO,
    adjoint,
    alias,
    declare,
    describe,
    mark_elementwise,
    nondifferentiable,
    tangent,
)

# --- arithmetic -----------------------------------------------------------------------------------


@adjoint(operator.add)
def _(z, x, y):
    x_bar = unbroadcast(z_bar, x)
    y_bar = unbroadcast(z_bar, y)


@tangent(operator.add)
def _(z, x, y):
    z_dot = x_dot + y_dot


@adjoint(operator.sub)
def _(z, x, y):
    x_bar = unbroadcast(z_bar, x)
    y_bar = unbroadcast(-z_bar, y)


@tangent(operator.sub)
def _(z, x, y):
    z_dot = x_dot - y_dot


@adjoint(operator.mul)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * y, x)
    y_bar = unbroadcast(x * z_bar, y)


@tangent(operator.mul)
def _(z, x, y):
    z_dot = x_dot * y + x * y_dot


@adjoint(operator.truediv)
def _(z, x, y):
    x_bar = unbroadcast(z_bar / y, x)
    y_bar = unbroadcast(-z_bar * z / y, y)


# c / y with c a nonzero number: z / y = z (z / c), so y's adjoint reads the quotient alone and a
# loop need not save y (`1.0 / t11`); z / c is 1 / y, with no overflow z z could risk. With c = 0
# the general form: 0 where this would be 0 · inf = NaN. (Used where the backward's reads are saved,
# in a loop: elsewhere the general form may cancel against its neighbours, reverse._saves_reads)
@adjoint(operator.truediv, constant="x")
def _(z, x, y):
    y_bar = unbroadcast(-z_bar * z * (z / x), y)


@tangent(operator.truediv)
def _(z, x, y):
    z_dot = x_dot / y - z * y_dot / y


# d(x**y)/dx = y x**(y - 1), and 0 where y is 0 (x**0 is 1 everywhere, at x = 0 too: there
# 0 * 0**-1 would be nan): the exponent is y - 1 but where y is 0 (a constant y folds to its number);
# d(x**y)/dy = x**y log x, and 0 where x is 0 (x**y is 0 there for y > 0)
@adjoint(operator.pow)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * y * x ** (y - (y != 0)), x)
    y_bar = unbroadcast(z_bar * z * np.log(np.where(x == 0, 1.0, x)), y)


@tangent(operator.pow)
def _(z, x, y):
    z_dot = x_dot * y * x ** (y - (y != 0)) + y_dot * z * np.log(np.where(x == 0, 1.0, x))


# np.power computes NumPy's power of Python numbers too: a negative base's fractional power is nan
# (Python's `**` makes it complex), and so is its derivative
@adjoint(np.power)
def _(z, x, y):
    x_bar = unbroadcast(z_bar * y * np.power(x, y - (y != 0)), x)
    y_bar = unbroadcast(z_bar * z * np.log(np.where(x == 0, 1.0, x)), y)


@tangent(np.power)
def _(z, x, y):
    z_dot = x_dot * y * np.power(x, y - (y != 0)) + y_dot * z * np.log(np.where(x == 0, 1.0, x))


@adjoint(operator.matmul)
def _(z, x, y):
    x_bar = matmul_left(z_bar, x, y)
    y_bar = matmul_right(z_bar, x, y)


@tangent(operator.matmul)
def _(z, x, y):
    z_dot = x_dot @ y + x @ y_dot


@adjoint(operator.neg)
def _(y, x):
    x_bar = -y_bar


@tangent(operator.neg)
def _(y, x):
    y_dot = -x_dot


@adjoint(operator.pos)
def _(y, x):
    x_bar = y_bar


@tangent(operator.pos)
def _(y, x):
    y_dot = x_dot


# z = x % y = x - floor(x / y) y (Python's and NumPy's floored remainder): ∂z/∂x = 1, ∂z/∂y = -floor(x / y)
# (away from the jumps where x / y is an integer)


@adjoint(operator.mod)
def _(z, x, y):
    x_bar = unbroadcast(z_bar, x)
    y_bar = unbroadcast(-z_bar * (x // y), y)


@tangent(operator.mod)
def _(z, x, y):
    z_dot = x_dot - y_dot * (x // y)


# `y = x`: a copy of a name
@adjoint(operator.is_)
def _(y, x):
    x_bar = y_bar


@tangent(operator.is_)
def _(y, x):
    y_dot = x_dot


describe(operator.is_, passes_adjoint=True)  # (the very object: a list's adjoint is a list)


# --- indexing -------------------------------------------------------------------------------------


@adjoint(operator.getitem)
def _(y, x, index):
    x_bar = unindex(y_bar, x, index)


@tangent(operator.getitem)
def _(y, x, index):
    y_dot = x_dot[index]


declare(operator.getitem, static="index")


alias(operator.add, np.add)
alias(operator.sub, np.subtract)
alias(operator.mul, np.multiply)
alias(operator.truediv, np.divide, np.true_divide)
alias(operator.pow, builtins.pow, int_power)  # (pow(x, y, mod) is refused: no `mod` here)
alias(operator.matmul, np.matmul)
alias(operator.neg, np.negative)
alias(operator.mod, np.mod, np.remainder)
nondifferentiable(
    operator.floordiv,
    np.floor_divide,
    note="piecewise constant: the derivative is zero wherever it exists",
)
nondifferentiable(operator.lshift, operator.rshift, note="integer shifts")
nondifferentiable(
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    operator.eq,
    operator.ne,
    operator.not_,
    operator.invert,
    operator.and_,
    operator.or_,
    operator.xor,
    operator.contains,
    operator.is_not,
    note="a boolean or integer result",
)
mark_elementwise(
    np.power,
    builtins.pow,
    operator.add,
    operator.sub,
    operator.mul,
    operator.truediv,
    operator.pow,
    operator.neg,
    operator.pos,
    operator.is_,
    operator.mod,
    int_power,
)


# result shapes (shape_facts.py): Python's operators broadcast, but for `@`
describe(
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.floordiv, operator.mod,
    operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift, operator.neg, operator.pos,
    operator.not_, operator.invert, builtins.pow, int_power,
    shape=SHAPE_ALL,
)  # fmt: skip
# a power of a float array by a whole number, by multiplications where its rounding does not matter (powers.py)
describe(operator.pow, np.power, builtins.pow, on_integer_exponent=int_power)
describe(operator.matmul, shape=SHAPE_FIRST_TWO)
# total on float arrays, writing nothing: row work with them may be computed before its loop (hoisting.py)
describe(operator.add, operator.sub, operator.mul, operator.truediv, hoistable=True)
