"""The parent side of a grading: fork a child per grading, enforce limits, collect a Report.

The parent has imported torch (and whatever the challenge's checks.py imports) once; each
grading forks a child from it (milliseconds, where a fresh interpreter costs seconds). The child
runs in its own process group, so a timeout kills everything it started (DataLoader workers too).
If the child dies inside a check, that check is reported as a crash and the parent forks again to
run the remaining checks. If it hangs, the check is reported as a timeout and the remaining checks
are skipped with the reason: a loop usually hangs them all, and the learner should hear now.
"""
from __future__ import annotations

import faulthandler
import hashlib
import json
import os
import selectors
import signal
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from torchdojo.catalog import Challenge
from torchdojo.grading.diagnostics import match_mistake
from torchdojo.grading.harness import Check, EventStream, Submission, load_checks, run_child
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.report import CheckResult, Report, Status

OUTPUT_HEAD = OUTPUT_TAIL = 4096  # bytes of the learner's output kept from each end


class BoundedOutput:
    """Keeps the first and last few KiB of a stream and counts what it dropped in between."""

    def __init__(self) -> None:
        self.head, self.tail, self.total = bytearray(), bytearray(), 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = OUTPUT_HEAD - len(self.head)
        self.head += data[:room]
        self.tail = (self.tail + data[room:])[-OUTPUT_TAIL:] if len(data) > room else self.tail

    def text(self) -> str:
        dropped = self.total - len(self.head) - len(self.tail)
        middle = f"\n… {dropped} bytes of output left out …\n" if dropped > 0 else ""
        return (bytes(self.head).decode(errors="replace") + middle + bytes(self.tail).decode(errors="replace"))


@dataclass
class ChildRun:
    """What one forked child told us before it finished or was stopped."""

    events: list[dict] = field(default_factory=list)
    running: int | None = None  # index of the check that had started but not reported
    loading: bool = True  # still loading the learner's file
    stopped_by_timeout: bool = False
    done: bool = False  # the child said it finished (it may have left workers holding the pipes)
    exit_status: int = 0


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        hint = " (a segmentation fault: memory was read or written where it must not be)" if sig == signal.SIGSEGV else ""
        return f"the process was killed by {name}{hint}"
    return f"the process exited with code {os.WEXITSTATUS(status)} (does the code call os._exit?)"


def _fork_child(checks: list[Check], start: int, submission: Submission, challenge: Challenge) -> tuple[int, int, int]:
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.setpgid(0, 0)
            os.close(events_r)
            os.close(output_r)
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
            sys.stderr = sys.stdout
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            faulthandler.disable()  # a parent's handler (pytest's) would dump into the parent's stderr
            run_child(checks, start, submission, challenge.entry, challenge.memory_limit_mb, events_w)
            sys.stdout.flush()
            EventStream(events_w).send(event="done")
        except BaseException:  # noqa: BLE001 - nothing may escape the child into the parent's code
            code = 70
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)  # also done in the child: whichever runs first wins the race
    except (PermissionError, ProcessLookupError):
        pass
    os.close(events_w)
    os.close(output_w)
    return pid, events_r, output_r


def _record(run: ChildRun, event: dict) -> None:
    run.events.append(event)
    run.done = event["event"] == "done"
    run.loading = run.loading and event["event"] not in ("loaded", "load_error")
    run.running = event["index"] if event["event"] == "start" else None


def _supervise(pid: int, events_fd: int, output_fd: int, time_limit: float, output: BoundedOutput) -> ChildRun:
    """Read events and output until the child closes its pipes, or kill it when a step overruns."""
    run, buffer = ChildRun(), b""
    selector = selectors.DefaultSelector()
    selector.register(events_fd, selectors.EVENT_READ, "events")
    selector.register(output_fd, selectors.EVENT_READ, "output")
    deadline = time.monotonic() + time_limit
    try:
        while events_fd in selector.get_map() and not run.done:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.stopped_by_timeout = True
                break
            for key, _ in selector.select(timeout=remaining):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                elif key.data == "output":
                    output.add(data)
                else:
                    buffer += data
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        _record(run, json.loads(line))
                        deadline = time.monotonic() + time_limit  # each step gets the full limit
        while not run.stopped_by_timeout and output_fd in selector.get_map() and selector.select(timeout=0):
            data = os.read(output_fd, 65536)  # what the child printed just before it finished
            if not data:
                break
            output.add(data)
    finally:
        try:  # the whole group: a finished child may have left workers behind
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        selector.close()
        os.close(events_fd)
        os.close(output_fd)
        _, run.exit_status = os.waitpid(pid, 0)
    return run


