"""Checks for inference-validation: accuracy against the grader's count; dropout on in training and off in
eval; evaluate() against a hand computation on a model the grader built (eval mode, no graph, batches of
unequal size, the model's mode given back); then the learner's fit run next to the learner's code on real
Fashion-MNIST (an observer watches every forward pass and optimizer step) and judged here: the history's
last validation entries are the final model's own, the training loss is an epoch mean weighted by batch
size, an over-fitting curve without dropout and a smaller gap with it, and the plot (a PNG that looks
like one, saved from a matplotlib figure holding both loss curves, watched by an observer)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.expect import CheckFailed, expect, expect_shape, observer, rng, scratch_dir, seeded
from torchdojo.grading.remote import current_session

DATASET = "fashion-mnist"
N_TRAIN, N_VAL = 512, 1000  # a small training set over-fits within a few seconds; validation on test images
N_UNEVEN = 513  # 16 batches of 32 and a last one of a single image: weighting by batch size shows
LONG_EPOCHS, LR = 30, 2e-3  # the over-fitting runs (statement: about 1.5 s each for the reference)


# --- a model the grader knows, for evaluate() ----------------------------------------------------

class _Reference(nn.Module):
    """A small network with BatchNorm and Dropout, so that evaluating in train mode gives other numbers."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(),
                                    nn.Dropout(0.5), nn.Linear(32, 10))

    def forward(self, x):
        return self.layers(x)


def _reference_state(seed: int) -> dict:
    """The reference's weights, with BatchNorm running statistics that differ from any batch's own."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _Reference()
        with torch.no_grad():
            for _ in range(3):
                model(torch.rand(64, 1, 28, 28) * 2)
    return {k: v.clone() for k, v in model.state_dict().items()}


def _evaluation_data(seed: int, state: dict, n: int = 1000):
    """Images and labels where about two thirds of the labels are the reference's own prediction."""
    g = rng(seed)
    images = torch.rand(n, 1, 28, 28, generator=g)
    model = _Reference()
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        predicted = model(images).argmax(1)
    random = torch.randint(0, 10, (n,), generator=g)
    labels = torch.where(torch.rand(n, generator=g) < 0.65, predicted, random)
    return images, labels


def _expected(state: dict, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """The hand computation: mean cross-entropy over every image, and the share of right argmaxes."""
    model = _Reference()
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        logits = model(images).double()
    return float(F.cross_entropy(logits, labels)), float((logits.argmax(1) == labels).double().mean())


# --- next to the learner's code ------------------------------------------------------------------

_DATA: dict = {}  # in the learner's process: the training subset and the validation images


@observer
def _load_data() -> list:
    """Runs next to the learner's code: 512 training images (a fixed random subset), the same and one more
    (a set whose last batch is short), and 1,000 test images."""
    from torchdojo.data.real import load_tensors

    images, labels = load_tensors(DATASET, train=True, download=False)
    chosen = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))[:N_UNEVEN]
    _DATA["uneven"] = (images[chosen].float() / 255, labels[chosen])
    _DATA["train"] = (_DATA["uneven"][0][:N_TRAIN].clone(), _DATA["uneven"][1][:N_TRAIN].clone())
    test_images, test_labels = load_tensors(DATASET, train=False, download=False)
    _DATA["val"] = (test_images[:N_VAL].float() / 255, test_labels[:N_VAL])
    return [N_TRAIN, N_VAL]


@observer
def _evaluate(learner, state: dict, images, labels, training: bool, batch_size: int) -> dict:
    """Runs next to the learner's code: evaluate() on the grader's reference model (in `training` mode
    beforehand), each forward pass watched (the model's mode, whether autograd records)."""
    model = _Reference()
    model.load_state_dict(state)
    model.train(training)
    seen = []
    handle = model.register_forward_pre_hook(lambda m, args: seen.append([m.training, torch.is_grad_enabled()]))
    try:
        result = learner.evaluate(model, images, labels, batch_size=batch_size)
    finally:
        handle.remove()
    return {"result": result, "forwards": seen, "training_after": model.training}


