"""Compiled gradients: `grad(f, jit=True)` compiles the specialised gradient with numba.

The specialised code (specialize/dispatch.py) is plain Python over NumPy with every argument's type and
shape known: the natural input for numba. Its guard (the arguments' kinds and the program's
facts: specialize/dispatch.py, assumptions.py) is taken out of the compiled code and tested by the Python
wrapper that calls it (`JitGradient.__call__`, `_entry_call`), which generates and compiles the
code again when the program or the kinds change.

Between generation and compilation one rewrite (`numba_source`) makes the code nopython-friendly:

- the guard (`if x.__class__ is not float ...: return respecialize(...)`) goes, to the wrapper;
- the tape, when every restore takes back what its own save saved (`tape.append(t3)` ...
  `t3 = tape.pop()`, and `push(tape, copy_of(s[t]))` ... `s[t] = pop(tape)`), becomes one stack
  per saved name or array: the pairs nest like the shared tape's pushes and pops, so each stack
  holds the same values in the same order, and each has one type;
- a stack of numbers, and a list of numbers or records of numbers read back in a reversed loop
  (branchy's `ys`, a replayed loop's `states`), becomes an array with a count, preallocated from
  the depth a first run reached; a push on a full one raises `JitTapeFull` and the wrapper runs
  the call again with twice the room (`jit_room`). Each push checks at compile time that the
  value's numba type is the stack's (`helpers.put`): never a silent conversion;
- a name first bound to `None` (a value saved before its first assignment) is bound to a zero of
  the type it takes; that type, and the stacks' types and depths, are learned by running the
  rewritten code once in Python on the first call's arguments (`_probe`);
- `for v in reversed(xs)` and `reversed(range(a, b))` become index loops (numba has no reversed);
- `s_bar = owned_copy(s_bar)` of an adjoint the function itself made and never shares is
  dropped: it copied the whole array at every iteration;
- the user's data the code reads (global arrays and numbers, closure variables) become extra
  parameters, read by the wrapper at every call: numba would freeze a global at compile time,
  and a gradient is the gradient of the program as it is when called.

Whatever numba cannot compile raises an AstgradError naming numba's reason, the generated
statement and the user's line it came from; nothing falls back to Python silently.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import textwrap
import threading
import types
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import runtime
from ..errors import AstgradError, refuse_pickling, user_facing
from ..frontend.assumptions import calls_named, is_guard
from ..ir.codegen import compile_function, unparse
from ..specialize.dispatch import kind_of

INSTALL_HINT = 'install numba: pip install "astgrad[jit]"'


def _numba() -> Any:
    try:
        import numba
    except ImportError:
        raise AstgradError(
            f"jit=True compiles the gradient with numba, which is not installed; {INSTALL_HINT}"
        ) from None
    from . import helpers  # noqa: F401  (registers the helpers' numba versions)

    return numba


def unwrap(func: Callable) -> Callable:
    """The Python function of a numba-compiled function (`numba.njit`), else `func`."""
    py = getattr(func, "py_func", None)
    return py if isinstance(py, types.FunctionType) else func


# ------------------------------------------------------------------------------ the rewrite


class JitRefusal(AstgradError):
    """What the generated code needs that the compiled gradient cannot do."""


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _is_call_to(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _helper_names(ns: dict, helper: Callable) -> set[str]:
    return {k for k, v in ns.items() if v is helper}


def _statement_lists(node: ast.AST):
    """Every list of statements inside `node` (bodies, orelse, ...)."""
    for n in ast.walk(node):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(n, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def _drop_guard(fdef: ast.FunctionDef, respecialize: set[str]) -> None:
    fdef.body = [s for s in fdef.body if not is_guard(s, calls_named(respecialize))]


def _reversed_loops(fdef: ast.FunctionDef, counter: list[int], keep: set[str] = frozenset()) -> None:
    """`for t in reversed(range(a, b))` → a countdown `while` loop over t from b - 1 to a
    (numba's loops over a range with a negative step cost a good part of a small inner loop's
    time); `for v in reversed(xs)` → an index loop over xs from its end (but over the lists in
    `keep`)."""
    for block in list(_statement_lists(fdef)):
        for k, s in enumerate(block):
            if not (isinstance(s, ast.For) and _is_call_to(s.iter, {"reversed"}) and len(s.iter.args) == 1):
                continue
            inner = s.iter.args[0]
            if isinstance(inner, ast.Name) and inner.id in keep:
                continue
            if (
                _is_call_to(inner, {"range"})
                and len(inner.args) in (1, 2)
                and not inner.keywords
                and isinstance(s.target, ast.Name)
            ):
                counter[0] += 1
                start, stop = (ast.Constant(0), inner.args[0]) if len(inner.args) == 1 else inner.args
                count, low = f"jit_k_{counter[0]}", f"jit_lo_{counter[0]}"
                before = []
                stored = {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                if not (isinstance(start, ast.Constant) or (isinstance(start, ast.Name) and start.id not in stored)):
                    before.append(ast.Assign(targets=[_name(low, True)], value=start, lineno=s.lineno))
                    start = _name(low)
                one = ast.Constant(1)
                top = ast.BinOp(left=stop, op=ast.Sub(), right=one)
                before.append(ast.Assign(targets=[_name(count, True)], value=top, lineno=s.lineno))
                # (the count goes down before the body runs: a `continue` in it cannot skip that)
                s.body[0:0] = ast.parse(f"{s.target.id} = {count}\n{count} -= 1\n").body  # (the same list:
                # the loops inside it, met later in this walk, are rewritten in it)
                loop = ast.While(
                    test=ast.Compare(left=_name(count), ops=[ast.GtE()], comparators=[start]),
                    body=s.body,
                    orelse=s.orelse,
                )
                block[k : k + 1] = [*before, ast.copy_location(loop, s)]
                continue
            counter[0] += 1
            seq, index = f"jit_seq_{counter[0]}", f"jit_i_{counter[0]}"
            before = ast.Assign(targets=[_name(seq, True)], value=inner, lineno=s.lineno)
            s.iter = ast.parse(f"range(len({seq}) - 1, -1, -1)", mode="eval").body
            target = s.target
            s.target = _name(index, True)
            s.body.insert(0, ast.Assign(targets=[target], value=ast.parse(f"{seq}[{index}]", mode="eval").body))
            block.insert(k, before)


def _save_key(value: ast.AST, copy_h: set[str]) -> str | None:
    """What a tape push saves: a name (`x`) or an element or region of an array (`copy_of(s[i])`:
    `s_item`); None for anything else."""
    if isinstance(value, ast.Name):
        return value.id
    if _is_call_to(value, copy_h) and len(value.args) == 1:
        inner = value.args[0]
        if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name):
            return f"{inner.value.id}_item"
    return None


def _restore_key(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        return f"{target.value.id}_item"
    return None


def _split_tapes(fdef: ast.FunctionDef, ns: dict) -> list[tuple[str, str | None]]:
    """One stack per saved name (and per array whose elements are saved before a write), where
    every restore takes back what its own save saved (reverse.py's save/restore sites, which nest
    like the tape's pushes and pops: per-name stacks hold the same values in the same order).
    Returns (stack, the name it saves, or None for elements)."""
    push_h = _helper_names(ns, runtime.push)
    pop_h = _helper_names(ns, runtime.pop)
    copy_h = _helper_names(ns, runtime.copy_of)
    stacks: list[tuple[str, str | None]] = []
    for s in list(fdef.body):
        if not (
            isinstance(s, ast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.List)
            and not s.value.elts
        ):
            continue
        tape = s.targets[0].id
        pushes, pops = [], []
        for node in ast.walk(fdef):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                c = node.value
                if (
                    isinstance(c.func, ast.Attribute)
                    and c.func.attr == "append"
                    and isinstance(c.func.value, ast.Name)
                    and c.func.value.id == tape
                    and len(c.args) == 1
                ):
                    pushes.append((c, c.args[0]))
                elif (
                    _is_call_to(c, push_h)
                    and len(c.args) == 2
                    and isinstance(c.args[0], ast.Name)
                    and c.args[0].id == tape
                ):
                    pushes.append((c, c.args[1]))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                v = node.value
                if (
                    isinstance(v, ast.Call)
                    and isinstance(v.func, ast.Attribute)
                    and v.func.attr == "pop"
                    and isinstance(v.func.value, ast.Name)
                    and v.func.value.id == tape
                    and not v.args
                ) or (
                    _is_call_to(v, pop_h)
                    and len(v.args) == 1
                    and isinstance(v.args[0], ast.Name)
                    and v.args[0].id == tape
                ):
                    pops.append((node, _restore_key(node.targets[0])))
        uses = sum(1 for n in ast.walk(fdef) if isinstance(n, ast.Name) and n.id == tape)
        if not pushes or uses != 1 + len(pushes) + len(pops):
            continue
        keys = [_save_key(e, copy_h) for _, e in pushes]
        if None in keys or set(keys) != {k for _, k in pops}:
            continue
        for (c, e), key in zip(pushes, keys):
            c.func = ast.Attribute(value=_name(f"{tape}_{key}"), attr="append", ctx=ast.Load())
            c.args = [e]
        for node, key in pops:
            node.value = ast.Call(
                func=ast.Attribute(value=_name(f"{tape}_{key}"), attr="pop", ctx=ast.Load()), args=[], keywords=[]
            )
        at = fdef.body.index(s)
        new = [
            ast.Assign(targets=[_name(f"{tape}_{k}", True)], value=ast.List(elts=[], ctx=ast.Load()))
            for k in sorted(set(keys))
        ]
        fdef.body[at : at + 1] = new
        names = {k: e.id if isinstance(e, ast.Name) else None for (_, e), k in zip(pushes, keys)}
        stacks += [(f"{tape}_{k}", names[k]) for k in sorted(set(keys))]
    return stacks


def _saved_lists(fdef: ast.FunctionDef) -> dict[str, list[str]]:
    """Lists the code only appends names (or tuples of names) to and reads back in a reversed
    loop (`states.append((omega, theta))` ... `for omega, theta in reversed(states)`): each with
    the names of one record."""
    out: dict[str, list[str]] = {}
    for s in fdef.body:
        if not (
            isinstance(s, ast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name)
            and isinstance(s.value, ast.List)
            and not s.value.elts
        ):
            continue
        name = s.targets[0].id
        uses = sum(1 for n in ast.walk(fdef) if isinstance(n, ast.Name) and n.id == name)
        shapes, counted = set(), 1
        record: list[str] = []
        for n in ast.walk(fdef):
            if (
                isinstance(n, ast.Expr)
                and isinstance(n.value, ast.Call)
                and isinstance(n.value.func, ast.Attribute)
                and n.value.func.attr == "append"
                and isinstance(n.value.func.value, ast.Name)
                and n.value.func.value.id == name
                and len(n.value.args) == 1
            ):
                v = n.value.args[0]
                elts = v.elts if isinstance(v, ast.Tuple) else [v]
                if all(isinstance(e, ast.Name) for e in elts):
                    shapes.add(len(elts) if isinstance(v, ast.Tuple) else None)
                    record += [e.id for e in elts]
                    counted += 1
            elif (
                isinstance(n, ast.For)
                and _is_call_to(n.iter, {"reversed"})
                and len(n.iter.args) == 1
                and isinstance(n.iter.args[0], ast.Name)
                and n.iter.args[0].id == name
            ):
                t = n.target
                if isinstance(t, ast.Name) or (
                    isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts)
                ):
                    shapes.add(len(t.elts) if isinstance(t, ast.Tuple) else None)
                    counted += 1
        if counted == uses and len(shapes) == 1 and record:
            out[name] = sorted(set(record))
    return out


def _array_records(fdef: ast.FunctionDef, name: str, elements: list[str], dtype: str, depth: int, np_name: str):
    """A saved list (`_saved_lists`) as an array of records with a count, preallocated from the
    depth of a first run (a full one raises JitTapeFull: the call runs again with more room)."""
    for block in list(_statement_lists(fdef)):
        out: list[ast.stmt] = []
        for s in block:
            c = s.value if isinstance(s, ast.Expr) else None
            if (
                isinstance(c, ast.Call)
                and isinstance(c.func, ast.Attribute)
                and isinstance(c.func.value, ast.Name)
                and c.func.value.id == name
            ):
                v = c.args[0]
                elts = v.elts if isinstance(v, ast.Tuple) else [v]
                where = [f"{name}_n, {k}" for k in range(len(elts))] if isinstance(v, ast.Tuple) else None
                where = where or [f"{name}_n"]
                text = f"if {name}_n == {name}.shape[0]:\n    raise JitTapeFull('{name}')\n"
                text += "".join(f"jit_put({name}, ({w}), {e.id})\n" for w, e in zip(where, elts))
                text += f"{name}_n += 1\n"
                out += ast.parse(text).body
            elif (
                isinstance(s, ast.For)
                and _is_call_to(s.iter, {"reversed"})
                and isinstance(s.iter.args[0], ast.Name)
                and s.iter.args[0].id == name
            ):
                t = s.target
                index = f"jit_{name}_i"
                s.iter = ast.parse(f"range({name}_n - 1, -1, -1)", mode="eval").body
                s.target = _name(index, True)
                if isinstance(t, ast.Tuple):
                    reads = [f"{e.id} = {name}[{index}, {k}]" for k, e in enumerate(t.elts)]
                else:
                    reads = [f"{t.id} = {name}[{index}]"]
                s.body[0:0] = ast.parse("\n".join(reads) + "\n").body
                out.append(s)
            elif (
                isinstance(s, ast.Assign)
                and isinstance(s.targets[0], ast.Name)
                and s.targets[0].id == name
                and isinstance(s.value, ast.List)
            ):
                arity = _record_arity(fdef, name)
                shape = f"{max(depth, 1)} * jit_room" + (f", {arity}" if arity else "")
                out += ast.parse(f"{name} = {np_name}.empty(({shape},), {np_name}.{dtype})\n{name}_n = 0\n").body
            else:
                out.append(s)
        block[:] = out


def _record_arity(fdef: ast.FunctionDef, name: str) -> int | None:
    for n in ast.walk(fdef):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "append"
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == name
        ):
            return len(n.args[0].elts) if isinstance(n.args[0], ast.Tuple) else None
    return None


_FRESH_CALLS = {"zeros_like", "owned_copy", "copy_of"}
_FRESH_NUMPY = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "array", "copy"}


def _owned_adjoints(fdef: ast.FunctionDef, ns: dict) -> None:
    """Drop `a = owned_copy(a)` where every value `a` holds is an array this function made and
    no other name or container ever shares it (so writing into it changes nothing else)."""
    owned_h = _helper_names(ns, runtime.owned_copy)
    parents: dict[int, ast.AST] = {}
    for n in ast.walk(fdef):
        for child in ast.iter_child_nodes(n):
            parents[id(child)] = n
    candidates = {
        s.targets[0].id
        for s in ast.walk(fdef)
        if isinstance(s, ast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Name)
        and _is_call_to(s.value, owned_h)
        and isinstance(s.value.args[0], ast.Name)
        and s.value.args[0].id == s.targets[0].id
    }
    fresh_helpers = {
        k
        for k, v in ns.items()
        if getattr(v, "__name__", None) in _FRESH_CALLS and v is getattr(runtime, v.__name__, None)
    }

    def fresh(value: ast.AST) -> bool:
        if isinstance(value, (ast.BinOp, ast.UnaryOp)):
            return True
        if _is_call_to(value, fresh_helpers):
            return True
        f = value.func if isinstance(value, ast.Call) else None
        return (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and ns.get(f.value.id) is np
            and f.attr in _FRESH_NUMPY
        )

    def safe_use(node: ast.Name) -> bool:
        parent = parents.get(id(node))
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if isinstance(parent.ctx, ast.Store):
                return True
            if isinstance(parents.get(id(parent)), ast.AugAssign):
                return True
            up = parents.get(id(parent))
            return _is_call_to(up, fresh_helpers) or isinstance(up, (ast.BinOp, ast.UnaryOp, ast.Compare))
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare)):
            return True
        if isinstance(parent, ast.Call) and parent.func is not node:
            return _is_call_to(parent, owned_h | fresh_helpers)
        if isinstance(parent, ast.Return) or (
            isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return)
        ):
            return True
        return False

    for a in candidates:
        ok = True
        for n in ast.walk(fdef):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == a for t in n.targets):
                ok = ok and len(n.targets) == 1 and fresh(n.value)
            elif isinstance(n, (ast.For, ast.AugAssign)) and isinstance(n.target, ast.Name) and n.target.id == a:
                ok = False
            elif isinstance(n, ast.Name) and n.id == a and isinstance(n.ctx, ast.Load):
                ok = ok and safe_use(n)
            elif isinstance(n, ast.arg) and n.arg == a:
                ok = False
        if not ok:
            continue
        for block in _statement_lists(fdef):
            block[:] = [
                s
                for s in block
                if not (
                    isinstance(s, ast.Assign)
                    and isinstance(s.targets[0], ast.Name)
                    and s.targets[0].id == a
                    and _is_call_to(s.value, owned_h)
                )
            ] or [ast.Pass()]


def _none_names(fdef: ast.FunctionDef) -> list[str]:
    return [
        s.targets[0].id
        for s in fdef.body
        if isinstance(s, ast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Name)
        and isinstance(s.value, ast.Constant)
        and s.value.value is None
    ]


def _with_notes(fdef: ast.FunctionDef, names: set[str], stacks: set[str]) -> ast.FunctionDef:
    """A copy of fdef noting the value of each of `names` after each assignment to it, and the
    depth of each of `stacks` after each push."""
    import copy

    fdef = copy.deepcopy(fdef)
    for block in list(_statement_lists(fdef)):
        out = []
        for s in block:
            out.append(s)
            c = s.value if isinstance(s, ast.Expr) else None
            if (
                isinstance(c, ast.Call)
                and isinstance(c.func, ast.Attribute)
                and c.func.attr == "append"
                and isinstance(c.func.value, ast.Name)
                and c.func.value.id in stacks
            ):
                stack = c.func.value.id
                out.append(ast.Expr(ast.parse(f"__astgrad_depth__({stack!r}, {stack})", mode="eval").body))
            if isinstance(s, (ast.Assign, ast.AugAssign, ast.For)):
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                bound = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)} & names
                notes = [ast.Expr(ast.parse(f"__astgrad_note__({b!r}, {b})", mode="eval").body) for b in sorted(bound)]
                if isinstance(s, ast.For):
                    s.body[0:0] = notes
                else:
                    out += notes
        block[:] = out
    return fdef


def _zero_of(value: Any, name: str) -> str:
    t = type(value)
    if t in (float, np.float64):
        return "0.0"
    if t is bool or t is np.bool_:
        return "False"
    if t is int or isinstance(value, np.integer):
        return "0"
    if t is np.ndarray and value.dtype.kind in "fiub" and value.dtype != object:
        return f"np.zeros({tuple(0 for _ in value.shape)!r}, np.{value.dtype.name})"
    if t is tuple and value:  # (the arrays a join takes: jit/compiler.py's `_tuple_displays`)
        return "(" + "".join(f"{_zero_of(v, name)}, " for v in value) + ")"
    raise JitRefusal(f"{name} holds a {t.__name__}, which the compiled gradient cannot save on its tape")


# ------------------------------------------------------------------------------ free names


@dataclass
class Place:
    """Where a data value the generated code reads lives: a dict and key, or a closure cell."""

    where: Any
    key: str | None

    def read(self) -> Any:
        return self.where[self.key] if self.key is not None else self.where.cell_contents


def _free_names(fdef: ast.FunctionDef) -> list[str]:
    bound = {a.arg for a in fdef.args.args + fdef.args.kwonlyargs + fdef.args.posonlyargs}
    bound |= {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    seen = []
    for n in ast.walk(fdef):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound and n.id not in seen:
            seen.append(n.id)
    return seen


def _resolve(pyfn: types.FunctionType, n: str) -> tuple[Any, Place | None]:
    if n == "JitTapeFull":  # (added by the rewrite)
        return _tape_full(), None
    if n == "jit_put":
        return _put(), None
    if n == "jit_np":
        return np, None
    code = pyfn.__code__
    if n in code.co_freevars and pyfn.__closure__:
        cell = pyfn.__closure__[code.co_freevars.index(n)]
        return cell.cell_contents, Place(cell, None)
    ns = pyfn.__globals__
    if n in ns:
        return ns[n], Place(ns, n)
    user = pyfn.__builtins__  # (generated code reads the user's globals through its builtins)
    if isinstance(user, dict) and n in user:
        return user[n], Place(user, n)
    if hasattr(builtins, n):
        return getattr(builtins, n), None
    raise JitRefusal(f"the generated code reads {n!r}, which is not defined")


def _is_data(v: Any) -> bool:
    return type(v) in (float, int, bool, np.ndarray) or isinstance(v, (np.number, np.bool_))


# ------------------------------------------------------------------------------ compilation


_LINE = re.compile(r"^\s*# line (\d+): (.*)$")


def _user_line(text: str, lineno: int) -> tuple[int | None, str | None]:
    """The user's line a generated line came from: the nearest `# line K:` comment above it."""
    lines = text.splitlines()
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        m = _LINE.match(lines[k])
        if m:
            return int(m.group(1)), m.group(2)
    return None, None


def _refusal(func: Callable, text: str, label: str, exc: BaseException) -> AstgradError:
    """numba's reason, the generated statement and the user's line, as an AstgradError."""
    message = str(exc)
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
    ours = [ln.strip().partition("astgrad: ")[2] for ln in message.splitlines() if "astgrad: " in ln]
    first = ours[0] if ours else ""
    first = first or next(
        (ln.strip() for ln in message.splitlines() if ln.strip() and not ln.startswith("Failed in")), ""
    )
    first = first or f"{type(exc).__name__} inside numba"
    lines = [ln for ln in message.splitlines() if label in ln and "line" in ln]
    where = ""
    if lines:
        m = re.search(r"line (\d+)", lines[-1])
        if m:
            gen_line = int(m.group(1))
            statement = text.splitlines()[gen_line - 1].strip() if gen_line <= len(text.splitlines()) else ""
            user_line, user_code = _user_line(text, gen_line)
            filename = getattr(getattr(func, "__code__", None), "co_filename", "?")
            where = f"\n  generated statement: {statement}"
            if user_line is not None:
                where += f"\n  from {filename}:{user_line}: {user_code}"
    return JitRefusal(
        f"numba cannot compile the gradient of {getattr(func, '__name__', func)} (jit=True): {first}{where}\n"
        f"  hint: astgrad.source({getattr(func, '__name__', 'f')}, args=..., jit=True) shows the code numba compiles; "
        "grad without jit=True runs it in Python"
    )


@dataclass
class Compiled:
    """One compiled specialisation: the numba function and what the wrapper checks and passes."""

    python: Callable  # the specialised Python gradient it was made from (its facts: assumptions.py)
    text: str  # the source numba compiles
    function: Callable  # the numba dispatcher
    lifted: list[Place]  # the user's data, passed after the arguments
    call: Callable = None  # runs it on arguments and a program it was made for, else returns MISS
    label: str = ""  # the file name numba's messages give the generated code
    room: int = 1  # the stacks' room, in multiples of the depths they reached in a first run


def _drop_deletes(fdef: ast.FunctionDef) -> None:
    """`del name` frees memory early in Python; numba manages it itself (and refuses `del`)."""
    for node in ast.walk(fdef):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(isinstance(s, ast.Delete) for s in block):
                kept = [s for s in block if not isinstance(s, ast.Delete)]
                block[:] = kept or [ast.Pass()]


_DEFAULT_KEYWORDS = {"axis": None, "keepdims": False, "out": None}


def _default_keywords(fdef: ast.FunctionDef) -> None:
    """`np.sum(v, axis=None, keepdims=False)` → `np.sum(v)`: numba's NumPy functions take fewer
    keywords than NumPy's; one that says what its absence says goes."""
    for node in ast.walk(fdef):
        if isinstance(node, ast.Call) and node.keywords:
            node.keywords = [
                k
                for k in node.keywords
                if not (
                    k.arg in _DEFAULT_KEYWORDS
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is _DEFAULT_KEYWORDS[k.arg]
                )
            ]


_JOINS = {"concatenate", "stack", "hstack", "vstack", "column_stack", "dstack"}


def _tuple_displays(fdef: ast.FunctionDef, pyfn: Callable) -> None:
    """`np.concatenate([a, b])` → `np.concatenate((a, b))`, and so `numbers_as_array([a, b])`, whose
    value such a join takes: numba's joins take a tuple of arrays (its lists are of one type and
    of no fixed length), and NumPy reads a tuple display as the list display."""
    helper = {n for n, v in pyfn.__globals__.items() if v is runtime.numbers_as_array}

    def joined(call: ast.Call) -> bool:
        f = call.func
        return (
            isinstance(f, ast.Attribute)
            and f.attr in _JOINS
            and isinstance(f.value, ast.Name)
            and _resolve_or_none(pyfn, f.value.id) is np
        )

    def as_tuple(display: ast.AST) -> ast.AST:
        if not isinstance(display, ast.List):
            return display
        return ast.Tuple(elts=[as_tuple(e) for e in display.elts], ctx=ast.Load())

    for node in ast.walk(fdef):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.List):
            if _is_call_to(node, helper):
                node.args[0] = as_tuple(node.args[0])  # (rows of numbers too: `np.array([[1.0, 2.0], ...])`)
            elif joined(node):
                node.args[0] = ast.Tuple(elts=node.args[0].elts, ctx=ast.Load())


