"""The perceptron algorithm: move the line towards every misclassified point, one point at a time.

Run `torchdojo check perceptron-trick` to grade this file.
"""
import torch


def predict(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """step(Xw + b): 1.0 where X @ w + b >= 0, else 0.0. X (N, d) gives (N,); one point (d,) gives ()."""
    # TODO 1: the step of the weighted sum, as floats
    raise NotImplementedError("TODO: compute step(Xw + b)")


def perceptron_epoch(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                     lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One pass over the points in order: for each misclassified point, w ← w ± lr·x and b ← b ± lr
    (+ for a positive point predicted 0, − for a negative point predicted 1). Returns the new (w, b);
    the caller's w and b are left unchanged."""
    # TODO 2: loop over the points; the error y − ŷ says whether and which way to move the line
    raise NotImplementedError("TODO: apply the perceptron trick to every point")


def train(X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int,
          plot_path: str | None = None) -> tuple[torch.Tensor, torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
    """From w = 0, b = 0, run `epochs` epochs. Returns (w, b, history), history[e] = (w, b) after epoch e.
    If plot_path is given, save a PNG there of the points and the boundary after each epoch."""
    # TODO 3: the epochs, keeping (w, b) after each
    # TODO 4: the plot (matplotlib.use("Agg"), the lines w0·x0 + w1·x1 + b = 0, fig.savefig(plot_path))
    raise NotImplementedError("TODO: train the perceptron")
