"""The warm grader: a per-user background process that has torch, the grader and the catalog
imported, and forks one grading per request, exactly as a cold `torchdojo check` grades in its own
process (:mod:`torchdojo.client` is the other end)::

    torchdojo check ──Unix socket── server (trusted: imports checks.py, never runs learner code)
                                      └── grading (a fork of the server: runs the checks, judges)
                                            └── keeper ── init ── learner process (see grading.sandbox)

The verdict is computed in the grading process, a fork of a process that never ran learner code;
the learner's code runs one fork further down, as in the cold path. The grading process writes the
progress notes and the report (JSON) straight to the client's connection. When the client goes
away (Ctrl-C, a closed terminal) the server interrupts that grading, which stops its learner
process and everything it started; a grading that does not stop within a few seconds is killed.
A grading dies with the server (``PR_SET_PDEATHSIG``), so a killed server closes every connection
and each client grades cold.

The server leaves when it has been idle for 15 minutes (``TORCHDOJO_SERVER_IDLE`` seconds), when
`torchdojo server stop` asks, and when a request comes from another torchdojo or torch version or
the installation or the catalog changed on disk (a digest of the files' sizes and times, checked
at every request and every half minute): in-flight gradings are stopped (their clients grade cold)
and the next command starts a fresh server. After a grading of a unit challenge whose known
mistakes were never graded for this version, the server grades them in the background (niced), so
the first failing check names its mistake without waiting for them.

Run as ``python -m torchdojo.server SOCKET`` (the client does this); one server per socket, held by
a lock file.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torchdojo
from torchdojo import client

IDLE_SECONDS = 15 * 60.0
CANCEL_GRACE = 3.0  # seconds an interrupted grading gets to stop its learner process before SIGKILL
WATCH_EVERY = 30.0  # seconds between checks of the files on disk while idle
LOCK_WAIT = 2.0  # seconds to take the lock (a client's probe holds it for microseconds)


@dataclass
class Grading:
    pid: int
    conn: socket.socket
    challenge: str
    began: float
    cancelled: float | None = None


def watched_digest(roots: list[Path]) -> str:
    """A digest of the size and modification time of every file and folder under `roots` (caches and
    work-in-progress folders, ``_name``, left out) and of every folder on sys.path (an install or
    uninstall changes its entries)."""
    h = hashlib.sha256()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("_"))  # caches; folders the catalog skips
            for name in [""] + sorted(files):
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                    h.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
                except OSError:
                    h.update(f"{path}\0gone\n".encode())
    here = os.getcwd()  # sys.path's first entry under `-m`: the server's own folder, not an installation
    for entry in sys.path:
        if entry in ("", here):
            continue
        try:
            h.update(f"{entry}\0{os.stat(entry).st_mtime_ns}\n".encode())
        except OSError:
            pass
    return h.hexdigest()


class Server:
    def __init__(self, path: Path, lock_fd: int) -> None:
        import torch  # noqa: F401 - the point of the server: imported once, before every fork

        from torchdojo.catalog import catalog
        from torchdojo.grading import runner

        self.path, self.lock_fd, self.runner = path, lock_fd, runner
        self.catalog = catalog()
        self.versions = client.versions()
        package = Path(torchdojo.__file__).parent
        self.roots = [package] + sorted({c.path for c in self.catalog if package not in c.path.parents})
        import importlib.util

        torch_dir = Path(importlib.util.find_spec("torch").origin).parent
        self.roots.append(torch_dir / "version.py")
        self.digest = watched_digest(self.roots)
        self.idle_limit = float(os.environ.get("TORCHDOJO_SERVER_IDLE", IDLE_SECONDS))
        self.gradings: dict[int, Grading] = {}
        self.warmers: dict[int, str] = {}  # pid -> challenge id whose mistakes it grades
        self.started = self.last = self.watched = time.monotonic()
        self.leaving = ""
        self.listener = self._listen()
        self.inode = os.stat(path).st_ino

    def _listen(self) -> socket.socket:
        try:
            os.unlink(self.path)  # we hold the lock: a socket file left here is a dead server's
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mask = os.umask(0o177)  # the socket is created 0600: only this user can connect
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(mask)
        listener.listen(64)
        return listener

    # --- the loop ----------------------------------------------------------------------------------

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self._leave_soon("stopped by SIGTERM"))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(f"torchdojo server {os.getpid()} ready on {self.path}", flush=True)
        while not self.leaving:
            self._reap()
            now = time.monotonic()
            for g in self.gradings.values():
                if g.cancelled is not None and now - g.cancelled > CANCEL_GRACE:
                    self._signal(g.pid, signal.SIGKILL)
            busy = self.gradings or self.warmers
            if not busy and now - self.last > self.idle_limit:
                self._leave_soon(f"idle for {self.idle_limit:g} s")
                break
            if not busy and now - self.watched > WATCH_EVERY:
                self.watched = now
                if watched_digest(self.roots) != self.digest:
                    self._leave_soon("the installation or the catalog changed")
                    break
            listening = [g.conn for g in self.gradings.values() if g.cancelled is None]
            try:
                ready = select.select([self.listener] + listening, [], [], 0.1 if busy else 1.0)[0]
            except InterruptedError:  # pragma: no cover - PEP 475 retries select
                continue
            for sock in ready:
                if sock is self.listener:
                    self._accept()
                else:  # the client hung up (or said something): it no longer wants this grading
                    self._cancel(next(g for g in self.gradings.values() if g.conn is sock))
        self._leave()

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.last = time.monotonic()
        try:
            conn.settimeout(client.CONNECT_TIMEOUT)
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            if struct.unpack("3i", creds)[1] != os.getuid():
                conn.close()
                return
            message = next(client.lines(conn, time.monotonic() + client.CONNECT_TIMEOUT), None)
            if message is not None and self._handle(conn, message):
                return  # a grading owns the connection now
        except (OSError, client.Unavailable) as exc:
            print(f"a request failed: {exc}", flush=True)
        conn.close()

    def _handle(self, conn: socket.socket, message: dict) -> bool:
        """Answer one request; True when a grading was started on `conn`."""
        op = message.get("op")
        if op == "status":
            client.send(conn, self.status())
        elif op == "stop":
            self._leave_soon("asked to stop")
            client.send(conn, {"stopping": os.getpid()})
        elif op == "grade":
            return self._start_grading(conn, message)
        else:
            client.send(conn, {"error": f"unknown request {str(op)[:40]!r}"})
        return False

    def status(self) -> dict:
        now = time.monotonic()
        return {"pid": os.getpid(), "socket": str(self.path), "python": sys.executable, "versions": self.versions,
                "challenges": len(self.catalog), "uptime": now - self.started, "idle": now - self.last,
                "idle_limit": self.idle_limit,
                "gradings": [{"challenge": g.challenge, "seconds": now - g.began} for g in self.gradings.values()],
                "warming": sorted(self.warmers.values())}

    # --- gradings ----------------------------------------------------------------------------------

    def _stale(self, versions: object) -> str:
        if versions != self.versions:
            return f"versions changed ({self.versions} here, {versions} asked)"
        if watched_digest(self.roots) != self.digest:
            return "the installation or the catalog changed"
        return ""

    def _start_grading(self, conn: socket.socket, message: dict) -> bool:
        stale = self._stale(message.get("versions"))
        if stale:  # stop listening first, so that the client's next connection reaches a new server
            self._leave_soon(stale)
            client.send(conn, {"stale": stale})
            return False
        source, label = message.get("source"), message.get("label")
        plain = isinstance(source, str) or (isinstance(source, dict) and
                                            all(isinstance(k, str) and isinstance(v, str) for k, v in source.items()))
        if not plain or not isinstance(label, str):
            client.send(conn, {"error": "a grading request needs a source (text, or {name: text}) and a label"})
            return False
        try:
            challenge = self.catalog.get(str(message.get("challenge")))
            checks = self.runner.checks_for(challenge)  # imported here, once, before any fork
        except Exception as exc:  # noqa: BLE001 - the client grades cold and shows the error itself
            client.send(conn, {"error": f"{type(exc).__name__}: {exc}"})
            return False
        match = bool(message.get("match_mistakes", True))
        # a bound for the client's patience only (the grading enforces the real limits): every check and
        # a reload after each crash, for the answer and, when its mistakes must be graded, for each mutant
        mutants = len(self._mutants(challenge)) if match and self.runner.names_mistakes(challenge) else 0
        budget = (2 * len(checks) + 2) * challenge.time_limit * (1 + mutants) + 60
        client.send(conn, {"accepted": os.getpid(), "budget": budget})
        pid = self._fork(conn)
        if pid == 0:
            self._grade(conn, challenge, source, label, match)
        self.gradings[pid] = Grading(pid, conn, challenge.id, time.monotonic())
        return True

    def _mutants(self, challenge) -> list:
        from torchdojo.grading.mutants import load_mutants

        cached = getattr(self, "_mutant_lists", {})
        self._mutant_lists = cached
        if challenge.id not in cached:
            cached[challenge.id] = load_mutants(challenge.path)
        return cached[challenge.id]

    def _fork(self, keep: socket.socket | None) -> int:
        """Fork; in the child, close everything of the server's but `keep` and die with the server."""
        server = os.getpid()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            from torchdojo.grading.sandbox import _die_with_parent

            _die_with_parent(server)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self.listener.close()
            os.close(self.lock_fd)  # the lock is the server's alone: it must go when the server does
            for g in self.gradings.values():
                if g.conn is not keep:
                    g.conn.close()
        return pid

    def _grade(self, conn: socket.socket, challenge, source, label: str, match: bool) -> None:
        """In the grading process: grade, send the report, exit. Never returns."""
        code = 0
        try:
            conn.settimeout(None)
            report = self.runner.grade(challenge, source, label=label, match_mistakes=match,
                                       on_progress=lambda note: client.send(conn, {"progress": note}))
            client.send(conn, {"report": report.to_dict()})
        except KeyboardInterrupt:  # the client went away: grade() has stopped the learner's process
            code = 1
        except BaseException as exc:  # noqa: BLE001 - say it; the client then grades cold
            code = 1
            try:
                client.send(conn, {"error": f"the grading failed: {type(exc).__name__}: {exc}"})
            except OSError:
                pass
        finally:
            os._exit(code)

    def _cancel(self, g: Grading) -> None:
        g.cancelled = time.monotonic()
        self._signal(g.pid, signal.SIGINT)

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.last = time.monotonic()
            if pid in self.gradings:
                g = self.gradings.pop(pid)
                g.conn.close()
                self._warm(g.challenge)
            self.warmers.pop(pid, None)

    def _warm(self, challenge_id: str) -> None:
        """Grade a unit challenge's known mistakes in the background when this version's are not cached."""
        challenge = self.catalog.get(challenge_id)
        if self.leaving or not self.runner.names_mistakes(challenge) or challenge_id in self.warmers.values() or \
                self.runner.mutant_cache_path(challenge).exists():
            return
        pid = self._fork(None)
        if pid == 0:
            try:
                os.nice(10)
                self.runner.mutant_signatures(challenge)
            finally:
                os._exit(0)
        self.warmers[pid] = challenge_id

    # --- leaving -----------------------------------------------------------------------------------

    def _leave_soon(self, reason: str) -> None:
        """Stop taking requests now (a new command starts a new server) and leave after this turn."""
        if self.leaving:
            return
        self.leaving = reason
        print(f"leaving: {reason}", flush=True)
        self.listener.close()
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass
        os.close(self.lock_fd)

    def _leave(self) -> None:
        """Stop every grading (its client grades cold) and warmer, bounded, then exit."""
        for g in self.gradings.values():
            self._cancel(g)
        for pid in self.warmers:
            self._signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + CANCEL_GRACE
        while (self.gradings or self.warmers) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.02)
        for pid in list(self.gradings) + list(self.warmers):
            self._signal(pid, signal.SIGKILL)
        self._reap()


def _lock(path: Path) -> int | None:
    """This socket's lock, or None when another server holds it."""
    fd = os.open(client.lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(0.01)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m torchdojo.server SOCKET (the command line starts it)", file=sys.stderr)
        return 2
    path = Path(argv[1])
    lock = _lock(path)
    if lock is None:
        print("another server holds this socket", flush=True)
        return 0
    Server(path, lock).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
