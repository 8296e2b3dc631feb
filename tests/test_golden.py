"""The generated source of representative functions, pinned byte for byte.

A change in code quality (an extra temporary, a lost fold) shows up here as a diff. After an
intended change, regenerate with `ASTGRAD_UPDATE_GOLDEN=1 pytest tests/test_golden.py` and
review the diff of tests/golden/ like any other code change.
"""

import os
from pathlib import Path

import numpy as np
import pytest

import astgrad
from tests import golden_functions as gf

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "lecture_grad": (gf.lecture, ("x1", "x2")),
    "logistic_regression_grad": (gf.logistic_regression, "w"),
    "two_layer_net_grad": (gf.two_layer_net, ("W1", "W2")),
}


def _rng_args(name):
    rng = np.random.default_rng(1)
    return {
        "lecture_grad": (0.3, -1.1),
        "logistic_regression_grad": (rng.normal(size=3), rng.normal(size=(6, 3)), np.sign(rng.normal(size=6)), 0.1),
        "two_layer_net_grad": (rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=3)),
        "rnn_grad": (
            rng.normal(size=(4, 4)) / 2,
            rng.normal(size=(4, 3)),
            rng.normal(size=4),
            rng.normal(size=(5, 3)),
            np.zeros(4),
        ),
    }[name]


# the code specialised for these arguments' shapes (what a call with them runs)
SPECIALISED = {
    "logistic_regression_grad": (gf.logistic_regression, "w"),
    "rnn_grad": (gf.rnn, ("W", "U", "b")),
}


@pytest.mark.parametrize("name", sorted(SPECIALISED))
def test_specialised_source_matches_golden_file(name):
    func, wrt = SPECIALISED[name]
    args = _rng_args(name)
    text = astgrad.source(func, wrt=wrt, args=args)
    path = GOLDEN / f"{name}_specialised.py"
    if os.environ.get("ASTGRAD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
    scope: dict = {}
    exec(compile(text, path.name, "exec"), scope)  # a complete module too
    astgrad.check_grad(func, scope[func.__name__ + "_grad"], *args, wrt=wrt)


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden_file(name):
    func, wrt = CASES[name]
    text = astgrad.source(func, wrt=wrt)
    path = GOLDEN / f"{name}.py"
    if os.environ.get("ASTGRAD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_file_runs_on_its_own(name):
    """The printed source is a complete module: exec it alone and it computes the gradient."""
    func, wrt = CASES[name]
    scope: dict = {}
    exec(compile((GOLDEN / f"{name}.py").read_text(), f"{name}.py", "exec"), scope)
    generated = scope[func.__name__ + "_grad"]
    astgrad.check_grad(func, generated, *_rng_args(name), wrt=wrt)


def test_lecture_gradient_reads_like_the_hand_derivation():
    text = astgrad.source(gf.lecture, wrt=("x1", "x2"))
    backward = text.split("# backward pass")[1]
    # d/dx1 = x2 + cos(x1), d/dx2 = x1: no broadcasting helpers left in a scalar function
    assert "x1_bar = np.cos(x1)" in backward
    assert "x1_bar = x1_bar + x2" in backward
    assert "unbroadcast" not in text


_EVERY_CONSTRUCT = '''
def f(a, b=1, *rest, c, d=2, **kw):
    """doc"""
    try:
        x = [i * a for i in range(3) if i] + list(rest)
    except (ValueError, TypeError) as err:
        raise RuntimeError("no") from err
    finally:
        pass
    with open(a) as fh, open(b):
        y = {k: v for k, v in kw.items()}
    g = lambda u, *v, w=3: u + w
    z = a if b else c
    a[1:2, ::3, ...] += -b ** 2 @ c
    del y[0]
    for i in range(3):
        if i:
            continue
        break
    else:
        assert a, "msg"
    global q
    return {*x}, (yield z), f"{a!r:>3}", not a and b or c, a < b <= c
'''


def test_conversions_match_gasts_own():
    """astgrad's fast ast ↔ gast conversions give gast's trees (source locations included) and
    print exactly as gast's own converter."""
    import gast

    from astgrad.ir import convert
    from astgrad.ir.codegen import render, unparse

    tree = gast.parse(_EVERY_CONSTRUCT)
    assert gast.dump(convert.parse(_EVERY_CONSTRUCT), include_attributes=True) == gast.dump(
        tree, include_attributes=True
    )
    reference = unparse(gast.gast_to_ast(tree)) + "\n"
    assert render(tree) == reference
    assert "except (ValueError, TypeError) as err:" in reference  # the handler's name is a str
