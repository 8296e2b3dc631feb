"""The command line: `astgrad show|check|trace|graph|export|compare FILE:FUNC ...`.

Every failure the user can cause (a wrong path, a missing function, arguments that do not
evaluate or do not fit, a function astgrad cannot differentiate) ends with a short message on
stderr and a non-zero exit status, never a traceback. Exit status 1 means a gradient check found
a mismatch; 2, any other error.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import sys
import types
from typing import Any, Callable, Sequence

import numpy as np

EXIT_MISMATCH = 1
EXIT_ERROR = 2

DESCRIPTION = "Automatic differentiation of NumPy functions by source transformation: see, check and export gradients."
EPILOG = """\
FILE:FUNC names a function defined at the top level of a Python file, e.g. examples/lecture.py:f.
--args is a Python expression list, evaluated with np bound to NumPy and the file's globals
visible, e.g. --args "0.7, -1.3" or --args "np.ones(3), X, y, 0.01".

examples:
  astgrad show examples/lecture.py:f --wrt x1,x2
  astgrad check examples/lecture.py:f --wrt x1,x2 --args "0.7, -1.3"
  astgrad trace examples/lecture.py:f --wrt x1,x2 --args "0.7, -1.3" --mode forward
  astgrad graph examples/lecture.py:f --wrt x1,x2 --args "0.7, -1.3" -o f.svg
  astgrad export examples/lecture.py:f --wrt x1,x2 -o f_grad.py
  astgrad compare examples/lecture.py:f --wrt x1,x2 --args "0.7, -1.3"
"""


class CliError(Exception):
    """A problem to report in one line, then exit with EXIT_ERROR."""


def _load(target: str) -> tuple[types.ModuleType, Callable]:
    """The module of FILE and its function FUNC."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise CliError(f"expected FILE:FUNC (e.g. examples/lecture.py:f), got {target!r}")
    if not os.path.isfile(path):
        raise CliError(f"no such file: {path}")
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, os.path.abspath(path))
    if spec is None or spec.loader is None:
        raise CliError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit:
        raise CliError(f"importing {path} called sys.exit") from None
    except BaseException as exc:  # the user's file failed to import: say how, in one line
        raise CliError(f"cannot import {path}: {type(exc).__name__}: {exc}") from None
    func = getattr(module, name, None)
    if func is None:
        found = sorted(
            k for k, v in vars(module).items() if isinstance(v, types.FunctionType) and v.__module__ == module_name
        )
        raise CliError(f"{path} has no function {name!r}" + (f" (functions: {', '.join(found)})" if found else ""))
    if not callable(func):
        raise CliError(f"{path}:{name} is a {type(func).__name__}, not a function")
    return module, func


def _arguments(
    expr: str | None, module: types.ModuleType, module_function: Callable, required: bool, command: str
) -> list[Any] | None:
    if expr is None:
        if required:
            raise CliError(f'{command} needs the function\'s arguments: --args "EXPR" (e.g. --args "0.7, -1.3")')
        return None
    scope = dict(vars(module))
    scope["np"] = np
    try:
        value = eval(f"[{expr}\n]", scope)  # noqa: S307 - the user's own expression, run as they asked
    except Exception as exc:
        raise CliError(f"cannot evaluate --args {expr!r}: {type(exc).__name__}: {exc}") from None
    _fit(module_function, value)
    return value


def _fit(func: Callable, args: list[Any] | None) -> None:
    """Refuse arguments that do not fit the function's parameters, naming them."""
    if args is None:
        return
    signature = inspect.signature(func)
    try:
        signature.bind(*args)
    except TypeError as exc:
        raise CliError(f"--args do not fit {func.__name__}{signature}: {exc}") from None


def _wrt(text: str | None) -> Any:
    if text is None:
        return 0
    items: list[Any] = [int(w) if w.strip().lstrip("-").isdigit() else w.strip() for w in text.split(",") if w.strip()]
    if not items:
        raise CliError("--wrt names no parameter")
    return items[0] if len(items) == 1 else tuple(items)


