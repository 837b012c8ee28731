"""Penalties from torch.linalg.vector_norm over the parameters not named bias; dropout with torch.bernoulli and
torch.where."""
import torch


def _weights(model):
    return [p for name, p in model.named_parameters() if name.split(".")[-1] != "bias"]


def l1_penalty(model, lam):
    return lam * torch.stack([torch.linalg.vector_norm(w, ord=1) for w in _weights(model)]).sum()


def l2_penalty(model, lam):
    squares = torch.stack([torch.linalg.vector_norm(w) ** 2 for w in _weights(model)])
    return 0.5 * lam * squares.sum()


def dropout(x, p, training):
    if not training or p == 0:
        return x
    if p >= 1:
        return x * 0
    keep = torch.bernoulli(torch.full_like(x, 1 - p)).bool()
    return torch.where(keep, x / (1 - p), torch.zeros_like(x))
