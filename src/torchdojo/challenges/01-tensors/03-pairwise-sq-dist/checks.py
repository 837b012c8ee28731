"""Checks for pairwise-sq-dist: shape (one row included), dtype, values against a float64 oracle,
the clamp, gradients for both inputs (also where two rows coincide), no delegation to torch.cdist,
and no loop over N, M or d."""
import torch

from torchdojo.grading.expect import (expect, expect_close, expect_dtype, expect_grad_close, expect_not_delegated,
                                      expect_shape, expect_vectorised, grad, measure, randn, rng, sizes)

# torch.cdist as torch's function dispatch sees it, however it is reached
BUILT_INS = ("cdist",)


def _oracle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Differences broadcast to (N, M, d), squared and summed in float64: no cancellation to round."""
    return ((a.double()[:, None, :] - b.double()[None, :, :]) ** 2).sum(-1)


def _with_shared_rows(seed: int, n: int, m: int, d: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """a (n, d) and b (m, d) on a grid of half-integers (pixels, counts, coordinates), where b's first
    rows are copies of some of a's: every sum is exact, so the distance there is exactly 0."""
    a = torch.randint(-6, 7, (n, d), generator=rng(seed)).to(dtype) / 2
    b = torch.randint(-6, 7, (m, d), generator=rng(seed + 1)).to(dtype) / 2
    shared = min(n, m) // 2 + 1
    b[:shared] = a.flip(0)[:shared]
    return a, b


def _label(a: torch.Tensor, b: torch.Tensor) -> str:
    return f"pairwise_sq_dist(a, b) for a {tuple(a.shape)} and b {tuple(b.shape)}"


def check_shape(learner):
    """pairwise_sq_dist(a (N, d), b (M, d)) has shape (N, M), also when N = 1 or M = 1."""
    n, m, d = sizes(1, 3)
    fn = learner.pairwise_sq_dist
    for rows_a, rows_b in ((n, m), (1, m), (n, 1)):
        a, b = randn(rng(2), rows_a, d), randn(rng(3), rows_b, d)
        expect_shape(fn(a, b), (rows_a, rows_b), _label(a, b))


def check_keeps_dtype(learner):
    """float32 inputs give a float32 result and float64 inputs a float64 one."""
    fn = learner.pairwise_sq_dist
    for dtype in (torch.float32, torch.float64):
        a, b = randn(rng(4), 3, 4, dtype=dtype), randn(rng(5), 5, 4, dtype=dtype)
        got = fn(a, b)
        expect_shape(got, (3, 5), _label(a, b))
        expect_dtype(got, dtype, f"{_label(a, b)} in {dtype}")


def check_values(learner):
    """Every entry equals ‖a_i − b_j‖², for several shapes, in float32 and float64."""
    n, m, d = sizes(6, 3, high=12)
    fn = learner.pairwise_sq_dist
    cases = [(n, m, d, torch.float32), (m, m, d, torch.float32), (n, m, 2 * d, torch.float64), (1, n, d, torch.float32)]
    for seed, (rows_a, rows_b, dim, dtype) in enumerate(cases):
        a, b = randn(rng(10 + seed), rows_a, dim, dtype=dtype), randn(rng(20 + seed), rows_b, dim, dtype=dtype)
        # ‖a‖² + ‖b‖² − 2⟨a, b⟩ cancels terms of size ~2d, so float32 loses a few digits: the math needs
        # a wider tolerance there than torch.testing's default; float64 keeps the default.
        tolerance = dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else {}
        expect_close(fn(a, b), _oracle(a, b).to(dtype), what=f"{_label(a, b)} in {dtype}", **tolerance)


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
           "for rows with large norms where some rows of a and b are identical: the three terms (about 6e6 each) "
           "cancel, and rounding leaves a negative number where the answer is 0; a squared distance cannot be "
           "negative, so clamp the result at 0",
           "negative:pairwise_sq_dist")


def check_gradients(learner):
    """Gradients for a and for b equal those of Σ_k (a_ik − b_jk)², also where a row of a equals a row of b."""
    n, m, d = sizes(31, 3)
    cases = [(*_with_shared_rows(32, n, m, d, torch.float32), "rows of b equal to rows of a (distance 0)"),
             (randn(rng(33), m, d, dtype=torch.float64) * 5, randn(rng(34), n, d, dtype=torch.float64) * 5, "")]
    for a, b, special in cases:
        a, b = a.requires_grad_(), b.requires_grad_()
        upstream = randn(rng(35), len(a), len(b), dtype=a.dtype)
        # The exact gradient for a_i is 2·Σ_j u_ij·(a_i − b_j): an identical pair adds 0, so a clamp that
        # passes the gradient at 0 and one that blocks it (rounding went below 0) both give the right answer.
        expected = torch.autograd.grad((_oracle(a, b) * upstream.double()).sum(), (a, b))
        label = f"{_label(a, b)} in {a.dtype}" + (f" with {special}" if special else "")
        got = grad(learner.pairwise_sq_dist(a, b), [a, b], upstream, what=label)
        for name, g, e in zip(("a", "b"), got, expected):
            expect_grad_close(g, e.to(a.dtype), what=f"{name} in {label}")


def check_written_by_hand(learner):
    """The distances come from your own tensor operations, not from torch.cdist."""
    for seed, (rows_a, rows_b) in enumerate(((4, 6), (40, 30))):  # cdist picks a different kernel above 25 rows
        a, b = randn(rng(35 + seed), rows_a, 5), randn(rng(37 + seed), rows_b, 5)
        _, seen = measure(learner.pairwise_sq_dist, a, b)
        expect_not_delegated(seen, BUILT_INS, "pairwise_sq_dist(a, b)",
                             "torch.cdist computes distances for you (and a square root you would then undo); "
                             "build ‖a‖² + ‖b‖² − 2⟨a, b⟩ from a matrix product and broadcasting")


def check_vectorised(learner):
    """No loop in Python, NumPy or plain numbers: the work done in Python does not grow with N, M or d."""
    fn = learner.pairwise_sq_dist
    what = "pairwise_sq_dist(a, b)"
    expect_vectorised(fn, lambda n: (randn(rng(40), n, 5), randn(rng(41), 6, 5)), what=what,
                      dimension="rows of a (N)")
    expect_vectorised(fn, lambda m: (randn(rng(42), 6, 5), randn(rng(43), m, 5)), what=what,
                      dimension="rows of b (M)")
    expect_vectorised(fn, lambda d: (randn(rng(44), 6, d), randn(rng(45), 5, d)), what=what,
                      dimension="features (d)")
