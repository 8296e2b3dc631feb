"""Random differentiable programs for the astgrad fuzzer (tests/test_fuzz.py).

`programs()` is a hypothesis strategy producing a `Program`: the text of a Python module that
defines `f(x, s)` or `f(x, s, n)` (`x` a float array of shape (3,), `s` a float, `n` a small int)
returning a scalar, plus up to two helper functions `h0`, `h1` that `f` (and `h1`) may call.

The language is the part of Python and NumPy astgrad supports:

* expressions over the rule table: `+ - * /` (denominators `1.5 + e ** 2`), powers, elementwise
  functions on bounded arguments, reductions (`sum mean prod var max min`, the `.sum()` method),
  `@`/`np.dot` with the module constants `A` (3x3) and `B` (3x2, also `B.T`), indexing with
  constants and loop variables, slices, reversed and fancy indexing, `np.where`, `np.abs`,
  `np.maximum`, `np.clip`, Python `abs`/`max`/`min`, `math` functions, ternaries, helper calls;
* assignment and reassignment (parameters included), augmented assignment;
* `if`/`elif`/`else` on data and on integers, `for` over `range(k)`, `range(n)`, `range(i + 1)`,
  `reversed`, arrays, `enumerate`, `zip`, `for ... else`, `while` with a bounded counter (and
  optionally a data condition), `break`/`continue`, early `return`s;
* in-place writes into fresh buffers: `b[i] = e`, `b[i] += e`, `b[1:3] += e`, `b[::2] = e`,
  `b *= e`.

Values stay moderate by construction: an expression whose estimated magnitude grows past a
limit is wrapped in `tanh`/`sin`/`cos`, and accumulations add at most `0.5` per step.

Arrays are never mutated through an alias: only buffers `b0`, `b1` are written in place, they
are only ever bound to fresh arrays, and no other name is ever bound to a view of them (nor of
anything else that is mutated). Parameters are never mutated.

Kinks: every place where the function is not smooth (a comparison on data, `abs`, `max`, `clip`,
`np.where`, `np.std` near 0) is written in the generated text as a call to a probe (`_gt`, `_abs`,
...). `Program.source` is that text with the probes replaced by the real operations;
`Program.margin(*args)` runs the probed text and returns the smallest distance to a kink seen
during the run, so the test can reject inputs where central differences would straddle one.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

PRELUDE = """\
import math

import numpy as np

A = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.7]])
B = np.array([[0.3, -0.5], [0.6, 0.2], [-0.4, 0.1]])
C = np.array([0.7, -0.4, 0.25])
"""

# probe name -> (replacement in the plain source, kind); kind "cmp" becomes a comparison
_PROBES = {
    "_gt": (ast.Gt, "cmp"),
    "_lt": (ast.Lt, "cmp"),
    "_abs": ("np.abs", "call"),
    "_maximum": ("np.maximum", "call"),
    "_minimum": ("np.minimum", "call"),
    "_clip": ("np.clip", "call"),
    "_max": ("np.max", "call"),
    "_min": ("np.min", "call"),
    "_std": ("np.std", "call"),
    "_pyabs": ("abs", "call"),
    "_pymax": ("max", "call"),
    "_pymin": ("min", "call"),
}

LIMIT = 6.0  # expressions estimated larger than this are squashed
THRESHOLDS = (-0.61, -0.17, 0.23, 0.58, 1.13, -1.07)
LITERALS = (0.5, -0.7, 1.3, 0.25, -1.1, 2.0, 0.1)


# ----------------------------------------------------------------------------------------------
# probes: the instrumented program calls these instead of the non-smooth operations


def _probes(margins: list[float]) -> dict:
    def note(d):
        d = np.asarray(d, dtype=float)
        if d.size:
            margins.append(float(np.min(np.abs(d))))

    def gap(v):  # distance between the two largest / smallest elements
        flat = np.sort(np.asarray(v, dtype=float).ravel())
        if flat.size > 1:
            margins.append(float(min(flat[-1] - flat[-2], flat[1] - flat[0])))

    def _gt(a, c):
        note(np.asarray(a) - c)
        return a > c

    def _lt(a, c):
        note(np.asarray(a) - c)
        return a < c

    def _abs(a):
        note(a)
        return np.abs(a)

    def _pyabs(a):
        note(a)
        return abs(a)

    def _maximum(a, b):
        note(np.asarray(a) - np.asarray(b))
        return np.maximum(a, b)

    def _minimum(a, b):
        note(np.asarray(a) - np.asarray(b))
        return np.minimum(a, b)

    def _pymax(a, b):
        note(a - b)
        return max(a, b)

    def _pymin(a, b):
        note(a - b)
        return min(a, b)

    def _clip(a, lo, hi):
        note(np.asarray(a) - lo)
        note(np.asarray(a) - hi)
        return np.clip(a, lo, hi)

    def _max(a):
        gap(a)
        return np.max(a)

    def _min(a):
        gap(a)
        return np.min(a)

    def _std(a):
        note(np.std(a))
        return np.std(a)

    return {k: v for k, v in locals().items() if k in _PROBES}


class _Unprobe(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in _PROBES:
            target, kind = _PROBES[node.func.id]
            if kind == "cmp":
                return ast.Compare(left=node.args[0], ops=[target()], comparators=[node.args[1]])
            func = ast.parse(target, mode="eval").body
            return ast.Call(func=func, args=node.args, keywords=[])
        return node


def unprobe(text: str) -> str:
    """The plain program: probes replaced by the operations they stand for."""
    tree = _Unprobe().visit(ast.parse(text))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


@dataclass
class Program:
    probed: str  # the module with probes
    has_n: bool
    source: str = field(init=False)

    def __post_init__(self):
        self.source = unprobe(self.probed)

    def __repr__(self) -> str:
        return "Program(has_n=%r, source=\n%s)" % (self.has_n, self.source)

    def margin(self, *args) -> float:
        """The smallest distance to a kink met while running f(*args) (inf if none)."""
        margins: list[float] = []
        namespace = _probes(margins)
        exec(compile(self.probed, "<probed program>", "exec"), namespace)
        namespace["f"](*args)
        return min(margins, default=math.inf)


# ----------------------------------------------------------------------------------------------
# the generator


@dataclass(frozen=True)
class Ex:
    text: str
    bound: float  # rough upper bound on |value|
    views: frozenset = frozenset()  # names whose memory the value may share (array views)


@dataclass
class Helper:
    name: str
    has_m: bool  # takes an int third parameter
    returns: str  # "vec" or "scal"


class Scope:
    """Names defined at a point of the program: name -> kind, and ints' largest values."""

    def __init__(self, kinds=None, intmax=None):
        self.kinds: dict[str, str] = dict(kinds or {})
        self.intmax: dict[str, int] = dict(intmax or {})

    def copy(self) -> Scope:
        return Scope(self.kinds, self.intmax)

    def define(self, name: str, kind: str, intmax: int = 0) -> None:
        self.kinds[name] = kind
        if kind == "int":
            self.intmax[name] = intmax

    def of(self, kind: str) -> list[str]:
        return sorted(n for n, k in self.kinds.items() if k == kind)

    @staticmethod
    def meet(*scopes: Scope) -> Scope:
        first, *rest = scopes
        out = Scope()
        for n, k in first.kinds.items():
            if all(s.kinds.get(n) == k for s in rest):
                out.define(n, k, max(s.intmax.get(n, 0) for s in scopes))
        return out


VEC_POOL = ("v0", "v1", "v2")
VEC2_POOL = ("u0", "u1")
SCAL_POOL = ("a0", "a1", "a2", "a3")
BUFFERS = ("b0", "b1")


