"""Challenge packs: challenges from outside the package, in the catalog's own layout.

A pack is a folder laid out like ``torchdojo/challenges/`` (``NN-track/NN-id/`` with the six files
each), with an optional ``pack.toml`` at its root::

    name = "sample"            # how the pack is called (default: the folder's name)
    title = "A sample pack"
    format_version = 1         # the layout it is written for; `torchdojo dev check` asks for it

It is found in two ways:

- a folder named in ``$TORCHDOJO_PACKS`` (several joined with ``:``, like ``PATH``);
- an installed Python package that declares an entry point in the group ``torchdojo.packs``::

      [project.entry-points."torchdojo.packs"]
      sample = "torchdojo_pack_sample"       # the package's folder is the pack

  (``"module:attr"`` also works: the attribute is the pack's folder, or a function returning it).

Its challenges follow the built-in ones in the catalog; `torchdojo list` shows each of its tracks as
``<pack>/<track>``. An id that is already taken is namespaced as ``<pack>:<id>``. Nothing here
imports torch, and an entry point that names a plain package is located without importing it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from torchdojo.catalog import (CATALOG_ENV_VAR, CHALLENGES_DIR, FORMAT_VERSION, ID_PATTERN, Catalog, CatalogError,
                               Challenge, load_catalog)

if TYPE_CHECKING:
    import importlib.metadata

PACKS_ENV_VAR = "TORCHDOJO_PACKS"
ENTRY_POINT_GROUP = "torchdojo.packs"
PACK_FILE = "pack.toml"
PACK_FIELDS = {"name": str, "title": str, "format_version": int}


@dataclass(frozen=True)
class Pack:
    name: str
    root: Path
    origin: str  # where it was found, for messages: "$TORCHDOJO_PACKS", "entry point sample (dist 0.1)"
    title: str = ""
    format_version: int | None = None  # None: pack.toml does not say


def read_pack(root: Path, name: str | None = None, origin: str = "") -> Pack:
    """The pack in folder `root` (its pack.toml, when there is one); `name` is the default name."""
    root = Path(root)
    if not root.is_dir():
        raise CatalogError(f"{root}: a challenge pack must be a folder ({origin or 'given'})")
    data: dict = {}
    toml_path = root / PACK_FILE
    if toml_path.is_file():
        import tomllib

        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CatalogError(f"{toml_path}: not valid TOML: {exc}") from None
        for key, value in data.items():
            if key not in PACK_FIELDS:
                raise CatalogError(f"{toml_path}: unknown key {key!r} (known keys: {', '.join(PACK_FIELDS)})")
            if not isinstance(value, PACK_FIELDS[key]) or isinstance(value, bool):
                raise CatalogError(f"{toml_path}: {key!r} has the wrong type ({type(value).__name__})")
    version = data.get("format_version")
    if version is not None and not 1 <= version <= FORMAT_VERSION:
        raise CatalogError(f"{toml_path}: format_version {version} is not one this torchdojo reads "
                           f"(1 to {FORMAT_VERSION}); a newer torchdojo may read it")
    pack_name = data.get("name") or name or root.resolve().name.lower().replace("_", "-")
    if not ID_PATTERN.match(pack_name):
        raise CatalogError(f"{toml_path if data.get('name') else root}: pack name {pack_name!r} must be lowercase "
                           "words joined by '-' (set `name` in pack.toml)")
    return Pack(pack_name, root, origin, data.get("title", ""), version)


def is_catalog_folder(folder: Path) -> bool:
    """Whether `folder` is the built-in catalog or the one $TORCHDOJO_CHALLENGES names: a folder of
    challenges that every command reads as the catalog, not a pack, so it needs no pack.toml."""
    catalogs = [CHALLENGES_DIR] + [Path(p) for p in [os.environ.get(CATALOG_ENV_VAR)] if p]
    return any(Path(folder).resolve() == c.resolve() for c in catalogs)


def distribution_pack(folder: Path) -> Path | None:
    """The pack inside a distribution's folder: where an author builds a pack as a Python package, its
    pyproject.toml declares a ``torchdojo.packs`` entry point naming the package that is the pack, in
    ``src/<package>/`` or ``<package>/``. None when `folder` is a pack itself or declares no pack."""
    import tomllib

    folder = Path(folder)
    pyproject = folder / "pyproject.toml"
    if (folder / PACK_FILE).is_file() or not pyproject.is_file():
        return None
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{pyproject}: not valid TOML: {exc}") from None
    declared = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if not declared:
        return None
    if len(declared) > 1:
        raise FileNotFoundError(f"{pyproject} declares {len(declared)} packs ({', '.join(declared)}): name the "
                                "folder of the one to check")
    (name, value), = declared.items()
    package = Path(*str(value).split("."))
    found = next((p for p in (folder / "src" / package, folder / package) if p.is_dir()), None)
    if ":" in str(value) or found is None:  # "module:attr" is only known by importing it
        raise FileNotFoundError(f"{pyproject}: its pack {name!r} = {value!r} is not a package folder here "
                                f"(src/<package>/ or <package>/): name the pack's own folder")
    return found


def _entry_point_root(entry_point: importlib.metadata.EntryPoint) -> Path:
    """The folder an entry point names: a package's own folder, or what ``module:attr`` gives."""
    import importlib
    import importlib.util

    if entry_point.attr:
        value = getattr(importlib.import_module(entry_point.module), entry_point.attr)
        return Path(value() if callable(value) else value)
    spec = importlib.util.find_spec(entry_point.module)
    if spec is None:
        raise ModuleNotFoundError(entry_point.module)
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin).parent


