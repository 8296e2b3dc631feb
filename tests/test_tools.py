"""astgrad.trace, graph, cost, export and the notebook display of generated code.

Expected values of the lecture function f(x1, x2) = x1*x2 + sin(x1) at (0.7, -1.3) are the
lecture's hand derivation: w_mul = x1*x2, w_sin = sin(x1), f = w_mul + w_sin; reverse mode
f_bar = w_mul_bar = w_sin_bar = 1, x1_bar = x2 + cos(x1), x2_bar = x1; forward mode
w_mul_dot = x1_dot*x2 + x1*x2_dot, w_sin_dot = cos(x1)*x1_dot, f_dot = w_mul_dot + w_sin_dot.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import astgrad
from astgrad.tools.graph import INSTALL_HINT

from .tools_functions import lecture, logistic, signed_squares

X1, X2 = 0.7, -1.3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _row(trace, op):
    """The primitive row whose statement performs `op` (`x1 * x2`, `np.sin(x1)`, `+`)."""
    rows = [r for r in trace.rows if r.kind == "primitive" and op in r.statement.split("=", 1)[1]]
    assert len(rows) == 1, [r.statement for r in trace.rows]
    return rows[0]


# ---------------------------------------------------------------------------------------- trace


def test_reverse_trace_of_the_lecture_function_has_the_hand_computed_values():
    t = astgrad.trace(lecture, X1, X2, wrt=("x1", "x2"))
    mul, sin, add = _row(t, "x1 * x2"), _row(t, "np.sin(x1)"), _row(t, " + ")
    assert mul.value == pytest.approx(X1 * X2)
    assert sin.value == pytest.approx(math.sin(X1))
    assert add.value == pytest.approx(X1 * X2 + math.sin(X1))
    assert (add.derivative, mul.derivative, sin.derivative) == (1.0, 1.0, 1.0)
    assert t.row("x1").derivative == pytest.approx(X2 + math.cos(X1))
    assert t.row("x2").derivative == pytest.approx(X1)
    # the backward sweep: the last primitive first, the inputs last
    assert [r.kind for r in t.rows] == ["primitive"] * 3 + ["input"] * 2
    assert t.rows[:3] == [add, sin, mul]  # x1 * x2 is evaluated first, so its adjoint comes last
    assert t.result["x1"] == pytest.approx(X2 + math.cos(X1))


@pytest.mark.parametrize("direction", [(1.0, 0.0), (0.0, 1.0), (0.5, 2.0)])
def test_forward_trace_of_the_lecture_function_has_the_hand_computed_tangents(direction):
    d1, d2 = direction
    t = astgrad.trace(lecture, X1, X2, wrt=("x1", "x2"), mode="forward", direction=direction)
    assert [r.kind for r in t.rows] == ["input"] * 2 + ["primitive"] * 3
    assert t.row("x1").derivative == d1 and t.row("x2").derivative == d2
    mul, sin, add = _row(t, "x1 * x2"), _row(t, "np.sin(x1)"), _row(t, " + ")
    assert mul.derivative == pytest.approx(d1 * X2 + X1 * d2)
    assert sin.derivative == pytest.approx(math.cos(X1) * d1)
    assert add.derivative == pytest.approx(d1 * X2 + X1 * d2 + math.cos(X1) * d1)
    assert t.result == pytest.approx(add.derivative)
    assert add.value == pytest.approx(X1 * X2 + math.sin(X1))


def test_forward_trace_defaults_to_the_first_input_direction():
    t = astgrad.trace(lecture, X1, X2, wrt=("x1", "x2"), mode="forward")
    assert t.result == pytest.approx(X2 + math.cos(X1))  # df/dx1


def test_trace_prints_an_aligned_table_and_html():
    t = astgrad.trace(lecture, X1, X2, wrt=("x1", "x2"))
    lines = str(t).splitlines()
    assert lines[1].split() == ["w", "statement", "value", "adjoint", "w_bar"]
    assert len(lines) == 3 + 5
    column = lines[1].index("value")
    assert all(line[column - 2 : column] == "  " for line in lines[3:])  # aligned columns
    assert "x1_bar = " + f"{X2 + math.cos(X1):.6g}" in str(t)
    html = t._repr_html_()
    assert html.count("<tr>") == 6 and "np.sin(x1)" in html


def test_trace_unrolls_loops_and_branches_as_they_ran():
    x = np.array([1.0, -2.0, 3.0])
    t = astgrad.trace(signed_squares, x, 3, wrt="x")
    np.testing.assert_allclose(t.row("x").derivative, [2.0, -1.0, 6.0])  # 2x where x > 0, -1 elsewhere
    assert t.rows[0].value == pytest.approx(1.0 + 2.0 + 9.0)  # the last primitive computes the output
    indexing = [r.statement.split(" = ")[1] for r in t.rows if r.kind == "primitive" and "x[" in r.statement]
    assert {"x[0]", "x[1]", "x[2]"} == set(indexing)  # the loop index became the number it held
    squares = [r for r in t.rows if re.search(r"= t2\w* \* t3", r.statement)]
    assert sorted(r.value for r in squares) == [1.0, 9.0]  # the branch x > 0 ran for x[0] and x[2]
    forward = astgrad.trace(signed_squares, x, 3, wrt="x", mode="forward", direction=np.array([0.0, 1.0, 1.0]))
    assert forward.result == pytest.approx(-1.0 + 6.0)


def test_trace_of_arrays_matches_the_gradient():
    rng = np.random.default_rng(0)
    w, X, y = rng.normal(size=3), rng.normal(size=(6, 3)), np.sign(rng.normal(size=6))
    t = astgrad.trace(logistic, w, X, y, 0.1, wrt="w")
    np.testing.assert_allclose(t.row("w").derivative, astgrad.numerical_grad(logistic, w, X, y, 0.1), rtol=1e-6)


def test_trace_and_graph_refuse_evaluations_longer_than_max_steps():
    x = np.linspace(-1.0, 1.0, 20)  # 10 negative, 10 positive
    # s = 0.0; per iteration x[i] and then 5 statements (x > 0) or 3; return: 1 + 10*6 + 10*4 + 1
    with pytest.raises(astgrad.AstgradError, match="ran 102 statements on these arguments, more than max_steps=101"):
        astgrad.trace(signed_squares, x, 20, wrt="x", max_steps=101)
    with pytest.raises(astgrad.AstgradError, match="max_steps=101"):
        astgrad.graph(signed_squares, x, 20, wrt="x", max_steps=101)
    assert len(astgrad.trace(signed_squares, x, 20, wrt="x", max_steps=102).rows) == 101 + 1  # and the input


def test_trace_rejects_a_bad_mode():
    with pytest.raises(astgrad.AstgradError):
        astgrad.trace(lecture, X1, X2, mode="sideways")


# ---------------------------------------------------------------------------------------- graph


def _parse_dot(dot):
    """Nodes (id -> attributes, label split into lines) and edges of DOT text as Graph writes it."""
    nodes, edges = {}, set()
    for line in dot.splitlines():
        line = line.strip()
        m = re.fullmatch(r"(n\d+) -> (n\d+);", line)
        if m:
            edges.add((m.group(1), m.group(2)))
            continue
        m = re.fullmatch(r"(n\d+) \[(.*)\];", line)
        if m:
            attrs = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)', m.group(2)))
            attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in attrs.items()}
            attrs["lines"] = attrs["label"].replace('\\"', '"').split("\\n")
            nodes[m.group(1)] = attrs
    return nodes, edges


def test_dot_of_the_lecture_function_has_its_nodes_edges_values_and_adjoints():
    g = astgrad.graph(lecture, X1, X2, wrt=("x1", "x2"))
    nodes, edges = _parse_dot(g.dot)
    assert g.dot.startswith('digraph "lecture" {') and g.dot.rstrip().endswith("}")
    by_op = {}
    for ident, attrs in nodes.items():
        head = attrs["lines"][0]
        op = head.split(" = ", 1)[1] if " = " in head else head
        by_op[op] = ident
    assert len(by_op) == 5 and {"x1", "x2", "x1 * x2", "np.sin(x1)"} <= set(by_op)
    add = (set(by_op) - {"x1", "x2", "x1 * x2", "np.sin(x1)"}).pop()
    assert re.fullmatch(r"\w+ \+ \w+", add)
    x1, x2, mul, sin, out = (by_op[k] for k in ("x1", "x2", "x1 * x2", "np.sin(x1)", add))
    assert edges == {(x1, mul), (x2, mul), (x1, sin), (mul, out), (sin, out)}

    def number(ident, prefix):
        line = next(s for s in nodes[ident]["lines"][1:] if s.startswith(prefix))
        return float(line.rsplit("= ", 1)[1])

    assert number(mul, "=") == pytest.approx(X1 * X2, abs=1e-4)
    assert number(sin, "=") == pytest.approx(math.sin(X1), abs=1e-4)
    assert number(out, "=") == pytest.approx(X1 * X2 + math.sin(X1), abs=1e-4)
    assert number(x1, "x1_bar") == pytest.approx(X2 + math.cos(X1), abs=1e-4)
    assert number(x2, "x2_bar") == pytest.approx(X1, abs=1e-4)
    for ident in (mul, sin, out):
        assert number(ident, nodes[ident]["lines"][0].split(" = ")[0] + "_bar") == 1.0
    assert nodes[out].get("peripheries") == "2"  # the output is marked
    assert nodes[x1]["shape"] == "ellipse" and nodes[mul]["shape"] == "box"


def test_graph_nodes_carry_values_and_adjoints():
    g = astgrad.graph(lecture, X1, X2, wrt=("x1", "x2"))
    assert g.node("x1").adjoint == pytest.approx(X2 + math.cos(X1))
    assert [n.kind for n in g.nodes].count("primitive") + [n.kind for n in g.nodes].count("output") == 3
    assert len(g.edges) == 5


def test_graph_folds_long_loops_with_a_count():
    x = np.linspace(-1.0, 1.0, 20)
    g = astgrad.graph(signed_squares, x, 20, wrt="x", fold=2)
    folded = [n for n in g.nodes if n.kind == "folded"]
    assert len(folded) == 1 and "17 more iterations" in folded[0].label and "range(n)" in folded[0].label
    shown = [n for n in g.nodes if n.kind in ("primitive", "output") and "x[" in n.label]
    assert {re.search(r"x\[(\d+)\]", n.label).group(1) for n in shown} == {"0", "1", "19"}
    ident = folded[0].id
    assert any(b == ident for a, b in g.edges) and any(a == ident for a, b in g.edges)
    clusters = re.findall(r'label="(iteration \d+ of [^"]*)"', g.dot)
    assert clusters == [f"iteration {k} of for i in range(n)" for k in (1, 2, 20)]  # each drawn iteration boxed
    short = astgrad.graph(signed_squares, x[:3], 3, wrt="x", fold=2)
    assert not [n for n in short.nodes if n.kind == "folded"]


def _can_render():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


@pytest.mark.skipif(not _can_render(), reason="needs the graphviz package and Graphviz's dot program")
def test_render_draws_svg_and_png(tmp_path):
    g = astgrad.graph(lecture, X1, X2, wrt=("x1", "x2"))
    svg = g.render(tmp_path / "g.svg")
    text = open(svg, encoding="utf-8").read()
    assert "<svg" in text and "np.sin(x1)" in text
    png = g.render(tmp_path / "g.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in g._repr_svg_()


def test_render_without_graphviz_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    g = astgrad.graph(lecture, X1, X2, wrt=("x1", "x2"))
    with pytest.raises(astgrad.AstgradError) as info:
        g.render(tmp_path / "g.svg")
    assert str(info.value) == INSTALL_HINT and "pip install 'astgrad[graph]'" in INSTALL_HINT
    assert g._repr_svg_() is None  # a notebook then shows the text instead


# ----------------------------------------------------------------------------------------- cost


def test_cost_counts_the_sweeps_of_each_mode():
    def many_in(x):
        return np.sum(np.sin(x) * x)

    def many_out(t):
        return np.sin(t * np.arange(1.0, 31.0))

    a = astgrad.cost(many_in, np.linspace(0.0, 1.0, 40), budget=0.01)
    assert (a.inputs, a.outputs, a.reverse.sweeps, a.forward.sweeps) == (40, 1, 1, 40)
    assert a.reverse.kept_bytes > 0 and a.forward.kept_bytes == 0
    assert a.reverse.seconds > 0 and a.forward.peak_bytes > 0
    b = astgrad.cost(many_out, 0.3, budget=0.01)
    assert (b.inputs, b.outputs, b.reverse.sweeps, b.forward.sweeps) == (1, 30, 30, 1)
    text = str(b)
    assert "R^1 -> R^30" in text and "expects forward mode" in text
    assert "expects reverse mode" in str(a)
    assert "<table>" in a._repr_html_()


def test_cost_fills_in_default_arguments():
    """`astgrad compare file.py:loss --args ...` leaves out `lam=0.1` as a call would (was
    refused: 'cost takes all 4 arguments')."""

    def with_default(w, scale=2.0):
        return scale * np.sum(w**2)

    report = astgrad.cost(with_default, np.ones(3), budget=0.01)
    assert (report.inputs, report.outputs) == (3, 1)
    with pytest.raises(astgrad.AstgradError, match="by position"):
        astgrad.cost(with_default, np.ones(3), 1.0, 2.0, budget=0.01)


# --------------------------------------------------------------------------------------- export

_FRESH = textwrap.dedent(
    """
    import json, sys
    sys.modules["astgrad"] = None  # importing astgrad fails in this process
    try:
        import astgrad
    except ImportError:
        pass
    else:
        raise SystemExit("astgrad was importable")
    import numpy as np
    import {module}
    result = {module}.{function}(*{args})
    result = result if isinstance(result, tuple) else (result,)
    print(json.dumps([np.asarray(r, dtype=float).tolist() for r in result]))
    """
)


def _run_fresh(tmp_path, module, function, args_expr):
    code = _FRESH.format(module=module, function=function, args=args_expr)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [np.array(r) for r in json.loads(done.stdout)]


def test_exported_lecture_gradient_runs_without_astgrad(tmp_path):
    path = astgrad.export(lecture, tmp_path / "lecture_grad.py", wrt=("x1", "x2"))
    text = open(path, encoding="utf-8").read()
    header = text.split('"""')[1]
    assert re.search(r"Generated by astgrad \d+\.\d+", header) and "lecture (tools_functions.py:8)" in header
    assert "with respect to x1, x2" in header and "needs only NumPy" in header
    assert not re.search(r"^\s*(from astgrad|import astgrad)", text, re.M)
    assert "def check_scalar(" in text  # the runtime helper it calls, written out
    got = _run_fresh(tmp_path, "lecture_grad", "lecture_grad", (X1, X2))
    expected = astgrad.grad(lecture, wrt=("x1", "x2"))(X1, X2)
    np.testing.assert_allclose(np.array(got).ravel(), np.array(expected, dtype=float), rtol=1e-12)


