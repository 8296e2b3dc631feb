"""astgrad: automatic differentiation of NumPy functions by source transformation."""

from .api import grad, source, value_and_grad
from .errors import AstgradError, TransformError
from .numerical import GradientCheckError, check_grad, numerical_grad, numerical_jacobian
from .rules.registry import adjoint, nondifferentiable, tangent

__all__ = [
    "grad",
    "value_and_grad",
    "source",
    "adjoint",
    "tangent",
    "nondifferentiable",
    "numerical_grad",
    "numerical_jacobian",
    "check_grad",
    "AstgradError",
    "TransformError",
    "GradientCheckError",
]
