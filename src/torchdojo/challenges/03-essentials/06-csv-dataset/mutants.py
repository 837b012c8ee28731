"""Known mistakes for csv-dataset."""
from torchdojo.grading.mutants import Mutant

ORDER = "order = torch.randperm(n, generator=generator).tolist()"

MUTANTS = [
    Mutant("float64-leak",
           "your features are float64: torch.tensor of Python floats with dtype=float64 (or NumPy's default) stays "
           "float64 and fails against a float32 model; convert with .float() / dtype=torch.float32",
           replace={"self.features = features.to(torch.float32)  # (N, d)": "self.features = features"}),
    Mutant("labels-as-float",
           "your labels are float tensors: cross_entropy wants class indices as int64 (torch.long)",
           replace={"self.labels = torch.tensor(labels, dtype=torch.int64)":
                    "self.labels = torch.tensor(labels, dtype=torch.float32)"}),
    Mutant("header-read-as-data",
           "your Dataset reads the header line as a row of data: 'temperature' is not a number, so every file "
           "fails on line 1; skip the first line (next(reader)) before reading rows",
           replace={"            header = next(reader)  # the first line names the columns: it is not an example\n":
                    "            header = next(csv.reader(open(path)))\n"}),
    Mutant("first-row-skipped",
           "your Dataset skips the first data row as well as the header: len is one short and every item is "
           "shifted; skip the header line only",
           replace={"label_index = header.index(label_column)\n": "label_index = header.index(label_column)\n"
                                                                  "            next(reader)\n"}),
    Mutant("line-number-off-by-one",
           "your error names the line one too early: lines count from 1 and the header is line 1, so the first data "
           "row is line 2 (csv.reader's line_num, or enumerate(reader, start=2))",
           replace={"line = reader.line_num  #": "line = reader.line_num - 1  #"}),
    Mutant("label-in-features",
           "your features include the label column: the model would be handed the answer; drop the label column "
           "from the features",
           replace={"for i, value in enumerate(fields) if i != label_index]": "for i, value in enumerate(fields)]"}),
    Mutant("label-assumed-last",
           "your Dataset takes the LAST column as the label instead of the column named label_column: find it by "
           "name with header.index(label_column)",
           replace={"label_index = header.index(label_column)": "label_index = len(header) - 1"}),
    Mutant("missing-as-zero",
           "your Dataset fills an empty field with 0, not with its column's mean: a 0 in 'pressure' (around 1000) "
           "is a wild outlier; use the mean of the values present",
           replace={"features = torch.where(features.isnan(), column_means, features)":
                    "features = torch.nan_to_num(features, nan=0.0)"}),
    Mutant("missing-left-as-nan",
           "your Dataset leaves empty fields as NaN: one NaN makes the loss and every gradient NaN; fill it with "
           "the column's mean",
           replace={"features = torch.where(features.isnan(), column_means, features)": "pass"}),
    Mutant("malformed-row-accepted",
           "your Dataset accepts a row with the wrong number of fields (zip or slicing silently drops or pads "
           "values): check the count against the header and raise a ValueError naming the line",
           replace={"                if len(fields) != len(header):\n": "                if False:\n"}),
    Mutant("split-overlaps",
           "your split draws the training and the test part from two different permutations: some examples land "
           "in both (the test score then measures memory) and some in neither; cut ONE permutation in two",
           replace={"return Subset(dataset, order[n_test:]), Subset(dataset, order[:n_test])":
                    "train = torch.randperm(n, generator=generator)[:n - n_test].tolist()\n"
                    "    return Subset(dataset, train), Subset(dataset, order[:n_test])"}),
    Mutant("split-size-truncated",
           "your split sizes the test part with int(test_fraction * n), which truncates (1/3 of 50 gives 16, not "
           "17): use round(test_fraction * len(dataset)), as the statement says",
           replace={"n_test = round(test_fraction * n)": "n_test = int(test_fraction * n)"}),
    Mutant("split-not-seeded",
           "your split draws from the global random generator and ignores `seed`: every call gives another split, "
           "so no result can be reproduced; use torch.Generator().manual_seed(seed)",
           replace={ORDER: "order = torch.randperm(n).tolist()"}),
    Mutant("split-reseeds-global",
           "your split calls torch.manual_seed(seed): the split is reproducible, but it resets the global random "
           "state for everything the caller does next (initialisation, dropout, shuffling); seed a "
           "torch.Generator of its own",
           replace={ORDER: "torch.manual_seed(seed)\n    order = torch.randperm(n).tolist()"}),
]
