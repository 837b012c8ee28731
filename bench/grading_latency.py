"""How fast does a learner hear back? Prints, measured side by side in one run (interleaved, so a
noisy minute hits every measurement alike):

(a) `python -c "import torch"` wall time: the floor any fresh command pays;
(b) a cold `torchdojo check huber-loss` wall time (a new process: import, grade, record), for a
    passing file and for a known mistake (which also grades the mutants to name it);
(c) the median re-grade of huber-loss in a warm process (what `torchdojo.check` in a notebook and
    `torchdojo watch` pay), learner process included;
(d) `torchdojo verify` wall time (every reference solution);
(e) the first `torchdojo check` with no warm grader running (it starts one: torchdojo.server), then
    warm checks answered by it, for a passing file and for a known mistake (whole processes).

With ``--baseline DIR`` (another checkout of torchdojo, e.g. a git worktree of an older commit)
every measurement is also taken for that code, interleaved with this one, and the ratios printed.

Usage: python bench/grading_latency.py [--repeat 9] [--baseline ../before]
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

HERE = Path(__file__).resolve().parent.parent
REGRADE = """
import statistics, sys, time
from torchdojo.catalog import catalog
from torchdojo.grading.runner import grade
huber = catalog().get("huber-loss")
solution = huber.read("solution.py")
assert grade(huber, solution).passed  # the first grading imports checks.py: not what a re-grade pays
times = []
for _ in range(int(sys.argv[1])):
    began = time.perf_counter()
    assert grade(huber, solution).passed
    times.append(time.perf_counter() - began)
print(statistics.median(times))
"""
MUTANT = """
from torchdojo.catalog import catalog
from torchdojo.grading.mutants import load_mutants
huber = catalog().get("huber-loss")
print(next(m for m in load_mutants(huber.path) if m.name == "missing-half").build(huber.read("solution.py")))
"""


STOP = "from torchdojo import client\ntry:\n    client.request({'op': 'stop'})\nexcept client.Unavailable:\n    pass\n"


def env_for(root: Path, server: bool = False) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    for name in ("TORCHDOJO_NO_SERVER", "CI", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env if server else dict(env, TORCHDOJO_NO_SERVER="1")


def wall(cmd: list[str], root: Path, cwd: Path | None = None, expect: int | None = 0, server: bool = False) -> float:
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env_for(root, server))
    elapsed = time.perf_counter() - began
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def output(code: str, root: Path, *args: str, server: bool = False) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env_for(root, server), check=True)
    return done.stdout


def measure_once(root: Path, ws: Path, samples: dict[str, list[float]]) -> None:
    """One sample of every cold measurement for the code under `root`."""
    torchdojo = [sys.executable, "-m", "torchdojo"]
    solution = (root / "src/torchdojo/challenges/03-essentials/05-huber-loss/solution.py").read_text()
    learner_file = ws / "03-essentials" / "huber_loss.py"
    learner_file.parent.mkdir(parents=True, exist_ok=True)
    learner_file.write_text(solution)
    samples["b_pass"].append(wall(torchdojo + ["check", "huber-loss"], root, cwd=ws))
    learner_file.write_text(output(MUTANT, root))
    samples["b_fail"].append(wall(torchdojo + ["check", "huber-loss"], root, cwd=ws, expect=1))
    output(STOP, root, server=True)  # (e): the first check starts the warm grader, the next ones use it
    learner_file.write_text(solution)
    samples["e_first"].append(wall(torchdojo + ["check", "huber-loss"], root, cwd=ws, server=True))
    for _ in range(3):
        learner_file.write_text(solution)
        samples["e_pass"].append(wall(torchdojo + ["check", "huber-loss"], root, cwd=ws, server=True))
        learner_file.write_text(output(MUTANT, root))
        samples["e_fail"].append(wall(torchdojo + ["check", "huber-loss"], root, cwd=ws, expect=1, server=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    options = parser.parse_args()
    roots = {"this": HERE} | ({"baseline": options.baseline.resolve()} if options.baseline else {})
    results: dict[str, dict[str, list[float]]] = {name: {k: [] for k in ("b_pass", "b_fail", "c", "d", "e_first",
                                                                          "e_pass", "e_fail")}
                                                 for name in roots}
    floor: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, root in roots.items():
            wall([sys.executable, "-m", "torchdojo", "init", str(Path(tmp) / name)], root)
        for i in range(options.repeat):
            floor.append(wall([sys.executable, "-c", "import torch"], HERE))
            for name, root in roots.items():
                measure_once(root, Path(tmp) / name, results[name])
                if i % 3 == 0:
                    results[name]["c"].append(float(output(REGRADE, root, "20")))
                    results[name]["d"].append(wall([sys.executable, "-m", "torchdojo", "verify"], root))
        for root in roots.values():
            output(STOP, root, server=True)
    report(floor, results, options.repeat)


def report(floor: list[float], results: dict[str, dict[str, list[float]]], repeat: int) -> None:
    a = statistics.median(floor)
    from torchdojo.train.device import cpu_name

    print(f"cpu: {cpu_name()}, {os.cpu_count()} cores; repeats: {repeat} (medians)")
    print(f"(a) python -c 'import torch'                 {a:6.2f} s")
    medians = {name: {k: statistics.median(v) for k, v in m.items() if v} for name, m in results.items()}
    for name, m in medians.items():
        print(f"--- {name}")
        print(f"(b) cold torchdojo check huber-loss (pass)   {m['b_pass']:6.2f} s   (b)/(a) = {m['b_pass'] / a:.2f}")
        print(f"    cold check, known mistake named          {m['b_fail']:6.2f} s   (b)/(a) = {m['b_fail'] / a:.2f}")
        print(f"(c) warm re-grade, learner process included {m['c'] * 1000:6.1f} ms")
        print(f"(d) torchdojo verify                         {m['d']:6.2f} s")
        if m.get("e_pass"):
            first, warm = m["e_first"], m["e_pass"]
            print(f"(e) first check, starting the warm grader    {first:6.2f} s   (e)/(a) = {first / a:.2f}")
            print(f"    warm check (pass)                        {warm:6.2f} s   (e)/(a) = {warm / a:.2f}")
            print(f"    warm check, known mistake named          {m['e_fail']:6.2f} s   "
                  f"fail - pass = {m['e_fail'] - m['e_pass']:+.3f} s")
    if "baseline" in medians:
        this, base = medians["this"], medians["baseline"]
        print("--- this / baseline: " + ", ".join(f"{k} {this[k] / base[k]:.2f}" for k in ("b_pass", "b_fail", "c", "d")
                                                    if k in this and k in base))


if __name__ == "__main__":
    main()
