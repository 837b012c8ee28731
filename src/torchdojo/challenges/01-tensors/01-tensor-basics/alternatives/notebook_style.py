"""Tensor basics the way the Udacity "Tensors in PyTorch" notebook answers them: torch.* functions,
torch.mm and a hand-written sigmoid activation, and transposes instead of permute. The notebook's
sigmoid, 1 / (1 + exp(-x)), has a NaN gradient once exp(-x) overflows (x < -88 in float32), so it
is written here to take exp of -|x| only."""
import torch


def activation(x):
    """Sigmoid activation function: the notebook's 1 / (1 + exp(-x)) for x >= 0, and the same value written
    exp(x) / (1 + exp(x)) for x < 0, so exp never sees a large positive number."""
    e = torch.exp(torch.where(x < 0, x, -x))  # exp(-|x|) <= 1
    return torch.where(x < 0, e / (1 + e), 1 / (1 + e))


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
