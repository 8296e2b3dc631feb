"""Loops of numbers whose backward pass replays each iteration from its saved starting state
(astgrad/replay.py), checked against the general code, central differences and forward mode
at points that take every branch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import astgrad
from astgrad import check_grad, grad, jvp


def branchy(x, a):
    y = x
    for _ in range(30):
        if y > 1.0:
            y = -0.8 * y + a * math.sin(y)
        elif y < -1.0:
            y = -0.7 * y + a
        else:
            y = a * y * y + 1.3 * y + 0.5
    return y


def two_states(x, a):
    y, z = x, a
    for _ in range(12):
        if y > z:
            y, z = z * 0.9, y + a * 0.1
        else:
            z = z * math.cos(y)
            y = y + 0.3
    return y * z


def indexed(x, a):
    y = x
    for k in range(10):
        y = y * math.sin(k * a) + 0.1 * math.exp(-y * y)
    return y


def reads_the_new_value(x, a):
    y, s = x, 0.0
    for _ in range(10):
        y = 0.9 * y + a  # s reads the y this iteration made: y is saved, not replayed
        s = s + y * y
    return s


REPLAYED = [branchy, two_states, indexed]
POINTS = [(0.3, 0.8), (1.7, -0.4), (-1.6, 0.9), (0.9, 1.1), (2.5, 0.2)]


@pytest.mark.parametrize("f", REPLAYED + [reads_the_new_value], ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", POINTS)
def test_replayed_loops_agree_with_the_taped_general_code(f, point):
    g = grad(f, wrt=(0, 1))
    value = g(*point)
    assert not g.__astgrad_specializer__.failures  # (a failed specialisation would run the general code)
    general = grad(f, wrt=(0, 1), specialize=False)(*point)
    np.testing.assert_allclose(value, general, rtol=1e-12, atol=1e-14)
    check_grad(f, g, *point, wrt=(0, 1), rtol=1e-5, atol=1e-7)
    _, along_x = jvp(f, point, (1.0, 0.0))
    np.testing.assert_allclose(along_x, value[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", REPLAYED, ids=lambda f: f.__name__)
def test_only_the_starting_state_is_saved(f):
    text = astgrad.source(f, wrt=(0, 1), args=(0.3, 0.8))
    backward = text.split("# backward pass")[1]
    assert text.count(".append(") == 1 and backward.count(".pop()") <= 1, text
    assert "tape" not in text, text  # the states in a list of their own, iterated backwards


def test_a_value_read_after_the_iteration_assigns_it_keeps_the_tape():
    text = astgrad.source(reads_the_new_value, wrt=(0, 1), args=(0.3, 0.8))
    assert text.count(".append(") >= 1 and "y = tape.pop()" in text, text  # the shared tape
