"""The textbook's column-vector form, y = W x + b, applied to every x at once; scaled-normal init."""
import torch
from torch import nn


def scaled_normal(*shape: int, fan_in: int) -> torch.Tensor:
    return torch.randn(*shape) / fan_in**0.5


class LinearModel(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(scaled_normal(out_features, in_features, fan_in=in_features))
        self.bias = nn.Parameter(scaled_normal(out_features, fan_in=in_features))

    def forward(self, x):
        # (out, in) @ (..., in, 1) -> (..., out, 1): each x as a column vector
        return (self.weight @ x.unsqueeze(-1)).squeeze(-1) + self.bias
