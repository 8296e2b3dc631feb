"""Rules of Python builtins and the `math` module (scalars)."""
# ruff: noqa: F821  (templates name adjoints `x_bar` and tangents `x_dot` that exist only once spliced)

import builtins
import math

from ..runtime import (  # noqa: F401  (sign_of: named in a derivative string)
    float_twins,
    items_adjoint,
    prod_items_bar,
    prod_items_dot,
    select_share,
    sign_of,
    unbroadcast,
)
from .registry import (
    SHAPE_EXACT,
    SHAPE_FIRST,
    SHAPE_PICK,
    adjoint,
    alias,
    declare,
    describe,
    elementwise,
    mark_elementwise,
    nondifferentiable,
    tangent,
)

elementwise(math.sin, "math.cos(x)", globals())
elementwise(math.cos, "-math.sin(x)", globals())
elementwise(math.tan, "(1.0 + y * y)", globals())
elementwise(math.asin, "1.0 / math.sqrt(1.0 - x * x)", globals())
elementwise(math.acos, "-1.0 / math.sqrt(1.0 - x * x)", globals())
elementwise(math.atan, "1.0 / (1.0 + x * x)", globals())
elementwise(math.sinh, "math.cosh(x)", globals())
elementwise(math.cosh, "math.sinh(x)", globals())
elementwise(math.tanh, "(1.0 - y * y)", globals())
elementwise(math.exp, "y", globals())
elementwise(math.expm1, "(y + 1.0)", globals())
elementwise(math.log1p, "1.0 / (1.0 + x)", globals())
elementwise(math.sqrt, "0.5 / y", globals())
# math's functions with NumPy's value where they raise (floats.py calls them where the value
# decides nothing): their derivatives are math's
for _twin in float_twins():
    alias(_twin.math_function, _twin)
elementwise(math.fabs, "math.copysign(1.0, x)", globals())
elementwise(math.asinh, "1.0 / math.sqrt(x * x + 1.0)", globals())
elementwise(math.acosh, "1.0 / math.sqrt(x * x - 1.0)", globals())
elementwise(math.atanh, "1.0 / (1.0 - x * x)", globals())
elementwise(math.log2, "1.0 / (x * math.log(2.0))", globals())
elementwise(math.log10, "1.0 / (x * math.log(10.0))", globals())
elementwise(math.erf, "(2.0 / math.sqrt(math.pi)) * math.exp(-x * x)", globals())
elementwise(math.erfc, "(-2.0 / math.sqrt(math.pi)) * math.exp(-x * x)", globals())
elementwise(math.degrees, "(180.0 / math.pi)", globals())
elementwise(math.radians, "(math.pi / 180.0)", globals())
if hasattr(math, "exp2"):  # Python 3.11
    elementwise(math.exp2, "(y * math.log(2.0))", globals())
    elementwise(math.cbrt, "(1.0 / (3.0 * y * y))", globals())
elementwise(builtins.abs, "sign_of(x)", globals())
elementwise(builtins.float, "1.0", globals())


# y = ln x / ln b: ∂y/∂x = 1 / (x ln b), ∂y/∂b = -y / (b ln b)


@adjoint(math.log)
def _(y, x, base=None):
    x_bar = y_bar / x if base is None else y_bar / (x * math.log(base))
    base_bar = -y_bar * y / (base * math.log(base))


@tangent(math.log)
def _(y, x, base=None):
    y_dot = (x_dot / x if base is None else x_dot / (x * math.log(base))) - base_dot * y / (base * math.log(base))


@adjoint(math.pow)
def _(z, x, y):
    x_bar = z_bar * y * x ** (y - 1)
    y_bar = z_bar * z * math.log(x)


@tangent(math.pow)
def _(z, x, y):
    z_dot = x_dot * y * x ** (y - 1) + y_dot * z * math.log(x)


@adjoint(math.atan2)
def _(z, y, x):
    y_bar = z_bar * x / (x * x + y * y)
    x_bar = -z_bar * y / (x * x + y * y)


@tangent(math.atan2)
def _(z, y, x):
    z_dot = (y_dot * x - x_dot * y) / (x * x + y * y)