@observer
def _fit(learner, model, epochs: int, lr: float, seed: int, subset: str = "train") -> dict:
    """Runs next to the learner's code: fit(model, ...) on the training subset, every optimizer step and
    forward pass watched; then the final model's logits (eval mode, no graph) on both sets."""
    from torchdojo.grading.observer import report_progress

    (x, y), (xv, yv) = _DATA[subset], _DATA["val"]
    forwards = {"training": 0, "measuring": 0}  # measuring: eval mode or autograd off (a validation pass)
    steps = {"train": 0, "eval": 0}

    def on_forward(module, args):
        forwards["training" if module.training and torch.is_grad_enabled() else "measuring"] += 1

    def on_step(optimizer, args, kwargs):
        steps["train" if model.training else "eval"] += 1

    handles = [model.register_forward_pre_hook(on_forward), register_optimizer_step_pre_hook(on_step)]
    report_progress(training=f"fit(model, ...) for {epochs} epochs on {len(x)} images")
    torch.manual_seed(seed)  # the learner's shuffling and dropout: the same run every grading
    try:
        history = learner.fit(model, x, y, xv, yv, epochs=epochs, lr=lr)
    finally:
        for handle in handles:
            handle.remove()
    model.eval()
    with torch.no_grad():
        train_logits, val_logits = model(x), model(xv)
    return {"history": history, "forwards": forwards, "steps": steps, "train_logits": train_logits,
            "val_logits": val_logits, "train_labels": y, "val_labels": yv}


@observer
def _plot(learner, history: dict, path: str) -> list:
    """Runs next to the learner's code: plot_history(history, path), with every matplotlib Figure.savefig
    (pyplot.savefig goes through it) watched: for each, the y-values of every line in the figure."""
    from matplotlib.figure import Figure

    saved = []
    original = Figure.savefig

    def watched(figure, *args, **kwargs):
        lines = []
        for axes in figure.get_axes():
            for line in axes.get_lines():
                try:
                    lines.append([float(v) for v in np.asarray(line.get_ydata(), dtype=float).ravel()[:10_000]])
                except (TypeError, ValueError):  # categorical or unit-carrying data: not a loss curve
                    pass
        saved.append(lines[:50])
        return original(figure, *args, **kwargs)

    Figure.savefig = watched
    try:
        learner.plot_history(history, path)
    finally:
        Figure.savefig = original
    return saved


_RUNS: dict = {"session": None}  # run name -> facts, for the latest grading: each training run once


def _run(learner, name: str, dropout: float, epochs: int, lr: float, subset: str = "train") -> dict:
    if _RUNS["session"] is not current_session():
        _RUNS.clear()
        _RUNS["session"] = current_session()
    key = name
    if key not in _RUNS:
        _load_data()
        with seeded(1):
            model = learner.Classifier(dropout=dropout)
        facts = _fit(learner, model, epochs, lr, seed=2, subset=subset)
        expect(isinstance(facts, dict), "the training run brought back no report", "fit:noreport")
        facts["history"] = _history(facts["history"], epochs, f"fit(Classifier(dropout={dropout}), epochs={epochs})")
        _RUNS[key] = facts
    return _RUNS[key]


def _number(value, what: str) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    expect(isinstance(value, (int, float)) and not isinstance(value, bool),
           f"{what} is a {type(value).__name__}, expected a number (a float, or a one-element tensor)",
           f"type:{what.split('[')[0]}", kind="type")
    return float(value)


def _history(history, epochs: int, what: str) -> dict[str, list[float]]:
    """The history as plain lists of floats, one entry per epoch for each key."""
    expect(isinstance(history, dict), f"{what} returned {type(history).__name__}, expected the history dict "
                                      "{'train_loss': [...], 'val_loss': [...], 'val_accuracy': [...]}",
           "history:type", kind="type")
    plain = {}
    for key in ("train_loss", "val_loss", "val_accuracy"):
        values = history.get(key)
        expect(isinstance(values, (list, tuple)), f"{what}: the history has no list under {key!r} (keys: "
                                                  f"{sorted(map(str, history))})", f"history:missing:{key}",
               kind="type")
        expect(len(values) == epochs, f"{what}: history[{key!r}] has {len(values)} entries, expected one per "
                                      f"epoch ({epochs})", f"history:length:{key}")
        plain[key] = [_number(v, f"history[{key!r}][{i}]") for i, v in enumerate(values)]
        expect(all(math.isfinite(v) for v in plain[key]), f"{what}: history[{key!r}] holds NaN or inf",
               f"history:nonfinite:{key}")
    return plain


