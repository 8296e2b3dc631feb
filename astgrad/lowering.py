"""Rewrites only specialised gradients get (specialize.py), with every argument's shape known.

The general code calls runtime helpers that decide at run time what to do from their arguments'
ranks; specialised code knows the ranks, so it can say directly what a hand-written gradient
says, and it is never differentiated again (that reads the general code), so it can use any
Python:

  * `matmul_left(g, W, h)` with a matrix W and a vector h is `g[:, None] * h` (the table below);
  * `unreduce(g, x, axis)` stays g (with the reduced axis put back as length 1) where every use
    of it broadcasts it to x's shape anyway (`w_bar = t_bar * 2 * w`);
  * `unbroadcast(g, x)` is the very `np.sum` it takes, or nothing, when g's and x's shapes are known;
  * `np.argsort` of a literal permutation is the literal inverse permutation;
  * `select_share(x, y)` of two numbers is `(0.5 if x == y else 1.0)`;
  * the tape is used through its list methods (`tape.append(v)`, `v = tape.pop()`).
"""

from __future__ import annotations

import copy
from typing import Callable

import gast
import numpy as np

from . import convert, runtime
from .aliasing import sharing, writes_in_place
from .context import Context
from .dtypes import WEAK, dtype_roots, root_of
from .normalize import name
from .optimize import is_comment, is_pure, nested_blocks, number_value, replace_node, resolver
from .rules.registry import runtime_facts
from .trees import Transformer, clone, read_counts, walk

_ELEMENTWISE_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)


def lower(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable[[str], tuple | None]) -> None:
    """Apply the rewrites to `fdef` in place; `shape_of(name)` is the known shape of a primal
    value or of an adjoint (its primal's), None where unknown (and for every adjoint that is
    ever a bare constant: a scalar zero standing for an array)."""
    lowered = runtime_facts("lowered")  # helper → (rank of a, rank of b) → expression (the registry's)
    helpers = {ctx.helper(h): h for h in lowered}
    share = ctx.helper("select_share")
    unbroadcast = ctx.helper("unbroadcast")
    np_name = ctx.numpy_name()
    tape_ops = {ctx.helper("push"): "append", ctx.helper("pop"): "pop"}

    unreduce = ctx.helper("unreduce")
    unindex = ctx.helper("unindex")
    structure = ctx.helper("match_structure")
    as_array = ctx.helper("numbers_as_array")

    def shape_or_helper(expr: gast.AST) -> tuple | None:
        return expression_shape(expr, shape_of, np_name, same_shape_helpers)

    same_shape_helpers = {ctx.helper(h) for h in runtime_facts("shaped_like_first")}

    class Rewrite(Transformer):
        def visit_BinOp(self, node):
            self.generic_visit(node)
            if not isinstance(node.op, _ELEMENTWISE_OPS):
                return node
            for side, other in (("left", node.right), ("right", node.left)):
                call = getattr(node, side)
                if _plain_unreduce(call, unreduce):
                    shape = shape_of(call.args[1].id)
                    if shape and shape_or_helper(other) == shape and _float_array_in(other, shape_of):
                        # (the other operand spreads it anyway, and gives the result its float dtype)
                        g, axis, keepdims = call.args[0], call.args[2].value, call.args[3].value
                        setattr(node, side, g if axis is None or keepdims else _put_back(g, axis % len(shape)))
            return node

        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if _is_argsort(f, np_name) and len(node.args) == 1 and not node.keywords:
                perm = _literal_ints(node.args[0])
                if perm is not None and sorted(perm) == list(range(len(perm))):
                    inverse = tuple(int(i) for i in np.argsort(perm))
                    return gast.Tuple(elts=[gast.Constant(value=i, kind=None) for i in inverse], ctx=gast.Load())
            if not isinstance(f, gast.Name) or node.keywords:
                return node
            if f.id == unindex and len(node.args) == 3 and isinstance(node.args[1], gast.Name):
                shape = shape_of(node.args[1].id)
                if shape is not None and _only_full_slices_and_none(node.args[2]):  # x[:, None]: a reshape
                    reshape = gast.Attribute(value=node.args[0], attr="reshape", ctx=gast.Load())
                    return gast.Call(func=reshape, args=[gast.Constant(value=shape, kind=None)], keywords=[])
            if f.id == unbroadcast and len(node.args) == 2 and isinstance(node.args[1], gast.Name):
                reduced = _reduce_to(node.args[0], shape_of(node.args[1].id), shape_of, np_name)
                if reduced is not None:
                    return reduced
            if f.id in helpers and len(node.args) == 3 and all(isinstance(a, gast.Name) for a in node.args):
                g, a, b = (x.id for x in node.args)
                ranks = (shape_of(a), shape_of(b))
                if shape_of(g) is not None and None not in ranks:
                    forms = lowered[helpers[f.id]]
                    text = forms.get((len(ranks[0]), len(ranks[1])))
                    if text is None and "stacked" in forms and len(ranks[0]) == len(ranks[1]) > 2:
                        if ranks[0][:-2] == ranks[1][:-2]:  # stacks of matrices, no broadcasting
                            text = forms["stacked"]
                    if text is not None:
                        return _expression(text.replace("np.", np_name + "."), {"g": g, "a": a, "b": b})
            if f.id == share and len(node.args) == 2 and all(isinstance(a, gast.Name) for a in node.args):
                x, y = (a.id for a in node.args)
                if shape_of(x) == () and shape_of(y) == ():
                    return _expression("(0.5 if x == y else 1.0)", {"x": x, "y": y})
            if f.id == structure and len(node.args) == 2 and isinstance(node.args[1], gast.Name):
                if shape_of(node.args[1].id) is not None:  # an array or a number: no container to rebuild
                    return node.args[0]
            if f.id == as_array and len(node.args) == 1 and isinstance(node.args[0], gast.Name):
                if shape_of(node.args[0].id) is not None:  # an array or a number: NumPy reads it as it is
                    return node.args[0]
            if f.id in tape_ops and node.args and isinstance(node.args[0], gast.Name):
                method = gast.Attribute(value=node.args[0], attr=tape_ops[f.id], ctx=gast.Load())
                return gast.Call(func=method, args=node.args[1:], keywords=[])
            return node

    _plain_written_parts(fdef, ctx.helper("written_part"), _DistinctIndices(fdef, ctx, shape_of))
    Rewrite().visit(fdef)
    _lazy_unreduce(fdef, unreduce, shape_of, np_name)
    _fuse_initializations(fdef, ctx, shape_of, np_name)  # (before _FullLike: it reads unreduce calls)
    _FullLike(unreduce, shape_of, np_name).visit(fdef)


