"""Linear warm-up, then cosine decay to a floor, as a torch.optim.lr_scheduler.LRScheduler.

Run `torchdojo check lr-scheduler` to grade this file.
"""
import math

from torch.optim.lr_scheduler import LRScheduler


class WarmupCosine(LRScheduler):
    def __init__(self, optimizer, warmup_epochs, total_epochs, min_lr=0.0, last_epoch=-1):
        """lr rises linearly from 0 to each group's lr over `warmup_epochs`, then follows a half cosine
        down to `min_lr` at `total_epochs`, and stays there."""
        # TODO 1: keep the settings, then call super().__init__(optimizer, last_epoch)
        #         (careful: LRScheduler.__init__ already calls get_lr once)
        raise NotImplementedError("TODO: store warmup_epochs, total_epochs, min_lr and call LRScheduler.__init__")

    def get_lr(self):
        """The lr of every param group at epoch self.last_epoch, one per group."""
        # TODO 2: the closed form of the schedule, from self.last_epoch and self.base_lrs
        raise NotImplementedError("TODO: return [lr of epoch self.last_epoch for each base lr in self.base_lrs]")
