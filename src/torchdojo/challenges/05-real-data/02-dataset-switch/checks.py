"""Checks for dataset-switch. MNIST and CIFAR-10 cannot be downloaded here, so the grader writes tiny
copies in their real formats into the grading's scratch folder (IDX files in torchvision's MNIST/raw
layout; CIFAR-10's pickled batches as Python 2 wrote them, with str keys), knows every pixel they hold and
judges the learner's datasets against its own normalisation. Fashion-MNIST is the real one (60,000 + 10,000
images), compared item by item with the grader's own decoding. Then the errors (an unknown name, a missing
dataset), DataLoader batches, and a Classifier that adapts to the channels and the size of its input."""
import io
import pickle
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms  # noqa: F401 - imported before the learner's process forks

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_shape, observer, rng, scratch_dir,
                                      seeded)
from torchdojo.grading.remote import LearnerRaised

STATS = {"mnist": ((0.1307,), (0.3081,)), "fashionmnist": ((0.2860,), (0.3530,)),
         "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))}
IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
MNIST_SIZES = {True: 12, False: 5}
CIFAR_PER_BATCH, CIFAR_TEST = 4, 6


def _normalised(images: torch.Tensor, name: str) -> torch.Tensor:
    """uint8 (N, C, H, W) -> what get_dataset's items must hold: (x / 255 - mean[c]) / std[c]."""
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in STATS[name])
    return (images.float() / 255 - mean) / std


def _idx_bytes(array: torch.Tensor) -> bytes:
    header = bytes([0, 0, 0x08, array.dim()]) + b"".join(s.to_bytes(4, "big") for s in array.shape)
    return header + array.to(torch.uint8).numpy().tobytes()


def _write_mnist(seed: int) -> tuple[Path, dict]:
    """A tiny MNIST in torchvision's layout: <root>/MNIST/raw/ with the four IDX files."""
    root = scratch_dir() / f"mnist_{seed}"
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    generator, splits = rng(seed), {}
    for train in (True, False):
        n = MNIST_SIZES[train]
        images = torch.randint(0, 256, (n, 28, 28), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=generator)
        names = IDX[:2] if train else IDX[2:]
        (raw / names[0]).write_bytes(_idx_bytes(images))
        (raw / names[1]).write_bytes(_idx_bytes(labels))
        splits[train] = (images.unsqueeze(1), labels)
    return root, splits


class _Py2Str(str):
    """A str that is pickled the way Python 2 pickled its str (CIFAR-10's files were written by Python 2)."""


class _Py2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        data = str(obj).encode("latin1")
        self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        self.memoize(obj)
    dispatch[_Py2Str] = _save_py2_str


def _pickled(obj) -> bytes:
    stream = io.BytesIO()
    _Py2Pickler(stream, protocol=2).dump(obj)
    return stream.getvalue()


def _write_cifar(seed: int) -> tuple[Path, dict]:
    """A tiny CIFAR-10 "python version": <root>/cifar-10-batches-py/ with data_batch_1..5, test_batch and
    batches.meta; each batch a dict with 'data' (n, 3072) uint8 rows (R plane, G plane, B plane) and 'labels'."""
    root = scratch_dir() / f"cifar_{seed}"
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    generator, splits = rng(seed), {True: ([], []), False: ([], [])}
    files = [(f"data_batch_{i}", True, CIFAR_PER_BATCH) for i in range(1, 6)] + [("test_batch", False, CIFAR_TEST)]
    for name, train, n in files:
        images = torch.randint(0, 256, (n, 3, 32, 32), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=generator)
        batch = {_Py2Str("batch_label"): _Py2Str(f"{name} (tiny)"), _Py2Str("labels"): labels.tolist(),
                 _Py2Str("data"): images.reshape(n, 3072).numpy(),
                 _Py2Str("filenames"): [_Py2Str(f"img_{k}.png") for k in range(n)]}
        (folder / name).write_bytes(_pickled(batch))
        splits[train][0].append(images)
        splits[train][1].append(labels)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(_pickled({_Py2Str("label_names"): [_Py2Str(n) for n in names],
                                                    _Py2Str("num_cases_per_batch"): CIFAR_PER_BATCH,
                                                    _Py2Str("num_vis"): 3072}))
    return root, {train: (torch.cat(x), torch.cat(y)) for train, (x, y) in splits.items()}


