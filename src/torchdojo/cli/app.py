"""The typer application: wires the command groups together. Nothing heavy is imported here,
so `torchdojo --help` answers without importing torch."""
from __future__ import annotations

import sys

import typer

from torchdojo.cli import learn, teach, training
from torchdojo.cli.errors import global_options
from torchdojo.cli.journal import journal
from torchdojo.cli.notebook import notebook
from torchdojo.cli.play import play
from torchdojo.cli.watch import watch

app = typer.Typer(
    name="torchdojo",
    help="A self-checking PyTorch curriculum: start a challenge, edit the file, check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.callback()(global_options)
app.command()(learn.init)
app.command("list")(learn.list_)
for command in (learn.start, learn.check, watch, learn.hint, learn.solution, learn.progress, journal, notebook,
                learn.verify, play, training.train, training.evaluate):
    app.command()(command)
app.command()(teach.grade)  # teachers and authors (cli/teach.py)
app.add_typer(teach.dev, name="dev")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code (also raised as SystemExit)."""
    try:
        app(args=argv, prog_name="torchdojo", standalone_mode=True)
    except SystemExit as exc:  # typer always exits; normalise to an int for callers
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if argv is None:
            sys.exit(code)
        return code
    return 0
