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
    if os.environ.get("PYTHONPATH"):
        entries = os.environ["PYTHONPATH"].split(os.pathsep)
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(str(Path(e).resolve()) for e in entries))
    return home
