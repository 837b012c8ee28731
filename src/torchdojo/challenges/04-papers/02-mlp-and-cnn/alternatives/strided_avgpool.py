"""Strided convolutions instead of max-pooling, batch normalisation in the conv blocks, global
average pooling, and an MLP assembled with nn.ModuleList and an explicit loop."""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, layer_sizes, activation=nn.ReLU(), dropout=0.5):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
        self.activation = activation
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        for linear in self.linears[:-1]:
            x = self.drop(self.activation(linear(x)))
        return self.linears[-1](x)


class CNN(nn.Module):
    def __init__(self, conv_channels=(1, 16, 32, 64), mlp_layers=(64, 10), activation=nn.ReLU(), dropout=0.25):
        super().__init__()
        layers = []
        for c_in, c_out in zip(conv_channels, conv_channels[1:]):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.BatchNorm2d(c_out), activation]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(start_dim=1))
        self.mlp = MLP([conv_channels[-1], *mlp_layers], activation, dropout)

    def forward(self, x):
        return self.mlp(self.body(x))
