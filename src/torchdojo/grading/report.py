"""What a grading produces: plain dataclasses, JSON-able, with no printing (the CLI renders them)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum


class Status(str, Enum):
    PASSED = "passed"
    FAILED = "failed"  # the learner's code ran and gave a wrong answer
    ERROR = "error"  # the learner's code raised (or ran out of memory) during the check
    TIMEOUT = "timeout"  # the check ran past the time limit; the process group was killed
    CRASHED = "crashed"  # the process died (segfault, os._exit, killed) during the check
    SKIPPED = "skipped"  # not run, with a reason (a requirement is absent, or the code did not load)


@dataclass
class CheckResult:
    name: str  # the check function's name, e.g. "check_both_branches"
    title: str  # first line of its docstring: what the learner is told is being checked
    status: Status
    message: str = ""  # why it did not pass, in teaching words
    duration: float = 0.0  # seconds
    fingerprint: str = ""  # what the failure looked like; compared with the mutants' failures
    location: str = ""  # "file.py:12" in the learner's code, when an error points there
    kind: str = ""  # which property failed (see expect.KINDS), for a generic diagnosis

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


@dataclass
class KnownMistake:
    name: str
    diagnosis: str  # the mutant's one-line diagnosis, shown to the learner


@dataclass
class Report:
    challenge_id: str
    source_label: str  # the file graded, or "<objects>" for notebook objects
    results: list[CheckResult] = field(default_factory=list)
    load_error: str = ""  # the code could not be loaded (SyntaxError, ImportError, missing names)
    load_location: str = ""
    mistake: KnownMistake | None = None
    advice: str = ""  # a generic diagnosis, from the kinds of property that failed, when no mistake matched
    output: str = ""  # what the learner's code printed (bounded)
    duration: float = 0.0
    hidden_checks: int = 0  # checks this grading left out: a teacher's `torchdojo grade` runs them

    @property
    def passed(self) -> bool:
        return not self.load_error and bool(self.results) and all(r.passed for r in self.results)

    def signature(self) -> tuple:
        """What makes two failures "the same mistake": the load error, or the failing checks and
        how each failed. Durations, locations and output are left out on purpose."""
        if self.load_error:
            return ("load", self.load_error)
        return tuple((r.name, r.status.value, r.fingerprint) for r in self.results)

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The report :meth:`to_dict` gave (sent as JSON by the warm grader); unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["results"] = [CheckResult(**dict({k: v for k, v in r.items() if k in _RESULT_FIELDS},
                                                status=Status(r["status"])))
                             for r in data.get("results", [])]
        values["mistake"] = KnownMistake(**data["mistake"]) if data.get("mistake") else None
        return cls(**values)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["passed"] = self.passed
        for r in data["results"]:
            r["status"] = r["status"].value if isinstance(r["status"], Status) else r["status"]
        return data


_RESULT_FIELDS = {f.name for f in fields(CheckResult)}
