"""The length written out: the square root of the sum of squares, with an explicit column shape."""
import torch


def normalize_rows(x, eps=1e-12):
    lengths = (x * x).sum(dim=1).sqrt().unsqueeze(1)
    return x / torch.maximum(lengths, torch.full_like(lengths, eps))
