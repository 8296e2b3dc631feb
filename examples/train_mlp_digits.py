"""A 2-layer ReLU network, f = W2·max(0, W1·x + b1) + b2, trained with minibatch SGD on the
handwritten digits that ship inside scikit-learn (8×8 images, 10 classes; no download). The
gradients come from astgrad alone: the loss below is plain NumPy, differentiated once.

    python examples/train_mlp_digits.py            # 40 epochs, about 98% test accuracy
    python examples/train_mlp_digits.py --fast     # 15 epochs, a few seconds

Needs the examples extra: pip install -e ".[examples]" (scikit-learn, tqdm, matplotlib).
"""

from __future__ import annotations

import argparse

import numpy as np

import astgrad


def loss(W1, b1, W2, b2, X, y, lam):
    """Mean softmax cross-entropy of the network's scores, plus lam times the squared weights."""
    h = np.maximum(0.0, X @ W1 + b1)
    scores = h @ W2 + b2
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    data = -np.mean(log_probs[np.arange(X.shape[0]), y])
    return data + lam * (np.sum(W1 * W1) + np.sum(W2 * W2))


def predict(W1, b1, W2, b2, X):
    return np.argmax(np.maximum(0.0, X @ W1 + b1) @ W2 + b2, axis=1)


def load(seed: int = 0):
    """The digits, pixels scaled to [0, 1], split 80/20 into training and test sets."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data / 16.0
    y = digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fast", action="store_true", help="fewer epochs (what the tests run)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--plot", default="train_mlp_digits.png", help="where to save the loss/accuracy plot")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = p.parse_args(argv)
    from tqdm import tqdm

    epochs = a.epochs or (15 if a.fast else 40)
    hidden, batch, rate, lam = 64, 32, 0.1, 1e-4
    X, y, X_test, y_test = load()
    rng = np.random.default_rng(1)
    W1 = rng.normal(0.0, np.sqrt(2.0 / X.shape[1]), (X.shape[1], hidden))
    b1 = np.zeros(hidden)
    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), (hidden, 10))
    b2 = np.zeros(10)

    dloss = astgrad.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
    # the lecture's practice: check the analytic gradient numerically once before training
    astgrad.check_grad(loss, astgrad.grad(loss, wrt=("W1", "b1", "W2", "b2")), W1, b1, W2, b2, X[:8], y[:8], lam,
                       wrt=("W1", "b1", "W2", "b2"), rtol=1e-4, atol=1e-6)  # fmt: skip

    history = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    bar = tqdm(range(epochs), desc="epochs", disable=a.quiet)
    for _ in bar:
        order = rng.permutation(len(y))
        total = 0.0
        for start in range(0, len(y), batch):
            rows = order[start : start + batch]
            value, (gW1, gb1, gW2, gb2) = dloss(W1, b1, W2, b2, X[rows], y[rows], lam)
            W1, b1, W2, b2 = W1 - rate * gW1, b1 - rate * gb1, W2 - rate * gW2, b2 - rate * gb2
            total += value * len(rows)
        history["loss"].append(total / len(y))
        history["train_accuracy"].append(float(np.mean(predict(W1, b1, W2, b2, X) == y)))
        history["test_accuracy"].append(float(np.mean(predict(W1, b1, W2, b2, X_test) == y_test)))
        bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", test_accuracy=f"{history['test_accuracy'][-1]:.3f}")
    accuracy = history["test_accuracy"][-1]
    print(f"test accuracy after {epochs} epochs: {accuracy:.3f} ({len(y_test)} test images)")
    if a.plot:
        save_plot(history, a.plot, "2-layer ReLU network on the digits")
        print(f"saved {a.plot}")
    return {"test_accuracy": accuracy, "history": history}


def save_plot(history: dict, path: str, title: str) -> None:
    """Loss and accuracy per epoch, side by side, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, history["loss"], marker="o")
    left.set(xlabel="epoch", ylabel="training loss", title="loss")
    right.plot(epochs, history["train_accuracy"], marker="o", label="training")
    right.plot(epochs, history["test_accuracy"], marker="s", label="test")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    right.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