def polish(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable[[str], tuple | None], python_numbers: frozenset[str]
) -> None:
    """Rewrites of whole expressions, once temporaries are put back into their uses
    (optimize.fuse_expressions); `python_numbers`: the parameters that are Python numbers."""
    np_name = ctx.numpy_name()

    class Polish(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            squeezed = _squeezed_sum(node, shape_of, np_name)
            if squeezed is not None:
                return squeezed
            product = node.args[0] if len(node.args) == 1 else None
            if isinstance(product, gast.BinOp) and isinstance(product.op, gast.MatMult):
                row = _product_row(product.left, expression_shape(product, shape_of, np_name), shape_of, np_name)
                if row is not None and _row_sum_of(node, None, row, np_name):
                    return _summed_first(node, product, row, np_name)
            return node

    Polish().visit(fdef)
    _sum_before_product(fdef, shape_of, np_name)
    _drop_unread_copies(fdef, ctx.helper("owned_copy"))
    _start_from_first_sum(fdef, ctx.helper("zeros_like"), shape_of, np_name)
    _scatter_in_place(fdef, ctx.helper("unindex"), _DistinctIndices(fdef, ctx, shape_of), np_name)
    _filled_by_shape(fdef, ctx, shape_of, np_name, python_numbers)
    join_accumulations(fdef.body, ctx)
    _reuse_equal_calls(fdef, ctx, shape_of)
    _Ties().visit(fdef)


def _reuse_equal_calls(fdef: gast.FunctionDef, ctx: Context, shape_of: Callable) -> None:
    """`b = np.arange(n)` after `a = np.arange(n)` (the same pure call of unchanged names, at
    the top level, neither a nor b rebound or written into): `b = a`, which copy propagation
    then removes."""
    ns = resolver(ctx)
    written = writes_in_place(fdef, ctx.helper("add_at"))
    np_name = ctx.numpy_name()  # (a module, not memory a call's result may share)
    count = getattr(shape_of, "count", lambda n: None)
    changing = sharing(fdef, frozenset(written), both_ways=True, skip=frozenset({np_name, "math"}))
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    seen: dict[str, tuple[str, set[str]]] = {}  # the call's text → (its name, the names it reads)
    for st in fdef.body:
        a = _target(st)
        if a is not None and isinstance(st.value, gast.Call) and stores.get(a) == 1 and not written.get(a):
            text = gast.dump(st.value)
            if text in seen:
                st.value = name(seen[text][0])
                continue
            reads = {n.id for n in walk(st.value) if isinstance(n, gast.Name)} - {np_name, "math"}
            arrays = {r for r in reads if count(r) is None}  # (a known int is no memory to write into)
            if is_pure(st.value, ns) and all(stores.get(r, 0) <= 1 for r in reads) and not arrays & changing:
                seen[text] = (a, reads)
        changed = {n.id for n in walk(st) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        seen = {t: v for t, v in seen.items() if not changed & (v[1] | {v[0]}) or v[0] == a}


def join_accumulations(body: list[gast.stmt], ctx: Context) -> None:
    """`a = e1`, then at the next statement that uses a, `a = a + e2` (or `- e2`): `a = e1 + e2`
    there, one statement as by hand, where e1 is pure and the statements in between neither use
    a nor change what e1 reads."""
    ns = resolver(ctx)
    for inner in nested_blocks(body):
        join_accumulations(inner, ctx)
    i = 0
    while i < len(body):
        first = body[i]
        a = _target(first)
        if a is None or not is_pure(first.value, ns):
            i += 1
            continue
        deps = {n.id for n in walk(first.value) if isinstance(n, gast.Name)}
        for j in range(i + 1, len(body)):
            second = body[j]
            if is_comment(second):
                continue
            names = {n.id for n in walk(second) if isinstance(n, gast.Name)}
            if a not in names:
                stored = {n.id for t in getattr(second, "targets", []) for n in walk(t) if isinstance(n, gast.Name)}
                if isinstance(second, gast.Assign) and not stored & deps:
                    continue  # (e1 may move past it)
                break
            v = second.value if _target(second) == a else None
            if (
                isinstance(v, gast.BinOp)
                and isinstance(v.op, (gast.Add, gast.Sub))
                and isinstance(v.left, gast.Name)
                and v.left.id == a
                and a not in read_counts(v.right)
            ):
                second.value = gast.BinOp(left=first.value, op=v.op, right=v.right)
                del body[i]
                i -= 1
            break
        i += 1


class _Ties(Transformer):
    """The adjoint of max(x, y) for numbers, `g * (0.5 if x == y else 1.0) if x >= y else 0.0`,
    as `g if x > y else 0.5 * g if x == y else 0.0`: one comparison where nothing ties."""

    def visit_IfExp(self, node):
        self.generic_visit(node)
        test, body = node.test, node.body
        if not (
            isinstance(test, gast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (gast.GtE, gast.LtE))
            and isinstance(body, gast.BinOp)
            and isinstance(body.op, gast.Mult)
            and isinstance(body.right, gast.IfExp)
            and isinstance(node.orelse, gast.Constant)
            and node.orelse.value == 0.0
        ):
            return node
        share = body.right
        x, y = test.left, test.comparators[0]
        if not (
            isinstance(x, gast.Name)
            and isinstance(y, gast.Name)
            and isinstance(share.test, gast.Compare)
            and len(share.test.ops) == 1
            and isinstance(share.test.ops[0], gast.Eq)
            and {n.id for n in (share.test.left, *share.test.comparators) if isinstance(n, gast.Name)} == {x.id, y.id}
            and isinstance(share.body, gast.Constant)
            and share.body.value == 0.5
            and isinstance(share.orelse, gast.Constant)
            and share.orelse.value == 1.0
        ):
            return node
        strict = gast.Gt() if isinstance(test.ops[0], gast.GtE) else gast.Lt()
        half = gast.BinOp(left=gast.Constant(value=0.5, kind=None), op=gast.Mult(), right=clone(body.left))
        tie = gast.IfExp(test=share.test, body=half, orelse=node.orelse)
        return gast.IfExp(test=gast.Compare(left=x, ops=[strict], comparators=[y]), body=body.left, orelse=tie)


def _filled_by_shape(
    fdef: gast.FunctionDef, ctx: Context, shape_of: Callable, np_name: str, python_numbers: frozenset[str]
) -> None:
    """`np.ones_like(m)` / `np.full_like(m, g)` of an array m of known shape whose dtype is an
    earlier array r's: `np.ones(shape, r.dtype)`, so m need not be computed for it (dtypes.py)."""
    roots = dtype_roots(fdef, python_numbers, np_name)
    kinds = getattr(shape_of, "kind", lambda n: None)
    ns = resolver(ctx)

    class Fill(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
                return node
            if f.attr not in ("ones_like", "full_like") or node.keywords or not node.args:
                return node
            if len(node.args) != (1 if f.attr == "ones_like" else 2):
                return node
            m = node.args[0]  # a name, or an expression put back into its one use
            r = roots.get(m.id) if isinstance(m, gast.Name) else root_of(m, roots, np_name)
            shape = expression_shape(m, shape_of, np_name)
            if isinstance(m, gast.Name) and (r == m.id or kinds(m.id) != "f"):
                return node
            if r in (None, WEAK) or not shape or kinds(r) != "f" or shape_of(r) is None or not is_pure(m, ns):
                return node
            dtype = gast.Attribute(value=name(r), attr="dtype", ctx=gast.Load())
            fill = [node.args[1]] if f.attr == "full_like" else []
            if fill and isinstance(fill[0], gast.Constant) and fill[0].value == 1.0:
                fill = []
            func = gast.Attribute(value=name(np_name), attr="full" if fill else "ones", ctx=gast.Load())
            return gast.Call(func=func, args=[gast.Constant(value=shape, kind=None)] + fill + [dtype], keywords=[])

    Fill().visit(fdef)


class _DistinctIndices:
    """Which subscripts select no element twice: made of full slices and index arrays among
    which are `np.arange(n)` or all the arrays of one `np.triu_indices(...)` (and the like),
    every array one-dimensional of one known length, none ever rebound or written into."""

    def __init__(self, fdef: gast.FunctionDef, ctx: Context, shape_of: Callable):
        written = writes_in_place(fdef, ctx.helper("add_at"))
        stores: dict[str, list] = {}
        for st in walk(fdef):
            if isinstance(st, gast.Assign):
                for t in st.targets:
                    if isinstance(t, gast.Name):
                        stores.setdefault(t.id, []).append(st.value)
            elif isinstance(st, gast.For) and isinstance(st.target, gast.Name):
                stores.setdefault(st.target.id, []).append(None)
        self.shape_of = shape_of
        self.source: dict[str, tuple] = {}  # name → ("arange",) or (tuple name, position)
        for n, values in stores.items():
            if len(values) != 1 or written.get(n) or values[0] is None:
                continue
            v = values[0]
            if (
                isinstance(v, gast.Call)
                and getattr(v, "_ag_fn", None) is np.arange
                and len(v.args) == 1
                and not v.keywords
            ):
                # (np.arange(n): 0, ..., n - 1; a negative start would select from the end too)
                self.source[n] = ("arange",)
            elif (
                isinstance(v, gast.Subscript)
                and isinstance(v.value, gast.Name)
                and isinstance(v.slice, gast.Constant)
                and type(v.slice.value) is int
            ):
                self.source[n] = (v.value.id, v.slice.value)
        self.tuples: dict[str, int] = {}  # a distinct-index function's result → its number of arrays
        for n, values in stores.items():
            v = values[0] if len(values) == 1 and not written.get(n) else None
            fn = getattr(v, "_ag_fn", None) if isinstance(v, gast.Call) else None
            if fn in (np.triu_indices, np.tril_indices):
                self.tuples[n] = 2
            elif fn is np.diag_indices and len(v.args) >= 2 and isinstance(v.args[1], gast.Constant):
                self.tuples[n] = v.args[1].value
            elif fn is np.diag_indices and len(v.args) == 1:
                self.tuples[n] = 2

    def distinct(self, index: gast.AST) -> bool:
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        arrays = []
        for p in parts:
            if _full_slice_value(p):
                continue
            if not isinstance(p, gast.Name):
                return False
            arrays.append(p.id)
        shapes = {self.shape_of(a) for a in arrays}
        if not arrays or len(shapes) != 1 or None in shapes or len(next(iter(shapes))) != 1:
            return False
        if any(self.source.get(a) == ("arange",) for a in arrays):
            return True
        for t, count in self.tuples.items():
            positions = {self.source[a][1] for a in arrays if self.source.get(a, (None,))[0] == t}
            if positions == set(range(count)):
                return True
        return False


def _full_slice_value(p: gast.AST) -> bool:
    """`:` as a subscript, or `slice(None)` as a value (an index tuple passed to a helper)."""
    if isinstance(p, gast.Slice):
        return p.lower is None and p.upper is None and p.step is None
    return (
        isinstance(p, gast.Call)
        and isinstance(p.func, gast.Name)
        and p.func.id == "slice"
        and len(p.args) == 1
        and isinstance(p.args[0], gast.Constant)
        and p.args[0].value is None
        and not p.keywords
    )


def _subscript(index: gast.AST) -> gast.AST:
    """An index tuple as a helper is given it (`(slice(None), i)`) as subscript syntax (`:, i`)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    parts = [gast.Slice(lower=None, upper=None, step=None) if _full_slice_value(p) else p for p in parts]
    return gast.Tuple(elts=parts, ctx=gast.Load()) if isinstance(index, gast.Tuple) else parts[0]


def _plain_written_parts(fdef: gast.FunctionDef, written_part: str, indices: _DistinctIndices) -> None:
    """`written_part(g, index)` is `g[index]` where the index selects no element twice (then
    every write stays; with index arrays, g[index] is a copy)."""

    class Plain(Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            f = node.func
            if isinstance(f, gast.Name) and f.id == written_part and len(node.args) == 2 and not node.keywords:
                index = node.args[1]
                parts = index.elts if isinstance(index, gast.Tuple) else [index]
                fancy = any(isinstance(p, gast.Name) for p in parts)
                if fancy and indices.distinct(index):
                    subscript = [
                        gast.Slice(lower=None, upper=None, step=None) if _full_slice_value(p) else p for p in parts
                    ]
                    sl = gast.Tuple(elts=subscript, ctx=gast.Load()) if isinstance(index, gast.Tuple) else subscript[0]
                    return gast.Subscript(value=node.args[0], slice=sl, ctx=gast.Load())
            return node

    Plain().visit(fdef)


def _scatter_in_place(fdef: gast.FunctionDef, unindex: str, indices: _DistinctIndices, np_name: str) -> None:
    """`a = a + unindex(g, x, index)`, a's array new and read by nothing else from here on, with
    an index that selects no element twice: `a[index] += g` (no array of zeros, no second sum)."""
    body = fdef.body
    for i, st in enumerate(body):
        a = _target(st)
        v = st.value if a is not None else None
        if not (isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add)):
            continue
        mine, call = (v.left, v.right) if isinstance(v.left, gast.Name) else (v.right, v.left)
        if not (isinstance(mine, gast.Name) and mine.id == a and isinstance(call, gast.Call)):
            continue
        if not (isinstance(call.func, gast.Name) and call.func.id == unindex and len(call.args) == 3):
            continue
        g, x, index = call.args
        if a in read_counts(g) or a in read_counts(index) or not indices.distinct(index):
            continue
        if not isinstance(x, gast.Name) or not indices.shape_of(a) or indices.shape_of(x.id) != indices.shape_of(a):
            continue
        if not _owned_here(body, i, a, np_name):
            continue
        target = gast.Subscript(value=name(a), slice=_subscript(index), ctx=gast.Store())
        body[i] = gast.copy_location(gast.AugAssign(target=target, op=gast.Add(), value=g), st)


def _owned_here(body: list[gast.stmt], i: int, a: str, np_name: str) -> bool:
    """Whether, at top-level statement i, a holds a new array (made by arithmetic, possibly
    through one copy `a = b`) that only a and b refer to, and b is not read from i on."""
    aliases = {a}
    fresh = None
    for j in range(i - 1, -1, -1):
        st = body[j]
        if is_comment(st):
            continue
        target = _target(st)
        if target in aliases:
            if isinstance(st.value, gast.Name) and st.value.id not in aliases:
                aliases.add(st.value.id)
                continue
            fresh = j if isinstance(st.value, (gast.BinOp, gast.UnaryOp)) else None
            break
        if not isinstance(st, (gast.Assign, gast.AugAssign, gast.Expr)):
            return False  # (a block in between: keep it simple)
    if fresh is None:
        return False
    for st in body[fresh + 1 : i]:  # in between, the array is only read by arithmetic
        copy_of_it = _target(st) in aliases and isinstance(st.value, gast.Name) and st.value.id in aliases
        if not copy_of_it and _escapes_from(st, aliases, np_name):
            return False
    later = body[i + 1 :]
    others = aliases - {a}
    if any(n in read_counts(st) for st in later for n in others):
        return False
    return True


def _escapes_from(st: gast.stmt, names: set[str], np_name: str) -> bool:
    """Whether `st` may keep a reference to one of `names` (anything but reading it in
    arithmetic, a ufunc or a sum), or rebinds one."""
    if isinstance(st, gast.Assign) and any(_target(st) == n for n in names):
        return True
    parents = {}
    for node in walk(st):
        for child in gast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in walk(st):
        if isinstance(node, gast.Name) and node.id in names:
            parent = parents.get(id(node))
            if isinstance(parent, (gast.BinOp, gast.UnaryOp)) or (
                isinstance(parent, gast.Call) and node in parent.args and _new_array(parent, np_name)
            ):
                continue
            return True
    return False


def _start_from_first_sum(fdef: gast.FunctionDef, zeros: str, shape_of, np_name: str) -> None:
    """`a = zeros_like(x)` whose next use is `a = a + e`, e a new array of x's shape: `a = e`."""
    body = fdef.body
    dropped = []
    for i, st in enumerate(body):
        a = _target(st)
        call = st.value if a is not None else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name) and call.func.id == zeros):
            continue
        if len(call.args) != 1 or not isinstance(call.args[0], gast.Name) or call.keywords:
            continue
        x = call.args[0].id
        if shape_of(x) is None or _kind(shape_of, x) != "f":
            continue
        for later in body[i + 1 :]:
            if not any(isinstance(n, gast.Name) and n.id == a for n in walk(later)):
                continue
            value = later.value if _target(later) == a else None
            if (
                isinstance(value, gast.BinOp)
                and isinstance(value.op, gast.Add)
                and isinstance(value.left, gast.Name)
                and value.left.id == a
                and _new_array(value.right, np_name)
                and a not in read_counts(value.right)
                and expression_shape(value.right, shape_of, np_name) == shape_of(x)
            ):
                later.value = value.right
                dropped.append(st)
            break
    if dropped:
        body[:] = [s for s in body if not any(s is d for d in dropped)]


def _new_array(expr: gast.AST, np_name: str) -> bool:
    """Whether `expr` surely makes a new array (arithmetic, a ufunc, a sum), never returns one it is given."""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp)):
        return True
    f = expr.func if isinstance(expr, gast.Call) else None
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
        return False
    return f.attr == "sum" or isinstance(getattr(np, f.attr, None), np.ufunc)


