"""The writer used as a context manager at close, the step computed with divmod-free arithmetic on a
counter of batches seen, and float() of every value before logging."""
from torch.utils.tensorboard import SummaryWriter


class TrainingLogger:
    def __init__(self, log_dir, steps_per_epoch):
        self.log_dir, self.per_epoch = log_dir, steps_per_epoch
        self.writer = SummaryWriter(log_dir=self.log_dir, flush_secs=5)

    def log_batch(self, epoch, batch, loss):
        self.writer.add_scalar("train/loss", float(loss), self.per_epoch * epoch + batch)

    def log_epoch(self, epoch, model, val_loss, val_accuracy):
        self.writer.add_scalar("val/loss", float(val_loss), epoch)
        self.writer.add_scalar("val/accuracy", float(val_accuracy), epoch)
        for name, p in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", p.data.clone(), epoch)

    def close(self):
        with self.writer:
            pass  # SummaryWriter.__exit__ closes it
