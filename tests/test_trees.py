"""The tree walkers and copiers of ir/trees.py."""

import ast

import gast

from astgrad.ir.trees import Transformer, clone, clone_with, walk


def _expr(src: str) -> gast.AST:
    return gast.parse(src).body[0].value


def _text(node: gast.AST) -> str:
    return ast.unparse(gast.gast_to_ast(node))


def test_walk_lists_every_node_in_the_order_of_ast_walk():
    tree = gast.parse("def f(x, *, k=1):\n    y = -x[0] * 2.0\n    return y if y > 0 else None\n")
    assert [id(n) for n in walk(tree)] == [id(n) for n in ast.walk(tree)]


def test_clone_with_substitutes_in_the_order_a_transformer_visits_and_leaves_the_original():
    expr = _expr("f(a, b[a], c if a else b, k=a.b)")
    before = gast.dump(expr)
    order = []

    class Rename(Transformer):
        def visit_Name(self, node):
            order.append(node.id)
            return gast.Name(id=node.id.upper(), ctx=node.ctx, annotation=None, type_comment=None)

    expected = _text(Rename().visit(clone(expr)))
    visited, order[:] = list(order), []

    def rename(node, copy):
        if isinstance(node, gast.Name):
            order.append(node.id)
            return gast.Name(id=node.id.upper(), ctx=clone(node.ctx), annotation=None, type_comment=None)
        return None

    copied = clone_with(expr, rename)
    assert _text(copied) == expected == "F(A, B[A], C if A else B, k=A.b)"
    assert order == visited
    assert gast.dump(expr) == before  # (the original is left as it was)
    assert not {id(n) for n in walk(copied)} & {id(n) for n in walk(expr)}  # (nothing shared)


def test_clone_with_lets_a_substitute_copy_a_part_of_its_own_choice():
    expr = _expr("x if flag else y")

    def taken(node, copy):
        return copy(node.body) if isinstance(node, gast.IfExp) else None

    assert _text(clone_with(expr, taken)) == "x"


def test_the_counting_walks_agree_with_a_full_walk():
    from collections import Counter

    from astgrad.ir.trees import find, name_counts, read_counts

    tree = gast.parse(
        "def f(x, *, k=1):\n"
        "    y = -x[0] * 2.0 if not x else x @ x\n"
        "    y += k ** 2\n"
        "    del x\n"
        "    for i in range(3):\n"
        "        pass\n"
        "    return [y for y in (y, k)]\n"
    )
    names = [n for n in ast.walk(tree) if isinstance(n, gast.Name)]
    assert name_counts(tree) == Counter(n.id for n in names)
    assert name_counts(tree, (gast.Store, gast.Del)) == Counter(
        n.id for n in names if isinstance(n.ctx, (gast.Store, gast.Del))
    )
    reads = Counter(n.id for n in names if not isinstance(n.ctx, gast.Store)) + Counter({"y": 1})  # (y += ...)
    assert read_counts(tree, augmented=True) == reads
    for classes in ({gast.Pass}, {gast.USub, gast.Not}, {gast.Store}, {gast.Constant, gast.Name}):
        assert sorted(map(id, find(tree, classes))) == sorted(id(n) for n in ast.walk(tree) if type(n) in classes)
