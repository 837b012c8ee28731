"""A Reshape layer for nn.Sequential that keeps the batch dimension."""
import torch
from torch import nn


class Reshape(nn.Module):
    """Reshape every example to `shape`, keeping the batch dimension: (N, ...) -> (N, *shape).

    Reshape(2, 3) turns (N, 6) into (N, 2, 3); Reshape(-1) flattens each example, like nn.Flatten.
    """

    def __init__(self, *shape: int):
        super().__init__()  # sets up the module's bookkeeping (parameters, hooks) before anything else
        self.shape = shape  # a tuple of ints: the shape of one example; it has no parameters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Spell out the batch size rather than inferring it with -1: the example shape may itself
        # contain a -1, and a wrong shape should raise instead of moving data between examples.
        # reshape, unlike view, copies a non-contiguous input (e.g. after a transpose) when it must.
        return x.reshape(x.shape[0], *self.shape)  # (N, *shape)

    def extra_repr(self) -> str:
        # print(model) then shows Reshape(2, 3) instead of Reshape().
        return ", ".join(str(s) for s in self.shape)
