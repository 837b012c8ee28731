"""A single 'state' helper builds the checkpoint dict; the RNG state restored first; an
OrderedDict of cloned tensors for the weights."""
from collections import OrderedDict

import torch


def save_weights(model, path):
    torch.save(OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items()), path)


def load_weights(model, path):
    model.load_state_dict(torch.load(path, weights_only=True))


def _state(model, optimizer, scheduler, epoch):
    return dict(epoch=epoch, rng_state=torch.random.get_rng_state(), model_state=model.state_dict(),
                optim_state=optimizer.state_dict(), sched_state=scheduler.state_dict())


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(_state(model, optimizer, scheduler, epoch), path)


def load_checkpoint(path, model, optimizer, scheduler):
    state = torch.load(path, weights_only=True)
    torch.random.set_rng_state(state["rng_state"])
    model.load_state_dict(state["model_state"])
    optimizer.load_state_dict(state["optim_state"])
    scheduler.load_state_dict(state["sched_state"])
    return int(state["epoch"])
