"""Walk every challenge as a learner would, through the command line: start it, check the untouched
template, check a wrong answer (each of the challenge's known mistakes in turn, or the first few),
ask for two hints, then check the reference solution. Prints, per challenge, what the report said
about the wrong answers (the known mistake it named, or the checks that failed) and whether the
template pointed at a TODO and the solution passed.

Usage: python bench/learner_walk.py [--mistakes 2] [ID ...]
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from torchdojo.catalog import catalog
from torchdojo.cli.app import app
from torchdojo.grading.mutants import load_mutants
from torchdojo.grading.runner import names_mistakes


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def write(path: Path, source) -> None:
    if isinstance(source, dict):
        for name, text in source.items():
            (path / name).write_text(text)
    else:
        path.write_text(source)


def walk(challenge, workspace: Path, mistakes: int) -> list[str]:
    lines = []
    code, _ = run("start", challenge.id)
    path = workspace / challenge.track_folder / challenge.file.rstrip("/")
    code, out = run("check", challenge.id)
    todo = code == 1 and ("TODO" in out or "not implemented yet" in out or "still as it came" in out)
    for mutant in load_mutants(challenge.path)[:mistakes]:
        write(path, mutant.build(challenge.source("solution")))
        code, out = run("check", challenge.id)
        named = "Known mistake:" in out and mutant.diagnosis[:60] in " ".join(out.split())
        failed = [line.split(None, 1)[1][:60] for line in out.splitlines()
                  if line.strip().startswith(("FAIL", "ERROR", "TIMEOUT", "CRASH"))]
        verdict = "named" if named else ("rejected: " + (failed[0] if failed else "?")) if code == 1 else "PASSED (!)"
        lines.append(f"    {mutant.name:<32} {verdict}")
    hints = [run("hint", challenge.id)[0] for _ in range(2)]
    write(path, challenge.source("solution"))
    code, out = run("check", challenge.id)
    head = (f"{challenge.id:<26} template→TODO {'yes' if todo else 'NO'}  hints {'ok' if hints == [0, 0] else hints}"
            f"  solution {'passes' if code == 0 else 'FAILS'}  mistakes named at check: "
            f"{'yes' if names_mistakes(challenge) else 'no (training/slow: checks explain)'}")
    return [head] + lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--mistakes", type=int, default=2)
    args = parser.parse_args()
    os.environ["TORCHDOJO_NO_SERVER"] = "1"
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws"
        run("init", str(workspace))
        os.chdir(workspace)
        for challenge in catalog():
            if not args.ids or challenge.id in args.ids:
                print("\n".join(walk(challenge, workspace, args.mistakes)), flush=True)


if __name__ == "__main__":
    main()
