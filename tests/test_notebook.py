"""`torchdojo.check(...)` and `torchdojo.hint(...)`, as a notebook or a script calls them."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import torchdojo
from torchdojo.cli.app import main


class GoodHuber(nn.Module):  # defined "in the notebook": graded through fork, never pickled
    def __init__(self, delta=1.0, reduction="mean"):
        super().__init__()
        self.delta, self.reduction = delta, reduction

    def forward(self, prediction, target):
        r = prediction - target
        loss = torch.where(r.abs() <= self.delta, 0.5 * r**2, self.delta * (r.abs() - 0.5 * self.delta))
        return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[self.reduction]()


class MseHuber(GoodHuber):
    def forward(self, prediction, target):
        loss = (prediction - target) ** 2
        return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[self.reduction]()


def test_check_objects(capsys):
    report = torchdojo.check("huber-loss", HuberLoss=GoodHuber)
    assert report.passed and "All 7 checks passed" in capsys.readouterr().out


def test_check_objects_names_the_mistake():
    report = torchdojo.check("huber-loss", show=False, HuberLoss=MseHuber)
    assert not report.passed and report.mistake is not None


def test_check_needs_something_to_grade():
    with pytest.raises(TypeError, match="HuberLoss=HuberLoss"):
        torchdojo.check("huber-loss")


def test_hints_escalate_and_are_recorded(tmp_path, monkeypatch):
    assert main(["init", str(tmp_path / "ws")]) == 0
    monkeypatch.chdir(tmp_path / "ws")
    first, second = torchdojo.hint("huber-loss"), torchdojo.hint("huber-loss")
    assert first != second and "torch.where" in second
    torchdojo.check("huber-loss", show=False, HuberLoss=GoodHuber)
    from torchdojo.workspace import find

    progress = find().store().summary()["huber-loss"]
    assert (progress.hints, progress.attempts, progress.passed) == (2, 1, True)


def test_a_file_that_is_not_a_notebook_is_refused_and_not_recorded(tmp_path, monkeypatch):
    from torchdojo.notebook import NotebookUnreadable
    from torchdojo.workspace import find

    assert main(["init", str(tmp_path / "ws")]) == 0
    monkeypatch.chdir(tmp_path / "ws")
    (tmp_path / "ws" / "mine.ipynb").write_text("[1, 2, 3]")
    with pytest.raises(NotebookUnreadable, match="mine.ipynb cannot be read as a notebook: it is JSON, but not"):
        torchdojo.check("huber-loss", file="mine.ipynb")
    assert "huber-loss" not in find().store().summary()
