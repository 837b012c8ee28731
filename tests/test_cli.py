"""The command line, tried as a learner would, in-process on a temporary workspace (plus a few
real subprocesses where the process boundary is the point)."""
from __future__ import annotations

import json
import os
import subprocess
import time
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from torchdojo.catalog import catalog
from torchdojo.cli.app import app
from torchdojo.cli.errors import global_options, handles
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.grading.mutants import load_mutants
from torchdojo.progress import ProgressStore

HUBER = catalog().get("huber-loss")
HUBER_SOLUTION = HUBER.read("solution.py")


def invoke(*args: str, cli: typer.Typer = app):
    """The command line, in-process, as a learner would type it."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    result = invoke("init", str(tmp_path / "ws"))
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def learner_file(ws: Path, challenge=HUBER) -> Path:
    return ws / challenge.track_folder / challenge.file


def write_huber(ws: Path, source: str) -> Path:
    path = learner_file(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


def mutant(name: str) -> str:
    return next(m for m in load_mutants(HUBER.path) if m.name == name).build(HUBER_SOLUTION)


def test_help_does_not_import_torch():
    code = ("import sys\nfrom torchdojo.cli.app import main\n"
            "assert main(['--help']) == 0\nprint('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("False"), done.stdout


def test_init_starts_the_first_challenge(ws):
    first = catalog().challenges[0]
    assert (ws / "torchdojo.toml").is_file() and (ws / ".torchdojo" / "progress.sqlite").is_file()
    assert learner_file(ws, first).read_text() == first.read("template.py")
    result = invoke("init", str(ws))
    assert result.exit_code == ExitCode.USAGE and "already a torchdojo workspace" in result.output


def test_list_shows_every_challenge_with_status(ws):
    result = invoke("list")
    assert result.exit_code == 0
    for challenge in catalog():
        assert challenge.id in result.output
    assert "started" in result.output


@pytest.mark.parametrize("width", [80, 100, 200])
def test_list_on_a_narrow_terminal_keeps_ids_whole_and_leaves_out_what_does_not_fit(ws, monkeypatch, width):
    import io

    from rich.console import Console

    from torchdojo.cli import render

    screen = io.StringIO()
    monkeypatch.setattr(render, "console", lambda stderr=False: Console(
        file=screen, width=width, force_terminal=True, color_system=None, highlight=False))
    assert invoke("list").exit_code == 0
    lines = screen.getvalue().splitlines()
    header = next(line.split() for line in lines if "title" in line.split())
    left_out = [name for name in ("difficulty", "track", "kind") if name not in header]
    assert {"#", "id", "title", "status"} <= set(header) and max(map(len, lines)) <= width
    assert left_out == ["difficulty", "track", "kind"][3 - len(left_out):]  # kind first, then track, ...
    assert (width == 80) <= ("kind" in left_out) and (width == 200) <= (not left_out)
    shown = screen.getvalue().split()
    assert all(c.id in shown for c in catalog())  # each id whole, on one line
    assert len(lines) < 2.5 * len(catalog())


def test_learner_workflow(ws):
    result = invoke("start", "huber-loss")
    assert result.exit_code == 0 and "# Huber loss" in result.output and "huber_loss.py" in result.output
    assert invoke("solution", "huber-loss").exit_code == ExitCode.NOT_ALLOWED  # no attempt yet

    result = invoke("check")  # the untouched template of the challenge just started (not the first one)
    assert result.exit_code == ExitCode.CHECK_FAILED and "huber-loss" in result.output
    assert "TODO" in result.output and "huber_loss.py:19" in result.output
    assert "not counted as an attempt" in result.output
    assert invoke("solution").exit_code == ExitCode.NOT_ALLOWED  # the template is not an attempt

    first, second = invoke("hint"), invoke("hint", "huber-loss")
    assert "Hint 1 of 4" in first.output and "Hint 2 of 4" in second.output
    assert HUBER.hints[1][:40] in second.output.replace("\n", " ")
    write_huber(ws, mutant("missing-half"))
    assert invoke("check").exit_code == ExitCode.CHECK_FAILED
    result = invoke("solution")
    assert result.exit_code == 0 and "torch.where" in result.output

    write_huber(ws, HUBER_SOLUTION)
    result = invoke("check", "huber-loss")
    following = next(c for c in catalog() if c.number > HUBER.number)
    assert result.exit_code == 0 and "All 7 checks passed" in result.output
    assert f"Next: torchdojo start {following.id}" in result.output

    result = invoke("progress")
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "huber-loss" in line)
    assert "passed" in row and "2/4" in row and "yes" in row


def test_solution_out_takes_a_new_or_empty_folder_and_refuses_one_with_files(ws, tmp_path):
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    (full / "mine.py").write_text("# mine\n")
    refused = invoke("solution", "huber-loss", "--force", "--out", str(full))
    assert refused.exit_code == ExitCode.USAGE and "not an empty folder" in refused.output
    assert [p.name for p in full.iterdir()] == ["mine.py"] and (full / "mine.py").read_text() == "# mine\n"
    store = ProgressStore.open(ws / ".torchdojo" / "progress.sqlite")
    assert not store.summary().get("huber-loss")  # nothing was shown, so no reveal is recorded, no reveal recorded
    for folder in (empty, tmp_path / "new" / "deeper"):
        result = invoke("solution", "huber-loss", "--force", "--out", str(folder))
        assert result.exit_code == 0 and (folder / HUBER.file).read_text() == HUBER_SOLUTION


def test_the_same_code_checked_again_with_the_same_verdict_is_not_a_new_attempt(ws):
    attempts = lambda: ProgressStore.open(ws / ".torchdojo" / "progress.sqlite").summary()["huber-loss"].attempts  # noqa: E731
    invoke("start", "huber-loss")
    write_huber(ws, mutant("missing-half"))
    assert "not counted" not in invoke("check").output and attempts() == 1
    again = invoke("check")
    assert again.exit_code == ExitCode.CHECK_FAILED and "not counted again" in again.output and attempts() == 1
    assert json.loads(invoke("check", "--json").output)["recorded"] is False and attempts() == 1
    write_huber(ws, HUBER_SOLUTION)
    assert invoke("check").exit_code == 0 and attempts() == 2
    write_huber(ws, mutant("missing-half"))  # back to the first code: new since the last attempt
    assert invoke("check").exit_code == ExitCode.CHECK_FAILED and attempts() == 3


def test_start_never_overwrites_the_learners_file(ws):
    path = write_huber(ws, "# my precious work\n")
    result = invoke("start", "huber-loss")
    assert result.exit_code == 0 and "kept as it was" in result.output
    assert path.read_text() == "# my precious work\n"


@pytest.mark.parametrize("source, verdict, words", [
    (mutant("missing-half"), "FAIL", "the quadratic branch is missing ½"),
    (mutant("plain-mse"), "FAIL", "plain mean squared error"),
    ("import torch\nclass HuberLoss(torch.nn.Module):\n    def forward(self, p, t:\n        pass\n",
     "LOAD", "SyntaxError"),
    ("import torch, ctypes\nclass HuberLoss(torch.nn.Module):\n    def __init__(self, *a, **k):\n"
     "        super().__init__()\n        ctypes.string_at(0)\n", "CRASH", "SIGSEGV"),
])
def test_new_user_mistakes_get_the_right_verdict_and_the_cli_keeps_working(ws, source, verdict, words):
    write_huber(ws, source)
    result = invoke("check", "huber-loss")
    assert result.exit_code == ExitCode.CHECK_FAILED
    assert verdict in result.output and words in result.output, result.output
    write_huber(ws, HUBER_SOLUTION)
    assert invoke("check", "huber-loss").exit_code == 0


def test_infinite_loop_times_out_and_the_cli_keeps_working(ws, tmp_path):
    forward = "    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:\n"
    looping = HUBER_SOLUTION.replace(forward, forward + "        while True:\n            pass\n", 1)
    assert looping != HUBER_SOLUTION
    path = tmp_path / "loop.py"
    path.write_text(looping)
    result = invoke("check", "huber-loss", "--file", str(path))
    assert result.exit_code == ExitCode.CHECK_FAILED
    assert "TIMEOUT" in result.output and "still running after 10 s" in result.output
    write_huber(ws, HUBER_SOLUTION)
    assert invoke("check", "huber-loss").exit_code == 0


def test_a_learners_message_is_printed_as_written_not_as_emoji(ws):
    forward = "    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:\n"
    raising = HUBER_SOLUTION.replace(forward, forward + "        raise ValueError('shapes :x: and :cat: [red]differ')\n", 1)
    write_huber(ws, raising)
    result = invoke("check", "huber-loss")
    assert result.exit_code == ExitCode.CHECK_FAILED
    assert "shapes :x: and :cat: [red]differ" in result.output, result.output


def test_check_json_is_machine_readable(ws):
    write_huber(ws, mutant("missing-half"))
    result = invoke("check", "--json", "huber-loss")
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["passed"] is False
    assert data["mistake"]["name"] == "missing-half"
    assert {r["status"] for r in data["results"]} == {"passed", "failed"}


def test_check_any_file_outside_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mine.py"
    path.write_text(HUBER_SOLUTION)
    assert invoke("check", "--file", str(path), "huber-loss").exit_code == 0


@pytest.mark.parametrize("args, code, line", [
    (("check", "huber-lose"), ExitCode.UNKNOWN_CHALLENGE, "did you mean 'huber-loss'"),
    (("hint", "nonsense-xyz"), ExitCode.UNKNOWN_CHALLENGE, "torchdojo list"),
    (("check", "huber-loss", "--file", "missing.py"), ExitCode.FILE_NOT_FOUND, "missing.py does not exist"),
])
def test_user_errors_are_one_clear_line(ws, args, code, line):
    result = invoke(*args)
    assert result.exit_code == code and line in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("args, words", [
    (("evaluate", "runs/nothere"), "runs/nothere does not exist"),
    (("evaluate", "afile"), "afile is not a directory"),
    (("train", "--resume", "runs/nothere"), "runs/nothere does not exist"),
    (("grade", "nothere/", "-c", "huber-loss"), "nothere does not exist"),
    (("grade", "afile", "-c", "huber-loss"), "afile is not a folder"),
    (("grade", ".", "-c", "huber-loss", "--extra-checks", "nothere"), "--extra-checks nothere: no such folder"),
    (("check", "--file", "nothere.ipynb", "huber-loss"), "nothere.ipynb does not exist"),
])
def test_every_path_that_is_not_there_is_file_not_found_in_one_line(tmp_path, monkeypatch, args, words):
    """The README's table: 5 file not found, for every command that reads a path it is given."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    result = invoke(*args)
    assert result.exit_code == ExitCode.FILE_NOT_FOUND == 5, result.output
    assert words in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("content, words", [
    ('{"cells": [{"cell_type": "code", "source": ["def f(', "it is not JSON (Unterminated string"),  # cut short
    ('{"name": "huber", "version": 1}', 'it is JSON, but not a notebook (no list of "cells")'),
    ('{"cells": [{"cell_type": "code", "source": "x = 1"}, 7]}', "its cell 2 is not a cell"),
])
def test_a_damaged_notebook_is_a_bad_file_and_no_attempt(ws, content, words):
    from torchdojo.cli.app import main
    from torchdojo.workspace import find

    (ws / "broken.ipynb").write_text(content)
    result = invoke("check", "--file", "broken.ipynb", "huber-loss")
    assert result.exit_code == ExitCode.BAD_FILE == 9, result.output
    assert result.output.startswith(f"error: broken.ipynb cannot be read as a notebook: {words}"), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert main(["check", "--file", "broken.ipynb", "huber-loss"]) == ExitCode.BAD_FILE  # the lean path too
    assert "huber-loss" not in find().store().summary()  # nothing recorded
    assert invoke("solution", "huber-loss").exit_code == ExitCode.NOT_ALLOWED  # no attempt: still locked


