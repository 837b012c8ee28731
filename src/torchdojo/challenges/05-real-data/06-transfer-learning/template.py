"""Transfer learning: keep a pretrained network's features frozen, give it a new head, train only the head.

Run `torchdojo check transfer-learning` to grade this file: the grader hands your functions a network
pretrained on Fashion-MNIST classes 0–4 and measures the adapted model on classes 5–9 itself.
"""
import torch
import torch.nn.functional as F  # noqa: F401
from torch import nn


def adapt(pretrained: nn.Module, num_classes: int) -> nn.Module:
    """`pretrained` has `.features` (images -> 1152 features) and `.fc` (nn.Linear(1152, 5), the old head).
    Freeze every pretrained parameter and replace `.fc` by a new, trainable nn.Linear with `num_classes`
    outputs; return the model."""
    # TODO 1: freeze the pretrained parameters (requires_grad False)
    # TODO 2: a new head in place of pretrained.fc, with fc.in_features inputs and num_classes outputs
    raise NotImplementedError("TODO: freeze the backbone and replace the head")


def train_head(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Train the head of an adapted model on images (N, 1, 28, 28) in [0, 1] and labels 0..num_classes-1,
    leaving every backbone weight and BatchNorm statistic exactly as it was."""
    # TODO 3: the mode for the backbone's BatchNorm, an optimizer over the head only, a few epochs of batches
    raise NotImplementedError("TODO: train the head")
