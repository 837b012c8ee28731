"""copy.deepcopy of the state_dict, a 'wait' counter as in Keras, and best kept as None until the
first epoch."""
import copy


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = None
        self.wait = 0
        self.weights = None

    def step(self, val_loss, model):
        loss = float(val_loss)
        if self.best is None or self.best - loss > self.min_delta:
            self.best = loss
            self.wait = 0
            self.weights = copy.deepcopy(model.state_dict())
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self, model):
        if self.weights is not None:
            model.load_state_dict(self.weights)
