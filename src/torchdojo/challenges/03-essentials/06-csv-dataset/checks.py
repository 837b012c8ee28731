"""Checks for csv-dataset. The grader writes every CSV file itself into the grading's scratch folder
(a header, float and int columns, the label column in the middle, missing values, malformed rows) and
knows what each holds. The learner's Dataset is read back next to their code by observers (len, every
item, a DataLoader's batches, the rows each split holds) and judged here: values, dtypes, shapes, the
line number each error names, and whether a split is a seeded partition."""
import math
import re

import torch
from torch.utils.data import DataLoader  # noqa: F401 - imported before learner processes fork

from torchdojo.grading.expect import CheckFailed, expect, expect_close, observer, rng, scratch_dir, seeded
from torchdojo.grading.remote import LearnerRaised

COLUMNS = ["temperature", "rooms", "label", "pressure", "count"]  # the label in the middle, ints and floats
N_ROWS = 50


def _table(seed: int, n: int) -> list[list[str]]:
    """The fields of n rows, as written: floats with 4 decimals, ints, a label in {0, 1, 2}."""
    generator = rng(seed)
    temperature = torch.randn(n, generator=generator) * 10 + 15
    rooms = torch.randint(1, 9, (n,), generator=generator)
    label = torch.randint(0, 3, (n,), generator=generator)
    pressure = torch.randn(n, generator=generator) * 20 + 1000
    count = torch.randint(0, 5000, (n,), generator=generator)
    return [[f"{float(t):.4f}", str(int(r)), str(int(y)), f"{float(p):.4f}", str(int(c))]
            for t, r, y, p, c in zip(temperature, rooms, label, pressure, count)]


def _write(name: str, header: list[str], rows: list[list[str]]) -> str:
    path = scratch_dir() / name
    path.write_text("\n".join(",".join(fields) for fields in [header] + rows) + "\n")
    return str(path)


def _expected(header: list[str], rows: list[list[str]], label: str) -> tuple[torch.Tensor, torch.Tensor]:
    """What the file holds, parsed here: features in float64 with missing values as the column mean of the
    values present, then float32; labels int64."""
    index = header.index(label)
    values = torch.tensor([[float(v) if v else float("nan") for i, v in enumerate(r) if i != index] for r in rows],
                          dtype=torch.float64)
    values = torch.where(values.isnan(), values.nanmean(dim=0), values)
    return values.float(), torch.tensor([int(r[index]) for r in rows])


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


@observer
def _read(dataset) -> dict:
    """Next to the learner's code: len(dataset) and every item, as plain data."""
    n = len(dataset)
    items = []
    for i in range(min(n, 1000)):
        item = dataset[i]
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            return {"len": n, "bad_item": f"dataset[{i}] is {_describe(item)}, expected a pair (features, label)"}
        features, label = item
        if not isinstance(features, torch.Tensor) or not isinstance(label, torch.Tensor):
            return {"len": n, "bad_item": f"dataset[{i}] is ({_describe(features)}, {_describe(label)}), expected "
                                          "two tensors"}
        items.append((features.detach().clone(), label.detach().clone()))
    return {"len": n, "items": items}


@observer
def _batches(dataset, batch_size: int) -> list:
    """Next to the learner's code: the batches a DataLoader makes of the dataset, in order."""
    from torch.utils.data import DataLoader
    out = []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        out.append([t.clone() if isinstance(t, torch.Tensor) else _describe(t) for t in batch]
                   if isinstance(batch, (list, tuple)) else _describe(batch))
    return out


@observer
def _split(split, dataset, fraction: float, seed: int) -> dict:
    """Next to the learner's code: split the dataset; the features of every item of each part, in order, and
    whether the global random state was touched."""
    before = torch.get_rng_state()
    parts = split(dataset, fraction, seed)
    touched = not torch.equal(before, torch.get_rng_state())
    if not (isinstance(parts, (tuple, list)) and len(parts) == 2):
        return {"bad": f"train_test_split returned {_describe(parts)}, expected the pair (train, test)"}

    def rows(data):
        return [data[i][0].detach().reshape(-1).clone() for i in range(len(data))]
    return {"all": rows(dataset), "train": rows(parts[0]), "test": rows(parts[1]), "touched": touched}


def _dataset(learner, path: str, label: str = "label"):
    return learner.CSVDataset(path, label_column=label) if label != "label" else learner.CSVDataset(path)


