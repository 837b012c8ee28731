"""`torchdojo dev new <track>/<id>`: a new challenge folder whose every file is a worked example.

The example is a real, small challenge (centre each row of a tensor) that passes `torchdojo dev
check` as it is, so an author starts from something valid and changes one file at a time.
"""
from __future__ import annotations

import re
from pathlib import Path

from torchdojo.catalog import FOLDER_PATTERN, ID_PATTERN
from torchdojo.packs import PACK_FILE


class ScaffoldError(Exception):
    """The name is not <track>/<id>, or the challenge exists already."""


TOML = '''\
id = "{id}"
title = "Centre each row (edit me)"
difficulty = "easy"  # easy, medium or hard
kind = "unit"  # unit, training, debug or project
file = "{fn}.py"  # the learner's file
entry = ["{fn}"]  # the names it must define
time_limit = 10  # seconds per check
format_version = 1
hints = [  # at least three, from a question to nearly the answer
    "Which dimension holds one row's values, and what is one number that summarises a row?",
    "`x.mean(dim=-1)` averages each row; what shape does it have, and can it be subtracted from x as it is?",
    "`return x - x.mean(dim=-1, keepdim=True)`: keepdim leaves a size-1 dimension that broadcasts over the row.",
]
resources = [  # links for further reading: real URLs
    {{ title = "torch.mean", url = "https://pytorch.org/docs/stable/generated/torch.mean.html" }},
    {{ title = "Broadcasting semantics", url = "https://pytorch.org/docs/stable/notes/broadcasting.html" }},
]

[points]  # optional: what each check is worth in `torchdojo grade` (unnamed checks: 1)
check_gradients = 2
'''

STATEMENT = '''\
# Centre each row

*(A worked example from `torchdojo dev new`: replace it with your challenge. Keep the shape of it:
the task, the maths, why it matters, and what is checked.)*

Many computations want data whose rows average to zero: layer normalisation starts by subtracting
each row's mean, PCA centres the data, and a softmax is unchanged by it. For a tensor $x$ whose last
dimension has $d$ entries,

$$
y_{{\\dots, j}} = x_{{\\dots, j}} - \\frac{{1}}{{d}} \\sum_{{k=1}}^{{d}} x_{{\\dots, k}}.
$$

Write `{fn}(x)` for a tensor of any number of dimensions (at least one), with tensor operations
and no loop, without changing `x` itself. The mean must broadcast back over its own row: that is
what `keepdim=True` is for.

Why it matters: reductions that keep their dimension, and broadcasting them back, are the heart of
every normalisation layer.

## What is checked

- the values on a (4, 5) matrix, against the grader's own computation;
- 1-D and 3-D inputs (the last dimension is the row);
- the gradient, which flows through the mean too;
- `x` is left unchanged (every call checks it).
'''

TEMPLATE = '''\
"""Centre each row.

Run `torchdojo check {id}` to grade this file.
"""
import torch


def {fn}(x: torch.Tensor) -> torch.Tensor:
    """x minus the mean of its last dimension, broadcast back over each row."""
    # TODO: subtract each row's mean (keep the dimension so that it broadcasts)
    raise NotImplementedError("TODO: centre the rows")
'''

SOLUTION = '''\
"""Centre each row."""
import torch


def {fn}(x: torch.Tensor) -> torch.Tensor:
    # keepdim=True keeps a size-1 last dimension, so the means broadcast over their own rows; a new
    # tensor is returned and x is left as it was. The mean stays in the graph: the gradient is
    # upstream minus its row mean.
    return x - x.mean(dim=-1, keepdim=True)
'''

ALTERNATIVES = {
    "sum_over_size.py": '''\
"""The mean written as a sum over the row's size."""


def {fn}(x):
    return x - x.sum(dim=-1, keepdim=True) / x.shape[-1]
''',
    "unsqueeze.py": '''\
"""The mean without keepdim, its dimension put back with unsqueeze."""
import torch


def {fn}(x):
    return x - torch.mean(x, dim=x.dim() - 1).unsqueeze(-1)
''',
}

