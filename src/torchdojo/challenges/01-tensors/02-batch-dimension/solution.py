"""Keep, add and remove the batch dimension.

PyTorch models take a batch: a tensor whose first dimension indexes the examples.
"""
import torch
from torch import nn


def first_example(batch: torch.Tensor) -> torch.Tensor:
    """The first example of a batch, still as a batch: (N, ...) -> (1, ...)."""
    # A slice keeps the dimension it slices; batch[0] would drop it.
    return batch[:1]  # (1, ...)


def add_batch_dim(example: torch.Tensor) -> torch.Tensor:
    """Make one example a batch of one: (...) -> (1, ...)."""
    # unsqueeze inserts a size-1 axis in front and leaves every other axis alone.
    return example.unsqueeze(0)  # (1, ...)


def remove_batch_dim(batch: torch.Tensor) -> torch.Tensor:
    """Turn a batch of one back into a single example: (1, ...) -> (...)."""
    # Name the axis: a bare squeeze() would also remove a single channel or a single class.
    return batch.squeeze(0)  # (...)


def flatten_features(batch: torch.Tensor) -> torch.Tensor:
    """Flatten every example to a vector, keeping the batch: (N, d1, d2, ...) -> (N, d1*d2*...)."""
    # flatten (like reshape) copies when the memory layout requires it, so a permuted
    # (non-contiguous) batch works too; view would raise on it.
    return batch.flatten(start_dim=1)  # (N, d1*d2*...)


def predict_one(model: nn.Module, example: torch.Tensor) -> torch.Tensor:
    """The model's output for one example (no batch dimension in, none out)."""
    batch = example.unsqueeze(0)  # (1, ...): the model expects a batch
    output = model(batch)  # (1, K)
    return output.squeeze(0)  # (K,)
