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
from torchdojo.cli.quick import grade_source, run_check
from torchdojo.rendering import ProgressLine
from torchdojo.requirements import unmet
from torchdojo.workspace import Workspace, find, find_or_none, init as init_workspace, \
    repair as repair_workspace


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
def init(
    folder: Optional[Path] = typer.Argument(None, help="Folder to create (default: torchdojo-workspace; "
                                            "with --repair: the workspace you are in)."),
    repair: bool = typer.Option(False, "--repair", help="Give an existing workspace a fresh progress file, "
                                "moving an unusable one aside (your files are kept)."),
) -> ExitCode:
    """Create a workspace with the first challenge ready (or --repair one whose progress file broke)."""
    if repair:
        workspace, aside = repair_workspace(folder or Path.cwd())
        moved = f"the unusable file was moved to {aside}; " if aside else ""
        render.info(f"Progress file repaired in {render.text(workspace.root)}: {render.text(moved)}a fresh "
                    "record starts now. Your challenge files were not touched.")
        return ExitCode.OK
    folder = folder or Path("torchdojo-workspace")
    first = catalog().challenges[0]
    workspace, first_file = init_workspace(folder, first)
    render.info(f"Workspace ready at {render.text(workspace.root)}\nFirst challenge: [bold]{first.id}[/] — "
                f"{render.text(first_file)}\nNext: cd {render.text(folder)} && torchdojo start {first.id}")
    return ExitCode.OK


@learner_command
def list_() -> ExitCode:
    """Show every challenge, in order, with your status (and what is missing to grade it, if anything)."""
    show_list(find_or_none())
    return ExitCode.OK


def show_list(workspace: Workspace | None) -> None:
    summary = workspace.store().summary() if workspace else {}
    current = workspace.current(catalog()).id if workspace else None
    rows, fixes = [], {}
    for c in catalog():
        missing = unmet(c)
        status = _status(workspace, c, summary) or ("needs " + ", ".join(m.requirement for m in missing) if missing
                                                     else "")
        rows.append(("▶" if c.id == current else "", c.number, c.id, c.title, c.track, c.kind, c.difficulty, status))
        fixes.update({m.requirement: f"{m.reason}: {m.fix}" for m in missing})
    render.table("torchdojo challenges", ["", "#", "id", "title", "track", "kind", "difficulty", "status"], rows,
                 whole=("#", "id", "difficulty"), optional=("difficulty", "track", "kind"))
    if current:
        render.info(f"▶ current: [bold]{current}[/] (the one you last started or checked; "
                    "`torchdojo check`, `hint`, `solution` and `journal --note` use it when no id is given)")
    for requirement, fix in fixes.items():
        render.info(f"[yellow]needs {requirement}[/] — {fix}")


@learner_command
def start(challenge_id: str = typer.Argument(..., help="Challenge id, e.g. huber-loss.")) -> ExitCode:
    """Copy a challenge's template into your workspace and show its statement."""
    challenge = catalog().get(challenge_id)
    workspace = find()
    workspace.store().set_current(challenge.id)  # first: a broken progress file stops it before any copy
    path, created = workspace.start(challenge)
    render.statement(challenge.statement)
    what = "folder" if challenge.is_folder else "file"
    verb = "Created" if created else f"Your {what} (kept as it was)"
    render.info(f"\n{verb}: {render.text(path)}\nEdit it, then run: torchdojo check  (it is now your current "
                f"challenge; or a notebook: torchdojo notebook {challenge.id})")
    return ExitCode.OK


