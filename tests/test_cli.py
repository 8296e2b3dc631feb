"""The command line, run as `python -m astgrad` in a subprocess on tests/tools_functions.py."""

import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = os.path.join("tests", "tools_functions.py")
LECTURE = f"{FILE}:lecture"
X1, X2 = 0.7, -1.3


def run(*argv, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=ROOT, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "astgrad", *argv], cwd=cwd, env=env, capture_output=True, text=True)


def test_help_lists_every_subcommand():
    done = run("--help")
    assert done.returncode == 0
    for command in ("show", "check", "trace", "graph", "export", "compare"):
        assert command in done.stdout


def test_show_prints_the_generated_gradient():
    done = run("show", LECTURE, "--wrt", "x1,x2")
    assert done.returncode == 0, done.stderr
    assert "def lecture_grad(x1, x2):" in done.stdout and "x2_bar = x1" in done.stdout
    assert "\x1b[" not in done.stdout  # not a terminal: no colour codes


def test_show_modes_normalized_specialised_and_colour():
    forward = run("show", LECTURE, "--wrt", "x1,x2", "--mode", "forward")
    assert "def lecture_jvp(x1, x2, *, x1_dot, x2_dot):" in forward.stdout
    normalized = run("show", LECTURE, "--normalized")
    assert re.search(r"^    \w+ = np\.sin\(x1\)$", normalized.stdout, re.M)
    specialised = run(
        "show", f"{FILE}:logistic", "--wrt", "w", "--args", "np.ones(3), np.ones((4, 3)), np.ones(4), 0.1"
    )
    assert specialised.returncode == 0, specialised.stderr
    assert "# specialised for w: array(3,), X: array(4, 3), y: array(4,), lam: float" in specialised.stdout
    coloured = run("show", LECTURE, "--color", "always")
    assert "\x1b[" in coloured.stdout  # highlighted by Pygments


def test_check_passes_and_fails_with_exit_status_1():
    good = run("check", LECTURE, "--wrt", "x1,x2", "--args", f"{X1}, {X2}")
    assert good.returncode == 0 and "passed" in good.stdout
    bad = run("check", f"{FILE}:wrong_cube", "--args", "2.0")
    assert bad.returncode == 1
    assert "FAILED" in bad.stdout and "analytic=6 numerical=12" in bad.stdout


def test_trace_prints_the_table():
    done = run("trace", LECTURE, "--wrt", "x1,x2", "--args", f"{X1}, {X2}")
    assert done.returncode == 0, done.stderr
    assert f"x1_bar = {X2 + math.cos(X1):.6g}" in done.stdout and "x2_bar = 0.7" in done.stdout
    forward = run("trace", LECTURE, "--wrt", "x1,x2", "--args", f"{X1}, {X2}", "--mode", "forward")
    assert f"= {math.cos(X1):.6g}" in forward.stdout and "x1_dot = 1" in forward.stdout


def test_graph_prints_dot_or_writes_a_file(tmp_path):
    done = run("graph", LECTURE, "--wrt", "x1,x2", "--args", f"{X1}, {X2}")
    assert done.returncode == 0 and done.stdout.startswith('digraph "lecture"') and done.stdout.count("->") == 5
    out = tmp_path / "g.dot"
    written = run("graph", LECTURE, "--args", f"{X1}, {X2}", "-o", str(out))
    assert written.returncode == 0 and out.read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot program")
def test_graph_renders_svg(tmp_path):
    pytest.importorskip("graphviz")
    out = tmp_path / "g.svg"
    done = run("graph", LECTURE, "--wrt", "x1,x2", "--args", f"{X1}, {X2}", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "<svg" in out.read_text()


def test_export_writes_a_module_that_runs(tmp_path):
    out = tmp_path / "lecture_grad.py"
    done = run("export", LECTURE, "--wrt", "x1,x2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    code = (
        f"import sys; sys.modules['astgrad'] = None; import lecture_grad; print(*lecture_grad.lecture_grad({X1}, {X2}))"
    )
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    np.testing.assert_allclose([float(v) for v in ran.stdout.split()], [X2 + math.cos(X1), X1])


def test_compare_reports_both_modes():
    done = run("compare", f"{FILE}:logistic", "--wrt", "w", "--args", "np.ones(5), np.ones((4, 5)), np.ones(4), 0.1",
               "--budget", "0.01")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "R^5 -> R^1" in done.stdout
    assert re.search(r"^reverse\s+1\s", done.stdout, re.M) and re.search(r"^forward\s+5\s", done.stdout, re.M)


@pytest.mark.parametrize(
    "argv, message",
    [
        (("show", "tests/no_such_file.py:f"), "no such file: tests/no_such_file.py"),
        (("show", f"{FILE}:no_such_function"), "has no function 'no_such_function'"),
        (("show", "tests/tools_functions.py"), "expected FILE:FUNC"),
        (("check", LECTURE), "check needs the function's arguments"),
        (("check", LECTURE, "--args", "0.7"), "--args do not fit lecture(x1, x2): missing a required argument"),
        (("trace", LECTURE, "--args", "0.7, undefined_name"), "cannot evaluate --args"),
        (("trace", LECTURE, "--args", "0.7, (("), "cannot evaluate --args"),
        (("show", LECTURE, "--wrt", "x9"), "wrt='x9' is not a parameter of lecture"),
        (("trace", f"{FILE}:raises", "--args", "1.0"), "ValueError: the user's function failed"),
        (("export", LECTURE, "-o", "/no/such/directory/g.py"), "FileNotFoundError"),
    ],
)
def test_errors_are_one_clear_line_and_a_nonzero_exit(argv, message):
    done = run(*argv)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.startswith(f"astgrad {argv[0]}: error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_file_that_fails_to_import_is_reported(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(x):\n    return x +\n")
    done = run("show", f"{broken}:f")
    assert done.returncode == 2 and "cannot import" in done.stderr and "SyntaxError" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_errors_exit_with_status_2():
    done = run("frobnicate", LECTURE)
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_main_is_the_console_script_entry_point(capsys, monkeypatch):
    from astgrad.tools.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # main puts the file's folder on it
    monkeypatch.delitem(sys.modules, "tools_functions", raising=False)
    assert main(["trace", LECTURE, "--wrt", "x2", "--args", f"{X1}, {X2}"]) == 0
    assert "x2_bar = 0.7" in capsys.readouterr().out
    assert main(["check", f"{FILE}:wrong_cube", "--args", "2.0"]) == 1
    assert main(["show", "tests/no_such_file.py:f"]) == 2
    assert capsys.readouterr().err == "astgrad show: error: no such file: tests/no_such_file.py\n"
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert 'astgrad = "astgrad.tools.cli:main"' in f.read()