def test_exported_loop_and_array_gradients_run_without_astgrad(tmp_path):
    astgrad.export(signed_squares, tmp_path / "squares_grad.py", wrt="x")
    got = _run_fresh(tmp_path, "squares_grad", "signed_squares_grad", "(np.array([1.0, -2.0, 3.0]), 3)")
    np.testing.assert_allclose(got[0], [2.0, -1.0, 6.0])
    rng = np.random.default_rng(1)
    w, X, y = rng.normal(size=3), rng.normal(size=(8, 3)), np.sign(rng.normal(size=8))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    expected = astgrad.grad(logistic, wrt="w")(w, X, y, 0.1)
    for name, args in (("general", None), ("specialised", (w, X, y, 0.1))):
        astgrad.export(logistic, tmp_path / f"logistic_{name}.py", wrt="w", args=args)
        call = f"(np.array({w.tolist()}), np.load('X.npy'), np.load('y.npy'), 0.1)"
        got = _run_fresh(tmp_path, f"logistic_{name}", "logistic_grad", call)
        np.testing.assert_allclose(got[0], expected, rtol=1e-10)


def test_exported_forward_mode_runs_without_astgrad(tmp_path):
    astgrad.export(lecture, tmp_path / "lecture_jvp.py", wrt=("x1", "x2"), mode="forward")
    code = f"""
import sys
sys.modules["astgrad"] = None
import lecture_jvp
print(lecture_jvp.lecture_jvp({X1}, {X2}, x1_dot=1.0, x2_dot=0.0)[1])
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(X2 + math.cos(X1))


# -------------------------------------------------------------------------------------- display


def test_source_shows_highlighted_in_notebooks_and_stays_a_string():
    df = astgrad.grad(lecture, wrt=("x1", "x2"))
    html = df.source._repr_html_()
    assert "lecture_grad" in html and "<span" in html  # highlighted by Pygments
    assert df.source._repr_markdown_().startswith("```python\n")
    assert isinstance(df.source, str) and df.source.startswith("import numpy as np")
    text = astgrad.source(lecture, wrt=("x1", "x2"))
    assert type(text) is str and text == df.source
    assert type(astgrad.source(lecture, normalized=True)) is str
    assert type(astgrad.source(lecture, wrt=("x1", "x2"), mode="forward")) is str
