"""Packs: a folder in $TORCHDOJO_PACKS or an installed package's `torchdojo.packs` entry point; shown as
tracks by `torchdojo list`, ids namespaced on a clash, a newer format refused, points validated."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from torchdojo.catalog import CatalogError, catalog, load_catalog
from torchdojo.cli.app import main
from torchdojo.packs import discover_packs, distribution_pack, read_pack, with_packs

SAMPLE = Path(__file__).parent.parent / "examples" / "sample-pack" / "src" / "torchdojo_pack_sample"


@pytest.fixture
def fresh_catalog():
    catalog.cache_clear()
    yield
    catalog.cache_clear()


def test_a_pack_folder_is_listed_as_tracks(monkeypatch, fresh_catalog, capsys):
    monkeypatch.setenv("TORCHDOJO_PACKS", str(SAMPLE))
    leaky = catalog().get("leaky-relu")
    assert leaky.pack == "sample" and leaky.track == "sample/activations" and leaky.number == len(catalog()) - 1
    assert leaky.points == {"check_gradients": 2} and leaky.has_hidden_checks
    assert main(["list"]) == 0
    assert "sample/activations" in capsys.readouterr().out


def test_an_installed_pack_is_found_by_its_entry_point(tmp_path, monkeypatch, fresh_catalog):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site / "my_pack")
    info = site / "my_pack-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-pack\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[torchdojo.packs]\nmine = my_pack\n")
    monkeypatch.syspath_prepend(str(site))
    (site / "my_pack" / "pack.toml").write_text("format_version = 1\n")  # the name comes from the entry point
    packs = [p for p in discover_packs() if p.name == "mine"]
    assert len(packs) == 1 and packs[0].root == site / "my_pack" and "my-pack 0.1" in packs[0].origin
    assert "normalize-rows" in catalog().ids()
    assert "my_pack" not in sys.modules  # found without importing it


def test_ids_are_namespaced_on_a_clash(tmp_path):
    base = load_catalog(SAMPLE)
    combined = with_packs(base, [read_pack(SAMPLE)])  # pack.toml names it "sample"
    assert combined.ids() == ["leaky-relu", "normalize-rows", "sample:leaky-relu", "sample:normalize-rows"]
    assert combined.get("sample:leaky-relu").track_folder == "sample/01-activations"
    with pytest.raises(CatalogError, match="two challenge packs are called 'sample'"):
        with_packs(base, [read_pack(SAMPLE), read_pack(SAMPLE)])


def test_pack_and_challenge_versions_and_points_are_validated(tmp_path):
    pack = tmp_path / "p"
    shutil.copytree(SAMPLE, pack)
    (pack / "pack.toml").write_text("format_version = 99\n")
    with pytest.raises(CatalogError, match="format_version 99 is not one this torchdojo reads"):
        read_pack(pack)
    toml = pack / "01-activations" / "01-leaky-relu" / "challenge.toml"
    toml.write_text(toml.read_text().replace("check_gradients = 2", "check_gradients = -1"))
    with pytest.raises(CatalogError, match="'points' is a table"):
        load_catalog(pack)


def test_a_distribution_folder_stands_for_the_pack_its_entry_point_names(tmp_path, capsys):
    """A folder with a pyproject.toml declaring a `torchdojo.packs` entry point: its pack is the package's
    folder, src/<package>/ or <package>/; one it cannot find there is named, with what to do."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "p"\n[project.entry-points."torchdojo.packs"]\nmine = "my_pack"\n')
    with pytest.raises(FileNotFoundError, match="its pack 'mine' = 'my_pack' is not a package folder here"):
        distribution_pack(tmp_path)
    assert main(["dev", "check", str(tmp_path)]) == 5
    assert "name the pack's own folder" in capsys.readouterr().err
    (tmp_path / "my_pack").mkdir()
    assert distribution_pack(tmp_path) == tmp_path / "my_pack"
    (tmp_path / "src" / "my_pack").mkdir(parents=True)
    assert distribution_pack(tmp_path) == tmp_path / "src" / "my_pack"
    assert distribution_pack(tmp_path / "src" / "my_pack") is None  # no pyproject.toml: a pack itself
    pyproject.write_text('[project]\nname = "p"\n')
    assert distribution_pack(tmp_path) is None  # declares no pack
