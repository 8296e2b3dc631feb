"""Shrink a failing generated program by deleting statements and simplifying expressions while
it keeps failing the same way (a development tool for turning fuzzer finds into regressions).

    python -m tests.fuzz.minimize fuzz.jsonl [--limit 20]   # minimize the failures of a fuzz log

Works on the probed text (see program_generator), so every candidate is re-checked for kinks.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import signal
from collections.abc import Callable

import numpy as np

from astgrad import GradientCheckError, numerical_grad
from tests.fuzz.harness import WRT, check_function, load_module, unload
from tests.fuzz.program_generator import Program

MARGIN = 1e-3


def signature(exc: BaseException) -> str:
    """What kind of failure this is (numbers and generated names stripped)."""
    mode = " ".join(n for n in getattr(exc, "__notes__", []) if n.startswith("astgrad mode"))
    if isinstance(exc, GradientCheckError):
        return f"GradientCheckError ({mode})"
    first = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, AssertionError):
        first = first.split(":")[0]
    first = re.sub(r"\S+\.py(:\d+)?:? ?", "", first)
    first = re.sub(r"\d+(\.\d+)?", "N", first)
    return f"{type(exc).__name__}: {first[:80]} ({mode})"


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def failure(probed: str, args: tuple) -> str | None:
    """The failure signature of `probed` at `args`, or None if it passes or is not a valid test."""
    try:
        program = Program(probed, has_n=len(args) == 3)
    except SyntaxError:
        return None
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    module = None
    try:
        with np.errstate(all="ignore"):
            if program.margin(*args) < MARGIN:
                return None
            module = load_module(program.source)
            f = module.f
            before = [np.copy(a) for a in args]
            value = f(*args)
            if any(not np.array_equal(a, b) for a, b in zip(args, before)):
                return None  # f mutates its input: not a valid test
            if not (np.isfinite(value) and abs(value) < 1e6):
                return None
            fine = numerical_grad(f, *args, wrt=WRT)
            coarse = numerical_grad(f, *args, wrt=WRT, eps=1e-5)
            if any(not np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(fine, coarse)):
                return None
        try:
            check_function(f, args)
        except _Timeout:
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure counts
            return signature(exc)
        return None
    except _Timeout:
        return None
    except Exception:  # the candidate itself is broken (NameError in f, ...)
        return None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        if module is not None:
            unload(module)


# ----------------------------------------------------------------------------------------------
# candidate reductions


def _bodies(tree: ast.AST):
    for node in ast.walk(tree):
        for attr in ("body", "orelse"):
            block = getattr(node, attr, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield node, attr


def _is_counter_step(s: ast.stmt) -> bool:
    return isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name) and s.target.id.startswith("j")


def _candidates(tree: ast.Module):
    """Smaller variants of `tree`, most aggressive first."""
    # drop whole functions other than f
    for k, node in enumerate(tree.body):
        if isinstance(node, ast.FunctionDef) and node.name != "f":
            t = copy.deepcopy(tree)
            del t.body[k]
            yield t
    # delete statements, replace compound statements by their bodies, drop else branches
    paths = []
    for node, attr in _bodies(tree):
        for k in range(len(getattr(node, attr))):
            paths.append((node, attr, k))
    for node, attr, k in paths:
        stmt = getattr(node, attr)[k]
        if _is_counter_step(stmt) or isinstance(node, ast.Module):
            continue
        yield _edit(tree, node, attr, k, [])
        if isinstance(stmt, (ast.If, ast.For, ast.While)):
            yield _edit(tree, node, attr, k, stmt.body)
            if stmt.orelse:
                yield _edit(tree, node, attr, k, stmt.orelse)
                s2 = copy.deepcopy(stmt)
                s2.orelse = []
                yield _edit(tree, node, attr, k, [s2])
    # simplify expressions: replace a node by one of its sub-expressions, or by a constant
    kinds = (ast.BinOp, ast.Call, ast.IfExp, ast.UnaryOp, ast.Subscript, ast.BoolOp)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    exprs = [n for fn in functions for n in ast.walk(fn) if isinstance(n, kinds)]
    for target in exprs:
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id in ("_gt", "_lt"):
            yield _replace(tree, target, ast.Constant(True))
            yield _replace(tree, target, ast.Constant(False))
            continue
        children = [
            c
            for c in ast.iter_child_nodes(target)
            if isinstance(c, ast.expr) and not _is_module_name(c) and c is not getattr(target, "func", None)
        ]
        for c in children:
            yield _replace(tree, target, c)
        if not isinstance(target, ast.BoolOp):
            yield _replace(tree, target, ast.Constant(0.5))


def _is_module_name(node: ast.expr) -> bool:
    return isinstance(node, (ast.Attribute, ast.Name)) and ast.unparse(node) in ("np", "math", "A", "B", "C")


def _locate(tree: ast.AST, target: ast.AST) -> list:
    """A path of (field, index) from tree to target."""
    for field, value in ast.iter_fields(tree):
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if item is target:
                return [(field, i if isinstance(value, list) else None)]
            if isinstance(item, ast.AST):
                sub = _locate(item, target)
                if sub:
                    return [(field, i if isinstance(value, list) else None)] + sub
    return []


def _follow(tree, path):
    node = tree
    for field, i in path:
        node = getattr(node, field) if i is None else getattr(node, field)[i]
    return node


def _edit(tree, node, attr, k, replacement):
    t = copy.deepcopy(tree)
    n2 = _follow(t, _locate(tree, node)) if node is not tree else t
    block = getattr(n2, attr)
    block[k : k + 1] = copy.deepcopy(replacement)
    if not block and attr == "body":
        block.append(ast.Pass())
    return t


def _replace(tree, target, new):
    path = _locate(tree, target)
    if not path:
        return tree
    t = copy.deepcopy(tree)
    parent = _follow(t, path[:-1])
    field, i = path[-1]
    if isinstance(parent, ast.While) and field == "test":
        return tree
    new = copy.deepcopy(new)
    if i is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[i] = new
    return t


def _self_assignments(tree: ast.AST) -> int:
    """`v = v` statements: a known bug (reverse mode) that minimization would otherwise drift into."""
    return sum(
        isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Name)
        and any(isinstance(t, ast.Name) and t.id == n.value.id for t in n.targets)
        for n in ast.walk(tree)
    )


def minimize(probed: str, args: tuple, log: Callable[[str], None] = lambda s: None) -> str:
    want = failure(probed, args)
    if want is None:
        raise ValueError("the program does not fail")
    tree = ast.parse(probed)
    progress = True
    while progress:
        progress = False
        for cand in _candidates(tree):
            text = ast.unparse(ast.fix_missing_locations(cand))
            if len(text) >= len(ast.unparse(tree)) or _self_assignments(cand) > _self_assignments(tree):
                continue
            if failure(text, args) == want:
                tree = cand
                progress = True
                log(f"  {len(text)} chars")
                break
    return ast.unparse(tree)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--out", default="minimized.jsonl")
    parser.add_argument("--only", default="", help="minimize only failures whose signature contains this")
    options = parser.parse_args()
    seen: dict[str, int] = {}
    with open(options.log) as lines, open(options.out, "a") as out:
        for line in lines:
            record = json.loads(line)
            if record["outcome"] != "fail":
                continue
            args = tuple(np.array(a) if isinstance(a, list) else a for a in record["args_json"])
            sig = failure(record["probed"], args)
            if sig is None or options.only not in sig or seen.get(sig, 0) >= options.limit:
                continue
            seen[sig] = seen.get(sig, 0) + 1
            print("==", sig, flush=True)
            small = minimize(record["probed"], args)
            print(Program(small, len(args) == 3).source, record["args_json"], flush=True)
            out.write(json.dumps({"signature": sig, "probed": small, "args_json": record["args_json"]}) + "\n")


if __name__ == "__main__":
    main()
