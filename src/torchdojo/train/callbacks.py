"""Callbacks for ``fit``: each adds one behaviour to the loop without adding a flag to it.

A callback overrides any of ``on_fit_start``, ``on_step_end``, ``on_epoch_end``, ``on_fit_end``.
Under torchrun, callbacks that write files or print run on rank 0 only (``main_process_only``);
EarlyStopping runs on every rank, which all see the same (all-reduced) metrics and so stop together.
"""
from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

from torchdojo.atomic import atomic_write, atomic_write_text
from torchdojo.train.checkpoint import save_atomic


class Callback:
    main_process_only = True

    def on_fit_start(self, state) -> None:
        pass

    def on_step_end(self, state, loss: float) -> None:
        pass

    def on_epoch_end(self, state, record: dict) -> None:
        pass

    def on_fit_end(self, state) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs;
    then (with ``restore_best``) put the best epoch's weights back into the evaluated model
    (``state.evaluated``: the weights' average when fit keeps one)."""

    main_process_only = False

    def __init__(self, monitor: str = "val_loss", mode: str = "min", patience: int = 3,
                 min_delta: float = 0.0, restore_best: bool = True):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', not {mode!r}")
        self.monitor, self.mode, self.patience = monitor, mode, patience
        self.min_delta, self.restore_best = min_delta, restore_best
        self.best, self.best_epoch, self.best_weights, self.waited = None, 0, None, 0

    def on_epoch_end(self, state, record: dict) -> None:
        if self.monitor not in record:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, but the epoch record has "
                           f"only {sorted(record)}; pass val_data to fit or monitor another key")
        value = record[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.waited = value, state.epoch, 0
            if self.restore_best:
                self.best_weights = copy.deepcopy(state.evaluated.state_dict())
            return
        self.waited += 1
        if self.waited >= self.patience:
            state.stop = True

    def on_fit_end(self, state) -> None:
        if self.restore_best and self.best_weights is not None:
            state.evaluated.load_state_dict(self.best_weights)

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class Checkpoint(Callback):
    """Every ``every`` epochs, the full training state to ``run_dir/checkpoint.pt``; at the end,
    the evaluated model's weights (a plain state_dict; the weights' average when fit keeps one) to
    ``run_dir/model.pt``. Both writes are atomic.

    Callbacks run in list order: put Checkpoint after EarlyStopping, so that ``model.pt`` holds
    the best weights EarlyStopping restores at the end."""

    def __init__(self, run_dir: str | os.PathLike, every: int = 1):
        self.run_dir, self.every = Path(run_dir), every

    def on_epoch_end(self, state, record: dict) -> None:
        if state.epoch % self.every == 0 or state.stop:
            save_atomic(state.state_dict(), self.run_dir / "checkpoint.pt")

    def on_fit_end(self, state) -> None:
        save_atomic(state.evaluated.state_dict(), self.run_dir / "model.pt")


class TensorBoard(Callback):
    """Event files for ``tensorboard --logdir``: the loss at every step, every number in the epoch
    record, and a histogram of every parameter each epoch."""

    def __init__(self, log_dir: str | os.PathLike):
        self.log_dir, self.writer = Path(log_dir), None

    def on_fit_start(self, state) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # A resumed run discards the events logged after its checkpoint (from step + 1 on, the
        # first step it logs itself), so curves do not double back.
        self.writer = SummaryWriter(str(self.log_dir),
                                    purge_step=state.step + 1 if state.step else None)

    def on_step_end(self, state, loss: float) -> None:
        self.writer.add_scalar("train/loss_step", loss, state.step)

    def on_epoch_end(self, state, record: dict) -> None:
        for name, value in record.items():
            if name != "epoch" and isinstance(value, (int, float)):
                self.writer.add_scalar(f"epoch/{name}", value, state.epoch)
        for name, parameter in state.model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", parameter.detach().float().cpu(),
                                      state.epoch)
        self.writer.flush()

    def on_fit_end(self, state) -> None:
        self.writer.close()


