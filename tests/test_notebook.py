"""A real Jupyter kernel runs a notebook the way a student does: a loss defined in one cell and
differentiated, data rebound and a helper redefined in later cells, and a module edited between
cells under `%autoreload 2`. Every gradient is checked against central differences (issue 14)."""

from __future__ import annotations

import json
import textwrap

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

MODULE = """
import numpy as np

def f(x):
    return np.sum(x ** 2)
"""

EDITED = """
import numpy as np

def f(x):
    return np.sum(x ** 3)
"""

CELLS = [
    "%load_ext autoreload\n%autoreload 2",
    """
    import json, os, time
    import numpy as np
    import astgrad
    import nbmod

    def report(label, g, f, *args):
        err = float(np.max(np.abs(np.asarray(g(*args)) - astgrad.numerical_grad(f, *args))))
        print(json.dumps({"label": label, "err": err}))
    """,
    """
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    REG = 0.1

    def helper(z):
        return np.tanh(z)

    def loss(w):
        return np.sum(helper(X @ w) ** 2) + REG * np.sum(w ** 2)

    w = np.array([0.5, -1.0])
    g = astgrad.grad(loss)
    report("first", g, loss, w)
    """,
    """
    X = np.array([[2.0, 0.0], [1.0, 1.0], [-1.0, 3.0]])  # new data, same shape
    REG = 2.0
    report("data rebound", g, loss, w)
    """,
    """
    X = np.ones((5, 2))  # new data, another shape
    report("data of another shape", g, loss, w)
    """,
    """
    def helper(z):  # the cell run again with a new helper
        return z * z * z
    report("helper redefined", g, loss, w)
    report("helper redefined, grad again", astgrad.grad(loss), loss, w)
    """,
    """
    def loss(w):  # the loss itself redefined
        return np.sum(np.sin(X @ w))
    report("loss redefined", astgrad.grad(loss), loss, w)
    """,
    """
    gm = astgrad.grad(nbmod.f)
    report("module function", gm, nbmod.f, w)
    """,
    """
    with open(nbmod.__file__, "w") as out:
        out.write(EDITED)
    t = time.time() + 5
    os.utime(nbmod.__file__, (t, t))
    """,
    """
    report("module edited, autoreloaded", gm, nbmod.f, w)
    report("module edited, grad again", astgrad.grad(nbmod.f), nbmod.f, w)
    """,
]


def test_notebook_follows_the_program_as_it_runs(tmp_path):
    (tmp_path / "nbmod.py").write_text(textwrap.dedent(MODULE))
    cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in CELLS]
    cells.insert(2, nbformat.v4.new_code_cell(f"EDITED = {textwrap.dedent(EDITED)!r}"))
    nb = nbformat.v4.new_notebook(cells=cells)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}, allow_errors=True
    )
    client.execute()
    reports, errors = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append("\n".join(out.get("traceback", [])))
            if out.get("name") == "stdout":
                reports += [json.loads(line) for line in out["text"].splitlines() if line.startswith("{")]
    labels = [r["label"] for r in reports]
    assert not errors, errors[0] if errors else ""
    assert labels == [
        "first",
        "data rebound",
        "data of another shape",
        "helper redefined",
        "helper redefined, grad again",
        "loss redefined",
        "module function",
        "module edited, autoreloaded",
        "module edited, grad again",
    ]
    for r in reports:
        assert r["err"] < 1e-6, r
