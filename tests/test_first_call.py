"""What generating a gradient does once: a loop's backward body is made once per trial of the
adjoints its iterations start with (not once more after the trials), so nested loops do not make
their innermost body once per combination of every enclosing loop's trials and remakes."""

import sys
from collections import Counter

import numpy as np

import astgrad
from astgrad.ad.reverse import ReverseTransformer
from astgrad.numerical import numerical_grad
from benchmarks.variants import clear_caches
from benchmarks.workloads import LONG_WRT, long_args, long_function


def nested(w, x):
    total = 0.0
    for i in range(2):
        for j in range(2):
            for k in range(2):
                total = total + w[i, j] * x[k]
    return total


def test_the_innermost_body_of_nested_loops_is_reversed_once_per_trial(monkeypatch):
    made = []
    reverse_assign = ReverseTransformer.reverse_assign

    def counting(self, target, value, s, p, state):
        if len(p) == 7:  # the innermost statement: three loops deep (a loop body is a position of its own)
            made.append(p)
        return reverse_assign(self, target, value, s, p, state)

    monkeypatch.setattr(ReverseTransformer, "reverse_assign", counting)
    w, x = np.arange(4.0).reshape(2, 2), np.array([0.5, -1.5])
    g = astgrad.grad(nested, optimize=False, specialize=False)(w, x)
    # each loop tries the starts of its adjoints until one holds (the total's adjoint is carried
    # from one iteration to the next); its last trial is its body. Made again after the trials, each
    # statement was reversed 15 times
    assert len(set(made)) == 5  # (the statement in A-normal form)
    assert max(Counter(made).values()) <= 4
    np.testing.assert_allclose(g, numerical_grad(nested, w, x), rtol=1e-6)
    np.testing.assert_allclose(g, [[-1.0, -1.0], [-1.0, -1.0]])  # (each element: the sum of x)


def _loss(w, x):
    return np.sum(np.tanh(w @ x) ** 2)


def _other_loss(w, x):
    return np.sum(np.sin(w @ x))


def test_the_specialised_code_takes_the_source_the_general_code_read_until_the_code_changes(monkeypatch):
    import inspect
    import types

    import astgrad.frontend.parse as parse

    read = []
    real = inspect.getsourcelines
    monkeypatch.setattr(parse.inspect, "getsourcelines", lambda code: read.append(code.co_name) or real(code))
    f = types.FunctionType(_loss.__code__, globals(), "_loss")  # (a function object of its own)
    w, x = np.arange(6.0).reshape(2, 3) / 10, np.array([0.5, -1.0, 2.0])
    g = astgrad.grad(f)
    assert read == ["_loss"]  # the general code, made now
    np.testing.assert_allclose(g(w, x), numerical_grad(f, w, x), rtol=1e-6)
    assert read == ["_loss"]  # the code specialised at the first call: the same source
    f.__code__ = _other_loss.__code__  # (the program changes: its new code is read)
    np.testing.assert_allclose(g(w, x), numerical_grad(f, w, x), rtol=1e-6)
    assert read[1:] and set(read[1:]) == {"_other_loss"}


def _branchy_loop(w, x):
    total = 0.0
    for j in range(3):
        if j == 1:
            x = x * 0.5
        else:
            x = x + 0.1 * np.sin(x)
        total = total + np.sum(x) * 1e-3
    return np.sum(w * x) + total


def _weighted_steps(w, x):
    for _ in range(3):
        x = w * np.sin(x)
    return np.sum(x)


def _fresh_long_gradient():
    """long_function's gradient made anew (the caches cleared) and called once."""
    clear_caches()
    astgrad.grad(long_function, wrt=LONG_WRT)(*long_args(np.random.default_rng(0)))


def _integer_products(w, m):
    return np.sum(np.tanh(m @ w))


