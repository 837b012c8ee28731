"""Remembers the epoch of the best loss and counts bad epochs from it; the weights cloned into a
list, in the order of model.state_dict()."""
import torch


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.epoch, self.best_epoch, self.best_loss = -1, -1, float("inf")
        self.keys, self.saved = [], []

    def step(self, val_loss, model):
        self.epoch += 1
        if isinstance(val_loss, torch.Tensor):
            val_loss = val_loss.item()
        if val_loss + self.min_delta < self.best_loss:
            self.best_epoch, self.best_loss = self.epoch, val_loss
            state = model.state_dict()
            self.keys = list(state)
            self.saved = [t.clone() for t in state.values()]
        return self.epoch - self.best_epoch >= self.patience

    def restore(self, model):
        if self.saved:
            model.load_state_dict(dict(zip(self.keys, self.saved)))
