"""A training logger for TensorBoard: the loss of every step, validation metrics every epoch, and
histograms of the weights, written with torch.utils.tensorboard.SummaryWriter.

Run `torchdojo check tensorboard-logging` to grade this file.
"""
from torch import nn
from torch.utils.tensorboard import SummaryWriter


class TrainingLogger:
    def __init__(self, log_dir: str, steps_per_epoch: int):
        """Write TensorBoard event files into `log_dir`; an epoch has `steps_per_epoch` batches."""
        # TODO 1: a SummaryWriter for log_dir
        raise NotImplementedError("TODO: create the SummaryWriter")

    def log_batch(self, epoch: int, batch: int, loss: float) -> None:
        """The loss of batch `batch` (0-based) of epoch `epoch` (0-based): scalar 'train/loss' at the global
        step counted from the start of training."""
        # TODO 2: the global step, then add_scalar
        raise NotImplementedError("TODO: log the training loss at its global step")

    def log_epoch(self, epoch: int, model: nn.Module, val_loss: float, val_accuracy: float) -> None:
        """Scalars 'val/loss' and 'val/accuracy' at global step `epoch`, and a histogram 'weights/<name>' of
        every parameter of `model` at global step `epoch`."""
        # TODO 3: two scalars and one histogram per named parameter
        raise NotImplementedError("TODO: log the epoch's metrics and weight histograms")

    def close(self) -> None:
        # TODO 4: make sure everything reaches the disk
        raise NotImplementedError("TODO: close the writer")
