"""The grader's fault matrix: whatever the learner's code does, the grader survives and explains.

Uses the probe challenge in tests/fixtures: checks call one(), two() and three() independently,
so each test breaks one function and watches the other checks still get their verdict.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import torch
from conftest import started, survivor_marker, survivors

from torchdojo.catalog import load_catalog
from torchdojo.grading.report import Status
from torchdojo.grading.runner import grade, grade_file

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"
PROBE = load_catalog(FIXTURES).get("probe")
GOOD = {
    "one": "def one():\n    return torch.ones(3)\n",
    "two": "def two():\n    return torch.full((3,), 2.0)\n",
    "three": "def three():\n    return torch.arange(3.0)\n",
}


def probe_source(**replacements: str) -> str:
    """The probe's solution with some functions replaced by broken ones."""
    parts = {**GOOD, **replacements}
    return "import torch\n\n" + "\n".join(parts[name] for name in ("one", "two", "three"))


def statuses(report) -> list[Status]:
    return [r.status for r in report.results]


def test_good_code_passes(sandbox_kind):
    report = grade(PROBE, probe_source())
    assert report.passed and statuses(report) == [Status.PASSED] * 3


def test_wrong_answer_says_where_and_by_how_much():
    report = grade(PROBE, probe_source(two="def two():\n    return torch.tensor([2.0, 2.5, 2.0])\n"))
    assert statuses(report) == [Status.PASSED, Status.FAILED, Status.PASSED]
    message = report.results[1].message
    assert "1 of 3 elements differ" in message and "index 1" in message and "got 2.5, expected 2" in message


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text("import torch\n\ndef one(:\n    return 1\n")
    report = grade_file(PROBE, path)
    assert not report.passed and report.results == []
    assert "SyntaxError" in report.load_error and report.load_location == "probe.py:3"
    assert "def one(:" in report.load_error and "^" in report.load_error


def test_import_error_names_the_line():
    report = grade(PROBE, "import torch\nimport torch_that_does_not_exist\n" + probe_source())
    assert "ModuleNotFoundError" in report.load_error and "torch_that_does_not_exist" in report.load_error
    assert report.load_location == "probe.py:2"


def test_missing_name_is_reported():
    report = grade(PROBE, "import torch\n" + GOOD["one"] + GOOD["two"])
    assert "must define three" in report.load_error


def test_exception_in_check_points_at_learner_line_only():
    broken = "def one():\n    x = torch.ones(3)\n    return x @ torch.ones(4)\n"
    report = grade(PROBE, probe_source(one=broken))
    result = report.results[0]
    assert result.status is Status.ERROR and "RuntimeError" in result.message
    assert result.location == "probe.py:5"
    assert "torchdojo" not in result.message and "checks.py" not in result.message
    assert statuses(report)[1:] == [Status.PASSED, Status.PASSED]


def test_unfinished_template_points_at_the_todo():
    report = grade(PROBE, PROBE.read("template.py"))
    assert all(r.status is Status.ERROR and r.fingerprint == "todo" for r in report.results)
    assert report.results[0].message.startswith("not implemented yet at probe.py:2: TODO")


def test_infinite_loop_is_stopped_and_named(sandbox_kind):
    """The whole process group dies, a grandchild included; the report names the check and skips
    the rest at once (one time limit, not one per remaining check)."""
    marker = survivor_marker()
    looping = (f"def two():\n    import subprocess\n    p = subprocess.Popen(['sleep', '{marker}'])\n"
               "    while True:\n        pass\n")
    began = time.monotonic()
    report = grade(PROBE, probe_source(two=looping))
    assert time.monotonic() - began < PROBE.time_limit + 3
    assert statuses(report) == [Status.PASSED, Status.TIMEOUT, Status.SKIPPED]
    assert "still running after 2 s" in report.results[1].message
    assert "check_two ran out of time" in report.results[2].message
    assert survivors(marker) == []


def test_infinite_loop_at_module_level():
    report = grade(PROBE, probe_source() + "while True:\n    pass\n")
    assert "did not finish loading within 2 s" in report.load_error


def test_runaway_memory_is_capped_and_reported():
    hog = "def three():\n    hoard = []\n    while True:\n        hoard.append(bytearray(50_000_000))\n"
    report = grade(PROBE, probe_source(three=hog))
    assert statuses(report) == [Status.PASSED, Status.PASSED, Status.ERROR]
    assert "ran out of memory" in report.results[2].message and "300 MB" in report.results[2].message


