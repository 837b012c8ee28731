"""Saving and loading training state safely.

Saves are atomic: the state goes to a temporary file in the same directory, which then replaces
the old one with ``os.replace`` (a rename, atomic on POSIX and Windows). A crash or an exception
mid-save leaves the previous checkpoint intact and loadable. Loads use ``weights_only=True``, so a
checkpoint can only contain tensors and plain containers, never code to run.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def save_atomic(obj, path: str | os.PathLike) -> None:
    """``torch.save(obj, path)``, but never leaving a half-written file at ``path``."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temp_name, 0o666 & ~_umask())  # mkstemp makes it private; keep the usual mode
        with os.fdopen(handle, "wb") as stream:
            torch.save(obj, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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
