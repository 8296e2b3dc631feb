"""Generated code is printed by `ast.unparse` (codegen.unparse), in one layout on every Python
version astgrad supports: tuples and `and`/`or` operands are bracketed only where Python needs it."""

import ast
import textwrap
import warnings

import gast

from astgrad.ad.reverse import comment
from astgrad.ir.codegen import render, unparse

# each line as printed, with what ast.unparse alone prints on some Python version
LAYOUT = '''
def f(x, y, *, x_dot):
    """Doc of f: 'quoted', "double"."""
    a = 1, 2
    a, b = c
    (a, b), c = d
    a += 1, 2
    a = x,
    a = ()
    a, *b = x, *y
    x[1, 2] = x[1:2, ::3] + x[..., None] + f((1, 2))
    for i, x in y:
        t = [i for i, x in y]
    y = x ** -1.5 + x ** -y + (-x) ** 2 + -x ** 2
    if x.__class__ is not float or x.shape != (4,) or y.__class__ is not int:
        pass
    z = a and b and not c
    z = a or b and c or (d or e)
    z = (a or b) and (c if d else e) and d
    z = (a, b) if c else d
    return x, (y, z)
'''


def test_layout_is_python_s_own_without_redundant_brackets():
    tree = ast.parse(LAYOUT)
    assert unparse(tree) + "\n" == LAYOUT.lstrip("\n")


def test_printed_code_means_the_tree():
    tree = ast.parse(LAYOUT)
    text = unparse(ast.parse(LAYOUT))
    assert ast.dump(ast.parse(text)) == ast.dump(tree)


def test_render_turns_markers_into_comments_without_warnings():
    fdef = gast.parse(
        textwrap.dedent('''
        def g(x):
            """doc"""
            for i in range(3):
                x = x + i
            return x
        ''')
    ).body[0]
    fdef.body.insert(1, comment("first"))
    fdef.body[2].body.insert(0, comment("line 4: x = x + i"))
    bare = gast.parse("def h(x):\n    return x").body[0]
    bare.body.insert(0, comment("in the docstring's place"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no node without its required fields (an error from 3.15)
        text, text2 = render(fdef), render(bare)
    assert text == textwrap.dedent('''\
        def g(x):
            """doc"""
            # first
            for i in range(3):
                # line 4: x = x + i
                x = x + i
            return x
        ''')
    assert text2 == "def h(x):\n    # in the docstring's place\n    return x\n"
