"""Grading reports as text: rich colour on a terminal, plain lines when piped.

Shared by the command line (``torchdojo.cli.render`` prints everything else) and the notebook API
(``torchdojo.check``), so the library never imports the CLI.
"""
from __future__ import annotations

import sys

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
