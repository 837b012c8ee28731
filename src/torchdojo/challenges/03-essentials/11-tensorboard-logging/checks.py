"""Checks for tensorboard-logging. An observer drives the learner's TrainingLogger next to their code with
values chosen here (a loss per step, validation metrics and the weights of a small network per epoch),
then closes it; any SummaryWriter still open afterwards is flushed by the observer (so the values are
judged apart from the closing, which has its own check). The event files are read back HERE with
tensorboard's EventAccumulator and compared with the values the grader passed in: tags, global steps,
scalar values, and each weight histogram's count, min, max and sum."""
import gc
import threading
import warnings
from pathlib import Path

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.tensorboard import SummaryWriter  # imported before learner processes fork (1-2 s otherwise)

from torchdojo.grading.artifacts import read_scalars
from torchdojo.grading.expect import expect, observer, rng, scratch_dir

SCALARS = {"train/loss", "val/loss", "val/accuracy"}


def _net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


def _script(seed: int, epochs: int, steps: int, first_epoch: int = 0, every: int = 1) -> dict:
    """What the grader will pass in: a loss per step, validation metrics and the weights per epoch. The run
    covers epochs first_epoch, first_epoch + 1, … (a resumed run starts after 0) and logs batches 0, every,
    2·every, … of each (a run that logs only some batches)."""
    generator = rng(seed)
    losses = (torch.rand(epochs, steps, generator=generator) * 2 + 0.1).tolist()
    states = []
    for epoch in range(epochs):
        model = _net()
        states.append({k: torch.randn(v.shape, generator=generator) * (0.5 + epoch) for k, v in
                       model.state_dict().items()})
    return {"losses": losses, "states": states, "val_loss": (torch.rand(epochs, generator=generator) + 0.2).tolist(),
            "val_accuracy": torch.rand(epochs, generator=generator).tolist(), "first_epoch": first_epoch,
            "every": every}


def _batches(script: dict) -> list[tuple[int, int, float]]:
    """(epoch, batch, loss) of every log_batch call the script makes, in order."""
    return [(script["first_epoch"] + i, batch, loss) for i, row in enumerate(script["losses"])
            for batch, loss in enumerate(row) if batch % script["every"] == 0]


@observer
def _run(learner, log_dir: str, steps: int, script: dict) -> dict:
    """Next to the learner's code: a TrainingLogger driven through the script, then closed. Reports the
    threads the logger started that are still alive after close(), then flushes any SummaryWriter left
    open, so that the values can be judged apart from the closing."""
    before = set(threading.enumerate())
    logger = learner.TrainingLogger(log_dir, steps)
    model = _net()
    for i, state in enumerate(script["states"]):
        epoch = script["first_epoch"] + i
        for batch, loss in enumerate(script["losses"][i]):
            if batch % script["every"] == 0:
                logger.log_batch(epoch, batch, loss)
        model.load_state_dict(state)
        for parameter in model.parameters():  # gradients that differ from the weights, as after a backward()
            parameter.grad = 0.25 - 3 * parameter.detach()
        logger.log_epoch(epoch, model, script["val_loss"][i], script["val_accuracy"][i])
    logger.close()
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    # The grader's own sweep: type(), not isinstance(), which reads __class__ and so makes deprecated objects
    # such as torch.distributed.reduce_op warn in the learner's output; and no warning of this loop is theirs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        writers = [obj for obj in gc.get_objects() if issubclass(type(obj), SummaryWriter)]
    for writer in writers:
        writer.flush()
    return {"leaked": leaked}


def _logged(learner, name: str, seed: int = 0, epochs: int = 3, steps: int = 4, **run):
    script = _script(seed, epochs, steps, **run)
    log_dir = scratch_dir() / "runs" / name
    got = _run.labelled(f"TrainingLogger({name!r}, steps_per_epoch={steps})", learner, str(log_dir), steps, script)
    return script, log_dir, got


def _histograms(log_dir: Path) -> dict:
    found: dict = {}
    for folder in sorted({p.parent for p in Path(log_dir).rglob("events.out.tfevents.*")}):
        accumulator = EventAccumulator(str(folder), size_guidance={"histograms": 0})
        accumulator.Reload()
        for tag in accumulator.Tags().get("histograms", []):
            found.setdefault(tag, []).extend((e.step, e.histogram_value) for e in accumulator.Histograms(tag))
    return {tag: sorted(points, key=lambda p: p[0]) for tag, points in found.items()}


