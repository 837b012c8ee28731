"""Checks for pairwise-sq-dist: shape, values against torch.cdist, the clamp, and no Python loop."""
import torch

from torchdojo.grading.expect import expect, expect_close, expect_shape, expect_vectorised, randn, rng


def _sizes(seed: int, count: int) -> list[int]:
    """`count` distinct sizes between 2 and 9 from a private generator."""
    return [int(s) + 2 for s in torch.randperm(8, generator=rng(seed))[:count]]


def _oracle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """torch.cdist squared, computed in float64 and returned in the inputs' dtype."""
    return (torch.cdist(a.double(), b.double()) ** 2).to(a.dtype)


def check_shape(learner):
    """pairwise_sq_dist(a (N, d), b (M, d)) has shape (N, M)."""
    n, m, d = _sizes(1, 3)
    got = learner.pairwise_sq_dist(randn(rng(2), n, d), randn(rng(3), m, d))
    expect_shape(got, (n, m), f"pairwise_sq_dist(a, b) for a {(n, d)} and b {(m, d)}")


def check_matches_cdist(learner):
    """Every entry equals torch.cdist(a, b)**2, for several shapes and in float32 and float64."""
    n, m, d = _sizes(4, 3)
    cases = [(n, m, d, torch.float32), (m, m, d, torch.float32), (n, m, 2 * d, torch.float64)]
    for seed, (rows_a, rows_b, dim, dtype) in enumerate(cases):
        a, b = randn(rng(10 + seed), rows_a, dim, dtype=dtype), randn(rng(20 + seed), rows_b, dim, dtype=dtype)
        expect_close(learner.pairwise_sq_dist(a, b), _oracle(a, b),
                     what=f"pairwise_sq_dist(a, b) for a {(rows_a, dim)} and b {(rows_b, dim)} in {dtype}",
                     rtol=1e-4, atol=1e-4)


def check_never_negative(learner):
    """No entry is negative, even where rounding makes ‖a‖²+‖b‖²−2⟨a,b⟩ dip below 0 (identical rows, large norms)."""
    # Rows of norm ~2400 in float32: for identical rows the three terms (~6e6 each) cancel,
    # leaving rounding noise of either sign where the true answer is exactly 0.
    a = randn(rng(30), 64, 16) * 100 + 600
    b = a.flip(0)  # the same 64 rows, in reverse order
    got = learner.pairwise_sq_dist(a, b)
    expect_shape(got, (64, 64), "pairwise_sq_dist(a, b) for a and b (64, 16)")
    negative = got < 0
    expect(not negative.any(),
           f"pairwise_sq_dist(a, b) has {int(negative.sum())} negative entries (smallest {got.min().item():.4g}) "
           "for rows with large norms where some rows of a and b are identical: the terms cancel and rounding "
           "leaves a tiny negative number; a squared distance cannot be negative, so clamp the result at 0",
           "negative")


def check_vectorised(learner):
    """No Python loop: the number of torch calls does not grow with N or with M."""
    d = 5
    expect_vectorised(lambda n: lambda: learner.pairwise_sq_dist(randn(rng(40), n, d), randn(rng(41), 6, d)),
                      what="pairwise_sq_dist(a, b), with N rows in a,")
    expect_vectorised(lambda m: lambda: learner.pairwise_sq_dist(randn(rng(42), 6, d), randn(rng(43), m, d)),
                      what="pairwise_sq_dist(a, b), with M rows in b,")
