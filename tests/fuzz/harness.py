"""Loading generated programs and checking their gradients (shared by the fuzzer and its regressions)."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import os
import sys
import tempfile
from types import ModuleType

import numpy as np

from astgrad import TransformError, check_grad, grad

WRT = ("x", "s")
RTOL, ATOL = 1e-4, 1e-6
_INTERNAL = "this is a bug in astgrad"  # the hint of a TransformError wrapping an internal error

_directory: list[str] = []


def load_module(source: str) -> ModuleType:
    """Write `source` to a fresh .py file (astgrad reads source with inspect) and import it."""
    if not _directory:
        _directory.append(tempfile.mkdtemp(prefix="astgrad_fuzz_"))
    # named by content: replaying a program gives the same file, hence the same generated code and
    # the same traceback locations, which hypothesis uses to tell one failure from another
    name = f"astgrad_fuzz_{hashlib.sha1(source.encode()).hexdigest()[:16]}"
    path = os.path.join(_directory[0], name + ".py")
    if not os.path.exists(path):
        with open(path, "w") as out:
            out.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def unload(module: ModuleType) -> None:
    sys.modules.pop(module.__name__, None)


def _pairs(a, b):
    return zip(a, b) if isinstance(a, tuple) else [(a, b)]


def check_function(f, args: tuple, wrt=WRT, rtol: float = RTOL, atol: float = ATOL) -> list[str]:
    """Check reverse and forward mode of `f` at `args` against central differences and each other.

    Returns "<mode>: <message>" for each mode astgrad refused with a TransformError when the
    gradient was generated (an acceptable outcome); raises on anything else that goes wrong: a
    wrong gradient (GradientCheckError / AssertionError), any other exception, a TransformError
    raised when the gradient runs or reporting an internal error ("this is a bug in astgrad"),
    or an input modified in place.
    """
    refused = []
    results = {}
    for mode in ("reverse", "forward"):
        try:
            g = grad(f, wrt=wrt, mode=mode)
        except TransformError as exc:
            if _INTERNAL in str(exc):  # astgrad's own crash, wrapped: not a refusal
                exc.add_note(f"astgrad mode: {mode}")
                raise
            refused.append(f"{mode}: {exc}")
            continue
        before = copy.deepcopy(args)
        try:
            check_grad(f, g, *args, wrt=wrt, rtol=rtol, atol=atol)
            value = g(*args)
            general = getattr(g, "__astgrad_general__", None)  # reverse mode: the unspecialised code too
            if general is not None:
                failures = g.__astgrad_specializer__.failures
                assert not failures, f"specialising failed: {next(iter(failures.values()))}"
                for r, gen in _pairs(value, general(*args)):
                    np.testing.assert_allclose(gen, r, rtol=1e-12, atol=1e-14, err_msg="general != specialised")
            for a, b in zip(args, before):
                np.testing.assert_array_equal(a, b, err_msg=f"{mode} mode modified an input in place")
        except Exception as exc:
            exc.add_note(f"astgrad mode: {mode}")
            raise
        results[mode] = value
    if len(results) == 2:
        for r, fw in _pairs(results["reverse"], results["forward"]):
            np.testing.assert_allclose(fw, r, rtol=1e-8, atol=1e-10, err_msg="forward mode != reverse mode")
    return refused
