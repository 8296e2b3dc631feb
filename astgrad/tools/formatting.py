"""Short text for values in tables and graph nodes: numbers to a few digits, arrays by shape and a peek."""

from __future__ import annotations

from typing import Any

import numpy as np


def number(x: Any, digits: int = 6) -> str:
    """A number to `digits` significant digits, without noise (`1`, `-0.535158`, `2.5e-08`)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, complex):
        return f"{x:.{digits}g}"
    return f"{float(x):.{digits}g}"


def value(x: Any, digits: int = 6, peek: int = 4) -> str:
    """`x` in one short line: a number, or an array's first entries and its shape."""
    if x is None:
        return ""
    if isinstance(x, (bool, int, float, complex, np.number, np.bool_)):
        return number(x, digits)
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return number(x[()], digits)
        flat = x.reshape(-1)
        shown = ", ".join(number(v, min(digits, 4)) for v in flat[:peek])
        more = ", …" if flat.size > peek else ""
        shape = "×".join(str(d) for d in x.shape)
        return f"[{shown}{more}] ({shape})" if x.ndim > 1 or flat.size > peek else f"[{shown}]"
    if isinstance(x, (list, tuple)):
        inner = ", ".join(value(v, digits, peek) for v in x[:3])
        more = ", …" if len(x) > 3 else ""
        return f"({inner}{more})" if isinstance(x, tuple) else f"[{inner}{more}]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {value(v, digits, peek)}" for k, v in list(x.items())[:3]) + "}"
    text = repr(x)
    return text if len(text) <= 40 else text[:39] + "…"
