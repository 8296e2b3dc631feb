"""Loop lowering during normalization: `while` loops (a compound test evaluated in the body,
the trip count kept for the backward pass) and `for` loops over ranges, sequences, arrays,
dicts, `enumerate` and `zip`, as index loops."""

from __future__ import annotations

import builtins
import copy
from typing import Callable

import gast

from ... import runtime
from ...ir.sentinels import MISSING
from ...ir.trees import assigned_names, name, walk
from .refusals import node_source


def _resizing_call(iterable: gast.AST, body: list[gast.stmt]) -> gast.AST | None:
    """A statement of `body` that changes the length of the list `iterable` names, if any."""
    if not isinstance(iterable, gast.Name):
        return None
    for node in (n for st in body for n in walk(st)):
        if (
            isinstance(node, gast.Call)
            and isinstance(node.func, gast.Attribute)
            and node.func.attr in ("append", "extend", "insert", "pop", "remove", "clear")
            and isinstance(node.func.value, gast.Name)
            and node.func.value.id == iterable.id
        ):
            return node
        if isinstance(node, gast.Delete) and any(
            isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name) and t.value.id == iterable.id
            for t in node.targets
        ):
            return node
    return None


def _substitute_name(tree: gast.AST, old: str, new: gast.AST) -> gast.AST:
    class Sub(gast.NodeTransformer):
        def visit_Name(self, n):
            return copy.deepcopy(new) if n.id == old else n

    return Sub().visit(tree)


