"""An MLP built from a list of sizes, and a CNN that reuses it as its classifier head."""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, layer_sizes, activation=nn.ReLU(), dropout=0.5):
        super().__init__()  # first: registering submodules needs the registry it creates
        self.layer_sizes = list(layer_sizes)
        layers = []
        # Every Linear but the last is a hidden layer: Linear -> activation -> Dropout.
        for fan_in, fan_out in zip(self.layer_sizes[:-2], self.layer_sizes[1:-1]):
            layers += [nn.Linear(fan_in, fan_out), activation, nn.Dropout(dropout)]
        # The output layer stands alone: nn.CrossEntropyLoss wants raw logits, so no activation (it would
        # clip or squash them) and no dropout (it would zero some of them at random) after it.
        layers.append(nn.Linear(self.layer_sizes[-2], self.layer_sizes[-1]))
        self.layers = nn.Sequential(*layers)  # registered: .parameters(), .eval() and state_dict() see them

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)  # (N, layer_sizes[0]) -> (N, layer_sizes[-1])


class CNN(nn.Module):
    def __init__(self, conv_channels=(1, 16, 32, 64), mlp_layers=(64, 10), activation=nn.ReLU(), dropout=0.25):
        """conv_channels: [image channels, channels after conv block 1, …]; mlp_layers: the head's sizes
        after the pooled features (the last one is the number of classes)."""
        super().__init__()
        blocks = []
        for c_in, c_out in zip(conv_channels[:-1], conv_channels[1:]):
            # A 3x3 convolution looks at each pixel's neighbourhood with the SAME weights everywhere
            # (a pattern is recognised wherever it is); padding=1 keeps the size, and max-pooling
            # halves it, so deeper blocks see larger regions.
            blocks += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), activation, nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks)
        # Global max pooling: one number per channel (its strongest response anywhere) whatever the image
        # size, so the head's input is conv_channels[-1] for 28x28 and 32x32 images alike.
        self.pool = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())
        # The head IS the MLP above, reused, not a copy of its code.
        self.mlp = MLP([conv_channels[-1]] + list(mlp_layers), activation, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, C, H, W) -> (N, C_last, H', W') -> (N, C_last) -> (N, classes)
        return self.mlp(self.pool(self.features(x)))
