"""Tree walkers: a faster `ast.walk` (the transformer walks its trees many times), the names a
tree reads, statements in nested blocks, a copying transformer; and builders of small trees
(`name`, `assign`, `is_constant`)."""

from __future__ import annotations

import operator
from typing import Any, Callable

import gast

_AST = gast.AST

# the function each comparison node computes (`a < b`: operator.lt)
COMPARISONS = {
    gast.Eq: operator.eq,
    gast.NotEq: operator.ne,
    gast.Lt: operator.lt,
    gast.LtE: operator.le,
    gast.Gt: operator.gt,
    gast.GtE: operator.ge,
}
_NAME, _STORE, _AUG = gast.Name, gast.Store, gast.AugAssign


def walk(node: gast.AST) -> list[gast.AST]:
    """`node` and all its descendants, breadth-first (the order of ast.walk), as a list."""
    todo = [node]
    push = todo.append
    children = _CHILD_FIELDS
    for n in todo:
        fields = children.get(n.__class__)
        if fields is None:
            fields = _child_fields(n.__class__)
        if not fields:  # (a context, an operator, a constant)
            continue
        d = n.__dict__
        for field in fields:
            v = d.get(field)
            if v is None:
                continue
            if v.__class__ is list:
                for x in v:
                    if isinstance(x, _AST):
                        push(x)
            elif isinstance(v, _AST):
                push(v)
    return todo


# the fields of a node class that hold names, strings or numbers by the grammar, never a node
_SCALAR_FIELDS = {
    gast.Name: ("id", "type_comment"),
    gast.Attribute: ("attr",),
    gast.Constant: ("value", "kind"),
    gast.keyword: ("arg",),
    gast.FunctionDef: ("name", "type_comment"),
    gast.Assign: ("type_comment",),
    gast.For: ("type_comment",),
}
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}  # node class → the fields that may hold nodes


def _child_fields(cls: type) -> tuple[str, ...]:
    scalar = _SCALAR_FIELDS.get(cls, ())
    fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in scalar)
    return fields


# the node classes that hold no node (contexts, operators, constants, `pass`): the counting walks
# below never push one
_CHILDLESS = frozenset(
    cls for cls in vars(gast).values() if isinstance(cls, type) and issubclass(cls, _AST) and not _child_fields(cls)
)


def read_counts(tree: Any, augmented: bool = False) -> dict[str, int]:
    """How many times each name is read in `tree` (a node or a list of them): every Name not
    stored to, and with `augmented`, the target of `x += v` too."""
    count: dict[str, int] = {}
    todo = list(tree) if tree.__class__ is list else [tree]
    push, pop = todo.append, todo.pop
    leaves = _CHILDLESS
    while todo:
        n = pop()
        cls = n.__class__
        if cls is _NAME:  # a leaf (its ctx aside)
            if n.ctx.__class__ is not _STORE:
                count[n.id] = count.get(n.id, 0) + 1
            continue
        if augmented and cls is _AUG and n.target.__class__ is _NAME:
            count[n.target.id] = count.get(n.target.id, 0) + 1
        d = n.__dict__
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        for field in fields:
            v = d.get(field)
            if v is None:
                continue
            if v.__class__ is list:
                for x in v:
                    if x.__class__ not in leaves and isinstance(x, _AST):
                        push(x)
            elif v.__class__ not in leaves and isinstance(v, _AST):
                push(v)
    return count


def name_counts(tree: Any, contexts: tuple[type, ...] | None = None) -> dict[str, int]:
    """How many Name nodes of each id `tree` (a node or a list of them) holds; with `contexts`
    (gast.Load, gast.Store...), only those whose context is one of them. The name sets the passes
    ask for again and again, without listing every node as walk does."""
    count: dict[str, int] = {}
    todo = list(tree) if tree.__class__ is list else [tree]
    push, pop = todo.append, todo.pop
    children, leaves = _CHILD_FIELDS, _CHILDLESS
    while todo:
        n = pop()
        cls = n.__class__
        d = n.__dict__
        if cls is _NAME:
            if contexts is None or d["ctx"].__class__ in contexts:
                count[d["id"]] = count.get(d["id"], 0) + 1
            if d.get("annotation") is None:  # (a leaf, its context aside)
                continue
        fields = children.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        for field in fields:
            v = d.get(field)
            if v is None:
                continue
            if v.__class__ is list:
                for x in v:
                    if x.__class__ not in leaves and isinstance(x, _AST):
                        push(x)
            elif v.__class__ not in leaves and isinstance(v, _AST):
                push(v)
    return count


_CONTEXTS = frozenset({gast.Load, gast.Store, gast.Del, gast.Param})


