"""Two small functions, one per phase, and the groups zipped with their base lrs."""
from math import cos, pi

from torch.optim.lr_scheduler import LRScheduler


def warmup(base, t, length):
    return base * (t / length)


def cosine(base, floor, t, start, end):
    if t > end:
        t = end
    return floor + 0.5 * (base - floor) * (1 + cos(pi * (t - start) / (end - start)))


class WarmupCosine(LRScheduler):
    def __init__(self, optimizer, warmup_epochs, total_epochs, min_lr=0.0, last_epoch=-1):
        self.warmup_epochs = int(warmup_epochs)
        self.total_epochs = int(total_epochs)
        self.min_lr = float(min_lr)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = []
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            if self.last_epoch < self.warmup_epochs:
                lrs.append(warmup(base, self.last_epoch, self.warmup_epochs))
            else:
                lrs.append(cosine(base, self.min_lr, self.last_epoch, self.warmup_epochs, self.total_epochs))
        return lrs
