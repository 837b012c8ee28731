"""The reference project's data: whole splits as uint8 tensors on the device, prepared per batch.

Keeping the dataset as uint8 on the device (47 MB for Fashion-MNIST) and converting one batch at a
time avoids a DataLoader, worker processes and per-image Python calls, which dominate a small
model's step time. Augmentation is a random horizontal flip, done on the whole batch at once; it is
off for digits, where a mirrored 2 or 7 is not a 2 or 7.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from torchdojo.data import load_tensors, spec_for


@dataclass(frozen=True)
class DataConfig:
    mean: tuple[float, ...]  # per channel, of the training images scaled to [0, 1]
    std: tuple[float, ...]
    flip: bool  # is a mirror image still the same class?


DATA_CONFIGS = {
    "fashion-mnist": DataConfig((0.2860,), (0.3530,), flip=True),
    "mnist": DataConfig((0.1307,), (0.3081,), flip=False),
    "cifar10": DataConfig((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), flip=True),
}


def load_split(dataset: str, train: bool, device, data_dir=None):
    """``(images uint8 (N, C, H, W), labels int64 (N,))`` of one split, on ``device``."""
    images, labels = load_tensors(dataset, train, data_dir)
    return images.to(device), labels.to(device)


def class_names(dataset: str) -> tuple[str, ...]:
    return spec_for(dataset).classes


class Preprocess:
    """``fit``'s batch transform: uint8 to normalised float, flipped at random while training,
    in channels_last layout (the layout oneDNN and cuDNN convolutions are fastest in)."""

    def __init__(self, dataset: str, device):
        config = DATA_CONFIGS[dataset]
        self.flip = config.flip
        self.scale = (1 / (255 * torch.tensor(config.std, device=device))).view(1, -1, 1, 1)
        self.shift = (torch.tensor(config.mean, device=device)
                      / torch.tensor(config.std, device=device)).view(1, -1, 1, 1)

    def __call__(self, images: torch.Tensor, train: bool) -> torch.Tensor:
        batch = images.float() * self.scale - self.shift  # (x / 255 - mean) / std in one pass
        if train and self.flip:
            mirrored = torch.rand(batch.shape[0], 1, 1, 1, device=batch.device) < 0.5
            batch = torch.where(mirrored, batch.flip(3), batch)
        return batch.contiguous(memory_format=torch.channels_last)
