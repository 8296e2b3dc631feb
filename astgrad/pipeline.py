"""The passes every generated function goes through after it is transformed, in order.

parse → normalize → analyse → transform (reverse.py | forward.py, assembled into functions by
assemble.py) → **these passes** → codegen. Specialised code first puts equivalent spellings into
one form, so that each pass is written against that form only: before the function is normalized,
small helpers it calls are inlined (frontend/inline.py) and its loops over a list parameter of
known length unrolled (frontend/unroll.py); once the shapes are known, matrix products are spelled
`a @ b` and lengths `len(xs)` (specialize/canonical.py), and a list built by appends in loops of
known length is a preallocated array filled row by row (specialize/lists.py). Each pass has one
interface, `run(unit)`, and rewrites `unit.fdef` in place; a `Unit` (assemble.py) carries what a
pass may read:

- `fdef`, `ctx`, `params`: the generated function, the context of the user's names it was made
  in, and the names it must keep (its parameters);
- `grads_at`: where a gradient function returns its gradients (None for other functions);
- specialised code only (generated for the argument types and shapes of a first call,
  specialize/dispatch.py): `shape_of`, a name's known shape (a `ShapeLookup`), `caller_arrays`, the
  parameters and globals that are arrays the caller owns, and `python_numbers`, the parameters
  that are Python numbers.

General code runs `GENERAL_PASSES`, specialised code `SPECIALISED_PASSES`; with
`optimize=False` only the passes marked `always` run. Adding, removing or reordering a pass is a
change to one of these lists; `needs` names the passes that must run before a pass (a test checks
the lists keep them), `why` says what it relies on. Once every unit of a program has run its
passes, each runs `PROGRAM_PASSES`: the program guard at the top of the entry function
(assumptions.py; `guarded`, the facts it checks, is set on the entry unit only); then
`Program.compile` (assemble.py) renders the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import gast
import numpy as np

from . import runtime
from .ad.reverse import comment
from .analysis.aliasing import shared_through, sharing_links
from .analysis.rounding import continuous_helpers
from .frontend.assumptions import calls_named, guard_terms, is_guard
from .ir.codegen import render
from .ir.trees import name, names_in, walk, walk_statements
from .optimize.adjoint_rows import carry_adjoint_rows
from .optimize.cleanup import fuse_expressions, nested_blocks, number_value, resolver
from .optimize.cleanup import optimize as clean_up
from .optimize.dead_stores import drop_dead_stores
from .optimize.loop_saves import (
    drop_dead_restores,
    drop_dead_zeroing,
    drop_loop_saves,
    hoist_ownership,
    prune_recomputed,
    share_equal_saves,
)
from .specialize import dispatch
from .specialize.algebra import factor_sums, fold_negations, simplify_products
from .specialize.array_adjoints import array_list_adjoints
from .specialize.batched_loops import batch_scalar_loops, share_items
from .specialize.batching import batch_accumulations
from .specialize.container_adjoints import fill_container_adjoints
from .specialize.disjoint_writes import store_disjoint_windows
from .specialize.dots import dot_products
from .specialize.floats import python_floats
from .specialize.hoisting import hoist_row_work, release_after_loops
from .specialize.lowering.lower import lower, polish
from .specialize.popped_lists import pop_list_adjoints
from .specialize.powers import whole_powers
from .specialize.reductions import einsum_sums, method_reductions
from .specialize.replay import replay_scalar_loops
from .specialize.taped_rows import unpack_tape_loops
from .specialize.window_loops import batch_window_loops

if TYPE_CHECKING:
    from .ad.assemble import Unit
    from .analysis.shape_facts import ShapeFacts


@dataclass(frozen=True)
class Pass:
    """One pass: `run(unit)` rewrites `unit.fdef` in place."""

    name: str
    run: Callable[[Unit], None]
    job: str
    needs: tuple[str, ...] = ()  # passes that must have run before this one
    why: str = ""  # what this pass relies on them for
    always: bool = False  # runs with optimize=False too
    targets: tuple[str, ...] = ("python", "numba")  # what runs the code: Python, or numba (jit.py)


def run_passes(unit: Unit, optimize: bool, target: str = "python") -> None:
    """Run the passes of `unit` (general or specialised) in their order, those for `target`."""
    for p in SPECIALISED_PASSES if unit.shape_of is not None else GENERAL_PASSES:
        if (optimize or p.always) and target in p.targets:
            p.run(unit)


def run_program_passes(unit: Unit) -> None:
    """Run the passes of `PROGRAM_PASSES` on `unit`, after every unit of its program has run its passes."""
    for p in PROGRAM_PASSES:
        p.run(unit)


def without(passes: tuple[Pass, ...], *names: str) -> tuple[Pass, ...]:
    """`passes` less the named ones (a test compares the code made with and without a pass).

    >>> [p.name for p in without(GENERAL_PASSES, "clean up")]
    ['ownership before loops', 'distinct gradients']
    """
    unknown = set(names) - {p.name for p in passes}
    if unknown:
        raise ValueError(f"no pass named {', '.join(sorted(unknown))}")
    return tuple(p for p in passes if p.name not in names)


# ---------------------------------------------------------------------------------- the passes


def guard_program(unit: Unit) -> None:
    """The entry function's first test: the program is the one its code was generated from (its
    code, the functions it calls, what its globals are; assumptions.py). The test joins the
    argument guard of specialised code, or stands alone at the top of the general code."""
    facts = unit.guarded
    if facts is None:
        return
    ctx = unit.ctx
    bound = names_in(unit.fdef, (gast.Store, gast.Del, gast.Param))
    terms = guard_terms(facts, ctx.parsed.user_globals, ctx.parsed.cells, bound, ctx.internal_ref)
    if not terms:
        return
    helper = ctx.helper("respecialize")
    is_helper = calls_named({helper})
    body = unit.fdef.body
    at = 1 if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) else 0
    note = comment("generated for the program as it is: the code and the names it relies on")
    for k, s in enumerate(body):
        if is_guard(s, is_helper):  # (specialised code's argument test: joined)
            terms.append(render(s.test).strip())
            del body[k]
            at, note = k, comment("(and for the program as it is: the code and the names it relies on)")
            break
    stale = ctx.namer.fresh("stale") if facts.may_be_gone() else None
    body[at:at] = [note, *dispatch.guard(helper, unit.fdef.name, unit.fdef, " or ".join(terms), stale)]


def _arrays(unit: Unit) -> set[str]:
    names = names_in(unit.fdef)
    return {n for n in names if unit.shape_of(n) not in (None, ())}


def passing_helpers(unit: Unit) -> frozenset[str]:
    """The names of the helpers in the unit's code that hand their arguments on to the same
    computation, deciding nothing by themselves: the guards' `respecialize` and `general_code`,
    `pop_block`."""
    passing = (runtime.respecialize, runtime.general_code, runtime.pop_block, runtime.rows_like)
    return frozenset(n for n, v in unit.ctx.extra_globals.items() if any(v is p for p in passing))


def drop_number_checks(unit: Unit) -> None:
    """Run-time checks whose answer specialised code knows go: those that refuse in-place writes
    into arrays, given a Python number (a parameter specialised as one, never rebound), and the
    check that a loop walks a sequence, given an array."""
    stored = names_in(unit.fdef, (gast.Store,))
    numbers = unit.python_numbers - stored
    checks = {n for n, v in unit.ctx.extra_globals.items() if v in (runtime.check_unshared, runtime.check_not_array)}
    sequence = {n for n, v in unit.ctx.extra_globals.items() if v is runtime.check_sequence}
    view_checks = (runtime.check_not_view, runtime.check_not_overwritten, runtime.check_not_held_view)
    views = {n for n, v in unit.ctx.extra_globals.items() if v in view_checks}
    elements = _elements(unit) if views else set()

    def keep(call: gast.Call) -> bool:
        arg = call.args[0]
        if call.func.id in sequence and isinstance(arg, gast.Name) and arg.id not in stored:
            return unit.shape_of(arg.id) in (None, ())  # (an array of known shape is a sequence)
        if call.func.id in views and isinstance(arg, gast.Name):
            return arg.id not in elements  # (an element read is a number: no view)
        return not (call.func.id in checks and isinstance(arg, gast.Name) and arg.id in numbers)

    _drop_calls(unit.fdef, keep)


def drop_known_checks(unit: Unit) -> None:
    """Run-time checks of the function's own values whose answer the specialisation's facts give,
    dropped before any pass reads the code (a check reads its value: the passes would keep it for
    the check alone): the check that an array a value with a derivative is stored into is not one of
    integers, given a float array, and that of an unpacking's length, given a sequence of that length."""
    stores = {n for n, v in unit.ctx.extra_globals.items() if v is runtime.check_float_store}
    unpacks = {n for n, v in unit.ctx.extra_globals.items() if v is runtime.check_unpack}
    if not stores and not unpacks:
        return

    def keep(call: gast.Call) -> bool:
        arg = call.args[0]
        if call.func.id in unpacks and isinstance(arg, gast.Name) and len(call.args) == 2:
            return _length(unit, arg.id) != number_value(call.args[1])  # (a tuple or array of that length)
        if call.func.id in stores and isinstance(arg, gast.Name):
            return unit.shape_of.kind(arg.id) not in ("f", "c")  # (a float array keeps what it is given)
        return True

    _drop_calls(unit.fdef, keep)


