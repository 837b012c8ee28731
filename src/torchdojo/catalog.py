"""The catalog: every challenge folder under `challenges/`, loaded and validated.

A challenge lives in ``challenges/<NN-track>/<NN-id>/`` and is data plus four programs::

    challenge.toml   id, title, difficulty, kind, file, entry, time_limit, requires, hints, ...
    statement.md     the task, the math, what is checked and why
    template.py      what the learner starts from: runs, and fails with a pointer at each TODO
    solution.py      the model answer
    checks.py        functions named ``check_*``, run in the order they are written
    mutants.py       ``MUTANTS``: plausible wrong answers, each with a one-line diagnosis

A challenge whose ``file`` ends in ``/`` (a debug or project challenge) is a folder of files: its
``template/`` and ``solution/`` (and each ``alternatives/<name>/``) are folders, and its ``entry``
names the modules (file stems) the folder must hold.

The track and the order come from the folder names, so the catalog reads in the order a learner
walks it. Loading validates every field and file and raises :class:`CatalogError` naming the file
and the problem. Nothing here imports torch.

:func:`catalog` keeps a snapshot of what it loaded (JSON, in the user's cache) and reuses it while
nothing that decides it has changed on disk: see torchdojo.catalog_snapshot.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CHALLENGES_DIR = Path(__file__).parent / "challenges"
REQUIRED_FILES = ("challenge.toml", "statement.md", "template.py", "solution.py", "checks.py", "mutants.py")
REQUIREMENTS = ("fashion-mnist", "mnist", "gpu")  # what a challenge may need (see torchdojo.requirements)
DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("unit", "training", "project", "debug")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FOLDER_PATTERN = re.compile(r"^(\d\d)-([a-z0-9-]+)$")

# key -> (type, required); the types TOML gives us
FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True),
    "title": (str, True),
    "difficulty": (str, True),
    "kind": (str, True),
    "file": (str, True),
    "entry": (list, True),
    "hints": (list, True),
    "time_limit": ((int, float), False),
    "memory_limit_mb": (int, False),
    "requires": (list, False),
    "play": (dict, False),
    "sources": (list, False),
    "resources": (list, False),
    "points": (dict, False),  # {check_name = points}: a check not named is worth 1 (torchdojo grade)
    "format_version": (int, False),  # the challenge layout's version; absent means 1
}
MIN_HINTS = 3
FORMAT_VERSION = 1  # the newest challenge (and pack) layout this torchdojo reads
HIDDEN_CHECKS = "checks_hidden.py"  # checks that `torchdojo grade` runs and a learner's `check` does not


class CatalogError(Exception):
    """A challenge folder is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Resource:
    title: str
    url: str


@dataclass(frozen=True)
class Challenge:
    id: str
    title: str
    track: str  # e.g. "tensors", from the folder "01-tensors"
    number: int  # position in the whole catalog, from 1
    difficulty: str
    kind: str
    file: str  # the learner's file name in the workspace, e.g. "huber_loss.py"; a folder ends in "/"
    entry: tuple[str, ...]  # names the learner's file must define (modules, for a folder)
    hints: tuple[str, ...]
    path: Path  # the challenge folder
    time_limit: float = 10.0  # seconds any one check may run
    memory_limit_mb: int = 2048  # memory the learner's code may add on top of torch's own
    sources: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ()
    requires: tuple[str, ...] = ()  # e.g. ("fashion-mnist",): absent, the challenge cannot be graded
    play: dict = field(default_factory=dict, compare=False)  # what `torchdojo play` trains (see torchdojo.play)
    track_folder: str = field(default="", compare=False)  # e.g. "01-tensors": workspace layout
    points: dict = field(default_factory=dict, compare=False)  # check name -> points (default 1 each)
    pack: str = ""  # the pack it comes from ("" for the built-in catalog); see torchdojo.packs
    format_version: int = FORMAT_VERSION

    @property
    def has_hidden_checks(self) -> bool:
        """Whether the challenge has checks only `torchdojo grade` runs (checks_hidden.py)."""
        return (self.path / HIDDEN_CHECKS).is_file()

    def points_for(self, check_name: str) -> float:
        """What passing one check is worth in a gradebook: challenge.toml's `points`, else 1."""
        return float(self.points.get(check_name, 1))

    def read(self, name: str) -> str:
        """The text of one of the challenge's files (e.g. ``"template.py"``)."""
        return (self.path / name).read_text(encoding="utf-8")

    @property
    def statement(self) -> str:
        return self.read("statement.md")

    @property
    def is_folder(self) -> bool:
        """The learner works on a folder of files (debug and project challenges), not one file."""
        return self.file.endswith("/")

    def source(self, name: str) -> "Source":
        """``"template"`` or ``"solution"``: one file's text, or a folder's files by name."""
        return read_folder(self.path / name) if self.is_folder else self.read(f"{name}.py")

    def alternatives(self) -> dict[str, "Source"]:
        """Other correct solutions (``alternatives/*.py``, or folders for a folder challenge) by
        name: the proof that no check is stricter than the statement. An alternative folder holds
        the files it writes differently; the others are the solution's."""
        folder = self.path / "alternatives"
        if not folder.is_dir():
            return {}
        if self.is_folder:
            solution = self.source("solution")
            return {p.name: {**solution, **read_folder(p)} for p in sorted(folder.iterdir())
                    if p.is_dir() and p.name[0] != "_"}
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))}


