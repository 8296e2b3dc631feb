"""Lists built by appends as preallocated arrays, in specialised code, before the function is differentiated.

Users collect a loop's results in a list and make an array of it at the end:

    s = [x[0]]                              s = np.empty((T,))
    for t in range(1, T):                   s[0] = t1
        s.append(a * s[t - 1] + ...)   →    for t in range(1, T):
    s = np.array(s)                             ...; s[t] = t10
                                            s_1 = s

A list of NumPy numbers costs about 40 bytes an item against an array's 8, and the gradient builds the
list as the function does; as an array filled row by row, the list is what the optimisations of arrays
filled in loops already handle (optimize/loop_saves.py, optimize/adjoint_rows.py): the backward pass
reads the rows, saves nothing per step. Where the shapes are known, this pass rewrites a list when it
can prove the array holds, at every read, the very values the list would:

- it is a local list the function builds and reads alone (shape_facts.py `_item_lists`), made by one
  display `s = [...]` in the function's body (not in a loop or branch), whose items all have one known
  shape and are float64: the function names no other float precision, so none can hide behind the
  kind "f" the shape facts know, and the code's guard sends float arrays of another precision (which
  share the specialisation's kinds, dispatch.py) to the general code;
- every assignment of an item's name binds a float (the shape facts' kind of a name that holds an
  int first and a float later is "f"; `s[0]` would be the float 0.0, not the int 0);
- no item, nor an item read back (a row of the array: a view), is written into after it is
  appended, directly or through a view (the list holds the object, the array a copy of its values);
- every `s.append(v)` is reached through `for` loops over `range`s of known bounds and step ±1 only
  (no branch, no `while`, no `break`, `continue` or `return` in them), so the number of items at every
  statement is an affine form in the loops' counters, and the total is known: the array's length;
- every other use is a whole statement `v = s[i]` with `i` provably an existing item's position (a
  negative one counted from the current end), `n = len(s)`, `a = np.array(s)` (`np.asarray`, `np.stack`)
  or the check that a loop walks a sequence: the list is never handed on, aliased, returned or changed
  otherwise (pop, extend, an item assignment keep it a list).

Items are written at their position (`s[t] = v`), reads and lengths use the known counts, and
`np.array(s)` is the array itself where it is the list's last use and every item is in it (else a copy
of the filled part, as `np.array` makes). The array's statement `s = np.empty(...)` is marked
(`_ag_filled_once`): each position is written once before it is read, so loop_saves.py reads an item
again in the backward step as it does a list's. Anything the pass cannot prove leaves the list as it is.
"""

from __future__ import annotations

import builtins

import gast
import numpy as np

from .. import rules, runtime
from ..analysis.index_ranges import Affine, LoopIndices, range_call
from ..analysis.shape_facts import ShapeFacts
from ..frontend.context import Context
from ..ir.trees import assign, name, walk

_WHOLE = (np.array, np.asarray, np.stack)  # a new array of the items
_NARROW = ("float16", "float32", "half", "single", "longdouble", "complex64", "csingle", "clongdouble", "astype")


class _Keep(Exception):
    """The list stays a list: a use or a loop this pass cannot prove safe."""


def lists_as_arrays(fdef: gast.FunctionDef, facts: ShapeFacts, ctx: Context) -> bool:
    """Rewrite the lists of `fdef` (normalized, specialised) that provably can be arrays into
    preallocated arrays (module docstring); True if any was."""
    candidates = [
        v for v in sorted(facts.item_lists) if facts.item_shape(v) is not None and facts.item_dtype(v) == np.float64
    ]
    if not candidates or not _doubles_only(fdef, facts, ctx):
        return False
    checks = {n for n, v in ctx.extra_globals.items() if v is runtime.check_sequence}
    changed = False
    for lst in candidates:
        indices = LoopIndices(fdef)  # (anew: a rewrite binds new names)
        try:
            plan = _Plan(lst, fdef, facts, indices, checks)
        except _Keep:
            continue
        plan.rewrite(ctx)
        changed = True
    return changed


