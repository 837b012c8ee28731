"""Checks for training-loop: the learner's train_one_epoch and evaluate run next to instrumented
models and optimizers (observers) and bring back what happened: the weights after an epoch, the
mode and grad mode of every forward pass, the gradients each optimizer step saw, the values
returned. Every verdict is computed here: the reference epoch, the held-out loss and accuracy, the
expected means over the dataset."""
import contextlib
import math

import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, observer, rng
from torchdojo.grading.observer import report_progress

CLASSES, HIDDEN = 3, 32
# 100 examples in batches of 16: six full batches and a last one of 4, so the mean over the dataset,
# the mean of the batch means and the last batch's value are three different numbers.
N_EVAL, BATCH = 100, 16


# --- the models, data and instruments (the same code builds them here and next to the learner's) -----


def _net(dropout: float = 0.0, seed: int = 0) -> nn.Sequential:
    """A small classifier with BatchNorm and Dropout, the two layers whose behaviour depends on the mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(2, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(), nn.Dropout(dropout),
                             nn.Linear(HIDDEN, CLASSES))


@contextlib.contextmanager
def _one_thread():
    """The grader's own small computations on one thread: on a busy machine, OpenMP threads that wait
    for each other turn a 7-step epoch of a tiny network from milliseconds into seconds."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Three Gaussian clusters in the plane, one per class: a task a small net learns in a few epochs."""
    generator = rng(seed)
    labels = torch.randint(0, CLASSES, (n,), generator=generator)
    angle = labels * (2 * math.pi / CLASSES)
    centres = torch.stack([angle.cos(), angle.sin()], dim=1) * 2.0
    return centres + 0.7 * torch.randn(n, 2, generator=generator), labels


def _state(seed: int, dropout: float = 0.0, scrambled_statistics: bool = False) -> dict:
    """Initial weights made here (sent to the learner's side, so both sides start from the same ones)."""
    model = _net(dropout, seed)
    if scrambled_statistics:  # running statistics far from a batch's own: train and eval mode disagree
        generator = rng(seed + 1)
        model[1].running_mean.copy_(torch.randn(HIDDEN, generator=generator))
        model[1].running_var.copy_(torch.rand(HIDDEN, generator=generator) * 3 + 0.2)
    return {k: v.clone() for k, v in model.state_dict().items()}


def _batches(x: torch.Tensor, y: torch.Tensor, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return list(zip(x.split(size), y.split(size)))


class _Instruments:
    """Next to the learner's code: forward hooks on every module record its mode and whether grad mode
    was on; tensor hooks on the parameters see each backward pass's gradient; the optimizer's step is
    wrapped to record, at every step, what the parameters' .grad held."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer | None = None):
        self.training: set[bool] = set()
        self.grad_enabled: set[bool] = set()
        self.forwards = 0
        self.steps: list[str] = []
        self.latest: dict[int, torch.Tensor] = {}
        self.params = list(model.parameters())
        for module in model.modules():
            module.register_forward_hook(self._forward)
        if optimizer is not None:
            for index, p in enumerate(self.params):
                p.register_hook(lambda g, index=index: self._backward(index, g))
            original = optimizer.step

            def step(*args, **kwargs):
                self.steps.append(self._at_step())
                return original(*args, **kwargs)
            optimizer.step = step

    def _forward(self, module, inputs, output) -> None:
        self.forwards += 1
        self.training.add(bool(module.training))
        self.grad_enabled.add(torch.is_grad_enabled())

    def _backward(self, index: int, gradient: torch.Tensor) -> None:
        self.latest[index] = gradient.detach().clone()

    def _at_step(self) -> str:
        """'fresh' (each .grad is exactly the latest backward's gradient), 'stale' (something else was
        added to it: gradients accumulated), 'empty' (cleared before the step) or 'no-backward'."""
        if not self.latest:
            return "no-backward"
        found = "fresh"
        for index, gradient in self.latest.items():
            held = self.params[index].grad
            if held is None or not held.any():
                return "empty"
            if not torch.allclose(held, gradient, rtol=1e-5, atol=1e-7):
                found = "stale"
        self.latest.clear()
        return found


def _returned(value) -> dict:
    """What a function returned, as plain facts (a tensor's graph stays here)."""
    if isinstance(value, torch.Tensor):
        return {"type": "Tensor", "requires_grad": bool(value.requires_grad),
                "value": float(value.detach().reshape(-1)[0]) if value.numel() == 1 else None}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"type": "number", "requires_grad": False, "value": float(value)}
    return {"type": type(value).__name__, "requires_grad": False, "value": None}


def _loader(x, y, kind: str, seed: int = 0):
    if kind == "list":  # the batches are views of the dataset itself
        return _batches(x, y, BATCH)
    generator = torch.Generator().manual_seed(seed)
    dataset = torch.utils.data.TensorDataset(x, y)
    return torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=kind == "shuffled", generator=generator)


