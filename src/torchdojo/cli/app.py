"""The typer application: wires the command groups together. Nothing heavy is imported here,
so `torchdojo --help` answers without importing torch."""
from __future__ import annotations

import sys

import typer

from torchdojo.cli import learn, training

app = typer.Typer(
    name="torchdojo",
    help="A self-checking PyTorch curriculum: start a challenge, edit the file, check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
learn.register(app)
training.register(app)


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
