"""The pass lists of pipeline.py: each pass runs after the passes it needs."""

import doctest

import pytest

from astgrad import pipeline


@pytest.mark.parametrize("passes", ["GENERAL_PASSES", "SPECIALISED_PASSES", "PROGRAM_PASSES"])
def test_every_pass_runs_after_the_passes_it_needs(passes):
    order = [p.name for p in getattr(pipeline, passes)]
    assert len(order) == len(set(order)), "a pass name is used twice"
    for k, p in enumerate(getattr(pipeline, passes)):
        assert p.job, f"{p.name}: no job stated"
        assert not p.needs or p.why, f"{p.name}: needs {p.needs} but says not why"
        for need in p.needs:
            assert need in order, f"{p.name} needs {need!r}, which is not in {passes}"
            assert order.index(need) < k, f"{p.name} runs before {need!r}, which it needs"


def test_specialised_code_runs_the_general_passes_in_their_order():
    special = [p.name for p in pipeline.SPECIALISED_PASSES]
    general = [p.name for p in pipeline.GENERAL_PASSES]
    assert [n for n in special if n in general] == general


def test_only_the_passes_that_make_code_correct_run_without_optimizing():
    always = {p.name for p in pipeline.SPECIALISED_PASSES + pipeline.GENERAL_PASSES if p.always}
    assert always == {"distinct gradients"}


def test_a_pass_is_left_out_by_name():
    assert doctest.testmod(pipeline).failed == 0
    with pytest.raises(ValueError, match="no pass named fusing"):
        pipeline.without(pipeline.SPECIALISED_PASSES, "fusing")
