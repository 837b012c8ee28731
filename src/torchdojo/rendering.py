"""Grading reports as text: rich colour on a terminal, plain lines when piped.

Shared by the command line (``torchdojo.cli.render`` prints everything else) and the notebook API
(``torchdojo.check``), so the library never imports the CLI.
"""
from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.markup import escape

from torchdojo.grading.report import Report, Status

MARKS = {  # status -> (label, rich style)
    Status.PASSED: ("PASS", "bold green"),
    Status.FAILED: ("FAIL", "bold red"),
    Status.ERROR: ("ERROR", "bold red"),
    Status.TIMEOUT: ("TIMEOUT", "bold magenta"),
    Status.CRASHED: ("CRASH", "bold magenta"),
    Status.SKIPPED: ("SKIP", "yellow"),
}


def console(stderr: bool = False) -> Console:
    # when piped, never wrap: logs, greps and tests see whole lines
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty, width=None if tty else 200)


class ProgressLine:
    """The progress notes of a long check (``epoch=2, epochs=5, loss=0.41``) as one live line on a
    terminal, with a bar when a note says how far along it is (done/total, epoch/epochs, step/steps);
    nothing when output is piped. Use as a context manager around the grading."""

    PAIRS = (("done", "total"), ("epoch", "epochs"), ("step", "steps"))

    def __init__(self) -> None:
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, note: dict) -> None:
        if not sys.stderr.isatty():
            return
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if self.progress is None:
            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     TimeElapsedColumn(), console=console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("grading", total=None)
        pair = next(((a, b) for a, b in self.PAIRS if a in note and b in note), None)
        words = [f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in note.items()
                 if pair is None or k != pair[1]]
        bar = {}
        if pair and all(type(note[k]) in (int, float) for k in pair) and note[pair[1]] > 0:
            bar = {"completed": note[pair[0]], "total": note[pair[1]]}
        self.progress.update(self.task, description=escape(" · ".join(words))[:100], **bar)


def _indent(text: str, spaces: int = 8) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def report(rep: Report, title: str) -> None:
    """A grading report: one line per check, the reason under each that did not pass."""
    out = console()
    out.print(f"[bold]{escape(rep.challenge_id)}[/] — {escape(title)}  [dim]({escape(rep.source_label)})[/]")
    if rep.load_error:
        out.print(f"  [bold red]LOAD[/]  your file could not be graded:\n{escape(_indent(rep.load_error))}")
    shown: set[str] = set()
    for result in rep.results:
        label, style = ("TODO", "bold yellow") if result.fingerprint == "todo" else MARKS[result.status]
        out.print(f"  [{style}]{label:<7}[/] {escape(result.title)}")
        if result.passed or not result.message:
            continue
        if result.message in shown:  # one broken line fails many checks: say it once
            where = f" ({result.location})" if result.location else ""
            out.print(f"          [dim]same as above{escape(where)}[/]")
            continue
        shown.add(result.message)
        out.print(escape(_indent(result.message, 10)), style="dim" if result.status is Status.SKIPPED else None)
    if rep.mistake:
        out.print(f"[bold yellow]Known mistake:[/] {escape(rep.mistake.diagnosis)}")
    elif rep.advice:
        out.print(f"[bold yellow]What this looks like:[/] {escape(rep.advice)}")
    if rep.output.strip():
        out.print("[dim]Your code printed:[/]\n" + escape(_indent(rep.output.rstrip(), 4)))
    passed = sum(r.passed for r in rep.results)
    if rep.passed:
        out.print(f"[bold green]All {passed} checks passed[/] in {rep.duration:.2f} s.")
    else:
        out.print(f"[bold red]{passed} of {len(rep.results)} checks passed[/] in {rep.duration:.2f} s. "
                  f"Stuck? [bold]torchdojo hint {escape(rep.challenge_id)}[/]")
