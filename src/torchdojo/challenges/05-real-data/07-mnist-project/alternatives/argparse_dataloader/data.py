"""torchvision datasets chosen by the environment; standardised with the usual MNIST statistics."""
import os

import torch
from torchvision import datasets

CLASSES = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}
MEAN, STD = 0.1307, 0.3081


def load(train):
    dataset = CLASSES[os.environ["TORCHDOJO_DATASET"]](os.environ["TORCHDOJO_DATA_ROOT"], train=train, download=False)
    return dataset.data.unsqueeze(1), dataset.targets


def normalize(images):
    return (images.to(torch.float32) / 255 - MEAN) / STD


def loader(train, batch_size=128):
    images, labels = load(train)
    dataset = torch.utils.data.TensorDataset(normalize(images), labels)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=train)