def entry_points() -> list["importlib.metadata.EntryPoint"]:
    """The installed ``torchdojo.packs`` entry points, by name (scanning every distribution on
    sys.path: the slow part of finding the packs)."""
    import importlib.metadata

    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)


def discover_packs(installed: list | None = None) -> list[Pack]:
    """Every pack: the folders in $TORCHDOJO_PACKS, then the installed entry points (by name;
    `installed`, when given, is what :func:`entry_points` returned)."""
    packs: list[Pack] = []
    for entry in filter(None, os.environ.get(PACKS_ENV_VAR, "").split(os.pathsep)):
        packs.append(read_pack(Path(entry), origin=f"${PACKS_ENV_VAR}"))
    for entry_point in entry_points() if installed is None else installed:
        dist = getattr(entry_point, "dist", None)
        origin = f"entry point {entry_point.name!r}" + (f" of {dist.name} {dist.version}" if dist else "")
        try:
            root = _entry_point_root(entry_point)
        except Exception as exc:  # noqa: BLE001 - a broken installed pack is named, not a traceback
            raise CatalogError(f"the challenge pack of {origin} ({entry_point.value}) cannot be found: "
                               f"{type(exc).__name__}: {exc}") from None
        packs.append(read_pack(root, name=entry_point.name.lower().replace("_", "-"), origin=origin))
    unique: dict[Path, Pack] = {}
    for pack in packs:
        unique.setdefault(pack.root.resolve(), pack)
    return list(unique.values())


def pack_challenges(pack: Pack, first_number: int = 1, taken: set[str] | frozenset = frozenset()) -> list[Challenge]:
    """A pack's challenges as catalog entries: tracks ``<pack>/<track>``, numbers from `first_number`,
    an id already in `taken` namespaced as ``<pack>:<id>``."""
    challenges = []
    for offset, challenge in enumerate(load_catalog(pack.root)):
        challenges.append(dataclasses.replace(
            challenge, id=f"{pack.name}:{challenge.id}" if challenge.id in taken else challenge.id,
            number=first_number + offset, track=f"{pack.name}/{challenge.track}",
            track_folder=f"{pack.name}/{challenge.track_folder}", pack=pack.name))
    return challenges


def with_packs(base: Catalog, packs: list[Pack]) -> Catalog:
    """`base` followed by every pack's challenges (two packs of one name are an error)."""
    challenges = list(base.challenges)
    names: dict[str, Pack] = {}
    for pack in packs:
        if pack.name in names:
            raise CatalogError(f"two challenge packs are called {pack.name!r}: {names[pack.name].root} "
                               f"({names[pack.name].origin}) and {pack.root} ({pack.origin}); rename one in its "
                               f"{PACK_FILE}")
        names[pack.name] = pack
        added = pack_challenges(pack, len(challenges) + 1, {c.id for c in challenges})
        ids = {c.id for c in challenges}
        clash = next((c for c in added if c.id in ids), None)
        if clash is not None:
            raise CatalogError(f"{clash.path}: id {clash.id!r} is taken twice")
        challenges += added
    return Catalog(tuple(challenges))
