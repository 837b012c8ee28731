"""Mean squared error, as a function and as an nn.Module."""
import torch
from torch import nn


def custom_loss(predictions: torch.Tensor, ground_truth: torch.Tensor) -> torch.Tensor:
    # Element-wise errors, any shape: (...) - (...) -> (...)
    errors = predictions - ground_truth
    # .mean() with no dim averages over *every* element, so the loss does not depend on how the
    # data is laid out, and returns a 0-dim tensor that stays in the graph for .backward().
    return (errors**2).mean()


class MSELoss(nn.Module):
    """The same loss as a module, so it can be passed around like nn.MSELoss."""

    def __init__(self):
        super().__init__()  # an nn.Module must initialise its machinery before it can be called

    def forward(self, predictions: torch.Tensor, ground_truth: torch.Tensor) -> torch.Tensor:
        return custom_loss(predictions, ground_truth)
