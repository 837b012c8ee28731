"""`torchdojo dev new` and `dev check`: a scaffold that is valid as it is, a report that names each
broken property, and the sample pack in examples/ valid (CI runs this)."""
from __future__ import annotations

from pathlib import Path

from torchdojo.authoring import audit_folder
from torchdojo.cli.app import main
from torchdojo.scaffold import scaffold

DISTRIBUTION = Path(__file__).parent.parent / "examples" / "sample-pack"
SAMPLE = DISTRIBUTION / "src" / "torchdojo_pack_sample"


def _failing(result) -> dict:
    return {cid: [f.what for f in findings if not f.ok] for cid, _, findings in result.challenges}


def test_sample_pack_passes_dev_check(capsys):
    assert main(["dev", "check", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "ok   leaky-relu" in out and "ok   normalize-rows" in out and "2 of 2 challenges valid" in out


def test_dev_check_of_a_distribution_folder_checks_the_pack_inside(capsys):
    """README: `torchdojo dev check examples/sample-pack`, the folder with pyproject.toml: its entry
    point names the package src/torchdojo_pack_sample, which is the pack."""
    assert main(["dev", "check", str(DISTRIBUTION)]) == 0
    out = capsys.readouterr().out
    assert f"Checking {SAMPLE}" in out and "2 of 2 challenges valid." in out and "FAIL" not in out


def test_a_distribution_folder_with_a_broken_pyproject_is_a_bad_file(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[project\nname = "half a table"\n')
    assert main(["dev", "check", str(tmp_path)]) == 9  # the author's file, not a bug in torchdojo
    err = capsys.readouterr().err
    assert f"{tmp_path / 'pyproject.toml'}: not valid TOML" in err and "internal error" not in err


def test_the_readme_commands_make_a_valid_pack(tmp_path, monkeypatch, capsys):
    """README: `dev new activations/leaky-relu --root my-pack/`, then `dev check my-pack/`: dev new
    writes the pack.toml a pack needs, and says so."""
    monkeypatch.chdir(tmp_path)
    assert main(["dev", "new", "activations/leaky-relu", "--root", "my-pack/"]) == 0
    assert "Created my-pack/pack.toml" in capsys.readouterr().out
    assert 'name = "my-pack"' in (tmp_path / "my-pack" / "pack.toml").read_text()
    assert main(["dev", "check", "my-pack/"]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 challenges valid." in out and "FAIL" not in out


def test_a_pack_without_pack_toml_is_told_to_add_one(tmp_path, capsys):
    scaffold(tmp_path, "basics/centre-rows")  # the function: no pack.toml
    assert main(["dev", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL no pack.toml in {tmp_path}: a pack has one at its root" in out and "format_version = 1" in out
    assert "no format_version" not in out and "1 of 1 challenges valid; 1 problems with the pack itself." in out


def test_a_challenges_folder_needs_no_pack_toml(tmp_path, monkeypatch, capsys):
    """$TORCHDOJO_CHALLENGES's folder is the catalog, not a pack: dev new writes no pack.toml there and
    dev check asks for none, whether the folder is named or not."""
    monkeypatch.setenv("TORCHDOJO_CHALLENGES", str(tmp_path))
    assert main(["dev", "new", "basics/centre-rows"]) == 0
    assert not (tmp_path / "pack.toml").exists() and "pack.toml" not in capsys.readouterr().out
    assert main(["dev", "check", str(tmp_path)]) == 0
    assert "1 of 1 challenges valid." in capsys.readouterr().out


def test_scaffold_is_valid_and_dev_check_names_what_breaks(tmp_path, capsys):
    assert main(["dev", "new", "basics/centre-rows", "--root", str(tmp_path)]) == 0
    folder = tmp_path / "01-basics" / "01-centre-rows"
    assert sorted(p.name for p in folder.iterdir()) == ["alternatives", "challenge.toml", "checks.py", "mutants.py",
                                                       "solution.py", "statement.md", "template.py"]
    result = audit_folder(tmp_path)
    assert result.problems == [] and _failing(result) == {"centre-rows": []}
    # break it: a mutant the checks cannot see, a solution that fails, a stray file, a resource that is no URL
    mutants = folder / "mutants.py"
    mutants.write_text(mutants.read_text().replace("MUTANTS = [", 'MUTANTS = [\n    Mutant("same", "no change", '
                                                   'replace={"keepdim=True)": "keepdim=True) + 0"}),'))
    (folder / "notes.txt").write_text("todo")
    toml = folder / "challenge.toml"
    toml.write_text(toml.read_text().replace("https://pytorch.org/docs/stable/generated/torch.mean.html", "torch.mean"))
    assert main(["dev", "check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "mutant 'same' passes every check" in out and "stray file notes.txt" in out
    assert "resource 'torch.mean' is not a URL" in out and "0 of 1 challenges valid" in out
    assert main(["dev", "new", "basics/centre-rows", "--root", str(tmp_path)]) == 2  # exists already
    assert main(["dev", "new", "Basics", "--root", str(tmp_path)]) == 2


def test_broken_checks_are_a_finding_not_a_crash(tmp_path):
    folder = scaffold(tmp_path, "basics/broken")
    (folder / "checks.py").write_text("import no_such_module\n")
    findings = dict((f.what, f.problems) for f in audit_folder(tmp_path, pack=False).challenges[0][2])
    assert "ModuleNotFoundError" in findings["checks and mutants load"][0]


def test_a_folder_that_does_not_load_is_named(tmp_path):
    scaffold(tmp_path, "basics/good")
    bad = scaffold(tmp_path, "basics/bad")
    (bad / "challenge.toml").write_text("id = 'bad'\n")
    result = audit_folder(tmp_path, pack=False)
    assert [cid for cid, _, _ in result.challenges] == ["good"]
    assert any("missing required key" in p and "02-bad" in p for p in result.problems)
