"""What a challenge needs beyond torch (a real dataset, a GPU), and how to get what is missing.

A challenge declares ``requires = ["fashion-mnist"]`` in its challenge.toml. `torchdojo list`
shows a challenge whose requirement is absent with the reason and the exact command that
satisfies it; `torchdojo check` refuses to grade it (exit code 8, as for a missing dataset in
`torchdojo train`): there is never a fallback to random data. Nothing here imports torch, and
torchdojo.data is imported only when a challenge requires a dataset (a warm `torchdojo check` of
any other challenge does not pay for it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchdojo.catalog import Challenge


@dataclass(frozen=True)
class Unmet:
    requirement: str  # e.g. "fashion-mnist"
    reason: str  # what is missing, in a few words
    fix: str  # the exact command (or step) that satisfies it


def __getattr__(name: str):
    if name == "RequirementMissing":  # a DatasetMissing: defined on first use, with torchdojo.data
        if name in globals():
            return globals()[name]
        from torchdojo.data.sources import DatasetMissing

        globals()[name] = cls = type(name, (DatasetMissing,), {"__module__": __name__, "__doc__": (
            "A challenge needs something this machine does not have; the message says how to get it.")})
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_FIXES = {
    "fashion-mnist": "apt-get install dataset-fashion-mnist (as root, or with sudo; or put the four IDX files in $TORCHDOJO_DATA)",
    "mnist": "run `torchdojo train --dataset mnist --epochs 1` once while online (torchvision downloads MNIST), "
             "or put MNIST's four IDX files in $TORCHDOJO_DATA",
    "gpu": "run on a machine with an NVIDIA GPU and a CUDA build of torch (e.g. Colab: Runtime > Change runtime type)",
}


def _dataset_present(name: str) -> bool:
    from torchdojo.data.real import locate
    from torchdojo.data.sources import DatasetMissing

    try:
        locate(name, download=False)
    except DatasetMissing:
        return False
    return True


def _gpu_present() -> bool:
    """Without importing torch: an NVIDIA device node (CUDA_VISIBLE_DEVICES may hide them all)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return Path("/dev/nvidia0").exists() or Path("/dev/nvidiactl").exists() and any(Path("/dev").glob("nvidia[0-9]*"))


def present(requirement: str) -> bool:
    return _gpu_present() if requirement == "gpu" else _dataset_present(requirement)


def unmet(challenge: Challenge) -> list[Unmet]:
    """The challenge's requirements this machine does not meet, each with its fix."""
    return [Unmet(r, "no GPU" if r == "gpu" else f"{r} is not on this machine", _FIXES[r])
            for r in challenge.requires if not present(r)]


def ensure(challenge: Challenge) -> None:
    """Raise RequirementMissing (one message: what, and how to get it) unless every requirement is met."""
    missing = unmet(challenge)
    if missing:
        lines = "; ".join(f"{m.reason}: {m.fix}" for m in missing)
        raise __getattr__("RequirementMissing")(f"{challenge.id} needs {', '.join(m.requirement for m in missing)}, "
                                 f"which this machine lacks — {lines}")
