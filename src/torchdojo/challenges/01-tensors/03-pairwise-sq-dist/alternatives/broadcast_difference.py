"""Pairwise squared distances by broadcasting the differences to (N, M, d): no expansion, so no
cancellation and no clamp, at the price of an (N, M, d) intermediate."""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    diff = a.unsqueeze(1) - b.unsqueeze(0)  # (N, 1, d) - (1, M, d) -> (N, M, d)
    return (diff * diff).sum(dim=-1)  # (N, M)
