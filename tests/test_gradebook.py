"""`torchdojo grade`: a generated class (correct, wrong, partially right, crashing, tampering, hanging,
flooding, unreadable students) graded into a gradebook that is right cell by cell; resumable by content
hash; hidden and extra checks; points from challenge.toml."""
from __future__ import annotations

import csv
import dataclasses
import json
import textwrap
import zipfile
from pathlib import Path

import pytest

from torchdojo.catalog import catalog
from torchdojo.gradebook import Batch, find_students
from torchdojo.grading.mutants import load_mutants
from torchdojo.packs import pack_challenges, read_pack

PACK = Path(__file__).parent.parent / "examples" / "sample-pack" / "src" / "torchdojo_pack_sample"


@pytest.fixture(scope="module")
def challenges():
    """The sample pack's two challenges, with a 2 s limit so the hanging student costs little."""
    return [dataclasses.replace(c, time_limit=2.0) for c in pack_challenges(read_pack(PACK))]


def _mutant(challenge, name: str) -> str:
    return next(m for m in load_mutants(challenge.path) if m.name == name).build(challenge.source("solution"))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


FORGE = """
import json, os, struct
for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    if fd > 2 and os.path.islink(f"/proc/self/fd/{fd}") and "socket" in os.readlink(f"/proc/self/fd/{fd}"):
        for i in range(1, 50):
            data = json.dumps({"id": i, "ok": True, "value": {"$dict": []}, "status": "passed"}).encode()
            try:
                os.write(fd, struct.pack(">II", len(data), 0) + data)
            except OSError:
                pass
"""


def make_class(root: Path, leaky, rows) -> Path:
    """One student of each kind; returns the SUBMISSIONS folder."""
    subs = root / "subs"
    good_leaky, good_rows = leaky.source("solution"), rows.source("solution")
    _write(subs / "alice" / "sample" / "01-activations" / "leaky_relu.py", good_leaky)  # a workspace layout
    _write(subs / "alice" / "sample" / "01-activations" / "normalize_rows.py", good_rows)
    _write(subs / "bob" / "leaky_relu.py", _mutant(leaky, "fixed-slope"))  # wrong in both
    _write(subs / "bob" / "normalize_rows.py", _mutant(rows, "no-eps"))
    _write(subs / "carol" / "leaky_relu.py", good_leaky)  # one of two handed in
    _write(subs / "dave" / "leaky_relu.py", "import os\ndef leaky_relu(x, negative_slope=0.01):\n    os._exit(3)\n")
    _write(subs / "eve" / "leaky_relu.py", FORGE + "\n" + good_leaky)  # tampers with the grading channel
    with zipfile.ZipFile(subs / "frank.zip", "w") as zf:
        zf.writestr("frank/leaky_relu.py", good_leaky)
        zf.writestr("frank/normalize_rows.py", good_rows)
    (subs / "gina.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    (subs / "hank").mkdir()  # an empty folder
    _write(subs / "ivan" / "leaky_relu.py", "def leaky_relu(x, negative_slope=0.01)\n    return x\n")
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# mine"], "metadata": {}},
                          {"cell_type": "code", "source": good_leaky.splitlines(keepends=True), "metadata": {},
                           "outputs": [], "execution_count": None},
                          {"cell_type": "code", "source": ["print(leaky_relu(1))\n"], "metadata": {}, "outputs": [],
                           "execution_count": None}],
                "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    (subs / "judy.ipynb").write_text(json.dumps(notebook))
    _write(subs / "kim" / "leaky_relu.py", "while True:\n    pass\n")  # hangs while loading
    _write(subs / "leo" / "leaky_relu.py", "print('x' * 5_000_000)\n" + good_leaky)  # floods its output
    (subs / "mia.txt").write_text("my homework is in the post")
    return subs