def _one_array_calls(fdef: ast.FunctionDef, pyfn: Callable) -> dict[str, Callable]:
    """`np.array(x)` of one argument → `jit_new_array(x)` (helpers.new_array): numba's np.array
    takes a sequence, not an array, which NumPy copies (`np.array([1.0, 2.0])` in a function is
    `np.array(numbers_as_array(...))` in generated code). Returns the helper by name, if used."""
    from .helpers import new_array

    made: dict[str, Callable] = {}
    for node in ast.walk(fdef):
        f = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(f, ast.Attribute)
            and f.attr == "array"
            and isinstance(f.value, ast.Name)
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
            and _resolve_or_none(pyfn, f.value.id) is np
        ):
            node.func = _name("jit_new_array")
            made["jit_new_array"] = new_array
    return made


def _resolve_or_none(pyfn: Callable, name: str) -> Any:
    try:
        return _resolve(pyfn, name)[0]
    except JitRefusal:
        return None


def _axis_calls(fdef: ast.FunctionDef, pyfn: Callable) -> dict[str, Callable]:
    """Reductions and scans over an axis that numba's NumPy lacks (`np.mean(x, axis=0)`, `np.max(x,
    (0, 2), keepdims=True)`, `np.cumsum(x, 1)`, `np.flip(g, None)`) and the runtime helpers that undo
    reductions and sorts (`unreduce(g, x, 1, False)`, `extremum_mask`, `reduce_size`, `prod_others(x, 1)`,
    `unsort(g, x, 0)`), where
    the axis and keepdims are constants: each call → a helper made for them (helpers.axis_helper),
    called on the arrays alone. Returns the helpers by name."""
    from .helpers import AXIS_HELPERS, REDUCTIONS, SCAN_AXIS, SCANS, axis_helper

    def value(name: str) -> Any:
        try:
            return _resolve(pyfn, name)[0]
        except JitRefusal:
            return None

    made: dict[str, Callable] = {}
    for node in ast.walk(fdef):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr in REDUCTIONS | SCANS:
            if value(f.value.id) is not np:
                continue
            op, arrays = f.attr, 1
            constants = {"axis": None, "keepdims": False} if op in REDUCTIONS else {"axis": SCAN_AXIS.get(op)}
            most = 1  # (NumPy's next positional parameter is a dtype)
            whole = op in REDUCTIONS  # (over the whole array: numba's own)
        elif (
            isinstance(f, ast.Attribute)
            and f.attr == "norm"
            and isinstance(f.value, ast.Attribute)
            and f.value.attr == "linalg"
            and isinstance(f.value.value, ast.Name)
            and value(f.value.value.id) is np
        ):  # (np.linalg.norm of the default ord over an axis)
            op, arrays, constants = "norm", 1, {"ord": None, "axis": None, "keepdims": False}
            most, whole = 3, True
        elif isinstance(f, ast.Name) and any(value(f.id) is h for h in AXIS_HELPERS):
            op, arrays, constants = AXIS_HELPERS[value(f.id)]
            most = len(constants)
            whole = op in ("unreduce", "extremum_mask", "prod_others")  # (whole-array numba versions above)
        else:
            continue
        positional = node.args[arrays:]
        if any(isinstance(a, ast.Starred) for a in node.args) or len(positional) > most:
            continue
        if any(k.arg not in constants for k in node.keywords) or len(node.args) < arrays:
            continue
        given = dict(zip(constants, positional)) | {k.arg: k.value for k in node.keywords}
        try:
            axis = ast.literal_eval(given["axis"]) if "axis" in given else constants["axis"]
            keepdims = ast.literal_eval(given["keepdims"]) if "keepdims" in given else False
            others = {k: ast.literal_eval(v) for k, v in given.items() if k not in ("axis", "keepdims")}
        except ValueError:
            continue
        if any(v != constants[k] or type(v) is not type(constants[k]) for k, v in others.items()):
            continue  # (a helper is made for the other constants' defaults: norm_weight's ord=None)
        if not (
            (axis is None or type(axis) is int or (type(axis) is tuple and all(type(a) is int for a in axis)))
            and type(keepdims) is bool
        ):
            continue
        if axis is None and not keepdims and whole:
            continue
        helper = axis_helper(op, axis, keepdims)
        name = f"jit_{helper.__name__}"
        made[name] = helper
        node.func, node.args, node.keywords = _name(name), node.args[:arrays], []
    return made


