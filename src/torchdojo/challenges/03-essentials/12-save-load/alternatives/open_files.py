"""Files opened explicitly (torch.save/load take file objects too), torch.load's default
weights_only (True since PyTorch 2.6) written out, and the next epoch stored instead of the last."""
import torch


def save_weights(model, path):
    with open(path, "wb") as f:
        torch.save(model.state_dict(), f)


def load_weights(model, path):
    with open(path, "rb") as f:
        weights = torch.load(f, weights_only=True)
    model.load_state_dict(weights, strict=True)


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    checkpoint = {"next_epoch": epoch, "cpu_rng": torch.get_rng_state()}
    for name, thing in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        checkpoint[name] = thing.state_dict()
    with open(path, "wb") as f:
        torch.save(checkpoint, f)


def load_checkpoint(path, model, optimizer, scheduler):
    with open(path, "rb") as f:
        checkpoint = torch.load(f, weights_only=True)
    for name, thing in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        thing.load_state_dict(checkpoint[name])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return checkpoint["next_epoch"]
