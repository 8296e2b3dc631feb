"""What normalization refuses, and how it says so: statements and expressions it does not
support (with a hint each), calls of names a module lacks, output arguments, a user function
that writes into an array argument with `p += v` (checked at run time); the source text of a
node for the messages."""

from __future__ import annotations

import difflib
import inspect
import types
from typing import Any

import gast
import numpy as np

from ... import rules
from ...analysis.activity import base_name, parameter_writes
from ...ir.codegen import unparse
from ...ir.convert import to_ast
from ...ir.trees import name, walk
from ..callables import is_user_function

# calls that read a container's length, truth or text, none of its values' derivatives
_VALUELESS_READS = frozenset({"len", "print", "bool", "isinstance", "id", "type"})


def node_source(node: gast.AST) -> str:
    try:
        return unparse(to_ast(node)).strip()
    except Exception:  # pragma: no cover - best effort for messages
        return type(node).__name__


def describe(node: gast.AST) -> str:
    kinds = {
        "Lambda": "a lambda expression",
        "ListComp": "a list comprehension",
        "SetComp": "a set comprehension",
        "DictComp": "a dict comprehension",
        "GeneratorExp": "a generator expression",
        "NamedExpr": "the walrus operator (:=)",
        "Await": "await",
        "Yield": "yield",
        "YieldFrom": "yield from",
        "Starred": "a starred expression",
        "Dict": "a dict literal",
        "Set": "a set literal",
    }
    return kinds.get(type(node).__name__, f"the expression `{node_source(node)}`")


STATEMENT_HINTS = {
    "Try": "move the try/except outside the function you differentiate",
    "With": "move the with-block outside the function you differentiate",
    "Global": "pass the value as an argument and return the new value instead",
    "Nonlocal": "pass the value as an argument and return the new value instead",
    "FunctionDef": "define the helper at module level",
    "ClassDef": "define the class at module level",
    "Delete": "let the variable go out of use instead of deleting it",
    "Import": "import at module level",
    "ImportFrom": "import at module level",
}


EXPRESSION_HINTS = {
    "Lambda": "define a function with def at module level",
    "NamedExpr": "assign the value in a statement of its own",
    "Yield": "astgrad differentiates functions that return values, not generators",
}


