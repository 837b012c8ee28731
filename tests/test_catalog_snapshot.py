"""The catalog's snapshot (torchdojo.catalog: the parsed catalog kept in the user's cache): reused while
nothing it depends on changed, never a wrong catalog: a changed challenge.toml, a file gone from a
challenge, a new installed pack, a new or corrupt snapshot file all give exactly what loading gives,
CatalogError included."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from torchdojo import catalog_snapshot, packs
from torchdojo.catalog import CATALOG_ENV_VAR, CatalogError, catalog, load_catalog
from torchdojo.catalog_snapshot import snapshot_path
from torchdojo.packs import discover_packs, with_packs

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "examples" / "sample-pack" / "src" / "torchdojo_pack_sample"
KINDS = Path(__file__).parent / "fixtures" / "kinds"


def backdate(*roots: Path, seconds: float = 60) -> None:
    """Every file and folder under `roots` modified `seconds` ago (a snapshot is not written while
    a file it depends on is only just modified)."""
    when = time.time() - seconds
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                os.utime(os.path.join(folder, name), (when, when))
            os.utime(folder, (when, when))


def loaded() -> object:
    """The catalog as loading gives it, with no snapshot involved."""
    return with_packs(load_catalog(Path(os.environ[CATALOG_ENV_VAR])), discover_packs())


def fresh() -> object:
    catalog.cache_clear()
    return catalog()


def from_snapshot_only(monkeypatch) -> None:
    """Loading (and looking for installed packs) fails from now on: only the snapshot can answer."""
    def refuse(*args, **kwargs):
        raise AssertionError("loaded instead of taken from the snapshot")

    monkeypatch.setattr(catalog_snapshot, "load_catalog", refuse)
    monkeypatch.setattr(packs, "entry_points", refuse)


@pytest.fixture
def challenges(tmp_path, monkeypatch) -> Path:
    """A copy of the kinds fixture catalog (a file challenge and folder ones) as $TORCHDOJO_CHALLENGES,
    modified a minute ago; the process's catalog is forgotten before and after."""
    root = tmp_path / "challenges"
    shutil.copytree(KINDS, root)
    backdate(root)
    monkeypatch.setenv(CATALOG_ENV_VAR, str(root))
    catalog.cache_clear()
    yield root
    catalog.cache_clear()


def toml_of(root: Path, challenge_id: str) -> Path:
    return next(p for p in root.glob("*/*/challenge.toml") if f'id = "{challenge_id}"' in p.read_text())


def test_the_snapshot_is_written_and_gives_the_same_catalog(challenges, monkeypatch):
    first = fresh()
    assert snapshot_path(challenges).is_file()
    from_snapshot_only(monkeypatch)
    again = fresh()
    assert again == first and catalog_snapshot._same(again, first)
    assert [c.play for c in again] == [c.play for c in first] and all(
        isinstance(c.path, Path) and isinstance(c.entry, tuple) for c in again)


def test_a_changed_challenge_toml_is_read_again(challenges):
    fresh()
    toml = toml_of(challenges, "slow-probe")
    text = toml.read_text()
    title = text.split('title = "', 1)[1].split('"', 1)[0]
    toml.write_text(text.replace(f'title = "{title}"', f'title = "{"X" * len(title)}"'))  # the same size
    backdate(toml, seconds=30)  # and a time long past: only the time differs from the snapshot's
    assert fresh().get("slow-probe").title == "X" * len(title)
    assert fresh() == loaded()


def test_a_broken_catalog_raises_what_loading_raises(challenges):
    fresh()
    toml = toml_of(challenges, "slow-probe")
    toml.write_text(toml.read_text().replace('kind = "', 'colour = "red"\nkind = "', 1))
    with pytest.raises(CatalogError) as from_catalog:
        fresh()
    with pytest.raises(CatalogError) as from_loading:
        loaded()
    assert str(from_catalog.value) == str(from_loading.value) and "unknown key 'colour'" in str(from_catalog.value)


@pytest.mark.parametrize("remove", ["statement.md", "template/"])
def test_a_file_gone_from_a_challenge_is_noticed(challenges, remove):
    fresh()
    folder = next(p.parent for p in challenges.glob("*/*/template") if p.is_dir())  # a folder challenge
    if remove.endswith("/"):
        for path in (folder / remove).glob("*.py"):
            path.unlink()
    else:
        (folder / remove).unlink()
    with pytest.raises(CatalogError, match="missing"):
        fresh()


def test_a_new_challenge_folder_is_noticed(challenges):
    before = fresh()
    toml = toml_of(challenges, "slow-probe")
    copy = toml.parent.parent / "99-copy"
    shutil.copytree(toml.parent, copy)
    (copy / "challenge.toml").write_text(toml.read_text().replace('id = "slow-probe"', 'id = "slow-copy"'))
    assert fresh().ids() == before.ids() + ["slow-copy"]


def test_a_newly_installed_pack_is_found(challenges, tmp_path, monkeypatch):
    site = tmp_path / "site"
    shutil.copytree(SAMPLE, site / "my_pack")
    backdate(site)
    monkeypatch.syspath_prepend(str(site))
    before = fresh()
    assert "normalize-rows" not in before.ids() and snapshot_path(challenges).is_file()
    info = site / "my_pack-0.1.dist-info"  # installing it changes the sys.path folder's time
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-pack\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[torchdojo.packs]\nmine = my_pack\n")
    after = fresh()
    assert after.ids()[:len(before)] == before.ids() and "normalize-rows" in after.ids()
    assert after.get("normalize-rows").pack == "sample"  # pack.toml names it
    shutil.rmtree(info)  # and uninstalling it
    assert fresh().ids() == before.ids()


def test_an_unchanged_sys_path_folder_skips_the_search_for_packs(challenges, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    backdate(site)
    monkeypatch.syspath_prepend(str(site))
    first = fresh()
    from_snapshot_only(monkeypatch)
    assert fresh() == first
    (site / "unrelated.py").write_text("")  # the folder's time moves: packs are looked for again
    with pytest.raises(AssertionError, match="loaded instead"):
        fresh()


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[1, 2]", b'{"context": 1}', "partial"])
def test_a_corrupt_snapshot_is_never_trusted(challenges, damage):
    first = fresh()
    path = snapshot_path(challenges)
    if damage == "partial":  # valid JSON with the right context and stamps, but entries missing
        data = json.loads(path.read_bytes())
        data["challenges"] = [{"id": c["id"]} for c in data["challenges"]]
        damage = json.dumps(data).encode()
    path.write_bytes(damage)
    assert catalog_snapshot._same(fresh(), first)
    assert json.loads(path.read_bytes())["challenges"]  # and written again


def test_a_just_modified_catalog_is_not_snapshot(challenges):
    toml = toml_of(challenges, "slow-probe")
    toml.write_text(toml.read_text())  # modified now: a second change within the clock's resolution could hide
    fresh()
    assert not snapshot_path(challenges).exists()


def test_a_warm_process_reads_no_toml_and_no_installed_metadata(tmp_path):
    """The installed catalog, in new processes: the second takes it from the snapshot."""
    code = ("import sys; from torchdojo.catalog import catalog; catalog(); "
            "print(sorted(m for m in ('tomllib', 'importlib.metadata', 'torchdojo.data') if m in sys.modules))")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop(CATALOG_ENV_VAR, None)
    env.pop("TORCHDOJO_PACKS", None)
    backdate(tmp_path)  # the working folder is on sys.path (python -c): as if made a minute ago
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs[0] == "['importlib.metadata', 'tomllib']" and runs[1] == "[]"
