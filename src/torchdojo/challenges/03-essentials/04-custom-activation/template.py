"""Swish with a learnable β: swish(x) = x · sigmoid(β·x).

Run `torchdojo check custom-activation` to grade this file.
"""
import torch
from torch import nn


class LearnableSwish(nn.Module):
    def __init__(self, beta: float = 1.0):
        """`self.beta`: a learnable 0-dim parameter, initialised to `beta`."""
        super().__init__()
        # TODO 1: create self.beta so that .parameters() lists it and an optimizer can train it
        raise NotImplementedError("TODO: create self.beta as a learnable parameter")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x · sigmoid(beta · x), element-wise; the output has x's shape."""
        # TODO 2: the formula, using self.beta as a tensor
        raise NotImplementedError("TODO: return x * sigmoid(beta * x)")
