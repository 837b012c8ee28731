"""Grading: run a challenge's checks here, against the learner's code in its own process.

The grader has imported torch (and the challenge's checks.py) once. For each grading it starts a
learner process (see :mod:`~torchdojo.grading.sandbox`), and runs every check *here*: the check
calls the learner's code through :mod:`~torchdojo.grading.remote` proxies, gets plain data back
and compares it with values it computes itself. The learner's code therefore never sees the
expected values and cannot touch the verdict.

Time limits are absolute: loading the file, and each check, get ``challenge.time_limit`` seconds
from their start, whatever the learner's process says or does. A check that runs out of time stops
the grading (the remaining checks are skipped with the reason: a loop usually hangs them all); a
check during which the learner's process dies is reported as a crash, and the remaining checks run
in a fresh process.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import signal
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from torchdojo.catalog import HIDDEN_CHECKS, Challenge
from torchdojo.grading.diagnostics import generic_diagnosis, match_mistake, printable
from torchdojo.grading.expect import CheckFailed
from torchdojo.grading.loading import Check, checks_in, import_file, load_checks, preload_optimizers
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.remote import (GradingStop, LearnerGone, LearnerRaised, LoadFailed, Session, Tampered,
                                      TimedOut, active)
from torchdojo.grading.report import CheckResult, KnownMistake, Report, Status
from torchdojo.grading.submission import SourceUnreadable, Submission, read_folder, read_source, write_folder

OUTPUT_HEAD = OUTPUT_TAIL = 4096  # bytes of the learner's output kept from each end
TAMPERED = ("the grading channel was tampered with or broke ({}); the answer cannot be judged. "
            "Code that writes to file descriptors it did not open, or replaces torchdojo's internals, does this.")


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
        return bytes(self.head).decode(errors="replace") + middle + bytes(self.tail).decode(errors="replace")


def describe_exit(status: int | None) -> str:
    """How the learner's process ended, in words."""
    if status is None:
        return "the process was killed"
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"the process exited with code {code} (does the code call os._exit?)"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    hint = " (a segmentation fault: memory was read or written where it must not be)" if -code == signal.SIGSEGV \
        else ""
    return f"the process was killed by {name}{hint}"


def _learner_error(info: dict, memory_mb: int) -> CheckResult:
    where, first = info.get("location", ""), info.get("message", "")
    if info.get("oom"):
        message = f"ran out of memory: the code tried to use more than the {memory_mb} MB it may add"
        return CheckResult("", "", Status.ERROR, message, fingerprint="oom", location=where)
    if info.get("todo"):
        at = f" at {where}" if where else ""
        return CheckResult("", "", Status.ERROR, f"not implemented yet{at}: {first or 'finish the TODO'}",
                           fingerprint="todo", location=where)
    kind, operands = info.get("type", "Exception"), info.get("operands", "")
    if kind == "Unsendable":  # the call returned, but its result cannot cross to the grader
        return CheckResult("", "", Status.ERROR, f"what your code returned cannot be judged: {first} "
                           "(return tensors, numbers or small lists of them)", fingerprint="unsendable")
    at = f"{where}: " if where else ""
    operation = f"\n{at}{operands}" if operands else ""
    message = f"your code raised {kind}: {first}{operation}\n{info.get('traceback', '')}".rstrip()
    return CheckResult("", "", Status.ERROR, message, fingerprint=f"{kind}: {first}"[:200], location=where)


def _run_check(session: Session, check: Check, challenge: Challenge) -> CheckResult:
    """One check's verdict. Raises TimedOut or LearnerGone when the learner's process is lost."""
    try:
        with active(session):
            check.fn(session.root)
        return CheckResult("", "", Status.PASSED)
    except CheckFailed as exc:
        return CheckResult("", "", Status.FAILED, exc.message, fingerprint=exc.fingerprint, kind=exc.kind)
    except LearnerRaised as exc:
        return _learner_error(exc.info, challenge.memory_limit_mb)
    except Tampered as exc:
        return CheckResult("", "", Status.ERROR, TAMPERED.format(exc), fingerprint="tampered", kind="tampered")
    except (TimedOut, LearnerGone):
        raise
    except GradingStop as exc:  # pragma: no cover - every kind is handled above
        return CheckResult("", "", Status.ERROR, f"grading stopped: {type(exc).__name__}", fingerprint="stopped")
    except Exception as exc:  # noqa: BLE001 - the check could not digest what the code returned
        return CheckResult("", "", Status.ERROR, f"the check could not use what your code returned "
                                                 f"({type(exc).__name__}: {exc})"[:2000],
                           fingerprint=f"unusable:{type(exc).__name__}")


