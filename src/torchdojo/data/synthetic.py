"""Small synthetic datasets the training checks need: seeded, deterministic, instant.

Every function takes a ``seed`` and draws from its own generator (``torchdojo.seeding``), so it
never disturbs (or depends on) the global RNG of the code being checked.
"""
from __future__ import annotations

import math

from torchdojo.seeding import generator


def make_moons(n: int = 512, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles: points ``(n, 2)`` float32, labels ``(n,)`` int64 in {0, 1}."""
    import torch

    gen = generator(seed)
    labels = torch.arange(n) % 2
    angle = torch.rand(n, generator=gen) * math.pi
    upper = torch.stack([angle.cos(), angle.sin()], dim=1)
    lower = torch.stack([1 - angle.cos(), 0.5 - angle.sin()], dim=1)
    points = torch.where(labels[:, None] == 0, upper, lower)
    return points + noise * torch.randn(n, 2, generator=gen), labels


def make_circles(n: int = 512, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """An inner circle (label 1, radius ``factor``) inside an outer one (label 0, radius 1)."""
    import torch

    gen = generator(seed)
    labels = torch.arange(n) % 2
    angle = torch.rand(n, generator=gen) * 2 * math.pi
    radius = torch.where(labels == 1, factor, 1.0)
    points = torch.stack([angle.cos(), angle.sin()], dim=1) * radius[:, None]
    return points + noise * torch.randn(n, 2, generator=gen), labels


def make_spirals(n: int = 600, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """``classes`` interleaved spiral arms (the CS231n data): no linear model separates them."""
    import torch

    gen = generator(seed)
    labels = torch.arange(n) % classes
    radius = torch.rand(n, generator=gen)
    angle = labels * (2 * math.pi / classes) + radius * 4 + noise * torch.randn(n, generator=gen)
    points = torch.stack([radius * angle.sin(), radius * angle.cos()], dim=1)
    return points, labels


def noisy_sine_sequences(n: int = 256, length: int = 50, noise: float = 0.05, seed: int = 0):
    """Sine waves of random phase and frequency; predict the next value from the ones before.

    Returns inputs and targets, both ``(n, length, 1)``; targets are the inputs one step later.
    """
    import torch

    gen = generator(seed)
    phase = torch.rand(n, 1, generator=gen) * 2 * math.pi
    frequency = 0.1 + 0.2 * torch.rand(n, 1, generator=gen)
    steps = torch.arange(length + 1, dtype=torch.float32)
    wave = torch.sin(phase + frequency * steps) + noise * torch.randn(n, length + 1, generator=gen)
    return wave[:, :-1, None], wave[:, 1:, None]


def reversal_task(n: int = 512, length: int = 8, vocab: int = 10, seed: int = 0):
    """Toy sequence-to-sequence task: the target is the source token sequence reversed.

    Tokens are in ``[2, vocab)``; 0 and 1 are left free for padding and start-of-sequence.
    Returns source and target, both int64 ``(n, length)``.
    """
    import torch

    if vocab < 3:
        raise ValueError(f"vocab must be at least 3 (0 and 1 are reserved), got {vocab}")
    source = torch.randint(2, vocab, (n, length), generator=generator(seed))
    return source, source.flip(1)
