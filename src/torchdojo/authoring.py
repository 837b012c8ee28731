"""What makes a challenge valid: the one definition that `tests/test_catalog.py` and `torchdojo dev
check` share.

For one challenge, :func:`grade_challenge` grades the solution, the template, every mutant and every
alternative (with the hidden checks too: they must pass the solution and be able to fail like the
others). Each ``*_problems`` function then names what is wrong, as sentences for the author (an
empty list: that property holds):

- the solution passes; every alternative passes (and there are at least two);
- the untouched template fails pointing at a TODO;
- every mutant fails, and is recognised by its own diagnosis (no two mutants fail identically);
- every check fails for some mutant, or for the template's real wrong answer;
- the lesson reads like one (statement, hints, resources that are URLs, checks with docstrings,
  `points` that name real checks), and the folder holds no stray files.

:func:`audit` runs them all and returns :class:`Finding`s; :func:`audit_folder` loads a pack (or the
catalog's folder) challenge by challenge, so one broken folder does not hide the others.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from torchdojo.catalog import (HIDDEN_CHECKS, REQUIRED_FILES, CatalogError, Challenge, _numbered_dirs,
                               load_challenge)

MIN_MUTANTS, MIN_ALTERNATIVES, MIN_CHECKS, MIN_STATEMENT = 3, 2, 3, 600
ALLOWED = set(REQUIRED_FILES) | {HIDDEN_CHECKS, "alternatives", "__pycache__"}
FOLDER_ALLOWED = ALLOWED - {"template.py", "solution.py"} | {"template", "solution"}


@dataclass
class Graded:
    """Every grading the integrity properties need, for one challenge."""
    solution: object
    template: object
    mutants: dict = field(default_factory=dict)  # name -> (Mutant, Report), each report's mistake matched
    alternatives: dict = field(default_factory=dict)  # name -> Report
    checks: list = field(default_factory=list)  # every check, hidden ones included


@lru_cache(maxsize=None)
def grade_challenge(challenge: Challenge) -> Graded:
    """Reports for the solution, the template, each mutant and each alternative of one challenge, all
    with the hidden checks; each mutant's report names the mutant it is recognised as, among all the
    mutants (for every kind: `check` only matches unit challenges')."""
    from torchdojo.grading.diagnostics import match_mistake
    from torchdojo.grading.mutants import load_mutants
    from torchdojo.grading.runner import checks_for, grade, hidden_checks_for, plain_signature

    solution = challenge.source("solution")
    label = challenge.file.rstrip("/")
    mutants = {m.name: (m, grade(challenge, m.build(solution), match_mistakes=False, hidden=True))
               for m in load_mutants(challenge.path)}
    known = [(name, m.diagnosis, None if report.passed else plain_signature(report))
             for name, (m, report) in mutants.items()]
    for _, report in mutants.values():
        report.mistake = match_mistake(report, known)
    return Graded(
        solution=grade(challenge, solution, hidden=True),
        template=grade(challenge, challenge.source("template"), hidden=True),
        mutants=mutants,
        alternatives={name: grade(challenge, source, label=label, hidden=True)
                      for name, source in challenge.alternatives().items()},
        checks=checks_for(challenge) + hidden_checks_for(challenge),
    )


def _failures(report) -> str:
    if report.load_error:
        return f"did not load: {report.load_error.splitlines()[0] if report.load_error else ''}"
    failed = [f"{r.name} ({r.status.value}: {r.message.splitlines()[0] if r.message else ''})"
              for r in report.results if not r.passed]
    return "; ".join(failed)[:600]


def solution_problems(graded: Graded) -> list[str]:
    report = graded.solution
    return [] if report.passed else [f"the solution fails: {_failures(report)}"]


def alternative_problems(graded: Graded) -> list[str]:
    """Correct answers written in other styles pass too: no check is stricter than the statement."""
    problems = [] if len(graded.alternatives) >= MIN_ALTERNATIVES else [
        f"{len(graded.alternatives)} alternative solutions in alternatives/; at least {MIN_ALTERNATIVES} are needed, "
        "in other styles"]
    problems += [f"alternative {name} fails: {_failures(report)}"
                 for name, report in graded.alternatives.items() if not report.passed]
    return problems


def template_problems(graded: Graded) -> list[str]:
    report = graded.template
    if report.passed:
        return ["the untouched template passes every check"]
    messages = " ".join(r.message for r in report.results if not r.passed) + report.load_error
    if "TODO" in messages or "not implemented yet" in messages:
        return []
    return [f"the template fails without pointing at a TODO (raise NotImplementedError(\"TODO: ...\") at each edit "
            f"site): {_failures(report)}"]


def mutant_problems(graded: Graded) -> list[str]:
    problems = [] if len(graded.mutants) >= MIN_MUTANTS else [
        f"{len(graded.mutants)} mutants; at least {MIN_MUTANTS} are needed"]
    for name, (mutant, report) in graded.mutants.items():
        if report.passed:
            problems.append(f"mutant {name!r} passes every check: no check notices it")
        elif report.mistake is None or report.mistake.name != name:
            problems.append(f"mutant {name!r} is recognised as {report.mistake.name!r}: the two fail identically "
                            "(a check that tells them apart, or a fingerprint that names the difference)"
                            if report.mistake else f"mutant {name!r} is not recognised by its own diagnosis")
        if not mutant.diagnosis.strip() or "\n" in mutant.diagnosis:
            problems.append(f"mutant {name!r} needs a one-line diagnosis")
    return problems


def coverage_problems(graded: Graded) -> list[str]:
    """Each check rejects some mutant, or the template with a real wrong answer (not just its TODO)."""
    failing: set[str] = set()
    for _, report in graded.mutants.values():
        failing |= {r.name for r in report.results if not r.passed}
    failing |= {r.name for r in graded.template.results if not r.passed and r.fingerprint != "todo"}
    never = [c.name for c in graded.checks if c.name not in failing]
    return [f"checks that no mutant fails (they cannot fail, as far as we know): {', '.join(never)}"] if never else []


def lesson_problems(challenge: Challenge, checks: list | None = None) -> list[str]:
    """The metadata and texts: a statement that teaches, a template with TODOs, hints, resources that
    are URLs, checks with docstrings, `points` that name real checks."""
    problems = []
    statement = challenge.statement
    if not statement.startswith("# "):
        problems.append("statement.md must start with a '# ' title")
    if "## What is checked" not in statement:
        problems.append("statement.md needs a '## What is checked' section")
    if len(statement) <= MIN_STATEMENT:
        problems.append(f"statement.md is {len(statement)} characters; a statement that teaches is longer than "
                        f"{MIN_STATEMENT}")
    template = challenge.source("template")
    if "TODO" not in (" ".join(template.values()) if isinstance(template, dict) else template):
        problems.append("the template has no TODO")
    if len(challenge.hints) < 3:
        problems.append("fewer than 3 hints")
    if not challenge.resources:
        problems.append("no resources (links for further reading)")
    problems += [f"resource {r.title!r} is not a URL: {r.url!r}" for r in challenge.resources
                 if not r.url.startswith(("https://", "http://"))]
    if checks is not None:
        if len(checks) < MIN_CHECKS:
            problems.append(f"{len(checks)} checks; at least {MIN_CHECKS} are needed")
        problems += [f"{c.name} has no docstring (its first line is what the learner reads)"
                     for c in checks if c.title == c.name]
        names = {c.name for c in checks}
        problems += [f"'points' names {name}, which is not a check" for name in challenge.points if name not in names]
    return problems


def stray_files(folder: Path, is_folder: bool) -> list[str]:
    """Files and folders a challenge folder should not hold (a leftover, a typo in a name)."""
    allowed = FOLDER_ALLOWED if is_folder else ALLOWED
    stray = [p.name for p in sorted(folder.iterdir()) if p.name not in allowed and not p.name.startswith(".")]
    alternatives = folder / "alternatives"
    if alternatives.is_dir():
        stray += [f"alternatives/{p.name}" for p in sorted(alternatives.iterdir())
                  if not p.name.startswith((".", "_")) and (p.is_dir() != is_folder or
                                                            (not is_folder and p.suffix != ".py"))]
    return [f"stray file {name} (a challenge folder holds {', '.join(sorted(allowed))})" for name in stray]


@dataclass
class Finding:
    what: str  # the property, e.g. "solution passes"
    problems: list[str]  # empty: it holds

    @property
    def ok(self) -> bool:
        return not self.problems


PROPERTIES = (  # (what, function of Graded)
    ("solution passes", solution_problems),
    ("template fails at a TODO", template_problems),
    ("every mutant fails, recognised by its own diagnosis", mutant_problems),
    ("alternatives pass", alternative_problems),
    ("every check can fail", coverage_problems),
)


def audit(challenge: Challenge) -> list[Finding]:
    """Every integrity property of one challenge. A challenge whose checks or mutants cannot even be
    imported gets one finding saying why, instead of the gradings."""
    findings = [Finding("files", stray_files(challenge.path, challenge.is_folder))]
    try:
        graded = grade_challenge(challenge)
    except Exception as exc:  # noqa: BLE001 - the author's checks.py or mutants.py is broken: say where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        findings.append(Finding("checks and mutants load", [
            f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"]))
        findings.append(Finding("metadata", lesson_problems(challenge)))
        return findings
    findings.append(Finding("metadata", lesson_problems(challenge, graded.checks)))
    findings += [Finding(what, fn(graded)) for what, fn in PROPERTIES]
    return findings


@dataclass
class FolderAudit:
    """A pack's (or a catalog folder's) audit: problems of the pack itself, then each challenge's."""
    root: Path
    problems: list[str] = field(default_factory=list)  # the pack's own: pack.toml, folder names, duplicate ids
    challenges: list[tuple[str, Path, list[Finding]]] = field(default_factory=list)  # (id, folder, findings)

    @property
    def ok(self) -> bool:
        return not self.problems and all(f.ok for _, _, findings in self.challenges for f in findings)


def load_folder(root: Path) -> tuple[list[Challenge], list[str]]:
    """Each challenge under `root` (a pack, or a single challenge folder), loaded one by one: the ones
    that load, and one problem per folder that does not."""
    root = Path(root)
    if (root / "challenge.toml").is_file():  # one challenge folder
        try:
            return [load_challenge(root, 1, root.parent.name if root.parent.name[:2].isdigit() else "00-track")], []
        except CatalogError as exc:
            return [], [str(exc)]
    challenges, problems, seen = [], [], {}
    try:
        tracks = _numbered_dirs(root)
    except CatalogError as exc:
        return [], [str(exc)]
    for track in tracks:
        try:
            folders = _numbered_dirs(track)
        except CatalogError as exc:
            problems.append(str(exc))
            continue
        for folder in folders:
            try:
                challenge = load_challenge(folder, len(challenges) + 1, track.name)
            except CatalogError as exc:
                problems.append(str(exc))
                continue
            if challenge.id in seen:
                problems.append(f"{folder / 'challenge.toml'}: duplicate id {challenge.id!r} (also in "
                                f"{seen[challenge.id]})")
                continue
            seen[challenge.id] = folder
            challenges.append(challenge)
    if not challenges and not problems:
        problems.append(f"{root}: no challenges (a pack holds NN-track/NN-id/ folders, each with "
                        f"{', '.join(REQUIRED_FILES)})")
    return challenges, problems


def pack_file_problems(root: Path) -> list[str]:
    """A pack's pack.toml: there, valid, with a format_version (so a later torchdojo knows which layout
    the pack is written for)."""
    from torchdojo.packs import PACK_FILE, read_pack

    if not (root / PACK_FILE).is_file():
        return [f"no {PACK_FILE} in {root}: a pack has one at its root, with `name = \"mine\"`, `title = \"…\"` "
                "and `format_version = 1` (`torchdojo dev new --root <pack>` writes one; a plain folder of challenges "
                "needs none when $TORCHDOJO_CHALLENGES names it)"]
    try:
        if read_pack(root).format_version is None:
            return [f"{root / PACK_FILE}: no format_version (add `format_version = 1`, so a later torchdojo "
                    "knows which layout the pack is written for)"]
    except CatalogError as exc:
        return [str(exc)]
    return []


def audit_folder(root: Path, pack: bool = True, on_challenge=None) -> FolderAudit:
    """Audit every challenge under `root`; a pack (`pack`) also needs a pack.toml with a format_version.
    `on_challenge(challenge)` is called before each challenge is graded (for a progress line)."""
    result = FolderAudit(Path(root))
    if pack and not (Path(root) / "challenge.toml").is_file():
        result.problems += pack_file_problems(Path(root))
    challenges, problems = load_folder(root)
    result.problems += problems
    for challenge in challenges:
        if on_challenge:
            on_challenge(challenge)
        result.challenges.append((challenge.id, challenge.path, audit(challenge)))
    return result
