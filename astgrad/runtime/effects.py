"""The mark of a runtime helper that writes into its arguments (one place for that fact)."""

from __future__ import annotations

from typing import Callable


def writes_arguments(fn: Callable) -> Callable:
    """Mark `fn` as a helper that writes into (or takes items off) an argument: a call of it is an
    effect, never dropped or moved as a pure value would be (optimize/cleanup.is_pure)."""
    fn.writes_arguments = True
    return fn
