"""torchdojo: a self-checking PyTorch curriculum.

From a script or a notebook::

    from torchdojo import check, hint
    report = check("huber-loss", HuberLoss=MyHuber)   # grades objects defined right here
    hint("huber-loss")                                  # the next hint, escalating

Heavy modules (torch, the grader) are imported only when these functions are called.
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["check", "hint", "__version__"]


def check(challenge_id: str, file: str | None = None, **objects):
    """Grade `objects` (e.g. ``HuberLoss=MyHuber``) or a `file` against a challenge.

    The objects are seen by the isolated child process through fork, so nothing is pickled.
    Returns a :class:`torchdojo.grading.report.Report`; in a notebook it displays itself.
    """
    from torchdojo.notebook import check as _check

    return _check(challenge_id, file=file, **objects)


def hint(challenge_id: str, level: int | None = None) -> str:
    """Return the next hint for a challenge (or hint number `level`, counted from 1)."""
    from torchdojo.notebook import hint as _hint

    return _hint(challenge_id, level)
