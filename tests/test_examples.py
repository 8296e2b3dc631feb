"""The training examples run in their fast mode and reach their accuracy (tests need the
examples' dependencies, which the test extra installs)."""

import os
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch):
    monkeypatch.syspath_prepend(EXAMPLES)


def test_mlp_on_the_digits_reaches_95_percent(tmp_path):
    pytest.importorskip("sklearn")
    import train_mlp_digits

    plot = tmp_path / "mlp.png"
    result = train_mlp_digits.main(["--fast", "--quiet", "--plot", str(plot)])
    assert result["test_accuracy"] >= 0.95
    losses = result["history"]["loss"]
    assert len(losses) == 15 and losses[-1] < losses[0] / 4
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_multiclass_svm_on_the_digits(tmp_path):
    pytest.importorskip("sklearn")
    import svm_hinge

    plot = tmp_path / "svm.png"
    result = svm_hinge.main(["--fast", "--quiet", "--plot", str(plot)])
    assert result["test_accuracy"] >= 0.93
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forward_vs_reverse_reports_the_sweeps(capsys):
    import forward_vs_reverse

    reports = forward_vs_reverse.main(["--fast"])
    many_in, many_out = reports[:2], reports[2:]
    assert [(r.reverse.sweeps, r.forward.sweeps) for r in many_in] == [(1, 10), (1, 100)]
    assert [(r.reverse.sweeps, r.forward.sweeps) for r in many_out] == [(10, 1), (100, 1)]
    assert "expects reverse mode to win" in capsys.readouterr().out


def test_lecture_example_still_runs(capsys):
    import lecture

    lecture.main()
    assert "matches the hand derivation" in capsys.readouterr().out


def teardown_module():
    for name in ("train_mlp_digits", "svm_hinge", "forward_vs_reverse", "lecture"):
        sys.modules.pop(name, None)
