"""Per challenge: checks, mutants, alternatives, the warm grading time of the reference solution and
its slowest check (median of several gradings, this machine). Usage: python bench/catalog_stats.py"""
from __future__ import annotations

import statistics

from torchdojo.catalog import catalog
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.runner import checks_for, grade


def main(repeat: int = 5) -> None:
    print(f"{'challenge':<20} {'checks':>6} {'mutants':>7} {'alts':>4} {'grading':>9}  slowest check")
    for challenge in catalog():
        solution = challenge.read("solution.py")
        grade(challenge, solution)  # imports checks.py
        reports = [grade(challenge, solution) for _ in range(repeat)]
        durations: dict[str, list[float]] = {}
        for report in reports:
            assert report.passed, challenge.id
            for result in report.results:
                durations.setdefault(result.name, []).append(result.duration)
        slowest = max(durations, key=lambda name: statistics.median(durations[name]))
        print(f"{challenge.id:<20} {len(checks_for(challenge)):>6} {len(load_mutants(challenge.path)):>7} "
              f"{len(challenge.alternatives()):>4} {statistics.median(r.duration for r in reports) * 1000:>7.0f} ms"
              f"  {slowest} ({statistics.median(durations[slowest]) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
