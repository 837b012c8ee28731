"""The child side of a grading: load the learner's code, run the checks, stream results.

Runs only in a process forked by :mod:`torchdojo.grading.runner`. Every event goes to the parent
as one JSON line on a pipe, *before* and *after* each check, so that if the child hangs or dies
the parent still knows which check was running. The child always leaves through ``os._exit`` so
that none of the parent's exit handlers (pytest's, the CLI's) run twice.
"""
from __future__ import annotations

import importlib.util
import inspect
import json
import linecache
import os
import resource
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from torchdojo.grading.diagnostics import learner_traceback
from torchdojo.grading.expect import CheckFailed
from torchdojo.grading.report import Status

OUT_OF_MEMORY_MARKERS = ("can't allocate memory", "not enough memory", "out of memory")


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    fn: Callable[[Any], None]


@dataclass(frozen=True)
class Submission:
    """What is graded: source text with the file name to show, or objects from a notebook."""

    label: str  # file path (or name) shown to the learner
    source: str | None = None
    objects: dict[str, Any] | None = None

    def learner_files(self) -> list[str]:
        if self.source is not None:
            return [self.label]
        files = []
        for obj in (self.objects or {}).values():
            try:
                files.append(inspect.getsourcefile(obj) or "")
            except TypeError:  # builtins and instances have no source file
                pass
        return [f for f in files if f]


def load_checks(challenge_dir: Path) -> list[Check]:
    """The ``check_*`` functions of a challenge's checks.py, in the order they are written.

    This runs in the parent, so whatever checks.py imports is imported once, before forking.
    """
    path = challenge_dir / "checks.py"
    spec = importlib.util.spec_from_file_location(f"torchdojo_checks_{challenge_dir.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    functions = [f for name, f in vars(module).items()
                 if name.startswith("check_") and inspect.isfunction(f) and f.__module__ == module.__name__]
    functions.sort(key=lambda f: f.__code__.co_firstlineno)
    return [Check(f.__name__, (inspect.getdoc(f) or f.__name__).splitlines()[0], f) for f in functions]


class EventStream:
    """JSON lines to the parent over a pipe file descriptor."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, **event: Any) -> None:
        data = (json.dumps(event) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]


def _limit_memory(budget_mb: int) -> None:
    """Cap the address space at what the process holds now plus the budget: torch alone maps
    several GiB of virtual memory, so an absolute cap would kill the child before it starts."""
    with open("/proc/self/status") as status:
        vm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    cap = vm_kb * 1024 + budget_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _load_learner(submission: Submission, entry: tuple[str, ...], events: EventStream) -> Any | None:
    """The learner's module (or namespace of objects), or None after reporting why it failed."""
    if submission.objects is not None:
        namespace = types.SimpleNamespace(**submission.objects)
    else:
        filename = submission.label
        lines = submission.source.splitlines(keepends=True)
        linecache.cache[filename] = (len(submission.source), None, lines, filename)
        try:
            code = compile(submission.source, filename, "exec")
        except SyntaxError as exc:
            where = f"{os.path.basename(filename)}:{exc.lineno}"
            pointer = ""
            if exc.text:
                pointer = "\n    " + exc.text.rstrip("\n") + "\n    " + " " * max((exc.offset or 1) - 1, 0) + "^"
            events.send(event="load_error", message=f"SyntaxError: {exc.msg} ({where}){pointer}", location=where)
            return None
        if os.path.isfile(filename):  # the learner's own helper modules sit beside their file
            sys.path.insert(0, os.path.dirname(os.path.abspath(filename)))
        name = Path(filename).stem
        namespace = types.ModuleType(name)
        namespace.__file__ = filename
        sys.modules[name] = namespace  # so pickling, dataclasses and typing can find the module
        try:
            exec(code, namespace.__dict__)
        except BaseException as exc:  # the learner's module-level code; anything can happen
            text, where = learner_traceback(exc, [filename])
            events.send(event="load_error", message=f"your file failed while loading:\n{text}", location=where)
            return None
    missing = [name for name in entry if not hasattr(namespace, name)]
    if missing:
        events.send(event="load_error", location="",
                    message=f"{os.path.basename(submission.label)} must define {', '.join(missing)} "
                            f"(not found); keep the names the template gives")
        return None
    return namespace


def _verdict(exc: BaseException, submission: Submission, memory_mb: int) -> dict[str, Any]:
    """Turn what a check raised into a result: a wrong answer, or an error in the learner's code."""
    if isinstance(exc, CheckFailed):
        return dict(status=Status.FAILED.value, message=exc.message, fingerprint=exc.fingerprint)
    text, where = learner_traceback(exc, submission.learner_files())
    first = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, MemoryError) or any(m in first.lower() for m in OUT_OF_MEMORY_MARKERS):
        message = f"ran out of memory: the code tried to use more than the {memory_mb} MB it may add"
        return dict(status=Status.ERROR.value, message=message, fingerprint="oom", location=where)
    if isinstance(exc, NotImplementedError):
        at = f" at {where}" if where else ""
        message = f"not implemented yet{at}: {first or 'finish the TODO'}"
        return dict(status=Status.ERROR.value, message=message, fingerprint="todo", location=where)
    return dict(status=Status.ERROR.value, message=f"your code raised {type(exc).__name__}: {first}\n{text}",
                fingerprint=f"{type(exc).__name__}: {first}"[:200], location=where)


def run_child(checks: list[Check], start: int, submission: Submission, entry: tuple[str, ...],
              memory_mb: int, events_fd: int) -> None:
    """Grade `submission` with ``checks[start:]``, sending events; the caller then ``os._exit``s."""
    import torch

    torch.set_num_threads(1)  # a forked child must not reuse the parent's OpenMP pool (it can hang)
    events = EventStream(events_fd)
    _limit_memory(memory_mb)
    learner = _load_learner(submission, entry, events)
    if learner is None:
        return
    events.send(event="loaded")
    for index in range(start, len(checks)):
        check = checks[index]
        events.send(event="start", index=index)
        began = time.perf_counter()
        try:
            check.fn(learner)
            result = dict(status=Status.PASSED.value)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            result = _verdict(exc, submission, memory_mb)
        sys.stdout.flush()
        events.send(event="result", index=index, duration=time.perf_counter() - began, **result)
