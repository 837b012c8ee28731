"""Early stopping that keeps a copy of the best weights and puts them back at the end.

Run `torchdojo check early-stopping` to grade this file.
"""
import math


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        """Stop after `patience` epochs in a row without an improvement of more than `min_delta`."""
        self.patience = patience
        self.min_delta = min_delta
        # TODO 1: what must you remember between epochs?
        raise NotImplementedError("TODO: set up the best loss, the count of bad epochs and the best weights")

    def step(self, val_loss, model):
        """Call once per epoch with the validation loss; returns True when training should stop."""
        # TODO 2: an improvement? then remember the loss and the weights; else count a bad epoch
        raise NotImplementedError("TODO: compare val_loss with the best so far and decide whether to stop")

    def restore(self, model):
        """Load the best weights seen into `model`."""
        # TODO 3: put the best weights back
        raise NotImplementedError("TODO: load the best weights into model")
