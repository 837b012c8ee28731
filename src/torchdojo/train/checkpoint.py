"""Saving and loading training state safely.

Saves are atomic (``torchdojo.atomic``): a crash or an exception mid-save leaves the previous
checkpoint intact and loadable. Loads use ``weights_only=True``, so a checkpoint can only contain
tensors and plain containers, never code to run.
"""
from __future__ import annotations

import os

from torchdojo.atomic import atomic_write


def save_atomic(obj, path: str | os.PathLike) -> None:
    """``torch.save(obj, path)``, but never leaving a half-written file at ``path``."""
    import torch

    atomic_write(path, lambda stream: torch.save(obj, stream))


def load(path: str | os.PathLike, map_location="cpu"):
    """Load a checkpoint or state_dict written by ``save_atomic`` (tensors and containers only)."""
    import torch

    return torch.load(path, map_location=map_location, weights_only=True)


def rng_state() -> dict:
    """The random generator states a resumed run needs to continue exactly."""
    import torch

    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