def _drop_calls(fdef: gast.FunctionDef, keep: Callable[[gast.Call], bool]) -> None:
    """Drop, in every block of `fdef`, the statements `helper(a, ...)` (a call of a name, for its
    effect) that `keep` does not keep."""

    def kept(s: gast.stmt) -> bool:
        call = s.value if isinstance(s, gast.Expr) else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name) and call.args):
            return True
        return keep(call)

    blocks = [fdef.body]
    for block in blocks:
        block[:] = [st for st in block if kept(st)] or [gast.Pass()]
        blocks += nested_blocks(block)


def _length(unit: Unit, var: str) -> int | None:
    """The length the specialised `unit`'s facts know `var` (a tuple, list or array) has, or None."""
    slots = unit.shape_of.slots(var)
    if slots is not None and slots[0] == "list":
        return len(slots[1])
    shape = unit.shape_of(var)
    return shape[0] if shape else None


def _elements(unit: Unit) -> set[str]:
    """The names specialised `unit` binds only to an element of an array of known shape (`r =
    B[0]` of a vector, `t = A[i, j]` of a matrix: numbers, never views)."""
    values: dict[str, list[gast.AST]] = {}
    for st in walk_statements(unit.fdef.body):
        for t in st.targets if isinstance(st, gast.Assign) else [getattr(st, "target", None)]:
            for n in walk(t) if t is not None else ():
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    values.setdefault(n.id, []).append(st.value if isinstance(st, gast.Assign) and t is n else None)

    def element(v: gast.AST | None) -> bool:
        if not (isinstance(v, gast.Subscript) and isinstance(v.value, gast.Name)):
            return False
        shape = unit.shape_of(v.value.id)
        index = v.slice.elts if isinstance(v.slice, gast.Tuple) else [v.slice]
        plain = not any(
            isinstance(n, gast.Slice) or (isinstance(n, gast.Constant) and n.value in (None, Ellipsis))
            for n in walk(v.slice)
        )
        return (
            plain
            and shape is not None
            and len(shape) == len(index) > 0
            and all(
                unit.shape_of(i.id) == () if isinstance(i, gast.Name) else isinstance(i, gast.Constant) for i in index
            )
        )

    return {n for n, vs in values.items() if all(element(v) for v in vs)}


