"""Inference and validation: accuracy, a validation loop, a training loop that records the curves, the plot.

Run `torchdojo check inference-validation` to grade this file: the grader trains your Classifier with
your fit on real Fashion-MNIST images and recomputes every number it reports.
"""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402,F401
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402,F401
from torch import nn  # noqa: E402


class Classifier(nn.Module):
    """(N, 1, 28, 28) images -> (N, 10) logits: 784 -> 256 -> 128 -> 64 -> 10, with ReLU and
    Dropout(dropout) after each hidden layer."""

    def __init__(self, dropout: float = 0.2):
        super().__init__()
        # TODO 1: the layers (flatten, three hidden Linear + ReLU + Dropout(dropout), the output Linear)
        raise NotImplementedError("TODO: define the layers of the classifier")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO 2: the logits, shape (N, 10)
        raise NotImplementedError("TODO: compute the logits")


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The share (a float in [0, 1]) of rows of `logits` (N, C) whose highest value is at `labels` (N,)."""
    # TODO 3: predicted classes, compared with the labels element by element (mind the shapes)
    raise NotImplementedError("TODO: compute the accuracy")


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256) -> tuple[float, float]:
    """(mean cross-entropy per image, accuracy) of `model` on all the images, in batches of `batch_size`,
    with dropout off and without building a graph; the model is left in the mode it was in."""
    # TODO 4: eval mode, no gradients, a loop over batches, totals divided by the number of images
    raise NotImplementedError("TODO: write the validation loop")


def fit(model: nn.Module, train_images: torch.Tensor, train_labels: torch.Tensor, val_images: torch.Tensor,
        val_labels: torch.Tensor, epochs: int = 30, lr: float = 2e-3, batch_size: int = 32) -> dict:
    """Train `model` with Adam(lr) on shuffled mini-batches for `epochs` epochs; after each epoch append the
    epoch's mean training loss, the validation loss and the validation accuracy to the history
    {"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}, and return it."""
    # TODO 5: the training loop, with a validation (evaluate) after every epoch
    raise NotImplementedError("TODO: write the training loop that records the history")


def plot_history(history: dict, path: str) -> None:
    """Plot the training and validation losses per epoch (and the validation accuracy); save it to `path` (PNG)."""
    # TODO 6: the curves, saved with savefig
    raise NotImplementedError("TODO: plot the history")