CHECKS = '''\
"""Checks for {id}: every check computes its expected value here, in the grader, and compares what
the learner's code returned (see README: Writing a challenge)."""
import torch

from torchdojo.grading.expect import expect_close, expect_grad_close, grad, randn, rng


def _reference(x: torch.Tensor) -> torch.Tensor:
    return x - x.mean(dim=-1, keepdim=True)


def check_values(learner):
    """On a (4, 5) matrix, each row minus its own mean (the grader's computation)."""
    x = randn(rng(0), 4, 5) * 3 + 1
    expect_close(learner.{fn}(x), _reference(x), what="{fn} on a (4, 5) matrix")


def check_any_shape(learner):
    """A 1-D vector and a (2, 3, 4) tensor: the last dimension is the row, whatever comes before it."""
    for seed, shape in enumerate([(6,), (2, 3, 4)]):
        x = randn(rng(10 + seed), *shape) + 2
        expect_close(learner.{fn}(x), _reference(x), what=f"{fn} on a tensor of shape {{shape}}")


def check_gradients(learner):
    """The gradient flows through the mean too: upstream minus its row mean, under a random upstream gradient."""
    x = randn(rng(20), 3, 4).requires_grad_()
    upstream = randn(rng(21), 3, 4)
    (expected,) = torch.autograd.grad(_reference(x), [x], upstream)
    (got,) = grad(learner.{fn}(x), [x], upstream, what="{fn}(x)")
    expect_grad_close(got, expected, what="x")
'''

MUTANTS = '''\
"""Known mistakes for {id}: edits of the solution, each with a one-line diagnosis of what it does."""
from torchdojo.grading.mutants import Mutant

LINE = "return x - x.mean(dim=-1, keepdim=True)"

MUTANTS = [
    Mutant("columns", "the columns are centred instead of the rows: take the mean over the last dimension",
           replace={{LINE: "return x - x.mean(dim=0, keepdim=True)"}}),
    Mutant("no-keepdim", "the means lose their dimension and broadcast against the wrong one: keepdim=True",
           replace={{LINE: "return x - x.mean(dim=-1)"}}),
    Mutant("detached-mean", "the mean is detached, so the gradient misses that every element moves the mean",
           replace={{LINE: "return x - x.mean(dim=-1, keepdim=True).detach()"}}),
    Mutant("in-place", "x is changed in place (x.sub_): the caller's tensor is overwritten; return a new tensor",
           replace={{LINE: "return x.sub_(x.mean(dim=-1, keepdim=True))"}}),
]
'''


PACK_TOML = '''\
# A challenge pack (see README: Writing a pack); `torchdojo list` shows its tracks as {name}/<track>.
name = "{name}"
title = "{name} (edit me)"
format_version = 1  # the layout it is written for: a later torchdojo reads it by this number
'''


def write_pack_file(root: Path) -> Path | None:
    """Write a minimal pack.toml in `root` when it has none (None: it had one), so that a new pack is
    valid from its first challenge: `torchdojo dev check` asks every pack for one. Its name is the
    folder's, made lowercase words joined by '-'."""
    path = Path(root) / PACK_FILE
    if path.exists():
        return None
    name = re.sub(r"[^a-z0-9]+", "-", Path(root).resolve().name.lower()).strip("-") or "my-pack"
    path.write_text(PACK_TOML.format(name=name), encoding="utf-8")
    return path


def scaffold(root: Path, name: str) -> Path:
    """Create ``<root>/<NN-track>/<NN-id>/`` (the track folder too, if new) with the worked example."""
    track, _, challenge_id = name.partition("/")
    if not (ID_PATTERN.match(track) and ID_PATTERN.match(challenge_id)):
        raise ScaffoldError(f"{name!r}: give <track>/<id>, both lowercase words joined by '-', "
                            "e.g. activations/leaky-relu")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tracks = sorted(p for p in root.iterdir() if p.is_dir() and FOLDER_PATTERN.match(p.name))
    for existing in tracks:
        if any(FOLDER_PATTERN.match(p.name) and FOLDER_PATTERN.match(p.name).group(2) == challenge_id
               for p in existing.iterdir() if p.is_dir()):
            raise ScaffoldError(f"a challenge folder for {challenge_id!r} exists already in {existing}")
    folder_of = next((p for p in tracks if FOLDER_PATTERN.match(p.name).group(2) == track), None)
    if folder_of is None:
        number = max((int(p.name[:2]) for p in tracks), default=0) + 1
        folder_of = root / f"{number:02d}-{track}"
    numbers = [int(p.name[:2]) for p in folder_of.iterdir() if FOLDER_PATTERN.match(p.name)] \
        if folder_of.is_dir() else []
    folder = folder_of / f"{max(numbers, default=0) + 1:02d}-{challenge_id}"
    if max(numbers, default=0) >= 99:
        raise ScaffoldError(f"{folder_of} is full (99 challenges)")
    names = {"id": challenge_id, "fn": challenge_id.replace("-", "_")}
    files = {"challenge.toml": TOML, "statement.md": STATEMENT, "template.py": TEMPLATE, "solution.py": SOLUTION,
             "checks.py": CHECKS, "mutants.py": MUTANTS}
    files.update({f"alternatives/{k}": v for k, v in ALTERNATIVES.items()})
    (folder / "alternatives").mkdir(parents=True)
    for relative, text in files.items():
        (folder / relative).write_text(text.format(**names), encoding="utf-8")
    return folder