def _f32(value: float) -> float:
    return float(torch.tensor(value, dtype=torch.float32))  # TensorBoard stores scalars as float32


def check_events_in_log_dir(learner):
    """The event files are written under the log_dir given to TrainingLogger (not in ./runs/, SummaryWriter's
    default)."""
    _, log_dir, _ = _logged(learner, "where")
    files = sorted(log_dir.rglob("events.out.tfevents.*")) if log_dir.exists() else []
    elsewhere = sorted(p.relative_to(scratch_dir()) for p in scratch_dir().rglob("events.out.tfevents.*")
                       if log_dir not in p.parents)
    expect(bool(files), f"no TensorBoard event file under the log_dir given (runs/where/)"
                        f"{f'; there is one at {elsewhere[0]}: pass log_dir to SummaryWriter' if elsewhere else ''}",
           "events:missing", kind="artifact")


def check_tags(learner):
    """The scalar tags are exactly train/loss, val/loss and val/accuracy, and there is one histogram tag
    weights/<name> per parameter (weights/0.weight, weights/0.bias, weights/2.weight, weights/2.bias)."""
    _, log_dir, _ = _logged(learner, "tags")
    scalars = set(read_scalars(log_dir))
    expect(scalars == SCALARS, f"the scalar tags are {sorted(scalars)}, expected {sorted(SCALARS)} (TensorBoard groups "
                               "tags by the part before the '/'; dashboards and comparisons rely on exact names)",
           "tags:scalars", kind="artifact")
    wanted = {f"weights/{name}" for name, _ in _net().named_parameters()}
    histograms = set(_histograms(log_dir))
    expect(histograms == wanted, f"the histogram tags are {sorted(histograms)}, expected {sorted(wanted)}: one "
                                 "histogram per parameter, tagged weights/<its name in named_parameters()>",
           "tags:histograms", kind="artifact")


def _expect_series(points, expected: list[tuple[int, float]], tag: str, advice: str,
                   known: dict[str, list[int]] | None = None) -> None:
    """The points' steps, then their values. `known` names wrong step patterns, so that the fingerprint says
    which one it is (a category, not the numbers)."""
    steps, wanted_steps = [s for s, _ in points], [s for s, _ in expected]
    pattern = next((name for name, pattern in (known or {}).items() if steps == pattern), "other")
    expect(steps == wanted_steps, f"{tag} was logged at global steps {steps[:12]}{' …' if len(steps) > 12 else ''}, "
                                  f"expected {wanted_steps[:12]}{' …' if len(wanted_steps) > 12 else ''}: {advice}",
           f"steps:{tag}:{pattern}", kind="value")
    for (step, value), (_, wanted) in zip(points, expected):
        expect(abs(value - _f32(wanted)) <= 1e-6 * max(1.0, abs(wanted)),
               f"{tag} at step {step} is {value:.6g}, but the value passed in was {wanted:.6g}",
               f"values:{tag}", kind="value")


def check_train_loss_per_step(learner):
    """train/loss holds one point per batch, at the global step epoch · steps_per_epoch + batch (0, 1, 2, … across
    epochs), with the loss passed in; for two different steps_per_epoch."""
    for seed, epochs, steps in ((1, 3, 4), (2, 2, 7)):
        script, log_dir, _ = _logged(learner, f"train-loss-{steps}", seed, epochs, steps)
        scalars = read_scalars(log_dir)
        expect("train/loss" in scalars, f"no scalar tagged train/loss (tags: {sorted(scalars)})",
               "missing:train/loss", kind="artifact")
        expected = [(e * steps + b, loss) for e, b, loss in _batches(script)]
        known = {"all-zero": [0] * len(expected), "epoch": [e for e in range(epochs) for _ in range(steps)],
                 "batch": sorted(b for _ in range(epochs) for b in range(steps))}  # read back in step order
        _expect_series(scalars["train/loss"], expected, "train/loss",
                       "the global step counts every batch since the start of training, "
                       "epoch · steps_per_epoch + batch, so the curve never steps back or piles up on one x", known)


