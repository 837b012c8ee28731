"""An nn.Sequential with a hidden layer after two strided convolutions."""
from torch import nn


def Classifier():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=2), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 6 * 6, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )
