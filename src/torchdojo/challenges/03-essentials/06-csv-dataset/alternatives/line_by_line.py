"""Lines split by hand, means in plain Python, tensors built per item, random_split for the split."""
import torch
from torch.utils.data import Dataset, random_split


class CSVDataset(Dataset):
    def __init__(self, path, label_column="label"):
        with open(path) as f:
            lines = f.read().splitlines()
        names = lines[0].split(",")
        target = names.index(label_column)
        self.rows, self.targets = [], []
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split(",")
            if len(fields) != len(names):
                raise ValueError(f"line {number}: expected {len(names)} values, found {len(fields)}")
            if fields[target] == "":
                raise ValueError(f"line {number}: no label")
            try:
                self.targets.append(int(fields[target]))
                self.rows.append([float(v) if v != "" else None for j, v in enumerate(fields) if j != target])
            except ValueError:
                raise ValueError(f"line {number}: a value is not a number: {line!r}") from None
        for column in range(len(names) - 1):
            present = [row[column] for row in self.rows if row[column] is not None]
            mean = sum(present) / len(present)
            for row in self.rows:
                if row[column] is None:
                    row[column] = mean

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return torch.tensor(self.rows[i], dtype=torch.float32), torch.tensor(self.targets[i])


def train_test_split(dataset, test_fraction, seed):
    n_test = round(test_fraction * len(dataset))
    return tuple(random_split(dataset, [len(dataset) - n_test, n_test], generator=torch.Generator().manual_seed(seed)))