def check_train_loss_steps_from_arguments(learner):
    """train/loss's global step is computed from the epoch and batch passed in, not counted by the logger: a
    run resumed at epoch 2 that logs every other batch (steps_per_epoch=5) puts its points at steps 10, 12,
    14, 15, 17, 19."""
    script, log_dir, _ = _logged(learner, "resumed", seed=6, epochs=2, steps=5, first_epoch=2, every=2)
    scalars = read_scalars(log_dir)
    expect("train/loss" in scalars, f"no scalar tagged train/loss (tags: {sorted(scalars)})",
           "missing:train/loss", kind="artifact")
    calls = _batches(script)
    expected = [(e * 5 + b, loss) for e, b, loss in calls]
    _expect_series(scalars["train/loss"], expected, "train/loss",
                   "with log_batch called for epochs 2 and 3 only (a resumed run) and for batches 0, 2, 4 of each "
                   "(logging every other batch), the global step must still be epoch · steps_per_epoch + batch, "
                   "computed from the arguments; a counter of the calls made knows neither where the run resumed "
                   "nor which batches were skipped", {"counter": list(range(len(calls)))})


def check_epoch_metrics(learner):
    """val/loss and val/accuracy hold one point per epoch, at global step = epoch, with the values passed in."""
    script, log_dir, _ = _logged(learner, "epochs", seed=3, epochs=4, steps=3)
    scalars = read_scalars(log_dir)
    for tag, key in (("val/loss", "val_loss"), ("val/accuracy", "val_accuracy")):
        expect(tag in scalars, f"no scalar tagged {tag} (tags: {sorted(scalars)})", f"missing:{tag}", kind="artifact")
        _expect_series(scalars[tag], list(enumerate(script[key])), tag, "log per-epoch values at global_step=epoch")


def check_weight_histograms(learner):
    """Each epoch, every parameter's histogram is logged at global step = epoch and describes the WEIGHTS at that
    time (not their gradients): its count, min, max and sum equal the weights'."""
    per_epoch = 2
    script, log_dir, _ = _logged(learner, "histograms", seed=4, epochs=3, steps=per_epoch)
    histograms = _histograms(log_dir)
    for name, _ in _net().named_parameters():
        tag = f"weights/{name}"
        expect(tag in histograms, f"no histogram tagged {tag} (tags: {sorted(histograms)})", "hist:missing",
               kind="artifact")
        points = histograms[tag]
        steps, epochs = [s for s, _ in points], len(script["states"])
        pattern = ("all-zero" if set(steps) <= {0} else  # no global_step: each lands at 0
                   "batch-step" if steps == [e * per_epoch for e in range(epochs)] else "other")  # train/loss's step
        expect(steps == list(range(epochs)),
               f"{tag} was logged at global steps {steps}, expected {list(range(epochs))} (one histogram per epoch, "
               "at global_step=epoch)", f"hist:steps:{pattern}", kind="value")
        for epoch, (_, histogram) in enumerate(points):
            weights = script["states"][epoch][name].double()
            stats = {"count": (histogram.num, weights.numel()), "min": (histogram.min, float(weights.min())),
                     "max": (histogram.max, float(weights.max())), "sum": (histogram.sum, float(weights.sum()))}
            wrong = [f"{k} {got:.5g} (the weights': {want:.5g})" for k, (got, want) in stats.items()
                     if abs(got - want) > 1e-4 * max(1.0, abs(want))]
            expect(not wrong, f"the histogram {tag} at epoch {epoch} does not describe the weights: "
                              f"{'; '.join(wrong)}. "
                              "Log parameter.detach() (the weights), not parameter.grad",
                   "hist:values", kind="value")


def check_close_releases_the_writer(learner):
    """close() closes the SummaryWriter: its background writer thread is gone (everything queued is on disk)."""
    _, _, got = _logged(learner, "close", seed=5)
    expect(not got["leaked"], f"after TrainingLogger.close(), {len(got['leaked'])} writer thread(s) started by the "
                              "logger are still running: the SummaryWriter was not closed, so events still queued "
                              "may never reach the disk; call self.writer.close()", "close:leaked", kind="artifact")
