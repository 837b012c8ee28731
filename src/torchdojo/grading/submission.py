"""What is graded: a learner's source text (with the file name to show), a folder of files (debug and
project challenges), or objects from a notebook."""
from __future__ import annotations

import inspect
import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SourceUnreadable(Exception):
    """The learner's file cannot be read or decoded as Python source."""


@dataclass(frozen=True)
class Submission:
    label: str  # file or folder path (or name) shown to the learner
    source: str | dict[str, str] | None = None  # one file's text, or a folder's {file name: text}
    objects: dict[str, Any] | None = None
    workdir: str | None = None  # the grading's scratch folder: the learner's process runs in it

    @property
    def is_folder(self) -> bool:
        return isinstance(self.source, dict)

    def path_of(self, name: str) -> str:
        """How a folder's file is named to the learner (its path in their folder)."""
        return os.path.join(self.label, name)

    def learner_files(self) -> list[str]:
        """The files whose frames are the learner's own (for trimming tracebacks)."""
        if isinstance(self.source, dict):
            return [self.path_of(name) for name in self.source]
        if self.source is not None:
            return [self.label]
        files = []
        for obj in (self.objects or {}).values():
            try:
                files.append(inspect.getsourcefile(obj) or "")
            except TypeError:  # builtins and instances have no source file
                pass
        return [f for f in files if f]


def read_source(path: Path) -> str:
    """A Python file's text, decoded as Python decodes it (PEP 263 coding cookie, UTF-8 BOM)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc
        raise SourceUnreadable(f"{Path(path).name} is not readable as Python source ({reason}); save it as UTF-8, "
                               "or declare its encoding on the first line: # -*- coding: latin-1 -*-") from None


FOLDER_SUFFIXES = (".py", ".md", ".txt", ".toml", ".csv", ".json")
MAX_FOLDER_FILES, MAX_FOLDER_BYTES = 50, 2 << 20


def read_folder(path: Path) -> dict[str, str]:
    """A learner's folder: its Python (and small text) files by name, decoded as Python decodes
    source. Subfolders, caches and what the code wrote (PNGs, checkpoints) are not part of it."""
    if not Path(path).is_dir():
        raise SourceUnreadable(f"{path} is not a folder")
    files = sorted(p for p in Path(path).iterdir() if p.is_file() and p.suffix in FOLDER_SUFFIXES)
    if len(files) > MAX_FOLDER_FILES or sum(p.stat().st_size for p in files) > MAX_FOLDER_BYTES:
        raise SourceUnreadable(f"{path} holds more than {MAX_FOLDER_FILES} files or 2 MiB of source; "
                               "is it the right folder?")
    return {p.name: read_source(p) for p in files}


def write_folder(files: dict[str, str], target: Path) -> None:
    """Lay a folder's files out in `target` (the grading's scratch copy)."""
    for name, text in files.items():
        if os.path.basename(name) != name or name.startswith("."):
            raise SourceUnreadable(f"{name!r} is not a plain file name")
        (target / name).write_text(text, encoding="utf-8")
