"""Checks for normalize-rows: values against F.normalize on tall and wide matrices, zero rows,
gradients, and no delegation to the built-in."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import (expect, expect_close, expect_grad_close, expect_not_delegated, grad, measure,
                                      randn, rng)


def check_unit_rows(learner):
    """A square (5, 5) matrix: every row comes back with length 1, in the same direction (F.normalize's values)."""
    x = randn(rng(0), 5, 5) * 4
    expect_close(learner.normalize_rows(x), F.normalize(x, dim=1), what="normalize_rows on a (5, 5) matrix")


def check_tall_and_wide(learner):
    """A tall (7, 3) and a wide (2, 6) matrix: the lengths divide their own rows (they broadcast as a column)."""
    for seed, shape in enumerate([(7, 3), (2, 6)]):
        x = randn(rng(10 + seed), *shape) * 2
        expect_close(learner.normalize_rows(x), F.normalize(x, dim=1), what=f"normalize_rows on a {shape} matrix")


def check_zero_row(learner):
    """A row of zeros comes out as zeros (no NaN: the length is clamped to eps), the other rows as usual."""
    x = randn(rng(20), 4, 3)
    x[2] = 0
    got = learner.normalize_rows(x)
    expect(isinstance(got, torch.Tensor) and not torch.isnan(got).any(),
           "normalize_rows on a matrix with a zero row gives NaN: 0 / 0; clamp the length to eps",
           fingerprint="zero-row-nan")
    expect_close(got, F.normalize(x, dim=1), what="normalize_rows on a matrix whose row 2 is zero")


def check_gradients(learner):
    """The gradient with respect to x equals F.normalize's, under a random upstream gradient."""
    x = (randn(rng(30), 4, 5) * 2).requires_grad_()
    upstream = randn(rng(31), 4, 5)
    (expected,) = torch.autograd.grad(F.normalize(x, dim=1), [x], upstream)
    (got,) = grad(learner.normalize_rows(x), [x], upstream, what="normalize_rows(x)")
    expect_grad_close(got, expected, what="x")


def check_written_by_hand(learner):
    """normalize_rows computes the lengths itself, not by calling F.normalize."""
    _, seen = measure(learner.normalize_rows, randn(rng(40), 3, 4))
    expect_not_delegated(seen, ("normalize",), "normalize_rows", "x / x.norm(dim=1, keepdim=True).clamp_min(eps)")
