"""Issue 12, "Learner experience": one test (or a few) per numbered item, tried as a learner would."""
from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from torchdojo.catalog import catalog
from torchdojo.cli.app import app
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.report import Report
from torchdojo.progress import ProgressStore
from torchdojo.rendering import latex_to_unicode, report as render_report, statement

HUBER = catalog().get("huber-loss")
SOLUTION = HUBER.read("solution.py")
FIRST = catalog().challenges[0]


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(app, list(args), catch_exceptions=False, **kwargs)


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    assert invoke("init", str(tmp_path / "ws")).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def huber_file(ws: Path) -> Path:
    return ws / HUBER.track_folder / HUBER.file


def missing_half() -> str:
    return next(m for m in load_mutants(HUBER.path) if m.name == "missing-half").build(SOLUTION)


# --- 1. maths in a terminal -----------------------------------------------------------------------

CODE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1|(`+)(.+?)\3", re.S | re.M)


@pytest.mark.parametrize("challenge", list(catalog()), ids=lambda c: c.id)
def test_every_statement_shows_unicode_maths_in_a_terminal(challenge):
    buffer = io.StringIO()
    statement(challenge.statement, Console(file=buffer, force_terminal=True, width=200, color_system=None))
    shown = " ".join(buffer.getvalue().split())  # rich wraps lines: compare words
    # what is written as code is shown as written, backslashes included ...
    for match in CODE.finditer(challenge.statement):
        code = match.group(2) if match.group(2) is not None else match.group(4)
        for line in code.strip().splitlines():
            words = " ".join(line.split())
            assert words in shown, (words, shown)
            shown = shown.replace(words, "", 1)
    # ... and nothing else has a backslash or a dollar left: no LaTeX, no half-eaten escape
    assert "\\" not in shown and "$" not in shown, shown


def test_huber_maths_reads_as_maths():
    buffer = io.StringIO()
    statement(HUBER.statement, Console(file=buffer, force_terminal=True, width=120, color_system=None))
    shown = buffer.getvalue()
    assert "r = ŷ − y" in shown and "(½δ²)" in shown
    quadratic, linear = (next(line for line in shown.splitlines() if words in line) for words in ("if |r|", "otherwise"))
    assert "½ r²" in quadratic and "≤ δ" in quadratic and "δ (|r| − ½δ)" in linear  # a cases block on two lines


@pytest.mark.parametrize("latex, text", [
    (r"\langle a_i, b_j\rangle", "⟨aᵢ, bⱼ⟩"),
    (r"\lVert a\rVert^2", "‖a‖²"),
    (r"W \in \mathbb{R}^{d_\text{out} \times d_\text{in}}", "W ∈ ℝ^(d_out × d_in)"),
    (r"\tfrac12 r^2", "½ r²"),
    (r"\frac{\partial L}{\partial w}", "(∂ L)/(∂ w)"),
    (r"\theta \leftarrow \theta - \eta\, g", "θ ← θ − η g"),
])
def test_formulas_in_unicode(latex, text):
    assert latex_to_unicode(latex) == text


def test_start_prints_the_statement_without_latex(ws):
    result = invoke("start", "huber-loss")
    assert result.exit_code == 0 and "½" in result.output and "\\tfrac" not in result.output


# --- 2. the current challenge ------------------------------------------------------------------------


def test_current_is_the_challenge_last_started_or_checked(ws):
    assert FIRST.id != HUBER.id
    invoke("start", "huber-loss")
    huber_file(ws).write_text(missing_half())
    result = invoke("check")
    assert result.exit_code == ExitCode.CHECK_FAILED and result.output.startswith("huber-loss")
    listing = invoke("list")
    marked = [line for line in listing.output.splitlines() if line.lstrip().startswith("▶ ") and "current:" not in line]
    assert len(marked) == 1 and "huber-loss" in marked[0] and "current: huber-loss" in listing.output
    assert "for huber-loss" in invoke("hint").output
    assert "torch.where" in invoke("solution").output
    assert invoke("journal", "--note", "both branches are computed").exit_code == 0
    assert [n["challenge"] for n in ProgressStore.open(ws / ".torchdojo" / "progress.sqlite").notes()] == ["huber-loss"]
    # checking another challenge makes it the current one
    first_file = ws / FIRST.track_folder / FIRST.file
    first_file.write_text(FIRST.read("solution.py"))
    assert invoke("check", FIRST.id).exit_code == 0
    assert invoke("check").output.startswith(FIRST.id)


# --- 3. a broken progress file: every printed advice works ------------------------------------------


def _advised_command(output: str) -> list[str]:
    commands = re.findall(r"`(torchdojo [^`]+)`", output)
    assert commands, output
    return commands[0].split()[1:]


@pytest.mark.parametrize("damage", ["garbage", "foreign", "missing"])
def test_following_the_advice_for_a_broken_progress_file_works(ws, damage):
    import sqlite3

    store = ws / ".torchdojo" / "progress.sqlite"
    my_file = ws / FIRST.track_folder / FIRST.file
    my_file.write_text("# my work\n")
    if damage == "garbage":
        store.write_bytes(b"garbage" * 100)
    elif damage == "foreign":
        store.unlink()
        db = sqlite3.connect(store)
        db.execute("CREATE TABLE recipes (name TEXT)")
        db.commit()
        db.close()
    else:
        store.unlink()
    before = store.read_bytes() if store.exists() else None
    broken = invoke("progress")
    assert broken.exit_code == ExitCode.STORE_ERROR
    advice = _advised_command(broken.output)
    assert advice[:2] == ["init", "--repair"]
    repaired = invoke(*advice)
    assert repaired.exit_code == 0, repaired.output
    assert invoke("progress").exit_code == 0 and my_file.read_text() == "# my work\n"
    assert not (ws / "torchdojo-workspace").exists() and len(list(ws.rglob("torchdojo.toml"))) == 1
    kept = list(store.parent.glob("progress.sqlite.broken-*"))
    assert (before is None and kept == []) or [k.read_bytes() for k in kept if not k.name.endswith(("-wal", "-shm"))] == [before]
    assert invoke("init", "--repair").exit_code == ExitCode.STORE_ERROR  # a working file is not "repaired"


def test_init_where_a_workspace_is_says_what_to_do(ws):
    again = invoke("init", str(ws))
    assert again.exit_code == ExitCode.USAGE and "already a torchdojo workspace" in again.output
    listing, repair = re.findall(r"`torchdojo ([^`]+)`", again.output)
    assert invoke(*listing.split()).exit_code == 0
    refused = invoke(*repair.split())  # offered for a broken file; this one works and is left alone
    assert refused.exit_code == ExitCode.STORE_ERROR and "nothing to repair" in refused.output
    nested = invoke("init", "inner")
    assert nested.exit_code == ExitCode.USAGE and "would be inside the workspace" in nested.output
    assert not (ws / "inner").exists()


# --- 4. an attempt is a grading of code the learner changed ------------------------------------------


def test_an_untouched_template_is_not_an_attempt_and_gaps_are_real_failures(ws, tmp_path):
    invoke("start", "huber-loss")
    assert invoke("check").exit_code == ExitCode.CHECK_FAILED
    store = ProgressStore.open(ws / ".torchdojo" / "progress.sqlite")
    assert store.attempts() == []
    assert invoke("solution").exit_code == ExitCode.NOT_ALLOWED
    huber_file(ws).write_text(missing_half())
    invoke("check")
    journal = invoke("journal", "--markdown").output
    day = journal.strip().splitlines()[2].replace("\\|", "|")
    gaps = day.split(" | ")[2]
    from torchdojo.grading.runner import grade

    report = grade(HUBER, missing_half())
    failed = [f"huber-loss: {r.title}" for r in report.results if not r.passed]
    assert gaps == "; ".join([*failed, f"huber-loss: known mistake: {report.mistake.diagnosis}"])
    assert invoke("journal", "--note", "  ").exit_code == ExitCode.USAGE
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text(SOLUTION)
    result = invoke("check", "--file", str(elsewhere), "huber-loss")
    assert result.exit_code == 0 and f"Recorded as an attempt at huber-loss in {ws}" in result.output
    assert str(elsewhere) in result.output.split("Recorded as")[1]


# --- 5. watch ------------------------------------------------------------------------------------------


def _wait_for(log: Path, text: str, after: int = 0, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = log.read_text().find(text, after)
        if found >= 0:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared:\n{log.read_text()}")


def _watch(ws: Path, *args: str):
    log = ws / "watch.log"
    out = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "torchdojo", "watch", *args, "--poll", "0.05"], cwd=ws,
                            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
    return proc, log, out


def test_watch_keys_skip_passed_challenges_and_solution_as_a_diff(ws):
    order = list(catalog())
    linear = catalog().get("linear-model")
    after = [c for c in order if c.number > linear.number]
    skipped, landing = after[0], after[1]
    # the challenge after linear-model is passed already: watch must not stop there
    invoke("start", skipped.id)
    (ws / skipped.track_folder / skipped.file).write_text(skipped.read("solution.py"))
    assert invoke("check", skipped.id).exit_code == 0
    invoke("start", "linear-model")
    proc, log, out = _watch(ws, "linear-model")
    try:
        at = _wait_for(log, "checks passed")
        assert log.read_text().index("checking") < at  # said before the report
        proc.stdin.write(b"h")
        proc.stdin.flush()
        at = _wait_for(log, "Hint 1 of", at)
        proc.stdin.write(b"s")
        proc.stdin.flush()
        at = _wait_for(log, "after a pass", at)  # no solution before a pass
        time.sleep(0.05)
        (ws / linear.track_folder / linear.file).write_text(linear.read("solution.py"))
        at = _wait_for(log, f"Next: {landing.id}", at)
        proc.stdin.write(b"s")
        proc.stdin.flush()
        at = _wait_for(log, "identical to the reference", at)
        proc.stdin.write(b"l")
        proc.stdin.flush()
        at = _wait_for(log, "torchdojo challenges", at)
        proc.stdin.write(b"q")
        proc.stdin.flush()
        assert proc.wait(60) == 0
    finally:
        proc.kill()
        out.close()
    output = log.read_text()
    assert f"Next: {skipped.id}" not in output and "Stopped watching" in output
    assert output.count("checks passed") == 2  # the next one's fresh template was not graded


def test_watch_says_checking_at_once_and_ctrl_c_exits_130(ws):
    invoke("start", "huber-loss")
    huber_file(ws).write_text(missing_half())
    proc, log, out = _watch(ws, "huber-loss")
    try:
        at = _wait_for(log, "checks passed")
        forward = "    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:\n"
        time.sleep(0.05)
        huber_file(ws).write_text(SOLUTION.replace(forward, forward + "        while True:\n            pass\n", 1))
        _wait_for(log, "checking", at, seconds=8)  # before the 10 s time limit (slack for a loaded CPU)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == ExitCode.INTERRUPTED
    finally:
        proc.kill()
        out.close()
    assert "Traceback" not in log.read_text()


# --- 6. notebooks ----------------------------------------------------------------------------------------


def _execute(path: Path) -> str:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text") or output.get("data", {}).get("text/plain", ""))
    return re.sub(r"\x1b\[[0-9;]*m", "", "".join(texts))


def test_a_generated_notebook_runs_headless_failing_then_passing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "huber.ipynb"
    result = invoke("notebook", "huber-loss", "--out", str(path))
    assert result.exit_code == 0 and path.is_file()
    notebook = json.loads(path.read_text())
    sources = ["".join(c["source"]) for c in notebook["cells"]]
    assert sources[0] == HUBER.statement and "\\tfrac12" in sources[0]  # real LaTeX for notebooks
    assert any("pip" in s and "find_spec" in s for s in sources)  # the install cell for Colab
    assert HUBER.read("template.py") in sources
    output = _execute(path)
    assert "TODO" in output and "0 of 7 checks passed" in output and "your file" not in output
    assert HUBER.hints[0][:30] in output.replace("\n", " ")
    # the learner's answer pasted into the code cell
    template_cell = next(c for c in notebook["cells"] if "".join(c["source"]) == HUBER.read("template.py"))
    template_cell["source"] = SOLUTION.splitlines(keepends=True)
    path.write_text(json.dumps(notebook))
    assert "All 7 checks passed" in _execute(path)
    # the same notebook graded from the command line
    assert invoke("check", "huber-loss", "--file", str(path)).exit_code == 0


def test_the_install_cell_installs_only_what_it_is_told(tmp_path, monkeypatch):
    """No default: pip would install whatever PyPI holds under the name torchdojo."""
    def install_cell(*options: str) -> str:
        path = tmp_path / f"n{len(options)}.ipynb"
        assert invoke("notebook", "huber-loss", "--out", str(path), *options).exit_code == 0
        return next("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if "find_spec" in
                    "".join(c["source"]))

    monkeypatch.chdir(tmp_path)
    url = "git+https://example.org/course/torchdojo.git"
    assert f"TORCHDOJO_SOURCE = {url!r}" in install_cell("--source", url)
    bare = subprocess.run([sys.executable, "-S", "-c", install_cell()], capture_output=True, text=True,
                          timeout=60)  # -S: no site-packages, so no torchdojo (and no pip)
    assert bare.returncode == 1 and "set TORCHDOJO_SOURCE above" in bare.stderr


def test_an_untouched_notebook_is_not_an_attempt(ws):
    path = ws / "huber.ipynb"
    assert invoke("notebook", "huber-loss", "--out", str(path)).exit_code == 0
    result = invoke("check", "huber-loss", "--file", str(path))
    assert result.exit_code == ExitCode.CHECK_FAILED and "not counted as an attempt" in result.output
    assert ProgressStore.open(ws / ".torchdojo" / "progress.sqlite").attempts() == []


def test_check_grades_the_defining_cells_of_a_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = ["%matplotlib inline\n!pip install nothing\nimport torch\nfrom torch import nn", "%%bash\necho hi",
             "def helper(r, d):\n    return torch.where(r.abs() <= d, 0.5 * r**2, d * (r.abs() - 0.5 * d))",
             SOLUTION, "print('training...')\nfor _ in range(10**9):\n    pass",
             "from torchdojo import check\ncheck('huber-loss', HuberLoss=HuberLoss)"]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells]}
    path = tmp_path / "mine.ipynb"
    path.write_text(json.dumps(notebook))
    assert invoke("check", "huber-loss", "--file", str(path)).exit_code == 0
    notebook["cells"][3]["source"] = missing_half()
    path.write_text(json.dumps(notebook))
    result = invoke("check", "huber-loss", "--file", str(path))
    assert result.exit_code == ExitCode.CHECK_FAILED and "missing ½" in result.output
    path.write_text("{ not json")
    result = invoke("check", "huber-loss", "--file", str(path))
    assert result.exit_code == ExitCode.BAD_FILE and "cannot be read as a notebook: it is not JSON" in result.output


def test_notebook_hints_escalate_outside_a_workspace(tmp_path, monkeypatch):
    from torchdojo import hint

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("torchdojo.notebook._HINTS_SHOWN", {})
    shown = [hint("huber-loss") for _ in range(len(HUBER.hints) + 1)]
    assert shown == [*HUBER.hints, HUBER.hints[-1]]


def test_objects_are_never_called_your_file():
    out = io.StringIO()
    report = Report(challenge_id="huber-loss", source_label="<objects>",
                    load_error="your file did not finish loading within 10 s")
    import torchdojo.rendering as rendering

    original = rendering.console
    rendering.console = lambda stderr=False: Console(file=out, width=200, color_system=None)
    try:
        render_report(report, HUBER.title)
    finally:
        rendering.console = original
    assert "your file" not in out.getvalue().lower() and "your code" in out.getvalue()


# --- 8. smaller things --------------------------------------------------------------------------------


def test_help_version_and_option_spelling():
    short, long = invoke("-h"), invoke("--help")
    assert short.exit_code == 0 and short.output == long.output
    assert invoke("--version").output.strip().startswith("torchdojo ")
    for command in ("check", "watch", "init", "solution", "journal"):
        screen = invoke(command, "-h").output
        assert "<bool>" not in screen and "--help" in screen, screen


def test_check_json_errors_are_json(ws):
    result = invoke("check", "--json", "huber-lose")
    data = json.loads(result.output)
    assert result.exit_code == ExitCode.UNKNOWN_CHALLENGE == data["exit_code"] and "huber-loss" in data["error"]


def test_a_folder_given_as_a_file_and_a_load_error_are_named(ws, tmp_path):
    result = invoke("check", "huber-loss", "--file", str(tmp_path))
    assert result.exit_code == ExitCode.FILE_NOT_FOUND and "is a folder" in result.output
    assert "does not exist" not in result.output
    invoke("start", "huber-loss")
    huber_file(ws).write_text("def broken(:\n")
    result = invoke("check")
    assert "0 of 0" not in result.output and "did not load" in result.output


def test_every_hint_prints_as_written(ws):
    """Hints hold code such as `x[i:i + 128]`: printed as Rich markup, the brackets and what they
    enclose vanished."""
    words = lambda text: " ".join(text.split())  # noqa: E731 (the terminal wraps long lines)
    for challenge in catalog():
        for hint in challenge.hints:
            assert words(hint) in words(invoke("hint", challenge.id).output), (challenge.id, hint)


def test_what_a_report_outside_a_workspace_suggests_works_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.py"
    mine.write_text(missing_half())
    failed = invoke("check", "huber-loss", "--file", str(mine))
    assert failed.exit_code == ExitCode.CHECK_FAILED and "Stuck? torchdojo hint huber-loss" in failed.output
    first = invoke("hint", "huber-loss")
    assert first.exit_code == 0 and "Hint 1 of 4" in first.output and "hint huber-loss --level 2" in first.output
    last = invoke("hint", "huber-loss", "--level", "4")
    assert "Hint 4 of 4" in last.output and "torchdojo solution huber-loss --force" in last.output
    assert invoke("solution", "huber-loss", "--force").exit_code == 0
    mine.write_text(SOLUTION)
    passed = invoke("check", "huber-loss", "--file", str(mine))
    assert passed.exit_code == 0 and "torchdojo start" not in passed.output and "torchdojo init" in passed.output


def test_a_hint_by_level_counts_the_ones_before_it(ws):
    assert "Hint 3 of 4" in invoke("hint", "huber-loss", "--level", "3").output
    assert ProgressStore.open(ws / ".torchdojo" / "progress.sqlite").hints_shown("huber-loss") == 3
    assert "Hint 4 of 4" in invoke("hint", "huber-loss").output


def test_the_last_hint_knows_you_attempted(ws):
    invoke("start", "huber-loss")
    huber_file(ws).write_text(missing_half())
    invoke("check")
    for _ in HUBER.hints:
        last = invoke("hint")
    assert "After an attempt" not in last.output and "torchdojo solution huber-loss" in last.output


# --- 9. training messages -------------------------------------------------------------------------------


def test_under_torchrun_only_rank_0_reports_a_run_that_exists(tmp_path, monkeypatch):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text("{}")
    monkeypatch.setenv("RANK", "1")
    quiet = invoke("train", "--out", str(run))
    assert quiet.exit_code == ExitCode.USAGE and quiet.output == ""
    monkeypatch.setenv("RANK", "0")
    loud = invoke("train", "--out", str(run))
    assert loud.exit_code == ExitCode.USAGE and loud.output.count("already holds a run") == 1


def test_resume_says_where_and_ctrl_c_in_the_first_epoch_leaves_nothing(tmp_path, monkeypatch):
    import torchdojo.project.run as run_module

    monkeypatch.setattr(run_module, "load_run", lambda d: (run_module.RunConfig(epochs=5), {"epoch": 2}))
    monkeypatch.setattr(run_module, "read_config", lambda d: run_module.RunConfig(epochs=5))

    def interrupted(config, run_dir, **kwargs):
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "events.out.tfevents.1").write_text("x")
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "train_run", interrupted)
    resumed = invoke("train", "--resume", str(tmp_path))
    assert "resuming" in resumed.output and "at epoch 3 of 5" in resumed.output
    fresh = tmp_path / "fresh"
    stopped = invoke("train", "--out", str(fresh))
    assert stopped.exit_code == ExitCode.INTERRUPTED and "nothing was kept" in stopped.output
    assert not fresh.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    invoke("train", "--out", str(kept))
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]