# math.hypot of two coordinates (a call with another number of them is refused)


@adjoint(math.hypot)
def _(z, x, y):
    x_bar = z_bar * x / z
    y_bar = z_bar * y / z


@tangent(math.hypot)
def _(z, x, y):
    z_dot = (x_dot * x + y_dot * y) / z


@adjoint(math.fmod)
def _(z, x, y):
    x_bar = z_bar
    y_bar = -z_bar * math.trunc(x / y)


@tangent(math.fmod)
def _(z, x, y):
    z_dot = x_dot - y_dot * math.trunc(x / y)


@adjoint(math.copysign)
def _(z, x, y):
    x_bar = z_bar * sign_of(x) * math.copysign(1.0, y)


@tangent(math.copysign)
def _(z, x, y):
    z_dot = x_dot * sign_of(x) * math.copysign(1.0, y)


declare(math.copysign, static="y", note="only its sign is read: piecewise constant")


@adjoint(builtins.sum)
def _(y, iterable, start=0):
    iterable_bar = items_adjoint(y_bar, iterable)
    start_bar = unbroadcast(y_bar, start)


@tangent(builtins.sum)
def _(y, iterable, start=0):
    y_dot = sum(iterable_dot, start_dot)


@adjoint(math.fsum)  # (sum's derivative: fsum adds more exactly)
def _(y, iterable):
    iterable_bar = items_adjoint(y_bar, iterable)


@tangent(math.fsum)
def _(y, iterable):
    y_dot = sum(iterable_dot)


@adjoint(math.prod)  # (the items' product, times start: each item's share the others' product)
def _(y, iterable, start=1):
    iterable_bar = prod_items_bar(y_bar, iterable, start)
    start_bar = unbroadcast(y_bar * math.prod(iterable), start)


@tangent(math.prod)
def _(y, iterable, start=1):
    y_dot = prod_items_dot(iterable_dot, iterable, start) + start_dot * math.prod(iterable)


@adjoint(builtins.max)
def _(z, x, y):
    x_bar = z_bar * select_share(x, y) if x >= y else 0.0
    y_bar = z_bar * select_share(y, x) if y >= x else 0.0


@tangent(builtins.max)  # (½ each at a tie, as the adjoint's shares: both modes give one derivative)
def _(z, x, y):
    z_dot = x_dot if x > y else y_dot if y > x else 0.5 * (x_dot + y_dot)


@adjoint(builtins.min)
def _(z, x, y):
    x_bar = z_bar * select_share(x, y) if x <= y else 0.0
    y_bar = z_bar * select_share(y, x) if y <= x else 0.0


@tangent(builtins.min)
def _(z, x, y):
    z_dot = x_dot if x < y else y_dot if y < x else 0.5 * (x_dot + y_dot)


nondifferentiable(
    builtins.round,
    builtins.int,
    math.floor,
    math.ceil,
    math.trunc,
    note="piecewise constant: the derivative is zero wherever it exists",
)
nondifferentiable(
    builtins.len,
    builtins.range,
    builtins.bool,
    builtins.isinstance,
    builtins.print,
    builtins.type,
    math.isnan,
    math.isinf,
    math.isfinite,
    builtins.id,
    builtins.hash,
    note="an integer, boolean or non-numeric result",
)
mark_elementwise(math.log, math.pow, math.atan2, math.hypot, math.fmod, math.copysign, builtins.max, builtins.min)

# containers built by a call: no rule (a value that depends on the inputs is refused), and this note
for _container in (list, tuple, dict, set, frozenset, zip, enumerate, sorted, reversed, map, filter, iter):
    declare(
        _container,
        note="astgrad follows values through the containers it sees built: list, tuple and dict displays and "
        "comprehensions, and zip, enumerate and reversed written in a for statement's header",
    )

# result shapes (shape_facts.py): len of an array is its first dimension, known with its shape
describe(builtins.float, builtins.int, builtins.abs, builtins.len, shape=SHAPE_FIRST)
describe(builtins.range, builtins.bool, builtins.round, shape=SHAPE_EXACT)
describe(builtins.min, builtins.max, shape=SHAPE_PICK)
