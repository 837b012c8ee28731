"""`torchdojo play`: after a pass, train the learner's own model on the real dataset, for fun and
for the feel of a real run (seed 000: "play with famous data").

A challenge says what to play with in its challenge.toml::

    play = { model = "Classifier", dataset = "fashion-mnist", epochs = 3 }

``model`` names a class or function in the learner's file (``"model.build_model"`` in a folder)
that builds the network with no arguments; it receives images scaled to [0, 1], ``(N, C, H, W)``,
and returns class logits. This is not grading: the learner's code runs here, in their own command,
as `python main.py` would.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from pathlib import Path

from torchdojo.catalog import Challenge


PLAY_FILES = ("model.pt", "metrics.json", "training_curve.png")  # what play_run writes in its folder


class NotPlayable(ValueError):
    """The challenge has nothing to train, or the learner's code does not build a model."""


def build_learner_model(challenge: Challenge, path: Path):
    """The learner's network, built by the callable ``challenge.play['model']`` in their file or folder."""
    import torch

    module_name, _, attribute = challenge.play["model"].rpartition(".")
    if challenge.is_folder:
        sys.path.insert(0, str(path))
        module = importlib.import_module(module_name)
    else:
        spec = importlib.util.spec_from_file_location(f"learner_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    build = getattr(module, attribute, None)
    if build is None:
        raise NotPlayable(f"{path} defines no {attribute}")
    model = build()
    if not isinstance(model, torch.nn.Module):
        raise NotPlayable(f"{challenge.play['model']}() gave a {type(model).__name__}, not an nn.Module")
    return model


def play_run(challenge: Challenge, path: Path, out: Path, epochs: int | None = None) -> dict:
    """Train the learner's model on the challenge's dataset with a progress bar; the curve, the
    metrics and the weights (PLAY_FILES) go to `out`. Returns the last epoch's record."""
    import torch

    from torchdojo.data import load_tensors
    from torchdojo.train import MetricsFile, ProgressBar, TrainingCurve, fit

    dataset, epochs = challenge.play["dataset"], epochs or int(challenge.play.get("epochs", 3))
    train, test = load_tensors(dataset, True), load_tensors(dataset, False)
    torch.manual_seed(0)
    model = build_learner_model(challenge, path)
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    state = fit(model, train, optimizer=torch.optim.Adam(model.parameters(), lr=1e-3), epochs=epochs,
                batch_size=128, val_data=test, batch_transform=lambda images, _: images.float() / 255, seed=0,
                callbacks=[ProgressBar(), TrainingCurve(out / "training_curve.png", val_label="test split"),
                           MetricsFile(out / "metrics.json", {"challenge": challenge.id, "dataset": dataset})])
    torch.save(model.state_dict(), out / "model.pt")
    return dict(state.history[-1], seconds=time.perf_counter() - began, epochs=epochs, dataset=dataset)
