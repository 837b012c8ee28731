"""The catalog integrity test: for every challenge, the template fails (pointing at a TODO), every
mutant fails and is recognised by its own diagnosis, the solution passes, and every check is the
one that fails for some mutant or for the template's own wrong answer (no check that cannot fail).
What "valid" means lives in torchdojo.authoring, which `torchdojo dev check` runs too: one definition.
Also: the loader's errors name the file and the problem."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from torchdojo import authoring
from torchdojo.catalog import CHALLENGES_DIR, CatalogError, catalog, load_catalog, read_folder
from torchdojo.grading.report import Status
from torchdojo.grading.runner import grade

IDS = catalog().ids()
# One worker grades all of a challenge (its solution, template, mutants, alternatives: cached per process);
# `pytest -n 2 --dist loadgroup` keeps each challenge's tests together instead of grading it on both workers.
# The ones with the longest checks go first, so that the two workers finish together, not one of them
# starting a minutes-long project while the other has nothing left.
CHALLENGES = [pytest.param(i, marks=pytest.mark.xdist_group(i))
              for i in sorted(IDS, key=lambda i: -catalog().get(i).time_limit)]


def graded(challenge_id: str) -> authoring.Graded:
    return authoring.grade_challenge(catalog().get(challenge_id))


def test_catalog_is_not_empty():
    assert len(IDS) >= 8


@pytest.mark.parametrize("challenge_id", CHALLENGES[:1])
def test_a_challenge_s_tests_share_one_worker(challenge_id, request):
    """Under `pytest -n 2 --dist loadgroup` (CI) a challenge's tests carry its group, so one worker
    grades it once; with a pytest that xdist cannot mark (pytest 9 with xdist 3.8) both would."""
    if not getattr(request.config.option, "loadgroup", False):  # set in xdist's workers under loadgroup
        pytest.skip("only a `pytest -n N --dist loadgroup` worker groups tests")
    assert request.node.nodeid.endswith(f"@{challenge_id}"), request.node.nodeid


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_solution_passes(challenge_id):
    assert not authoring.solution_problems(graded(challenge_id))


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_alternative_solutions_pass(challenge_id):
    """Correct answers written in other styles pass too: no check is stricter than the statement."""
    assert not authoring.alternative_problems(graded(challenge_id))


def test_a_folder_alternative_is_the_solution_with_the_files_it_writes_differently():
    folder_challenges = [catalog().get(i) for i in IDS if catalog().get(i).is_folder]
    assert folder_challenges
    for challenge in folder_challenges:
        solution = challenge.source("solution")
        for name, files in challenge.alternatives().items():
            own = read_folder(challenge.path / "alternatives" / name)
            assert files == {**solution, **own} and set(own) <= set(files), (challenge.id, name)
    bugs = catalog().get("training-bugs")  # its alternatives write common.py as the solution does
    assert all(files["common.py"] == bugs.source("solution")["common.py"]
               for files in bugs.alternatives().values())
    assert not list((bugs.path / "alternatives").glob("*/common.py"))


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_template_fails_pointing_at_todo(challenge_id):
    assert not authoring.template_problems(graded(challenge_id))


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_every_mutant_fails_and_is_recognised(challenge_id):
    assert not authoring.mutant_problems(graded(challenge_id))


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_every_check_can_fail(challenge_id):
    """Each check rejects some mutant, or the template with a real wrong answer (not just its TODO)."""
    assert not authoring.coverage_problems(graded(challenge_id))


@pytest.mark.parametrize("challenge_id", CHALLENGES)
def test_challenge_reads_like_a_lesson(challenge_id):
    challenge = catalog().get(challenge_id)
    assert not authoring.lesson_problems(challenge, graded(challenge_id).checks)
    assert not authoring.stray_files(challenge.path, challenge.is_folder)


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
    assert all(r.status is not Status.SKIPPED for r in graded("huber-loss").solution.results)


@pytest.mark.parametrize("fit_body, over_budget", [
    ("    end = time.process_time() + 2\n    while time.process_time() < end:\n        pass\n", True),
    ("    time.sleep(3)\n", False),  # the clock on the wall is not the budget
])
def test_fashion_classifiers_budget_is_the_cpu_time_of_fit_measured_by_the_grader(tmp_path, fit_body, over_budget):
    """No mutant trains for the real budget (minutes of CPU), so the budget check is shown failing here,
    on a copy of the challenge whose budget is 1 CPU second."""
    challenge = catalog().get("fashion-mnist-classifier")
    folder = tmp_path / "05-real-data" / challenge.path.name
    shutil.copytree(challenge.path, folder)
    checks = folder / "checks.py"
    checks.write_text(re.sub(r"^BUDGET_S = \d+", "BUDGET_S = 1", checks.read_text(), count=1, flags=re.M))
    copy = load_catalog(tmp_path).get(challenge.id)
    solution = challenge.read("solution.py")
    head, _, _ = solution.partition("def fit(")
    source = f"import time\n{head}def fit(model, images, labels):\n{fit_body}"
    report = grade(copy, source, match_mistakes=False)
    budget = next(r for r in report.results if r.name == "check_fit_trains_within_budget")
    assert budget.status is Status.FAILED
    assert ("over the budget of 1 s" in budget.message) is over_budget, budget.message
