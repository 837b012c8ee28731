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
from torchdojo.rendering import ProgressLine
from torchdojo.requirements import ensure as ensure_requirements, unmet
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
    """Show every challenge, in order, with your status (and what is missing to grade it, if anything)."""
    workspace = find_or_none()
    summary = workspace.store().summary() if workspace else {}
    rows, fixes = [], {}
    for c in catalog():
        missing = unmet(c)
        status = _status(workspace, c, summary) or ("needs " + ", ".join(m.requirement for m in missing) if missing
                                                     else "")
        rows.append((c.number, c.id, c.title, c.track, c.kind, c.difficulty, status))
        fixes.update({m.requirement: f"{m.reason}: {m.fix}" for m in missing})
    render.table("torchdojo challenges", ["#", "id", "title", "track", "kind", "difficulty", "status"], rows)
    for requirement, fix in fixes.items():
        render.info(f"[yellow]needs {requirement}[/] — {fix}")
    return ExitCode.OK


@learner_command
def start(challenge_id: str = typer.Argument(..., help="Challenge id, e.g. huber-loss.")) -> ExitCode:
    """Copy a challenge's template into your workspace and show its statement."""
    challenge = catalog().get(challenge_id)
    path, created = find().start(challenge)
    render.markdown(challenge.statement)
    what = "folder" if challenge.is_folder else "file"
    verb = "Created" if created else f"Your {what} (kept as it was)"
    render.info(f"\n{verb}: {path}\nEdit it, then run: torchdojo check {challenge.id}")
    return ExitCode.OK


@learner_command
def check(
    challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
    file: Optional[Path] = typer.Option(None, "--file", "--dir", "-f",
                                        help="Grade this file (or folder) instead of the workspace's."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> ExitCode:
    """Grade your solution; the exit code says pass (0) or fail (1). Ctrl-C stops a long check."""
    workspace = find_or_none()
    if challenge_id is None and workspace is None:
        raise WorkspaceError("give a challenge id, or run inside a workspace (`torchdojo init`)")
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    path = _submitted_path(challenge, workspace, file)
    ensure_requirements(challenge)
    from torchdojo.grading.runner import grade_file

    try:
        with ProgressLine() as on_progress:
            report = grade_file(challenge, path, on_progress=on_progress)
    except KeyboardInterrupt:
        render.error("stopped: the check was interrupted, and everything it started was stopped; "
                     "nothing was recorded", label="interrupted")
        return ExitCode.INTERRUPTED
    if workspace:
        workspace.record(report)
    if as_json:
        render.as_json(report.to_dict())
    else:
        render.report(report, challenge.title)
    return ExitCode.OK if report.passed else ExitCode.CHECK_FAILED


def _submitted_path(challenge: Challenge, workspace: Workspace | None, given: Path | None) -> Path:
    """What to grade: the file (or folder) given, or the workspace's; a clear error when it is not there."""
    path = given or (workspace.file_for(challenge) if workspace else None)
    what = "folder" if challenge.is_folder else "file"
    if path is None:
        flag = "--dir your_folder" if challenge.is_folder else "--file your_file.py"
        raise WorkspaceError(f"no workspace here: use `torchdojo check {challenge.id} {flag}`")
    if not path.exists():
        hint = "" if given else f"; run `torchdojo start {challenge.id}` first"
        raise FileNotFoundError(f"{path} does not exist{hint}")
    if path.is_dir() != challenge.is_folder:
        raise FileNotFoundError(f"{path} is not a {what}: {challenge.id} is graded from a {what}"
                                + (f" ({challenge.file})" if challenge.is_folder else ""))
    return path


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
    out: Optional[Path] = typer.Option(None, "--out", help="Write it into this new folder (to diff -r with yours)."),
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
    source = challenge.source("solution")
    files = source if isinstance(source, dict) else {challenge.file: source}
    if out is not None:
        out.mkdir(parents=True, exist_ok=False)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
        render.info(f"Reference solution written to {out}/ ({', '.join(files)}). Compare: diff -ru {out} "
                    f"<your {'folder' if challenge.is_folder else 'file'}>")
        return ExitCode.OK
    for name, text in files.items():
        render.code(text, f"{challenge.id}: reference solution" + (f" — {name}" if challenge.is_folder else ""))
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

    rows, reports, skipped = [], [], {}
    for challenge in catalog():
        missing = unmet(challenge)
        if missing:
            skipped[challenge.id] = "; ".join(f"{m.reason}: {m.fix}" for m in missing)
            rows.append((challenge.id, "skipped: needs " + ", ".join(m.requirement for m in missing), "", ""))
            continue
        with ProgressLine() as on_progress:
            report = grade(challenge, challenge.source("solution"), label="solution", match_mistakes=False,
                           on_progress=on_progress)
        reports.append(report.to_dict())
        failed = [r.name for r in report.results if not r.passed]
        verdict = "ok" if report.passed else f"FAILED {report.load_error or ', '.join(failed)}"
        rows.append((challenge.id, verdict, len(report.results), f"{report.duration:.2f} s"))
    ok = all(r["passed"] for r in reports)
    if as_json:
        render.as_json({"passed": ok, "challenges": reports, "skipped": skipped})
    else:
        render.table("Reference solutions", ["challenge", "result", "checks", "time"], rows)
        left_out = f" ({len(skipped)} skipped: a requirement is missing, see above)" if skipped else ""
        render.info(f"{sum(r['passed'] for r in reports)} of {len(reports)} reference solutions pass{left_out}.")
    return ExitCode.OK if ok else ExitCode.CHECK_FAILED
