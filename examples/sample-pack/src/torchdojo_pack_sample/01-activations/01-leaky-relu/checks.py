"""Checks for leaky-relu: both branches against F.leaky_relu with a slope that is not the default,
the default slope, shapes and dtypes, gradients, and no delegation to the built-in."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import (expect_close, expect_grad_close, expect_not_delegated, grad, measure, randn,
                                      rng)


def _mixed(seed: int, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Values of both signs, none exactly 0 (where the derivative is not defined)."""
    x = randn(rng(seed), *shape, dtype=dtype) * 3
    return torch.where(x.abs() < 1e-3, torch.full_like(x, 0.5), x)


def check_both_branches(learner):
    """With negative_slope=0.2, positive inputs come out unchanged and negative ones are multiplied by 0.2."""
    x = _mixed(0, 6, 5)
    expect_close(learner.leaky_relu(x, 0.2), F.leaky_relu(x, 0.2), what="leaky_relu(x, 0.2) on a (6, 5) tensor")


def check_default_slope(learner):
    """Without a slope, negative inputs are multiplied by 0.01, as in torch.nn.LeakyReLU()."""
    x = _mixed(1, 20)
    expect_close(learner.leaky_relu(x), F.leaky_relu(x), what="leaky_relu(x) with the default slope")


def check_shapes_and_dtypes(learner):
    """Any shape (0-dim to 4-D) comes back with the same shape, and float64 stays float64."""
    for seed, (shape, dtype) in enumerate([((), torch.float32), ((1,), torch.float32), ((3, 1, 4), torch.float32),
                                           ((2, 3, 2, 2), torch.float32), ((5, 3), torch.float64)]):
        x = _mixed(10 + seed, *shape, dtype=dtype)
        expect_close(learner.leaky_relu(x, 0.1), F.leaky_relu(x, 0.1),
                     what=f"leaky_relu on a {str(dtype)[6:]} tensor of shape {shape}")


def check_gradients(learner):
    """The gradient is 1 where x > 0 and the slope where x < 0 (F.leaky_relu's), under a random upstream gradient."""
    x = _mixed(20, 4, 7).requires_grad_()
    upstream = randn(rng(21), 4, 7)
    (expected,) = torch.autograd.grad(F.leaky_relu(x, 0.3), [x], upstream)
    (got,) = grad(learner.leaky_relu(x, 0.3), [x], upstream, what="leaky_relu(x, 0.3)")
    expect_grad_close(got, expected, what="x")


def check_written_by_hand(learner):
    """leaky_relu is written with tensor operations, not by calling F.leaky_relu or nn.LeakyReLU."""
    _, seen = measure(learner.leaky_relu, _mixed(30, 8), 0.2)
    expect_not_delegated(seen, ("leaky_relu",), "leaky_relu", "torch.where(x > 0, x, negative_slope * x)")
