"""Global average pooling written as x.mean(dim=(-2, -1)) in forward; the convolution blocks as small
nn.Sequentials, and the MLP built with enumerate over neighbouring sizes."""
import copy
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, layer_sizes, activation=nn.ReLU(), dropout=0.5):
        super().__init__()
        sizes = list(layer_sizes)
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers += [copy.deepcopy(activation), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    def __init__(self, conv_channels=(1, 16, 32, 64), mlp_layers=(64, 10), activation=nn.ReLU(), dropout=0.25):
        super().__init__()
        ch = list(conv_channels)
        self.features = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(a, b, kernel_size=3, padding=1), copy.deepcopy(activation), nn.MaxPool2d(2))
            for a, b in zip(ch, ch[1:])
        ])
        self.mlp = MLP([ch[-1]] + list(mlp_layers), activation, dropout)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=(-2, -1))   # global average pooling
        return self.mlp(x)
