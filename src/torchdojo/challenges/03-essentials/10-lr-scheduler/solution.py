"""Linear warm-up, then cosine decay to a floor, as a torch.optim.lr_scheduler.LRScheduler."""
import math

from torch.optim.lr_scheduler import LRScheduler


class WarmupCosine(LRScheduler):
    def __init__(self, optimizer, warmup_epochs, total_epochs, min_lr=0.0, last_epoch=-1):
        if not 0 <= warmup_epochs < total_epochs:
            raise ValueError("need 0 <= warmup_epochs < total_epochs")
        # Set our own attributes BEFORE super().__init__: it already calls get_lr() once (for epoch 0).
        self.warmup_epochs = warmup_epochs
        self.total_epochs = total_epochs
        self.min_lr = min_lr
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, t):
        """The closed form: the lr of epoch t for a group whose starting lr is base_lr."""
        if t < self.warmup_epochs:
            return base_lr * t / self.warmup_epochs  # 0 at t = 0, base_lr at t = warmup_epochs
        if t >= self.total_epochs:
            return self.min_lr  # the floor stays; cos would climb back up past the end
        progress = (t - self.warmup_epochs) / (self.total_epochs - self.warmup_epochs)  # 0 → 1
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * progress))

    def get_lr(self):
        # self.last_epoch counts the calls to step() (0 right after construction). Computing from it
        # and from self.base_lrs (each group's starting lr), never from the optimizer's current lr,
        # makes the schedule a pure function of the epoch: nothing compounds, and a scheduler restored
        # from its state_dict (which holds last_epoch and base_lrs) continues exactly.
        return [self.lr_at(base_lr, self.last_epoch) for base_lr in self.base_lrs]