class LoopsMixin:
    """The loop lowering of `Normalizer` (frontend/normalize/normalizer.py)."""

    def stmt_While(self, s):
        # the trip count the backward pass needs is kept by the reverse transformer in `counter`
        counter = self.ctx.namer.fresh("n_iter")
        self.locals.add(counter)
        saved, saved_loc = self.out, self.loc
        self.out = []
        test_stmts_start = len(self.out)
        test = self.test(s.test, s.body)
        test_stmts = self.out[test_stmts_start:]
        self.out = saved
        self.loc = saved_loc
        body = self.sub_block(s.body)
        if test_stmts:
            # `while <compound test>:` → `while True:` that evaluates the test, then `if not test: break`
            brk = gast.If(test=test, body=body, orelse=[gast.copy_location(gast.Break(), s)])
            gast.copy_location(brk, s)
            loop = gast.While(test=gast.Constant(value=True, kind=None), body=test_stmts + [brk], orelse=[])
            loop._ag_test_stmts = len(test_stmts)
        else:
            loop = gast.While(test=test, body=body, orelse=[])
            loop._ag_test_stmts = 0
        loop._ag_counter = counter
        self.loc = s
        self.emit(loop)

    def stmt_For(self, s):
        before = set(self.iterating)
        self.iterating |= {n.id for n in walk(s.iter) if isinstance(n, gast.Name) and n.id in self.locals}
        try:
            self._lower_for(s)
        finally:
            self.iterating = before

    def _lower_for(self, s):
        iterable = s.iter
        if self._may_walk_a_dict(s):  # `for k in params: ... params[k]`: a dict's keys
            keys = gast.Call(func=name(self.ctx.helper("keys_if_dict")), args=[iterable], keywords=[])
            keys._ag_fn = runtime.keys_if_dict
            iterable = gast.copy_location(keys, iterable)
        fn = self.resolve(iterable.func) if isinstance(iterable, gast.Call) else MISSING
        counter = None
        if self._has_break(s.body):
            counter = self.ctx.namer.fresh("n_iter")
            self.locals.add(counter)
        if fn is builtins.range and isinstance(s.target, gast.Name) and not iterable.keywords:
            args = [self.atom(a) for a in iterable.args]
            target = s.target.id
            prefix: list[tuple[gast.AST, gast.AST]] = []
            if target in assigned_names(s.body):  # rebound in the body: the loop's index is another name
                target = self.ctx.namer.fresh("k")
                prefix = [(s.target, name(target))]
        else:
            length, element = self.iteration(iterable, s.body)
            args = [length]
            target = self.ctx.namer.fresh("k")
            prefix = [(s.target, element(target))]
        assigned_in_body = assigned_names(s.body) | assigned_names([s.target])
        if any(isinstance(a, gast.Name) and a.id in assigned_in_body for a in args):
            rng = self.temp(gast.Call(func=self._builtin("range"), args=args, keywords=[]), keep=True)
            iter_node: gast.AST = rng
        else:
            iter_node = gast.Call(func=self._builtin("range"), args=args, keywords=[])
        self.version[target] = target
        self.locals.add(target)
        saved, saved_loc = self.out, self.loc
        self.out = []
        for tgt, value in prefix:
            self.assign_to(tgt, value)
        self.block(s.body)
        body = self.out or [gast.Pass()]
        self.out, self.loc = saved, saved_loc
        loop = gast.For(target=name(target, gast.Store()), iter=iter_node, body=body, orelse=[], type_comment=None)
        loop._ag_counter = counter
        self.emit(loop)

    def _may_walk_a_dict(self, s: gast.For) -> bool:
        """`for k in d` over a global dict, or over a name the body indexes by the loop variable
        (`params[k]`): Python walks a dict's keys, not d[0], d[1], ... (keys_if_dict)."""
        d = s.iter
        if not isinstance(d, gast.Name):
            return False
        if d.id not in self.locals:
            return isinstance(self.resolve(d), dict)
        return isinstance(s.target, gast.Name) and any(
            isinstance(n, gast.Subscript)
            and isinstance(n.value, gast.Name)
            and n.value.id == d.id
            and isinstance(n.slice, gast.Name)
            and n.slice.id == s.target.id
            for n in walk(gast.Module(body=s.body, type_ignores=[]))
        )

    def iteration(self, iterable: gast.AST, body: list[gast.stmt]) -> tuple[gast.AST, Callable[[str], gast.AST]]:
        """How to walk any iterable by index: (length atom, index name → element expression)."""
        if (
            isinstance(iterable, gast.Call)
            and not iterable.keywords
            or (isinstance(iterable, gast.Call) and self.resolve(iterable.func) is builtins.enumerate)
        ):
            fn = self.resolve(iterable.func)
            if fn is builtins.enumerate:
                start = None
                if len(iterable.args) > 1:
                    start = self.atom(iterable.args[1])
                for kw in iterable.keywords:
                    if kw.arg == "start":
                        start = self.atom(kw.value)
                length, inner = self.iteration(iterable.args[0], body)

                def element(k: str, inner=inner, start=start) -> gast.AST:
                    idx: gast.AST = name(k) if start is None else gast.BinOp(left=name(k), op=gast.Add(), right=start)
                    return gast.Tuple(elts=[idx, inner(k)], ctx=gast.Load())

                return length, element
            if fn is builtins.zip:
                parts = [self.iteration(a, body) for a in iterable.args]
                lengths = [p[0] for p in parts]
                shortest = gast.Call(func=self._builtin("min"), args=lengths, keywords=[])
                shortest._ag_fn = builtins.min  # (as for the user's own calls: analyses look the function up)
                length = lengths[0] if len(lengths) == 1 else self.temp(shortest)
                return length, lambda k: gast.Tuple(elts=[p[1](k) for p in parts], ctx=gast.Load())
            if fn is builtins.reversed and len(iterable.args) == 1:
                length, inner = self.iteration(iterable.args[0], body)

                def element(k: str, inner=inner, length=length) -> gast.AST:
                    last = gast.BinOp(left=length, op=gast.Sub(), right=gast.Constant(value=1, kind=None))
                    return inner_at(inner, gast.BinOp(left=last, op=gast.Sub(), right=name(k)))

                def inner_at(inner, index_expr):
                    k2 = "__ag_index__"
                    tree = inner(k2)
                    return _substitute_name(tree, k2, index_expr)

                return length, element
            if fn is builtins.range:
                seq = self.temp(iterable, keep=True)
                counted = gast.Call(func=self._builtin("len"), args=[seq], keywords=[])
                counted._ag_fn = builtins.len
                return self.temp(counted), lambda k: gast.Subscript(value=seq, slice=name(k), ctx=gast.Load())
        written = isinstance(iterable, gast.Name) and iterable.id in self._written_in_place(self.parsed.tree.body)
        resized = _resizing_call(iterable, body)
        if resized is not None:
            raise self.error(
                f"a for loop over `{iterable.id}`, which its body makes longer or shorter (`{node_source(resized)}`): "
                "astgrad walks the sequence by position, over the length it had when the loop started",
                resized,
                hint=f"use a while loop with an index (`while i < len({iterable.id}):`)",
            )
        seq = self.atom(iterable)
        check = gast.Call(func=name(self.ctx.helper("check_sequence")), args=[copy.deepcopy(seq)], keywords=[])
        self.emit(gast.Expr(value=check))  # (a dict walked by position would give its values, not its keys)
        if isinstance(seq, gast.Name) and seq.id in assigned_names(body):
            seq = self.temp(seq, keep=True)
        call = gast.Call(func=self._builtin("len"), args=[seq], keywords=[])
        call._ag_fn = builtins.len  # (as for the user's own calls: analyses look the function up)
        length = self.temp(call)

        def element(k: str) -> gast.AST:
            row = gast.Subscript(value=copy.deepcopy(seq), slice=name(k), ctx=gast.Load())
            if not written:
                return row
            # the function writes into the sequence: each row a copy, not a view the write changes
            return gast.Call(func=self.ctx.numpy_attr("copy"), args=[row], keywords=[])

        return length, element

    def _builtin(self, fname: str) -> gast.Name:
        """The builtin `fname` (`len`, `range`) for code astgrad writes: by its name, or where the
        user's function or globals give the name another meaning, by a name of astgrad's own."""
        if fname in self.locals or self.ctx.peek(fname) is not getattr(builtins, fname):
            fname = self.ctx.internal_ref(getattr(builtins, fname), fname)
        node = name(fname)
        node._ag_global = True
        return node
