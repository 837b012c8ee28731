"""`torchdojo check` without typer: the command's body, and a lean path to the grader.

A warm check must answer in a fraction of a second, and importing the typer application alone costs
about 0.2 s (see DESIGN.md), so :func:`main` is tried before it: a plain ``torchdojo check [ID]
[--file F] [--json] [--no-server]`` is parsed here and graded through the server
(:mod:`torchdojo.client`), or in this process when it must grade cold (``--no-server``,
``TORCHDOJO_NO_SERVER``, CI, no server answering): a cold check pays for torch and the grading, not
for typer. Anything else (another command, ``--help``, an option this parser does not know) goes to
the typer application, whose ``check`` runs the same :func:`run_check` and ends the same way.
Nothing here imports typer or torch (a cold grading imports torch when it starts).
"""
from __future__ import annotations

from pathlib import Path

from torchdojo import client
from torchdojo.catalog import Challenge, catalog
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.grading.report import Report
from torchdojo.rendering import ProgressLine
from torchdojo.requirements import ensure as ensure_requirements
from torchdojo.workspace import Workspace, WorkspaceError, find_or_none


def main(argv: list[str]) -> int | None:
    """Run a plain `check` (through the warm grader, or cold); None when the typer application must
    handle it (another command, or options this parser does not know)."""
    options = parse(argv)
    if options is None:
        return None
    try:
        return int(run_check(**options))
    except KeyboardInterrupt:  # before the grading began: typer ends a command so, silently
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - ended exactly as the typer command would end it
        from torchdojo.cli.errors import LEARNER_ERRORS, _exit_code

        return int(_exit_code(exc, LEARNER_ERRORS, as_json=options["as_json"]))


def parse(argv: list[str]) -> dict | None:
    """``check [ID] [--file|--dir|-f PATH] [--json] [--no-server]`` as keyword arguments, else None."""
    if not argv or argv[0] != "check":
        return None
    options: dict = {"challenge_id": None, "file": None, "as_json": False, "no_server": False}
    rest = list(argv[1:])
    while rest:
        arg = rest.pop(0)
        name, _, value = arg.partition("=")
        if arg in ("--json", "--no-server"):
            options["as_json" if arg == "--json" else "no_server"] = True
        elif name in ("--file", "--dir", "-f") and options["file"] is None:
            if not value:
                if not rest:
                    return None
                value = rest.pop(0)
            options["file"] = Path(value)
        elif not arg.startswith("-") and options["challenge_id"] is None:
            options["challenge_id"] = arg
        else:  # --help, a repeated argument, an option we do not know: typer says it properly
            return None
    return options


def run_check(challenge_id: str | None, file: Path | None, as_json: bool, no_server: bool = False) -> ExitCode:
    """The `check` command: grade, record the attempt, show the report."""
    workspace = find_or_none()
    if challenge_id is None and workspace is None:
        raise WorkspaceError("give a challenge id, or run inside a workspace (`torchdojo init`)")
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    path = submitted_path(challenge, workspace, file)
    ensure_requirements(challenge)
    try:
        with ProgressLine() as on_progress:
            report, source = grade_path(challenge, path, on_progress, no_server=no_server)
    except KeyboardInterrupt:
        from torchdojo.cli import render

        render.error("stopped: the check was interrupted, and everything it started was stopped; "
                     "nothing was recorded", label="interrupted")
        return ExitCode.INTERRUPTED
    not_counted = workspace.record(report, source) if workspace else "no workspace"
    from torchdojo.cli import render  # (already imported while a warm grader graded)

    if as_json:
        render.as_json(dict(report.to_dict(), recorded=not_counted is None))
        return ExitCode.OK if report.passed else ExitCode.CHECK_FAILED
    render.report(report, challenge.title, next_step=next_step(workspace, challenge) if report.passed else "")
    if workspace and not_counted:
        render.info(f"[dim]{not_counted}[/]")
    elif workspace and file is not None:
        render.info(f"[dim]Recorded as an attempt at {challenge.id} in {workspace.root} (graded {path}).[/]")
    return ExitCode.OK if report.passed else ExitCode.CHECK_FAILED


def grade_source(challenge: Challenge, source: str | dict[str, str], label: str, *, match_mistakes: bool = True,
                 on_progress=None, no_server: bool = False) -> Report:
    """Grade through the warm grader when it may be used and answers, else in this process (cold):
    the same report either way."""
    if client.disabled(no_server) is None:
        try:
            return Report.from_dict(client.grade(challenge.id, source, label, match_mistakes, on_progress,
                                                 while_waiting=prepare_output))
        except client.Unavailable:
            pass  # absent, stale, crashed or killed: grade here
    from torchdojo.grading.runner import grade

    return grade(challenge, source, label=label, match_mistakes=match_mistakes, on_progress=on_progress)


def prepare_output() -> None:
    """Import what printing the report takes (rich: a quarter of a warm check's own time), while the
    warm grader grades in its own process."""
    import rich.console  # noqa: F401

    from torchdojo.cli import render  # noqa: F401


def grade_path(challenge: Challenge, path: Path, on_progress=None, no_server: bool = False):
    """Grade a file, folder or notebook on disk: (report, the source graded, None if unreadable)."""
    from torchdojo.notebook import read_submission

    source, unreadable = read_submission(challenge, path)
    if unreadable is not None:
        return unreadable, None
    return grade_source(challenge, source, str(path), on_progress=on_progress, no_server=no_server), source


def next_step(workspace: Workspace | None, challenge: Challenge) -> str:
    """What to do after passing `challenge`: the next challenge not passed yet."""
    summary = {}
    if workspace:
        with workspace.store() as store:
            summary = store.summary()
    later = [c for c in catalog() if c.number > challenge.number] + \
            [c for c in catalog() if c.number < challenge.number]
    following = next((c for c in later if not (summary.get(c.id) and summary[c.id].passed)), None)
    if following is None:
        return "Every challenge is passed: well done!"
    if workspace is None:  # `start` copies a template into a workspace
        return f"Next: {following.id} ({following.title}), in a workspace: torchdojo init"
    return f"Next: torchdojo start {following.id}  ({following.title})"


def submitted_path(challenge: Challenge, workspace: Workspace | None, given: Path | None) -> Path:
    """What to grade: the file (or folder) given, or the workspace's; a clear error when it is not there."""
    path = given or (workspace.file_for(challenge) if workspace else None)
    what = "folder" if challenge.is_folder else "file"
    if path is None:
        flag = "--dir your_folder" if challenge.is_folder else "--file your_file.py"
        raise WorkspaceError(f"no workspace here: use `torchdojo check {challenge.id} {flag}`")
    if not path.exists():
        hint = "" if given else f"; run `torchdojo start {challenge.id}` first"
        raise FileNotFoundError(f"{path} does not exist{hint}")
    if path.is_dir() and not challenge.is_folder:
        raise FileNotFoundError(f"{path} is a folder; {challenge.id} is graded from one file: "
                                f"`--file {path / challenge.file}` (or a notebook, .ipynb)")
    if path.is_dir() != challenge.is_folder:
        raise FileNotFoundError(f"{path} is not a {what}: {challenge.id} is graded from a {what}"
                                + (f" ({challenge.file})" if challenge.is_folder else ""))
    return path
