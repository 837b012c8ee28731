"""A linear model written from scratch: y = x Wᵀ + b with learnable W and b."""
import math

import torch
from torch import nn


class LinearModel(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()  # must come first: it sets up the registry that nn.Parameter attributes go into
        self.in_features = in_features
        self.out_features = out_features
        # Same layout and initialisation as nn.Linear: row j of the weight holds the weights of output j,
        # so nn.Linear's state_dict loads into this model unchanged. U(-1/√in, 1/√in) keeps the output's
        # scale independent of the number of inputs.
        bound = 1 / math.sqrt(in_features)
        weight = torch.empty(out_features, in_features).uniform_(-bound, bound)  # (out, in)
        bias = torch.empty(out_features).uniform_(-bound, bound)  # (out,)
        # nn.Parameter marks a tensor as learnable: the module registers it, so it appears in
        # .parameters() (what the optimizer updates) and in state_dict() (what gets saved).
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (..., in) @ (in, out) -> (..., out); matmul treats any leading dimensions as batch dimensions,
        # and the bias (out,) broadcasts over them.
        return x @ self.weight.T + self.bias
