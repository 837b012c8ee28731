"""Class grading: every student's submission against a list of challenges, into a gradebook.

``SUBMISSIONS/`` holds one entry per student: a folder (their workspace, or any folder holding the
challenges' files), a ``.zip`` of one, or a single ``.ipynb`` (or ``.py``) graded against each
challenge. Each (student, challenge) is graded exactly as a learner's ``torchdojo check`` grades it
(same time and memory limits, the learner's code in its own sandboxed process), plus the hidden
checks and an instructor's extra ones, in parallel worker processes up to the machine's cores.

What it writes in ``OUT/``:

- ``grades.csv``: one row per student; per challenge its points, passed checks / total and status;
  then the total;
- ``grades.json``: the same with every check's result and message;
- ``feedback/<student>.md``: what a teacher can hand back;
- ``.results/<student>/<challenge>.json``: each grading as it finishes (atomically), keyed by a hash
  of the submitted files and of the challenge's version: a rerun grades only what changed, and a
  killed run loses no finished grading.

Bad input is a cell's status, never the end of the batch: ``missing`` (no file for the challenge,
an empty folder), ``unreadable`` (a zip that will not open, a file that is not source, a notebook
that is not JSON), ``not-loaded`` (a syntax error, missing names), ``timeout``, ``crashed``,
``tampered``, ``failed``, ``passed``.
"""
from __future__ import annotations

import ast
import concurrent.futures
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from torchdojo import __version__
from torchdojo.atomic import atomic_write_text
from torchdojo.catalog import HIDDEN_CHECKS, Challenge

STATUSES = ("passed", "failed", "not-loaded", "timeout", "crashed", "tampered", "missing", "unreadable", "internal")
MAX_ZIP_FILES, MAX_ZIP_BYTES = 2000, 100 << 20
SKIP_DIRS = {"__pycache__", ".git", ".torchdojo", ".ipynb_checkpoints", "__MACOSX"}
RESULTS = ".results"
CELL_FORMAT = 2  # raised when a cell gains a field (2: "mistake"): cells saved before are graded again


class GradebookError(Exception):
    """The batch cannot start (no challenges, two submissions of one student): a usage error. A folder of
    submissions that is not there is a FileNotFoundError."""


@dataclass(frozen=True)
class Student:
    name: str  # the entry's name without .zip / .ipynb / .py
    path: Path
    kind: str  # "folder", "zip", "notebook", "file", or "unknown"