def distinct_gradients(unit: Unit) -> None:
    """Gradients returned together that may be one array (`np.sum(a + b)`: a's and b's are the
    adjoint of a + b) are made independent, so that writing into one leaves the other."""
    if unit.grads_at is None:
        return
    ret = unit.fdef.body[-1]
    if not isinstance(ret, gast.Return):
        return
    grads = ret.value
    for i in unit.grads_at:
        grads = grads.elts[i] if isinstance(grads, gast.Tuple) else None
    if not isinstance(grads, gast.Tuple):
        return
    functions = {c.func.id for c in walk(unit.fdef) if isinstance(c, gast.Call) and isinstance(c.func, gast.Name)}
    modules = frozenset(functions | {unit.ctx.numpy_name(), "math"})  # (not memory a result may share)
    earlier: list[gast.Name] = []
    links = None
    for k, g in enumerate(grads.elts):
        if not isinstance(g, gast.Name) or (unit.shape_of is not None and unit.shape_of(g.id) == ()):
            continue
        links = links or sharing_links(unit.fdef, both_ways=True, skip=modules)
        shared = shared_through(links, frozenset({g.id}))
        others = [e for e in earlier if e.id in shared]
        if others:
            helper = name(unit.ctx.helper("distinct"))
            grads.elts[k] = gast.Call(func=helper, args=[g] + [name(e.id) for e in others], keywords=[])
        earlier.append(g)


