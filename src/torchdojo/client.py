"""The lean side of the warm grader: find (or start) this user's grading server and grade through it.

A fresh `torchdojo check` would pay the whole ``import torch`` (seconds) for a grading that takes a
tenth of that. So the first check starts a background server (:mod:`torchdojo.server`) that has
torch, the grader and the catalog imported, and later commands send it the learner's source over a
Unix socket and get the report back as JSON. This module imports nothing heavy (no torch, no rich,
no typer): a warm check pays for Python, the catalog, the workspace and the grading itself.

The socket lives in a folder only the user can open (``$XDG_RUNTIME_DIR/torchdojo``, or
``~/.cache/torchdojo/server``, mode 0700) and is itself 0600. Its name is a digest of the Python
interpreter, the installed torchdojo and the environment that decides what a grading means
(``TORCHDOJO_*``, ``HOME``, ``XDG_CACHE_HOME``, ``PYTHONPATH``), so two installations or two
catalogs never share a server. Whenever the server cannot answer (disabled, absent and unable to
start, stale, crashed, killed mid-grading) :class:`Unavailable` is raised and the caller grades in
its own process, the cold path, which gives the same report.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import select
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Callable

import torchdojo

START_TIMEOUT = 300.0  # seconds a starting server may take (it imports torch: 9-18 s on a loaded machine)
CONNECT_TIMEOUT = 5.0  # seconds to connect and to send a request
ACCEPT_TIMEOUT = 120.0  # seconds for the server to take a grading on (it imports the challenge's checks first)
LINE_LIMIT = 256 * 1024 * 1024  # bytes: no message on the socket is longer
ENV_KEYS = ("HOME", "XDG_CACHE_HOME", "PYTHONPATH", "CUDA_VISIBLE_DEVICES")  # besides every TORCHDOJO_*
SWITCHES = ("TORCHDOJO_NO_SERVER", "TORCHDOJO_SERVER", "TORCHDOJO_SERVER_IDLE")  # not part of the digest


class Unavailable(Exception):
    """The server cannot grade this time; the message says why. Grade in this process instead."""


def disabled(no_server: bool = False) -> str | None:
    """Why this command grades in its own process (the cold path), or None to use the server."""
    env = os.environ
    if no_server:
        return "--no-server"
    if env.get("TORCHDOJO_NO_SERVER", "") not in ("", "0"):
        return "TORCHDOJO_NO_SERVER is set"
    if env.get("CI", "").lower() not in ("", "0", "false", "no"):
        return "running in CI"
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "fork"):
        return "this system has no Unix sockets or fork"
    return None


# --- where the server lives ------------------------------------------------------------------------


def runtime_dir() -> Path:
    """A folder only this user can enter: $XDG_RUNTIME_DIR/torchdojo, else ~/.cache/torchdojo/server."""
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg and os.path.isdir(xdg) and os.access(xdg, os.W_OK | os.X_OK):
        return _private(Path(xdg) / "torchdojo")
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return _private(Path(cache) / "torchdojo" / "server")


def _private(folder: Path) -> Path:
    """`folder`, made if needed, checked to be a real folder of this user's that nobody else can enter."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise Unavailable(f"{folder} is not a folder of this user's")
        if info.st_mode & 0o077:
            os.chmod(folder, 0o700)
    except OSError as exc:
        raise Unavailable(f"no private folder for the server's socket ({exc})") from None
    return folder


def identity() -> dict[str, str]:
    """What a server must share with this command to grade for it."""
    env = {k: v for k, v in os.environ.items() if (k.startswith("TORCHDOJO_") or k in ENV_KEYS) and k not in SWITCHES}
    return {"python": sys.executable, "torchdojo": str(Path(torchdojo.__file__).parent),
            "env": json.dumps(env, sort_keys=True)}


SOCKET_PATH_MAX = 100  # bytes: a Unix socket's address holds 108 on Linux, 104 on macOS


def socket_path() -> Path:
    """The socket for this command's identity; in a short private folder under the system's temporary
    folder when the usual one's path is too long for a socket address."""
    digest = hashlib.sha256(json.dumps(identity(), sort_keys=True).encode()).hexdigest()[:16]
    path = runtime_dir() / f"grader-{digest}.sock"
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        import tempfile

        path = _private(Path(tempfile.gettempdir()) / f"torchdojo-{os.getuid()}") / f"grader-{digest}.sock"
    return path


def lock_path(path: Path) -> Path:
    """Held (flock) by the server for as long as it lives: one server per socket."""
    return path.with_suffix(".lock")


def log_path(path: Path) -> Path:
    return path.with_suffix(".log")


def versions() -> dict[str, str]:
    """The installed torchdojo and torch versions, read without importing torch."""
    import importlib.util

    torch_version = ""
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.origin:
        try:
            text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
            torch_version = next((line.split("=", 1)[1].strip().strip("'\"") for line in text.splitlines()
                                  if line.startswith("__version__")), "")
        except OSError:
            pass
    return {"torchdojo": torchdojo.__version__, "torch": torch_version}