def _drop_unread_copies(fdef: gast.FunctionDef, owned: str) -> None:
    """`a = owned_copy(a)` and the writes into a after it, where nothing reads a after them
    (an adjoint zeroed where a value was overwritten, then not needed: `L_bar` of `L = zeros`)."""
    body = fdef.body
    for i, st in enumerate(body):
        a = _target(st)
        if a is None or not _is_call_of(st.value, owned, a):
            continue
        writes = []
        for later in body[i + 1 :]:
            if a not in read_counts(later) and not any(isinstance(n, gast.Name) and n.id == a for n in walk(later)):
                continue
            target = later.targets[0] if isinstance(later, gast.Assign) else None
            if (
                isinstance(target, gast.Subscript)
                and isinstance(target.value, gast.Name)
                and target.value.id == a
                and a not in read_counts(later.value)
                and a not in read_counts(target.slice)
            ):
                writes.append(later)
                continue
            break  # a read (or a rebinding) of a
        else:
            body[:] = [s for s in body if s is not st and not any(s is w for w in writes)]
            return _drop_unread_copies(fdef, owned)


def _sum_before_product(fdef: gast.FunctionDef, shape_of: Callable, np_name: str) -> None:
    """`x = g @ m` read only by the next statement's `np.sum(x, axis=r)` over x's row axis r:
    the rows are summed first, `np.sum(g, axis=r, keepdims=True) @ m`, a product of one row
    instead of n (Σᵢ gᵢ m = (Σᵢ gᵢ) m; what a hand-written gradient of a shared shift does)."""
    loads = read_counts(fdef.body)
    stores: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1

    def block(body: list[gast.stmt]) -> None:
        moved: list[gast.stmt] = []
        for inner in nested_blocks(body):
            block(inner)
        for i, first in enumerate(body):
            x = _target(first)
            if x is None or stores.get(x) != 1 or loads.get(x) != 1:
                continue
            product = first.value
            if not (isinstance(product, gast.BinOp) and isinstance(product.op, gast.MatMult)):
                continue
            row = _product_row(product.left, shape_of(x), shape_of, np_name)
            if row is None:
                continue
            deps = {n.id for n in walk(product) if isinstance(n, gast.Name)}
            for later in body[i + 1 :]:
                if is_comment(later):
                    continue
                if x in read_counts(later):
                    for node in walk(later):
                        if _row_sum_of(node, x, row, np_name):
                            replace_node(later, node, _summed_first(node, product, row, np_name))
                            moved.append(first)
                            break
                    break
                if not isinstance(later, gast.Assign) or any(
                    isinstance(n, gast.Name) and n.id in deps for t in later.targets for n in walk(t)
                ):
                    break  # (g or m may change before the sum)
        body[:] = [st for st in body if not any(st is m for m in moved)]
        if all(is_comment(st) for st in body):
            body.append(gast.Pass())

    block(fdef.body)


