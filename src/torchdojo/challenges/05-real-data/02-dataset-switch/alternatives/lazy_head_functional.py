"""Functional style: one builder per dataset in a dict, the shape of a dummy image fixing the head's size at
construction (a forward pass through the convolutions under no_grad), activations from torch.nn.functional."""
import os
import pickle

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset
from torchvision import datasets, transforms


def _normalise(mean, std):
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])


class CifarPython(Dataset):
    def __init__(self, files, transform):
        data, labels = [], []
        for path in files:
            with open(path, "rb") as f:
                d = pickle.load(f, encoding="latin1")
            data.append(np.asarray(d["data"], dtype=np.uint8))
            labels.extend(int(v) for v in d["labels"])
        planes = np.concatenate(data).reshape(-1, 3, 32, 32)
        self.images = np.ascontiguousarray(np.moveaxis(planes, 1, -1))  # HWC
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def _idx(root, name, cls, train, mean, std):
    folder = os.path.join(root, cls.__name__, "raw")
    if not os.path.isfile(os.path.join(folder, "train-images-idx3-ubyte")):
        raise FileNotFoundError(f"dataset {name}: no IDX files in {folder} (root {root})")
    return cls(root, train=train, transform=_normalise(mean, std))


def _cifar(root, train):
    folder = os.path.join(root, "cifar-10-batches-py")
    files = [os.path.join(folder, f"data_batch_{i}") for i in range(1, 6)] if train else [
        os.path.join(folder, "test_batch")]
    if not all(os.path.exists(f) for f in files):
        raise FileNotFoundError(f"dataset cifar10: batches missing under {root}")
    return CifarPython(files, _normalise((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)))


BUILDERS = {
    "mnist": lambda root, train: _idx(root, "mnist", datasets.MNIST, train, (0.1307,), (0.3081,)),
    "fashionmnist": lambda root, train: _idx(root, "fashionmnist", datasets.FashionMNIST, train, (0.2860,), (0.3530,)),
    "cifar10": _cifar,
}


def get_dataset(name, root, train=True):
    if name not in BUILDERS:
        raise ValueError(f"{name!r} is not one of: " + " / ".join(BUILDERS))
    return BUILDERS[name](root, train)


class Classifier(nn.Module):
    def __init__(self, in_channels, image_size, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 5, padding=2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        with torch.no_grad():  # how many features come out for this image size
            features = self._features(torch.zeros(1, in_channels, image_size, image_size)).shape[1]
        self.fc = nn.Linear(features, num_classes)

    def _features(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return torch.flatten(x, 1)

    def forward(self, x):
        return self.fc(self._features(x))
