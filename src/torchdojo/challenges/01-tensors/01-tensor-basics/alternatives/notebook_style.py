"""Tensor basics the way the Udacity "Tensors in PyTorch" notebook answers them: torch.* functions,
torch.mm and a hand-written sigmoid activation, and transposes instead of permute."""
import torch


def activation(x):
    """Sigmoid activation function, as the notebook defines it."""
    return 1 / (1 + torch.exp(-x))


def feature_sum(x):
    return torch.sum(x, dim=1)


def center_columns(x):
    # the (d,) mean broadcasts against (N, d) from the right: no keepdim needed
    return x - torch.mean(x, dim=0)


def matrix_product(a, b):
    return torch.matmul(a, b)


def layer_forward(features, weights, bias):
    return activation(torch.mm(features, weights) + bias)


def pixels_as_rows(image):
    c, h, w = image.shape
    # (C, H, W) -> (H, C, W) -> (H, W, C), then one row per pixel
    return image.transpose(0, 1).transpose(1, 2).reshape(h * w, c)
