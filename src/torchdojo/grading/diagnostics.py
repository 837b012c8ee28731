"""Pure functions that turn a wrong answer into a teaching sentence.

- :func:`mismatch_summary`: "37 of 64 elements differ (57.8%); worst at index (3, 7): got 0.52,
  expected 0.26 (|diff| 0.26 > tolerance 2.6e-06)", in the spirit of ``torch.testing``.
- :func:`fingerprint`: a rounded digest of a value, so two failures can be compared.
- :func:`learner_traceback`: a traceback trimmed to the learner's own frames, plus "file:line".
- :func:`match_mistake`: which known mistake (mutant) a failing report looks like.
- :func:`generic_diagnosis`: when none does, what kind of mistake the failed properties point at.
- :func:`printable`: text from the learner's process with terminal control sequences made visible.
"""
from __future__ import annotations

import os
import re
import traceback
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # torch is imported by the callers; nothing here needs it at import time
    import torch

    from torchdojo.grading.report import KnownMistake, Report


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def mismatch_summary(got: "torch.Tensor", expected: "torch.Tensor", rtol: float, atol: float) -> str | None:
    """None when `got` is close to `expected` (same shape assumed), else a quantitative summary."""
    import torch

    got64, exp64 = got.detach().double().cpu(), expected.detach().double().cpu()
    tolerance = atol + rtol * exp64.abs()
    nan_mismatch = torch.isnan(got64) != torch.isnan(exp64)
    diff = (got64 - exp64).abs().nan_to_num(nan=float("inf"))
    both_nan = torch.isnan(got64) & torch.isnan(exp64)
    bad = ((diff > tolerance) | nan_mismatch) & ~both_nan
    n_bad, n = int(bad.sum()), bad.numel()
    if n_bad == 0:
        return None
    if got64.dim() == 0:
        return (f"got {_fmt(got64.item())}, expected {_fmt(exp64.item())} "
                f"(|diff| {_fmt(diff.item())} > tolerance {_fmt(tolerance.item())})")
    import numpy

    excess = torch.where(bad, diff - tolerance, torch.full_like(diff, -1.0))
    flat = int(excess.argmax())
    index = tuple(int(i) for i in numpy.unravel_index(flat, tuple(bad.shape)))
    where = index[0] if len(index) == 1 else index
    g, e = got64.reshape(-1)[flat].item(), exp64.reshape(-1)[flat].item()
    return (f"{n_bad} of {n} elements differ ({100 * n_bad / n:.1f}%); worst at index {where}: "
            f"got {_fmt(g)}, expected {_fmt(e)} "
            f"(|diff| {_fmt(diff.reshape(-1)[flat].item())} > tolerance {_fmt(tolerance.reshape(-1)[flat].item())})")


def fingerprint(value: object, digits: int = 4) -> str:
    """A short, rounded digest of a value: equal for the same wrong answer computed twice,
    even through a slightly different order of floating-point operations."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        torch = None
    if torch is not None and isinstance(value, torch.Tensor):
        flat = value.detach().double().cpu().reshape(-1)
        head = ",".join(f"{v:.{digits}g}" for v in flat[:16].tolist())
        total = f"{flat.sum().item():.{digits}g}" if flat.numel() else "0"
        return f"{tuple(value.shape)}|{head}|{total}"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return repr(value)[:200]


def learner_traceback(exc: BaseException, learner_files: Iterable[str], message: str | None = None) -> tuple[str, str]:
    """(trimmed traceback text, "file:line" of the innermost learner frame or "").

    Frames outside the learner's files (torchdojo, torch, the standard library) are dropped; if
    none is left, the innermost frame is kept so the message still names a place.
    """
    files = {os.path.abspath(f) for f in learner_files}
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if os.path.abspath(f.filename) in files]
    location = f"{os.path.basename(mine[-1].filename)}:{mine[-1].lineno}" if mine else ""
    shown = mine or frames[-1:]
    lines = ["Traceback (your code, innermost last):\n"] if shown else []
    lines += traceback.format_list(shown)
    if message is None:
        lines += traceback.format_exception_only(type(exc), exc)
    else:  # already made safe by the caller (a __str__ that raises, a 20 MB message)
        lines.append(f"{type(exc).__name__}: {message}\n" if message else f"{type(exc).__name__}\n")
    return "".join(lines).rstrip(), location


def match_mistake(report: "Report", mutants: Iterable[tuple[str, str, object]]) -> "KnownMistake | None":
    """The first mutant (name, diagnosis, how it failed: ``Report.signature()`` as JSON gives it back,
    None if it passed) that failed exactly like `report`."""
    import json

    from torchdojo.grading.report import KnownMistake

    if report.passed:
        return None
    signature = json.loads(json.dumps(report.signature()))
    for name, diagnosis, mutant_signature in mutants:
        if mutant_signature is not None and mutant_signature == signature:
            return KnownMistake(name=name, diagnosis=diagnosis)
    return None


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text that came from the learner's process, safe for a terminal: escape sequences, carriage
    returns and other control characters become visible ``\\x1b``-style escapes."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# kind of the failed property -> what it usually means (the first failed kind that is listed wins)
GENERIC = {
    "inplace": "an input changed: an in-place operation (`+=`, `.add_()`, `x[...] =`, `.data`) modified the "
               "caller's tensor; compute a new tensor instead",
    "nonfinite-grad": "a gradient is NaN or inf where torch's is finite: sqrt or abs at 0, a division by a value "
                      "that can be 0, or exp of a large number; rewrite that step in a stable form",
    "detached": "the result is cut from the autograd graph (torch.tensor(...), .item(), float(), .detach(), "
                "NumPy): keep the computation in torch operations on the input tensors",
    "singleton": "a dimension of size 1 is missing or extra: check squeeze/unsqueeze, keepdim=, and indexing "
                 "with [0] versus [:1]",
    "float64": "the result is float64: a NumPy array, a Python float or a tensor made as float64 (.double(), "
               "dtype=torch.float64) leaked in; keep the inputs' dtype",
    "type": "the function returns the wrong type of value",
    "delegated": "the code calls the very built-in the challenge asks you to write by hand",
    "loops": "the work grows with the input in Python: a loop where broadcasting would do",
    "init": "a fresh module holds uninitialised or extreme values: initialise every parameter",
}  # ("state" failures, from a state_dict's layout to a mode not restored, have no one meaning: none said)
GRADIENT_ONLY = ("the values are right but a gradient is wrong: the graph is cut somewhere (.detach(), "
                 "torch.tensor(...), .item(), NumPy) or a hand-written backward is wrong")


def generic_diagnosis(report: "Report") -> str:
    """What kind of mistake the failed properties point at, when no known mistake matched."""
    failed = [r for r in report.results if not r.passed and r.status.value == "failed"]
    kinds = [r.kind for r in failed]
    for kind, advice in GENERIC.items():
        if kind in kinds:
            return advice
    if kinds and all(k == "grad" for k in kinds):
        return GRADIENT_ONLY
    return ""
