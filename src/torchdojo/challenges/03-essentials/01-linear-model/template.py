"""A linear model written from scratch: y = x Wᵀ + b with learnable W and b.

Run `torchdojo check linear-model` to grade this file.
"""
import torch
from torch import nn


class LinearModel(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        """Learnable `weight` of shape (out_features, in_features) and `bias` of shape (out_features,)."""
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        # TODO 1: self.weight, a learnable tensor of shape (out_features, in_features), like nn.Linear's
        # TODO 2: self.bias, a learnable tensor of shape (out_features,)
        raise NotImplementedError("TODO: create self.weight and self.bias as learnable parameters")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x has shape (..., in_features); returns shape (..., out_features)."""
        # TODO 3: y = x Wᵀ + b
        raise NotImplementedError("TODO: compute y = x Wᵀ + b")
