"""Project challenges as the grader meets them, on mnist-project: the learner's commands run as
subprocesses in the scratch copy of their folder. A main.py that crashes, one that hangs (stopped,
nothing it started survives the grading), one that prints an accuracy it did not measure (the
grader's own number wins), and training curves that are blank or not PNGs at all. The projects here
do not train (an untrained model saved as a state_dict), so each grading takes seconds."""
from __future__ import annotations

import dataclasses
import sys
import time

import pytest
from conftest import survivor_marker, survivors

from torchdojo.catalog import catalog
from torchdojo.grading.report import Status
from torchdojo.grading.runner import checks_for, grade
from torchdojo.requirements import present

pytestmark = pytest.mark.skipif(not present("fashion-mnist"), reason="needs Fashion-MNIST (dataset-fashion-mnist)")

PROJECT = catalog().get("mnist-project")

# Saves an untrained model the safe way and a real plot, in a second: what a project's files look like,
# without the training.
QUICK_MAIN = '''
import sys
import torch
from data import load, normalize
from model import Classifier

def train():
    torch.manual_seed(0)
    torch.save(Classifier().state_dict(), "model.pt")
    {curve}

def evaluate(path):
    model = Classifier()
    model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    images, labels = load(train=False)
    with torch.no_grad():
        accuracy = (model(normalize(images)).argmax(1) == labels).float().mean().item()
    {report}

if __name__ == "__main__":
    train() if sys.argv[1] == "train" else evaluate(sys.argv[2])
'''
PLOT = ("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
        "plt.plot([2.3, 1.2, 0.8, 0.5]); plt.xlabel('step'); plt.ylabel('loss'); plt.savefig('training_curve.png')")
HONEST = "print(f'Test accuracy: {accuracy:.2%}')"


def project(main: str | None = None, curve: str = PLOT, report: str = HONEST) -> dict[str, str]:
    """The reference folder with a main.py of our own (by default QUICK_MAIN with `curve` and `report`)."""
    files = dict(PROJECT.source("solution"))
    files["main.py"] = main if main is not None else QUICK_MAIN.format(curve=curve, report=report)
    return files


def results(report) -> dict:
    return {r.name: r for r in report.results}


def checks_module():
    return sys.modules[checks_for(PROJECT)[0].fn.__module__]


def test_a_quick_honest_project_is_judged_on_the_grader_s_own_accuracy():
    """The control: everything works except the accuracy (an untrained model), and evaluate's honest number
    agrees with the grader's."""
    found = results(grade(PROJECT, project()))
    for name in ("check_train_command", "check_training_curve", "check_saved_weights_load_safely",
                 "check_evaluate_prints_the_accuracy"):
        assert found[name].passed, (name, found[name].message)
    assert found["check_test_accuracy"].fingerprint == "accuracy:below-target"


def test_a_main_py_that_crashes_is_reported_with_its_traceback():
    main = "import sys\nif __name__ == '__main__':\n    raise RuntimeError('the data folder is empty')\n"
    found = results(grade(PROJECT, project(main=main)))
    train = found["check_train_command"]
    assert train.status is Status.FAILED and "exited with code 1" in train.message
    assert "RuntimeError: the data folder is empty" in train.message
    assert found["check_saved_weights_load_safely"].fingerprint == "weights:missing"
    assert found["check_evaluate_prints_the_accuracy"].fingerprint == "evaluate:exit"


def test_a_false_accuracy_fails_and_the_grader_s_number_wins():
    found = results(grade(PROJECT, project(report="print('Test accuracy: 99.00%')")))
    evaluate = found["check_evaluate_prints_the_accuracy"]
    assert evaluate.status is Status.FAILED and evaluate.fingerprint == "evaluate:disagrees"
    assert "printed an accuracy of 99.00%" in evaluate.message and "measured by the grader" in evaluate.message
    assert found["check_test_accuracy"].fingerprint == "accuracy:below-target"


@pytest.mark.parametrize("curve, fingerprint", [
    ("from PIL import Image; Image.new('RGB', (640, 480), 'white').save('training_curve.png')", "png:blank"),
    ("open('training_curve.png', 'w').write('step,loss\\n1,2.3\\n')", "png:notpng"),
    ("pass", "png:missing"),
])
def test_a_curve_that_is_blank_not_a_png_or_missing_fails(curve, fingerprint):
    found = results(grade(PROJECT, project(curve=curve)))
    assert found["check_training_curve"].fingerprint == f"{fingerprint}:the training curve"
    assert found["check_train_command"].passed


HANG = '''
import subprocess, sys, time
if __name__ == "__main__":
    # a child in a session of its own (out of the command's process group, holding its output open), then a
    # loop that never ends; `evaluate` does the same
    subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
    while True:
        time.sleep(0.1)
'''


def test_a_hanging_train_is_stopped_at_its_budget_and_nothing_survives(monkeypatch):
    marker = survivor_marker()
    monkeypatch.setattr(checks_module(), "TRAIN_TIMEOUT_S", 3)
    monkeypatch.setattr(checks_module(), "EVALUATE_TIMEOUT_S", 3)
    began = time.monotonic()
    found = results(grade(PROJECT, project(main=HANG.format(marker=marker))))
    assert found["check_train_command"].fingerprint == "train:timeout"
    assert "still running after 3 s" in found["check_train_command"].message
    assert found["check_evaluate_prints_the_accuracy"].fingerprint == "evaluate:timeout"
    assert time.monotonic() - began < 60  # the child holding the output open does not keep the grader waiting
    assert survivors(marker) == []


def test_a_hang_past_the_check_s_time_limit_is_a_timeout_and_nothing_survives(sandbox_kind):
    marker = survivor_marker()
    short = dataclasses.replace(PROJECT, time_limit=4.0)
    report = grade(short, project(main=HANG.format(marker=marker)))
    assert report.results[0].status is Status.TIMEOUT
    assert all(r.status is Status.SKIPPED for r in report.results[1:])
    assert survivors(marker) == []
