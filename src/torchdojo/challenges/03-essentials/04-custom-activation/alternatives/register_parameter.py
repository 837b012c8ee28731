"""register_parameter instead of attribute assignment, and torch.special.expit for the sigmoid."""
import torch
from torch import nn


class LearnableSwish(nn.Module):
    def __init__(self, beta=1.0):
        super().__init__()
        self.register_parameter("beta", nn.Parameter(torch.ones(()) * beta))

    def forward(self, x):
        return x * torch.special.expit(self.beta * x)
