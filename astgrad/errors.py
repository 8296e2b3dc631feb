"""Errors raised by astgrad."""

from __future__ import annotations


class AstgradError(Exception):
    """Base class of every error astgrad raises."""


class TransformError(AstgradError):
    """A function cannot be differentiated; the message names the construct, file and line."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        lineno: int | None = None,
        hint: str | None = None,
        code: str | None = None,
    ):
        self.filename = filename
        self.lineno = lineno
        self.hint = hint
        self.code = code
        where = ""
        if filename is not None:
            where = f"{filename}:{lineno}: " if lineno is not None else f"{filename}: "
        text = f"{where}{message}"
        if code:
            text += f"\n    {code.strip()}"
        if hint:
            text += f"\n  hint: {hint}"
        super().__init__(text)


class ArgumentError(AstgradError, ValueError, TypeError):
    """An argument of an astgrad function (wrt, mode, ...) is not valid."""


def user_facing(fn):
    """Decorator for the functions users call: an AstgradError raised inside astgrad is shown
    from the user's call, without astgrad's internal frames above the message."""
    import functools

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AstgradError as exc:
            raise exc.with_traceback(None) from exc.__cause__

    return call