# --- the checks ----------------------------------------------------------------------------------


def check_accuracy_by_hand(learner):
    """accuracy(logits, labels) is the share of rows whose largest logit is at the label, a number in
    [0, 1], for a batch of many rows and for a batch of one."""
    for seed, (n, classes) in enumerate([(50, 10), (37, 4), (1, 10)]):
        g = rng(100 + seed)
        logits = torch.randn(n, classes, generator=g)
        labels = torch.where(torch.rand(n, generator=g) < 0.5, logits.argmax(1),
                             torch.randint(0, classes, (n,), generator=g))
        expected = float((logits.argmax(1) == labels).double().mean())
        got = _number(learner.accuracy(logits, labels), f"accuracy(logits {n}×{classes}, labels)")
        expect(abs(got - expected) < 1e-6,
               f"accuracy on {n} rows of {classes} logits gives {got:.4f}, expected {expected:.4f} (the share of "
               "rows whose argmax equals the label). Comparing a (N, 1) tensor of predictions with the (N,) "
               "labels broadcasts to an (N, N) table: compare tensors of the same shape",
               f"accuracy:wrong:{'one' if n == 1 else 'many'}")


def check_dropout_only_in_training(learner):
    """Classifier(dropout) returns (N, 10) logits; with dropout 0.5 two forward passes differ in training
    mode and are identical in eval mode; with dropout 0 train and eval mode agree."""
    x = torch.rand(7, 1, 28, 28, generator=rng(200))
    with seeded(3):
        model = learner.Classifier(dropout=0.5)
    model.train()
    first, second = model(x), model(x)
    expect_shape(first, (7, 10), what="Classifier(dropout=0.5) on 7 images (7, 1, 28, 28)")
    expect(not torch.equal(first, second), "Classifier(dropout=0.5) in training mode gives the same output twice: "
                                           "no dropout is applied (is Dropout(dropout) after each hidden layer, "
                                           "with the rate that was passed?)", "dropout:inactive-in-train")
    model.eval()
    first, second = model(x), model(x)
    expect(torch.equal(first, second), "Classifier(dropout=0.5) in eval mode gives different outputs for the same "
                                       "input: dropout is still on. nn.Dropout follows model.eval(); "
                                       "F.dropout(x, p) needs training=self.training", "dropout:active-in-eval")
    with seeded(4):
        plain = learner.Classifier(dropout=0.0)
    plain.train()
    in_train = plain(x)
    plain.eval()
    expect(torch.allclose(in_train, plain(x), atol=1e-6), "Classifier(dropout=0.0) gives different outputs in "
                                                          "train and eval mode: with dropout 0 nothing should "
                                                          "change", "dropout:zero-not-identity")


def _evaluation(learner, training: bool, batch_size: int, seed: int = 300):
    state = _reference_state(seed)
    images, labels = _evaluation_data(seed + 1, state)
    facts = _evaluate(learner, state, images, labels, training, batch_size)
    result = facts["result"]
    expect(isinstance(result, (list, tuple)) and len(result) == 2,
           f"evaluate(...) returned {type(result).__name__}, expected a pair (loss, accuracy)", "evaluate:type",
           kind="type")
    got = (_number(result[0], "evaluate's loss"), _number(result[1], "evaluate's accuracy"))
    return got, _expected(state, images, labels), facts


