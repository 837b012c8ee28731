"""The data: which dataset, where it is, and how raw images become the model's input.

The grader (like a cluster's job script) says what to use through the environment:
TORCHDOJO_DATASET is "mnist" or "fashion-mnist", TORCHDOJO_DATA_ROOT a folder in torchvision's
layout (MNIST/raw/..., FashionMNIST/raw/...). Nothing is downloaded.
"""
import os

import torch

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def dataset_name() -> str:
    return os.environ.get("TORCHDOJO_DATASET", "mnist")


def load(train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One split as raw uint8 images (N, 1, 28, 28) and int64 labels (N,)."""
    import torchvision.datasets  # imported here: only the commands that read data pay for it

    dataset_class = getattr(torchvision.datasets, DATASETS[dataset_name()])
    dataset = dataset_class(os.environ.get("TORCHDOJO_DATA_ROOT", "data"), train=train, download=False)
    return dataset.data.unsqueeze(1), dataset.targets


def normalize(images: torch.Tensor) -> torch.Tensor:
    """Raw uint8 images (N, 1, 28, 28) -> what the model takes: floats in [0, 1]. Training, evaluate and
    anyone else using the saved model go through this one function, so they can never disagree."""
    return images.float() / 255
