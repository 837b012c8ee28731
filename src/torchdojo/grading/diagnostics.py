"""Pure functions that turn a wrong answer into a teaching sentence.

- :func:`mismatch_summary`: "37 of 64 elements differ (57.8%); worst at index (3, 7): got 0.52,
  expected 0.26 (|diff| 0.26 > tolerance 2.6e-06)", in the spirit of ``torch.testing``.
- :func:`fingerprint`: a rounded digest of a value, so two failures can be compared.
- :func:`learner_traceback`: a traceback trimmed to the learner's own frames, plus "file:line".
- :func:`match_mistake`: which known mistake (mutant) a failing report looks like.
"""
from __future__ import annotations

import os
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
    excess = torch.where(bad, diff - tolerance, torch.full_like(diff, -1.0))
    flat = int(excess.argmax())
    index = _unravel(flat, tuple(bad.shape))
    where = index[0] if len(index) == 1 else index
    g, e = got64.reshape(-1)[flat].item(), exp64.reshape(-1)[flat].item()
    return (f"{n_bad} of {n} elements differ ({100 * n_bad / n:.1f}%); worst at index {where}: "
            f"got {_fmt(g)}, expected {_fmt(e)} "
            f"(|diff| {_fmt(diff.reshape(-1)[flat].item())} > tolerance {_fmt(tolerance.reshape(-1)[flat].item())})")


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The multi-index of a flat position (torch.unravel_index costs ~0.6 s on first use)."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


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


def learner_traceback(exc: BaseException, learner_files: Iterable[str]) -> tuple[str, str]:
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
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip(), location


def match_mistake(report: "Report", mutants: Iterable[tuple[str, str, "Report"]]) -> "KnownMistake | None":
    """The first mutant (name, diagnosis, its report) that failed exactly like `report`."""
    from torchdojo.grading.report import KnownMistake

    if report.passed:
        return None
    signature = report.signature()
    for name, diagnosis, mutant_report in mutants:
        if not mutant_report.passed and mutant_report.signature() == signature:
            return KnownMistake(name=name, diagnosis=diagnosis)
    return None
