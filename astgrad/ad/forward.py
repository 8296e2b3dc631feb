"""Forward mode: after each active primal statement, the statement computing its tangent.

A tangent `x_dot` is the directional derivative of `x` along the input tangents. Forward mode
needs no tape: branches and loops keep their shape, and each assignment to an active name is
followed by the tangent rule of its primitive. A tangent known to be zero is never computed:
templates are linear in the tangents, so a term whose tangent is zero simply drops out.
"""

from __future__ import annotations

import copy
import inspect

import gast

from .. import rules, runtime
from ..analysis.activity import (
    Activity,
    assignment_counts,
    float_store_check,
    made_float,
    merge_checks,
    operands,
    primitive,
    refuse_argument_writes,
    refuse_caller_tape_reads,
)
from ..analysis.sequences import ambiguous, elementwise_check, sequence_calls, sequence_op
from ..analysis.spellings import as_call, spelled_calls
from ..frontend.callables import is_user_function
from ..frontend.context import Context
from ..ir.trees import assign, name, names_in, walk
from .templates import Bound, TemplateMismatch, refusal_message, refuse_active_star_argument, refused_parameter

ZERO = object()  # marker of a zero tangent during simplification


def _zero_constant() -> gast.Constant:
    return gast.Constant(value=0.0, kind=None)


def _is_sum(call: gast.Call) -> bool:
    """Whether `call` is the runtime's sum of two adjoints or tangents (arrays or containers)."""
    return isinstance(call.func, gast.Name) and call.func.id == "add_adjoints"


def simplify(expr: gast.AST, zero_names: set[str]) -> gast.AST | object:
    """`expr` with zero tangents removed, or ZERO if it is zero altogether (linear in tangents)."""

    def has_zero(e) -> bool:
        return any(isinstance(n, gast.Name) and n.id in zero_names for n in walk(e))

    def go(e):
        if isinstance(e, gast.Name):
            return ZERO if e.id in zero_names else e
        if not has_zero(e):
            return e
        if isinstance(e, gast.BinOp):
            left, right = go(e.left), go(e.right)
            if isinstance(e.op, gast.Add):
                if left is ZERO:
                    return right
                if right is ZERO:
                    return left
            elif isinstance(e.op, gast.Sub):
                if right is ZERO:
                    return left
                if left is ZERO:
                    return ZERO if right is ZERO else gast.UnaryOp(op=gast.USub(), operand=right)
            elif isinstance(e.op, (gast.Mult, gast.MatMult)):
                if left is ZERO or right is ZERO:
                    return ZERO
            elif isinstance(e.op, (gast.Div, gast.FloorDiv)):
                if left is ZERO:
                    return ZERO
            e.left = _zero_constant() if left is ZERO else left
            e.right = _zero_constant() if right is ZERO else right
            return e
        if isinstance(e, gast.UnaryOp):
            inner = go(e.operand)
            if inner is ZERO:
                return ZERO
            e.operand = inner
            return e
        if isinstance(e, gast.Subscript):
            base = go(e.value)
            if base is ZERO:
                return ZERO
            e.value = base
            return e
        if isinstance(e, gast.IfExp):
            body, orelse = go(e.body), go(e.orelse)
            if body is ZERO and orelse is ZERO:
                return ZERO
            e.body = _zero_constant() if body is ZERO else body
            e.orelse = _zero_constant() if orelse is ZERO else orelse
            return e
        if isinstance(e, gast.Call):
            # linear in its tangent arguments: zero if every argument that carries one is zero
            args = [go(a) for a in e.args]
            kws = [go(k.value) for k in e.keywords]
            if _is_sum(e) and len(args) == 2 and not kws and ZERO in args:  # add_adjoints(0, b) is b
                return args[1] if args[0] is ZERO else args[0]
            carrying = [a for a in args + kws if a is ZERO or _mentions_dot(a)]
            if carrying and all(a is ZERO for a in carrying):
                return ZERO
            e.args = [_zero_constant() if a is ZERO else a for a in args]
            for k, v in zip(e.keywords, kws):
                k.value = _zero_constant() if v is ZERO else v
            return e
        if isinstance(e, (gast.Tuple, gast.List)):
            elts = [go(x) for x in e.elts]
            if all(x is ZERO for x in elts):
                return ZERO
            e.elts = [_zero_constant() if x is ZERO else x for x in elts]
            return e
        # anything else: replace zero tangents by 0.0
        for node in walk(e):
            for fld, value in gast.iter_fields(node):
                if isinstance(value, gast.Name) and value.id in zero_names:
                    setattr(node, fld, _zero_constant())
        return e

    return go(copy.deepcopy(expr))


