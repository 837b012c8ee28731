"""Keep, add and remove the batch dimension.

PyTorch models take a batch: a tensor whose first dimension indexes the examples.
Run `torchdojo check batch-dimension` to grade this file.
"""
import torch
from torch import nn


def first_example(batch: torch.Tensor) -> torch.Tensor:
    """The first example of a batch, still as a batch: (N, ...) -> (1, ...)."""
    # TODO: select the first example without losing the batch dimension
    raise NotImplementedError("TODO: take the first example, keeping the batch dimension")


def add_batch_dim(example: torch.Tensor) -> torch.Tensor:
    """Make one example a batch of one: (...) -> (1, ...)."""
    # TODO: insert a dimension of size 1 in front, leaving the others as they are
    raise NotImplementedError("TODO: add a batch dimension")


def remove_batch_dim(batch: torch.Tensor) -> torch.Tensor:
    """Turn a batch of one back into a single example: (1, ...) -> (...)."""
    # TODO: remove the batch dimension, and only that one
    raise NotImplementedError("TODO: remove the batch dimension")


def flatten_features(batch: torch.Tensor) -> torch.Tensor:
    """Flatten every example to a vector, keeping the batch: (N, d1, d2, ...) -> (N, d1*d2*...)."""
    # TODO: merge every dimension after the first; it must also work on a permuted (non-contiguous) batch
    raise NotImplementedError("TODO: flatten each example")


def predict_one(model: nn.Module, example: torch.Tensor) -> torch.Tensor:
    """The model's output for one example (no batch dimension in, none out)."""
    # TODO 1: make the example a batch of one
    # TODO 2: run the model
    # TODO 3: return the output without its batch dimension
    raise NotImplementedError("TODO: predict on a single example")
