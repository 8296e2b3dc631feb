"""Assignments no read can see go, by liveness (optimize/dead_stores.py): a replayed loop's forward
values, which its backward step computes again; never a value a later iteration, a `break`, a
branch or the code after the loop reads. The pass on small functions, then on the line fits, whose
specialised gradient runs one loop, not two, against central differences in every mode."""

import builtins
import textwrap

import numpy as np
import pytest

import astgrad
from astgrad.ir import convert
from astgrad.ir.codegen import render
from astgrad.optimize.dead_stores import drop_dead_stores
from tests.modes import MODES, check


def _dropped(text: str) -> str:
    fdef = convert.parse(textwrap.dedent(text)).body[0]
    drop_dead_stores(fdef, lambda n: getattr(builtins, n, None))
    return render(fdef).strip()


def test_a_forward_loop_its_backward_loop_computes_again_goes():
    got = _dropped(
        """
        def f(xs, n):
            for k in range(n):
                x = xs[k]
                t = x * 2.0
            s = 0.0
            for k in reversed(range(n)):
                x = xs[k]
                t = x * 2.0
                s = s + t
            return s
        """
    )
    assert got.count("for k in") == 1 and "reversed" in got


@pytest.mark.parametrize(
    "text",
    [
        # the last value is read after the loop
        """
        def f(xs, n):
            x = 0.0
            for k in range(n):
                x = xs[k]
            return x
        """,
        # the next iteration reads the value
        """
        def f(xs, n):
            x = 1.0
            y = 0.0
            for k in range(n):
                y = y + x
                x = xs[k]
            return y
        """,
        # a break leaves the loop with it
        """
        def f(xs, n):
            x = 0.0
            for k in range(n):
                x = xs[k]
                if x > 1.0:
                    break
            for k in reversed(range(n)):
                x = x + 1.0
            return x
        """,
        # a branch skips the assignment that would hide it
        """
        def f(xs, n, c):
            x = 0.0
            for k in range(n):
                x = xs[k]
            if c:
                x = 2.0
            return x
        """,
        # a while loop's test reads it
        """
        def f(x):
            y = x
            while y > 1.0:
                y = y / 2.0
            return x
        """,
    ],
)
def test_values_some_read_can_see_stay(text):
    assert _dropped(text) == render(convert.parse(textwrap.dedent(text)).body[0]).strip()


def test_writes_into_objects_and_calls_stay():
    got = _dropped(
        """
        def f(xs, n):
            out = [0.0] * n
            for k in range(n):
                v = xs[k] * 2.0
                out[k] = v
            for k in range(n):
                w = xs[k]
                print(w)
            return 1.0
        """
    )
    assert "out[k] = v" in got and "print(w)" in got


def fit(a, b, xs, ys):
    err = 0.0
    for x, y in zip(xs, ys):
        err += (a * x + b - y) ** 2
    return err / len(xs)


def fit_indexed(a, b, xs, ys):
    n = len(xs)
    err = 0.0
    for i in range(n):
        r = a * xs[i] + b - ys[i]
        if r > 10.0:
            continue
        err = err + r * r
    return err / n


RNG = np.random.default_rng(2)
XS = [float(v) for v in RNG.normal(size=30)]
YS = [2.0 * x + 1.0 + float(e) for x, e in zip(XS, RNG.normal(size=30))]


@pytest.mark.parametrize("options", MODES)
@pytest.mark.parametrize("f", [fit, fit_indexed])
def test_line_fits_run_no_forward_loop_and_are_right(f, options):
    check(f, (0.5, 0.2, XS, YS), (0, 1), options)
    text = astgrad.source(f, wrt=(0, 1), args=(0.5, 0.2, XS, YS))
    forward = text.split("# forward pass")[1].split("# backward pass")[0]
    assert "for " not in forward, text  # (the backward loop alone, if any: the forward values were dead)
