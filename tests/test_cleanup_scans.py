"""The scans the clean-up and the sharing analysis make of generated code: what they find in
nested blocks (a statement-level scan must reach every block a statement can hold), how they
count writes in place, and which steps the clean-up's fixed point runs again."""

import ast
import textwrap

import gast
import numpy as np

from astgrad.analysis.aliasing import memory_reads, writes_in_place
from astgrad.optimize.cleanup import _drop_self_assignments, _has_effect, _stores


def _fdef(src: str) -> gast.FunctionDef:
    return gast.parse(textwrap.dedent(src)).body[0]


def test_an_effect_is_found_in_every_kind_of_nested_block():
    fdef = _fdef(
        """
        def f(x, xs):
            for i in range(3):
                if x:
                    try:
                        pass
                    finally:
                        y = x
            for i in range(3):
                try:
                    pass
                except ValueError:
                    xs.append(1)
            for i in range(3):
                with x:
                    return x
            for i in range(3):
                while x:
                    break
            for i in range(3):
                "a comment"
                pass
        """
    )
    assert [_has_effect(s) for s in fdef.body] == [True, True, True, True, False]


def test_stores_count_bare_names_and_subscript_bases():
    fdef = _fdef(
        """
        def f(x, a):
            y = x
            y = 2 * x
            a[0] = y
            a[1][2] += 1.0
            b, c = x
            push(t, y)
            check_unshared(a)
        """
    )
    assert _stores(fdef.body) == {"y": 2, "a": 2, "b": 1, "c": 1, "t": 1}


def test_writes_in_place_counts_each_kind_of_write():
    fdef = _fdef(
        """
        def f(x, a, xs, g):
            a[0] = x
            a[1][2] = x
            b = a[0]
            g += x
            x[0] += 1.0
            add_at(g, [0], x)
            xs.append(x)
            y = np.sin(x)
        """
    )
    assert writes_in_place(fdef, "add_at") == {"a": 2, "g": 2, "x": 1, "xs": 1}


def test_memory_reads_leave_out_shapes_functions_and_indices():
    value = gast.parse("f(a[k], b.shape, len(c), d.T)", mode="eval").body
    assert memory_reads(value) == {"a", "d"}


def test_a_copy_back_of_a_name_holding_the_same_object_is_dropped():
    """`t4_bar = omega_bar; omega_bar = t4_bar` (the adjoint of `omega = omega - ...` passed
    through): the second statement changes nothing, unless one of the names is bound between."""
    fdef = _fdef(
        """
        def f(a, b):
            t = a
            a = t
            u = b
            b = b + 1.0
            b = u
            for i in range(3):
                v = a
                a = v
            return a, b
        """
    )
    assert _drop_self_assignments(fdef.body)
    text = ast.unparse(gast.gast_to_ast(fdef))
    assert "a = t" not in text and "a = v" not in text, text
    assert "b = u" in text, text  # (b was bound between: u holds the old b)


def test_the_name_and_node_scans_find_what_walk_finds():
    """name_counts, names_in and find give what filtering walk's list gives, in nested blocks,
    annotations, comprehensions and keyword arguments; asked for constants, find finds them."""
    from astgrad.ir.trees import find, name_counts, names_in, walk

    fdef = _fdef(
        """
        def f(x: np.ndarray, n: int = 3, *, k=len(xs)):
            ys = []
            for i in range(n):
                if x[i] > 0:
                    ys.append(x[i] * 2.0)
                    x[i] += np.sum(x, axis=0, out=z)
            del ys
            return [t + 1 for t in ys], {a: b for a, b in q}
        """
    )
    nodes = walk(fdef)
    for contexts in (None, (gast.Load,), (gast.Store,), (gast.Store, gast.Param), (gast.Del,)):
        expected: dict[str, int] = {}
        for n in nodes:
            if isinstance(n, gast.Name) and (contexts is None or isinstance(n.ctx, contexts)):
                expected[n.id] = expected.get(n.id, 0) + 1
        assert name_counts(fdef, contexts) == expected
        assert names_in(fdef, contexts) == set(expected)
    assert name_counts(fdef, (gast.Load,))["np"] == 2  # (one of them in x's annotation)
    assert names_in(fdef.body[1], (gast.Store,)) == {"i"}
    for classes in ({gast.Call}, {gast.Subscript, gast.AugAssign}, {gast.Constant}, {gast.Name}, {gast.Load}):
        expected_ids = sorted(id(n) for n in nodes if n.__class__ in classes)
        assert expected_ids and sorted(id(n) for n in find(fdef, classes)) == expected_ids
    assert [c.value for c in find(fdef.body[1].body, {gast.Constant})] == [0, 2.0, 0]


def test_a_list_only_made_and_appended_to_goes_one_read_or_given_an_effect_stays():
    from astgrad.optimize.cleanup import _drop_write_only_lists, _loads

    src = """
        def f(x):
            caches = []
            kept = []
            noisy = []
            for i in range(3):
                caches.append(x * i)
                kept.append(x)
                noisy.append(log(x))
            return kept.pop()
        """
    ns = {}.get  # (`log`, a function nothing knows: it may have an effect)
    for counted in (False, True):  # (with the reads counted already, as the clean-up's fixed point has them)
        fdef = _fdef(src)
        assert _drop_write_only_lists(fdef, ns, _loads(fdef.body) if counted else None)
        text = ast.unparse(gast.gast_to_ast(fdef))
        assert "caches" not in text and "kept.append(x)" in text and "noisy.append(log(x))" in text, text