class Generator:
    def __init__(self, draw, helpers: list[Helper], in_helper: bool, has_n: bool):
        self.draw = draw
        self.helpers = helpers
        self.in_helper = in_helper
        self.has_n = has_n
        self.lines: list[str] = []
        self.budget = 0
        self.loop_depth = 0
        self.loops: list[str] = []  # "for" / "while" stack

    # -- drawing helpers (everything shrinks toward the first option / False / the low end)

    def choice(self, options):
        return self.draw(st.sampled_from(list(options)))

    def maybe(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    # -- expressions

    def expr(self, kind: str, depth: int, scope: Scope) -> Ex:
        if depth <= 0 or not self.maybe(65):
            e = self.leaf(kind, scope)
        else:
            e = self.compound(kind, depth, scope)
        if e.bound > LIMIT:
            e = self.squash(e)
        return e

    def squash(self, e: Ex) -> Ex:
        fn = self.choice(["np.tanh", "np.sin", "np.cos"])
        return Ex(f"{fn}({e.text})", 1.0)

    def bounded(self, e: Ex, limit: float = 1.0) -> Ex:
        return e if e.bound <= limit else self.squash(e)

    def int_index(self, name: str, scope: Scope) -> str:
        top = scope.intmax.get(name, 99)
        if top <= 2:
            return self.choice([name, f"{name} - 1", f"2 - {name}"])
        return f"{name} % 3"

    def index(self, scope: Scope) -> str:
        options = ["0", "1", "2", "-1"]
        options += [self.int_index(n, scope) for n in scope.of("int")]
        return self.choice(options)

    def leaf(self, kind: str, scope: Scope) -> Ex:
        if kind == "scal":
            options: list[Ex] = [Ex(repr(c), abs(c)) for c in LITERALS[:3]]
            options += [Ex(n, 4.0) for n in scope.of("scal")]
            names = self.vec_names(scope)
            if names:
                options.append(Ex(f"{self.choice(names)}[{self.index(scope)}]", 4.0))
            ints = scope.of("int")
            if ints:
                i = self.choice(ints)
                top = scope.intmax.get(i, 4)
                options.append(
                    self.choice(
                        [Ex(f"0.3 * {i}", 0.3 * top), Ex(f"float({i})", top), Ex(f"({i} + 1) * 0.25", (top + 1) / 4)]
                    )
                )
            return self.choice(options)
        if kind == "vec":
            names = self.vec_names(scope)
            options = [Ex(n, 4.0, frozenset([n])) for n in names] + [Ex("C", 0.7)]
            if names:
                n = self.choice(names)
                options.append(Ex(f"{n}[::-1]", 4.0, frozenset([n])))
            return self.choice(options)
        # vec2
        options = [Ex(n, 4.0, frozenset([n])) for n in scope.of("vec2")]
        names = self.vec_names(scope)
        if names:
            n = self.choice(names)
            sl = self.choice(["[1:]", "[:2]", "[::2]", "[[2, 0]]", "[-2:]"])
            options.append(Ex(f"{n}{sl}", 4.0, frozenset() if "[[" in sl else frozenset([n])))
        if not options:
            options.append(Ex("C[1:]", 0.7))
        return self.choice(options)

    def vec_names(self, scope: Scope) -> list[str]:
        return scope.of("vec") + scope.of("buf")

    def compound(self, kind: str, depth: int, scope: Scope) -> Ex:
        d = depth - 1
        ops = {
            "scal": [
                "binop",
                "unary",
                "reduce",
                "div",
                "power",
                "index",
                "math",
                "nonsmooth",
                "ternary",
                "call",
                "dot",
                "reduce2",
            ],
            "vec": ["binop", "unary", "matmul", "div", "power", "where", "nonsmooth", "cumsum", "ternary", "call"],
            "vec2": ["binop", "unary", "slice", "matmul"],
        }[kind]
        if not any(h.returns == kind for h in self.helpers):
            ops = [o for o in ops if o != "call"]
        op = self.choice(ops)
        return getattr(self, "op_" + op)(kind, d, scope)

    def op_binop(self, kind, d, scope):
        symbol = self.choice(["+", "*", "-"])
        shapes = {"scal": [("scal", "scal")], "vec": [("vec", "vec"), ("vec", "scal"), ("scal", "vec")]}
        shapes["vec2"] = [("vec2", "vec2"), ("vec2", "scal")]
        lk, rk = self.choice(shapes[kind])
        left, right = self.expr(lk, d, scope), self.expr(rk, d, scope)
        if symbol == "*":
            bound = left.bound * right.bound
        else:
            bound = left.bound + right.bound
        return Ex(f"({left.text} {symbol} {right.text})", bound)

    def op_div(self, kind, d, scope):
        other = self.choice(["scal", kind])
        left, right = self.expr(kind, d, scope), self.expr(other, min(d, 1), scope)
        return Ex(f"({left.text} / (1.5 + {right.text} ** 2))", left.bound / 1.5)

    def op_power(self, kind, d, scope):
        e = self.expr(kind, d, scope)
        form = self.choice(["({}) ** 2", "np.square({})", "({}) ** 3"])
        power = 3 if "3" in form else 2
        return Ex(form.format(e.text), e.bound**power)

    def op_unary(self, kind, d, scope):
        e = self.expr(kind, d, scope)
        b = e.bound
        forms = [
            ("np.sin({})", 1.0),
            ("np.cos({})", 1.0),
            ("np.tanh({})", 1.0),
            ("np.exp(np.tanh({}))", math.e),
            ("np.log(1.5 + ({}) ** 2)", math.log(1.5 + b * b)),
            ("np.sqrt(1.0 + ({}) ** 2)", math.sqrt(1 + b * b)),
            ("(-{})", b),
            ("np.arctan({})", 1.6),
            ("np.log1p(({}) ** 2)", math.log1p(b * b)),
            ("np.expm1(np.tanh({}))", 1.8),
            ("np.cosh(np.tanh({}))", 1.6),
            ("np.exp2(np.sin({}))", 2.0),
            ("np.reciprocal(1.5 + ({}) ** 2)", 0.7),
            ("np.sinh(np.sin({}))", 1.2),
            ("np.log2(2.0 + np.tanh({}))", 1.6),
        ]
        form, bound = self.choice(forms)
        return Ex(form.format(e.text), bound)

    def op_math(self, kind, d, scope):
        e = self.expr("scal", d, scope)
        form, bound = self.choice(
            [
                ("math.sin({})", 1.0),
                ("math.cos({})", 1.0),
                ("math.tanh({})", 1.0),
                ("math.exp(math.tanh({}))", math.e),
                ("math.sqrt(1.0 + ({}) ** 2)", math.sqrt(1 + e.bound**2)),
            ]
        )
        return Ex(form.format(e.text), bound)

    def op_reduce(self, kind, d, scope):
        e = self.expr("vec", d, scope)
        form, factor = self.choice(
            [
                ("np.sum({})", 3.0),
                ("np.mean({})", 1.0),
                ("({}).sum()", 3.0),
                ("np.var({})", e.bound),
                ("_max({})", 1.0),
                ("_min({})", 1.0),
                ("np.prod({})", e.bound**2),
                ("_std({})", 1.0),
            ]
        )
        return Ex(form.format(e.text), e.bound * factor)

    def op_reduce2(self, kind, d, scope):
        e = self.expr("vec2", d, scope)
        form = self.choice(["np.sum({})", "np.mean({})"])
        return Ex(form.format(e.text), 2 * e.bound)

    def op_dot(self, kind, d, scope):
        k = self.choice(["vec", "vec2"])
        left, right = self.expr(k, d, scope), self.expr(k, d, scope)
        form = self.choice(["({} @ {})", "np.dot({}, {})"])
        return Ex(form.format(left.text, right.text), 3 * left.bound * right.bound)

    def op_index(self, kind, d, scope):
        e = self.expr("vec", d, scope)
        return Ex(f"({e.text})[{self.index(scope)}]", e.bound)

    def op_nonsmooth(self, kind, d, scope):
        e = self.expr(kind, d, scope)
        if kind == "scal":
            other = self.expr("scal", d, scope)
            form = self.choice(["_pyabs({})", "_pymax({}, {})", "_pymin({}, {})", "_abs({})", "_maximum({}, {})"])
        else:
            other = self.expr(self.choice([kind, "scal"]), d, scope)
            form = self.choice(["_abs({})", "_maximum({}, {})", "_minimum({}, {})", "_clip({}, -0.8, 0.9)"])
        return Ex(form.format(e.text, other.text), max(e.bound, other.bound))

    def op_ternary(self, kind, d, scope):
        a, b = self.expr(kind, d, scope), self.expr(kind, d, scope)
        cond = self.condition(scope)
        return Ex(f"({a.text} if {cond} else {b.text})", max(a.bound, b.bound), a.views | b.views)

    def op_call(self, kind, d, scope):
        h = self.choice([h for h in self.helpers if h.returns == kind])
        args = [self.expr("vec", d, scope).text, self.expr("scal", d, scope).text]
        if h.has_m:
            args.append(self.int_arg(scope))
        return Ex(f"{h.name}({', '.join(args)})", LIMIT)

    def int_arg(self, scope: Scope) -> str:
        options = ["0", "1", "2", "3"] + [n for n in scope.of("int") if scope.intmax.get(n, 9) <= 4]
        return self.choice(options)

    def op_matmul(self, kind, d, scope):
        if kind == "vec2":
            e = self.expr("vec", d, scope)
            return Ex(f"({e.text} @ B)", 1.5 * e.bound)
        if self.maybe(30):
            e = self.expr("vec2", d, scope)
            return Ex(f"({e.text} @ B.T)", 1.5 * e.bound)
        e = self.expr("vec", d, scope)
        form = self.choice(["({} @ A)", "(A @ {})", "np.dot(A, {})", "np.matmul({}, A)"])
        return Ex(form.format(e.text), 2.1 * e.bound)

    def op_where(self, kind, d, scope):
        c = self.expr("vec", min(d, 1), scope)
        a, b = self.expr(kind, d, scope), self.expr(self.choice([kind, "scal"]), d, scope)
        op = self.choice(["_gt", "_lt"])
        t = self.choice(THRESHOLDS)
        return Ex(f"np.where({op}({c.text}, {t}), {a.text}, {b.text})", max(a.bound, b.bound))

    def op_cumsum(self, kind, d, scope):
        e = self.expr("vec", d, scope)
        return Ex(f"np.cumsum({e.text})", 3 * e.bound)

    def op_slice(self, kind, d, scope):
        e = self.expr("vec", d, scope)
        sl = self.choice(["[1:]", "[:2]", "[::2]", "[[2, 0]]"])
        return Ex(f"({e.text}){sl}", e.bound, e.views)

    # -- conditions

    def condition(self, scope: Scope, depth: int = 1) -> str:
        ints = scope.of("int")
        kinds = ["data"] + (["int"] if ints else []) + ["and"]
        kind = self.choice(kinds)
        if kind == "int":
            i = self.choice(ints)
            k = self.integer(0, 3)
            return self.choice([f"{i} % 2 == 0", f"{i} > {k}", f"{i} == {k}", f"{i} < {k}"])
        if kind == "and" and depth > 0:
            return f"{self.condition(scope, 0)} {self.choice(['and', 'or'])} {self.condition(scope, 0)}"
        e = self.expr("scal", 1, scope)
        op = self.choice(["_gt", "_lt"])
        return f"{op}({e.text}, {self.choice(THRESHOLDS)})"

    # -- statements

    def assign_target(self, kind: str, scope: Scope, pool) -> str:
        defined = [n for n in pool if n in scope.kinds]
        fresh = [n for n in pool if n not in scope.kinds]
        options = fresh[:1] + defined
        return self.choice(options) if options else pool[0]

    def statement(self, scope: Scope, indent: int) -> None:
        self.budget -= 1
        kinds = ["assign_scal", "assign_vec", "augassign", "setitem", "if", "for", "while", "assign_vec2"]
        if self.loops:
            kinds += ["escape", "escape"]
        if not self.in_helper:
            kinds.append("return")
        if self.loop_depth >= 2 or indent >= 4 or self.budget <= 0:
            kinds = [k for k in kinds if k not in ("for", "while", "if")]
        getattr(self, "st_" + self.choice(kinds))(scope, indent)

    def block(self, scope: Scope, indent: int, size: int) -> None:
        start = len(self.lines)
        for _ in range(size):
            self.statement(scope, indent)
        if len(self.lines) == start:
            self.emit(indent, "pass")

    def st_assign_scal(self, scope, indent):
        name = self.assign_target("scal", scope, SCAL_POOL + ("s",))
        e = self.bounded(self.expr("scal", 3, scope), 4.0)
        self.emit(indent, f"{name} = {e.text}")
        scope.define(name, "scal")

    def st_assign_vec(self, scope, indent):
        name = self.assign_target("vec", scope, VEC_POOL + ("x",))
        e = self.bounded(self.expr("vec", 3, scope), 4.0)
        # never alias a buffer (it is mutated in place)
        if any(v in BUFFERS for v in e.views):
            e = Ex(f"np.copy({e.text})", e.bound)
        self.emit(indent, f"{name} = {e.text}")
        scope.define(name, "vec")

    def st_assign_vec2(self, scope, indent):
        name = self.assign_target("vec2", scope, VEC2_POOL)
        e = self.bounded(self.expr("vec2", 2, scope), 4.0)
        if any(v in BUFFERS for v in e.views):
            e = Ex(f"({e.text}).copy()", e.bound)
        self.emit(indent, f"{name} = {e.text}")
        scope.define(name, "vec2")

    def increment(self, kind: str, scope: Scope) -> tuple[str, str]:
        """An augmented-assignment operator and a right-hand side that keep values bounded."""
        op = self.choice(["+=", "-=", "*=", "/="])
        e = self.expr(kind, 2, scope)
        if op in ("+=", "-="):
            e = self.bounded(e)
            return op, self.choice([f"0.5 * {e.text}", e.text if e.bound <= 0.5 else f"0.25 * {e.text}"])
        if op == "*=":
            return op, self.choice([f"np.cos({e.text})", f"(0.5 + 0.5 * np.tanh({e.text}))"])
        return op, f"(1.5 + {self.bounded(e, 3.0).text} ** 2)"

    def st_augassign(self, scope, indent):
        bufs = scope.of("buf")
        if bufs and self.maybe(50):
            name = self.choice(bufs)
            op, rhs = self.increment(self.choice(["vec", "scal"]), scope)
        else:
            scal = scope.of("scal")
            if not scal:
                return self.st_assign_scal(scope, indent)
            name = self.choice(scal)
            op, rhs = self.increment("scal", scope)
        self.emit(indent, f"{name} {op} {rhs}")

    def st_setitem(self, scope, indent):
        bufs = scope.of("buf")
        if not bufs:
            return self.st_assign_vec(scope, indent)
        name = self.choice(bufs)
        form = self.choice(["item", "item_aug", "slice_aug", "slice", "whole"])
        if form == "item":
            e = self.bounded(self.expr("scal", 2, scope), 2.0)
            self.emit(indent, f"{name}[{self.index(scope)}] = {e.text}")
        elif form == "item_aug":
            op, rhs = self.increment("scal", scope)
            self.emit(indent, f"{name}[{self.index(scope)}] {op} {rhs}")
        elif form == "slice_aug":
            op, rhs = self.increment(self.choice(["scal", "vec2"]), scope)
            self.emit(indent, f"{name}[{self.choice(['1:3', ':2', '::2'])}] {op} {rhs}")
        elif form == "slice":
            e = self.bounded(self.expr("vec2", 2, scope), 2.0)
            self.emit(indent, f"{name}[{self.choice(['1:3', ':2', '::2'])}] = {e.text}")
        else:
            e = self.bounded(self.expr("vec", 2, scope), 2.0)
            self.emit(indent, f"{name}[:] = {e.text}")

    def st_if(self, scope, indent):
        branches = [self.condition(scope)]
        if self.maybe(25):
            branches.append(self.condition(scope))
        has_else = self.maybe(60)
        outs = []
        for k, cond in enumerate(branches):
            self.emit(indent, f"{'if' if k == 0 else 'elif'} {cond}:")
            inner = scope.copy()
            self.block(inner, indent + 1, self.integer(1, 3))
            outs.append(inner)
        if has_else:
            self.emit(indent, "else:")
            inner = scope.copy()
            self.block(inner, indent + 1, self.integer(1, 2))
            outs.append(inner)
        else:
            outs.append(scope)
        merged = Scope.meet(*outs)
        scope.kinds, scope.intmax = merged.kinds, merged.intmax

    def st_for(self, scope, indent):
        d = self.loop_depth
        i, e = f"i{d}", f"e{d}"
        inner = scope.copy()
        form = self.choice(["range", "range_n", "range_outer", "reversed", "range_from", "array", "enumerate", "zip"])
        ints = [n for n in scope.of("int") if scope.intmax.get(n, 9) <= 3 and n.startswith("i")]
        k = self.integer(0, 4)
        if form == "range_n" and (self.has_n or "m" in scope.kinds):
            bound = "m" if self.in_helper else "n"
            header = f"for {i} in range({bound}):"
            inner.define(i, "int", 3)
        elif form == "range_outer" and ints:
            j = self.choice(ints)
            header = f"for {i} in range({j} + 1):"
            inner.define(i, "int", scope.intmax[j])
        elif form == "reversed":
            header = f"for {i} in reversed(range({k})):"
            inner.define(i, "int", max(k - 1, 0))
        elif form == "range_from":
            header = f"for {i} in range(1, {k}):"
            inner.define(i, "int", max(k - 1, 0))
        elif form == "array":
            v = self.choice(self.vec_names(scope) or ["x"])
            header = f"for {e} in {v}:"
            inner.define(e, "scal")
        elif form == "enumerate":
            v = self.choice(self.vec_names(scope) or ["x"])
            header = f"for {i}, {e} in enumerate({v}):"
            inner.define(i, "int", 2)
            inner.define(e, "scal")
        elif form == "zip":
            names = self.vec_names(scope) or ["x"]
            v, w = self.choice(names), self.choice(names + ["C"])
            header = f"for {e}, f{d} in zip({v}, {w}):"
            inner.define(e, "scal")
            inner.define(f"f{d}", "scal")
        else:
            header = f"for {i} in range({k}):"
            inner.define(i, "int", max(k - 1, 0))
        self.emit(indent, header)
        self.loop_depth += 1
        self.loops.append("for")
        self.block(inner, indent + 1, self.integer(1, 3))
        self.loops.pop()
        self.loop_depth -= 1
        if self.maybe(10):
            self.emit(indent, "else:")
            self.block(scope.copy(), indent + 1, 1)

    def st_while(self, scope, indent):
        d = self.loop_depth
        j = f"j{d}"
        limit = self.choice(["3", "2", "4", "0", "1"] + [p for p in ("n", "m") if p in scope.kinds])
        self.emit(indent, f"{j} = 0")
        scope.define(j, "int", 4)
        scal = scope.of("scal")
        cond = f"{j} < {limit}"
        if scal and self.maybe(35):
            cond += f" and {self.choice(['_gt', '_lt'])}({self.choice(scal)}, {self.choice(THRESHOLDS)})"
        self.emit(indent, f"while {cond}:")
        self.emit(indent + 1, f"{j} += 1")
        inner = scope.copy()
        self.loop_depth += 1
        self.loops.append("while")
        self.block(inner, indent + 1, self.integer(1, 3))
        self.loops.pop()
        self.loop_depth -= 1

    def st_escape(self, scope, indent):
        self.emit(indent, f"if {self.condition(scope)}:")
        self.emit(indent + 1, self.choice(["break", "continue"]))

    def st_return(self, scope, indent):
        if self.maybe(50):  # keep most functions single-exit
            return self.st_assign_scal(scope, indent)
        self.emit(indent, f"if {self.condition(scope)}:")
        self.emit(indent + 1, f"return {self.result(scope)}")

    def result(self, scope: Scope) -> str:
        """A scalar that depends on every live float value."""
        terms = []
        for n in sorted(scope.kinds):
            kind = scope.kinds[n]
            if kind in ("vec", "buf"):
                form = self.choice(["np.sum({} * C)", "np.mean(np.sin({}))", "({} @ C)", "np.sum({} ** 2)"])
            elif kind == "vec2":
                form = self.choice(["np.sum({})", "np.mean(np.cos({}))"])
            elif kind == "scal":
                form = self.choice(["0.7 * {}", "np.sin({})", "{}"])
            else:
                continue
            terms.append(form.format(n))
        return " + ".join(terms) or "0.0"

    # -- functions

    def function(self, name: str, params: list[tuple[str, str]], size: int, returns: str) -> list[str]:
        scope = Scope()
        for p, kind in params:
            scope.define(p, kind, 4)
        self.lines = [f"def {name}({', '.join(p for p, _ in params)}):"]
        self.budget = size
        if not self.in_helper:
            for b in BUFFERS[: self.integer(0, 2)]:
                init = self.choice(
                    ["np.zeros(3)", "np.copy(x)", "x.copy()", "0.5 * x", "np.ones(3)", "np.zeros_like(x)"]
                )
                self.emit(1, f"{b} = {init}")
                scope.define(b, "buf")
        while self.budget > 0:
            self.statement(scope, 1)
        if returns == "vec":
            e = self.bounded(self.expr("vec", 2, scope), LIMIT)
            if e.views:
                e = Ex(f"{self.choice(['np.copy', 'np.tanh', 'np.sin'])}({e.text})", e.bound)
            self.emit(1, f"return {e.text}")
        elif self.in_helper:
            self.emit(1, f"return {self.bounded(self.expr('scal', 2, scope), LIMIT).text}")
        else:
            self.emit(1, f"return {self.result(scope)}")
        return self.lines


@st.composite
def programs(draw, max_statements: int = 8) -> Program:
    """A random module defining helpers h0, h1 (maybe) and the function f under test."""
    has_n = draw(st.booleans())
    helpers: list[Helper] = []
    chunks = [PRELUDE]
    for k in range(draw(st.integers(0, 2))):
        h = Helper(f"h{k}", has_m=draw(st.booleans()), returns=draw(st.sampled_from(["vec", "scal"])))
        gen = Generator(draw, list(helpers), in_helper=True, has_n=False)
        params = [("p", "vec"), ("q", "scal")] + ([("m", "int")] if h.has_m else [])
        chunks.append("\n".join(gen.function(h.name, params, draw(st.integers(0, 3)), h.returns)) + "\n")
        helpers.append(h)
    gen = Generator(draw, helpers, in_helper=False, has_n=has_n)
    params = [("x", "vec"), ("s", "scal")] + ([("n", "int")] if has_n else [])
    chunks.append("\n".join(gen.function("f", params, draw(st.integers(1, max_statements)), "scal")) + "\n")
    return Program("\n\n".join(chunks), has_n)
