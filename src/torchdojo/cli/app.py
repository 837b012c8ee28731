"""The typer application: wires the command groups together. Nothing heavy is imported here,
so `torchdojo --help` answers without importing torch.

:func:`main` first offers the command to the lean `check` (``cli/quick.py``): a plain check never
imports typer (0.2 s), and one answered by the warm grader never imports torch. The application
itself is built on first use (``from torchdojo.cli.app import app`` still works).
"""
from __future__ import annotations

import os
import sys


def build_app():
    import typer

    from torchdojo.cli import learn, server, teach, training
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
    app.add_typer(server.app, name="server")
    app.command()(teach.grade)  # teachers and authors (cli/teach.py)
    app.add_typer(teach.dev, name="dev")
    return app


def __getattr__(name: str):
    if name == "app":  # built once, on first use
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code (also raised as SystemExit)."""
    from torchdojo.cli.quick import main as quick_check

    code = quick_check(sys.argv[1:] if argv is None else list(argv))
    if code is not None and argv is None:
        exit_now(code)
    if code is None:
        try:
            (globals().get("app") or __getattr__("app"))(args=argv, prog_name="torchdojo", standalone_mode=True)
        except SystemExit as exc:  # typer always exits; normalise to an int for callers
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
    if argv is None:
        sys.exit(code)
    return code


def exit_now(code: int) -> None:
    """End the process after a `check` without tearing the interpreter down: freeing every module and
    object costs a warm check ~10 ms and a cold one (torch imported) 0.2-0.5 s, for nothing. What a
    normal exit does that matters is done first: the atexit functions run (logging, multiprocessing,
    temporary folders) and the output is flushed. With another thread still running, or output that
    cannot be flushed, the process exits the normal way."""
    import atexit
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - a closed pipe, say: the normal exit reports it as usual
        sys.exit(code)
    os._exit(code)
