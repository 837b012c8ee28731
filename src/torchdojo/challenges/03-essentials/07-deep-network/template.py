"""A deep classifier for spirals: an nn.Sequential of Linear layers with non-linearities between them,
trained on points of the plane, and a picture of the plane coloured by the class it predicts.

Run `torchdojo check deep-network` to grade this file.
"""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

CLASSES = 3


def build_model() -> nn.Sequential:
    """A deep nn.Sequential: 2 inputs (a point's coordinates), 3 outputs (one logit per class)."""
    # TODO 1: several nn.Linear layers (at least two hidden ones) with a non-linearity between them;
    #         nothing after the last Linear (nn.CrossEntropyLoss wants logits)
    raise NotImplementedError("TODO: build a deep nn.Sequential classifier")


def train(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> None:
    """Train `model` in place on points x (N, 2) with labels y (N,) in {0, 1, 2}."""
    # TODO 2: an optimizer over model.parameters(), nn.CrossEntropyLoss, and enough steps to fit the spirals
    raise NotImplementedError("TODO: train the model on (x, y)")


def plot_decision_surface(model: nn.Module, x: torch.Tensor, y: torch.Tensor, path: str) -> None:
    """Save a PNG at `path`: the plane coloured by the class `model` predicts, the points on top."""
    # TODO 3: predict the class of every point of a grid over the data (torch.meshgrid), colour the plane
    #         with it (plt.contourf), scatter the data on top, and save the figure to `path`
    raise NotImplementedError("TODO: plot the decision surface and the data, and save it to path")
