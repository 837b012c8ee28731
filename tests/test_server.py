"""The warm grader (torchdojo.server, torchdojo.client): the same reports as the cold path, cold
grading whenever the server cannot answer (killed mid-grading, stale after a version or catalog
change), a closed connection stops the grading's processes, private socket, `server status|stop`.

Every test runs its own server (its own HOME and runtime folder, so its own socket) and stops it;
waits are bounded and nothing is timed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import torchdojo
from conftest import started, survivor_marker, survivors
from torchdojo import client
from torchdojo.catalog import CATALOG_ENV_VAR, catalog
from torchdojo.cli.quick import grade_source
from torchdojo.grading.mutants import load_mutants

KINDS = Path(__file__).parent / "fixtures" / "kinds"


@pytest.fixture
def warm(monkeypatch):
    """The server may be used (conftest turns it off for every other test), in a private runtime
    folder; every server this test started is stopped afterwards. The folder's path is short: under
    pytest's deep tmp_path a socket's address would not fit, the socket would go to the shared
    fallback folder, and the glob below would miss the server it left running."""
    run = Path(tempfile.mkdtemp(prefix="tdw-"))  # mode 0o700
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    monkeypatch.setenv("TORCHDOJO_SERVER", "1")
    monkeypatch.setenv("TORCHDOJO_SERVER_IDLE", "300")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TORCHDOJO_NO_SERVER", raising=False)
    catalog.cache_clear()
    yield run
    try:
        for lock in run.glob("torchdojo/*.lock"):
            sock = lock.with_suffix(".sock")
            assert wait_for(lambda: not client.lock_held(sock) or stop(sock), 120), \
                f"a server did not stop: {holders(lock)}"
    finally:
        catalog.cache_clear()
        shutil.rmtree(run, ignore_errors=True)


def stop(sock: Path) -> bool:
    """Ask the server on `sock` to stop (False while none answers: it may still be starting)."""
    try:
        client.request({"op": "stop"}, sock)
    except client.Unavailable:
        return False
    return wait_for(lambda: not client.lock_held(sock), 15)


def holders(path: Path) -> list[str]:
    found = []
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) == str(path):
                found.append((fd.parts[2], (fd.parent.parent / "cmdline").read_text().replace("\0", " ")[:100]))
        except OSError:
            pass
    return found


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def server_pid() -> int | None:
    try:
        return client.request({"op": "status"})["pid"]
    except client.Unavailable:
        return None


def comparable(report) -> dict:
    data = report.to_dict()
    data["duration"] = 0
    for r in data["results"]:
        r["duration"] = 0
    return data


def huber_cases():
    huber = catalog().get("huber-loss")
    solution = huber.read("solution.py")
    mutant = next(m for m in load_mutants(huber.path) if m.name == "missing-half").build(solution)
    return huber, solution, mutant


def test_warm_and_cold_reports_are_identical(warm):
    huber, solution, mutant = huber_cases()
    for source in (solution, mutant, "def HuberLoss(:\n"):
        cold = grade_source(huber, source, "huber_loss.py", no_server=True)
        assert client.grade("huber-loss", source, "huber_loss.py") is not None  # it really is the server
        hot = grade_source(huber, source, "huber_loss.py")
        assert comparable(hot) == comparable(cold)
    assert hot.load_error
    named = grade_source(huber, mutant, "huber_loss.py")
    assert not named.passed and named.mistake is not None and named.mistake.name == "missing-half"
    sock = client.socket_path()
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600 and stat.S_IMODE(sock.parent.stat().st_mode) == 0o700


def test_two_gradings_at_once(warm):
    huber, solution, mutant = huber_cases()
    client.grade("huber-loss", solution, "warm-up")
    results = {}

    def one(name, source):
        results[name] = client.grade("huber-loss", source, name)

    threads = [threading.Thread(target=one, args=(n, s)) for n, s in (("a", solution), ("b", mutant))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results["a"]["passed"] and not results["b"]["passed"]
    assert results["b"]["mistake"]["name"] == "missing-half"


def test_a_server_killed_mid_grading_means_a_cold_grading(warm, monkeypatch):
    monkeypatch.setenv(CATALOG_ENV_VAR, str(KINDS))
    catalog.cache_clear()
    slow = catalog().get("slow-probe")
    source = slow.read("solution.py")
    notes = []

    def kill_on_first_note(note):
        notes.append(note)
        if len(notes) == 1:
            os.kill(server_pid(), signal.SIGKILL)

    with pytest.raises(client.Unavailable):
        client.grade("slow-probe", source, "slow_probe.py", on_progress=kill_on_first_note)
    assert len(notes) < 50  # the grading died with its server
    report = grade_source(slow, source, "slow_probe.py")  # a new server (or cold): the right verdict
    assert report.passed and comparable(report) == comparable(grade_source(slow, source, "slow_probe.py",
                                                                           no_server=True))


def test_a_closed_connection_stops_the_grading_and_its_processes(warm):
    marker = survivor_marker()
    source = (f"import subprocess, time\nsubprocess.Popen(['sleep', '{marker}'])\ntime.sleep(120)\n"
              "class HuberLoss: pass\n")
    path = client.socket_path()
    conn = client.connect_or_start(path)
    client.send(conn, {"op": "grade", "versions": client.versions(), "challenge": "huber-loss",
                       "source": source, "label": "hang.py", "match_mistakes": True})
    assert "accepted" in next(client.lines(conn, time.monotonic() + 120))
    assert started(marker, 30)
    conn.close()  # what Ctrl-C in the client does
    assert survivors(marker, wait=15) == []
    assert wait_for(lambda: client.request({"op": "status"})["gradings"] == [], 15)


def test_a_version_change_retires_the_server(warm, monkeypatch):
    huber, solution, _ = huber_cases()
    client.grade("huber-loss", solution, "a.py")
    old = server_pid()
    monkeypatch.setattr(torchdojo, "__version__", "999.0")  # as if torchdojo were upgraded under it
    report = grade_source(huber, solution, "a.py")
    assert report.passed  # graded cold: no server of this version can exist
    assert wait_for(lambda: server_pid() != old, 15)


def test_a_catalog_change_retires_the_server(warm, monkeypatch, tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(KINDS, copy)
    monkeypatch.setenv(CATALOG_ENV_VAR, str(copy))
    catalog.cache_clear()
    slow = catalog().get("slow-probe")
    assert client.grade("slow-probe", "def step(i):\n    return i\n", "a.py")["passed"]
    old = server_pid()
    checks = slow.path / "checks.py"
    checks.write_text(checks.read_text().replace("count = 50", "count = 5"))  # a changed check
    os.utime(checks, ns=(time.time_ns() + 10**9,) * 2)  # however coarse the file system's clock
    assert client.grade("slow-probe", "def step(i):\n    return i\n", "a.py")["passed"]
    assert server_pid() not in (None, old)


def test_cold_when_disabled(warm, monkeypatch):
    huber, solution, _ = huber_cases()
    for variable, value in (("CI", "true"), ("TORCHDOJO_NO_SERVER", "1")):
        monkeypatch.setenv(variable, value)
        assert client.disabled()
        assert grade_source(huber, solution, "a.py").passed
        monkeypatch.delenv(variable)
    assert client.disabled(no_server=True)
    assert not list(warm.glob("torchdojo/*.sock"))  # nothing was started


def test_a_cold_check_skips_typer_and_ends_as_the_typer_command_does(tmp_path, monkeypatch, capsys):
    """`check --no-server` (and TORCHDOJO_NO_SERVER, set for every test) grades in the lean command,
    with the typer command's report, errors and exit codes."""
    from typer.testing import CliRunner

    from torchdojo.cli.app import app, main

    huber, solution, mutant = huber_cases()
    (tmp_path / "pass.py").write_text(solution)
    (tmp_path / "fail.py").write_text(mutant)
    monkeypatch.chdir(tmp_path)
    for args in (["check", "huber-loss", "--file", "pass.py"], ["check", "huber-loss", "--file", "fail.py", "--json"],
                 ["check", "huber-lose", "--file", "pass.py"], ["check", "huber-loss", "--file", "gone.py"],
                 ["check", "huber-lose", "--json", "--no-server"], ["check"]):
        code = main(args)
        lean = capsys.readouterr()
        typed = CliRunner().invoke(app, args)
        assert code == typed.exit_code and code in (0, 1, 3, 4, 5)
        assert _without_durations(lean.out + lean.err) == _without_durations(typed.output)
    env = dict(os.environ, PYTHONPATH=str(Path(torchdojo.__file__).parent.parent))
    code = ("import sys; from torchdojo.cli.app import main; code = main(['check', 'huber-loss', '--file', "
            "'pass.py', '--no-server']); print(code, 'typer' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "0 False"


def _without_durations(output: str) -> str | dict:
    if not output.startswith("{"):
        return re.sub(r"in \d+\.\d\d s\.", "in _ s.", output)
    data = json.loads(output)
    data.pop("duration", None)
    for r in data.get("results", []):
        r.pop("duration")
    return data


def test_command_line_check_status_and_stop(warm, tmp_path):
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    torchdojo_cli = [sys.executable, "-m", "torchdojo"]
    subprocess.run(torchdojo_cli + ["init", str(tmp_path / "ws")], env=env, check=True, capture_output=True)
    ws = tmp_path / "ws"
    subprocess.run(torchdojo_cli + ["start", "huber-loss"], cwd=ws, env=env, check=True, capture_output=True)
    learner = next(ws.rglob("huber_loss.py"))
    learner.write_text(catalog().get("huber-loss").read("solution.py"))

    def run(*args):
        return subprocess.run(torchdojo_cli + list(args), cwd=ws, env=env, capture_output=True, text=True, timeout=300)

    outputs = [run("check", "--json") for _ in range(2)] + [run("check", "--json", "--no-server")]
    reports = [json.loads(o.stdout) for o in outputs]
    assert all(o.returncode == 0 for o in outputs) and all(r["passed"] for r in reports)
    assert [r["recorded"] for r in reports] == [True, False, False]  # the same code again is no new attempt
    # the command ends without tearing Python down (cli.app.exit_now), yet the progress file was closed:
    # its write-ahead log folded in, it holds every attempt by itself
    assert not (ws / ".torchdojo" / "progress.sqlite-wal").exists()
    status = run("server", "status", "--json")
    assert json.loads(status.stdout)["running"]
    assert "stopped" in run("server", "stop").stdout
    assert wait_for(lambda: not client.lock_held(client.socket_path()), 15)
    assert "No warm grader" in run("server", "status").stdout


def test_a_socket_of_the_wrong_kind_is_not_trusted(warm):
    sock_dir = client.runtime_dir()
    os.chmod(sock_dir, 0o755)
    assert stat.S_IMODE(client.runtime_dir().stat().st_mode) == 0o700  # made private again
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # something that is not a server
    listener.bind(str(client.socket_path()))
    listener.listen(1)
    try:
        huber, solution, _ = huber_cases()
        threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True).start()
        assert grade_source(huber, solution, "a.py").passed  # it hung up: graded cold
    finally:
        listener.close()


def test_a_long_runtime_folder_still_gives_a_socket_address_that_fits(warm, monkeypatch):
    deep = warm / ("very-long-folder-name-" * 6)
    deep.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    path = client.socket_path()
    assert len(os.fsencode(path)) <= client.SOCKET_PATH_MAX
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and path.parent.stat().st_uid == os.getuid()
