"""Where the real datasets live on disk: discovery, unpacking into torchvision's layout, validation.

Search order for a dataset's files (the first complete set wins):

1. ``data_dir`` (``--data-dir``) or the ``TORCHDOJO_DATA`` environment variable;
2. a system directory (Debian's ``dataset-fashion-mnist`` puts the original IDX files in
   ``/usr/share/datasets/fashion-mnist/``);
3. the user cache, ``$XDG_CACHE_HOME/torchdojo/data`` (torchvision downloads there when online).

Each candidate may hold torchvision's layout (``FashionMNIST/raw/...``) or the files flat, packed
or not. Compressed or flat files are unpacked once into torchvision's layout in the user cache:
Debian's ``.gz`` files differ in checksum from the ones torchvision lists, so torchvision will not
take them as downloads, but unpacked they load with ``download=False``.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from torchdojo.atomic import atomic_write_bytes, atomic_write_text

DATA_ENV_VAR = "TORCHDOJO_DATA"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


class DataError(Exception):
    """A dataset problem the user can fix; the message says how."""


class DatasetMissing(DataError):
    """The dataset is in none of the searched places and could not be downloaded."""


class DatasetCorrupt(DataError):
    """A dataset file exists but is truncated or damaged; the message names the file."""


@dataclass(frozen=True)
class DatasetSpec:
    """What one dataset needs on disk and how the user can get it."""

    name: str  # the name on the command line
    title: str
    torchvision_class: str
    folder: str  # where torchvision expects the files, relative to its root
    files: tuple[str, ...]
    archive: str | None  # an archive that can stand in for the files (CIFAR-10)
    classes: tuple[str, ...]
    install_hint: str  # how to get the files, beyond "put them here"

    @property
    def is_idx(self) -> bool:
        return self.archive is None


_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "fashion-mnist", "Fashion-MNIST", "FashionMNIST", "FashionMNIST/raw", _IDX_FILES, None,
            ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            "install them with `apt-get install dataset-fashion-mnist` (as root, or with sudo)",
        ),
        DatasetSpec(
            "mnist", "MNIST", "MNIST", "MNIST/raw", _IDX_FILES, None,
            tuple(str(digit) for digit in range(10)),
            "run once online to let torchvision download them",
        ),
        DatasetSpec(
            "cifar10", "CIFAR-10", "CIFAR10", "cifar-10-batches-py",
            ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
             "test_batch", "batches.meta"),
            "cifar-10-python.tar.gz",
            ("airplane", "automobile", "bird", "cat", "deer",
             "dog", "frog", "horse", "ship", "truck"),
            "run once online to let torchvision download them",
        ),
    )
}


def spec_for(name: str) -> DatasetSpec:
    """The spec of a dataset by its command-line name; a clear error for unknown names."""
    try:
        return SPECS[name]
    except KeyError:
        known = ", ".join(SPECS)
        raise DataError(f"unknown dataset {name!r}; choose one of: {known}") from None


def cache_dir() -> Path:
    """torchdojo's user cache, honouring XDG_CACHE_HOME."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "torchdojo"


def candidate_dirs(spec: DatasetSpec, data_dir: str | os.PathLike | None,
                   system_dir: Path | None) -> list[Path]:
    """The places searched for a dataset, in order."""
    explicit = data_dir or os.environ.get(DATA_ENV_VAR)
    found = [Path(explicit).expanduser()] if explicit else []
    if system_dir is not None:
        found.append(system_dir)
    found.append(cache_dir() / "data")
    return found


def default_system_dir(spec: DatasetSpec) -> Path | None:
    return DEBIAN_FASHION_MNIST if spec.name == "fashion-mnist" else None


def find_root(spec: DatasetSpec, data_dir: str | os.PathLike | None = None,
              system_dir: Path | None = None) -> Path | None:
    """The torchvision root holding the dataset, unpacking it into the cache when needed.

    Returns None when no candidate holds a complete set of files.
    """
    for candidate in candidate_dirs(spec, data_dir, system_dir):
        if _has_layout(spec, candidate):
            return candidate
        packed = _packed_files(spec, candidate)
        if packed:
            return _unpack_into_cache(spec, packed)
    return None