def _product_row(g: gast.AST, x_shape: tuple | None, shape_of, np_name: str) -> int | None:
    """The row axis of x = g @ m, if g has x's rank and batch shape (m: a matrix or a stack)."""
    g_shape = expression_shape(g, shape_of, np_name)
    if g_shape is None or x_shape is None or len(x_shape) < 2 or g_shape[:-1] != x_shape[:-1]:
        return None
    return len(x_shape) - 2


def _summed_first(total: gast.Call, product: gast.BinOp, row: int, np_name: str) -> gast.AST:
    """`np.sum(g @ m, axis=row)` as `(np.sum(g, axis=row, keepdims=True) @ m)[:, 0]`."""
    keepdims = any(k.arg == "keepdims" and k.value.value for k in total.keywords)
    text = f"{np_name}.sum(g, axis={row}, keepdims=True) @ m"
    new = _expression(text if keepdims else f"({text})[{':, ' * row}0]", {})
    inner = new if keepdims else new.value
    inner.left.args[0], inner.right = product.left, product.right
    return new


def np_sum_of_one(node: gast.AST, np_name: str) -> bool:
    """Whether `node` is `np.sum(a, ...)` with one positional argument."""
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and node.func.attr == "sum"
        and isinstance(node.func.value, gast.Name)
        and node.func.value.id == np_name
        and len(node.args) == 1
    )


