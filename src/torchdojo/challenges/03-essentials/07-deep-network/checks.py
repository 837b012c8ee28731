"""Checks for deep-network: the structure of the learner's nn.Sequential (depth, non-linearities
between the Linear layers, logits out), that it is not an affine map, the accuracy on held-out spiral
points after the learner's training (computed here from the model's outputs on points the grader
drew), and the decision-surface PNG (decoded and measured here)."""
import math

import torch
from torch import nn

from torchdojo.data.synthetic import make_spirals
from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import expect, expect_module, expect_shape, observer, rng, scratch_dir, seeded

CLASSES, TRAIN_SEED, TEST_SEED = 3, 1, 2
TARGET = 0.95
# Modules that keep a network affine (or are the identity at inference): they cannot bend a boundary.
AFFINE = (nn.Linear, nn.Identity, nn.Dropout, nn.Flatten, nn.Unflatten, nn.modules.batchnorm._BatchNorm)


@observer
def _layers(model) -> list[dict]:
    """Runs next to the learner's code: the leaf modules of the model in the order they run in an
    nn.Sequential (nested ones included), each as plain facts."""
    leaves = [m for m in model.modules() if not list(m.children())]
    return [{"type": type(m).__name__, "linear": isinstance(m, nn.Linear), "affine": isinstance(m, AFFINE),
             "features": [m.in_features, m.out_features] if isinstance(m, nn.Linear) else None} for m in leaves]


def _build(learner, seed: int = 0):
    with seeded(seed):  # the learner's weight init draws from the global RNG
        return learner.build_model()


def check_a_deep_sequential(learner):
    """build_model() returns an nn.Sequential with at least three nn.Linear layers (two or more hidden
    layers), from 2 input features to 3 outputs."""
    model = _build(learner)
    facts = expect_module(model, "build_model()")
    expect("Sequential" in facts.get("mro", []), f"build_model() returns a {facts.get('type')}; this challenge asks "
                                                 "for an nn.Sequential of layers", "not-sequential", kind="type")
    linears = [layer["features"] for layer in _layers(model) if layer["linear"]]
    expect(len(linears) >= 3, f"build_model() has {len(linears)} nn.Linear layer(s); a deep network here has at least "
                              "three (input → hidden → hidden → output)", f"depth:{min(len(linears), 3)}",
           kind="structure")
    expect(linears[0][0] == 2, f"the first Linear layer takes {linears[0][0]} features; a point has 2 coordinates",
           "first-layer", kind="structure")
    expect(linears[-1][1] == CLASSES, f"the last Linear layer has {linears[-1][1]} outputs; there are {CLASSES} "
                                      "classes, one logit each", "last-layer-width", kind="structure")


def check_nonlinear_between_layers(learner):
    """Between every two Linear layers there is a non-linearity (ReLU, Tanh, …), and the network is not an
    affine map: its output at the midpoint of two inputs is not the midpoint of their outputs."""
    model = _build(learner, seed=1)
    layers = _layers(model)
    positions = [i for i, layer in enumerate(layers) if layer["linear"]]
    for first, second in zip(positions, positions[1:]):
        between = [layer["type"] for layer in layers[first + 1:second] if not layer["affine"]]
        inside = ", ".join(layer["type"] for layer in layers[first + 1:second]) or "nothing"
        expect(between, f"Linear layers #{positions.index(first) + 1} and #{positions.index(second) + 1} have no "
                        f"non-linearity between them ({inside}): two Linear layers in a row are one Linear layer; "
                        "put an activation such as nn.ReLU() between them",
               "no-activation-between", kind="structure")
    model.eval()
    generator = rng(3)
    a, b = torch.randn(256, 2, generator=generator) * 2, torch.randn(256, 2, generator=generator) * 2
    outputs = model(torch.cat([a, b, (a + b) / 2]))
    expect_shape(outputs, (768, CLASSES), "the model's output on a batch of 768 points")
    f_a, f_b, f_mid = outputs.detach().split(256)
    gap = (f_mid - (f_a + f_b) / 2).abs().max().item()
    scale = outputs.detach().abs().max().item()
    expect(gap > 1e-4 * max(scale, 1e-6), "the network is an affine map: f((a + b)/2) = (f(a) + f(b))/2 on every "
                                          "pair of points tried; however many Linear layers it stacks, it can only "
                                          "draw straight decision boundaries", "affine", kind="structure")


def check_outputs_logits(learner):
    """The last layer is an nn.Linear with nothing after it: the network outputs logits, as
    nn.CrossEntropyLoss expects (it applies log-softmax itself)."""
    layers = _layers(_build(learner, seed=2))
    last = layers[-1]["type"] if layers else "nothing"
    why = {"Softmax": "nn.CrossEntropyLoss applies log-softmax itself, so a Softmax before it squashes the logits "
                      "twice and the gradients vanish",
           "LogSoftmax": "nn.CrossEntropyLoss applies log-softmax itself (LogSoftmax goes with nn.NLLLoss)"}
    expect(layers and layers[-1]["linear"],
           f"the network ends with {last}, after its last Linear layer: "
           f"{why.get(last, 'an activation on the output clips or squashes the logits')}; end with the Linear layer",
           f"last-layer:{last}", kind="structure")


