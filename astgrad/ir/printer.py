"""Printing a generated function's gast tree as Python source directly: the text codegen.render
made by converting the tree to the standard library's and printing that with ast.unparse (as
Python 3.11 prints it, bare tuples and operands tidied as codegen.unparse tidies them), without
the converted copy. The kinds of statement and expression generated code is made of are printed
here; a tree holding any other (a lambda, a comprehension, an f-string, a `with`) is not
(`Unprintable`), and codegen prints it the other way."""

from __future__ import annotations

import sys
from typing import Callable

import gast

# ast.unparse's precedences (ast._Precedence)
_TUPLE, _YIELD, _TEST, _OR, _AND, _NOT, _CMP, _EXPR = 2, 3, 4, 5, 6, 7, 8, 9
_FACTOR, _POWER, _ATOM = 15, 16, 18

_BINOPS = {
    gast.Add: ("+", 13),
    gast.Sub: ("-", 13),
    gast.Mult: ("*", 14),
    gast.MatMult: ("@", 14),
    gast.Div: ("/", 14),
    gast.Mod: ("%", 14),
    gast.FloorDiv: ("//", 14),
    gast.LShift: ("<<", 12),
    gast.RShift: (">>", 12),
    gast.BitOr: ("|", 9),
    gast.BitXor: ("^", 10),
    gast.BitAnd: ("&", 11),
    gast.Pow: ("**", _POWER),
}
_UNARY = {gast.Invert: ("~", _FACTOR), gast.Not: ("not", _NOT), gast.UAdd: ("+", _FACTOR), gast.USub: ("-", _FACTOR)}
_COMPARE = {
    gast.Eq: "==",
    gast.NotEq: "!=",
    gast.Lt: "<",
    gast.LtE: "<=",
    gast.Gt: ">",
    gast.GtE: ">=",
    gast.Is: "is",
    gast.IsNot: "is not",
    gast.In: "in",
    gast.NotIn: "not in",
}
_INFINITY = "1e" + repr(sys.float_info.max_10_exp + 1)  # (how ast.unparse writes an infinite float)


class Unprintable(Exception):
    """The tree holds a kind of node this printer does not print."""


def source(tree: gast.AST, comments: Callable[[gast.Expr], str | None]) -> str:
    """The source of `tree` (a generated function, a statement or an expression; no final
    newline); `comments(stmt)` is the text of a comment statement (printed `# text`), None for any
    other statement."""
    lines: list[str] = []
    printer = _Printer(lines, comments)
    if isinstance(tree, gast.expr):
        return printer.expr(tree, _TEST)
    if tree.__class__ is gast.FunctionDef:
        printer.function(tree, 0)
    elif isinstance(tree, gast.stmt):
        printer.statement(tree, 0)
    else:
        raise Unprintable(tree)
    return "\n".join(lines)


