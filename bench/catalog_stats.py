"""Per challenge: kind, checks, mutants, alternatives, the warm grading time of the reference solution and
its slowest check (median of several gradings, this machine), and the CPU it ran on.

Usage: python bench/catalog_stats.py [--repeat 5] [--training-repeat 1] [ID ...]
(training, debug and project challenges train in every grading: they are graded --training-repeat times)
"""
from __future__ import annotations

import argparse
import statistics

import torch

from torchdojo.catalog import catalog
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.runner import checks_for, grade
from torchdojo.train.device import cpu_name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--training-repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"cpu: {cpu_name()} ({torch.backends.cpu.get_cpu_capability()}); the learner's process uses one thread")
    print(f"{'challenge':<26} {'kind':<8} {'checks':>6} {'mutants':>7} {'alts':>4} {'grading':>9}  slowest check")
    for challenge in catalog():
        if args.ids and challenge.id not in args.ids:
            continue
        solution = challenge.source("solution")
        repeat = args.repeat if challenge.kind == "unit" else args.training_repeat
        if challenge.kind == "unit":
            grade(challenge, solution)  # imports checks.py first
        reports = [grade(challenge, solution, label="solution") for _ in range(repeat)]
        durations: dict[str, list[float]] = {}
        for report in reports:
            assert report.passed, (challenge.id, report.load_error, [r.message for r in report.results if not r.passed])
            for result in report.results:
                durations.setdefault(result.name, []).append(result.duration)
        slowest = max(durations, key=lambda name: statistics.median(durations[name]))
        print(f"{challenge.id:<26} {challenge.kind:<8} {len(checks_for(challenge)):>6} "
              f"{len(load_mutants(challenge.path)):>7} {len(challenge.alternatives()):>4} "
              f"{statistics.median(r.duration for r in reports):>7.2f} s  {slowest} "
              f"({statistics.median(durations[slowest]):.2f} s)", flush=True)


if __name__ == "__main__":
    main()