CLEAN_UP = Pass(
    "clean up",
    lambda u: clean_up(u.fdef, u.ctx, u.params),
    "constant folding, copy propagation, dead code removed, to a fixed point (optimize/cleanup.py)",
)
DISTINCT_GRADIENTS = Pass(
    "distinct gradients",
    distinct_gradients,
    "gradients returned together that may share memory are made independent (`distinct(b_bar, a_bar)`)",
    always=True,
)

OWNERSHIP = Pass(
    "ownership before loops",
    lambda u: hoist_ownership(u.fdef, u.ctx, u.shape_of),
    "an adjoint's `x_bar = owned_copy(x_bar)` inside a backward loop moves before it: no whole-array "
    "copy per iteration (loop_saves.py)",
    needs=("clean up",),
    why="it reads the backward loops as the clean-up leaves them",
)

GENERAL_PASSES: tuple[Pass, ...] = (CLEAN_UP, OWNERSHIP, DISTINCT_GRADIENTS)

SPECIALISED_PASSES: tuple[Pass, ...] = (
    Pass(
        "known checks",
        drop_known_checks,
        "run-time checks the specialisation answers (an unpacking's length, a float array stored into) dropped",
    ),
    CLEAN_UP,
    OWNERSHIP,
    Pass(
        "loop saves",
        lambda u: (
            drop_loop_saves(u.fdef, u.ctx, u.shape_of),
            share_equal_saves(u.fdef, u.ctx),
            drop_dead_zeroing(u.fdef, u.ctx),
        ),
        "a loop saves no loop invariant nor a value recomputed from its index, an array it fills "
        "is read again instead of saved, one object under two names is saved once, and an adjoint's part "
        "zeroed but never read again is not zeroed (loop_saves.py)",
        needs=("clean up",),
        why="it reads the pushes and pops as the clean-up leaves them",
    ),
    Pass(
        "taped rows",
        lambda u: unpack_tape_loops(u.fdef, u.ctx, u.shape_of),
        "a counted backward loop takes its tape values back at once, as arrays of rows (taped_rows.py)",
    ),
    Pass(
        "batching",
        lambda u: batch_accumulations(u.fdef, u.ctx, _arrays(u), u.shape_of, passing_helpers(u)),
        "a weight's per-iteration contributions in a loop summed by one product after it (batching.py)",
        needs=("taped rows",),
        why="it reads the states a loop saved as the rows taped rows made (`h_before[::-1]`)",
        targets=("python",),
    ),
    Pass(
        "batching (numba)",
        lambda u: batch_accumulations(u.fdef, u.ctx, _arrays(u), u.shape_of, passing_helpers(u), whole_steps=False),
        "the same for steps of vectors: numba compiles a loop of matrix steps, and reshapes no view",
        needs=("taped rows",),
        why="it reads the states a loop saved as the rows taped rows made (`h_before[::-1]`)",
        targets=("numba",),
    ),
    Pass(
        "dead restores",
        lambda u: drop_dead_restores(u.fdef, u.ctx, u.shape_of),
        "a value restored into a name the backward pass never reads is not saved, one read only for its "
        "zeros keeps its dtype (loop_saves.py)",
        needs=("loop saves", "taped rows", "batching"),
        why="it reads the pushes and pops those leave (each removes some, and batching the reads of others)",
        targets=("python",),
    ),
    Pass(
        "dead restores (numba)",
        lambda u: drop_dead_restores(u.fdef, u.ctx, u.shape_of, one_dtype=True),
        "the same, a value read only for its zeros not saved at all: under numba a name has one dtype",
        needs=("loop saves", "taped rows", "batching (numba)"),
        why="it reads the pushes and pops those leave (each removes some, and batching the reads of others)",
        targets=("numba",),
    ),
    Pass(
        "lowering",
        lambda u: lower(u.fdef, u.ctx, u.shape_of),
        "rank-dispatching helpers, unbroadcast and the tape's calls as the NumPy and list operations "
        "the shapes call for (specialize/lowering/lower.py)",
        needs=("taped rows", "batching"),
        why="those two match the calls it rewrites: `v = pop(tape)`, `matmul_left(g, W, h)`",
    ),
    Pass(
        "clean up after lowering",
        lambda u: clean_up(u.fdef, u.ctx, u.params, protected=u.caller_arrays),
        "the clean-up again, never making a caller's array the value of another name",
        needs=("lowering",),
        why="lowering leaves copies and constants (an `unbroadcast` gone leaves `x_bar = t_bar`)",
    ),
    Pass(
        "fusion",
        lambda u: fuse_expressions(u.fdef, u.ctx, u.params),
        "generated temporaries used once put back into the expression that uses them (optimize/cleanup.py)",
        needs=("clean up after lowering",),
        why="it fuses the temporaries the clean-up leaves (run before it, the GMM's code differs)",
    ),
    Pass(
        "polish",
        lambda u: polish(u.fdef, u.ctx, u.shape_of, u.python_numbers),
        "rewrites of whole expressions: sums squeezed, row sums before products, arrays filled by shape "
        "(specialize/lowering/)",
        needs=("fusion",),
        why="it matches whole expressions, which exist once temporaries are fused",
    ),
    Pass(
        "replay",
        lambda u: (
            replay_scalar_loops(u.fdef, u.ctx, u.shape_of, u.python_numbers),
            drop_loop_saves(u.fdef, u.ctx, u.shape_of, replay_declined=True),
        ),
        "a loop over numbers replayed in the backward pass instead of taped, its invariants computed once "
        "and its NumPy calls saved, not replayed (replay.py); one replay declined, its values recomputed "
        "from the index where they can be (loop_saves.py)",
        needs=("lowering", "fusion"),
        why="it reads the tape's list methods (`tape.append(v)`) and loop bodies as fusion left them",
    ),
    Pass(
        "products",
        lambda u: (simplify_products(u.fdef, u.ctx.numpy_name(), u.shape_of), fold_negations(u.fdef, u.shape_of)),
        "constants merged, a factor cancelled against its reciprocal, a negated temporary taken into the "
        "signs of the sums reading it (algebra.py)",
        needs=("lowering", "fusion"),
        why="it reads a product as one fused expression, and cancels no factor of the values lowering "
        "marks smaller than their shape facts",
    ),
    Pass(
        "hoisting",
        lambda u: hoist_row_work(u.fdef, u.ctx, u.shape_of, passing_helpers(u)),
        "a loop's work on its rows and on loop invariants done for all rows before the loop (hoisting.py)",
        needs=("taped rows", "batching", "lowering"),
        why="it hoists work on the rows taped rows makes (the RNN's tanh slopes), in lowered, batched "
        "loops (run before either, the RNN's code differs)",
    ),
    Pass(
        "drop number checks",
        drop_number_checks,
        "run-time checks refusing in-place writes dropped for parameters that are Python numbers",
    ),
    Pass(
        "dead stores",
        lambda u: drop_dead_stores(u.fdef, resolver(u.ctx)),
        "assignments whose value no read sees, by liveness, and loops left without an effect: a "
        "replayed loop's forward values, which its backward step computes again (dead_stores.py)",
        needs=("replay",),
        why="it drops the forward loops replay leaves unread",
    ),
    Pass(
        "clean up after hoisting",
        lambda u: clean_up(u.fdef, u.ctx, u.params, protected=u.caller_arrays),
        "the clean-up again, never making a caller's array the value of another name",
        needs=("replay", "products", "hoisting"),
        why="those leave dead statements and copies behind",
    ),
    Pass(
        "factor sums",
        lambda u: factor_sums(u.fdef, u.ctx, u.shape_of),
        "a factor shared by the terms of an adjoint sum taken out once (algebra.py)",
        needs=("clean up after hoisting",),
        why="it factors the sums as the last clean-up leaves them (run before it, branchy's code differs)",
    ),
    Pass(
        "python floats",
        lambda u: (
            python_floats(u.fdef, u.ctx, u.python_numbers, passing_helpers(u), u.shape_of)
            if u.grads_at is not None
            else None
        ),
        "NumPy's elementwise functions of Python numbers give floats where a float and an np.float64 "
        "behave alike, so the arithmetic after them is Python's; in a derivative, math's function (floats.py)",
        needs=("factor sums",),
        why="it reads every use of a number as the last rewrites of expressions leave it",
        targets=("python",),  # (numba's numbers are machine floats either way)
    ),
    Pass(
        "einsum",
        lambda u: einsum_sums(
            u.fdef, u.shape_of, u.ctx.numpy_name(), passing_helpers(u) | continuous_helpers(u.ctx.extra_globals)
        ),
        "sums of float arrays over axes as np.einsum (reductions.py)",
        targets=("python",),  # (numba has no einsum)
    ),
    Pass(
        "container adjoints",
        lambda u: fill_container_adjoints(u.fdef, u.ctx, u.shape_of.slots if u.shape_of is not None else None),
        "an addition into a slot of a container's adjoint that is still zero stored instead, and no zeros "
        "made for slots that are all stored before they are read (container_adjoints.py)",
        targets=("python",),  # (numba has no lists of arrays with empty slots)
    ),
    DISTINCT_GRADIENTS,
    Pass(
        "dots",
        lambda u: dot_products(u.fdef, u.shape_of, u.ctx.numpy_name(), passing_helpers(u)),
        "products of vectors and matrices as `ndarray.dot` (dots.py)",
        needs=("hoisting", "distinct gradients"),
        why="hoisting's row products become `.dot` here; the sharing analysis of distinct gradients "
        "reads `a @ b` as a new array, `a.dot(b)` not",
    ),
    Pass(
        "release after loops",
        lambda u: release_after_loops(u.fdef),
        "arrays hoisted before a loop are deleted after it (hoisting.py)",
        needs=("hoisting",),
        why="it deletes the arrays hoisting made",
    ),
    Pass(
        "adjoint rows",
        lambda u: carry_adjoint_rows(u.fdef, u.ctx, u.shape_of),
        "an adjoint array whose rows a backward loop reads once each, in reverse order, kept as the "
        "one row it carries from a step to the next (adjoint_rows.py)",
        needs=("clean up after hoisting",),
        why="it reads the backward loop's row reads and additions as the last clean-up leaves them",
    ),
    Pass(
        "prune recomputed",
        lambda u: prune_recomputed(u.fdef),
        "values the loop saves pass recomputes in the backward loop, and nothing else reads, go (loop_saves.py)",
        needs=("loop saves",),
        why="it removes what the loop saves pass left unread",
    ),
    Pass(
        "reduction methods",
        lambda u: method_reductions(u.fdef, u.shape_of, u.ctx.numpy_name()),
        "a whole array's `np.max(a)`, `np.sum(a)`... as `a.max()`, `a.sum()` (reductions.py)",
        targets=("python",),  # (numba compiles the function forms)
        needs=("einsum", "prune recomputed"),
        why="the passes before it read reductions in their function form",
    ),
    Pass(
        "disjoint windows",
        lambda u: store_disjoint_windows(u.fdef, u.ctx, u.shape_of),
        "`x_bar[window] += v` in a loop as `x_bar[window] = v` where the windows of distinct iterations "
        "provably do not overlap and x_bar is zeros before the loop (disjoint_writes.py)",
        needs=("clean up after hoisting",),
        why="it reads the backward loops' index arithmetic as the last clean-up leaves it",
    ),
    Pass(
        "window loops",
        lambda u: batch_window_loops(u.fdef, u.ctx, u.shape_of, passing_helpers(u)),
        "a loop nest whose iterations read and write disjoint elements and windows, affine in its "
        "counters, or only add into adjoints (overlapping windows: overlap_add; sums over the iterations), "
        "as whole-array code on strided views of the arrays, in blocks of bounded size (window_loops.py)",
        needs=("disjoint windows", "reduction methods"),
        why="it batches the stores disjoint windows makes (an addition reads the window back) and "
        "reads reductions in either form; the views it makes are no values other passes know",
        targets=("python",),  # (numba compiles the loops)
    ),
    Pass(
        "whole powers",
        lambda u: whole_powers(u.fdef, u.ctx, u.shape_of, passing_helpers(u) | continuous_helpers(u.ctx.extra_globals)),
        "a float array's power by a whole number whose value decides nothing, by multiplications "
        "(`int_power(x, k)`: powers.py)",
        needs=("window loops",),
        why="the passes before it read powers as `x ** k` (recomputed in a backward step or not, in "
        "loops that may batch), and it reads what they leave decisive",
        targets=("python",),  # (numba compiles `x ** k` itself)
    ),
    Pass(
        "popped lists",
        lambda u: pop_list_adjoints(u.fdef, u.ctx, u.shape_of),
        "a list's adjoint taken apart from its end in a backward loop, `v = g[-1]; g = g[:-1]`, as "
        "`v = g.pop()` of a list only the code holds (popped_lists.py)",
        needs=("ownership before loops",),
        why="it reads the ownership of the adjoint hoisted before its loop",
        targets=("python",),  # (numba has no lists of arrays)
    ),
    Pass(
        "batched loops",
        lambda u: batch_scalar_loops(u.fdef, u.ctx, u.float_lists, u.python_numbers, u.shape_of),
        "a backward loop of arithmetic on the items of listed floats, whose steps share nothing but "
        "sums, taken at once: its values arrays, its sums NumPy's (batched_loops.py)",
        needs=("dead stores", "python floats"),
        why="it reads the backward loops the forward values are replayed in, and the Python numbers "
        "python floats leaves",
        targets=("python",),  # (numba runs the loop as fast)
    ),
    Pass(
        "array list adjoints",
        lambda u: array_list_adjoints(u.fdef, u.ctx, u.float_lists, u.shape_of),
        "the adjoint of a list of floats that batched loops read at once kept as an array, not "
        "made, copied and taken apart item by item (array_adjoints.py)",
        needs=("batched loops",),
        why="it reads the batched loops' reads and writes of the adjoint's items",
        targets=("python",),
    ),
    Pass(
        "shared items",
        lambda u: share_items(u.fdef, u.ctx, u.shape_of),
        "a list's items taken into an array once, the forward loop's array read again by the "
        "backward loop (batched_loops.py)",
        needs=("array list adjoints",),
        why="the adjoints kept as arrays are taken apart by pure calls, which it reads past",
        targets=("python",),
    ),
)


