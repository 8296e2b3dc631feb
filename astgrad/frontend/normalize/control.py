"""Control-flow restructuring during normalization: statements after a possible
`break`/`continue`/`return` move into the branches that do not escape, so that an escape only
ever ends a block; returns become assignments to the result (guarded by a flag); the lowering
of `if` and of the escapes themselves."""

from __future__ import annotations

import copy

import gast

from ...ir.trees import assign, assigned_names, name, walk


def ends_block(s: gast.stmt) -> bool:
    return isinstance(s, (gast.Break, gast.Continue, gast.Return, gast.Raise))


def may_escape(block: list[gast.stmt]) -> bool:
    """Whether some path through `block` ends in break/continue/return (which, after
    restructuring, can only stand last in a block)."""
    if not block:
        return False
    last = block[-1]
    if ends_block(last):
        return not isinstance(last, gast.Raise)
    if isinstance(last, gast.If):
        return may_escape(last.body) or may_escape(last.orelse)
    return False


def append_rest(block: list[gast.stmt], rest: list[gast.stmt]) -> list[gast.stmt]:
    """`block` followed by `rest` on every path that does not escape."""
    if not rest:
        return block
    if not block:
        return copy.deepcopy(rest)
    last = block[-1]
    if ends_block(last):
        return block
    if isinstance(last, gast.If) and (may_escape(last.body) or may_escape(last.orelse)):
        last.body = append_rest(last.body, rest)
        last.orelse = append_rest(last.orelse, rest)
        return block
    return block + copy.deepcopy(rest)


