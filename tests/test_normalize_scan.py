"""The normaliser reads the user's function once for the questions it asks of every statement
(which names are locals, which are written in place, which alias which): the answers are those
of a walk of its own for each question."""

import inspect
import types

import gast
import pytest

from astgrad.errors import AstgradError
from astgrad.frontend.assumptions import recording
from astgrad.frontend.context import Context
from astgrad.frontend.normalize.normalizer import Normalizer
from astgrad.frontend.parse import parse_function
from astgrad.ir.trees import assigned_names, walk

from . import indexed_writers_functions, probe_users_functions, student_functions


def _functions():
    for module in (indexed_writers_functions, probe_users_functions, student_functions):
        for name, fn in vars(module).items():
            if isinstance(fn, types.FunctionType) and fn.__module__ == module.__name__:
                yield pytest.param(fn, id=f"{module.__name__.rsplit('.', 1)[-1]}.{name}")


def _walrus(xs, w):
    total = 0.0
    for x in xs:
        if (y := x * w) > 0.0:
            total = total + y
    rows = [xs[0], xs[1]]
    xs[0] = (z := total) * 2.0
    return total + z + rows[0].sum()


@pytest.mark.parametrize("fn", [*_functions(), pytest.param(_walrus, id="walrus")])
def test_the_shared_scan_answers_as_a_walk_of_each_question_would(fn):
    with recording():
        try:
            normalizer = Normalizer(Context(parse_function(fn)))
        except AstgradError:
            return  # (refused: the refusal has tests of its own)
    tree = normalizer.parsed.tree
    body = tree.body
    module = gast.Module(body=body, type_ignores=[])
    assert normalizer.locals >= set(normalizer.params) | assigned_names(body)
    assert normalizer.user_locals == set(normalizer.params) | assigned_names(body)
    assert normalizer.written_in_place == normalizer._written_in_place(body)  # (the writers now assignments)
    nodes = walk(module)
    fresh = normalizer._copied_at_once(body, nodes)
    assert normalizer.alias_pairs == normalizer._alias_pairs(body, fresh, nodes)
    assert normalizer.overwritten_displays == normalizer._overwritten_displays(walk(tree))
    assert len(inspect.signature(fn).parameters) <= len(normalizer.params)