def numba_source(pyfn: Callable, args: tuple) -> tuple[str, str, list[Place], dict[str, Callable]]:
    """The rewritten source of specialised gradient `pyfn`, its function name, the places of
    the data it takes as extra parameters, and the helpers the rewrite made (by name). Runs the
    code once in Python (on `args`) to learn the type of each name first bound to None."""
    tree = ast.parse(_comments_as_strings(str(pyfn.source)))
    fdefs = [s for s in tree.body if isinstance(s, ast.FunctionDef)]
    fdef = next(s for s in fdefs if s.name == pyfn.__name__)
    others = [s.name for s in fdefs if s is not fdef]
    if others:
        calls = [n for n in ast.walk(fdef) if _is_call_to(n, set(others))]
        where = ""
        if calls:
            line, code = _user_line(str(pyfn.source), max(c.lineno for c in calls))  # (in the backward pass)
            filename = getattr(getattr(pyfn.__wrapped__, "__code__", None), "co_filename", "?")
            where = f"\n  from {filename}:{line}: {code}" if line is not None else ""
        raise JitRefusal(
            f"the gradient of {pyfn.__wrapped__.__name__} calls the generated functions {', '.join(others)} "
            "(the derivatives of a function of yours that it calls and that is not inlined: recursive, "
            f"or returning early, or a closure), which jit=True does not compile yet{where}\n"
            f"  hint: grad without jit=True runs it in Python",
        )
    ns = pyfn.__globals__
    fdef.args.defaults, fdef.args.kw_defaults = [], [None] * len(fdef.args.kwonlyargs)  # (every call passes all)
    _drop_guard(fdef, _helper_names(ns, runtime.respecialize))
    _drop_deletes(fdef)
    made = _axis_calls(fdef, pyfn)
    _tuple_displays(fdef, pyfn)
    made |= _one_array_calls(fdef, pyfn)
    records = _saved_lists(fdef)
    _reversed_loops(fdef, [0], set(records))
    stacks = _split_tapes(fdef, ns)
    _owned_adjoints(fdef, ns)
    nones = _none_names(fdef)
    saved = {stack: name for stack, name in stacks}
    if nones or stacks or records:
        noted = set(nones) | {n for n in saved.values() if n} | {n for names in records.values() for n in names}
        seen, depth = _probe(pyfn, fdef, noted, list(saved) + list(records), args, made)
        for s in fdef.body:
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id in nones:
                n = s.targets[0].id
                s.value = ast.parse(_zero_of(seen[n], n) if n in seen else "0.0", mode="eval").body
        np_name = "jit_np"
        numbers = {
            stack: (_SCALAR_STACKS[type(seen[stack])], depth[stack])
            for stack in saved
            if type(seen.get(stack)) in _SCALAR_STACKS
        }
        if numbers and np_name is not None:
            _array_stacks(fdef, numbers, np_name)
        for name, elements in records.items():
            dtypes = {_SCALAR_STACKS.get(type(seen.get(e))) for e in elements}
            if np_name is not None and len(dtypes) == 1 and None not in dtypes:
                _array_records(fdef, name, elements, dtypes.pop(), depth[name], np_name)
        _reversed_loops(fdef, [100])  # (the lists left as lists)
    lifted_names: list[str] = []
    places: list[Place] = []
    for n in _free_names(fdef):
        if n == "jit_room" or n in made:
            continue
        value, place = _resolve(pyfn, n)
        if _is_data(value) and place is not None:
            lifted_names.append(n)
            places.append(place)
    fdef.args.args += fdef.args.kwonlyargs  # (numba takes no keyword-only parameters: a jvp's tangents)
    fdef.args.kwonlyargs, fdef.args.kw_defaults = [], []
    _default_keywords(fdef)
    fdef.args.args += [ast.arg(arg=n) for n in lifted_names] + [ast.arg(arg="jit_room")]
    ast.fix_missing_locations(tree)
    tree.body = [fdef]

    return _strings_as_comments(unparse(tree) + "\n"), fdef.name, places, made


