"""A training logger for TensorBoard: the loss of every step, validation metrics every epoch, and
histograms of the weights, written with torch.utils.tensorboard.SummaryWriter."""
from torch import nn
from torch.utils.tensorboard import SummaryWriter


class TrainingLogger:
    def __init__(self, log_dir: str, steps_per_epoch: int):
        # One writer, one run folder: TensorBoard shows every folder under --logdir as a run.
        self.writer = SummaryWriter(log_dir=log_dir)
        self.steps_per_epoch = steps_per_epoch

    def log_batch(self, epoch: int, batch: int, loss: float) -> None:
        # The global step counts optimisation steps since the start of training, across epochs, so the
        # curve's x-axis keeps going up: epoch 1's first batch comes right after epoch 0's last one.
        step = epoch * self.steps_per_epoch + batch
        self.writer.add_scalar("train/loss", loss, global_step=step)

    def log_epoch(self, epoch: int, model: nn.Module, val_loss: float, val_accuracy: float) -> None:
        # Per-epoch values are plotted against the epoch.
        self.writer.add_scalar("val/loss", val_loss, global_step=epoch)
        self.writer.add_scalar("val/accuracy", val_accuracy, global_step=epoch)
        # The weights themselves (not their gradients), one histogram per parameter tensor, so you can see
        # them spread, drift or die over the epochs. detach(): a histogram needs values, not a graph.
        for name, parameter in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", parameter.detach(), global_step=epoch)

    def close(self) -> None:
        # SummaryWriter queues events for a background thread; close() writes what is queued to disk and
        # stops the thread. Without it the last events can be lost when the program ends.
        self.writer.close()
