"""The machinery of training, debug and project challenges, on the fixture catalog in
tests/fixtures/kinds: folder submissions, requirements, progress notes, Ctrl-C during a long check,
and the learner's view of each through the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import started, survivor_marker, survivors
from typer.testing import CliRunner

from torchdojo.catalog import CATALOG_ENV_VAR, catalog, load_catalog
from torchdojo.cli.app import app
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.remote import progress_note
from torchdojo.grading.runner import grade
from torchdojo.requirements import RequirementMissing, ensure, unmet

FIXTURES = Path(__file__).parent / "fixtures" / "kinds"
KINDS = load_catalog(FIXTURES)
FOLDER, SLOW, NEEDS_MNIST = (KINDS.get(i) for i in ("folder-probe", "slow-probe", "needs-mnist"))


@pytest.fixture
def kinds_catalog(monkeypatch):
    """The CLI sees the fixture catalog (as an author's $TORCHDOJO_CHALLENGES would make it)."""
    monkeypatch.setenv(CATALOG_ENV_VAR, str(FIXTURES))
    catalog.cache_clear()
    yield
    catalog.cache_clear()


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


# --- folder submissions -------------------------------------------------------------------------


def test_a_folder_is_graded_as_a_set_of_modules_that_import_each_other():
    solution = FOLDER.source("solution")
    assert set(solution) == {"helper.py", "main.py"}
    assert grade(FOLDER, solution).passed
    for name, alternative in FOLDER.alternatives().items():
        assert grade(FOLDER, alternative).passed, name
    template = grade(FOLDER, FOLDER.source("template"))
    assert not template.passed and "not implemented yet at helper.py:2" in template.results[0].message


def test_a_mutant_edits_the_file_that_holds_its_text():
    (mutant,) = load_mutants(FOLDER.path)
    built = mutant.build(FOLDER.source("solution"))
    assert "return 40" in built["helper.py"] and built["main.py"] == FOLDER.source("solution")["main.py"]
    report = grade(FOLDER, built)
    assert [r.passed for r in report.results] == [False, False]
    assert "gave 41, expected 42" in report.results[0].message


def test_errors_in_a_folder_name_the_file_and_line():
    broken = dict(FOLDER.source("solution"), **{"main.py": "import helper\ndef answer(:\n"})
    report = grade(FOLDER, broken, label="ws/probe_folder")
    assert "SyntaxError" in report.load_error and report.load_location == "main.py:2"
    raising = dict(FOLDER.source("solution"), **{"main.py": "def answer():\n    return 1 / 0\n\ndef write(p):\n    pass\n"})
    result = grade(FOLDER, raising, label="ws/probe_folder").results[0]
    assert "ZeroDivisionError" in result.message and result.location == "main.py:2"
    assert "ws/probe_folder/main.py" in result.message


def test_a_file_may_not_hide_a_real_module():
    report = grade(FOLDER, dict(FOLDER.source("solution"), **{"json.py": "x = 1\n"}))
    assert "json.py cannot be imported under that name" in report.load_error


def test_what_the_code_writes_lands_in_the_scratch_folder_not_the_learners(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert grade(FOLDER, FOLDER.source("solution")).passed
    assert list(tmp_path.iterdir()) == []


# --- progress -----------------------------------------------------------------------------------


def test_long_checks_report_progress_that_is_only_displayed():
    notes: list[dict] = []
    report = grade(SLOW, SLOW.source("solution"), on_progress=notes.append)
    assert report.passed and len(notes) == 50 and notes[-1] == {"step": 50, "steps": 50, "total_so_far": 1225}
    # a note is shown, never judged: it is cut to a few plain, printable fields
    assert progress_note({"a": "\x1b[2Jfake PASS", "b": object(), "c": 1.5}) == {"a": "\\x1b[2Jfake PASS", "c": 1.5}
    assert progress_note("not a dict") == {}


def test_learner_written_progress_frames_cannot_change_the_verdict():
    forged = ("import os\nfrom torchdojo.grading import channel\nfrom torchdojo.grading import observer\n"
              "def step(i):\n    frame = channel.Encoder(lambda v: None, lambda t: {}).frame({'progress': {'x': 1}, "
              "'id': 999, 'ok': True, 'value': 1e9})\n    os.write(observer._CHANNEL_FD, frame)\n    return 0\n")
    report = grade(SLOW, forged)
    assert not report.passed


# --- requirements -------------------------------------------------------------------------------


def test_a_missing_requirement_says_what_and_how(kinds_catalog, tmp_path):
    (missing,) = unmet(NEEDS_MNIST)
    assert missing.requirement == "mnist" and "torchdojo train --dataset mnist" in missing.fix
    with pytest.raises(RequirementMissing, match="needs-mnist needs mnist"):
        ensure(NEEDS_MNIST)
    listing = invoke("list")
    assert listing.exit_code == 0 and "needs mnist" in listing.output and "online" in listing.output
    path = tmp_path / "needs_mnist.py"
    path.write_text(NEEDS_MNIST.source("solution"))
    result = invoke("check", "needs-mnist", "--file", str(path))
    assert result.exit_code == ExitCode.DATA_MISSING and "needs mnist" in result.output
    verified = invoke("verify")
    assert "skipped: needs mnist" in verified.output


# --- the learner's view -------------------------------------------------------------------------


def test_start_check_and_solution_with_a_folder(kinds_catalog, tmp_path, monkeypatch):
    assert invoke("init", str(tmp_path / "ws")).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    started_ = invoke("start", "folder-probe")
    folder = tmp_path / "ws" / "01-kinds" / "probe_folder"
    assert started_.exit_code == 0 and sorted(p.name for p in folder.iterdir()) == ["helper.py", "main.py"]
    assert invoke("check", "folder-probe").exit_code == ExitCode.CHECK_FAILED
    (folder / "helper.py").write_text("def value():\n    return 41\n")
    assert invoke("check", "folder-probe").exit_code == ExitCode.OK
    assert invoke("check", "folder-probe", "--dir", str(folder)).exit_code == ExitCode.OK
    wrong = invoke("check", "folder-probe", "--file", str(folder / "main.py"))
    assert wrong.exit_code == ExitCode.FILE_NOT_FOUND and "is graded from a folder" in wrong.output
    out = tmp_path / "reference"
    assert invoke("solution", "folder-probe", "--out", str(out)).exit_code == ExitCode.OK
    same = subprocess.run(["diff", "-r", str(out), str(folder)], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout


def test_ctrl_c_during_a_long_check_stops_cleanly(tmp_path):
    marker = survivor_marker()
    path = tmp_path / "slow_probe.py"
    path.write_text(f"import subprocess, time\nsubprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
                    "def step(i):\n    time.sleep(1)\n    return i\n")
    env = dict(os.environ, **{CATALOG_ENV_VAR: str(FIXTURES)})
    command = subprocess.Popen([sys.executable, "-m", "torchdojo", "check", "slow-probe", "--file", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if not started(marker, wait=60):
        command.kill()
        raise AssertionError(f"the learner's code never started:\n{command.communicate()[0]}")
    command.send_signal(signal.SIGINT)
    output, _ = command.communicate(timeout=30)
    assert command.returncode == ExitCode.INTERRUPTED, output
    assert "interrupted" in output and "Traceback" not in output
    assert survivors(marker, wait=3) == []


def test_play_trains_the_learners_own_model_after_a_pass(kinds_catalog, tmp_path, monkeypatch):
    from torchdojo.grading.artifacts import expect_png

    assert invoke("init", str(tmp_path / "ws")).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    path = tmp_path / "ws" / "01-kinds" / "play_probe.py"
    invoke("start", "play-probe")
    assert invoke("play", "play-probe").exit_code == ExitCode.NOT_ALLOWED
    assert invoke("play", "folder-probe").exit_code == ExitCode.USAGE
    path.write_text(KINDS.get("play-probe").source("solution"))
    assert invoke("check", "play-probe").exit_code == ExitCode.OK
    result = invoke("play", "play-probe", "--out", str(tmp_path / "played"))
    assert result.exit_code == ExitCode.OK, result.output
    assert "your Tiny: test accuracy" in result.output and "after 1 epoch (" in result.output
    accuracy = float(result.output.split("test accuracy ")[1].split("%")[0])
    assert 70 < accuracy < 95  # a linear model on real Fashion-MNIST, one epoch
    expect_png(tmp_path / "played" / "training_curve.png", "the play curve")


def _played_workspace(tmp_path, monkeypatch) -> Path:
    """A workspace whose play-probe file holds the solution (played with --force: no check needed)."""
    assert invoke("init", str(tmp_path / "ws")).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    assert invoke("start", "play-probe").exit_code == 0
    (tmp_path / "ws" / "01-kinds" / "play_probe.py").write_text(KINDS.get("play-probe").source("solution"))
    return tmp_path / "ws"


def test_play_never_overwrites_a_model_it_played(kinds_catalog, tmp_path, monkeypatch):
    """As train never overwrites a run: playing again into the same folder is refused in one line (exit 2)
    that gives the way out, and the first model is kept as it was."""
    played = _played_workspace(tmp_path, monkeypatch) / "play" / "play-probe"
    assert invoke("play", "play-probe", "--force").exit_code == ExitCode.OK
    first = {path.name: path.read_bytes() for path in played.iterdir()}
    assert {"model.pt", "metrics.json", "training_curve.png"} <= set(first)
    again = invoke("play", "play-probe", "--force", "--epochs", "2")
    assert again.exit_code == ExitCode.USAGE == 2, again.output
    said = " ".join(again.output.split())
    assert f"error: {played} already holds a model (model.pt, metrics.json, training_curve.png); it was kept. " \
           f"Play into another folder with --out {played}-2, or move it away first" == said
    assert {path.name: path.read_bytes() for path in played.iterdir()} == first
    assert not (played.parent / "play-probe-2").exists()  # the folder it suggests is free (--out: played above)


def test_play_or_train_into_a_file_is_refused_and_the_file_kept(kinds_catalog, tmp_path, monkeypatch):
    _played_workspace(tmp_path, monkeypatch)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine\n")
    for command in (["play", "play-probe", "--force"], ["train", "--epochs", "1"]):
        refused = invoke(*command, "--out", str(mine))
        assert refused.exit_code == ExitCode.USAGE and "is a file" in refused.output, refused.output
        assert "training in" not in refused.output and mine.read_text() == "mine\n"


def test_ctrl_c_during_play_keeps_nothing(kinds_catalog, tmp_path, monkeypatch):
    """"nothing was saved" holds: what the interrupted play wrote is removed, so playing again is not refused."""
    workspace = _played_workspace(tmp_path, monkeypatch)
    out = tmp_path / "played"
    env = dict(os.environ, **{CATALOG_ENV_VAR: str(FIXTURES)})
    command = subprocess.Popen([sys.executable, "-m", "torchdojo", "play", "play-probe", "--force", "--epochs", "50",
                                "--out", str(out)], cwd=workspace, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 60
    while not (out / "metrics.json").exists() and command.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first epoch has ended: its metrics and curve are written
    command.send_signal(signal.SIGINT)
    output, _ = command.communicate(timeout=60)
    assert command.returncode == ExitCode.INTERRUPTED, output
    assert "nothing was saved" in output and "Traceback" not in output
    assert not out.exists()
