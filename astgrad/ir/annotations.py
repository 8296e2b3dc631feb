"""Every annotation astgrad puts on AST nodes: what it means, who writes it, who reads it.

The passes pass facts to each other as attributes named `_ag_*` on gast nodes (as Tangent's
annotations.py does). An attribute is set on the node it describes, read with
`getattr(node, "_ag_x", default)` where a node may lack it, and lost when a pass builds a new
node instead of keeping the old one (`copy.deepcopy` and `trees.clone` keep it). Adding one is
adding an entry here: a test (tests/test_annotations.py) fails if the package uses an `_ag_`
attribute this table does not list, or if the table's writers and readers are not the modules
that name it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Annotation:
    name: str
    on: str  # the nodes that carry it
    means: str
    written_by: tuple[str, ...]  # modules of the package, relative to astgrad/
    read_by: tuple[str, ...]


ANNOTATIONS: dict[str, Annotation] = {
    a.name: a
    for a in (
        # ---- frontend/normalize: facts about the A-normal form, read by analysis and the transformers
        Annotation(
            "_ag_params",
            "the normalized FunctionDef",
            "its parameter names in order (the user's, then captured variables of a lifted def)",
            ("frontend/normalize/normalizer.py",),
            (
                "analysis/activity.py",
                "ad/assemble.py",
                "ad/forward.py",
                "ad/reverse.py",
                "analysis/shape_facts.py",
                "analysis/shapes.py",
                "analysis/spellings.py",
                "specialize/lists.py",
            ),
        ),
        Annotation(
            "_ag_operand",
            "an arithmetic node while the clean-up visits it",
            "an operand of other arithmetic, whose result is a new array: folding it (`out ** 1` to `out`) "
            "makes no name share memory",
            ("optimize/cleanup.py",),
            ("optimize/cleanup.py",),
        ),
        Annotation(
            "_ag_writer",
            "an Assign normalize made of `np.add.at(a, idx, v)` or `np.fill_diagonal(a, v)`",
            "a write of a NumPy function into its first argument, made an assignment of that name so loops "
            "and branches carry it; lowered to `a = added_at(a, idx, v)` (`with_diagonal`)",
            ("frontend/normalize/writes.py",),
            ("frontend/normalize/normalizer.py",),
        ),
        Annotation(
            "_ag_hoisted",
            "a Name read in place of an assignment expression while it is hoisted",
            "the read that stands for `(n := value)`, told apart from other reads of n in the statement "
            "(which would read n's old value)",
            ("frontend/normalize/walrus.py",),
            ("frontend/normalize/walrus.py",),
        ),
        Annotation(
            "_ag_saved_rows",
            "the specialised FunctionDef",
            "arrays a forward loop writes its saved values into, row by row, before the backward loop reads "
            "them and never after (not written in place for the passes that read them)",
            ("specialize/batching.py", "optimize/loop_saves.py", "specialize/taped_rows.py"),
            ("specialize/batching.py", "specialize/hoisting.py"),
        ),
        Annotation(
            "_ag_release",
            "the specialised FunctionDef",
            "(loop, names) of arrays hoisting made before a loop, deleted after it by release_after_loops",
            ("specialize/hoisting.py",),
            ("specialize/hoisting.py",),
        ),
        Annotation(
            "_ag_recomputed",
            "the specialised FunctionDef",
            "(backward loop, names, the statements) of values the loop saves pass recomputes there; "
            "prune_recomputed drops those of the statements nothing reads",
            ("optimize/loop_saves.py",),
            ("optimize/loop_saves.py",),
        ),
        Annotation(
            "_ag_as_arrays",
            "the normalized FunctionDef",
            "parameters that may be a list of numbers NumPy reads as an array: their adjoint is an array, "
            "returned in the argument's structure (a list for a list)",
            ("frontend/normalize/normalizer.py", "ad/reverse.py"),
            ("ad/reverse.py",),
        ),
        Annotation(
            "_ag_views",
            "the normalized FunctionDef",
            "alias → the names whose memory it may view (`v = x[0]`, `v = x.T`): {str: set[str]}",
            ("frontend/normalize/normalizer.py",),
            ("ad/reverse.py", "specialize/lists.py"),
        ),
        Annotation(
            "_ag_field",
            "an Attribute",
            "True: an attribute of a parameter read as it is (`cfg.reg` of a settings object or a model "
            "passed in), without derivative; of a differentiated parameter it is refused",
            ("frontend/normalize/expressions.py",),
            ("analysis/activity.py",),
        ),
        Annotation(
            "_ag_fn",
            "a Call",
            "the object the called name resolved to at transform time (np.sin, a user function, a "
            "runtime helper): what analyses and rule lookup ask about; generated code still reads the "
            "name when it runs",
            (
                "frontend/normalize/normalizer.py",
                "frontend/normalize/expressions.py",
                "frontend/normalize/loops.py",
                "frontend/normalize/writes.py",
                "specialize/canonical.py",
                "specialize/lists.py",
                "analysis/spellings.py",
                "analysis/sequences.py",
            ),
            (
                "analysis/activity.py",
                "analysis/index_ranges.py",
                "analysis/dtypes.py",
                "ad/forward.py",
                "analysis/invariance.py",
                "specialize/lowering/writes.py",
                "ad/reverse.py",
                "analysis/shape_facts.py",
                "specialize/lists.py",
                "ir/trees.py",
                "analysis/rounding.py",
                "analysis/aliasing.py",
            ),
        ),
        Annotation(
            "_ag_global",
            "a Name or Attribute (also a Call's func)",
            "True: it reads a global, builtin, closure cell or module attribute, not a local variable",
            (
                "frontend/normalize/expressions.py",
                "frontend/normalize/loops.py",
                "specialize/canonical.py",
                "specialize/lists.py",
            ),
            ("analysis/activity.py", "analysis/dtypes.py", "frontend/normalize/expressions.py", "specialize/lists.py"),
        ),
        Annotation(
            "_ag_obj",
            "a Name or Attribute marked _ag_global",
            "the object it resolved to at transform time (lists.py reads which dtypes a function names)",
            ("frontend/normalize/expressions.py", "specialize/lists.py"),
            ("specialize/lists.py",),
        ),
        Annotation(
            "_ag_append",
            "an Expr statement `xs.append(v)` normalize made",
            "(list name, item atom): an in-place write of the list, undone by `xs.pop()` in the backward pass",
            ("frontend/normalize/normalizer.py",),
            (
                "analysis/activity.py",
                "ad/forward.py",
                "ad/reverse.py",
                "analysis/shape_facts.py",
                "ir/trees.py",
                "analysis/index_ranges.py",
                "optimize/loop_saves.py",
                "specialize/lists.py",
            ),
        ),
        Annotation(
            "_ag_filled_once",
            "the statement `s = np.empty(...)` of a list made an array",
            "True: each position of the array is written once, by what was an append, before anything reads it",
            ("specialize/lists.py",),
            ("optimize/loop_saves.py",),
        ),
        Annotation(
            "_ag_counter",
            "a lowered For or While",
            "the name counting its iterations: a While's, a For's that may break (None for another For)",
            ("frontend/normalize/loops.py",),
            ("ad/reverse.py", "analysis/shape_facts.py", "analysis/index_ranges.py", "specialize/lists.py"),
        ),
        Annotation(
            "_ag_test_stmts",
            "a lowered While",
            "how many statements at the top of its body compute its test (`while True:` ... "
            "`if not test: break`); 0 when the test is an atom",
            ("frontend/normalize/loops.py",),
            ("ad/reverse.py",),
        ),
        Annotation(
            "_ag_returns",
            "a For or While being restructured",
            "True: a `return` inside it may set the return flag (statements after it need a guard)",
            ("frontend/normalize/control.py",),
            ("frontend/normalize/control.py",),
        ),
        # ---- reverse.py and forward.py: statements of the generated code
        Annotation(
            "_ag_marker",
            "an Expr statement of the generated code (a placeholder)",
            "(kind, Site): where a value the backward pass may read is saved (forward) or restored "
            "(backward); a marker not made a push or pop is dropped (assemble._strip_markers)",
            ("ad/reverse.py",),
            ("ad/assemble.py", "ad/reverse.py"),
        ),
        Annotation(
            "_ag_pushed",
            "a save or restore marker (_ag_marker)",
            "True: the backward pass reads the value, so the marker becomes a push / pop",
            ("ad/reverse.py",),
            ("ad/assemble.py", "ad/reverse.py"),
        ),
        Annotation(
            "_ag_comment",
            "an Expr statement holding a string constant",
            "True: printed as a `# text` comment (reverse.comment)",
            ("ad/reverse.py",),
            ("ir/codegen.py", "ir/convert.py", "specialize/window_loops.py"),
        ),
        Annotation(
            "_ag_dot",
            "a Name",
            "True: it is a tangent (`x_dot`), not a primal value",
            ("ad/forward.py",),
            ("ad/forward.py",),
        ),
        # ---- the specialisation passes (pipeline.py)
        Annotation(
            "_ag_shape",
            "an expression a pass builds (a sum of stacked rows, `a.dot(b)`, a lowered `unbroadcast`)",
            "its known shape, for expression_shapes.expression_shape",
            ("specialize/batching.py", "specialize/dots.py", "specialize/lowering/lower.py"),
            ("analysis/expression_shapes.py",),
        ),
        Annotation(
            "_ag_spread_later",
            "the FunctionDef of specialised code",
            "names lowering left smaller than their shape facts say (their uses broadcast them): "
            "algebra cancels no factor of them",
            ("specialize/lowering/unreduce.py",),
            ("specialize/algebra.py",),
        ),
        Annotation(
            "_ag_array_method",
            "a Call of a method a pass made, `.tolist()`, `.sum()`, `.copy()` of an array it made",
            "True: the call writes into nothing (batched_loops.share_items reads past it)",
            ("specialize/array_adjoints.py", "specialize/batched_loops.py"),
            ("specialize/batched_loops.py",),
        ),
        Annotation(
            "_ag_mutates",
            "a Call statement",
            "True: the call writes into its first argument. Never written: optimize/cleanup.py's reader always gets "
            "False",
            (),
            ("optimize/cleanup.py",),
        ),
    )
}
