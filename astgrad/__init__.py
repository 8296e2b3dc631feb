"""astgrad: automatic differentiation of NumPy functions by source transformation."""

from .api import grad, hessian, hvp, jacobian, jvp, source, stop_gradient, value_and_grad, vjp
from .errors import AstgradError, TransformError
from .numerical import GradientCheckError, check_grad, numerical_grad, numerical_jacobian
from .rules.registry import adjoint, declare, nondifferentiable, tangent

nondifferentiable(stop_gradient)

__all__ = [
    "grad",
    "value_and_grad",
    "source",
    "jvp",
    "vjp",
    "jacobian",
    "hessian",
    "hvp",
    "stop_gradient",
    "adjoint",
    "tangent",
    "nondifferentiable",
    "declare",
    "numerical_grad",
    "numerical_jacobian",
    "check_grad",
    "AstgradError",
    "TransformError",
    "GradientCheckError",
]