def check_evaluate_matches_hand_computation(learner):
    """evaluate(model, images, labels, batch_size) returns the mean cross-entropy per image and the accuracy
    of the model as used for inference, equal to the grader's own computation, also when the last batch is
    smaller (1,000 images in batches of 300)."""
    (loss, acc), (want_loss, want_acc), _ = _evaluation(learner, training=True, batch_size=300)
    if abs(loss - want_loss) > 1e-4 * max(1.0, abs(want_loss)):
        (even_loss, _), (even_want, _), _ = _evaluation(learner, training=True, batch_size=250)
        uneven = abs(even_loss - even_want) <= 1e-4 * max(1.0, abs(even_want))
        raise CheckFailed(f"evaluate's loss is {loss:.5f}, expected {want_loss:.5f} (the mean cross-entropy over "
                          "the 1,000 images, model in eval mode)" +
                          (": right with batches of 250, wrong with batches of 300, so the batches are averaged "
                           "as if equal; sum the per-image losses and divide by the number of images" if uneven else
                           ": is the model in eval mode (dropout off), and is the loss the cross-entropy of the "
                           "logits?"), "evaluate:loss:uneven-batches" if uneven else "evaluate:loss:wrong")
    expect(abs(acc - want_acc) < 1e-6, f"evaluate's accuracy is {acc:.4f}, expected {want_acc:.4f} (the share of the "
                                       "1,000 images whose argmax is the label, model in eval mode)",
           "evaluate:accuracy")


def check_evaluate_in_eval_mode_without_gradients(learner):
    """Every forward pass evaluate() makes runs with the model in eval mode and autograd off
    (torch.no_grad() or torch.inference_mode()): no dropout, no graph kept."""
    _, _, facts = _evaluation(learner, training=True, batch_size=300)
    forwards = facts["forwards"]
    expect(len(forwards) > 0, "evaluate never called the model", "evaluate:no-forward")
    in_train = sum(1 for training, _ in forwards if training)
    expect(in_train == 0, f"{in_train} of evaluate's {len(forwards)} forward passes ran with the model in training "
                          "mode: call model.eval() first, so dropout is off and BatchNorm uses its running "
                          "statistics", "evaluate:train-mode", kind="state")
    with_grad = sum(1 for _, grad in forwards if grad)
    expect(with_grad == 0, f"{with_grad} of evaluate's {len(forwards)} forward passes ran with autograd recording: "
                           "wrap the loop in `with torch.no_grad():` (no graph is needed to measure, and it costs "
                           "time and memory)", "evaluate:grad-enabled", kind="state")


def check_evaluate_restores_the_mode(learner):
    """evaluate() gives the model back in the mode it found it: training mode stays training mode (or the
    next epoch trains without dropout), eval mode stays eval mode."""
    for training in (True, False):
        _, _, facts = _evaluation(learner, training=training, batch_size=500)
        after = facts["training_after"]
        mode, left = ("training" if training else "eval"), ("training" if after else "eval")
        expect(after == training, f"a model in {mode} mode comes back from evaluate() in {left} mode: remember "
                                  "`was_training = model.training` and end with `model.train(was_training)`",
               f"evaluate:mode:{mode}->{left}", kind="state")


def check_history_is_the_final_models(learner):
    """fit returns one history entry per epoch, validated after the epoch's training: the last val_loss and
    val_accuracy equal the grader's computation from the final model's outputs on the 1,000 validation images."""
    facts = _run(learner, "history", dropout=0.2, epochs=3, lr=LR)
    history, logits, labels = facts["history"], facts["val_logits"].double(), facts["val_labels"]
    want_loss, want_acc = float(F.cross_entropy(logits, labels)), float((logits.argmax(1) == labels).double().mean())
    got_loss, got_acc = history["val_loss"][-1], history["val_accuracy"][-1]
    expect(abs(got_loss - want_loss) <= 1e-4 * max(1.0, want_loss) and abs(got_acc - want_acc) < 1e-6,
           f"the history's last entries say val_loss {got_loss:.4f} and val_accuracy {got_acc:.4f}, but the final "
           f"model gives {want_loss:.4f} and {want_acc:.4f} on the validation images: validate after each epoch's "
           "training, with evaluate (eval mode, no dropout)", "history:not-final-model")