def _run_from(session: Session, checks: list[Check], start: int, challenge: Challenge, report: Report) -> int:
    """Run checks from `start` in one learner process; where a fresh process should resume."""
    for index in range(start, len(checks)):
        check = checks[index]
        began = time.perf_counter()
        session.deadline = time.monotonic() + challenge.time_limit
        try:
            result = _run_check(session, check, challenge)
        except TimedOut:
            _add(report, check, CheckResult("", "", Status.TIMEOUT, f"still running after {challenge.time_limit:g} s: "
                                            "an infinite loop, or far too much work? Every process it started "
                                            "was stopped.", fingerprint="timeout"), began)
            report.results += [CheckResult(c.name, c.title, Status.SKIPPED, f"not run: {check.name} ran out of time; "
                                           "fix that first and the remaining checks will run", fingerprint="skipped")
                               for c in checks[index + 1:]]
            return len(checks)
        except LearnerGone:
            message = f"{describe_exit(session.sandbox.exit_status())} while this check was running"
            _add(report, check, CheckResult("", "", Status.CRASHED, message, fingerprint="crashed"), began)
            return index + 1
        _add(report, check, result, began)
        if result.kind == "tampered":
            return index + 1  # the channel's state is unknown: go on in a fresh process
    return len(checks)


def _add(report: Report, check: Check, result: CheckResult, began: float) -> None:
    result.name, result.title = check.name, check.title
    result.message, result.location = printable(result.message), printable(result.location)
    result.duration = time.perf_counter() - began
    report.results.append(result)


def _load(session: Session, challenge: Challenge, report: Report) -> bool:
    """Wait for the learner's file to load; False (with report.load_error set) if it did not."""
    try:
        session.wait_loaded()
        return True
    except LoadFailed as exc:
        report.load_error, report.load_location = printable(exc.message), printable(exc.location)
    except TimedOut:
        report.load_error = (f"your file did not finish loading within {challenge.time_limit:g} s "
                             "(an infinite loop at module level?)")
    except LearnerGone:
        report.load_error = f"your file could not be loaded: {describe_exit(session.sandbox.exit_status())}"
    except Tampered as exc:
        report.load_error = TAMPERED.format(exc)
    return False


def _grade_once(challenge: Challenge, checks: list[Check], submission: Submission,
                on_progress: Callable[[dict], None] | None) -> Report:
    report = Report(challenge_id=challenge.id, source_label=submission.label)
    output = BoundedOutput()
    began, start = time.perf_counter(), 0
    with scratch_folder(submission) as submission:
        while start < len(checks):
            session = Session.open(submission, challenge.entry, challenge.memory_limit_mb, output,
                                   deadline=time.monotonic() + challenge.time_limit, on_progress=on_progress)
            try:
                if not _load(session, challenge, report):
                    break
                start = _run_from(session, checks, start, challenge, report)
            finally:
                session.close()
    report.output = printable(output.text())
    report.duration = time.perf_counter() - began
    return report


@contextlib.contextmanager
def scratch_folder(submission: Submission) -> Iterator[Submission]:
    """A fresh folder for one grading, removed afterwards: the learner's process runs in it (what it
    writes lands there, never in the learner's own folder) and a folder submission is laid out in it."""
    with tempfile.TemporaryDirectory(prefix="torchdojo-grading-") as folder:
        if submission.is_folder:
            write_folder(submission.source, Path(folder))
        yield dataclasses.replace(submission, workdir=folder)


@lru_cache(maxsize=None)
def checks_for(challenge: Challenge) -> list[Check]:
    """A challenge's checks, imported once per process (before any learner process is forked); where an
    optimizer will be built (by the learner's code or the checks), the optimizers' imports are paid here, once."""
    if "optim" in repr(challenge.source("solution")) + challenge.read("checks.py"):
        preload_optimizers()
    return load_checks(challenge.path)


