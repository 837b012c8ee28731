"""One model-agnostic training loop, ``fit``, extended through callbacks rather than flags.

The loop owns only what every run needs: batches (same order on every rank, sharded per rank),
the forward/backward/step, an LR scheduler, optional bf16 autocast, per-epoch evaluation and the
state a resumed run needs. Everything else (early stopping, checkpoints, TensorBoard, metrics
files, plots, progress bars) is a callback in ``torchdojo.train.callbacks``.

Determinism: the data order of epoch ``e`` comes from a generator seeded with ``(seed, e)``; the
global torch RNG (dropout, augmentation, initialisation) is seeded at the start and saved in every
checkpoint. On the CPU a resumed run therefore reproduces an uninterrupted one bit for bit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from torchdojo.seeding import generator, seed_torch
from torchdojo.train.average import WeightAverage
from torchdojo.train.checkpoint import restore_rng_state, rng_state
from torchdojo.train.device import autocast, pick_device
from torchdojo.train.distributed import (
    DistContext, init_from_env, rank_batches, sum_across_ranks, sync_buffers, wrap_model,
)


@dataclass
class TrainState:
    """What callbacks see and what a checkpoint holds."""

    model: Any  # the plain module (not the DDP wrapper)
    optimizer: Any
    scheduler: Any = None
    seed: int = 0
    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps completed
    epoch_steps: int = 0  # steps in the current epoch (for progress displays)
    history: list[dict] = field(default_factory=list)  # one record per epoch
    step_losses: list[float] = field(default_factory=list)  # this rank's loss at every step
    stop: bool = False  # a callback sets this to end training after the current epoch
    context: DistContext = field(default_factory=DistContext)
    average: Any = None  # a WeightAverage when fit has ema_decay: the model evaluated and saved

    # what state_dict() holds; a file lacking any of these is not a checkpoint of a run
    CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "seed", "epoch", "step", "history",
                       "step_losses", "rng")

    @property
    def evaluated(self):
        """The model that is evaluated each epoch and saved at the end: the weights' average if the
        run keeps one, else the model itself."""
        return self.model if self.average is None else self.average.model

    @classmethod
    def missing_keys(cls, blob) -> list[str]:
        """The checkpoint entries ``blob`` lacks: none for a ``state_dict()``, all for a non-dict."""
        present = blob.keys() if isinstance(blob, dict) else ()
        return [key for key in cls.CHECKPOINT_KEYS if key not in present]

    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "seed": self.seed, "epoch": self.epoch, "step": self.step,
            "history": self.history, "step_losses": self.step_losses,
            "rng": rng_state(),
            "average": self.average.state_dict() if self.average is not None else None,
        }

    def load_state_dict(self, blob: dict) -> None:
        self.model.load_state_dict(blob["model"])
        if self.average is not None:
            if blob.get("average") is None:
                raise ValueError("the checkpoint has no weight average to resume (a run started "
                                 "without ema_decay?)")
            self.average.load_state_dict(blob["average"])
        self.optimizer.load_state_dict(blob["optimizer"])
        if self.scheduler is not None and blob["scheduler"] is not None:
            self.scheduler.load_state_dict(blob["scheduler"])
        self.seed, self.epoch, self.step = blob["seed"], blob["epoch"], blob["step"]
        self.history, self.step_losses = list(blob["history"]), list(blob["step_losses"])
        restore_rng_state(blob["rng"])


@dataclass
class _Plan:
    """The fixed settings of one ``fit`` call, passed around as one thing."""

    device: Any
    loss_fn: Callable
    batch_size: int
    bf16: bool
    batch_transform: Callable | None
    drop_last: bool
    scheduler_interval: str
    callbacks: list
    context: DistContext


def fit(model, train_data, *, optimizer, epochs: int, batch_size: int = 64, loss_fn=None,
        val_data=None, scheduler=None, scheduler_interval: str = "step", callbacks=(),
        device=None, bf16: bool = False, seed: int | None = 0, batch_transform=None,
        drop_last: bool = False, resume: dict | None = None,
        ema_decay: float | None = None) -> TrainState:
    """Train ``model`` for ``epochs`` epochs in total and return the final ``TrainState``.

    ``train_data``/``val_data``: a map-style Dataset or an ``(inputs, targets)`` pair of tensors.
    ``batch_size`` is the global batch: under torchrun each of W ranks takes ``batch_size / W``.
    ``batch_transform(inputs, train)`` runs on the device (e.g. uint8 to float, augmentation).
    ``resume``: a checkpoint dict (``TrainState.state_dict()``); training continues after its epoch.
    ``ema_decay``: keep an exponential moving average of the weights, updated after every step
    (``torchdojo.train.average``); it is the model evaluated each epoch and ``state.evaluated``.
    ``seed``: seeds torch's global RNG at the start and the data order; ``None`` leaves the
    caller's RNG alone (the data order then uses seed 0).
    """
    import torch

    if scheduler_interval not in ("step", "epoch"):
        raise ValueError(f"scheduler_interval must be 'step' or 'epoch', "
                         f"not {scheduler_interval!r}")
    device = device if isinstance(device, torch.device) else pick_device(device)
    context = init_from_env(device)
    plan = _Plan(device, loss_fn or torch.nn.functional.cross_entropy, batch_size, bf16,
                 batch_transform, drop_last, scheduler_interval,
                 [cb for cb in callbacks if context.is_main or not cb.main_process_only], context)
    model.to(device)
    average = WeightAverage(model, ema_decay) if ema_decay is not None else None
    state = TrainState(model, optimizer, scheduler, seed=seed or 0, context=context, average=average)
    if resume is not None:
        state.load_state_dict(resume)
    elif seed is not None:
        seed_torch(seed)
    train_data, val_data = as_dataset(train_data), as_dataset(val_data)
    network = wrap_model(model, device, context)
    for callback in plan.callbacks:
        callback.on_fit_start(state)
    while state.epoch < epochs and not state.stop:
        started = time.perf_counter()
        record = _train_epoch(state, network, train_data, plan)
        record["train_seconds"] = time.perf_counter() - started
        if val_data is not None:
            scores = evaluate(state.evaluated, val_data, loss_fn=plan.loss_fn, batch_size=batch_size,
                              device=device, bf16=bf16, batch_transform=batch_transform)
            record.update({f"val_{name}": value for name, value in scores.items()})
        if scheduler is not None and scheduler_interval == "epoch":
            scheduler.step()
        state.epoch += 1
        state.history.append({"epoch": state.epoch, **record})
        for callback in plan.callbacks:
            callback.on_epoch_end(state, state.history[-1])
    for callback in plan.callbacks:
        callback.on_fit_end(state)
    return state


def _train_epoch(state: TrainState, network, data, plan: _Plan) -> dict:
    import torch

    order = generator(state.seed * 1_000_003 + state.epoch)
    batches = rank_batches(torch.randperm(len(data), generator=order), plan.batch_size,
                           plan.context, plan.drop_last)
    state.epoch_steps = len(batches)
    network.train()
    loss_sum = correct = seen = 0.0
    for indices in batches:
        inputs, targets = fetch_batch(data, indices, plan.device)
        if plan.batch_transform is not None:
            inputs = plan.batch_transform(inputs, True)
        with autocast(plan.device, plan.bf16):
            outputs = network(inputs)
            loss = plan.loss_fn(outputs, targets)
        state.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        state.optimizer.step()
        if state.average is not None:
            state.average.update(state.model, state.step)
        if state.scheduler is not None and plan.scheduler_interval == "step":
            state.scheduler.step()
        state.step += 1
        value = loss.item()
        state.step_losses.append(value)
        loss_sum += value * len(targets)
        seen += len(targets)
        if is_classification(outputs, targets):
            correct += (outputs.argmax(1) == targets).sum().item()
        for callback in plan.callbacks:
            callback.on_step_end(state, value)
    sync_buffers(state.model, plan.context)
    if state.average is not None:
        sync_buffers(state.average.model, plan.context)
    loss_sum, correct, seen = sum_across_ranks([loss_sum, correct, seen], plan.device, plan.context)
    record = {"train_loss": loss_sum / seen, "lr": state.optimizer.param_groups[0]["lr"]}
    if is_classification(outputs, targets):
        record["train_accuracy"] = correct / seen
    return record


def evaluate(model, data, *, loss_fn=None, batch_size: int = 1000, device=None,
             bf16: bool = False, batch_transform=None, num_classes: int | None = None) -> dict:
    """Mean loss (and accuracy for classifiers) of ``model`` on ``data``, sharded across ranks.

    With ``num_classes``, also ``per_class_accuracy``: a list, one accuracy per class.
    """
    import torch

    device = device if isinstance(device, torch.device) else pick_device(device)
    context = init_from_env(device)
    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    data = as_dataset(data)
    shard = torch.arange(len(data))[context.rank::context.world_size]
    classes = num_classes or 0
    sums = [0.0, 0.0, 0.0] + [0.0] * (2 * classes)  # loss, correct, seen, per-class hits, counts
    classified = False
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in range(0, len(shard), batch_size):
            inputs, targets = fetch_batch(data, shard[start:start + batch_size], device)
            if batch_transform is not None:
                inputs = batch_transform(inputs, False)
            with autocast(device, bf16):
                outputs = model(inputs)
                sums[0] += loss_fn(outputs, targets).item() * len(targets)
            sums[2] += len(targets)
            if is_classification(outputs, targets):
                classified = True
                hits = outputs.argmax(1) == targets
                sums[1] += hits.sum().item()
                if classes:
                    sums[3:3 + classes] = _add(sums[3:3 + classes], targets[hits], classes)
                    sums[3 + classes:] = _add(sums[3 + classes:], targets, classes)
    model.train(was_training)
    return _scores(sum_across_ranks(sums, device, context), classes, classified)


def _add(counts: list[float], labels, classes: int) -> list[float]:
    import torch

    tally = torch.bincount(labels.cpu(), minlength=classes).tolist()
    return [old + new for old, new in zip(counts, tally)]


def _scores(sums: list[float], classes: int, classified: bool) -> dict:
    scores = {"loss": sums[0] / sums[2]}
    if classified:
        scores["accuracy"] = sums[1] / sums[2]
    if classes:
        hits, counts = sums[3:3 + classes], sums[3 + classes:]
        scores["per_class_accuracy"] = [h / c if c else float("nan") for h, c in zip(hits, counts)]
    return scores


def is_classification(outputs, targets) -> bool:
    """Logits ``(N, C)`` against integer labels ``(N,)``."""
    return outputs.ndim == 2 and targets.ndim == 1 and not targets.is_floating_point()


def as_dataset(data):
    """Accept a Dataset, or an ``(inputs, targets)`` pair of tensors, or None."""
    import torch
    from torch.utils.data import TensorDataset

    if isinstance(data, (tuple, list)) and all(isinstance(t, torch.Tensor) for t in data):
        return TensorDataset(*data)
    return data


def fetch_batch(data, indices, device):
    """Inputs and targets of ``indices`` on ``device``; tensor datasets skip per-item Python."""
    from torch.utils.data import TensorDataset, default_collate

    if isinstance(data, TensorDataset):
        batch = [tensor[indices.to(tensor.device)] for tensor in data.tensors]
    else:
        batch = default_collate([data[i] for i in indices.tolist()])
    return [item.to(device, non_blocking=True) for item in batch]
