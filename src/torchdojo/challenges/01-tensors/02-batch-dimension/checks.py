"""Checks for batch-dimension: shapes for a batch of one and a batch of N, values, and a real model."""
import torch
from torch import nn

from torchdojo.grading.expect import expect_close, expect_shape, randn, rng, seeded


def _sizes(seed: int, count: int) -> list[int]:
    """`count` distinct sizes between 2 and 7 from a private generator."""
    return [int(s) + 2 for s in torch.randperm(6, generator=rng(seed))[:count]]


def check_first_example(learner):
    """first_example keeps the batch dimension: (N, C, H, W) -> (1, C, H, W), for N > 1 and N = 1."""
    n, c, h, w = _sizes(1, 4)
    for batch_size in (n, 1):
        batch = randn(rng(2 + batch_size), batch_size, c, h, w)
        got = learner.first_example(batch)
        what = f"first_example(batch) for a batch of shape {(batch_size, c, h, w)}"
        expect_shape(got, (1, c, h, w), what)
        expect_close(got, batch[:1], what)


def check_add_batch_dim(learner):
    """add_batch_dim puts a size-1 dimension in front and keeps every other one: (...) -> (1, ...)."""
    c, h, w = _sizes(3, 3)
    for shape in [(c,), (c, h, w)]:
        example = randn(rng(4), *shape)
        got = learner.add_batch_dim(example)
        what = f"add_batch_dim(example) for an example of shape {shape}"
        expect_shape(got, (1, *shape), what)
        expect_close(got[0], example, what)


def check_remove_batch_dim(learner):
    """remove_batch_dim removes the batch dimension only, even when other dimensions have size 1."""
    h, w, k = _sizes(5, 3)
    # a batch holding one greyscale image (one channel), then one row of logits, then one single-output value
    for shape in [(1, 1, h, w), (1, k), (1, 1)]:
        batch = randn(rng(6), *shape)
        got = learner.remove_batch_dim(batch)
        what = f"remove_batch_dim(batch) for a batch of shape {shape}"
        expect_shape(got, shape[1:], what)
        expect_close(got, batch[0], what)


def check_flatten_features(learner):
    """flatten_features gives (N, C*H*W) for a batch of N and for a batch of one."""
    n, c, h, w = _sizes(7, 4)
    for batch_size in (n, 1):
        batch = randn(rng(8), batch_size, c, h, w)
        expect_close(learner.flatten_features(batch), nn.Flatten()(batch),
                     what=f"flatten_features(batch) for a batch of shape {(batch_size, c, h, w)}")


def check_flatten_non_contiguous(learner):
    """flatten_features works on a non-contiguous batch (channels-last images permuted to (N, C, H, W))."""
    n, c, h, w = _sizes(9, 4)
    batch = randn(rng(10), n, h, w, c).permute(0, 3, 1, 2)  # (N, C, H, W) view of channels-last memory
    expect_close(learner.flatten_features(batch), nn.Flatten()(batch.contiguous()),
                 what=f"flatten_features(batch) for a permuted (non-contiguous) batch of shape {(n, c, h, w)}")


def check_predict_one(learner):
    """predict_one runs a batch model (Flatten then Linear) on one image and returns its K outputs."""
    c, h, w, k = _sizes(11, 4)
    with seeded(12):
        model = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, k))
    example = randn(rng(13), c, h, w)
    with torch.no_grad():
        expected = model(example.unsqueeze(0))[0]
    got = learner.predict_one(model, example)
    what = f"predict_one(model, example) for an example of shape {(c, h, w)} and a model with {k} outputs"
    expect_shape(got, (k,), what)
    expect_close(got.detach(), expected, what, atol=1e-5)