def _folded_twice(x, y):
    a = x
    b = a * 1.0
    c = np.sin(b) + y
    unused = np.cos(c)  # noqa: F841 - dead code for the clean-up
    return c


def test_a_clean_up_step_that_changed_nothing_is_not_run_again_on_the_same_tree(monkeypatch):
    import astgrad.optimize.cleanup as cleanup
    from astgrad.ad.assemble import normalized

    runs = []
    real = cleanup._drop_write_only_lists
    monkeypatch.setattr(cleanup, "_drop_write_only_lists", lambda *a: runs.append(1) or real(*a))
    ctx, fdef = normalized(_folded_twice)
    cleanup.optimize(fdef, ctx, {"x", "y"})
    text = ast.unparse(gast.gast_to_ast(fdef))
    # the first sweep folds and propagates copies and drops `unused`; the second sweep changes
    # nothing before the lists' step, which found nothing on this very tree in the first
    assert "np.sin(x)" in text and "unused" not in text and " a " not in text, text
    assert len(runs) == 1


def test_a_fold_sweep_is_made_only_where_a_rule_matches():
    """Fold.may_change is true of a tree exactly where a sweep changes it (with nothing protected),
    so the clean-up's fixed point skips the sweeps that would change nothing."""
    from astgrad.optimize.cleanup import Fold

    changing = [
        "y = 2.0 * 3.0",
        "y = x ** 1",
        "y = 1.0 * x",
        "y = x * -1",
        "y = x / 1.0",
        "y = x - 0.0",
        "y = x + -z",
        "y = x + -0.8 * z",
        "y = -(-x)",
        "y = None is None",
        "y = 'C' == 'F'",
        "y = a if True else b",
        "y = a + copy_of(b)",
        "for i in range(3):\n    if i:\n        y = f(x * 1.0)",
    ]
    unchanged = [
        "y = 2.0 * x",
        "y = x ** 2",
        "y = x / 2.0",
        "y = x - 1.0",
        "y = x + -1.0",
        "y = x + 0.8 * z",
        "y = -x",
        "y = x is None",
        "y = a if c else b",
        "y = copy_of(b)",
        "y = f(copy_of(b)) + x",
    ]
    for src, expected in [(s, True) for s in changing] + [(s, False) for s in unchanged]:
        tree = gast.parse(src)
        fold = Fold(copy_of="copy_of")
        assert fold.may_change(tree) == expected, src
        fold.visit(tree)
        assert fold.changed == expected, src


def test_the_clean_up_makes_no_fold_sweep_of_a_tree_nothing_folds_in(monkeypatch):
    import astgrad.optimize.cleanup as cleanup
    from astgrad.ad.assemble import normalized

    sweeps = []
    real = cleanup.Fold.visit

    def visit(self, node):
        if isinstance(node, gast.FunctionDef):
            sweeps.append(1)
        return real(self, node)

    monkeypatch.setattr(cleanup.Fold, "visit", visit)
    ctx, fdef = normalized(_folded_twice)
    cleanup.optimize(fdef, ctx, {"x", "y"})
    assert len(sweeps) == 1  # (the first folds `a * 1.0`; after it, no rule matches: no sweep)


def test_the_clean_up_finds_the_sharing_links_of_an_unchanged_tree_once(monkeypatch):
    """With arrays the caller owns, the first fold sweep reads the sharing links found before it,
    on the same tree; they are found anew only after a step changes the tree."""
    import astgrad.optimize.cleanup as cleanup
    from astgrad.ad.assemble import normalized

    def unchanged(x, y):
        return np.sin(x) + y

    found = []
    real = cleanup.sharing_links
    monkeypatch.setattr(cleanup, "sharing_links", lambda *a, **k: found.append(1) or real(*a, **k))
    ctx, fdef = normalized(unchanged)
    before = ast.unparse(gast.gast_to_ast(fdef))
    cleanup.optimize(fdef, ctx, {"x", "y"}, protected=frozenset({"x"}))
    assert ast.unparse(gast.gast_to_ast(fdef)) == before
    assert len(found) == 1


def test_local_copy_propagation_gives_the_reads_of_the_tree_it_leaves():
    """`after`: the reads counted anew after the step (dead-code removal reads them), though the
    step itself goes on deciding with its own running count, as it always did."""
    from astgrad.optimize.cleanup import _loads, _stores, propagate_local_copies

    fdef = _fdef(
        """
        def f(x, n):
            s = x
            for i in range(n):
                b = s * 2.0
                a = b
                c = a + a
                d = c
                s = d - b
            if n:
                e = s
                s = e + 1.0
            del x
            return s
        """
    )
    loads, after = _loads(fdef.body), {}
    assert propagate_local_copies(fdef, {"x", "n"}, _stores(fdef.body), loads, after)
    text = ast.unparse(gast.gast_to_ast(fdef))
    assert "c = b + b" in text and "s = c - b" in text and "s = s + 1.0" in text, text
    assert after == _loads(fdef.body)
