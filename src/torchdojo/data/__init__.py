"""Datasets for challenges and the reference project: real ones offline first, synthetic seeded.

Real data (Fashion-MNIST, MNIST, CIFAR-10) comes through torchvision's dataset classes; where the
files are looked for is described in ``torchdojo.data.sources``. Nothing here ever falls back to
random data: a missing dataset raises ``DatasetMissing``, a damaged file ``DatasetCorrupt``.
Importing this package is cheap; torch is imported by the functions that need it.
"""
from torchdojo.data.real import OFFLINE_ENV_VAR, load_tensors, locate, torchvision_dataset
from torchdojo.data.sources import (
    DATA_ENV_VAR, SPECS, DataError, DatasetCorrupt, DatasetMissing, cache_dir, spec_for,
)
from torchdojo.data.synthetic import (
    make_circles, make_moons, make_spirals, noisy_sine_sequences, reversal_task,
)

__all__ = [
    "DATA_ENV_VAR", "OFFLINE_ENV_VAR", "SPECS", "DataError", "DatasetCorrupt", "DatasetMissing",
    "cache_dir", "load_tensors", "locate", "make_circles", "make_moons", "make_spirals",
    "noisy_sine_sequences", "reversal_task", "spec_for", "torchvision_dataset",
]
