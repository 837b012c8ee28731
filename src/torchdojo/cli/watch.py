"""`torchdojo watch`: re-grade the current challenge whenever its file is saved, and move on to
the next challenge when it passes (rustlings' loop). The watcher imports torch and the checks
once; each re-grade is a fork, so feedback arrives a few tens of milliseconds after a save."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import Challenge, catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.rendering import ProgressLine
from torchdojo.requirements import ensure as ensure_requirements
from torchdojo.workspace import Workspace, find


def _mtime(path: Path) -> int | None:
    """When the file (or the newest file of a folder) was last saved; None while it is missing."""
    try:
        if path.is_dir():
            return max([path.stat().st_mtime_ns] + [p.stat().st_mtime_ns for p in path.iterdir() if p.is_file()])
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _next_after(challenge: Challenge) -> Challenge | None:
    later = [c for c in catalog() if c.number > challenge.number]
    return later[0] if later else None


def _grade_and_show(workspace: Workspace, challenge: Challenge) -> bool:
    from torchdojo.grading.runner import grade_file

    ensure_requirements(challenge)
    with ProgressLine() as on_progress:
        report = grade_file(challenge, workspace.file_for(challenge), on_progress=on_progress)
    workspace.record(report)
    render.report(report, challenge.title)
    return report.passed


@learner_command
def watch(
    challenge_id: Optional[str] = typer.Argument(None, help="Start with this challenge (default: the current one)."),
    poll: float = typer.Option(0.3, help="Seconds between looks at the file."),
    stop_after: Optional[int] = typer.Option(None, hidden=True, help="Stop after this many gradings (tests)."),
) -> ExitCode:
    """Re-check your file on every save; go on to the next challenge when it passes. Ctrl-C stops."""
    workspace = find()
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    workspace.start(challenge)
    gradings, seen = 0, None
    render.info(f"Watching {workspace.file_for(challenge)} — save it to check. Ctrl-C to stop.")
    try:
        while stop_after is None or gradings < stop_after:
            stamp = _mtime(workspace.file_for(challenge))
            if stamp is None or stamp == seen:
                time.sleep(poll)
                continue
            seen, gradings = stamp, gradings + 1
            if _grade_and_show(workspace, challenge):
                following = _next_after(challenge)
                if following is None:
                    render.info("[bold green]That was the last challenge. Well done![/]")
                    break
                challenge, seen = following, None
                path, _ = workspace.start(following)
                render.info(f"\nNext: [bold]{following.id}[/] — {following.title}\n"
                            f"Read `torchdojo start {following.id}`, then edit {path}")
    except KeyboardInterrupt:
        render.info("\nStopped watching.")
    return ExitCode.OK
