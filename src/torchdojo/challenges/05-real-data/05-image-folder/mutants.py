"""Known mistakes for image-folder."""
from torchdojo.grading.mutants import Mutant

RESIZE = """        transforms.Resize(size),      # the SHORTER side becomes `size`, the aspect ratio is kept...
        transforms.CenterCrop(size),  # ...then the centre square: nothing is squashed
"""
TO_TENSOR = "        transforms.ToTensor(),        # (H, W, C) uint8 in [0, 255] -> (C, H, W) float32 in [0, 1]\n"
BUILD = "return datasets.ImageFolder(root, transform=make_transform(size, mean, std), is_valid_file=_readable)"
WARN = """        warnings.warn(f"skipping corrupt image {path}: {exc}", stacklevel=2)
"""

MUTANTS = [
    Mutant("resize-squashes",
           "every image is resized to size×size directly: a non-square image is squashed out of shape; resize the "
           "shorter side to `size` (transforms.Resize(size)) and crop the centre (transforms.CenterCrop(size))",
           replace={RESIZE: "        transforms.Resize((size, size)),\n"}),
    Mutant("to-tensor-first",
           "ToTensor comes before Resize and CenterCrop: the resize then works on a float tensor, not on the PIL "
           "image, and interpolates differently (off by up to a level or two of 255); resize and crop the PIL "
           "image, then ToTensor, then Normalize",
           replace={RESIZE + TO_TENSOR: TO_TENSOR + RESIZE}),
    Mutant("no-normalize",
           "the images are left in [0, 1]: the per-channel normalisation (x - mean) / std is missing "
           "(transforms.Normalize(mean, std) after ToTensor)",
           replace={"        transforms.Normalize(mean, std),  # per channel: (x - mean[c]) / std[c]\n": ""}),
    Mutant("loader-keeps-mode",
           "the images are opened without converting them to RGB: a grey PNG gives 1 channel and an RGBA PNG 4; "
           "ImageFolder's default loader calls .convert('RGB'), a loader of your own must too",
           replace={BUILD: "return datasets.ImageFolder(root, transform=make_transform(size, mean, std), "
                           "is_valid_file=_readable, loader=Image.open)"}),
    Mutant("corrupt-kept",
           "corrupt files are not left out: ImageFolder lists every file with an image extension and fails only "
           "when the broken one is read, in the middle of an epoch; check that each file decodes",
           replace={BUILD: "return datasets.ImageFolder(root, transform=make_transform(size, mean, std))"}),
    Mutant("header-only-check",
           "the validity check only opens the file (Image.open reads the header): a truncated PNG passes it and "
           "fails later when read; decode the pixels with .load() (or .verify())",
           replace={"            image.load()  # decode the pixels": "            pass  # decode the pixels"}),
    Mutant("skipped-silently",
           "corrupt files are left out without a word: nobody learns that the dataset is damaged; "
           "warnings.warn(...) naming each skipped file",
           replace={WARN: ""}),
    Mutant("classes-in-number-order",
           "the classes are numbered in natural (numeric) order, not sorted as strings: ImageFolder, and every "
           "model trained with it, maps '10_ship' < '2_car' < '7_plane'; keep its class_to_idx",
           replace={BUILD: "dataset = datasets.ImageFolder(root, transform=make_transform(size, mean, std), "
                           "is_valid_file=_readable)\n"
                           "    dataset.classes = sorted(dataset.classes, key=lambda c: int(c.split('_')[0]))\n"
                           "    dataset.class_to_idx = {c: i for i, c in enumerate(dataset.classes)}\n"
                           "    dataset.samples = [(p, dataset.class_to_idx[__import__('os').path.basename("
                           "__import__('os').path.dirname(p))]) for p, _ in dataset.samples]\n"
                           "    dataset.targets = [t for _, t in dataset.samples]\n"
                           "    dataset.imgs = dataset.samples\n"
                           "    return dataset"}),
    Mutant("stats-mean-of-image-stds",
           "the standard deviation is the average of each image's own standard deviation: that leaves out how "
           "the images differ from each other; reduce over all the pixels of all the images at once",
           replace={"pixels.std(dim=1, correction=0)": "torch.stack([i.std(dim=1) for i in images]).mean(dim=0)"}),
    Mutant("stats-before-resize",
           "the statistics are computed on the images at their original size: the model sees them resized and "
           "cropped (resizing smooths the pixels), so compute them after the same resize and crop",
           replace={"dataset = load_folder(root, size, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))":
                    "dataset = datasets.ImageFolder(root, transform=transforms.ToTensor(), is_valid_file=_readable)"}),
    Mutant("stats-one-number",
           "the statistics are one mean and one std for all channels together: normalisation is per channel, "
           "each of R, G and B with its own mean and std (two tensors of shape (3,))",
           replace={"return pixels.mean(dim=1), pixels.std(dim=1, correction=0)":
                    "return pixels.mean(), pixels.std(correction=0)"}),
]
