"""Logistic regression trained by gradient descent, with the gradients worked out by hand (no autograd)."""
import torch


def predict(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # ŷ = σ(Xw + b): (N, d) @ (d,) -> (N,), one probability of class 1 per row.
    return torch.sigmoid(X @ w + b)


def log_loss(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # Mean of −[y log ŷ + (1 − y) log(1 − ŷ)], written from the logit z = Xw + b so that it stays finite
    # when ŷ rounds to 0 or 1: max(z, 0) − z·y + log(1 + exp(−|z|)).
    z = X @ w + b
    return (z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()


def gradients(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # For one example, dℓ/dz = ŷ − y (the sigmoid's derivative ŷ(1 − ŷ) cancels against the log-loss's
    # 1/(ŷ(1 − ŷ))), and z = x·w + b gives dz/dw = x, dz/db = 1. Averaged over the N examples:
    #   dL/dw = Xᵀ(ŷ − y) / N    and    dL/db = mean(ŷ − y).
    n = X.shape[0]
    error = predict(X, w, b) - y  # (N,): how far each prediction is from its label
    dw = X.T @ error / n  # (d, N) @ (N,) -> (d,): every example's x weighted by its error, all at once
    db = error.mean()  # a 0-dim tensor, like b
    return dw, db


def train(X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int,
          plot_path: str | None = None) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    w = torch.zeros(X.shape[1])  # start from zero: with a convex loss the start does not change the optimum
    b = torch.zeros(())
    losses = []
    for _ in range(epochs):
        dw, db = gradients(X, y, w, b)
        # A step *against* the gradient, the direction in which the loss decreases fastest. New tensors
        # rather than in-place updates: nothing else holds w and b, but it keeps every step easy to follow.
        w = w - lr * dw
        b = b - lr * db
        losses.append(float(log_loss(X, y, w, b)))  # the loss after this step
    if plot_path is not None:
        _plot(X, y, w, b, losses, plot_path)
    return w, b, losses


def _plot(X, y, w, b, losses, path):
    import matplotlib
    matplotlib.use("Agg")  # draw into a file, no window
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    left.plot(range(1, len(losses) + 1), losses)
    left.set(xlabel="epoch", ylabel="log-loss", title="training loss")
    right.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=10)
    if X.shape[1] == 2 and float(w[1]) != 0:  # the boundary w0·x0 + w1·x1 + b = 0, as x1 = −(w0·x0 + b) / w1
        xs = torch.linspace(float(X[:, 0].min()), float(X[:, 0].max()), 2)
        right.plot(xs, -(w[0] * xs + b) / w[1], "k-")
    right.set(title="decision boundary")
    fig.savefig(path)
    plt.close(fig)