Source = str | dict  # one file's text, or a folder's {file name: text}


def read_folder(folder: Path) -> dict[str, str]:
    """The Python and text files of a challenge folder (not caches), by name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in (".py", ".md", ".txt", ".toml", ".csv")}


def _fail(path: Path, problem: str) -> CatalogError:
    return CatalogError(f"{path}: {problem}")


def _check_fields(toml_path: Path, data: dict) -> None:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise _fail(toml_path, f"unknown key {unknown[0]!r} (known keys: {', '.join(FIELDS)})")
    for key, (kind, required) in FIELDS.items():
        if key not in data:
            if required:
                raise _fail(toml_path, f"missing required key {key!r}")
            continue
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise _fail(toml_path, f"{key!r} has the wrong type ({type(data[key]).__name__})")
    if not ID_PATTERN.match(data["id"]):
        raise _fail(toml_path, f"id {data['id']!r} must be lowercase words joined by '-'")
    if data["difficulty"] not in DIFFICULTIES:
        raise _fail(toml_path, f"bad difficulty {data['difficulty']!r}; use one of {', '.join(DIFFICULTIES)}")
    if data["kind"] not in KINDS:
        raise _fail(toml_path, f"bad kind {data['kind']!r}; use one of {', '.join(KINDS)}")
    if not re.fullmatch(r"[A-Za-z0-9_]+(\.py|/)", data["file"]):
        raise _fail(toml_path, f"'file' must be a bare Python file name (or a folder name ending in /), "
                               f"not {data['file']!r}")
    unknown_needs = [r for r in data.get("requires", []) if r not in REQUIREMENTS]
    if unknown_needs:
        raise _fail(toml_path, f"unknown requirement {unknown_needs[0]!r}; use some of {', '.join(REQUIREMENTS)}")
    if not data["entry"] or not all(isinstance(e, str) and e.isidentifier() for e in data["entry"]):
        raise _fail(toml_path, "'entry' must list the Python names the learner defines")
    if len(data["hints"]) < MIN_HINTS or not all(isinstance(h, str) and h.strip() for h in data["hints"]):
        raise _fail(toml_path, f"'hints' needs at least {MIN_HINTS} non-empty strings, escalating")
    play = data.get("play", {})
    if play and (set(play) - {"model", "dataset", "epochs"} or not isinstance(play.get("model"), str)
                 or play.get("dataset") not in ("fashion-mnist", "mnist", "cifar10")):
        raise _fail(toml_path, "'play' is a table {model = \"Name\" or \"module.Name\", dataset = \"fashion-mnist\", "
                               "epochs = 3}")
    for res in data.get("resources", []):
        if not isinstance(res, dict) or set(res) != {"title", "url"}:
            raise _fail(toml_path, "each of 'resources' must be a table with exactly 'title' and 'url'")
    for name, value in data.get("points", {}).items():
        if not name.startswith("check_") or not name.isidentifier() or isinstance(value, bool) \
                or not isinstance(value, (int, float)) or value < 0:
            raise _fail(toml_path, "'points' is a table {check_name = points} of check functions' names and "
                                   f"numbers >= 0, not {name} = {value!r}")
    version = data.get("format_version", FORMAT_VERSION)
    if not 1 <= version <= FORMAT_VERSION:
        raise _fail(toml_path, f"format_version {version} is not one this torchdojo reads (1 to {FORMAT_VERSION}); "
                               "a newer torchdojo may read it")


def _check_files(folder: Path, is_folder: bool) -> None:
    """Every file a challenge needs; a folder challenge has template/ and solution/ folders."""
    for name in REQUIRED_FILES:
        stem = name.removesuffix(".py")
        if is_folder and stem in ("template", "solution"):
            if not (folder / stem).is_dir() or not any((folder / stem).glob("*.py")):
                raise _fail(folder / stem, "missing folder (a folder challenge needs template/ and solution/, "
                                           "each holding the learner's .py files)")
        elif not (folder / name).is_file():
            raise _fail(folder / name, "missing file (every challenge needs " + ", ".join(REQUIRED_FILES) + ")")


def load_challenge(folder: Path, number: int, track_folder: str) -> Challenge:
    """Load and validate one challenge folder; ``track_folder`` is a valid 'NN-name' folder name."""
    toml_path = folder / "challenge.toml"
    if not toml_path.is_file():
        raise _fail(toml_path, "missing file (every challenge needs " + ", ".join(REQUIRED_FILES) + ")")
    import tomllib

    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(toml_path, f"not valid TOML: {exc}") from None
    _check_fields(toml_path, data)
    _check_files(folder, data["file"].endswith("/"))
    return Challenge(
        id=data["id"],
        title=data["title"],
        track=FOLDER_PATTERN.match(track_folder).group(2),
        number=number,
        difficulty=data["difficulty"],
        kind=data["kind"],
        file=data["file"],
        entry=tuple(data["entry"]),
        hints=tuple(data["hints"]),
        path=folder,
        time_limit=float(data.get("time_limit", Challenge.time_limit)),
        memory_limit_mb=int(data.get("memory_limit_mb", Challenge.memory_limit_mb)),
        sources=tuple(data.get("sources", ())),
        resources=tuple(Resource(**r) for r in data.get("resources", ())),
        requires=tuple(data.get("requires", ())),
        play=dict(data.get("play", {})),
        track_folder=track_folder,
        points=dict(data.get("points", {})),
        format_version=int(data.get("format_version", FORMAT_VERSION)),
    )


def _numbered_dirs(parent: Path) -> list[Path]:
    dirs = sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    for d in dirs:
        if not FOLDER_PATTERN.match(d.name):
            raise _fail(d, "folder names must look like 'NN-name' (two digits, then lowercase words)")
    return dirs


def load_catalog(root: Path = CHALLENGES_DIR) -> "Catalog":
    """Load every challenge under `root`, in track then folder order, validating all of it."""
    challenges: list[Challenge] = []
    seen: dict[str, Path] = {}
    for track_dir in _numbered_dirs(root):
        for folder in _numbered_dirs(track_dir):
            challenge = load_challenge(folder, len(challenges) + 1, track_dir.name)
            if challenge.id in seen:
                raise _fail(folder / "challenge.toml", f"duplicate id {challenge.id!r} (also in {seen[challenge.id]})")
            seen[challenge.id] = folder
            challenges.append(challenge)
    return Catalog(tuple(challenges))


@dataclass(frozen=True)
class Catalog:
    challenges: tuple[Challenge, ...]

    def __iter__(self):
        return iter(self.challenges)

    def __len__(self) -> int:
        return len(self.challenges)

    def ids(self) -> list[str]:
        return [c.id for c in self.challenges]

    def get(self, challenge_id: str) -> Challenge:
        """The challenge with this id; an unknown id raises with a 'did you mean'."""
        for challenge in self.challenges:
            if challenge.id == challenge_id:
                return challenge
        import difflib

        close = difflib.get_close_matches(challenge_id, self.ids(), n=1, cutoff=0.5)
        suggestion = f"; did you mean {close[0]!r}?" if close else "; `torchdojo list` shows them all"
        raise UnknownChallenge(f"no challenge called {challenge_id!r}{suggestion}")


class UnknownChallenge(LookupError):
    """An id that is not in the catalog; the message suggests the closest one."""


CATALOG_ENV_VAR = "TORCHDOJO_CHALLENGES"


@cache
def catalog() -> Catalog:
    """The installed catalog (or the folder of challenges $TORCHDOJO_CHALLENGES names: an author's
    work in progress, or a test's), loaded once per process, followed by the challenge packs found
    ($TORCHDOJO_PACKS, installed packages' ``torchdojo.packs`` entry points; see torchdojo.packs).
    Taken from the snapshot when nothing it depends on changed, else loaded (and the snapshot
    rewritten): the same catalog, or the same CatalogError, either way."""
    from torchdojo.catalog_snapshot import load_with_snapshot

    other = os.environ.get(CATALOG_ENV_VAR)
    return load_with_snapshot(Path(other) if other else CHALLENGES_DIR)
