"""An MLP built from a list of sizes, and a CNN that reuses it as its classifier head.

Run `torchdojo check mlp-and-cnn` to grade this file.
"""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, layer_sizes, activation=nn.ReLU(), dropout=0.5):
        """layer_sizes: [n_in, hidden_1, …, n_out]; after each hidden Linear: `activation`, then
        nn.Dropout(dropout); the output Linear alone."""
        super().__init__()
        # TODO 1: the layers, registered (nn.Sequential), nothing after the last Linear
        raise NotImplementedError("TODO: build the MLP's layers")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, layer_sizes[0]) -> (N, layer_sizes[-1]) logits."""
        raise NotImplementedError("TODO: run x through the layers")


class CNN(nn.Module):
    def __init__(self, conv_channels=(1, 16, 32, 64), mlp_layers=(64, 10), activation=nn.ReLU(), dropout=0.25):
        """conv_channels: [image channels, channels after conv block 1, …]; mlp_layers: the head's sizes
        after the pooled features (the last one is the number of classes)."""
        super().__init__()
        # TODO 2: a convolution block per pair of conv_channels, a global pooling to (N, conv_channels[-1]),
        #         and self.mlp, an MLP([conv_channels[-1]] + mlp_layers, activation, dropout)
        raise NotImplementedError("TODO: build the convolution blocks and the MLP head")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) images -> (N, classes) logits, for any H and W big enough to pool."""
        raise NotImplementedError("TODO: convolutions, pooling, then the MLP head")
