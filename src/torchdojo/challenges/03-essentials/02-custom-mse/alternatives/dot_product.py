"""The sum of squared errors as a dot product of the flattened error vector with itself."""
import torch
from torch import nn


def custom_loss(predictions: torch.Tensor, ground_truth: torch.Tensor) -> torch.Tensor:
    errors = (predictions - ground_truth).reshape(-1)  # (N,), whatever the input's shape
    return torch.dot(errors, errors) / errors.numel()


class MSELoss(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, predictions, ground_truth):
        return custom_loss(predictions, ground_truth)
