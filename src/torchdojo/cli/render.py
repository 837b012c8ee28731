"""The only module of the command line that prints. Rich colour and tables on a terminal, plain
text when piped, JSON when asked. Commands build data (reports, rows) and hand it here; grading
reports are drawn by ``torchdojo.rendering``, which the notebook API shares."""
from __future__ import annotations

import json
import sys
from typing import Any, Sequence

from rich.markup import escape

from torchdojo import rendering
from torchdojo.rendering import console, report  # noqa: F401 (commands print reports through here)


def error(message: str, label: str = "error") -> None:
    """One clear line on stderr."""
    console(stderr=True).print(f"[bold red]{label}:[/] {escape(message)}")


def error_traceback(exc: BaseException) -> None:
    """The whole traceback of ``exc`` on stderr, as Python prints it (for a bug report)."""
    import traceback

    console(stderr=True).print(escape("".join(traceback.format_exception(exc))), end="")


def info(message: str) -> None:
    """``message`` in Rich markup: interpolate text from elsewhere (a hint, a title, a path) through
    ``text()``, or its square brackets are read as markup and vanish."""
    console().print(message)


def text(value: Any) -> str:
    """``value`` as literal text inside ``info``'s markup."""
    return escape(str(value))


def plain(text: str) -> None:
    """Text printed as it is (no markup), e.g. Markdown for the learner to paste elsewhere."""
    console().print(escape(text))


def as_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, whole: Sequence[str] = (),
          optional: Sequence[str] = ()) -> None:
    """A table; cells are text, not markup. Cells of the `whole` columns are never broken (an id
    folded as `tensor-bas/ics` cannot be copied); on a terminal too narrow for every column, the
    `optional` ones are left out, the last first, until the rest fit."""
    from rich import box
    from rich.table import Table

    out = console()
    cells = [[str(cell) for cell in row] for row in rows]
    shown = list(range(len(columns)))
    for name in reversed(optional):
        if _width(columns, cells, shown) <= out.width:
            break
        shown.remove(columns.index(name))
    grid = Table(title=title, box=box.SIMPLE_HEAD if out.is_terminal else None, title_justify="left",
                 show_edge=False, pad_edge=False)
    for i in shown:
        grid.add_column(columns[i], overflow="fold", no_wrap=columns[i] in whole)
    for row in cells:
        grid.add_row(*(escape(row[i]) for i in shown))
    out.print(grid)


def _width(columns: Sequence[str], cells: list[list[str]], shown: list[int], wrap_at: int = 40) -> int:
    """The width of the table with the `shown` columns, each as wide as its widest cell, or `wrap_at`
    for a column of longer text (a title reads well wrapped at that width), with 3 of padding."""
    return sum(min(wrap_at, max(len(columns[i]), *(len(row[i]) for row in cells))) + 3 for i in shown)


def statement(text: str) -> None:
    """A challenge's statement: Markdown with its maths in Unicode (see rendering.statement)."""
    rendering.statement(text)


def code(text: str, title: str) -> None:
    out = console()
    if out.is_terminal:
        from rich.syntax import Syntax

        out.rule(title)
        out.print(Syntax(text, "python", line_numbers=True))
    else:
        out.print(f"# {title}\n{escape(text)}", end="")


def count(n: int, noun: str) -> str:
    """'1 epoch', '5 epochs'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
