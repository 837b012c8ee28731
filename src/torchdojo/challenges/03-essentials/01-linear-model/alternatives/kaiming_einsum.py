"""Kaiming-uniform weights through nn.init, and the product written as an einsum over the last axis."""
import torch
from torch import nn


class LinearModel(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        nn.init.kaiming_uniform_(self.weight, nonlinearity="relu")
        nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # y[..., o] = Σ_i x[..., i] · W[o, i] + b[o]
        return torch.einsum("...i,oi->...o", x, self.weight) + self.bias
