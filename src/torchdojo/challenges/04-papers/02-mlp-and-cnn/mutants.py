"""Known mistakes for mlp-and-cnn."""
from torchdojo.grading.mutants import Mutant

LAST = "        layers.append(nn.Linear(self.layer_sizes[-2], self.layer_sizes[-1]))\n"
HEAD = "        self.mlp = MLP([conv_channels[-1]] + list(mlp_layers), activation, dropout)\n"

MUTANTS = [
    Mutant("dropout-after-last-layer",
           "a Dropout follows the MLP's output layer: in training it zeroes logits at random; the output layer must "
           "be the last Linear, with nothing after it",
           replace={LAST: LAST + "        layers.append(nn.Dropout(dropout))\n"}),
    Mutant("activation-after-last-layer",
           "the activation follows the MLP's output layer too (the course's loop appended it for every layer): a "
           "ReLU clips every negative logit to 0; nn.CrossEntropyLoss wants the last Linear's raw scores",
           replace={LAST: LAST + "        layers.append(activation)\n"}),
    Mutant("head-not-the-mlp",
           "the CNN's head is its own nn.Sequential of Linear layers rather than your MLP class: the classifier is "
           "written twice; build it as MLP([conv_channels[-1]] + mlp_layers, activation, dropout)",
           replace={HEAD: "        sizes = [conv_channels[-1]] + list(mlp_layers)\n"
                          "        head = []\n"
                          "        for a, b in zip(sizes[:-2], sizes[1:-1]):\n"
                          "            head += [nn.Linear(a, b), activation, nn.Dropout(dropout)]\n"
                          "        self.mlp = nn.Sequential(*head, nn.Linear(sizes[-2], sizes[-1]))\n"}),
    Mutant("flatten-linear-cnn",
           "the 'CNN' flattens the image into one long vector and applies a Linear layer: no convolution, so a "
           "pattern must be learned again at every position and the model only works for one image size; use "
           "nn.Conv2d blocks and a global pooling",
           replace={"            blocks += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), activation, nn.MaxPool2d(2)]\n":
                    "            pass\n",
                    "        self.features = nn.Sequential(*blocks)\n":
                    "        self.features = nn.Sequential(nn.Flatten(), nn.LazyLinear(conv_channels[-1]), activation)\n",
                    "        self.pool = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())\n":
                    "        self.pool = nn.Identity()\n"}),
    Mutant("mlp-layers-in-python-list",
           "the MLP keeps its layers in a plain Python list: nn.Module does not register them, so the optimizer "
           "never trains the head and .eval() never reaches its dropout; wrap them in nn.Sequential",
           replace={"        self.layers = nn.Sequential(*layers)": "        self.layers = layers",
                    "        return self.layers(x)  # (N, layer_sizes[0]) -> (N, layer_sizes[-1])":
                    "        for layer in self.layers:\n            x = layer(x)\n        return x"}),
    Mutant("mlp-misses-a-hidden-layer",
           "the MLP's loop stops one hidden layer early (layer_sizes[:-3]): one Linear is missing and the sizes no "
           "longer chain; loop over every pair of neighbouring sizes but the last",
           replace={"zip(self.layer_sizes[:-2], self.layer_sizes[1:-1])": "zip(self.layer_sizes[:-3], self.layer_sizes[1:-2])"}),
    Mutant("mlp-ignores-dropout",
           "the MLP builds nn.Dropout() without its argument: it always drops 50%, whatever `dropout` says (the CNN's "
           "head asked for 0.25); pass it on, nn.Dropout(dropout)",
           replace={"activation, nn.Dropout(dropout)]": "activation, nn.Dropout()]"}),
    Mutant("head-without-dropout-argument",
           "the CNN builds its head without passing `dropout` on, so the MLP's default (0.5) replaces the CNN's "
           "own; build it as MLP([conv_channels[-1]] + mlp_layers, activation, dropout)",
           replace={HEAD: "        self.mlp = MLP([conv_channels[-1]] + list(mlp_layers), activation)\n"}),
    Mutant("no-max-pooling",
           "the convolution blocks have no nn.MaxPool2d(2): the image is never halved, so every convolution runs "
           "on the full image (slower, and each layer sees no wider a region than the one before plus 2 pixels); "
           "end each block with nn.MaxPool2d(2)",
           replace={", activation, nn.MaxPool2d(2)]": ", activation]"}),
    Mutant("no-global-pooling",
           "the convolution features are flattened without a global pooling: the head's input size then depends on "
           "the image size; pool each channel to one number (nn.AdaptiveMaxPool2d(1)) before the MLP",
           replace={"        self.pool = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())\n":
                    "        self.pool = nn.Flatten()\n"}),
]
