"""The computational graph of one evaluation: inputs and primitives as nodes, with each node's
value and adjoint; Graphviz DOT text, rendered to SVG or PNG where Graphviz is installed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import AstgradError
from . import formatting
from .unrolled import MAX_STEPS, Step, Unrolled, record_adjoints, unroll, wrt_names

INSTALL_HINT = (
    "rendering a graph needs the graphviz Python package and Graphviz's `dot` program: "
    "pip install 'astgrad[graph]', and apt-get install graphviz (Debian, Ubuntu), brew install graphviz "
    "(macOS) or see https://graphviz.org/download/"
)


@dataclass
class GraphNode:
    """A node: an input, a primitive statement, or a run of folded loop iterations."""

    id: str
    name: str  # the variable it defines ("" for a folded run)
    label: str  # the statement, or the input's name, or the folded run's description
    kind: str  # "input", "primitive", "output" or "folded"
    value: Any = None
    adjoint: Any = None
    active: bool = True  # depends on a wrt input and reaches the output
    group: str | None = None  # the loop iteration it ran in ("iteration 2 of for i in range(n)")


class Graph:
    """A computational graph: `nodes`, `edges` (pairs of node ids), `.dot`, `.render(path)`."""

    def __init__(self, func_name: str, wrt: list[str], nodes: list[GraphNode], edges: list[tuple[str, str]]):
        self.func_name = func_name
        self.wrt = wrt
        self.nodes = nodes
        self.edges = edges

    def node(self, name: str) -> GraphNode:
        """The node defining variable `name`."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    @property
    def dot(self) -> str:
        """The graph as Graphviz DOT text."""
        lines = [
            f'digraph "{self.func_name}" {{',
            "  rankdir=LR;",
            '  graph [fontname="Helvetica", fontsize=10];',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [color="#555555"];',
        ]
        groups: dict[str, list[GraphNode]] = {}
        for n in self.nodes:
            if n.group is None:
                lines.append(f"  {n.id} [{_attributes(n)}];")
            else:
                groups.setdefault(n.group, []).append(n)
        for k, (label, members) in enumerate(groups.items()):
            lines.append(f"  subgraph cluster_{k} {{")
            lines.append(f'    label={_quote(label)}; style="dashed"; color="#aaaaaa"; fontcolor="#666666";')
            lines += [f"    {n.id} [{_attributes(n)}];" for n in members]
            lines.append("  }")
        for a, b in self.edges:
            lines.append(f"  {a} -> {b};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, path: str | os.PathLike, format: str | None = None) -> str:
        """Draw the graph into `path` (the format from its suffix: svg, png, pdf); returns the path."""
        path = os.fspath(path)
        fmt = format or os.path.splitext(path)[1].lstrip(".").lower() or "svg"
        data = _pipe(self.dot, fmt)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self) -> str | None:
        try:
            return _pipe(self.dot, "svg").decode("utf-8")
        except AstgradError:
            return None  # the notebook falls back to the text

    def __repr__(self) -> str:
        return f"<Graph of {self.func_name}: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def __str__(self) -> str:
        return self.dot


def _pipe(dot: str, fmt: str) -> bytes:
    try:
        import graphviz
    except ImportError:
        raise AstgradError(INSTALL_HINT) from None
    try:
        return graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise AstgradError(INSTALL_HINT) from None
    except (graphviz.CalledProcessError, ValueError) as exc:
        raise AstgradError(f"Graphviz could not draw the graph as {fmt}: {exc}") from None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attributes(n: GraphNode) -> str:
    lines = [n.label]
    if n.kind != "folded":
        lines.append(f"= {formatting.value(n.value, 4, 3)}")
        if n.adjoint is not None:
            lines.append(f"{n.name}_bar = {formatting.value(n.adjoint, 4, 3)}")
    attrs = {"label": _quote("\n".join(lines))}
    if n.kind == "input":
        attrs.update(shape="ellipse", style='"filled"', fillcolor='"#dbe9f6"')
    elif n.kind == "folded":
        attrs.update(shape="box", style='"dashed,rounded"', color='"#888888"')
    else:
        attrs.update(shape="box", style='"rounded,filled"', fillcolor='"#fdf1d6"' if n.active else '"#eeeeee"')
        if n.kind == "output":
            attrs["peripheries"] = "2"
    if not n.active and n.kind != "folded":
        attrs["fontcolor"] = '"#777777"'
    return ", ".join(f"{k}={v}" for k, v in attrs.items())


