"""`torchdojo play <id>`: after a pass, train your own model from a training or project challenge on
the real dataset, with a progress bar, a curve PNG and a one-line summary."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from torchdojo.catalog import catalog
from torchdojo.cli import render
from torchdojo.cli.errors import learner_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.cli.training import _fresh_line, _remove_new
from torchdojo.play import PLAY_FILES
from torchdojo.requirements import ensure as ensure_requirements
from torchdojo.workspace import find


@learner_command
def play(
    challenge_id: str = typer.Argument(..., help="A passed training or project challenge."),
    epochs: Optional[int] = typer.Option(None, min=1, help="Epochs (default: the challenge's)."),
    out: Optional[Path] = typer.Option(None, help="Where the curve, metrics and weights go (default: play/<id>)."),
    force: bool = typer.Option(False, "--force", help="Play before passing."),
) -> ExitCode:
    """Train your own model on the real dataset: progress bar, training curve, one-line summary."""
    challenge = catalog().get(challenge_id)
    if not challenge.play:
        playable = ", ".join(c.id for c in catalog() if c.play) or "none yet"
        render.error(f"{challenge.id} has no model to play with; these do: {playable}")
        return ExitCode.USAGE
    workspace = find()
    progress = workspace.store().summary().get(challenge.id)
    if not force and not (progress and progress.passed):
        render.error(f"pass it first (`torchdojo check {challenge.id}`), then play; or --force")
        return ExitCode.NOT_ALLOWED
    target = out or workspace.root / "play" / challenge.id
    if target.exists() and not target.is_dir():
        render.error(f"{target} is a file; a played model goes into a folder: pick another with --out")
        return ExitCode.USAGE
    kept = [name for name in PLAY_FILES if (target / name).exists()]
    if kept:  # as train never overwrites a run
        render.error(f"{target} already holds a model ({', '.join(kept)}); it was kept. Play into another "
                     f"folder with --out {_free_folder(target)}, or move it away first")
        return ExitCode.USAGE
    ensure_requirements(challenge)
    from torchdojo.play import play_run

    existed = target.exists()
    before = set(target.rglob("*")) if existed else set()
    try:
        record = play_run(challenge, workspace.file_for(challenge), target, epochs)
    except KeyboardInterrupt:
        _remove_new(target, before, existed)
        _fresh_line()
        render.error("nothing was saved", label="interrupted")
        return ExitCode.INTERRUPTED
    render.info(f"your {challenge.play['model']}: test accuracy {record['val_accuracy']:.2%} on "
                f"{record['dataset']} after {render.count(record['epochs'], 'epoch')} ({record['seconds']:.0f} s); "
                f"curve: {target / 'training_curve.png'}")
    return ExitCode.OK


def _free_folder(target: Path) -> Path:
    """`target` with the first free number appended: play/<id>-2, play/<id>-3, …"""
    number = 2
    while target.with_name(f"{target.name}-{number}").exists():
        number += 1
    return target.with_name(f"{target.name}-{number}")