_COMMENT_LINE = re.compile(r"^(\s*)# (.*)$", re.M)
_MARKED = re.compile(r"^(\s*)(['\"])#jit# (.*)\2$", re.M)


def _comments_as_strings(text: str) -> str:
    """Comment lines as string statements, so that they survive ast.parse and unparse (numba
    compiles a string statement to nothing)."""
    return _COMMENT_LINE.sub(lambda m: f"{m.group(1)}{'#jit# ' + m.group(2)!r}", text)


def _strings_as_comments(text: str) -> str:
    return _MARKED.sub(lambda m: f"{m.group(1)}# {ast.literal_eval(m.group(2) + m.group(3) + m.group(2))}", text)


def _probe(pyfn: Callable, fdef: ast.FunctionDef, names: set[str], stacks: list[str], args: tuple, made: dict) -> tuple:
    """Run the rewritten code in Python once: the first value other than None each of `names`
    takes and each stack receives, and the greatest depth each stack reaches."""
    noted = _with_notes(fdef, names, set(stacks))
    seen: dict[str, Any] = {}
    depth: dict[str, int] = dict.fromkeys(stacks, 0)
    pushed: dict[str, set] = {}  # stack → the types of the values pushed on it

    def note(name: str, value: Any) -> None:
        if value is not None and name not in seen:
            seen[name] = value

    def deepest(stack: str, values: list) -> None:
        depth[stack] = max(depth[stack], len(values))
        if values[-1] is not None:
            pushed.setdefault(stack, set()).add(type(values[-1]))

    module = ast.Module(body=[noted], type_ignores=[])
    ast.fix_missing_locations(module)
    ns = {k: v for k, v in pyfn.__globals__.items() if k != "__astgrad_user_globals__"}
    for n, cell in zip(pyfn.__code__.co_freevars, pyfn.__closure__ or ()):
        ns[n] = cell.cell_contents
    user = pyfn.__builtins__  # (generated code reads the user's globals through its builtins)
    ns["__builtins__"] = {**builtins.__dict__, **(user if isinstance(user, dict) else {})}
    ns.update(made)
    ns["__astgrad_note__"] = note
    ns["__astgrad_depth__"] = deepest
    fn = compile_function(ast.unparse(module) + "\n", noted.name, ns, label=f"{noted.name} (jit probe)")
    fn(*args)
    for stack, types_ in pushed.items():
        dtypes = {_SCALAR_STACKS.get(t) for t in types_}
        if dtypes <= {"int64", "float64"} and "float64" in dtypes:
            seen[stack] = 0.0  # (ints and floats: numba unifies them to float64)
        elif len(dtypes) == 1 and None not in dtypes:
            seen[stack] = next(iter(types_))(0)
    return seen, depth