def _row_sum_of(node: gast.AST, x: str | None, row: int, np_name: str) -> bool:
    """Whether `node` is `np.sum(x, axis=row[, keepdims=...])` (x: a name, or None for any
    first argument), the axis literal."""
    if not np_sum_of_one(node, np_name) or not (
        x is None or isinstance(node.args[0], gast.Name) and node.args[0].id == x
    ):
        return False
    options = {k.arg: k.value for k in node.keywords}
    if "axis" not in options or set(options) - {"axis", "keepdims"}:
        return False
    if not all(isinstance(v, gast.Constant) for v in options.values()):
        return False
    axis, keepdims = options["axis"].value, options.get("keepdims")
    return type(axis) is int and axis == row and (keepdims is None or type(keepdims.value) is bool)


def _fuse_initializations(fdef: gast.FunctionDef, ctx: Context, shape_of, np_name: str) -> None:
    """Two statements that build an adjoint, as one:
    `a = unreduce(g, x, None, False); a = owned_copy(a)` → `a = np.full_like(x, g)`, and
    `a = zeros_like(x); a[:, None] = e` → `a = e.reshape(x's shape)` (if nothing writes into a later)."""
    unreduce, owned, zeros = (ctx.helper(h) for h in ("unreduce", "owned_copy", "zeros_like"))
    written = writes_in_place(fdef, ctx.helper("add_at"))

    def fuse(body: list[gast.stmt]) -> None:
        real = [i for i, st in enumerate(body) if not is_comment(st)]
        for i, j in zip(real, real[1:]):
            first, second = body[i], body[j]
            for st in (first, second):
                for field in ("body", "orelse"):
                    inner = getattr(st, field, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                        fuse(inner)
            if not (isinstance(first, gast.Assign) and isinstance(second, gast.Assign)):
                continue
            a = _target(first)
            if a is None or not isinstance(first.value, gast.Call) or not isinstance(first.value.func, gast.Name):
                continue
            call, f = first.value, first.value.func.id
            if (
                f == unreduce
                and _plain_unreduce(call, unreduce)
                and call.args[2].value is None
                and not call.args[3].value
                and shape_of(call.args[1].id)
                and _kind(shape_of, call.args[1].id) == "f"
                and _is_call_of(second.value, owned, a)
                and _target(second) == a
            ):
                full_like = gast.Attribute(value=name(np_name), attr="full_like", ctx=gast.Load())
                first.value = gast.Call(func=full_like, args=[call.args[1], call.args[0]], keywords=[])
                body[j] = gast.Pass()
            elif (
                f == unreduce
                and _plain_unreduce(call, unreduce)
                and _target(second) == a
                and isinstance(second.value, gast.BinOp)
                and isinstance(second.value.op, gast.Add)
                and shape_of(call.args[1].id)
            ):  # a = unreduce(g, x, 1); a = a + e → a = g[:, None] + e, where e has x's shape
                s_value = second.value
                sides = [(s_value.left, s_value.right), (s_value.right, s_value.left)]
                for mine, other in sides:
                    if not (isinstance(mine, gast.Name) and mine.id == a) or a in read_counts(other):
                        continue
                    shape = shape_of(call.args[1].id)
                    if expression_shape(other, shape_of, np_name) != shape:
                        continue
                    g, axis, keepdims = call.args[0], call.args[2].value, call.args[3].value
                    spread = g if axis is None or keepdims else _put_back(g, axis % len(shape))
                    first.value = gast.BinOp(left=spread, op=gast.Add(), right=other)
                    body[j] = gast.Pass()
                    break
            elif (
                f == zeros
                and len(call.args) == 1
                and isinstance(call.args[0], gast.Name)
                and shape_of(call.args[0].id) is not None
                and written.get(a) == 1
                and isinstance(second.targets[0], gast.Subscript)
                and isinstance(second.targets[0].value, gast.Name)
                and second.targets[0].value.id == a
                and _only_full_slices_and_none(second.targets[0].slice)
                and not (isinstance(second.value, gast.Name) and written.get(second.value.id))
            ):  # (the reshape shares e's memory: nothing may write into e either)
                reshape = gast.Attribute(value=second.value, attr="reshape", ctx=gast.Load())
                shape = gast.Constant(value=shape_of(call.args[0].id), kind=None)
                first.value = gast.Call(func=reshape, args=[shape], keywords=[])
                body[j] = gast.Pass()
        body[:] = [st for st in body if not isinstance(st, gast.Pass)] or [gast.Pass()]

    fuse(fdef.body)


def _kind(shape_of: Callable, var: str) -> str | None:
    kind = getattr(shape_of, "kind", None)
    return kind(var) if kind is not None else None


def _is_call_of(node: gast.AST, helper: str, arg: str) -> bool:
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == helper
        and len(node.args) == 1
        and isinstance(node.args[0], gast.Name)
        and node.args[0].id == arg
    )