def test_passes_find_the_decisive_names_only_for_code_they_may_rewrite(monkeypatch):
    """The analysis reads the whole function (rounding.decisive_names): a pass asks for it when a
    loop it may rewrite needs it, before the pass changes the tree, not for every function with a loop;
    whole powers, where the function has a power to rewrite; taped rows reads the function only for
    a counted backward loop that pops, replay for a loop pair over numbers it rewrites, the canonical
    products for a product to rewrite. (`_branchy_loop`: long_function's loop.)"""
    import astgrad.analysis.rounding as rounding
    import astgrad.specialize.canonical as canonical
    import astgrad.specialize.dots as dots
    import astgrad.specialize.hoisting as hoisting
    import astgrad.specialize.powers as powers
    import astgrad.specialize.reductions as reductions
    import astgrad.specialize.replay as replay
    import astgrad.specialize.taped_rows as taped_rows
    import astgrad.specialize.window_loops as window_loops

    asked = []  # (the modules asking)

    def asking(real):
        return lambda *a, **k: asked.append(sys._getframe(1).f_globals["__name__"]) or real(*a, **k)

    for module, analysis in (
        (rounding, "decisive_names"),  # (as batching.py asks for it)
        (hoisting, "decisive_names"),
        (window_loops, "decisive_names"),
        (powers, "free_assignments"),
        (taped_rows, "_numpy_numbers"),  # (the facts it reads of the whole function before its loops)
        (replay, "python_number_names"),
        (canonical, "decisive_names"),
        (reductions, "free_assignments"),
        (dots, "decisive_names"),
    ):
        monkeypatch.setattr(module, analysis, asking(getattr(module, analysis)))
    w, x = np.linspace(-1.0, 1.0, 6), np.linspace(0.5, 2.0, 6)
    for f, passes in (
        (_branchy_loop, {"batching", "hoisting", "window_loops", "powers", "taped_rows", "replay", "reductions"}),
        (_weighted_steps, {"batching"}),
    ):
        asked.clear()
        g = astgrad.grad(f)(w, x)
        np.testing.assert_allclose(g, numerical_grad(f, w, x), rtol=1e-6)
        # (no accumulation to batch in a new order, no loop over rows to hoist from, no nest to batch,
        # no power to rewrite, no sum over axes as einsum; taped rows: no counted backward loop that pops;
        # replay: no loop over numbers)
        assert not {m for m in asked if m.rsplit(".", 1)[-1] in passes}, (f.__name__, asked)
    asked.clear()
    m = np.arange(12).reshape(2, 6) % 3 - 1  # (an integer matrix: no `.dot` of float arrays to write)
    np.testing.assert_allclose(
        astgrad.grad(_integer_products)(w, m), numerical_grad(_integer_products, w, m), rtol=1e-6
    )
    assert "astgrad.specialize.dots" not in asked, asked
    asked.clear()
    _fresh_long_gradient()
    skipping = {"batching", "hoisting", "window_loops", "powers", "taped_rows", "replay", "canonical"}
    assert not {m.rsplit(".", 1)[-1] for m in asked} & skipping, asked


def test_the_rounding_analysis_counts_names_in_the_expressions_it_walks(monkeypatch):
    """decisive_names and free_assignments walk each statement's expressions once, and count the
    names the tapes and the positive values need from those nodes: no scan of the whole function
    for them; the answer is the one the scans gave (a restored counter, a positive divisor)."""
    import textwrap

    import gast

    import astgrad.analysis.rounding as rounding

    fdef = gast.parse(
        textwrap.dedent(
            """
            def f(x, w):
                tape = []
                e = np.exp(w)
                z = np.sum(e)
                for i in range(3):
                    tape.append(i)
                for k in range(3):
                    i = tape.pop()
                    if x[i] > 0.0:
                        y = e / z
                    v = w / x
                return y
            """
        )
    ).body[0]
    scanned = []
    real = rounding.name_counts
    monkeypatch.setattr(rounding, "name_counts", lambda tree, *a: scanned.append(tree) or real(tree, *a))
    assert rounding.decisive_names(fdef, "np") == {"i", "x"}  # (not e nor z: a divisor > 0 decides nothing)
    free = [s.targets[0].id for s, _ in rounding.free_assignments(fdef, "np")]
    assert free == ["tape", "v"]  # (y is returned: what it reads keeps its rounding)
    assert not any(tree is fdef or tree is fdef.body for tree in scanned), scanned


def test_dead_restores_walks_the_function_once_before_it_drops_saves(monkeypatch):
    """Its three readings of the whole function (the shape-only reads, the zeros, the tapes read
    otherwise) share one walk; the top-level statement a restore is in is found by statements."""
    import astgrad.optimize.loop_saves as loop_saves

    walks = []
    real = loop_saves.walk

    def walk(node):
        if sys._getframe(1).f_code.co_name == "drop_dead_restores":
            walks.append(type(node).__name__)
        return real(node)

    monkeypatch.setattr(loop_saves, "walk", walk)
    _fresh_long_gradient()
    # (long_function's saved values are all read again; Python 3.12 inlines comprehensions, whose
    # walks of single loops then count as the function's own: the whole function is walked once)
    assert walks.count("FunctionDef") == 1