_SCALAR_STACKS = {float: "float64", np.float64: "float64", int: "int64", np.int64: "int64", bool: "bool_"}
_SCALAR_STACKS[np.bool_] = "bool_"


def _array_stacks(fdef: ast.FunctionDef, stacks: dict[str, tuple[str, int]], np_name: str) -> None:
    """Stacks of numbers as preallocated arrays with a depth counter (grown when full):
    `stack.append(x)` / `x = stack.pop()` become index writes and reads."""
    for block in list(_statement_lists(fdef)):
        out: list[ast.stmt] = []
        for s in block:
            call = s.value if isinstance(s, (ast.Expr, ast.Assign)) else None
            stack = None
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id in stacks
            ):
                stack = call.func.value.id
            if stack is not None and isinstance(s, ast.Expr) and call.func.attr == "append":
                value = ast.unparse(call.args[0])
                out += ast.parse(
                    f"if {stack}_n == {stack}.shape[0]:\n"
                    f"    raise JitTapeFull('{stack}')\n"
                    f"jit_put({stack}, {stack}_n, {value})\n"
                    f"{stack}_n += 1\n"
                ).body
            elif stack is not None and isinstance(s, ast.Assign) and call.func.attr == "pop":
                target = ast.unparse(s.targets[0])
                out += ast.parse(f"{stack}_n -= 1\n{target} = {stack}[{stack}_n]\n").body
            elif (
                isinstance(s, ast.Assign)
                and isinstance(s.targets[0], ast.Name)
                and s.targets[0].id in stacks
                and isinstance(s.value, ast.List)
            ):
                name = s.targets[0].id
                dtype, capacity = stacks[name]
                out += ast.parse(
                    f"{name} = {np_name}.empty({max(capacity, 1)} * jit_room, {np_name}.{dtype})\n{name}_n = 0\n"
                ).body
            else:
                out.append(s)
        block[:] = out


