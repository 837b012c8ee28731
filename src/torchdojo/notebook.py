"""`torchdojo.check(...)` and `torchdojo.hint(...)` for notebooks and scripts.

Objects defined in a notebook are graded directly: the grading child is forked from the notebook's
kernel, so it sees them without pickling. Attempts and hints are recorded when the notebook runs
inside a workspace, exactly as the CLI records them.
"""
from __future__ import annotations

from pathlib import Path

from torchdojo import rendering
from torchdojo.catalog import catalog
from torchdojo.grading.report import Report
from torchdojo.workspace import find_or_none


def check(challenge_id: str, file: str | None = None, show: bool = True, **objects) -> Report:
    from torchdojo.grading.runner import grade, grade_file

    challenge = catalog().get(challenge_id)
    if file is None and not objects:
        raise TypeError(f"pass your objects, e.g. check({challenge_id!r}, {challenge.entry[0]}={challenge.entry[0]}), "
                        "or file='path.py'")
    report = grade_file(challenge, Path(file)) if file else grade(challenge, objects=objects, label="<objects>")
    workspace = find_or_none()
    if workspace:
        workspace.record(report)
    if show:
        rendering.report(report, challenge.title)
    return report


def hint(challenge_id: str, level: int | None = None) -> str:
    challenge = catalog().get(challenge_id)
    workspace = find_or_none()
    if level is not None and not 1 <= level <= len(challenge.hints):
        raise ValueError(f"{challenge_id} has hints 1 to {len(challenge.hints)}")
    if workspace is None:
        return challenge.hints[(level or 1) - 1]
    store = workspace.store()
    if level is None:
        level = store.next_hint(challenge.id, len(challenge.hints))
    else:
        store.record_hint(challenge.id, level)
    return challenge.hints[level - 1]
