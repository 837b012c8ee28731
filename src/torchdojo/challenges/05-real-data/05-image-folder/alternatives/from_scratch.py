"""No ImageFolder: a Dataset of its own that scans the class folders with pathlib, decodes with PIL and
builds the tensor with NumPy and torch (ImageFolder's conventions kept: sorted class names, RGB, attributes)."""
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}


def _square(image, size):
    w, h = image.size
    scale = size / min(w, h)
    new = (size, int(h * scale)) if w <= h else (int(w * scale), size)
    image = image.resize(new, Image.BILINEAR)
    left, top = int(round((new[0] - size) / 2)), int(round((new[1] - size) / 2))
    return image.crop((left, top, left + size, top + size))


class FolderDataset(Dataset):
    def __init__(self, root, size, mean, std):
        self.size = size
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
        self.classes = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples = []
        for name in self.classes:
            for path in sorted((Path(root) / name).iterdir()):
                if path.suffix.lower() not in EXTENSIONS:
                    continue
                try:
                    with Image.open(path) as image:
                        image.convert("RGB")  # forces a full decode
                except OSError as exc:
                    warnings.warn(f"{path}: unreadable image skipped ({exc})")
                    continue
                self.samples.append((str(path), self.class_to_idx[name]))
        self.targets = [label for _, label in self.samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        path, label = self.samples[i]
        with Image.open(path) as image:
            image = _square(image.convert("RGB"), self.size)
        x = torch.from_numpy(np.array(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
        return (x - self.mean) / self.std, label


def load_folder(root, size, mean, std):
    return FolderDataset(root, size, mean, std)


def channel_stats(root, size):
    dataset = FolderDataset(root, size, (0, 0, 0), (1, 1, 1))
    pixels = torch.stack([dataset[i][0] for i in range(len(dataset))]).transpose(0, 1).reshape(3, -1)
    return pixels.mean(1), pixels.std(1)