def _folding(run: Unrolled, keep: int) -> dict[int, tuple]:
    """Which steps fall in a folded run: a loop that ran more than `keep` + 1 iterations shows
    its first `keep` and its last, and the others become one node. Returns step index -> key of
    the folded run it belongs to."""
    counts: dict[tuple, int] = {}
    for s in run.steps:
        for depth, (loop, k) in enumerate(s.loops):
            instance = s.loops[:depth] + ((loop, None),)
            counts[instance] = max(counts.get(instance, 0), k + 1)
    folded: dict[int, tuple] = {}
    for s in run.steps:
        for depth, (loop, k) in enumerate(s.loops):
            instance = s.loops[:depth] + ((loop, None),)
            if counts[instance] > keep + 1 and keep <= k < counts[instance] - 1:
                folded[s.index] = instance
                break
    return folded


def graph(
    func: Callable,
    *args: Any,
    wrt: Any = 0,
    fold: int = 2,
    adjoints: bool = True,
    max_steps: int = MAX_STEPS,
    **kwargs: Any,
) -> Graph:
    """The computational graph of `func(*args, **kwargs)`: every primitive that ran, with its
    value and (after the backward sweep with respect to `wrt`) its adjoint. Loops are drawn as the
    iterations that ran; a loop that ran more than `fold` + 1 times shows its first `fold`
    iterations and its last, the others folded into one node that says how many.

    >>> g = astgrad.graph(f, 0.7, -1.3, wrt=("x1", "x2")); g.render("f.svg"); print(g.dot)
    """
    names = wrt_names(func, wrt)
    run = unroll(func, args, kwargs, max_steps)
    gradients = record_adjoints(run, names) if adjoints else {}
    read = {i for s in run.steps for i in s.inputs}
    nodes: list[GraphNode] = []
    where: dict[str, str] = {}  # variable -> node id
    for p in run.params:
        if p in read:
            node = GraphNode(f"n{len(nodes)}", p, p, "input", run.arguments[p], gradients.get(p), p in names)
            nodes.append(node)
            where[p] = node.id
    folded = _folding(run, fold)
    runs: dict[tuple, GraphNode] = {}
    sizes: dict[tuple, set] = {}
    edges: dict[tuple[str, str], None] = {}
    for s in run.steps:
        key = folded.get(s.index)
        if key is not None:
            node = runs.get(key)
            if node is None:
                node = GraphNode(f"n{len(nodes)}", "", "", "folded")
                runs[key] = node
                nodes.append(node)
                sizes[key] = set()
            depth = len(key) - 1
            sizes[key].add(s.loops[depth][1])
            node.label = _folded_label(run, key[-1][0], len(sizes[key]))
        else:
            kind = "output" if s.target == run.output else "primitive"
            node = GraphNode(f"n{len(nodes)}", s.target, s.code, kind, s.value, s.adjoint, _active(s, gradients))
            if s.loops:
                loop, k = s.loops[0]
                node.group = f"iteration {k + 1} of {run.loop_lines.get(loop, 'a loop')}"
            nodes.append(node)
        for i in s.inputs:
            if i in where and where[i] != node.id:
                edges[(where[i], node.id)] = None
        where[s.target] = node.id
    return Graph(func.__name__, names, nodes, list(edges))


def _active(step: Step, gradients: dict) -> bool:
    return step.adjoint is not None or not gradients


def _folded_label(run: Unrolled, loop: int, count: int) -> str:
    header = run.loop_lines.get(loop, "a loop")
    what = "iteration" if count == 1 else "iterations"
    return f"… {count} more {what} of\n{header}"