# student -> {challenge: (status, points, passed checks, total)}; leaky-relu: 5 checks + 1 hidden, the
# gradient check worth 2 (7 points); normalize-rows: 5 checks (plus the extra one below: 6 points)
EXPECTED = {
    "alice": {"leaky-relu": ("passed", 7, 6, 6), "normalize-rows": ("passed", 6, 6, 6)},
    # fixed slope: right only with the default slope and in not delegating; no eps: the zero row fails
    "bob": {"leaky-relu": ("failed", 2, 2, 6), "normalize-rows": ("failed", 5, 5, 6)},
    "carol": {"leaky-relu": ("passed", 7, 6, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "dave": {"leaky-relu": ("crashed", 0, 0, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "eve": {"leaky-relu": ("tampered", 0, 0, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "frank": {"leaky-relu": ("passed", 7, 6, 6), "normalize-rows": ("passed", 6, 6, 6)},
    "gina": {"leaky-relu": ("unreadable", 0, 0, 6), "normalize-rows": ("unreadable", 0, 0, 6)},
    "hank": {"leaky-relu": ("missing", 0, 0, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "ivan": {"leaky-relu": ("not-loaded", 0, 0, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "judy": {"leaky-relu": ("passed", 7, 6, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "kim": {"leaky-relu": ("timeout", 0, 0, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "leo": {"leaky-relu": ("passed", 7, 6, 6), "normalize-rows": ("missing", 0, 0, 6)},
    "mia": {"leaky-relu": ("unreadable", 0, 0, 6), "normalize-rows": ("unreadable", 0, 0, 6)},
}

EXTRA = """
import torch.nn.functional as F
from torchdojo.grading.expect import expect_close, randn, rng


def check_batch_of_one(learner):
    \"\"\"A single row (1, 4) is normalised too.\"\"\"
    x = randn(rng(7), 1, 4)
    expect_close(learner.normalize_rows(x), F.normalize(x, dim=1), what="normalize_rows on one row")
"""


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, challenges):
    root = tmp_path_factory.mktemp("class")
    subs = make_class(root, *challenges)
    _write(root / "extra" / "normalize-rows.py", EXTRA)
    batch = Batch(subs, challenges, root / "grades", jobs=2, extra_checks=root / "extra").run()
    return root, subs, batch


def test_gradebook_is_right_cell_by_cell(graded_class):
    root, _, batch = graded_class
    rows = {row["student"]: row for row in csv.DictReader((root / "grades" / "grades.csv").open())}
    assert sorted(rows) == sorted(EXPECTED)
    for student, cells in EXPECTED.items():
        for challenge_id, (status, points, passed, total) in cells.items():
            row = rows[student]
            got = (row[f"{challenge_id} status"], float(row[f"{challenge_id} points"]), row[f"{challenge_id} checks"])
            assert got == (status, points, f"{passed}/{total}"), (student, challenge_id, batch.cells[(student,
                                                                                                   challenge_id)])
        assert float(rows[student]["total points"]) == sum(c[1] for c in cells.values())
        assert float(rows[student]["max points"]) == 13


def test_grades_json_holds_every_check_and_message(graded_class):
    root, _, _ = graded_class
    data = json.loads((root / "grades" / "grades.json").read_text())
    leaky = data["challenges"][0]
    assert [c["name"] for c in leaky["checks"]][-1] == "check_other_slopes" and leaky["checks"][-1]["hidden"]
    assert next(c for c in leaky["checks"] if c["name"] == "check_gradients")["points"] == 2
    rows = data["challenges"][1]
    assert rows["checks"][-1] == {"name": "check_batch_of_one", "title": "A single row (1, 4) is normalised too.",
                                  "points": 1.0, "hidden": True}  # --extra-checks
    bob = data["students"]["bob"]["challenges"]["normalize-rows"]
    failed = [c for c in bob["checks"] if c["status"] != "passed"]
    assert [c["name"] for c in failed] == ["check_zero_row"] and "NaN" in failed[0]["message"]
    assert "tampered with" in json.dumps(data["students"]["eve"])
    assert "exited with code 3" in json.dumps(data["students"]["dave"])
    assert "zip cannot be opened" in data["students"]["gina"]["challenges"]["leaky-relu"]["message"]
    leo = data["students"]["leo"]["challenges"]["leaky-relu"]
    assert "bytes of output left out" in leo["output"] and len(leo["output"]) <= 9000


def test_feedback_files_hand_back(graded_class):
    root, _, _ = graded_class
    bob = (root / "grades" / "feedback" / "bob.md").read_text()
    assert bob.startswith("# Feedback for bob") and "**Total: 7 / 13 points**" in bob
    assert "❌ With negative_slope=0.2" in bob and "*(hidden check)*" in bob
    assert "(hidden check)*\n  >" not in bob  # a hidden check's message is not handed back
    hank = (root / "grades" / "feedback" / "hank.md").read_text()
    assert "missing" in hank and "no leaky_relu.py" in hank


def test_feedback_names_the_known_mistake_as_check_does(graded_class, challenges):
    """bob handed in two known wrong answers (mutants): his feedback names each, as `torchdojo check` would,
    although a hidden check failed too; a pass and a crash name none."""
    root, _, batch = graded_class
    leaky, rows = challenges
    diagnosis = {m.name: m.diagnosis for c in challenges for m in load_mutants(c.path)}
    bob = (root / "grades" / "feedback" / "bob.md").read_text()
    leaky_part, rows_part = bob.split("## normalize-rows")
    assert f"**Known mistake:** {diagnosis['fixed-slope']}" in leaky_part
    assert f"**Known mistake:** {diagnosis['no-eps']}" in rows_part
    assert batch.cells[("bob", "leaky-relu")]["mistake"] == diagnosis["fixed-slope"]
    for student in ("alice", "dave", "hank"):
        assert "Known mistake" not in (root / "grades" / "feedback" / f"{student}.md").read_text()
    assert not list((root / "grades").rglob("*.tmp"))


def test_rerun_grades_only_what_changed(graded_class, challenges):
    root, subs, first = graded_class
    graded_once = first.graded
    again = Batch(subs, challenges, root / "grades", jobs=2, extra_checks=root / "extra").run()
    assert again.graded == 0 and again.reused == graded_once
    _write(subs / "carol" / "normalize_rows.py", challenges[1].source("solution"))  # carol hands in the rest
    (root / "grades" / ".results" / "alice" / "leaky-relu.json").unlink()  # as if killed before it was written
    third = Batch(subs, challenges, root / "grades", jobs=1, extra_checks=root / "extra").run()
    assert third.graded == 2 and third.cells[("carol", "normalize-rows")]["status"] == "passed"
    assert third.cells[("alice", "leaky-relu")]["status"] == "passed"


def test_students_are_found_by_kind(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b.zip").write_bytes(b"")
    (tmp_path / "c.ipynb").write_text("{}")
    (tmp_path / ".DS_Store").write_text("")
    assert [(s.name, s.kind) for s in find_students(tmp_path)] == [("a", "folder"), ("b", "zip"), ("c", "notebook")]


def test_learner_check_says_hidden_checks_exist(challenges, capsys):
    from torchdojo.grading.runner import grade
    from torchdojo.rendering import report

    leaky = challenges[0]
    result = grade(leaky, leaky.source("solution"))
    assert result.passed and result.hidden_checks == 1
    assert "check_other_slopes" not in [r.name for r in result.results]
    report(result, leaky.title)
    assert "1 more check is not shown here" in capsys.readouterr().out
    assert grade(leaky, leaky.source("solution"), hidden=True).results[-1].name == "check_other_slopes"


def test_cli_grade(tmp_path, monkeypatch, challenges, capsys):
    from torchdojo.cli.app import main

    monkeypatch.setenv("TORCHDOJO_PACKS", str(PACK))
    catalog.cache_clear()
    try:
        _write(tmp_path / "subs" / "zoe" / "leaky_relu.py", challenges[0].source("solution"))
        (tmp_path / "subs" / "yan").mkdir()  # handed in nothing
        grade = ["grade", str(tmp_path / "subs"), "--challenges", "leaky-relu,normalize-rows", "--out",
                 str(tmp_path / "g"), "--jobs", "1"]
        assert main(grade) == 0
        assert (tmp_path / "g" / "grades.csv").read_text().splitlines()[2] == \
            "zoe,7,6/6,passed,0,0/5,missing,7,12"
        said = " ".join(capsys.readouterr().out.split())  # the line may be wrapped
        assert "4 cells (2 students × 2 challenges): 1 graded in this run, 0 unchanged since the last run, " \
               "3 with nothing to grade (missing or unreadable)." in said
        assert main(grade) == 0
        assert "4 cells (2 students × 2 challenges): 0 graded in this run, 1 unchanged since the last run, " \
               "3 with nothing to grade" in " ".join(capsys.readouterr().out.split())
        assert main(["grade", str(tmp_path / "nowhere"), "--challenges", "leaky-relu"]) == 5  # file not found
        assert main(["grade", str(tmp_path / "subs"), "--challenges", "no-such-thing"]) == 3
    finally:
        catalog.cache_clear()
