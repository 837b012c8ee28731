"""Every test runs as a fresh user: its own empty home and cache, and no workspace chosen.

The variables are set in ``os.environ``, so subprocesses a test starts (torchrun, the CLI, a
second Python) inherit them and write nothing into the real ``~/.cache/torchdojo`` either; a
relative ``PYTHONPATH`` is made absolute, so a subprocess started in another folder imports the
same torchdojo as the tests.
Dataset discovery is left alone: ``TORCHDOJO_DATA`` and Debian's
``/usr/share/datasets/fashion-mnist`` are still searched; their files are unpacked into the
private cache.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def matplotlib_config(tmp_path_factory) -> Path:
    """One matplotlib config and font cache for the whole session (building it takes seconds)."""
    return tmp_path_factory.mktemp("matplotlib")


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory, monkeypatch, matplotlib_config) -> Path:
    """A private HOME (with its XDG cache, config and data folders); returns the home folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"),
                             ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(variable, str(home / folder))
    monkeypatch.setenv("MPLCONFIGDIR", str(matplotlib_config))
    monkeypatch.delenv("TORCHDOJO_WORKSPACE", raising=False)
    monkeypatch.setenv("TORCHDOJO_NO_SERVER", "1")  # no test leaves a warm grader behind (test_server opts in)
    if os.environ.get("PYTHONPATH"):
        entries = os.environ["PYTHONPATH"].split(os.pathsep)
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(str(Path(e).resolve()) for e in entries))
    return home


# --- processes the learner's code started: found by a unique command line ---------------------


def survivor_marker() -> str:
    """A unique `sleep` duration: a process started with it can be found by its command line."""
    return f"{600 + int.from_bytes(os.urandom(3), 'big') / 1e7:.7f}"


def _running(marker: str) -> list[int]:
    """Processes (not zombies) whose command line contains `marker`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "cmdline").read_text() and \
                    (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(int(proc.name))
        except OSError:
            pass
    return found


def survivors(marker: str, wait: float = 1.0) -> list[int]:
    """The processes still running with `marker` once they have had `wait` seconds to die."""
    deadline = time.monotonic() + wait
    while (found := _running(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def started(marker: str, wait: float) -> bool:
    """Whether a process with `marker` appears within `wait` seconds."""
    deadline = time.monotonic() + wait
    while not _running(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(params=["namespace", "subreaper"])
def sandbox_kind(request, monkeypatch):
    """Run a test with the learner in a PID namespace and again with the subreaper fallback."""
    if request.param == "subreaper":
        monkeypatch.setenv("TORCHDOJO_SANDBOX", "subreaper")
    return request.param
