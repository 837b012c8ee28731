"""A multi-layer perceptron built from a list of layer sizes, and fake data to test it on."""
import torch
from torch import nn

# Names a learner can pass for an activation, each mapped to the module class that computes it.
ACTIVATIONS = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "identity": nn.Identity,
}


def make_activation(spec) -> nn.Module:
    """A name ("relu", "tanh", …) becomes a fresh module; a module is used as it is."""
    if isinstance(spec, nn.Module):
        return spec
    if isinstance(spec, str) and spec.lower() in ACTIVATIONS:
        return ACTIVATIONS[spec.lower()]()
    raise ValueError(f"unknown activation {spec!r}; use one of {sorted(ACTIVATIONS)} or an nn.Module")


class MultiLayerPerceptron(nn.Module):
    def __init__(self, layer_sizes, activations, batch_norm=False, dropout=0.0):
        super().__init__()
        hidden = len(layer_sizes) - 2  # every Linear but the last one is followed by a hidden block
        if len(activations) != hidden:
            raise ValueError(f"{len(layer_sizes)} layer sizes make {hidden} hidden layers, "
                             f"but {len(activations)} activations were given")
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < hidden:  # a hidden layer: Linear -> BatchNorm -> activation -> Dropout
                if batch_norm:
                    # Normalises each of the fan_out features over the batch (train) or with the running
                    # averages (eval); it has its own affine γ, β, which is why nn.Linear's bias could go.
                    layers.append(nn.BatchNorm1d(fan_out))
                layers.append(make_activation(activations[i]))
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))  # active in train(), the identity in eval()
        # The output layer is the last Linear with NOTHING after it: raw scores (logits for
        # nn.CrossEntropyLoss, values for a regression). A BatchNorm, activation or dropout there would
        # squash, clip or zero the very numbers the loss compares with the targets.
        # nn.Sequential registers every layer as a submodule, so model.parameters(), state_dict(),
        # .to(device) and .train()/.eval() all reach them; a plain Python list would hide them.
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)  # (N, layer_sizes[0]) -> (N, layer_sizes[-1])


def make_fake_data(n_samples, n_features, n_classes, seed=0):
    """Random inputs and random labels: a network that cannot overfit them is broken."""
    # A private generator: the same seed gives the same data, and the caller's global RNG (their
    # weight init, their shuffling) is left exactly as it was.
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, n_features, generator=generator)  # float32, (N, n_features)
    # Every class equally often (then shuffled), so no class is missing even for small N.
    y = torch.arange(n_samples) % n_classes
    y = y[torch.randperm(n_samples, generator=generator)]  # int64, (N,)
    return x, y