def lock_held(path: Path) -> bool:
    """Whether a server (starting or serving) holds this socket's lock."""
    try:
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases our probe


# --- talking to it ---------------------------------------------------------------------------------


def connect(path: Path) -> socket.socket | None:
    """A connection to a live server, or None."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(CONNECT_TIMEOUT)
    try:
        conn.connect(str(path))
        return conn
    except OSError:
        conn.close()
        return None


def start(path: Path):
    """Start a server for `path` in the background (it lives on after this command); its Popen."""
    import subprocess

    with open(log_path(path), "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "torchdojo.server", str(path)], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, cwd=path.parent, start_new_session=True)


def connect_or_start(path: Path, timeout: float = START_TIMEOUT) -> socket.socket:
    """Connect to the server, starting one when none is there; wait for it while it is alive and
    starting (the one we started has not exited, or some server holds the lock), never longer
    than `timeout`."""
    conn = connect(path)
    if conn is not None:
        return conn
    deadline, launched = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if not lock_held(path) and (launched is None or launched.poll() is not None):
            if launched is not None:  # ours exited without serving (or lost the lock to one that left)
                raise Unavailable(f"the server did not start (see {log_path(path)})")
            launched = start(path)
        conn = connect(path)
        if conn is not None:
            return conn
        time.sleep(0.02)
    raise Unavailable(f"the server did not answer within {timeout:g} s")


def send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message, default=str).encode() + b"\n")


def lines(conn: socket.socket, deadline: float | None = None):
    """The JSON messages arriving on `conn`, until it closes (or `deadline` passes: Unavailable)."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise Unavailable("the server did not finish the grading in time")
            if not select.select([conn], [], [], wait)[0]:
                continue
            try:
                chunk = conn.recv(1 << 20)
            except OSError as exc:  # reset: the server left while we were connecting
                raise Unavailable(f"the server went away ({exc})") from None
            if not chunk:
                return
            buffer += chunk
            if len(buffer) > LINE_LIMIT:
                raise Unavailable("the server sent an oversized message")
        line, buffer = buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            raise Unavailable("the server sent a malformed message") from None
        if not isinstance(message, dict):
            raise Unavailable("the server sent a malformed message")
        yield message


def request(message: dict, path: Path | None = None) -> dict:
    """One question to a running server (``status``, ``stop``); Unavailable when none answers."""
    path = path or socket_path()
    conn = connect(path)
    if conn is None:
        raise Unavailable("no server is running")
    with conn:
        send(conn, message)
        return next(lines(conn, time.monotonic() + CONNECT_TIMEOUT), {})


def grade(challenge_id: str, source: str | dict[str, str], label: str, match_mistakes: bool = True,
          on_progress: Callable[[dict], None] | None = None, while_waiting: Callable[[], None] | None = None) -> dict:
    """Grade through the server: the report as a dict (Report.to_dict). Raises Unavailable whenever
    the server cannot give a complete report; a Ctrl-C here closes the connection, and the server
    then stops the grading (and every process the learner's code started). `while_waiting` is called
    once the server has taken the grading on: work of the command's own that overlaps the grading."""
    path = socket_path()
    message = {"op": "grade", "versions": versions(), "challenge": challenge_id, "source": source,
               "label": label, "match_mistakes": match_mistakes}
    for _ in range(2):  # a stale server leaves; the second try starts a fresh one
        with connect_or_start(path) as conn:
            try:
                send(conn, message)
            except OSError as exc:
                raise Unavailable(f"the server went away ({exc})") from None
            for answer in lines(conn, time.monotonic() + ACCEPT_TIMEOUT):
                if "accepted" in answer:
                    budget = answer.get("budget")
                    deadline = time.monotonic() + float(budget) if isinstance(budget, (int, float)) else None
                    if while_waiting is not None:
                        while_waiting()
                    return _follow(conn, deadline, on_progress)
                if "stale" in answer:
                    break
                raise Unavailable(str(answer.get("error", "the server refused the grading")))
            else:
                raise Unavailable("the server closed the connection")
    raise Unavailable("the server is stale")


def _follow(conn: socket.socket, deadline: float | None, on_progress: Callable[[dict], None] | None) -> dict:
    """Progress notes until the report."""
    for answer in lines(conn, deadline):
        if "progress" in answer:
            if on_progress is not None and isinstance(answer["progress"], dict):
                on_progress(answer["progress"])
        elif isinstance(answer.get("report"), dict):
            return answer["report"]
        else:
            raise Unavailable(str(answer.get("error", "the server sent an unexpected message")))
    raise Unavailable("the server closed the connection before the report (crashed or stopped)")
