"""For 0 <= slope < 1, slope·x is the larger of the two exactly where x < 0."""
import torch


def leaky_relu(x, negative_slope=0.01):
    return torch.maximum(x, negative_slope * x)
