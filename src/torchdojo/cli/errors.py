"""How a command ends: which errors a user can cause, and the exit code each one gives.

Every command is decorated where it is defined, with the table of its command group::

    @learner_command
    def check(...) -> ExitCode: ...

An error in the table becomes one clear line and its named exit code. Anything else is a bug: one
line saying so and ``ExitCode.INTERNAL``, or the whole traceback with the global ``--traceback``
(``torchdojo --traceback check ...``: it goes before the command).
"""
from __future__ import annotations

import functools
import os
from typing import Callable

import typer

from torchdojo.catalog import CatalogError, UnknownChallenge
from torchdojo.cli import render
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.data import DataError, DatasetCorrupt, DatasetMissing
from torchdojo.notebook import NotebookUnreadable
from torchdojo.play import NotPlayable
from torchdojo.progress import StoreError
from torchdojo.project import RunError, RunFileCorrupt, RunFileMissing
from torchdojo.train.device import DeviceUnavailable
from torchdojo.workspace import WorkspaceError, WorkspaceExists

ErrorTable = dict[type[Exception], ExitCode]  # the first matching type wins

LEARNER_ERRORS: ErrorTable = {
    UnknownChallenge: ExitCode.UNKNOWN_CHALLENGE,
    WorkspaceExists: ExitCode.USAGE,  # before WorkspaceError, its parent
    WorkspaceError: ExitCode.NO_WORKSPACE,
    StoreError: ExitCode.STORE_ERROR,
    FileNotFoundError: ExitCode.FILE_NOT_FOUND,
    NotebookUnreadable: ExitCode.BAD_FILE,  # `check --file x.ipynb`: nothing graded, nothing recorded
    DatasetMissing: ExitCode.DATA_MISSING,  # also a challenge's unmet requirement (RequirementMissing)
    NotPlayable: ExitCode.USAGE,
    CatalogError: ExitCode.INTERNAL,  # a broken challenge folder: the message names the file
}

TRAINING_ERRORS: ErrorTable = {
    DatasetMissing: ExitCode.DATA_MISSING,
    DatasetCorrupt: ExitCode.BAD_FILE,
    RunFileCorrupt: ExitCode.BAD_FILE,
    RunFileMissing: ExitCode.FILE_NOT_FOUND,  # before RunError, its parent
    DataError: ExitCode.USAGE,
    RunError: ExitCode.USAGE,
    DeviceUnavailable: ExitCode.USAGE,
}

# typer's own ways of ending a command (a bad parameter, Ctrl-D at a prompt) keep their meaning
_TYPER_ENDINGS = (typer.TyperException, typer.Exit, typer.Abort)
_options = {"traceback": False}  # set by global_options before every command runs


def _print_version(value: bool) -> None:
    if value:
        from torchdojo import __version__

        render.info(f"torchdojo {__version__}")
        raise typer.Exit(0)


def global_options(
    traceback: bool = typer.Option(False, "--traceback",
                                   help="On an internal error, show where it happened."),
    version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_print_version,
                                 help="Print the version and exit."),
) -> None:
    _options["traceback"] = traceback


def handles(errors: ErrorTable) -> Callable[[Callable[..., ExitCode]], Callable[..., None]]:
    """A decorator for commands returning an ExitCode, ending them as ``errors`` says."""
    def decorate(fn: Callable[..., ExitCode]) -> Callable[..., None]:
        @functools.wraps(fn)  # typer reads the wrapped function's signature
        def wrapper(*args, **kwargs) -> None:
            try:
                code = fn(*args, **kwargs)
            except _TYPER_ENDINGS:
                raise
            except Exception as exc:
                code = _exit_code(exc, errors, as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(int(code))
        return wrapper
    return decorate


def _exit_code(exc: Exception, errors: ErrorTable, as_json: bool = False) -> ExitCode:
    """Say what went wrong (as JSON on stdout when the command was asked for JSON) and return its
    exit code. Under torchrun every rank runs the command and meets the same error: rank 0 says it."""
    quiet = os.environ.get("RANK", "0") != "0"
    for error_type, code in errors.items():
        if isinstance(exc, error_type):
            if quiet:
                return code
            if as_json:
                render.as_json({"error": str(exc), "exit_code": int(code), "exit_name": code.name.lower()})
            else:
                render.error(str(exc))
            return code
    if as_json:
        render.as_json({"error": f"internal error: {type(exc).__name__}: {exc}", "exit_code": int(ExitCode.INTERNAL),
                        "exit_name": "internal"})
        return ExitCode.INTERNAL
    if _options["traceback"]:
        render.error_traceback(exc)
    else:
        what = " ".join(f"{type(exc).__name__}: {exc}".split())
        render.error(f"{what} — rerun as `torchdojo --traceback …` to see where",
                     label="internal error")
    return ExitCode.INTERNAL


learner_command = handles(LEARNER_ERRORS)
training_command = handles(TRAINING_ERRORS)