def _fashion_root() -> str:
    from torchdojo.data.real import locate

    return str(locate("fashion-mnist", download=False)[1])


@observer
def _read(learner, name: str, root: str, train: bool, indices) -> dict:
    """Runs next to the learner's code: get_dataset(name, root, train), its length and the items asked for
    (all of them when `indices` is None), as plain data."""
    dataset = learner.get_dataset(name, root, train)
    n = len(dataset)
    items = []
    for i in (range(n) if indices is None else indices):
        image, label = dataset[i]
        items.append((image.detach().clone() if isinstance(image, torch.Tensor) else type(image).__name__,
                      int(label) if isinstance(label, (int, torch.Tensor)) and not isinstance(label, bool)
                      else repr(label)))
    return {"len": n, "items": items}


@observer
def _batches(learner, name: str, root: str, batch_size: int) -> list:
    """Runs next to the learner's code: the batches DataLoader(get_dataset(name, root), batch_size) makes."""
    out = []
    for batch in DataLoader(learner.get_dataset(name, root, True), batch_size=batch_size, shuffle=False):
        out.append([t.clone() for t in batch] if isinstance(batch, (list, tuple)) else "not a pair")
    return out


def _judge(got: dict, images: torch.Tensor, labels: torch.Tensor, name: str, split: str, indices=None) -> None:
    expected_len = len(labels) if indices is None else got["len"]
    expect(got["len"] == expected_len, f"len(get_dataset({name!r}, root, train={split == 'train'})) is {got['len']}, "
                                       f"expected {expected_len} (the {split} split)", f"len:{name}:{split}",
           kind="shape")
    positions = range(len(labels)) if indices is None else indices
    wanted = _normalised(images, name)
    for k, (i, (image, label)) in enumerate(zip(positions, got["items"])):
        what = f"item {i} of the {name} {split} split"
        expect(isinstance(image, torch.Tensor), f"{what}'s image is a {image}, expected a tensor", f"type:{name}",
               kind="type")
        expect_shape(image, tuple(wanted.shape[1:]), what=f"{what}'s image")
        expect(image.dtype == torch.float32, f"{what}'s image is {image.dtype}, expected float32",
               f"dtype:{name}:{image.dtype}", kind="dtype")
        expect_close(image, wanted[k if indices is not None else i], what=f"{what}'s image (x / 255 - mean) / std, "
                     f"mean {STATS[name][0]}, std {STATS[name][1]})", rtol=1e-4, atol=1e-4)
        expect(label == int(labels[k if indices is not None else i]), f"{what}'s label is {label}, expected "
                                                                      f"{int(labels[k if indices is not None else i])}",
               f"label:{name}:{split}", kind="value")


def check_mnist(learner):
    """get_dataset('mnist', root, train) reads torchvision's layout (root/MNIST/raw/, IDX files; a tiny copy the
    grader wrote): both splits, every item a float32 (1, 28, 28) image normalised with MNIST's mean 0.1307 and
    std 0.3081, and its label."""
    root, splits = _write_mnist(0)
    for train in (True, False):
        got = _read.labelled(f"get_dataset('mnist', root, train={train})", learner, "mnist", str(root), train, None)
        _judge(got, *splits[train], "mnist", "train" if train else "test")


def check_cifar10(learner):
    """get_dataset('cifar10', root, train) reads CIFAR-10's python batches (root/cifar-10-batches-py/, a tiny
    copy the grader wrote): data_batch_1..5 for training, test_batch for testing; every item a float32
    (3, 32, 32) image (rows are channel-major: 1024 red, 1024 green, 1024 blue) normalised per channel."""
    root, splits = _write_cifar(1)
    for train in (True, False):
        got = _read.labelled(f"get_dataset('cifar10', root, train={train})", learner, "cifar10", str(root), train,
                             None)
        _judge(got, *splits[train], "cifar10", "train" if train else "test")


def check_fashion_mnist_real(learner):
    """get_dataset('fashionmnist', root, train) on the real Fashion-MNIST: 60,000 training and 10,000 test images,
    items (1, 28, 28) normalised with its mean 0.2860 and std 0.3530, equal to the grader's own decoding."""
    from torchdojo.data.real import load_tensors

    root = _fashion_root()
    for train, indices, size in ((True, [0, 1, 12345, 59999], 60000), (False, [0, 4321, 9999], 10000)):
        images, labels = load_tensors("fashion-mnist", train=train, download=False)
        got = _read.labelled(f"get_dataset('fashionmnist', root, train={train})", learner, "fashionmnist", root,
                             train, indices)
        split = "train" if train else "test"
        expect(got["len"] == size, f"len(get_dataset('fashionmnist', root, train={train})) is {got['len']}, expected "
                                   f"{size} (the {split} split)", f"len:fashionmnist:{split}", kind="shape")
        _judge(got, images[indices], labels[indices], "fashionmnist", split, indices)


def check_unknown_name(learner):
    """An unknown name raises ValueError whose message lists the three names get_dataset knows."""
    root = scratch_dir() / "nothing_here"
    root.mkdir(exist_ok=True)
    try:
        learner.get_dataset("imagenet", str(root))
    except LearnerRaised as exc:
        kind, message = exc.info.get("type", ""), str(exc.info.get("message", ""))
        if kind == "NotImplementedError":
            raise
        expect(kind == "ValueError", f"get_dataset('imagenet', root) raised {kind} ({message[:120]}), expected a "
                                     "ValueError", f"unknown:type:{kind}", kind="value")
        missing = [n for n in STATS if n not in message]
        expect(not missing, f"get_dataset('imagenet', root) raised ValueError({message[:160]!r}), which does not list "
                            f"{missing}: say which names exist", "unknown:names", kind="value")
        return
    raise CheckFailed("get_dataset('imagenet', root) did not raise: an unknown name must be a ValueError listing the "
                      "known ones, not some other dataset", "unknown:accepted")


def check_missing_dataset_error(learner):
    """A dataset that is not in root raises FileNotFoundError whose message names the dataset and the root folder
    (not torchvision's RuntimeError, and never a download or random data)."""
    root = scratch_dir() / "empty_root"
    root.mkdir(exist_ok=True)
    for name in STATS:
        try:
            learner.get_dataset(name, str(root))
        except LearnerRaised as exc:
            kind, message = exc.info.get("type", ""), str(exc.info.get("message", ""))
            if kind == "NotImplementedError":
                raise
            expect(kind == "FileNotFoundError", f"get_dataset({name!r}, empty folder) raised {kind} "
                   f"({message[:120]}), expected FileNotFoundError", f"missing:{name}:type:{kind}", kind="value")
            expect(name in message and str(root) in message,
                   f"get_dataset({name!r}, empty folder) raised FileNotFoundError({message[:160]!r}): the message "
                   f"must name the dataset ({name!r}) and the folder searched ({root})", f"missing:{name}:message")
            continue
        raise CheckFailed(f"get_dataset({name!r}, empty folder) did not raise", f"missing:{name}:accepted")


def check_dataloader_batches(learner):
    """DataLoader(get_dataset('cifar10', root), batch_size=8) yields images (8, 3, 32, 32) float32 and labels (8,)
    int64, the last batch the remainder, with the dataset's values in order."""
    root, splits = _write_cifar(2)
    images, labels = splits[True]
    wanted = _normalised(images, "cifar10")
    batches = _batches.labelled("DataLoader(get_dataset('cifar10', root), batch_size=8)", learner, "cifar10",
                                str(root), 8)
    expect(len(batches) == 3, f"DataLoader over 20 images with batch_size=8 made {len(batches)} batches, expected 3",
           f"loader:count:{len(batches)}", kind="shape")
    for b, batch in enumerate(batches):
        expect(isinstance(batch, list) and len(batch) == 2, f"batch {b} is {batch}", "loader:type", kind="type")
        x, y = batch
        count = min(8, 20 - 8 * b)
        expect_shape(x, (count, 3, 32, 32), what=f"batch {b}'s images")
        expect(y.dtype == torch.int64 and tuple(y.shape) == (count,), f"batch {b}'s labels are {y.dtype} of shape "
               f"{tuple(y.shape)}, expected int64 ({count},)", f"loader:labels:{y.dtype}", kind="dtype")
        expect_close(x, wanted[8 * b: 8 * b + count], what=f"batch {b}'s images", rtol=1e-4, atol=1e-4)
        expect(torch.equal(y, labels[8 * b: 8 * b + count]), f"batch {b}'s labels differ", "loader:values")


def check_model_adapts(learner):
    """Classifier(in_channels, image_size, num_classes=10) maps (N, C, S, S) images to (N, num_classes) logits for
    grey and colour images of several sizes (1×28, 3×32, 3×20, 1×36, 2×24), batches of 1 and 5."""
    failures = []  # every failing case, so that the message (and the mistake it points at) names them all
    for c, s, k in ((1, 28, 10), (3, 32, 10), (3, 20, 10), (1, 36, 4), (2, 24, 7)):
        call = f"Classifier({c}, {s}{'' if k == 10 else f', {k}'})"
        with seeded(c * 100 + s):
            model = learner.Classifier(c, s) if k == 10 else learner.Classifier(c, s, k)
        for n in (1, 5):
            x = torch.randn(n, c, s, s, generator=rng(s + n))
            try:
                out = model(x)
            except LearnerRaised as exc:
                failures.append((f"{c}x{s}", f"{call} on a batch of shape ({n}, {c}, {s}, {s}) raised "
                                             f"{exc.info.get('type')}: {str(exc.info.get('message', ''))[:160]}"))
                break
            if not (isinstance(out, torch.Tensor) and tuple(out.shape) == (n, k) and bool(torch.isfinite(out).all())):
                got = f"shape {tuple(out.shape)}" if isinstance(out, torch.Tensor) else f"a {type(out).__name__}"
                failures.append((f"{c}x{s}", f"{call} on ({n}, {c}, {s}, {s}) gave {got}, expected finite logits of "
                                             f"shape ({n}, {k})"))
                break
    expect(not failures, f"the model does not adapt to {len(failures)} of 5 image kinds: "
                         f"{failures[0][1] if failures else ''} (are the input channels and the head's input size "
                         "computed from the arguments?)",
           f"model:{[case for case, _ in failures]}", kind="shape")


def check_model_on_each_dataset(learner):
    """A Classifier built from the shape of each dataset's first item (channels, size) takes a DataLoader batch
    of that dataset and returns (batch, 10) logits: the same code trains on any of the three."""
    cases = [("mnist", str(_write_mnist(3)[0])), ("cifar10", str(_write_cifar(4)[0])),
             ("fashionmnist", _fashion_root())]
    for name, root in cases:
        facts = _fit_shapes(learner, name, root)
        expect("error" not in facts, f"on {name}: {facts.get('error', '')}", f"pipeline:{name}", kind="shape")
        expect(facts["out"] == [4, 10], f"on {name}, Classifier({facts['channels']}, {facts['size']}) gave an output "
                                        f"of shape {facts['out']} for a batch of 4, expected [4, 10]",
               f"pipeline:{name}:shape", kind="shape")


@observer
def _fit_shapes_observed(learner, name: str, root: str) -> dict:
    """Runs next to the learner's code: the first item's shape builds a Classifier, which takes a batch."""
    dataset = learner.get_dataset(name, root, False)
    image, _ = dataset[0]
    channels, size = int(image.shape[0]), int(image.shape[-1])
    torch.manual_seed(0)
    model = learner.Classifier(channels, size)
    x, _ = next(iter(DataLoader(dataset, batch_size=4)))
    try:
        with torch.no_grad():
            out = model(x)
    except Exception as exc:  # noqa: BLE001 - reported as what happened
        return {"error": f"Classifier({channels}, {size}) on a batch of shape {list(x.shape)} raised "
                         f"{type(exc).__name__}: {str(exc)[:160]}", "channels": channels, "size": size}
    return {"out": list(out.shape), "channels": channels, "size": size}


def _fit_shapes(learner, name: str, root: str) -> dict:
    return _fit_shapes_observed.labelled(f"Classifier from get_dataset({name!r}, root)[0]", learner, name, root)
