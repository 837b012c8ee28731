"""The learner's process, and the trusted processes that make sure nothing it starts survives.

    grader (trusted) ── keeper (trusted, outside) ── init (trusted, pid 1 of a new PID namespace)
                                                       └── learner process (runs the learner's code)

Where Linux lets us create a PID namespace (as root, or through an unprivileged user namespace),
the learner's process and everything it starts, in whatever session or process group, live in it;
when its init exits or is killed the kernel kills them all, and from inside, the keeper cannot be
seen and init cannot be killed. Elsewhere the keeper is a child subreaper that kills every
descendant it adopts. Each link dies with the one above it (``PR_SET_PDEATHSIG``), so a grader
killed by SIGKILL leaves nothing behind either.

The learner's process talks to the grader over a socket (see :mod:`~torchdojo.grading.channel`);
its stdout and stderr go to a pipe the grader drains; init reports its exit status on a third
pipe. ``Sandbox.stop`` is bounded: it never waits on anything the learner's code controls.
"""
from __future__ import annotations

import ctypes
import faulthandler
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from typing import Callable

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
STATUS = struct.Struct(">i")
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _prctl(option: int, value: int) -> bool:
    return LIBC is not None and LIBC.prctl(option, value, 0, 0, 0) == 0


def _die_with_parent(parent: int) -> None:
    """Receive SIGKILL when the process that forked us ends; if it already has, end now."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() not in (parent, 0):  # 0: our parent is outside our PID namespace
        os._exit(0)


def _write_file(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _enter_pid_namespace() -> bool:
    """Make our next child the init of a new PID namespace (privileged, or via a user namespace).
    ``TORCHDOJO_SANDBOX=subreaper`` skips it (to test the fallback, or where namespaces misbehave)."""
    if LIBC is None or os.environ.get("TORCHDOJO_SANDBOX") == "subreaper":
        return False
    if LIBC.unshare(CLONE_NEWPID) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if LIBC.unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0:
        return False
    try:  # keep our own uid and gid inside, so file permissions are the user's
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"{uid} {uid} 1")
        _write_file("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError:
        return False
    return True


def _quiet_fds(keep: set[int]) -> None:
    """Point stdin/stdout/stderr at /dev/null and close every other descriptor but `keep`
    (the grader's own files, pipes and sockets must not reach the learner's code)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        if fd not in keep:
            os.dup2(null, fd)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _kill_adopted() -> None:
    """As a subreaper: kill and reap every child we have, until none is left (bounded)."""
    for _ in range(100):
        children = [int(p) for p in _children(os.getpid())]
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.01)


