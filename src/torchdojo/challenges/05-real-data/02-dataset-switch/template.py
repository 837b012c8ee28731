"""One function for three datasets (MNIST, Fashion-MNIST, CIFAR-10), each with its own shape and
normalisation, and a CNN that adapts to the number of channels and the image size it is given.

Run `torchdojo check dataset-switch` to grade this file.
"""
import os  # noqa: F401
import pickle  # noqa: F401

import numpy as np  # noqa: F401
import torch
from torch import nn
from torch.utils.data import Dataset
from torchvision import datasets, transforms  # noqa: F401


class CIFAR10Batches(Dataset):
    """CIFAR-10's python batches in `folder` (data_batch_1..5 for training, test_batch for testing)."""

    def __init__(self, folder: str, train: bool, transform):
        # TODO 1: unpickle the batches, turn the (N, 3072) rows into images, keep the labels
        raise NotImplementedError("TODO: read the CIFAR-10 batches")

    def __len__(self) -> int:
        raise NotImplementedError("TODO: the number of images")

    def __getitem__(self, index: int):
        raise NotImplementedError("TODO: (transformed image, label)")


def get_dataset(name: str, root: str, train: bool = True) -> Dataset:
    """'mnist', 'fashionmnist' or 'cifar10' from the torchvision root folder `root`: items are (normalised
    float32 image (C, H, W), int label). Unknown name: ValueError listing the names. Missing files:
    FileNotFoundError naming the dataset and `root`."""
    # TODO 2: the transform (ToTensor, Normalize with the dataset's statistics), the errors, the dataset
    raise NotImplementedError("TODO: build the dataset")


class Classifier(nn.Module):
    """(N, in_channels, image_size, image_size) -> (N, num_classes) logits."""

    def __init__(self, in_channels: int, image_size: int, num_classes: int = 10):
        super().__init__()
        # TODO 3: convolutions that take in_channels, and a head whose input size follows from image_size
        raise NotImplementedError("TODO: define the layers")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("TODO: compute the logits")