class ControlFlowMixin:
    """The control-flow restructuring of `Normalizer` (frontend/normalize/normalizer.py)."""

    def _ssa_candidates(self, body: list[gast.stmt]) -> set[str]:
        """Names bound only by plain assignments in the top-level block."""
        nested: set[str] = set()
        for s in body:
            if isinstance(s, (gast.If, gast.For, gast.While, gast.With, gast.Try)):
                nested |= assigned_names([s])
        return self.locals - nested

    def restructure(self, stmts: list[gast.stmt], in_loop: bool) -> list[gast.stmt]:
        """Move every statement that follows a possible break/continue/return into the branches
        that do not escape, so that escapes only ever end a block; returns become assignments."""
        out: list[gast.stmt] = []
        for i, s in enumerate(stmts):
            rest = stmts[i + 1 :]
            if isinstance(s, gast.Return):
                out.extend(self._lower_return(s, in_loop))
                return out
            if isinstance(s, (gast.Break, gast.Continue, gast.Raise)):
                out.append(s)
                return out
            if isinstance(s, gast.If):
                s.body = self.restructure(s.body, in_loop)
                s.orelse = self.restructure(s.orelse, in_loop)
                out.append(s)
                if may_escape(s.body) or may_escape(s.orelse):
                    tail = self.restructure(rest, in_loop)
                    s.body = append_rest(s.body, tail)
                    s.orelse = append_rest(s.orelse, tail)
                    return out
                if self.ret_flag is not None and self._contains_flag_set(s.body + s.orelse):
                    # a loop in a branch returned: nothing after the branch may run then
                    out.append(self._return_guard(s, self.restructure(rest, in_loop), in_loop))
                    return out
                continue
            if isinstance(s, (gast.For, gast.While)):
                produced = self._restructure_loop(s, in_loop)
                out.extend(produced)
                last = produced[-1]
                else_may_escape = last is not s and isinstance(last, gast.If) and may_escape([last])
                if getattr(s, "_ag_returns", False):
                    guard = [self._return_guard(s, self.restructure(rest, in_loop), in_loop)]
                    if else_may_escape:  # the else-clause may return too: the guard only where it did not
                        last.body = append_rest(last.body, guard)
                        last.orelse = append_rest(last.orelse, guard)
                    else:
                        out.extend(guard)
                    return out
                if last is not s and (ends_block(last) and not isinstance(last, gast.Raise)):
                    return out  # the loop's else-clause escapes: the rest never runs
                if else_may_escape:
                    tail = self.restructure(rest, in_loop)
                    last.body = append_rest(last.body, tail)
                    last.orelse = append_rest(last.orelse, tail)
                    return out
                continue
            out.append(s)
        return out

    def _with_flag(self, body: list[gast.stmt]) -> list[gast.stmt]:
        """`body`, preceded by `returned = False` if a loop in it may return."""
        if self.ret_flag is None:
            return body
        return [assign(self.ret_flag, gast.Constant(value=False, kind=None), self.parsed.tree)] + body

    def _return_guard(self, after: gast.stmt, tail: list[gast.stmt], in_loop: bool) -> gast.If:
        """`if returned: <leave> else: <tail>` after a statement in which a loop returned."""
        # the returned path ends here: a break out of the enclosing loop, or the function's end
        # (a bare return marks it, so that later statements are never appended to it)
        leave = gast.Break() if in_loop else gast.Return(value=None)
        guard = gast.If(test=name(self.ret_flag), body=[gast.copy_location(leave, after)], orelse=tail)
        return gast.copy_location(guard, after)

    def _lower_return(self, s: gast.Return, in_loop: bool) -> list[gast.stmt]:
        if self.retval is None:
            self.retval = self.ctx.namer.fresh("out")
            self.locals.add(self.retval)
        value = s.value if s.value is not None else gast.Constant(value=None, kind=None)
        stmts: list[gast.stmt] = [assign(self.retval, value, s)]
        if in_loop:
            if self.ret_flag is None:
                self.ret_flag = self.ctx.namer.fresh("returned")
                self.locals.add(self.ret_flag)
            stmts.append(assign(self.ret_flag, gast.Constant(value=True, kind=None), s))
            stmts.append(gast.copy_location(gast.Break(), s))
        else:
            stmts.append(gast.copy_location(gast.Return(value=None), s))  # marks the path's end
        return stmts

    def _restructure_loop(self, loop: gast.For | gast.While, in_loop: bool) -> list[gast.stmt]:
        loop.body = self.restructure(loop.body, in_loop=True)
        # a `continue` that ends a path is a no-op once the rest of the body lives in else-branches
        loop.body = self._drop_trailing_continue(loop.body)
        loop._ag_returns = self.ret_flag is not None and self._contains_flag_set(loop.body)
        out: list[gast.stmt] = []
        if loop.orelse:
            if ControlFlowMixin._has_break(loop.body):
                flag = self.ctx.namer.fresh("broke")
                self.locals.add(flag)
                self._mark_breaks(loop.body, flag)
                out.append(assign(flag, gast.Constant(value=False, kind=None), loop))
                orelse = self.restructure(loop.orelse, in_loop)
                guard = gast.If(test=name(flag), body=[gast.Pass()], orelse=orelse)
                gast.copy_location(guard, loop.orelse[0])
                loop.orelse = []
                out += [loop, guard]
                return out
            tail = loop.orelse
            loop.orelse = []
            out.append(loop)
            out.extend(tail)
            return out
        out.append(loop)
        return out

    def _contains_flag_set(self, body: list[gast.stmt]) -> bool:
        return any(
            isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id == self.ret_flag
            for s in body
            for n in walk(s)
        )

    def _drop_trailing_continue(self, block: list[gast.stmt]) -> list[gast.stmt]:
        if not block:
            return block
        last = block[-1]
        if isinstance(last, gast.Continue):
            return block[:-1] or [gast.copy_location(gast.Pass(), last)]
        if isinstance(last, gast.If):
            last.body = self._drop_trailing_continue(last.body)
            last.orelse = self._drop_trailing_continue(last.orelse)
        return block

    @staticmethod
    def _walk_block(block: list[gast.stmt]):
        """Statements of `block` and its branches, not entering nested loops."""
        for s in block:
            yield s
            if isinstance(s, gast.If):
                yield from ControlFlowMixin._walk_block(s.body)
                yield from ControlFlowMixin._walk_block(s.orelse)

    def _mark_breaks(self, block: list[gast.stmt], flag: str) -> None:
        for s in block:
            if isinstance(s, gast.If):
                for branch in (s.body, s.orelse):
                    if branch and isinstance(branch[-1], gast.Break):
                        branch.insert(-1, assign(flag, gast.Constant(value=True, kind=None), branch[-1]))
                    self._mark_breaks(branch, flag)

    def stmt_Break(self, s):
        self.emit(gast.Break())

    def stmt_Continue(self, s):
        self.emit(gast.Continue())

    def stmt_Return(self, s):
        # after restructuring a bare Return only marks the end of a top-level path
        if s.value is not None:
            raise self.error("return here is not supported", s)

    def stmt_If(self, s):
        test = self.test(s.test, s.body + s.orelse)
        body = self.sub_block(s.body)
        orelse = self.sub_block(s.orelse) if s.orelse else []
        node = gast.If(test=test, body=body, orelse=orelse)
        self.loc = s
        self.emit(node)

    @staticmethod
    def _has_break(body: list[gast.stmt]) -> bool:
        return any(isinstance(s, gast.Break) for s in ControlFlowMixin._walk_block(body))
