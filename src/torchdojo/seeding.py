"""Seeded randomness in one place: private generators, and seeding torch's global one.

A private generator draws the same numbers for the same seed whatever else the process does, and
leaves torch's global RNG (the learner's, the training run's) untouched. Importing this module
does not import torch.
"""
from __future__ import annotations


def generator(seed: int):
    """A CPU ``torch.Generator`` seeded with ``seed``, independent of torch's global RNG."""
    import torch

    return torch.Generator().manual_seed(seed)


def seed_torch(seed: int) -> None:
    """Seed torch's global RNG (CPU and every CUDA device): the only one torchdojo draws from."""
    import torch

    torch.manual_seed(seed)
