"""Checks for reshape-layer: a module, one and several target dims, batch of one, -1, non-contiguous
input, and inside nn.Sequential."""
import torch
from torch import nn

from torchdojo.grading.expect import expect, expect_close, randn, rng, seeded


def _sizes(seed: int, count: int) -> list[int]:
    """`count` distinct sizes between 2 and 7 from a private generator."""
    return [int(s) + 2 for s in torch.randperm(6, generator=rng(seed))[:count]]


def _apply(learner, shape: tuple[int, ...], x: torch.Tensor) -> torch.Tensor:
    return learner.Reshape(*shape)(x)


def _call(shape: tuple[int, ...]) -> str:
    return f"Reshape({', '.join(str(s) for s in shape)})"


def check_is_module(learner):
    """Reshape(2, 3) is an nn.Module without parameters (so nn.Sequential accepts it)."""
    layer = learner.Reshape(2, 3)
    expect(isinstance(layer, nn.Module),
           f"Reshape(2, 3) is a {type(layer).__name__}, not an nn.Module: subclass nn.Module and put the work "
           "in forward", f"type:{type(layer).__name__}")
    count = sum(p.numel() for p in layer.parameters())
    expect(count == 0, f"Reshape(2, 3) has {count} parameters; a reshape has nothing to learn", f"params:{count}")


def check_one_target_dim(learner):
    """Reshape(2) turns (N, 1, 2) into (N, 2); Reshape(k) turns (N, a, b) into (N, k) with k = a*b."""
    n, a, b = _sizes(1, 3)
    for seed, (shape, x) in enumerate([((2,), randn(rng(2), n, 1, 2)), ((a * b,), randn(rng(3), n, a, b))]):
        expect_close(_apply(learner, shape, x), x.reshape(n, *shape),
                     what=f"{_call(shape)} on an input of shape {tuple(x.shape)}")


def check_two_target_dims(learner):
    """Reshape(2, 3) turns (N, 6) into (N, 2, 3); Reshape(a, b) turns (N, a*b) into (N, a, b)."""
    n, a, b = _sizes(4, 3)
    for seed, shape in enumerate([(2, 3), (a, b)]):
        x = randn(rng(5 + seed), n, shape[0] * shape[1])
        expect_close(_apply(learner, shape, x), x.reshape(n, *shape),
                     what=f"{_call(shape)} on an input of shape {tuple(x.shape)}")


def check_batch_of_one(learner):
    """A batch of one keeps its batch dimension: Reshape(2, 3) turns (1, 6) into (1, 2, 3)."""
    for seed, (shape, in_shape) in enumerate([((2, 3), (1, 6)), ((6,), (1, 2, 3))]):
        x = randn(rng(7 + seed), *in_shape)
        expect_close(_apply(learner, shape, x), x.reshape(1, *shape),
                     what=f"{_call(shape)} on a batch of one, shape {in_shape}")


def check_inferred_dim(learner):
    """A -1 in the shape is inferred per example: Reshape(-1) equals nn.Flatten, Reshape(c, -1) nn.Unflatten."""
    n, c, h, w = _sizes(9, 4)
    x = randn(rng(10), n, c, h, w)
    expect_close(_apply(learner, (-1,), x), nn.Flatten()(x), what=f"Reshape(-1) on an input of shape {(n, c, h, w)}")
    flat = x.reshape(n, -1)
    expect_close(_apply(learner, (c, -1), flat), nn.Unflatten(1, (c, h * w))(flat),
                 what=f"Reshape({c}, -1) on an input of shape {tuple(flat.shape)}")


def check_non_contiguous(learner):
    """A non-contiguous input (a transposed tensor) is reshaped like a contiguous one."""
    n, a, b = _sizes(11, 3)
    x = randn(rng(12), n, b, a).transpose(1, 2)  # (N, a, b), not contiguous in memory
    expect_close(_apply(learner, (a * b,), x), x.contiguous().reshape(n, a * b),
                 what=f"Reshape({a * b}) on a transposed (non-contiguous) input of shape {(n, a, b)}")


def check_in_sequential(learner):
    """Inside nn.Sequential, Linear -> Reshape(C, H, W) -> Conv2d gives the same output and gradients."""
    n, c, h, w = _sizes(13, 4)
    with seeded(14):
        linear, conv = nn.Linear(5, c * h * w), nn.Conv2d(c, 2, kernel_size=3, padding=1)
    model = nn.Sequential(linear, learner.Reshape(c, h, w), conv)
    x = randn(rng(15), n, 5)
    expected = conv(linear(x).reshape(n, c, h, w))
    expected_grad = torch.autograd.grad(expected.sum(), linear.weight)[0]
    got = model(x)
    expect_close(got, expected, what=f"nn.Sequential(Linear(5, {c * h * w}), Reshape({c}, {h}, {w}), "
                                     f"Conv2d({c}, 2, 3)) on a batch of {n}", atol=1e-5)
    got_grad = torch.autograd.grad(got.sum(), linear.weight)[0]
    expect_close(got_grad, expected_grad, what="the gradient reaching the Linear layer through Reshape", atol=1e-5)
