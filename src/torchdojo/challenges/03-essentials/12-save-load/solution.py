"""Saving and loading weights and full training checkpoints, and resuming training exactly."""
import torch


def save_weights(model, path):
    # The state_dict (parameter and buffer tensors by name), not the model object: a pickled model
    # needs its class's code to load, and loading pickled code means running it.
    torch.save(model.state_dict(), path)


def load_weights(model, path):
    # weights_only=True unpickles tensors and plain containers only: a file that needs anything else
    # (a class, a function, arbitrary code) is refused instead of executed.
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)  # strict: every key must match, so nothing is silently left behind


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    """Everything that determines how training continues after `epoch` finished epochs."""
    torch.save({
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),  # momentum buffers, Adam's moments, per-group lrs
        "scheduler": scheduler.state_dict(),  # where the schedule stands (last_epoch, base lrs)
        "epoch": epoch,                        # finished epochs: training continues with epoch `epoch`
        "rng": torch.get_rng_state(),          # the random stream: dropout masks, shuffling
    }, path)


def load_checkpoint(path, model, optimizer, scheduler):
    """Restore what save_checkpoint saved into freshly built objects; returns the epoch to continue from."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["rng"])  # last: nothing above may draw random numbers after it
    return checkpoint["epoch"]
