"""Leaky ReLU, element by element.

Run `torchdojo check leaky-relu` to grade this file.
"""
import torch


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """x where x > 0, negative_slope · x elsewhere; same shape and dtype as x."""
    # TODO: choose, element by element, between x and negative_slope * x
    raise NotImplementedError("TODO: compute the leaky ReLU")
