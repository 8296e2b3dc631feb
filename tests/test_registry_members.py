"""The facts passes once kept in side tables (array views and metadata, mutating methods, the
methods rounding.py reads through, the operators hoisting and lowering batch, np.dot's batched
adjoints) are registry entries: a fact described there reaches every pass that asks."""

from __future__ import annotations

import gast
import numpy as np

from astgrad.analysis import activity as analysis
from astgrad.analysis import aliasing, rounding
from astgrad.rules.registry import describe, member_names, runtime_facts


def test_member_facts_are_the_entries_of_arrays_and_lists_members():
    assert member_names("views") == {"view", "T", "flat"}
    assert member_names("writes") == {
        *("append", "extend", "insert", "pop", "sort", "fill", "resize", "put", "partition"),
        *("clear", "remove", "reverse", "update", "popitem", "setdefault"),
    }
    assert member_names("metadata") == {"shape", "dtype", "ndim", "size", "itemsize", "nbytes"}
    assert {"sum", "reshape", "append"} <= member_names("continuous")
    assert set(runtime_facts("batched_known_shapes")) == {"dot_left", "dot_right", "unbroadcast"}


def _parsed(source: str) -> gast.FunctionDef:
    return gast.parse(source).body[0]


def test_a_member_described_in_the_registry_reaches_the_passes():
    fdef = _parsed("def f(x):\n    x.byteswap(True)\n    return x\n")
    assert not analysis.viewing("byteswap")
    assert "x" not in aliasing.writes_in_place(fdef, "add_at")
    describe(np.ndarray.byteswap, views=True, writes=True)
    try:
        assert analysis.viewing("byteswap")
        assert aliasing.writes_in_place(fdef, "add_at") == {"x": 1}
    finally:
        describe(np.ndarray.byteswap, views=False, writes=False)
    assert not analysis.viewing("byteswap")


def test_metadata_decides_nothing_and_other_attributes_do():
    decisive = rounding.decisive_names(
        _parsed("def f(x, y):\n    if x.nbytes > 8 and y.real > 0:\n        return x\n    return y\n"), "np"
    )
    assert "y" in decisive and "x" not in decisive
