"""Known mistakes for mlp-by-list."""
from torchdojo.grading.mutants import Mutant

HIDDEN_BLOCK = """            if i < hidden:  # a hidden layer: Linear -> BatchNorm -> activation -> Dropout
                if batch_norm:"""
ACTIVATION = "layers.append(make_activation(activations[i]))"
DROPOUT = "layers.append(nn.Dropout(dropout))"

MUTANTS = [
    Mutant("batch-norm-on-output",
           "a BatchNorm follows the output layer too: the scores are normalised to mean 0 and variance 1 over the "
           "batch, so the network cannot output the values it needs; put BatchNorm after the hidden Linears only",
           replace={HIDDEN_BLOCK: """            if batch_norm:
                layers.append(nn.BatchNorm1d(fan_out))
            if i < hidden:  # a hidden layer
                if False:"""}),
    Mutant("activation-on-output",
           "an activation follows the output layer: ReLU clips every negative score to 0 (and sigmoid/tanh squash "
           "them); the output layer must be the last Linear with nothing after it",
           replace={"        self.layers = nn.Sequential(*layers)":
                    "        layers.append(nn.ReLU())\n        self.layers = nn.Sequential(*layers)"}),
    Mutant("dropout-in-eval",
           "dropout is still active in eval mode (F.dropout's training argument defaults to True): predictions are "
           "random and damaged after model.eval(); use nn.Dropout, or pass training=self.training",
           replace={DROPOUT: "layers.append(_AlwaysDropout(dropout))",
                    "class MultiLayerPerceptron(nn.Module):":
                    "class _AlwaysDropout(nn.Dropout):\n    def forward(self, x):\n"
                    "        return nn.functional.dropout(x, self.p)\n\n\nclass MultiLayerPerceptron(nn.Module):"}),
    Mutant("activations-off-by-one",
           "each hidden layer gets the activation of the layer before it (activations[i - 1], which for the first "
           "hidden layer wraps round to the last one): hidden layer i must use activations[i]",
           replace={ACTIVATION: "layers.append(make_activation(activations[i - 1]))"}),
    Mutant("layers-in-python-list",
           "the layers are kept in a plain Python list, which nn.Module does not register: model.parameters() is "
           "empty (the optimizer has nothing to train), .eval() and state_dict() miss them; use nn.Sequential "
           "or nn.ModuleList",
           replace={"        self.layers = nn.Sequential(*layers)": "        self.layers = layers",
                    "        return self.layers(x)":
                    "        for layer in self.layers:\n            x = layer(x)\n        return x"}),
    Mutant("last-hidden-layer-without-batch-norm",
           "the last hidden layer has no BatchNorm (the loop stops one layer early): every hidden Linear, "
           "the last one included, is followed by its BatchNorm1d",
           replace={"                if batch_norm:": "                if batch_norm and i < hidden - 1:"}),
    Mutant("batch-norm-of-the-input-size",
           "each BatchNorm1d is sized for the Linear's input (fan_in) rather than its output: it normalises the "
           "Linear's fan_out outputs, so it needs BatchNorm1d(fan_out)",
           replace={"layers.append(nn.BatchNorm1d(fan_out))": "layers.append(nn.BatchNorm1d(fan_in))"}),
    Mutant("dropout-before-activation",
           "each hidden block runs its dropout before the activation (Linear → BatchNorm → Dropout → activation): in "
           "train mode the activation receives values scaled by 1/(1 - p), and tanh(2z) is not 2·tanh(z); the "
           "order is Linear → BatchNorm → activation → Dropout",
           replace={"                layers.append(make_activation(activations[i]))\n"
                    "                if dropout > 0:\n"
                    "                    layers.append(nn.Dropout(dropout))  # active in train(), the identity in eval()\n":
                    "                if dropout > 0:\n"
                    "                    layers.append(nn.Dropout(dropout))\n"
                    "                layers.append(make_activation(activations[i]))\n"}),
    Mutant("dropout-on-the-input",
           "dropout is applied to the input features before each Linear layer, the first one included, instead of "
           "after each hidden activation: the network loses half of its raw input while training",
           replace={"            layers.append(nn.Linear(fan_in, fan_out))":
                    "            if dropout > 0:\n                layers.append(nn.Dropout(dropout))\n"
                    "            layers.append(nn.Linear(fan_in, fan_out))",
                    "                if dropout > 0:\n                    " + DROPOUT: "                pass"}),
    Mutant("fake-data-reseeds-global-rng",
           "make_fake_data calls torch.manual_seed(seed): the data is reproducible, but the caller's global random "
           "state is reset as a side effect (their weight init and shuffling change); draw from a torch.Generator",
           replace={"    generator = torch.Generator().manual_seed(seed)":
                    "    torch.manual_seed(seed)\n    generator = None"}),
    Mutant("fake-data-ignores-seed",
           "make_fake_data draws from an unseeded generator: every call gives different data, so a run cannot be "
           "reproduced; seed a torch.Generator with `seed`",
           replace={"    generator = torch.Generator().manual_seed(seed)": "    generator = torch.Generator()\n"
                    "    generator.seed()"}),
    Mutant("fake-labels-float",
           "make_fake_data returns float labels: nn.CrossEntropyLoss reads a float target as class probabilities, "
           "not class indices; return int64 labels",
           replace={"    return x, y": "    return x, y.float()"}),
    Mutant("fake-labels-one-class",
           "make_fake_data gives every example the same label: a model that always answers that class is 'right', "
           "and the data tests nothing; draw labels from every class",
           replace={"    y = torch.arange(n_samples) % n_classes": "    y = torch.zeros(n_samples, dtype=torch.int64)"}),
]
