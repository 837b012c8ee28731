"""Pairwise squared distances with einsum, and a helper for the squared norms."""
import torch


def squared_norms(x):
    return torch.einsum("nd,nd->n", x, x)


def pairwise_sq_dist(a, b):
    inner = torch.einsum("nd,md->nm", a, b)
    d2 = squared_norms(a)[:, None] + squared_norms(b)[None, :] - 2.0 * inner
    return torch.clamp(d2, min=0.0)
