"""The schedule as a factor in [0, 1] of each group's base lr, mixed with the floor; the cosine
written with torch, and the epoch clamped instead of a separate branch after the end."""
import math

import torch
from torch.optim import lr_scheduler


class WarmupCosine(lr_scheduler.LRScheduler):
    def __init__(self, optimizer, warmup_epochs, total_epochs, min_lr=0.0, last_epoch=-1):
        self.warmup_epochs, self.total_epochs, self.min_lr = warmup_epochs, total_epochs, min_lr
        super().__init__(optimizer, last_epoch=last_epoch)

    def get_lr(self):
        t = min(self.last_epoch, self.total_epochs)
        if t < self.warmup_epochs:
            return [base * t / self.warmup_epochs for base in self.base_lrs]
        progress = (t - self.warmup_epochs) / (self.total_epochs - self.warmup_epochs)
        cosine = 0.5 * (1.0 + float(torch.cos(torch.tensor(math.pi * progress, dtype=torch.float64))))
        return [self.min_lr + (base - self.min_lr) * cosine for base in self.base_lrs]
