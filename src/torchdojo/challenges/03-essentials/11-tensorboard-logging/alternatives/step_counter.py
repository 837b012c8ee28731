"""Keyword arguments to add_scalar, a dict of metrics, the weights logged as NumPy arrays from
state_dict() filtered to parameters, and flush() before close()."""
from torch.utils.tensorboard import SummaryWriter


class TrainingLogger:
    def __init__(self, log_dir, steps_per_epoch):
        self.writer = SummaryWriter(log_dir)
        self.steps_per_epoch = steps_per_epoch

    def log_batch(self, epoch, batch, loss):
        global_step = epoch * self.steps_per_epoch + batch
        self.writer.add_scalar(tag="train/loss", scalar_value=float(loss), global_step=global_step)

    def log_epoch(self, epoch, model, val_loss, val_accuracy):
        metrics = {"val/loss": val_loss, "val/accuracy": val_accuracy}
        for tag, value in metrics.items():
            self.writer.add_scalar(tag, value, epoch)
        names = {name for name, _ in model.named_parameters()}
        for name, tensor in model.state_dict().items():
            if name in names:
                self.writer.add_histogram("weights/" + name, tensor.cpu().numpy(), epoch)

    def close(self):
        self.writer.flush()
        self.writer.close()
