"""Known mistakes ("mutants"): plausible wrong answers a challenge's checks must reject.

A challenge's `mutants.py` defines ``MUTANTS``, a list of :class:`Mutant`. Most mutants are small
edits of the reference solution, so they stay next to it and read like the mistake::

    MUTANTS = [
        Mutant("missing-half", "the quadratic branch is missing ½: use 0.5·r² where |r| ≤ δ",
               replace={"0.5 * r**2": "r**2"}),
    ]

A mutant can also carry a whole `source` when the mistake is a different program. Each edit's
old text must occur exactly once in the solution; the catalog test enforces it. For a folder
challenge the solution is a folder, and each edit applies to the one file that holds its old text
(it must occur once in the whole folder).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class MutantError(ValueError):
    """A mutant that cannot be built from the solution (its edit no longer applies)."""


@dataclass(frozen=True)
class Mutant:
    name: str
    diagnosis: str  # one line, addressed to the learner: what the mistake is and how to fix it
    replace: dict[str, str] = field(default_factory=dict)
    source: str | dict[str, str] | None = None

    def build(self, solution: str | dict[str, str]) -> str | dict[str, str]:
        """The mutant's program: `source`, or the solution (a file, or a folder) with each edit applied."""
        if self.source is not None:
            return self.source
        if not self.replace:
            raise MutantError(f"mutant {self.name!r} needs `replace` edits or a `source`")
        files = dict(solution) if isinstance(solution, dict) else {"": solution}
        for old, new in self.replace.items():
            holders = [name for name, text in files.items() if old in text]
            found = sum(files[name].count(old) for name in holders)
            if found != 1:
                raise MutantError(f"mutant {self.name!r}: {old!r} occurs {found} times in the solution, expected once")
            files[holders[0]] = files[holders[0]].replace(old, new)
        return files if isinstance(solution, dict) else files[""]


def load_mutants(challenge_dir: Path) -> list[Mutant]:
    """Import a challenge's mutants.py and return its MUTANTS list."""
    from torchdojo.grading.loading import import_file

    path = challenge_dir / "mutants.py"
    module = import_file(path, "torchdojo_mutants")
    mutants = getattr(module, "MUTANTS", None)
    if not isinstance(mutants, list) or not all(isinstance(m, Mutant) for m in mutants):
        raise MutantError(f"{path}: MUTANTS must be a list of Mutant")
    return mutants
