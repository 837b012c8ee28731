"""One function for three datasets (MNIST, Fashion-MNIST, CIFAR-10), each with its own shape and
normalisation, and a CNN that adapts to the number of channels and the image size it is given."""
import os
import pickle

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset
from torchvision import datasets, transforms

# Per-channel mean and std of each training set's pixels in [0, 1]: grey datasets have one channel, CIFAR three.
STATS = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashionmnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}
IDX_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
CIFAR_FOLDER = "cifar-10-batches-py"


class CIFAR10Batches(Dataset):
    """CIFAR-10's "python version": pickled dicts whose b'data' rows hold 3072 bytes, the 1024 red values,
    then the 1024 green, then the 1024 blue (channel-major), and whose b'labels' is a list of ints."""

    def __init__(self, folder: str, train: bool, transform):
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        rows, labels = [], []
        for name in names:
            with open(os.path.join(folder, name), "rb") as stream:
                batch = pickle.load(stream, encoding="latin1")  # written by Python 2: its str keys load as str
            rows.append(batch["data"])
            labels += batch["labels"]
        # (N, 3072) -> (N, 3, 32, 32) channel-major as stored -> (N, 32, 32, 3), the layout ToTensor expects
        self.data = np.concatenate(rows).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = labels
        self.transform = transform

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        return self.transform(self.data[index]), self.targets[index]


def _require(name: str, root: str, paths: list[str]) -> None:
    """A clear error before torchvision's vaguer one: which dataset, where it was looked for, which file."""
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(f"{name} not found in {root}: missing {missing[0]}")


def get_dataset(name: str, root: str, train: bool = True) -> Dataset:
    """The train or test split of `name` ('mnist', 'fashionmnist' or 'cifar10') from the torchvision root
    folder `root`, as (normalised float image (C, H, W), int label) items."""
    if name not in STATS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(STATS)}")
    mean, std = STATS[name]
    # ToTensor: uint8 (H, W[, C]) -> float32 (C, H, W) in [0, 1]; Normalize: (x - mean[c]) / std[c] per channel.
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    if name == "cifar10":
        folder = os.path.join(root, CIFAR_FOLDER)
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        _require(name, root, [os.path.join(folder, n) for n in names])
        return CIFAR10Batches(folder, train, transform)
    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    raw = os.path.join(root, cls.__name__, "raw")  # torchvision's layout: <root>/MNIST/raw/<IDX files>
    _require(name, root, [os.path.join(raw, f) for f in IDX_FILES[True] + IDX_FILES[False]])
    return cls(root, train=train, transform=transform, download=False)


class Classifier(nn.Module):
    """A small CNN for (N, in_channels, image_size, image_size) images -> (N, num_classes) logits."""

    def __init__(self, in_channels: int, image_size: int, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # size // 2
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),           # size // 4
        )
        side = image_size // 4  # each MaxPool2d(2) halves the side, rounding down
        # The head's input size depends on the image: 32 * 7 * 7 for 28×28, 32 * 8 * 8 for 32×32.
        self.head = nn.Linear(32 * side * side, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))
