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
nothing that decides it has changed on disk: see "the snapshot" below.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
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
        name: the proof that no check is stricter than the statement."""
        folder = self.path / "alternatives"
        if not folder.is_dir():
            return {}
        if self.is_folder:
            return {p.name: read_folder(p) for p in sorted(folder.iterdir()) if p.is_dir() and p.name[0] != "_"}
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
    other = os.environ.get(CATALOG_ENV_VAR)
    root = Path(other) if other else CHALLENGES_DIR
    snapshot_file = snapshot_path(root)
    try:
        found = _from_snapshot(snapshot_file, root)
    except Exception:  # noqa: BLE001 - unreadable, corrupt or of another layout: load instead
        found = None
    return found if found is not None else _load_and_snapshot(root, snapshot_file)


# --- the snapshot ----------------------------------------------------------------------------------
#
# Parsing every challenge.toml and finding the installed packs (importlib.metadata reads every
# distribution on sys.path) costs a warm `torchdojo check` tens of milliseconds, so the catalog
# loaded is kept as JSON in ``$XDG_CACHE_HOME/torchdojo/catalog/`` with what decided it:
#
# - the context: the snapshot layout, torchdojo's version, where catalog.py and packs.py are and
#   their size and modification time (an edited loader never reads an old snapshot), the Python,
#   the catalog's root folder and $TORCHDOJO_PACKS;
# - the modification time, size and inode of every folder and file the loading looked at: the root
#   and every pack's, each track and challenge folder (a file added, removed or renamed in a folder
#   changes the folder's time), each challenge.toml and pack.toml, a folder challenge's template/
#   and solution/;
# - the modification time of every sys.path folder: installing or removing a distribution changes
#   its folder's, so the entry points are only looked for again (and the packs compared) when one
#   changed. A pack's entry point of the ``module:attr`` form computes its folder in code: the
#   entry points are then looked for at every command.
#
# Anything that differs, or a snapshot that does not read back, and the catalog is loaded as
# without a snapshot (so a broken catalog raises its CatalogError), then the snapshot is rewritten
# atomically. A snapshot is not written while a file it depends on was modified in the last
# RACY_NS (a second change within the file system's time resolution would go unseen).

SNAPSHOT_FORMAT = 1
SNAPSHOT_ENV_VAR = "TORCHDOJO_CATALOG_SNAPSHOT"  # "0": never read or write one
RACY_NS = 2_000_000_000


def snapshot_path(root: Path) -> Path:
    """Where the snapshot of the catalog at `root` (with this $TORCHDOJO_PACKS) is kept."""
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    name = "\0".join((str(root), os.environ.get("TORCHDOJO_PACKS", ""), sys.executable, __file__))
    return Path(base) / "torchdojo" / "catalog" / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.json"


def _stamp(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size, info.st_ino]


def _context(root: Path) -> dict:
    from torchdojo import __version__

    code = (__file__, os.path.join(os.path.dirname(__file__), "packs.py"))
    return {"format": SNAPSHOT_FORMAT, "torchdojo": __version__, "python": sys.executable, "root": str(root),
            "packs_env": os.environ.get("TORCHDOJO_PACKS", ""), "code": [[f, _stamp(f)] for f in code]}


def _sys_path_stamps() -> list:
    return [[entry, _stamp(entry or ".")] for entry in sys.path]


def _tree(root: Path) -> list[str]:
    """The folders and files whose times decide the catalog (or pack) at `root`."""
    paths = [str(root), os.path.join(root, "pack.toml")]

    def folders(parent: str) -> list[str]:
        try:
            with os.scandir(parent) as entries:
                return sorted(e.path for e in entries if e.name[0] not in "_." and e.is_dir())
        except OSError:
            return []

    for track in folders(str(root)):
        paths.append(track)
        for folder in folders(track):
            paths += [folder, os.path.join(folder, "challenge.toml")]
            paths += [p for p in (os.path.join(folder, d) for d in ("template", "solution")) if os.path.isdir(p)]
    return paths


def _pack_json(pack) -> list:
    return [str(pack.root), pack.name, pack.origin, pack.title, pack.format_version]


def _challenge_json(challenge: Challenge) -> dict:
    data = {f.name: getattr(challenge, f.name) for f in fields(Challenge)}
    data["path"] = str(challenge.path)
    data["resources"] = [[r.title, r.url] for r in challenge.resources]
    return data


def _challenge_from_json(data: dict) -> Challenge:
    data = dict(data)
    data["path"] = Path(data["path"])
    data["resources"] = tuple(Resource(title, url) for title, url in data["resources"])
    for name in ("entry", "hints", "sources", "requires"):
        data[name] = tuple(data[name])
    return Challenge(**data)


def _same(a: Catalog, b: Catalog) -> bool:
    """Equal in every field (the dataclasses' == leaves some out)."""
    return len(a) == len(b) and all(_challenge_json(x) == _challenge_json(y) for x, y in zip(a, b))


def _from_snapshot(snapshot_file: Path, root: Path) -> Catalog | None:
    """The catalog in the snapshot when everything it depends on is as it was, else None."""
    if os.environ.get(SNAPSHOT_ENV_VAR, "") == "0":
        return None
    import json

    try:
        snap = json.loads(snapshot_file.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(snap, dict) or snap.get("context") != _context(root):
        return None
    sys_path = _sys_path_stamps()
    moved = snap["sys_path"] != sys_path  # something was installed or removed: look for the packs again
    if snap["dynamic"] or moved:
        from torchdojo import packs

        if [_pack_json(p) for p in packs.discover_packs()] != snap["packs"]:
            return None
    if any(_stamp(path) != stamp for path, stamp in snap["stamps"]):
        return None
    found = Catalog(tuple(_challenge_from_json(c) for c in snap["challenges"]))
    if moved:  # the same packs: only the folders' times are new
        _write_snapshot(snapshot_file, found, dict(snap, sys_path=sys_path))
    return found


def _load_and_snapshot(root: Path, snapshot_file: Path) -> Catalog:
    """Load the catalog as if there were no snapshot, then write one (best effort)."""
    from torchdojo import packs

    context, sys_path, stamps = _context(root), _sys_path_stamps(), [[p, _stamp(p)] for p in _tree(root)]
    base = load_catalog(root)
    installed = packs.entry_points()
    found = packs.discover_packs(installed)
    for pack in found:
        stamps += [[p, _stamp(p)] for p in _tree(pack.root)]
    loaded = packs.with_packs(base, found)
    if os.environ.get(SNAPSHOT_ENV_VAR, "") != "0":
        _write_snapshot(snapshot_file, loaded, {
            "context": context, "sys_path": sys_path, "dynamic": any(e.attr for e in installed),
            "packs": [_pack_json(p) for p in found], "stamps": stamps})
    return loaded


def _write_snapshot(snapshot_file: Path, loaded: Catalog, snap: dict) -> None:
    import json
    import time

    times = [s[0] for _, s in snap["stamps"] + snap["sys_path"] + snap["context"]["code"] if s]
    if any(t > time.time_ns() - RACY_NS for t in times):
        return  # just modified: a change within the clock's resolution could go unseen
    try:
        text = json.dumps(dict(snap, challenges=[_challenge_json(c) for c in loaded]), allow_nan=False)
        if not _same(Catalog(tuple(_challenge_from_json(c) for c in json.loads(text)["challenges"])), loaded):
            return  # some value does not survive JSON (a TOML date in `play`, say): no snapshot
        from torchdojo.atomic import atomic_write_text

        atomic_write_text(snapshot_file, text)
    except (OSError, TypeError, ValueError):
        pass
