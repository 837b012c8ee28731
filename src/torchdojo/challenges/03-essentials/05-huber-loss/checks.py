"""Checks for huber-loss: each branch, the built-in on many shapes, the reductions, gradients for
both arguments (also where the residual is exactly 0 or δ), a real module, and no delegation."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (expect_close, expect_grad_close, expect_hooks_fire, expect_module,
                                      expect_not_delegated, expect_state_dict_compatible, grad, measure, randn, rng)

BUILT_INS = ("huber_loss", "smooth_l1_loss")


def _residual_pair(residuals: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    target = randn(rng(7), *residuals.shape)
    return target + residuals, target


def check_quadratic_branch(learner):
    """Small residuals (|r| ≤ δ) give ½·r²."""
    residuals = torch.tensor([-1.5, -0.75, -0.1, 0.0, 0.3, 1.2, 1.9])
    prediction, target = _residual_pair(residuals)
    got = learner.HuberLoss(delta=2, reduction="none")(prediction, target)  # an int δ, as people write it
    expect_close(got, F.huber_loss(prediction, target, delta=2.0, reduction="none"),
                 what="HuberLoss(delta=2, reduction='none') on |r| ≤ 2", atol=1e-5)


def check_linear_branch(learner):
    """Large residuals (|r| > δ) give δ·(|r| − ½·δ), with δ ≠ 1 so a missing δ shows."""
    residuals = torch.tensor([-9.0, -4.0, -2.5, 2.2, 3.0, 7.5])
    prediction, target = _residual_pair(residuals)
    got = learner.HuberLoss(delta=2.0, reduction="none")(prediction, target)
    expect_close(got, 2.0 * (residuals.abs() - 1.0), what="HuberLoss(delta=2.0, reduction='none') on |r| > 2",
                 atol=1e-5)


def check_matches_builtin(learner):
    """The mean loss equals F.huber_loss for several deltas and shapes (0-dim, a batch of one, 3-D),
    one module reused across shapes."""
    for delta in (1.0, 0.5, 2.5):
        loss = learner.HuberLoss(delta=delta)
        for seed, shape in enumerate([(16,), (1, 5), (4, 3, 6), ()]):
            prediction, target = randn(rng(seed), *shape) * 3, randn(rng(100 + seed), *shape) * 3
            expect_close(loss(prediction, target), F.huber_loss(prediction, target, delta=delta),
                         what=f"HuberLoss(delta={delta}) on shape {shape}")


def check_reductions(learner):
    """reduction='sum' and reduction='none' behave like the built-in's."""
    prediction, target = randn(rng(3), 6, 4) * 2, randn(rng(4), 6, 4) * 2
    for reduction in ("sum", "none"):
        expect_close(learner.HuberLoss(delta=1.5, reduction=reduction)(prediction, target),
                     F.huber_loss(prediction, target, delta=1.5, reduction=reduction),
                     what=f"HuberLoss(delta=1.5, reduction={reduction!r})")


def check_gradients(learner):
    """Gradients for the prediction and the target equal the built-in's, also at r = 0, |r| = δ and |r| ≫ δ."""
    target = randn(rng(6), 40)
    residual = randn(rng(5), 40) * 3
    residual[:6] = torch.tensor([0.0, 1.5, -1.5, 1e4, -1e4, 1e-8])  # where naive formulas break
    prediction = (target + residual).requires_grad_()
    target = target.requires_grad_()
    upstream = randn(rng(8), 40)
    # d/dr of Huber is r clamped to [−δ, δ] (0 at r = 0, ±δ from |r| = δ on); by hand, so the oracle does not
    # share a backward with anything the learner might call (and F.huber_loss's backward costs 0.3 s cold)
    slope = residual.clamp(-1.5, 1.5) * upstream
    expected = (slope, -slope)
    got = learner.HuberLoss(delta=1.5, reduction="none")(prediction, target)
    got_grads = grad(got, [prediction, target], upstream, what="HuberLoss(delta=1.5, reduction='none')(prediction, "
                                                               "target)")
    for name, g, e in zip(("the prediction", "the target"), got_grads, expected):
        expect_grad_close(g, e, what=name)


def check_is_a_plain_module(learner):
    """HuberLoss is an nn.Module with its computation in forward (hooks fire) and no parameters or buffers."""
    loss = learner.HuberLoss(delta=1.0)
    expect_module(loss, "HuberLoss(delta=1.0)")
    expect_state_dict_compatible(loss, nn.HuberLoss(delta=1.0), "HuberLoss(delta=1.0)")
    prediction, target = randn(rng(9), 5), randn(rng(10), 5)
    output = expect_hooks_fire(loss, prediction, target, what="HuberLoss(delta=1.0)")
    expect_close(output, F.huber_loss(prediction, target), what="HuberLoss(delta=1.0) called with a forward hook")


def check_written_by_hand(learner):
    """The loss is computed from tensor operations, not by calling F.huber_loss or smooth_l1_loss."""
    prediction, target = randn(rng(11), 8), randn(rng(12), 8)
    _, seen = measure(learner.HuberLoss(delta=1.0), prediction, target)
    expect_not_delegated(seen, BUILT_INS, "HuberLoss(delta=1.0)(prediction, target)",
                         "write both branches with torch.where")
