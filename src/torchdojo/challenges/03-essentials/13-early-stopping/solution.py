"""Early stopping that keeps a copy of the best weights and puts them back at the end."""
import math


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience  # how many epochs without improvement we tolerate
        self.min_delta = min_delta  # how much lower than the best a loss must be to count as better
        self.best_loss = math.inf  # so that the first epoch is always an improvement
        self.bad_epochs = 0
        self.best_state = None

    def step(self, val_loss, model):
        """Call once per epoch with the validation loss; returns True when training should stop."""
        val_loss = float(val_loss)
        # Compare with the BEST loss so far (not the last one), and demand a real improvement:
        # a tie, or a gain smaller than min_delta, is noise and counts as a bad epoch.
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.bad_epochs = 0
            # A copy: model.state_dict() holds the live tensors, which the next optimizer step changes
            # in place; a reference would silently follow the model instead of keeping the best.
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience  # stop after `patience` bad epochs in a row

    def restore(self, model):
        """Load the best weights seen into `model` (in place: its parameters stay the same objects)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