_UNASKED: dict[frozenset, frozenset] = {}  # the classes find is asked for → the childless ones it need not push


def find(tree: Any, classes: set[type] | frozenset[type]) -> list[gast.AST]:
    """The nodes of `tree` (a node or a list of them) whose class is one of `classes`, in no
    particular order: for the passes that look for a few kinds of node, without listing the
    names, constants and contexts that make most of a tree as walk does."""
    out = []
    todo = list(tree) if tree.__class__ is list else [tree]
    push, pop = todo.append, todo.pop
    if classes.__class__ is not frozenset:
        classes = frozenset(classes)
    leaves = _UNASKED.get(classes)
    if leaves is None:
        leaves = _UNASKED[classes] = _CHILDLESS.difference(classes)
    children = _CHILD_FIELDS
    name = _NAME if _CONTEXTS.isdisjoint(classes) else None  # (a leaf unless contexts are asked for)
    while todo:
        n = pop()
        cls = n.__class__
        if cls in classes:
            out.append(n)
        d = n.__dict__
        if cls is name and d.get("annotation") is None:
            continue
        fields = children.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        for field in fields:
            v = d.get(field)
            if v is None:
                continue
            if v.__class__ is list:
                for x in v:
                    if x.__class__ not in leaves and isinstance(x, _AST):
                        push(x)
            elif v.__class__ not in leaves and isinstance(v, _AST):
                push(v)
    return out


def names_in(tree: Any, contexts: tuple[type, ...] | None = None) -> set[str]:
    """The ids of the Name nodes in `tree` (a node or a list of them); with `contexts`, only
    those of Names in one of them (see name_counts)."""
    return set(name_counts(tree, contexts))


def names_read(node: gast.AST) -> set[str]:
    """The names `node` reads."""
    return set(read_counts(node))


def clone(node):
    """A deep copy of an AST (or a list of them), much faster than copy.deepcopy; other
    attribute values (annotations astgrad puts on nodes) are shared, not copied."""
    if node.__class__ is list:
        return [clone(x) for x in node]
    if not isinstance(node, _AST):
        return node
    new = node.__class__.__new__(node.__class__)
    d = new.__dict__
    for k, v in node.__dict__.items():
        d[k] = clone(v) if v.__class__ is list or isinstance(v, _AST) else v
    return new


def clone_with(node: gast.AST, substitute: Callable[[gast.AST, Callable], gast.AST | None]) -> gast.AST:
    """A deep copy of `node` (as clone makes) in which `substitute(n, copy)`, asked of each node
    n in the order a Transformer visits them, may give n's replacement itself (`copy(m)` copies a
    node m on these same terms); None copies n, its children through `substitute`. One pass where
    a Transformer's rewrite of a clone would make two."""

    def copy(n: gast.AST) -> gast.AST:
        new = substitute(n, copy)
        if new is not None:
            return new
        cls = n.__class__
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        d = n.__dict__
        children = {}
        for field in fields:
            v = d.get(field)
            if v.__class__ is list:
                children[field] = [copy(x) if isinstance(x, _AST) else x for x in v]
            elif isinstance(v, _AST):
                children[field] = copy(v)
        return rebuilt(n, children)

    return copy(node)


def rebuilt(node: gast.AST, fields: dict[str, Any]) -> gast.AST:
    """A copy of `node` whose `fields` are those given, its other attributes cloned."""
    new = node.__class__.__new__(node.__class__)
    d = new.__dict__
    for k, v in node.__dict__.items():
        if k in fields:
            d[k] = fields[k]
        else:
            d[k] = clone(v) if v.__class__ is list or isinstance(v, _AST) else v
    return new


_LEAVES = (gast.Name, gast.Constant)


def _leaf(self, node):
    return node


class Transformer:
    """ast.NodeTransformer's protocol (visit_<Class> methods; return a node, None to drop it, or
    a list to splice in), without its per-node overhead."""

    _visit_cache: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._visit_cache = {}  # node class → method, per transformer class

    def visit(self, node):
        cache = self._visit_cache
        method = cache.get(node.__class__)
        if method is None:
            method = getattr(self.__class__, "visit_" + node.__class__.__name__, None)
            if method is None:  # nothing below a name or a constant but its context, nothing below an operator
                leaf = node.__class__ in _LEAVES or node.__class__ in _CHILDLESS
                method = _leaf if leaf else Transformer.generic_visit
            cache[node.__class__] = method
        return method(self, node)

    def generic_visit(self, node):
        d = node.__dict__
        fields = _CHILD_FIELDS.get(node.__class__)
        if fields is None:
            fields = _child_fields(node.__class__)
        for field in fields:
            v = d.get(field)
            if v.__class__ is list:
                if not v:
                    continue
                out = []
                changed = False
                for x in v:
                    if isinstance(x, _AST):
                        y = self.visit(x)
                        if y is not x:
                            changed = True
                        if y is None:
                            continue
                        if y.__class__ is list:
                            out.extend(y)
                            continue
                        out.append(y)
                    else:
                        out.append(x)
                if changed:
                    d[field] = out
            elif isinstance(v, _AST):
                y = self.visit(v)
                if y is not v:
                    if y is None:
                        delattr(node, field)
                    else:
                        d[field] = y
        return node


