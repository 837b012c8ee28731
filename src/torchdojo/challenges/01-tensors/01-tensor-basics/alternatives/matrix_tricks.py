"""Tensor basics through matrix identities: a sum is a product with a vector of ones, a mean is
one too, and a (C, H, W) image is a (C, H*W) matrix whose transpose has one row per pixel."""
import torch


def _ones(n, like):
    return torch.ones(n, dtype=like.dtype)


def feature_sum(x):
    return x @ _ones(x.shape[1], x)  # (N, d) @ (d,) -> (N,)


def center_columns(x):
    n = x.shape[0]
    mean = _ones(n, x) @ x / n  # (d,)
    return x.sub(mean)


def matrix_product(a, b):
    return a.matmul(b)


def layer_forward(features, weights, bias):
    return torch.sigmoid(torch.addmm(bias, features, weights))


def pixels_as_rows(image):
    return image.reshape(image.shape[0], -1).T  # (C, H*W) -> (H*W, C)
