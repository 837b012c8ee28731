"""csv.DictReader rows, NumPy column means (nanmean) and a NumPy permutation; tensors converted once, to
float32 and int64 explicitly."""
import csv

import numpy as np
import torch
from torch.utils.data import Dataset, Subset


class CSVDataset(Dataset):
    def __init__(self, path, label_column="label"):
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            columns = [c for c in reader.fieldnames if c != label_column]
            x, y = [], []
            for row in reader:
                where = f"line {reader.line_num}"
                if None in row or None in row.values():  # DictReader: extra fields under None, missing as None
                    raise ValueError(f"{where}: the number of fields does not match the header")
                if not row[label_column]:
                    raise ValueError(f"{where}: missing label")
                try:
                    y.append(int(row[label_column]))
                    x.append([float(row[c]) if row[c] else np.nan for c in columns])
                except ValueError as e:
                    raise ValueError(f"{where}: {e}") from None
        x = np.array(x)  # float64
        x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
        self.x = torch.from_numpy(x).float()
        self.y = torch.from_numpy(np.array(y)).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def train_test_split(dataset, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(dataset))
    n_test = int(round(test_fraction * len(dataset)))
    return Subset(dataset, order[n_test:].tolist()), Subset(dataset, order[:n_test].tolist())
