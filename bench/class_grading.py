"""How long does a class take to grade? Generates a class of N students, each handing in 8 unit
challenges (the first eight of the catalog: a third of the answers right, the rest known mistakes),
grades it with the gradebook as `torchdojo grade` does, and prints the wall time, the cost per grading
and the gradings per second; then reruns it to show that unchanged submissions are reused.

Usage: python bench/class_grading.py [--students 200] [--jobs 0]   (0: every core)
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from torchdojo.catalog import catalog
from torchdojo.gradebook import Batch
from torchdojo.grading.mutants import load_mutants


def make_class(root: Path, students: int, challenges) -> None:
    for s in range(students):
        folder = root / f"student{s:03d}"
        folder.mkdir(parents=True)
        for c, challenge in enumerate(challenges):
            mutants = load_mutants(challenge.path)
            pick = (s + c) % 3
            source = challenge.source("solution") if pick == 0 else mutants[(s + c) % len(mutants)].build(
                challenge.source("solution"))
            (folder / challenge.file).write_text(source)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    os.environ["TORCHDOJO_NO_SERVER"] = "1"
    chosen = [c for c in catalog() if c.kind == "unit" and not c.is_folder][:8]
    with tempfile.TemporaryDirectory() as folder:
        root, out = Path(folder) / "class", Path(folder) / "grades"
        make_class(root, args.students, chosen)
        began = time.perf_counter()
        batch = Batch(root, chosen, out, jobs=args.jobs).run()
        wall = time.perf_counter() - began
        jobs = args.jobs or os.cpu_count()
        print(f"{args.students} students × {len(chosen)} challenges ({', '.join(c.id for c in chosen)}), "
              f"{jobs} workers on {os.cpu_count()} cores")
        print(f"graded {batch.graded} in {wall:.1f} s: {wall / max(batch.graded, 1) * 1000:.0f} ms wall per grading, "
              f"{batch.graded / wall:.1f} gradings/s, ≈{wall * jobs / max(batch.graded, 1) * 1000:.0f} ms of a core each")
        began = time.perf_counter()
        again = Batch(root, chosen, out, jobs=args.jobs).run()
        print(f"rerun with nothing changed: {again.reused} reused, {again.graded} graded, "
              f"{time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
