"""Known mistakes for deep-network."""
from torchdojo.grading.mutants import Mutant

LAYERS = """        nn.Linear(2, 64), nn.ReLU(),
        nn.Linear(64, 64), nn.ReLU(),
        nn.Linear(64, CLASSES),
"""
CONTOURF = """    axes.contourf(grid_x.numpy(), grid_y.numpy(), predicted.numpy(), levels=[-0.5, 0.5, 1.5, 2.5],
                  cmap="brg", alpha=0.35)
"""
SAVE = """    figure.savefig(path, dpi=100)  # save BEFORE closing: a closed figure is gone
    plt.close(figure)  # free it; many open figures leak memory
"""

MUTANTS = [
    Mutant("no-nonlinearity",
           "there is no activation between the Linear layers, so the whole network is one affine map that can only "
           "draw straight boundaries, whatever its depth; put nn.ReLU() (or Tanh) between every two Linear layers",
           replace={LAYERS: LAYERS.replace(" nn.ReLU(),", "")}),
    Mutant("softmax-before-cross-entropy",
           "the network ends with a Softmax, but nn.CrossEntropyLoss applies log-softmax itself: the logits are "
           "squashed twice and learning stalls; end with the last Linear layer",
           replace={"        nn.Linear(64, CLASSES),\n": "        nn.Linear(64, CLASSES), nn.Softmax(dim=1),\n"}),
    Mutant("relu-after-output",
           "a ReLU follows the output layer, so every negative logit is clipped to 0 and cannot be learned back; "
           "the last layer must output raw logits",
           replace={"        nn.Linear(64, CLASSES),\n": "        nn.Linear(64, CLASSES), nn.ReLU(),\n"}),
    Mutant("one-hidden-layer",
           "the network has a single hidden layer: this challenge asks for a deep one, with at least two",
           replace={LAYERS: "        nn.Linear(2, 64), nn.ReLU(),\n        nn.Linear(64, CLASSES),\n"}),
    Mutant("too-few-steps",
           "training stops long before the model fits the spirals (20 steps): train for a few hundred full-batch "
           "steps and check the loss has levelled off",
           replace={"    for _ in range(400):\n": "    for _ in range(20):\n"}),
    Mutant("learning-rate-far-too-small",
           "the learning rate is far too small (1e-6): the weights barely move, so the model stays at its random "
           "start; use something like lr=0.01 with Adam",
           replace={"lr=0.01)": "lr=1e-6)"}),
    Mutant("trains-a-new-model",
           "train builds and trains a new model instead of the one it is given, so the caller's model never "
           "learns; train `model` itself (its parameters, in place)",
           replace={"    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)\n":
                    "    model = build_model()\n    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)\n"}),
    Mutant("saved-after-close",
           "the figure is closed before it is saved: savefig then writes a new, empty figure; call savefig first, "
           "then plt.close()",
           replace={SAVE: "    plt.close(figure)\n    plt.savefig(path, dpi=100)\n"}),
    Mutant("shown-not-saved",
           "the plot is shown (plt.show()) but never saved, so no file is written; call figure.savefig(path)",
           replace={SAVE: "    plt.show()\n"}),
    Mutant("scatter-only",
           "the plot shows the points but not the decision surface: predict a grid over the plane and colour it "
           "by class with plt.contourf (or pcolormesh/imshow) under the scatter",
           replace={CONTOURF: ""}),
]