class MetricsFile(Callback):
    """``history`` (one record per epoch) and any fixed ``extra`` fields, as JSON, after every
    epoch, written atomically."""

    def __init__(self, path: str | os.PathLike, extra: dict | None = None):
        self.path, self.extra = Path(path), dict(extra or {})

    def on_epoch_end(self, state, record: dict) -> None:
        contents = {**self.extra, "epochs_completed": state.epoch, "history": state.history}
        atomic_write_text(self.path, json.dumps(contents, indent=2, allow_nan=True) + "\n")


class TrainingCurve(Callback):
    """A PNG: training step vs loss (raw and smoothed) beside epoch vs accuracy. `val_label` names
    what ``fit``'s val_data is (a held-out validation split, or the test split); `train_label` what
    the training accuracy was measured on (e.g. augmented images)."""

    def __init__(self, path: str | os.PathLike, val_label: str = "validation", train_label: str = "training"):
        self.path, self.labels = Path(path), (train_label, val_label)

    def on_fit_end(self, state) -> None:
        plot_training_curve(state.step_losses, state.history, self.path, *self.labels)


class ProgressBar(Callback):
    """A rich progress bar over the steps of each epoch, shown only on a terminal (stderr unless
    another rich ``console`` is given), so logs and pipes get no control characters."""

    def __init__(self, console=None):
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal
        self.progress, self.task = None, None

    def on_fit_start(self, state) -> None:
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4f}"),
                                 console=self.console, transient=True)
        self.progress.start()

    def on_step_end(self, state, loss: float) -> None:
        if self.progress is None:
            return
        if self.task is None:
            self.task = self.progress.add_task(f"epoch {state.epoch + 1}", total=state.epoch_steps,
                                               loss=loss)
        self.progress.update(self.task, advance=1, loss=loss)

    def on_epoch_end(self, state, record: dict) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.remove_task(self.task)
            self.progress.refresh()  # clear the bar now, so lines printed next start clean
            self.task = None

    def on_fit_end(self, state) -> None:
        if self.progress is not None:
            self.progress.stop()


def plot_training_curve(step_losses: list[float], history: list[dict], path: Path,
                        train_label: str = "training", val_label: str = "validation"):
    """Draw the curves and write them to `path` as a PNG; returns the matplotlib Figure."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")  # files only; never needs a display
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    steps = range(1, len(step_losses) + 1)
    window = max(1, len(step_losses) // 50)
    loss_axes.plot(steps, step_losses, color="tab:blue", alpha=0.3 if window > 1 else 1.0,
                   linewidth=0.8, label="step")
    if window > 1:
        smoothed = np.convolve(step_losses, np.ones(window) / window, mode="valid")
        loss_axes.plot(steps[window - 1:], smoothed, color="tab:blue", label=f"mean of {window}")
    loss_axes.set(xlabel="training step", ylabel="training loss", title="Loss")
    loss_axes.legend()
    epochs = [record["epoch"] for record in history]
    # (the training accuracy is counted on the batches while the weights change: a mean over the epoch)
    for key, colour, label in (("train_accuracy", "tab:orange", f"{train_label}, mean over the epoch"),
                               ("val_accuracy", "tab:green", val_label)):
        values = [record.get(key, math.nan) for record in history]
        if any(not math.isnan(value) for value in values):
            accuracy_axes.plot(epochs, values, marker="o", color=colour, label=label)
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    if len(epochs) <= 12:  # a tick at each epoch (a locator puts 0.6, 0.8, ... around one)
        accuracy_axes.set_xticks(epochs)
    else:
        accuracy_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if epochs:
        accuracy_axes.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    if accuracy_axes.lines:
        # below the axes: a rising curve ends where a legend inside would sit
        accuracy_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small", frameon=False)
    atomic_write(path, lambda stream: figure.savefig(stream, format="png"))
    return figure