def _items(learner, path: str, header, rows, label: str = "label", what: str = "the dataset"):
    got = _read.labelled(f"CSVDataset({path.rsplit('/', 1)[-1]!r})", _dataset(learner, path, label))
    expect(got["len"] == len(rows), f"len({what}) is {got['len']}, but the file has {len(rows)} rows after its "
                                    f"header{' (the header is not an example)' if got['len'] == len(rows) + 1 else ''}",
           f"len:{got['len'] - len(rows):+d}", kind="shape")
    expect("bad_item" not in got, got.get("bad_item", ""), "item-type", kind="type")
    return got["items"], _expected(header, rows, label)


def check_length_and_items(learner):
    """CSVDataset(path) over a file with a header and 50 rows (float and int columns, the label column in the
    middle): len is 50, and dataset[i] is (features, label) with the file's values, every column but the
    label in file order."""
    rows = _table(0, N_ROWS)
    path = _write("houses.csv", COLUMNS, rows)
    items, (features, labels) = _items(learner, path, COLUMNS, rows)
    for i in (0, 1, 17, N_ROWS - 1):
        got_features, got_label = items[i]
        expect_close(got_features, features[i], what=f"the features of dataset[{i}] (temperature, rooms, pressure, "
                                                     "count: every column but the label)", check_dtype=False)
        expect(got_label.numel() == 1 and int(got_label.reshape(-1)[0]) == int(labels[i]),
               f"the label of dataset[{i}] is {got_label.reshape(-1).tolist()}, expected {int(labels[i])} (the "
               "'label' column)", "label-value", kind="value")


def check_dtypes(learner):
    """Every item's features are float32 (a float64 tensor does not go through a float32 model) and its label
    a 0-dim int64 tensor (what cross_entropy expects)."""
    rows = _table(1, 12)
    items, _ = _items(learner, _write("dtypes.csv", COLUMNS, rows), COLUMNS, rows)
    features, label = items[0]
    expect(features.dtype == torch.float32, f"dataset[0]'s features are {features.dtype}, expected torch.float32: "
                                            "a float64 tensor (NumPy's default, or torch.tensor of Python floats "
                                            "with dtype=float64) meets a float32 model and fails",
           f"dtype:features:{features.dtype}", kind="float64" if features.dtype == torch.float64 else "dtype")
    expect(label.dtype == torch.int64 and label.dim() == 0,
           f"dataset[0]'s label is a {label.dtype} tensor of shape {tuple(label.shape)}, expected a 0-dim "
           "torch.int64 (a class index, as cross_entropy wants; the DataLoader stacks them into (B,))",
           f"dtype:label:{label.dtype}:{label.dim()}", kind="dtype")


def check_label_column_by_name(learner):
    """The label column is found by its name wherever it is: CSVDataset(path, label_column='target') on a file
    whose first column is 'target' gives 2 features and the right labels."""
    header = ["target", "height", "width"]
    generator = rng(2)
    rows = [[str(int(t)), f"{float(h):.3f}", f"{float(w):.3f}"] for t, h, w in
            zip(torch.randint(0, 5, (9,), generator=generator), torch.rand(9, generator=generator) * 3,
                torch.rand(9, generator=generator) * 7)]
    items, (features, labels) = _items(learner, _write("target_first.csv", header, rows), header, rows, "target")
    for i in range(len(rows)):
        expect_close(items[i][0], features[i], what=f"the features of dataset[{i}] with label_column='target' "
                                                    "(height, width)", check_dtype=False)
        expect(int(items[i][1].reshape(-1)[0]) == int(labels[i]),
               f"the label of dataset[{i}] is {items[i][1].reshape(-1).tolist()}, expected {int(labels[i])} (the "
               "'target' column)", "label-by-name", kind="value")


def check_missing_values(learner):
    """An empty field is a missing value, replaced by the mean of the values present in its column (float and
    int columns alike); no NaN is left."""
    rows = _table(3, 20)
    for r, c in ((2, 0), (5, 0), (9, 1), (9, 3), (14, 4), (19, 1)):  # column 2 is the label: never empty here
        rows[r][c] = ""
    items, (features, _) = _items(learner, _write("missing.csv", COLUMNS, rows), COLUMNS, rows)
    got = torch.stack([f for f, _ in items])
    expect(bool(torch.isfinite(got).all()), f"the features hold {int((~torch.isfinite(got)).sum())} NaN: the empty "
                                            "fields were not filled", "missing:nan", kind="value")
    expect_close(got.float(), features, what="the features of a file with empty fields (each filled with its "
                                             "column's mean over the values present)", rtol=1e-5)


