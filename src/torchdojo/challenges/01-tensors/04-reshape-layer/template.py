"""A Reshape layer for nn.Sequential that keeps the batch dimension.

Run `torchdojo check reshape-layer` to grade this file.
"""
import torch
from torch import nn


class Reshape(nn.Module):
    """Reshape every example to `shape`, keeping the batch dimension: (N, ...) -> (N, *shape).

    Reshape(2, 3) turns (N, 6) into (N, 2, 3); Reshape(-1) flattens each example, like nn.Flatten.
    """

    def __init__(self, *shape: int):
        super().__init__()
        # TODO 1: remember the target shape of one example (shape is a tuple of ints)
        raise NotImplementedError("TODO: store the target shape in __init__")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO 2: reshape every dimension except the first (batch) one; it must also work on a
        #         non-contiguous input, such as a transposed tensor
        raise NotImplementedError("TODO: reshape each example, keeping the batch dimension")
