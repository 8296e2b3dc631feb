"""The lecture's HW0 function f(x) = sigmoid(log(5 * (max(x1, x2) * x3 / x4 - (x5 + x6))) + 1/2)."""

import numpy as np

import astgrad


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hw0(x1, x2, x3, x4, x5, x6):
    u = max(x1, x2) * x3 / x4 - (x5 + x6)
    v = np.log(5 * u) + 1 / 2
    return 1.0 / (1.0 + np.exp(-v))


def main() -> None:
    wrt = ("x1", "x2", "x3", "x4", "x5", "x6")
    dhw0 = astgrad.grad(hw0, wrt=wrt)
    print(dhw0.source)
    x = (1.5, 0.7, 2.0, 1.3, 0.1, 0.2)
    print("f(x) =", hw0(*x))
    print("grad f(x) =", np.round(np.array(dhw0(*x), dtype=float), 6))
    astgrad.check_grad(hw0, dhw0, *x, wrt=wrt)
    print("gradient check passed")


if __name__ == "__main__":
    main()
