"""Hidden blocks as small nn.Sequentials in an nn.ModuleList, the output layer on its own; labels
drawn with torch.randint (about balanced, not exactly)."""
import torch
from torch import nn


def activation_module(spec):
    if isinstance(spec, nn.Module):
        return spec
    table = {"relu": nn.ReLU(), "tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), "gelu": nn.GELU(),
             "leaky_relu": nn.LeakyReLU(), "elu": nn.ELU(), "identity": nn.Identity()}
    return table[spec]


class MultiLayerPerceptron(nn.Module):
    def __init__(self, layer_sizes, activations, batch_norm=False, dropout=0.0):
        super().__init__()
        self.hidden = nn.ModuleList()
        for fan_in, fan_out, activation in zip(layer_sizes[:-2], layer_sizes[1:-1], activations):
            block = [nn.Linear(fan_in, fan_out)]
            if batch_norm:
                block.append(nn.BatchNorm1d(fan_out))
            block.append(activation_module(activation))
            if dropout:
                block.append(nn.Dropout(dropout))
            self.hidden.append(nn.Sequential(*block))
        self.output = nn.Linear(layer_sizes[-2], layer_sizes[-1])

    def forward(self, x):
        for block in self.hidden:
            x = block(x)
        return self.output(x)


def make_fake_data(n_samples, n_features, n_classes, seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    x = torch.randn((n_samples, n_features), generator=g)
    y = torch.randint(0, n_classes, (n_samples,), generator=g)
    return x, y