def test_segfault_is_reported_with_the_signal(sandbox_kind):
    crash = "def one():\n    import ctypes\n    return ctypes.string_at(0)\n"
    report = grade(PROBE, probe_source(one=crash))
    assert statuses(report) == [Status.CRASHED, Status.PASSED, Status.PASSED]
    assert "SIGSEGV" in report.results[0].message and "segmentation fault" in report.results[0].message


def test_hard_exit_is_reported(sandbox_kind):
    report = grade(PROBE, probe_source(two="def two():\n    import os\n    os._exit(3)\n"))
    assert statuses(report) == [Status.PASSED, Status.CRASHED, Status.PASSED]
    assert "exited with code 3" in report.results[1].message


def test_sys_exit_in_a_check_is_an_error_not_the_end():
    report = grade(PROBE, probe_source(one="def one():\n    raise SystemExit(0)\n"))
    assert statuses(report) == [Status.ERROR, Status.PASSED, Status.PASSED]


def test_output_flood_is_bounded():
    flood = "def one():\n    for i in range(200_000):\n        print('spam', i)\n    return torch.ones(3)\n"
    report = grade(PROBE, probe_source(one=flood))
    assert report.passed
    assert len(report.output) < 10_000 and "bytes of output left out" in report.output
    assert report.output.startswith("spam 0\n") and report.output.rstrip().endswith("spam 199999")


def test_learner_rng_is_not_reseeded(tmp_path):
    """The child draws from the same RNG stream the learner's process had."""
    out = tmp_path / "draw.json"
    draw = f"def one():\n    open({str(out)!r}, 'w').write(__import__('json').dumps(torch.rand(4).tolist()))\n" \
           "    return torch.ones(3)\n"
    torch.manual_seed(1234)
    grade(PROBE, probe_source(one=draw), match_mistakes=False)
    assert json.loads(out.read_text()) == torch.rand(4).tolist()  # the parent's stream, untouched


def test_known_mistake_is_named_in_its_words():
    report = grade(PROBE, probe_source(one="def one():\n    return torch.zeros(3)\n"))
    assert report.mistake is not None and report.mistake.diagnosis == "one() returns zeros"


def test_other_wrong_answers_are_not_called_a_known_mistake():
    report = grade(PROBE, probe_source(one="def one():\n    return torch.full((3,), 7.0)\n"))
    assert not report.passed and report.mistake is None


def test_notebook_objects_are_graded_without_pickling():
    made_here = torch.arange(3.0)  # closures over local state would not survive pickling

    def one():
        return torch.ones(3)

    def two():
        return torch.full((3,), 2.0)

    def three():
        return made_here

    report = grade(PROBE, objects=dict(one=one, two=two, three=three), label="<objects>")
    assert report.passed
    report = grade(PROBE, objects=dict(one=one, two=two, three=lambda: made_here / 0), label="<objects>")
    assert statuses(report)[2] is Status.FAILED and "non-finite" in report.results[2].message


def test_parent_process_is_unharmed():
    """After all of the above, this process still grades normally and has no stray children."""
    assert grade(PROBE, probe_source()).passed
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_learner_can_import_a_module_beside_their_file(tmp_path):
    (tmp_path / "my_helpers.py").write_text("import torch\n\ndef ones():\n    return torch.ones(3)\n")
    path = tmp_path / "probe.py"
    path.write_text(probe_source(one="from my_helpers import ones as one\n"))
    assert grade_file(PROBE, path).passed


# --- faults an honest learner can hit (issue 6 §2) ----------------------------------------------


def test_output_in_a_loop_does_not_renew_the_time_limit():
    """The deadline is absolute: a check that prints forever is stopped at the limit."""
    began = time.monotonic()
    report = grade(PROBE, probe_source(one="def one():\n    while True:\n        print('still here')\n"))
    assert time.monotonic() - began < PROBE.time_limit + 3
    assert statuses(report) == [Status.TIMEOUT, Status.SKIPPED, Status.SKIPPED]


