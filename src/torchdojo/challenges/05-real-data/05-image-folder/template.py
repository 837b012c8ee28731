"""An image classification dataset from a folder of PNGs (one subfolder per class) with torchvision's
ImageFolder: resize, centre crop, tensor, per-channel normalisation; corrupt files skipped with a warning.

Run `torchdojo check image-folder` to grade this file.
"""
import warnings  # noqa: F401 - for the warning about a corrupt file

import torch
from PIL import Image  # noqa: F401 - to check that a file decodes
from torchvision import datasets, transforms  # noqa: F401


def make_transform(size: int, mean, std):
    """PIL image -> normalised float tensor (3, size, size): shorter side to `size`, centre crop, [0, 1],
    (x - mean[c]) / std[c]."""
    # TODO 1: a transforms.Compose of the four steps
    raise NotImplementedError("TODO: build the transform")


def load_folder(root: str, size: int, mean, std):
    """root/<class>/<image>.png -> a dataset of (normalised (3, size, size) tensor, class index) with
    `classes`, `class_to_idx`, `samples` and `targets` like ImageFolder's. A file with an image extension that
    does not decode is left out, with a warning naming it."""
    # TODO 2: datasets.ImageFolder with your transform, and a way to leave out (and warn about) corrupt files
    raise NotImplementedError("TODO: build the dataset")


def channel_stats(root: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation (two tensors (3,)) of the folder's pixels in [0, 1], over every
    pixel of every image after the resize and crop."""
    # TODO 3: read every image without normalisation and reduce over all their pixels per channel
    raise NotImplementedError("TODO: compute the per-channel statistics")