def missing_message(spec: DatasetSpec, searched: list[Path]) -> str:
    """One message: what is missing, where it was looked for, where to put which files."""
    files = ", ".join(spec.files if spec.is_idx else (spec.archive,))
    target = cache_dir() / "data" / (spec.folder if spec.is_idx else "")
    places = ", ".join(str(path) for path in searched)
    packed = " (or their .gz files)" if spec.is_idx else f" (or the extracted {spec.folder}/)"
    return (f"{spec.title} not found (looked in {places}). Put {files}{packed} in {target}, "
            f"or point --data-dir / {DATA_ENV_VAR} at the directory holding them; "
            f"or {spec.install_hint}.")


def _has_layout(spec: DatasetSpec, root: Path) -> bool:
    return all((root / spec.folder / name).is_file() for name in spec.files)


def _packed_files(spec: DatasetSpec, directory: Path) -> dict[str, Path]:
    """Files in ``directory`` (flat or under the torchvision folder) that can be unpacked."""
    if not spec.is_idx:
        archive = directory / spec.archive
        return {spec.archive: archive} if archive.is_file() else {}
    found = {}
    for name in spec.files:
        options = [folder / suffix_name for folder in (directory, directory / spec.folder)
                   for suffix_name in (name, name + ".gz")]
        present = [path for path in options if path.is_file()]
        if not present:
            return {}
        found[name] = present[0]
    return found


def _unpack_into_cache(spec: DatasetSpec, packed: dict[str, Path]) -> Path:
    root = cache_dir() / "data"
    if spec.is_idx:
        for name, source in packed.items():
            _unpack_idx(source, root / spec.folder / name)
    else:
        _extract_archive(packed[spec.archive], root)
    return root


def _unpack_idx(source: Path, target: Path) -> None:
    """Decompress (or copy) one IDX file, validate it, and move it into place atomically.

    A marker file remembers which source the target came from, so pointing torchdojo at other
    files replaces the unpacked copy instead of silently keeping the old data."""
    marker = target.with_name(target.name + ".source")
    stat = source.stat()
    origin = f"{source.resolve()} {stat.st_size} {stat.st_mtime_ns}"
    if target.is_file() and marker.is_file() and marker.read_text() == origin:
        return
    opener = gzip.open if source.suffix == ".gz" else open
    try:
        with opener(source, "rb") as stream:
            payload = stream.read()
    except (EOFError, OSError, zlib.error) as exc:
        raise DatasetCorrupt(f"{source} is truncated or corrupt ({exc}); replace it") from None
    check_idx_bytes(payload, source)
    atomic_write_bytes(target, payload)
    atomic_write_text(marker, origin)


def check_idx_bytes(payload: bytes, source: Path) -> None:
    """Raise DatasetCorrupt unless ``payload`` is a complete IDX file (header matches the size)."""
    if len(payload) < 4 or payload[0:2] != b"\x00\x00" or payload[2] != 0x08:
        raise DatasetCorrupt(f"{source} is not an IDX file of unsigned bytes; replace it")
    ndim = payload[3]
    header_size = 4 + 4 * ndim
    if len(payload) < header_size:
        raise DatasetCorrupt(f"{source} is truncated (incomplete header); replace it")
    dims = [int.from_bytes(payload[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    count = 1
    for dim in dims:
        count *= dim
    if len(payload) != header_size + count:
        raise DatasetCorrupt(
            f"{source} is truncated or corrupt: {len(payload)} bytes, expected "
            f"{header_size + count} for shape {tuple(dims)}; replace it")


def _extract_archive(archive: Path, root: Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")
    except (EOFError, OSError, tarfile.TarError, zlib.error) as exc:
        raise DatasetCorrupt(f"{archive} is truncated or corrupt ({exc}); replace it") from None


def check_md5(path: Path, expected: str) -> None:
    """Raise DatasetCorrupt naming ``path`` when its MD5 differs from ``expected``."""
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if digest != expected:
        raise DatasetCorrupt(f"{path} is truncated or corrupt (MD5 {digest}, expected {expected}); "
                             "replace it")
