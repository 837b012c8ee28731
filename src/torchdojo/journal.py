"""The learner's journal: the day-by-day table of the TorchLeet journey (Day | Task | Gaps |
Key learnings | Resources), filled from the learner's own attempts, hints and notes."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from torchdojo.catalog import Catalog, UnknownChallenge
from torchdojo.progress import ProgressStore
from torchdojo.workspace import KNOWN_MISTAKE


@dataclass
class JournalDay:
    day: int  # 1 for the first day with any activity
    date: dt.date
    tasks: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # per challenge: checks failed, known mistakes, hints
    learnings: list[str] = field(default_factory=list)  # the learner's notes
    resources: list[tuple[str, str]] = field(default_factory=list)  # (title, url)


def _date(timestamp: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp).date()


def build_journal(store: ProgressStore, catalog: Catalog) -> list[JournalDay]:
    """One entry per calendar day with activity, in order."""
    attempts, hints, notes = defaultdict(list), defaultdict(list), defaultdict(list)
    for a in store.attempts():
        attempts[_date(a["at"])].append(a)
    for h in store.hint_events():
        hints[_date(h["at"])].append(h)
    for n in store.notes():
        notes[_date(n["at"])].append(n)
    days = sorted(set(attempts) | set(hints) | set(notes))
    return [_day(i + 1, date, attempts[date], hints[date], notes[date], catalog) for i, date in enumerate(days)]


def _day(number: int, date: dt.date, attempts: list, hints: list, notes: list, catalog: Catalog) -> JournalDay:
    entry = JournalDay(number, date)
    touched = list(dict.fromkeys([a["challenge"] for a in attempts] + [h["challenge"] for h in hints]))
    for challenge_id in touched:
        try:
            challenge = catalog.get(challenge_id)
        except UnknownChallenge:  # recorded by another version of the catalog
            continue
        mine = [a for a in attempts if a["challenge"] == challenge_id]
        solved = any(a["passed"] for a in mine)
        entry.tasks.append(f"{challenge.title} ({challenge.difficulty}){' — solved' if solved else ''}")
        failed = dict.fromkeys(r["name"] for a in mine for r in a["results"] if _a_gap(r))
        titles = _check_titles(challenge)
        entry.gaps += [f"{challenge.id}: {titles.get(name, name)}" for name in failed]
        entry.gaps += [f"{challenge.id}: known mistake: {diagnosis}" for diagnosis in dict.fromkeys(
            r["message"] for a in mine for r in a["results"] if r["name"] == KNOWN_MISTAKE)]
        n_hints = sum(1 for h in hints if h["challenge"] == challenge_id)
        if n_hints:
            entry.gaps.append(f"{challenge.id}: {n_hints} hint{'s' if n_hints > 1 else ''}")
        entry.resources += [(r.title, r.url) for r in challenge.resources]
    entry.learnings = [n["text"] for n in notes]
    return entry


def _a_gap(result: dict) -> bool:
    """A check the learner actually failed: not passed, not skipped, not a TODO still in place, and a
    check (a file that did not load is not a gap in knowledge of any one check)."""
    unfinished = result.get("fingerprint") == "todo" or result.get("message", "").startswith("not implemented yet")
    return result["status"] not in ("passed", "skipped") and not unfinished and \
        result["name"] not in ("load", KNOWN_MISTAKE)


def _check_titles(challenge) -> dict[str, str]:
    """Check names to the sentences the learner saw, read from checks.py without importing it."""
    import ast

    from torchdojo.grading.loading import title_of

    tree = ast.parse(challenge.read("checks.py"))
    return {node.name: title_of(ast.get_docstring(node), node.name)
            for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")}
