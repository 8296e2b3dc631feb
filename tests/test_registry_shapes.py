"""Every built-in primitive states in its registry entry how its result's shape follows from its
arguments (`describe(shape=...)`, or elementwise), so specialised code knows the shapes of the
names it computes; the few that cannot are listed here with the reason. A new rule without a shape
fact fails here."""

from __future__ import annotations

import builtins
import operator

import numpy as np
import pytest

from astgrad import rules
from astgrad.ad.assemble import normalized
from astgrad.analysis import shape_facts
from astgrad.analysis.shape_facts import ShapeFacts
from astgrad.rules.registry import builtin_rules, display_name
from astgrad.specialize.dispatch import kind_of, standin

WITHOUT = {
    # the shape depends on the values
    np.nonzero: "as many as are true",
    np.argwhere: "as many as are true",
    np.flatnonzero: "as many as are true",
    # evaluating on stand-ins would draw from the generator
    np.random.normal: "a random draw",
    np.random.uniform: "a random draw",
    np.random.rand: "a random draw",
    np.random.randn: "a random draw",
    **{  # (the draws of a generator made in the function, `rng = np.random.default_rng(0)`)
        getattr(cls, m): "a random draw"
        for cls in (np.random.Generator, np.random.RandomState)
        for m in dir(cls)
        if not m.startswith("_") and rules.lookup(getattr(cls, m)) is not None
    },
    # lists of arrays, or operands after a text (stand-ins are arrays)
    np.split: "a list",
    np.array_split: "a list",
    np.hsplit: "a list",
    np.vsplit: "a list",
    np.dsplit: "a list",
    np.einsum: "operands after the subscripts",
    np.ix_: "a tuple of index arrays",
    np.unravel_index: "a tuple of index arrays",
    np.ravel_multi_index: "a tuple of index arrays first",
    np.packbits: "bits",
    np.unpackbits: "bits",
    # shapes, dtypes and text: read where they are used (shape_facts reads .shape itself)
    np.shape: "a shape",
    np.ndim: "a shape",
    np.size: "a shape",
    np.broadcast_shapes: "a shape",
    np.result_type: "a dtype",
    np.promote_types: "a dtype",
    np.can_cast: "a dtype",
    np.isdtype: "a dtype",
    np.issubdtype: "a dtype",
    np.einsum_path: "a plan",
    np.array_repr: "text",
    np.array_str: "text",
    np.get_printoptions: "settings",
    np.set_printoptions: "settings",
    np.printoptions: "settings",
    np.array_equiv: "one boolean",
    np.iscomplexobj: "one boolean",
    np.isrealobj: "one boolean",
    np.isscalar: "one boolean",
    np.iterable: "one boolean",
    np.mask_indices: "calls a function",
}
PYTHON = (builtins, operator)  # Python's own: the analysis handles its operators and builtins


def _lacking() -> list[str]:
    out = []
    for fn, rule in builtin_rules():
        module = getattr(fn, "__module__", None) or ""
        if module.startswith("astgrad") or not (rule.adjoint or rule.tangent or not rule.differentiable):
            continue
        if any(getattr(m, getattr(fn, "__name__", ""), None) is fn for m in PYTHON) or fn in WITHOUT:
            continue
        if np.dtype is type(fn) or isinstance(fn, type) and issubclass(fn, np.generic) and fn not in _CASTS:
            continue
        if shape_facts._rule(fn) is None:
            out.append(display_name(fn))
    return sorted(out)


_CASTS = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)


def test_every_primitive_has_a_shape_fact_or_a_reason():
    assert _lacking() == []


def test_the_reasons_name_known_primitives():
    assert all(rules.lookup(fn) is not None for fn in WITHOUT)


# --- the new facts give the shapes a specialised gradient uses -----------------------------------


def uses_new_facts(x, a, v):
    m = np.nanmedian(x, axis=0)  # (4,)
    f = np.fft.fft(x, axis=1)  # (3, 4) complex
    s = np.linalg.eigvalsh(a)  # (3,)
    c = np.add.outer(m, v)  # (4, 3)
    k = np.cumulative_sum(x, axis=1)  # (3, 4)
    q = np.nanquantile(x, 0.3, axis=1, keepdims=True)  # (3, 1)
    return np.sum(np.abs(f)) + np.sum(c) + np.sum(k) + np.sum(q) + np.sum(s)


@pytest.mark.skipif(not hasattr(np, "cumulative_sum"), reason="NumPy 2's cumulative_sum")
def test_specialisation_knows_the_shapes_of_the_new_facts():
    ctx, fdef = normalized(uses_new_facts)
    args = {"x": np.ones((3, 4)), "a": np.eye(3) * 2.0, "v": np.ones(3)}
    facts = ShapeFacts(ctx, fdef, {p: standin(kind_of(v)) for p, v in args.items()})
    shapes = {facts.shape(n) for n in facts.state}
    assert {(4,), (3, 4), (3,), (4, 3), (3, 1)} <= shapes
