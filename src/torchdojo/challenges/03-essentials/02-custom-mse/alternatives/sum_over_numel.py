"""MSE as an explicit sum divided by the number of elements; the module keeps its own copy of the math."""
import torch
import torch.nn as nn


def custom_loss(predictions, ground_truth):
    diff = predictions - ground_truth
    return (diff * diff).sum() / diff.numel()


class MSELoss(nn.Module):
    def forward(self, predictions, ground_truth):
        return torch.mean(torch.square(predictions - ground_truth))
