"""The lecture's running example, f(x1, x2) = x1*x2 + sin(x1), differentiated by astgrad.

Prints the A-normal form (the computational graph, one node per line), the generated gradient
code (forward pass, then the adjoints in reverse order), and checks the result against the
hand-derived gradient (x2 + cos(x1), x1) and against central differences.
"""

import numpy as np

import astgrad


def f(x1, x2):
    return x1 * x2 + np.sin(x1)


def main() -> None:
    print("# f in A-normal form: the computational graph, one primitive per line")
    print(astgrad.source(f, normalized=True))
    df = astgrad.grad(f, wrt=("x1", "x2"))
    print("# reverse mode: the generated gradient")
    print(df.source)
    x1, x2 = 0.7, -1.3
    g1, g2 = df(x1, x2)
    print(f"grad f({x1}, {x2}) = ({g1:.6f}, {g2:.6f})")
    # hand derivation: df/dx1 = x2 + cos(x1), df/dx2 = x1
    assert np.isclose(g1, x2 + np.cos(x1)) and np.isclose(g2, x1)
    astgrad.check_grad(f, df, x1, x2, wrt=("x1", "x2"))
    print("matches the hand derivation and the numerical gradient check")


if __name__ == "__main__":
    main()