class _Printer:
    def __init__(self, lines: list[str], comments: Callable[[gast.Expr], str | None]):
        self.lines, self.comments = lines, comments

    # ----------------------------------------------------------------------------- statements

    def function(self, node: gast.FunctionDef, level: int) -> None:
        if node.decorator_list or getattr(node, "type_comment", None):
            raise Unprintable(node)
        head = f"def {node.name}({self.arguments(node.args)})"
        if getattr(node, "returns", None) is not None:
            head += " -> " + self.expr(node.returns, _TEST)
        self.lines.append("    " * level + head + ":")
        body = node.body
        first = body[0] if body else None
        if (
            first.__class__ is gast.Expr
            and first.value.__class__ is gast.Constant
            and isinstance(first.value.value, str)
            and self.comments(first) is None
        ):
            if getattr(first.value, "kind", None) == "u":
                raise Unprintable(first)
            self.lines.append("    " * (level + 1) + _docstring(first.value.value))
            body = body[1:]
        self.block(body, level + 1)

    def arguments(self, args: gast.arguments) -> str:
        parts = []
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for i, (a, d) in enumerate(zip(positional, defaults), 1):
            text = self.parameter(a)
            if d is not None:
                text += "=" + self.expr(d, _TEST)
            parts.append(text)
            if i == len(args.posonlyargs):
                parts.append("/")
        if args.vararg is not None or args.kwonlyargs:
            parts.append("*" + (self.parameter(args.vararg) if args.vararg is not None else ""))
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            parts.append(self.parameter(a) + ("=" + self.expr(d, _TEST) if d is not None else ""))
        if args.kwarg is not None:
            parts.append("**" + self.parameter(args.kwarg))
        return ", ".join(parts)

    def parameter(self, a: gast.Name) -> str:
        if a.__class__ is not gast.Name:
            raise Unprintable(a)
        if getattr(a, "annotation", None) is not None:
            return f"{a.id}: {self.expr(a.annotation, _TEST)}"
        return a.id

    def block(self, stmts: list[gast.stmt], level: int) -> None:
        for s in stmts:
            self.statement(s, level)

    def statement(self, s: gast.stmt, level: int) -> None:
        indent = "    " * level
        cls = s.__class__
        if cls is gast.Assign:
            if getattr(s, "type_comment", None):
                raise Unprintable(s)
            targets = "".join(self.bare(t, _TUPLE) + " = " for t in s.targets)
            self.lines.append(indent + targets + self.bare(s.value, _TEST))
        elif cls is gast.Expr:
            text = self.comments(s)
            if text is not None:
                self.lines.append(indent + "# " + text)
            else:
                self.lines.append(indent + self.bare(s.value, _YIELD))
        elif cls is gast.AugAssign:
            op = _BINOPS[s.op.__class__][0]
            self.lines.append(f"{indent}{self.expr(s.target, _TEST)} {op}= {self.bare(s.value, _TEST)}")
        elif cls is gast.Return:
            self.lines.append(indent + "return" + ("" if s.value is None else " " + self.bare(s.value, _TEST)))
        elif cls is gast.If:
            self.lines.append(f"{indent}if {self.expr(s.test, _TEST)}:")
            self.block(s.body, level + 1)
            while len(s.orelse) == 1 and s.orelse[0].__class__ is gast.If:  # (elif)
                s = s.orelse[0]
                self.lines.append(f"{indent}elif {self.expr(s.test, _TEST)}:")
                self.block(s.body, level + 1)
            self.orelse(s, level)
        elif cls is gast.For:
            if getattr(s, "type_comment", None):
                raise Unprintable(s)
            self.lines.append(f"{indent}for {self.bare(s.target, _TUPLE)} in {self.expr(s.iter, _TEST)}:")
            self.block(s.body, level + 1)
            self.orelse(s, level)
        elif cls is gast.While:
            self.lines.append(f"{indent}while {self.expr(s.test, _TEST)}:")
            self.block(s.body, level + 1)
            self.orelse(s, level)
        elif cls is gast.Pass:
            self.lines.append(indent + "pass")
        elif cls is gast.Break:
            self.lines.append(indent + "break")
        elif cls is gast.Continue:
            self.lines.append(indent + "continue")
        else:
            raise Unprintable(s)

    def orelse(self, s: gast.stmt, level: int) -> None:
        if s.orelse:
            self.lines.append("    " * level + "else:")
            self.block(s.orelse, level + 1)

    # ---------------------------------------------------------------------------- expressions

    def bare(self, node: gast.expr, precedence: int) -> str:
        """A non-empty tuple as its items joined by commas (codegen._bare); anything else as an
        operand of that precedence."""
        if node.__class__ is gast.Tuple and node.elts:
            return self.items(node.elts)
        return self.expr(node, precedence)

    def items(self, elts: list[gast.expr]) -> str:
        if len(elts) == 1:
            return self.expr(elts[0], _TEST) + ","
        return ", ".join([self.expr(e, _TEST) for e in elts])

    def expr(self, node: gast.expr, precedence: int) -> str:
        """`node`'s text as an operand whose context binds at `precedence` (bracketed if it binds
        less tightly)."""
        cls = node.__class__
        if cls is gast.Name:
            return node.id
        if cls is gast.Constant:
            return _constant(node)
        if cls is gast.Call:
            func = self.expr(node.func, _ATOM)
            args = [self.expr(a, _TEST) for a in node.args]
            for k in node.keywords:
                args.append(("**" if k.arg is None else k.arg + "=") + self.expr(k.value, _TEST))
            return f"{func}({', '.join(args)})"
        if cls is gast.Attribute:
            value = node.value
            text = self.expr(value, _ATOM)
            if value.__class__ is gast.Constant and isinstance(value.value, int):
                text += " "  # (`1 .real`)
            return f"{text}.{node.attr}"
        if cls is gast.BinOp:
            op, mine = _BINOPS[node.op.__class__]
            if op == "**":
                left = self.expr(node.left, mine + 1)
                right = node.right
                if right.__class__ is gast.UnaryOp and right.op.__class__ is not gast.Not:
                    right_text = self.expr(right, _TEST)  # (`x ** -y`: codegen's tidying)
                else:
                    right_text = self.expr(right, mine)
            else:
                left, right_text = self.expr(node.left, mine), self.expr(node.right, mine + 1)
            return _bracketed(f"{left} {op} {right_text}", precedence > mine)
        if cls is gast.Subscript:
            value = self.expr(node.value, _ATOM)
            index = node.slice
            if index.__class__ is gast.Tuple and index.elts:
                return f"{value}[{self.items(index.elts)}]"
            return f"{value}[{self.expr(index, _TEST)}]"
        if cls is gast.UnaryOp:
            op, mine = _UNARY[node.op.__class__]
            operand = self.expr(node.operand, mine)
            return _bracketed(f"{op}{operand}" if mine == _FACTOR else f"{op} {operand}", precedence > mine)
        if cls is gast.Compare:
            parts = [self.expr(node.left, _EXPR)]
            for op, right in zip(node.ops, node.comparators):
                parts += [_COMPARE[op.__class__], self.expr(right, _EXPR)]
            return _bracketed(" ".join(parts), precedence > _CMP)
        if cls is gast.Tuple:
            text = self.items(node.elts) if node.elts else ""
            return _bracketed(text, not node.elts or precedence > _TUPLE)
        if cls is gast.List:
            return "[" + ", ".join([self.expr(e, _TEST) for e in node.elts]) + "]"
        if cls is gast.Slice:
            lower, upper, step = (getattr(node, f, None) for f in ("lower", "upper", "step"))
            text = "" if lower is None else self.expr(lower, _TEST)
            text += ":" + ("" if upper is None else self.expr(upper, _TEST))
            if step is not None:
                text += ":" + self.expr(step, _TEST)
            return text
        if cls is gast.BoolOp:
            mine = _AND if node.op.__class__ is gast.And else _OR
            word = " and " if mine == _AND else " or "
            return _bracketed(word.join([self.operand(v, node.op) for v in node.values]), precedence > mine)
        if cls is gast.IfExp:
            body, test = self.expr(node.body, _OR), self.expr(node.test, _OR)
            return _bracketed(f"{body} if {test} else {self.expr(node.orelse, _TEST)}", precedence > _TEST)
        if cls is gast.Starred:
            return "*" + self.expr(node.value, _EXPR)
        if cls is gast.Dict:
            items = [
                "**" + self.expr(v, _EXPR) if k is None else f"{self.expr(k, _TEST)}: {self.expr(v, _TEST)}"
                for k, v in zip(node.keys, node.values)
            ]
            return "{" + ", ".join(items) + "}"
        raise Unprintable(node)

    def operand(self, node: gast.expr, op: gast.boolop) -> str:
        """An operand of `and` / `or`, bracketed where it must be (codegen._operand)."""
        text = self.expr(node, _TEST)
        if node.__class__ is gast.IfExp or (
            node.__class__ is gast.BoolOp and not (op.__class__ is gast.Or and node.op.__class__ is gast.And)
        ):
            return f"({text})"
        return text


