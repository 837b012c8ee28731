"""Regularization by hand: L1 and L2 penalties on a model's weights, and inverted dropout.

Run `torchdojo check regularization` to grade this file.
"""
import torch
from torch import nn


def l1_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """λ·Σ|w| over the model's weights (every parameter whose name does not end in "bias"), a 0-dim tensor
    that autograd can differentiate."""
    # TODO 1: sum |w| over the weights only, times lam
    raise NotImplementedError("TODO: compute the L1 penalty")


def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """(λ/2)·Σw² over the model's weights (not the biases), a 0-dim tensor: its gradient is λ·w."""
    # TODO 2: sum w² over the weights only, times lam / 2
    raise NotImplementedError("TODO: compute the L2 penalty")


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the others by
    1/(1 − p); in evaluation, return x unchanged. Do not modify x."""
    # TODO 3: evaluation: nothing to do
    # TODO 4: training: a random keep-mask, then scale (mind p = 1)
    raise NotImplementedError("TODO: implement inverted dropout")
