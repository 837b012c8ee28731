"""Checks for custom-mse: a 0-dim tensor, a hand-computed value, F.mse_loss on many shapes and its
dtype, gradients for both arguments, a real module without parameters, written by hand (no F.mse_loss, and no
other built-in loss that equals it up to a factor), no loops."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (expect, expect_close, expect_grad_close, expect_hooks_fire, expect_module,
                                      expect_not_delegated, expect_shape, expect_state_dict_compatible,
                                      expect_tensor, expect_vectorised, grad, measure, randn, rng)


def _pair(seed: int, *shape: int, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions and targets of `shape` (which may be (), a 0-dim tensor)."""
    return randn(rng(seed), *shape, dtype=dtype) * 2, randn(rng(100 + seed), *shape, dtype=dtype)


def check_returns_a_scalar_tensor(learner):
    """custom_loss returns a 0-dim tensor: not a Python float, not one value per row or column."""
    predictions, ground_truth = _pair(0, 8, 3)
    got = learner.custom_loss(predictions, ground_truth)
    what = "custom_loss on tensors of shape (8, 3)"
    expect_tensor(got, what)
    expect_shape(got, (), what)


def check_hand_computed_value(learner):
    """predictions [1, 2, 3, 4] against [1, 0, 6, 5]: errors 0, 2, −3, −1, so (0 + 4 + 9 + 1) / 4 = 3.5."""
    predictions, ground_truth = torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 0.0, 6.0, 5.0])
    got = learner.custom_loss(predictions, ground_truth)
    if isinstance(got, (int, float)):  # the scalar check already says "return a tensor"; judge the value here
        got = torch.tensor(float(got))
    expect_close(got, torch.tensor(3.5), what="custom_loss([1, 2, 3, 4], [1, 0, 6, 5]) (errors 0, 2, −3, −1)",
                 check_dtype=False)


def check_matches_builtin(learner):
    """custom_loss equals F.mse_loss on tensors of any shape (0-dim, a batch of one, 1-D to 4-D) and
    keeps their dtype (float32 stays float32, float64 stays float64)."""
    cases = [((16,), torch.float32), ((8, 3), torch.float32), ((1, 5), torch.float32), ((4, 3, 5), torch.float32),
             ((2, 3, 2, 2), torch.float32), ((), torch.float32), ((6, 2), torch.float64)]
    for seed, (shape, dtype) in enumerate(cases):
        predictions, ground_truth = _pair(10 + seed, *shape, dtype=dtype)
        expect_close(learner.custom_loss(predictions, ground_truth), F.mse_loss(predictions, ground_truth),
                     what=f"custom_loss on {str(dtype)[6:]} tensors of shape {shape}")


def check_gradients(learner):
    """The loss stays in the autograd graph: its gradients w.r.t. the predictions AND the ground truth are
    F.mse_loss's, ±2·(pred − truth)/N (also where an error is exactly 0)."""
    predictions, ground_truth = _pair(30, 6, 4)
    predictions[0, :2] = ground_truth[0, :2]  # errors of exactly 0
    predictions.requires_grad_(), ground_truth.requires_grad_()
    expected = torch.autograd.grad(F.mse_loss(predictions, ground_truth), [predictions, ground_truth])
    loss = learner.custom_loss(predictions, ground_truth)
    got = grad(loss, [predictions, ground_truth], what="custom_loss(predictions, ground_truth)")
    for name, g, e in zip(("the predictions", "the ground truth"), got, expected):
        expect_grad_close(g, e, what=name)


def check_module_wrapper(learner):
    """MSELoss() is an nn.Module with its computation in forward (hooks fire), no parameters or buffers,
    and one instance gives F.mse_loss's value on inputs of different shapes."""
    module = learner.MSELoss()
    expect_module(module, "MSELoss()")
    expect_state_dict_compatible(module, nn.MSELoss(), "MSELoss()")
    predictions, ground_truth = _pair(40, 5, 2)
    output = expect_hooks_fire(module, predictions, ground_truth, what="MSELoss()")
    expect_close(output, F.mse_loss(predictions, ground_truth), what="MSELoss()(predictions, ground_truth) on (5, 2)")
    predictions, ground_truth = _pair(41, 3, 7, 2)
    expect_close(module(predictions, ground_truth), F.mse_loss(predictions, ground_truth),
                 what="the same MSELoss() called again on (3, 7, 2)")


# Built-in losses that compute the squared error of the pair themselves, each equal to the MSE up to a factor:
# F.huber_loss (nn.HuberLoss) is ½·MSE for a huge delta, F.smooth_l1_loss (nn.SmoothL1Loss) ½·MSE/beta for a huge
# beta, F.gaussian_nll_loss (nn.GaussianNLLLoss) ½·MSE with var = 1. Functions that only average values the
# learner squared (l1_loss of the squares, like .mean()) are not the loss, and are allowed.
MSE_IN_DISGUISE = ("huber_loss", "smooth_l1_loss", "gaussian_nll_loss")


def check_written_by_hand(learner):
    """custom_loss and MSELoss compute the squares and the mean themselves, not by calling F.mse_loss or
    nn.MSELoss, nor a built-in loss that equals it up to a factor (huber_loss or smooth_l1_loss with a huge
    delta/beta, gaussian_nll_loss with var = 1)."""
    instead = "subtract, square and average with tensor operations"
    for what, fn in (("custom_loss", learner.custom_loss), ("MSELoss()", learner.MSELoss())):
        _, seen = measure(fn, *_pair(50, 4, 3))
        expect_not_delegated(seen, ("mse_loss",), what, instead)
        disguised = sorted({name for name in seen.functions if name.lstrip("_") in MSE_IN_DISGUISE})
        expect(not disguised,
               f"{what} calls {', '.join(disguised)}: a built-in loss that computes the squared errors itself and "
               "equals the mean squared error up to a factor (huber_loss with a huge delta is ½·MSE, smooth_l1_loss "
               "with a huge beta ½·MSE/beta, gaussian_nll_loss with var = 1 ½·MSE), so it cannot count as writing it; "
               f"{instead}", f"delegated:{what}:{disguised}", kind="delegated")


def check_vectorised(learner):
    """custom_loss does the same few tensor operations for any number of rows and columns (no Python loop)."""
    expect_vectorised(learner.custom_loss, lambda n: _pair(60 + n, n, 3), what="custom_loss", dimension="rows")
    expect_vectorised(learner.custom_loss, lambda n: _pair(70 + n, 3, n), what="custom_loss", dimension="columns")
