"""The lecture's multiclass SVM: scores s = x·W + b, the hinge loss
L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + 1), averaged, plus the L2 regulariser λ·Σ W², trained
with minibatch SGD on scikit-learn's handwritten digits. Gradients from astgrad alone.

    python examples/svm_hinge.py           # 40 epochs
    python examples/svm_hinge.py --fast    # 15 epochs, a few seconds

Needs the examples extra: pip install -e ".[examples]".
"""

from __future__ import annotations

import argparse

import numpy as np
from train_mlp_digits import load, save_plot

import astgrad


def svm_loss(W, b, X, y, lam):
    """Mean multiclass hinge loss with margin 1, plus lam * Σ W²."""
    scores = X @ W + b
    correct = scores[np.arange(X.shape[0]), y]
    margins = np.maximum(0.0, scores - correct[:, None] + 1.0)
    others = 1.0 - np.eye(W.shape[1])[y]  # the sum runs over j ≠ y_i
    return np.sum(margins * others) / X.shape[0] + lam * np.sum(W * W)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fast", action="store_true", help="fewer epochs (what the tests run)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--plot", default="svm_hinge.png", help="where to save the loss/accuracy plot")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    from tqdm import tqdm

    epochs = a.epochs or (15 if a.fast else 40)
    batch, rate, lam = 64, 0.05, 1e-3
    X, y, X_test, y_test = load()
    rng = np.random.default_rng(2)
    W = rng.normal(0.0, 0.01, (X.shape[1], 10))
    b = np.zeros(10)

    dloss = astgrad.value_and_grad(svm_loss, wrt=("W", "b"))
    astgrad.check_grad(svm_loss, astgrad.grad(svm_loss, wrt=("W", "b")), W, b, X[:16], y[:16], lam, wrt=("W", "b"))
    print(dloss.source)

    history = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    bar = tqdm(range(epochs), desc="epochs", disable=a.quiet)
    for _ in bar:
        order = rng.permutation(len(y))
        total = 0.0
        for start in range(0, len(y), batch):
            rows = order[start : start + batch]
            value, (gW, gb) = dloss(W, b, X[rows], y[rows], lam)
            W, b = W - rate * gW, b - rate * gb
            total += value * len(rows)
        history["loss"].append(total / len(y))
        history["train_accuracy"].append(float(np.mean(np.argmax(X @ W + b, axis=1) == y)))
        history["test_accuracy"].append(float(np.mean(np.argmax(X_test @ W + b, axis=1) == y_test)))
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", test_accuracy=f"{history['test_accuracy'][-1]:.3f}")
    accuracy = history["test_accuracy"][-1]
    print(f"test accuracy after {epochs} epochs: {accuracy:.3f} ({len(y_test)} test images)")
    if a.plot:
        save_plot(history, a.plot, "multiclass SVM (hinge loss + L2) on the digits")
        print(f"saved {a.plot}")
    return {"test_accuracy": accuracy, "history": history}


if __name__ == "__main__":
    main()
