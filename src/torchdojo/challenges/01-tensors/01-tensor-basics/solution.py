"""Tensor basics: sums, products, reshapes and broadcasting.

Every function returns a new tensor and leaves its inputs untouched.
"""
import torch


def feature_sum(x: torch.Tensor) -> torch.Tensor:
    """Sum each example's features: (N, d) -> (N,)."""
    # Rows are examples, columns are features: summing over dim=1 collapses the features.
    return x.sum(dim=1)  # (N,)


def center_columns(x: torch.Tensor) -> torch.Tensor:
    """Subtract each feature's mean over the examples: (N, d) -> (N, d)."""
    mean = x.mean(dim=0, keepdim=True)  # (1, d): keepdim so it broadcasts down the rows
    # Out of place: `x -= mean` would silently change the caller's tensor.
    return x - mean  # (N, d)


def matrix_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Matrix product of a (..., n, k) and b (k, m) -> (..., n, m)."""
    # `@` is torch.matmul: a true matrix product that also broadcasts over leading batch
    # dimensions. `*` would multiply element by element; torch.mm accepts only 2-D matrices.
    return a @ b  # (..., n, m)


def layer_forward(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """One dense layer with a sigmoid: features (N, d_in), weights (d_in, d_out), bias (d_out,)
    -> sigmoid(features @ weights + bias), shape (N, d_out)."""
    z = features @ weights + bias  # (N, d_out); bias (d_out,) broadcasts over the N rows
    return torch.sigmoid(z)  # (N, d_out)


def pixels_as_rows(image: torch.Tensor) -> torch.Tensor:
    """One row per pixel holding its channel values: (C, H, W) -> (H*W, C), pixels in row-major order."""
    channels = image.shape[0]
    # Move the channel axis last first (a transpose of axes), then merge H and W.
    # A bare reshape would keep the memory order and mix channels of different pixels.
    return image.permute(1, 2, 0).reshape(-1, channels)  # (H*W, C)