def _put() -> Callable:
    from .helpers import put

    return put


def _tape_full() -> type:
    from .helpers import TapeFull

    return TapeFull


MISS = object()  # what an entry's call returns when the arguments or the program are not its own


def _entry_call(pyfn: Callable, entry: Compiled) -> Callable:
    """A function of the gradient's parameters that runs `entry`'s compiled code, or returns MISS
    where its guard fails (the arguments are not of the kinds `pyfn` was specialised for, or the
    program is not the one it was generated from). One generated function: the guard's test, the
    reads of the user's data and the call, without a Python call between them (the wrapper's
    cost is most of a small gradient's)."""
    tree = ast.parse(str(pyfn.source))
    fdef = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == pyfn.__name__)
    respecialize = _helper_names(pyfn.__globals__, runtime.respecialize)
    *before, last = [s for s in fdef.body if is_guard(s, calls_named(respecialize))]  # ([try: stale = ...], if)
    params = [a.arg for a in fdef.args.posonlyargs + fdef.args.args]
    cells = dict(zip(pyfn.__code__.co_freevars, pyfn.__closure__ or ()))
    extra = {"jit_core": entry.function, "jit_miss": MISS, "jit_entry": entry}
    reads = []
    for k, place in enumerate(entry.lifted):
        extra[f"jit_data_{k}"] = place.where
        reads.append(f"jit_data_{k}[{place.key!r}]" if place.key is not None else f"jit_data_{k}.cell_contents")
    clash = set(extra) & (set(cells) | set(pyfn.__globals__) | set(params))
    if clash:  # (generated code never names jit_*; a user's parameter might)
        raise JitRefusal(f"the compiled gradient's wrapper needs the names {', '.join(sorted(clash))}")
    cells.update({n: types.CellType(v) for n, v in extra.items()})
    call = ", ".join([*params, *reads, "jit_entry.room"])
    body = [ast.unparse(s) for s in before]
    body += [f"if {ast.unparse(last.test)}:\n    return jit_miss", f"return jit_core({call})"]
    text = f"def jit_call({', '.join(params)}):\n" + textwrap.indent("\n".join(body), "    ") + "\n"
    return compile_function(text, "jit_call", pyfn.__globals__, label=f"{pyfn.__name__} jit call", cells=cells)


