"""The teacher's and the author's commands: `grade` (a class's submissions into a gradebook), and
`dev new` / `dev check` (scaffold a challenge; prove a pack or the catalog valid)."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import CATALOG_ENV_VAR, CHALLENGES_DIR, CatalogError, catalog
from torchdojo.cli import render
from torchdojo.cli.errors import LEARNER_ERRORS, handles
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.gradebook import GradebookError
from torchdojo.scaffold import ScaffoldError

# (a CatalogError here is most likely the author's own pack or pyproject.toml: a bad file, not a bug)
TEACHER_ERRORS = {GradebookError: ExitCode.USAGE, ScaffoldError: ExitCode.USAGE, **LEARNER_ERRORS,
                  CatalogError: ExitCode.BAD_FILE}
teacher_command = handles(TEACHER_ERRORS)


class _Bar:
    """A progress bar with an ETA on a terminal; a line every tenth of the way otherwise."""

    def __init__(self) -> None:
        self.progress, self.task, self.step = None, None, 0

    def __call__(self, done: int, total: int, eta: float | None) -> None:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

            if self.progress is None:
                self.progress = Progress("grading", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), "eta",
                                         TimeRemainingColumn(), console=render.console(stderr=True), transient=True)
                self.progress.start()
                self.task = self.progress.add_task("grading", total=total)
            self.progress.update(self.task, completed=done)
        elif total and (done == total or done * 10 // total > self.step):
            self.step = done * 10 // total
            left = f", about {eta:.0f} s left" if eta is not None and done < total else ""
            print(f"graded {done} of {total}{left}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@teacher_command
def grade(
    submissions: Path = typer.Argument(..., help="A folder with one folder, .zip or .ipynb per student."),
    challenges: str = typer.Option(..., "--challenges", "-c", help="Challenge ids, comma-separated."),
    out: Path = typer.Option(Path("grades"), "--out", "-o", help="Where the gradebook goes (kept between runs)."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Gradings at once (default: the machine's cores)."),
    extra_checks: Optional[Path] = typer.Option(None, "--extra-checks", help="A folder of <challenge-id>.py "
                                                "files with more hidden checks."),
) -> ExitCode:
    """Grade a class: every submission against the challenges, hidden checks included, into
    grades.csv, grades.json and feedback/<student>.md. A rerun grades only what changed."""
    from torchdojo.gradebook import Batch

    chosen = [catalog().get(i.strip()) for i in challenges.split(",") if i.strip()]
    if extra_checks is not None and not extra_checks.is_dir():
        raise FileNotFoundError(f"--extra-checks {extra_checks}: "
                                + ("not a folder" if extra_checks.exists() else "no such folder"))
    bar = _Bar()
    try:
        batch = Batch(submissions, chosen, out, jobs=jobs, extra_checks=extra_checks, on_progress=bar).run()
    except KeyboardInterrupt:
        bar.close()
        render.error(f"stopped; every finished grading is kept in {out}: run the same command to go on",
                     label="interrupted")
        return ExitCode.INTERRUPTED
    bar.close()
    rows = []
    for student in batch.students():
        cells = [batch.cells[(student, c.id)] for c in chosen]
        points, maximum = batch.totals(student)
        rows.append([student, *(f"{cell['status']} {cell['passed']}/{cell['total']}" for cell in cells),
                     f"{points:g}/{maximum:g}"])
    render.table("Gradebook", ["student", *(c.id for c in chosen), "points"], rows)
    render.info(f"{render.count(len(batch.cells), 'cell')} ({render.count(len(rows), 'student')} × "
                f"{render.count(len(chosen), 'challenge')}): {batch.graded} graded in this run, {batch.reused} "
                f"unchanged since the last run, {batch.not_graded} with nothing to grade (missing or unreadable). "
                f"Written: {out / 'grades.csv'}, {out / 'grades.json'}, {out / 'feedback'}/")
    return ExitCode.OK


dev = typer.Typer(help="For challenge authors: scaffold a challenge, prove a pack valid.", no_args_is_help=True,
                  rich_markup_mode=None)


@dev.command("new")
@teacher_command
def new(
    name: str = typer.Argument(..., help="<track>/<id>, e.g. activations/leaky-relu."),
    root: Optional[Path] = typer.Option(None, "--root", help="The pack (or challenges folder) to add it to "
                                        f"(default: ${CATALOG_ENV_VAR}, else this folder)."),
) -> ExitCode:
    """Scaffold a challenge: the six files and two alternatives, with a worked example in each; in a
    new pack (not the catalog's folder, nor $TORCHDOJO_CHALLENGES's), its pack.toml too."""
    from torchdojo.packs import is_catalog_folder
    from torchdojo.scaffold import scaffold, write_pack_file

    root = root or Path(os.environ.get(CATALOG_ENV_VAR) or ".")
    folder = scaffold(root, name)
    pack_file = None if is_catalog_folder(root) else write_pack_file(root)
    if pack_file:
        render.info(f"Created {pack_file} (the pack's name, title and format_version: edit the title).")
    render.info(f"Created {folder}: challenge.toml, statement.md, template.py, solution.py, checks.py, mutants.py, "
                f"alternatives/. It passes as it is; make it yours, then: torchdojo dev check {folder}")
    return ExitCode.OK


@dev.command("check")
@teacher_command
def check(
    pack: Optional[str] = typer.Argument(None, help="A pack folder, a distribution's folder (its pyproject.toml "
                                         "declares the pack), one challenge's folder, or an installed pack's name "
                                         "(default: this folder if it is a pack, else the catalog)."),
) -> ExitCode:
    """The integrity test for authors: each challenge's solution, template, mutants, alternatives,
    checks, metadata and files, with what is wrong and where."""
    from torchdojo.authoring import audit_folder

    root, is_pack = _what_to_check(pack)
    render.info(f"Checking {render.text(root)}")
    result = audit_folder(root, pack=is_pack, on_challenge=lambda c: print(f"… {c.id}", file=sys.stderr, flush=True)
                          if sys.stderr.isatty() else None)
    for problem in result.problems:
        render.info(f"[bold red]FAIL[/] {render.text(problem)}")
    for challenge_id, folder, findings in result.challenges:
        ok = all(f.ok for f in findings)
        render.info(f"{'[bold green]ok  [/]' if ok else '[bold red]FAIL[/]'} [bold]{render.text(challenge_id)}[/] "
                    f"[dim]({render.text(folder)})[/]")
        for finding in findings:
            mark = "[green]✓[/]" if finding.ok else "[red]✗[/]"
            render.info(f"    {mark} {render.text(finding.what)}")
            for problem in finding.problems:
                render.info(f"        {render.text(problem)}")
    bad = sum(not all(f.ok for f in findings) for _, _, findings in result.challenges)
    render.info(f"{len(result.challenges) - bad} of {len(result.challenges)} challenges valid"
                + (f"; {len(result.problems)} problems with the pack itself" if result.problems else "") + ".")
    return ExitCode.OK if result.ok else ExitCode.CHECK_FAILED


def _what_to_check(pack: str | None) -> tuple[Path, bool]:
    """The folder `dev check` audits, and whether it is a pack (which needs a pack.toml; the catalog's
    folder and $TORCHDOJO_CHALLENGES's do not). A distribution's folder stands for the pack inside it."""
    from torchdojo.packs import PACK_FILE, discover_packs, distribution_pack, is_catalog_folder

    if pack is None:
        here = Path.cwd()
        if not ((here / PACK_FILE).is_file() or distribution_pack(here)):
            return Path(os.environ.get(CATALOG_ENV_VAR) or CHALLENGES_DIR), False
        pack = str(here)
    if Path(pack).is_dir():
        return distribution_pack(Path(pack)) or Path(pack), not is_catalog_folder(Path(pack))
    packs = {p.name: p for p in discover_packs()}
    if pack in packs:
        return packs[pack].root, True
    raise FileNotFoundError(f"{pack} is neither a folder nor an installed pack "
                            f"({', '.join(packs) or 'none is installed'})")
