"""State shared by the passes that turn one user function into generated code."""

from __future__ import annotations

import types
from typing import Any

import gast
import numpy as np

from .. import runtime
from ..ir.names import Namer
from ..ir.sentinels import MISSING
from ..ir.trees import names_in
from .assumptions import current
from .parse import ParsedFunction, attribute_path


class Context:
    """The user function being transformed, its name space, and the names generated code may use."""

    def __init__(self, parsed: ParsedFunction):
        self.parsed = parsed
        self.namer = Namer.for_tree(parsed.tree, self._global_names(parsed))
        args = parsed.tree.args
        self.local_names = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs} | names_in(
            parsed.tree, (gast.Store,)
        )
        self.extra_globals: dict[str, Any] = {}
        self._numpy: str | None = None
        # (name, id(obj)) → (obj, global_ref's answer, the recording it was given in)
        self._refs: dict[tuple[str, int], tuple[Any, str, Any]] = {}

    @staticmethod
    def _global_names(parsed: ParsedFunction) -> set[str]:
        return set(getattr(parsed.func, "__globals__", {})) | set(parsed.closure)

    def lookup(self, name: str) -> Any:
        """What the free name `name` denotes (a fact generated code relies on: recorded)."""
        return self.parsed.lookup(name)

    def peek(self, name: str) -> Any:
        """What the free name `name` denotes, recording nothing."""
        return self.parsed.peek(name)

    def numpy_name(self) -> str:
        """A global name bound to the numpy module in generated code (the user's own alias if any)."""
        if self._numpy is None:
            for candidate in ("np", "numpy"):
                if self.peek(candidate) is np and candidate not in self.local_names:
                    self.lookup(candidate)  # (generated code relies on it)
                    self._numpy = candidate
                    break
            else:
                self._numpy = self.namer.fresh("np")
                self.extra_globals[self._numpy] = np
        return self._numpy

    def numpy_attr(self, attr: str) -> gast.Attribute:
        return gast.Attribute(value=gast.Name(self.numpy_name(), gast.Load(), None, None), attr=attr, ctx=gast.Load())

    def helper(self, name: str) -> str:
        """The name under which the runtime helper `name` is visible to generated code."""
        return self.global_ref(name, getattr(runtime, name))

    def check_line(self, node: gast.AST) -> list[gast.keyword]:
        """`line=N` for a run-time check of the user's statement at `node`: the line its refusal
        names (errors.UnsupportedValueError); none in generated code differentiated again."""
        line = self.parsed.user_line(node)
        return [] if line is None else [gast.keyword(arg="line", value=gast.Constant(value=line, kind=None))]

    def global_ref(self, name: str, obj: Any) -> str:
        """A name under which generated code sees `obj`, preferring `name` itself."""
        if obj is np:
            return self.numpy_name()
        # the answer for (name, obj) stays what it was (the names do not change while the code is
        # made, and a name given to obj is kept): asked again, the fact it rests on is recorded
        # already, unless another program is recording now
        known = self._refs.get((name, id(obj)))
        if known is not None and known[0] is obj and known[2] is current():
            return known[1]
        if self.peek(name) is obj and name not in self.local_names:
            self.lookup(name)  # (generated code relies on it)
            local = name
        else:
            local = next((local for local, value in self.extra_globals.items() if value is obj), None)
            if local is None:
                local = self.namer.fresh(name)
                self.extra_globals[local] = obj
        self._refs[(name, id(obj))] = (obj, local, current())
        return local

    def resolve(self, node: gast.AST, local_names: set[str]) -> Any:
        """The live object a Name/Attribute chain denotes, or MISSING if it is not a global reference."""
        path = attribute_path(node)
        if path is None or path[0] in local_names:
            return MISSING
        return self.parsed.resolve_path(path)

    @property
    def module(self) -> str | None:
        return getattr(self.parsed.func, "__module__", None)

    def internal_ref(self, obj: Any, base: str) -> str:
        """A global name of generated code's own, bound to `obj` (never the user's name for it)."""
        for local, value in self.extra_globals.items():
            if value is obj:
                return local
        local = self.namer.fresh(base)
        self.extra_globals[local] = obj
        return local

    @staticmethod
    def is_module(obj: Any) -> bool:
        return isinstance(obj, types.ModuleType)
