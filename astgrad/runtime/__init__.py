"""Helpers that generated gradient code calls at run time, grouped by what they serve:

- shapes.py: undoing broadcasting and reductions, differences and triangles (the others build on them);
- tape.py: the tape, zeros, copies and ownership, adjoint accumulation, the adjoints of indexing;
- checks.py: run-time checks of generated code and the guard's `respecialize`;
- containers.py: lists, dicts, sequences and `sorted`, and gradients in their argument's structure;
- arrays.py: the helpers of the core NumPy rules (rules/numpy_rules.py, operators.py, builtins.py);
- einsum.py, more.py, linalg.py, nan.py, numpy_extra.py, fft.py, special.py: the helpers of the
  other rule families (rules/*_rules.py).

Generated code imports them all from here (`from astgrad.runtime import unbroadcast`), the one
stable path, and so do the rules and exported code (tools/export.py): a helper moves between these
modules without changing generated code.
"""

from .arrays import *  # noqa: F403
from .checks import *  # noqa: F403
from .containers import *  # noqa: F403
from .einsum import *  # noqa: F403
from .fft import *  # noqa: F403
from .linalg import *  # noqa: F403
from .more import *  # noqa: F403
from .nan import *  # noqa: F403
from .numpy_extra import *  # noqa: F403
from .shapes import *  # noqa: F403
from .special import *  # noqa: F403
from .tape import *  # noqa: F403
