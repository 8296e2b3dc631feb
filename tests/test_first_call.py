"""What generating a gradient does once: a loop's backward body is made once per trial of the
adjoints its iterations start with (not once more after the trials), so nested loops do not make
their innermost body once per combination of every enclosing loop's trials and remakes."""

from collections import Counter

import numpy as np

import astgrad
from astgrad.ad.reverse import ReverseTransformer
from astgrad.numerical import numerical_grad


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
