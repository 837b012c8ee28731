"""Tensor basics: sums, products, reshapes and broadcasting.

Every function must return a new tensor and leave its inputs untouched.
Run `torchdojo check tensor-basics` to grade this file.
"""
import torch


def feature_sum(x: torch.Tensor) -> torch.Tensor:
    """Sum each example's features: (N, d) -> (N,)."""
    # TODO: rows are examples, columns are features; sum over the feature dimension
    raise NotImplementedError("TODO: sum x over its feature dimension")


def center_columns(x: torch.Tensor) -> torch.Tensor:
    """Subtract each feature's mean over the examples: (N, d) -> (N, d)."""
    # TODO 1: the mean of each column, shaped so it broadcasts against x (keepdim)
    # TODO 2: subtract it without modifying x in place
    raise NotImplementedError("TODO: subtract the column means")


def matrix_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Matrix product of a (..., n, k) and b (k, m) -> (..., n, m)."""
    # TODO: a matrix product (not element-wise) that also works with leading batch dimensions
    raise NotImplementedError("TODO: multiply the matrices")


def layer_forward(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One dense layer with a sigmoid: features (N, d_in), weights (d_in, d_out), bias (d_out,)
    -> sigmoid(features @ weights + bias), shape (N, d_out)."""
    # TODO 1: the linear part, features times weights plus bias (bias broadcasts over rows)
    # TODO 2: the sigmoid activation
    raise NotImplementedError("TODO: compute the layer's output")


def pixels_as_rows(image: torch.Tensor) -> torch.Tensor:
    """One row per pixel holding its channel values: (C, H, W) -> (H*W, C), pixels in row-major order."""
    # TODO 1: bring the channel axis last
    # TODO 2: merge the two spatial axes into one
    raise NotImplementedError("TODO: one row of channel values per pixel")
