"""The learner's workspace: a folder with `torchdojo.toml`, the progress file and challenge files.

    ws/
      torchdojo.toml              marks the workspace (found from any folder inside it)
      .torchdojo/progress.sqlite  attempts, hints, reveals, notes
      01-tensors/tensor_basics.py one file per started challenge, grouped by track

Nothing here ever overwrites a learner's file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from torchdojo import __version__
from torchdojo.catalog import Catalog, Challenge
from torchdojo.progress import ProgressStore

if TYPE_CHECKING:
    from torchdojo.grading.report import Report

MARKER = "torchdojo.toml"
STORE = Path(".torchdojo") / "progress.sqlite"
ENV_VAR = "TORCHDOJO_WORKSPACE"


class WorkspaceError(Exception):
    """No workspace here, or one cannot be made; the message says what to do."""


class WorkspaceExists(WorkspaceError):
    """`init` where a workspace already is (or inside one): a usage error, not a missing workspace."""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def store_path(self) -> Path:
        return self.root / STORE

    def store(self) -> ProgressStore:
        return ProgressStore.open(self.store_path)

    def record(self, report: "Report", source: str | dict[str, str] | None = None) -> str | None:
        """Keep an attempt: when, how long, and every check's verdict (or why the file did not load),
        and make its challenge the current one. An attempt is a grading of code the learner changed:
        nothing is counted while `source` (what was graded) is still the challenge's template or every
        check stopped at a TODO, nor when it is the code of the last attempt, with the same verdict.
        Returns None when the attempt was counted, else why it was not (a sentence to show)."""
        with self.store() as store:
            todo_only = report.results and not report.load_error and all(r.fingerprint == "todo"
                                                                         for r in report.results)
            if todo_only or source is not None and is_template(report.challenge_id, source):
                store.set_current(report.challenge_id)  # (a fresh notebook, or an edit elsewhere)
                return NOT_COUNTED_TEMPLATE
            results = [dict(name=r.name, status=r.status.value, message=r.message[:500], fingerprint=r.fingerprint)
                       for r in report.results]
            if report.load_error:
                results.append(dict(name="load", status="error", message=report.load_error[:500]))
            if report.mistake:  # (the journal names it: the clearest word on what was misunderstood)
                results.append(dict(name=KNOWN_MISTAKE, status="failed", message=report.mistake.diagnosis[:500]))
            counted = store.record_attempt(report.challenge_id, report.duration, report.passed, results,
                                           code=None if source is None else _digest(source))
            return None if counted else NOT_COUNTED_AGAIN

    def file_for(self, challenge: Challenge) -> Path:
        """The learner's file (or folder, for a folder challenge) for `challenge`."""
        return self.root / challenge.track_folder / challenge.file.rstrip("/")

    def start(self, challenge: Challenge) -> tuple[Path, bool]:
        """Copy the challenge's template (a file, or a folder of files) into the workspace unless the
        learner's copy exists. Returns its path and whether it was created now."""
        path = self.file_for(challenge)
        if path.exists():
            return path, False
        template = challenge.source("template")
        files = template if isinstance(template, dict) else {path.name: template}
        folder = path if challenge.is_folder else path.parent
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            with open(folder / name, "x", encoding="utf-8") as f:  # "x": never clobber a file made meanwhile
                f.write(text)
        return path, True

    def current(self, catalog: Catalog) -> Challenge:
        """The challenge to work on: the one last started or checked; in a new workspace, the first
        (in catalog order) not passed yet."""
        with self.store() as store:
            chosen = store.current()
            if chosen in catalog.ids():
                return catalog.get(chosen)
            summary = store.summary()
        for challenge in catalog:
            if not (summary.get(challenge.id) and summary[challenge.id].passed):
                return challenge
        return catalog.challenges[-1]


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines())


def is_template(challenge_id: str, source: str | dict[str, str]) -> bool:
    """Whether `source` is still the challenge's template (trailing spaces and blank lines aside)."""
    from torchdojo.catalog import UnknownChallenge, catalog

    try:
        template = catalog().get(challenge_id).source("template")
    except UnknownChallenge:
        return False
    if isinstance(template, dict) or isinstance(source, dict):
        if not (isinstance(template, dict) and isinstance(source, dict)) or set(template) != set(source):
            return False
        return all(_normalised(template[name]) == _normalised(source[name]) for name in template)
    return _normalised(template) == _normalised(source)


def _enclosing(path: Path) -> Path | None:
    for folder in (path, *path.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def init(path: Path, first: Challenge) -> tuple[Workspace, Path]:
    """Make a new workspace at `path` with the first challenge started."""
    path = path.resolve()
    if (path / MARKER).exists():
        raise WorkspaceExists(f"{path} is already a torchdojo workspace: cd into it and carry on "
                              f"(`torchdojo list`); if its progress file is broken, run "
                              f"`torchdojo init --repair {path}`")
    outer = _enclosing(path.parent)
    if outer is not None:
        raise WorkspaceExists(f"{path} would be inside the workspace {outer}; work there (`cd {outer}`), "
                              "or make the new one elsewhere")
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    ProgressStore.create(path / STORE).close()
    (path / MARKER).write_text(f'# a torchdojo workspace\ncreated_with = "torchdojo {__version__}"\n')
    workspace = Workspace(path)
    first_file, _ = workspace.start(first)
    return workspace, first_file


def repair(path: Path) -> tuple[Workspace, Path | None]:
    """Give the workspace at `path` (or the one containing it) a fresh progress file, moving an
    unusable one aside with a timestamp; the learner's files are not touched. Returns the workspace
    and where the old file went (None when there was none)."""
    root = _enclosing(path.resolve())
    if root is None:
        raise WorkspaceError(f"{path.resolve()} is not inside a torchdojo workspace; "
                             "to make one, run `torchdojo init <folder>`")
    workspace = Workspace(root)
    return workspace, ProgressStore.repair(workspace.store_path)


KNOWN_MISTAKE = "known-mistake"  # an attempt's entry beside its checks': the known mistake it matched
NOT_COUNTED_TEMPLATE = ("Still the template (every check stopped at a TODO): not counted as an attempt; change "
                        "it, then check.")
NOT_COUNTED_AGAIN = "The same code and verdict as your last attempt: not counted again."


def _digest(source: str | dict[str, str]) -> str:
    """A short digest of graded code (a file's text, or a folder's files by name)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:16]


def find(start: Path | None = None) -> Workspace:
    """The workspace named by $TORCHDOJO_WORKSPACE, or the one containing `start` (default: cwd)."""
    if os.environ.get(ENV_VAR):
        root = Path(os.environ[ENV_VAR]).resolve()
        if not (root / MARKER).is_file():
            raise WorkspaceError(f"${ENV_VAR} is {root}, which is not a torchdojo workspace")
        return Workspace(root)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return Workspace(folder)
    raise WorkspaceError("not inside a torchdojo workspace; run `torchdojo init <folder>` and cd into it")


def find_or_none() -> Workspace | None:
    """The current workspace, or None where working without one is fine (`check --file`, notebooks)."""
    try:
        return find()
    except WorkspaceError:
        return None