def _expect_error_names_line(learner, name: str, header, rows, line: int, problem: str) -> None:
    path = _write(name, header, rows)
    try:
        _dataset(learner, path)
    except LearnerRaised as exc:
        kind, message = exc.info.get("type", ""), str(exc.info.get("message", ""))
        if kind == "NotImplementedError":
            raise  # a TODO left: reported as such
        expect(kind == "ValueError", f"CSVDataset on a file whose line {line} {problem} raised {kind} ({message[:120]})"
                                     ", expected a ValueError", f"malformed:{name}:type:{kind}", kind="value")
        numbers = [int(n) for n in re.findall(r"line\D{0,3}(\d+)", message)]
        expect(bool(numbers), f"CSVDataset on a file whose line {line} {problem} raised ValueError({message[:160]!r}),"
                              f" which does not name the line: say 'line {line}'", f"malformed:{name}:no-line")
        expect(numbers[0] == line, f"CSVDataset on a file whose line {line} {problem} says line {numbers[0]} "
                                   f"({message[:160]!r}); lines count from 1 and the header is line 1, so the "
                                   f"first data row is line 2", f"malformed:{name}:line{numbers[0] - line:+d}")
        return
    raise CheckFailed(f"CSVDataset on a file whose line {line} {problem} did not raise: a malformed row must stop "
                      "the loading with a ValueError naming the line", f"malformed:{name}:accepted")


def check_malformed_rows_name_the_line(learner):
    """A row with too many or too few fields, a field that is not a number, or no label raises a ValueError
    whose message names the row's line in the file ('line 7'; the header is line 1)."""
    cases = [("extra_field.csv", 4, lambda r: r + ["3.5"], "has an extra field"),
             ("short_row.csv", 9, lambda r: r[:3], "has too few fields"),
             ("not_a_number.csv", 6, lambda r: [r[0], "three"] + r[2:], "holds 'three' in an int column"),
             ("no_label.csv", 11, lambda r: r[:2] + [""] + r[3:], "has no label")]
    for name, line, damage, problem in cases:
        rows = _table(4, 14)
        rows[line - 2] = damage(rows[line - 2])  # line 1 is the header
        _expect_error_names_line(learner, name, COLUMNS, rows, line, problem)


def _parts(learner, fraction: float, seed: int, what: str):
    rows = _table(5, N_ROWS)
    path = _write("split.csv", COLUMNS, rows)
    got = _split.labelled(what, learner.train_test_split, _dataset(learner, path), fraction, seed)
    expect("bad" not in got, got.get("bad", ""), "split:returns", kind="type")
    # Which example each item is, among the dataset's own items (every row of the file is distinct).
    examples = {tuple(row.tolist()): i for i, row in enumerate(got["all"])}
    ids = [[examples.get(tuple(row.tolist()), -1) for row in got[part]] for part in ("train", "test")]
    expect(-1 not in ids[0] + ids[1], f"{what} returned items that are not examples of the dataset",
           "split:foreign-items", kind="value")
    return ids[0], ids[1], got["touched"]


# (test_fraction, as written, seed): 0.2·50 = 10 exactly; 1/3·50 ≈ 16.67 rounds to 17 (int() truncates to 16);
# 0.123·50 = 6.15 rounds to 6 (math.ceil gives 7). None is near a half, where round() goes to the even side.
SPLITS = [(0.2, "0.2", 7), (1 / 3, "1/3", 8), (0.123, "0.123", 9)]


def _size_mistake(n_test: int, product: float) -> str:
    if n_test == int(product):
        return f": int() truncates {product:.4g} down to {int(product)}; use round(test_fraction * len(dataset))"
    if n_test == math.ceil(product):
        return f": math.ceil rounds {product:.4g} up to {math.ceil(product)}; use round(test_fraction * len(dataset))"
    if n_test == N_ROWS - round(product):
        return ": the two parts are swapped; return (train, test), test holding the test_fraction"
    return ""


