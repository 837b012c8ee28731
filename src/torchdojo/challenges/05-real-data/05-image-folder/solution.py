"""An image classification dataset from a folder of PNGs (one subfolder per class) with torchvision's
ImageFolder: resize, centre crop, tensor, per-channel normalisation; corrupt files skipped with a warning."""
import warnings

import torch
from PIL import Image
from torchvision import datasets, transforms
from torchvision.datasets.folder import IMG_EXTENSIONS, has_file_allowed_extension


def make_transform(size: int, mean, std):
    """PIL image -> normalised float tensor (3, size, size)."""
    return transforms.Compose([
        transforms.Resize(size),      # the SHORTER side becomes `size`, the aspect ratio is kept...
        transforms.CenterCrop(size),  # ...then the centre square: nothing is squashed
        transforms.ToTensor(),        # (H, W, C) uint8 in [0, 255] -> (C, H, W) float32 in [0, 1]
        transforms.Normalize(mean, std),  # per channel: (x - mean[c]) / std[c]
    ])


def _readable(path: str) -> bool:
    """ImageFolder's is_valid_file: an image file (by its extension) whose pixels decode."""
    if not has_file_allowed_extension(path, IMG_EXTENSIONS):
        return False  # README.txt and the like are not images: ignored silently, as ImageFolder does
    try:
        with Image.open(path) as image:
            image.load()  # decode the pixels: Image.open reads only the header, so a truncated file passes it
        return True
    except (OSError, SyntaxError) as exc:  # PIL.UnidentifiedImageError is an OSError
        warnings.warn(f"skipping corrupt image {path}: {exc}", stacklevel=2)
        return False


def load_folder(root: str, size: int, mean, std) -> datasets.ImageFolder:
    """root/<class>/<image>.png -> an ImageFolder of (normalised (3, size, size) tensor, class index).
    Classes are the subfolders in sorted order; ImageFolder's default loader converts every image to RGB
    (grey and RGBA PNGs too), so every item has 3 channels."""
    return datasets.ImageFolder(root, transform=make_transform(size, mean, std), is_valid_file=_readable)


def channel_stats(root: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of the folder's pixels (in [0, 1]), over every pixel of every
    image as the model sees it: after the same resize and crop."""
    dataset = load_folder(root, size, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))  # the identity normalisation
    images = [image.reshape(3, -1) for image, _ in dataset]
    pixels = torch.cat(images, dim=1)  # (3, every pixel of every image)
    # Over ALL pixels at once: the mean of per-image standard deviations ignores how images differ.
    return pixels.mean(dim=1), pixels.std(dim=1, correction=0)
