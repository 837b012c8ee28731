"""Checks for image-folder. The grader writes every PNG itself with PIL into the grading's scratch folder
(one subfolder per class, names that sort as strings differently from as numbers, RGB, grey and RGBA
images of several non-square sizes, a README.txt at the root and notes in a class folder, and, for one
check, a garbage file and a truncated PNG). The learner's dataset is built and read next to their code by
observers (classes, samples, targets, every item, warnings, DataLoader batches) and judged here against
the grader's own PIL computation: resize of the shorter side, centre crop, [0, 1], per-channel
normalisation, and the per-channel statistics of the folder."""
import io
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms  # noqa: F401 - imported before the learner's process forks

from torchdojo.grading.expect import CheckFailed, expect, expect_close, observer, rng, scratch_dir

CLASSES = ["10_ship", "2_car", "7_plane"]  # sorted as strings: "10_ship" < "2_car" < "7_plane"
SHAPES = [(40, 30, "RGB"), (24, 24, "L"), (50, 64, "RGBA"), (17, 33, "RGB"), (36, 20, "RGB")]  # (w, h, mode)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # ImageNet's, as pretrained models expect


def _image(generator: torch.Generator, width: int, height: int, mode: str) -> Image.Image:
    """Noise around a brightness of its own per channel, so that images differ in mean (a mean of per-image
    standard deviations is then not the folder's standard deviation)."""
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    level = torch.rand(1, 1, channels, generator=generator) * 0.6 + 0.2
    pixels = (level + (torch.rand(height, width, channels, generator=generator) - 0.5) * 0.4).clamp(0, 1)
    array = (pixels * 255).round().to(torch.uint8).numpy()
    return Image.fromarray(array[:, :, 0] if channels == 1 else array)  # L, RGB or RGBA from the shape


def _write_folder(name: str, seed: int, per_class: int = 4, classes=CLASSES) -> Path:
    """root/<class>/<k>.png for each class, plus files that are not images; returns root."""
    root = scratch_dir() / name
    generator = rng(seed)
    for c, label in enumerate(classes):
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            width, height, mode = SHAPES[(c + k) % len(SHAPES)]
            _image(generator, width, height, mode).save(folder / f"img_{k}.png")
    (root / "README.txt").write_text("one folder per class\n")  # a file at the root is not a class
    (root / classes[0] / "notes.txt").write_text("not an image\n")  # ignored: not an image extension
    return root