def _spirals(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    return make_spirals(600, classes=CLASSES, seed=seed)


def check_train_changes_the_weights(learner):
    """train(model, x, y) trains the model it is given, in place: its weights move by more than 1% of
    their size."""
    model = _build(learner, seed=4)
    before = model.state_dict()
    x, y = _spirals(TRAIN_SEED)
    learner.train(model, x, y)
    after = model.state_dict()
    keys = [k for k in before if before[k].is_floating_point()]
    expect(any(not torch.equal(before[k], after[k]) for k in keys),
           "after train(model, x, y) the model's weights are exactly the ones it had: train must update the model "
           "it is given (its own parameters, in place), not a new one", "weights:unchanged", kind="training")
    moved = sum((after[k] - before[k]).abs().sum().item() for k in keys)
    size = sum(before[k].abs().sum().item() for k in keys)
    expect(moved > 0.01 * size, f"train(model, x, y) moved the weights by {moved / size:.2%} of their size: far too "
                                "little to learn anything (a learning rate far too small?)", "weights:barely",
           kind="training")


def check_held_out_accuracy(learner):
    """After build_model() and train(model, x, y) on 600 spiral points (3 classes), the model classifies
    600 held-out points the grader drew from the same spirals with at least 95% accuracy, computed here
    from the model's outputs in eval mode; training must fit in the time limit."""
    model = _build(learner, seed=5)
    x, y = _spirals(TRAIN_SEED)
    x_test, y_test = _spirals(TEST_SEED)
    learner.train(model, x, y)
    model.eval()
    outputs = model(x_test)
    expect_shape(outputs, (len(x_test), CLASSES), "the model's output on the 600 held-out points")
    expect(bool(torch.isfinite(outputs).all()), "the model's outputs on the held-out points are not all finite (NaN "
                                                "or inf): the training diverged", "accuracy:nonfinite", kind="training")
    accuracy = (outputs.argmax(dim=1) == y_test).float().mean().item()
    expect(accuracy >= TARGET, f"the held-out accuracy is {accuracy:.1%}, expected at least {TARGET:.0%}: is the "
                               "network deep enough, with non-linearities, and trained long enough with a sensible "
                               "learning rate (e.g. Adam, lr=0.01, a few hundred full-batch steps)?",
           "accuracy:low", kind="training")


class _Sectors(nn.Sequential):
    """A known classifier for the plot checks: the plane cut into three 120° sectors around the origin."""

    def __init__(self):
        super().__init__(nn.Linear(2, CLASSES))
        angle = torch.arange(CLASSES) * (2 * math.pi / CLASSES)
        with torch.no_grad():
            self[0].weight.copy_(torch.stack([angle.cos(), angle.sin()], dim=1))
            self[0].bias.zero_()


@observer
def _plot(learner, x: torch.Tensor, y: torch.Tensor, path: str) -> None:
    """Runs next to the learner's code: their plot_decision_surface, given the three-sector classifier."""
    learner.plot_decision_surface(_Sectors(), x, y, path)


def _drawn(learner, name: str):
    """The learner's plot of 150 spiral points and the three-sector classifier, saved in the scratch folder."""
    x, y = make_spirals(150, classes=CLASSES, seed=6)
    path = scratch_dir() / name
    _plot.labelled("plot_decision_surface(model, x, y, path)", learner, x, y, str(path))
    return expect_png(path, "the decision-surface plot", min_size=(300, 200))


def check_plot_written(learner):
    """plot_decision_surface(model, x, y, path) writes a PNG at `path` that decodes, is at least 300×200
    pixels and is not blank."""
    _drawn(learner, "surface.png")


def check_plot_shows_the_surface(learner):
    """The plot colours the plane by predicted class: given a classifier that cuts the plane into three
    sectors, at least three colours each cover 4% or more of the image (a scatter of the points alone
    does not)."""
    pixels = _drawn(learner, "surface-again.png")
    quantised = (pixels // 16).reshape(-1, 3)
    _, counts = torch.unique(torch.from_numpy(quantised.astype("int64")), dim=0, return_counts=True)
    large = int((counts >= 0.04 * len(quantised)).sum())
    expect(large >= 3, f"only {large} colour(s) cover 4% or more of the image: the plane is not coloured by the "
                       "predicted class; predict every point of a grid (torch.meshgrid) and draw it with "
                       "plt.contourf (or pcolormesh/imshow) under the scatter of the data", "surface:missing",
           kind="artifact")