def test_killing_the_command_kills_the_learners_processes(tmp_path, sandbox_kind):
    """SIGTERM (or SIGKILL) to `torchdojo check` while the learner's code spins: nothing survives."""
    import signal
    import subprocess
    import sys

    for sig in (signal.SIGTERM, signal.SIGKILL):
        marker = survivor_marker()
        path = tmp_path / "huber_loss.py"
        path.write_text("import subprocess, torch\nfrom torch import nn\n"
                        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True)\n"
                        "class HuberLoss(nn.Module):\n    def __init__(self, delta=1.0, reduction='mean'):\n"
                        "        super().__init__()\n    def forward(self, p, t):\n        while True:\n"
                        "            pass\n")
        command = subprocess.Popen([sys.executable, "-m", "torchdojo", "check", "huber-loss", "--file", str(path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if not started(marker, wait=60):
            command.kill()
            raise AssertionError(f"the learner's code never started:\n{command.communicate()[0]}")
        command.send_signal(sig)
        command.wait(timeout=30)
        assert survivors(marker, wait=3) == []


def test_ctrl_c_while_the_sandbox_forks_stops_the_grading(tmp_path):
    """A Ctrl-C that lands while os.fork() runs Python's at-fork hooks used to be raised inside a
    hook, printed and dropped: `watch` then graded on to the time limit and kept watching. Sent here
    from such a hook, it must end the grading at once, with nothing of the learner's left running."""
    import subprocess
    import sys

    marker = survivor_marker()
    script = tmp_path / "interrupt_during_fork.py"
    script.write_text(f"""
import os, signal, sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_grading import PROBE, probe_source
from torchdojo.grading.runner import grade

sent = []
def interrupt_once():
    if not sent:
        sent.append(os.kill(os.getpid(), signal.SIGINT))
os.register_at_fork(after_in_parent=interrupt_once)
looping = "def one():\\n    import subprocess\\n    subprocess.Popen(['sleep', '{marker}'])\\n    while True:\\n        pass\\n"
began = time.monotonic()
try:
    grade(PROBE, probe_source(one=looping), match_mistakes=False)
except KeyboardInterrupt:
    print(f"interrupted after {{time.monotonic() - began:.1f}} s")
else:
    print(f"graded to the end: {{time.monotonic() - began:.1f}} s")
""")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("interrupted after"), result.stdout + result.stderr[-2000:]
    assert "Exception ignored" not in result.stderr, result.stderr[-2000:]
    assert survivors(marker, wait=3) == []


@pytest.mark.parametrize("encoding, header, passes", [
    ("latin-1", "# -*- coding: latin-1 -*-\n# café\n", True),
    ("utf-8-sig", "# café, with a byte-order mark\n", True),
    ("latin-1", "# café, saved as Latin-1 without saying so\n", False),
])
def test_source_is_decoded_as_python_does(tmp_path, encoding, header, passes):
    path = tmp_path / "probe.py"
    path.write_bytes((header + probe_source()).encode(encoding))
    report = grade_file(PROBE, path)
    assert report.passed is passes
    if not passes:
        assert "not readable as Python source" in report.load_error and "coding" in report.load_error


def test_syntax_error_without_a_line_names_the_file():
    report = grade(PROBE, "import torch\nx = 1\0\n")
    assert "SyntaxError" in report.load_error and "None" not in report.load_error
    assert report.load_location == "probe.py"


@pytest.mark.parametrize("exception, expected", [
    ("class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n", "cannot be printed"),
    ("class Odd(Exception):\n    pass\nOdd = (lambda cls: lambda: cls('x' * 20_000_000))(Odd)\n", "more characters"),
])
def test_unprintable_and_huge_exceptions_are_errors(exception, expected):
    broken = f"def one():\n    raise Odd()\n{exception}"
    report = grade(PROBE, probe_source(one=broken))
    assert statuses(report) == [Status.ERROR, Status.PASSED, Status.PASSED]
    assert expected in report.results[0].message and len(report.results[0].message) < 20_000


def test_a_file_named_like_a_library_does_not_shadow_it(tmp_path):
    path = tmp_path / "torch.py"
    path.write_text(probe_source())
    assert grade_file(PROBE, path).passed


def test_an_unreadable_file_is_a_load_error(tmp_path):
    report = grade_file(PROBE, tmp_path / "missing.py")
    assert not report.passed and "cannot read" in report.load_error


def test_an_unknown_mistake_gets_a_generic_diagnosis():
    """No mutant fails like these, so the kind of the failed properties speaks."""
    from torchdojo.catalog import catalog

    huber = catalog().get("huber-loss")
    solution = huber.read("solution.py")
    changes_target = grade(huber, solution.replace("r = prediction - target", "r = prediction - target.add_(0.5)"))
    assert changes_target.mistake is None and "in-place" in changes_target.advice
    cut_graph = grade(huber, solution.replace("size = r.abs()", "size = r.detach().abs()"))
    assert cut_graph.mistake is None and "values are right but a gradient is wrong" in cut_graph.advice


def test_a_generic_diagnosis_is_only_given_where_the_kind_has_one_meaning():
    """A "state" failure can be a state_dict's layout, a mode not restored or a resume that diverges:
    no one sentence fits them, so none is said (one did, and misled)."""
    from torchdojo.grading.diagnostics import generic_diagnosis
    from torchdojo.grading.report import CheckResult, Report, Status

    def failing(*kinds: str) -> Report:
        return Report("x", "x.py", [CheckResult(f"check_{k}", k, Status.FAILED, "wrong", kind=k) for k in kinds])

    assert generic_diagnosis(failing("state")) == ""
    assert "float64" in generic_diagnosis(failing("state", "float64"))


def test_known_mistakes_are_graded_once_per_challenge_version_and_cached(tmp_path, monkeypatch):
    """A failing check names its mistake from the mutants' cached signatures; a damaged cache is regraded."""
    from torchdojo.catalog import catalog
    from torchdojo.grading import runner
    from torchdojo.grading.mutants import load_mutants

    huber = catalog().get("huber-loss")
    wrong = load_mutants(huber.path)[0].build(huber.source("solution"))
    runner.mutant_signatures.cache_clear()
    first = grade(huber, wrong)
    (cached,) = (Path(os.environ["XDG_CACHE_HOME"]) / "torchdojo" / "mutants").glob("huber-loss-*.json")
    assert first.mistake is not None and len(json.loads(cached.read_text())) == len(load_mutants(huber.path))
    runner.mutant_signatures.cache_clear()
    with monkeypatch.context() as patch:  # from the cache: no mutant is built, let alone graded
        patch.setattr(runner, "load_mutants", lambda path: pytest.fail("the mutants were graded again"))
        assert grade(huber, wrong).mistake == first.mistake
    cached.write_text("{not json")
    runner.mutant_signatures.cache_clear()
    assert grade(huber, wrong).mistake == first.mistake
    runner.mutant_signatures.cache_clear()


TWIN_CHECKS = '''
import torch
from torchdojo.grading.expect import expect_close, observer


@observer
def _scaled(learner):
    """Runs next to the learner's code."""
    return learner.one() * {factor}


def check_one(learner):
    """one() returns ones, and {factor} times one() is {factor}s."""
    expect_close(_scaled(learner), torch.full((3,), {factor}.0), what="{factor} * one()")
'''


def test_challenges_in_folders_of_the_same_name_keep_their_own_observers(tmp_path):
    """Two tracks each hold a challenge folder '01-twin' whose checks define an observer of the same
    name: grading each, after both are loaded, must run its own observer."""
    probe = Path(__file__).parent / "fixtures" / "catalog" / "01-probe" / "01-probe"
    for track, factor in (("01-a", 2), ("02-b", 3)):
        folder = tmp_path / track / "01-twin"
        folder.mkdir(parents=True)
        for name in ("statement.md", "solution.py", "template.py", "mutants.py"):
            (folder / name).write_text((probe / name).read_text())
        toml = (probe / "challenge.toml").read_text().replace('id = "probe"', f'id = "twin-{factor}"')
        (folder / "challenge.toml").write_text(toml)
        (folder / "checks.py").write_text(TWIN_CHECKS.format(factor=factor))
    twins = load_catalog(tmp_path)
    solution = (probe / "solution.py").read_text()
    reports = {factor: grade(twins.get(f"twin-{factor}"), solution, match_mistakes=False)
               for factor in (2, 3)}
    reports[2] = grade(twins.get("twin-2"), solution, match_mistakes=False)  # after twin-3 loaded
    for factor, report in reports.items():
        one = next(r for r in report.results if r.name == "check_one")
        assert one.status is Status.PASSED, (factor, one.message)
