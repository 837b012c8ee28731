"""How fast does a learner hear back? Prints, measured side by side in one run:

(a) `python -c "import torch"` wall time: the floor any fresh command pays;
(b) a cold `torchdojo check huber-loss` wall time (a new process: import, fork, grade, record),
    for a passing file and for a known mistake (which also grades the mutants to name it);
(c) the median in-process re-grade of huber-loss through the engine, fork included
    (what `torchdojo.check` in a notebook and a long-lived watcher pay);
(d) `torchdojo verify` wall time (every reference solution).

Usage: python bench/grading_latency.py [--repeat 9]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], cwd: Path | None = None, expect: int | None = 0) -> float:
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def median_wall(cmd: list[str], repeat: int, **kwargs) -> float:
    return statistics.median(wall(cmd, **kwargs) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    repeat = parser.parse_args().repeat
    torchdojo = [sys.executable, "-m", "torchdojo"]

    from torchdojo.catalog import catalog
    from torchdojo.grading.mutants import load_mutants

    huber = catalog().get("huber-loss")
    solution = huber.read("solution.py")
    missing_half = next(m for m in load_mutants(huber.path) if m.name == "missing-half").build(solution)

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        wall(torchdojo + ["init", str(ws)])
        learner_file = ws / huber.track_folder / huber.file
        learner_file.parent.mkdir(parents=True, exist_ok=True)
        check = torchdojo + ["check", "huber-loss"]
        samples: dict[str, list[float]] = {"a": [], "b_pass": [], "b_fail": []}
        for _ in range(repeat):  # interleaved, so a noisy minute hits every measurement alike
            samples["a"].append(wall([sys.executable, "-c", "import torch"]))
            learner_file.write_text(solution)
            samples["b_pass"].append(wall(check, cwd=ws))
            learner_file.write_text(missing_half)
            samples["b_fail"].append(wall(check, cwd=ws, expect=1))
        a, b_pass, b_fail = (statistics.median(samples[k]) for k in ("a", "b_pass", "b_fail"))

    from torchdojo.grading.runner import grade

    grade(huber, solution)  # first grading imports checks.py; not what a re-grade pays
    times = []
    for _ in range(max(20, repeat)):
        began = time.perf_counter()
        report = grade(huber, solution)
        times.append(time.perf_counter() - began)
        assert report.passed
    c = statistics.median(times)
    d = median_wall(torchdojo + ["verify"], max(1, repeat // 2))

    print(f"cpu cores: {os.cpu_count()}, repeats: {repeat} (medians)")
    print(f"(a) python -c 'import torch'                 {a:6.2f} s")
    print(f"(b) cold torchdojo check huber-loss (pass)   {b_pass:6.2f} s   (b)/(a) = {b_pass / a:.2f}   target <= 1.3")
    print(f"    cold check, known mistake named          {b_fail:6.2f} s   ratio   = {b_fail / a:.2f}")
    print(f"(c) in-process re-grade, fork included       {c * 1000:6.1f} ms  target <= 150 ms")
    print(f"(d) torchdojo verify ({len(catalog())} challenges)         {d:6.2f} s")


if __name__ == "__main__":
    main()