def _mentions_dot(e) -> bool:
    return any(isinstance(n, gast.Name) and getattr(n, "_ag_dot", False) for n in walk(e))


class ForwardTransformer:
    """Interleaves tangent statements with the primal statements of a normalized function."""

    def __init__(self, ctx: Context, fdef: gast.FunctionDef, wrt: list[str], program=None):
        self.ctx = ctx
        self.fdef = fdef
        self.wrt = wrt
        self.program = program
        ret = fdef.body[-1]
        self.output = ret.value
        outs = [self.output.id] if isinstance(self.output, gast.Name) else []
        self.activity = Activity(ctx, fdef, wrt, outs)
        self.varied = set(self.activity.varied)
        self.float_made = made_float(fdef)  # (arrays no store truncates: unchecked)
        refuse_caller_tape_reads(ctx, fdef, self.activity.useful)  # (a generated backward function)
        refuse_argument_writes(ctx, fdef, self.activity)
        self.merges = merge_checks(ctx, fdef, self.activity)  # (`p | q` of dicts: refused where it runs)
        self.dot_names: dict[str, str] = {}
        self.sites = assignment_counts(fdef)
        self.loop_depth = 0
        self.spelled = spelled_calls(fdef)  # id of `s = 1.0 / t3` → (logistic, "z"): see spellings.py
        self.sequence_ops = sequence_calls(fdef)  # id of `zs = xs * 2` → repeated(xs, 2): sequences.py
        # names the function writes into at an index (`y[i] = v`): their tangents are written
        # there too, so each must be an array of their own, not another tangent (see owned)
        self.written = {
            n.targets[0].value.id
            for n in walk(fdef)
            if isinstance(n, gast.Assign)
            and isinstance(n.targets[0], gast.Subscript)
            and isinstance(n.targets[0].value, gast.Name)
        }

    def dot(self, var: str) -> str:
        if var not in self.dot_names:
            self.dot_names[var] = self.ctx.namer.fresh(var + "_dot")
        return self.dot_names[var]

    def dot_ref(self, var: str) -> gast.Name:
        node = name(self.dot(var))
        node._ag_dot = True
        return node

    def call(self, fname: str, *args: gast.AST) -> gast.Call:
        return gast.Call(func=name(self.ctx.helper(fname)), args=list(args), keywords=[])

    def run(self) -> tuple[list[gast.stmt], gast.AST]:
        """(statements, tangent of the output)."""
        body = self.transform(self.fdef.body[:-1])
        # a parameter without a tangent of its own that becomes active (an active value is
        # written into it) starts from a zero tangent
        for p in reversed(self.fdef._ag_params):
            if p in self.varied and p not in self.wrt:
                body.insert(0, assign(self.dot(p), self.call("zeros_like", name(p))))
            elif p in self.varied and p in self.written:  # (the caller's tangent, not to be written into)
                body.insert(0, assign(self.dot(p), self.owned(name(self.dot(p)))))
        out = self.output
        if isinstance(out, gast.Name) and out.id in self.varied:
            out_dot: gast.AST = name(self.dot(out.id))
        else:
            out_dot = self.call("zeros_like", copy.deepcopy(out))
        return body, out_dot

    def transform(self, body: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in body:
            if isinstance(s, gast.Assign):
                if id(s) in self.merges:
                    out.append(self.merges[id(s)])
                out += self.assignment(s)
            elif getattr(s, "_ag_append", None):
                lst, item = s._ag_append
                out.append(s)
                if lst in self.varied:
                    part = (
                        name(self.dot(item.id))
                        if isinstance(item, gast.Name) and item.id in self.varied
                        else self.call("zeros_like", copy.deepcopy(item))
                    )
                    call = gast.Call(
                        func=gast.Attribute(value=name(self.dot(lst)), attr="append", ctx=gast.Load()),
                        args=[part],
                        keywords=[],
                    )
                    out.append(gast.Expr(value=call))
            elif isinstance(s, gast.Expr) and getattr(s.value, "_ag_fn", None) is runtime.push:
                out.append(s)
                pushed = s.value.args[1]
                if isinstance(pushed, gast.Name) and pushed.id in self.varied:
                    call = copy.deepcopy(s.value)
                    call.args[1] = name(self.dot(pushed.id))
                    out.append(gast.Expr(value=call))
            elif isinstance(s, (gast.If, gast.For, gast.While)):
                s = copy.copy(s)
                loop = not isinstance(s, gast.If)
                self.loop_depth += loop
                s.body = self.transform(s.body) or [gast.Pass()]
                s.orelse = self.transform(s.orelse)
                self.loop_depth -= loop
                out.append(s)
            else:
                out.append(s)
        return out

    def assignment(self, s: gast.Assign) -> list[gast.stmt]:
        target = s.targets[0]
        if isinstance(target, gast.Subscript):
            return self.setitem(s, target)
        var = target.id
        if var not in self.varied:
            return [s]
        value = s.value
        if isinstance(value, gast.Call) and getattr(value, "_ag_fn", None) is runtime.pop:
            # the tangent was pushed after the value (see transform), so it comes off first
            return [assign(self.dot(var), copy.deepcopy(value), s), s]
        user = self.user_call(var, value, s)
        if user is not None:
            if var in self.written:  # (a function may return its argument's tangent itself)
                user.append(assign(self.dot(var), self.owned(name(self.dot(var))), s))
            return user
        if id(s) in self.spelled:  # the last statement of a known function's spelling: its tangent
            value = as_call(self.spelled[id(s)])  # as that function's (y (1 - y) x_dot, finite where e^-x overflows)
        if id(s) in self.sequence_ops.calls:
            value = sequence_op(self.sequence_ops, s) or value
        tangent = self.tangent_of(value, s)
        if (
            tangent is ZERO
            and self.sites.get(var, 0) == 1
            and var not in self.wrt
            and not self.loop_depth
            and var not in self.activity.call_written
        ):
            self.varied.discard(var)  # assigned once, from something constant: a zero tangent
            return [s]
        if tangent is ZERO:
            expr: gast.AST = self.call("zeros_like", name(var))
        elif var in self.written:
            expr = self.owned(tangent)
        else:
            expr = tangent
        # (an ambiguous `xs * n` or `ys + x` of two varied operands needs no check here: Python's
        # operator on list tangents repeats and joins them as it does the values, and broadcast_like
        # refuses a list spread; with one operand constant, its tangent is no operand at all, so
        # `t + (3.0,)` would give t's tangent alone: checked where it runs, as in reverse mode)
        operands = (value.left, value.right) if isinstance(value, gast.BinOp) else ()
        if ambiguous(self.sequence_ops, s, self.varied) and not all(
            isinstance(o, gast.Name) and o.id in self.varied for o in operands
        ):
            return [elementwise_check(self.ctx, s), s, assign(self.dot(var), expr, s)]
        return [s, assign(self.dot(var), expr, s)]

    def owned(self, tangent: gast.AST) -> gast.AST:
        """`tangent` as an array of its own, for a name written into at an index: arithmetic
        makes a new array; a tangent passed through (`y = x + 0.0` has tangent x_dot), a view
        (`x[1:]`, `x.T`) or the caller's tangent is copied, else the write would change it too."""
        copies = self.ctx.helper("copy_of")
        if isinstance(tangent, (gast.BinOp, gast.UnaryOp)) or (
            isinstance(tangent, gast.Call) and isinstance(tangent.func, gast.Name) and tangent.func.id == copies
        ):
            return tangent
        call = self.call("copy_of", tangent)
        call._ag_fn = runtime.copy_of
        return call

    def tangent_of(self, value: gast.AST, stmt: gast.stmt):
        fn = primitive(value)
        args = operands(value)
        if fn is None:
            return ZERO
        if fn is tuple:  # container display: the display of the tangents
            parts = []
            elts = value.values if isinstance(value, gast.Dict) else value.elts
            for e in elts:
                if isinstance(e, gast.Name) and e.id in self.varied:
                    parts.append(name(self.dot(e.id)))
                else:
                    parts.append(self.call("zeros_like", copy.deepcopy(e)))
            if isinstance(value, gast.Dict):
                return gast.Dict(keys=copy.deepcopy(value.keys), values=parts)
            return type(value)(elts=parts, ctx=gast.Load())
        rule = rules.lookup(fn)
        if rule is not None and not rule.differentiable:
            return ZERO
        if not any(isinstance(a, gast.Name) and a.id in self.varied for a in args):
            return ZERO
        if rule is None or rule.tangent is None:
            what = rules.registry.display_name(fn)
            note = getattr(rule, "note", "")
            message = f"no tangent (forward-mode) rule for `{what}`"
            if (getattr(fn, "__module__", None) or "").startswith("astgrad."):  # a helper of a first derivative
                message = f"no second derivative: astgrad's `{what}` (in the first derivative) has no tangent rule"
            raise self.ctx.parsed.error(
                message + (f" ({note})" if note else ""), stmt, hint=f"register one with @astgrad.tangent({what})"
            )
        if isinstance(value, gast.Call):
            pos, kws = list(value.args), {k.arg: k.value for k in value.keywords}
        elif isinstance(value, gast.Subscript):
            pos, kws = [value.value, value.slice], {}
        else:
            pos, kws = args, {}
        target = stmt.targets[0]
        try:
            bound = Bound(rule.tangent, name(target.id), pos, kws, self.ctx, fn)
        except TemplateMismatch as exc:
            raise self.ctx.parsed.error(
                f"the tangent rule of `{getattr(fn, '__name__', fn)}` does not accept this call ({exc})", stmt
            ) from None
        refused = refused_parameter(rule, "tangent", bound, self.varied)
        if refused is not None:
            message, hint = refusal_message(fn, refused)
            raise self.ctx.parsed.error(message, stmt, hint=hint)
        role: dict[str, gast.AST | None] = {}
        zero_names: set[str] = set()
        for param, node in bound.mapping.items():
            if isinstance(node, gast.Name) and node.id in self.varied and param != rule.tangent.params[0]:
                role[param + "_dot"] = self.dot_ref(node.id)
            else:
                marker = f"__zero_{param}__"
                role[param + "_dot"] = name(marker)
                zero_names.add(marker)
        result = None
        for placeholder, expr, _temps in bound.statements(role):
            if placeholder == rule.tangent.params[0] + "_dot":
                result = simplify(expr, zero_names)
        if result is None or result is ZERO:
            return ZERO
        mentioned = names_in(result)
        unseen = [a for a in args if isinstance(a, gast.Name) and a.id not in self.varied and a.id not in mentioned]
        if rule.elementwise and unseen:
            # a dropped term carried an inactive operand's shape, which the rest does not
            # broadcast to: spread the tangent to the result's shape
            result = self.call("broadcast_like", result, name(target.id))
        return result

    def setitem(self, s: gast.Assign, target: gast.Subscript) -> list[gast.stmt]:
        var = target.value.id
        if var not in self.varied:
            return [s]
        value = s.value
        if isinstance(value, gast.Name) and value.id in self.varied:
            part: gast.AST = name(self.dot(value.id))
        elif isinstance(target.slice, gast.Slice) and isinstance(value, gast.Name):  # (a list's slice takes a list)
            part = self.call("zeros_like", name(value.id))
        else:
            part = gast.Constant(value=0.0, kind=None)
        dot_target = gast.Subscript(value=name(self.dot(var)), slice=copy.deepcopy(target.slice), ctx=gast.Store())
        active = isinstance(value, gast.Name) and value.id in self.varied and var not in self.float_made
        checked = [float_store_check(self.ctx, s)] if active else []
        return [*checked, s, assign(dot_target, part, s)]  # (an integer array would truncate the value)

    def user_call(self, var: str, value: gast.AST, where: gast.AST | None = None):
        fn = getattr(value, "_ag_fn", None) if isinstance(value, gast.Call) else None
        rule = rules.lookup(fn) if fn is not None else None
        if fn is None or self.program is None or not is_user_function(fn) or (rule and not rule.through_source):
            return None
        bound = inspect.signature(fn).bind(*value.args, **{k.arg: k.value for k in value.keywords})
        refuse_active_star_argument(self.ctx, fn, bound.arguments, self.varied, where or value)
        active = tuple(p for p, a in bound.arguments.items() if isinstance(a, gast.Name) and a.id in self.varied)
        if not active:
            return None
        jvp = self.program.jvp_of(fn, active)
        call = copy.copy(value)
        call.func = name(self.ctx.global_ref(jvp.name, jvp.pending))
        call.keywords = list(call.keywords) + [
            gast.keyword(arg=p + "_dot", value=name(self.dot(bound.arguments[p].id))) for p in active
        ]
        both = gast.Tuple(elts=[name(var, gast.Store()), name(self.dot(var), gast.Store())], ctx=gast.Store())
        return [assign(both, call, value)]
