"""Checks for custom-mse: a 0-dim tensor, a hand-computed value, F.mse_loss on many shapes, the gradient."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import expect, expect_close, expect_grad_close, expect_shape, expect_tensor, rng


def _pair(seed: int, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions and targets of `shape` (which may be (), a 0-dim tensor)."""
    return torch.randn(shape, generator=rng(seed)) * 2, torch.randn(shape, generator=rng(100 + seed))


def check_returns_a_scalar_tensor(learner):
    """custom_loss returns a 0-dim tensor: not a Python float, not one value per row or column."""
    predictions, ground_truth = _pair(0, (8, 3))
    got = learner.custom_loss(predictions, ground_truth)
    what = "custom_loss on tensors of shape (8, 3)"
    expect_tensor(got, what)
    expect_shape(got, (), what)


def check_hand_computed_value(learner):
    """predictions [1, 2, 3, 4] against [1, 0, 6, 5]: errors 0, 2, −3, −1, so (0 + 4 + 9 + 1) / 4 = 3.5."""
    predictions, ground_truth = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 0.0, 6.0, 5.0])
    got = learner.custom_loss(predictions, ground_truth)
    expect_close(torch.as_tensor(got), torch.tensor(3.5),
                 what="custom_loss([1, 2, 3, 4], [1, 0, 6, 5]) (errors 0, 2, −3, −1)")


def check_matches_builtin(learner):
    """custom_loss equals F.mse_loss on random tensors of any shape (1-D to 4-D, and 0-dim)."""
    for seed, shape in enumerate([(16,), (8, 3), (4, 3, 5), (2, 3, 2, 2), ()]):
        predictions, ground_truth = _pair(10 + seed, shape)
        expect_close(learner.custom_loss(predictions, ground_truth), F.mse_loss(predictions, ground_truth),
                     what=f"custom_loss on tensors of shape {shape}")


def check_gradient(learner):
    """The loss stays in the graph: its gradient w.r.t. the predictions is F.mse_loss's, 2·(pred − truth)/N."""
    predictions, ground_truth = _pair(30, (6, 4))
    expected = predictions.clone().requires_grad_()
    F.mse_loss(expected, ground_truth).backward()
    got = predictions.clone().requires_grad_()
    loss = learner.custom_loss(got, ground_truth)
    expect_shape(loss, (), what="custom_loss on tensors of shape (6, 4)")  # .backward() needs a scalar
    expect(loss.requires_grad,
           "custom_loss(predictions, ...) with predictions.requires_grad=True returned a tensor that does not "
           "require grad: the result was cut from the graph (torch.tensor(...), .item(), .detach() or numpy), "
           "so loss.backward() cannot reach the model", "detached")
    loss.backward()
    expect_grad_close(got, expected.grad, what="the predictions")


def check_module_wrapper(learner):
    """MSELoss() is an nn.Module whose forward(predictions, ground_truth) gives the same loss."""
    module = learner.MSELoss()
    expect(isinstance(module, nn.Module), f"MSELoss() is a {type(module).__name__}, expected an nn.Module subclass",
           "not-a-module")
    predictions, ground_truth = _pair(40, (5, 2))
    expect_close(module(predictions, ground_truth), F.mse_loss(predictions, ground_truth),
                 what="MSELoss()(predictions, ground_truth) on shape (5, 2)")