class _FullLike(Transformer):
    """`unreduce(g, x, None, False)`, the adjoint of a full reduction, as `np.full_like(x, g)`
    (`np.ones_like(x)` for g = 1.0): an array of x's shape and kind."""

    def __init__(self, unreduce: str, shape_of: Callable, np_name: str):
        self.unreduce, self.shape_of, self.np_name = unreduce, shape_of, np_name

    def visit_Call(self, node):
        self.generic_visit(node)
        if not _plain_unreduce(node, self.unreduce) or node.args[2].value is not None or node.args[3].value:
            return node
        if not self.shape_of(node.args[1].id) or _kind(self.shape_of, node.args[1].id) != "f":
            return node  # (an integer x: its adjoint is still a float array)
        g = node.args[0]
        one = isinstance(g, gast.Constant) and type(g.value) is float and g.value == 1.0
        func = gast.Attribute(value=name(self.np_name), attr="ones_like" if one else "full_like", ctx=gast.Load())
        return gast.Call(func=func, args=[node.args[1]] if one else [node.args[1], g], keywords=[])


def _is_argsort(f: gast.AST, np_name: str) -> bool:
    return (
        isinstance(f, gast.Attribute)
        and f.attr == "argsort"
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
    )


def _literal_ints(node: gast.AST) -> list[int] | None:
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) and type(e.value) is int for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _only_full_slices_and_none(index: gast.AST) -> bool:
    """Whether an index (as a value: `(slice(None), None)`) is full slices and at least one None."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]

    def none(e: gast.AST) -> bool:
        return isinstance(e, gast.Constant) and e.value is None

    return any(none(e) for e in parts) and all(_full_slice_value(e) or none(e) for e in parts)


def _fancy_rows(index: gast.AST, shape_of: Callable) -> tuple[int, tuple, int] | None:
    """For `x[:, i, j]` (full slices, then adjacent index arrays of known shapes, nothing
    after them): (the number of leading slices, the arrays' broadcast shape, their number)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    lead = 0
    while lead < len(parts) and isinstance(parts[lead], gast.Slice) and spreading_index(parts[lead]):
        lead += 1
    arrays = parts[lead:]
    if not arrays or not all(isinstance(p, gast.Name) for p in arrays):
        return None
    shapes = [shape_of(p.id) for p in arrays]
    kinds = getattr(shape_of, "kind", lambda n: None)
    if any(sh is None for sh in shapes) or any(kinds(p.id) not in ("i", "u") for p in arrays):
        return None  # (boolean masks select as many as they hold)
    try:
        return lead, tuple(np.broadcast_shapes(*shapes)), len(arrays)
    except ValueError:
        return None


def spreading_index(index: gast.AST) -> bool:
    """Whether a subscript is full slices and None only (`g[:, None]`: the same values, with
    length-1 axes put in)."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]

    def ok(p: gast.AST) -> bool:
        if isinstance(p, gast.Constant):
            return p.value is None
        return isinstance(p, gast.Slice) and p.lower is None and p.upper is None and p.step is None

    return all(ok(p) for p in parts)


def expression_shape(
    expr: gast.AST, shape_of: Callable[[str], tuple | None], np_name: str, same_shape: set[str] = frozenset()
) -> tuple | None:
    """The shape of elementwise arithmetic over names of known shape (NumPy ufunc calls and
    np.where included; calls of the helpers `same_shape`, shaped like their first argument), or None."""
    known = getattr(expr, "_ag_shape", None)  # set where the expression was made (batching.py)
    if known is not None:
        return known
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and expr.func.id in same_shape:
        return expression_shape(expr.args[0], shape_of, np_name) if expr.args else None
    if isinstance(expr, gast.Name):
        return shape_of(expr.id)
    if isinstance(expr, gast.Constant):
        return () if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool) else None
    if isinstance(expr, gast.Subscript) and _fancy_rows(expr.slice, shape_of) is not None:
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        lead, rows, count = _fancy_rows(expr.slice, shape_of)
        if inner is None or lead + count > len(inner):
            return None
        return tuple(inner[:lead]) + rows + tuple(inner[lead + count :])
    if isinstance(expr, gast.Subscript) and spreading_index(expr.slice):
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        parts = expr.slice.elts if isinstance(expr.slice, gast.Tuple) else [expr.slice]
        if inner is None or sum(1 for p in parts if isinstance(p, gast.Slice)) > len(inner):
            return None
        shape, rest = [], list(inner)
        for p in parts:
            shape.append(1) if isinstance(p, gast.Constant) else shape.append(rest.pop(0))
        return tuple(shape + rest)
    if isinstance(expr, gast.Subscript) and _reversal(expr.slice):
        return expression_shape(expr.value, shape_of, np_name, same_shape)
    if isinstance(expr, gast.Attribute) and expr.attr == "T":
        inner = expression_shape(expr.value, shape_of, np_name, same_shape)
        return None if inner is None else inner[::-1]
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.MatMult):
        a, b = (expression_shape(e, shape_of, np_name, same_shape) for e in (expr.left, expr.right))
        if not a or not b or len(a) + len(b) < 3 or a[-1] != b[-2 if len(b) > 1 else -1]:
            return None
        try:
            return tuple(runtime._matmul_shape(a, b))
        except ValueError:
            return None
    if isinstance(expr, gast.Call) and _swapaxes(expr, np_name):
        inner = expression_shape(expr.args[0], shape_of, np_name, same_shape)
        if inner is None or not all(-len(inner) <= a.value < len(inner) for a in expr.args[1:]):
            return None
        i, j = (a.value % len(inner) for a in expr.args[1:])
        swapped = list(inner)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return tuple(swapped)
    if isinstance(expr, gast.BinOp):
        parts = [expr.left, expr.right] if isinstance(expr.op, _ELEMENTWISE_OPS) else None
    elif isinstance(expr, gast.UnaryOp):
        parts = [expr.operand] if isinstance(expr.op, gast.USub) else None
    elif isinstance(expr, gast.Call) and not expr.keywords and _ufunc(expr.func, np_name):
        parts = list(expr.args)
    else:
        parts = None
    if not parts:
        return None
    shapes = [expression_shape(p, shape_of, np_name, same_shape) for p in parts]
    if any(sh is None for sh in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _reversal(index: gast.AST) -> bool:
    """Whether `index` is `::-1` (or `::1`, `:`): the same shape, in some order."""
    if not isinstance(index, gast.Slice) or index.lower is not None or index.upper is not None:
        return False
    return index.step is None or number_value(index.step) in (1, -1)


def _swapaxes(call: gast.Call, np_name: str) -> bool:
    f = call.func
    return (
        isinstance(f, gast.Attribute)
        and f.attr == "swapaxes"
        and isinstance(f.value, gast.Name)
        and f.value.id == np_name
        and len(call.args) == 3
        and not call.keywords
        and all(isinstance(a, gast.Constant) and type(a.value) is int for a in call.args[1:])
    )


def _ufunc(f: gast.AST, np_name: str) -> bool:
    if not (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name) and f.value.id == np_name):
        return False
    fn = getattr(np, f.attr, None)
    return isinstance(fn, np.ufunc) or fn is np.where


def _reduce_to(g: gast.AST, target: tuple | None, shape_of, np_name: str) -> gast.AST | None:
    """`unbroadcast(g, x)` for x of shape `target` as the np.sum it is (or g itself); a
    negation is taken after the sum (`-np.sum(g)`, on fewer elements)."""
    if isinstance(g, gast.UnaryOp) and isinstance(g.op, gast.USub):
        inner = _reduce_to(g.operand, target, shape_of, np_name)
        return None if inner is None else gast.UnaryOp(op=gast.USub(), operand=inner)
    shape = expression_shape(g, shape_of, np_name)
    if shape is None or target is None or len(shape) < len(target):
        return None
    lead = len(shape) - len(target)
    ones = []
    for i, (a, b) in enumerate(zip(shape[lead:], target)):
        if a != b:
            if b != 1:
                return None
            ones.append(lead + i)
    axes = list(range(lead)) + ones
    if not axes:
        return g
    call = f"{np_name}.sum(g)" if not target else f"{np_name}.sum(g, axis={_axis_text(axes)})"
    if ones and target:
        call = f"{np_name}.sum(g, axis={_axis_text(axes)}, keepdims=True)"
        if lead:
            call += f".reshape({target!r})"
    expr = convert.parse(call, mode="eval").body
    total = expr.func.value if isinstance(expr.func, gast.Attribute) and expr.func.attr == "reshape" else expr
    total.args[0] = g
    return expr


def _squeezed_sum(node: gast.Call, shape_of, np_name: str) -> gast.AST | None:
    """`np.sum(g, axis=a, keepdims=True).reshape(s)` (or its negation) as `np.sum(g, axis=a)`
    where s is g's shape without the axes a: the reshape only takes the kept axes out again."""
    f = node.func
    if not (isinstance(f, gast.Attribute) and f.attr == "reshape" and len(node.args) == 1 and not node.keywords):
        return None
    if not isinstance(node.args[0], gast.Constant) or not isinstance(node.args[0].value, tuple):
        return None
    total, negated = f.value, False
    if isinstance(total, gast.UnaryOp) and isinstance(total.op, gast.USub):
        total, negated = total.operand, True
    if not np_sum_of_one(total, np_name):
        return None
    options = {k.arg: k.value for k in total.keywords}
    if set(options) != {"axis", "keepdims"} or not all(isinstance(v, gast.Constant) for v in options.values()):
        return None
    axis, keepdims = options["axis"].value, options["keepdims"].value
    shape = expression_shape(total.args[0], shape_of, np_name)
    if keepdims is not True or shape is None:
        return None
    axes = {axis} if type(axis) is int else set(axis) if isinstance(axis, tuple) else None
    if axes is None or not all(type(a) is int and 0 <= a < len(shape) for a in axes):
        return None
    if tuple(n for i, n in enumerate(shape) if i not in axes) != node.args[0].value:
        return None
    total.keywords = [k for k in total.keywords if k.arg != "keepdims"]
    return gast.UnaryOp(op=gast.USub(), operand=total) if negated else total


def _axis_text(axes: list[int]) -> str:
    return str(axes[0]) if len(axes) == 1 else repr(tuple(axes))


def _expression(text: str, names: dict[str, str]) -> gast.AST:
    expr = convert.parse(text, mode="eval").body

    class Rename(Transformer):
        def visit_Name(self, node):
            return name(names[node.id]) if node.id in names else node

    return Rename().visit(expr)


def _lazy_unreduce(fdef: gast.FunctionDef, unreduce: str, shape_of: Callable, np_name: str) -> None:
    """`t = unreduce(g, x, axis, keepdims)` (possibly `/ n`) → `t = g` (for an axis, with it put
    back as a length-1 axis) where every use of t is an elementwise expression whose other
    operands already have x's shape."""
    assigned: dict[str, int] = {}
    for n in walk(fdef):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            assigned[n.id] = assigned.get(n.id, 0) + 1
    candidates: dict[str, tuple[gast.Assign, tuple]] = {}
    for s in walk(fdef):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            continue
        call = s.value.left if isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Div) else s.value
        if not _plain_unreduce(call, unreduce):
            continue
        args = call.args
        if assigned.get(s.targets[0].id) == 1:
            shape = shape_of(args[1].id)
            if shape:
                candidates[s.targets[0].id] = (s, shape)
    if not candidates:
        return
    ok = dict.fromkeys(candidates, True)
    for s in walk(fdef):
        if not isinstance(s, gast.stmt) or isinstance(s, (gast.FunctionDef, gast.If, gast.For, gast.While)):
            if isinstance(s, (gast.If, gast.While)):
                _reject_loads(s.test, ok)
            if isinstance(s, gast.For):
                _reject_loads(s.iter, ok)
            continue
        value = s.value if isinstance(s, (gast.Assign, gast.Expr, gast.Return)) else None
        loads = {n.id for n in walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        used = loads & set(candidates)
        if not used:
            continue
        own = _target(s) if candidates.get(_target(s), (None,))[0] is s else None
        if own is not None:  # a candidate's own definition: the others it reads are used in a call
            for t in used - {own}:
                ok[t] = False
            continue
        for t in used:
            if value is None or len(used) > 1 or not _broadcasts_to(value, t, candidates[t][1], shape_of, np_name):
                ok[t] = False  # (two candidates in one expression: each relies on the other's shape)
    for t, (s, _) in candidates.items():
        if ok[t]:
            call = s.value.left if isinstance(s.value, gast.BinOp) else s.value
            replacement = copy.deepcopy(call.args[0])
            axis, keepdims = call.args[2].value, call.args[3].value
            if axis is not None and not keepdims:
                replacement = _put_back(replacement, axis % len(candidates[t][1]))
            if isinstance(s.value, gast.BinOp):
                s.value.left = replacement
            else:
                s.value = replacement
            # t is now smaller than its shape fact says (its uses spread it): see algebra.py
            fdef._ag_spread_later = getattr(fdef, "_ag_spread_later", set()) | {t}


def _put_back(g: gast.AST, axis: int) -> gast.AST:
    """`g[:, None]`: the axis a reduction removed, back with length 1."""
    none = gast.Constant(value=None, kind=None)
    if isinstance(g, gast.Constant) or isinstance(g, gast.UnaryOp) and isinstance(g.operand, gast.Constant):
        return g  # a number broadcasts as it is
    if axis == 0:
        index: gast.AST = none
    else:
        index = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None)] * axis + [none], ctx=gast.Load())
    return gast.Subscript(value=g, slice=index, ctx=gast.Load())


