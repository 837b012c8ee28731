"""Saving and loading weights and full training checkpoints, and resuming training exactly.

Run `torchdojo check save-load` to grade this file.
"""
import torch


def save_weights(model, path):
    """Save the model's weights (and buffers) to `path`."""
    # TODO 1: save what describes the weights, not the model object
    raise NotImplementedError("TODO: save the model's weights to path")


def load_weights(model, path):
    """Load weights saved by save_weights into `model`; refuse files that need pickled code."""
    # TODO 2: read the file safely, then put the weights into the model
    raise NotImplementedError("TODO: load the weights from path into model")


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    """Save everything needed to continue training after `epoch` finished epochs."""
    # TODO 3: model, optimizer, scheduler, epoch, and the random number generator's state
    raise NotImplementedError("TODO: save a full checkpoint to path")


def load_checkpoint(path, model, optimizer, scheduler):
    """Restore a checkpoint into freshly built objects; return the epoch to continue from."""
    # TODO 4: the mirror image of save_checkpoint
    raise NotImplementedError("TODO: restore model, optimizer, scheduler and RNG; return the epoch")