def _absorb(run: ChildRun, checks: list[Check], report: Report, time_limit: float) -> int | None:
    """Add one child's events to the report; return where a new child should resume, or None."""
    for event in run.events:
        if event["event"] == "load_error":
            report.load_error, report.load_location = event["message"], event["location"]
        elif event["event"] == "result":
            check = checks[event["index"]]
            report.results.append(CheckResult(
                name=check.name, title=check.title, status=Status(event["status"]),
                message=event.get("message", ""), duration=event["duration"],
                fingerprint=event.get("fingerprint", ""), location=event.get("location", "")))
    if report.load_error:
        return None
    if run.loading:  # died or hung before the learner's file finished loading
        report.load_error = (f"your file did not finish loading within {time_limit:g} s (an infinite loop at "
                             "module level?)" if run.stopped_by_timeout else
                             f"your file could not be loaded: {_describe_exit(run.exit_status)}")
        return None
    if run.running is None:
        return None
    check = checks[run.running]
    if run.stopped_by_timeout:
        status, message = Status.TIMEOUT, (f"still running after {time_limit:g} s: an infinite loop, or far too "
                                           "much work? The process group was stopped.")
    else:
        status, message = Status.CRASHED, f"{_describe_exit(run.exit_status)} while this check was running"
    report.results.append(CheckResult(check.name, check.title, status, message, fingerprint=status.value))
    if status is Status.TIMEOUT:  # a loop usually hangs every later check too: answer now, not n × limit later
        report.results += [CheckResult(c.name, c.title, Status.SKIPPED, f"not run: {check.name} ran out of time; "
                                       "fix that first and the remaining checks will run", fingerprint="skipped")
                           for c in checks[run.running + 1:]]
        return None
    return run.running + 1


def _grade_once(challenge: Challenge, checks: list[Check], submission: Submission) -> Report:
    report = Report(challenge_id=challenge.id, source_label=submission.label)
    output = BoundedOutput()
    began, start = time.perf_counter(), 0
    while start is not None and start < len(checks):
        pid, events_fd, output_fd = _fork_child(checks, start, submission, challenge)
        run = _supervise(pid, events_fd, output_fd, challenge.time_limit, output)
        start = _absorb(run, checks, report, challenge.time_limit)
    report.output = output.text()
    report.duration = time.perf_counter() - began
    return report


@lru_cache(maxsize=None)
def checks_for(challenge: Challenge) -> list[Check]:
    """A challenge's checks, imported once per process (in the parent, before any fork)."""
    return load_checks(challenge.path)


@lru_cache(maxsize=None)
def _mutant_reports(challenge: Challenge, solution_digest: str) -> tuple[tuple[str, str, Report], ...]:
    solution = challenge.read("solution.py")
    return tuple((m.name, m.diagnosis, grade(challenge, m.build(solution), label=challenge.file,
                                             match_mistakes=False))
                 for m in load_mutants(challenge.path))


def grade(challenge: Challenge, source: str | None = None, *, label: str | None = None,
          objects: dict | None = None, match_mistakes: bool = True) -> Report:
    """Grade learner code given as `source` text (shown as `label`) or as notebook `objects`.

    When the code fails and `match_mistakes` is set, the challenge's mutants are graded too
    (once per process) and a failure identical to a mutant's is named in its diagnosis.
    """
    if (source is None) == (objects is None):
        raise ValueError("grade() takes either source or objects")
    submission = Submission(label=label or challenge.file, source=source, objects=objects)
    report = _grade_once(challenge, checks_for(challenge), submission)
    unfinished = all(r.passed or r.fingerprint == "todo" for r in report.results)
    if match_mistakes and not report.passed and not report.load_error and not unfinished:
        digest = hashlib.sha256(challenge.read("solution.py").encode()).hexdigest()
        report.mistake = match_mistake(report, _mutant_reports(challenge, digest))
    return report


def grade_file(challenge: Challenge, path: Path, **kwargs) -> Report:
    """Grade a file on disk (its text is read once, so edits during grading do not mix in)."""
    return grade(challenge, Path(path).read_text(encoding="utf-8"), label=str(path), **kwargs)
