"""Data from the environment's dataset and root; inputs centred around 0."""
import os

import torchvision


def load(train):
    name = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}[os.environ.get("TORCHDOJO_DATASET", "mnist")]
    ds = getattr(torchvision.datasets, name)(os.environ.get("TORCHDOJO_DATA_ROOT", "data"), train=train)
    return ds.data[:, None], ds.targets


def normalize(images):
    return images.float().div(255).sub(0.5).div(0.5)
