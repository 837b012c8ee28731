"""`torchdojo watch`: re-grade the current challenge whenever its file is saved, and move on to
the next challenge not passed yet when it passes (rustlings' loop). The watcher imports torch and
the checks once; each re-grade is a fork, so feedback arrives a few tens of milliseconds after a save.

Keys (on a terminal, no Enter needed; from a pipe, one character each): h next hint, n next
challenge, l list, s solution (after a pass: a diff against your file), q quit. Ctrl-C exits 130.
"""
from __future__ import annotations

import difflib
import os
import select
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import Challenge, catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.cli.learn import show_hint, show_list
from torchdojo.cli.quick import grade_path, next_step
from torchdojo.rendering import ProgressLine
from torchdojo.requirements import ensure as ensure_requirements
from torchdojo.workspace import Workspace, find, is_template

KEYS = "keys: h hint · n next challenge · l list · s solution (after a pass) · q quit"


def _mtime(path: Path) -> int | None:
    """When the file (or the newest file of a folder) was last saved; None while it is missing."""
    try:
        if path.is_dir():
            return max([path.stat().st_mtime_ns] + [p.stat().st_mtime_ns for p in path.iterdir() if p.is_file()])
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


class Keys:
    """Single key presses from stdin: a terminal in cbreak mode (restored on exit), or a pipe read one
    character at a time; nothing when stdin is closed or absent."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.saved = None

    def __enter__(self) -> "Keys":
        try:
            fd = sys.stdin.fileno()
            os.fstat(fd)
        except (AttributeError, OSError, ValueError):
            return self
        self.fd = fd
        if os.isatty(fd):
            import termios
            import tty

            self.saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def read(self, timeout: float) -> str | None:
        """A key pressed within `timeout` seconds, or None (after sleeping the timeout)."""
        if self.fd is None:
            time.sleep(timeout)
            return None
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.fd, 1)
        if not data:  # end of input: no more keys, keep watching
            self.fd = None
            return None
        return data.decode(errors="replace")


class Watcher:
    def __init__(self, workspace: Workspace, challenge: Challenge) -> None:
        self.workspace, self.challenge = workspace, challenge
        self.seen: int | None = None
        self.last_passed: Challenge | None = None

    @property
    def path(self) -> Path:
        return self.workspace.file_for(self.challenge)

    def grade(self) -> bool:
        """Grade the current file now: "checking…" at once, then the report. True when it passed."""
        render.info(f"[dim]checking {self.path.name}…[/]")
        sys.stdout.flush()
        ensure_requirements(self.challenge)
        with ProgressLine() as on_progress:
            report, source = grade_path(self.challenge, self.path, on_progress)
        not_counted = self.workspace.record(report, source)
        render.report(report, self.challenge.title)
        if not_counted:
            render.info(f"[dim]{not_counted}[/]")
        if report.passed:
            self.last_passed = self.challenge
        return report.passed

    def move_on(self) -> bool:
        """Go to the next challenge not passed yet (already passed ones are skipped, not re-graded).
        False when there is none."""
        summary = self.workspace.store().summary()
        later = [c for c in catalog() if c.number > self.challenge.number]
        following = next((c for c in later if not (summary.get(c.id) and summary[c.id].passed)), None)
        if following is None:
            render.info("[bold green]No challenge left to pass after this one. Well done![/]")
            return False
        self.challenge = following
        path, _ = self.workspace.start(following)
        self.workspace.store().set_current(following.id)
        render.info(f"\nNext: [bold]{following.id}[/] — {render.text(following.title)}\n"
                    f"Read `torchdojo start {following.id}`, then edit {path}\n[dim]{KEYS}[/]")
        source, _ = _read(following, path)
        # a fresh template is not graded: wait for the learner's first save
        self.seen = _mtime(path) if source is None or is_template(following.id, source) else None
        return True

    def solution_diff(self) -> None:
        done = self.last_passed or (self.challenge if self._passed(self.challenge) else None)
        if done is None:
            render.info("[yellow]The solution is shown after a pass (as a diff against your file); "
                        f"before that: h for a hint, or `torchdojo solution {self.challenge.id}` after an attempt.[/]")
            return
        self.workspace.store().record_reveal(done.id)
        reference = done.source("solution")
        mine_path = self.workspace.file_for(done)
        refs = reference if isinstance(reference, dict) else {mine_path.name: reference}
        for name, text in refs.items():
            path = mine_path / name if done.is_folder else mine_path
            mine = path.read_text(encoding="utf-8") if path.is_file() else ""
            diff = "".join(difflib.unified_diff(mine.splitlines(keepends=True), text.splitlines(keepends=True),
                                                fromfile=f"yours: {path}", tofile=f"reference: {done.id}/{name}"))
            render.plain(diff or f"{path}: identical to the reference\n")

    def _passed(self, challenge: Challenge) -> bool:
        p = self.workspace.store().summary().get(challenge.id)
        return bool(p and p.passed)


def _read(challenge: Challenge, path: Path):
    from torchdojo.notebook import read_submission

    if not path.exists():
        return None, None
    return read_submission(challenge, path)


@learner_command
def watch(
    challenge_id: Optional[str] = typer.Argument(None, help="Start with this challenge (default: the current one)."),
    poll: float = typer.Option(0.3, help="Seconds between looks at the file."),
    stop_after: Optional[int] = typer.Option(None, hidden=True, help="Stop after this many gradings (tests)."),
) -> ExitCode:
    """Re-check your file on every save; go on to the next challenge when it passes.
    Keys: h hint, n next, l list, s solution (after a pass), q quit; Ctrl-C stops (exit 130)."""
    workspace = find()
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    workspace.start(challenge)
    workspace.store().set_current(challenge.id)
    watcher, gradings = Watcher(workspace, challenge), 0
    render.info(f"Watching {watcher.path} — save it to check. Ctrl-C to stop.\n[dim]{KEYS}[/]")
    try:
        with Keys() as keys:
            while stop_after is None or gradings < stop_after:
                key = keys.read(poll)
                if key:
                    key = key.lower()
                    if key == "q":
                        render.info("Stopped watching.")
                        break
                    if key == "h":
                        show_hint(workspace, watcher.challenge)
                    elif key == "l":
                        show_list(workspace)
                    elif key == "s":
                        watcher.solution_diff()
                    elif key == "n" and not watcher.move_on():
                        break
                    continue
                stamp = _mtime(watcher.path)
                if stamp is None or stamp == watcher.seen:
                    continue
                watcher.seen, gradings = stamp, gradings + 1
                if watcher.grade():
                    render.info(next_step(workspace, watcher.challenge))
                    if not watcher.move_on():
                        break
    except KeyboardInterrupt:
        render.error("stopped watching", label="interrupted")
        return ExitCode.INTERRUPTED
    return ExitCode.OK
