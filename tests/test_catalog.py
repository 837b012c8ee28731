"""The catalog integrity test: for every challenge, the template fails (pointing at a TODO), every
mutant fails and is recognised by its own diagnosis, the solution passes, and every check is the
one that fails for some mutant or for the template's own wrong answer (no check that cannot fail).
Also: the loader's errors name the file and the problem."""
from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from torchdojo.catalog import CHALLENGES_DIR, CatalogError, catalog, load_catalog
from torchdojo.grading.diagnostics import match_mistake
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.report import Status
from torchdojo.grading.runner import checks_for, grade, plain_signature

IDS = catalog().ids()


@cache
def graded(challenge_id: str) -> dict:
    """Reports for the solution, the template and each mutant of one challenge; each mutant's report
    names the mutant it is recognised as (for every kind: `check` only matches unit challenges')."""
    challenge = catalog().get(challenge_id)
    solution = challenge.source("solution")
    mutants = {m.name: (m, grade(challenge, m.build(solution), match_mistakes=False))
               for m in load_mutants(challenge.path)}
    known = [(name, m.diagnosis, None if report.passed else plain_signature(report))
             for name, (m, report) in mutants.items()]
    for _, report in mutants.values():
        report.mistake = match_mistake(report, known)
    return {
        "solution": grade(challenge, solution),
        "template": grade(challenge, challenge.source("template")),
        "mutants": mutants,
        "alternatives": {name: grade(challenge, source, label=challenge.file.rstrip("/"))
                         for name, source in challenge.alternatives().items()},
    }


def test_catalog_is_not_empty():
    assert len(IDS) >= 8


@pytest.mark.parametrize("challenge_id", IDS)
def test_solution_passes(challenge_id):
    report = graded(challenge_id)["solution"]
    assert report.passed, [(r.name, r.status, r.message) for r in report.results] or report.load_error


@pytest.mark.parametrize("challenge_id", IDS)
def test_alternative_solutions_pass(challenge_id):
    """Correct answers written in other styles pass too: no check is stricter than the statement."""
    alternatives = graded(challenge_id)["alternatives"]
    assert len(alternatives) >= 2, "each challenge needs at least two alternative solutions in alternatives/"
    for name, report in alternatives.items():
        assert report.passed, (name, [(r.name, r.message) for r in report.results if not r.passed] or report.load_error)


@pytest.mark.parametrize("challenge_id", IDS)
def test_template_fails_pointing_at_todo(challenge_id):
    report = graded(challenge_id)["template"]
    assert not report.passed
    messages = " ".join(r.message for r in report.results if not r.passed)
    assert "TODO" in messages or "not implemented yet" in messages, messages


@pytest.mark.parametrize("challenge_id", IDS)
def test_every_mutant_fails_and_is_recognised(challenge_id):
    mutants = graded(challenge_id)["mutants"]
    assert len(mutants) >= 3, "each challenge needs at least three mutants"
    for name, (mutant, report) in mutants.items():
        assert not report.passed, f"mutant {name!r} passes every check"
        assert report.mistake is not None and report.mistake.name == name, (
            f"mutant {name!r} is reported as {report.mistake}: two mutants fail identically")
        assert mutant.diagnosis.strip() and "\n" not in mutant.diagnosis


@pytest.mark.parametrize("challenge_id", IDS)
def test_every_check_can_fail(challenge_id):
    """Each check rejects some mutant, or the template with a real wrong answer (not just its TODO)."""
    reports = graded(challenge_id)
    failing: set[str] = set()
    for _, report in reports["mutants"].values():
        failing |= {r.name for r in report.results if not r.passed}
    failing |= {r.name for r in reports["template"].results if not r.passed and r.fingerprint != "todo"}
    never = [c.name for c in checks_for(catalog().get(challenge_id)) if c.name not in failing]
    assert not never, f"checks that no mutant fails: {never}"


@pytest.mark.parametrize("challenge_id", IDS)
def test_challenge_reads_like_a_lesson(challenge_id):
    challenge = catalog().get(challenge_id)
    statement = challenge.statement
    assert statement.startswith("# ") and "## What is checked" in statement and len(statement) > 600
    template = challenge.source("template")
    assert "TODO" in (" ".join(template.values()) if isinstance(template, dict) else template)
    assert len(challenge.hints) >= 3 and challenge.resources
    checks = checks_for(challenge)
    assert len(checks) >= 3 and all(c.title != c.name for c in checks), "every check needs a docstring"


# --- the loader's errors ---------------------------------------------------------------------


@pytest.fixture
def one_challenge(tmp_path) -> Path:
    source = catalog().get("huber-loss").path
    folder = tmp_path / "01-track" / "01-huber"
    shutil.copytree(source, folder)
    return folder


def _edit_toml(folder: Path, old: str, new: str) -> None:
    toml = folder / "challenge.toml"
    toml.write_text(toml.read_text().replace(old, new, 1))


def test_loader_accepts_a_copy(one_challenge):
    assert load_catalog(one_challenge.parent.parent).ids() == ["huber-loss"]


@pytest.mark.parametrize("edit, problem", [
    (('difficulty = "easy"', 'difficulty = "trivial"'), "bad difficulty 'trivial'"),
    (('kind = "unit"', 'kind = "unit"\ncolour = "red"'), "unknown key 'colour'"),
    (('title = ', 'name = '), "unknown key 'name'"),
    (('time_limit = 10', 'time_limit = "ten"'), "'time_limit' has the wrong type"),
    (('id = "huber-loss"', 'id = "Huber Loss"'), "must be lowercase words"),
    (('kind = "unit"', 'kind = "unit'), "not valid TOML"),
])
def test_loader_names_file_and_problem(one_challenge, edit, problem):
    _edit_toml(one_challenge, *edit)
    with pytest.raises(CatalogError) as info:
        load_catalog(one_challenge.parent.parent)
    assert str(one_challenge / "challenge.toml") in str(info.value) and problem in str(info.value)


def test_loader_wants_escalating_hints(one_challenge):
    toml = one_challenge / "challenge.toml"
    toml.write_text(re.sub(r"hints = \[.*?\n\]", 'hints = ["just one"]', toml.read_text(), flags=re.DOTALL))
    with pytest.raises(CatalogError, match="'hints' needs at least 3"):
        load_catalog(one_challenge.parent.parent)


def test_loader_reports_missing_file(one_challenge):
    (one_challenge / "mutants.py").unlink()
    with pytest.raises(CatalogError, match=r"mutants\.py: missing file"):
        load_catalog(one_challenge.parent.parent)


def test_loader_reports_duplicate_id(one_challenge):
    shutil.copytree(one_challenge, one_challenge.parent / "02-again")
    with pytest.raises(CatalogError, match=r"02-again/challenge\.toml: duplicate id 'huber-loss'"):
        load_catalog(one_challenge.parent.parent)


def test_installed_catalog_root_exists():
    assert CHALLENGES_DIR.is_dir()
    assert all(r.status is not Status.SKIPPED for r in graded("huber-loss")["solution"].results)