def check_split_is_a_partition(learner):
    """train_test_split(dataset, f, seed) returns (train, test) with round(f · 50) of the 50 examples in test
    (10 for f = 0.2, 17 for f = 1/3, 6 for f = 0.123) and the others in train: no example in both, none left
    out."""
    for fraction, written, seed in SPLITS:
        what = f"train_test_split(dataset of 50, {written}, seed={seed})"
        train, test, _ = _parts(learner, fraction, seed, what)
        n_test = round(fraction * N_ROWS)
        expect(len(test) == n_test and len(train) == N_ROWS - n_test,
               f"{what} gives {len(train)} training and {len(test)} test examples, expected {N_ROWS - n_test} and "
               f"{n_test} = round({written} · 50 = {fraction * N_ROWS:.4g})" +
               (_size_mistake(len(test), fraction * N_ROWS) if len(train) + len(test) == N_ROWS else ""),
               f"split:sizes:{written}:{len(train)}:{len(test)}", kind="shape")
        both = sorted(set(train) & set(test))
        expect(not both, f"{what}: {len(both)} examples are in both the training and the test part (rows "
                         f"{both[:5]}): the test score would measure memory, not generalisation; cut ONE "
                         "permutation in two", "split:overlap", kind="value")
        left_out = sorted(set(range(N_ROWS)) - set(train) - set(test))
        expect(not left_out, f"{what}: {len(left_out)} examples are in neither part (rows {left_out[:5]})",
               "split:left-out")


def check_split_is_seeded(learner):
    """The same seed gives the same split, whatever the global random state; another seed gives another split;
    and the global random state is left as it was (the split draws from its own torch.Generator)."""
    splits = []
    for global_seed in (1, 2):
        with seeded(global_seed):
            what = f"train_test_split(dataset, 0.3, seed=11) (global seed {global_seed})"
            splits.append(_parts(learner, 0.3, 11, what))
    expect(splits[0][:2] == splits[1][:2],
           "train_test_split(dataset, 0.3, seed=11) called twice gives two different splits: it does not draw from a "
           "generator seeded with `seed` (torch.Generator().manual_seed(seed)), so no run can be reproduced",
           "split:not-reproducible", kind="value")
    expect(not splits[0][2], "train_test_split changed the global random state (torch.manual_seed or a draw from the "
                             "global generator): it reseeds everything else the caller does; draw from a "
                             "torch.Generator of its own", "split:global-rng", kind="value")
    other = _parts(learner, 0.3, 12, "train_test_split(dataset, 0.3, seed=12)")
    expect(sorted(other[1]) != sorted(splits[0][1]), "train_test_split gives the same test set for seeds 11 and 12: "
                                                     "the seed is ignored", "split:seed-ignored", kind="value")


def check_dataloader_batches(learner):
    """A DataLoader(dataset, batch_size=8) yields batches of features (8, 4) float32 and labels (8,) int64, the
    last one (2, 4) and (2,), with the file's values in order."""
    rows = _table(6, N_ROWS)
    dataset = _dataset(learner, _write("loader.csv", COLUMNS, rows))
    features, labels = _expected(COLUMNS, rows, "label")
    batches = _batches.labelled("DataLoader(CSVDataset(...), batch_size=8)", dataset, 8)
    expect(len(batches) == 7, f"DataLoader(dataset of 50, batch_size=8) made {len(batches)} batches, expected 7",
           f"loader:count:{len(batches)}", kind="shape")
    for b, batch in enumerate(batches):
        expect(isinstance(batch, list) and len(batch) == 2 and all(isinstance(t, torch.Tensor) for t in batch),
               f"batch {b} of the DataLoader is {batch if isinstance(batch, str) else 'not a pair of tensors'}",
               "loader:batch-type", kind="type")
        size = min(8, N_ROWS - 8 * b)
        x, y = batch
        expect(tuple(x.shape) == (size, 4) and x.dtype == torch.float32,
               f"batch {b}'s features are a {x.dtype} tensor of shape {tuple(x.shape)}, expected float32 ({size}, 4)",
               f"loader:x:{x.dtype}:{tuple(x.shape)[1:]}", kind="float64" if x.dtype == torch.float64 else "shape")
        expect(tuple(y.shape) == (size,) and y.dtype == torch.int64,
               f"batch {b}'s labels are a {y.dtype} tensor of shape {tuple(y.shape)}, expected int64 ({size},)",
               f"loader:y:{y.dtype}:{tuple(y.shape)[1:]}", kind="dtype")
        expect_close(x, features[8 * b: 8 * b + size], what=f"batch {b}'s features")
        expect(torch.equal(y, labels[8 * b: 8 * b + size]), f"batch {b}'s labels differ from the file's",
               "loader:labels", kind="value")
