"""A Dataset that reads a CSV file with a header: float32 features, int64 labels, missing values filled with
the column mean, malformed rows reported by line number; a seeded train/test split."""
import csv

import torch
from torch.utils.data import Dataset, Subset


class CSVDataset(Dataset):
    def __init__(self, path: str, label_column: str = "label"):
        with open(path, newline="") as stream:
            reader = csv.reader(stream)
            header = next(reader)  # the first line names the columns: it is not an example
            label_index = header.index(label_column)
            self.feature_names = [name for i, name in enumerate(header) if i != label_index]
            rows, labels = [], []
            for fields in reader:
                line = reader.line_num  # the line of the file this row came from (the header is line 1)
                if len(fields) != len(header):
                    raise ValueError(f"line {line}: {len(fields)} fields, expected {len(header)}")
                if not fields[label_index].strip():
                    raise ValueError(f"line {line}: the label ({label_column}) is missing")
                try:
                    labels.append(int(fields[label_index]))
                    # An empty field is a missing value: NaN for now, the column mean below.
                    rows.append([float(value) if value.strip() else float("nan")
                                 for i, value in enumerate(fields) if i != label_index])
                except ValueError as error:
                    raise ValueError(f"line {line}: {error}") from None
        # Parse and average in float64 (exact sums), then store float32: the dtype of the model's weights.
        # A float64 tensor reaching a float32 model fails with "expected scalar type Float but found Double".
        features = torch.tensor(rows, dtype=torch.float64)
        column_means = features.nanmean(dim=0)  # the mean of the values present in each column
        features = torch.where(features.isnan(), column_means, features)
        self.features = features.to(torch.float32)  # (N, d)
        self.labels = torch.tensor(labels, dtype=torch.int64)  # (N,): class indices, what cross_entropy wants

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]  # (d,) float32 and a 0-dim int64


def train_test_split(dataset: Dataset, test_fraction: float, seed: int) -> tuple[Subset, Subset]:
    n = len(dataset)
    n_test = round(test_fraction * n)
    # A generator of its own: the same seed gives the same split on every run and machine, and the global
    # random stream (dropout, shuffling, initialisation elsewhere) is left alone.
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator).tolist()
    # One permutation cut in two: the parts cannot overlap and together hold every example.
    return Subset(dataset, order[n_test:]), Subset(dataset, order[:n_test])
