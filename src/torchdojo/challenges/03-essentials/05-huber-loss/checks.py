"""Checks for huber-loss: each branch, the built-in, the reductions, the gradient."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import expect_close, expect_grad_close, randn, rng


def _residual_pair(residuals: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    target = randn(rng(7), *residuals.shape)
    return target + residuals, target


def check_quadratic_branch(learner):
    """Small residuals (|r| ≤ δ) give ½·r²."""
    residuals = torch.tensor([-1.5, -0.75, -0.1, 0.0, 0.3, 1.2, 1.9])
    prediction, target = _residual_pair(residuals)
    got = learner.HuberLoss(delta=2.0, reduction="none")(prediction, target)
    expect_close(got, 0.5 * residuals**2, what="HuberLoss(delta=2.0, reduction='none') on |r| ≤ 2", atol=1e-5)


def check_linear_branch(learner):
    """Large residuals (|r| > δ) give δ·(|r| − ½·δ), with δ ≠ 1 so a missing δ shows."""
    residuals = torch.tensor([-9.0, -4.0, -2.5, 2.2, 3.0, 7.5])
    prediction, target = _residual_pair(residuals)
    got = learner.HuberLoss(delta=2.0, reduction="none")(prediction, target)
    expect_close(got, 2.0 * (residuals.abs() - 1.0), what="HuberLoss(delta=2.0, reduction='none') on |r| > 2",
                 atol=1e-5)


def check_matches_builtin(learner):
    """The mean loss equals F.huber_loss for several deltas and shapes."""
    for seed, (shape, delta) in enumerate([((16,), 1.0), ((8, 5), 0.5), ((4, 3, 6), 2.5)]):
        prediction, target = randn(rng(seed), *shape) * 3, randn(rng(100 + seed), *shape) * 3
        expect_close(learner.HuberLoss(delta=delta)(prediction, target),
                     F.huber_loss(prediction, target, delta=delta), what=f"HuberLoss(delta={delta}) on shape {shape}")


def check_reductions(learner):
    """reduction='sum' and reduction='none' behave like the built-in's."""
    prediction, target = randn(rng(3), 6, 4) * 2, randn(rng(4), 6, 4) * 2
    for reduction in ("sum", "none"):
        expect_close(learner.HuberLoss(delta=1.5, reduction=reduction)(prediction, target),
                     F.huber_loss(prediction, target, delta=1.5, reduction=reduction),
                     what=f"HuberLoss(delta=1.5, reduction={reduction!r})")


def check_gradient(learner):
    """The gradient with respect to the prediction equals the built-in's (both branches)."""
    prediction, target = randn(rng(5), 32) * 3, randn(rng(6), 32)
    expected = prediction.clone().requires_grad_()
    F.huber_loss(expected, target, delta=1.5).backward()
    got = prediction.clone().requires_grad_()
    learner.HuberLoss(delta=1.5)(got, target).backward()
    expect_grad_close(got, expected.grad, what="the prediction")