def _bracketed(text: str, brackets: bool) -> str:
    return f"({text})" if brackets else text


def _constant(node: gast.Constant) -> str:
    value = node.value
    if value.__class__ is tuple:
        items = [_value(v) for v in value]
        return "(" + (items[0] + "," if len(items) == 1 else ", ".join(items)) + ")"
    if value is ...:
        return "..."
    return ("u" if getattr(node, "kind", None) == "u" else "") + _value(value)


def _value(value: object) -> str:
    if isinstance(value, (float, complex)):
        return repr(value).replace("inf", _INFINITY).replace("nan", f"({_INFINITY}-{_INFINITY})")
    return repr(value)


_MULTI_QUOTES = ('"""', "'''")


def _docstring(string: str) -> str:
    """A docstring's literal as ast.unparse writes it: triple quotes, escaping as little as it can."""

    def escape(c: str) -> str:
        if c in "\n\t":
            return c
        if c == "\\" or not c.isprintable():
            return c.encode("unicode_escape").decode("ascii")
        return c

    escaped = "".join(map(escape, string))
    quotes = [q for q in _MULTI_QUOTES if q not in escaped]
    if not quotes:
        text = repr(string)
        quote = next((q for q in _MULTI_QUOTES if text[0] in q), text[0])
        return f"{quote}{text[1:-1]}{quote}"
    if escaped:
        quotes.sort(key=lambda q: q[0] == escaped[-1])
        if quotes[0][0] == escaped[-1]:
            escaped = escaped[:-1] + "\\" + escaped[-1]
    return f"{quotes[0]}{escaped}{quotes[0]}"
