"""How a command ends: errors a user can cause become one clear line and a named exit code.

    command = handles({UnknownChallenge: ExitCode.UNKNOWN_CHALLENGE, ...})

    @command
    def check(...) -> ExitCode: ...

Anything not listed is a bug and keeps its traceback.
"""
from __future__ import annotations

import functools
from typing import Callable

import typer

from torchdojo.cli import render
from torchdojo.cli.exit_codes import ExitCode


def handles(errors: dict[type[Exception], ExitCode]) -> Callable[[Callable[..., ExitCode]], Callable[..., None]]:
    """A decorator for commands returning an ExitCode; the first matching error type wins."""
    def decorate(fn: Callable[..., ExitCode]) -> Callable[..., None]:
        @functools.wraps(fn)  # typer reads the wrapped function's signature
        def wrapper(*args, **kwargs) -> None:
            try:
                code = fn(*args, **kwargs)
            except tuple(errors) as exc:
                render.error(str(exc))
                code = next(c for t, c in errors.items() if isinstance(exc, t))
            raise typer.Exit(int(code))
        return wrapper
    return decorate
