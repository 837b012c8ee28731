"""transforms.v2, an ImageFolder subclass that drops unreadable files after the scan (samples, targets and
imgs kept in step), and statistics from running sums instead of one big tensor."""
import warnings

import torch
from PIL import Image
from torchvision import datasets
from torchvision.transforms import v2


def make_transform(size, mean, std):
    return v2.Compose([v2.Resize(size), v2.CenterCrop(size), v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(list(mean), list(std))])


def _decodes(path):
    try:
        with Image.open(path) as im:
            im.verify()  # checks the whole PNG stream (chunks and their checksums)
        return True
    except Exception:
        return False


class CheckedImageFolder(datasets.ImageFolder):
    def __init__(self, root, transform):
        super().__init__(root, transform=transform)
        kept = []
        for path, target in self.samples:
            if _decodes(path):
                kept.append((path, target))
            else:
                warnings.warn(f"corrupt image left out: {path}")
        self.samples = self.imgs = kept
        self.targets = [t for _, t in kept]


def load_folder(root, size, mean, std):
    return CheckedImageFolder(root, make_transform(size, mean, std))


def channel_stats(root, size):
    dataset = load_folder(root, size, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    total = torch.zeros(3, dtype=torch.float64)
    squares = torch.zeros(3, dtype=torch.float64)
    count = 0
    for image, _ in dataset:
        pixels = image.double().flatten(1)
        total += pixels.sum(1)
        squares += (pixels ** 2).sum(1)
        count += pixels.shape[1]
    mean = total / count
    return mean.float(), (squares / count - mean ** 2).sqrt().float()