def find_students(submissions: Path) -> list[Student]:
    """One student per entry of the folder (hidden entries left out), in name order."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        state = "is not a folder" if submissions.exists() else "does not exist"
        raise FileNotFoundError(f"{submissions} {state}; give a folder of submissions (one folder, .zip or .ipynb "
                                "per student)")
    students = []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith((".", "_")) and entry.name != "_":
            continue
        kind = "folder" if entry.is_dir() else {".zip": "zip", ".ipynb": "notebook", ".py": "file"}.get(
            entry.suffix.lower(), "unknown")
        name = entry.name if kind == "folder" else entry.stem
        students.append(Student(name, entry, kind))
    names = [s.name for s in students]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:  # alice/ and alice.zip: which one is alice's?
        raise GradebookError(f"two submissions for {duplicates[0]!r} (e.g. a folder and a .zip): keep one")
    return students


# --- reading a submission ------------------------------------------------------------------------


def unzip(archive: Path, target: Path) -> None:
    """Extract a student's zip safely (no paths outside `target`, bounded size); raises ValueError."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise ValueError(f"the zip holds more than {MAX_ZIP_FILES} files or {MAX_ZIP_BYTES >> 20} MiB")
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise ValueError(f"the zip holds a path outside its folder: {member.filename!r}")
                if member.is_dir():
                    continue
                destination = target.joinpath(*parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as source, open(destination, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ValueError(f"the zip cannot be opened ({type(exc).__name__}: {exc})") from None


def _walk(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        found += [Path(folder) / name for name in sorted(files)] + [Path(folder) / d for d in dirs]
    return found


def locate(root: Path, challenge: Challenge) -> Path | None:
    """The challenge's file (or folder) in a student's folder: at the top, or anywhere below (their
    workspace's track folder), or a notebook named after its file or its id; the shallowest wins."""
    name = challenge.file.rstrip("/")
    wanted = {name} if challenge.is_folder else {name, f"{Path(name).stem}.ipynb", f"{challenge.id}.ipynb"}
    hits = [p for p in _walk(root) if p.name in wanted and p.is_dir() == challenge.is_folder]
    return min(hits, key=lambda p: (len(p.relative_to(root).parts), p.suffix == ".ipynb", str(p))) if hits else None


def _defines_entry(source: str, entry: tuple[str, ...]) -> bool:
    """Whether a notebook's extract defines any of the challenge's names (if not: nothing was handed in)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True  # graded as written: the report shows the error
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return bool(names & set(entry))


def read_for(path: Path | None, challenge: Challenge) -> tuple[object, str, str]:
    """(source, status, message): the source to grade and "", or None and why there is none."""
    from torchdojo.notebook import NotebookUnreadable, notebook_source
    from torchdojo.grading.submission import SourceUnreadable, read_folder, read_source

    if path is None:
        return None, "missing", f"no {challenge.file.rstrip('/')} (nor {challenge.id}.ipynb) in the submission"
    try:
        if challenge.is_folder:
            source = read_folder(path)
            if not source:
                return None, "missing", f"{path.name}/ holds no source files"
            return source, "", ""
        if path.suffix == ".ipynb":
            source = notebook_source(path, challenge.entry)
            if not _defines_entry(source, challenge.entry):
                return None, "missing", f"{path.name} defines none of {', '.join(challenge.entry)}"
            return source, "", ""
        return read_source(path), "", ""
    except (SourceUnreadable, NotebookUnreadable) as exc:
        return None, "unreadable", str(exc)


# --- one grading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    student: str
    challenge: Challenge
    source: object  # str or {name: text}
    label: str
    key: str  # hash of the submitted files and the challenge's version
    extra_checks: Path | None = None


def challenge_version(challenge: Challenge, extra_checks: Path | None) -> str:
    """What a grade depends on besides the submission: torchdojo, the challenge's checks and metadata."""
    digest = hashlib.sha256(f"{__version__} {CELL_FORMAT}".encode())
    for name in ("challenge.toml", "checks.py", HIDDEN_CHECKS):
        path = challenge.path / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-") + b"\0")
    if extra_checks is not None and (Path(extra_checks) / f"{challenge.id}.py").is_file():
        digest.update((Path(extra_checks) / f"{challenge.id}.py").read_bytes())
    return digest.hexdigest()


def job_key(source: object, version: str) -> str:
    return hashlib.sha256(json.dumps([version, source], sort_keys=True).encode()).hexdigest()[:32]


def _status(report) -> str:
    if report.passed:
        return "passed"
    texts = [report.load_error] + [r.message for r in report.results]
    if any(r.fingerprint == "tampered" for r in report.results) or "tampered with" in report.load_error:
        return "tampered"
    if report.load_error:
        return "not-loaded" if "did not finish loading" not in report.load_error else "timeout"
    statuses = {r.status.value for r in report.results}
    if "timeout" in statuses:
        return "timeout"
    if "crashed" in statuses:
        return "crashed"
    return "failed" if texts else "failed"


def hidden_names(challenge: Challenge, extra_checks: Path | None) -> set[str]:
    from torchdojo.grading.runner import hidden_checks_for

    return {c.name for c in hidden_checks_for(challenge, extra_checks)}


def all_checks(challenge: Challenge, extra_checks: Path | None) -> list:
    from torchdojo.grading.runner import checks_for, hidden_checks_for

    return checks_for(challenge) + hidden_checks_for(challenge, extra_checks)


def empty_cell(challenge: Challenge, extra_checks: Path | None, status: str, message: str) -> dict:
    checks = all_checks(challenge, extra_checks)
    return {"status": status, "points": 0.0, "max_points": sum(challenge.points_for(c.name) for c in checks),
            "passed": 0, "total": len(checks), "message": message, "mistake": "", "checks": [], "output": "",
            "duration": 0.0}


def grade_job(job: Job) -> dict:
    """Grade one (student, challenge), hidden checks included: the gradebook's cell."""
    from torchdojo.grading.runner import grade

    challenge, hidden = job.challenge, hidden_names(job.challenge, job.extra_checks)
    report = grade(challenge, job.source, label=job.label, match_mistakes=False, hidden=True,
                   extra_checks=job.extra_checks)
    checks = [{"name": r.name, "title": r.title, "status": r.status.value, "message": r.message,
               "points": challenge.points_for(r.name) if r.passed else 0.0,
               "max_points": challenge.points_for(r.name), "hidden": r.name in hidden} for r in report.results]
    cell = empty_cell(challenge, job.extra_checks, _status(report), report.load_error)
    cell.update(points=sum(c["points"] for c in checks), passed=sum(c["status"] == "passed" for c in checks),
                mistake=_known_mistake(challenge, report, hidden), checks=checks, output=report.output,
                duration=round(report.duration, 3))
    return cell


def _known_mistake(challenge: Challenge, report, hidden: set[str]) -> str:
    """The "Known mistake" a learner's `torchdojo check` names for the same code (matched on the checks
    it runs, not the hidden ones), or ""."""
    from torchdojo.grading.runner import known_mistake

    visible = replace(report, results=[r for r in report.results if r.name not in hidden])
    mistake = known_mistake(challenge, visible)
    return mistake.diagnosis if mistake else ""


def _known_mistakes_ready(challenges: set[Challenge]) -> None:
    """Grade the mutants of the challenges that name known mistakes once, here, before the workers are
    forked (each would grade them again; they are cached in the user cache for later runs)."""
    from torchdojo.grading.runner import mutant_signatures, names_mistakes

    for challenge in challenges:
        if names_mistakes(challenge):
            mutant_signatures(challenge)


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one grading per core: the learner's process has one thread too


# --- the batch -----------------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """A student's or challenge's name as a file name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "_"


@dataclass
class Batch:
    submissions: Path
    challenges: list[Challenge]
    out: Path
    jobs: int = 0  # worker processes; 0: the machine's cores
    extra_checks: Path | None = None
    on_progress: Callable[[int, int, float | None], None] | None = None  # (done, total, eta seconds)
    cells: dict = field(default_factory=dict)  # (student, challenge id) -> cell
    graded: int = 0  # gradings run (not reused) in this run
    reused: int = 0

    def result_path(self, student: str, challenge: Challenge) -> Path:
        return self.out / RESULTS / safe_name(student) / f"{safe_name(challenge.id)}.json"

    def _reuse(self, student: str, challenge: Challenge, key: str) -> dict | None:
        try:
            saved = json.loads(self.result_path(student, challenge).read_text(encoding="utf-8"))
            return saved["cell"] if saved.get("key") == key else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save(self, student: str, challenge: Challenge, key: str, cell: dict) -> None:
        self.cells[(student, challenge.id)] = cell
        atomic_write_text(self.result_path(student, challenge), json.dumps({"key": key, "cell": cell}))

    def run(self) -> "Batch":
        students = find_students(self.submissions)
        if not self.challenges:
            raise GradebookError("no challenges to grade (--challenges id,id,...)")
        self.out.mkdir(parents=True, exist_ok=True)
        versions = {c.id: challenge_version(c, self.extra_checks) for c in self.challenges}
        for challenge in self.challenges:  # imported once here, before any worker is forked
            all_checks(challenge, self.extra_checks)
        pending: list[Job] = []
        with tempfile.TemporaryDirectory(prefix="torchdojo-gradebook-") as unpacked:
            for student in students:
                pending += self._jobs(student, Path(unpacked), versions)
            _known_mistakes_ready({job.challenge for job in pending})
            self._grade(pending)
        self.write()
        return self

    @property
    def not_graded(self) -> int:
        """Cells with nothing to grade (missing or unreadable): neither graded in this run nor reused."""
        return len(self.cells) - self.graded - self.reused

    def _jobs(self, student: Student, unpacked: Path, versions: dict) -> list[Job]:
        """The gradings a student needs; cells that need none (missing, unreadable, unchanged) are filled."""
        jobs, root, whole = [], None, None
        if student.kind == "folder":
            root = student.path
        elif student.kind == "zip":
            root = unpacked / safe_name(student.name)
            root.mkdir()
            try:
                unzip(student.path, root)
            except ValueError as exc:
                for c in self.challenges:
                    self.cells[(student.name, c.id)] = empty_cell(c, self.extra_checks, "unreadable",
                                                                  f"{student.path.name}: {exc}")
                return []
        elif student.kind in ("notebook", "file"):
            whole = student.path
        for challenge in self.challenges:
            if student.kind == "unknown":
                self.cells[(student.name, challenge.id)] = empty_cell(
                    challenge, self.extra_checks, "unreadable",
                    f"{student.path.name} is not a folder, a .zip, a .ipynb or a .py file")
                continue
            path = whole if whole is not None else locate(root, challenge)
            if whole is not None and challenge.is_folder:
                path = None
            source, status, message = read_for(path, challenge)
            if source is None:
                self.cells[(student.name, challenge.id)] = empty_cell(challenge, self.extra_checks, status, message)
                continue
            key = job_key(source, versions[challenge.id])
            reused = self._reuse(student.name, challenge, key)
            if reused is not None:
                self.cells[(student.name, challenge.id)] = reused
                self.reused += 1
                continue
            label = str(path.relative_to(root)) if root is not None else path.name
            jobs.append(Job(student.name, challenge, source, label, key, self.extra_checks))
        return jobs

    def _grade(self, jobs: list[Job]) -> None:
        total, began = len(jobs), time.monotonic()

        def finished(job: Job, cell: dict, keep: bool = True) -> None:
            if keep:
                self._save(job.student, job.challenge, job.key, cell)
            else:
                self.cells[(job.student, job.challenge.id)] = cell
            self.graded += 1
            if self.on_progress:
                elapsed = time.monotonic() - began
                self.on_progress(self.graded, total, elapsed / self.graded * (total - self.graded))

        if self.on_progress:
            self.on_progress(0, total, None)
        workers = min(self.jobs or _cores(), max(len(jobs), 1))
        if workers <= 1:
            for job in jobs:
                finished(job, grade_job(job))
            return
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker) as pool:
            futures = {pool.submit(grade_job, job): job for job in jobs}
            for future in concurrent.futures.as_completed(futures):
                job = futures[future]
                try:
                    finished(job, future.result())
                except Exception as exc:  # noqa: BLE001 - a grader bug or a killed worker: this cell, not the batch
                    cell = empty_cell(job.challenge, self.extra_checks, "internal",
                                      f"the grader failed on this submission ({type(exc).__name__}: {exc}); "
                                      "it will be graded again on the next run")
                    finished(job, cell, keep=False)

    # --- the gradebook files --------------------------------------------------------------------

    def students(self) -> list[str]:
        return sorted({student for student, _ in self.cells})

    def totals(self, student: str) -> tuple[float, float]:
        cells = [self.cells[(student, c.id)] for c in self.challenges if (student, c.id) in self.cells]
        return sum(c["points"] for c in cells), sum(c["max_points"] for c in cells)

    def write(self) -> None:
        atomic_write_text(self.out / "grades.csv", self.csv())
        atomic_write_text(self.out / "grades.json", json.dumps(self.as_json(), indent=1))
        for student in self.students():
            atomic_write_text(self.out / "feedback" / f"{safe_name(student)}.md", self.feedback(student))

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["student"]
        for c in self.challenges:
            header += [f"{c.id} points", f"{c.id} checks", f"{c.id} status"]
        writer.writerow(header + ["total points", "max points"])
        for student in self.students():
            row: list = [student]
            for c in self.challenges:
                cell = self.cells[(student, c.id)]
                row += [_number(cell["points"]), f"{cell['passed']}/{cell['total']}", cell["status"]]
            points, maximum = self.totals(student)
            writer.writerow(row + [_number(points), _number(maximum)])
        return buffer.getvalue()

    def as_json(self) -> dict:
        return {
            "torchdojo": __version__,
            "challenges": [{"id": c.id, "title": c.title, "pack": c.pack,
                            "checks": [{"name": k.name, "title": k.title, "points": c.points_for(k.name),
                                        "hidden": k.name in hidden_names(c, self.extra_checks)}
                                       for k in all_checks(c, self.extra_checks)]} for c in self.challenges],
            "students": {s: {"points": self.totals(s)[0], "max_points": self.totals(s)[1],
                             "challenges": {c.id: self.cells[(s, c.id)] for c in self.challenges}}
                         for s in self.students()},
        }

    def feedback(self, student: str) -> str:
        points, maximum = self.totals(student)
        lines = [f"# Feedback for {student}", "", f"**Total: {_number(points)} / {_number(maximum)} points**", ""]
        for c in self.challenges:
            cell = self.cells[(student, c.id)]
            lines += [f"## {c.id} — {c.title}", "",
                      f"{_number(cell['points'])} / {_number(cell['max_points'])} points · "
                      f"{cell['passed']} of {cell['total']} checks passed · {cell['status']}", ""]
            if cell["message"]:
                lines += [_quote(cell["message"]), ""]
            for check in cell["checks"]:
                mark = "✅" if check["status"] == "passed" else "❌"
                hidden = " *(hidden check)*" if check["hidden"] else ""
                lines.append(f"- {mark} {check['title']}{hidden}")
                if check["status"] != "passed" and check["message"] and not check["hidden"]:
                    lines.append(_quote(check["message"], "  "))
            if cell.get("mistake"):
                lines += ["", f"**Known mistake:** {cell['mistake']}"]
            if cell["output"].strip():
                lines += ["", "Your code printed:", "", "```", cell["output"][:1500].replace("```", "'''"), "```"]
            lines.append("")
        return "\n".join(lines)


def _quote(text: str, indent: str = "") -> str:
    return "\n".join(f"{indent}> {line}" for line in text[:2000].splitlines())


def _number(value: float) -> str:
    return f"{value:g}"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1
