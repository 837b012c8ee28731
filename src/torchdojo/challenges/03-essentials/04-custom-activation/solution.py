"""Swish with a learnable β: swish(x) = x · sigmoid(β·x)."""
import torch
from torch import nn


class LearnableSwish(nn.Module):
    def __init__(self, beta: float = 1.0):
        super().__init__()
        # Created once, here: assigning an nn.Parameter to an attribute registers it, so it appears in
        # .parameters() (the optimizer trains it) and in state_dict() (it is saved). It requires grad.
        self.beta = nn.Parameter(torch.tensor(float(beta)))  # () a 0-dim scalar

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Element-wise, any shape: (...) -> (...). self.beta enters the expression as a tensor, so
        # autograd can carry the gradient back to it.
        return x * torch.sigmoid(self.beta * x)