def compile_with_numba(func: Callable, pyfn: Callable, args: tuple) -> Compiled:
    """Generated function `pyfn` (of user function `func`) compiled by numba for arguments like
    `args`; a clear AstgradError where numba cannot compile it."""
    numba = _numba()
    text, fname, places, made = numba_source(pyfn, args)
    ns = {k: v for k, v in pyfn.__globals__.items() if k not in ("__builtins__", "__astgrad_user_globals__")}
    ns["JitTapeFull"] = _tape_full()
    ns["jit_put"] = _put()
    ns["jit_np"] = np
    ns.update(made)
    for n in _free_names(ast.parse(text).body[0]):
        if n not in ns and n != "jit_room":
            value, place = _resolve(pyfn, n)
            if place is not None and not _is_data(value):
                ns[n] = value
    ns["__builtins__"] = builtins
    label = f"{fname} (jit)"
    python = compile_function(text, fname, ns, label=label, defaults=(None, None))
    compiled = numba.njit(python)
    values = (*args, *(p.read() for p in places), 1)
    try:
        compiled.compile(tuple(numba.typeof(v) for v in values))
    except Exception as exc:  # (numba's typing errors, and its internal assertions too)
        raise _refusal(func, text, label, exc) from None
    return Compiled(pyfn, text, compiled, places, label=label)


