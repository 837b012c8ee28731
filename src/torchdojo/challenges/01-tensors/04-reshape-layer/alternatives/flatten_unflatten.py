"""Reshape as flatten-then-unflatten: every example becomes one row, which unflatten splits into
the target shape (unflatten, like reshape, infers a -1)."""
import torch
from torch import nn


class Reshape(nn.Module):
    def __init__(self, *sizes: int):
        super().__init__()
        self.sizes = sizes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = torch.flatten(x, start_dim=1)  # (N, d1 * d2 * ...)
        return rows.unflatten(1, self.sizes)  # (N, *sizes)