@observer
def _train(learner, state: dict, x: torch.Tensor, y: torch.Tensor, dropout: float = 0.0, start_in_eval: bool = False,
           optimizer: str = "sgd", lr: float = 0.1, epochs: int = 1, loader: str = "ordered") -> dict:
    """Runs next to the learner's code: `epochs` calls of train_one_epoch on a model loaded with `state`,
    instrumented; brings back what happened, for the check to judge."""
    model = _net(dropout)
    model.load_state_dict(state)
    if start_in_eval:
        model.eval()
    make = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = make(model.parameters(), lr=lr)
    seen = _Instruments(model, opt)
    data = _loader(x, y, loader)
    returned = []
    for epoch in range(epochs):
        returned.append(_returned(learner.train_one_epoch(model, data, nn.CrossEntropyLoss(), opt)))
        report_progress(epoch=epoch + 1, of=epochs)
    return {"returned": returned, "steps": seen.steps, "batches": len(data) * epochs, "forwards": seen.forwards,
            "training": sorted(seen.training), "grad_enabled": sorted(seen.grad_enabled),
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}


@observer
def _evaluate(learner, state: dict, x: torch.Tensor, y: torch.Tensor, dropout: float = 0.5,
              loader: str = "ordered") -> dict:
    """Runs next to the learner's code: evaluate on a model loaded with `state`, left in training mode
    (as after an epoch of training), with every forward pass recorded."""
    model = _net(dropout)
    model.load_state_dict(state)
    model.train()
    seen = _Instruments(model)
    result = learner.evaluate(model, _loader(x, y, loader), nn.CrossEntropyLoss())
    pair = list(result) if isinstance(result, (tuple, list)) else None
    return {"type": type(result).__name__, "items": [_returned(v) for v in pair] if pair is not None else None,
            "forwards": seen.forwards, "training": sorted(seen.training), "grad_enabled": sorted(seen.grad_enabled),
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}


# --- the checks ------------------------------------------------------------------------------


