"""The only module that prints. Rich colour and tables on a terminal, plain text when piped,
JSON when asked. Commands build data (reports, rows) and hand it here."""
from __future__ import annotations

import json
import sys
from typing import Any, Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

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


def error(message: str) -> None:
    """One clear line on stderr."""
    console(stderr=True).print(f"[bold red]error:[/] {escape(message)}")


def info(message: str) -> None:
    console().print(message)


def plain(text: str) -> None:
    """Text printed as it is (no markup), e.g. Markdown for the learner to paste elsewhere."""
    console().print(escape(text))


def as_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    out = console()
    grid = Table(title=title, box=box.SIMPLE_HEAD if out.is_terminal else None, title_justify="left",
                 show_edge=False, pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(escape(str(cell)) for cell in row))
    out.print(grid)


def markdown(text: str) -> None:
    out = console()
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text))
    else:
        out.print(escape(text), end="" if text.endswith("\n") else "\n")


def code(text: str, title: str) -> None:
    out = console()
    if out.is_terminal:
        from rich.syntax import Syntax

        out.rule(title)
        out.print(Syntax(text, "python", line_numbers=True))
    else:
        out.print(f"# {title}\n{escape(text)}", end="")


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
    if rep.output.strip():
        out.print("[dim]Your code printed:[/]\n" + escape(_indent(rep.output.rstrip(), 4)))
    passed = sum(r.passed for r in rep.results)
    if rep.passed:
        out.print(f"[bold green]All {passed} checks passed[/] in {rep.duration:.2f} s.")
    else:
        out.print(f"[bold red]{passed} of {len(rep.results)} checks passed[/] in {rep.duration:.2f} s. "
                  f"Stuck? [bold]torchdojo hint {escape(rep.challenge_id)}[/]")
