"""`torchdojo train` and `torchdojo evaluate`: the reference project from the command line.

torch, torchvision and matplotlib are imported inside the commands, never at module level, so
`torchdojo --help` stays fast. Under torchrun every rank runs the command; only rank 0 prints.
"""
from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from torchdojo.cli import render
from torchdojo.cli.errors import training_command
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.data import SPECS
from torchdojo.project import RunError

# the --dataset choices: the command-line names of the datasets torchdojo knows
DatasetName = enum.Enum("DatasetName", {name.replace("-", "_"): name for name in SPECS}, type=str)
DEFAULT_OUT = {"fashion-mnist": "runs/fmnist", "mnist": "runs/mnist", "cifar10": "runs/cifar10"}


@training_command
def train(
    dataset: DatasetName = typer.Option(DatasetName.fashion_mnist, help="Dataset to train on."),
    epochs: Optional[int] = typer.Option(None, min=1, help="Epochs (default: the recipe's 3)."),
    out: Optional[Path] = typer.Option(None, help="Run directory (default: runs/<dataset>)."),
    resume: Optional[Path] = typer.Option(None, help="Continue the run in this directory."),
    data_dir: Optional[Path] = typer.Option(None, help="Where the dataset is (else TORCHDOJO_DATA, "
                                            "the Debian package, the user cache)."),
    seed: int = typer.Option(0, help="Seed for weights, data order and augmentation."),
    device: Optional[str] = typer.Option(None, help="cpu, cuda, cuda:N or mps (default: best)."),
    bf16: Optional[bool] = typer.Option(None, "--bf16/--no-bf16",
                                        help="bf16 autocast (default: where it is native)."),
) -> ExitCode:
    """Train the reference CNN; writes model, checkpoint, metrics, curve and TensorBoard events."""
    from torchdojo.project.run import RunConfig, read_config, resolve, train_run
    from torchdojo.train import Callback, shutdown
    from torchdojo.train.device import precision_line

    run_dir = resume or out or Path(DEFAULT_OUT[dataset.value])
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir} is a file; a run is a directory: pick another with --out")
    if resume is None and (run_dir / "metrics.json").exists():
        raise RunError(f"{run_dir} already holds a run; continue it with --resume {run_dir}, "
                       "or pick another directory with --out")
    if resume is not None and epochs is not None and epochs != read_config(resume).epochs:
        raise RunError(f"{resume} was planned for {render.count(read_config(resume).epochs, 'epoch')} and its "
                       "one-cycle schedule cannot change; start a new run to train longer")
    if resume is not None:
        from torchdojo.project.run import load_run

        planned, checkpoint = load_run(resume)
        if _is_main_rank():
            render.info(f"resuming {resume} at epoch {checkpoint['epoch'] + 1} of {planned.epochs}")
    existed = run_dir.exists()
    before = set(run_dir.rglob("*")) if existed else set()
    config, chosen = resolve(planned if resume is not None else
                             RunConfig(dataset=dataset.value, epochs=epochs or RunConfig.epochs, seed=seed, bf16=bf16),
                             device)
    if _is_main_rank():
        from torchdojo.data import locate

        widths = "/".join(map(str, config.widths))
        render.info(f"training in {precision_line(chosen, config.bf16)}; "
                    f"widths {widths}, batch {config.batch_size}")
        render.info(f"data: {config.dataset} in {render.text(locate(config.dataset, data_dir)[1])}")
    class PrintEpoch(Callback):
        def on_epoch_end(self, state, record: dict) -> None:
            render.info(_epoch_line(record))

    try:
        state = train_run(config, run_dir, data_dir=data_dir, device=chosen,
                          resume=resume is not None, callbacks=[PrintEpoch()])
    except KeyboardInterrupt:
        finished = (run_dir / "checkpoint.pt").exists()
        if not finished:  # nothing to resume: leave no half-made run that --resume would refuse
            _remove_new(run_dir, before, existed)
        if _is_main_rank():
            _fresh_line()
            render.error(f"continue with torchdojo train --resume {run_dir}" if finished
                         else "stopped before the first epoch ended; nothing was kept", label="interrupted")
        return ExitCode.INTERRUPTED
    shutdown(state.context)
    if state.context.is_main:  # under torchrun, one summary, not one per process
        seconds = sum(record["train_seconds"] for record in state.history)
        render.info(f"test accuracy {state.history[-1]['val_accuracy']:.2%} after "
                    f"{render.count(state.epoch, 'epoch')}, {seconds:.1f} s of training; run saved in {run_dir}/ "
                    f"(tensorboard --logdir {run_dir.parent})")
    return ExitCode.OK


def _is_main_rank() -> bool:
    """Rank 0 under torchrun (which sets RANK for every process it starts), or not distributed."""
    return os.environ.get("RANK", "0") == "0"


def _fresh_line() -> None:
    """End a progress bar's line (it is left as it was when Ctrl-C arrived) before a message."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")
        sys.stderr.flush()


def _remove_new(run_dir: Path, before: set[Path], existed: bool) -> None:
    """Remove what an interrupted run wrote before its first checkpoint (files that were not there)."""
    import shutil

    if not existed:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    for path in sorted(set(run_dir.rglob("*")) - before, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _epoch_line(record: dict) -> str:
    return (f"epoch {record['epoch']}  loss {record['train_loss']:.4f}  "
            f"train acc {record.get('train_accuracy', float('nan')):.2%}  "
            f"test acc {record['val_accuracy']:.2%}  ({record['train_seconds']:.1f} s)")


@training_command
def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by torchdojo train."),
    data_dir: Optional[Path] = typer.Option(None, help="Where the dataset is."),
    device: Optional[str] = typer.Option(None, help="cpu, cuda, cuda:N or mps (default: best)."),
) -> ExitCode:
    """Print the test accuracy of a trained run, overall and per class."""
    from torchdojo.project.run import evaluate_run

    scores = evaluate_run(run_dir, data_dir=data_dir, device=device)
    render.info(f"test accuracy {scores['accuracy']:.2%} ({scores['dataset']}, {run_dir})")
    width = max(len(name) for name in scores["classes"])
    for name, accuracy in zip(scores["classes"], scores["per_class_accuracy"]):
        render.info(f"  {name:<{width}}  {accuracy:.2%}")
    return ExitCode.OK
