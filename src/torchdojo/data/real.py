"""Real datasets (Fashion-MNIST, MNIST, CIFAR-10) as decoded tensors or torchvision datasets.

``load_tensors`` decodes a split once through torchvision and caches the uint8 tensors in the user
cache, keyed by the source files' sizes and times: a second load skips torchvision entirely (its
import alone costs ~1.5 s) and takes a fraction of a second.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from torchdojo.atomic import atomic_write
from torchdojo.data.sources import (
    DATA_ENV_VAR, DatasetCorrupt, DatasetMissing, DatasetSpec, cache_dir,
    candidate_dirs, check_idx_bytes, check_md5, default_system_dir, find_root, missing_message,
    spec_for,
)

OFFLINE_ENV_VAR = "TORCHDOJO_OFFLINE"  # set to 1 to never try a download


def locate(name: str, data_dir: str | os.PathLike | None = None, *, download: bool = True,
           search_system: bool = True) -> tuple[DatasetSpec, Path]:
    """The dataset's spec and the torchvision root holding its files; downloads when allowed.

    Raises DatasetMissing (one message saying where to put which files) when it is nowhere.
    """
    spec = spec_for(name)
    system_dir = default_system_dir(spec) if search_system else None
    root = find_root(spec, data_dir, system_dir)
    if root is not None:
        return spec, root
    searched = candidate_dirs(spec, data_dir, system_dir)
    if not download or os.environ.get(OFFLINE_ENV_VAR) == "1":
        raise DatasetMissing(missing_message(spec, searched))
    target = searched[0] if (data_dir or os.environ.get(DATA_ENV_VAR)) else searched[-1]
    _download(spec, target, searched)
    return spec, target


def load_tensors(name: str, train: bool, data_dir: str | os.PathLike | None = None, *,
                 download: bool = True, search_system: bool = True):
    """Images as uint8 ``(N, C, H, W)`` and labels as int64 ``(N,)`` for one split."""
    import torch

    spec, root = locate(name, data_dir, download=download, search_system=search_system)
    cached = _cache_path(spec, root, train)
    if cached.is_file():
        blob = torch.load(cached, weights_only=True)
        return blob["images"], blob["labels"]
    images, labels = _decode(spec, root, train)
    atomic_write(cached, lambda stream: torch.save({"images": images, "labels": labels}, stream))
    return images, labels


def torchvision_dataset(name: str, train: bool, data_dir: str | os.PathLike | None = None, *,
                        transform=None, download: bool = True):
    """The torchvision dataset object itself (for DataLoader pipelines with transforms)."""
    import torchvision.datasets

    spec, root = locate(name, data_dir, download=download)
    dataset_class = getattr(torchvision.datasets, spec.torchvision_class)
    return dataset_class(str(root), train=train, transform=transform, download=False)


def _cache_path(spec: DatasetSpec, root: Path, train: bool) -> Path:
    """A file name that changes whenever the source files change (size or modification time)."""
    folder = root / spec.folder
    stamp = [(name, (folder / name).stat().st_size, (folder / name).stat().st_mtime_ns)
             for name in spec.files]
    key = hashlib.sha1(repr((str(folder.resolve()), stamp)).encode()).hexdigest()[:16]
    split = "train" if train else "test"
    return cache_dir() / "tensors" / f"{spec.name}-{split}-{key}.pt"


def _decode(spec: DatasetSpec, root: Path, train: bool):
    """Validate the split's files (naming any bad one), then decode them through torchvision."""
    import torch
    import torchvision.datasets

    dataset_class = getattr(torchvision.datasets, spec.torchvision_class)
    folder = root / spec.folder
    if spec.is_idx:
        prefix = "train" if train else "t10k"
        for name in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
            check_idx_bytes((folder / name).read_bytes(), folder / name)
    else:
        for name, md5 in [*dataset_class.train_list, *dataset_class.test_list]:
            check_md5(folder / name, md5)
    dataset = dataset_class(str(root), train=train, download=False)
    images = torch.as_tensor(dataset.data)
    # MNIST-style data is (N, H, W); CIFAR's numpy array is (N, H, W, C).
    images = images.unsqueeze(1) if images.ndim == 3 else images.permute(0, 3, 1, 2)
    labels = torch.as_tensor(dataset.targets, dtype=torch.int64)
    return images.contiguous(), labels


def _download(spec: DatasetSpec, root: Path, searched: list[Path]) -> None:
    import torchvision.datasets

    dataset_class = getattr(torchvision.datasets, spec.torchvision_class)
    try:
        for train in (True, False):
            dataset_class(str(root), train=train, download=True)
    except Exception as exc:  # network errors come in many types (URLError, RuntimeError, ...)
        reason = " ".join(str(exc).split())  # torchvision's message spans lines; keep one
        message = f"{missing_message(spec, searched)} (download failed: {reason})"
        raise DatasetMissing(message) from None


__all__ = ["DatasetCorrupt", "DatasetMissing", "load_tensors", "locate", "torchvision_dataset"]