def check_train_loss_is_the_epoch_mean(learner):
    """history["train_loss"][e] is the mean loss over the epoch's training images, each batch weighted by its
    size: with lr = 0 the model never moves, so every entry equals the loss on the whole training set (and
    val_loss on the validation set), on 512 images and on 513 (whose last batch holds one image)."""
    facts = _run(learner, "frozen", dropout=0.0, epochs=2, lr=0.0)
    history = facts["history"]
    want_train = float(F.cross_entropy(facts["train_logits"].double(), facts["train_labels"]))
    want_val = float(F.cross_entropy(facts["val_logits"].double(), facts["val_labels"]))
    for epoch, (train, val) in enumerate(zip(history["train_loss"], history["val_loss"])):
        expect(abs(train - want_train) <= 1e-4 * max(1.0, want_train),
               f"with lr=0 (a model that cannot change) history['train_loss'][{epoch}] is {train:.4f}, but the loss on "
               f"the training images is {want_train:.4f}: record the mean over all the epoch's batches (sum of "
               "loss.item() × batch size, divided by the number of images), not the last batch's or a sum",
               "history:train-loss")
        expect(abs(val - want_val) <= 1e-4 * max(1.0, want_val),
               f"with lr=0 history['val_loss'][{epoch}] is {val:.4f}, but the model's loss on the validation "
               f"images is {want_val:.4f}", "history:val-loss-frozen")
    # 513 images: 16 batches of 32 and one of 1. The mean of the 17 batch means gives that one image the weight
    # of 32; it misses the true mean by about 1e-3 (relative), by less than 1e-5 about once in a hundred
    # shuffles, and each of the 3 epochs is shuffled anew. Summed per-image losses agree to about 1e-7.
    facts = _run(learner, "uneven", dropout=0.0, epochs=3, lr=0.0, subset="uneven")
    want = float(F.cross_entropy(facts["train_logits"].double(), facts["train_labels"]))
    for epoch, train in enumerate(facts["history"]["train_loss"]):
        expect(abs(train - want) <= 1e-5 * max(1.0, want),
               f"with lr=0 on {N_UNEVEN} images (16 batches of 32 and a last batch of 1), "
               f"history['train_loss'][{epoch}] is {train:.6f}, but the loss on the training images is {want:.6f}: "
               "a mean of the batch means gives the single image of the last batch the weight of 32; weight each "
               "batch by its size (add loss.item() × len(batch), divide by the number of images)",
               "history:train-loss:unweighted")


def check_steps_in_training_mode(learner):
    """During fit every optimizer step is taken with the model in training mode (dropout on), and the model is
    run for measuring (the validation) at least once per epoch."""
    facts = _run(learner, "history", dropout=0.2, epochs=3, lr=LR)
    steps, forwards = facts["steps"], facts["forwards"]
    expect(steps["train"] + steps["eval"] > 0, "fit never called optimizer.step() on a torch.optim optimizer",
           "fit:no-steps")
    expect(steps["eval"] == 0, f"{steps['eval']} of fit's {steps['train'] + steps['eval']} optimizer steps were "
                               "taken with the model in eval mode, so those batches trained without dropout: "
                               "after validating, the model must be back in training mode (model.train() at the "
                               "start of each epoch, or an evaluate that restores the mode)", "fit:steps-in-eval",
           kind="state")
    validations = forwards["measuring"]
    expect(validations >= 3, f"fit ran the model for measuring (eval mode or no_grad) {validations} times in 3 epochs: "
                             "validate after every epoch", "fit:no-validation")


def _gap(history: dict) -> float:
    return history["val_loss"][-1] - history["train_loss"][-1]


