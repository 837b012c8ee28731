"""Pairwise squared distances computed in float64 (less cancellation error), with addmm fusing the
product and the sum, then returned in the inputs' dtype."""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a64, b64 = a.double(), b.double()
    a_sq = a64.pow(2).sum(1).view(-1, 1)  # (N, 1)
    b_sq = b64.pow(2).sum(1).view(1, -1)  # (1, M)
    # addmm(input, m1, m2, beta, alpha) = beta * input + alpha * (m1 @ m2)
    d2 = torch.addmm(a_sq + b_sq, a64, b64.t(), beta=1, alpha=-2)
    return torch.relu(d2).to(a.dtype)
