"""sigmoid through F.logsigmoid and exp (stable in log space); a dtype-explicit 0-dim parameter."""
import torch
import torch.nn.functional as F
from torch import nn


def swish(x: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    return x * F.logsigmoid(beta * x).exp()


class LearnableSwish(nn.Module):
    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor(beta, dtype=torch.float32))

    def forward(self, x):
        return swish(x, self.beta)
