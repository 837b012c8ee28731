"""What is graded: a learner's source text (with the file name to show) or objects from a notebook."""
from __future__ import annotations

import inspect
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SourceUnreadable(Exception):
    """The learner's file cannot be read or decoded as Python source."""


@dataclass(frozen=True)
class Submission:
    label: str  # file path (or name) shown to the learner
    source: str | None = None
    objects: dict[str, Any] | None = None

    def learner_files(self) -> list[str]:
        """The files whose frames are the learner's own (for trimming tracebacks)."""
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
