"""Errors raised by astgrad."""

from __future__ import annotations

import linecache
import re
import sys


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


def refuse_pickling(label: str) -> None:
    """Raised by `__reduce__` of what a gradient function holds (cloudpickle, as joblib, dask or
    ray use it, pickles a function with its attributes): its code was generated in this process
    from the source of the program as it is, and is generated again there when that changes."""
    raise ArgumentError(
        f"{label} cannot be pickled: it holds code astgrad generated in this process (and generates again "
        "when the arguments' shapes or the program change); send the function itself to the other process "
        "and call astgrad.grad on it there"
    )


class UnsupportedValueError(AstgradError, ValueError, TypeError):
    """The generated code met, when it ran, a value it cannot differentiate correctly (an array two
    names share written in place, a matrix norm without a rule, ...): refused rather than a wrong
    number. The message starts with the user's file and line, as a TransformError's does: the
    statement whose adjoint was running, or in the forward pass the function's `def`."""

    def __init__(self, message: str, line: int | None = None):
        self.filename, self.lineno = None, None
        where = _running_statement(line)
        if where is not None:
            self.filename, self.lineno, name, code = where
            message = f"{self.filename}:{self.lineno}: " + (
                f"{message}\n    {code}" if code else f"in `{name}`: {message}"
            )
        super().__init__(message)


class SequenceArithmeticError(UnsupportedValueError):
    """A derivative found a list or tuple joined or repeated by `+` or `*` where astgrad could not
    tell it would be (analysis/sequences.py), and so had differentiated arithmetic: refused."""

    def __init__(self, line: int | None = None) -> None:
        super().__init__(
            "`+` or `*` joined or repeated a list or tuple here, and astgrad could not tell it would: "
            "its arithmetic rules would give a wrong derivative. Write the join `list(a) + list(b)` and the "
            "repetition `list(a) * n` (or np.concatenate / np.tile for arrays)",
            line=line,
        )


# generated code's file name (codegen.compile_function) → the user's file, the line of the `def`
# and the name of the function it was generated from
_GENERATED: dict[str, tuple[str, int, str]] = {}
_LINE_COMMENT = re.compile(r"\s*# line (\d+): (.*)")


def note_generated(filename: str, user_file: str, line: int, name: str) -> None:
    """Remember that the code compiled under `filename` was generated from function `name`
    defined at `user_file`:`line`, for the location of a run-time refusal."""
    _GENERATED[filename] = (user_file, line, name)


def generated_origin(filename: str) -> tuple[str, int, str] | None:
    """(the user's file, the line of its `def`, its name) of the function the code compiled under
    `filename` was generated from, or None for code astgrad did not generate."""
    return _GENERATED.get(filename)


def _running_statement(known: int | None = None) -> tuple[str, int, str, str] | None:
    """The user's file, line, function and statement text where the innermost generated code on
    the stack stands: the `# line N: ...` comment above its line in the backward pass (the
    statement whose adjoint runs); in the forward pass the line a check names (`known`), else the
    function's `def` line, and no text."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename not in _GENERATED:
        frame = frame.f_back
    if frame is None:
        return None
    user_file, line, name = generated_origin(frame.f_code.co_filename)
    if known is not None:  # (a line of the user's own file: past the code generated from code astgrad generated)
        while user_file in _GENERATED:
            user_file, _, name = _GENERATED[user_file]
        return user_file, known, name, linecache.getline(user_file, known).strip()
    above = line_comment_above(linecache.getlines(frame.f_code.co_filename), frame.f_lineno)
    return (user_file, above[0], name, above[1]) if above is not None else (user_file, line, name, "")


def line_comment_above(lines: list[str], lineno: int) -> tuple[int, str] | None:
    """(N, text) of the `# line N: text` comment the reverse pass writes above the adjoint of the
    user's line N, nearest above line `lineno` of generated code `lines` (1-based), within its
    function's backward pass; None in the forward pass."""
    for text in reversed(lines[: min(lineno, len(lines))]):
        found = _LINE_COMMENT.fullmatch(text.rstrip("\n"))
        if found:
            return int(found.group(1)), found.group(2).strip()
        if text.lstrip().startswith(("def ", "# forward pass")):
            return None
    return None