def check_overfitting_curve(learner):
    """Without dropout, 30 epochs on 512 images over-fit: the training loss keeps falling while the validation
    loss reaches its minimum at least 5 epochs before the end and ends at least 20% above it."""
    history = _run(learner, "plain", dropout=0.0, epochs=LONG_EPOCHS, lr=LR)["history"]
    train, val = history["train_loss"], history["val_loss"]
    expect(train[-1] < 0.5 * train[0], f"Classifier(dropout=0) trained by fit for {LONG_EPOCHS} epochs: the training "
                                       f"loss goes from {train[0]:.3f} to {train[-1]:.3f}, it should at least halve "
                                       "on 512 images: does fit step an optimizer over this model's parameters "
                                       "with the lr it was given?", "overfit:no-learning")
    best = min(range(len(val)), key=val.__getitem__)
    expect(best <= len(val) - 6 and val[-1] >= 1.2 * val[best],
           f"Classifier(dropout=0): the validation loss is lowest at epoch {best + 1} ({val[best]:.3f}) and ends at "
           f"{val[-1]:.3f}; over-fitting should show as a minimum well before epoch {LONG_EPOCHS} and a rise of "
           "20% after it (are the validation numbers computed on the validation images, in eval mode?)",
           "overfit:no-rise")


def check_dropout_narrows_the_gap(learner):
    """With Dropout(0.5) the same 30 epochs end with at most half the gap between validation and training loss
    of the model without dropout, and a lower validation loss."""
    plain = _run(learner, "plain", dropout=0.0, epochs=LONG_EPOCHS, lr=LR)["history"]
    dropped = _run(learner, "dropout", dropout=0.5, epochs=LONG_EPOCHS, lr=LR)["history"]
    expect(_gap(dropped) < 0.5 * _gap(plain) and dropped["val_loss"][-1] < plain["val_loss"][-1],
           f"after {LONG_EPOCHS} epochs the gap val_loss − train_loss is {_gap(dropped):.3f} with dropout 0.5 and "
           f"{_gap(plain):.3f} without (validation losses {dropped['val_loss'][-1]:.3f} and "
           f"{plain['val_loss'][-1]:.3f}): dropout should at least halve the gap and lower the validation loss. "
           "Is Dropout(dropout) applied after each hidden layer during training?", "dropout:gap")


def check_curve_png(learner):
    """plot_history(history, path) writes a PNG of the curves at `path` (at least 400×250 pixels, not blank, and
    drawn like a plot: mostly one background colour), saved from a matplotlib figure holding the training and
    the validation loss as lines."""
    g = rng(500)
    epochs = 12
    history = {"train_loss": [2.0 * 0.8 ** e for e in range(epochs)],
               "val_loss": [1.5 - 0.1 * e + 0.012 * e * e for e in range(epochs)],
               "val_accuracy": [0.5 + 0.3 * (1 - 0.7 ** e) + 0.01 * float(torch.rand((), generator=g))
                                for e in range(epochs)]}
    path = scratch_dir() / "curves.png"
    saved = _plot(learner, history, str(path))
    pixels = expect_png(path, "the training curves", min_size=(400, 250))
    # A plot is lines and text on a background: the most common colour covers most of it (about 80% for
    # matplotlib's white figures, over a third with a dark or grey style). In noise no colour repeats.
    flat = pixels.reshape(-1, pixels.shape[-1])
    _, counts = np.unique(flat, axis=0, return_counts=True)
    background = counts.max() / len(flat)
    expect(background >= 0.25,
           f"the training curves: {path.name} does not look like a plot: its most common colour covers "
           f"{background:.1%} of the pixels (a plot's background covers most of it; noise or a photo has none). "
           "Draw the curves with matplotlib and save the figure", "png:not-a-plot", kind="artifact")
    expect(isinstance(saved, list) and len(saved) > 0,
           "plot_history saved no matplotlib figure (Figure.savefig or plt.savefig was never called): draw the "
           "curves with matplotlib and save the figure at `path`", "plot:no-figure", kind="artifact")
    lines = [line for figure in saved if isinstance(figure, list) for line in figure]

    def drawn(values):
        return any(len(line) == len(values) and np.allclose(line, values, rtol=1e-6, atol=1e-9) for line in lines)

    missing = [name for name in ("train_loss", "val_loss") if not drawn(history[name])]
    expect(not missing, f"the figure plot_history saved has {len(lines)} line(s), none of them with the "
                        f"{len(history['train_loss'])} values of history[{missing[0] if missing else ''!r}]: plot the "
                        "training loss and the validation loss, each as a line over the epochs (ax.plot)",
           "plot:curves-missing", kind="artifact")
