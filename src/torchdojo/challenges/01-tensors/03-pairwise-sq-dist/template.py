"""Pairwise squared Euclidean distances by broadcasting, without Python loops.

Run `torchdojo check pairwise-sq-dist` to grade this file.
"""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared distances between every row of a (N, d) and every row of b (M, d) -> (N, M).

    Uses ||a_i - b_j||^2 = ||a_i||^2 + ||b_j||^2 - 2 <a_i, b_j>.
    """
    # TODO 1: the squared norm of each row of a, shaped as a column (N, 1)
    # TODO 2: the squared norm of each row of b, shaped as a row (M,) or (1, M)
    # TODO 3: all inner products <a_i, b_j> at once, (N, M), with one matrix product
    # TODO 4: combine them by broadcasting, and clamp at 0 (rounding can go slightly negative)
    raise NotImplementedError("TODO: compute the pairwise squared distances")
