"""One epoch of training and one pass of evaluation: the loop every PyTorch project is built on.

Run `torchdojo check training-loop` to grade this file.
"""
import torch


def train_one_epoch(model, loader, loss_fn, optimizer) -> float:
    """Train `model` for one pass over `loader` (an iterable of (inputs, targets) batches: a DataLoader
    or a list) and return the mean training loss over the epoch, as a Python float."""
    # TODO 1: put the model in training mode
    # TODO 2: for each batch: clear the old gradients, forward, loss, backward, one optimizer step
    # TODO 3: keep a running total of the loss (a number, not a tensor) and return the mean over the epoch
    raise NotImplementedError("TODO: write the training loop for one epoch")


def evaluate(model, loader, loss_fn) -> tuple[float, float]:
    """Return (mean loss, accuracy) of `model` over every example in `loader`; accuracy is the
    fraction of examples whose largest output is the target class (a number in [0, 1])."""
    # TODO 4: put the model in evaluation mode and turn off gradient tracking
    # TODO 5: sum the loss and count the correct predictions over all batches; return the means
    raise NotImplementedError("TODO: evaluate the model: mean loss and accuracy over the dataset")