def _held_out(state: dict, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model = _net()
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad(), _one_thread():
        output = model(x)
    return F.cross_entropy(output, y).item(), (output.argmax(dim=1) == y).float().mean().item()


def check_loss_falls(learner):
    """Four epochs of train_one_epoch with Adam on three clusters (a shuffled DataLoader) make the loss
    on held-out points, computed here from the trained weights, fall to under half its starting value
    and the held-out accuracy reach 90%."""
    x, y = _blobs(480, seed=1)
    x_test, y_test = _blobs(300, seed=2)
    state = _state(seed=3)
    seen = _train(learner, state, x, y, optimizer="adam", lr=0.01, epochs=4, loader="shuffled")
    before, _ = _held_out(state, x_test, y_test)
    after, accuracy = _held_out(seen["state"], x_test, y_test)
    expect(math.isfinite(after) and after < 0.5 * before and accuracy >= 0.9,
           f"after 4 epochs of train_one_epoch (Adam, lr=0.01, 15 batches per epoch) the held-out loss went from "
           f"{before:.3f} to {after:.3f} and the held-out accuracy is {accuracy:.0%}; a working loop brings the loss "
           "under half its start and the accuracy over 90%. Are backward() and optimizer.step() called for every "
           "batch, with the gradients cleared before the step, not between backward() and step()?",
           "loss-not-falling", kind="training")


def check_gradients_fresh_at_every_step(learner):
    """At every optimizer.step(), each parameter's .grad is exactly the gradient of the current batch:
    the old gradients were cleared (optimizer.zero_grad(), model.zero_grad() or set to None, before
    backward) and not after backward."""
    x, y = _blobs(N_EVAL, seed=4)
    seen = _train(learner, _state(seed=5), x, y)
    steps = seen["steps"]
    expect(bool(steps), "optimizer.step() was never called, so no step could be inspected; see the next checks",
           "steps:none", kind="training")
    for index, found in enumerate(steps):
        expect(found != "stale", f"at step {index + 1} of the epoch, .grad held the sum of this batch's gradient "
                                 "and earlier ones: loss.backward() ADDS to .grad, so the gradients must be cleared "
                                 "every step (optimizer.zero_grad() before loss.backward())",
               "grads:stale", kind="training")
        expect(found != "empty", f"at step {index + 1} of the epoch, every .grad was empty (None or zeros) when "
                                 "optimizer.step() ran, so the step changed nothing: clear the gradients before "
                                 "loss.backward(), not between backward() and step()", "grads:empty", kind="training")
        expect(found != "no-backward", f"optimizer.step() was called (step {index + 1}) with no backward pass since "
                                       "the previous step", "grads:no-backward", kind="training")


def check_one_step_per_batch(learner):
    """optimizer.step() runs exactly once per batch (7 batches, the last one smaller)."""
    x, y = _blobs(N_EVAL, seed=6)
    seen = _train(learner, _state(seed=7), x, y)
    steps, batches = len(seen["steps"]), seen["batches"]
    expect(steps == batches, f"train_one_epoch called optimizer.step() {steps} times for a loader of {batches} "
                             "batches: the weights must be updated once per batch, inside the loop",
           f"steps:{'none' if steps == 0 else 'fewer' if steps < batches else 'more'}", kind="training")


def _reference_epoch(state: dict, x: torch.Tensor, y: torch.Tensor, lr: float) -> tuple[dict, list[float], list[int]]:
    """The epoch computed here: the same initial weights, the same batches in the same order, plain SGD."""
    model = _net()
    model.load_state_dict(state)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses, sizes = [], []
    with _one_thread():
        for inputs, targets in _batches(x, y, BATCH):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            sizes.append(len(inputs))
    return {k: v.detach() for k, v in model.named_parameters()}, losses, sizes


def check_weights_equal_a_reference_epoch(learner):
    """With an unshuffled DataLoader and SGD, the weights after your epoch equal those after a reference
    epoch computed by the grader from the same initial weights and batches."""
    x, y = _blobs(N_EVAL, seed=8)
    state = _state(seed=9)
    seen = _train(learner, state, x, y, lr=0.5)
    expected, _, _ = _reference_epoch(state, x, y, lr=0.5)
    got = seen["state"]
    unchanged = all(torch.equal(got[k], state[k]) for k in expected)
    expect(not unchanged, "after train_one_epoch (SGD, lr=0.5, 7 batches) the weights are exactly the initial ones: "
                          "nothing was updated (is optimizer.step() called?)", "weights:unchanged", kind="training")
    for name, weight in expected.items():
        difference = (got[name] - weight).abs().max().item()
        expect(torch.allclose(got[name], weight, rtol=1e-4, atol=1e-5),
               f"after one epoch (SGD, lr=0.5, 7 batches in order) the weight {name!r} differs from the reference "
               f"epoch's by up to {difference:.3g}: each batch should do exactly zero_grad, forward, loss, backward, "
               "step, on the batch as the loader gives it", "weights:differ", kind="training")


def _expect_number(returned: dict, what: str) -> float:
    """A Python number, or a one-element tensor without a graph (harmless once no graph hangs on it)."""
    expect(not returned["requires_grad"],
           f"{what} returned a tensor that still holds an autograd graph: summing loss tensors keeps every batch's "
           "graph in memory for the whole epoch; add loss.item() (a Python float) instead", f"returned:graph:{what}",
           kind="type")
    expect(returned["value"] is not None, f"{what} returned a {returned['type']}, expected one number (a Python "
                                          "float: .item() of a 0-dim tensor)", f"returned:{returned['type']}:{what}",
           kind="type")
    return returned["value"]


def check_train_returns_a_number(learner):
    """train_one_epoch returns one number (the losses added as loss.item()), not a tensor that carries
    the autograd graph of the whole epoch."""
    x, y = _blobs(N_EVAL, seed=10)
    seen = _train(learner, _state(seed=11), x, y)
    _expect_number(seen["returned"][0], "train_one_epoch")


def _judge_mean(got: float, values: list[float], sizes: list[int], what: str) -> None:
    """`got` is the mean of `values` over the dataset: weighted by batch size, or the plain mean of the
    batch means (both are usual); the last batch's value, or a sum, is not."""
    weighted = sum(v * n for v, n in zip(values, sizes)) / sum(sizes)
    plain = sum(values) / len(values)
    if any(math.isclose(got, m, rel_tol=1e-4, abs_tol=1e-6) for m in (weighted, plain)):
        return
    if math.isclose(got, values[-1], rel_tol=1e-4, abs_tol=1e-6):
        raise CheckFailed(f"{what} is {got:.5g}, the value of the last batch alone (of {len(values)}; it holds "
                          f"{sizes[-1]} examples); expected the mean over the whole dataset, {weighted:.5g} (weighted "
                          f"by batch size) or {plain:.5g} (mean of the batch means)", f"mean:last-batch:{what}")
    if any(math.isclose(got, s, rel_tol=1e-4) for s in (sum(v * n for v, n in zip(values, sizes)), sum(values))):
        raise CheckFailed(f"{what} is {got:.5g}, a sum over the batches; expected the mean over the dataset, "
                          f"{weighted:.5g} (weighted by batch size) or {plain:.5g} (mean of the batch means)",
                          f"mean:sum:{what}")
    raise CheckFailed(f"{what} is {got:.5g}; expected the mean over the dataset, {weighted:.5g} (weighted by batch "
                      f"size) or {plain:.5g} (mean of the batch means)", f"mean:wrong:{what}")


def check_train_returns_the_epoch_mean(learner):
    """train_one_epoch returns the mean training loss over the whole epoch (weighted by batch size, or the
    mean of the batch losses), not the last batch's loss: the last of the 7 batches is smaller."""
    x, y = _blobs(N_EVAL, seed=12)
    state = _state(seed=13)
    seen = _train(learner, state, x, y)
    _, losses, sizes = _reference_epoch(state, x, y, lr=0.1)
    returned = seen["returned"][0]
    expect(returned["value"] is not None, f"train_one_epoch returned a {returned['type']}, not one number",
           f"returned:{returned['type']}:train_one_epoch", kind="type")
    _judge_mean(returned["value"], losses, sizes, "the loss train_one_epoch returned")


def check_train_mode(learner):
    """train_one_epoch switches the model to training mode (model.train()) even when it arrives in eval
    mode, as after evaluate(): every module's forward runs with module.training = True, grad on."""
    x, y = _blobs(N_EVAL, seed=14)
    seen = _train(learner, _state(seed=15, dropout=0.5), x, y, dropout=0.5, start_in_eval=True)
    expect(seen["forwards"] > 0, "train_one_epoch never called the model", "train:no-forward", kind="training")
    expect(seen["training"] == [True], "a model handed to train_one_epoch in eval mode was still (partly) in eval "
                                       "mode during training: Dropout was off and BatchNorm used its running "
                                       "statistics; call model.train() at the start of train_one_epoch",
           "train:eval-mode", kind="mode")
    expect(seen["grad_enabled"] == [True], "gradient tracking was off during training", "train:no-grad", kind="mode")


def check_evaluate_in_eval_mode(learner):
    """evaluate switches the model to eval mode (model.eval()) even when it arrives in training mode:
    every module's forward runs with module.training = False, and the weights and BatchNorm's running
    statistics come back unchanged."""
    x, y = _blobs(N_EVAL, seed=16)
    state = _state(seed=17, dropout=0.5, scrambled_statistics=True)
    seen = _evaluate(learner, state, x, y)
    expect(seen["forwards"] > 0, "evaluate never called the model", "eval:no-forward", kind="mode")
    expect(seen["training"] == [False], "during evaluate some modules were in training mode: Dropout dropped units "
                                        "at random and BatchNorm normalised with each batch's statistics (and "
                                        "updated its running ones); call model.eval() at the start of evaluate",
           "eval:train-mode", kind="mode")
    changed = sorted(k for k in state if not torch.equal(seen["state"][k], state[k]))
    expect(not changed, f"evaluate changed the model's state ({', '.join(changed[:4])}): evaluation must leave the "
                        "weights and running statistics as they are", "eval:state-changed", kind="mode")


def check_evaluate_without_grad(learner):
    """evaluate runs the model with gradient tracking off (torch.no_grad() or torch.inference_mode()):
    no graph is built for a pass that will never call backward."""
    x, y = _blobs(N_EVAL, seed=18)
    seen = _evaluate(learner, _state(seed=19, dropout=0.5), x, y)
    expect(seen["grad_enabled"] == [False], "evaluate ran the model with gradient tracking on, so every forward "
                                            "pass built an autograd graph (time and memory for nothing); wrap the "
                                            "loop in `with torch.no_grad():`", "eval:grad-enabled", kind="mode")


def check_evaluate_metrics(learner):
    """evaluate returns (mean loss, accuracy) over the whole dataset, computed here from the same weights:
    the loss weighted by batch size or the mean of the batch means, the accuracy as a fraction in [0, 1]
    (argmax over the classes of each row)."""
    x, y = _blobs(N_EVAL, seed=20)
    state = _state(seed=21, dropout=0.5, scrambled_statistics=True)
    seen = _evaluate(learner, state, x, y)
    expect(seen["items"] is not None and len(seen["items"]) == 2,
           f"evaluate returned a {seen['type']}; expected a tuple (mean loss, accuracy)",
           f"eval:returned:{seen['type']}", kind="type")
    loss, accuracy = (_expect_number(item, f"evaluate's {name}") for item, name in zip(seen["items"],
                                                                                         ("loss", "accuracy")))
    model = _net(0.5)
    model.load_state_dict(state)
    model.eval()
    losses, hits, sizes, correct, table = [], [], [], 0, 0
    with torch.no_grad(), _one_thread():
        for inputs, targets in _batches(x, y, BATCH):
            output = model(inputs)
            losses.append(F.cross_entropy(output, targets).item())
            hits.append((output.argmax(dim=1) == targets).float().mean().item())
            sizes.append(len(inputs))
            correct += int((output.argmax(dim=1) == targets).sum())
            table += int((output.argmax(dim=1, keepdim=True) == targets).sum())  # (B, 1) == (B,): B × B
    _judge_mean(loss, losses, sizes, "the loss evaluate returned")
    if not 0.0 <= accuracy <= 1.0:
        known = [("per-batch-count", correct / len(sizes), "it is the number of correct predictions divided by the "
                  "number of batches; divide by the number of examples"),
                 ("broadcast", table / sum(sizes), "it is what comparing predictions of shape (batch, 1) with targets "
                  "of shape (batch,) gives: broadcasting makes a batch × batch table; compare (batch,) with (batch,)"),
                 ("percent", 100 * correct / sum(sizes), "it is a percentage; return the fraction")]
        for name, value, why in known:
            expect(not math.isclose(accuracy, value, rel_tol=1e-4),
                   f"the accuracy evaluate returned is {accuracy:.5g}, not a fraction in [0, 1]: {why}",
                   f"accuracy:{name}")
        raise CheckFailed(f"the accuracy evaluate returned is {accuracy:.5g}, not a fraction in [0, 1]: divide the "
                          "number of correct predictions (argmax over each row equal to the target) by the number of "
                          "examples", "accuracy:not-a-fraction")
    _judge_mean(accuracy, hits, sizes, "the accuracy evaluate returned")


def check_data_untouched(learner):
    """train_one_epoch and evaluate leave the dataset as it was, also when the loader is a plain list of
    batches that are views of the data (no in-place edits of inputs or targets)."""
    x, y = _blobs(N_EVAL, seed=22)
    _train.labelled("train_one_epoch on a list of batches", learner, _state(seed=23), x, y, loader="list")
    _evaluate.labelled("evaluate on a list of batches", learner, _state(seed=23, dropout=0.5), x, y, loader="list")
