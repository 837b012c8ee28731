"""`torchdojo journal`: the day-by-day table of what you did, what was hard and what you learned;
`--note` adds a key learning to today's entry."""
from __future__ import annotations

from typing import Optional

import typer

from torchdojo.catalog import catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.journal import build_journal
from torchdojo.workspace import find

COLUMNS = ["Day", "Task", "Gaps", "Key learnings", "Resources"]


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


@learner_command
def journal(
    note: Optional[str] = typer.Option(None, "--note", "-n", help="Add a key learning to today's entry."),
    challenge_id: Optional[str] = typer.Option(None, "--challenge", "-c",
                                               help="What the note is about (default: the current challenge)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table to paste into a README."),
) -> ExitCode:
    """Your day-by-day journal: Day | Task | Gaps | Key learnings | Resources."""
    workspace = find()
    store = workspace.store()
    if note is not None:
        if not note.strip():
            render.error('an empty note: write what you learned, e.g. --note "torch.where computes both branches"')
            return ExitCode.USAGE
        challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
        store.add_note(challenge.id, note.strip())
        render.info(f"Noted for {challenge.id}.")
        return ExitCode.OK
    days = build_journal(store, catalog())
    if not days:
        render.info("Nothing recorded yet: check a challenge, or add a note with --note.")
        return ExitCode.OK
    rows = []
    for day in days:
        links = [f"[{title}]({url})" if markdown else title for title, url in dict.fromkeys(day.resources)]
        rows.append([str(day.day), "; ".join(day.tasks), "; ".join(dict.fromkeys(day.gaps)),
                     "; ".join(day.learnings), ", ".join(links)])
    if markdown:
        render.plain("\n".join([_markdown_row(COLUMNS), _markdown_row([":---:"] * len(COLUMNS))]
                              + [_markdown_row(row) for row in rows]))
    else:
        render.table("Your journal", COLUMNS, rows)
    return ExitCode.OK