class _Plan:
    """Where the items of one list go, and what each use of it becomes."""

    def __init__(self, lst: str, fdef: gast.FunctionDef, facts: ShapeFacts, indices: LoopIndices, checks: set[str]):
        self.lst = lst
        self.facts = facts
        self.indices = indices
        self.checks = checks
        self.body = fdef.body
        self.params = set(fdef._ag_params)
        self.item_shape = facts.item_shape(lst)
        at = [k for k, s in enumerate(fdef.body) if _display_of(s, lst)]
        if len(at) != 1 or any(_uses(s, lst) for s in fdef.body[: at[0]]):
            raise _Keep
        self.binders: dict[str, list] = {}  # name → the statements binding it (None: not an assignment)
        for st in walk(fdef):
            if isinstance(st, gast.stmt):
                simple = isinstance(st, gast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
                for n in [st.targets[0]] if simple else _bound_names(st):
                    self.binders.setdefault(n.id, []).append(st if simple else None)
        self.display = fdef.body[at[0]]
        for e in self.display.value.elts:
            self._item_is_float(e)
        self.uses = {id(n) for s in fdef.body[at[0] + 1 :] for n in _uses(s, lst)}
        self.edits: list[tuple[str, gast.stmt, list, Affine, gast.AST | None]] = []  # (what, stmt, block, count, index)
        self.seen: set[int] = set()
        self.lengths: dict[str, int] = {}  # names bound to the list's length where it is one number
        count = self._block(fdef.body[at[0] + 1 :], (len(self.display.value.elts), {}), True, fdef.body)
        if count[1] or count[0] == 0 or self.seen != self.uses:
            raise _Keep
        self.capacity = count[0]
        items = [e for e in self.display.value.elts if isinstance(e, gast.Name)]
        items += [s._ag_append[1] for what, s, *_ in self.edits if what == "append"]
        items += [s.targets[0] for what, s, *_ in self.edits if what == "read"]  # (a row read: a view of the array)
        if not _unchanged(fdef, {e.id for e in items if isinstance(e, gast.Name)}, self.display, self.lst):
            raise _Keep

    def _exact(self, v: str):
        if v in self.lengths and self.indices.bindings.get(v) == 1:
            return self.lengths[v]  # (`n = len(s)` where the count is known: `for v in s` walks n items)
        return self.facts.exact_value(v)

    def _block(self, stmts: list[gast.stmt], count: Affine, counted: bool, block: list) -> Affine:
        """The number of items after `stmts` run, given `count` before; records the edits."""
        for s in stmts:
            appends = _appends(s, self.lst)
            if getattr(s, "_ag_append", None) and s._ag_append[0] == self.lst:
                if not counted or not isinstance(s._ag_append[1], (gast.Name, gast.Constant)):
                    raise _Keep
                self._item_is_float(s._ag_append[1])
                self.edits.append(("append", s, block, count, None))
                self.seen.add(id(s.value.func.value))
                count = (count[0] + 1, count[1])
            elif isinstance(s, gast.For) and appends:
                count = self._loop(s, count, counted)
            elif appends:
                raise _Keep  # (in a branch, a while loop, a with or try block: how many is not known)
            elif isinstance(s, (gast.For, gast.While, gast.If, gast.With, gast.Try)):
                for field in ("body", "orelse", "finalbody"):
                    inner = getattr(s, field, None)
                    if inner:
                        self._block(inner, count, False, inner)
                for h in getattr(s, "handlers", []):
                    self._block(h.body, count, False, h.body)
                header = [n for n in walk(s) if id(n) in self.uses and id(n) not in self.seen]
                if header:
                    raise _Keep  # (the list in a loop's or a branch's header)
            elif _uses(s, self.lst):
                self._use(s, count, block)
        return count

    def _loop(self, s: gast.For, count: Affine, counted: bool) -> Affine:
        rng = s.iter
        if (
            not counted
            or s.orelse
            or getattr(s, "_ag_counter", None)
            or not isinstance(s.target, gast.Name)
            or range_call(rng) is None
            or any(isinstance(n, (gast.Break, gast.Continue, gast.Return)) for n in walk(s))
            or not s.body
        ):
            raise _Keep
        bounds = [self.indices.affine(s, a, self._exact) for a in rng.args]
        if any(b is None or b[1] for b in bounds):
            raise _Keep  # (a bound that changes with an enclosing loop's counter)
        values = [b[0] for b in bounds]
        steps = range(*values)
        if steps.step not in (1, -1):
            raise _Keep
        counter = s.target.id
        env = self.indices.scope.get(id(s.body[0]), {})
        if env.get(counter, ("",))[0] != "counter":
            raise _Keep
        per = self._dry(s.body)
        # before the iteration at counter c: count + per · step · (c - start)
        k = per * steps.step
        terms = dict(count[1])
        if k:
            terms[counter] = k
        self._block(s.body, (count[0] - k * steps.start, terms), True, s.body)
        return (count[0] + per * len(steps), count[1])

    def _dry(self, body: list[gast.stmt]) -> int:
        """How many items one run of `body` appends (a known number, or the list is kept)."""
        n = 0
        for s in body:
            if getattr(s, "_ag_append", None) and s._ag_append[0] == self.lst:
                n += 1
            elif isinstance(s, gast.For) and _appends(s, self.lst):
                rng = s.iter
                if range_call(rng) is None:
                    raise _Keep
                bounds = [self.indices.affine(s, a, self._exact) for a in rng.args]
                if any(b is None or b[1] for b in bounds):
                    raise _Keep
                n += len(range(*[b[0] for b in bounds])) * self._dry(s.body)
            elif _appends(s, self.lst):
                raise _Keep
        return n

    def _item_is_float(self, item: gast.AST) -> None:
        """An item is a float (or float array) of the items' shape, whichever assignment made it."""
        if isinstance(item, gast.Constant):
            ok = type(item.value) is float
        else:
            ok = self.facts.kind(item.id) == "f" and self.facts.shape(item.id) == self.item_shape
            for s in self.binders.get(item.id, [None]):
                ok = ok and isinstance(s, gast.Assign) and self.facts.bound_kind(s) == "f"
        if not ok:
            raise _Keep

    def _use(self, s: gast.stmt, count: Affine, block: list) -> None:
        """A statement reading the list: one item, its length, all of it, or a sequence check."""
        uses = _uses(s, self.lst)
        if len(uses) != 1:
            raise _Keep
        value = s.value if isinstance(s, (gast.Assign, gast.Expr)) else None
        one_target = isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
        fn = getattr(value, "_ag_fn", None) if isinstance(value, gast.Call) else None
        whole = isinstance(value, gast.Call) and len(value.args) == 1 and not value.keywords
        whole = whole and value.args[0] is uses[0]
        if one_target and isinstance(value, gast.Subscript) and value.value is uses[0]:
            index = self._index(s, value.slice, count)
            self.edits.append(("read", s, block, count, index))
        elif one_target and whole and fn is builtins.len:
            self.edits.append(("len", s, block, count, None))
            if not count[1]:
                self.lengths[s.targets[0].id] = count[0]
        elif one_target and whole and any(fn is w for w in _WHOLE):
            least = self.indices.bounds(s, count, self._exact)
            if least is None or least[0] < 1:
                raise _Keep  # (no item yet: `np.array([])` has no rows of the items' shape)
            self.edits.append(("whole", s, block, count, None))
        elif isinstance(s, gast.Expr) and whole and isinstance(value.func, gast.Name) and value.func.id in self.checks:
            self.edits.append(("check", s, block, count, None))
        else:
            raise _Keep
        self.seen.add(id(uses[0]))

    def _index(self, s: gast.stmt, node: gast.AST, count: Affine) -> Affine | None:
        """The position `s[node]` reads, counted from the start where it counts from the end
        (None: `node` itself); it provably holds an item."""
        form = self.indices.affine(s, node, self._exact)
        if form is None:
            raise _Keep
        span = self.indices.bounds(s, form, self._exact)
        if span is None or span[0] < 0 <= span[1]:
            raise _Keep  # (from the start for some steps, from the end for others)
        if span[1] < 0:
            form = _add(count, form)
        low = self.indices.bounds(s, form, self._exact)
        room = self.indices.bounds(s, _add(count, _scale(form, -1)), self._exact)
        if low is None or room is None or low[0] < 0 or room[0] < 1:
            raise _Keep
        return form if span[1] < 0 else None

    # ------------------------------------------------------------------------------ rewriting

    def rewrite(self, ctx: Context) -> None:
        lst = self.lst
        sizes = (self.capacity, *self.item_shape)
        shape = gast.Tuple(elts=[gast.Constant(value=d, kind=None) for d in sizes], ctx=gast.Load())
        empty = gast.Call(func=ctx.numpy_attr("empty"), args=[shape], keywords=[])
        empty._ag_fn = np.empty
        empty.func._ag_global = True
        empty.func._ag_obj = np.empty
        items = self.display.value.elts
        made = [gast.copy_location(assign(lst, empty), self.display)]
        made[0]._ag_filled_once = True  # (a position, once written, holds its item: loop_saves.py reads it again)
        for k, item in enumerate(items):
            made.append(_store(lst, gast.Constant(value=k, kind=None), item, self.display))
        _replace(self.body, self.display, made)
        last = max((i for i, e in enumerate(self.edits)), default=-1)
        for i, (what, s, block, count, index) in enumerate(self.edits):
            if what == "append":
                stmts, at = _emit(count, lst, ctx)
                _replace(block, s, [*stmts, _store(lst, at, s._ag_append[1], s)])
            elif what == "read":
                stmts, at = _emit(index, lst, ctx) if index is not None else ([], s.value.slice)
                s.value = gast.copy_location(gast.Subscript(value=name(lst), slice=at, ctx=gast.Load()), s.value)
                _replace(block, s, [*stmts, s])
            elif what == "len":
                stmts, at = _emit(count, lst, ctx)
                s.value = at
                _replace(block, s, [*stmts, s])
            elif what == "whole":
                full = count == (self.capacity, {})
                if full and i == last and block is self.body:  # (nothing reads the list after: it is the array)
                    target = s.targets[0].id
                    bound = [n for t in self.body for n in walk(t) if isinstance(n, gast.Name) and n.id == target]
                    stores = sum(1 for n in bound if not isinstance(n.ctx, gast.Load))
                    if stores == 1 and target not in self.params:
                        for n in bound:  # (`s_1 = np.array(s)`: s_1 is s from here on, under the list's name)
                            n.id = lst
                        _replace(block, s, [])
                    else:
                        s.value = name(lst)
                    continue
                stmts, at = _emit(count, lst, ctx)
                part = name(lst)
                if not full:
                    view = ctx.namer.fresh(lst + "_filled")
                    window = gast.Slice(lower=None, upper=at, step=None)
                    stmts.append(assign(view, gast.Subscript(value=name(lst), slice=window, ctx=gast.Load()), s))
                    part = name(view)
                copy = gast.Call(func=ctx.numpy_attr("array"), args=[part], keywords=[])
                copy._ag_fn = np.array
                copy.func._ag_global = True
                copy.func._ag_obj = np.array
                s.value = gast.copy_location(copy, s.value)
                _replace(block, s, [*stmts, s])
            else:
                _replace(block, s, [])
        if not self.body:
            self.body.append(gast.Pass())


def _display_of(s: gast.stmt, lst: str) -> bool:
    return (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and s.targets[0].id == lst
        and isinstance(s.value, gast.List)
        and all(isinstance(e, (gast.Name, gast.Constant)) for e in s.value.elts)
    )


def _bound_names(s: gast.stmt) -> list[gast.Name]:
    """The names statement `s` itself binds (not those of the statements in its body)."""
    if isinstance(s, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = s.targets if isinstance(s, gast.Assign) else [s.target]
    elif isinstance(s, (gast.For, gast.With)):
        targets = [s.target] if isinstance(s, gast.For) else [i.optional_vars for i in s.items if i.optional_vars]
    else:
        return []
    return [n for t in targets for n in walk(t) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)]


def _uses(s: gast.AST, lst: str) -> list[gast.Name]:
    return [n for n in walk(s) if isinstance(n, gast.Name) and n.id == lst and isinstance(n.ctx, gast.Load)]


def _appends(s: gast.stmt, lst: str) -> bool:
    return any(getattr(n, "_ag_append", None) and n._ag_append[0] == lst for n in walk(s))


def _doubles_only(fdef: gast.FunctionDef, facts: ShapeFacts, ctx: Context) -> bool:
    """No float or complex value of the function can have another precision than double: the
    arguments and globals it reads are, and it names no other dtype (nor converts with `astype`,
    a `dtype=` or a string)."""

    def double(x) -> bool:
        if isinstance(x, (list, tuple)):
            return all(double(e) for e in x)
        if isinstance(x, dict):
            return all(double(e) for e in x.values())
        if isinstance(x, (np.ndarray, np.generic)):
            return x.dtype.kind not in "fc" or x.dtype in (np.float64, np.complex128)
        if isinstance(x, type) and issubclass(x, np.generic) or isinstance(x, np.dtype):
            return np.dtype(x) in (np.float64, np.complex128) or np.dtype(x).kind not in "fc"
        return True

    for p in fdef._ag_params:
        if not double(getattr(facts.state.get(p), "d", None)):
            return False
    local = facts.local
    for n in walk(fdef):
        if isinstance(n, gast.Attribute) and n.attr in _NARROW:
            return False
        if isinstance(n, gast.keyword) and n.arg == "dtype":
            return False
        if isinstance(n, gast.Call) and any(isinstance(a, gast.Constant) and type(a.value) is str for a in n.args):
            return False
        if isinstance(n, (gast.Name, gast.Attribute)) and not double(getattr(n, "_ag_obj", None)):
            return False
        if isinstance(n, gast.Name) and n.id not in local and not double(ctx.peek(n.id)):
            return False
    return True


def _unchanged(fdef: gast.FunctionDef, items: set[str], display: gast.stmt, lst: str) -> bool:
    """No value put in the list `lst` is written into afterwards, directly or through a view (a
    list holds the object, the array a copy of its values then): nothing the function writes in
    place, hands to a call that may write into it, puts in another container, or calls a method of,
    shares memory with an item."""
    views: dict[str, set[str]] = getattr(fdef, "_ag_views", {}) or {}
    related = set(items)
    changed = True
    while changed:  # (both ways: an item that views an array, an array that views an item)
        changed = False
        for alias, bases in views.items():
            if alias in related or bases & related:
                new = ({alias} | set(bases)) - related
                if new:
                    related |= new
                    changed = True
    own = {id(n.value) for n in walk(fdef) if getattr(n, "_ag_append", None) and n._ag_append[0] == lst}
    for n in walk(fdef):
        if isinstance(n, (gast.List, gast.Tuple, gast.Set, gast.Dict)) and n is not display.value:
            elts = n.values if isinstance(n, gast.Dict) else n.elts
            if any(isinstance(e, gast.Name) and e.id in related for e in elts):
                return False
        if isinstance(n, gast.AugAssign):
            targets = [n.target]
        elif isinstance(n, gast.Assign):
            targets = n.targets
        else:
            targets = []
        for t in targets:
            if not isinstance(t, gast.Name) and any(isinstance(m, gast.Name) and m.id in related for m in walk(t)):
                return False
        if isinstance(n, gast.Call) and id(n) not in own:
            if any(k.arg == "out" for k in n.keywords):
                return False
            args = [a for a in n.args if isinstance(a, gast.Name) and a.id in related]
            if isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name):
                if n.func.value.id in related and not getattr(n.func, "_ag_global", False):
                    return False  # (a method of an item: `h.fill(0)`)
            if args:
                fn = getattr(n, "_ag_fn", None)
                rule = rules.lookup(fn) if fn is not None else None
                if rule is None and fn not in (builtins.len, np.array, np.asarray, np.stack) or rule and rule.writes:
                    return False
    return True


