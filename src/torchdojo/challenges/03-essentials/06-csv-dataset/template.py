"""A Dataset that reads a CSV file with a header: float32 features, int64 labels, missing values filled with
the column mean, malformed rows reported by line number; a seeded train/test split.

Run `torchdojo check csv-dataset` to grade this file.
"""
import csv

import torch
from torch.utils.data import Dataset, Subset


class CSVDataset(Dataset):
    def __init__(self, path: str, label_column: str = "label"):
        """Read the CSV file at `path`: its first line is a header naming the columns; `label_column` holds
        integer class labels, every other column is a numeric feature."""
        # TODO 1: read the header, find the label column by its name
        # TODO 2: parse each row; an empty feature field is missing; a malformed row (wrong number of fields,
        #         not a number, no label) raises ValueError naming its line in the file (the header is line 1)
        # TODO 3: self.features, float32 (N, d), missing values replaced by their column's mean;
        #         self.labels, int64 (N,)
        raise NotImplementedError("TODO: read the CSV file into features and labels")

    def __len__(self) -> int:
        # TODO 4: the number of examples
        raise NotImplementedError("TODO: return the number of examples")

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(features of shape (d,), float32; label, a 0-dim int64 tensor)"""
        # TODO 5: one example
        raise NotImplementedError("TODO: return one (features, label) pair")


def train_test_split(dataset: Dataset, test_fraction: float, seed: int) -> tuple[Subset, Subset]:
    """(train, test): round(test_fraction · len(dataset)) examples in test, the rest in train, chosen at random
    from a generator seeded with `seed` (same seed, same split; the global random state untouched)."""
    # TODO 6: a seeded permutation of the indices, cut in two
    raise NotImplementedError("TODO: split the indices with a seeded generator")