def app_with_a_bug() -> typer.Typer:
    """A command that fails in a way its error table does not list, as a bug would."""
    buggy = typer.Typer()
    buggy.callback()(global_options)

    @buggy.command()
    @handles({FileNotFoundError: ExitCode.FILE_NOT_FOUND})
    def resume() -> ExitCode:
        checkpoint = {"model": {}}
        return ExitCode.OK if checkpoint["epoch"] else ExitCode.CHECK_FAILED

    return buggy


def test_an_error_no_table_lists_is_an_internal_error_in_one_line():
    result = invoke("resume", cli=app_with_a_bug())
    assert result.exit_code == ExitCode.INTERNAL == 70
    assert result.output.strip() == ("internal error: KeyError: 'epoch' — rerun as "
                                     "`torchdojo --traceback …` to see where")


def test_traceback_option_shows_where_an_internal_error_happened():
    result = invoke("--traceback", "resume", cli=app_with_a_bug())
    assert result.exit_code == ExitCode.INTERNAL
    assert "Traceback (most recent call last)" in result.output
    assert 'checkpoint["epoch"]' in result.output and result.output.rstrip().endswith("KeyError: 'epoch'")
    assert invoke("resume", cli=app_with_a_bug()).output.count("\n") == 1  # not remembered


def test_traceback_option_leaves_commands_alone(ws):
    result = invoke("--traceback", "list")
    assert result.exit_code == 0 and "huber-loss" in result.output