def _highlight(text: str, color: str) -> str:
    use = color == "always" or (color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    if not use:
        return text
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return highlight(text, PythonLexer(), TerminalFormatter())


def _cmd_show(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, False, "show")
    text = astgrad.source(func, _wrt(ns.wrt), mode=ns.mode, normalized=ns.normalized, args=args)
    sys.stdout.write(_highlight(text.rstrip("\n") + "\n", ns.color))
    return 0


def _cmd_check(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, True, "check")
    wrt = _wrt(ns.wrt)
    gradient = astgrad.grad(func, wrt, mode=ns.mode)
    try:
        astgrad.check_grad(func, gradient, *args, wrt=wrt, rtol=ns.rtol, atol=ns.atol)
    except astgrad.GradientCheckError as exc:
        print(f"gradient check of {func.__name__} FAILED:\n{exc}")
        return EXIT_MISMATCH
    print(f"gradient check of {func.__name__} passed: {ns.mode} mode agrees with central differences")
    return 0


def _cmd_trace(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, True, "trace")
    print(astgrad.trace(func, *args, wrt=_wrt(ns.wrt), mode=ns.mode))
    return 0


def _cmd_graph(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, True, "graph")
    g = astgrad.graph(func, *args, wrt=_wrt(ns.wrt), fold=ns.fold)
    if ns.output is None or ns.output.endswith(".dot") or ns.output.endswith(".gv"):
        if ns.output is None:
            sys.stdout.write(g.dot)
        else:
            with open(ns.output, "w", encoding="utf-8") as f:
                f.write(g.dot)
            print(f"wrote {ns.output}")
        return 0
    g.render(ns.output)
    print(f"wrote {ns.output}")
    return 0


def _cmd_export(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, False, "export")
    astgrad.export(func, ns.output, wrt=_wrt(ns.wrt), args=args, mode=ns.mode)
    print(f"wrote {ns.output}")
    return 0


def _cmd_compare(ns: argparse.Namespace, module: types.ModuleType, func: Callable) -> int:
    import astgrad

    args = _arguments(ns.args, module, func, True, "compare")
    print(astgrad.cost(func, *args, wrt=_wrt(ns.wrt), budget=ns.budget))
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of the command line."""
    p = argparse.ArgumentParser(
        prog="astgrad", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str, args_required: bool) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help)
        c.add_argument("target", metavar="FILE:FUNC", help="the function, e.g. examples/lecture.py:f")
        c.add_argument("--wrt", help="parameters to differentiate with respect to: names or indices, comma-separated")
        c.add_argument(
            "--args",
            required=False,
            help="the arguments, a Python expression list (np is NumPy)" + ("" if args_required else " (optional)"),
        )
        return c

    show = command("show", "print the generated gradient code", False)
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    show.add_argument("--normalized", action="store_true", help="print FUNC itself in A-normal form instead")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="highlight (needs Pygments)")
    show.set_defaults(run=_cmd_show)

    check = command("check", "check the gradient against central differences (exit status 1 on a mismatch)", True)
    check.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    check.add_argument("--rtol", type=float, default=1e-5)
    check.add_argument("--atol", type=float, default=1e-6)
    check.set_defaults(run=_cmd_check)

    trace = command("trace", "print the evaluation trace: each primitive, its value and its adjoint or tangent", True)
    trace.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    trace.set_defaults(run=_cmd_trace)

    graph = command("graph", "draw the computational graph with values and adjoints", True)
    graph.add_argument(
        "-o", "--output", help="g.svg, g.png or g.pdf (needs Graphviz), or g.dot; default: DOT on stdout"
    )
    graph.add_argument("--fold", type=int, default=2, help="iterations of a long loop drawn before folding (default 2)")
    graph.set_defaults(run=_cmd_graph)

    export = command("export", "write the gradient as a standalone module needing only NumPy", False)
    export.add_argument("-o", "--output", required=True, help="the module to write, e.g. f_grad.py")
    export.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    export.set_defaults(run=_cmd_export)

    compare = command("compare", "time and memory of reverse against forward mode for the full gradient/Jacobian", True)
    compare.add_argument("--budget", type=float, default=0.2, help="seconds of timing per mode (default 0.2)")
    compare.set_defaults(run=_cmd_compare)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from astgrad.errors import AstgradError

    ns = parser().parse_args(argv)
    try:
        module, func = _load(ns.target)
        return ns.run(ns, module, func)
    except CliError as exc:
        message = str(exc)
    except AstgradError as exc:
        message = str(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # raised by the user's function on these arguments, or by NumPy
        message = f"{type(exc).__name__}: {exc}"
    print(f"astgrad {ns.command}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
