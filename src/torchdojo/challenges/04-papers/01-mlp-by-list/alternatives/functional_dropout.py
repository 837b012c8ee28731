"""Parallel ModuleLists for the Linear, BatchNorm and activation layers, and dropout written as
F.dropout(..., training=self.training) in forward; activations looked up with getattr on torch.nn."""
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASS_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU", "leaky_relu": "LeakyReLU",
               "elu": "ELU", "identity": "Identity"}


class MultiLayerPerceptron(nn.Module):
    def __init__(self, layer_sizes, activations, batch_norm=False, dropout=0.0):
        super().__init__()
        self.p = dropout
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(layer_sizes, layer_sizes[1:]))
        self.norms = nn.ModuleList(nn.BatchNorm1d(n) for n in layer_sizes[1:-1]) if batch_norm else None
        self.activations = nn.ModuleList(
            a if isinstance(a, nn.Module) else getattr(nn, CLASS_NAMES[a])() for a in activations)

    def forward(self, x):
        *hidden, last = self.linears
        for i, linear in enumerate(hidden):
            x = linear(x)
            if self.norms is not None:
                x = self.norms[i](x)
            x = self.activations[i](x)
            x = F.dropout(x, self.p, training=self.training)  # the identity in eval mode
        return last(x)


def make_fake_data(n_samples, n_features, n_classes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(n_samples, n_features, generator=generator)
    labels = torch.randperm(n_samples, generator=generator) % n_classes
    return features.float(), labels.long()