def _plain_unreduce(node: gast.AST, unreduce: str) -> bool:
    """`unreduce(g, x, axis, keepdims)` with a literal axis (None or an int) and keepdims."""
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == unreduce):
        return False
    args = node.args
    return (
        len(args) == 4
        and not node.keywords
        and isinstance(args[1], gast.Name)
        and isinstance(args[2], gast.Constant)
        and (args[2].value is None or type(args[2].value) is int)
        and isinstance(args[3], gast.Constant)
        and type(args[3].value) is bool
    )


def _target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _reject_loads(expr: gast.AST, ok: dict[str, bool]) -> None:
    for n in walk(expr):
        if isinstance(n, gast.Name) and n.id in ok:
            ok[n.id] = False


def _broadcasts_to(expr: gast.AST, t: str, shape: tuple, shape_of, np_name: str) -> bool:
    """Whether `expr` is elementwise arithmetic in which the operands other than `t` broadcast
    to `shape` exactly (so a t of fewer elements gives the same result as t spread to `shape`)."""
    if not any(isinstance(n, gast.Name) and n.id != t for n in walk(expr)):
        return False
    others = gast.Tuple(elts=[n for n in walk(expr) if isinstance(n, gast.Name) and n.id != t], ctx=gast.Load())
    if not _float_array_in(others, shape_of):
        return False  # (a number times a boolean mask would be float64 whatever x's float type)
    return expression_shape(expr, lambda n: () if n == t else shape_of(n), np_name) == tuple(shape)


def _float_array_in(expr: gast.AST, shape_of: Callable) -> bool:
    """Whether `expr` reads a float array (whose dtype a product with a number keeps)."""
    kind = getattr(shape_of, "kind", lambda n: None)
    return any(isinstance(n, gast.Name) and kind(n.id) == "f" and shape_of(n.id) not in (None, ()) for n in walk(expr))