def _add(a: Affine, b: Affine) -> Affine:
    terms = dict(a[1])
    for v, k in b[1].items():
        terms[v] = terms.get(v, 0) + k
    return (a[0] + b[0], {v: k for v, k in terms.items() if k})


def _scale(a: Affine, c: int) -> Affine:
    return (a[0] * c, {v: k * c for v, k in a[1].items() if k * c})


def _emit(form: Affine, lst: str, ctx: Context) -> tuple[list[gast.stmt], gast.AST]:
    """Statements computing `form` (one operation each) and the atom holding it."""
    const, terms = form
    if not terms:
        return [], gast.Constant(value=const, kind=None)
    stmts: list[gast.stmt] = []
    acc: gast.AST | None = None

    def step(left: gast.AST, op: gast.operator, right: gast.AST) -> gast.AST:
        target = ctx.namer.fresh(lst + "_at")
        stmts.append(assign(target, gast.BinOp(left=left, op=op, right=right)))
        return name(target)

    for v, k in sorted(terms.items(), key=lambda t: t[1] < 0):
        term: gast.AST = name(v)
        if abs(k) != 1:
            term = step(gast.Constant(value=abs(k), kind=None), gast.Mult(), term)
        if acc is None:
            acc = term if k > 0 else step(gast.Constant(value=0, kind=None), gast.Sub(), term)
        else:
            acc = step(acc, gast.Add() if k > 0 else gast.Sub(), term)
    if const:
        acc = step(acc, gast.Add() if const > 0 else gast.Sub(), gast.Constant(value=abs(const), kind=None))
    return stmts, acc


def _store(lst: str, at: gast.AST, item: gast.AST, loc: gast.AST) -> gast.stmt:
    target = gast.Subscript(value=name(lst), slice=at, ctx=gast.Store())
    return gast.copy_location(gast.Assign(targets=[target], value=item, type_comment=None), loc)


def _replace(block: list, s: gast.stmt, new: list[gast.stmt]) -> None:
    k = next(i for i, t in enumerate(block) if t is s)
    block[k : k + 1] = new
