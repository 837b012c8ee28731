"""Method chaining: .sub().pow(2).mean(); the module is a thin wrapper with a __call__-free forward."""
from torch import nn


def custom_loss(predictions, ground_truth):
    return predictions.sub(ground_truth).pow(2).mean()


class MSELoss(nn.Module):
    forward = staticmethod(custom_loss)
