"""The catalog's snapshot: what :func:`torchdojo.catalog.catalog` loaded, kept on disk for the next command.

Parsing every challenge.toml and finding the installed packs (importlib.metadata reads every
distribution on sys.path) costs a warm `torchdojo check` tens of milliseconds, so the catalog
loaded is kept as JSON in ``$XDG_CACHE_HOME/torchdojo/catalog/`` with what decided it:

- the context: the snapshot layout, torchdojo's version, where the loader's modules (catalog.py,
  packs.py, this one) are and their size and modification time (an edited loader never reads an
  old snapshot), the Python, the catalog's root folder and $TORCHDOJO_PACKS;
- the modification time, size and inode of every folder and file the loading looked at: the root
  and every pack's, each track and challenge folder (a file added, removed or renamed in a folder
  changes the folder's time), each challenge.toml and pack.toml, a folder challenge's template/
  and solution/;
- the modification time of every sys.path folder: installing or removing a distribution changes
  its folder's, so the entry points are only looked for again (and the packs compared) when one
  changed. A pack's entry point of the ``module:attr`` form computes its folder in code: the
  entry points are then looked for at every command.

Anything that differs, or a snapshot that does not read back, and the catalog is loaded as
without a snapshot (so a broken catalog raises its CatalogError), then the snapshot is rewritten
atomically. A snapshot is not written while a file it depends on was modified in the last
RACY_NS (a second change within the file system's time resolution would go unseen).
"""
from __future__ import annotations

import os
import sys
from dataclasses import fields
from pathlib import Path

from torchdojo.catalog import Catalog, Challenge, Resource, load_catalog

SNAPSHOT_FORMAT = 1
SNAPSHOT_ENV_VAR = "TORCHDOJO_CATALOG_SNAPSHOT"  # "0": never read or write one
RACY_NS = 2_000_000_000


def snapshot_path(root: Path) -> Path:
    """Where the snapshot of the catalog at `root` (with this $TORCHDOJO_PACKS) is kept."""
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    name = "\0".join((str(root), os.environ.get("TORCHDOJO_PACKS", ""), sys.executable, __file__))
    return Path(base) / "torchdojo" / "catalog" / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.json"


def _stamp(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size, info.st_ino]


def _context(root: Path) -> dict:
    from torchdojo import __version__

    here = os.path.dirname(__file__)
    code = tuple(os.path.join(here, name) for name in ("catalog.py", "packs.py", "catalog_snapshot.py"))
    return {"format": SNAPSHOT_FORMAT, "torchdojo": __version__, "python": sys.executable, "root": str(root),
            "packs_env": os.environ.get("TORCHDOJO_PACKS", ""), "code": [[f, _stamp(f)] for f in code]}


def _sys_path_stamps() -> list:
    return [[entry, _stamp(entry or ".")] for entry in sys.path]


def _tree(root: Path) -> list[str]:
    """The folders and files whose times decide the catalog (or pack) at `root`."""
    paths = [str(root), os.path.join(root, "pack.toml")]

    def folders(parent: str) -> list[str]:
        try:
            with os.scandir(parent) as entries:
                return sorted(e.path for e in entries if e.name[0] not in "_." and e.is_dir())
        except OSError:
            return []

    for track in folders(str(root)):
        paths.append(track)
        for folder in folders(track):
            paths += [folder, os.path.join(folder, "challenge.toml")]
            paths += [p for p in (os.path.join(folder, d) for d in ("template", "solution")) if os.path.isdir(p)]
    return paths


def _pack_json(pack) -> list:
    return [str(pack.root), pack.name, pack.origin, pack.title, pack.format_version]


def _challenge_json(challenge: Challenge) -> dict:
    data = {f.name: getattr(challenge, f.name) for f in fields(Challenge)}
    data["path"] = str(challenge.path)
    data["resources"] = [[r.title, r.url] for r in challenge.resources]
    return data


def _challenge_from_json(data: dict) -> Challenge:
    data = dict(data)
    data["path"] = Path(data["path"])
    data["resources"] = tuple(Resource(title, url) for title, url in data["resources"])
    for name in ("entry", "hints", "sources", "requires"):
        data[name] = tuple(data[name])
    return Challenge(**data)


def _same(a: Catalog, b: Catalog) -> bool:
    """Equal in every field (the dataclasses' == leaves some out)."""
    return len(a) == len(b) and all(_challenge_json(x) == _challenge_json(y) for x, y in zip(a, b))


def _from_snapshot(snapshot_file: Path, root: Path) -> Catalog | None:
    """The catalog in the snapshot when everything it depends on is as it was, else None."""
    if os.environ.get(SNAPSHOT_ENV_VAR, "") == "0":
        return None
    import json

    try:
        snap = json.loads(snapshot_file.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(snap, dict) or snap.get("context") != _context(root):
        return None
    sys_path = _sys_path_stamps()
    moved = snap["sys_path"] != sys_path  # something was installed or removed: look for the packs again
    if snap["dynamic"] or moved:
        from torchdojo import packs

        if [_pack_json(p) for p in packs.discover_packs()] != snap["packs"]:
            return None
    if any(_stamp(path) != stamp for path, stamp in snap["stamps"]):
        return None
    found = Catalog(tuple(_challenge_from_json(c) for c in snap["challenges"]))
    if moved:  # the same packs: only the folders' times are new
        _write_snapshot(snapshot_file, found, dict(snap, sys_path=sys_path))
    return found


def load_with_snapshot(root: Path) -> Catalog:
    """The catalog at `root` with the packs found: from the snapshot when nothing it depends on
    changed, else loaded (and the snapshot rewritten): the same catalog, or the same CatalogError."""
    snapshot_file = snapshot_path(root)
    try:
        found = _from_snapshot(snapshot_file, root)
    except Exception:  # noqa: BLE001 - unreadable, corrupt or of another layout: load instead
        found = None
    return found if found is not None else _load_and_snapshot(root, snapshot_file)


def _load_and_snapshot(root: Path, snapshot_file: Path) -> Catalog:
    """Load the catalog as if there were no snapshot, then write one (best effort)."""
    from torchdojo import packs

    context, sys_path, stamps = _context(root), _sys_path_stamps(), [[p, _stamp(p)] for p in _tree(root)]
    base = load_catalog(root)
    installed = packs.entry_points()
    found = packs.discover_packs(installed)
    for pack in found:
        stamps += [[p, _stamp(p)] for p in _tree(pack.root)]
    loaded = packs.with_packs(base, found)
    if os.environ.get(SNAPSHOT_ENV_VAR, "") != "0":
        _write_snapshot(snapshot_file, loaded, {
            "context": context, "sys_path": sys_path, "dynamic": any(e.attr for e in installed),
            "packs": [_pack_json(p) for p in found], "stamps": stamps})
    return loaded


def _write_snapshot(snapshot_file: Path, loaded: Catalog, snap: dict) -> None:
    import json
    import time

    times = [s[0] for _, s in snap["stamps"] + snap["sys_path"] + snap["context"]["code"] if s]
    if any(t > time.time_ns() - RACY_NS for t in times):
        return  # just modified: a change within the clock's resolution could go unseen
    try:
        text = json.dumps(dict(snap, challenges=[_challenge_json(c) for c in loaded]), allow_nan=False)
        if not _same(Catalog(tuple(_challenge_from_json(c) for c in json.loads(text)["challenges"])), loaded):
            return  # some value does not survive JSON (a TOML date in `play`, say): no snapshot
        from torchdojo.atomic import atomic_write_text

        atomic_write_text(snapshot_file, text)
    except (OSError, TypeError, ValueError):
        pass