def _expected_image(path: Path, size: int, mean, std) -> torch.Tensor:
    """The grader's own computation with PIL: RGB, shorter side resized to `size` (bilinear), centre crop,
    [0, 1], then (x - mean) / std per channel."""
    with Image.open(path) as image:
        image = image.convert("RGB")
    width, height = image.size
    if width <= height:
        new_w, new_h = size, int(size * height / width)
    else:
        new_w, new_h = int(size * width / height), size
    image = image.resize((new_w, new_h), Image.BILINEAR)
    top, left = int(round((new_h - size) / 2.0)), int(round((new_w - size) / 2.0))
    image = image.crop((left, top, left + size, top + size))
    pixels = torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float() / 255
    return (pixels - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def _near_miss(image, expected: torch.Tensor, std) -> float | None:
    """The largest difference, in [0, 1] pixel units (before normalisation), between an image of the right
    shape and the expected one when it is small (at most 2/255: the same steps in another order or on a
    tensor rather than the PIL image); None when the shapes differ or the difference is larger."""
    if not isinstance(image, torch.Tensor) or image.shape != expected.shape or not image.is_floating_point():
        return None
    pixels = ((image.detach().float() - expected) * torch.tensor(std).view(3, 1, 1)).abs()
    if not bool(torch.isfinite(pixels).all()):
        return None
    largest = float(pixels.max())
    return largest if largest <= 2 / 255 + 1e-6 else None


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.png"))


def _plain(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return value


@observer
def _read(learner, root: str, size: int, mean, std) -> dict:
    """Runs next to the learner's code: build load_folder(root, size, mean, std) recording warnings, then
    read its classes, class_to_idx, samples, targets and every item, as plain data."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = learner.load_folder(root, size, mean, std)
        facts: dict = {"len": len(dataset)}
        for key in ("classes", "class_to_idx", "samples", "targets"):
            value = getattr(dataset, key, None)
            facts[key] = [list(map(_plain, v)) if isinstance(v, tuple) else _plain(v) for v in value] \
                if isinstance(value, list) else dict(value) if isinstance(value, dict) else None
        items, errors = [], []
        for i in range(len(dataset)):
            try:
                image, label = dataset[i]
            except Exception as exc:  # noqa: BLE001 - reported: which item, which error
                errors.append(f"dataset[{i}] raised {type(exc).__name__}: {str(exc)[:160]}")
                continue
            items.append((image.detach().clone() if isinstance(image, torch.Tensor) else type(image).__name__,
                          int(label) if isinstance(label, (int, torch.Tensor)) and not isinstance(label, bool)
                          else repr(label)))
    facts["items"], facts["errors"] = items, errors
    facts["warnings"] = [str(w.message) for w in caught]
    return facts


@observer
def _batches(learner, root: str, size: int, batch_size: int) -> list:
    """Runs next to the learner's code: the batches DataLoader(dataset, batch_size) makes, in order."""
    dataset = learner.load_folder(root, size, MEAN, STD)
    out = []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        out.append([t.clone() for t in batch] if isinstance(batch, (list, tuple)) and
                   all(isinstance(t, torch.Tensor) for t in batch) else "not a pair of tensors")
    return out


def _dataset(learner, root: Path, size: int, mean=MEAN, std=STD) -> dict:
    facts = _read.labelled(f"load_folder({root.name!r}, {size}, mean, std)", learner, str(root), size, mean, std)
    absent = [key for key in ("classes", "class_to_idx", "samples", "targets") if facts[key] is None]
    expect(not absent, f"the dataset has no {', '.join(absent)}: keep ImageFolder's attributes (classes, class_to_idx, "
                       "samples as a list of (path, class index), targets)", f"attributes:{absent}", kind="type")
    expect(not facts["errors"], f"reading the dataset failed: {facts['errors'][0] if facts['errors'] else ''}",
           "items:raise", kind="value")
    return facts


def _where(path) -> tuple[str, str]:
    path = Path(str(path))
    return path.parent.name, path.name


def check_classes_and_targets(learner):
    """classes are the class subfolders sorted as strings ('10_ship' < '2_car' < '7_plane'), class_to_idx maps
    each to its position, samples list every PNG (nothing else: README.txt at the root is not a class, notes.txt
    is not an image) with its folder's index, and targets are those indices in the same order."""
    root = _write_folder("pets", seed=0)
    facts = _dataset(learner, root, 16)
    expect(facts["classes"] == CLASSES, f"dataset.classes is {facts['classes']}, expected {CLASSES}: the class "
                                        "subfolders only, sorted as strings (ImageFolder's convention)",
           f"classes:{facts['classes']}", kind="value")
    expected_map = {name: i for i, name in enumerate(CLASSES)}
    expect(facts["class_to_idx"] == expected_map, f"dataset.class_to_idx is {facts['class_to_idx']}, expected "
                                                  f"{expected_map}", "class_to_idx", kind="value")
    samples = facts["samples"] or []
    where = sorted(_where(p) for p, _ in samples)
    wanted = sorted(_where(p) for p in _images(root))
    expect(where == wanted, f"dataset.samples lists {len(where)} files, expected the {len(wanted)} PNGs of the class "
                            f"folders (extra: {sorted(set(where) - set(wanted))[:3]}, missing: "
                            f"{sorted(set(wanted) - set(where))[:3]})", "samples:files", kind="value")
    wrong = [f"{p} -> {label}" for p, label in samples if label != expected_map[_where(p)[0]]]
    expect(not wrong, f"{len(wrong)} samples carry another class index than their folder's: {wrong[:2]}",
           "samples:labels", kind="value")
    expect(facts["targets"] == [label for _, label in samples], "dataset.targets is not the list of the samples' "
                                                                 "class indices in the same order",
           "targets", kind="value")
    expect(facts["len"] == len(wanted), f"len(dataset) is {facts['len']}, expected {len(wanted)}", "len",
           kind="shape")


def check_items_shape_and_type(learner):
    """dataset[i] is (image, label): the image a float32 tensor (3, size, size) for RGB, grey and RGBA PNGs of
    any size (every image is converted to RGB), the label an int."""
    root = _write_folder("shapes", seed=1)
    for size in (16, 24):
        facts = _dataset(learner, root, size)
        for i, (image, label) in enumerate(facts["items"]):
            expect(isinstance(image, torch.Tensor), f"dataset[{i}]'s image is a {image}, expected a tensor",
                   "item:type", kind="type")
            expect(tuple(image.shape) == (3, size, size), f"dataset[{i}]'s image has shape {tuple(image.shape)}, "
                   f"expected (3, {size}, {size}) (file {_where(facts['samples'][i][0])[1]}: grey and RGBA images "
                   "must be converted to RGB, and the crop makes every image square)",
                   f"item:shape:{tuple(image.shape)}", kind="shape")
            expect(image.dtype == torch.float32, f"dataset[{i}]'s image is {image.dtype}, expected float32",
                   f"item:dtype:{image.dtype}", kind="dtype")
            expect(isinstance(label, int), f"dataset[{i}]'s label is {label}, expected an int class index",
                   "item:label", kind="type")


def check_values(learner):
    """Every image equals the grader's computation: shorter side resized to `size` (bilinear), the centre
    size×size crop, values in [0, 1], then (x - mean[c]) / std[c] per channel, with the mean and std given."""
    root = _write_folder("values", seed=2)
    for size, mean, std in ((16, MEAN, STD), (24, (0.5, 0.25, 0.75), (0.2, 0.4, 0.3))):
        facts = _dataset(learner, root, size, mean, std)
        for i, ((path, _), (image, _)) in enumerate(zip(facts["samples"], facts["items"])):
            expected = _expected_image(Path(str(path)), size, mean, std)
            what = f"dataset[{i}] ({'/'.join(_where(path))}, size {size}, mean {mean}, std {std})"
            try:
                expect_close(image, expected, what=what, rtol=1e-4, atol=1e-4)
            except CheckFailed as failed:
                near = _near_miss(image, expected, std)
                if near is None:
                    raise
                raise CheckFailed(f"{failed.message}. Every pixel is within {near * 255:.2f}/255 of the expected "
                                  "one, though: what the right steps give when done differently. Are the transforms "
                                  "applied in another order, or on a tensor instead of the PIL image (Resize on a "
                                  "float tensor interpolates differently from PIL's, which works on the 8-bit image)? "
                                  "Here Resize and CenterCrop work on the PIL image, then ToTensor, then Normalize.",
                                  f"values:near-miss:{_where(path)[1]}", failed.kind) from None


def check_channel_stats(learner):
    """channel_stats(root, size) returns the per-channel mean and standard deviation of the folder's pixels in
    [0, 1], over every pixel of every image after the resize and crop: two tensors of shape (3,)."""
    root = _write_folder("stats", seed=3)
    size = 16
    pixels = torch.cat([_expected_image(p, size, (0, 0, 0), (1, 1, 1)).reshape(3, -1) for p in _images(root)], 1)
    expected_mean, expected_std = pixels.mean(dim=1), pixels.std(dim=1, correction=0)
    got = learner.channel_stats(str(root), size)
    expect(isinstance(got, (tuple, list)) and len(got) == 2, "channel_stats did not return the pair (mean, std)",
           "stats:type", kind="type")
    for name, value, expected in (("mean", got[0], expected_mean), ("std", got[1], expected_std)):
        # rtol 1e-3: the population and the sample standard deviation (n vs n - 1 over 3,000+ pixels) both pass
        expect_close(value, expected, what=f"channel_stats(root, {size})'s {name}", rtol=1e-3, atol=1e-5,
                     check_dtype=False)


def check_corrupt_images_skipped_with_warning(learner):
    """A file that is not a PNG at all and a truncated PNG are left out of the dataset, each with a warning
    (warnings.warn) that names the file; every other image is in the dataset and every item loads."""
    root = _write_folder("damaged", seed=4, per_class=3)
    good = _images(root)
    (root / CLASSES[1] / "broken.png").write_bytes(b"this is not an image at all\n" * 20)
    buffer = io.BytesIO()
    _image(rng(5), 40, 40, "RGB").save(buffer, "PNG")
    (root / CLASSES[2] / "truncated.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    facts = _read.labelled(f"load_folder({root.name!r}, 16, mean, std)", learner, str(root), 16, MEAN, STD)
    kept = sorted(name for name in ("broken.png", "truncated.png")
                  if any(_where(p)[1] == name for p, _ in facts["samples"] or []))
    expect(not facts["errors"] and not kept,
           f"the dataset keeps {kept or 'a file'} that cannot be read"
           f"{': ' + facts['errors'][0] if facts['errors'] else ''}; check that every image decodes (Image.open "
           "reads only the header: call .load())", f"corrupt:kept:{kept}", kind="value")
    unnamed = [name for name in ("broken.png", "truncated.png") if not any(name in w for w in facts["warnings"])]
    expect(not unnamed, f"no warning names {unnamed}: skipping a file silently hides a damaged dataset; "
                        "warnings.warn(f'skipping corrupt image {path}') for each one", f"corrupt:unwarned:{unnamed}",
           kind="value")
    where = sorted(_where(p) for p, _ in facts["samples"] or [])
    expect(where == sorted(_where(p) for p in good), f"dataset.samples holds {len(where)} files, expected the "
                                                     f"{len(good)} readable PNGs", "corrupt:samples", kind="value")
    noisy = [w for w in facts["warnings"] if any(p.name in w and p.parent.name in w for p in good)]
    expect(not noisy, f"a warning names a readable image: {noisy[0][:160] if noisy else ''}", "corrupt:false-alarm",
           kind="value")


def check_dataloader_batches(learner):
    """DataLoader(dataset, batch_size=5) yields images (5, 3, size, size) float32 and labels (5,) int64, the last
    batch the remainder, holding the dataset's items in order."""
    root = _write_folder("loader", seed=6)
    size, n = 16, 4 * len(CLASSES)
    facts = _dataset(learner, root, size)
    batches = _batches.labelled("DataLoader(load_folder(...), batch_size=5)", learner, str(root), size, 5)
    expect(len(batches) == 3, f"DataLoader(dataset of {n}, batch_size=5) made {len(batches)} batches, expected 3",
           f"loader:count:{len(batches)}", kind="shape")
    for b, batch in enumerate(batches):
        expect(isinstance(batch, list), f"batch {b} is {batch}", "loader:type", kind="type")
        images, labels = batch
        count = min(5, n - 5 * b)
        expect(tuple(images.shape) == (count, 3, size, size) and images.dtype == torch.float32,
               f"batch {b}'s images are a {images.dtype} tensor of shape {tuple(images.shape)}, expected float32 "
               f"({count}, 3, {size}, {size})", f"loader:images:{tuple(images.shape)[1:]}", kind="shape")
        expect(tuple(labels.shape) == (count,) and labels.dtype == torch.int64,
               f"batch {b}'s labels are a {labels.dtype} tensor of shape {tuple(labels.shape)}, expected int64 "
               f"({count},)", f"loader:labels:{labels.dtype}", kind="dtype")
        expected = torch.stack([facts["items"][i][0] for i in range(5 * b, 5 * b + count)])
        expect_close(images, expected, what=f"batch {b}'s images, compared with the dataset's items")
        expect([int(y) for y in labels] == [facts["items"][i][1] for i in range(5 * b, 5 * b + count)],
               f"batch {b}'s labels differ from the dataset's", "loader:label-values", kind="value")
