"""The derivative-rule table: primitive → adjoint and tangent templates.

A template is a plain Python function whose parameters name the primitive's result and arguments,
in the primitive's own order: `def _(y, x, axis=None)` for `y = np.sum(x, axis=None)`.
In its body `x_bar` is the adjoint of `x`, `x_dot` its tangent; an adjoint template assigns a
contribution to each argument's adjoint (`x_bar = ...`), a tangent template assigns the result's
tangent (`y_dot = ...`). Other names assigned in a template are temporaries. Templates are parsed
once and spliced into generated code; they are never called.

Every parameter of a primitive is one of three kinds (see RULES_API.md):

- *differentiable*: the adjoint template assigns `p_bar` and the tangent template reads `p_dot`
  (the templates themselves are the declaration);
- *static*, declared with `declare(fn, static="axis keepdims")`: non-differentiable by nature (an
  index, a shape, a dtype, a count, a seed, a boolean mask): the derivative with respect to it is
  zero wherever it exists, so a value that depends on the input may reach it;
- *unsupported*: declared with `declare(fn, unsupported="q")`, or a parameter of the primitive that
  the templates do not take at all. A value that depends on the differentiated input reaching it
  is refused when the gradient is generated (TransformError naming the function, the parameter and
  the user's line), never differentiated as zero.

A template parameter that is neither differentiable nor declared counts as unsupported, so a
forgotten derivative is refused rather than silently zero; tests/test_registry.py fails for a
built-in rule that leaves one undeclared.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import gast
import numpy as np

from .. import runtime
from ..errors import AstgradError
from ..ir import convert


@dataclass
class Template:
    """One parsed derivative template."""

    params: list[str]  # result first, then the primitive's parameters
    signature: inspect.Signature  # of the primitive's parameters (result dropped)
    body: list[gast.stmt]
    namespace: dict[str, Any]  # globals of the module that wrote the template
    origin: str
    derived: frozenset[str] = frozenset()  # parameters this template gives a derivative for
    # parameter → the form of this adjoint where that parameter is a nonzero number literal (and the
    # backward's reads are saved), written from what it reads anyway (`c / y`: from the quotient alone)
    constant_forms: dict[str, Template] = field(default_factory=dict)

    @property
    def arguments(self) -> list[str]:
        """The primitive's parameters as the template names them (the result dropped)."""
        return self.params[1:]


# How a primitive's result shape follows from its arguments (shape_facts.py evaluates a call on
# stand-in values only where the shape provably does not depend on them): the arguments that may
# be stand-ins; every other argument must be known exactly.
SHAPE_FIRST = "first"  # the first argument: reductions, transposes, reshapes (axis, shape: exact)
SHAPE_FIRST_TWO = "first two"  # products: matmul, dot, outer
SHAPE_ALL = "all"  # any argument (elementwise: the broadcast of the arguments' shapes)
SHAPE_EXACT = "exact"  # every argument exact: constructors (np.arange(n), np.zeros(shape), range)
SHAPE_PICK = "pick"  # min/max: one of their arguments, or an element of their one argument

DIFFERENTIABLE = "differentiable"
STATIC = "static"
UNSUPPORTED = "unsupported"


