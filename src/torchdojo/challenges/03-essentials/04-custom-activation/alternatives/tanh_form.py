"""sigmoid(z) written as ½(1 + tanh(z/2)), which stays finite for any z; beta made with torch.full."""
import torch
import torch.nn as nn


class LearnableSwish(nn.Module):
    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = nn.Parameter(torch.full((), float(beta)))

    def forward(self, x):
        return x * 0.5 * (1 + torch.tanh(0.5 * self.beta * x))
