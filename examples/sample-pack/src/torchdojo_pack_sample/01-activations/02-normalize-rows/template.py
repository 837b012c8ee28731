"""Rows of unit length.

Run `torchdojo check normalize-rows` to grade this file.
"""
import torch


def normalize_rows(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Each row of the (n, d) matrix x divided by max(its Euclidean length, eps)."""
    # TODO 1: the length of every row, shaped so that it divides its own row
    # TODO 2: divide, without ever dividing by zero
    raise NotImplementedError("TODO: normalise the rows")