def walk_statements(body: list[gast.stmt]):
    """The statements of `body` and of the blocks nested in them, in order."""
    for s in body:
        yield s
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if inner:  # (no generator for an empty block)
                yield from walk_statements(inner)


def assigned_names(stmts: list[gast.stmt]) -> set[str]:
    """Every local name bound anywhere in `stmts` (targets, loop variables, nested blocks)."""
    out = set()
    for s in stmts:
        for n in walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
    return out


def assignment_counts(fdef: gast.FunctionDef) -> dict[str, int]:
    """How many statements bind or write into each name (assignments, in-place writes, loop
    targets, appends)."""
    count: dict[str, int] = {}
    for s in walk_statements(fdef.body):
        names = []
        if isinstance(s, gast.Assign):
            t = s.targets[0]
            while isinstance(t, gast.Subscript):
                t = t.value
            names = [t.id]
        elif isinstance(s, gast.For):
            names = [s.target.id]
        elif getattr(s, "_ag_append", None):
            names = [s._ag_append[0]]
        for n in names:
            count[n] = count.get(n, 0) + 1
    return count


# ------------------------------------------------------------------------------ building trees


def name(id_: str, ctx: gast.AST | None = None) -> gast.Name:
    """`id_` as a Name node (loaded, unless `ctx` says otherwise)."""
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def assign(target: str | gast.AST, value: gast.AST, loc: gast.AST | None = None) -> gast.Assign:
    """The statement `target = value` (at the source position of `loc`)."""
    tgt = name(target, gast.Store()) if isinstance(target, str) else target
    node = gast.Assign(targets=[tgt], value=value, type_comment=None)
    if loc is not None:
        gast.copy_location(node, loc)
    return node


def is_name(node: gast.AST, n: str) -> bool:
    """`node` is the name `n`."""
    return isinstance(node, gast.Name) and node.id == n


def call_of(node: gast.AST, fn: str, nargs: int = 1) -> bool:
    """`fn(a, ...)`: a call of the name `fn` with `nargs` positional arguments and no keywords."""
    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == fn
        and len(node.args) == nargs
        and not node.keywords
    )


def counted_range(loop: gast.For, only_reversed: bool = False) -> tuple[str, gast.expr] | None:
    """(k, n) of `for k in range(n)` or `for k in reversed(range(n))` (`only_reversed`: the
    backward pass's form alone), k a name and no `else`; None for any other loop."""
    it = loop.iter
    if call_of(it, "reversed"):
        it = it.args[0]
    elif only_reversed:
        return None
    if not call_of(it, "range") or getattr(it, "_ag_fn", range) is not range:
        return None  # (`_ag_fn`: what the front end found the name to be, where it looked)
    if not isinstance(loop.target, gast.Name) or loop.orelse:
        return None
    return loop.target.id, it.args[0]


def trip_count(n: gast.expr, shape_of: Any) -> int | None:
    """The value of a loop's count `n`: an int literal, or a name whose value `shape_of.count`
    knows (specialised code); else None."""
    if isinstance(n, gast.Constant) and type(n.value) is int:
        return n.value
    count = getattr(shape_of, "count", None)
    return count(n.id) if count is not None and isinstance(n, gast.Name) else None


def is_constant(node: gast.AST) -> bool:
    """A literal: a constant, a negated number, or a tuple of literals."""
    if isinstance(node, gast.Constant):
        return True
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        return isinstance(node.operand, gast.Constant) and isinstance(node.operand.value, (int, float, complex))
    if isinstance(node, gast.Tuple):
        return all(is_constant(e) for e in node.elts)
    if isinstance(node, gast.BinOp) and not isinstance(node.op, gast.MatMult):  # 1 / 2
        return _is_number(node.left) and _is_number(node.right)
    return False


def _is_number(node: gast.AST) -> bool:
    return (
        is_constant(node)
        and not isinstance(node, gast.Tuple)
        and (not isinstance(node, gast.Constant) or type(node.value) in (int, float))
    )
