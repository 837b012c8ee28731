"""Tensor basics written as index formulas with torch.einsum, and the layer through F.linear
(nn.Linear's own function, which wants the weight as (d_out, d_in))."""
import torch
import torch.nn.functional as F


def feature_sum(x):
    return torch.einsum("nd->n", x)


def center_columns(x):
    n = x.shape[0]
    return x - torch.einsum("nd->d", x) / n


def matrix_product(a, b):
    return torch.einsum("...nk,km->...nm", a, b)


def layer_forward(features, weights, bias):
    return F.linear(features, weights.t(), bias).sigmoid()


def pixels_as_rows(image):
    return torch.einsum("chw->hwc", image).flatten(0, 1)
