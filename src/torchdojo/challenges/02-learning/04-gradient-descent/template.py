"""Logistic regression trained by gradient descent, with the gradients worked out by hand (no autograd).

Run `torchdojo check gradient-descent` to grade this file.
No .backward(), torch.autograd.grad or requires_grad here: derive the gradients on paper.
"""
import torch


def predict(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """X (N, d), w (d,), b a 0-dim tensor -> the probabilities σ(Xw + b), shape (N,)."""
    # TODO 1: the sigmoid of the linear score
    raise NotImplementedError("TODO: compute σ(Xw + b)")


def gradients(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradients (dw of shape (d,), db of shape ()) of the mean log-loss
    L = −mean(y log ŷ + (1 − y) log(1 − ŷ)), ŷ = σ(Xw + b), for labels y in {0, 1} of shape (N,)."""
    # TODO 2: the error ŷ − y of every example, then dw and db from it (no loop over the examples)
    raise NotImplementedError("TODO: derive and compute dL/dw and dL/db")


def train(X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int,
          plot_path: str | None = None) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Full-batch gradient descent from w = 0, b = 0: `epochs` steps w ← w − lr·dw, b ← b − lr·db.
    Returns (w, b, losses) with losses[e] the mean log-loss after step e. If plot_path is given, save a
    PNG there showing the loss curve (and, for 2-D data, the points and the decision boundary)."""
    # TODO 3: the loop: gradients, one step for w and one for b, the loss after the step
    # TODO 4: the plot (matplotlib with matplotlib.use("Agg"), then fig.savefig(plot_path))
    raise NotImplementedError("TODO: train with gradient descent")
