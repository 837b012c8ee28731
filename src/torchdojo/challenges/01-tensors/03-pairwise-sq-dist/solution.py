"""Pairwise squared Euclidean distances by broadcasting, without Python loops."""
import torch


def pairwise_sq_dist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared distances between every row of a (N, d) and every row of b (M, d) -> (N, M).

    Uses ||a_i - b_j||^2 = ||a_i||^2 + ||b_j||^2 - 2 <a_i, b_j>.
    """
    a_sq = (a * a).sum(dim=1, keepdim=True)  # (N, 1): a column, one squared norm per row of a
    b_sq = (b * b).sum(dim=1)  # (M,): broadcasts as a row of shape (1, M)
    cross = a @ b.T  # (N, M): every inner product <a_i, b_j> in one matrix product
    sq_dist = a_sq + b_sq - 2 * cross  # (N, 1) + (M,) broadcasts to (N, M)
    # For nearly identical rows the three large terms cancel, and float rounding can leave a
    # tiny negative number; a squared distance is never negative, so clamp at 0.
    return sq_dist.clamp_min(0)  # (N, M)