@dataclass
class Rule:
    """What astgrad knows about one primitive."""

    fn: Any
    adjoint: Template | None = None
    tangent: Template | None = None
    differentiable: bool = True  # False: no parameter carries a derivative (all are static)
    elementwise: bool = False  # result shape = broadcast of the arguments' shapes
    aliases: list[Rule] = field(default_factory=list)  # the entries of functions that share these derivatives
    alias_of: Any = None  # the function whose derivatives this entry shares (np.amax: np.max)
    static: set[str] = field(default_factory=set)  # parameters non-differentiable by nature
    unsupported: set[str] = field(default_factory=set)  # parameters without a derivative
    note: str = ""  # why the rule is as it is (shown in docs/coverage.md)
    effects: bool = False  # reads or changes state beyond its arguments (a random draw): never removed, moved or merged
    # --- what the passes know besides the derivatives (set with `describe`) ---
    shape: str | None = None  # SHAPE_*: how the result's shape follows from the arguments
    full_reduction: bool = False  # called on one argument alone, the result is a number (np.sum(x))
    views: bool = False  # the result may be its first argument or a view of it (np.reshape)
    writes: bool = False  # writes into its first argument in place (np.copyto): refused on active values
    continuous: bool = False  # continuous in all real arguments: reading a value through it decides nothing
    keeps_dtype: bool = False  # the result has its first argument's float dtype (np.sum, np.transpose)
    hoistable: bool = False  # total and writes nothing: a loop-invariant call may move before the loop
    maximum: bool = False  # the largest element (np.max): a shift the result may not depend on (invariance.py)
    methods: tuple[str, ...] = ()  # array methods meaning this function: x.sum(1) is np.sum(x, 1) (normalize/)
    vararg_method: bool = False  # the method's trailing positional arguments form one tuple: x.reshape(2, 3)
    # other spellings of keyword arguments: NumPy 2's np.clip(x, min=0), np.var(x, correction=1) (the
    # normaliser respells them); None: a keyword choosing how NumPy computes or lays out the result,
    # never its values (np.sort's kind, a copy's order), which the call keeps and the templates are
    # bound without (ad/templates.py)
    keywords: dict | None = None
    # run-time helpers only: the NumPy expression a helper call becomes when the operands' ranks are
    # known, in the helper's own parameter names ((rank of a, rank of b) → text; "stacked": stacks
    # of matrices of one batch shape), and how a loop's contributions batch: (the helper summing a
    # list of them, the position of the argument fixed over the loop); for such a summing helper,
    # the NumPy sum of the stacked operands ({0}, {1}; {np}: numpy's name; {helper}: the helper's
    # own name, {fixed}: the argument fixed over the loop)
    lowered: dict | None = None
    batched: tuple[str, int] | None = None
    stacked_sum: str | None = None
    shaped_like_first: bool = False  # the result has its first argument's shape (extremum_mask)
    # called on one window (its `axis` None, `keepdims` False), the same values, bit for bit, as called
    # on a stack of windows with `axis` the window axes and `keepdims` True: max, min (no order of
    # the elements changes them), extremum_mask; a loop of per-window calls batches (window_loops.py)
    windowed: bool = False
    # called on one window (np.sum(w), alone) or on two of one shape, one axis (np.dot(w, v)): the sum of
    # its elements or products; on a stack of windows, over the window axes with keepdims, the same sums
    # added in another order: a loop of per-window calls batches only where the value decides nothing
    # and is not returned (analysis/rounding.py; window_loops.py)
    sums_window: bool = False
    # the first argument's shape and dtype filled with the second broadcast into it (np.full_like): a
    # stack of windows filled with a stack of numbers, one to a window, is each window filled (window_loops.py)
    fills_first: bool = False
    bounded: bool = False  # every value finite whatever the arguments (max_share): 0 times it stays 0
    # the derivative rules hold for a real first argument only (a Hermitian matrix's factors, a
    # variance): a complex one is refused where the function is called (runtime.check_real)
    real_arguments: bool = False
    reads_shape_of: int | None = None  # the position of an argument read for its shape alone (unreduce's x)
    makes_list: bool = False  # returns a list of adjoints (split_like, unstack)
    # the result is its argument or a copy of it, of any type (`y = x`, `x.copy()`): x's adjoint is y's
    # as it is, a list or dict where x holds one, which is added to another with add_adjoints (reverse.py)
    passes_adjoint: bool = False
    # the names of the fields of the named tuple it returns (np.linalg.eigh: eigenvalues,
    # eigenvectors): `np.linalg.eigh(a).eigenvalues` is `np.linalg.eigh(a)[0]` (normalize/)
    fields: tuple[str, ...] = ()
    # the expressions in `x` (NumPy, Python operators, number literals) that compute this function:
    # a statement computing one through temporaries read nowhere else is differentiated as one call
    # of it (analysis/spellings.py), so its backward reads what this entry's adjoint reads
    spellings: tuple[str, ...] | None = None
    # the `math` function giving the same value of one Python float, up to rounding (math.cos for
    # np.cos; it may differ in the last bit, and raises ValueError only where NumPy's value is NaN,
    # math.cos(inf)): what specialised code on floats calls in a derivative that decides nothing (floats.py)
    on_floats: Callable | None = None
    # the run-time helper giving the same value, up to rounding, of a float array and a whole-number
    # exponent by multiplications (int_power for `x ** k`; any other operands: the function itself):
    # what specialised code calls for a power whose value decides nothing and is not returned (powers.py)
    on_integer_exponent: Callable | None = None
    # np.dot's adjoint helpers and unbroadcast: how a loop's contributions batch where the operands'
    # shapes are known (then np.dot's are matmul's), never through a general summing helper (batching.py)
    batched_known_shapes: tuple[str, int] | None = None
    # a summing helper of outer products: the axis along which one step's product of two matrices
    # is itself a sum of outer products (0: the rows, `a.T @ g`; 1: the columns, `g @ b.T`); the
    # steps' matrices, flattened along it, sum as steps of vectors do (batching.py)
    outer_axis: int | None = None
    # members of arrays, lists and dicts (np.ndarray.shape, list.append): an attribute describing
    # the array (a new object, no derivative, decides nothing: normalize.py, analysis.py, rounding.py)
    metadata: bool = False
    # a run-time helper astgrad differentiates by transforming its source, as a user function (the
    # adjoints of svd, qr, pinv, lstsq and the scipy.linalg solves: their second derivatives); "tangent":
    # in forward mode only (reverse mode refuses it, with the note)
    through_source: bool | str = False

    def kind(self, param: str) -> str:
        """The kind of template parameter `param`: DIFFERENTIABLE if a template derives it,
        STATIC or UNSUPPORTED as declared, UNSUPPORTED when undeclared."""
        if not self.differentiable or param in self.static:
            return STATIC
        if param in self.unsupported:
            return UNSUPPORTED
        if any(t is not None and param in t.derived for t in (self.adjoint, self.tangent)):
            return DIFFERENTIABLE
        return UNSUPPORTED

    def refuses(self, param: str, mode: str) -> bool:
        """Whether an input-dependent value may not reach `param` in `mode` ("adjoint" or
        "tangent"): the parameter is not static and that mode's template gives it no derivative."""
        if not self.differentiable or param in self.static:
            return False
        template = getattr(self, mode)
        return template is None or param not in template.derived


