"""Leaky ReLU, element by element."""
import torch


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    # torch.where picks from two whole tensors: both branches are computed, and the gradient flows
    # through the branch that was picked (1 where x > 0, negative_slope elsewhere). Multiplying by a
    # Python float keeps x's dtype, so float64 stays float64.
    return torch.where(x > 0, x, negative_slope * x)
