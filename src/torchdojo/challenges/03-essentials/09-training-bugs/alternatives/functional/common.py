"""Shared by every script: the model and the minibatches. This file has no bug.

Run a script to watch it train: `python script_a.py` (from this folder) prints the loss and the
validation accuracy of every epoch.
"""
import torch
from torch import nn


def make_model(hidden: int = 64, dropout: float = 0.0) -> nn.Sequential:
    """A small MLP for 2-D points and 3 classes. It returns one raw score (a logit) per class."""
    layers: list[nn.Module] = []
    for features in (2, hidden):
        layers += [nn.Linear(features, hidden), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, 3))
    return nn.Sequential(*layers)


def minibatches(x: torch.Tensor, y: torch.Tensor, batch_size: int):
    """(inputs, labels) batches of `batch_size` rows, in a new random order each call (one epoch)."""
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        rows = order[start:start + batch_size]
        yield x[rows], y[rows]


def main(train) -> None:
    """Train on three spiral arms and print what happened, epoch by epoch."""
    from torchdojo.data.synthetic import make_spirals

    x_train, y_train = make_spirals(600, classes=3, noise=0.2, seed=1)
    x_val, y_val = make_spirals(300, classes=3, noise=0.2, seed=2)
    model, history = train(x_train, y_train, x_val, y_val)
    for epoch, (loss, accuracy) in enumerate(zip(history["loss"], history["val_accuracy"]), 1):
        print(f"epoch {epoch:2d}  loss {loss:10.4f}  validation accuracy {accuracy:.3f}")
