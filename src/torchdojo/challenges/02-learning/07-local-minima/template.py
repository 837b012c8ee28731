"""Escaping local minima: plain gradient descent, gradient descent with momentum, and random restarts.

Run `torchdojo check local-minima` to grade this file.
`f(x)` and `grad(x)` are functions given to you: for a point x of shape (d,), f(x) is a 0-dim tensor and
grad(x) the gradient ∇f(x), shape (d,).
"""
import torch


def gradient_descent(grad, x0: torch.Tensor, lr: float, steps: int) -> torch.Tensor:
    """`steps` steps x ← x − lr·∇f(x) from x0 (shape (d,)). Returns the trajectory, shape (steps + 1, d):
    x0 first, then the point after each step. x0 itself is left unchanged."""
    # TODO 1: the loop, keeping every point
    raise NotImplementedError("TODO: gradient descent, returning the trajectory")


def momentum(grad, x0: torch.Tensor, lr: float, beta: float, steps: int) -> torch.Tensor:
    """`steps` steps of v ← β·v + ∇f(x), x ← x − lr·v from x0 with v = 0. Returns the trajectory, shape
    (steps + 1, d)."""
    # TODO 2: the velocity and the loop
    raise NotImplementedError("TODO: gradient descent with momentum")


def random_restarts(f, grad, low: torch.Tensor, high: torch.Tensor, n: int, lr: float, steps: int,
                    seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """n starts drawn uniformly in the box [low, high] (tensors of shape (d,)) with a torch.Generator seeded
    with `seed`; plain gradient descent (lr, steps) from each. Returns (best, starts, finals): starts and
    finals of shape (n, d), best the final point with the lowest f."""
    # TODO 3: the starts, one run from each, the best end point
    raise NotImplementedError("TODO: random restarts")


def plot_landscape(f, low: float, high: float, paths: dict, plot_path: str) -> None:
    """Save a PNG at plot_path: f over [low, high] (1-D), and each trajectory in `paths` (name -> tensor of
    shape (T, 1)) drawn on it."""
    # TODO 4: matplotlib.use("Agg"), the curve, the paths, fig.savefig(plot_path)
    raise NotImplementedError("TODO: plot the landscape and the paths")