def check_kinds(params: list[str], args: tuple) -> tuple:
    """The kinds of the arguments (specialize.kind_of); refused unless numbers and arrays."""
    kinds = tuple(kind_of(a) for a in args)
    for p, k, a in zip(params, kinds, args):
        if k is None or k[0] in ("numpy scalar", "list", "tuple", "dict"):
            raise AstgradError(
                f"jit=True compiles gradients of functions of Python numbers and NumPy arrays; "
                f"{p} is a {type(a).__name__}"
            )
    return kinds


class JitJvp:
    """The forward-mode (jvp) function of a user function compiled by numba: `(arguments,
    tangents) → (value, derivative)`. Forward-mode code keeps no tape and is not specialised:
    numba compiles it for each type of arguments it meets. It is compiled again when the program
    changes (the jvp function is then generated again: `make`)."""

    def __init__(self, func: Callable, make: Callable[[], Callable], params: list[str]):
        self.func = func
        self.make = make  # the jvp function of the program as it is
        self.params = params
        self.entry: Compiled | None = None
        self.lock = threading.RLock()

    def __reduce__(self) -> Any:
        refuse_pickling(f"the compiled jvp function of {getattr(self.func, '__name__', self.func)}")

    def __copy__(self) -> Any:  # (a function, as copy.copy and copy.deepcopy treat functions)
        return self

    def __deepcopy__(self, memo: dict) -> Any:
        return self

    def compiled(self, args: tuple, tangents: tuple) -> Compiled:
        check_kinds(self.params, args)
        pyfn = self.make()
        entry = self.entry
        if entry is None or entry.python is not pyfn:
            with self.lock:
                entry = self.entry = compile_with_numba(self.func, pyfn, (*args, *tangents))
        return entry

    @user_facing
    def __call__(self, args: tuple, tangents: tuple) -> tuple:
        entry = self.compiled(args, tangents)
        return entry.function(*args, *tangents, *(p.read() for p in entry.lifted), 1)

    def source(self, args: tuple, tangents: tuple) -> str:
        """The code numba compiles."""
        return self.compiled(args, tangents).text


class JitGradient:
    """The callable `grad(f, jit=True)` returns: checks the arguments' kinds and the program's
    facts, and runs the compiled specialisation for them (compiled at the first such call)."""

    def __init__(self, func: Callable, build: Callable[[dict], Callable], signature: inspect.Signature, label: str):
        self.func = func
        self.build = build  # kinds → specialised Python gradient (guard=False)
        self.signature = signature
        self.params = list(signature.parameters)
        self.label = label
        self.entries: dict[tuple, Compiled] = {}
        self.order: list[Compiled] = []  # the entries, the last made first
        self.lock = threading.RLock()
        self.__name__ = label
        self.__wrapped__ = func
        self.__doc__ = f"The compiled (numba) {label} of {getattr(func, '__name__', func)}."

    def __reduce__(self) -> Any:
        refuse_pickling(f"the compiled {self.label} of {getattr(self.func, '__name__', self.func)}")

    def __copy__(self) -> Any:  # (a function, as copy.copy and copy.deepcopy treat functions)
        return self

    def __deepcopy__(self, memo: dict) -> Any:
        return self

    def _arguments(self, args: tuple, kwargs: dict) -> tuple:
        if kwargs or len(args) != len(self.params):
            bound = self.signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())
        return args

    def kinds(self, args: tuple) -> tuple:
        return check_kinds(self.params, args)

    def specialisation(self, args: tuple) -> Compiled:
        """The compiled code for these arguments and the program as it is (made now if need be)."""
        key = self.kinds(args)
        entry = self.entries.get(key)
        if entry is not None and entry.python.__astgrad_assumptions__.hold():
            return entry
        with self.lock:
            pyfn = self.build(dict(zip(self.params, key)))
            entry = compile_with_numba(self.func, pyfn, args)
            entry.call = _entry_call(pyfn, entry)
            old = self.entries.get(key)
            self.entries[key] = entry
            self.order = [entry] + [e for e in self.order if e is not old]
            return entry

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:  # (as user_facing: an AstgradError shown from the user's call; here to save a call)
            if kwargs or len(args) != len(self.params):
                args = self._arguments(args, kwargs)
            for entry in self.order:  # (the guard of each: the arguments' kinds and the program's facts)
                try:
                    out = entry.call(*args)
                except _tape_full():
                    return self._with_more_room(entry, args)
                if out is not MISS:
                    return out
            entry = self.specialisation(args)
            return self._with_more_room(entry, args)
        except AstgradError as exc:
            raise exc.with_traceback(None) from exc.__cause__

    def _with_more_room(self, entry: Compiled, args: tuple) -> Any:
        """Run `entry` until its stacks have room for this call (a call that saves more than the
        first run did: again, with twice the room)."""
        extra = [p.read() for p in entry.lifted]
        while True:
            try:
                return entry.function(*args, *extra, entry.room)
            except _tape_full():
                entry.room *= 2

    def source(self, *args: Any, **kwargs: Any) -> str:
        """The code numba compiles for these arguments."""
        return self.specialisation(self._arguments(args, kwargs)).text
