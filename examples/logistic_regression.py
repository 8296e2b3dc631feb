"""The lecture's logistic regression as a cascade u = w.x, p = sigma(y u), L = -log p, averaged
over a data set and regularised with lambda * sum(w**2); trained by gradient descent."""

import numpy as np

import astgrad


def loss(w, X, y, lam):
    u = X @ w
    p = 1.0 / (1.0 + np.exp(-y * u))
    L = -np.mean(np.log(p))
    return L + lam * np.sum(w**2)


def main() -> None:
    dloss = astgrad.grad(loss, wrt="w")
    print(dloss.source)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = np.sign(X @ np.array([1.5, -2.0, 0.5]) + 0.1 * rng.normal(size=64))
    w = np.zeros(3)
    astgrad.check_grad(loss, dloss, rng.normal(size=3), X, y, 0.01)
    print("gradient check passed")
    for step in range(201):
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss(w, X, y, 0.01):.5f}")
        w = w - 0.5 * dloss(w, X, y, 0.01)
    accuracy = np.mean(np.sign(X @ w) == y)
    print(f"w = {np.round(w, 3)}, training accuracy {accuracy:.2f}")


if __name__ == "__main__":
    main()