@lru_cache(maxsize=None)
def hidden_checks_for(challenge: Challenge, extra_dir: Path | None = None) -> list[Check]:
    """The checks only a teacher's grading runs: the challenge's checks_hidden.py, then the
    instructor's own ``<extra_dir>/<challenge id>.py`` (``torchdojo grade --extra-checks DIR``)."""
    found = checks_in(import_file(challenge.path / HIDDEN_CHECKS, "torchdojo_hidden")) \
        if challenge.has_hidden_checks else []
    extra = Path(extra_dir) / f"{challenge.id}.py" if extra_dir is not None else None
    if extra is not None and extra.is_file():
        name = "torchdojo_extra_" + hashlib.sha256(str(extra.resolve()).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(name, extra)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # observers in it are found by module name in the learner's process
        spec.loader.exec_module(module)
        found += checks_in(module)
    return found


def count_hidden_checks(challenge: Challenge) -> int:
    """How many checks checks_hidden.py holds, read without importing it (the learner's report says so)."""
    if not challenge.has_hidden_checks:
        return 0
    try:
        tree = ast.parse((challenge.path / HIDDEN_CHECKS).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return 0
    return sum(isinstance(node, ast.FunctionDef) and node.name.startswith("check_") for node in tree.body)


QUICK_MUTANTS_S = 30  # a unit challenge whose checks may take longer grades its mutants too slowly to wait for


def names_mistakes(challenge: Challenge) -> bool:
    """Whether a failing check grades the mutants (once per version, cached) to name a known mistake: for
    quick unit challenges only. A training mutant trains, and an export mutant exports (a minute for all)."""
    return challenge.kind == "unit" and challenge.time_limit <= QUICK_MUTANTS_S


MutantSignatures = tuple[tuple[str, str, object], ...]  # (name, diagnosis, how it failed; None if it passed)


def mutant_cache_path(challenge: Challenge) -> Path:
    """Where the signatures of this version of the challenge's mutants (torchdojo, torch, solution, checks,
    mutants) are kept in the user cache."""
    import torch

    from torchdojo import __version__
    from torchdojo.data.sources import cache_dir

    parts = [__version__, torch.__version__, repr(challenge.source("solution"))]
    parts += [(challenge.path / name).read_text(encoding="utf-8") for name in ("checks.py", "mutants.py")]
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]
    return cache_dir() / "mutants" / f"{challenge.id}-{digest}.json"


@lru_cache(maxsize=None)
def mutant_signatures(challenge: Challenge) -> MutantSignatures:
    """How each of the challenge's mutants fails, graded once per challenge version and kept in the user
    cache (so a learner's failing check names its mistake without regrading every mutant each time)."""
    from torchdojo.atomic import atomic_write_text

    path = mutant_cache_path(challenge)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        return tuple((str(name), str(diagnosis), signature) for name, diagnosis, signature in cached)
    except (OSError, ValueError, TypeError):  # absent, or not what we wrote: grade them again
        pass
    solution = challenge.source("solution")
    found = []
    for m in load_mutants(challenge.path):
        report = grade(challenge, m.build(solution), label=challenge.file, match_mistakes=False)
        found.append((m.name, m.diagnosis, None if report.passed else plain_signature(report)))
    try:
        atomic_write_text(path, json.dumps(found))
    except OSError:  # a read-only cache only costs time
        pass
    return tuple(found)


def plain_signature(report: Report) -> object:
    """A report's signature as JSON gives it back (tuples become lists), for comparing with the cache."""
    return json.loads(json.dumps(report.signature()))


def grade(challenge: Challenge, source: str | dict[str, str] | None = None, *, label: str | None = None,
          objects: dict | None = None, match_mistakes: bool = True,
          on_progress: Callable[[dict], None] | None = None, hidden: bool = False,
          extra_checks: Path | None = None) -> Report:
    """Grade learner code given as `source` (one file's text, or a folder's ``{name: text}``; shown
    as `label`) or as notebook `objects`. `on_progress` receives the progress notes of long checks.

    When the code fails and `match_mistakes` is set, the challenge's mutants are graded too (once per
    challenge version, cached; quick unit challenges only: see `names_mistakes`) and a failure
    identical to a mutant's is named in its diagnosis; otherwise the kinds of the failed properties give a generic
    diagnosis.

    `hidden` (a teacher's grading) also runs the challenge's hidden checks and those in `extra_checks`
    (a folder of ``<challenge id>.py``); without it the report counts the hidden checks it left out.
    """
    if (source is None) == (objects is None):
        raise ValueError("grade() takes either source or objects")
    submission = Submission(label=label or challenge.file.rstrip("/"), source=source, objects=objects)
    checks = checks_for(challenge) + (hidden_checks_for(challenge, extra_checks) if hidden else [])
    report = _grade_once(challenge, checks, submission, on_progress)
    report.hidden_checks = 0 if hidden else count_hidden_checks(challenge)
    if match_mistakes and _failed_for_real(report):
        report.mistake = known_mistake(challenge, report)
        if report.mistake is None:
            report.advice = generic_diagnosis(report)
    return report


def _failed_for_real(report: Report) -> bool:
    """Failed, with code that loaded and a check that got past the TODOs: a failure worth diagnosing."""
    unfinished = all(r.passed or r.fingerprint == "todo" for r in report.results)
    return not report.passed and not report.load_error and not unfinished


def known_mistake(challenge: Challenge, report: Report) -> KnownMistake | None:
    """The known mistake (a mutant) whose failure `report` repeats exactly, for a quick unit challenge
    (`names_mistakes`); None for a pass, a file that did not load, checks that only met TODOs, or no match.
    `report` holds the learner's checks only: a mutant is graded without the hidden ones."""
    if not _failed_for_real(report) or not names_mistakes(challenge):
        return None
    return match_mistake(report, mutant_signatures(challenge))


def grade_file(challenge: Challenge, path: Path, **kwargs) -> Report:
    """Grade a file (or, for a folder challenge, a folder) on disk: read once, decoded as Python
    decodes source, so edits during grading do not mix in."""
    try:
        source = read_folder(Path(path)) if challenge.is_folder else read_source(Path(path))
    except SourceUnreadable as exc:
        return Report(challenge_id=challenge.id, source_label=str(path), load_error=str(exc),
                      load_location=Path(path).name)
    return grade(challenge, source, label=str(path), **kwargs)
