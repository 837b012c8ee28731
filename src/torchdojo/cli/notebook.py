"""`torchdojo notebook <id>`: a challenge as a runnable Jupyter notebook (statement, install cell for
Colab, template cell, check cell, hint cell)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.workspace import find_or_none


@learner_command
def notebook(
    challenge_id: Optional[str] = typer.Argument(None, help="Challenge id (default: the current one)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Notebook file to write "
                                       "(default: <id>.ipynb next to the challenge's file, or here)."),
    source: str = typer.Option("", "--source", envvar="TORCHDOJO_SOURCE", help="What its install cell "
                               "pip-installs on Colab: your course's git URL (git+https://…) or a wheel's path."),
) -> ExitCode:
    """Write a challenge as a notebook (.ipynb) to open in Jupyter or upload to Colab."""
    from torchdojo.notebook import write_notebook

    workspace = find_or_none()
    if challenge_id is None and workspace is None:
        render.error("give a challenge id, e.g. `torchdojo notebook huber-loss`")
        return ExitCode.USAGE
    challenge = catalog().get(challenge_id) if challenge_id else workspace.current(catalog())
    if challenge.is_folder:
        render.error(f"{challenge.id} is a folder of files ({challenge.file}): work on it as files "
                     f"(`torchdojo start {challenge.id}`)")
        return ExitCode.USAGE
    default = (workspace.root / challenge.track_folder if workspace else Path.cwd()) / f"{challenge.id}.ipynb"
    path = out or default
    if path.exists():
        render.error(f"{path} exists; it was not overwritten (pick another with --out)")
        return ExitCode.USAGE
    if workspace:
        workspace.store().set_current(challenge.id)
    write_notebook(challenge, path, source)
    render.info(f"Notebook written: {path}\nOpen it with `jupyter lab {path}` (or upload it to Colab), fill in "
                f"the code cell and run the check cell; or grade it from here: "
                f"torchdojo check {challenge.id} --file {path}")
    return ExitCode.OK
