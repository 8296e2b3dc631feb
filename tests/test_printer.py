"""Generated code printed directly from its tree (ir/printer.py) reads as it read when printed by
converting the tree and tidying ast.unparse's text (codegen.unparse): brackets, bare tuples,
literals, docstrings and comments."""

import numpy as np
import pytest

import astgrad
from astgrad.ad.reverse import comment
from astgrad.ir import codegen, printer
from astgrad.ir.convert import parse, to_ast
from astgrad.ir.trees import clone
from astgrad.numerical import numerical_grad


def _as_before(tree) -> str:
    """The text codegen.render printed before the direct printer."""
    comments: list[str] = []
    text = codegen.unparse(to_ast(clone(tree), comments)) + "\n"
    if comments:
        text = codegen._COMMENT.sub(lambda m: f"{m.group(1)}# {comments[int(m.group(3))]}", text)
    return codegen._GUARD.sub(codegen._wrap_guard, text)


EXPRESSIONS = [
    "x ** -y",
    "x ** (-y)",
    "-x ** 2",
    "(-x) ** 2",
    "a ** b ** c",
    "(a ** b) ** c",
    "x ** not_y",
    "x ** (not y)",
    "a - (b - c)",
    "(a - b) - c",
    "a / (b * c)",
    "a @ b.T @ (c + d)",
    "-(-x)",
    "not not x",
    "~x & (y | z) ^ w << 2 >> 1",
    "a if b else c if d else e",
    "(a if b else c) if d else e",
    "(a if b else c) + 1",
    "f(a if b else c)",
    "not a and b",
    "not (a and b)",
    "a and (b or c)",
    "(a or b) and c",
    "a or b and c",
    "(a and b) or c",
    "a or (b if c else d)",
    "a < b < c",
    "(a < b) < c",
    "a < (b < c)",
    "a is not None or b not in c",
    "-(a < b)",
    "x[1:2, ::3]",
    "x[:, None]",
    "x[...]",
    "x[()]",
    "x[(1, 2)]",
    "x[(1,)]",
    "x[i + 1:n - 1:-1]",
    "f(*a, b, *c, k=1, **d)",
    "f((a, b), [c, d], {'k': v, **e})",
    "(1).real",
    "1.0.real",
    "(-1).real",
    "True.real",
    "(a, b).count(a)",
    "(a + b).sum(axis=(0, 1))",
    "[*a, *b]",
    "1e309",
    "-1e309",
    "1e309 - 1e309",
    "'it''s' + \"q\\\"uote\" + '\\n'",
    "b'\\x00'",
    "2j + 1.5e-300",
    "...",
    "x.__class__ is not np.ndarray or y.shape != (3, 4)",
]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_an_expression_prints_as_before(text):
    tree = parse(text, mode="eval").body
    assert printer.source(tree, codegen._comment_text) + "\n" == _as_before(tree)


STATEMENTS = [
    "a, b = b, a",
    "(a,) = t",
    "a = b = (c, d)",
    "x[i, j] = (u,)",
    "x[i] += y, z",
    "return",
    "return a, b",
    "return (a,)",
    "f(x), g(y)",
    "for i, (a, b) in enumerate(pairs):\n    s = s + a * b\nelse:\n    pass",
    "while not (a and b):\n    break",
    "if a:\n    pass\nelif b:\n    continue\nelif c:\n    x = 1\nelse:\n    y = 2",
    "if a:\n    pass\nelse:\n    if b:\n        x = 1\n    y = 2",
]


@pytest.mark.parametrize("text", STATEMENTS)
def test_a_statement_prints_as_before(text):
    tree = parse(text).body[0]
    assert printer.source(tree, codegen._comment_text) + "\n" == _as_before(tree)


FUNCTIONS = [
    'def f(a, /, b, c=1, *args, d, e=(2, 3), **kw):\n    """Doc \'\'\' "quoted" \\\\ end"""\n    return a',
    "def f(*, k):\n    '''ends in a quote\"'''\n    return k",
    "def f(a: int, b: 'list' = None) -> float:\n    return a",
    "def f():\n    'one line\\nand\\tanother'\n    x = 1\n    'not a docstring'\n    return x",
    "def f(*a):\n    return a",
]


@pytest.mark.parametrize("text", FUNCTIONS)
def test_a_function_prints_as_before(text):
    tree = parse(text).body[0]
    assert printer.source(tree, codegen._comment_text) + "\n" == _as_before(tree)


def test_comments_print_as_before_first_in_a_body_too():
    tree = parse("def f(x):\n    y = x\n    if y:\n        z = y\n    return y").body[0]
    tree.body.insert(0, comment("forward pass"))
    tree.body[2].body.insert(0, comment("line 3: z = y"))
    tree.body.insert(2, comment("a comment's text, as it is: 'quoted' \"twice\""))
    text = printer.source(tree, codegen._comment_text) + "\n"
    assert text == _as_before(tree)
    assert text.splitlines()[1] == "    # forward pass"


@pytest.mark.parametrize(
    "text", ["lambda x: x", "[a for a in b]", "f'{x}'", "{a, b}", "(y := 2)", "await x", "(yield x)"]
)
def test_what_it_does_not_print_is_printed_the_other_way(text):
    tree = parse(f"def f():\n    return {text}").body[0]
    with pytest.raises(printer.Unprintable):
        printer.source(tree, codegen._comment_text)
    assert codegen.render(tree) == _as_before(tree)


def _guarded_loss(w, x, flag=True):
    total = 0.0
    for i, (a, b) in enumerate(zip(w, x)):
        if flag and not (a > 0.0 or b < -1.0):
            total = total + (a * b) ** 2 - (-a) ** 3 + i * 0.5
        else:
            total = total - a**-2.0
    return total


def test_generated_code_prints_as_before_and_runs():
    printed = []
    real = codegen.render

    def both(tree):
        text = real(tree)
        printed.append(text == _as_before(tree))
        return text

    w, x = np.array([0.5, -1.5, 2.0]), np.array([1.0, 2.0, -3.0])
    import astgrad.ad.assemble as assemble

    assemble.render, before = both, assemble.render
    try:
        g = astgrad.grad(_guarded_loss, wrt=("w", "x"))
        for _ in range(2):  # (the general code, then the specialised code)
            gw, gx = g(w, x)
    finally:
        assemble.render = before
    assert printed and all(printed)
    np.testing.assert_allclose(gw, numerical_grad(lambda v: _guarded_loss(v, x), w), rtol=1e-6)
    np.testing.assert_allclose(gx, numerical_grad(lambda v: _guarded_loss(w, v), x), rtol=1e-6)
