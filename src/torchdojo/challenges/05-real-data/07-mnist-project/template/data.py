"""The data: which dataset, where it is, and how raw images become the model's input.

The grader says what to use through the environment: TORCHDOJO_DATASET is "mnist" or
"fashion-mnist", TORCHDOJO_DATA_ROOT a folder in torchvision's layout (MNIST/raw/...,
FashionMNIST/raw/...). Nothing may be downloaded.
"""
import os

import torch

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}  # torchvision.datasets class names


def load(train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One split as raw uint8 images (N, 1, 28, 28) and int64 labels (N,)."""
    name = os.environ.get("TORCHDOJO_DATASET", "mnist")
    root = os.environ.get("TORCHDOJO_DATA_ROOT", "data")
    # TODO 3: torchvision.datasets.<class>(root, train=train, download=False); its .data and .targets
    raise NotImplementedError("TODO: load the split in data.py")


def normalize(images: torch.Tensor) -> torch.Tensor:
    """Raw uint8 images (N, 1, 28, 28) -> the float tensor the model takes. The grader uses this too."""
    # TODO 4: e.g. scale to [0, 1]
    raise NotImplementedError("TODO: normalise the images in data.py")