def _children(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return f.read().split()
    except OSError:
        return []


def _reap_until(learner: int) -> int:
    """Reap children (adopted orphans too) until `learner` exits; its wait status."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue
        if pid == learner:
            return status


def _set_limits(memory_mb: int) -> None:
    """Cap the address space at what the process holds now plus the budget: torch alone maps
    several GiB of virtual memory, so an absolute cap would kill the process before it starts."""
    with open("/proc/self/status") as status:
        vm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    cap = vm_kb * 1024 + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _adopted_then_exit(signum: int, frame: object) -> None:
    _kill_adopted()
    os._exit(0)


@dataclass
class Sandbox:
    """A running learner process, seen from the grader."""

    keeper: int  # pid of the keeper, our direct child
    channel: socket.socket  # requests and answers
    output_fd: int  # the learner's stdout and stderr, merged
    status_fd: int  # init writes the learner's wait status here
    isolated: bool  # True in a PID namespace

    @classmethod
    def start(cls, serve: Callable[[int], None], memory_mb: int) -> "Sandbox":
        """Fork the chain; `serve(channel_fd)` runs in the learner's process and never returns."""
        ours, theirs = socket.socketpair()
        output_r, output_w = os.pipe()
        status_r, status_w = os.pipe()
        ns_r, ns_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        grader = os.getpid()
        # A Ctrl-C that lands while os.fork() runs its at-fork hooks (logging's, in Python code) is
        # raised inside a hook, where Python prints and drops it: the grading would then run on to
        # its time limit. Held back until the keeper is started, it is raised below instead.
        unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
            if pid == 0:
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
                    signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
                    ours.close()
                    _keeper(grader, theirs.fileno(), output_w, status_w, ns_w, serve, memory_mb)
                finally:
                    os._exit(0)
            theirs.close()
            for fd in (output_w, status_w, ns_w):
                os.close(fd)
            isolated = os.read(ns_r, 1) == b"1"
            os.close(ns_r)
            ours.setblocking(False)
            os.set_blocking(output_r, False)
            sandbox = cls(pid, ours, output_r, status_r, isolated)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
            raise
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)  # a Ctrl-C held back is raised here
        except BaseException:
            sandbox.stop()
            raise
        return sandbox

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by every process below the keeper, the learner's and the
        commands they ran and waited for (cutime, cstime), read from /proc: a busy machine slows the wall
        clock, not this, and the learner's code cannot change it. None without /proc."""
        tick = os.sysconf("SC_CLK_TCK")
        total, todo, seen = 0.0, [self.keeper], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
                for task in os.listdir(f"/proc/{pid}/task"):
                    todo += [int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
            except (OSError, ValueError, IndexError):
                if pid == self.keeper:
                    return None
        return total

    def exit_status(self, timeout: float = 1.0) -> int | None:
        """The learner process's wait status, once init has reported it (None if it did not)."""
        deadline = time.monotonic() + timeout
        data = b""
        while len(data) < STATUS.size and time.monotonic() < deadline:
            if select.select([self.status_fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = os.read(self.status_fd, STATUS.size - len(data))
                if not chunk:
                    break
                data += chunk
        return STATUS.unpack(data)[0] if len(data) == STATUS.size else None

    def stop(self) -> None:
        """End the keeper (and so everything below it) and reap it; bounded. In a namespace SIGKILL
        does it all; a subreaper keeper is first asked (SIGTERM) to kill what it adopted."""
        if self.isolated or not self._reaped(signal.SIGTERM, 2.0):
            self._reaped(signal.SIGKILL, 5.0)
        self.channel.close()
        for fd in (self.output_fd, self.status_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _reaped(self, sig: int, timeout: float) -> bool:
        """Send `sig` to the keeper; whether it was reaped within `timeout` (it is trusted code)."""
        try:
            os.kill(self.keeper, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if os.waitpid(self.keeper, os.WNOHANG)[0]:
                    return True
            except ChildProcessError:
                return True
            time.sleep(0.005)
        return False


def _keeper(grader: int, channel_fd: int, output_w: int, status_w: int, ns_w: int,
            serve: Callable[[int], None], memory_mb: int) -> None:
    """Outside the namespace: create it, start init in it, and stay until init ends."""
    faulthandler.disable()  # a parent's handler (pytest's) would dump into the parent's stderr
    _die_with_parent(grader)
    _quiet_fds({channel_fd, output_w, status_w, ns_w})
    isolated = _enter_pid_namespace()
    if not isolated:  # on SIGTERM (from the grader, or when it dies) kill what we adopted, then go
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        signal.signal(signal.SIGTERM, _adopted_then_exit)
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.write(ns_w, b"1" if isolated else b"0")
    os.close(ns_w)
    keeper = os.getpid()
    pid = os.fork()
    if pid == 0:
        if isolated:
            _init(keeper, channel_fd, output_w, status_w, serve, memory_mb)
        else:
            _learner(keeper, channel_fd, output_w, serve, memory_mb)
        os._exit(0)
    _quiet_fds(set() if isolated else {status_w})  # in a namespace, init reports the status
    status = _reap_until(pid)
    if not isolated:
        os.write(status_w, STATUS.pack(status))
        _kill_adopted()
    else:
        _reap_until(-1)  # init's own end; the kernel has killed the rest of the namespace
    os._exit(0)


def _init(keeper: int, channel_fd: int, output_w: int, status_w: int,
          serve: Callable[[int], None], memory_mb: int) -> None:
    """pid 1 of the namespace: start the learner process, report how it ended, then leave
    (taking every process in the namespace with it)."""
    _die_with_parent(keeper)
    init = os.getpid()
    pid = os.fork()
    if pid == 0:
        _learner(init, channel_fd, output_w, serve, memory_mb)
        os._exit(0)
    _quiet_fds({status_w})
    status = _reap_until(pid)
    os.write(status_w, STATUS.pack(status))
    os._exit(0)


def _learner(parent: int, channel_fd: int, output_w: int, serve: Callable[[int], None], memory_mb: int) -> None:
    _die_with_parent(parent)
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    os.close(output_w)
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
    sys.stderr = sys.stdout
    _set_limits(memory_mb)
    serve(channel_fd)
