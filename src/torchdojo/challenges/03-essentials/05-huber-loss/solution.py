"""Huber loss: quadratic for small residuals, linear for large ones."""
import torch
from torch import nn


class HuberLoss(nn.Module):
    def __init__(self, delta: float = 1.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
        self.delta = delta
        self.reduction = reduction

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        r = prediction - target  # a new tensor: the caller's prediction and target stay as they are
        size = r.abs()  # its gradient at r = 0 is 0, where sqrt(r**2) would give NaN
        quadratic = 0.5 * r**2
        # Shifted by ½δ so the pieces meet at |r| = δ; scaled by δ so their slopes agree there.
        linear = self.delta * (size - 0.5 * self.delta)
        # Both branches are computed for every element; the mask picks one per element.
        loss = torch.where(size <= self.delta, quadratic, linear)
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss
