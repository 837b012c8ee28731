"""torchdojo.data: where real datasets are found, what happens when they are not, synthetic data.

The Fashion-MNIST tests use the real files of Debian's `dataset-fashion-mnist` package; they fail
(not skip) when it is not installed, because CI installs it.
"""
import gzip
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from torchdojo import data
from torchdojo.data import DataError, DatasetCorrupt, DatasetMissing, load_tensors, locate
from torchdojo.data.sources import DEBIAN_FASHION_MNIST

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture(autouse=True)
def private_cache(user_dirs, monkeypatch):
    """No TORCHDOJO_DATA and no downloads; returns the (empty, private) user cache."""
    monkeypatch.delenv(data.DATA_ENV_VAR, raising=False)
    monkeypatch.setenv(data.OFFLINE_ENV_VAR, "1")
    return data.cache_dir()


def idx_bytes(array: torch.Tensor) -> bytes:
    """An IDX file of unsigned bytes holding ``array``."""
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(size.to_bytes(4, "big") for size in array.shape)
    return header + array.to(torch.uint8).numpy().tobytes()


def write_tiny_idx_set(folder: Path, count: int = 3, compress: bool = False) -> torch.Tensor:
    """The four IDX files of a tiny MNIST-like dataset; returns its (train) images."""
    folder.mkdir(parents=True, exist_ok=True)
    images = torch.arange(count * 28 * 28).reshape(count, 28, 28) % 256
    labels = torch.arange(count) % 10
    for name, array in zip(IDX_NAMES, (images, labels, images, labels)):
        payload = idx_bytes(array)
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / name).write_bytes(payload)
    return images


def test_debian_files_are_unpacked_into_torchvision_layout_and_load(private_cache):
    spec, root = locate("fashion-mnist", download=False)
    assert root == private_cache / "data"
    umask = os.umask(0)
    os.umask(umask)
    for name in IDX_NAMES:  # readable like any file the user writes, not private to the owner
        assert stat.S_IMODE((root / "FashionMNIST" / "raw" / name).stat().st_mode) == 0o666 & ~umask
    images, labels = load_tensors("fashion-mnist", train=True, download=False)
    assert images.shape == (60000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.bincount().tolist() == [6000] * 10
    test_images, test_labels = load_tensors("fashion-mnist", train=False, download=False)
    assert test_images.shape == (10000, 1, 28, 28) and test_labels.shape == (10000,)
    # Real images, not noise: mean intensity of Fashion-MNIST is about 0.286 * 255.
    assert abs(images.float().mean().item() / 255 - 0.286) < 0.01
    assert spec.classes[labels[0]] == "Ankle boot"


def test_second_load_comes_from_the_tensor_cache_without_torchvision(private_cache):
    first, _ = load_tensors("fashion-mnist", train=False, download=False)
    assert list((private_cache / "tensors").glob("fashion-mnist-test-*.pt"))
    probe = ("import sys; from torchdojo.data import load_tensors; "
             "x, y = load_tensors('fashion-mnist', False, download=False); "
             "print('torchvision' in sys.modules, int(x.sum()))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=os.environ.copy(), check=True)
    assert result.stdout.split() == ["False", str(int(first.sum()))]


def test_env_var_points_at_a_torchvision_layout(tmp_path, monkeypatch):
    images = write_tiny_idx_set(tmp_path / "mine" / "MNIST" / "raw")
    monkeypatch.setenv(data.DATA_ENV_VAR, str(tmp_path / "mine"))
    _, root = locate("mnist", download=False)
    assert root == tmp_path / "mine"
    loaded, labels = load_tensors("mnist", train=True, download=False)
    assert torch.equal(loaded[:, 0], images.to(torch.uint8)) and labels.tolist() == [0, 1, 2]


def test_data_dir_wins_over_env_and_flat_gz_files_are_unpacked(tmp_path, monkeypatch,
                                                                private_cache):
    write_tiny_idx_set(tmp_path / "env" / "MNIST" / "raw")
    images = write_tiny_idx_set(tmp_path / "flat", count=5, compress=True)
    monkeypatch.setenv(data.DATA_ENV_VAR, str(tmp_path / "env"))
    _, root = locate("mnist", tmp_path / "flat", download=False)
    assert root == private_cache / "data"
    loaded, _ = load_tensors("mnist", train=False, data_dir=tmp_path / "flat", download=False)
    assert loaded.shape == (5, 1, 28, 28) and torch.equal(loaded[:, 0], images.to(torch.uint8))


@pytest.mark.parametrize("name, expected", [
    ("fashion-mnist", ["apt-get install dataset-fashion-mnist", "FashionMNIST/raw",
                       "train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "TORCHDOJO_DATA"]),
    ("mnist", ["MNIST/raw", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"]),
    ("cifar10", ["cifar-10-python.tar.gz", "cifar-10-batches-py"]),
])
def test_missing_dataset_says_where_to_put_which_files(tmp_path, private_cache, name, expected):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetMissing) as caught:
        load_tensors(name, train=True, data_dir=empty, download=False, search_system=False)
    message = str(caught.value)
    assert "\n" not in message and str(empty) in message
    assert str(private_cache / "data") in message
    for fragment in expected:
        assert fragment in message


def test_truncated_gz_file_is_named(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in IDX_NAMES:
        shutil.copy(DEBIAN_FASHION_MNIST / f"{name}.gz", flat)
    damaged = flat / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    with pytest.raises(DatasetCorrupt, match=str(damaged)):
        locate("fashion-mnist", flat, download=False, search_system=False)


def test_truncated_raw_idx_file_is_named(tmp_path):
    write_tiny_idx_set(tmp_path / "mine" / "MNIST" / "raw")
    damaged = tmp_path / "mine" / "MNIST" / "raw" / "train-images-idx3-ubyte"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    with pytest.raises(DatasetCorrupt, match=f"{damaged} is truncated"):
        load_tensors("mnist", train=True, data_dir=tmp_path / "mine", download=False)


def test_corrupt_cifar_batch_is_named(tmp_path):
    folder = tmp_path / "mine" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in data.spec_for("cifar10").files:
        (folder / name).write_bytes(b"not a pickle")
    with pytest.raises(DatasetCorrupt, match=str(folder / "data_batch_1")):
        load_tensors("cifar10", train=True, data_dir=tmp_path / "mine", download=False)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(DataError, match="fashion-mnist, mnist, cifar10"):
        locate("imagenet")


def test_two_d_generators_are_seeded_balanced_and_nonlinear():
    for make in (data.make_moons, data.make_circles, data.make_spirals):
        points, labels = make(n=300, seed=3)
        again, _ = make(n=300, seed=3)
        other, _ = make(n=300, seed=4)
        assert points.shape == (300, 2) and points.dtype == torch.float32
        assert torch.equal(points, again) and not torch.equal(points, other)
        counts = labels.bincount()
        assert counts.max() - counts.min() <= 1
        # Not linearly separable: least squares on (x, y, 1) misclassifies a good share.
        features = torch.cat([points, torch.ones(300, 1)], dim=1).double()
        targets = torch.nn.functional.one_hot(labels).double()
        weights = torch.linalg.lstsq(features, targets).solution
        linear_accuracy = ((features @ weights).argmax(1) == labels).double().mean().item()
        assert linear_accuracy < 0.9


def test_circles_radii_and_sine_targets_are_the_next_step():
    points, labels = data.make_circles(n=200, noise=0.0, factor=0.3)
    radii = points.norm(dim=1)
    assert torch.allclose(radii[labels == 1], torch.tensor(0.3), atol=1e-5)
    assert torch.allclose(radii[labels == 0], torch.tensor(1.0), atol=1e-5)
    inputs, targets = data.noisy_sine_sequences(n=4, length=30)
    assert inputs.shape == targets.shape == (4, 30, 1)
    assert torch.equal(inputs[:, 1:], targets[:, :-1])


def test_reversal_task_targets_are_reversed_sources():
    source, target = data.reversal_task(n=16, length=6, vocab=12, seed=1)
    assert source.shape == target.shape == (16, 6) and source.dtype == torch.int64
    assert torch.equal(target, source.flip(1))
    assert source.min() >= 2 and source.max() < 12
    with pytest.raises(ValueError, match="vocab"):
        data.reversal_task(vocab=2)