class RefusalsMixin:
    """The refusals of `Normalizer` (frontend/normalize/normalizer.py) about calls."""

    def _refuse_missing_module_attribute(self, func: gast.Attribute, what: str = "function") -> None:
        """`np.tanhh(x)`, `np.linalg.inverse(a)`, `np.pii`: a name the module does not have (a typo),
        not a method or an attribute of an array."""
        module = self.resolve(func.value)
        if not isinstance(module, types.ModuleType) or hasattr(module, func.attr):
            return
        label = getattr(module, "__name__", node_source(func.value))
        public = [n for n in dir(module) if not n.startswith("_")]
        close = difflib.get_close_matches(func.attr, public, n=3)
        written = node_source(func.value)
        raise self.error(
            f"no such {what} in {label}: `{written}.{func.attr}`",
            func,
            hint=f"did you mean {' or '.join(f'`{written}.{c}`' for c in close)}?"
            if close
            else f"check the name against {label}'s documentation",
        )

    def _check_augmented_arguments(self, fn: Any, call: gast.Call) -> None:
        """Before a call of a user function that does `p += v` on a parameter, a run-time check
        that the argument is no array (whose values that would change under the caller)."""
        if not is_user_function(fn) or rules.lookup(fn) is not None:
            return
        augmented = [p for p, (_, _, kind) in parameter_writes(fn).items() if kind == "augmented"]
        if not augmented:
            return
        try:
            bound = inspect.signature(fn).bind(*call.args, **{k.arg: k.value for k in call.keywords if k.arg})
        except (TypeError, ValueError):
            return
        for p in augmented:
            given = bound.arguments.get(p)
            for item in given if isinstance(given, tuple) else [given]:
                if isinstance(item, gast.Name):
                    label = gast.Constant(value=p, kind=None)
                    self.emit(
                        gast.Expr(
                            value=gast.Call(
                                func=name(self.ctx.helper("check_not_array")), args=[item, label], keywords=[]
                            )
                        )
                    )

    def _refuse_outside_write_read_back(self, fn: Any, node: gast.Call) -> None:
        """`LOG.append(v)`, `self.states.append(h)`, `CACHE.update(h=v)`, `setattr(obj, "h", v)`:
        a write into an object the function does not own (a global's, an attribute's). Logging is
        run as it is; a write whose values the function reads back (`LOG[-1]`, `for h in LOG`,
        `obj.h`, anywhere in the function) would read them without their derivatives: refused, as
        writes into non-local variables are. Its length, its truth and printing it read no value."""
        if fn in (setattr, delattr):
            if len(node.args) >= 2 and isinstance(node.args[1], gast.Constant) and isinstance(node.args[1].value, str):
                held, attr = node_source(node.args[0]), node.args[1].value
                if not any(
                    isinstance(n, gast.Attribute) and n.attr == attr and node_source(n.value) == held
                    for n in walk(self.parsed.tree)
                ):
                    return  # (an attribute set for the caller, never read here)
            raise self.error(
                f"`{fn.__name__}` writes an attribute the function reads, which is not supported",
                node,
                hint="astgrad differentiates functions without mutable object state; keep the value in a local "
                "variable (and return it, or store it after the gradient is computed)",
            )
        held = getattr(fn, "__self__", None)
        if not isinstance(node.func, gast.Attribute) or type(held) not in rules.registry.MEMBER_TYPES:
            return
        member = getattr(type(held), getattr(fn, "__name__", ""), None)
        rule = rules.lookup(member) if member is not None else None
        if rule is None or not rule.writes:
            return
        receiver = node_source(node.func.value)
        writers = rules.registry.member_names("writes")
        unread = set()  # the receivers of writes (`LOG` in `LOG.append(...)`), and reads of no value
        for n in walk(self.parsed.tree):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and n.func.attr in writers:
                unread.add(id(n.func.value))
            elif isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in _VALUELESS_READS:
                unread |= {id(a) for a in n.args}
            elif isinstance(n, (gast.If, gast.While, gast.IfExp, gast.Assert)):
                unread.add(id(n.test))  # (its truth: empty or not)
            elif isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.Not):
                unread.add(id(n.operand))
            elif isinstance(n, gast.BoolOp):
                unread |= {id(v) for v in n.values}
        for n in walk(self.parsed.tree):
            if isinstance(n, (gast.Name, gast.Attribute)) and isinstance(n.ctx, gast.Load) and id(n) not in unread:
                if node_source(n) == receiver:
                    raise self.error(
                        f"`{node_source(node.func)}(...)` writes into `{receiver}`, which is not a local variable, "
                        "and the function reads what it holds: astgrad follows writes into local variables only, "
                        "so the read would see a value without its derivative",
                        node,
                        hint=f"build a local list or dict instead (`states = []`, `states.append(h)`) and read that; "
                        f"store it into `{receiver}` after the gradient is computed if you need it there",
                    )

    def _refuse_overwritten_input(self, fn: Any, node: gast.Call) -> None:
        """`np.median(y, overwrite_input=True)` (scipy.linalg's `overwrite_a`...) may leave y's
        contents undefined: where the function reads y (or what shares its memory) again, refused,
        since astgrad cannot know those values; elsewhere the call keeps its input whole (the
        normaliser passes the flag False: the derivatives read the input again)."""
        for flag in () if is_user_function(fn) else rules.registry.OVERWRITE_FLAGS:
            given = next((k.value for k in node.keywords if k.arg == flag), None)
            at = rules.registry.position_of(fn, flag)
            if given is None and at is not None and at < len(node.args):
                given = node.args[at]
            if given is None or isinstance(given, gast.Constant) and not given.value:
                continue
            param = "a" if flag == "overwrite_input" else flag.removeprefix("overwrite_")
            arg = next((k.value for k in node.keywords if k.arg == param), None)
            at = 0 if flag == "overwrite_input" else rules.registry.position_of(fn, param)
            if arg is None and at is not None and at < len(node.args):
                arg = node.args[at]
            base = base_name(arg) if arg is not None else None
            if base is None:
                continue
            sharing = {base} | (self.shared_memory.shared(self.loc, base) or set())
            read = self.read_after(node, sharing)
            if read:
                raise self.error(
                    f"`{node_source(node.func)}(..., {flag}=...)` may leave `{node_source(arg)}` with undefined "
                    f"contents (NumPy sorts or factors it in place), and the function reads `{sorted(read)[0]}` "
                    "after it: astgrad cannot know those values",
                    node,
                    hint=f"pass a copy (`{node_source(arg)}.copy()`), or leave out `{flag}`",
                )

    def _refuse_output_argument(self, fn: Any, node: gast.Call, spelled: gast.Call | None = None) -> None:
        """`np.add(a, b, out=c)`, `np.add(a, b, c)`, `np.sum(x, 0, None, c)` and `x.sum(0, out=c)`
        write into c, which the derivatives would not know about. `spelled`: the call as NumPy's
        function, the receiver first, where the user wrote a method (`node`)."""
        call = node if spelled is None else spelled
        out = next((k.value for k in node.keywords if k.arg == "out"), None)
        at = output_position(fn, method=spelled is not None)
        if out is None and at is not None and 0 <= at < len(node.args):
            out = node.args[at]
        where = next((k.value for k in call.keywords if k.arg == "where"), None)
        if (out is None or isinstance(out, gast.Constant) and out.value is None) and isinstance(fn, np.ufunc):
            if where is not None and not (isinstance(where, gast.Constant) and where.value is True):
                raise self.error(
                    f"`{node_source(node.func)}(..., where=...)` without `out=` leaves the elements where the mask is "
                    "False uninitialised (whatever memory held): their values, and so the derivative, are undefined",
                    node,
                    hint="choose the elements with np.where(mask, value, other), masking the argument first where "
                    "the function is undefined there: `np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)`",
                )
        if out is None or isinstance(out, gast.Constant) and out.value is None:
            return
        raise self.error(
            f"`{node_source(node.func)}` writes its result into `{node_source(out)}` (an output argument): "
            "astgrad cannot "
            "follow writes through output arguments",
            node,
            hint=f"assign the result instead: `r = {node_source(node.func)}(...)` without `out=`"
            + (
                "; for `where=`, choose the elements with np.where(mask, value, other), masking the argument "
                "first where the function is undefined there: `np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)`"
                if any(k.arg == "where" for k in node.keywords)
                else ""
            ),
        )


def output_position(fn: Any, method: bool = False) -> int | None:
    """The position of NumPy's output argument among the positional arguments of a call of `fn`
    (a ufunc's after its inputs; `method`: `x.sum(...)`, the receiver no argument), or None: no
    such parameter, or a function of the user's (its parameter named `out` is its own)."""
    if is_user_function(fn):
        return None
    at = fn.nin if isinstance(fn, np.ufunc) else rules.registry.position_of(fn, "out")
    return at - 1 if at is not None and method else at
