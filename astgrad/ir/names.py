"""Fresh, readable, collision-free names for generated code."""

from __future__ import annotations

import builtins
import keyword

import gast

from .trees import names_in


class Namer:
    """Hands out names that collide with nothing the user's function mentions."""

    def __init__(self, taken: set[str] | None = None):
        self.taken: set[str] = set(taken or ())
        self._counters: dict[str, int] = {}

    @classmethod
    def for_tree(cls, tree: gast.AST, extra: set[str] | None = None) -> "Namer":
        taken = names_in(tree)
        return cls(taken | (extra or set()))

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def is_free(self, name: str) -> bool:
        return name not in self.taken and not keyword.iskeyword(name) and not hasattr(builtins, name)

    def fresh(self, base: str) -> str:
        """`base` itself if free, else `base_1`, `base_2`, ..."""
        if self.is_free(base):
            self.taken.add(base)
            return base
        return self.numbered(base + "_")

    def numbered(self, prefix: str) -> str:
        """`prefix1`, `prefix2`, ...: the first one free."""
        n = self._counters.get(prefix, 0)
        while True:
            n += 1
            name = f"{prefix}{n}"
            if self.is_free(name):
                self._counters[prefix] = n
                self.taken.add(name)
                return name
