"""A multi-layer perceptron built from a list of layer sizes, and fake data to test it on.

Run `torchdojo check mlp-by-list` to grade this file.
"""
import torch
from torch import nn


class MultiLayerPerceptron(nn.Module):
    def __init__(self, layer_sizes, activations, batch_norm=False, dropout=0.0):
        """layer_sizes: [n_in, hidden_1, …, n_out]; activations: one per hidden layer
        (len(layer_sizes) - 2 of them), each a name ("relu", "tanh", "sigmoid", "gelu", "leaky_relu",
        "elu", "identity") or an nn.Module; batch_norm: a BatchNorm1d after each hidden Linear;
        dropout: the probability p of an nn.Dropout after each hidden activation (0: none)."""
        super().__init__()
        # TODO 1: one nn.Linear per pair of neighbouring sizes; after each HIDDEN Linear: BatchNorm1d
        #         (if batch_norm), its activation (a name becomes a module), Dropout (if dropout > 0);
        #         nothing after the last Linear. Register the layers (a plain list is not enough).
        raise NotImplementedError("TODO: build the layers from layer_sizes")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, layer_sizes[0]) -> (N, layer_sizes[-1]) raw scores."""
        # TODO 2: run x through the layers in order
        raise NotImplementedError("TODO: run x through the layers")


def make_fake_data(n_samples, n_features, n_classes, seed=0):
    """x: (n_samples, n_features) float32 standard normal; y: (n_samples,) int64 labels in
    [0, n_classes), every class about equally often; the same seed gives the same data, and the
    global random state is left untouched."""
    # TODO 3: draw from a torch.Generator seeded with `seed`
    raise NotImplementedError("TODO: make fake inputs and labels")
