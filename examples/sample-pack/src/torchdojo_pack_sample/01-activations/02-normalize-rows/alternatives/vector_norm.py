"""torch.linalg.vector_norm over the last dimension, and torch.clamp."""
import torch


def normalize_rows(x, eps=1e-12):
    return x / torch.clamp(torch.linalg.vector_norm(x, dim=-1, keepdim=True), min=eps)
