"""The learner's commands: init, list, start, check, hint, solution, progress, verify
(watch and journal live in their own modules).

Each command is a small function that returns an :class:`ExitCode`; errors a user can cause
(unknown id, no workspace, missing file, a broken progress file) become one line and a named code
(``cli/errors.py``).
The grader (and so torch) is imported only by the commands that grade.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import Challenge, catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.workspace import Workspace, WorkspaceError, find, find_or_none, init as init_workspace


def _status(workspace: Workspace | None, challenge: Challenge, summary: dict) -> str:
    progress = summary.get(challenge.id)
    if progress and progress.passed:
        return "passed"
    if progress and progress.attempts:
        return "attempted"
    if workspace and workspace.file_for(challenge).exists():
        return "started"
    return ""


@learner_command
def init(folder: Path = typer.Argument(Path("torchdojo-workspace"), help="Folder to create.")) -> ExitCode:
    """Create a workspace with the first challenge ready."""
    first = catalog().challenges[0]
    workspace, first_file = init_workspace(folder, first)
    render.info(f"Workspace ready at {workspace.root}\nFirst challenge: [bold]{first.id}[/] — {first_file}\n"
                f"Next: cd {folder} && torchdojo start {first.id}")
    return ExitCode.OK


@learner_command
def list_() -> ExitCode:
    """Show every challenge, in order, with your status."""
    workspace = find_or_none()
    summary = workspace.store().summary() if workspace else {}
    rows = [(c.number, c.id, c.title, c.track, c.difficulty, _status(workspace, c, summary)) for c in catalog()]
    render.table("torchdojo challenges", ["#", "id", "title", "track", "difficulty", "status"], rows)
    return ExitCode.OK


@learner_command
def start(challenge_id: str = typer.Argument(..., help="Challenge id, e.g. huber-loss.")) -> ExitCode:
    """Copy a challenge's template into your workspace and show its statement."""
    challenge = catalog().get(challenge_id)
    path, created = find().start(challenge)
    render.markdown(challenge.statement)
    verb = "Created" if created else "Your file (kept as it was)"
    render.info(f"\n{verb}: {path}\nEdit it, then run: torchdojo check {challenge.id}")
    return ExitCode.OK


@learner_command
def check(
    challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Grade this file instead of the workspace's."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> ExitCode:
    """Grade your solution; the exit code says pass (0) or fail (1)."""
    workspace = find_or_none()
    if challenge_id is None and workspace is None:
        raise WorkspaceError("give a challenge id, or run inside a workspace (`torchdojo init`)")
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    path = file or (workspace.file_for(challenge) if workspace else None)
    if path is None:
        raise WorkspaceError(f"no workspace here: use `torchdojo check {challenge.id} --file your_file.py`")
    if not path.is_file():
        hint = "" if file else f"; run `torchdojo start {challenge.id}` first"
        raise FileNotFoundError(f"{path} does not exist{hint}")
    from torchdojo.grading.runner import grade_file

    report = grade_file(challenge, path)
    if workspace:
        workspace.record(report)
    if as_json:
        render.as_json(report.to_dict())
    else:
        render.report(report, challenge.title)
    return ExitCode.OK if report.passed else ExitCode.CHECK_FAILED


@learner_command
def hint(challenge_id: str = typer.Argument(..., help="Challenge id.")) -> ExitCode:
    """Show the next hint (they escalate from a question to nearly the answer)."""
    challenge = catalog().get(challenge_id)
    level = find().store().next_hint(challenge.id, len(challenge.hints))
    render.info(f"[bold]Hint {level} of {len(challenge.hints)}[/] for {challenge.id}:\n{challenge.hints[level - 1]}")
    if level == len(challenge.hints):
        render.info(f"[dim]That was the last hint. After an attempt, `torchdojo solution {challenge.id}`.[/]")
    return ExitCode.OK


@learner_command
def solution(
    challenge_id: str = typer.Argument(..., help="Challenge id."),
    force: bool = typer.Option(False, "--force", help="Show it even before an attempt."),
) -> ExitCode:
    """Show the reference solution (after an attempt, or with --force)."""
    challenge = catalog().get(challenge_id)
    workspace = find() if not force else find_or_none()
    store = workspace.store() if workspace else None
    if not force and not store.attempts(challenge.id):
        render.error(f"try it first: run `torchdojo check {challenge.id}` once (or pass --force)")
        return ExitCode.NOT_ALLOWED
    if store:
        store.record_reveal(challenge.id)
    render.code(challenge.read("solution.py"), f"{challenge.id}: reference solution")
    return ExitCode.OK


@learner_command
def progress() -> ExitCode:
    """What you have done: status, attempts, hints used, solutions seen."""
    workspace = find()
    summary = workspace.store().summary()
    rows = []
    for c in catalog():
        p = summary.get(c.id)
        rows.append((c.number, c.id, _status(workspace, c, summary) or "-", p.attempts if p else 0,
                     f"{p.hints if p else 0}/{len(c.hints)}", "yes" if p and p.revealed else ""))
    render.table("Your progress", ["#", "id", "status", "attempts", "hints", "solution seen"], rows)
    done = sum(1 for p in summary.values() if p.passed)
    render.info(f"{done} of {len(catalog())} challenges passed.")
    return ExitCode.OK


@learner_command
def verify(as_json: bool = typer.Option(False, "--json", help="Print the results as JSON.")) -> ExitCode:
    """Grade every reference solution: the installation's self-test."""
    from torchdojo.grading.runner import grade

    rows, reports = [], []
    for challenge in catalog():
        report = grade(challenge, challenge.read("solution.py"), label="solution.py", match_mistakes=False)
        reports.append(report.to_dict())
        failed = [r.name for r in report.results if not r.passed]
        verdict = "ok" if report.passed else f"FAILED {report.load_error or ', '.join(failed)}"
        rows.append((challenge.id, verdict, len(report.results), f"{report.duration:.2f} s"))
    ok = all(r["passed"] for r in reports)
    if as_json:
        render.as_json({"passed": ok, "challenges": reports})
    else:
        render.table("Reference solutions", ["challenge", "result", "checks", "time"], rows)
        render.info(f"{sum(r['passed'] for r in reports)} of {len(reports)} reference solutions pass.")
    return ExitCode.OK if ok else ExitCode.CHECK_FAILED