RULES: dict[Any, Rule] = {}
_version = [0]  # bumped at every change of the registry (for the passes' caches of derived sets)


def _key(fn: Any) -> Any:
    try:
        hash(fn)
        return fn
    except TypeError:
        return id(fn)


def lookup(fn: Any) -> Rule | None:
    """The rule for primitive `fn`, if astgrad has one."""
    try:
        return RULES.get(fn)  # (_key's answer for anything hashable: the passes ask thousands of times)
    except TypeError:  # (unhashable: keyed by its id)
        return RULES.get(id(fn))


def _rule(fn: Any) -> Rule:
    key = _key(fn)
    _version[0] += 1
    if key not in RULES:
        RULES[key] = Rule(fn)
    return RULES[key]


def _parse_template(func: Callable) -> Template:
    source = textwrap.dedent(inspect.getsource(func))
    tree = convert.parse(source).body[0]
    return _template_from_tree(tree, func.__globals__, f"{func.__module__}.{func.__qualname__}")


def _template_from_tree(tree: gast.FunctionDef, namespace: dict, origin: str) -> Template:
    body = [s for s in tree.body if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
    args = tree.args
    names = [a.id for a in args.posonlyargs + args.args]
    if not names:
        raise AstgradError(f"derivative template {origin} needs the result as its first parameter")
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    params = []
    for i, a in enumerate(args.args[1:], start=1):
        d = defaults[i]
        default = inspect.Parameter.empty if d is None else gast.literal_eval(d)
        params.append(inspect.Parameter(a.id, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        default = inspect.Parameter.empty if d is None else gast.literal_eval(d)
        params.append(inspect.Parameter(a.id, inspect.Parameter.KEYWORD_ONLY, default=default))
        names.append(a.id)
    return Template(params=names, signature=inspect.Signature(params), body=body, namespace=namespace, origin=origin)


def _derived(template: Template, mode: str) -> frozenset[str]:
    """The parameters `template` gives a derivative for: those whose adjoint it assigns
    (`x_bar = ...`), or whose tangent it reads (`... x_dot ...`)."""
    suffix = "_bar" if mode == "adjoint" else "_dot"
    context = gast.Store if mode == "adjoint" else gast.Load
    names = {
        n.id[: -len(suffix)]
        for stmt in template.body
        for n in gast.walk(stmt)
        if isinstance(n, gast.Name) and isinstance(n.ctx, context) and n.id.endswith(suffix)
    }
    return frozenset(names & set(template.arguments))


def _family(rule: Rule) -> list[Rule]:
    """`rule` and the entries of its aliases: they share derivatives and parameter kinds."""
    return [rule, *rule.aliases]


def _install(rule: Rule, mode: str, template: Template) -> None:
    template.derived = _derived(template, mode)
    for r in _family(rule):
        setattr(r, mode, template)


def _registrar(fn: Any, mode: str, constant: str | None = None) -> Callable[[Callable], Callable]:
    def register(template: Callable) -> Callable:
        parsed = _parse_template(template)
        if constant is None:
            _install(_rule(fn), mode, parsed)
            return template
        main = getattr(_rule(fn), mode)
        if main is None or constant not in main.arguments or parsed.params != main.params:
            raise AstgradError(f"{parsed.origin}: a constant form needs {fn}'s {mode} template first, same parameters")
        parsed.derived = _derived(parsed, mode)
        main.constant_forms[constant] = parsed  # (the template object aliases share)
        return template

    return register


def adjoint(fn: Any, constant: str | None = None) -> Callable[[Callable], Callable]:
    """Register the decorated template as the adjoint (reverse-mode) rule of primitive `fn`; with
    `constant="x"`, as the form of that rule used where parameter x is a nonzero number literal
    and what the backward pass reads is saved (in a loop; after the rule itself): one that reads
    less of what a loop would have to save.

    >>> @adjoint(my_softplus)
    ... def _(y, x):
    ...     x_bar = y_bar / (1.0 + np.exp(-x))
    """

    return _registrar(fn, "adjoint", constant)


def tangent(fn: Any) -> Callable[[Callable], Callable]:
    """Register the decorated template as the tangent (forward-mode) rule of primitive `fn`.

    >>> @tangent(my_softplus)
    ... def _(y, x):
    ...     y_dot = x_dot / (1.0 + np.exp(-x))
    """

    return _registrar(fn, "tangent")


def elementwise(fn: Any, derivative: str, namespace: dict, arg: str = "x") -> None:
    """Register both rules of a one-argument elementwise function from its derivative, an
    expression in `x` (the argument) and `y` (the result): elementwise(np.exp, "y", globals())."""
    template = f"def _(y, {arg}):\n    {arg}_bar = y_bar * {derivative}\n"
    tangent_src = f"def _(y, {arg}):\n    y_dot = {arg}_dot * {derivative}\n"
    origin = f"{getattr(fn, '__name__', fn)} derivative {derivative!r}"
    rule = _rule(fn)
    mark_elementwise(fn)
    _install(rule, "adjoint", _template_from_tree(convert.parse(template).body[0], namespace, origin))
    _install(rule, "tangent", _template_from_tree(convert.parse(tangent_src).body[0], namespace, origin))


def from_source(fn: Any, adjoint_source: str, tangent_source: str, namespace: dict, origin: str) -> None:
    """Register both templates of `fn` from their source text (rules made from a formula, as
    `elementwise` does: the location-scale families of scipy.stats); `namespace` is where the
    templates' names are read, `origin` says where they come from in error messages."""
    rule = _rule(fn)
    for mode, source in (("adjoint", adjoint_source), ("tangent", tangent_source)):
        tree = convert.parse(textwrap.dedent(source)).body[0]
        _install(rule, mode, _template_from_tree(tree, namespace, origin))


def passthrough(fn: Any, namespace: dict, extra: int = 16) -> None:
    """Register both rules of a function whose result is its first argument's value (a copy at
    most), the others (up to `extra`) read but not differentiated: `distinct(value, *earlier)`."""
    others = "".join(f", e{i}=None" for i in range(extra))
    origin = f"{getattr(fn, '__name__', fn)} passes its first argument through"
    rule = _rule(fn)
    adjoint_src = f"def _(y, value{others}):\n    value_bar = y_bar\n"
    tangent_src = f"def _(y, value{others}):\n    y_dot = value_dot\n"
    _install(rule, "adjoint", _template_from_tree(convert.parse(adjoint_src).body[0], namespace, origin))
    _install(rule, "tangent", _template_from_tree(convert.parse(tangent_src).body[0], namespace, origin))
    rule.static.update(f"e{i}" for i in range(extra))  # (a set its aliases share)
    rule.continuous = True  # (its value is its first argument's: it decides nothing by it)


def alias(fn: Any, *others: Any) -> None:
    """Give each of `others` the derivatives and parameter kinds of `fn` (np.add and `+`, np.amax
    and np.max), now and as they are declared later, in an entry of its own: the other facts
    (`describe`) stay each function's own (np.asarray may return a view, np.copy never does)."""
    rule = _rule(fn)
    for other in others:
        entry = _rule(other)
        if entry is rule or entry in rule.aliases:
            continue
        entry.alias_of = fn
        entry.adjoint, entry.tangent = rule.adjoint, rule.tangent
        entry.differentiable, entry.elementwise, entry.note = rule.differentiable, rule.elementwise, rule.note
        entry.static, entry.unsupported = rule.static, rule.unsupported  # (the same sets: declarations reach both)
        rule.aliases.append(entry)
    _version[0] += 1


def nondifferentiable(*fns: Any, note: str = "", effects: bool = False) -> None:
    """Declare primitives whose outputs carry no derivative with respect to any parameter: their
    value is an integer, a boolean, a shape, or piecewise constant (derivative zero wherever it
    exists). Never declare so a function one of whose parameters has a derivative (np.full's
    fill value): give it a rule and `declare` its other parameters instead."""
    for fn in fns:
        for rule in _family(_rule(fn)):
            rule.differentiable = False
            rule.note = note or rule.note
            rule.effects = effects or rule.effects


_FACTS = frozenset(
    {"shape", "full_reduction", "views", "writes", "continuous", "keeps_dtype", "hoistable", "maximum"}
    | {"methods", "vararg_method", "keywords"}
    | {"effects", "lowered", "batched", "stacked_sum", "shaped_like_first", "reads_shape_of", "makes_list"}
    | {"batched_known_shapes", "metadata", "through_source", "bounded", "windowed", "fills_first", "spellings"}
    | {"outer_axis", "on_floats", "on_integer_exponent", "sums_window", "real_arguments", "fields"}
    | {"passes_adjoint"}
)


def describe(*fns: Any, **facts: Any) -> None:
    """Record what the passes know about primitives `fns` besides their derivatives: `shape`
    (SHAPE_*), `full_reduction`, `views`, `writes`, `continuous`, `keeps_dtype`, `hoistable`,
    `maximum`, `methods`, `vararg_method`, `keywords`, `effects`, `metadata` (members of arrays and
    lists), and for run-time helpers `lowered`, `batched`, `batched_known_shapes`, `stacked_sum`,
    `outer_axis`, `shaped_like_first`, `bounded`, `reads_shape_of`, `makes_list`, `windowed`, `fills_first`,
    `spellings`, `on_floats`, `on_integer_exponent`, `sums_window`, `real_arguments`, `fields` and
    `passes_adjoint` (see Rule). A
    function without a derivative rule may be described too (np.copyto writes); it stays without one.

    >>> describe(np.sum, np.mean, shape=SHAPE_FIRST, full_reduction=True)
    """
    unknown = set(facts) - _FACTS
    if unknown:
        raise AstgradError(f"describe: unknown facts {sorted(unknown)} (known: {sorted(_FACTS)})")
    for fn in fns:
        rule = _rule(fn)
        for fact, value in facts.items():
            setattr(rule, fact, value)


_DERIVED: dict[tuple[str, str], tuple[int, Any]] = {}  # (kind, fact) → (registry version, answer)


def numpy_names(fact: str) -> frozenset[str]:
    """The names `n` of NumPy's namespace (`np.n`, and the array method `x.n`) whose primitive has
    `fact`: for passes that read generated code, where a call is `np.reshape(...)` or
    `x.reshape(...)`."""
    known = _DERIVED.get(("numpy", fact))
    if known is not None and known[0] == _version[0]:
        return known[1]
    names = set()
    for name in getattr(np, "__all__", None) or dir(np):
        rule = lookup(getattr(np, name, None)) if not name.startswith("_") else None
        if rule is not None and getattr(rule, fact):
            names.add(name)
    result = frozenset(names)
    _DERIVED[("numpy", fact)] = (_version[0], result)
    return result


def runtime_facts(fact: str) -> dict[str, Any]:
    """Run-time helper name → its `fact`, for the helpers that have it (the specialising passes
    find helper calls by name in generated code). Do not change the dict returned (it is shared)."""
    known = _DERIVED.get(("runtime", fact))
    if known is not None and known[0] == _version[0]:
        return known[1]
    helpers = (fn for fn in functions_with(fact) if getattr(runtime, fn.__name__, None) is fn)
    result = {fn.__name__: getattr(lookup(fn), fact) for fn in helpers}
    _DERIVED[("runtime", fact)] = (_version[0], result)
    return result


MEMBER_TYPES = (np.ndarray, list, dict)  # whose methods and attributes the registry describes


def writes_first_argument(fn: Any) -> bool:
    """np.copyto and the like (their entries say `writes`), or a ufunc's `.at` (`np.add.at(a, idx, v)`):
    a call that writes into its first argument in place."""
    rule = lookup(fn)
    if rule is not None and rule.writes:
        return True
    return getattr(fn, "__name__", None) == "at" and isinstance(getattr(fn, "__self__", None), np.ufunc)


def member_names(fact: str) -> frozenset[str]:
    """The names `n` of the methods and attributes of NumPy's arrays and Python's lists and dicts
    (`x.n`) whose entry has `fact`: `views` (x.T, x.view()), `writes` (xs.append, x.fill: change
    their object in place), `continuous` (x.sum(), xs.pop(): reading a value through them decides
    nothing), `metadata` (x.shape, x.dtype). For passes that read code, where the receiver's type
    is not known: a name any of those types gives the fact has it."""
    known = _DERIVED.get(("members", fact))
    if known is not None and known[0] == _version[0]:
        return known[1]
    result = frozenset(fn.__name__ for fn in functions_with(fact) if getattr(fn, "__objclass__", None) in MEMBER_TYPES)
    _DERIVED[("members", fact)] = (_version[0], result)
    return result


def array_methods() -> dict[str, tuple[str, bool]]:
    """Array method name → (the NumPy function of the same meaning, as `np.<name>`, whether its
    trailing positional arguments form one tuple): `x.sum(1)` → np.sum(x, 1), `x.flatten()` →
    np.ravel(x), `x.reshape(2, 3)` → np.reshape(x, (2, 3))."""
    known = _DERIVED.get(("methods", ""))
    if known is not None and known[0] == _version[0]:
        return known[1]
    out: dict[str, tuple[str, bool]] = {}
    for fn in sorted(functions_with("methods"), key=lambda f: getattr(f, "__name__", "")):
        rule = lookup(fn)
        for method in rule.methods:
            name = method if getattr(np, method, None) is fn else fn.__name__
            out[method] = (name, rule.vararg_method)
    _DERIVED[("methods", "")] = (_version[0], out)
    return out


def functions_with(fact: str) -> frozenset[Any]:
    """The registry's functions (aliases included) that have `fact`."""
    known = _DERIVED.get(("functions", fact))
    if known is not None and known[0] == _version[0]:
        return known[1]
    found = set()
    for key, rule in list(RULES.items()):
        value = getattr(rule, fact)
        if value is not None and value is not False:  # (a position 0 is a fact too)
            try:
                found.add(rule.fn if isinstance(key, int) else key)
            except TypeError:  # (unhashable)
                pass
    result = frozenset(found)
    _DERIVED[("functions", fact)] = (_version[0], result)
    return result


def _names(spec: str | tuple[str, ...] | list[str]) -> set[str]:
    return set(spec.split() if isinstance(spec, str) else spec)


def declare(
    fn: Any,
    *,
    static: str | tuple[str, ...] = "",
    unsupported: str | tuple[str, ...] = "",
    note: str = "",
    effects: bool = False,
) -> None:
    """Declare the parameters of primitive `fn` its templates give no derivative for.

    `static` (space-separated names): non-differentiable by nature (an axis, shape, dtype, index,
    count, seed or boolean mask); an input-dependent value may reach them. `unsupported`: a value
    there has a derivative astgrad does not know; an input-dependent value reaching one is refused
    with a TransformError. Differentiable parameters need no declaration: the templates say it.
    `effects`: the primitive reads or changes state beyond its arguments (a random draw), so no
    pass may remove, repeat, move or merge its calls. `note`: a remark for docs/coverage.md.

    >>> declare(np.sum, static="axis keepdims")
    >>> declare(np.quantile, static="axis method keepdims", unsupported="q")
    """
    rule = _rule(fn)
    rule.static |= _names(static)  # (a set its aliases share)
    rule.unsupported |= _names(unsupported)
    for r in _family(rule):
        r.note = note or r.note
        r.effects = effects or r.effects


def refuse(*fns: Any, note: str) -> None:
    """Declare a deliberate refusal: primitives `fns` have a derivative astgrad does not give (a
    selection whose places NumPy does not return, a tuple of views, a function argument, ...).
    Differentiating through one raises a TransformError naming it, with `note` (why, and what to
    write instead); docs/coverage.md lists it with the note. Not for functions whose result has
    no derivative (use `nondifferentiable`), nor for one parameter of a rule (`declare`).

    >>> refuse(np.unique, note="a selection of values whose places np.unique does not return")
    """
    for fn in fns:
        rule = _rule(fn)
        if rule.adjoint is not None or rule.tangent is not None or not rule.differentiable:
            raise AstgradError(f"refuse: {display_name(fn)} already has a rule or is declared without derivative")
        rule.note = note


_LIBRARIES = ("numpy", "scipy", "math", "builtins", "operator", "_operator", "astgrad")


def builtin_rules() -> list[tuple[Any, Rule]]:
    """(function, rule) for every registry key astgrad itself defines (its library primitives and
    its run-time helpers; not rules users register for their own functions), aliases included."""
    out = []
    for key, rule in RULES.items():
        fn = rule.fn if isinstance(key, int) else key
        module = getattr(fn, "__module__", None) or ""
        if (
            isinstance(fn, np.ufunc)
            or isinstance(getattr(fn, "__self__", None), np.ufunc)
            or module.split(".")[0] in _LIBRARIES
        ):
            out.append((fn, rule))
    return out


def display_name(fn: Any) -> str:
    """How a user would write primitive `fn`: `np.sum`, `np.linalg.det`, `np.fft.fft`,
    `scipy.special.gammaln`, `scipy.stats.norm.logpdf`, `math.log`, `abs`, `operator.mod`."""
    name = getattr(fn, "__name__", None) or repr(fn)
    if isinstance(getattr(fn, "__self__", None), np.ufunc):  # a ufunc method: np.add.reduce
        return f"{display_name(fn.__self__)}.{name}"
    if isinstance(fn, np.ufunc):
        if getattr(np, name, None) is fn:
            return f"np.{name}"
        special = sys.modules.get("scipy.special")
        if special is not None and getattr(special, name, None) is fn:
            return f"scipy.special.{name}"
        return name
    if getattr(fn, "__objclass__", None) is np.ndarray:
        return f"np.ndarray.{name}"
    owner = getattr(fn, "__self__", None)
    if owner is np.random.mtrand._rand:
        return f"np.random.{name}"
    if owner is not None and type(owner).__module__.startswith("scipy.stats"):  # scipy.stats.norm.logpdf
        public = getattr(owner, "name", None)
        if public is None:  # (multivariate distributions have no name: their object's public one)
            stats = sys.modules.get("scipy.stats")
            public = next((k for k, v in vars(stats).items() if v is owner), type(owner).__name__) if stats else "?"
        return f"scipy.stats.{public}.{name}"
    module = getattr(fn, "__module__", None) or ""
    qual = getattr(fn, "__qualname__", None) or name
    if module in ("builtins", ""):
        return qual
    if module in ("_operator", "operator"):
        return f"operator.{qual}"
    public = []  # the module's public part: numpy.linalg._linalg → numpy.linalg
    for part in module.split("."):
        if part.startswith("_"):
            break
        public.append(part)
    if public and public[0] == "numpy":
        public[0] = "np"
    return ".".join(public + [qual])


def primitive_parameters(fn: Any, rule: Rule) -> list[str]:
    """The parameters of primitive `fn` as its rule names them: the first by position (np.array's
    `object` is the rule's `a`), positional-only ones by position, the others by name. Without
    a readable signature (Python's max), or with *args (np.einsum), the templates' parameters
    stand for the positional ones."""
    template = rule.adjoint or rule.tangent
    ours = template.arguments if template is not None else []
    try:
        real = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return list(ours)
    kinds = inspect.Parameter
    if any(p.kind is kinds.VAR_POSITIONAL for p in real):
        return list(ours) + [p.name for p in real if p.kind is kinds.KEYWORD_ONLY and p.name not in ours]
    out = []
    for i, p in enumerate(real):
        if p.kind is kinds.VAR_KEYWORD:
            continue
        by_position = i == 0 or p.kind is kinds.POSITIONAL_ONLY
        out.append(ours[i] if by_position and i < len(ours) else p.name)
    return out


# the keywords of every ufunc choosing the result's memory layout, never its values (Rule.keywords)
UFUNC_LAYOUT_KEYWORDS = {"order": None, "subok": None}


def keyword_spellings(fn: Any) -> dict[str, str | None]:
    """Keyword → the name primitive `fn`'s rule takes it by, or None for one the rule need not see
    (Rule.keywords; a ufunc's layout keywords)."""
    rule = lookup(fn)
    own = (rule.keywords if rule is not None else None) or {}
    return {**UFUNC_LAYOUT_KEYWORDS, **own} if isinstance(fn, np.ufunc) else own


@dataclass
class CallForm:
    """How a call of a primitive is put in the form its rule's templates take (positional_names)."""

    # position → NumPy's name, for the positional arguments the templates take at another place
    by_name: dict[int, str]
    # NumPy's default for each parameter the templates do not take (passing it is leaving it out)
    defaults: dict[str, Any]


def call_form(fn: Any) -> CallForm:
    """How a call of primitive `fn` is put in its rule's form. Positional arguments the templates
    take at another place (np.prod(x, 0, float): NumPy's third parameter is `dtype`, the
    template's `keepdims`) are passed by NumPy's name, so that each reaches its own parameter, or
    the call is refused; none where the orders agree or differ in names alone (a ufunc's x1 is a
    template's x). A parameter the templates do not take, given its default (`dtype=None`), is
    left out."""
    known = _FORMS.get(_key(fn))
    if known is not None and known[0] == _version[0]:
        return known[1]
    rule = lookup(fn)
    template = rule and (rule.adjoint or rule.tangent)
    try:
        real = list(inspect.signature(fn).parameters.values()) if template is not None else []
    except (TypeError, ValueError):
        real = []
    kinds = inspect.Parameter
    form = CallForm({}, {})
    ours = set(template.arguments) if template is not None else set()
    form.defaults = {p.name: p.default for p in real[1:] if p.name not in ours and p.default is not p.empty}
    if "where" in form.defaults:  # (`where=True`: every element, as NumPy's default <no value> is)
        form.defaults["where"] = True
    if template is not None and not any(p.kind is kinds.VAR_POSITIONAL for p in real):
        theirs = [p for p in real if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
        placed = [p.name for p in template.signature.parameters.values() if p.kind is kinds.POSITIONAL_OR_KEYWORD]
        names = {p.name for p in real}
        for i, p in enumerate(theirs[1:], start=1):
            if p.kind is kinds.POSITIONAL_ONLY or (i < len(placed) and (placed[i] == p.name or placed[i] not in names)):
                continue  # (the same parameter, perhaps under another name)
            form.by_name = {j: q.name for j, q in enumerate(theirs[i:], start=i)}
            break
    _FORMS[_key(fn)] = (_version[0], form)
    return form


_FORMS: dict[Any, tuple[int, CallForm]] = {}


def positional_names(fn: Any) -> tuple[str, ...] | None:
    """The names of `fn`'s positional parameters, or None if it has no signature to read or takes *args."""
    known = _POSITIONAL.get(_key(fn), _POSITIONAL)
    if known is not _POSITIONAL:
        return known
    try:
        real = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        real = None
    kinds = inspect.Parameter
    if real is None or any(p.kind is kinds.VAR_POSITIONAL for p in real):
        names = None
    else:
        names = tuple(p.name for p in real if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD))
    _POSITIONAL[_key(fn)] = names
    return names


_POSITIONAL: dict[Any, tuple[str, ...] | None] = {}


def position_of(fn: Any, param: str) -> int | None:
    """The position of the parameter `param` among `fn`'s positional ones (`out` of np.sum: 3),
    or None where it has none such, or no signature to read."""
    names = positional_names(fn)
    return names.index(param) if names is not None and param in names else None


# the flags NumPy's and SciPy's functions take to destroy an input for speed (np.median's
# overwrite_input, scipy.linalg.solve's overwrite_a): never the values, but the input, which the
# derivatives read again; the normaliser passes them False
OVERWRITE_FLAGS = ("overwrite_input", "overwrite_a", "overwrite_b", "overwrite_x")


def mark_elementwise(*fns: Any) -> None:
    """Declare primitives whose result has the broadcast shape of their arguments."""
    for fn in fns:
        for rule in _family(_rule(fn)):
            rule.elementwise = True