@learner_command
def check(
    challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
    file: Optional[Path] = typer.Option(None, "--file", "--dir", "-f",
                                        help="Grade this file (or folder) instead of the workspace's."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    no_server: bool = typer.Option(False, "--no-server", help="Grade in this process, not in the warm grader "
                                   "(also TORCHDOJO_NO_SERVER=1; always so in CI)."),
) -> ExitCode:
    """Grade your solution; the exit code says pass (0) or fail (1). Ctrl-C stops a long check."""
    return run_check(challenge_id, file, as_json, no_server)


@learner_command
def hint(challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
         level: Optional[int] = typer.Option(None, "--level", min=1, help="Show this hint (1 = the first); "
                                             "outside a workspace, which keeps your place, the default is 1."),
         ) -> ExitCode:
    """Show the next hint (they escalate from a question to nearly the answer)."""
    workspace = find() if challenge_id is None else find_or_none()
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    show_hint(workspace, challenge, level)
    return ExitCode.OK


def show_hint(workspace: Workspace | None, challenge: Challenge, level: int | None = None) -> None:
    """Print hint `level` (default: the next one, in a workspace), record it and the ones before it,
    and say what comes after it."""
    store, available = workspace.store() if workspace else None, len(challenge.hints)
    if level is None:
        level = store.next_hint(challenge.id, available) if store else 1
    level = min(level, available)
    for earlier in range(1, level + 1) if store else ():
        store.record_hint(challenge.id, earlier)
    render.info(f"[bold]Hint {level} of {available}[/] for {challenge.id}:\n"
                f"{render.text(challenge.hints[level - 1])}")
    if level < available:
        if store is None:  # nothing remembers this one: name the next
            render.info(f"[dim]The next one: `torchdojo hint {challenge.id} --level {level + 1}`.[/]")
    elif store is None or store.attempts(challenge.id):
        force = "" if store else " --force"  # (outside a workspace no attempt is recorded)
        render.info(f"[dim]That was the last hint. The reference solution: `torchdojo solution {challenge.id}"
                    f"{force}`.[/]")
    else:
        render.info(f"[dim]That was the last hint. After an attempt (`torchdojo check {challenge.id}` on "
                    f"code you changed), `torchdojo solution {challenge.id}` shows the reference.[/]")


@learner_command
def solution(
    challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
    force: bool = typer.Option(False, "--force", help="Show it even before an attempt."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write it into this new (or empty) folder, to diff -r with yours."),
) -> ExitCode:
    """Show the reference solution (after an attempt, or with --force)."""
    workspace = find() if not (force and challenge_id) else find_or_none()
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    store = workspace.store() if workspace else None
    if not force and not store.attempts(challenge.id):
        render.error(f"try it first: change your file and run `torchdojo check {challenge.id}` once "
                     "(or pass --force)")
        return ExitCode.NOT_ALLOWED
    if out is not None and (out.exists() and not out.is_dir() or out.is_dir() and any(out.iterdir())):
        render.error(f"{out} already exists and is not an empty folder; give --out a new or empty one "
                     "(nothing was written)")
        return ExitCode.USAGE
    if store:
        store.record_reveal(challenge.id)
    source = challenge.source("solution")
    files = source if isinstance(source, dict) else {challenge.file: source}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
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
    render.table("Your progress", ["#", "id", "status", "attempts", "hints", "solution seen"], rows,
                 whole=("#", "id"))
    done = sum(1 for p in summary.values() if p.passed)
    render.info(f"{done} of {len(catalog())} challenges passed.")
    return ExitCode.OK


@learner_command
def verify(as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
           no_server: bool = typer.Option(False, "--no-server", help="Grade in this process, not in the warm "
                                          "grader (also TORCHDOJO_NO_SERVER=1; always so in CI).")) -> ExitCode:
    """Grade every reference solution: the installation's self-test."""
    rows, reports, skipped = [], [], {}
    for challenge in catalog():
        missing = unmet(challenge)
        if missing:
            skipped[challenge.id] = "; ".join(f"{m.reason}: {m.fix}" for m in missing)
            rows.append((challenge.id, "skipped: needs " + ", ".join(m.requirement for m in missing), "", ""))
            continue
        with ProgressLine() as on_progress:
            report = grade_source(challenge, challenge.source("solution"), "solution", match_mistakes=False,
                                  on_progress=on_progress, no_server=no_server)
        reports.append(report.to_dict())
        failed = [r.name for r in report.results if not r.passed]
        verdict = "ok" if report.passed else f"FAILED {report.load_error or ', '.join(failed)}"
        rows.append((challenge.id, verdict, len(report.results), f"{report.duration:.2f} s"))
    ok = all(r["passed"] for r in reports)
    if as_json:
        render.as_json({"passed": ok, "challenges": reports, "skipped": skipped})
    else:
        render.table("Reference solutions", ["challenge", "result", "checks", "time"], rows, whole=("challenge",))
        left_out = f" ({len(skipped)} skipped: a requirement is missing, see above)" if skipped else ""
        render.info(f"{sum(r['passed'] for r in reports)} of {len(reports)} reference solutions pass{left_out}.")
    return ExitCode.OK if ok else ExitCode.CHECK_FAILED
