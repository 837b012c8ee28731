"""Rows of unit length."""
import torch


def normalize_rows(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    # keepdim=True keeps the lengths as an (n, 1) column, which broadcasts across each row; an (n,)
    # vector would broadcast against the columns instead (an error, or silently wrong when n == d).
    lengths = x.norm(dim=1, keepdim=True)
    # clamp_min: a zero row is divided by eps, not by 0, so it stays 0 instead of becoming NaN.
    return x / lengths.clamp_min(eps)