def test_outside_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (("progress",), ("hint",), ("check",)):
        result = invoke(*args)
        assert result.exit_code == ExitCode.NO_WORKSPACE and "torchdojo init" in result.output


def test_check_before_start_says_start(ws):
    result = invoke("check", "huber-loss")
    assert result.exit_code == ExitCode.FILE_NOT_FOUND and "torchdojo start huber-loss" in result.output


def test_corrupt_progress_file_is_reported_and_kept(ws):
    store = ws / ".torchdojo" / "progress.sqlite"
    store.write_bytes(b"garbage" * 100)
    for args in (("progress",), ("hint", "huber-loss")):
        result = invoke(*args)
        assert result.exit_code == ExitCode.STORE_ERROR and "left untouched" in result.output
    assert store.read_bytes() == b"garbage" * 100
    started = invoke("start", "linear-model")  # and copies nothing
    assert started.exit_code == ExitCode.STORE_ERROR and not list(ws.glob("*/linear_model.py"))


def test_two_checks_at_once_lose_nothing(ws, tmp_path):
    (tmp_path / "right.py").write_text(HUBER_SOLUTION)
    (tmp_path / "wrong.py").write_text(mutant("missing-half"))
    env = {**os.environ, "TORCHDOJO_WORKSPACE": str(ws)}
    procs = [subprocess.Popen([sys.executable, "-m", "torchdojo", "check", "huber-loss", "--file", str(path)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for path in (tmp_path / "right.py", tmp_path / "wrong.py")]
    assert [p.wait(120) for p in procs] == [0, 1]
    assert ProgressStore.open(ws / ".torchdojo" / "progress.sqlite").summary()["huber-loss"].attempts == 2


def test_verify_grades_every_reference_solution_of_the_catalog(tmp_path, monkeypatch):
    """`verify` grades each challenge's solution, in catalog order. Here on a catalog of three (a file
    challenge, a folder challenge, a training one): every solution of the whole catalog is already
    graded by tests/test_catalog.py, and grading them all twice would cost CI minutes."""
    import shutil

    for number, challenge_id in enumerate(("huber-loss", "training-bugs", "training-loop"), start=1):
        source = catalog().get(challenge_id).path
        shutil.copytree(source, tmp_path / "01-track" / f"{number:02d}-{source.name[3:]}")
    monkeypatch.setenv("TORCHDOJO_CHALLENGES", str(tmp_path))
    catalog.cache_clear()
    try:
        result = invoke("verify", "--json")
    finally:
        catalog.cache_clear()
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["passed"]
    assert [c["challenge_id"] for c in data["challenges"]] == ["huber-loss", "training-bugs", "training-loop"]


def test_journal_fills_the_day_by_day_table(ws):
    write_huber(ws, mutant("missing-half"))
    invoke("check", "huber-loss")
    invoke("hint", "huber-loss")
    write_huber(ws, HUBER_SOLUTION)
    invoke("check", "huber-loss")
    assert invoke("journal", "--note", "torch.where computes both branches", "--challenge", "huber-loss").exit_code == 0
    result = invoke("journal", "--markdown")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0 and lines[0] == "| Day | Task | Gaps | Key learnings | Resources |"
    day = lines[2]
    assert day.startswith("| 1 | Huber loss with torch.where (easy) — solved |")
    assert "huber-loss: Small residuals (|r| ≤ δ) give ½·r²." in day.replace("\\|", "|") and "huber-loss: 1 hint" in day
    assert "huber-loss: known mistake: your output matches a common mistake: the quadratic branch is missing ½" in day
    assert "torch.where computes both branches" in day
    assert "[torch.where](https://pytorch.org/docs/stable/generated/torch.where.html)" in day


def test_watch_regrades_on_save_and_moves_on(ws):
    linear, following = catalog().get("linear-model"), catalog().get("custom-mse")
    invoke("start", "linear-model")
    log = ws / "watch.log"
    with open(log, "w") as out:
        watcher = subprocess.Popen([sys.executable, "-m", "torchdojo", "watch", "linear-model", "--poll", "0.05",
                                    "--stop-after", "2"], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=ws)
        deadline = time.monotonic() + 60
        while "checks passed" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.05)  # a new modification time for the save below
        learner_file(ws, linear).write_text(linear.read("solution.py"))
        assert watcher.wait(60) == 0
    output = log.read_text()
    assert "0 of" in output and "All" in output and "Next: custom-mse" in output, output
    assert learner_file(ws, following).read_text() == following.read("template.py")