# The passes run on every unit of a program once all its units have run theirs (those record facts
# about the program, assumptions.py, that the guard checks).
PROGRAM_GUARD = Pass(
    "program guard",
    guard_program,
    "the entry function's first test: the program is the one its code was generated from (assumptions.py)",
    always=True,
)

PROGRAM_PASSES: tuple[Pass, ...] = (PROGRAM_GUARD,)


# ------------------------------------------------------------------------ what passes may read


class ShapeLookup:
    """A name's known shape in specialised gradient code: `shape_of(n)` is a primal value's
    shape, or for an adjoint its primal's, None where unknown (and for an adjoint of an array
    that is somewhere a bare number: a scalar zero standing for an array of zeros). Passes that
    make new names declare their shapes (`declare`)."""

    def __init__(self, facts: ShapeFacts, primal_of: dict[str, str], scalar_bound: set[str]):
        self._facts = facts
        self._primal_of = primal_of  # adjoint name → its primal's
        self._scalar_bound = scalar_bound  # names somewhere bound to a number
        self._declared: dict[str, tuple[tuple, str | None]] = {}  # names the passes make: (shape, kind)
        self.adjoints = frozenset(primal_of)

    def __call__(self, n: str) -> tuple | None:
        if n in self._declared:
            return self._declared[n][0]
        shape = self._facts.shape(self._primal_of.get(n, n))
        if shape and n in self._primal_of and n in self._scalar_bound:
            return None
        return shape

    def kind(self, n: str) -> str | None:
        """A name's dtype kind ("f", "i", ...) where known."""
        return self._declared[n][1] if n in self._declared else self._facts.kind(self._primal_of.get(n, n))

    def declare(self, n: str, shape: tuple, kind: str | None) -> None:
        self._declared[n] = (shape, kind)

    def primal(self, n: str) -> str | None:
        """The primal name whose adjoint `n` is, None for a primal name."""
        return self._primal_of.get(n)

    def items(self, n: str) -> tuple[tuple, np.dtype] | None:
        """The shape and dtype every item has of the list a primal name always holds (a list the
        function builds and reads alone: ShapeFacts.item_shape), or for an adjoint its primal's; None where unknown."""
        p = self._primal_of.get(n, n)
        shape = self._facts.item_shape(p)
        return None if shape is None else (shape, self._facts.item_dtype(p))

    def slots(self, n: str) -> tuple | None:
        """The slots of the container a primal name always holds (ShapeFacts.slots), or None."""
        return None if n in self._primal_of else self._facts.slots(n)

    def count(self, n: str) -> int | None:
        """The one non-negative int a primal name always holds (a length, a trip count), or None."""
        return None if n in self._primal_of else self._facts.count(n)
